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

// restartHook records the App's request to restart.
func restartHook(a *app.App) <-chan struct{} {
	asked := make(chan struct{}, 1)
	a.OnRestart(func() { asked <- struct{}{} })
	return asked
}

func waitRestart(t *testing.T, asked <-chan struct{}) {
	t.Helper()
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("Folio was not asked to restart")
	}
}

// TestRestoreFromTheScreen: the admin sees the backups and the replica's
// span, prepares a restore of the replica as it was before a mistake, sees
// what it holds, confirms; Folio restarts and the restore applies: the
// later patient is gone, the replaced database is kept, the trail says who.
func TestRestoreFromTheScreen(t *testing.T) {
	ctx := context.Background()
	ta := newTestApp(t)
	replica := t.TempDir()
	if _, err := ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: replica}); err != nil {
		t.Fatal(err)
	}
	kept := ta.register(t, samplePatient())
	if err := ta.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // Litestream's times are to the second
	before := time.Now()
	time.Sleep(1100 * time.Millisecond)
	later := samplePatient()
	later.GivenNames = "Registered Later"
	gone := ta.register(t, later)
	if err := ta.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.BackupNow(); err != nil {
		t.Fatal(err)
	}

	choices, err := ta.Admin.Admin.RestoreChoices()
	if err != nil {
		t.Fatal(err)
	}
	if len(choices.Backups) != 1 || choices.Replica == nil || choices.ReplicaError != "" {
		t.Fatalf("choices: %+v", choices)
	}
	var appErr *app.Error
	if _, err := ta.Admin.Admin.PrepareRestore(app.RestoreSource{Backup: "/etc/passwd"}); !errors.As(err, &appErr) || appErr.Fields["backup"] == "" {
		t.Errorf("a file not in the list: %v", err)
	}
	preview, err := ta.Admin.Admin.PrepareRestore(app.RestoreSource{Replica: true, At: before.Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	if preview.ClinicName != clinicName || preview.Patients != 1 || !preview.KeyFound || preview.LastEntry == "" ||
		!strings.Contains(preview.Origin, "as it was at") {
		t.Errorf("preview %+v", preview)
	}
	if err := ta.Admin.Admin.RestoreNow(preview.ID); !errors.As(err, &appErr) || appErr.Kind != app.Conflict {
		t.Errorf("a Folio that cannot restart restored: %v", err)
	}
	preview, err = ta.Admin.Admin.PrepareRestore(app.RestoreSource{Replica: true, At: before.Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	asked := restartHook(ta.App)
	if err := ta.Admin.Admin.RestoreNow(preview.ID); err != nil {
		t.Fatal(err)
	}
	waitRestart(t, asked)
	if err := ta.Admin.Admin.RestoreNow(preview.ID); err == nil {
		t.Error("a restore was confirmed twice")
	}
	ta.Close()

	done, ok, err := app.ApplyPendingRestore(ctx, ta.Dir, app.Options{Logger: quietLog})
	if err != nil || !ok {
		t.Fatalf("apply: %v %v", ok, err)
	}
	if done.Report.Files.KeptAs == "" {
		t.Error("the replaced database was not kept")
	}
	if _, ok, _ := app.ApplyPendingRestore(ctx, ta.Dir, app.Options{}); ok {
		t.Error("the restore applied twice")
	}
	if matches, _ := filepath.Glob(filepath.Join(ta.Dir, "restore-*")); len(matches) > 0 {
		t.Errorf("left behind: %v", matches)
	}
	back := signInAll(t, openTestApp(t, ta.Dir, newClock(testStart.Add(time.Hour))))
	if _, err := back.FrontDesk.Patients.Open(kept.ID); err != nil {
		t.Errorf("the patient from before: %v", err)
	}
	if _, err := back.FrontDesk.Patients.Open(gone.ID); err == nil {
		t.Error("the patient registered after the chosen moment is still there")
	}
	var found bool
	for _, e := range back.audit(t) {
		if e.Action == "backup.restore" && strings.Contains(e.Detail, "from the screen, by "+adminUsername) {
			found = true
		}
	}
	if !found {
		t.Error("the restore is not in the restored trail")
	}
	// The replica's moments before the restore are the replaced clinic's:
	// the screen no longer offers them.
	if _, err := back.Admin.Admin.PrepareRestore(app.RestoreSource{Replica: true, At: before.Format(time.RFC3339)}); !errors.As(err, &appErr) || appErr.Fields["at"] == "" {
		t.Errorf("a moment before the restore: %v", err)
	}
}

// TestFirstRunRestore: a new PC with no clinic restores one from its
// replica on the first-run screen; once the PC holds a clinic, that screen's
// restore is refused.
func TestFirstRunRestore(t *testing.T) {
	ctx := context.Background()
	old := newTestApp(t)
	replica := t.TempDir()
	if _, err := old.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: replica}); err != nil {
		t.Fatal(err)
	}
	p := old.register(t, samplePatient())
	if err := old.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	old.Close()
	os.RemoveAll(old.Dir) // the PC died

	fresh := newFreshApp(t)
	desk := fresh.newCaller("new-pc")
	var appErr *app.Error
	if _, err := desk.Auth.PrepareClinicRestore(app.RestoreSource{Target: &replicate.Target{Kind: replicate.Folder, Path: "relative"}}); !errors.As(err, &appErr) || appErr.Fields["path"] == "" {
		t.Errorf("a relative folder: %v", err)
	}
	preview, err := desk.Auth.PrepareClinicRestore(app.RestoreSource{Target: &replicate.Target{Kind: replicate.Folder, Path: replica}})
	if err != nil {
		t.Fatal(err)
	}
	if preview.Patients != 1 || preview.Users != 3 || !preview.KeyFound {
		t.Errorf("preview %+v", preview)
	}
	asked := restartHook(fresh.App)
	if err := desk.Auth.RestoreClinicNow(preview.ID); err != nil {
		t.Fatal(err)
	}
	waitRestart(t, asked)
	fresh.Close()
	if _, ok, err := app.ApplyPendingRestore(ctx, fresh.Dir, app.Options{Logger: quietLog}); !ok || err != nil {
		t.Fatalf("apply: %v %v", ok, err)
	}
	back := signInAll(t, openTestApp(t, fresh.Dir, newClock(testStart.Add(time.Hour))))
	if _, err := back.FrontDesk.Patients.Open(p.ID); err != nil {
		t.Errorf("the restored patient: %v", err)
	}
	check, err := back.CheckAudit()
	if err != nil || len(check.Problems) > 0 {
		t.Errorf("the restored trail: %v %v", err, check.Problems)
	}
	if _, err := back.FrontDesk.Auth.PrepareClinicRestore(app.RestoreSource{Target: &replicate.Target{Kind: replicate.Folder, Path: replica}}); !errors.As(err, &appErr) || appErr.Kind != app.Conflict {
		t.Errorf("a first-run restore over a clinic: %v", err)
	}
}
