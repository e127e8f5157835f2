package db

import (
	"context"
	"errors"
	"testing"
)

// newTestDiagnosis links a problem of the encounter's patient to it.
func newTestDiagnosis(t *testing.T, d *DB, doc User, e Encounter, problemID string) Diagnosis {
	t.Helper()
	var out Diagnosis
	mustUpdate(t, d, func(tx *Tx) (err error) {
		p := Problem{ID: problemID, PatientID: e.PatientID, ICD10: "J06.9", Title: "Acute URI", Status: ProblemActive,
			EncounterID: e.ID, Version: 1, CreatedAt: testTime, CreatedBy: doc.ID, UpdatedAt: testTime, UpdatedBy: doc.ID}
		if err := tx.InsertProblem(p); err != nil {
			return err
		}
		out, err = tx.InsertDiagnosis(Diagnosis{ID: "dx-" + problemID, EncounterID: e.ID, ProblemID: p.ID,
			AddedAt: testTime, AddedBy: doc.ID})
		return err
	})
	return out
}

// TestDiagnosesOfADraft: links rank in order, a problem is linked once,
// a link only ever changes by its retraction (with a kept revision), and
// the problem must be the visit's patient's.
func TestDiagnosesOfADraft(t *testing.T) {
	d := openTestDB(t)
	doc, e, _ := newTestEncounter(t, d)
	first := newTestDiagnosis(t, d, doc, e, "prob-1")
	second := newTestDiagnosis(t, d, doc, e, "prob-2")
	if first.Rank != 1 || second.Rank != 2 {
		t.Errorf("ranks = %d, %d; want 1, 2", first.Rank, second.Rank)
	}
	err := d.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.InsertDiagnosis(Diagnosis{ID: "dx-again", EncounterID: e.ID, ProblemID: "prob-1", AddedAt: testTime, AddedBy: doc.ID})
		return err
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("linking a problem twice: err = %v, want ErrDuplicate", err)
	}

	other := addTestPatient(t, d, doc, 2, "Other", "Person")
	raw := rawConn(t, d.Path())
	for _, stmt := range []string{
		`DELETE FROM encounter_diagnoses`,
		`INSERT INTO revisions (entity, entity_id, version, data, changed_at, changed_by, reason)
			VALUES ('diagnosis', 'dx-prob-2', 1, '{}', '2026-03-10T10:00:00.000000Z', 'u-doc', 'x');
		 UPDATE encounter_diagnoses SET rank = 5, version = 2 WHERE id = 'dx-prob-2'`,
		// a retraction without the kept revision
		`UPDATE encounter_diagnoses SET retracted_at = '2026-03-10T10:00:00.000000Z', retracted_by = 'u-doc',
			retract_reason = 'wrong', version = 2 WHERE id = 'dx-prob-1'`,
		`INSERT INTO problems (id, patient_id, icd10, title, status, version, created_at, created_by, updated_at, updated_by)
			SELECT 'prob-other', '` + other.ID + `', 'I10', 'Hypertension', 'active', 1, created_at, created_by, updated_at, updated_by
			FROM problems WHERE id = 'prob-1';
		 INSERT INTO encounter_diagnoses (id, encounter_id, problem_id, rank, added_at, added_by)
			VALUES ('dx-other', 'enc-1', 'prob-other', 3, '2026-03-10T10:00:00.000000Z', 'u-doc')`,
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("allowed: %s", stmt)
		}
	}

	mustUpdate(t, d, func(tx *Tx) error {
		got, err := tx.RetractDiagnosis(first.ID, first.Version, doc.ID, testTime, "coded twice")
		if err != nil {
			return err
		}
		if !got.Retracted() || got.Version != 2 {
			t.Errorf("retracted = %+v", got)
		}
		if _, err := tx.RetractDiagnosis(first.ID, got.Version, doc.ID, testTime, "again"); !errors.Is(err, ErrConflict) {
			t.Errorf("retracting twice: err = %v, want ErrConflict", err)
		}
		lines, err := tx.EncounterDiagnoses(e.ID)
		if err != nil {
			return err
		}
		if len(lines) != 2 || !lines[0].Retracted() || lines[0].Problem.ICD10 != "J06.9" || lines[1].Retracted() {
			t.Errorf("lines = %+v", lines)
		}
		live, err := tx.PatientDiagnoses(e.PatientID)
		if err != nil || len(live) != 1 || live[0].ID != second.ID {
			t.Errorf("diagnoses in force = %+v, %v", live, err)
		}
		return nil
	})
	if _, err := raw.Exec(`UPDATE encounter_diagnoses SET retract_reason = 'other words' WHERE id = 'dx-prob-1'`); err == nil {
		t.Error("a retraction was changed")
	}
}

// TestSignedVisitDiagnosesAreLockedInTheFile: whatever SQL runs against
// the file, a signed visit takes no new diagnosis and changes none.
func TestSignedVisitDiagnosesAreLockedInTheFile(t *testing.T) {
	d := openTestDB(t)
	doc, e, n := newTestEncounter(t, d)
	dx := newTestDiagnosis(t, d, doc, e, "prob-1")
	mustUpdate(t, d, func(tx *Tx) error {
		free := Problem{ID: "prob-free", PatientID: e.PatientID, ICD10: "R05", Title: "Cough", Status: ProblemActive,
			Version: 1, CreatedAt: testTime, CreatedBy: doc.ID, UpdatedAt: testTime, UpdatedBy: doc.ID}
		if err := tx.InsertProblem(free); err != nil {
			return err
		}
		return tx.SignNote(n.ID, doc.ID, testTime)
	})
	err := d.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.RetractDiagnosis(dx.ID, dx.Version, doc.ID, testTime, "wrong code")
		return err
	})
	if err == nil {
		t.Error("a signed visit's diagnosis was retracted")
	}
	raw := rawConn(t, d.Path())
	for _, stmt := range []string{
		`INSERT INTO revisions (entity, entity_id, version, data, changed_at, changed_by, reason)
			VALUES ('diagnosis', 'dx-prob-1', 1, '{}', '2026-03-10T10:00:00.000000Z', 'u-doc', 'x');
		 UPDATE encounter_diagnoses SET retracted_at = '2026-03-10T10:00:00.000000Z', retracted_by = 'u-doc',
			retract_reason = 'wrong', version = 2`,
		`INSERT INTO encounter_diagnoses (id, encounter_id, problem_id, rank, added_at, added_by)
			VALUES ('dx-late', 'enc-1', 'prob-free', 2, '2026-03-10T10:00:00.000000Z', 'u-doc')`,
		`DELETE FROM encounter_diagnoses`,
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("allowed on a signed visit: %s", stmt)
		}
	}
}
