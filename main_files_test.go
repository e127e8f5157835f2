//go:build unix

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"folio/app/demo"
	"folio/db"
)

// wantMode fails the test unless path has exactly the permission bits want.
func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s is %v, want %v", path, got, want)
	}
}

// TestFilesAreTheOwnersOnly: the chart database, its WAL, the lock,
// backups and every export are readable by the owner only, also under
// the usual umask 022 that would leave files a program makes 0644.
func TestFilesAreTheOwnersOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)

	dir := dataDir(t)
	out := mustFolio(t, "demo", "--patients", "20", "--charts", "1", "--data", dir)
	mrn := regexp.MustCompile(`Charted patients \(MRN\): (\S+)`).FindStringSubmatch(out)
	if mrn == nil {
		t.Fatalf("demo printed %q", out)
	}
	wantMode(t, dir, 0o700)
	wantMode(t, filepath.Join(dir, db.FileName), 0o600)
	wantMode(t, filepath.Join(dir, "folio.lock"), 0o600)

	// While Folio has the database open and has written, the WAL and
	// shared-memory files exist: SQLite makes them itself.
	a := quietOpen(t, dir)
	if _, err := a.RegisterPatients("admin", demo.Patients(1, 99)); err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Join(dir, db.FileName+"-wal"), 0o600)
	wantMode(t, filepath.Join(dir, db.FileName+"-shm"), 0o600)
	backup, err := a.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Dir(backup), 0o700)
	wantMode(t, backup, 0o600)

	// The clinic export of the admin's screen, into exports/ in the data folder.
	s := a.NewSession("test")
	auth, admin, _ := services(a, s)
	if _, err := auth.Login("admin", "demo-admin-pass"); err != nil {
		t.Fatal(err)
	}
	started, err := admin.StartClinicExport("")
	if err != nil {
		t.Fatal(err)
	}
	for st := started; st.Running; st, _ = admin.ClinicExportStatus() {
		time.Sleep(20 * time.Millisecond)
	}
	if st, _ := admin.ClinicExportStatus(); st.Error != "" || st.Counts == nil {
		t.Fatalf("clinic export: %+v", st)
	}
	wantMode(t, filepath.Join(dir, "exports"), 0o700)
	wantFolderPrivate(t, started.Dir)
	a.Close()

	elsewhere := t.TempDir()
	file := filepath.Join(elsewhere, "b.db")
	mustFolio(t, "backup", "--data", dir, "--out", file)
	wantMode(t, file, 0o600)
	bulk := filepath.Join(elsewhere, "bulk")
	mustFolio(t, "export", "--all", "--out", bulk, "--data", dir)
	wantMode(t, bulk, 0o700)
	wantFolderPrivate(t, bulk)
	referral := filepath.Join(elsewhere, "referral.folio")
	mustFolio(t, "export", "--patient", mrn[1], "--out", referral, "--recipient", "Northside Clinic", "--purpose", "referral",
		"--data", dir)
	wantMode(t, referral, 0o600)

	// A database an earlier Folio left readable by all is made the owner's
	// when Folio next opens it.
	live := filepath.Join(dir, db.FileName)
	os.Chmod(live, 0o644)
	mustFolio(t, "export", "--all", "--out", filepath.Join(elsewhere, "again"), "--data", dir)
	wantMode(t, live, 0o600)
}

// wantFolderPrivate checks every file and folder under dir.
func wantFolderPrivate(t *testing.T, dir string) {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		n++
		if d.IsDir() {
			wantMode(t, path, 0o700)
		} else {
			wantMode(t, path, 0o600)
		}
		return nil
	})
	if n < 3 {
		t.Errorf("%s holds only %d entries", dir, n)
	}
}

// TestBackupRefusesAMissingFolder: a mistyped --out must not make folders
// (as root, where nobody would look for them).
func TestBackupRefusesAMissingFolder(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "3", "--data", dir)
	root := t.TempDir()
	out := filepath.Join(root, "no", "such", "dir", "b.db")
	_, err := folio(t, "backup", "--data", dir, "--out", out)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), filepath.Join(root, "no", "such", "dir")) ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Errorf("backup into a missing folder: exit %d, %v", exitCode(err), err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("a refused backup made %s", entries[0].Name())
	}
}

// TestCommandsRefuseAFolderWithoutAClinic: a command that works on a
// clinic refuses a folder that holds none, and makes nothing there: not
// the folder, not a chart database, not a lock.
func TestCommandsRefuseAFolderWithoutAClinic(t *testing.T) {
	ips := filepath.Join("app", "fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-01.json")
	elsewhere := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"export --all", []string{"export", "--all", "--out", filepath.Join(elsewhere, "bulk")}},
		{"export --patient", []string{"export", "--patient", "1", "--out", filepath.Join(elsewhere, "r.folio"),
			"--recipient", "r", "--purpose", "p"}},
		{"import", []string{"import", ips, "--new"}},
		{"backup", []string{"backup", "--out", filepath.Join(elsewhere, "b.db")}},
		{"check", []string{"check"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			missing := filepath.Join(t.TempDir(), "typo")
			empty := t.TempDir()
			for _, dir := range []string{missing, empty} {
				_, err := folio(t, append(tc.args, "--data", dir)...)
				if exitCode(err) == 0 || !strings.Contains(err.Error(), "no Folio clinic in "+dir) {
					t.Errorf("%s: exit %d, %v", dir, exitCode(err), err)
				}
			}
			if _, err := os.Stat(missing); !os.IsNotExist(err) {
				t.Errorf("the refused command made the folder %s", missing)
			}
			if entries, _ := os.ReadDir(empty); len(entries) != 0 {
				t.Errorf("the refused command made %s in an empty folder", entries[0].Name())
			}
			if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
				t.Errorf("the refused command wrote %s", entries[0].Name())
			}
		})
	}
}
