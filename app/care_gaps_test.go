package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// sampleColonoscopy is a colonoscopy done elsewhere, recorded for the
// colorectal screening rule.
func sampleColonoscopy() app.CareRecordInput {
	return app.CareRecordInput{Kind: "done", RuleID: "colorectal-cancer-screening", CodeSystem: "http://snomed.info/sct",
		Code: "73761001", PerformedOn: "2024-03", Source: "elsewhere", Performer: "Springfield GI", Result: "normal"}
}

func (f *roleFixture) careRecord(t *testing.T) app.CareRecord {
	t.Helper()
	c, err := f.chart.RecordCare(f.patient.ID, sampleColonoscopy())
	if err != nil {
		t.Fatalf("record care: %v", err)
	}
	return c
}

// gapOf is the patient's standing with rule, or fails.
func gapOf(t *testing.T, chart *app.Chart, patientID, rule string) app.CareGap {
	t.Helper()
	gaps, err := chart.CareGaps(patientID)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gaps {
		if g.RuleID == rule {
			return g
		}
	}
	t.Fatalf("rule %s does not apply; gaps %+v", rule, gaps)
	return app.CareGap{}
}

// dueRules are the rules in the chart summary's Due box.
func dueRules(t *testing.T, chart *app.Chart, patientID string) map[string]bool {
	t.Helper()
	sum, err := chart.Summary(patientID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, d := range sum.Due {
		if d.Rule != "" {
			out[d.Rule] = true
		}
	}
	return out
}

// TestDiabeticsSeeWhatIsDue is the finding: a 50- and an
// 89-year-old diabetic each showed "Nothing due". The Due box now lists
// their diabetes follow-up, and a result charted closes its gap by itself.
func TestDiabeticsSeeWhatIsDue(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	for _, c := range []struct {
		born string
		want []string
		not  []string
	}{
		{"1976-03-01", []string{"diabetes-a1c", "diabetes-eye", "diabetes-foot", "diabetes-kidney", "colorectal-cancer-screening",
			"influenza-vaccine"}, []string{"rsv-vaccine", "diabetes-screening"}},
		{"1937-05-01", []string{"diabetes-a1c", "diabetes-eye", "rsv-vaccine", "pneumococcal-vaccine", "influenza-vaccine"},
			[]string{"colorectal-cancer-screening", "breast-cancer-screening"}},
	} {
		in := samplePatient()
		in.BirthDate = c.born
		p := ta.register(t, in)
		if _, err := chart.AddProblem(p.ID, app.ProblemInput{Code: "E11.9"}); err != nil {
			t.Fatal(err)
		}
		due := dueRules(t, chart, p.ID)
		for _, r := range c.want {
			if !due[r] {
				t.Errorf("born %s: %s is not in the Due box; due: %v", c.born, r, due)
			}
		}
		for _, r := range c.not {
			if due[r] {
				t.Errorf("born %s: %s is in the Due box", c.born, r)
			}
		}

		// An HbA1c at goal closes the gap for 6 months; one above goal, 3.
		if _, err := chart.RecordLabResult(p.ID, app.LabResultInput{LOINC: "4548-4", Value: "6.8", Unit: "%",
			ObservedAt: "2026-12-01"}); err != nil {
			t.Fatal(err)
		}
		g := gapOf(t, chart, p.ID, "diabetes-a1c")
		if g.Status != "up_to_date" || g.LastDone != "2026-12-01" || g.DueOn != "2027-06-01" || g.LastHow != "HbA1c" {
			t.Errorf("after an HbA1c of 6.8 %%: %+v", g)
		}
		if dueRules(t, chart, p.ID)["diabetes-a1c"] {
			t.Error("the HbA1c is still due after its result")
		}
		if _, err := chart.RecordLabResult(p.ID, app.LabResultInput{LOINC: "4548-4", Value: "9.1", Unit: "%",
			ObservedAt: "2026-12-05"}); err != nil {
			t.Fatal(err)
		}
		if g := gapOf(t, chart, p.ID, "diabetes-a1c"); g.DueOn != "2027-03-05" {
			t.Errorf("after an HbA1c of 9.1 %%: due %s, want in 3 months", g.DueOn)
		}
	}
}

// TestCareRecords: a screening recorded as done elsewhere closes its gap,
// its retraction opens it again; a refusal holds for a year; an exclusion
// needs a reason; bad input is refused and changes nothing.
func TestCareRecords(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	in := samplePatient()
	in.BirthDate = "1970-02-02"
	p := ta.register(t, in)

	g := gapOf(t, chart, p.ID, "colorectal-cancer-screening")
	if g.Status != "due" || g.DueOn != "2015-02-02" || g.LastDone != "" {
		t.Fatalf("never screened at 56: %+v; want due since 45", g)
	}
	if len(g.Ways) < 4 || g.Ways[0].Name != "Colonoscopy" || g.Ways[0].Code != "73761001" {
		t.Errorf("ways = %+v", g.Ways)
	}

	done, err := chart.RecordCare(p.ID, sampleColonoscopy())
	if err != nil {
		t.Fatal(err)
	}
	if done.Display != "Colonoscopy" || done.RuleTitle != "Colorectal cancer screening" || done.Status != "active" {
		t.Errorf("recorded %+v", done)
	}
	g = gapOf(t, chart, p.ID, "colorectal-cancer-screening")
	if g.Status != "up_to_date" || g.LastDone != "2024-03" || g.DueOn != "2034-03-01" || g.LastHow != "Colonoscopy" {
		t.Errorf("after a colonoscopy in 2024-03: %+v", g)
	}
	if _, err := chart.RetractCare(done.ID, "", done.Version); !isInvalid(err) {
		t.Errorf("retract without a reason: %v", err)
	}
	gone, err := chart.RetractCare(done.ID, "another patient's report", done.Version)
	if err != nil {
		t.Fatal(err)
	}
	if g := gapOf(t, chart, p.ID, "colorectal-cancer-screening"); g.Status != "due" {
		t.Errorf("after the retraction: %+v; want due again", g)
	}
	if _, err := chart.RetractCare(done.ID, "again", done.Version); err == nil {
		t.Error("a retraction at an old version was taken")
	}
	records, err := chart.CareRecords(p.ID)
	if err != nil || len(records) != 1 || records[0].Status != "entered_in_error" || records[0].Version != gone.Version {
		t.Errorf("records = %+v, %v; want the retracted one kept", records, err)
	}

	if _, err := chart.RecordCare(p.ID, app.CareRecordInput{Kind: "declined", RuleID: "colorectal-cancer-screening",
		PerformedOn: "2026-11-20", Note: "wants to think about it"}); err != nil {
		t.Fatal(err)
	}
	if g := gapOf(t, chart, p.ID, "colorectal-cancer-screening"); g.Status != "declined" || g.Why != "declined on 2026-11-20" {
		t.Errorf("declined: %+v", g)
	}
	if dueRules(t, chart, p.ID)["colorectal-cancer-screening"] {
		t.Error("a declined screening is in the Due box")
	}
	if _, err := chart.RecordCare(p.ID, app.CareRecordInput{Kind: "excluded", RuleID: "cervical-cancer-screening",
		Note: "total hysterectomy 2015"}); err != nil {
		t.Fatal(err)
	}
	if g := gapOf(t, chart, p.ID, "cervical-cancer-screening"); g.Status != "excluded" ||
		g.Why != "excluded on 2026-12-07: total hysterectomy 2015" {
		t.Errorf("excluded: %+v", g)
	}

	before, _ := chart.CareRecords(p.ID)
	for _, c := range []struct {
		name  string
		in    app.CareRecordInput
		field string
	}{
		{"no kind", app.CareRecordInput{RuleID: "colorectal-cancer-screening"}, "kind"},
		{"an unknown rule", app.CareRecordInput{Kind: "declined", RuleID: "no-such-rule"}, "ruleId"},
		{"an exclusion without why", app.CareRecordInput{Kind: "excluded", RuleID: "breast-cancer-screening"}, "note"},
		{"a way of another rule", app.CareRecordInput{Kind: "done", RuleID: "colorectal-cancer-screening",
			CodeSystem: "http://snomed.info/sct", Code: "24623002", Source: "here"}, "code"},
		{"done elsewhere without a date", app.CareRecordInput{Kind: "done", RuleID: "colorectal-cancer-screening",
			CodeSystem: "http://snomed.info/sct", Code: "73761001", Source: "elsewhere"}, "performedOn"},
		{"in the future", app.CareRecordInput{Kind: "done", RuleID: "colorectal-cancer-screening",
			CodeSystem: "http://snomed.info/sct", Code: "73761001", Source: "elsewhere", PerformedOn: "2027-01-01"}, "performedOn"},
		{"neither here nor elsewhere", app.CareRecordInput{Kind: "done", RuleID: "colorectal-cancer-screening",
			CodeSystem: "http://snomed.info/sct", Code: "73761001", PerformedOn: "2026-01-01"}, "source"},
	} {
		_, err := chart.RecordCare(p.ID, c.in)
		var e *app.Error
		if !errors.As(err, &e) || e.Fields[c.field] == "" {
			t.Errorf("%s: %v; want a message on %s", c.name, err, c.field)
		}
	}
	if after, _ := chart.CareRecords(p.ID); len(after) != len(before) {
		t.Errorf("refused records were written: %d, then %d", len(before), len(after))
	}
}

func isInvalid(err error) bool {
	var e *app.Error
	return errors.As(err, &e) && e.Kind == app.Invalid
}

// TestClinicCareRules: the admin switches a rule off or gives it the
// clinic's interval, with a reason; charts follow at once; bad input is
// refused on its field and changes nothing.
func TestClinicCareRules(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart, adm := ta.Clinician.Chart, ta.Admin.Admin
	in := samplePatient()
	in.BirthDate = "1970-02-02"
	p := ta.register(t, in)
	if _, err := chart.RecordLabResult(p.ID, app.LabResultInput{LOINC: "2093-3", Value: "190", Unit: "mg/dL",
		ObservedAt: "2023-01-10"}); err != nil {
		t.Fatal(err)
	}
	if g := gapOf(t, chart, p.ID, "lipid-screening"); g.Status != "up_to_date" || g.DueOn != "2028-01-10" {
		t.Fatalf("lipids every 5 years: %+v", g)
	}

	for _, c := range []struct {
		name  string
		in    app.CareRuleInput
		field string
	}{
		{"no reason", app.CareRuleInput{RuleID: "lipid-screening", EveryMonths: 36}, "reason"},
		{"no such rule", app.CareRuleInput{RuleID: "nope", Reason: "r"}, "ruleId"},
		{"too long an interval", app.CareRuleInput{RuleID: "lipid-screening", EveryMonths: 600, Reason: "r"}, "everyMonths"},
		{"an interval for a rule done once", app.CareRuleInput{RuleID: "hiv-screening", EveryMonths: 12, Reason: "r"}, "everyMonths"},
	} {
		_, err := adm.SetCareRule(c.in)
		var e *app.Error
		if !errors.As(err, &e) || e.Fields[c.field] == "" {
			t.Errorf("%s: %v; want a message on %s", c.name, err, c.field)
		}
	}
	if _, err := ta.Clinician.Admin.SetCareRule(app.CareRuleInput{RuleID: "lipid-screening", Off: true, Reason: "r"}); err == nil {
		t.Error("a clinician changed a care rule")
	}
	if g := gapOf(t, chart, p.ID, "lipid-screening"); g.DueOn != "2028-01-10" {
		t.Errorf("a refused change changed the rule: %+v", g)
	}

	rules, err := adm.SetCareRule(app.CareRuleInput{RuleID: "lipid-screening", EveryMonths: 36, Reason: "clinic policy: every 3 years"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.RuleID == "lipid-screening" && (r.EveryMonths != 36 || r.Off) {
			t.Errorf("rule listed as %+v", r)
		}
	}
	if g := gapOf(t, chart, p.ID, "lipid-screening"); g.Status != "due" || g.DueOn != "2026-01-10" {
		t.Errorf("lipids every 3 years: %+v", g)
	}
	if _, err := adm.SetCareRule(app.CareRuleInput{RuleID: "lipid-screening", Off: true, Reason: "not our population"}); err != nil {
		t.Fatal(err)
	}
	gaps, err := chart.CareGaps(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gaps {
		if g.RuleID == "lipid-screening" {
			t.Errorf("a rule switched off still applies: %+v", g)
		}
	}
	page, err := adm.Audit(app.AuditFilter{Action: "care.rule"})
	if err != nil || len(page.Entries) != 2 || !strings.Contains(page.Entries[0].Detail, "every 36 months -> off; reason: not our population") {
		t.Errorf("audit of the changes: %+v, %v", page.Entries, err)
	}
}
