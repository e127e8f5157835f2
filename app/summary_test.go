package app_test

import (
	"slices"
	"testing"
	"time"

	"folio/app"
)

// followed are a summary's due items, in order, this test follows: of the
// care rules only the season's influenza vaccine and refills (the rules
// have their own tests: app/care, care_gaps_test.go, care_personal_test.go).
func followed(s app.ChartSummary) []app.DueItem {
	var out []app.DueItem
	for _, d := range s.Due {
		if d.Rule == "" || d.Rule == "influenza-vaccine" || d.Rule == "refill" {
			out = append(out, d)
		}
	}
	return out
}

// dueKinds lists the kinds of the due items followed, in order.
func dueKinds(s app.ChartSummary) []string {
	var kinds []string
	for _, d := range followed(s) {
		kinds = append(kinds, d.Kind)
	}
	return kinds
}

// TestSummaryRecentVisitsAndDue: the chart's first screen lists the latest
// visits and what the chart waits for, and each due item goes once it is
// dealt with.
func TestSummaryRecentVisitsAndDue(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())

	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.RecentEncounters) != 0 || !slices.Equal(dueKinds(sum), []string{"immunization"}) {
		t.Fatalf("new chart: visits %+v, due %+v; want only this season's flu vaccine", sum.RecentEncounters, sum.Due)
	}
	if followed(sum)[0].Text != "Influenza vaccine for the 2026–27 season" || followed(sum)[0].Since != "2026-08-01" {
		t.Errorf("flu due item = %+v", followed(sum)[0])
	}

	// Seven visits, the last left as a draft; a prescription without refills.
	var last app.Encounter
	for i := range 7 {
		ta.Clock.Advance(time.Minute)
		e, err := chart.OpenEncounter(p.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if e, err = chart.SaveDraft(e.ID, app.NoteText{Subjective: "Cough for a week.", Assessment: "Acute bronchitis."},
			e.Note.DraftVersion); err != nil {
			t.Fatal(err)
		}
		if i < 6 {
			if _, err := chart.SignNote(e.ID, e.Version); err != nil {
				t.Fatal(err)
			}
		}
		last = e
	}
	// A short course without refills just ends; a drug taken for weeks
	// without refills left is due for renewal.
	if _, err := chart.AddMedication(p.ID, app.MedicationInput{Drug: "amoxicillin", Dose: "500 mg", Route: "oral",
		Frequency: "three times a day", Quantity: "21 capsules", Refills: 0}, nil); err != nil {
		t.Fatal(err)
	}
	med, err := chart.AddMedication(p.ID, app.MedicationInput{Drug: "lisinopril", Dose: "10 mg", Route: "oral",
		Frequency: "once a day", Quantity: "30 tablets", Refills: 0, StartDate: "2026-09-01"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chart.AddMedication(p.ID, app.MedicationInput{Drug: "metformin", Dose: "500 mg", Route: "oral",
		Frequency: "twice a day", Quantity: "60 tablets", Refills: 3}, nil); err != nil {
		t.Fatal(err)
	}
	sum, err = chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.RecentEncounters) != 5 || sum.RecentEncounters[0].ID != last.ID || sum.RecentEncounters[0].Status != "open" {
		t.Errorf("recent visits = %+v; want the latest 5, the draft first", sum.RecentEncounters)
	}
	if got := dueKinds(sum); !slices.Equal(got, []string{"note", "renewal", "immunization"}) {
		t.Fatalf("due = %+v", sum.Due)
	}
	if followed(sum)[0].RecordID != last.ID || followed(sum)[1].RecordID != med.ID {
		t.Errorf("due items point at %q and %q; want the draft visit and the lisinopril", followed(sum)[0].RecordID, followed(sum)[1].RecordID)
	}

	// Signed, vaccinated this season (elsewhere), stopped: nothing is due.
	if _, err := chart.SignNote(last.ID, last.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.RecordImmunization(p.ID, app.ImmunizationInput{CVX: "150", OccurredOn: "2026-09-20",
		Source: "elsewhere", Performer: "Main Street Pharmacy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.StopMedication(med.ID, "course completed", "", med.Version); err != nil {
		t.Fatal(err)
	}
	sum, err = chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Due == nil || len(followed(sum)) != 0 || sum.RecentEncounters == nil {
		t.Errorf("due = %#v, visits nil: %v; want only the care rules' items, and lists", sum.Due, sum.RecentEncounters == nil)
	}
}

// TestSummaryFluSeason: last season's dose does not count for this one, and
// babies under six months are not due.
func TestSummaryFluSeason(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	if _, err := chart.RecordImmunization(p.ID, app.ImmunizationInput{CVX: "150", OccurredOn: "2026-07-20",
		Source: "elsewhere", Performer: "Main Street Pharmacy"}); err != nil {
		t.Fatal(err)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dueKinds(sum), []string{"immunization"}) || followed(sum)[0].Since != "2026-08-01" {
		t.Errorf("due after a July dose = %+v; want the 2026–27 season's", sum.Due)
	}
	baby := samplePatient()
	baby.GivenNames, baby.BirthDate, baby.Phone = "Luz", "2026-10-01", "555-201-9900"
	b := ta.register(t, baby)
	// (A baby is due the childhood schedule's doses, not this.)
	if sum, err = chart.Summary(b.ID); err != nil || len(followed(sum)) != 0 {
		t.Errorf("3-month-old: due %+v, %v; want no influenza vaccine", sum.Due, err)
	}
}

// TestSummaryLabsDue: a test ordered is due until its result comes; the
// result is due for review until a clinician reviews it.
func TestSummaryLabsDue(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	if _, err := chart.RecordImmunization(p.ID, app.ImmunizationInput{CVX: "150", OccurredOn: "2026-09-20",
		Source: "elsewhere", Performer: "Main Street Pharmacy"}); err != nil {
		t.Fatal(err)
	}
	order, err := chart.OrderLab(p.ID, app.LabOrderInput{LOINC: "4548-4"})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dueKinds(sum), []string{"lab_order"}) || followed(sum)[0].RecordID != order.ID {
		t.Fatalf("due after an order = %+v", sum.Due)
	}
	res, err := chart.RecordLabResult(p.ID, app.LabResultInput{OrderID: order.ID, Value: "8.1", Unit: "%"})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err = chart.Summary(p.ID); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dueKinds(sum), []string{"lab_review"}) || followed(sum)[0].Text != "Lab results to review: 1" {
		t.Fatalf("due after the result = %+v", sum.Due)
	}
	if _, err := chart.ReviewLabResult(res.ID, "Discussed; diet and metformin.", res.Version); err != nil {
		t.Fatal(err)
	}
	if sum, err = chart.Summary(p.ID); err != nil || len(followed(sum)) != 0 {
		t.Errorf("due after review = %+v, %v; want nothing but the care rules' items", sum.Due, err)
	}
}
