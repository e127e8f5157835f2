package db

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Remote monitoring (schema 28): a patient's enrolment in the program, with
// the targets their home readings are read against, and the clinicians'
// reviews of those readings. Readings themselves are in readings.go.

// Enrolment is a patient's remote-monitoring program. A nil target is none.
type Enrolment struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patientId"`
	Device         string    `json:"device"`
	StartedOn      string    `json:"startedOn"` // YYYY-MM-DD
	EndedOn        string    `json:"endedOn"`
	SystolicBelow  *float64  `json:"systolicBelow"`
	DiastolicBelow *float64  `json:"diastolicBelow"`
	GlucoseLow     *float64  `json:"glucoseLow"`
	GlucoseHigh    *float64  `json:"glucoseHigh"`
	SpO2Low        *float64  `json:"spo2Low"`
	WeightGainKg   *float64  `json:"weightGainKg"`
	ConsentAt      time.Time `json:"consentAt"`
	ConsentBy      string    `json:"consentBy"`
	ConsentNote    string    `json:"consentNote"`
	Status         string    `json:"status"` // EnrolmentActive, EnrolmentEnded or EnteredInError
	EndReason      string    `json:"endReason"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"createdAt"`
	CreatedBy      string    `json:"createdBy"`
	UpdatedAt      time.Time `json:"updatedAt"`
	UpdatedBy      string    `json:"updatedBy"`
}

// An enrolment's status.
const (
	EnrolmentActive = "active"
	EnrolmentEnded  = "ended"
)

const enrolmentColumns = `id, patient_id, device, started_on, ended_on, systolic_below, diastolic_below, glucose_low,
	glucose_high, spo2_low, weight_gain_kg, consent_at, consent_by, consent_note, status, end_reason, version,
	created_at, created_by, updated_at, updated_by`

func scanEnrolment(row scanner) (Enrolment, error) {
	var e Enrolment
	var consent, created, updated string
	var targets [6]sql.NullFloat64
	err := row.Scan(&e.ID, &e.PatientID, &e.Device, &e.StartedOn, &e.EndedOn, &targets[0], &targets[1], &targets[2],
		&targets[3], &targets[4], &targets[5], &consent, &e.ConsentBy, &e.ConsentNote, &e.Status, &e.EndReason,
		&e.Version, &created, &e.CreatedBy, &updated, &e.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("read enrolment: %w", err)
	}
	for i, target := range []**float64{&e.SystolicBelow, &e.DiastolicBelow, &e.GlucoseLow, &e.GlucoseHigh,
		&e.SpO2Low, &e.WeightGainKg} {
		if targets[i].Valid {
			f := targets[i].Float64
			*target = &f
		}
	}
	e.ConsentAt, e.CreatedAt, e.UpdatedAt = parseTime(consent), parseTime(created), parseTime(updated)
	return e, nil
}

// InsertEnrolment enrols a patient; ErrConflict if they already have an
// active enrolment.
func (t *Tx) InsertEnrolment(e Enrolment) error {
	_, err := t.exec(`INSERT INTO rpm_enrolments (`+enrolmentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.PatientID, e.Device, e.StartedOn, e.EndedOn, nullableFloat(e.SystolicBelow),
		nullableFloat(e.DiastolicBelow), nullableFloat(e.GlucoseLow), nullableFloat(e.GlucoseHigh),
		nullableFloat(e.SpO2Low), nullableFloat(e.WeightGainKg), formatTime(e.ConsentAt), e.ConsentBy, e.ConsentNote,
		e.Status, e.EndReason, e.Version, formatTime(e.CreatedAt), e.CreatedBy, formatTime(e.UpdatedAt), e.UpdatedBy)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert enrolment: %w", err)
	}
	return nil
}

// EnrolmentByID reads one enrolment.
func (t *Tx) EnrolmentByID(id string) (Enrolment, error) {
	return scanEnrolment(t.queryRow(`SELECT `+enrolmentColumns+` FROM rpm_enrolments WHERE id = ?`, id))
}

// ActiveEnrolment reads the patient's active enrolment (ErrNotFound: none).
func (t *Tx) ActiveEnrolment(patientID string) (Enrolment, error) {
	return scanEnrolment(t.queryRow(`SELECT `+enrolmentColumns+` FROM rpm_enrolments
		WHERE patient_id = ? AND status = 'active'`, patientID))
}

// Enrolments lists every enrolment of the patient, the latest first.
func (t *Tx) Enrolments(patientID string) ([]Enrolment, error) {
	return queryList(t, "enrolments", scanEnrolment, `SELECT `+enrolmentColumns+` FROM rpm_enrolments
		WHERE patient_id = ? ORDER BY started_on DESC, created_at DESC`, patientID)
}

// UpdateEnrolment replaces an enrolment with e (its targets changed, or it
// ended), keeping the version it replaces in revisions. e.Version must be
// the version the caller read; ErrConflict if it changed since. The
// patient, consent and creation never change.
func (t *Tx) UpdateEnrolment(e Enrolment, reason string) (Enrolment, error) {
	old, err := t.EnrolmentByID(e.ID)
	if err != nil {
		return Enrolment{}, err
	}
	if old.Version != e.Version {
		return Enrolment{}, ErrConflict
	}
	if err := t.keepRevision("rpm_enrolment", old.ID, old.Version, old, e.UpdatedBy, e.UpdatedAt, reason); err != nil {
		return Enrolment{}, err
	}
	e.PatientID, e.ConsentAt, e.ConsentBy, e.ConsentNote = old.PatientID, old.ConsentAt, old.ConsentBy, old.ConsentNote
	e.CreatedAt, e.CreatedBy = old.CreatedAt, old.CreatedBy
	e.Version = old.Version + 1
	_, err = t.exec(`UPDATE rpm_enrolments SET device = ?, started_on = ?, ended_on = ?, systolic_below = ?,
		diastolic_below = ?, glucose_low = ?, glucose_high = ?, spo2_low = ?, weight_gain_kg = ?, status = ?,
		end_reason = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?`,
		e.Device, e.StartedOn, e.EndedOn, nullableFloat(e.SystolicBelow), nullableFloat(e.DiastolicBelow),
		nullableFloat(e.GlucoseLow), nullableFloat(e.GlucoseHigh), nullableFloat(e.SpO2Low),
		nullableFloat(e.WeightGainKg), e.Status, e.EndReason, e.Version, formatTime(e.UpdatedAt), e.UpdatedBy,
		e.ID, old.Version)
	if isUnique(err) {
		return Enrolment{}, ErrConflict
	}
	if err != nil {
		return Enrolment{}, fmt.Errorf("update enrolment %s: %w", e.ID, err)
	}
	return e, nil
}

// ReadingReview is a clinician's review of a patient's home readings, up
// to the newest reading then in the chart. Written once.
type ReadingReview struct {
	ID           string    `json:"id"`
	PatientID    string    `json:"patientId"`
	EnrolmentID  string    `json:"enrolmentId"`
	ThroughAt    time.Time `json:"throughAt"` // the newest reading's created_at seen
	Minutes      int       `json:"minutes"`
	Note         string    `json:"note"`
	ReviewedAt   time.Time `json:"reviewedAt"`
	ReviewedBy   string    `json:"reviewedBy"`
	ReviewerName string    `json:"reviewerName"` // when read back
}

// InsertReadingReview records a review.
func (t *Tx) InsertReadingReview(r ReadingReview) error {
	_, err := t.exec(`INSERT INTO reading_reviews (id, patient_id, enrolment_id, through_at, minutes, note,
		reviewed_at, reviewed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.PatientID, r.EnrolmentID,
		formatTime(r.ThroughAt), r.Minutes, r.Note, formatTime(r.ReviewedAt), r.ReviewedBy)
	if err != nil {
		return fmt.Errorf("insert reading review: %w", err)
	}
	return nil
}

// chartReviews is the reviews of a chart: its own, and those of the charts
// merged into it, which stay where they were written (a review is written
// once; see TestEveryPatientTableIsMerged).
const chartReviews = `(SELECT ?1 UNION ALL SELECT duplicate_id FROM patient_merges WHERE survivor_id = ?1)`

// ReadingReviews lists the reviews of the patient's readings, the latest
// first, with each reviewer's name.
func (t *Tx) ReadingReviews(patientID string) ([]ReadingReview, error) {
	return queryList(t, "reading reviews", func(row scanner) (ReadingReview, error) {
		var r ReadingReview
		var through, at string
		if err := row.Scan(&r.ID, &r.PatientID, &r.EnrolmentID, &through, &r.Minutes, &r.Note, &at, &r.ReviewedBy,
			&r.ReviewerName); err != nil {
			return r, fmt.Errorf("read reading review: %w", err)
		}
		r.ThroughAt, r.ReviewedAt = parseTime(through), parseTime(at)
		return r, nil
	}, `SELECT r.id, r.patient_id, r.enrolment_id, r.through_at, r.minutes, r.note, r.reviewed_at, r.reviewed_by,
		u.full_name FROM reading_reviews r JOIN users u ON u.id = r.reviewed_by
		WHERE r.patient_id IN `+chartReviews+` ORDER BY r.reviewed_at DESC, r.id DESC`, patientID)
}

// NewestReadingAdded is when the patient's newest reading still in force
// came into the chart (zero: none).
func (t *Tx) NewestReadingAdded(patientID string) (time.Time, error) {
	var at sql.NullString
	err := t.queryRow(`SELECT max(created_at) FROM home_readings WHERE patient_id = ? AND status = 'final'`,
		patientID).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("newest reading of %s: %w", patientID, err)
	}
	return parseTime(at.String), nil
}

// ReviewCandidate is an enrolled patient with readings added since their
// last review: the enrolment, the last review, and those readings.
type ReviewCandidate struct {
	Enrolment    Enrolment
	PatientName  string // "Family, Given"
	MRN          string
	LastReviewAt time.Time // zero: never reviewed
	LastThrough  time.Time
	LastReviewer string
	New          []HomeReading // oldest first, by when taken
}

// ReadingsToReview lists the actively enrolled patients with readings
// added since their last review (after its through_at), with those
// readings (the columns a list shows: values, when taken and added, the
// device; not what was received), read from the readings themselves: the
// list as it was made before schema 31 kept it (readings_to_review.go),
// which the kept list is checked against (app/readings_to_review_test.go)
// and the benchmark compares with. Two queries: the enrolments with their
// patient and last review (reading_reviews_patient), then each one's new
// readings, each patient's put in the order taken.
func (t *Tx) ReadingsToReview() ([]ReviewCandidate, error) {
	rows, err := t.query(`SELECT ` + prefixed("e", enrolmentColumns) + `, p.family_name || ', ' || p.given_names, p.mrn,
			coalesce((SELECT r.through_at || '|' || r.reviewed_at || '|' || u.full_name FROM reading_reviews r
				JOIN users u ON u.id = r.reviewed_by WHERE r.patient_id IN ` + enrolledChart + `
				ORDER BY r.through_at DESC LIMIT 1), '')
		FROM rpm_enrolments e JOIN patients p ON p.id = e.patient_id WHERE e.status = 'active'`)
	if err != nil {
		return nil, fmt.Errorf("list enrolments to review: %w", err)
	}
	var out []ReviewCandidate
	byPatient := map[string]int{}
	for rows.Next() {
		var c ReviewCandidate
		var last string
		e, err := scanEnrolment(suffixScanner{rows, []any{&c.PatientName, &c.MRN, &last}})
		if err != nil {
			rows.Close()
			return nil, err
		}
		c.Enrolment = e
		if through, rest, ok := strings.Cut(last, "|"); ok {
			at, who, _ := strings.Cut(rest, "|")
			c.LastThrough, c.LastReviewAt, c.LastReviewer = parseTime(through), parseTime(at), who
		}
		byPatient[e.PatientID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list enrolments to review: %w", err)
	}
	// Readings of a chart never reviewed are all new: a range of the primary
	// key. Those of a reviewed chart are among the readings added since the
	// oldest last review: a range of home_readings_created, so a chart's
	// reviewed readings are never read.
	rows, err = t.query(`WITH enrolled AS MATERIALIZED (
			SELECT e.patient_id, coalesce((SELECT max(r.through_at) FROM reading_reviews r
				WHERE r.patient_id IN ` + enrolledChart + `), '') AS through
			FROM rpm_enrolments e WHERE e.status = 'active')
		SELECT ` + prefixed("h", shownReadingColumns) + `
		FROM enrolled JOIN home_readings h ON h.patient_id = enrolled.patient_id
		WHERE enrolled.through = '' AND h.status = 'final'
		UNION ALL
		SELECT ` + prefixed("h", shownReadingColumns) + `
		FROM home_readings h INDEXED BY home_readings_created CROSS JOIN enrolled
		WHERE h.created_at > (SELECT min(through) FROM enrolled WHERE through <> '')
			AND enrolled.patient_id = h.patient_id AND enrolled.through <> '' AND h.created_at > enrolled.through
			AND h.status = 'final'`)
	if err != nil {
		return nil, fmt.Errorf("list readings to review: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanShownReading(rows)
		if err != nil {
			return nil, err
		}
		c := &out[byPatient[r.PatientID]]
		c.New = append(c.New, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list readings to review: %w", err)
	}
	listed := out[:0]
	for _, c := range out {
		if len(c.New) > 0 {
			slices.SortFunc(c.New, func(a, b HomeReading) int {
				return cmp.Or(a.TakenAt.Compare(b.TakenAt), cmp.Compare(a.ID, b.ID))
			})
			listed = append(listed, c)
		}
	}
	return listed, nil
}

// enrolledChart is the charts whose reviews count for enrolment e's
// patient: its own and those merged into it.
const enrolledChart = `(SELECT e.patient_id UNION ALL SELECT duplicate_id FROM patient_merges WHERE survivor_id = e.patient_id)`

// suffixScanner hands a row to a table's scan function, then reads the
// columns after the table's into after.
type suffixScanner struct {
	row   scanner
	after []any
}

func (p suffixScanner) Scan(dest ...any) error {
	return p.row.Scan(append(append([]any{}, dest...), p.after...)...)
}

// moveMonitoring gives the enrolments of from to to (a merge). When both
// are enrolled, from's active enrolment is ended first, the merge its
// reason: a patient has one program. Reviews stay where they were written
// (written once); the survivor's chart reads them through the merge. The
// merged chart's row of the Readings to review list goes, and its kept
// months of readings; the app makes the survivor's again
// (refreshTouchedReadings).
func (t *Tx) moveMonitoring(from, to Patient, by string, at time.Time, reason string) error {
	if err := t.ClearReviewRow(from.ID); err != nil {
		return err
	}
	if err := t.ClearReadingMonths(from.ID, nil); err != nil {
		return err
	}
	rows, err := t.Enrolments(from.ID)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	_, err = t.ActiveEnrolment(to.ID)
	bothActive := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if bothActive && old.Status == EnrolmentActive {
			ended := old
			ended.Status, ended.EndedOn = EnrolmentEnded, at.Format("2006-01-02")
			ended.EndReason = fmt.Sprintf("Merged into MRN %s, which has its own enrolment", to.MRN)
			ended.UpdatedAt, ended.UpdatedBy = at, by
			if old, err = t.UpdateEnrolment(ended, why); err != nil {
				return err
			}
		}
		if err := t.moveRow("rpm_enrolments", "rpm_enrolment", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, columns string) string {
	out := []byte(alias + ".")
	for i := 0; i < len(columns); i++ {
		out = append(out, columns[i])
		if columns[i] == ',' {
			for i+1 < len(columns) && (columns[i+1] == ' ' || columns[i+1] == '\n' || columns[i+1] == '\t') {
				i++
			}
			out = append(out, ' ')
			out = append(out, alias...)
			out = append(out, '.')
		}
	}
	return string(out)
}

// shownReadingColumns are the columns of a home reading that the chart and
// the lists show: not what was received, nor how it was matched.
const shownReadingColumns = `id, patient_id, taken_at, taken_local, kind, systolic, diastolic, pulse, weight_kg, spo2,
	glucose_mg_dl, glucose_context, source, device, status, created_at`

func scanShownReading(row scanner) (HomeReading, error) {
	var r HomeReading
	var taken, created string
	var values [6]sql.NullFloat64
	if err := row.Scan(&r.ID, &r.PatientID, &taken, &r.TakenLocal, &r.Kind, &values[0], &values[1], &values[2],
		&values[3], &values[4], &values[5], &r.GlucoseContext, &r.Source, &r.Device, &r.Status, &created); err != nil {
		return r, fmt.Errorf("read home reading: %w", err)
	}
	for i, target := range []**float64{&r.Systolic, &r.Diastolic, &r.Pulse, &r.WeightKg, &r.SpO2, &r.GlucoseMgDl} {
		if values[i].Valid {
			f := values[i].Float64
			*target = &f
		}
	}
	r.TakenAt, r.CreatedAt = parseTime(taken), parseTime(created)
	return r, nil
}

// chartReadingColumns are shownReadingColumns less what a query of one
// patient's readings in force knows already (the patient, the status):
// the year's chart reads some 1,500 rows, and each column read costs.
const chartReadingColumns = `id, taken_at, taken_local, kind, systolic, diastolic, pulse, weight_kg, spo2,
	glucose_mg_dl, glucose_context, source, device, created_at`

// chartReadings reads rows of chartReadingColumns, of the patient's
// readings in force.
func chartReadings(t *Tx, patientID string, capacity int, query string, args ...any) ([]HomeReading, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list home readings: %w", err)
	}
	defer rows.Close()
	// Sized at once: a reading is a large struct, and growing the list
	// copied the year's several times over.
	out := make([]HomeReading, 0, capacity)
	for rows.Next() {
		r, err := scanChartReading(rows, patientID)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanChartReading(row scanner, patientID string) (HomeReading, error) {
	r := HomeReading{PatientID: patientID, Status: "final"}
	var taken, created string
	var values [6]sql.NullFloat64
	if err := row.Scan(&r.ID, &taken, &r.TakenLocal, &r.Kind, &values[0], &values[1], &values[2], &values[3],
		&values[4], &values[5], &r.GlucoseContext, &r.Source, &r.Device, &created); err != nil {
		return r, fmt.Errorf("read home reading: %w", err)
	}
	for i, target := range []**float64{&r.Systolic, &r.Diastolic, &r.Pulse, &r.WeightKg, &r.SpO2, &r.GlucoseMgDl} {
		if values[i].Valid {
			f := values[i].Float64
			*target = &f
		}
	}
	r.TakenAt, r.CreatedAt = parseTime(taken), parseTime(created)
	return r, nil
}

// ShownHomeReadings lists the patient's readings in force taken in
// [since, until) (a zero until: no end), oldest first, with the columns
// the chart shows (a range of the primary key).
func (t *Tx) ShownHomeReadings(patientID string, since, until time.Time) ([]HomeReading, error) {
	end := "9999"
	if !until.IsZero() {
		end = formatTime(until)
	}
	const where = ` FROM home_readings WHERE patient_id = ? AND taken_at >= ? AND taken_at < ? AND status = 'final'`
	var n int
	if err := t.queryRow(`SELECT count(*)`+where, patientID, formatTime(since), end).Scan(&n); err != nil {
		return nil, fmt.Errorf("count home readings: %w", err)
	}
	return chartReadings(t, patientID, n, `SELECT `+chartReadingColumns+where+` ORDER BY taken_at, id`,
		patientID, formatTime(since), end)
}
