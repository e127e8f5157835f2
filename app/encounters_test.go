package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// openVisit opens a walk-in for a new patient as the clinician.
func openVisit(t *testing.T, ta *testApp) (app.Patient, app.Encounter) {
	t.Helper()
	p := ta.register(t, samplePatient())
	e, err := ta.Clinician.Chart.OpenEncounter(p.ID, "")
	if err != nil {
		t.Fatalf("open encounter: %v", err)
	}
	return p, e
}

// signedVisit opens a walk-in, drafts its note and signs it.
func signedVisit(t *testing.T, ta *testApp) app.Encounter {
	t.Helper()
	_, e := openVisit(t, ta)
	e, err := ta.Clinician.Chart.SaveDraft(e.ID, app.NoteText{Subjective: "cough", Assessment: "viral URI", Plan: "fluids"},
		e.Note.DraftVersion)
	if err != nil {
		t.Fatalf("save draft: %v", err)
	}
	if e, err = ta.Clinician.Chart.SignNote(e.ID, e.Version); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return e
}

func TestOpenEncounter(t *testing.T) {
	ta := newTestApp(t)
	p, walkIn := openVisit(t, ta)
	if walkIn.Kind != "walk_in" || walkIn.Status != "open" || walkIn.AppointmentID != "" || walkIn.PatientID != p.ID ||
		walkIn.ClinicianName != "Dr. Jordan Lee" || walkIn.Note.DraftVersion != 1 || walkIn.Addenda == nil {
		t.Errorf("walk-in = %+v", walkIn)
	}
	if a := ta.lastAudit(t); a.Action != "encounter.open" || a.PatientID != p.ID {
		t.Errorf("audit = %+v", a)
	}

	today := ta.Clock.Now().Format("2006-01-02")
	res, err := ta.FrontDesk.Schedule.Book(app.AppointmentInput{PatientID: p.ID, ClinicianID: ta.Clinician.User.ID,
		TypeID: consultationType, Start: today + "T10:00"})
	if err != nil {
		t.Fatal(err)
	}
	appt := res.Appointments[0]
	ta.Clock.Advance(5 * time.Minute)
	visit, err := ta.Clinician.Chart.OpenEncounter(p.ID, appt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if visit.Kind != "visit" || visit.AppointmentID != appt.ID {
		t.Errorf("visit = %+v", visit)
	}
	again, err := ta.Clinician.Chart.OpenEncounter(p.ID, appt.ID)
	if err != nil || again.ID != visit.ID {
		t.Errorf("opening the appointment again: %+v, %v; want the same visit", again, err)
	}

	list, err := ta.Clinician.Chart.Encounters(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != visit.ID || list[1].ID != walkIn.ID {
		t.Errorf("encounters = %+v, want the visit then the walk-in", list)
	}

	other := ta.register(t, samplePatient())
	before := ta.counts(t)
	for _, tc := range []struct {
		name, patientID, appointmentID, field string
	}{
		{"no patient", "", "", "patientId"},
		{"unknown patient", "nobody", "", "patientId"},
		{"unknown appointment", p.ID, "nothing", "appointmentId"},
		{"another patient's appointment", other.ID, appt.ID, "appointmentId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ta.Clinician.Chart.OpenEncounter(tc.patientID, tc.appointmentID)
			if e := wantKind(t, err, app.Invalid); e.Fields[tc.field] == "" {
				t.Errorf("fields = %v, want %s", e.Fields, tc.field)
			}
		})
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused opens wrote: before %+v, after %+v", before, after)
	}
}

func TestDraftsKeepHistoryAndConflict(t *testing.T) {
	ta := newTestApp(t)
	_, e := openVisit(t, ta)
	chart := ta.Clinician.Chart
	first, err := chart.SaveDraft(e.ID, app.NoteText{Subjective: "cough"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a := ta.lastAudit(t); a.Action != "note.draft" || a.Detail != "version 2" {
		t.Errorf("audit = %+v", a)
	}
	before := ta.counts(t)
	second, err := chart.SaveDraft(e.ID, app.NoteText{Subjective: "cough for 3 days  \n"}, first.Note.DraftVersion)
	if err != nil {
		t.Fatal(err)
	}
	if second.Note.DraftVersion != 3 || second.Note.Subjective != "cough for 3 days" {
		t.Errorf("note = %+v", second.Note)
	}
	if after := ta.counts(t); after.Revisions != before.Revisions+1 {
		t.Errorf("revisions %d -> %d: the replaced draft was not kept", before.Revisions, after.Revisions)
	}

	before = ta.counts(t)
	_, err = chart.SaveDraft(e.ID, app.NoteText{Subjective: "from another room"}, first.Note.DraftVersion)
	wantKind(t, err, app.Conflict)
	_, err = chart.SaveDraft(e.ID, app.NoteText{Plan: strings.Repeat("x", 20001)}, second.Note.DraftVersion)
	if e := wantKind(t, err, app.Invalid); e.Fields["plan"] == "" {
		t.Errorf("fields = %v", e.Fields)
	}
	_, err = chart.SaveDraft("no-such-encounter", app.NoteText{}, 1)
	wantKind(t, err, app.NotFound)
	if after := ta.counts(t); after != before {
		t.Errorf("refused drafts wrote: before %+v, after %+v", before, after)
	}
	got, err := chart.Encounter(e.ID)
	if err != nil || got.Note.Subjective != "cough for 3 days" {
		t.Errorf("note after refusals = %+v, %v", got.Note, err)
	}
}

// TestSignedNoteCannotChange tries every method that could touch a signed
// note: none changes its text.
func TestSignedNoteCannotChange(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	signed := signedVisit(t, ta)
	if signed.Status != "signed" || signed.Note.SignedAt == "" || signed.Note.SignedBy != "Dr. Jordan Lee" {
		t.Fatalf("signed = %+v", signed)
	}
	if a := ta.lastAudit(t); a.Action != "note.sign" {
		t.Errorf("audit = %+v", a)
	}
	for _, tc := range []struct {
		name string
		try  func() error
		want app.Kind
	}{
		{"save a draft", func() error {
			_, err := chart.SaveDraft(signed.ID, app.NoteText{Assessment: "changed"}, signed.Note.DraftVersion)
			return err
		}, app.Conflict},
		{"save a draft at the next version", func() error {
			_, err := chart.SaveDraft(signed.ID, app.NoteText{Assessment: "changed"}, signed.Note.DraftVersion+1)
			return err
		}, app.Conflict},
		{"sign again", func() error { _, err := chart.SignNote(signed.ID, signed.Version); return err }, app.Conflict},
		{"retract without a reason", func() error {
			_, err := chart.RetractNote(signed.ID, " ", signed.Version)
			return err
		}, app.Invalid},
		{"retract at an old version", func() error {
			_, err := chart.RetractNote(signed.ID, "wrong patient", signed.Version-1)
			return err
		}, app.Conflict},
		{"empty addendum", func() error { _, err := chart.AddAddendum(signed.ID, "  "); return err }, app.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.counts(t)
			wantKind(t, tc.try(), tc.want)
			if after := ta.counts(t); after != before {
				t.Errorf("wrote: before %+v, after %+v", before, after)
			}
			got, err := chart.Encounter(signed.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Note != signed.Note || got.Status != "signed" {
				t.Errorf("note changed: %+v, want %+v", got.Note, signed.Note)
			}
		})
	}
}

func TestSignNeedsAssessmentOrPlan(t *testing.T) {
	ta := newTestApp(t)
	_, e := openVisit(t, ta)
	e, err := ta.Clinician.Chart.SaveDraft(e.ID, app.NoteText{Subjective: "cough", Plan: "   "}, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := ta.counts(t)
	_, err = ta.Clinician.Chart.SignNote(e.ID, e.Version)
	if ferr := wantKind(t, err, app.Invalid); ferr.Fields["assessment"] == "" {
		t.Errorf("fields = %v", ferr.Fields)
	}
	if after := ta.counts(t); after != before {
		t.Errorf("wrote: before %+v, after %+v", before, after)
	}
	if e, err = ta.Clinician.Chart.SaveDraft(e.ID, app.NoteText{Subjective: "cough", Plan: "review in a week"}, e.Note.DraftVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Clinician.Chart.SignNote(e.ID, e.Version+1); kindOf(err) != app.Conflict {
		t.Errorf("sign at a wrong version: err = %v, want conflict", err)
	}
	if _, err := ta.Clinician.Chart.SignNote(e.ID, e.Version); err != nil {
		t.Errorf("sign with a plan only: %v", err)
	}
}

func TestAddendumRules(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	_, draft := openVisit(t, ta)
	before := ta.counts(t)
	_, err := chart.AddAddendum(draft.ID, "too early")
	wantKind(t, err, app.Conflict)
	if after := ta.counts(t); after != before {
		t.Errorf("an addendum to a draft wrote: before %+v, after %+v", before, after)
	}

	signed := signedVisit(t, ta)
	ta.Clock.Advance(5 * time.Minute)
	got, err := chart.AddAddendum(signed.ID, "  Labs normal.  ")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Addenda) != 1 || got.Addenda[0].Text != "Labs normal." || got.Addenda[0].Author != "Dr. Jordan Lee" ||
		got.Addenda[0].At != ta.Clock.Now().UTC().Format(time.RFC3339) {
		t.Errorf("addenda = %+v", got.Addenda)
	}
	if got.Note != signed.Note {
		t.Errorf("the addendum changed the note: %+v", got.Note)
	}
	if a := ta.lastAudit(t); a.Action != "note.addendum" {
		t.Errorf("audit = %+v", a)
	}
}

func TestRetractNote(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	_, draft := openVisit(t, ta)
	_, err := chart.RetractNote(draft.ID, "wrong patient", draft.Version)
	wantKind(t, err, app.Conflict)

	signed := signedVisit(t, ta)
	got, err := chart.RetractNote(signed.ID, "  Charted on the wrong patient. ", signed.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "retracted" || got.Note.RetractReason != "Charted on the wrong patient." ||
		got.Note.RetractedBy != "Dr. Jordan Lee" || got.Note.RetractedAt == "" || got.Note.NoteText != signed.Note.NoteText {
		t.Errorf("retracted = %+v", got)
	}
	if a := ta.lastAudit(t); a.Action != "note.retract" || !strings.Contains(a.Detail, "wrong patient") {
		t.Errorf("audit = %+v", a)
	}
	read, err := chart.Encounter(signed.ID)
	if err != nil || read.Note.Assessment != "viral URI" || read.Status != "retracted" {
		t.Errorf("a retracted note must stay readable: %+v, %v", read, err)
	}
	_, err = chart.RetractNote(signed.ID, "again", got.Version)
	wantKind(t, err, app.Conflict)
}

func TestTemplatesAndQuickPhrases(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	tpl, err := chart.SaveTemplate(app.NoteTemplate{Name: "URI", NoteText: app.NoteText{Plan: "fluids, rest"}, Active: true})
	if err != nil || tpl.Version != 1 || tpl.ID == "" {
		t.Fatalf("save template: %+v, %v", tpl, err)
	}
	tpl.Plan = "fluids, rest, return if worse"
	if tpl, err = chart.SaveTemplate(tpl); err != nil || tpl.Version != 2 {
		t.Fatalf("change template: %+v, %v", tpl, err)
	}
	phrase, err := chart.SaveQuickPhrase(app.QuickPhrase{Abbreviation: ".nad", Text: "No acute distress.", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	before := ta.counts(t)
	for _, tc := range []struct {
		name  string
		try   func() error
		want  app.Kind
		field string
	}{
		{"template without a name", func() error {
			_, err := chart.SaveTemplate(app.NoteTemplate{NoteText: app.NoteText{Plan: "x"}})
			return err
		}, app.Invalid, "name"},
		{"template without text", func() error { _, err := chart.SaveTemplate(app.NoteTemplate{Name: "Empty"}); return err }, app.Invalid, "subjective"},
		{"template name taken", func() error {
			_, err := chart.SaveTemplate(app.NoteTemplate{Name: "uri", NoteText: app.NoteText{Plan: "x"}})
			return err
		}, app.Invalid, "name"},
		{"template changed meanwhile", func() error {
			old := tpl
			old.Version = 1
			_, err := chart.SaveTemplate(old)
			return err
		}, app.Conflict, ""},
		{"phrase without text", func() error {
			_, err := chart.SaveQuickPhrase(app.QuickPhrase{Abbreviation: ".x"})
			return err
		}, app.Invalid, "text"},
		{"phrase with spaces", func() error {
			_, err := chart.SaveQuickPhrase(app.QuickPhrase{Abbreviation: "a b", Text: "x"})
			return err
		}, app.Invalid, "abbreviation"},
		{"phrase taken", func() error {
			_, err := chart.SaveQuickPhrase(app.QuickPhrase{Abbreviation: ".NAD", Text: "x"})
			return err
		}, app.Invalid, "abbreviation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := wantKind(t, tc.try(), tc.want)
			if tc.field != "" && e.Fields[tc.field] == "" {
				t.Errorf("fields = %v, want %s", e.Fields, tc.field)
			}
		})
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused saves wrote: before %+v, after %+v", before, after)
	}
	templates, err := chart.Templates()
	mine := slices.IndexFunc(templates, func(x app.NoteTemplate) bool { return x.ID == tpl.ID })
	if err != nil || mine < 0 || templates[mine].Plan != tpl.Plan {
		t.Errorf("templates = %+v, %v", templates, err)
	}
	phrases, err := chart.QuickPhrases()
	if err != nil || len(phrases) != 1 || phrases[0] != phrase {
		t.Errorf("phrases = %+v, %v", phrases, err)
	}
}

// TestMergeMovesEncounters: a merged chart's visits, signed notes and all,
// are the survivor's, the notes exactly as signed.
func TestMergeMovesEncounters(t *testing.T) {
	ta := newTestApp(t)
	survivor := ta.register(t, samplePatient())
	signed := signedVisit(t, ta)
	duplicate, err := ta.FrontDesk.Patients.Open(signed.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	list, err := ta.Clinician.Chart.Encounters(survivor.ID)
	if err != nil || len(list) != 1 || list[0].ID != signed.ID {
		t.Fatalf("survivor's encounters = %+v, %v", list, err)
	}
	got, err := ta.Clinician.Chart.Encounter(signed.ID)
	if err != nil || got.PatientID != survivor.ID || got.Note != signed.Note {
		t.Errorf("moved encounter = %+v, %v", got, err)
	}
}
