package db

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clinicDB is an open chart database with a clinic name, a user, patients
// and audit entries.
func clinicDB(t *testing.T, clinic string, patients int) *DB {
	t.Helper()
	d := openTestDB(t)
	u := addTestUser(t, d, "admin", "admin")
	mustUpdate(t, d, func(tx *Tx) error { return tx.SetSetting("clinic.name", clinic) })
	for i := range patients {
		addTestPatient(t, d, u, i+1, "Family", clinic)
	}
	appendTestAudit(t, d, 4)
	return d
}

func TestBackupAndVerify(t *testing.T) {
	ctx := context.Background()
	d := clinicDB(t, "North Clinic", 3)
	// A folder that is not there is refused, not made: a mistyped path
	// would hide the backup where nobody looks.
	nested := filepath.Join(t.TempDir(), "nested")
	if err := d.BackupTo(ctx, filepath.Join(nested, "backup.db")); err == nil || !strings.Contains(err.Error(), nested+" does not exist") {
		t.Errorf("backup into a missing folder: %v", err)
	}
	if _, err := os.Stat(nested); !os.IsNotExist(err) {
		t.Errorf("a refused backup made its folder: %v", err)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := d.BackupTo(ctx, dest); err != nil {
		t.Fatal(err)
	}
	info, err := Verify(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	want := FileInfo{Schema: SchemaVersion(), ClinicName: "North Clinic", Patients: 3, Users: 1, LastEntry: info.LastEntry}
	if info != want || info.LastEntry == "" {
		t.Errorf("Verify = %+v, want %+v", info, want)
	}
	if _, err := os.Stat(dest + ".partial"); !os.IsNotExist(err) {
		t.Errorf("the backup's temporary file was left behind: %v", err)
	}
	// The backup is a whole file on its own: no WAL beside it is needed.
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(dest + suffix); err == nil {
			t.Errorf("backup has a %s file beside it", suffix)
		}
	}

	before, _ := os.ReadFile(dest)
	err = d.BackupTo(ctx, dest)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup onto an existing file: err = %v", err)
	}
	if after, _ := os.ReadFile(dest); !bytes.Equal(before, after) {
		t.Fatal("a refused backup changed the existing file")
	}
}

func TestBackupOfMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	err := Backup(context.Background(), filepath.Join(dir, FileName), filepath.Join(dir, "b.db"))
	if err == nil || !strings.Contains(err.Error(), "no chart database") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Error("backing up a missing database created it")
	}
}

func TestVerifyRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.db")
	conn := rawConn(t, plain)
	if _, err := conn.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 500)), 0o600)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	tests := []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "missing.db"), "cannot read"},
		{"text file", text, "not a readable chart database"},
		{"empty file", empty, "not a Folio chart database"},
		{"other SQLite file", plain, "not a Folio chart database"},
	}
	for _, tt := range tests {
		if _, err := Verify(ctx, tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !os.IsNotExist(err) {
		t.Error("Verify created the missing file")
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	src := clinicDB(t, "Source Clinic", 5)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := src.BackupTo(ctx, backup); err != nil {
		t.Fatal(err)
	}
	live := clinicDB(t, "Live Clinic", 1)
	livePath := live.Path()
	live.Close()

	kept, err := Restore(ctx, backup, livePath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kept, livePath+".before-restore-") {
		t.Fatalf("kept as %q", kept)
	}
	if info, err := Verify(ctx, kept); err != nil || info.ClinicName != "Live Clinic" || info.Patients != 1 {
		t.Errorf("kept file: %+v, %v", info, err)
	}
	d, err := Open(ctx, livePath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	var name string
	err = d.View(ctx, func(tx *Tx) (err error) {
		if n, err = tx.CountPatients(); err != nil {
			return err
		}
		name, _, err = tx.Setting("clinic.name")
		return err
	})
	if err != nil || n != 5 || name != "Source Clinic" {
		t.Errorf("restored: %d patients, clinic %q, err %v", n, name, err)
	}
	if c := verifyAudit(t, d); c.Problem != "" || c.Entries != 4 {
		t.Errorf("restored audit: %+v", c)
	}
	if _, err := os.Stat(livePath + ".restoring"); !os.IsNotExist(err) {
		t.Error("the restore's temporary file was left behind")
	}
}

func TestRestoreIntoEmptyFolder(t *testing.T) {
	ctx := context.Background()
	src := clinicDB(t, "Source Clinic", 2)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := src.BackupTo(ctx, backup); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(t.TempDir(), "new", FileName)
	kept, err := Restore(ctx, backup, live)
	if err != nil || kept != "" {
		t.Fatalf("Restore = %q, %v", kept, err)
	}
	if info, err := Verify(ctx, live); err != nil || info.Patients != 2 {
		t.Fatalf("restored file: %+v, %v", info, err)
	}
}

// TestRestoreOfBadFileChangesNothing checks that a backup that does not
// verify leaves the live database exactly as it was.
func TestRestoreOfBadFileChangesNothing(t *testing.T) {
	ctx := context.Background()
	src := clinicDB(t, "Source Clinic", 300)
	good := filepath.Join(t.TempDir(), "good.db")
	if err := src.BackupTo(ctx, good); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.db")
	os.WriteFile(truncated, whole[:len(whole)/2], 0o600)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 500)), 0o600)
	smashed := filepath.Join(dir, "smashed.db")
	os.WriteFile(smashed, whole, 0o600)
	smashMiddle(t, smashed)
	newer := filepath.Join(dir, "newer.db")
	os.WriteFile(newer, whole, 0o600)
	c := rawConn(t, newer)
	if _, err := c.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	c.Close()

	live := clinicDB(t, "Live Clinic", 1)
	livePath := live.Path()
	live.Close()
	before, err := os.ReadFile(livePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{truncated, text, smashed, newer, filepath.Join(dir, "missing.db")} {
		t.Run(filepath.Base(from), func(t *testing.T) {
			kept, err := Restore(ctx, from, livePath)
			if err == nil {
				t.Fatalf("Restore of %s succeeded (kept %q)", from, kept)
			}
			after, err := os.ReadFile(livePath)
			if err != nil || !bytes.Equal(before, after) {
				t.Fatalf("the live file changed (err %v)", err)
			}
			leftovers, _ := filepath.Glob(livePath + ".*")
			if len(leftovers) > 0 {
				t.Fatalf("files left beside the live database: %v", leftovers)
			}
		})
	}
	var ne *NewerSchemaError
	if _, err := Restore(ctx, newer, livePath); !errors.As(err, &ne) {
		t.Errorf("restore of a newer file: err = %v, want *NewerSchemaError", err)
	}
}

// TestRestoreTwiceKeepsBothReplacedFiles: restoring the wrong backup and
// then the right one, moments apart, must not lose the original database.
func TestRestoreTwiceKeepsBothReplacedFiles(t *testing.T) {
	ctx := context.Background()
	var backups []string
	for _, clinic := range []string{"Wrong Clinic", "Right Clinic"} {
		d := clinicDB(t, clinic, 1)
		path := filepath.Join(t.TempDir(), "backup.db")
		if err := d.BackupTo(ctx, path); err != nil {
			t.Fatal(err)
		}
		backups = append(backups, path)
	}
	live := clinicDB(t, "Original Clinic", 1)
	livePath := live.Path()
	live.Close()

	first, err := Restore(ctx, backups[0], livePath)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Restore(ctx, backups[1], livePath)
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := filepath.Glob(livePath + ".before-restore-*")
	clinics := map[string]bool{}
	for _, path := range kept {
		if info, err := Verify(ctx, path); err == nil {
			clinics[info.ClinicName] = true
		}
	}
	if !clinics["Original Clinic"] || !clinics["Wrong Clinic"] {
		t.Errorf("kept files %v hold %v; the original database was lost (restores kept as %s and %s)",
			kept, clinics, filepath.Base(first), filepath.Base(second))
	}
}

// TestRestoreKeepsWholeFileAfterCrash: a live database left with changes
// still in its WAL (Folio was killed) is set aside whole, WAL folded in.
func TestRestoreKeepsWholeFileAfterCrash(t *testing.T) {
	ctx := context.Background()
	src := clinicDB(t, "Source Clinic", 1)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := src.BackupTo(ctx, backup); err != nil {
		t.Fatal(err)
	}

	d := clinicDB(t, "Crashed Clinic", 3)
	// Copy the file and its WAL while the database is open: what a killed
	// Folio leaves behind.
	crashed := filepath.Join(t.TempDir(), FileName)
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(d.Path() + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" && len(b) == 0 {
			t.Fatal("the WAL is empty; the test needs changes in it")
		}
		if err := os.WriteFile(crashed+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := Restore(ctx, backup, crashed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(kept + "-wal"); err == nil {
		t.Error("the kept file needs a WAL beside it")
	}
	if _, err := os.Stat(crashed + "-wal"); err == nil {
		t.Error("the old WAL was left beside the restored file")
	}
	info, err := Verify(ctx, kept)
	if err != nil || info.ClinicName != "Crashed Clinic" || info.Patients != 3 {
		t.Errorf("kept file: %+v, %v; want the crashed clinic's 3 patients", info, err)
	}
	if info, err := Verify(ctx, crashed); err != nil || info.ClinicName != "Source Clinic" {
		t.Errorf("restored file: %+v, %v", info, err)
	}
}
