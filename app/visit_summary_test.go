package app_test

import (
	"strings"
	"testing"
	"time"

	"folio/app"
)

// The after-visit summary reads the visit's medicines from the medication
// list's versions: started, changed (renewed at another dose), renewed as
// they were, and stopped during the visit; not what came before or after
// it, nor what was entered in error.
func TestVisitSummaryMedicines(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	add := func(drug, dose string) app.Medication {
		t.Helper()
		in := sampleMedication(drug)
		in.Dose = dose
		m, err := c.AddMedication(p.ID, in, nil)
		must(err)
		return m
	}
	// Before the visit.
	lisinopril := add("lisinopril", "10 mg")
	metformin := add("metformin", "500 mg")
	atorvastatin := add("atorvastatin", "20 mg")
	before := add("omeprazole", "20 mg")
	later(t, ta, 24*time.Hour)

	e, err := c.OpenEncounter(p.ID, "")
	must(err)
	ta.Clock.Advance(5 * time.Minute)
	add("amoxicillin", "500 mg")
	mistake := add("loratadine", "10 mg")
	_, err = c.RetractMedication(mistake.ID, "wrong patient", mistake.Version)
	must(err)
	changed := sampleMedication("lisinopril")
	changed.Dose = "20 mg"
	_, err = c.RenewMedication(lisinopril.ID, changed, lisinopril.Version, nil)
	must(err)
	same := sampleMedication("atorvastatin")
	same.Dose = "20 mg"
	_, err = c.RenewMedication(atorvastatin.ID, same, atorvastatin.Version, nil)
	must(err)
	_, err = c.StopMedication(metformin.ID, "stomach upset", "", metformin.Version)
	must(err)
	_, err = c.RecordVitals(p.ID, app.VitalsInput{EncounterID: e.ID, Systolic: num(128), Diastolic: num(82), Pulse: num(72)})
	must(err)
	_, err = c.SetFollowUp(e.ID, app.FollowUpInput{In: "3 months", Note: "with fasting labs"})
	must(err)
	guidance, err := c.SaveVisitInstructions(e.ID, "Take the new dose with breakfast.  \n", 0)
	must(err)
	if guidance.Version != 1 || guidance.Text != "Take the new dose with breakfast." || guidance.UpdatedBy != "Dr. Jordan Lee" {
		t.Errorf("instructions saved = %+v", guidance)
	}
	e, err = c.SaveDraft(e.ID, app.NoteText{Assessment: "Hypertension, not controlled.", Plan: "Lisinopril up to 20 mg."}, e.Note.DraftVersion)
	must(err)
	e, err = c.SignNote(e.ID, e.Version)
	must(err)
	// After the visit: not this visit's.
	later(t, ta, 2*time.Hour)
	_, err = c.StopMedication(before.ID, "no longer needed", "", before.Version)
	must(err)
	add("cetirizine", "10 mg")

	s, err := c.VisitSummary(e.ID)
	must(err)
	lines := func(list []app.MedicationChange) string {
		var out []string
		for _, m := range list {
			out = append(out, strings.TrimSpace(strings.TrimSpace(m.Drug+" "+m.Now)+" | "+m.Was+" | "+m.Reason))
		}
		return strings.Join(out, "; ")
	}
	for _, tc := range []struct {
		name string
		got  []app.MedicationChange
		want string
	}{
		{"new", s.Medications.New, "amoxicillin 500 mg oral once a day |  |"},
		{"changed", s.Medications.Changed, "lisinopril 20 mg oral once a day | 10 mg oral once a day |"},
		{"renewed", s.Medications.Renewed, "atorvastatin 20 mg oral once a day |  |"},
		{"stopped", s.Medications.Stopped, "metformin | 500 mg oral once a day | stomach upset"},
	} {
		if got := lines(tc.got); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if len(s.Vitals) != 1 || s.Vitals[0].Systolic == nil || s.Vitals[0].Systolic.Display != 128 {
		t.Errorf("vitals = %+v", s.Vitals)
	}
	if s.FollowUp == nil || s.FollowUp.Title != "3 months" || s.FollowUp.Note != "with fasting labs" {
		t.Errorf("follow-up = %+v", s.FollowUp)
	}
	if s.Instructions.Text != "Take the new dose with breakfast." || !s.Signed || s.ClinicianName != "Dr. Jordan Lee" ||
		s.Patient.MRN == "" || s.Clinic.Name == "" || s.PrintedBy != "Dr. Jordan Lee" {
		t.Errorf("summary = %+v", s)
	}
	if a := ta.lastAudit(t); a.Action != "visit_summary.print" || a.PatientID != p.ID ||
		a.Detail != "medicines: 1 new, 1 changed, 1 stopped" {
		t.Errorf("audit = %+v", a)
	}
}

// The patient's instructions are kept like any clinical text: each change
// over the version read, the one it replaces kept; a change from a stale
// version or of a retracted visit is refused and writes nothing.
func TestVisitInstructions(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	e := signedVisit(t, ta)
	first, err := c.SaveVisitInstructions(e.ID, "Rest for two days.", 0)
	if err != nil {
		t.Fatal(err)
	}
	// After signing too: the handout is not the signed note.
	second, err := c.SaveVisitInstructions(e.ID, "Rest for two days. Drink plenty of fluids.", first.Version)
	if err != nil || second.Version != 2 {
		t.Fatalf("change after signing: %+v, %v", second, err)
	}
	before := ta.counts(t)
	for _, tc := range []struct {
		name    string
		text    string
		version int
		want    app.Kind
	}{
		{"from a stale version", "Rest.", first.Version, app.Conflict},
		{"as if none were written", "Rest.", 0, app.Conflict},
		{"too long", strings.Repeat("x", 20001), second.Version, app.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SaveVisitInstructions(e.ID, tc.text, tc.version)
			if err := wantKind(t, err, tc.want); tc.want == app.Invalid && err.Fields["instructions"] == "" {
				t.Errorf("fields = %v", err.Fields)
			}
		})
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused changes wrote: before %+v, after %+v", before, after)
	}
	got, err := c.Encounter(e.ID)
	if err != nil || got.Instructions.Text != "Rest for two days. Drink plenty of fluids." || got.Instructions.Version != 2 {
		t.Errorf("visit's instructions = %+v, %v", got.Instructions, err)
	}
	if _, err := c.RetractNote(e.ID, "wrong patient", got.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SaveVisitInstructions(e.ID, "Rest.", 2); kindOf(err) != app.Conflict {
		t.Errorf("instructions of a retracted visit: %v, want conflict", err)
	}
	if _, err := c.VisitSummary(e.ID); kindOf(err) != app.Conflict {
		t.Errorf("summary of a retracted visit: %v, want conflict", err)
	}
}

// A note is printed once signed, with its addenda; the print is audited.
func TestNotePrintout(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	_, open := openVisit(t, ta)
	if _, err := c.NotePrintout(open.ID); kindOf(err) != app.Conflict {
		t.Errorf("print a draft: %v, want conflict", err)
	}
	e := signedVisit(t, ta)
	if _, err := c.AddAddendum(e.ID, "Called with the results: normal."); err != nil {
		t.Fatal(err)
	}
	p, err := c.NotePrintout(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Encounter.Note.SignedBy != "Dr. Jordan Lee" || len(p.Encounter.Addenda) != 1 || p.Patient.Name == "" ||
		p.Patient.BirthDate == "" || p.PrintedBy != "Dr. Jordan Lee" {
		t.Errorf("printout = %+v", p)
	}
	if a := ta.lastAudit(t); a.Action != "note.print" || a.PatientID != e.PatientID || a.Detail != "1 addenda" {
		t.Errorf("audit = %+v", a)
	}
}

// later moves the clinic's clock on by d, the clinician unlocking the
// screen that locked meanwhile.
func later(t *testing.T, ta *testApp, d time.Duration) {
	t.Helper()
	ta.Clock.Advance(d)
	if _, err := ta.Clinician.Auth.Unlock(clinicianPassword); err != nil {
		t.Fatalf("unlock after %s: %v", d, err)
	}
}
