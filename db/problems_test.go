package db

import (
	"errors"
	"testing"
)

// TestProblemsAndAllergiesKeepHistory: the file itself refuses to delete a
// problem, an allergy or a "no known allergies" statement, to change one
// without keeping the version it replaces, or to record a second statement
// in force.
func TestProblemsAndAllergiesKeepHistory(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "drlee", "clinician")
	p := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	mustUpdate(t, d, func(tx *Tx) error {
		if err := tx.InsertProblem(Problem{ID: "pr-1", PatientID: p.ID, ICD10: "I10", Title: "Essential (primary) hypertension",
			Status: ProblemActive, Version: 1, CreatedAt: testTime, CreatedBy: u.ID, UpdatedAt: testTime, UpdatedBy: u.ID}); err != nil {
			return err
		}
		if err := tx.InsertAllergy(Allergy{ID: "al-1", PatientID: p.ID, Substance: "Penicillin", SubstanceKind: "drug_class",
			Severity: "severe", Status: AllergyActive, Version: 1, CreatedAt: testTime, CreatedBy: u.ID, UpdatedAt: testTime, UpdatedBy: u.ID}); err != nil {
			return err
		}
		return tx.RecordNoKnownAllergies("p-1", u.ID, testTime)
	})
	err := d.Update(t.Context(), func(tx *Tx) error { return tx.RecordNoKnownAllergies("p-1", u.ID, testTime) })
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("second statement in force: %v, want ErrDuplicate", err)
	}
	mustUpdate(t, d, func(tx *Tx) error {
		pr, err := tx.ProblemByID("pr-1")
		if err != nil {
			return err
		}
		pr.Status, pr.ResolvedOn = ProblemResolved, "2025"
		if _, err := tx.UpdateProblem(pr, "resolved"); err != nil {
			return err
		}
		if _, err := tx.UpdateProblem(pr, "stale"); !errors.Is(err, ErrConflict) {
			t.Errorf("stale update: %v, want ErrConflict", err)
		}
		return nil
	})
	conn := rawConn(t, d.Path())
	for _, stmt := range []string{
		`DELETE FROM problems`,
		`UPDATE problems SET note = 'x'`,
		`DELETE FROM allergies`,
		`UPDATE allergies SET severity = 'mild'`,
		`DELETE FROM no_known_allergies`,
		`UPDATE no_known_allergies SET recorded_by = 'someone'`,
		`UPDATE problems SET status = 'gone'`,
	} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
}
