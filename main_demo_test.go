package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/demo"
	"folio/db"
)

// folderState is every file under dir with its size and content hash, so
// that a test can tell that a refused command changed nothing.
func folderState(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			lines = append(lines, rel+"/")
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%s %d %x", rel, len(b), sha256.Sum256(b)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// clinicUsers lists a data folder's accounts.
func clinicUsers(t *testing.T, dir string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(dir, db.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT username FROM users ORDER BY username")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		rows.Scan(&u)
		out = append(out, u)
	}
	return out
}

// services finds a session's Auth and Admin services.
func services(a *app.App, s *app.Session) (*app.Auth, *app.Admin, *app.Patients) {
	var auth *app.Auth
	var admin *app.Admin
	var patients *app.Patients
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Admin:
			admin = v
		case *app.Patients:
			patients = v
		}
	}
	return auth, admin, patients
}

func quietOpen(t *testing.T, dir string) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), dir, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDemoRefusesAFolderItDidNotMake is the outside test's finding: a demo
// run on a real clinic failed half-way and left nine clinician accounts
// with a published password. Now every folder that is neither empty nor a
// demo clinic is refused before anything is written.
func TestDemoRefusesAFolderItDidNotMake(t *testing.T) {
	real := dataDir(t)
	if _, err := folioIn(t, "a-good-long-password\n", "setup", "--data", real, "--clinic", "Hill Clinic",
		"--username", "boss", "--full-name", "Bo Boss"); err != nil {
		t.Fatal(err)
	}
	withPatients := filepath.Join(t.TempDir(), "patients")
	mustFolio(t, "demo", "--patients", "3", "--data", withPatients)
	// A clinic that holds patients but no demo mark: made by hand or by an
	// earlier Folio, it is someone's.
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(withPatients, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("DELETE FROM settings WHERE key = ?", db.SettingDemoClinic); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	papers := filepath.Join(t.TempDir(), "papers")
	os.Mkdir(papers, 0o700)
	os.WriteFile(filepath.Join(papers, "letter.txt"), []byte("Dear Dr. Lee,"), 0o600)
	aFile := writeFile(t, "not a folder")

	for _, tc := range []struct {
		name, dir string
		args      []string
		says      string
	}{
		{"a clinic made with folio setup", real, []string{"--patients", "1", "--appointments", "5"}, "Hill Clinic"},
		{"the same, appointments only", real, []string{"--patients", "0", "--appointments", "5"}, "not made by folio demo"},
		{"a clinic with patients and no demo mark", withPatients, []string{"--patients", "1"}, "not made by folio demo"},
		{"a folder of other files", papers, []string{"--patients", "1"}, "letter.txt"},
		{"a file", aFile, []string{"--patients", "1"}, "not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := folderState(t, filepath.Dir(tc.dir))
			_, err := folio(t, append([]string{"demo", "--data", tc.dir}, tc.args...)...)
			if exitCode(err) == 0 || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("exit %d, %v; want a refusal saying %q", exitCode(err), err, tc.says)
			}
			if after := folderState(t, filepath.Dir(tc.dir)); after != before {
				t.Errorf("a refused demo changed files:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	if users := clinicUsers(t, real); strings.Join(users, " ") != "boss" {
		t.Errorf("the real clinic's accounts after refused demos: %v", users)
	}
}

// TestDemoIsAllOrNothing stops demo runs half-way, as Ctrl+C would: a new
// folder is left as it was (missing, or empty), and a demo clinic keeps
// exactly what it had.
func TestDemoIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	stopAfter := func(step string) (context.Context, demo.Options) {
		ctx, cancel := context.WithCancel(ctx)
		t.Cleanup(cancel)
		var steps []string
		return ctx, demo.Options{Patients: 40, Appointments: 30, Charts: 2, Seed: 1, Progress: func(s string) {
			steps = append(steps, s)
			if s == step {
				cancel()
			}
		}}
	}

	missing := filepath.Join(t.TempDir(), "new", "clinic")
	runCtx, opts := stopAfter("patients")
	if err := makeDemo(runCtx, missing, opts, io.Discard); err == nil {
		t.Fatal("a demo stopped half-way succeeded")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(missing))); !os.IsNotExist(err) {
		t.Errorf("a failed demo left its folder behind: %v", err)
	}

	empty := t.TempDir()
	runCtx, opts = stopAfter("accounts")
	if err := makeDemo(runCtx, empty, opts, io.Discard); err == nil {
		t.Fatal("a demo stopped half-way succeeded")
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a failed demo left %d files in a folder that was empty", len(entries))
	}

	// A demo clinic that a second run adds to.
	clinic := dataDir(t)
	mustFolio(t, "demo", "--patients", "25", "--data", clinic)
	patients, users := demoPatients(t, clinic), clinicUsers(t, clinic)
	before := folderState(t, clinic)
	for _, step := range []string{"patients", "appointments"} {
		runCtx, opts = stopAfter(step)
		opts.Seed = 2
		if err := makeDemo(runCtx, clinic, opts, io.Discard); err == nil {
			t.Fatalf("a demo stopped after %s succeeded", step)
		}
		if got := demoPatients(t, clinic); len(got) != len(patients) {
			t.Errorf("stopped after %s: %d patients, want the %d it had", step, len(got), len(patients))
		}
		if got := clinicUsers(t, clinic); strings.Join(got, " ") != strings.Join(users, " ") {
			t.Errorf("stopped after %s: accounts %v, want %v", step, got, users)
		}
		if after := folderState(t, clinic); after != before {
			t.Errorf("stopped after %s, the folder changed:\nbefore:\n%s\nafter:\n%s", step, before, after)
		}
	}
	// And a whole run still adds.
	mustFolio(t, "demo", "--patients", "5", "--seed", "3", "--data", clinic)
	if got := demoPatients(t, clinic); len(got) != 30 {
		t.Errorf("%d patients after adding 5 to 25", len(got))
	}
	if out := mustFolio(t, "check", "--data", clinic); !strings.Contains(out, "Audit trail: intact") {
		t.Errorf("check after the demo runs: %q", out)
	}
}

// TestDemoRefusedWhileFolioRuns: a demo replaces the chart file at its end,
// so it waits for no Folio to have the folder open.
func TestDemoRefusedWhileFolioRuns(t *testing.T) {
	clinic := dataDir(t)
	mustFolio(t, "demo", "--patients", "5", "--data", clinic)
	unlock, err := lockDataDir(clinic, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	before := folderState(t, clinic)
	_, err = folio(t, "demo", "--patients", "5", "--data", clinic)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "Folio is running") {
		t.Errorf("demo while Folio runs: %v", err)
	}
	if after := folderState(t, clinic); after != before {
		t.Errorf("a refused demo changed the folder")
	}
}

// TestDemoTakesAClinicNotYetSetUp: the window's first run makes a chart
// file (and the clinic's certificates) before anyone sets the clinic up;
// with no account and no patient in it, it is empty, and a demo may go
// there.
func TestDemoTakesAClinicNotYetSetUp(t *testing.T) {
	dir := dataDir(t)
	a := quietOpen(t, dir)
	a.Close()
	if _, err := clinicca.Open(tlsDir(dir), clinicca.Options{}); err != nil {
		t.Fatal(err)
	}
	out := mustFolio(t, "demo", "--patients", "4", "--data", dir)
	if !strings.Contains(out, "Demo account: admin") {
		t.Errorf("demo printed %q", out)
	}
	if got := demoPatients(t, dir); len(got) != 4 {
		t.Errorf("%d patients", len(got))
	}
	if out := mustFolio(t, "check", "--data", dir); !strings.Contains(out, "Audit trail: intact") {
		t.Errorf("check: %q", out)
	}
}
