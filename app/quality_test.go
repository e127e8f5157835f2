package app_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// qualityRow finds a measure's row of the dashboard.
func qualityRow(t *testing.T, d app.QualityDashboard, id string) app.QualityMeasure {
	t.Helper()
	for _, m := range d.Measures {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no measure %s on the dashboard", id)
	return app.QualityMeasure{}
}

// standing is where each patient stands with a measure, by MRN.
func standing(t *testing.T, q *app.Quality, f app.QualityPatientFilter) map[string]app.QualityPatient {
	t.Helper()
	page, err := q.Patients(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]app.QualityPatient{}
	for _, p := range page.Rows {
		out[p.MRN] = p
	}
	if len(out) != page.Total {
		t.Fatalf("%+v: %d rows of %d", f, len(out), page.Total)
	}
	return out
}

// figures is "denominator/met/not met/excluded" of a measure's figures.
func figures(f app.QualityFigures) [4]int {
	return [4]int{f.Denominator, f.Met, f.NotMet, f.Excluded}
}

// TestQualityMeasures: each measure's denominator, numerator and
// exclusions, for the clinic and by primary clinician; a chart write moves
// the patient at once; the trend's months are judged on what was dated by
// their end; the drill-down and the CSVs say the same.
func TestQualityMeasures(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart, q := ta.Clinician.Chart, ta.Clinician.Quality
	lee := ta.Clinician.User.ID
	kim := ta.addUser(t, "drkim", app.RoleClinician, "kim-password-1")
	patient := func(family, born, sex, clinician string) app.Patient {
		in := samplePatient()
		in.FamilyName, in.BirthDate, in.Sex, in.PrimaryClinicianID = family, born, sex, clinician
		return ta.register(t, in)
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	problem := func(p app.Patient, code string) {
		t.Helper()
		must(chart.AddProblem(p.ID, app.ProblemInput{Code: code, Status: "active", Onset: "2015"}))
	}
	bp := func(p app.Patient, at string, sys, dia float64) {
		t.Helper()
		must(chart.RecordVitals(p.ID, app.VitalsInput{TakenAt: at, Systolic: &sys, Diastolic: &dia}))
	}
	care := func(p app.Patient, in app.CareRecordInput) {
		t.Helper()
		must(chart.RecordCare(p.ID, in))
	}
	dose := func(p app.Patient, cvx, on string) {
		t.Helper()
		must(chart.RecordImmunization(p.ID, app.ImmunizationInput{CVX: cvx, OccurredOn: on, Source: "elsewhere",
			Performer: "Children's clinic"}))
	}
	tobacco := func(p app.Patient, on, result string) {
		care(p, app.CareRecordInput{Kind: "done", RuleID: "tobacco-use-screening", CodeSystem: "http://loinc.org",
			Code: "72166-2", PerformedOn: on, Source: "here", Result: result})
	}

	diabetic := patient("Sugar", "1970-03-03", "male", lee)
	problem(diabetic, "E11.9")
	hypertensive := patient("Pressure", "1960-04-04", "male", kim.ID)
	problem(hypertensive, "I10")
	bp(hypertensive, "2026-10-01T10:00:00Z", 152, 96)
	screened := patient("Screened", "1965-05-05", "female", lee)
	care(screened, app.CareRecordInput{Kind: "done", RuleID: "breast-cancer-screening", CodeSystem: "http://snomed.info/sct",
		Code: "24623002", PerformedOn: "2025-10-01", Source: "elsewhere", Performer: "Imaging centre"})
	care(screened, sampleColonoscopy())
	unscreened := patient("Unscreened", "1960-06-06", "female", "")
	mastectomy := patient("Mastectomy", "1958-07-07", "female", kim.ID)
	care(mastectomy, app.CareRecordInput{Kind: "excluded", RuleID: "breast-cancer-screening", Note: "bilateral mastectomy 2019"})
	smoker := patient("Smoker", "1980-08-08", "male", lee)
	tobacco(smoker, "2026-11-02", "Current every day smoker")
	never := patient("Never", "1985-09-09", "female", lee)
	tobacco(never, "2026-06-01", "Never smoker")
	toddler := patient("Toddler", "2024-06-10", "female", lee) // turned 2 on 2026-06-10
	for _, d := range []struct{ cvx, on string }{
		{"146", "2024-08-10"}, {"146", "2024-10-10"}, {"146", "2024-12-10"}, {"146", "2025-09-10"},
		{"133", "2024-08-10"}, {"133", "2024-10-10"}, {"133", "2024-12-10"}, {"133", "2025-06-10"},
		{"119", "2024-08-10"}, {"119", "2024-10-10"}, {"94", "2025-06-12"}, {"83", "2025-06-12"},
		{"140", "2025-10-01"},
	} {
		dose(toddler, d.cvx, d.on)
	}

	d, err := q.Dashboard()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Months) != 13 || d.Months[12] != "2026-12" || d.Months[0] != "2025-12" || d.AsOf != "2026-12-07" {
		t.Errorf("months %v as of %s", d.Months, d.AsOf)
	}
	for _, c := range []struct {
		measure string
		want    [4]int // denominator, met, not met, excluded
	}{
		{"cms122", [4]int{1, 1, 0, 0}}, // no HbA1c: poor control
		{"cms165", [4]int{1, 0, 1, 0}}, // 152/96
		{"cms125", [4]int{3, 1, 1, 1}}, // the 52-74 women: screened, not, excluded
		{"cms124", [4]int{2, 0, 2, 0}}, // the 24-64 women: Screened, Never
		{"cms130", [4]int{6, 1, 5, 0}}, // 46-75: Sugar, Pressure, Screened, Unscreened, Mastectomy, Smoker
		{"cms138", [4]int{7, 1, 6, 0}}, // 12 and older; the smoker had no support yet
		{"cms117", [4]int{1, 0, 1, 0}}, // a second flu dose missing
		{"cms147", [4]int{0, 0, 0, 0}}, // no one seen this season
	} {
		m := qualityRow(t, d, c.measure)
		if got := figures(m.Clinic); got != c.want {
			t.Errorf("%s (%s): clinic %v, want %v", c.measure, m.CMS, got, c.want)
		}
	}
	if m := qualityRow(t, d, "cms122"); !m.Inverse || m.CMS != "CMS122v13" || m.Simplified == "" || *m.Clinic.Rate != 100 {
		t.Errorf("cms122: %+v", m)
	}
	// By clinician: Dr. Lee's patients, Dr. Kim's, and those with none.
	column := map[string]int{}
	for i, c := range d.Clinicians {
		column[c.ID] = i
	}
	breast := qualityRow(t, d, "cms125")
	if got := figures(breast.Clinicians[column[lee]]); got != [4]int{1, 1, 0, 0} {
		t.Errorf("breast, Dr. Lee: %v", got)
	}
	if got := figures(breast.Clinicians[column[kim.ID]]); got != [4]int{1, 0, 0, 1} {
		t.Errorf("breast, Dr. Kim: %v", got)
	}
	if got := figures(breast.Clinicians[column["none"]]); got != [4]int{1, 0, 1, 0} || d.Clinicians[column["none"]].Name != "No primary clinician" {
		t.Errorf("breast, no clinician: %v %+v", got, d.Clinicians)
	}

	// The drill-down: who, and why.
	rows := standing(t, q, app.QualityPatientFilter{MeasureID: "cms125"})
	if rows[screened.MRN].Status != "met" || !strings.Contains(rows[screened.MRN].Why, "2025-10-01") ||
		rows[unscreened.MRN].Status != "not_met" || rows[mastectomy.MRN].Status != "excluded" ||
		!strings.Contains(rows[mastectomy.MRN].Why, "mastectomy") || rows[screened.MRN].Clinician != "Dr. Jordan Lee" {
		t.Errorf("breast patients: %+v", rows)
	}
	if rows := standing(t, q, app.QualityPatientFilter{MeasureID: "cms125", ClinicianID: kim.ID, Status: "excluded"}); len(rows) != 1 {
		t.Errorf("Dr. Kim's excluded: %+v", rows)
	}
	if rows := standing(t, q, app.QualityPatientFilter{MeasureID: "cms117"}); !strings.Contains(rows[toddler.MRN].Why, "Influenza 1 of 2") ||
		strings.Contains(rows[toddler.MRN].Why, "DTaP") {
		t.Errorf("toddler: %+v", rows)
	}
	if rows := standing(t, q, app.QualityPatientFilter{MeasureID: "cms122"}); rows[diabetic.MRN].Why != "no HbA1c in the 12 months" {
		t.Errorf("diabetic: %+v", rows)
	}

	// Chart writes move the patients at once.
	must(chart.RecordLabResult(diabetic.ID, app.LabResultInput{LOINC: "4548-4", Value: "7.2", Unit: "%",
		ObservedAt: "2026-11-20"}))
	bp(hypertensive, "2026-12-01T10:00:00Z", 132, 84)
	care(smoker, app.CareRecordInput{Kind: "done", RuleID: "tobacco-cessation", CodeSystem: "http://www.ama-assn.org/go/cpt",
		Code: "99406", PerformedOn: "2026-11-02", Source: "here"})
	dose(toddler, "140", "2025-11-01")
	must(chart.OpenEncounter(diabetic.ID, ""))
	d, err = q.Dashboard()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		measure string
		want    [4]int
	}{
		{"cms122", [4]int{1, 0, 1, 0}},
		{"cms165", [4]int{1, 1, 0, 0}},
		{"cms138", [4]int{7, 2, 5, 0}},
		{"cms117", [4]int{1, 1, 0, 0}},
		{"cms147", [4]int{1, 0, 1, 0}}, // seen today, not vaccinated
	} {
		if got := figures(qualityRow(t, d, c.measure).Clinic); got != c.want {
			t.Errorf("after the writes, %s: %v, want %v", c.measure, got, c.want)
		}
	}
	if rows := standing(t, q, app.QualityPatientFilter{MeasureID: "cms122", Status: "not_met"}); rows[diabetic.MRN].Why != "HbA1c 7.2 % on 2026-11-20" {
		t.Errorf("the diabetic after an HbA1c: %+v", rows)
	}
	// A refusal of this season's vaccine is an exception.
	care(diabetic, app.CareRecordInput{Kind: "declined", RuleID: "influenza-vaccine", Note: "does not want it"})
	if got := figures(qualityRow(t, must2[app.QualityDashboard](t)(q.Dashboard()), "cms147").Clinic); got != [4]int{1, 0, 0, 1} {
		t.Errorf("flu after a refusal: %v", got)
	}

	// The trend: the daily making sums the months, each judged on what
	// was dated by its end.
	if _, err := ta.App.RefreshCareList(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	d = must2[app.QualityDashboard](t)(q.Dashboard())
	trend := func(measure, month string) app.QualityPoint {
		for _, p := range qualityRow(t, d, measure).Clinic.Trend {
			if p.Month == month {
				return p
			}
		}
		t.Fatalf("%s: no month %s", measure, month)
		return app.QualityPoint{}
	}
	for _, c := range []struct {
		measure, month       string
		denominator, met, ex int
	}{
		{"cms122", "2026-10", 1, 1, 0}, // no HbA1c yet
		{"cms122", "2026-11", 1, 0, 0}, // 7.2 on 11-20
		{"cms122", "2026-12", 1, 0, 0}, // today's
		{"cms165", "2026-09", 1, 0, 0}, // no pressure in the 12 months
		{"cms165", "2026-11", 1, 0, 0}, // 152/96
		{"cms165", "2026-12", 1, 1, 0}, // 132/84
		{"cms117", "2026-05", 0, 0, 0}, // not yet 2
		{"cms117", "2026-06", 1, 1, 0}, // turned 2, every series done by then
		{"cms138", "2026-10", 7, 1, 0}, // only "never" asked by then
	} {
		p := trend(c.measure, c.month)
		if p.Denominator != c.denominator || p.Met != c.met || p.Excluded != c.ex {
			t.Errorf("%s in %s: %+v, want %d/%d/%d", c.measure, c.month, p, c.denominator, c.met, c.ex)
		}
	}
	if p := trend("cms122", "2026-11"); p.Rate == nil || *p.Rate != 0 {
		t.Errorf("rate %+v", p)
	}

	// The CSVs.
	text, err := q.DashboardCSV()
	if err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1+len(d.Measures)*(1+len(d.Clinicians)) || lines[0][0] != "Measure" || len(lines[0]) != 8+12 {
		t.Fatalf("dashboard CSV: %d lines, head %v", len(lines), lines[0])
	}
	if got := strings.Join(lines[1][:8], "|"); got != "Diabetes: HbA1c poor control (> 9 %)|CMS122v13|Whole clinic|1|0|1|0|0.0" {
		t.Errorf("dashboard CSV line: %s", got)
	}
	text, err = q.PatientsCSV(app.QualityPatientFilter{MeasureID: "cms125", Status: "not_met"})
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(text), "\n"); len(lines) != 2 || !strings.Contains(lines[1], unscreened.MRN) ||
		!strings.Contains(lines[1], "not met") || !strings.Contains(lines[1], "never done") {
		t.Errorf("patients CSV: %q", text)
	}
	// Bad filters are refused on their fields; the front desk may not look.
	if _, err := q.Patients(app.QualityPatientFilter{MeasureID: "cms999"}); !hasField(err, "measureId") {
		t.Errorf("an unknown measure: %v", err)
	}
	if _, err := q.Patients(app.QualityPatientFilter{MeasureID: "cms122", Status: "maybe"}); !hasField(err, "status") {
		t.Errorf("an unknown status: %v", err)
	}
	if _, err := ta.FrontDesk.Quality.Dashboard(); err == nil {
		t.Error("the front desk saw the dashboard")
	}
	if _, err := ta.Admin.Quality.Dashboard(); err != nil {
		t.Errorf("the admin: %v", err)
	}
}

// must2 fails the test on an error, else gives the value.
func must2[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func hasField(err error, field string) bool {
	e, ok := err.(*app.Error)
	return ok && e.Fields[field] != ""
}
