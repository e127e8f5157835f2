package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// bpFile is a Withings blood-pressure file of one reading per line
// ("2026-12-05 07:00:00", systolic, diastolic).
func bpFile(rows ...string) string {
	out := "Date,\"Heart rate\",Systolic,Diastolic,Comments\n"
	for _, r := range rows {
		out += r + "\n"
	}
	return out
}

// gatewayBP is a hub's FHIR blood pressure taken at (RFC 3339).
func gatewayBP(at string, sys, dia int) []byte {
	return fmt.Appendf(nil, `{"resourceType":"Observation","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":%q,
		"component":[
			{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":%d,"code":"mm[Hg]"}},
			{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":%d,"code":"mm[Hg]"}}]}`,
		at, sys, dia)
}

// TestReadingsToReviewIsKept: the Readings to review list's row of a
// patient follows each kind of write that changes it, in that write's
// transaction (a file imported, a hub's post, a retraction, new targets,
// a review, the enrolment ended, a merge), and the list kept says what the
// list made from the readings themselves says, in the same order.
func TestReadingsToReviewIsKept(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	day := 24 * time.Hour
	now := ta.Clock.Now()

	// Others on the list, so that its order is tested too.
	for i, readings := range [][]db.HomeReading{
		{homeBP(now.Add(-2*day), 150, 92), homeBP(now.Add(-day), 128, 78)},
		{homeBP(now.Add(-6*day), 190, 110)},
		{homeBP(now.Add(-day), 121, 75), homeBP(now.Add(-3*day), 119, 70), homeGlucose(now.Add(-day), 60)},
		{homeBP(now.Add(-day), 125, 75)},
	} {
		in := samplePatient()
		in.FamilyName = fmt.Sprintf("Other%d", i)
		p := ta.register(t, in)
		ta.enrol(t, p.ID)
		ta.addHomeReadings(t, p.ID, readings...)
	}

	p := ta.register(t, samplePatient())
	survivor, duplicate, _ := mergePair(t, ta)
	var enrolment app.Enrolment
	var token string

	type want struct {
		patientID        string
		listed           bool
		newReadings, out int
		noRow            bool // not enrolled: no row at all
	}
	steps := []struct {
		name  string
		write func(t *testing.T) error
		want  []want
	}{
		{"enrolled, nothing read yet", func(t *testing.T) error {
			var err error
			enrolment, err = chart.EnrolMonitoring(p.ID, app.EnrolmentInput{Device: "Omron M7", Targets: bpTargets(),
				ConsentNote: "verbal consent"})
			return err
		}, []want{{patientID: p.ID}}},
		{"a file imported", func(t *testing.T) error {
			_, err := chart.ImportReadings(p.ID, "bp.csv", bpFile(`"2026-12-05 07:00:00",65,150,95,`,
				`"2026-12-06 07:00:00",66,120,70,`), "")
			return err
		}, []want{{patientID: p.ID, listed: true, newReadings: 2, out: 1}}},
		{"a hub's post", func(t *testing.T) error {
			tok, err := chart.IssueDeviceToken(p.ID, "home hub", "")
			if err != nil {
				return err
			}
			token = tok.Token
			_, err = ta.App.ReceiveDeviceReadings(token, gatewayBP("2026-12-06T20:00:00Z", 160, 100))
			return err
		}, []want{{patientID: p.ID, listed: true, newReadings: 3, out: 2}}},
		{"a reading retracted", func(t *testing.T) error {
			list, err := chart.HomeReadings(p.ID, "2026-12-01", "")
			if err != nil {
				return err
			}
			for _, r := range list {
				if r.Systolic != nil && *r.Systolic == 150 {
					_, err = chart.RetractHomeReading(r.ID, "Her husband used the cuff")
					return err
				}
			}
			return errors.New("no 150/95 reading to retract")
		}, []want{{patientID: p.ID, listed: true, newReadings: 2, out: 1}}},
		{"targets changed", func(t *testing.T) error {
			var err error
			enrolment, err = chart.UpdateMonitoringTargets(enrolment.ID, "Omron M7", app.MonitoringTargets{
				SystolicBelow: ptr(170), DiastolicBelow: ptr(105)}, enrolment.Version)
			return err
		}, []want{{patientID: p.ID, listed: true, newReadings: 2, out: 0}}},
		{"reviewed", func(t *testing.T) error {
			_, err := chart.ReviewReadings(p.ID, 10, "called her")
			return err
		}, []want{{patientID: p.ID}}},
		{"a reading since the review", func(t *testing.T) error {
			_, err := ta.App.ReceiveDeviceReadings(token, gatewayBP("2026-12-07T07:00:00Z", 180, 90))
			return err
		}, []want{{patientID: p.ID, listed: true, newReadings: 1, out: 1}}},
		{"ended", func(t *testing.T) error {
			_, err := chart.EndMonitoring(enrolment.ID, "BP controlled")
			return err
		}, []want{{patientID: p.ID, noRow: true}}},
		{"the merged chart's readings go to the survivor", func(t *testing.T) error {
			if _, err := chart.EnrolMonitoring(duplicate.ID, app.EnrolmentInput{Targets: bpTargets(),
				ConsentNote: "verbal consent"}); err != nil {
				return err
			}
			if _, err := chart.ImportReadings(duplicate.ID, "bp.csv", bpFile(`"2026-12-06 07:10:00",65,141,85,`), ""); err != nil {
				return err
			}
			_, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version)
			return err
		}, []want{{patientID: duplicate.ID, noRow: true}, {patientID: survivor.ID, listed: true, newReadings: 1, out: 1}}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			ta.Clock.Advance(time.Minute)
			if err := step.write(t); err != nil {
				t.Fatal(err)
			}
			items, err := chart.ReadingsToReview()
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]app.ReadingsToReviewItem{}
			for _, it := range items {
				listed[it.PatientID] = it
			}
			for _, w := range step.want {
				it, ok := listed[w.patientID]
				if ok != w.listed || it.NewReadings != w.newReadings || it.OutOfTarget != w.out {
					t.Errorf("listed %v with %d new, %d out of target; want %v, %d, %d", ok, it.NewReadings,
						it.OutOfTarget, w.listed, w.newReadings, w.out)
				}
				err := ta.DB().View(context.Background(), func(tx *db.Tx) error {
					_, err := tx.ReviewRowFor(w.patientID)
					return err
				})
				if gone := errors.Is(err, db.ErrNotFound); gone != w.noRow || (err != nil && !gone) {
					t.Errorf("row of %s: %v, want gone %v", w.patientID, err, w.noRow)
				}
			}
			sameAsFromReadings(t, ta, items)
		})
	}

	// A database from before schema 31 (rows missing) is made whole, as
	// Open does, and the list read a week later fades in the same order.
	err := ta.DB().Update(context.Background(), func(tx *db.Tx) error { return tx.ClearReviewRow(survivor.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ta.MakeReadingsToReview(context.Background()); err != nil || n != 1 {
		t.Errorf("made %d rows (%v), want the 1 missing", n, err)
	}
	ta.Clock.Advance(7 * day)
	chart = ta.signIn(t, clinicianUsername, clinicianPassword, "room-1").Chart // locked meanwhile
	items, err := chart.ReadingsToReview()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 {
		t.Errorf("%d listed, want 5", len(items))
	}
	sameAsFromReadings(t, ta, items)
}

// sameAsFromReadings fails unless the list kept says what the list made
// from the readings says, in the same order.
func sameAsFromReadings(t *testing.T, ta *testApp, items []app.ReadingsToReviewItem) {
	t.Helper()
	want, err := ta.ReadingsToReviewFromReadings()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(items)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("the list kept:\n%s\nmade from the readings:\n%s", got, wantJSON)
	}
}
