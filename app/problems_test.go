package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// listCounts is counts with the problems, allergies and "no known
// allergies" statements, to check that nothing was written.
type listCounts struct {
	counts
	Problems, Allergies, Statements int
}

func (ta *testApp) listCounts(t testing.TB) listCounts {
	t.Helper()
	c := listCounts{counts: ta.counts(t)}
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		if c.Problems, err = tx.CountProblems(); err != nil {
			return err
		}
		c.Allergies, c.Statements, err = tx.CountAllergies()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChartSearchICD10(t *testing.T) {
	ta := newTestApp(t)
	for _, tc := range []struct {
		name, query string
		want        string // a code that must be found, "" for none at all
		first       bool   // want must come first
	}{
		{"code with dot", "E11.9", "E11.9", true},
		{"code without dot", "e119", "E11.9", true},
		{"category", "J45", "J45", true},
		{"abbreviation", "GERD", "K21.9", true},
		{"everyday words", "high blood pressure", "I10", true},
		{"the billable code before its category", "asthma", "J45.909", true},
		{"seven-character code", "S72.001A", "S72.001A", true},
		{"words", "type 2 diabetes", "E11.9", false},
		{"words in any order", "without complications diabetes type 2", "E11.9", false},
		{"partial words", "diab typ 2 witho", "E11.9", false},
		{"accents folded", "hypertensión essential", "I10", true},
		{"unknown words", "qwertyuiop", "", false},
		{"unknown code", "Z99.999", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ta.Clinician.Chart.SearchICD10(tc.query, 100)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("SearchICD10(%q) = %v, want none", tc.query, got)
				}
				return
			}
			i := -1
			for k, c := range got {
				if c.Code == tc.want && i < 0 {
					i = k
				}
			}
			if i < 0 || (tc.first && i != 0) {
				t.Errorf("SearchICD10(%q) = %v, want %s (first: %v)", tc.query, got, tc.want, tc.first)
			}
		})
	}
	got, err := ta.Clinician.Chart.SearchICD10("diabetes", 0)
	if err != nil || len(got) != 20 {
		t.Errorf("limit 0: %d codes, %v; want the default 20", len(got), err)
	}
	if got, _ := ta.Clinician.Chart.SearchICD10("E11", 2); len(got) != 2 || got[0].Billable || !got[1].Billable {
		t.Errorf("SearchICD10(E11) = %+v: want the category marked not billable, then a billable code", got)
	}
}

func TestChartBillableICD10(t *testing.T) {
	ta := newTestApp(t)
	for _, tc := range []struct {
		code  string
		limit int
		want  []string
	}{
		{"E11", 3, []string{"E11.9", "E11.65", "E11.22"}},
		{"m17", 1, []string{"M17.9"}},
		{"J45.90", 0, []string{"J45.909", "J45.902", "J45.901"}},
		{"Q99.99", 5, nil},
	} {
		got, err := ta.Clinician.Chart.BillableICD10(tc.code, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, c := range got {
			if !c.Billable {
				t.Errorf("BillableICD10(%s) lists %+v", tc.code, c)
			}
			codes = append(codes, c.Code)
		}
		if !slices.Equal(codes, tc.want) {
			t.Errorf("BillableICD10(%s, %d) = %v, want %v", tc.code, tc.limit, codes, tc.want)
		}
	}
	_, err := ta.FrontDesk.Chart.BillableICD10("E11", 3)
	wantKind(t, err, app.Forbidden)
}

func TestProblemLifecycle(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	before := ta.listCounts(t)

	added, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "e119", Onset: "2019-04", Note: "diet controlled"})
	if err != nil {
		t.Fatal(err)
	}
	if added.Code != "E11.9" || added.Title != "Type 2 diabetes mellitus without complications" ||
		added.Status != "active" || added.Version != 1 || added.PatientID != p.ID {
		t.Errorf("added = %+v", added)
	}
	if e := ta.lastAudit(t); e.Action != "problem.add" || e.PatientID != p.ID || e.Record != "problem/"+added.ID {
		t.Errorf("audit = %+v", e)
	}
	if _, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "I10", Title: "High blood pressure", Onset: "2015"}); err != nil {
		t.Fatal(err)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Problems) != 2 || sum.Problems[0].Display != "E11.9 Type 2 diabetes mellitus without complications" ||
		sum.Problems[0].Since != "2019-04" || sum.Problems[1].Display != "I10 High blood pressure" {
		t.Errorf("summary problems = %+v", sum.Problems)
	}

	in := app.ProblemInput{Code: "E11.9", Onset: "2019-04", Status: "resolved", ResolvedOn: "2025-11-02", Note: "diet controlled"}
	resolved, err := chart.UpdateProblem(added.ID, in, "", added.Version)
	if err != nil {
		t.Fatal(err)
	}
	if resolved.Status != "resolved" || resolved.ResolvedOn != "2025-11-02" || resolved.Version != 2 {
		t.Errorf("resolved = %+v", resolved)
	}
	_, err = chart.UpdateProblem(added.ID, app.ProblemInput{Code: "E11.9", Note: "stale"}, "", added.Version)
	wantKind(t, err, app.Conflict)
	_, err = chart.UpdateProblem(added.ID, in, "", resolved.Version)
	wantKind(t, err, app.Invalid) // nothing changed

	_, err = chart.RetractProblem(resolved.ID, " ", resolved.Version)
	wantKind(t, err, app.Invalid)
	retracted, err := chart.RetractProblem(resolved.ID, "wrong patient", resolved.Version)
	if err != nil {
		t.Fatal(err)
	}
	if retracted.Status != "entered_in_error" || retracted.RetractReason != "wrong patient" || retracted.Version != 3 {
		t.Errorf("retracted = %+v", retracted)
	}
	if e := ta.lastAudit(t); e.Action != "problem.retract" || !strings.Contains(e.Detail, "wrong patient") {
		t.Errorf("audit = %+v", e)
	}
	_, err = chart.UpdateProblem(retracted.ID, app.ProblemInput{Code: "E11.9"}, "", retracted.Version)
	wantKind(t, err, app.Conflict)

	list, err := chart.Problems(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Code != "I10" || list[1].Status != "entered_in_error" {
		t.Errorf("problems = %+v", list)
	}
	after := ta.listCounts(t)
	if after.Problems != before.Problems+2 || after.Revisions != before.Revisions+2 {
		t.Errorf("problems %d → %d, revisions %d → %d; want +2 and +2 (resolve, retract)",
			before.Problems, after.Problems, before.Revisions, after.Revisions)
	}
}

func TestProblemBadInputWritesNothing(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	existing, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "I10"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    app.ProblemInput
		field string
	}{
		{"no code", app.ProblemInput{Title: "Diabetes"}, "code"},
		{"unknown code", app.ProblemInput{Code: "E11.99X"}, "code"},
		{"bad onset", app.ProblemInput{Code: "I10", Onset: "2019-13"}, "onset"},
		{"onset as words", app.ProblemInput{Code: "I10", Onset: "last spring"}, "onset"},
		{"future onset", app.ProblemInput{Code: "I10", Onset: "2027"}, "onset"},
		{"onset before 1900", app.ProblemInput{Code: "I10", Onset: "1899-12"}, "onset"},
		{"bad status", app.ProblemInput{Code: "I10", Status: "cured"}, "status"},
		{"resolution date on an active problem", app.ProblemInput{Code: "I10", ResolvedOn: "2020"}, "resolvedOn"},
		{"resolved before onset", app.ProblemInput{Code: "I10", Onset: "2020-05", Status: "resolved", ResolvedOn: "2020-04-30"}, "resolvedOn"},
		{"long title", app.ProblemInput{Code: "I10", Title: strings.Repeat("x", 201)}, "title"},
		{"long note", app.ProblemInput{Code: "I10", Note: strings.Repeat("x", 2001)}, "note"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.listCounts(t)
			_, err := chart.AddProblem(p.ID, tc.in)
			if e := wantKind(t, err, app.Invalid); e.Fields[tc.field] == "" {
				t.Errorf("add: fields = %v, want %s", e.Fields, tc.field)
			}
			_, err = chart.UpdateProblem(existing.ID, tc.in, "", existing.Version)
			if e := wantKind(t, err, app.Invalid); e.Fields[tc.field] == "" {
				t.Errorf("update: fields = %v, want %s", e.Fields, tc.field)
			}
			if after := ta.listCounts(t); after != before {
				t.Errorf("bad input wrote: before %+v, after %+v", before, after)
			}
		})
	}
	before := ta.listCounts(t)
	_, err = chart.AddProblem("no-such-patient", app.ProblemInput{Code: "I10"})
	wantKind(t, err, app.NotFound)
	_, err = chart.RetractProblem("no-such-problem", "typo", 1)
	wantKind(t, err, app.NotFound)
	if after := ta.listCounts(t); after != before {
		t.Errorf("refused calls wrote: before %+v, after %+v", before, after)
	}
	// Partial dates are accepted as far as they are known.
	for _, onset := range []string{"2019", "2019-04", "2019-04-23", ""} {
		if _, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "J45.90", Onset: onset}); err != nil {
			t.Errorf("onset %q: %v", onset, err)
		}
	}
}

func TestAllergiesAndNoKnownAllergies(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())

	list, err := chart.Allergies(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Allergies) != 0 || list.NoKnownAllergies {
		t.Errorf("new chart: %+v, want nothing recorded", list)
	}
	if list, err = chart.RecordNoKnownAllergies(p.ID); err != nil {
		t.Fatal(err)
	}
	if !list.NoKnownAllergies || list.NKARecordedBy != "Dr. Jordan Lee" || list.NKARecordedAt != testStart.Format("2006-01-02T15:04:05Z07:00") {
		t.Errorf("after NKA: %+v", list)
	}
	if e := ta.lastAudit(t); e.Action != "allergy.nka" || e.PatientID != p.ID {
		t.Errorf("audit = %+v", e)
	}
	before := ta.listCounts(t)
	if list, err = chart.RecordNoKnownAllergies(p.ID); err != nil || !list.NoKnownAllergies {
		t.Errorf("NKA again: %+v, %v", list, err)
	}
	if after := ta.listCounts(t); after.Statements != before.Statements || after.Revisions != before.Revisions {
		t.Errorf("recording NKA again wrote: before %+v, after %+v", before, after)
	}
	if sum, err := chart.Summary(p.ID); err != nil || !sum.NoKnownAllergies || len(sum.Allergies) != 0 {
		t.Errorf("summary: %+v, %v; want NKA", sum, err)
	}

	pen, err := chart.AddAllergy(p.ID, app.AllergyInput{Substance: " Penicillin ", SubstanceKind: "drug_class",
		Reaction: "hives", Severity: "severe", Onset: "1990"})
	if err != nil {
		t.Fatal(err)
	}
	if pen.Substance != "Penicillin" || pen.Status != "active" || pen.Version != 1 {
		t.Errorf("added = %+v", pen)
	}
	if e := ta.lastAudit(t); e.Action != "allergy.add" || !strings.Contains(e.Detail, "cleared no known allergies") {
		t.Errorf("audit = %+v", e)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NoKnownAllergies || len(sum.Allergies) != 1 || sum.Allergies[0].Display != "Penicillin: hives (severe)" {
		t.Errorf("summary after adding: NKA %v, %+v", sum.NoKnownAllergies, sum.Allergies)
	}
	before = ta.listCounts(t)
	_, err = chart.RecordNoKnownAllergies(p.ID)
	wantKind(t, err, app.Conflict)
	if after := ta.listCounts(t); after != before {
		t.Errorf("refused NKA wrote: before %+v, after %+v", before, after)
	}

	in := app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class", Reaction: "hives", Severity: "severe",
		Onset: "1990", Status: "inactive", Note: "tolerated amoxicillin 2024"}
	inactive, err := chart.UpdateAllergy(pen.ID, in, "tolerance test", pen.Version)
	if err != nil {
		t.Fatal(err)
	}
	if inactive.Status != "inactive" || inactive.Version != 2 {
		t.Errorf("updated = %+v", inactive)
	}
	_, err = chart.UpdateAllergy(pen.ID, in, "", pen.Version)
	wantKind(t, err, app.Conflict)
	if list, err = chart.RecordNoKnownAllergies(p.ID); err != nil || !list.NoKnownAllergies {
		t.Fatalf("NKA with only inactive allergies: %+v, %v", list, err)
	}

	peanut, err := chart.AddAllergy(p.ID, app.AllergyInput{Substance: "Peanuts", SubstanceKind: "food"})
	if err != nil {
		t.Fatal(err)
	}
	if peanut.Severity != "unknown" {
		t.Errorf("default severity = %q", peanut.Severity)
	}
	_, err = chart.RetractAllergy(peanut.ID, "", peanut.Version)
	wantKind(t, err, app.Invalid)
	retracted, err := chart.RetractAllergy(peanut.ID, "another patient's allergy", peanut.Version)
	if err != nil {
		t.Fatal(err)
	}
	if retracted.Status != "entered_in_error" || retracted.RetractReason != "another patient's allergy" {
		t.Errorf("retracted = %+v", retracted)
	}
	_, err = chart.UpdateAllergy(peanut.ID, app.AllergyInput{Substance: "Peanuts", SubstanceKind: "food"}, "", retracted.Version)
	wantKind(t, err, app.Conflict)

	list, err = chart.Allergies(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if list.NoKnownAllergies || len(list.Allergies) != 2 || list.Allergies[0].Status != "inactive" ||
		list.Allergies[1].Status != "entered_in_error" {
		t.Errorf("allergies = %+v", list)
	}
	// A retracted allergy does not block recording no known allergies.
	if list, err = chart.RecordNoKnownAllergies(p.ID); err != nil || !list.NoKnownAllergies {
		t.Errorf("NKA after retraction: %+v, %v", list, err)
	}
}

func TestAllergyBadInputWritesNothing(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	existing, err := chart.AddAllergy(p.ID, app.AllergyInput{Substance: "Latex", SubstanceKind: "environment"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    app.AllergyInput
		field string
	}{
		{"no substance", app.AllergyInput{SubstanceKind: "drug"}, "substance"},
		{"no kind", app.AllergyInput{Substance: "Aspirin"}, "substanceKind"},
		{"bad kind", app.AllergyInput{Substance: "Aspirin", SubstanceKind: "pill"}, "substanceKind"},
		{"bad severity", app.AllergyInput{Substance: "Aspirin", SubstanceKind: "drug", Severity: "fatal"}, "severity"},
		{"retracted by status", app.AllergyInput{Substance: "Aspirin", SubstanceKind: "drug", Status: "entered_in_error"}, "status"},
		{"bad onset", app.AllergyInput{Substance: "Aspirin", SubstanceKind: "drug", Onset: "2019-02-30"}, "onset"},
		{"long reaction", app.AllergyInput{Substance: "Aspirin", SubstanceKind: "drug", Reaction: strings.Repeat("x", 201)}, "reaction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.listCounts(t)
			_, err := chart.AddAllergy(p.ID, tc.in)
			if e := wantKind(t, err, app.Invalid); e.Fields[tc.field] == "" {
				t.Errorf("add: fields = %v, want %s", e.Fields, tc.field)
			}
			_, err = chart.UpdateAllergy(existing.ID, tc.in, "", existing.Version)
			if e := wantKind(t, err, app.Invalid); e.Fields[tc.field] == "" {
				t.Errorf("update: fields = %v, want %s", e.Fields, tc.field)
			}
			if after := ta.listCounts(t); after != before {
				t.Errorf("bad input wrote: before %+v, after %+v", before, after)
			}
		})
	}
}

// problem adds a fresh problem for a role-table method to act on.
func (f *roleFixture) problem(t *testing.T) app.Problem {
	t.Helper()
	p, err := f.chart.AddProblem(f.patient.ID, app.ProblemInput{Code: "E11.9"})
	if err != nil {
		t.Fatalf("add problem: %v", err)
	}
	return p
}

// allergy adds a fresh allergy for a role-table method to act on.
func (f *roleFixture) allergy(t *testing.T) app.Allergy {
	t.Helper()
	a, err := f.chart.AddAllergy(f.patient.ID, app.AllergyInput{Substance: "Sulfonamides", SubstanceKind: "drug_class"})
	if err != nil {
		t.Fatalf("add allergy: %v", err)
	}
	return a
}

// TestMergeMovesProblemsAndAllergies: merging two charts of one person
// brings the duplicate's problems and allergies to the survivor, and "no
// known allergies" stands only if no active allergy came along.
func TestMergeMovesProblemsAndAllergies(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		survivorNKA, dupNKA  bool
		dupAllergy           bool
		wantNKA              bool
		wantAllergies        int
		wantProblemsSurvivor int
	}{
		{"duplicate's allergy clears the survivor's NKA", true, false, true, false, 1, 2},
		{"duplicate's NKA carried over", false, true, false, true, 0, 2},
		{"both NKA", true, true, false, true, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := newTestApp(t)
			chart := ta.Clinician.Chart
			survivor, dup := ta.register(t, samplePatient()), ta.register(t, samplePatient())
			for _, id := range []string{survivor.ID, dup.ID} {
				if _, err := chart.AddProblem(id, app.ProblemInput{Code: "I10"}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.survivorNKA {
				if _, err := chart.RecordNoKnownAllergies(survivor.ID); err != nil {
					t.Fatal(err)
				}
			}
			if tc.dupNKA {
				if _, err := chart.RecordNoKnownAllergies(dup.ID); err != nil {
					t.Fatal(err)
				}
			}
			if tc.dupAllergy {
				if _, err := chart.AddAllergy(dup.ID, app.AllergyInput{Substance: "Codeine", SubstanceKind: "drug"}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := ta.Admin.Patients.Merge(survivor.ID, dup.ID, "same person", survivor.Version, dup.Version); err != nil {
				t.Fatal(err)
			}
			sum, err := chart.Summary(survivor.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Problems) != tc.wantProblemsSurvivor || len(sum.Allergies) != tc.wantAllergies ||
				sum.NoKnownAllergies != tc.wantNKA {
				t.Errorf("survivor: %d problems, %d allergies, NKA %v; want %d, %d, %v", len(sum.Problems),
					len(sum.Allergies), sum.NoKnownAllergies, tc.wantProblemsSurvivor, tc.wantAllergies, tc.wantNKA)
			}
			// The merged chart's lists open as the survivor's.
			if list, err := chart.Problems(dup.ID); err != nil || len(list) != tc.wantProblemsSurvivor {
				t.Errorf("problems of the merged chart: %d, %v", len(list), err)
			}
			_, err = chart.AddProblem(dup.ID, app.ProblemInput{Code: "I10"})
			wantKind(t, err, app.Conflict)
		})
	}
}
