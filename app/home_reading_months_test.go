package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// withingsWeights is a Withings weight.csv of the given readings, each
// "YYYY-MM-DD HH:MM=kg".
func withingsWeights(readings ...string) string {
	var b strings.Builder
	b.WriteString(`Date,"Weight (kg)","Fat mass (kg)","Bone mass (kg)","Muscle mass (kg)","Hydration (kg)",Comments` + "\n")
	for _, r := range readings {
		at, kg, _ := strings.Cut(r, "=")
		fmt.Fprintf(&b, "%q,%s,,,,,\n", at+":00", kg)
	}
	return b.String()
}

// withingsBPs is a Withings bp.csv of the given readings, each
// "YYYY-MM-DD HH:MM=sys/dia".
func withingsBPs(readings ...string) string {
	var b strings.Builder
	b.WriteString(`Date,"Heart rate",Systolic,Diastolic,Comments` + "\n")
	for _, r := range readings {
		at, bp, _ := strings.Cut(r, "=")
		sys, dia, _ := strings.Cut(bp, "/")
		fmt.Fprintf(&b, "%q,70,%s,%s,\n", at+":00", sys, dia)
	}
	return b.String()
}

// TestKeptMonthsAreTheReadings: the chart's year of home readings, read
// from the kept months, is what the readings themselves make (read and
// flagged in one run) after every kind of change to them or to the
// targets; each change makes the months it touched again in its own
// transaction, so none is left to make at a read.
func TestKeptMonthsAreTheReadings(t *testing.T) {
	ta := newTestApp(t) // 2026-03-10
	chart := ta.Clinician.Chart
	survivor, duplicate, _ := mergePair(t, ta)
	enrolment := ta.enrol(t, survivor.ID)

	importFile := func(patientID, name, file string) {
		t.Helper()
		if _, err := chart.ImportReadings(patientID, name, file, ""); err != nil {
			t.Fatalf("import %s: %v", name, err)
		}
	}
	readingAt := func(takenLocal string) app.HomeReadingView {
		t.Helper()
		list, err := chart.HomeReadings(survivor.ID, "2025-01-01", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.TakenLocal == takenLocal && r.Status == "final" {
				return r
			}
		}
		t.Fatalf("no reading at %s", takenLocal)
		return app.HomeReadingView{}
	}
	steps := []struct {
		name string
		do   func()
		// flagged is a flag the chart must show after the step ("": none).
		flagged string
	}{
		{"BP over three months, one out of target", func() {
			importFile(survivor.ID, "bp.csv", withingsBPs("2026-01-15 07:00=128/78", "2026-02-10 07:00=150/92",
				"2026-03-02 20:00=122/76", "2026-03-09 07:00=126/79"))
		}, "BP 150/92 above 130/80"},
		{"weights gaining across the month's end", func() {
			importFile(survivor.ID, "weight.csv", withingsWeights("2026-02-26 06:00=80.0", "2026-02-27 06:00=80.4",
				"2026-02-28 06:00=81.0", "2026-03-01 06:00=81.9", "2026-03-02 06:00=82.6"))
		}, ""},
		{"a weight-gain target: March's weights flagged from February's", func() {
			e, err := chart.UpdateMonitoringTargets(enrolment.ID, "Omron M7", app.MonitoringTargets{SystolicBelow: ptr(130),
				DiastolicBelow: ptr(80), WeightGainKg: ptr(2)}, enrolment.Version)
			if err != nil {
				t.Fatal(err)
			}
			enrolment = e
		}, "Weight up 2.6 kg in 7 days"},
		{"February's lowest weight retracted: March's flag changes", func() {
			r := readingAt("2026-02-26T06:00")
			if _, err := chart.RetractHomeReading(r.ID, "the scale was not zeroed"); err != nil {
				t.Fatal(err)
			}
		}, "Weight up 2.2 kg in 7 days"},
		{"a reading sent twice", func() {
			importFile(survivor.ID, "bp.csv", withingsBPs("2026-03-09 07:00=126/79"))
		}, ""},
		{"a duplicate chart's readings merged in", func() {
			importFile(duplicate.ID, "bp.csv", withingsBPs("2026-02-11 07:00=141/88", "2026-03-03 07:00=119/75"))
			s, err := ta.FrontDesk.Patients.Open(survivor.ID)
			if err != nil {
				t.Fatal(err)
			}
			d, err := ta.FrontDesk.Patients.Open(duplicate.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ta.Admin.Patients.Merge(s.ID, d.ID, "same person", s.Version, d.Version); err != nil {
				t.Fatal(err)
			}
		}, "BP 141/88 above 130/80"},
		{"monitoring ended: no targets, no flags", func() {
			if _, err := chart.EndMonitoring(enrolment.ID, "patient moved away"); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"a year on: January's month is no longer shown", func() {
			ta.Clock.Advance(330 * 24 * time.Hour) // 2027-02-03: from 2026-02 on; signed in again
			chart = ta.signIn(t, clinicianUsername, clinicianPassword, "room-1").Chart
			importFile(survivor.ID, "bp.csv", withingsBPs("2027-02-01 07:00=124/77"))
		}, ""},
	}
	for _, step := range steps {
		step.do()
		summary, err := chart.HomeReadingsSummary(survivor.ID)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		want, stale, err := ta.HomeReadingsFromReadings(survivor.ID)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		var got, wanted bytes.Buffer
		if err := json.Compact(&got, summary.Readings); err != nil {
			t.Fatalf("%s: the chart's readings are not JSON: %v", step.name, err)
		}
		if err := json.Compact(&wanted, want); err != nil {
			t.Fatal(err)
		}
		if got.String() != wanted.String() {
			t.Errorf("%s: the chart shows\n%s\nthe readings make\n%s", step.name, got.String(), wanted.String())
		}
		var views []app.HomeReadingView
		if err := json.Unmarshal(summary.Readings, &views); err != nil {
			t.Fatal(err)
		}
		if len(views) != summary.Count || len(views) == 0 {
			t.Errorf("%s: %d readings, count %d", step.name, len(views), summary.Count)
		}
		if stale != 0 {
			t.Errorf("%s: %d kept months left to make after the write", step.name, stale)
		}
		flags := map[string]bool{}
		for _, v := range views {
			flags[v.Flag] = true
			if v.TakenAt.Before(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) && ta.Clock.Now().Year() == 2027 {
				t.Errorf("%s: a reading of %s is shown a year on", step.name, v.TakenLocal)
			}
		}
		if step.flagged != "" && !anyFlagStarts(flags, step.flagged) {
			t.Errorf("%s: no flag %q among %v", step.name, step.flagged, flags)
		}
		if strings.HasPrefix(step.name, "monitoring ended") && (len(flags) != 1 || !flags[""]) {
			t.Errorf("%s: flags %v", step.name, flags)
		}
	}
}

func anyFlagStarts(flags map[string]bool, prefix string) bool {
	for f := range flags {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}
