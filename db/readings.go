package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HomeReading is one reading a patient's own device took, kept apart from
// the clinic's vitals (schema 28). Values are in canonical units; a nil
// one was not part of the reading.
type HomeReading struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patientId"`
	TakenAt        time.Time `json:"takenAt"`
	TakenLocal     string    `json:"takenLocal"` // the device's wall clock, 'YYYY-MM-DDTHH:MM'
	Kind           string    `json:"kind"`       // bp, weight, pulse, spo2, glucose
	Systolic       *float64  `json:"systolic"`
	Diastolic      *float64  `json:"diastolic"`
	Pulse          *float64  `json:"pulse"`
	WeightKg       *float64  `json:"weightKg"`
	SpO2           *float64  `json:"spo2"`
	GlucoseMgDl    *float64  `json:"glucoseMgDl"`
	GlucoseContext string    `json:"glucoseContext"`
	Source         string    `json:"source"` // file, gateway, entered
	ImportID       string    `json:"importId"`
	TokenID        string    `json:"tokenId"`
	Device         string    `json:"device"`
	Comment        string    `json:"comment"`
	Codes          string    `json:"codes"` // JSON array of the codings received
	Received       string    `json:"-"`     // the row or resource as received
	DedupKey       string    `json:"-"`
	Status         string    `json:"status"`
	RetractReason  string    `json:"retractReason"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"createdAt"`
	CreatedBy      string    `json:"createdBy"`
	UpdatedAt      time.Time `json:"updatedAt"`
	UpdatedBy      string    `json:"updatedBy"`
}

const homeReadingColumns = `id, patient_id, taken_at, taken_local, kind, systolic, diastolic, pulse, weight_kg, spo2,
	glucose_mg_dl, glucose_context, source, import_id, token_id, device, comment, codes, received, dedup_key, status,
	retract_reason, version, created_at, created_by, updated_at, updated_by`

func scanHomeReading(row scanner) (HomeReading, error) {
	var r HomeReading
	var taken, created, updated string
	var values [6]sql.NullFloat64
	err := row.Scan(&r.ID, &r.PatientID, &taken, &r.TakenLocal, &r.Kind, &values[0], &values[1], &values[2],
		&values[3], &values[4], &values[5], &r.GlucoseContext, &r.Source, &r.ImportID, &r.TokenID, &r.Device,
		&r.Comment, &r.Codes, &r.Received, &r.DedupKey, &r.Status, &r.RetractReason, &r.Version, &created,
		&r.CreatedBy, &updated, &r.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read home reading: %w", err)
	}
	for i, target := range []**float64{&r.Systolic, &r.Diastolic, &r.Pulse, &r.WeightKg, &r.SpO2, &r.GlucoseMgDl} {
		if values[i].Valid {
			f := values[i].Float64
			*target = &f
		}
	}
	r.TakenAt, r.CreatedAt, r.UpdatedAt = parseTime(taken), parseTime(created), parseTime(updated)
	return r, nil
}

// InsertHomeReading adds r unless the patient already has a reading with
// its dedup key (the same reading sent again); added says which.
func (t *Tx) InsertHomeReading(r HomeReading) (added bool, err error) {
	if r.Codes == "" {
		r.Codes = "[]"
	}
	res, err := t.exec(`INSERT INTO home_readings (`+homeReadingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (patient_id, dedup_key) DO NOTHING`,
		r.ID, r.PatientID, formatTime(r.TakenAt), r.TakenLocal, r.Kind, nullableFloat(r.Systolic),
		nullableFloat(r.Diastolic), nullableFloat(r.Pulse), nullableFloat(r.WeightKg), nullableFloat(r.SpO2),
		nullableFloat(r.GlucoseMgDl), r.GlucoseContext, r.Source, r.ImportID, r.TokenID, r.Device, r.Comment,
		r.Codes, r.Received, r.DedupKey, r.Status, r.RetractReason, r.Version, formatTime(r.CreatedAt), r.CreatedBy,
		formatTime(r.UpdatedAt), r.UpdatedBy)
	if err != nil {
		return false, fmt.Errorf("insert home reading: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert home reading: %w", err)
	}
	return n == 1, nil
}

// HomeReadingByID reads one home reading.
func (t *Tx) HomeReadingByID(id string) (HomeReading, error) {
	return scanHomeReading(t.queryRow(`SELECT `+homeReadingColumns+` FROM home_readings WHERE id = ?`, id))
}

// HomeReadings lists a patient's readings taken in [from, to), oldest
// first, retracted ones too (marked so). A zero to is no end.
func (t *Tx) HomeReadings(patientID string, from, to time.Time) ([]HomeReading, error) {
	end := "9999"
	if !to.IsZero() {
		end = formatTime(to)
	}
	return queryList(t, "home readings", scanHomeReading, `SELECT `+homeReadingColumns+` FROM home_readings
		WHERE patient_id = ? AND taken_at >= ? AND taken_at < ? ORDER BY taken_at, id`,
		patientID, formatTime(from), end)
}

// Statuses of a home reading (its removal is a retraction).
const HomeReadingFinal = "final"

// Sources of a home reading.
const (
	ReadingFromFile    = "file"
	ReadingFromGateway = "gateway"
)

// UpdateHomeReading changes a reading (a retraction), keeping the version
// it replaces in revisions. Only its status, retraction reason and update
// stamp change: what the device sent is never rewritten.
func (t *Tx) UpdateHomeReading(r HomeReading, reason string) (HomeReading, error) {
	old, err := t.HomeReadingByID(r.ID)
	if err != nil {
		return HomeReading{}, err
	}
	if old.Version != r.Version {
		return HomeReading{}, ErrConflict
	}
	if err := t.keepRevision("home_reading", old.ID, old.Version, old, r.UpdatedBy, r.UpdatedAt, reason); err != nil {
		return HomeReading{}, err
	}
	_, err = t.exec(`UPDATE home_readings SET status = ?, retract_reason = ?, version = version + 1, updated_at = ?,
		updated_by = ? WHERE patient_id = ? AND taken_at = ? AND id = ? AND version = ?`,
		r.Status, r.RetractReason, formatTime(r.UpdatedAt), r.UpdatedBy, old.PatientID, formatTime(old.TakenAt), old.ID,
		old.Version)
	if err != nil {
		return HomeReading{}, fmt.Errorf("update home reading %s: %w", r.ID, err)
	}
	return t.HomeReadingByID(r.ID)
}

// HomeReadingKeys are the dedup keys of every reading of the patient's, to
// tell a file's new readings from those already in the chart (one run of
// the dedup index).
func (t *Tx) HomeReadingKeys(patientID string) (map[string]bool, error) {
	rows, err := t.query(`SELECT dedup_key FROM home_readings WHERE patient_id = ?`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read home reading keys: %w", err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("read home reading keys: %w", err)
		}
		keys[k] = true
	}
	return keys, rows.Err()
}

// RecentHomeReadings lists a patient's latest readings, newest first.
func (t *Tx) RecentHomeReadings(patientID string, limit int) ([]HomeReading, error) {
	return queryList(t, "home readings", scanHomeReading, `SELECT `+homeReadingColumns+` FROM home_readings
		WHERE patient_id = ? ORDER BY taken_at DESC, id DESC LIMIT ?`, patientID, limit)
}

// ReadingImport is one file brought in (or one bundle received), as read.
type ReadingImport struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	Format        string    `json:"format"`
	FileName      string    `json:"fileName"`
	FileSHA256    string    `json:"fileSha256"`
	Device        string    `json:"device"`
	RowsRead      int       `json:"rowsRead"`
	RowsAdded     int       `json:"rowsAdded"`
	RowsDuplicate int       `json:"rowsDuplicate"`
	ImportedAt    time.Time `json:"importedAt"`
	ImportedBy    string    `json:"importedBy"`
}

const readingImportColumns = `id, patient_id, format, file_name, file_sha256, device, rows_read, rows_added,
	rows_duplicate, imported_at, imported_by`

func scanReadingImport(row scanner) (ReadingImport, error) {
	var r ReadingImport
	var at string
	err := row.Scan(&r.ID, &r.PatientID, &r.Format, &r.FileName, &r.FileSHA256, &r.Device, &r.RowsRead, &r.RowsAdded,
		&r.RowsDuplicate, &at, &r.ImportedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read reading import: %w", err)
	}
	r.ImportedAt = parseTime(at)
	return r, nil
}

// InsertReadingImport records a file brought in; it is written once.
func (t *Tx) InsertReadingImport(r ReadingImport) error {
	_, err := t.exec(`INSERT INTO reading_imports (`+readingImportColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PatientID, r.Format, r.FileName, r.FileSHA256, r.Device, r.RowsRead, r.RowsAdded, r.RowsDuplicate,
		formatTime(r.ImportedAt), r.ImportedBy)
	if err != nil {
		return fmt.Errorf("insert reading import: %w", err)
	}
	return nil
}

// ReadingImports lists a patient's imports, newest first.
func (t *Tx) ReadingImports(patientID string) ([]ReadingImport, error) {
	return queryList(t, "reading imports", scanReadingImport, `SELECT `+readingImportColumns+` FROM reading_imports
		WHERE patient_id = ? ORDER BY imported_at DESC, id`, patientID)
}

// ReadingFormat is a CSV layout the clinic saved under a name.
type ReadingFormat struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Spec      string    `json:"spec"` // JSON of readings.Spec
	Status    string    `json:"status"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	UpdatedAt time.Time `json:"updatedAt"`
	UpdatedBy string    `json:"updatedBy"`
}

// A saved format's status.
const (
	ReadingFormatActive  = "active"
	ReadingFormatRetired = "retired"
)

const readingFormatColumns = `id, name, spec, status, version, created_at, created_by, updated_at, updated_by`

func scanReadingFormat(row scanner) (ReadingFormat, error) {
	var r ReadingFormat
	var created, updated string
	err := row.Scan(&r.ID, &r.Name, &r.Spec, &r.Status, &r.Version, &created, &r.CreatedBy, &updated, &r.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read reading format: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = parseTime(created), parseTime(updated)
	return r, nil
}

// InsertReadingFormat saves a new format; ErrConflict when an active one
// has its name.
func (t *Tx) InsertReadingFormat(r ReadingFormat) error {
	_, err := t.exec(`INSERT INTO reading_formats (`+readingFormatColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Name, r.Spec, r.Status, r.Version, formatTime(r.CreatedAt), r.CreatedBy, formatTime(r.UpdatedAt),
		r.UpdatedBy)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert reading format: %w", err)
	}
	return nil
}

// UpdateReadingFormat changes a format (its spec, or its retirement),
// keeping the version it replaces; ErrConflict when it changed meanwhile or
// its new name is another active format's.
func (t *Tx) UpdateReadingFormat(r ReadingFormat, reason string) (ReadingFormat, error) {
	old, err := t.ReadingFormatByID(r.ID)
	if err != nil {
		return ReadingFormat{}, err
	}
	if old.Version != r.Version {
		return ReadingFormat{}, ErrConflict
	}
	if err := t.keepRevision("reading_format", old.ID, old.Version, old, r.UpdatedBy, r.UpdatedAt, reason); err != nil {
		return ReadingFormat{}, err
	}
	_, err = t.exec(`UPDATE reading_formats SET name = ?, spec = ?, status = ?, version = version + 1, updated_at = ?,
		updated_by = ? WHERE id = ? AND version = ?`, r.Name, r.Spec, r.Status, formatTime(r.UpdatedAt), r.UpdatedBy,
		r.ID, old.Version)
	if isUnique(err) {
		return ReadingFormat{}, ErrConflict
	}
	if err != nil {
		return ReadingFormat{}, fmt.Errorf("update reading format %s: %w", r.ID, err)
	}
	return t.ReadingFormatByID(r.ID)
}

// ReadingFormatByID reads one saved format.
func (t *Tx) ReadingFormatByID(id string) (ReadingFormat, error) {
	return scanReadingFormat(t.queryRow(`SELECT `+readingFormatColumns+` FROM reading_formats WHERE id = ?`, id))
}

// ActiveReadingFormatNamed finds the active format of a name, any case.
func (t *Tx) ActiveReadingFormatNamed(name string) (ReadingFormat, error) {
	return scanReadingFormat(t.queryRow(`SELECT `+readingFormatColumns+` FROM reading_formats
		WHERE lower(name) = lower(?) AND status = 'active'`, name))
}

// ReadingFormats lists the active formats by name.
func (t *Tx) ReadingFormats() ([]ReadingFormat, error) {
	return queryList(t, "reading formats", scanReadingFormat, `SELECT `+readingFormatColumns+` FROM reading_formats
		WHERE status = 'active' ORDER BY lower(name)`)
}

// DeviceToken is a device hub's enrolment for one patient; only the
// token's SHA-256 is kept.
type DeviceToken struct {
	ID           string    `json:"id"`
	PatientID    string    `json:"patientId"`
	TokenSHA256  string    `json:"-"`
	Label        string    `json:"label"`
	Device       string    `json:"device"`
	CreatedAt    time.Time `json:"createdAt"`
	CreatedBy    string    `json:"createdBy"`
	RevokedAt    string    `json:"revokedAt"`
	RevokedBy    string    `json:"revokedBy"`
	RevokeReason string    `json:"revokeReason"`
	LastUsedAt   string    `json:"lastUsedAt"`
}

const deviceTokenColumns = `id, patient_id, token_sha256, label, device, created_at, created_by, revoked_at,
	revoked_by, revoke_reason, last_used_at`

func scanDeviceToken(row scanner) (DeviceToken, error) {
	var d DeviceToken
	var created string
	err := row.Scan(&d.ID, &d.PatientID, &d.TokenSHA256, &d.Label, &d.Device, &created, &d.CreatedBy, &d.RevokedAt,
		&d.RevokedBy, &d.RevokeReason, &d.LastUsedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read device token: %w", err)
	}
	d.CreatedAt = parseTime(created)
	return d, nil
}

// InsertDeviceToken records a token made for a patient's device.
func (t *Tx) InsertDeviceToken(d DeviceToken) error {
	_, err := t.exec(`INSERT INTO device_tokens (`+deviceTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.PatientID, d.TokenSHA256, d.Label, d.Device, formatTime(d.CreatedAt), d.CreatedBy, d.RevokedAt,
		d.RevokedBy, d.RevokeReason, d.LastUsedAt)
	if err != nil {
		return fmt.Errorf("insert device token: %w", err)
	}
	return nil
}

// DeviceTokenByID reads one token's record.
func (t *Tx) DeviceTokenByID(id string) (DeviceToken, error) {
	return scanDeviceToken(t.queryRow(`SELECT `+deviceTokenColumns+` FROM device_tokens WHERE id = ?`, id))
}

// DeviceTokenByHash finds the token whose SHA-256 (hex) is sha.
func (t *Tx) DeviceTokenByHash(sha string) (DeviceToken, error) {
	return scanDeviceToken(t.queryRow(`SELECT `+deviceTokenColumns+` FROM device_tokens WHERE token_sha256 = ?`, sha))
}

// DeviceTokens lists a patient's tokens, newest first, revoked ones too.
func (t *Tx) DeviceTokens(patientID string) ([]DeviceToken, error) {
	return queryList(t, "device tokens", scanDeviceToken, `SELECT `+deviceTokenColumns+` FROM device_tokens
		WHERE patient_id = ? ORDER BY created_at DESC, id`, patientID)
}

// RevokeDeviceToken ends a token for good; ErrConflict when it already was.
func (t *Tx) RevokeDeviceToken(id, by, reason string, at time.Time) error {
	res, err := t.exec(`UPDATE device_tokens SET revoked_at = ?, revoked_by = ?, revoke_reason = ?
		WHERE id = ? AND revoked_at = ''`, formatTime(at), by, reason, id)
	if err != nil {
		return fmt.Errorf("revoke device token %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// TouchDeviceToken records when a token was last used.
func (t *Tx) TouchDeviceToken(id string, at time.Time) error {
	if _, err := t.exec(`UPDATE device_tokens SET last_used_at = ? WHERE id = ?`, formatTime(at), id); err != nil {
		return fmt.Errorf("note device token %s used: %w", id, err)
	}
	return nil
}

// moveHomeReadings gives the duplicate chart's home readings, imports and
// device tokens to the survivor (a merge). Each reading keeps the version
// it replaces, as the table's trigger requires. A reading the survivor
// already has (the same reading brought into both charts) cannot be a
// second one there: it moves retracted, as a duplicate of the survivor's,
// its dedup key marked with its own id, so nothing is lost and nothing is
// counted twice. Imports and tokens have no versions: they are written
// once (a token's revocation and last use aside), so their patient is
// changed in place; the merge log (patient_merges) and the audit trail say
// when and why, and an import's readings name it by id wherever they are.
func (t *Tx) moveHomeReadings(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.HomeReadings(from.ID, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	keys, err := t.HomeReadingKeys(to.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.keepRevision("home_reading", old.ID, old.Version, old, by, at, why); err != nil {
			return err
		}
		status, retract, key := old.Status, old.RetractReason, old.DedupKey
		if keys[old.DedupKey] {
			key = old.DedupKey + "#" + old.ID
			if status == HomeReadingFinal {
				status, retract = EnteredInError, fmt.Sprintf("the same reading was already on MRN %s's chart (merge)", to.MRN)
			}
		}
		_, err := t.exec(`UPDATE home_readings SET patient_id = ?, dedup_key = ?, status = ?, retract_reason = ?,
			version = version + 1, updated_at = ?, updated_by = ? WHERE patient_id = ? AND taken_at = ? AND id = ?`,
			to.ID, key, status, retract, formatTime(at), by, from.ID, formatTime(old.TakenAt), old.ID)
		if err != nil {
			return fmt.Errorf("move home reading %s: %w", old.ID, err)
		}
		keys[key] = true
	}
	if _, err := t.exec(`UPDATE reading_imports SET patient_id = ? WHERE patient_id = ?`, to.ID, from.ID); err != nil {
		return fmt.Errorf("move reading imports of %s: %w", from.MRN, err)
	}
	if _, err := t.exec(`UPDATE device_tokens SET patient_id = ? WHERE patient_id = ?`, to.ID, from.ID); err != nil {
		return fmt.Errorf("move device tokens of %s: %w", from.MRN, err)
	}
	return nil
}
