package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

var homeReadingSeq atomic.Int64

// homeReading is a reading typed in at the clinic's clock of now, taken at
// (the device's wall clock, UTC here).
func homeReading(kind string, taken time.Time) db.HomeReading {
	id := fmt.Sprintf("hr-%d", homeReadingSeq.Add(1))
	return db.HomeReading{ID: id, Kind: kind, TakenAt: taken.UTC(), TakenLocal: taken.UTC().Format("2006-01-02T15:04"),
		Source: "entered", Device: "test cuff", DedupKey: id, Status: "final", Version: 1}
}

func homeBP(taken time.Time, sys, dia float64) db.HomeReading {
	r := homeReading("bp", taken)
	r.Systolic, r.Diastolic = &sys, &dia
	return r
}

func homeGlucose(taken time.Time, mgdl float64) db.HomeReading {
	r := homeReading("glucose", taken)
	r.GlucoseMgDl = &mgdl
	return r
}

// addHomeReadings brings readings into the patient's chart now, as the
// import side does, straight into the database, and makes the patient's
// row of the Readings to review list as an import's transaction would.
func (ta *testApp) addHomeReadings(t testing.TB, patientID string, readings ...db.HomeReading) {
	t.Helper()
	now := ta.Clock.Now()
	err := ta.DB().Update(context.Background(), func(tx *db.Tx) error {
		for _, r := range readings {
			r.PatientID, r.CreatedAt, r.UpdatedAt = patientID, now, now
			r.CreatedBy, r.UpdatedBy = ta.Clinician.User.ID, ta.Clinician.User.ID
			if _, err := tx.InsertHomeReading(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.MakeReadingsToReview(context.Background(), patientID); err != nil {
		t.Fatal(err)
	}
}

func bpTargets() app.MonitoringTargets {
	return app.MonitoringTargets{SystolicBelow: ptr(130), DiastolicBelow: ptr(80), GlucoseLow: ptr(80), GlucoseHigh: ptr(180)}
}

func (ta *testApp) enrol(t testing.TB, patientID string) app.Enrolment {
	t.Helper()
	e, err := ta.Clinician.Chart.EnrolMonitoring(patientID, app.EnrolmentInput{Device: "Omron M7",
		Targets: bpTargets(), ConsentNote: "Verbal consent from the patient"})
	if err != nil {
		t.Fatalf("enrol: %v", err)
	}
	return e
}

// TestEnrolMonitoring: consent is required, one enrolment is active at a
// time, a change of targets keeps the version it replaces, and ending it
// needs a reason.
func TestEnrolMonitoring(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	chart := ta.Clinician.Chart

	before := ta.counts(t)
	tests := []struct {
		name   string
		in     app.EnrolmentInput
		fields []string
	}{
		{"no consent", app.EnrolmentInput{Targets: bpTargets(), ConsentNote: "  "}, []string{"consentNote"}},
		{"half a BP target", app.EnrolmentInput{Targets: app.MonitoringTargets{SystolicBelow: ptr(130)}, ConsentNote: "yes"},
			[]string{"diastolicBelow"}},
		{"glucose low above high", app.EnrolmentInput{Targets: app.MonitoringTargets{GlucoseLow: ptr(200), GlucoseHigh: ptr(150)},
			ConsentNote: "yes"}, []string{"glucoseHigh"}},
		{"SpO2 out of bounds and a bad day", app.EnrolmentInput{StartedOn: "soon", Targets: app.MonitoringTargets{SpO2Low: ptr(120)},
			ConsentNote: "yes"}, []string{"spo2Low", "startedOn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := chart.EnrolMonitoring(p.ID, tt.in)
			e := wantKind(t, err, app.Invalid)
			if e == nil {
				return
			}
			for _, f := range tt.fields {
				if e.Fields[f] == "" {
					t.Errorf("no message for %s: %+v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tt.fields) {
				t.Errorf("fields %+v, want %v", e.Fields, tt.fields)
			}
		})
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused enrolments wrote %+v -> %+v", before, after)
	}
	if program, err := chart.Monitoring(p.ID); err != nil || len(program.Enrolments) != 0 {
		t.Errorf("refused enrolments enrolled: %+v, %v", program.Enrolments, err)
	}
	_, err := ta.FrontDesk.Chart.EnrolMonitoring(p.ID, app.EnrolmentInput{ConsentNote: "yes"})
	wantKind(t, err, app.Forbidden)

	e := ta.enrol(t, p.ID)
	if e.TargetsText != "BP below 130/80; glucose 80–180 mg/dL" || e.StartedOn != "2026-03-10" || e.Status != "active" ||
		e.ConsentNote != "Verbal consent from the patient" {
		t.Errorf("enrolment %+v", e)
	}
	if a := ta.lastAudit(t); a.Action != "monitoring.enrol" || a.PatientID != p.ID || !strings.Contains(a.Detail, "consent") {
		t.Errorf("audit %+v", a.AuditEntry)
	}
	_, err = chart.EnrolMonitoring(p.ID, app.EnrolmentInput{ConsentNote: "again"})
	wantKind(t, err, app.Conflict)

	before = ta.counts(t)
	changed, err := chart.UpdateMonitoringTargets(e.ID, "Omron M7", app.MonitoringTargets{SystolicBelow: ptr(135), DiastolicBelow: ptr(85)}, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Version != 2 || changed.TargetsText != "BP below 135/85" || changed.ConsentNote != e.ConsentNote {
		t.Errorf("changed %+v", changed)
	}
	_, err = chart.UpdateMonitoringTargets(e.ID, "", bpTargets(), e.Version) // an old version
	wantKind(t, err, app.Conflict)
	if after := ta.counts(t); after.Revisions != before.Revisions+1 {
		t.Errorf("changing targets kept %d revisions", after.Revisions-before.Revisions)
	}

	_, err = chart.EndMonitoring(e.ID, " ")
	wantKind(t, err, app.Invalid)
	ended, err := chart.EndMonitoring(e.ID, "BP controlled")
	if err != nil {
		t.Fatal(err)
	}
	if ended.Status != "ended" || ended.EndedOn != "2026-03-10" || ended.EndReason != "BP controlled" {
		t.Errorf("ended %+v", ended)
	}
	program, err := chart.Monitoring(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if program.Active != nil || len(program.Enrolments) != 1 || program.DaysNeeded != 16 || program.MinutesNeeded != 20 {
		t.Errorf("program %+v", program)
	}
	// Enrolled again: a new enrolment.
	if again := ta.enrol(t, p.ID); again.ID == e.ID {
		t.Errorf("enrolled again as the same enrolment")
	}
}

// TestReadingsToReview: the list holds the enrolled patients with readings
// since their last review, those out of target first (further out and more
// recent first), then by how many; a review takes a patient off until a
// newer reading comes.
func TestReadingsToReview(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	now := ta.Clock.Now()
	register := func(family string) app.Patient {
		in := samplePatient()
		in.FamilyName = family
		return ta.register(t, in)
	}
	many, slightly, far, notEnrolled, reviewed := register("Many"), register("Slightly"), register("Far"),
		register("Notenrolled"), register("Reviewed")
	for _, p := range []app.Patient{many, slightly, far, reviewed} {
		ta.enrol(t, p.ID)
	}
	day := 24 * time.Hour
	ta.addHomeReadings(t, many.ID, homeBP(now.Add(-3*day), 120, 70), homeBP(now.Add(-2*day), 122, 72),
		homeBP(now.Add(-day), 118, 76))
	ta.addHomeReadings(t, slightly.ID, homeBP(now.Add(-day), 134, 78), homeBP(now.Add(-2*day), 124, 78))
	ta.addHomeReadings(t, far.ID, homeBP(now.Add(-day), 168, 98), homeGlucose(now.Add(-day), 142))
	ta.addHomeReadings(t, notEnrolled.ID, homeBP(now.Add(-day), 190, 110))
	ta.addHomeReadings(t, reviewed.ID, homeBP(now.Add(-5*day), 150, 90))
	ta.Clock.Advance(time.Minute)
	if _, err := chart.ReviewReadings(reviewed.ID, 5, "called the patient"); err != nil {
		t.Fatal(err)
	}

	names := func() []string {
		t.Helper()
		items, err := chart.ReadingsToReview()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, fmt.Sprintf("%s %d/%d", strings.Split(it.PatientName, ",")[0], it.OutOfTarget, it.NewReadings))
		}
		return out
	}
	want := []string{"Far 1/2", "Slightly 1/2", "Many 0/3"}
	if got := names(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("list %v, want %v", got, want)
	}
	items, _ := chart.ReadingsToReview()
	if f := items[0]; len(f.Flags) != 1 || f.Flags[0] != "BP 168/98 above 130/80" || len(f.Latest) != 2 || f.LastReviewAt != "" {
		t.Errorf("first item %+v", f)
	}
	_, err := ta.FrontDesk.Chart.ReadingsToReview()
	wantKind(t, err, app.Forbidden)

	// A more recent, less far reading outranks an older one further out.
	ta.Clock.Advance(time.Minute)
	ta.addHomeReadings(t, slightly.ID, homeBP(now, 176, 99))
	want = []string{"Slightly 2/3", "Far 1/2", "Many 0/3"}
	if got := names(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after a new reading: list %v, want %v", got, want)
	}

	// Reviewed: off the list; a reading since puts them back, with only it new.
	ta.Clock.Advance(time.Minute)
	review, err := chart.ReviewReadings(far.ID, 12, "")
	if err != nil {
		t.Fatal(err)
	}
	if review.Minutes != 12 || review.ThroughAt.IsZero() || review.ReviewerName == "" {
		t.Errorf("review %+v", review)
	}
	if a := ta.lastAudit(t); a.Action != "readings.review" || a.PatientID != far.ID {
		t.Errorf("audit %+v", a.AuditEntry)
	}
	want = []string{"Slightly 2/3", "Many 0/3"}
	if got := names(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the review: list %v, want %v", got, want)
	}
	ta.Clock.Advance(time.Minute)
	ta.addHomeReadings(t, far.ID, homeBP(ta.Clock.Now().Add(-10*day), 128, 78)) // an old reading, brought in late
	want = []string{"Slightly 2/3", "Many 0/3", "Far 0/1"}
	if got := names(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after a late reading: list %v, want %v", got, want)
	}
	items, _ = chart.ReadingsToReview()
	if len(items) != 3 || items[2].LastReviewAt == "" || items[2].LastReviewer == "" {
		t.Errorf("last review not said: %+v", items)
	}

	_, err = chart.ReviewReadings(far.ID, 601, "")
	wantKind(t, err, app.Invalid)
	_, err = chart.ReviewReadings(register("Nothing").ID, 5, "")
	wantKind(t, err, app.Invalid)
}

// TestMonitoringProgram: review minutes per calendar month and days with
// readings per 30-day period, as the Monitoring panel and the monthly
// report show them.
func TestMonitoringProgram(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	ta.enrol(t, p.ID)
	day := 24 * time.Hour
	start := ta.Clock.Now()
	// The clinic's clock jumps ahead, past the screen lock: the clinician
	// unlocks on coming back.
	jumpTo := func(at time.Time) {
		t.Helper()
		ta.Clock.Set(at)
		ta.Clinician.Auth.Touch()
		if _, err := ta.Clinician.Auth.Unlock(clinicianPassword); err != nil {
			t.Fatal(err)
		}
	}
	// Readings on days 0–19 and 25–29 of the first period, morning and
	// evening, brought in on days 3, 10 and 27 (after each, a review: 11
	// minutes twice in January, 5 in February), and the rest on day 29.
	next := 0
	bringIn := func(through int, minutes int) {
		t.Helper()
		jumpTo(start.Add(time.Duration(through)*day + 2*time.Hour))
		for ; next <= through; next++ {
			if next < 20 || next >= 25 {
				d := time.Duration(next) * day
				ta.addHomeReadings(t, p.ID, homeBP(start.Add(d-2*time.Hour), 128, 78), homeBP(start.Add(d+11*time.Hour), 136, 82))
			}
		}
		if minutes > 0 {
			if _, err := chart.ReviewReadings(p.ID, minutes, "weekly review"); err != nil {
				t.Fatal(err)
			}
		}
	}
	bringIn(3, 11)
	bringIn(10, 11)
	bringIn(27, 5)
	bringIn(29, 0)
	program, err := chart.Monitoring(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(program.Periods) != 1 || program.Periods[0].Days != 25 || !program.Periods[0].Meets || !program.Periods[0].Current {
		t.Errorf("periods %+v", program.Periods)
	}
	if len(program.Months) != 2 || program.Months[0].Month != "2026-02" || program.Months[0].Minutes != 5 ||
		program.Months[0].Meets || program.Months[1].Minutes != 22 || !program.Months[1].Meets {
		t.Errorf("months %+v", program.Months)
	}
	if !strings.Contains(program.DaysSource, "99454") || !strings.Contains(program.MinutesSource, "99457") {
		t.Errorf("sources %q %q", program.DaysSource, program.MinutesSource)
	}
	report, err := chart.MonitoringReport(p.ID, "2026-01")
	if err != nil {
		t.Fatal(err)
	}
	if report.Review.Minutes != 22 || report.Averages.Days != 22 || report.Averages.BP.Count != 44 ||
		len(report.OutOfTarget) != 22 || report.Enrolment == nil || report.Patient.MRN != p.MRN {
		t.Errorf("report %+v", report)
	}
	if a := ta.lastAudit(t); a.Action != "monitoring.report" || a.PatientID != p.ID {
		t.Errorf("audit %+v", a.AuditEntry)
	}
	_, err = chart.MonitoringReport(p.ID, "January")
	wantKind(t, err, app.Invalid)

	summary, err := chart.HomeReadingsSummary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if summary.Last7.BP.Count == 0 || summary.Last7.Morning.Count == 0 || summary.PeriodsDefined == "" {
		t.Errorf("summary averages %+v", summary.Last7)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.HomeReadings == nil || !strings.HasPrefix(sum.HomeReadings.NoteLine, "Home BP since ") ||
		!strings.Contains(sum.HomeReadings.NoteLine, "above target 130/80") {
		t.Errorf("summary's home readings %+v", sum.HomeReadings)
	}
}

// TestMergeMonitoring: a merge moves the enrolments, ending the merged
// chart's when both were enrolled; its reviews count for the survivor.
func TestMergeMonitoring(t *testing.T) {
	ta := newTestApp(t)
	survivor, duplicate, _ := mergePair(t, ta)
	chart := ta.Clinician.Chart
	kept := ta.enrol(t, survivor.ID)
	moved := ta.enrol(t, duplicate.ID)
	ta.addHomeReadings(t, duplicate.ID, homeBP(ta.Clock.Now().Add(-time.Hour), 150, 95))
	ta.Clock.Advance(time.Minute)
	if _, err := chart.ReviewReadings(duplicate.ID, 15, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	program, err := chart.Monitoring(survivor.ID)
	if err != nil {
		t.Fatal(err)
	}
	if program.Active == nil || program.Active.ID != kept.ID || len(program.Enrolments) != 2 {
		t.Fatalf("program %+v", program)
	}
	for _, e := range program.Enrolments {
		if e.ID == moved.ID && (e.Status != "ended" || !strings.Contains(e.EndReason, "Merged into MRN "+survivor.MRN)) {
			t.Errorf("merged chart's enrolment %+v", e)
		}
	}
	if len(program.Months) != 1 || program.Months[0].Minutes != 15 || program.NewReadings != 0 {
		t.Errorf("reviews through the merge: %+v, %d new", program.Months, program.NewReadings)
	}
}

// monitoringArgs are the role table's arguments for the remote-monitoring
// methods: each acts on a chart of its own.
func (f *roleFixture) monitoringArgs(t *testing.T, method string) []any {
	switch method {
	case "Chart.EnrolMonitoring":
		return []any{f.freshPatient(t).ID, app.EnrolmentInput{Targets: bpTargets(), ConsentNote: "verbal consent"}}
	case "Chart.UpdateMonitoringTargets":
		e := f.enrolled(t)
		return []any{e.ID, "Omron", bpTargets(), e.Version}
	case "Chart.EndMonitoring":
		return []any{f.enrolled(t).ID, "BP controlled"}
	case "Chart.Monitoring", "Chart.HomeReadingsSummary":
		return []any{f.patient.ID}
	case "Chart.MonitoringReport":
		return []any{f.patient.ID, "2026-03"}
	case "Chart.ReviewReadings":
		e := f.enrolled(t)
		f.ta.addHomeReadings(t, e.PatientID, homeBP(f.ta.Clock.Now().Add(-time.Hour), 140, 90))
		return []any{e.PatientID, 5, "reviewed"}
	}
	return nil
}

func (f *roleFixture) freshPatient(t *testing.T) app.Patient {
	t.Helper()
	p, err := registerAnyway(f.registry, samplePatient())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *roleFixture) enrolled(t *testing.T) app.Enrolment {
	t.Helper()
	e, err := f.chart.EnrolMonitoring(f.freshPatient(t).ID, app.EnrolmentInput{Targets: bpTargets(), ConsentNote: "verbal consent"})
	if err != nil {
		t.Fatalf("enrol: %v", err)
	}
	return e
}
