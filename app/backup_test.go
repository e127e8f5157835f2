package app_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

// TestBackupRestoreRoundTrip restores one clinic's backup over another
// clinic's data folder.
func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newTestApp(t)
	var registered []app.Patient
	for i := range 3 {
		in := samplePatient()
		in.GivenNames = fmt.Sprintf("Child %d", i)
		registered = append(registered, src.register(t, in))
	}
	backup, err := src.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	srcAudit := src.audit(t)

	// Another data folder, with a clinic of its own.
	other := newFreshApp(t)
	if _, err := other.SetupClinic(app.SetupRequest{ClinicName: "Other Clinic", Username: "other",
		FullName: "Oth Er", Password: "other-password"}, "pc"); err != nil {
		t.Fatal(err)
	}
	other.Close()
	live := filepath.Join(other.Dir, db.FileName)
	kept, err := db.Restore(ctx, backup, live)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(kept), db.FileName+".before-restore-") || filepath.Dir(kept) != other.Dir {
		t.Errorf("the replaced file was kept as %q", kept)
	}
	if info, err := db.Verify(ctx, kept); err != nil || info.ClinicName != "Other Clinic" {
		t.Errorf("kept file: %+v, %v", info, err)
	}

	restored := openTestApp(t, other.Dir, newClock(testStart.Add(time.Hour)))
	// The audit trail came along whole.
	restoredAudit := restored.audit(t)
	if len(restoredAudit) != len(srcAudit) {
		t.Fatalf("restored audit has %d entries; the backup's source had %d", len(restoredAudit), len(srcAudit))
	}
	for i, e := range srcAudit {
		if restoredAudit[i].AuditEntry != e.AuditEntry {
			t.Fatalf("audit entry %d differs after restore: %+v vs %+v", e.Seq, restoredAudit[i].AuditEntry, e.AuditEntry)
		}
	}
	desk := restored.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1")
	for _, p := range registered {
		got, err := desk.Patients.Open(p.ID)
		if err != nil || got != p {
			t.Errorf("restored patient %s: %+v, %v", p.MRN, got, err)
		}
	}
	// ... and goes on from where it was.
	if c, err := restored.CheckAudit(); err != nil || c.Problem != "" || c.Entries != int64(len(srcAudit)+4) {
		t.Errorf("restored chain after a login and 3 opens: %+v, %v", c, err)
	}
	// The next MRN continues the restored clinic's numbers.
	if p, err := registerAnyway(desk.Patients, samplePatient()); err != nil || p.MRN != app.MRN(4) {
		t.Errorf("next registration after restore: %+v, %v", p, err)
	}
	_, err = restored.newCaller("pc").Auth.Login("other", "other-password")
	wantKind(t, err, app.Unauthenticated)
}

// TestBackupWhileRegistering takes backups while another goroutine keeps
// registering patients: each backup is one consistent moment.
func TestBackupWhileRegistering(t *testing.T) {
	ctx := context.Background()
	ta := newTestApp(t)
	stop := make(chan struct{})
	registered := make(chan int, 1)
	var wg sync.WaitGroup
	var regErr error
	wg.Go(func() {
		n := 0
		defer func() { registered <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			in := samplePatient()
			in.GivenNames = fmt.Sprintf("Patient %d", n)
			if _, err := registerAnyway(ta.FrontDesk.Patients, in); err != nil {
				regErr = err
				return
			}
			n++
		}
	})
	// Let some registrations land first.
	for ta.counts(t).Patients < 5 && regErr == nil {
		time.Sleep(time.Millisecond)
	}
	var backups []string
	for i := range 4 {
		dest := filepath.Join(t.TempDir(), fmt.Sprintf("b%d", i), db.FileName)
		os.Mkdir(filepath.Dir(dest), 0o700)
		if err := db.Backup(ctx, filepath.Join(ta.Dir, db.FileName), dest); err != nil {
			t.Fatal(err)
		}
		backups = append(backups, dest)
	}
	close(stop)
	wg.Wait()
	if regErr != nil {
		t.Fatalf("registering during backups: %v", regErr)
	}
	total := <-registered
	prev := 0
	for _, path := range backups {
		info, err := db.Verify(ctx, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if info.Patients < prev || info.Patients > total {
			t.Errorf("%s has %d patients (previous backup %d, registered %d)", path, info.Patients, prev, total)
		}
		prev = info.Patients
		raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var integrity string
		var registers int
		err = raw.QueryRow("PRAGMA integrity_check").Scan(&integrity)
		if err == nil {
			err = raw.QueryRow("SELECT count(*) FROM audit WHERE action = 'patient.register'").Scan(&registers)
		}
		raw.Close()
		if err != nil || integrity != "ok" {
			t.Fatalf("%s: integrity %q, %v", path, integrity, err)
		}
		if registers != info.Patients {
			t.Errorf("%s: %d patients but %d patient.register entries", path, info.Patients, registers)
		}
		b := openTestApp(t, filepath.Dir(path), newClock(testStart))
		if c, err := b.CheckAudit(); err != nil || c.Problem != "" {
			t.Errorf("%s: audit chain %+v, %v", path, c, err)
		}
		b.Close()
	}
}

// TestOpenCorruptNamesLatestBackup: a chart file that fails its check is
// refused, and the message says which backup to restore.
func TestOpenCorruptNamesLatestBackup(t *testing.T) {
	ctx := context.Background()
	ta := newFreshApp(t)
	if _, err := demo.Generate(ctx, ta.App, demo.Options{Patients: 1500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	older, err := ta.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	ta.Clock.Advance(time.Hour)
	latest, err := ta.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	ta.Close()
	live := filepath.Join(ta.Dir, db.FileName)
	smash(t, live)

	_, err = app.Open(ctx, ta.Dir, app.Options{Logger: quietLog})
	var ce *db.CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Open of a corrupt file: err = %v, want *db.CorruptError", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "folio restore --data "+ta.Dir+" --from "+latest) || strings.Contains(msg, older) {
		t.Errorf("message does not name the latest backup %s:\n%s", latest, msg)
	}

	// Without backups, the message says so and does not suggest deleting anything.
	os.RemoveAll(app.BackupDir(ta.Dir))
	_, err = app.Open(ctx, ta.Dir, app.Options{Logger: quietLog})
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "No backup was found") {
		t.Errorf("without backups: %v", err)
	}
}

// smash overwrites the middle half of a closed database file with garbage.
func smash(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 4; i < len(b)*3/4; i++ {
		b[i] = byte(i*131 + 7)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	ta := newFreshApp(t)
	ta.Close()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", db.SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = app.Open(context.Background(), ta.Dir, app.Options{Logger: quietLog})
	var ne *db.NewerSchemaError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "newer Folio") {
		t.Fatalf("err = %v, want *db.NewerSchemaError", err)
	}
}

func TestRegisterPatientsInBulk(t *testing.T) {
	ta := newTestApp(t)
	n, err := ta.RegisterPatients(adminUsername, demo.Patients(120, 9))
	if err != nil || n != 120 {
		t.Fatalf("RegisterPatients = %d, %v", n, err)
	}
	e := ta.lastAudit(t)
	if e.Action != "patient.register.bulk" || e.Username != adminUsername ||
		e.Detail != fmt.Sprintf("120 patients, MRN %s to %s", app.MRN(1), app.MRN(120)) {
		t.Errorf("bulk entry: %+v", e.AuditEntry)
	}
	if p := ta.register(t, samplePatient()); p.MRN != app.MRN(121) {
		t.Errorf("next MRN after the bulk load: %s", p.MRN)
	}

	// One bad patient refuses its whole batch, naming the patient.
	before := ta.counts(t)
	batch := func(yield func(app.PatientInput) bool) {
		good := samplePatient()
		bad := samplePatient()
		bad.GivenNames, bad.BirthDate = "Wrong", "1980-02-30"
		_ = yield(good) && yield(bad) && yield(good)
	}
	n, err = ta.RegisterPatients(adminUsername, batch)
	if err == nil || !strings.Contains(err.Error(), "Wrong Rivera") || !strings.Contains(err.Error(), "birthDate") {
		t.Errorf("bad batch: %v", err)
	}
	if n != 0 {
		t.Errorf("RegisterPatients says %d patients were registered from a batch it refused", n)
	}
	if after := ta.counts(t); after != before {
		t.Errorf("a refused batch wrote: %+v -> %+v", before, after)
	}
	if _, err := ta.RegisterPatients("nobody", demo.Patients(1, 1)); err == nil {
		t.Error("a bulk load as an unknown user succeeded")
	}
}
