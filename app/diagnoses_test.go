package app_test

import (
	"context"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// diagnosisCounts is listCounts with the visits' diagnosis links.
type diagnosisCounts struct {
	listCounts
	Diagnoses int
}

func (ta *testApp) diagnosisCounts(t testing.TB) diagnosisCounts {
	t.Helper()
	c := diagnosisCounts{listCounts: ta.listCounts(t)}
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		c.Diagnoses, err = tx.CountDiagnoses()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAddDiagnosisLinksOrCreatesProblems(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p, e := openVisit(t, ta)
	known, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "E11.9", Onset: "2019"})
	if err != nil {
		t.Fatal(err)
	}

	// An existing problem of the patient is linked, not copied.
	before := ta.diagnosisCounts(t)
	got, err := chart.AddDiagnosis(e.ID, app.DiagnosisInput{ProblemID: known.ID})
	if err != nil {
		t.Fatal(err)
	}
	after := ta.diagnosisCounts(t)
	if after.Problems != before.Problems || after.Diagnoses != before.Diagnoses+1 {
		t.Errorf("linking: problems %d -> %d, diagnoses %d -> %d", before.Problems, after.Problems, before.Diagnoses, after.Diagnoses)
	}
	if len(got.Diagnoses) != 1 || got.Diagnoses[0].ProblemID != known.ID || !got.Diagnoses[0].Primary ||
		got.Diagnoses[0].Code != "E11.9" || got.Diagnoses[0].NewProblem || got.Diagnoses[0].AddedBy != "Dr. Jordan Lee" {
		t.Errorf("diagnoses = %+v", got.Diagnoses)
	}
	if a := ta.lastAudit(t); a.Action != "diagnosis.add" || a.PatientID != p.ID || !strings.Contains(a.Detail, known.ID) {
		t.Errorf("audit = %+v", a)
	}

	// A code becomes a new problem, diagnosed at this visit, and its diagnosis.
	got, err = chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "j06.9"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Diagnoses) != 2 || got.Diagnoses[1].Code != "J06.9" || got.Diagnoses[1].Primary ||
		!got.Diagnoses[1].NewProblem || got.Diagnoses[1].Rank != 2 {
		t.Fatalf("diagnoses = %+v", got.Diagnoses)
	}
	problems, err := chart.Problems(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var created app.Problem
	for _, pr := range problems {
		if pr.Code == "J06.9" {
			created = pr
		}
	}
	if created.ID != got.Diagnoses[1].ProblemID || created.EncounterID != e.ID || created.Status != "active" {
		t.Errorf("the new problem on the list = %+v, want active, diagnosed at %s", created, e.ID)
	}

	// A code the patient already has links that problem: no duplicate on the list.
	other := openVisitFor(t, ta, p)
	before = ta.diagnosisCounts(t)
	again, err := chart.AddDiagnosis(other.ID, app.DiagnosisInput{Code: "E11.9"})
	if err != nil {
		t.Fatal(err)
	}
	if after := ta.diagnosisCounts(t); after.Problems != before.Problems || len(again.Diagnoses) != 1 ||
		again.Diagnoses[0].ProblemID != known.ID {
		t.Errorf("a known code: problems %d -> %d, diagnoses %+v", before.Problems, after.Problems, again.Diagnoses)
	}

	// The visit list shows each visit's diagnoses, the primary first.
	list, err := chart.Encounters(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		want := map[string]string{e.ID: "E11.9 J06.9", other.ID: "E11.9"}[s.ID]
		var codes []string
		for _, c := range s.Diagnoses {
			codes = append(codes, c.Code)
		}
		if strings.Join(codes, " ") != want {
			t.Errorf("summary of %s lists %v, want %s", s.ID, codes, want)
		}
	}
}

// openVisitFor opens another walk-in for p.
func openVisitFor(t *testing.T, ta *testApp, p app.Patient) app.Encounter {
	t.Helper()
	e, err := ta.Clinician.Chart.OpenEncounter(p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAddDiagnosisBadInputWritesNothing(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p, e := openVisit(t, ta)
	linked, err := chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "I10"})
	if err != nil {
		t.Fatal(err)
	}
	stranger := ta.register(t, samplePatient())
	theirs, err := chart.AddProblem(stranger.ID, app.ProblemInput{Code: "J45"})
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "K21"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chart.RetractProblem(wrong.ID, "wrong patient", wrong.Version); err != nil {
		t.Fatal(err)
	}
	category, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "M17"}) // a problem list may hold a category
	if err != nil {
		t.Fatal(err)
	}
	signed := signedVisit(t, ta)

	before := ta.diagnosisCounts(t)
	for _, tc := range []struct {
		name        string
		encounterID string
		in          app.DiagnosisInput
		want        app.Kind
		field       string
	}{
		{"nothing chosen", e.ID, app.DiagnosisInput{}, app.Invalid, "code"},
		{"no such code", e.ID, app.DiagnosisInput{Code: "X99.999"}, app.Invalid, "code"},
		{"a category, not billable", e.ID, app.DiagnosisInput{Code: "E11"}, app.Invalid, "code"},
		{"a subcategory, not billable", e.ID, app.DiagnosisInput{Code: "M17.1"}, app.Invalid, "code"},
		{"a problem coded with a category", e.ID, app.DiagnosisInput{ProblemID: category.ID}, app.Invalid, "problemId"},
		{"onset in the future", e.ID, app.DiagnosisInput{Code: "R05.9", Onset: "2999"}, app.Invalid, "onset"},
		{"another patient's problem", e.ID, app.DiagnosisInput{ProblemID: theirs.ID}, app.Invalid, "problemId"},
		{"no such problem", e.ID, app.DiagnosisInput{ProblemID: "nothing"}, app.Invalid, "problemId"},
		{"a retracted problem", e.ID, app.DiagnosisInput{ProblemID: wrong.ID}, app.Invalid, "problemId"},
		{"already a diagnosis", e.ID, app.DiagnosisInput{ProblemID: linked.Diagnoses[0].ProblemID}, app.Invalid, "problemId"},
		{"already a diagnosis, by code", e.ID, app.DiagnosisInput{Code: "I10"}, app.Invalid, "code"},
		{"no such visit", "nothing", app.DiagnosisInput{Code: "R05.9"}, app.NotFound, ""},
		{"a signed visit", signed.ID, app.DiagnosisInput{Code: "R05.9"}, app.Conflict, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chart.AddDiagnosis(tc.encounterID, tc.in)
			if e := wantKind(t, err, tc.want); tc.field != "" && e.Fields[tc.field] == "" {
				t.Errorf("fields = %v, want %s", e.Fields, tc.field)
			}
		})
	}
	if after := ta.diagnosisCounts(t); after != before {
		t.Errorf("refused diagnoses wrote: before %+v, after %+v", before, after)
	}
	// The refusal of a category names the billable codes to choose instead.
	_, err = chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "e11"})
	if msg := wantKind(t, err, app.Invalid).Fields["code"]; !strings.Contains(msg, "not a billable code") ||
		!strings.Contains(msg, "E11.9 Type 2 diabetes mellitus without complications") {
		t.Errorf("message for E11: %q", msg)
	}
	_, err = chart.AddDiagnosis(e.ID, app.DiagnosisInput{ProblemID: category.ID})
	if msg := wantKind(t, err, app.Invalid).Fields["problemId"]; !strings.Contains(msg, "M17 Osteoarthritis of knee") ||
		!strings.Contains(msg, "M17.9") {
		t.Errorf("message for the M17 problem: %q", msg)
	}
}

func TestRemoveDiagnosis(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	_, e := openVisit(t, ta)
	e, err := chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "R05.9"})
	if err != nil {
		t.Fatal(err)
	}
	if e, err = chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "J06.9"}); err != nil {
		t.Fatal(err)
	}
	cough := e.Diagnoses[0]

	before := ta.diagnosisCounts(t)
	for _, tc := range []struct {
		name, id, reason string
		version          int
		want             app.Kind
	}{
		{"without a reason", cough.ID, "  ", cough.Version, app.Invalid},
		{"at an old version", cough.ID, "coded twice", cough.Version + 1, app.Conflict},
		{"no such diagnosis", "nothing", "coded twice", 1, app.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := chart.RemoveDiagnosis(tc.id, tc.reason, tc.version)
			wantKind(t, err, tc.want)
		})
	}
	if after := ta.diagnosisCounts(t); after != before {
		t.Errorf("refused removals wrote: before %+v, after %+v", before, after)
	}

	got, err := chart.RemoveDiagnosis(cough.ID, " Coded the symptom; the URI explains it. ", cough.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Diagnoses) != 2 || got.Diagnoses[0].RetractReason != "Coded the symptom; the URI explains it." ||
		got.Diagnoses[0].RetractedBy != "Dr. Jordan Lee" || got.Diagnoses[0].Primary || !got.Diagnoses[1].Primary {
		t.Errorf("after removal: %+v; want the cough kept, marked removed, and the URI primary", got.Diagnoses)
	}
	if after := ta.diagnosisCounts(t); after.Diagnoses != before.Diagnoses || after.Revisions != before.Revisions+1 {
		t.Errorf("removal: %+v -> %+v; want the link kept and its replaced version in revisions", before, after)
	}
	if a := ta.lastAudit(t); a.Action != "diagnosis.remove" || !strings.Contains(a.Detail, "URI explains") {
		t.Errorf("audit = %+v", a)
	}
	_, err = chart.RemoveDiagnosis(cough.ID, "again", got.Diagnoses[0].Version)
	wantKind(t, err, app.Conflict)
	// A removed diagnosis can be added again.
	if again, err := chart.AddDiagnosis(e.ID, app.DiagnosisInput{ProblemID: cough.ProblemID}); err != nil || len(again.Diagnoses) != 3 {
		t.Errorf("adding a removed diagnosis again: %+v, %v", again.Diagnoses, err)
	}
}

// TestSignedVisitLocksDiagnoses: once the note is signed, its diagnoses
// are as signed; retracting the note leaves them readable.
func TestSignedVisitLocksDiagnoses(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	_, e := openVisit(t, ta)
	e, err := chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "J06.9"})
	if err != nil {
		t.Fatal(err)
	}
	if e, err = chart.SaveDraft(e.ID, app.NoteText{Assessment: "viral URI"}, e.Note.DraftVersion); err != nil {
		t.Fatal(err)
	}
	if e, err = chart.SignNote(e.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	d := e.Diagnoses[0]
	before := ta.diagnosisCounts(t)
	_, err = chart.RemoveDiagnosis(d.ID, "wrong code", d.Version)
	wantKind(t, err, app.Conflict)
	_, err = chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "R05.9"})
	wantKind(t, err, app.Conflict)
	if after := ta.diagnosisCounts(t); after != before {
		t.Errorf("a signed visit's diagnoses changed: before %+v, after %+v", before, after)
	}
	retracted, err := chart.RetractNote(e.ID, "wrong patient", e.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len(retracted.Diagnoses) != 1 || retracted.Diagnoses[0] != d {
		t.Errorf("retracted visit's diagnoses = %+v, want %+v", retracted.Diagnoses, d)
	}
}

// TestMergeKeepsDiagnoses: a merged chart's visits keep their diagnoses,
// whose problems moved with them.
func TestMergeKeepsDiagnoses(t *testing.T) {
	ta := newTestApp(t)
	survivor := ta.register(t, samplePatient())
	duplicate, e := openVisit(t, ta)
	if _, err := ta.Clinician.Chart.AddDiagnosis(e.ID, app.DiagnosisInput{Code: "I10"}); err != nil {
		t.Fatal(err)
	}
	duplicate, err := ta.FrontDesk.Patients.Open(duplicate.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	list, err := ta.Clinician.Chart.Encounters(survivor.ID)
	if err != nil || len(list) != 1 || len(list[0].Diagnoses) != 1 || list[0].Diagnoses[0].Code != "I10" {
		t.Fatalf("survivor's visits = %+v, %v", list, err)
	}
	// The moved visit takes a diagnosis from the survivor's list.
	theirs, err := ta.Clinician.Chart.AddProblem(survivor.ID, app.ProblemInput{Code: "E11.9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Clinician.Chart.AddDiagnosis(e.ID, app.DiagnosisInput{ProblemID: theirs.ID}); err != nil {
		t.Errorf("a survivor's problem on a moved visit: %v", err)
	}
}
