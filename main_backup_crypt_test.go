package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/app"
)

// TestEncryptedBackupRestores: with encryption on, the scheduled backup's
// copy in the second folder is encrypted (nothing of the charts readable
// there); `folio restore --from FILE.db.age` with the passphrase on
// standard input brings the clinic back, key and all; a wrong passphrase
// changes nothing.
func TestEncryptedBackupRestores(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "4", "--data", dir)
	second := t.TempDir()
	const passphrase = "hill clinic off-site copies"
	a, admin := demoAdmin(t, dir)
	if _, err := admin.SetBackupSchedule(app.BackupScheduleInput{DailyTime: "18:30", SecondFolder: second}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SetBackupEncryption(app.BackupEncryptionInput{Passphrase: passphrase, Repeat: passphrase}); err == nil {
		t.Fatal("encryption was turned on without the admin's confirmation")
	}
	sched, err := admin.SetBackupEncryption(app.BackupEncryptionInput{Passphrase: passphrase, Repeat: passphrase, Understood: true})
	if err != nil || !sched.Encrypted || sched.ConfirmedBy != "admin" {
		t.Fatalf("%+v %v", sched, err)
	}
	runs, err := a.RunDueBackups(context.Background())
	if err != nil || len(runs) == 0 || !runs[0].OK {
		t.Fatalf("the scheduled backup: %+v %v", runs, err)
	}
	a.Close()
	copies, _ := filepath.Glob(filepath.Join(second, "*"))
	var encrypted string
	for _, c := range copies {
		switch {
		case strings.HasSuffix(c, "-scheduled.db.age"):
			encrypted = c
		case strings.HasSuffix(c, ".age"):
		default:
			t.Errorf("a plain file in the second folder: %s", c)
		}
		raw, _ := os.ReadFile(c)
		if strings.Contains(string(raw), "SQLite format") || strings.Contains(string(raw), "Demo Clinic") {
			t.Errorf("%s shows what it holds", c)
		}
	}
	if encrypted == "" {
		t.Fatalf("no encrypted backup among %v", copies)
	}

	target := filepath.Join(t.TempDir(), "data")
	if _, err := folioIn(t, "not the passphrase\n", "restore", "--from", encrypted, "--data", target); err == nil ||
		!strings.Contains(err.Error(), "passphrase does not open") {
		t.Errorf("a wrong passphrase: %v", err)
	}
	if _, err := os.Stat(filepath.Join(target, "folio.db")); err == nil {
		t.Error("a refused restore left a database")
	}
	out, err := folioIn(t, passphrase+"\n", "restore", "--from", encrypted, "--data", target)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Restored "+encrypted) || strings.Contains(out, "Warning") {
		t.Errorf("printed %q", out)
	}
	if out, err := folio(t, "check", "--data", target); err != nil {
		t.Errorf("folio check: %v\n%s", err, out)
	}
	if n := len(patientIDs(t, target)); n != 4 {
		t.Errorf("the restored clinic has %d patients", n)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(target, ".decrypted-*")); len(leftovers) > 0 {
		t.Errorf("left behind: %v", leftovers)
	}
}
