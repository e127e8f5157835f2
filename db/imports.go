package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Import is one file brought in from another system, as stored: what it
// was, what its verification said, the chart it was matched to ("" while
// none is chosen) and how far its review has come.
type Import struct {
	ID                string
	PatientID         string // "" until matched (stored as NULL)
	FileName          string
	FileSHA256        string // lower-case hex
	Kind              string // ImportFolioArchive or ImportFHIRJSON
	Signature         string // SignatureValid, SignatureInvalid or SignatureUnsigned
	SignerFingerprint string
	SignerClinic      string
	Intact            bool
	SourceOrg         string
	SourceDate        string
	Received          string // JSON: the incoming patient, the source, warnings
	Counts            string // JSON: what was found in the file
	Status            string // ImportReviewing, ImportDone or ImportAbandoned
	ImportedAt        time.Time
	ImportedBy        string    // user id
	DecidedAt         time.Time // zero while reviewing
	DecidedBy         string
}

// The kinds of file imported.
const (
	ImportFolioArchive = "folio_archive"
	ImportFHIRJSON     = "fhir_json"
)

// What an import's signature check said.
const (
	SignatureValid    = "valid"
	SignatureInvalid  = "invalid"
	SignatureUnsigned = "unsigned"
)

// An import's status.
const (
	ImportReviewing = "reviewing"
	ImportDone      = "done"
	ImportAbandoned = "abandoned"
)

// ImportItem is one resource of an imported file and what became of it.
// Raw is the resource as received; Mapped is what Folio read from it.
type ImportItem struct {
	ID           string
	ImportID     string
	Seq          int
	Kind         string // patient, problem, allergy, medication, immunization, result, vitals, document, unmapped
	ResourceType string
	ResourceID   string
	Display      string
	Detail       string
	Raw          string
	Mapped       string
	Suggested    string // ItemAccept, ItemAlreadyPresent, ItemKeptOriginal or ItemSkipped
	Chosen       string // "", "accept", "skip" or "already_present"
	Decision     string // ItemPending, ItemAccepted, ItemSkipped, ItemAlreadyPresent or ItemKeptOriginal
	RecordEntity string
	RecordID     string
	DecidedAt    time.Time
	DecidedBy    string
	Note         string
}

// Suggestions and decisions about an import item.
const (
	ItemAccept         = "accept" // suggested and chosen
	ItemSkip           = "skip"   // chosen
	ItemPending        = "pending"
	ItemAccepted       = "accepted"
	ItemSkipped        = "skipped"
	ItemAlreadyPresent = "already_present"
	ItemKeptOriginal   = "kept_original"
)

const importColumns = `id, coalesce(patient_id, ''), file_name, file_sha256, kind, signature, signer_fingerprint,
	signer_clinic, intact, source_org, source_date, received, counts, status, imported_at, imported_by,
	decided_at, decided_by`

func scanImport(row scanner) (Import, error) {
	var im Import
	var imported, decided string
	err := row.Scan(&im.ID, &im.PatientID, &im.FileName, &im.FileSHA256, &im.Kind, &im.Signature,
		&im.SignerFingerprint, &im.SignerClinic, &im.Intact, &im.SourceOrg, &im.SourceDate, &im.Received,
		&im.Counts, &im.Status, &imported, &im.ImportedBy, &decided, &im.DecidedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return im, ErrNotFound
	}
	if err != nil {
		return im, fmt.Errorf("read import: %w", err)
	}
	im.ImportedAt = parseTime(imported)
	if decided != "" {
		im.DecidedAt = parseTime(decided)
	}
	return im, nil
}

// InsertImport records a file being imported, before its items.
func (t *Tx) InsertImport(im Import) error {
	_, err := t.exec(`INSERT INTO imports (id, patient_id, file_name, file_sha256, kind, signature,
		signer_fingerprint, signer_clinic, intact, source_org, source_date, received, counts, status,
		imported_at, imported_by, decided_at, decided_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '')`,
		im.ID, nullable(im.PatientID), im.FileName, im.FileSHA256, im.Kind, im.Signature, im.SignerFingerprint,
		im.SignerClinic, im.Intact, im.SourceOrg, im.SourceDate, im.Received, im.Counts, im.Status,
		formatTime(im.ImportedAt), im.ImportedBy)
	if err != nil {
		return fmt.Errorf("insert import: %w", err)
	}
	return nil
}

// ImportByID reads one import.
func (t *Tx) ImportByID(id string) (Import, error) {
	return scanImport(t.queryRow(`SELECT `+importColumns+` FROM imports WHERE id = ?`, id))
}

// PatientImports lists the imports matched to a patient, newest first.
func (t *Tx) PatientImports(patientID string) ([]Import, error) {
	return queryList(t, "imports", scanImport, `SELECT `+importColumns+` FROM imports
		WHERE patient_id = ? ORDER BY imported_at DESC, id DESC`, patientID)
}

// ImportsInReview lists the imports nobody has finished or abandoned,
// newest first.
func (t *Tx) ImportsInReview() ([]Import, error) {
	return queryList(t, "imports in review", scanImport, `SELECT `+importColumns+` FROM imports
		WHERE status = 'reviewing' ORDER BY imported_at DESC, id DESC`)
}

// MatchImport sets the chart an import under review is about;
// ErrConflict when it is no longer under review.
func (t *Tx) MatchImport(id, patientID string) error {
	res, err := t.exec(`UPDATE imports SET patient_id = ? WHERE id = ? AND status = 'reviewing'`, patientID, id)
	return oneRow(res, err, "match import "+id)
}

// CloseImport ends an import's review: done (its items decided) or
// abandoned. ErrConflict when it was closed already.
func (t *Tx) CloseImport(id, status, by string, at time.Time) error {
	res, err := t.exec(`UPDATE imports SET status = ?, decided_at = ?, decided_by = ?
		WHERE id = ? AND status = 'reviewing'`, status, formatTime(at), by, id)
	return oneRow(res, err, "close import "+id)
}

func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n != 1 {
		return ErrConflict
	}
	return nil
}

// PatientsImportedAs lists the charts that earlier imports matched to a
// patient the sender identified by system and value (say, the sender's
// MRN), most recent first.
func (t *Tx) PatientsImportedAs(system, value string) ([]string, error) {
	rows, err := t.query(`SELECT i.patient_id FROM imports i, json_each(i.received, '$.patient.identifiers') j
		WHERE i.patient_id IS NOT NULL AND i.status = 'done'
		AND json_extract(j.value, '$.system') = ? AND json_extract(j.value, '$.value') = ?
		GROUP BY i.patient_id ORDER BY max(i.imported_at) DESC`, system, value)
	if err != nil {
		return nil, fmt.Errorf("find imported patient: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find imported patient: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// PatientsImportedFromFile lists the charts that finished imports of the
// same file (by its SHA-256) went into, most recent first.
func (t *Tx) PatientsImportedFromFile(sha256 string) ([]string, error) {
	rows, err := t.query(`SELECT patient_id FROM imports WHERE file_sha256 = ? AND patient_id IS NOT NULL
		AND status = 'done' GROUP BY patient_id ORDER BY max(imported_at) DESC`, sha256)
	if err != nil {
		return nil, fmt.Errorf("find patient imported from file: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find patient imported from file: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

const importItemColumns = `id, import_id, seq, kind, resource_type, resource_id, display, detail, raw, mapped,
	suggested, chosen, decision, record_entity, record_id, decided_at, decided_by, note`

// Without the raw resource, which the review screen does not need.
const importItemListColumns = `id, import_id, seq, kind, resource_type, resource_id, display, detail, '', mapped,
	suggested, chosen, decision, record_entity, record_id, decided_at, decided_by, note`

func scanImportItem(row scanner) (ImportItem, error) {
	var it ImportItem
	var decided string
	err := row.Scan(&it.ID, &it.ImportID, &it.Seq, &it.Kind, &it.ResourceType, &it.ResourceID, &it.Display,
		&it.Detail, &it.Raw, &it.Mapped, &it.Suggested, &it.Chosen, &it.Decision, &it.RecordEntity, &it.RecordID,
		&decided, &it.DecidedBy, &it.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("read import item: %w", err)
	}
	if decided != "" {
		it.DecidedAt = parseTime(decided)
	}
	return it, nil
}

// InsertImportItem stages one item of an import. An item that needs no
// decision (a resource kept only as its original, one the sender
// retracted) is written decided.
func (t *Tx) InsertImportItem(it ImportItem) error {
	decided := ""
	if !it.DecidedAt.IsZero() {
		decided = formatTime(it.DecidedAt)
	}
	_, err := t.exec(`INSERT INTO import_items (id, import_id, seq, kind, resource_type, resource_id, display,
		detail, raw, mapped, suggested, chosen, decision, record_entity, record_id, decided_at, decided_by, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.ImportID, it.Seq, it.Kind, it.ResourceType, it.ResourceID, it.Display, it.Detail, it.Raw,
		it.Mapped, it.Suggested, it.Chosen, it.Decision, it.RecordEntity, it.RecordID, decided, it.DecidedBy, it.Note)
	if err != nil {
		return fmt.Errorf("insert import item %d: %w", it.Seq, err)
	}
	return nil
}

// ImportItems lists an import's items in file order, without their raw
// resources (ImportItemRaw reads one).
func (t *Tx) ImportItems(importID string) ([]ImportItem, error) {
	return queryList(t, "import items", scanImportItem, `SELECT `+importItemListColumns+` FROM import_items
		WHERE import_id = ? ORDER BY seq`, importID)
}

// ImportItemByID reads one item with its raw resource.
func (t *Tx) ImportItemByID(id string) (ImportItem, error) {
	return scanImportItem(t.queryRow(`SELECT `+importItemColumns+` FROM import_items WHERE id = ?`, id))
}

// KeptOriginals lists, with their raw resources, the items of a patient's
// finished imports that were kept only as originals, newest import first
// (import ids are ordered by creation time).
func (t *Tx) KeptOriginals(patientID string) ([]ImportItem, error) {
	return queryList(t, "kept originals", scanImportItem, `SELECT `+importItemColumns+` FROM import_items
		WHERE import_id IN (SELECT id FROM imports WHERE patient_id = ? AND status = 'done')
		AND decision = 'kept_original' ORDER BY import_id DESC, seq`, patientID)
}

// ChooseImportItem records what the clinician chose for a pending item
// while the import is reviewed ("" follows the suggestion). ErrConflict
// when the item is decided already.
func (t *Tx) ChooseImportItem(id, chosen string) error {
	res, err := t.exec(`UPDATE import_items SET chosen = ? WHERE id = ? AND decision = 'pending'`, chosen, id)
	return oneRow(res, err, "choose for import item "+id)
}

// ResuggestImportItem changes Folio's suggestion for a pending item, and
// why, once the chart it is for is known.
func (t *Tx) ResuggestImportItem(id, suggested, detail string) error {
	res, err := t.exec(`UPDATE import_items SET suggested = ?, detail = ? WHERE id = ? AND decision = 'pending'`,
		suggested, detail, id)
	return oneRow(res, err, "suggest for import item "+id)
}

// DecideImportItem decides a pending item once: the decision, the record
// it became (when accepted) and a note. ErrConflict when it was decided.
func (t *Tx) DecideImportItem(it ImportItem) error {
	res, err := t.exec(`UPDATE import_items SET decision = ?, record_entity = ?, record_id = ?, decided_at = ?,
		decided_by = ?, note = ? WHERE id = ? AND decision = 'pending'`,
		it.Decision, it.RecordEntity, it.RecordID, formatTime(it.DecidedAt), it.DecidedBy, it.Note, it.ID)
	return oneRow(res, err, "decide import item "+it.ID)
}

// NoteImportItem sets the note of a pending item (the file's patient,
// when the clinician matched it to a chart whose details differ, says
// why). ErrConflict when the item is decided already.
func (t *Tx) NoteImportItem(id, note string) error {
	res, err := t.exec(`UPDATE import_items SET note = ? WHERE id = ? AND decision = 'pending'`, note, id)
	return oneRow(res, err, "note import item "+id)
}

// ImportSource is where a chart record came from, when an import made it.
type ImportSource struct {
	RecordEntity string
	RecordID     string
	ImportID     string
	SourceOrg    string
	SourceDate   string
	ResourceType string
	ResourceID   string
	ImportedAt   time.Time
}

// ImportSources lists the source of every record imports wrote to a
// patient's chart.
func (t *Tx) ImportSources(patientID string) ([]ImportSource, error) {
	return queryList(t, "import sources", func(row scanner) (ImportSource, error) {
		var s ImportSource
		var at string
		if err := row.Scan(&s.RecordEntity, &s.RecordID, &s.ImportID, &s.SourceOrg, &s.SourceDate, &s.ResourceType,
			&s.ResourceID, &at); err != nil {
			return s, fmt.Errorf("read import source: %w", err)
		}
		s.ImportedAt = parseTime(at)
		return s, nil
	}, `SELECT it.record_entity, it.record_id, i.id, i.source_org, i.source_date, it.resource_type, it.resource_id,
		i.imported_at
		FROM imports i JOIN import_items it ON it.import_id = i.id
		WHERE i.patient_id = ? AND i.status = 'done' AND it.decision = 'accepted'
		ORDER BY i.imported_at, it.seq`, patientID)
}

// CountImports counts imports and their items, for tests that prove
// nothing was written.
func (t *Tx) CountImports() (imports, items int, err error) {
	if err = t.queryRow(`SELECT count(*) FROM imports`).Scan(&imports); err != nil {
		return 0, 0, fmt.Errorf("count imports: %w", err)
	}
	if err = t.queryRow(`SELECT count(*) FROM import_items`).Scan(&items); err != nil {
		return 0, 0, fmt.Errorf("count import items: %w", err)
	}
	return imports, items, nil
}

// moveImports gives the imports of from to to: a merge brings the sources
// of the records it moves, and the originals kept with them, along.
func (t *Tx) moveImports(from, to Patient) error {
	if _, err := t.exec(`UPDATE imports SET patient_id = ? WHERE patient_id = ?`, to.ID, from.ID); err != nil {
		return fmt.Errorf("move imports of %s: %w", from.MRN, err)
	}
	return nil
}
