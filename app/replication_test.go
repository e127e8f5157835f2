package app_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
	"folio/db/replicate"
)

// TestReplicaBringsTheClinicBack: the admin sets a folder replica; the
// clinic's writes reach it; the data folder is lost; the clinic comes back
// from the replica on another "PC" whole: every patient, its audit trail
// verified, its key, and the replica setting (so it goes on replicating).
func TestReplicaBringsTheClinicBack(t *testing.T) {
	ctx := context.Background()
	ta := newTestApp(t)
	replica := t.TempDir()

	var appErr *app.Error
	if _, err := ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: filepath.Join(replica, "nope")}); !errors.As(err, &appErr) || appErr.Fields["path"] == "" {
		t.Fatalf("a missing folder: %v", err)
	}
	if _, err := ta.FrontDesk.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: replica}); err == nil {
		t.Fatal("the front desk set the replica")
	}
	view, err := ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: replica})
	if err != nil {
		t.Fatal(err)
	}
	if view.Running == nil || view.Saved == nil || view.AtNextStart || view.Behind {
		t.Fatalf("after saving: %+v", view)
	}
	var ids []string
	for i := range 5 {
		in := samplePatient()
		in.GivenNames = fmt.Sprintf("Replicated %d", i)
		ids = append(ids, ta.register(t, in).ID)
	}
	if err := ta.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	view, err = ta.Admin.Admin.Replication()
	if err != nil {
		t.Fatal(err)
	}
	if view.Running.ReplicaTX == 0 || view.Running.ReplicaTX != view.Running.LocalTX || view.Running.Error != "" {
		t.Errorf("after a sync: %+v", view.Running)
	}
	if _, err := os.Stat(filepath.Join(replica, db.KeyFileName)); err != nil {
		t.Errorf("the clinic's key is not beside the replica: %v", err)
	}
	want := ta.counts(t)
	ta.Close()

	// The PC died: a new data folder, restored from the replica.
	newDir := t.TempDir()
	report, err := app.RestoreReplica(ctx, newDir, replicate.Target{Kind: replicate.Folder, Path: replica}, time.Time{}, app.RestoreOptions{}, app.Options{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	if report.Info.Patients != want.Patients || report.Files.KeyNotFound || report.Damage {
		t.Errorf("restore report %+v, want %d patients, the key found and no damage", report, want.Patients)
	}
	back := openTestApp(t, newDir, newClock(testStart.Add(time.Hour)))
	if got := back.counts(t); got.Patients != want.Patients {
		t.Errorf("the restored clinic has %d patients, want %d", got.Patients, want.Patients)
	}
	check, err := back.CheckAudit()
	if err != nil || len(check.Problems) > 0 {
		t.Errorf("the restored audit trail: %v %v", err, check.Problems)
	}
	if last := back.lastAudit(t); last.Action != "backup.restore" || !strings.Contains(last.Detail, "the replica in the folder "+replica) {
		t.Errorf("the last audit entry is %s %q", last.Action, last.Detail)
	}
	back = signInAll(t, back)
	for _, id := range ids {
		if _, err := back.FrontDesk.Patients.Open(id); err != nil {
			t.Errorf("patient %s: %v", id, err)
		}
	}
	// The setting came along: the restored clinic replicates again where
	// it came from, once it serves.
	if line := back.StartReplication(); !strings.Contains(line, "copied to the folder "+replica) {
		t.Errorf("the restored clinic's replica: %q", line)
	}
}

// TestStopReplicaAtNextStart: stopping needs a reason, is audited, and
// takes effect when Folio next starts.
func TestStopReplicaAtNextStart(t *testing.T) {
	ta := newTestApp(t)
	replica := t.TempDir()
	var appErr *app.Error
	if _, err := ta.Admin.Admin.StopReplica("no longer needed"); !errors.As(err, &appErr) || appErr.Kind != app.Conflict {
		t.Errorf("stopping with no replica: %v", err)
	}
	if _, err := ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: replica}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.StopReplica("  "); !errors.As(err, &appErr) || appErr.Fields["reason"] == "" {
		t.Errorf("stopping without a reason: %v", err)
	}
	view, err := ta.Admin.Admin.StopReplica("the USB disk goes off-site")
	if err != nil {
		t.Fatal(err)
	}
	if view.Saved != nil || view.Running == nil || !view.AtNextStart {
		t.Errorf("after stopping: %+v", view)
	}
	if e := ta.lastAudit(t); e.Action != "replication.stop" || !strings.Contains(e.Detail, "the USB disk goes off-site") {
		t.Errorf("audit %s %q", e.Action, e.Detail)
	}
	ta.Close()
	again := openTestApp(t, ta.Dir, ta.Clock)
	if line := again.StartReplication(); !strings.HasPrefix(line, "Replica: none") {
		t.Errorf("after a restart: %q", line)
	}
}

// TestReplicaSecretsStayOnTheHost: a saved S3 secret never comes back to
// the screen, and a form sent back without it keeps it.
func TestReplicaSecretsStayOnTheHost(t *testing.T) {
	ta := newTestApp(t)
	view, err := ta.Admin.Admin.Replication()
	if err != nil || view.Saved != nil || view.Running != nil {
		t.Fatalf("a new clinic's replication: %+v %v", view, err)
	}
	// An S3 endpoint nobody answers on: refused as unreachable, nothing saved.
	_, err = ta.Admin.Admin.SetReplica(app.ReplicaInput{Kind: replicate.S3, Endpoint: "http://127.0.0.1:1", Bucket: "b",
		AccessKey: "AK", SecretKey: "very-secret"})
	var appErr *app.Error
	if !errors.As(err, &appErr) || appErr.Fields["endpoint"] == "" {
		t.Errorf("an unreachable endpoint: %v", err)
	}
	if view, _ := ta.Admin.Admin.Replication(); view.Saved != nil {
		t.Errorf("an unreachable replica was saved: %+v", view.Saved)
	}
}

// TestReplicaGoesOnAfterARestore: after the clinic is restored to an
// earlier moment of its replica (in its own data folder, as the screen
// does), Folio replicates on to the same replica, whose latest state is
// then the restored clinic and what came after, not the replaced one.
func TestReplicaGoesOnAfterARestore(t *testing.T) {
	ctx := context.Background()
	ta := newTestApp(t)
	replica := t.TempDir()
	target := replicate.Target{Kind: replicate.Folder, Path: replica}
	if _, err := ta.Admin.Admin.SetReplica(target); err != nil {
		t.Fatal(err)
	}
	a := ta.register(t, samplePatient())
	if err := ta.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	moment := time.Now()
	time.Sleep(1100 * time.Millisecond)
	b := samplePatient()
	b.GivenNames = "Replaced Later"
	replaced := ta.register(t, b)
	if err := ta.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	ta.Close()
	if _, err := app.RestoreReplica(ctx, ta.Dir, target, moment, app.RestoreOptions{}, app.Options{Logger: quietLog}); err != nil {
		t.Fatal(err)
	}

	back := signInAll(t, openTestApp(t, ta.Dir, newClock(testStart.Add(time.Hour))))
	if line := back.StartReplication(); !strings.Contains(line, "copied to") {
		t.Fatalf("after the restore: %q", line)
	}
	c := samplePatient()
	c.GivenNames = "After The Restore"
	after, err := registerAnyway(back.FrontDesk.Patients, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.SyncReplica(ctx); err != nil {
		t.Fatal(err)
	}
	if view, _ := back.Admin.Admin.Replication(); view.Running == nil || view.Running.Error != "" {
		t.Errorf("the replica after the restore: %+v", view.Running)
	}
	back.Close()

	again := t.TempDir()
	if _, err := app.RestoreReplica(ctx, again, target, time.Time{}, app.RestoreOptions{}, app.Options{Logger: quietLog}); err != nil {
		t.Fatal(err)
	}
	last := signInAll(t, openTestApp(t, again, newClock(testStart.Add(2*time.Hour))))
	for _, tt := range []struct {
		id   string
		want bool
	}{{a.ID, true}, {after.ID, true}, {replaced.ID, false}} {
		if _, err := last.FrontDesk.Patients.Open(tt.id); (err == nil) != tt.want {
			t.Errorf("patient %s in the replica's latest state: %v, want %v", tt.id, err == nil, tt.want)
		}
	}
}
