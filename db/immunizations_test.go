package db

import (
	"context"
	"errors"
	"testing"
)

// TestImmunizationsAreKept: a dose is retracted with a revision kept, never
// deleted or changed in place, and the file itself refuses a dose given
// here without its giver, lot or site, whatever the caller checked.
func TestImmunizationsAreKept(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "drlee", "clinician")
	p := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	dose := Immunization{ID: "imm-1", PatientID: p.ID, CVX: "115", Vaccine: "Tdap", OccurredOn: "2026-03-10",
		LotNumber: "AB123", Site: "left_deltoid", Route: "intramuscular", Source: ImmGivenHere, AdministeredBy: u.ID,
		Status: ImmCompleted, Version: 1, CreatedAt: testTime, CreatedBy: u.ID, UpdatedAt: testTime, UpdatedBy: u.ID}
	mustUpdate(t, d, func(tx *Tx) error { return tx.InsertImmunization(dose) })

	for name, bad := range map[string]func(*Immunization){
		"given here without giver": func(m *Immunization) { m.AdministeredBy = "" },
		"given here without lot":   func(m *Immunization) { m.LotNumber = "" },
		"given here without site":  func(m *Immunization) { m.Site = "" },
		"unknown site":             func(m *Immunization) { m.Site = "left_knee" },
		"unknown route":            func(m *Immunization) { m.Route = "IM" },
		"retracted without reason": func(m *Immunization) { m.Status = EnteredInError },
	} {
		m := dose
		m.ID = "imm-bad"
		bad(&m)
		err := d.Update(context.Background(), func(tx *Tx) error { return tx.InsertImmunization(m) })
		if err == nil {
			t.Errorf("%s: stored", name)
		}
	}

	err := d.Update(context.Background(), func(tx *Tx) error {
		m, err := tx.ImmunizationByID(dose.ID)
		if err != nil {
			return err
		}
		if m.AdministeredByName != "Test drlee" {
			t.Errorf("administered by %q, want the user's name", m.AdministeredByName)
		}
		stale := m
		stale.Version = 7
		if _, err := tx.UpdateImmunization(stale, "stale"); !errors.Is(err, ErrConflict) {
			t.Errorf("update of a stale version: %v, want ErrConflict", err)
		}
		m.Status, m.RetractReason = EnteredInError, "wrong patient"
		saved, err := tx.UpdateImmunization(m, "wrong patient")
		if err != nil {
			return err
		}
		if saved.Version != 2 || saved.CVX != "115" {
			t.Errorf("saved %+v", saved)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := rawConn(t, d.Path())
	var kept int
	if err := conn.QueryRow(`SELECT count(*) FROM revisions WHERE entity = 'immunization' AND entity_id = 'imm-1' AND version = 1`).Scan(&kept); err != nil || kept != 1 {
		t.Errorf("kept revisions of version 1: %d, %v", kept, err)
	}
	for _, stmt := range []string{
		`UPDATE immunizations SET lot_number = 'X' WHERE id = 'imm-1'`,
		`DELETE FROM immunizations`,
	} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
}
