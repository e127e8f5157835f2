package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db/replicate"
)

// TestScheduledBackups: the daily backup runs at the clinic's time (or as
// soon as Folio runs after it), once a day, is verified, copied to the
// second folder, pruned there and in the data folder, audited; the monthly
// restore drill restores the replica and verifies it.
func TestScheduledBackups(t *testing.T) {
	ctx := context.Background()
	ta := newTestApp(t)
	second := t.TempDir()
	var appErr *app.Error
	for _, in := range []app.BackupScheduleInput{
		{DailyTime: "25:00"}, {DailyTime: "7pm"},
		{DailyTime: "18:00", SecondFolder: "relative/folder"},
		{DailyTime: "18:00", SecondFolder: filepath.Join(second, "missing")},
	} {
		if _, err := ta.Admin.Admin.SetBackupSchedule(in); !errors.As(err, &appErr) || len(appErr.Fields) == 0 {
			t.Errorf("%+v: %v", in, err)
		}
	}
	if _, err := ta.FrontDesk.Admin.SetBackupSchedule(app.BackupScheduleInput{DailyTime: "18:00"}); err == nil {
		t.Error("the front desk set the schedule")
	}
	sched, err := ta.Admin.Admin.SetBackupSchedule(app.BackupScheduleInput{DailyTime: "18:00", SecondFolder: second})
	if err != nil {
		t.Fatal(err)
	}
	if sched.DailyTime != "18:00" || sched.SecondFolder != second || sched.Last != nil {
		t.Errorf("after saving: %+v", sched)
	}
	if _, err := ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	ta.register(t, samplePatient())

	// The clinic's first day: Folio starts at 09:00, before the time, and
	// never backed up: the first backup is due now; the drill waits for the
	// evening's quiet hour.
	// While the clinic is busy, that catch-up waits for a quiet minute.
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local)
	ta.Clock.Set(day)
	if runs, err := ta.RunDueBackupsBusy(ctx); err != nil || len(runs) != 0 {
		t.Fatalf("a catch-up while the clinic is busy: %+v %v", runs, err)
	}
	runs, err := ta.RunDueBackups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || !runs[0].OK {
		t.Fatalf("the first runs: %+v", runs)
	}
	if !strings.Contains(runs[0].Detail, "verified") || runs[0].Second == "" {
		t.Errorf("the backup: %+v", runs[0])
	}
	// Nothing more is due until 18:00; then the day's backup, once, and
	// the first drill.
	ta.Clock.Set(day.Add(8 * time.Hour))
	if runs, _ := ta.RunDueBackups(ctx); len(runs) != 0 {
		t.Errorf("at 17:00: %+v", runs)
	}
	// The one at the clinic's time is made however busy the clinic is.
	ta.Clock.Set(day.Add(9*time.Hour + time.Minute))
	runs, _ = ta.RunDueBackupsBusy(ctx)
	if len(runs) != 2 || !runs[0].OK || !runs[1].OK {
		t.Fatalf("at 18:01: %+v", runs)
	}
	if !strings.HasPrefix(runs[1].From, "the replica") || !strings.Contains(runs[1].Detail, "restored and verified: 1 patients") {
		t.Errorf("the drill: %+v", runs[1])
	}
	if runs, _ := ta.RunDueBackups(ctx); len(runs) != 0 {
		t.Errorf("again at 18:01: %+v", runs)
	}
	// Forty days of 18:05: 7 daily, 4 weekly and some monthly backups stay,
	// in both folders; a backup made by hand is never pruned.
	manual, err := ta.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	for d := 1; d <= 40; d++ {
		ta.Clock.Set(day.AddDate(0, 0, d).Add(9*time.Hour + 5*time.Minute))
		if runs, err := ta.RunDueBackups(ctx); err != nil || len(runs) == 0 || !runs[0].OK {
			t.Fatalf("day %d: %+v %v", d, runs, err)
		}
	}
	for _, dir := range []string{app.BackupDir(ta.Dir), second} {
		scheduled, _ := filepath.Glob(filepath.Join(dir, "folio-*-scheduled.db"))
		if len(scheduled) < 10 || len(scheduled) > 7+4+12 {
			t.Errorf("%s keeps %d scheduled backups", dir, len(scheduled))
		}
		keys, _ := filepath.Glob(filepath.Join(dir, "folio-*-scheduled.db.key"))
		if len(keys) != len(scheduled) {
			t.Errorf("%s: %d backups, %d key files", dir, len(scheduled), len(keys))
		}
	}
	if _, err := os.Stat(manual); err != nil {
		t.Errorf("the backup made by hand was pruned: %v", err)
	}
	admin := ta.signIn(t, adminUsername, adminPassword, "office") // the clock moved past the idle lock
	sched, err = admin.Admin.BackupSchedule()
	if err != nil {
		t.Fatal(err)
	}
	if sched.Last == nil || !sched.Last.OK || sched.LastDrill == nil || !sched.LastDrill.OK {
		t.Errorf("the schedule's view: %+v", sched)
	}
	// The drill ran again after 30 days.
	if at, _ := time.Parse(time.RFC3339, sched.LastDrill.At); at.Before(day.AddDate(0, 0, 30)) {
		t.Errorf("the last drill was at %s", sched.LastDrill.At)
	}
	var scheduled int
	for _, e := range ta.audit(t) {
		if e.Action == "backup.scheduled" && e.Username == "folio" {
			scheduled++
		}
	}
	if scheduled != 42 {
		t.Errorf("%d scheduled backups in the audit trail by folio, want 42", scheduled)
	}
}

// TestScheduledBackupFailureIsKept: a second folder that went away (the USB
// disk unplugged) fails the day's backup in words, kept for the admin.
func TestScheduledBackupFailureIsKept(t *testing.T) {
	ctx := context.Background()
	ta := newTestApp(t)
	second := filepath.Join(t.TempDir(), "usb")
	if err := os.Mkdir(second, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.SetBackupSchedule(app.BackupScheduleInput{DailyTime: "18:00", SecondFolder: second}); err != nil {
		t.Fatal(err)
	}
	os.Remove(second)
	ta.Clock.Set(time.Date(2026, 3, 10, 18, 30, 0, 0, time.Local))
	runs, err := ta.RunDueBackups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 || runs[0].OK || !strings.Contains(runs[0].Detail, second) {
		t.Fatalf("runs %+v", runs)
	}
	sched, err := ta.signIn(t, adminUsername, adminPassword, "office").Admin.BackupSchedule()
	if err != nil {
		t.Fatal(err)
	}
	if sched.Last == nil || sched.Last.OK {
		t.Errorf("the failure is not kept: %+v", sched.Last)
	}
	// A failed backup is tried again at the next minute's look.
	if next, _ := time.Parse(time.RFC3339, sched.Next); next.After(ta.Clock.Now()) {
		t.Errorf("after a failure the next backup is at %s", sched.Next)
	}
}
