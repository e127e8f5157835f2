package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Statuses of a lab order; a result is LabFinal or EnteredInError.
const (
	LabOrdered   = "ordered"
	LabResulted  = "resulted"
	LabCancelled = "cancelled"
	LabFinal     = "final"
)

// LabOrder is one test a clinician asked for.
type LabOrder struct {
	ID           string    `json:"id"`
	PatientID    string    `json:"patientId"`
	EncounterID  string    `json:"encounterId"` // "" for none (stored as NULL)
	LOINC        string    `json:"loinc"`
	TestName     string    `json:"testName"`
	OrderedAt    time.Time `json:"orderedAt"`
	OrderedBy    string    `json:"orderedBy"`
	Status       string    `json:"status"`
	CancelReason string    `json:"cancelReason"`
	Note         string    `json:"note"`
	Version      int       `json:"version"`
	UpdatedAt    time.Time `json:"updatedAt"`
	UpdatedBy    string    `json:"updatedBy"`
	// Panel is the key of the panel the order was placed as ("" for a test
	// ordered alone); PanelID is shared by the orders of that placement.
	Panel   string `json:"panel"`
	PanelID string `json:"panelId"`

	OrderedByName string `json:"-"` // read back
}

const labOrderColumns = `o.id, o.patient_id, coalesce(o.encounter_id, ''), o.loinc, o.test_name, o.ordered_at,
	o.ordered_by, o.status, o.cancel_reason, o.note, o.version, o.updated_at, o.updated_by, o.panel, o.panel_id,
	coalesce((SELECT full_name FROM users u WHERE u.id = o.ordered_by), '')`

func scanLabOrder(row scanner) (LabOrder, error) {
	var o LabOrder
	var ordered, updated string
	err := row.Scan(&o.ID, &o.PatientID, &o.EncounterID, &o.LOINC, &o.TestName, &ordered, &o.OrderedBy, &o.Status,
		&o.CancelReason, &o.Note, &o.Version, &updated, &o.UpdatedBy, &o.Panel, &o.PanelID, &o.OrderedByName)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("read lab order: %w", err)
	}
	o.OrderedAt, o.UpdatedAt = parseTime(ordered), parseTime(updated)
	return o, nil
}

// InsertLabOrder adds an order to its patient's chart.
func (t *Tx) InsertLabOrder(o LabOrder) error {
	_, err := t.exec(`INSERT INTO lab_orders (id, patient_id, encounter_id, loinc, test_name, ordered_at, ordered_by,
		status, cancel_reason, note, version, updated_at, updated_by, panel, panel_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.PatientID, nullable(o.EncounterID), o.LOINC, o.TestName, formatTime(o.OrderedAt), o.OrderedBy,
		o.Status, o.CancelReason, o.Note, o.Version, formatTime(o.UpdatedAt), o.UpdatedBy, o.Panel, o.PanelID)
	if err != nil {
		return fmt.Errorf("insert lab order: %w", err)
	}
	return nil
}

// LabOrderByID reads one order.
func (t *Tx) LabOrderByID(id string) (LabOrder, error) {
	return scanLabOrder(t.queryRow(`SELECT `+labOrderColumns+` FROM lab_orders o WHERE o.id = ?`, id))
}

// LabOrders lists a patient's orders, newest first, cancelled ones too.
func (t *Tx) LabOrders(patientID string) ([]LabOrder, error) {
	return queryList(t, "lab orders", scanLabOrder, `SELECT `+labOrderColumns+` FROM lab_orders o
		WHERE o.patient_id = ? ORDER BY o.ordered_at DESC, o.id DESC`, patientID)
}

// OpenLabOrders lists a patient's tests ordered and not yet resulted (nor
// cancelled), newest first.
func (t *Tx) OpenLabOrders(patientID string) ([]LabOrder, error) {
	return queryList(t, "lab orders", scanLabOrder, `SELECT `+labOrderColumns+` FROM lab_orders o
		WHERE o.patient_id = ? AND o.status = 'ordered' ORDER BY o.ordered_at DESC, o.id DESC`, patientID)
}

// UpdateLabOrder replaces an order with o (its status, reason and note),
// keeping the version it replaces in revisions; ErrConflict if o.Version is
// not the stored one.
func (t *Tx) UpdateLabOrder(o LabOrder, reason string) (LabOrder, error) {
	old, err := t.LabOrderByID(o.ID)
	if err != nil {
		return LabOrder{}, err
	}
	if old.Version != o.Version {
		return LabOrder{}, ErrConflict
	}
	if err := t.keepRevision("lab_order", old.ID, old.Version, old, o.UpdatedBy, o.UpdatedAt, reason); err != nil {
		return LabOrder{}, err
	}
	next := old
	next.Status, next.CancelReason, next.Note = o.Status, o.CancelReason, o.Note
	next.UpdatedAt, next.UpdatedBy, next.Version = o.UpdatedAt, o.UpdatedBy, old.Version+1
	_, err = t.exec(`UPDATE lab_orders SET status = ?, cancel_reason = ?, note = ?, version = ?, updated_at = ?,
		updated_by = ? WHERE id = ? AND version = ?`, next.Status, next.CancelReason, next.Note, next.Version,
		formatTime(next.UpdatedAt), next.UpdatedBy, next.ID, old.Version)
	if err != nil {
		return LabOrder{}, fmt.Errorf("update lab order %s: %w", o.ID, err)
	}
	return next, nil
}

// LabResult is one observation of a test: a number in Unit, or a text.
// Low and High are the range it was judged by (nil: no such bound), Flag
// what that range gave.
type LabResult struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	OrderID       string    `json:"orderId"` // "" for none (stored as NULL)
	LOINC         string    `json:"loinc"`
	Name          string    `json:"name"`
	Value         *float64  `json:"value"`
	ValueText     string    `json:"valueText"`
	Unit          string    `json:"unit"`
	Low           *float64  `json:"low"`
	High          *float64  `json:"high"`
	RangeText     string    `json:"rangeText"`
	RangeSource   string    `json:"rangeSource"` // lab, default or none
	Flag          string    `json:"flag"`
	ObservedAt    time.Time `json:"observedAt"`
	EnteredAt     time.Time `json:"enteredAt"`
	EnteredBy     string    `json:"enteredBy"`
	Source        string    `json:"source"` // entered or imported
	ReviewedAt    string    `json:"reviewedAt"`
	ReviewedBy    string    `json:"reviewedBy"`
	ReviewNote    string    `json:"reviewNote"`
	Status        string    `json:"status"`
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`
	Note          string    `json:"note"` // the lab's comment, as a result from elsewhere came with it

	ReviewedByName string `json:"-"` // read back
}

const labResultColumns = `r.id, r.patient_id, coalesce(r.order_id, ''), r.loinc, r.name, r.value_num, r.value_text,
	r.unit, r.ref_low, r.ref_high, r.range_text, r.range_source, r.flag, r.observed_at, r.entered_at, r.entered_by,
	r.source, r.reviewed_at, r.reviewed_by, r.review_note, r.status, r.retract_reason, r.version, r.updated_at,
	r.updated_by, coalesce((SELECT full_name FROM users u WHERE u.id = r.reviewed_by), ''), r.note`

func scanLabResult(row scanner) (LabResult, error) {
	var r LabResult
	var value, low, high sql.NullFloat64
	var observed, entered, updated string
	err := row.Scan(&r.ID, &r.PatientID, &r.OrderID, &r.LOINC, &r.Name, &value, &r.ValueText, &r.Unit, &low, &high,
		&r.RangeText, &r.RangeSource, &r.Flag, &observed, &entered, &r.EnteredBy, &r.Source, &r.ReviewedAt,
		&r.ReviewedBy, &r.ReviewNote, &r.Status, &r.RetractReason, &r.Version, &updated, &r.UpdatedBy, &r.ReviewedByName,
		&r.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read lab result: %w", err)
	}
	r.Value, r.Low, r.High = floatPtr(value), floatPtr(low), floatPtr(high)
	r.ObservedAt, r.EnteredAt, r.UpdatedAt = parseTime(observed), parseTime(entered), parseTime(updated)
	return r, nil
}

func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// InsertLabResult adds a result to its patient's chart.
func (t *Tx) InsertLabResult(r LabResult) error {
	_, err := t.exec(`INSERT INTO lab_results (id, patient_id, order_id, loinc, name, value_num, value_text, unit,
		ref_low, ref_high, range_text, range_source, flag, observed_at, entered_at, entered_by, source, reviewed_at,
		reviewed_by, review_note, status, retract_reason, version, updated_at, updated_by, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.PatientID, nullable(r.OrderID), r.LOINC, r.Name, nullableFloat(r.Value), r.ValueText, r.Unit,
		nullableFloat(r.Low), nullableFloat(r.High), r.RangeText, r.RangeSource, r.Flag, formatTime(r.ObservedAt),
		formatTime(r.EnteredAt), r.EnteredBy, r.Source, r.ReviewedAt, r.ReviewedBy, r.ReviewNote, r.Status,
		r.RetractReason, r.Version, formatTime(r.UpdatedAt), r.UpdatedBy, r.Note)
	if err != nil {
		return fmt.Errorf("insert lab result: %w", err)
	}
	return nil
}

// LabResultByID reads one result.
func (t *Tx) LabResultByID(id string) (LabResult, error) {
	return scanLabResult(t.queryRow(`SELECT `+labResultColumns+` FROM lab_results r WHERE r.id = ?`, id))
}

// LabResults lists up to limit of a patient's results, newest first,
// retracted ones too (marked so).
func (t *Tx) LabResults(patientID string, limit int) ([]LabResult, error) {
	return queryList(t, "lab results", scanLabResult, `SELECT `+labResultColumns+` FROM lab_results r
		WHERE r.patient_id = ? ORDER BY r.observed_at DESC, r.id DESC LIMIT ?`, patientID, limit)
}

// LabResultsWithIDs reads those of a patient's results whose ids are
// listed, newest first: a referral reads only the results it sends, not a
// long history's every result.
func (t *Tx) LabResultsWithIDs(patientID string, ids []string) ([]LabResult, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return queryList(t, "lab results", scanLabResult, `SELECT `+labResultColumns+` FROM lab_results r
		WHERE r.id IN (SELECT value FROM json_each(?)) AND r.patient_id = ?
		ORDER BY r.observed_at DESC, r.id DESC`, string(list), patientID)
}

// LabPoint is one numeric result of a series: when (RFC 3339, UTC, to the
// second), the value in Unit, and its flag.
type LabPoint struct {
	At    string
	Value float64
	Unit  string
	Flag  string
}

// LabSeries reads a patient's numeric results in force of one test, oldest
// first, straight from the table's (patient, test, time) order.
func (t *Tx) LabSeries(patientID, loinc string) ([]LabPoint, error) {
	rows, err := t.query(`SELECT substr(observed_at, 1, 19) || 'Z', value_num, unit, flag FROM lab_results
		WHERE patient_id = ? AND loinc = ? AND status = 'final' AND value_num IS NOT NULL
		ORDER BY observed_at, id`, patientID, loinc)
	if err != nil {
		return nil, fmt.Errorf("read lab series %s: %w", loinc, err)
	}
	defer rows.Close()
	out := []LabPoint{}
	for rows.Next() {
		var p LabPoint
		if err := rows.Scan(&p.At, &p.Value, &p.Unit, &p.Flag); err != nil {
			return nil, fmt.Errorf("read lab series %s: %w", loinc, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// LabReviewItem is a result waiting for review, with whose chart it is on
// and who ordered it ("" when nobody did).
type LabReviewItem struct {
	LabResult
	PatientName   string // "Family, Given"
	MRN           string
	OrderedBy     string
	OrderedByName string
}

// LabReviewQueue lists up to limit results in force not yet reviewed that
// clinicianID ordered, and those nobody ordered, oldest entered first.
func (t *Tx) LabReviewQueue(clinicianID string, limit int) ([]LabReviewItem, error) {
	return queryList(t, "lab results to review", func(row scanner) (LabReviewItem, error) {
		var it LabReviewItem
		var value, low, high sql.NullFloat64
		var observed, entered, updated string
		r := &it.LabResult
		err := row.Scan(&r.ID, &r.PatientID, &r.OrderID, &r.LOINC, &r.Name, &value, &r.ValueText, &r.Unit, &low, &high,
			&r.RangeText, &r.RangeSource, &r.Flag, &observed, &entered, &r.EnteredBy, &r.Source, &r.ReviewedAt,
			&r.ReviewedBy, &r.ReviewNote, &r.Status, &r.RetractReason, &r.Version, &updated, &r.UpdatedBy,
			&r.ReviewedByName, &r.Note, &it.PatientName, &it.MRN, &it.OrderedBy, &it.OrderedByName)
		if err != nil {
			return it, fmt.Errorf("read lab result to review: %w", err)
		}
		r.Value, r.Low, r.High = floatPtr(value), floatPtr(low), floatPtr(high)
		r.ObservedAt, r.EnteredAt, r.UpdatedAt = parseTime(observed), parseTime(entered), parseTime(updated)
		return it, nil
	}, `SELECT `+labResultColumns+`, p.family_name || ', ' || p.given_names, p.mrn,
			coalesce(o.ordered_by, ''), coalesce(ou.full_name, '')
		FROM lab_results r
		JOIN patients p ON p.id = r.patient_id
		LEFT JOIN lab_orders o ON o.id = r.order_id
		LEFT JOIN users ou ON ou.id = o.ordered_by
		WHERE r.reviewed_at = '' AND r.status = 'final' AND (r.order_id IS NULL OR o.ordered_by = ?)
		ORDER BY r.entered_at, r.id LIMIT ?`, clinicianID, limit)
}

// UpdateLabResult replaces a result's review and status fields with r's,
// keeping the version it replaces in revisions; ErrConflict if r.Version
// is not the stored one. What was observed never changes: a wrong result
// is retracted and entered again.
func (t *Tx) UpdateLabResult(r LabResult, reason string) (LabResult, error) {
	old, err := t.LabResultByID(r.ID)
	if err != nil {
		return LabResult{}, err
	}
	if old.Version != r.Version {
		return LabResult{}, ErrConflict
	}
	if err := t.keepRevision("lab_result", old.ID, old.Version, old, r.UpdatedBy, r.UpdatedAt, reason); err != nil {
		return LabResult{}, err
	}
	_, err = t.exec(`UPDATE lab_results SET reviewed_at = ?, reviewed_by = ?, review_note = ?, status = ?,
		retract_reason = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?`,
		r.ReviewedAt, r.ReviewedBy, r.ReviewNote, r.Status, r.RetractReason, formatTime(r.UpdatedAt), r.UpdatedBy,
		r.ID, old.Version)
	if err != nil {
		return LabResult{}, fmt.Errorf("update lab result %s: %w", r.ID, err)
	}
	return t.LabResultByID(r.ID)
}

// CountLabs tells how many lab orders and results the clinic's charts
// hold, cancelled and retracted ones included.
func (t *Tx) CountLabs() (orders, results int, err error) {
	err = t.queryRow(`SELECT (SELECT count(*) FROM lab_orders), (SELECT count(*) FROM lab_results)`).Scan(&orders, &results)
	if err != nil {
		return 0, 0, fmt.Errorf("count labs: %w", err)
	}
	return orders, results, nil
}

// moveLabs gives every lab order and result of from to to, keeping the
// version each replaces.
func (t *Tx) moveLabs(from, to Patient, by string, at time.Time, reason string) error {
	why := mergeWhy(from, to, reason)
	orders, err := t.LabOrders(from.ID)
	if err != nil {
		return err
	}
	for _, old := range orders {
		if err := t.moveRow("lab_orders", "lab_order", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	results, err := t.LabResults(from.ID, -1)
	if err != nil {
		return err
	}
	for _, old := range results {
		if err := t.moveRow("lab_results", "lab_result", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}

// LabResultRevision is a replaced version of a result: the row as it
// stood, and who replaced it (a user id), when and why.
type LabResultRevision struct {
	Result    LabResult
	ChangedAt time.Time
	ChangedBy string
	Reason    string
}

// LabResultRevisions lists the replaced versions of a result, oldest first.
func (t *Tx) LabResultRevisions(id string) ([]LabResultRevision, error) {
	rows, err := t.query(`SELECT data, changed_at, changed_by, reason FROM revisions
		WHERE entity = 'lab_result' AND entity_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions of lab result %s: %w", id, err)
	}
	defer rows.Close()
	out := []LabResultRevision{}
	for rows.Next() {
		var r LabResultRevision
		var data, at string
		if err := rows.Scan(&data, &at, &r.ChangedBy, &r.Reason); err != nil {
			return nil, fmt.Errorf("read revision of lab result %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(data), &r.Result); err != nil {
			return nil, fmt.Errorf("decode revision of lab result %s: %w", id, err)
		}
		r.ChangedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// UnreviewedLabResults counts a patient's results in force that no
// clinician has reviewed, and gives the oldest one's entry time (zero when
// there are none).
func (t *Tx) UnreviewedLabResults(patientID string) (int, time.Time, error) {
	var n int
	var oldest string
	err := t.queryRow(`SELECT count(*), coalesce(min(entered_at), '') FROM lab_results
		WHERE patient_id = ? AND reviewed_at = '' AND status = 'final'`, patientID).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count unreviewed lab results: %w", err)
	}
	return n, parseOptionalTime(oldest), nil
}
