package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Problem is one entry of a patient's problem list.
type Problem struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	ICD10         string    `json:"icd10"` // with its dot: E11.9
	Title         string    `json:"title"`
	Onset         string    `json:"onset"` // YYYY, YYYY-MM or YYYY-MM-DD; "" unknown
	Status        string    `json:"status"`
	ResolvedOn    string    `json:"resolvedOn"`
	Note          string    `json:"note"`
	EncounterID   string    `json:"encounterId"` // "" for none (stored as NULL)
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     string    `json:"createdBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`
	// Codes are the codings the problem arrived with from another system
	// (SNOMED CT, ICD-10, ...), as received; ICD10 is Folio's own code
	// beside them. Written with the problem, never changed.
	Codes []Coding `json:"codes"`
	// ClinicalStatus is FHIR's clinical status as another system sent it,
	// where Status says less (remission, inactive; recurrence, relapse);
	// "" otherwise. A change of Status clears it.
	ClinicalStatus string `json:"clinicalStatus"`
}

// A problem's status; a retracted one was entered in error.
const (
	ProblemActive   = "active"
	ProblemResolved = "resolved"
	EnteredInError  = "entered_in_error"
)

const problemColumns = `id, patient_id, icd10, title, onset, status, resolved_on, note, coalesce(encounter_id, ''),
	retract_reason, version, created_at, created_by, updated_at, updated_by, clinical_status`

func scanProblem(row scanner) (Problem, error) {
	var p Problem
	var created, updated string
	err := row.Scan(&p.ID, &p.PatientID, &p.ICD10, &p.Title, &p.Onset, &p.Status, &p.ResolvedOn, &p.Note,
		&p.EncounterID, &p.RetractReason, &p.Version, &created, &p.CreatedBy, &updated, &p.UpdatedBy, &p.ClinicalStatus)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("read problem: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return p, nil
}

// nullable stores "" as NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// InsertProblem adds p to its patient's problem list.
func (t *Tx) InsertProblem(p Problem) error {
	_, err := t.exec(`INSERT INTO problems (id, patient_id, icd10, title, onset, status, resolved_on, note, encounter_id,
		retract_reason, version, created_at, created_by, updated_at, updated_by, clinical_status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.PatientID, p.ICD10, p.Title, p.Onset, p.Status, p.ResolvedOn, p.Note, nullable(p.EncounterID),
		p.RetractReason, p.Version, formatTime(p.CreatedAt), p.CreatedBy, formatTime(p.UpdatedAt), p.UpdatedBy,
		p.ClinicalStatus)
	if err != nil {
		return fmt.Errorf("insert problem: %w", err)
	}
	return t.InsertCodings(CodedProblem, p.ID, CodingCode, p.Codes)
}

// ProblemByID reads one problem.
func (t *Tx) ProblemByID(id string) (Problem, error) {
	p, err := scanProblem(t.queryRow(`SELECT `+problemColumns+` FROM problems WHERE id = ?`, id))
	if err != nil {
		return p, err
	}
	list := []Problem{p}
	err = fillCodes(t, CodedProblem, list, func(p *Problem) string { return p.ID }, func(p *Problem) *[]Coding { return &p.Codes })
	return list[0], err
}

// Problems lists a patient's problems: active first, then resolved, then
// those entered in error; within each the latest onset first.
func (t *Tx) Problems(patientID string) ([]Problem, error) {
	return t.problems(`SELECT `+problemColumns+` FROM problems WHERE patient_id = ?
		ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'resolved' THEN 1 ELSE 2 END, onset DESC, created_at DESC`, patientID)
}

// ActiveProblems lists a patient's active problems, latest onset first.
func (t *Tx) ActiveProblems(patientID string) ([]Problem, error) {
	return t.problems(`SELECT `+problemColumns+` FROM problems WHERE patient_id = ? AND status = 'active'
		ORDER BY onset DESC, created_at DESC`, patientID)
}

func (t *Tx) problems(query string, args ...any) ([]Problem, error) {
	list, err := queryList(t, "problems", scanProblem, query, args...)
	if err != nil {
		return nil, err
	}
	return list, fillCodes(t, CodedProblem, list, func(p *Problem) string { return p.ID }, func(p *Problem) *[]Coding { return &p.Codes })
}

// UpdateProblem replaces a problem with p, keeping the version it replaces
// in revisions. p.Version must be the version the caller read; ErrConflict
// if the row has changed since. The patient and creation fields never change.
func (t *Tx) UpdateProblem(p Problem, reason string) (Problem, error) {
	old, err := t.ProblemByID(p.ID)
	if err != nil {
		return Problem{}, err
	}
	if old.Version != p.Version {
		return Problem{}, ErrConflict
	}
	if err := t.keepRevision("problem", old.ID, old.Version, old, p.UpdatedBy, p.UpdatedAt, reason); err != nil {
		return Problem{}, err
	}
	p.PatientID, p.CreatedAt, p.CreatedBy, p.Codes = old.PatientID, old.CreatedAt, old.CreatedBy, old.Codes
	p.ClinicalStatus = old.ClinicalStatus
	if p.Status != old.Status {
		p.ClinicalStatus = "" // the sender's word no longer says what the chart does
	}
	p.Version = old.Version + 1
	_, err = t.exec(`UPDATE problems SET icd10 = ?, title = ?, onset = ?, status = ?, resolved_on = ?, note = ?,
		encounter_id = ?, retract_reason = ?, version = ?, updated_at = ?, updated_by = ?, clinical_status = ?
		WHERE id = ? AND version = ?`,
		p.ICD10, p.Title, p.Onset, p.Status, p.ResolvedOn, p.Note, nullable(p.EncounterID), p.RetractReason,
		p.Version, formatTime(p.UpdatedAt), p.UpdatedBy, p.ClinicalStatus, p.ID, old.Version)
	if err != nil {
		return Problem{}, fmt.Errorf("update problem %s: %w", p.ID, err)
	}
	return p, nil
}

// CountProblems tells how many problems the clinic's charts hold, retracted ones included.
func (t *Tx) CountProblems() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM problems").Scan(&n); err != nil {
		return 0, fmt.Errorf("count problems: %w", err)
	}
	return n, nil
}

// moveProblems gives every problem of from to to, keeping the version each
// replaces: a merge brings the duplicate chart's problem list along.
func (t *Tx) moveProblems(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.Problems(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("problems", "problem", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}
