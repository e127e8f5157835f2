package app

import (
	"testing"
	"time"

	"folio/db"
)

func ptr(f float64) *float64 { return &f }

func bpReading(at string, sys, dia float64) db.HomeReading {
	t, _ := time.Parse("2006-01-02T15:04", at)
	return db.HomeReading{Kind: "bp", TakenAt: t.UTC(), TakenLocal: at, Systolic: ptr(sys), Diastolic: ptr(dia), Status: "final"}
}

func weightReading(at string, kg float64) db.HomeReading {
	t, _ := time.Parse("2006-01-02T15:04", at)
	return db.HomeReading{Kind: "weight", TakenAt: t.UTC(), TakenLocal: at, WeightKg: ptr(kg), Status: "final"}
}

// TestHomeReadingFlags: each kind of reading is read against its target,
// and the flag says why in words.
func TestHomeReadingFlags(t *testing.T) {
	targets := &db.Enrolment{SystolicBelow: ptr(130), DiastolicBelow: ptr(80), GlucoseLow: ptr(80), GlucoseHigh: ptr(180),
		SpO2Low: ptr(92), WeightGainKg: ptr(2)}
	glucose := func(v float64) db.HomeReading {
		return db.HomeReading{Kind: "glucose", GlucoseMgDl: ptr(v), TakenLocal: "2026-11-02T08:00", Status: "final"}
	}
	tests := []struct {
		name     string
		earlier  []db.HomeReading
		reading  db.HomeReading
		targets  *db.Enrolment
		wantFlag string
	}{
		{"BP in target", nil, bpReading("2026-11-02T08:00", 128, 78), targets, ""},
		{"BP above both", nil, bpReading("2026-11-02T08:00", 152, 94), targets, "BP 152/94 above 130/80"},
		{"BP at the systolic target is out", nil, bpReading("2026-11-02T08:00", 130, 70), targets, "BP 130/70 above 130/80"},
		{"BP diastolic alone above", nil, bpReading("2026-11-02T08:00", 120, 85), targets, "BP 120/85 above 130/80"},
		{"BP without targets", nil, bpReading("2026-11-02T08:00", 190, 110), &db.Enrolment{}, ""},
		{"not enrolled", nil, bpReading("2026-11-02T08:00", 190, 110), nil, ""},
		{"glucose low", nil, glucose(62), targets, "Glucose 62 mg/dL below 80"},
		{"glucose high", nil, glucose(240), targets, "Glucose 240 mg/dL above 180"},
		{"glucose at the high target is in", nil, glucose(180), targets, ""},
		{"SpO2 low", nil, db.HomeReading{Kind: "spo2", SpO2: ptr(89), Status: "final"}, targets, "SpO2 89% below 92%"},
		{"SpO2 at target", nil, db.HomeReading{Kind: "spo2", SpO2: ptr(92), Status: "final"}, targets, ""},
		{"weight up 2.4 kg in a week", []db.HomeReading{weightReading("2026-11-01T07:00", 80), weightReading("2026-11-04T07:00", 81)},
			weightReading("2026-11-07T07:00", 82.4), targets, "Weight up 2.4 kg in 7 days (target under 2 kg)"},
		{"weight gain over more than a week is not flagged", []db.HomeReading{weightReading("2026-10-20T07:00", 78)},
			weightReading("2026-11-07T07:00", 82.4), targets, ""},
		{"weight up exactly the target", []db.HomeReading{weightReading("2026-11-05T07:00", 80)},
			weightReading("2026-11-07T07:00", 82), targets, ""},
		{"first weight", nil, weightReading("2026-11-07T07:00", 95), targets, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			views := flagReadings(append(append([]db.HomeReading{}, tt.earlier...), tt.reading), tt.targets)
			got := views[len(views)-1]
			if got.Flag != tt.wantFlag {
				t.Errorf("flag = %q, want %q", got.Flag, tt.wantFlag)
			}
			if (got.outBy > 0) != (tt.wantFlag != "") {
				t.Errorf("out by %v with flag %q", got.outBy, got.Flag)
			}
		})
	}
}

// TestMonitoringPeriods: days with readings are counted per 30-day period
// from the enrolment's start, a day on a boundary in the period it begins,
// and 16 days meet the threshold.
func TestMonitoringPeriods(t *testing.T) {
	daysFrom := func(first string, n int) map[string]bool {
		d, _ := time.Parse("2006-01-02", first)
		out := map[string]bool{}
		for i := range n {
			out[d.AddDate(0, 0, i).Format("2006-01-02")] = true
		}
		return out
	}
	merge := func(sets ...map[string]bool) map[string]bool {
		out := map[string]bool{}
		for _, s := range sets {
			for k := range s {
				out[k] = true
			}
		}
		return out
	}
	tests := []struct {
		name      string
		start     string
		last      string
		days      map[string]bool
		wantDays  []int
		wantMeets []bool
		wantTo    string // the first period's last day
	}{
		{"16 days in the first period", "2026-01-01", "2026-01-30", daysFrom("2026-01-01", 16), []int{16}, []bool{true}, "2026-01-30"},
		{"15 days falls short", "2026-01-01", "2026-01-30", daysFrom("2026-01-01", 15), []int{15}, []bool{false}, "2026-01-30"},
		// 2026-01-30 is day 30 of the first period; 2026-01-31 day 1 of the
		// second: 10 days each side of the boundary meet neither.
		{"across the boundary", "2026-01-01", "2026-02-28", daysFrom("2026-01-21", 20), []int{10, 10}, []bool{false, false}, "2026-01-30"},
		{"second period meets", "2026-01-01", "2026-03-01", merge(daysFrom("2026-01-01", 3), daysFrom("2026-01-31", 16)),
			[]int{3, 16}, []bool{false, true}, "2026-01-30"},
		{"a third period begun", "2026-01-01", "2026-03-02", daysFrom("2026-03-02", 1), []int{0, 0, 1}, []bool{false, false, false}, "2026-01-30"},
		{"readings before the start do not count", "2026-01-10", "2026-01-20", daysFrom("2026-01-01", 12), []int{3}, []bool{false}, "2026-02-08"},
		{"ended before it began", "2026-01-10", "2026-01-09", nil, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := monitoringPeriods(tt.start, tt.last, tt.last, tt.days)
			if len(got) != len(tt.wantDays) {
				t.Fatalf("%d periods %+v, want %d", len(got), got, len(tt.wantDays))
			}
			for i, p := range got {
				if p.Days != tt.wantDays[i] || p.Meets != tt.wantMeets[i] {
					t.Errorf("period %d %s–%s: %d days (meets %v), want %d (%v)", i, p.From, p.To, p.Days, p.Meets,
						tt.wantDays[i], tt.wantMeets[i])
				}
			}
			if len(got) > 0 && got[0].To != tt.wantTo {
				t.Errorf("first period ends %s, want %s", got[0].To, tt.wantTo)
			}
			if len(got) > 0 && !got[len(got)-1].Current {
				t.Errorf("the last period holds today but is not current: %+v", got[len(got)-1])
			}
		})
	}
}

// TestReviewMonths: review minutes are summed per calendar month of the
// clinic, 20 meeting the threshold, each reviewer named once.
func TestReviewMonths(t *testing.T) {
	at := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, time.Local)
		return v
	}
	reviews := []db.ReadingReview{ // latest first, as read
		{Minutes: 5, ReviewedAt: at("2026-12-01 09:00"), ReviewerName: "Dr Lee"},
		{Minutes: 12, ReviewedAt: at("2026-11-30 23:30"), ReviewerName: "Dr Lee"},
		{Minutes: 8, ReviewedAt: at("2026-11-15 10:00"), ReviewerName: "Nurse Ray"},
		{Minutes: 19, ReviewedAt: at("2026-10-02 10:00"), ReviewerName: "Dr Lee"},
	}
	got := reviewMonths(reviews)
	want := []MonitoringMonth{
		{Month: "2026-12", Minutes: 5, Reviews: 1, Reviewers: []string{"Dr Lee"}},
		{Month: "2026-11", Minutes: 20, Reviews: 2, Meets: true, Reviewers: []string{"Dr Lee", "Nurse Ray"}},
		{Month: "2026-10", Minutes: 19, Reviews: 1, Reviewers: []string{"Dr Lee"}},
	}
	if len(got) != len(want) {
		t.Fatalf("months %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Month != w.Month || g.Minutes != w.Minutes || g.Reviews != w.Reviews || g.Meets != w.Meets ||
			len(g.Reviewers) != len(w.Reviewers) {
			t.Errorf("month %d = %+v, want %+v", i, g, w)
		}
	}
}

// TestHomeBPAverages: the morning and evening split by the device's clock,
// and the note's line.
func TestHomeBPAverages(t *testing.T) {
	targets := &db.Enrolment{SystolicBelow: ptr(130), DiastolicBelow: ptr(80)}
	readings := []db.HomeReading{
		bpReading("2026-11-01T03:59", 150, 90), // night: in neither
		bpReading("2026-11-02T04:00", 140, 88), // morning
		bpReading("2026-11-02T11:59", 136, 84), // morning
		bpReading("2026-11-02T12:00", 120, 70), // afternoon
		bpReading("2026-11-02T18:00", 128, 78), // evening
		bpReading("2026-11-03T23:59", 130, 84), // evening
	}
	views := flagReadings(readings, targets)
	a := averagesOf(views, "2026-11-02", "")
	if a.Count != 5 || a.BP.Count != 5 || a.OutOfTarget != 3 || a.Days != 2 {
		t.Fatalf("averages %+v", a)
	}
	if a.Morning != (BPAverage{Count: 2, Systolic: 138, Diastolic: 86}) || a.Evening != (BPAverage{Count: 2, Systolic: 129, Diastolic: 81}) {
		t.Errorf("morning %+v, evening %+v", a.Morning, a.Evening)
	}
	want := "Home BP since 2026-11-02: 5 readings, avg 131/81 (morning 138/86, evening 129/81); 3 above target 130/80."
	if got := homeBPLine(a, views, targets); got != want {
		t.Errorf("note line\n got %q\nwant %q", got, want)
	}
}
