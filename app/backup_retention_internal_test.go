package app

import (
	"fmt"
	"testing"
	"time"
)

// TestKeptBackups: a year and a half of daily backups keeps the newest of
// each of the last 7 days, 4 weeks and 12 months: 7 + 3 + 11 more at most.
func TestKeptBackups(t *testing.T) {
	now := time.Date(2026, 12, 7, 19, 0, 0, 0, time.Local) // a Monday
	times := map[string]time.Time{}
	for d := range 540 {
		at := now.AddDate(0, 0, -d).Add(-30 * time.Minute)
		times[fmt.Sprintf("b%03d", d)] = at
	}
	// A second backup on the newest day: the older one of that day goes.
	times["extra"] = now.Add(-3 * time.Hour)
	keep := keptBackups(times, now)
	for d := range 7 {
		if !keep[fmt.Sprintf("b%03d", d)] {
			t.Errorf("day -%d is not kept", d)
		}
	}
	if keep["extra"] {
		t.Error("the older of two backups of one day is kept")
	}
	// Weeks: the newest of each of the last 4 ISO weeks: today's (a
	// Monday), and the Sundays that end the 3 weeks before it.
	for _, d := range []int{1, 8, 15} {
		if !keep[fmt.Sprintf("b%03d", d)] {
			t.Errorf("the Sunday %d days ago is not kept", d)
		}
	}
	for d := 9; d < 15; d++ { // the rest of a past week, unless it ends a month
		if keep[fmt.Sprintf("b%03d", d)] && !isMonthEnd(times[fmt.Sprintf("b%03d", d)]) {
			t.Errorf("day -%d is kept", d)
		}
	}
	if keep["b030"] && !isMonthEnd(times["b030"]) {
		t.Errorf("day -30 (%s) is kept", times["b030"].Format("2006-01-02"))
	}
	// Months: the newest of each of 12 months, the oldest about a year ago.
	months := map[string]bool{}
	for p, ok := range keep {
		if ok {
			months[times[p].Format("2006-01")] = true
		}
	}
	if len(months) != 12 {
		t.Errorf("backups kept from %d months, want 12: %v", len(months), months)
	}
	if n := len(keep); n > keepDaily+keepWeekly+keepMonthly || n < 12 {
		t.Errorf("%d backups kept", n)
	}
	if keep["b400"] {
		t.Error("a backup of 400 days ago is kept")
	}
}

func isMonthEnd(t time.Time) bool { return t.AddDate(0, 0, 1).Month() != t.Month() }

// TestCatchUpWaitsForQuiet: only the backup due at the clinic's time (and
// the two minutes after it) is made while the clinic is busy.
func TestCatchUpWaitsForQuiet(t *testing.T) {
	s := BackupSchedule{DailyTime: "18:30"}
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		at    string
		waits bool
	}{
		{"08:00", true}, {"18:29", true}, {"18:30", false}, {"18:31", false}, {"18:32", true}, {"23:00", true},
	} {
		var hh, mm int
		fmt.Sscanf(tc.at, "%d:%d", &hh, &mm)
		now := day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
		if got := waitsForQuiet(s, now); got != tc.waits {
			t.Errorf("at %s: waits %v, want %v", tc.at, got, tc.waits)
		}
	}
}
