package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// recallRows lists the recall list's rows of one rule as "MRN outcome".
func recallRows(t *testing.T, s *app.Schedule, f app.RecallFilter) map[string]app.Recall {
	t.Helper()
	page, err := s.Recalls(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]app.Recall{}
	for _, r := range page.Rows {
		out[r.MRN+" "+r.RuleID] = r
	}
	return out
}

// TestRecallList: the desk's list has everyone due, at once after a chart
// changes; the desk's calls show on the row, a snooze hides it until its
// day, a refusal takes it off for a year and is in the chart; a screening
// charted takes the row off; the whole list made again is the same.
func TestRecallList(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	desk, chart := ta.FrontDesk.Schedule, ta.Clinician.Chart
	in := samplePatient()
	in.BirthDate = "1970-02-02"
	fifty := ta.register(t, in)
	in = samplePatient()
	in.FamilyName, in.BirthDate = "Young", "2000-05-05"
	young := ta.register(t, in)

	colorectal := app.RecallFilter{RuleIDs: []string{"colorectal-cancer-screening"}}
	rows := recallRows(t, desk, colorectal)
	row, ok := rows[fifty.MRN+" colorectal-cancer-screening"]
	if !ok || len(rows) != 1 || row.DueOn != "2015-02-02" || row.Title != "Colorectal cancer screening" ||
		row.Phone != fifty.Phone || row.Age != "56 y" {
		t.Fatalf("colorectal recalls = %+v; want the 56-year-old alone, due since 45", rows)
	}
	if all := recallRows(t, desk, app.RecallFilter{}); all[young.MRN+" hiv-screening"].RuleID == "" {
		t.Errorf("the 26-year-old is not due an HIV screening: %+v", all)
	}
	if aged := recallRows(t, desk, app.RecallFilter{MinAge: 40}); aged[young.MRN+" hiv-screening"].RuleID != "" {
		t.Error("the age filter kept a 26-year-old")
	}
	if over := recallRows(t, desk, app.RecallFilter{RuleIDs: []string{"influenza-vaccine"}, OverdueDays: 200}); len(over) != 0 {
		t.Errorf("a flu vaccine due since August is not 200 days overdue: %+v", over)
	}

	// A message left shows on the row; a snooze hides it until its day.
	if _, err := desk.RecordOutreach(app.OutreachInput{PatientID: fifty.ID, RuleID: "colorectal-cancer-screening",
		Outcome: "left_message", Note: "voicemail"}); err != nil {
		t.Fatal(err)
	}
	row = recallRows(t, desk, colorectal)[fifty.MRN+" colorectal-cancer-screening"]
	if row.Outreach != "left_message" || row.OutreachNote != "voicemail" || row.OutreachBy == "" || row.OutreachAt == "" {
		t.Errorf("after a message left: %+v", row)
	}
	if _, err := desk.RecordOutreach(app.OutreachInput{PatientID: fifty.ID, RuleID: "colorectal-cancer-screening",
		Outcome: "snoozed", SnoozeUntil: "2027-01-15", Note: "travelling"}); err != nil {
		t.Fatal(err)
	}
	if rows := recallRows(t, desk, colorectal); len(rows) != 0 {
		t.Errorf("a snoozed row is listed: %+v", rows)
	}
	colorectal.Snoozed = true
	if row := recallRows(t, desk, colorectal)[fifty.MRN+" colorectal-cancer-screening"]; row.SnoozeUntil != "2027-01-15" {
		t.Errorf("with the snoozed rows: %+v", row)
	}
	ta.Clock.Advance(40 * 24 * time.Hour) // 2027-01-16: both sign in again
	desk = ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1").Schedule
	chart = ta.signIn(t, clinicianUsername, clinicianPassword, "room-1").Chart
	colorectal.Snoozed = false
	if rows := recallRows(t, desk, colorectal); len(rows) != 1 {
		t.Errorf("after its snooze the row is not back: %+v", rows)
	}

	// Bad input changes nothing.
	for _, c := range []struct {
		in    app.OutreachInput
		field string
	}{
		{app.OutreachInput{PatientID: fifty.ID, RuleID: "colorectal-cancer-screening", Outcome: "shouted"}, "outcome"},
		{app.OutreachInput{PatientID: fifty.ID, RuleID: "colorectal-cancer-screening", Outcome: "snoozed"}, "snoozeUntil"},
		{app.OutreachInput{PatientID: fifty.ID, RuleID: "colorectal-cancer-screening", Outcome: "snoozed",
			SnoozeUntil: "2026-01-01"}, "snoozeUntil"},
		{app.OutreachInput{PatientID: fifty.ID, RuleID: "no-such-rule", Outcome: "reached"}, "ruleId"},
	} {
		_, err := desk.RecordOutreach(c.in)
		var e *app.Error
		if !errors.As(err, &e) || e.Fields[c.field] == "" {
			t.Errorf("%+v: %v; want a message on %s", c.in, err, c.field)
		}
	}
	if row := recallRows(t, desk, colorectal)[fifty.MRN+" colorectal-cancer-screening"]; row.Outreach != "snoozed" {
		t.Errorf("a refused outreach changed the row: %+v", row)
	}

	// The colonoscopy charted takes the row off at once.
	c := sampleColonoscopy()
	c.PerformedOn = "2027-01-10"
	if _, err := chart.RecordCare(fifty.ID, c); err != nil {
		t.Fatal(err)
	}
	if rows := recallRows(t, desk, colorectal); len(rows) != 0 {
		t.Errorf("a screening charted left the row: %+v", rows)
	}

	// A refusal told to the desk takes the row off and is in the chart.
	flu := app.RecallFilter{RuleIDs: []string{"influenza-vaccine"}}
	if rows := recallRows(t, desk, flu); len(rows) != 2 {
		t.Fatalf("flu recalls = %+v; want both", rows)
	}
	if _, err := desk.RecordOutreach(app.OutreachInput{PatientID: young.ID, RuleID: "influenza-vaccine",
		Outcome: "declined", Note: "does not want it"}); err != nil {
		t.Fatal(err)
	}
	if rows := recallRows(t, desk, flu); len(rows) != 1 {
		t.Errorf("after the refusal: %+v", rows)
	}
	if g := gapOf(t, chart, young.ID, "influenza-vaccine"); g.Status != "declined" {
		t.Errorf("the chart does not say declined: %+v", g)
	}

	// Letters: one per patient, with all they are due for, headed by the
	// clinic; printing them marks each row.
	letters, err := desk.PrintRecallLetters(app.RecallFilter{RuleIDs: []string{"hiv-screening", "hepatitis-c-screening"}})
	if err != nil {
		t.Fatal(err)
	}
	var mine *app.RecallLetter
	for i := range letters.Letters {
		if letters.Letters[i].MRN == young.MRN {
			mine = &letters.Letters[i]
		}
	}
	if mine == nil || len(mine.Due) != 2 || mine.Name != "Ana Sofia Young" ||
		strings.Join(mine.Address, " / ") != "12 Maple St / Springfield IL 62704" || letters.Clinic.Name == "" {
		t.Errorf("letters = %+v", letters)
	}
	if row := recallRows(t, desk, app.RecallFilter{RuleIDs: []string{"hiv-screening"}})[young.MRN+" hiv-screening"]; row.Outreach != "letter" {
		t.Errorf("after the letter: %+v", row)
	}

	// The whole list made again is the same list.
	before := recallRows(t, desk, app.RecallFilter{Snoozed: true})
	n, err := ta.RefreshCareList(context.Background(), true)
	if err != nil || n != 2 {
		t.Fatalf("made the list of %d charts, %v", n, err)
	}
	after := recallRows(t, desk, app.RecallFilter{Snoozed: true})
	if len(after) != len(before) {
		t.Errorf("the list made whole has %d rows, kept as the charts changed %d", len(after), len(before))
	}
	for k, r := range before {
		if after[k] != r {
			t.Errorf("%s: %+v kept, %+v made whole", k, r, after[k])
		}
	}
	if page, err := desk.Recalls(app.RecallFilter{}); err != nil || !page.Ready {
		t.Errorf("ready = %v, %v", page.Ready, err)
	}
}

// TestRecallKeepsTheDayFirstDue: a condition's check never done has no
// start Folio knows, so the list keeps the day it first listed it: it does
// not look newly due every day, and "overdue by" finds it.
func TestRecallKeepsTheDayFirstDue(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	p := ta.register(t, samplePatient())
	if _, err := ta.Clinician.Chart.AddProblem(p.ID, app.ProblemInput{Code: "E11.9"}); err != nil {
		t.Fatal(err)
	}
	a1c := app.RecallFilter{RuleIDs: []string{"diabetes-a1c"}}
	if row := recallRows(t, ta.FrontDesk.Schedule, a1c)[p.MRN+" diabetes-a1c"]; row.DueOn != "2026-12-07" {
		t.Fatalf("first listed: %+v", row)
	}
	ta.Clock.Advance(45 * 24 * time.Hour)
	chart := ta.signIn(t, clinicianUsername, clinicianPassword, "room-1").Chart
	desk := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1").Schedule
	if _, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "I10"}); err != nil { // a chart change: the rows made again
		t.Fatal(err)
	}
	if _, err := ta.RefreshCareList(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	a1c.OverdueDays = 30
	if row := recallRows(t, desk, a1c)[p.MRN+" diabetes-a1c"]; row.DueOn != "2026-12-07" {
		t.Errorf("45 days on, after a chart change and the daily making: %+v; want still due since 2026-12-07", row)
	}
	// Made today: nothing waits. The next day's making is only a new day's,
	// the one that waits for a quiet minute.
	ctx := context.Background()
	if newDay, err := ta.CareListOnlyNewDay(ctx); err != nil || newDay {
		t.Errorf("just made: only a new day = %v, %v", newDay, err)
	}
	ta.Clock.Advance(24 * time.Hour)
	if newDay, err := ta.CareListOnlyNewDay(ctx); err != nil || !newDay {
		t.Errorf("a day later: only a new day = %v, %v", newDay, err)
	}
}
