package app_test

import (
	"testing"
	"time"

	"folio/app"
)

// TestWhoChangedItLast: a record read in full names who saved its current
// version and when, so that a person whose save was refused (someone else
// saved first) can be told who changed it meanwhile.
func TestWhoChangedItLast(t *testing.T) {
	sc := newScheduleClinic(t)
	at := testStart.Add(2 * time.Minute)
	sc.Clock.Set(at)

	allergy, err := sc.Clinician.Chart.AddAllergy(sc.ana.ID, app.AllergyInput{Substance: "Peanuts", SubstanceKind: "food",
		Severity: "mild", Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	appt := sc.book(t, sc.ana.ID, sc.lee.ID, tomorrow+"T10:00", "")

	// Each row changes the record as one person, then reads it as another.
	tests := []struct {
		name   string
		change func() error
		read   func() (by, when string, err error)
		wantBy string
		wantAt time.Time
	}{
		{
			name:   "registered patient",
			change: func() error { return nil },
			read: func() (string, string, error) {
				p, err := sc.Clinician.Patients.Open(sc.ana.ID)
				return p.UpdatedByName, p.UpdatedAt, err
			},
			wantBy: "Sam Desk",
			wantAt: testStart,
		},
		{
			name: "corrected patient",
			change: func() error {
				p, err := sc.FrontDesk.Patients.Open(sc.ana.ID)
				if err != nil {
					return err
				}
				in := p.PatientInput
				in.Phone = "555-000-1111"
				corrected, err := sc.Clinician.Patients.Correct(p.ID, in, "new number", p.Version)
				if err == nil && corrected.UpdatedByName != "Dr. Jordan Lee" {
					t.Errorf("Correct answered updatedByName %q", corrected.UpdatedByName)
				}
				return err
			},
			read: func() (string, string, error) {
				p, err := sc.FrontDesk.Patients.Open(sc.ana.ID)
				return p.UpdatedByName, p.UpdatedAt, err
			},
			wantBy: "Dr. Jordan Lee",
			wantAt: at,
		},
		{
			name: "updated allergy",
			change: func() error {
				in := app.AllergyInput{Substance: "Peanuts", SubstanceKind: "food", Severity: "severe", Status: "active"}
				_, err := sc.Clinician.Chart.UpdateAllergy(allergy.ID, in, "worse reaction", allergy.Version)
				return err
			},
			read: func() (string, string, error) {
				list, err := sc.Clinician.Chart.Allergies(sc.ana.ID)
				if err != nil || len(list.Allergies) != 1 {
					return "", "", err
				}
				return list.Allergies[0].UpdatedByName, list.Allergies[0].UpdatedAt, nil
			},
			wantBy: "Dr. Jordan Lee",
			wantAt: at,
		},
		{
			name: "moved appointment",
			change: func() error {
				_, err := sc.desk.Move(app.MoveInput{ID: appt.ID, Start: tomorrow + "T11:00", End: tomorrow + "T11:15",
					Version: appt.Version})
				return err
			},
			read: func() (string, string, error) {
				a, err := sc.Clinician.Schedule.Appointment(appt.ID)
				return a.UpdatedByName, a.UpdatedAt, err
			},
			wantBy: "Sam Desk",
			wantAt: at,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.change(); err != nil {
				t.Fatal(err)
			}
			by, when, err := tc.read()
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.wantAt.Format(time.RFC3339); by != tc.wantBy || when != want {
				t.Errorf("changed by %q at %q, want %q at %q", by, when, tc.wantBy, want)
			}
		})
	}
}
