package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// CareRecord is what the care-gap rules read besides results, doses and
// vitals: a screening or procedure done (here, elsewhere, or imported), a
// patient's refusal of a rule's service, or a clinician's exclusion of the
// patient from a rule.
type CareRecord struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	Kind          string    `json:"kind"`   // CareDone, CareDeclined or CareExcluded
	RuleID        string    `json:"ruleId"` // "" for a procedure of no rule
	CodeSystem    string    `json:"codeSystem"`
	Code          string    `json:"code"`
	Display       string    `json:"display"`
	PerformedOn   string    `json:"performedOn"` // YYYY-MM-DD, or YYYY / YYYY-MM from elsewhere
	Result        string    `json:"result"`
	Source        string    `json:"source"` // CareHere, CareElsewhere or CareImported
	Performer     string    `json:"performer"`
	Note          string    `json:"note"`
	Status        string    `json:"status"` // CareActive or EnteredInError
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     string    `json:"createdBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`
}

// A care record's kind, source and status.
const (
	CareDone      = "done"
	CareDeclined  = "declined"
	CareExcluded  = "excluded"
	CareHere      = "here"
	CareElsewhere = "elsewhere"
	CareImported  = "imported"
	CareActive    = "active"
)

const careColumns = `id, patient_id, kind, rule_id, code_system, code, display, performed_on, result, source,
	performer, note, status, retract_reason, version, created_at, created_by, updated_at, updated_by`

func scanCareRecord(row scanner) (CareRecord, error) {
	var c CareRecord
	var created, updated string
	err := row.Scan(&c.ID, &c.PatientID, &c.Kind, &c.RuleID, &c.CodeSystem, &c.Code, &c.Display, &c.PerformedOn,
		&c.Result, &c.Source, &c.Performer, &c.Note, &c.Status, &c.RetractReason, &c.Version, &created, &c.CreatedBy,
		&updated, &c.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read care record: %w", err)
	}
	c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
	return c, nil
}

// InsertCareRecord adds c to its patient's chart.
func (t *Tx) InsertCareRecord(c CareRecord) error {
	_, err := t.exec(`INSERT INTO care_records (`+careColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PatientID, c.Kind, c.RuleID, c.CodeSystem, c.Code, c.Display, c.PerformedOn, c.Result, c.Source,
		c.Performer, c.Note, c.Status, c.RetractReason, c.Version, formatTime(c.CreatedAt), c.CreatedBy,
		formatTime(c.UpdatedAt), c.UpdatedBy)
	if err != nil {
		return fmt.Errorf("insert care record: %w", err)
	}
	return nil
}

// CareRecordByID reads one care record.
func (t *Tx) CareRecordByID(id string) (CareRecord, error) {
	return scanCareRecord(t.queryRow(`SELECT `+careColumns+` FROM care_records WHERE id = ?`, id))
}

// CareRecords lists a patient's care records, the latest first; those
// entered in error come last.
func (t *Tx) CareRecords(patientID string) ([]CareRecord, error) {
	return queryList(t, "care records", scanCareRecord, `SELECT `+careColumns+` FROM care_records
		WHERE patient_id = ? ORDER BY status = 'entered_in_error', performed_on DESC, created_at DESC`, patientID)
}

// UpdateCareRecord replaces a care record with c (a retraction, a corrected
// date or result), keeping the version it replaces in revisions. c.Version
// must be the version the caller read; ErrConflict if it changed since.
// The patient, kind, rule and creation never change.
func (t *Tx) UpdateCareRecord(c CareRecord, reason string) (CareRecord, error) {
	old, err := t.CareRecordByID(c.ID)
	if err != nil {
		return CareRecord{}, err
	}
	if old.Version != c.Version {
		return CareRecord{}, ErrConflict
	}
	if err := t.keepRevision("care_record", old.ID, old.Version, old, c.UpdatedBy, c.UpdatedAt, reason); err != nil {
		return CareRecord{}, err
	}
	c.PatientID, c.Kind, c.RuleID, c.CreatedAt, c.CreatedBy = old.PatientID, old.Kind, old.RuleID, old.CreatedAt, old.CreatedBy
	c.Version = old.Version + 1
	_, err = t.exec(`UPDATE care_records SET code_system = ?, code = ?, display = ?, performed_on = ?, result = ?,
		source = ?, performer = ?, note = ?, status = ?, retract_reason = ?, version = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`,
		c.CodeSystem, c.Code, c.Display, c.PerformedOn, c.Result, c.Source, c.Performer, c.Note, c.Status,
		c.RetractReason, c.Version, formatTime(c.UpdatedAt), c.UpdatedBy, c.ID, old.Version)
	if err != nil {
		return CareRecord{}, fmt.Errorf("update care record %s: %w", c.ID, err)
	}
	return c, nil
}

// moveCareRecords gives every care record of from to to (a merge).
func (t *Tx) moveCareRecords(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.CareRecords(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("care_records", "care_record", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}

// LabLatest is a patient's latest result in force of one LOINC code.
type LabLatest struct {
	LOINC      string
	ObservedAt time.Time
	Value      *float64
}

// LatestLabs reads the patient's latest result in force of each of the
// LOINC codes given that they have.
func (t *Tx) LatestLabs(patientID string, loincs []string) ([]LabLatest, error) {
	codes, err := json.Marshal(loincs)
	if err != nil {
		return nil, err
	}
	// SQLite takes a bare column of an aggregate query with max() from the
	// row holding the maximum: the value is the latest result's.
	rows, err := t.query(`SELECT loinc, max(observed_at), value_num FROM lab_results
		WHERE patient_id = ? AND status = 'final' AND loinc IN (SELECT value FROM json_each(?))
		GROUP BY loinc`, patientID, string(codes))
	if err != nil {
		return nil, fmt.Errorf("read latest results: %w", err)
	}
	defer rows.Close()
	var out []LabLatest
	for rows.Next() {
		var l LabLatest
		var at string
		var v sql.NullFloat64
		if err := rows.Scan(&l.LOINC, &at, &v); err != nil {
			return nil, fmt.Errorf("read latest results: %w", err)
		}
		l.ObservedAt, l.Value = parseTime(at), floatPtr(v)
		out = append(out, l)
	}
	return out, rows.Err()
}

// BloodPressure is a blood pressure taken.
type BloodPressure struct {
	TakenAt             time.Time
	Systolic, Diastolic float64
}

// LatestBloodPressure is the patient's latest blood pressure in force;
// ok is false when none was taken.
func (t *Tx) LatestBloodPressure(patientID string) (bp BloodPressure, ok bool, err error) {
	var at string
	var dia sql.NullFloat64
	err = t.queryRow(`SELECT taken_at, systolic, diastolic FROM vitals WHERE patient_id = ? AND status = 'final'
		AND systolic IS NOT NULL ORDER BY taken_at DESC, id DESC LIMIT 1`, patientID).Scan(&at, &bp.Systolic, &dia)
	if errors.Is(err, sql.ErrNoRows) {
		return bp, false, nil
	}
	if err != nil {
		return bp, false, fmt.Errorf("read latest blood pressure: %w", err)
	}
	bp.TakenAt, bp.Diastolic = parseTime(at), dia.Float64
	return bp, true, nil
}

// LatestWeight is the patient's latest weight in force (kg), when taken;
// ok is false when none was.
func (t *Tx) LatestWeight(patientID string) (kg float64, at time.Time, ok bool, err error) {
	var taken string
	err = t.queryRow(`SELECT weight_kg, taken_at FROM vitals WHERE patient_id = ? AND status = 'final'
		AND weight_kg IS NOT NULL ORDER BY taken_at DESC, id DESC LIMIT 1`, patientID).Scan(&kg, &taken)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, at, false, nil
	}
	if err != nil {
		return 0, at, false, fmt.Errorf("read latest weight: %w", err)
	}
	return kg, parseTime(taken), true, nil
}

// ActivePatientsAfter reads up to limit charts in use (not merged) whose
// ids come after afterID, in id order: a walk over the whole clinic.
func (t *Tx) ActivePatientsAfter(afterID string, limit int) ([]Patient, error) {
	return t.patients(`SELECT `+patientColumns+` FROM patients WHERE id > ? AND status = 'active'
		ORDER BY id LIMIT ?`, afterID, limit)
}
