package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Diagnosis is one diagnosis of a visit: a link from the encounter to an
// entry of the patient's problem list. Rank 1 is the primary diagnosis.
// A removed diagnosis is retracted (RetractedAt set, with its reason).
type Diagnosis struct {
	ID            string    `json:"id"`
	EncounterID   string    `json:"encounterId"`
	ProblemID     string    `json:"problemId"`
	Rank          int       `json:"rank"`
	AddedAt       time.Time `json:"addedAt"`
	AddedBy       string    `json:"addedBy"`
	RetractedAt   time.Time `json:"retractedAt"`
	RetractedBy   string    `json:"retractedBy"`
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
}

// Retracted tells whether the diagnosis was removed from its visit.
func (d Diagnosis) Retracted() bool { return !d.RetractedAt.IsZero() }

const diagnosisColumns = `d.id, d.encounter_id, d.problem_id, d.rank, d.added_at, d.added_by, d.retracted_at,
	d.retracted_by, d.retract_reason, d.version`

// scanDiagnosis reads a diagnosis and, into more, the columns after it.
func scanDiagnosis(row scanner, more ...any) (Diagnosis, error) {
	var d Diagnosis
	var added, retracted string
	dest := append([]any{&d.ID, &d.EncounterID, &d.ProblemID, &d.Rank, &added, &d.AddedBy, &retracted,
		&d.RetractedBy, &d.RetractReason, &d.Version}, more...)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read diagnosis: %w", err)
	}
	d.AddedAt, d.RetractedAt = parseTime(added), parseOptionalTime(retracted)
	return d, nil
}

// InsertDiagnosis links a problem to a visit as its next diagnosis: the
// first one still linked is the primary. ErrDuplicate if the problem is
// already a diagnosis of the visit.
func (t *Tx) InsertDiagnosis(d Diagnosis) (Diagnosis, error) {
	err := t.queryRow(`SELECT coalesce(max(rank), 0) + 1 FROM encounter_diagnoses WHERE encounter_id = ?`,
		d.EncounterID).Scan(&d.Rank)
	if err != nil {
		return d, fmt.Errorf("rank diagnosis of encounter %s: %w", d.EncounterID, err)
	}
	d.Version = 1
	_, err = t.exec(`INSERT INTO encounter_diagnoses (id, encounter_id, problem_id, rank, added_at, added_by, version)
		VALUES (?, ?, ?, ?, ?, ?, 1)`, d.ID, d.EncounterID, d.ProblemID, d.Rank, formatTime(d.AddedAt), d.AddedBy)
	if isUnique(err) {
		return d, ErrDuplicate
	}
	if err != nil {
		return d, fmt.Errorf("add diagnosis to encounter %s: %w", d.EncounterID, err)
	}
	return d, nil
}

// DiagnosisByID reads one diagnosis.
func (t *Tx) DiagnosisByID(id string) (Diagnosis, error) {
	return scanDiagnosis(t.queryRow(`SELECT `+diagnosisColumns+` FROM encounter_diagnoses d WHERE d.id = ?`, id))
}

// RetractDiagnosis removes a diagnosis from its visit, keeping the link it
// replaces. version is the version the caller read; ErrConflict if it
// changed since or is already retracted.
func (t *Tx) RetractDiagnosis(id string, version int, by string, at time.Time, reason string) (Diagnosis, error) {
	old, err := t.DiagnosisByID(id)
	if err != nil {
		return Diagnosis{}, err
	}
	if old.Version != version || old.Retracted() {
		return Diagnosis{}, ErrConflict
	}
	if err := t.keepRevision("diagnosis", old.ID, old.Version, old, by, at, reason); err != nil {
		return Diagnosis{}, err
	}
	res, err := t.exec(`UPDATE encounter_diagnoses SET retracted_at = ?, retracted_by = ?, retract_reason = ?,
		version = ? WHERE id = ? AND version = ? AND retracted_at = ''`,
		formatTime(at), by, reason, old.Version+1, id, old.Version)
	if err != nil {
		return Diagnosis{}, fmt.Errorf("retract diagnosis %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Diagnosis{}, ErrConflict
	}
	next := old
	next.RetractedAt, next.RetractedBy, next.RetractReason, next.Version = at, by, reason, old.Version+1
	return next, nil
}

// DiagnosisLine is a diagnosis with its problem.
type DiagnosisLine struct {
	Diagnosis
	Problem Problem
}

// EncounterDiagnoses lists a visit's diagnoses, retracted ones too, by rank.
func (t *Tx) EncounterDiagnoses(encounterID string) ([]DiagnosisLine, error) {
	return queryList(t, "diagnoses", scanDiagnosisLine, `SELECT `+diagnosisColumns+`, `+diagnosisProblemColumns+`
		FROM encounter_diagnoses d JOIN problems p ON p.id = d.problem_id
		WHERE d.encounter_id = ? ORDER BY d.rank`, encounterID)
}

// PatientDiagnoses lists the diagnoses in force of all a patient's visits,
// by visit and rank.
func (t *Tx) PatientDiagnoses(patientID string) ([]DiagnosisLine, error) {
	return queryList(t, "diagnoses", scanDiagnosisLine, `SELECT `+diagnosisColumns+`, `+diagnosisProblemColumns+`
		FROM encounter_diagnoses d JOIN encounters e ON e.id = d.encounter_id JOIN problems p ON p.id = d.problem_id
		WHERE e.patient_id = ? AND d.retracted_at = '' ORDER BY d.encounter_id, d.rank`, patientID)
}

// LiveDiagnosesOfProblem tells how many visits have the problem as a
// diagnosis in force.
func (t *Tx) LiveDiagnosesOfProblem(problemID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM encounter_diagnoses WHERE problem_id = ? AND retracted_at = ''`,
		problemID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count diagnoses of problem %s: %w", problemID, err)
	}
	return n, nil
}

// CountDiagnoses tells how many diagnosis links the chart holds, retracted ones too.
func (t *Tx) CountDiagnoses() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM encounter_diagnoses`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count diagnoses: %w", err)
	}
	return n, nil
}

func scanDiagnosisLine(row scanner) (DiagnosisLine, error) {
	var l DiagnosisLine
	p := &l.Problem
	var created, updated string
	d, err := scanDiagnosis(row, &p.ID, &p.PatientID, &p.ICD10, &p.Title, &p.Onset, &p.Status, &p.ResolvedOn,
		&p.Note, &p.EncounterID, &p.RetractReason, &p.Version, &created, &p.CreatedBy, &updated, &p.UpdatedBy)
	if err != nil {
		return l, err
	}
	l.Diagnosis = d
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return l, nil
}

// diagnosisProblemColumns are problemColumns of the problem p joined to a diagnosis.
const diagnosisProblemColumns = `p.id, p.patient_id, p.icd10, p.title, p.onset, p.status, p.resolved_on, p.note,
	coalesce(p.encounter_id, ''), p.retract_reason, p.version, p.created_at, p.created_by, p.updated_at, p.updated_by`
