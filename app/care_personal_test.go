package app_test

import (
	"strings"
	"testing"
	"time"

	"folio/app"
)

func (f *roleFixture) reminder(t *testing.T) app.CareReminder {
	t.Helper()
	r, err := f.chart.AddReminder(f.patient.ID, app.ReminderInput{Title: "Recheck ferritin", DueOn: "2027-02-01"})
	if err != nil {
		t.Fatalf("add reminder: %v", err)
	}
	return r
}

// dueTexts are the Due box's lines of one kind.
func dueTexts(t *testing.T, chart *app.Chart, patientID, kind string) []string {
	t.Helper()
	sum, err := chart.Summary(patientID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range sum.Due {
		if d.Kind == kind {
			out = append(out, d.Text)
		}
	}
	return out
}

// TestFollowUpAskedAtVisit: "see in 3 months" set at a visit counts once the
// note is signed: it is on the chart's Due box and the desk's Recalls until
// a visit is booked, and back when that visit is cancelled.
func TestFollowUpAskedAtVisit(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart, desk := ta.Clinician.Chart, ta.FrontDesk.Schedule
	p := ta.register(t, samplePatient())
	followUps := app.RecallFilter{RuleIDs: []string{"follow-up"}}

	e, err := chart.OpenEncounter(p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if e, err = chart.SaveDraft(e.ID, app.NoteText{Assessment: "Hypertension", Plan: "Amlodipine; see in 3 months"},
		e.Note.DraftVersion); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"soon", "0 weeks", "2025-01-01", "3 fortnights"} {
		_, err := chart.SetFollowUp(e.ID, app.FollowUpInput{In: bad})
		if ae := wantKind(t, err, app.Invalid); ae != nil && ae.Fields["in"] == "" {
			t.Errorf("follow-up %q: no message on the field: %+v", bad, ae)
		}
	}
	f, err := chart.SetFollowUp(e.ID, app.FollowUpInput{In: "3 months", Note: "BP check"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != "draft" || f.DueOn != "2027-03-07" || f.Title != "3 months" {
		t.Fatalf("follow-up before signing = %+v", f)
	}
	// Not signed: not yet on any list.
	if rows := recallRows(t, desk, followUps); len(rows) != 0 {
		t.Errorf("a follow-up of an unsigned note is on the desk's list: %+v", rows)
	}
	if e, err = chart.Encounter(e.ID); err != nil || e.FollowUp == nil || e.FollowUp.ID != f.ID {
		t.Fatalf("the visit does not show its follow-up: %+v, %v", e.FollowUp, err)
	}
	if _, err := chart.SignNote(e.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	row, ok := recallRows(t, desk, followUps)[p.MRN+" follow-up"]
	if !ok || row.DueOn != "2026-12-07" || !strings.Contains(row.Detail, "see in 3 months (by 2027-03-07)") ||
		!strings.Contains(row.Detail, "BP check") || row.VisitType != "Follow-up" {
		t.Fatalf("after signing, the desk's row = %+v", row)
	}
	if due := dueTexts(t, chart, p.ID, "follow_up"); len(due) != 1 || !strings.HasPrefix(due[0], "Follow-up visit: see in 3 months") {
		t.Errorf("Due box follow-ups = %q", due)
	}

	// Booked: off the list, up to date in the chart; cancelled: back.
	res, err := desk.Book(app.AppointmentInput{PatientID: p.ID, ClinicianID: ta.Clinician.User.ID,
		TypeID: consultationType, Start: "2027-03-01T10:00"})
	if err != nil {
		t.Fatal(err)
	}
	if rows := recallRows(t, desk, followUps); len(rows) != 0 {
		t.Errorf("a booked follow-up is on the desk's list: %+v", rows)
	}
	if g := gapOf(t, chart, p.ID, "follow-up"); g.Status != "up_to_date" || !strings.Contains(g.Detail, "visit 2027-03-01") {
		t.Errorf("booked follow-up in the care panel = %+v", g)
	}
	a := res.Appointments[0]
	if _, err := desk.Cancel(a.ID, "patient away", "one", a.Version); err != nil {
		t.Fatal(err)
	}
	if rows := recallRows(t, desk, followUps); len(rows) != 1 {
		t.Errorf("a follow-up whose visit was cancelled is not back on the list: %+v", rows)
	}

	// Changed after signing: still one row, for the new interval.
	f, err = chart.SetFollowUp(e.ID, app.FollowUpInput{In: "6 weeks", Version: f.Version + 1})
	if err != nil {
		t.Fatal(err)
	}
	if row := recallRows(t, desk, followUps)[p.MRN+" follow-up"]; !strings.Contains(row.Detail, "see in 6 weeks (by 2027-01-18)") {
		t.Errorf("after the change: %+v", row)
	}
	// Someone else's stale version is refused.
	_, err = chart.SetFollowUp(e.ID, app.FollowUpInput{In: "1 year", Version: 1})
	wantKind(t, err, app.Conflict)
	// Cleared: gone, kept as entered in error.
	if f, err = chart.SetFollowUp(e.ID, app.FollowUpInput{Version: f.Version}); err != nil || f.Status != "entered_in_error" {
		t.Fatalf("clear: %+v, %v", f, err)
	}
	if rows := recallRows(t, desk, followUps); len(rows) != 0 {
		t.Errorf("a cleared follow-up is listed: %+v", rows)
	}
}

// TestClinicianReminder: a reminder is due from its day until marked done;
// a retraction needs a reason; bad input changes nothing.
func TestClinicianReminder(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart, desk := ta.Clinician.Chart, ta.FrontDesk.Schedule
	p := ta.register(t, samplePatient())
	before := ta.counts(t)
	for _, c := range []struct {
		in    app.ReminderInput
		field string
	}{
		{app.ReminderInput{DueOn: "2027-01-01"}, "title"},
		{app.ReminderInput{Title: "x", DueOn: "01/02/2027"}, "dueOn"},
		{app.ReminderInput{Title: "x", DueOn: "2027-01-01", VisitTypeID: "nope"}, "visitTypeId"},
		{app.ReminderInput{Title: strings.Repeat("x", 300), DueOn: "2027-01-01"}, "title"},
	} {
		_, err := chart.AddReminder(p.ID, c.in)
		if ae := wantKind(t, err, app.Invalid); ae != nil && ae.Fields[c.field] == "" {
			t.Errorf("%+v: no message on %s: %+v", c.in, c.field, ae.Fields)
		}
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused reminders changed the clinic: %+v -> %+v", before, after)
	}

	later, err := chart.AddReminder(p.ID, app.ReminderInput{Title: "Recheck potassium", DueOn: "2027-01-15",
		Note: "after lisinopril dose change"})
	if err != nil {
		t.Fatal(err)
	}
	if g := gapOf(t, chart, p.ID, "reminder"); g.Status != "up_to_date" || g.DueOn != "2027-01-15" {
		t.Errorf("a reminder for next month = %+v", g)
	}
	now, err := chart.AddReminder(p.ID, app.ReminderInput{Title: "Call with biopsy result", DueOn: "2026-12-07"})
	if err != nil {
		t.Fatal(err)
	}
	if due := dueTexts(t, chart, p.ID, "reminder"); len(due) != 1 || due[0] != "Clinician's reminder: Call with biopsy result" {
		t.Errorf("Due box reminders = %q", due)
	}
	row, ok := recallRows(t, desk, app.RecallFilter{RuleIDs: []string{"reminder"}})[p.MRN+" reminder"]
	if !ok || row.Detail != "Call with biopsy result" || row.DueOn != "2026-12-07" {
		t.Errorf("the desk's reminder row = %+v", row)
	}

	_, err = chart.CloseReminder(now.ID, false, "", now.Version)
	wantKind(t, err, app.Invalid)
	if _, err := chart.CloseReminder(now.ID, true, "called 7 Dec", now.Version); err != nil {
		t.Fatal(err)
	}
	_, err = chart.CloseReminder(now.ID, true, "again", now.Version)
	wantKind(t, err, app.Conflict)
	if due := dueTexts(t, chart, p.ID, "reminder"); len(due) != 0 {
		t.Errorf("a reminder done is still due: %q", due)
	}
	// The later one comes due on its day.
	ta.Clock.Set(time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC))
	chart = ta.signIn(t, clinicianUsername, clinicianPassword, "room-1").Chart
	if due := dueTexts(t, chart, p.ID, "reminder"); len(due) != 1 || !strings.Contains(due[0], "Recheck potassium") {
		t.Errorf("on its day, Due box reminders = %q", due)
	}
	list, err := chart.CareReminders(p.ID)
	if err != nil || len(list) != 2 || list[0].ID != later.ID || list[1].Status != "done" {
		t.Errorf("the chart's reminders = %+v, %v", list, err)
	}
}

// TestRefillDue: a prescription whose supply runs out within two weeks is
// due for a refill in the Due box and on the desk's list (one row for the
// patient, however many medications); a renewal takes it off.
func TestRefillDue(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart, desk := ta.Clinician.Chart, ta.FrontDesk.Schedule
	p := ta.register(t, samplePatient())
	add := func(in app.MedicationInput) app.Medication {
		t.Helper()
		m, err := chart.AddMedication(p.ID, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// 60 tablets twice a day, no refills, from 2026-11-15: out on 2026-12-15.
	metformin := add(app.MedicationInput{Drug: "metformin", Dose: "500 mg", Route: "oral", Frequency: "twice a day",
		Quantity: "60 tablets", Refills: 0, StartDate: "2026-11-15", Source: "prescribed_here"})
	// 30 tablets a day with 5 refills from 2026-10-01: out on 2027-03-30.
	add(app.MedicationInput{Drug: "lisinopril", Dose: "10 mg", Route: "oral", Frequency: "once a day",
		Quantity: "30 tablets", Refills: 5, StartDate: "2026-10-01", Source: "prescribed_here"})
	// 2 puffs as needed: no day it runs out.
	add(app.MedicationInput{Drug: "albuterol", Dose: "2 puffs", Route: "inhaled", Frequency: "as needed for wheeze",
		Quantity: "1 inhaler", Refills: 2, StartDate: "2026-06-01", Source: "prescribed_here"})

	due := dueTexts(t, chart, p.ID, "renewal")
	if len(due) != 1 || !strings.Contains(due[0], "metformin 500 mg oral twice a day: supply runs out 2026-12-15") {
		t.Fatalf("Due box refills = %q", due)
	}
	row, ok := recallRows(t, desk, app.RecallFilter{RuleIDs: []string{"refill"}})[p.MRN+" refill"]
	if !ok || row.DueOn != "2026-12-01" || !strings.Contains(row.Detail, "metformin") || row.Title != "Prescription refill" {
		t.Fatalf("the desk's refill row = %+v", row)
	}

	// Renewed today with refills: no longer due.
	if _, err := chart.RenewMedication(metformin.ID, app.MedicationInput{Drug: "metformin", Dose: "500 mg", Route: "oral",
		Frequency: "twice a day", Quantity: "60 tablets", Refills: 5, StartDate: "2026-12-07"}, metformin.Version, nil); err != nil {
		t.Fatal(err)
	}
	if due := dueTexts(t, chart, p.ID, "renewal"); len(due) != 0 {
		t.Errorf("after renewal, Due box refills = %q", due)
	}
	if rows := recallRows(t, desk, app.RecallFilter{RuleIDs: []string{"refill"}}); len(rows) != 0 {
		t.Errorf("after renewal, the desk's refills = %+v", rows)
	}
}
