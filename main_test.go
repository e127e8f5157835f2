package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/db"
)

// folio runs the command line with args and no standard input, and returns
// what it printed.
func folio(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return folioIn(t, "", args...)
}

func folioIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out)
	return out.String(), err
}

func mustFolio(t *testing.T, args ...string) string {
	t.Helper()
	out, err := folio(t, args...)
	if err != nil {
		t.Fatalf("folio %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// dataDir is an empty data folder; FOLIO_DATA points elsewhere, so that a
// command that ignored --data would show up.
func dataDir(t *testing.T) string {
	t.Helper()
	t.Setenv("FOLIO_DATA", filepath.Join(t.TempDir(), "not-this-one"))
	return filepath.Join(t.TempDir(), "data")
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

func TestVersion(t *testing.T) {
	out := mustFolio(t, "version")
	if !regexp.MustCompile(`^folio \S+ \(database schema \d+, \w+/\w+\)\n$`).MatchString(out) ||
		!strings.Contains(out, fmt.Sprintf("schema %d", db.SchemaVersion())) {
		t.Errorf("version printed %q", out)
	}
}

func TestHelp(t *testing.T) {
	out := mustFolio(t, "help")
	for _, cmd := range []string{"serve", "setup", "demo", "backup", "restore", "check", "version"} {
		if !strings.Contains(out, "folio "+cmd) {
			t.Errorf("help does not list %s:\n%s", cmd, out)
		}
	}
	for _, cmd := range []string{"setup", "demo", "backup", "restore", "check", "serve"} {
		t.Run(cmd, func(t *testing.T) {
			out, err := folio(t, cmd, "--help")
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("folio %s --help: err = %v, want flag.ErrHelp", cmd, err)
			}
			if !strings.Contains(out, "Usage: folio "+cmd) || !strings.Contains(out, "-data") {
				t.Errorf("folio %s --help printed %q to the given output", cmd, out)
			}
		})
	}
}

func TestUsageMistakesExitWith2(t *testing.T) {
	dir := dataDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"setup", "--bogus"}, "bogus"},
		{[]string{"--bogus"}, "bogus"},
		{[]string{"demo", "--patients", "many"}, "invalid value"},
		{[]string{"demo", "--patients", "0", "--data", dir}, "between 1 and"},
		{[]string{"demo", "--patients", "5000001", "--data", dir}, "between 1 and"},
		{[]string{"backup", "--data", dir}, "--out"},
		{[]string{"restore", "--data", dir}, "--from"},
		{[]string{"check", "--data", dir, "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--data", dir, "--addr", "0.0.0.0:8765"}, "only listens on this PC"},
		{[]string{"serve", "--data", dir, "--addr", "192.168.1.5:80"}, "only listens on this PC"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := folio(t, tt.args...)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("exit %d, err %v; want 2 and %q", code, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a usage mistake created the data folder")
	}
}

func TestSetup(t *testing.T) {
	dir := dataDir(t)
	args := []string{"setup", "--data", dir, "--clinic", "Hill Clinic", "--username", "boss", "--full-name", "Bo Boss"}

	// A short password is refused and no account is made.
	_, err := folioIn(t, "short\n", args...)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password: %v", err)
	}
	if info, err := db.Verify(context.Background(), filepath.Join(dir, db.FileName)); err == nil && info.Users != 0 {
		t.Fatalf("a refused setup made %d users", info.Users)
	}

	out, err := folioIn(t, "a-good-long-password\r\n", args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Hill Clinic") || !strings.Contains(out, `"boss"`) {
		t.Errorf("setup printed %q", out)
	}
	info, err := db.Verify(context.Background(), filepath.Join(dir, db.FileName))
	if err != nil || info.Users != 1 || info.ClinicName != "Hill Clinic" {
		t.Fatalf("after setup: %+v, %v", info, err)
	}
	// Only once.
	_, err = folioIn(t, "another-long-password\n", args...)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "already set up") {
		t.Errorf("second setup: %v", err)
	}
}

func TestSetupUsesFolioData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "from-env")
	t.Setenv("FOLIO_DATA", dir)
	_, err := folioIn(t, "a-good-long-password", "setup", "--clinic", "Env Clinic", "--username", "boss", "--full-name", "B")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := db.Verify(context.Background(), filepath.Join(dir, db.FileName)); err != nil || info.ClinicName != "Env Clinic" {
		t.Errorf("FOLIO_DATA was not used: %+v, %v", info, err)
	}
}

// demoPatients lists a data folder's patients by MRN.
func demoPatients(t *testing.T, dir string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(dir, db.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT mrn, family_name, given_names, birth_date, sex, phone FROM patients ORDER BY mrn")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var mrn, family, given, birth, sex, phone string
		if err := rows.Scan(&mrn, &family, &given, &birth, &sex, &phone); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{mrn, family, given, birth, sex, phone}, "|"))
	}
	return out
}

func TestDemoIsReproducible(t *testing.T) {
	one, two := dataDir(t), filepath.Join(t.TempDir(), "two")
	out := mustFolio(t, "demo", "--patients", "200", "--seed", "7", "--data", one)
	if !strings.Contains(out, "Generated 200 synthetic patients") || !strings.Contains(out, "Demo account: admin") {
		t.Errorf("demo printed %q", out)
	}
	mustFolio(t, "demo", "--patients", "200", "--seed", "7", "--data", two)
	a, b := demoPatients(t, one), demoPatients(t, two)
	if len(a) != 200 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("two demos with seed 7 differ (%d and %d patients)", len(a), len(b))
	}
	// A second demo in the same folder adds patients and no accounts.
	out = mustFolio(t, "demo", "--patients", "10", "--seed", "8", "--data", one)
	if strings.Contains(out, "Demo account") {
		t.Errorf("second demo printed accounts: %q", out)
	}
	if n := len(demoPatients(t, one)); n != 210 {
		t.Errorf("%d patients after a second demo, want 210", n)
	}
}

func TestBackupAndRestore(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "50", "--data", dir)
	backup := filepath.Join(t.TempDir(), "backup.db")
	out := mustFolio(t, "backup", "--data", dir, "--out", backup)
	if !strings.Contains(out, "50 patients, 3 users") || !strings.Contains(out, "verified") {
		t.Errorf("backup printed %q", out)
	}
	want := demoPatients(t, dir)

	// An existing file is never overwritten.
	before, _ := os.ReadFile(backup)
	if _, err := folio(t, "backup", "--data", dir, "--out", backup); exitCode(err) == 0 {
		t.Error("backup onto an existing file succeeded")
	}
	if after, _ := os.ReadFile(backup); !bytes.Equal(before, after) {
		t.Error("a refused backup changed the existing file")
	}

	mustFolio(t, "demo", "--patients", "20", "--seed", "2", "--data", dir)
	out = mustFolio(t, "restore", "--data", dir, "--from", backup)
	if !strings.Contains(out, "Demo Clinic: 50 patients, 3 users") || !strings.Contains(out, "kept as") {
		t.Errorf("restore printed %q", out)
	}
	if got := demoPatients(t, dir); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after restore: %d patients, want the backup's %d", len(got), len(want))
	}
	kept := regexp.MustCompile(`kept as (\S+)\.\n`).FindStringSubmatch(out)
	if kept == nil {
		t.Fatalf("restore did not say where the replaced file is: %q", out)
	}
	if info, err := db.Verify(context.Background(), kept[1]); err != nil || info.Patients != 70 {
		t.Errorf("kept file %s: %+v, %v", kept[1], info, err)
	}
	if out := mustFolio(t, "check", "--data", dir); !strings.Contains(out, "Audit trail: intact") {
		t.Errorf("check after restore: %q", out)
	}
}

func TestRestoreRefusals(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "20", "--data", dir)
	backup := filepath.Join(t.TempDir(), "backup.db")
	mustFolio(t, "backup", "--data", dir, "--out", backup)
	mustFolio(t, "demo", "--patients", "5", "--seed", "3", "--data", dir)
	live := filepath.Join(dir, db.FileName)
	liveBytes := func() []byte {
		b, err := os.ReadFile(live)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := liveBytes()
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte(strings.Repeat("not a database\n", 400)), 0o600)
	whole, _ := os.ReadFile(backup)
	truncated := filepath.Join(t.TempDir(), "truncated.db")
	os.WriteFile(truncated, whole[:len(whole)/2], 0o600)

	for _, from := range []string{notes, truncated, filepath.Join(t.TempDir(), "missing.db")} {
		_, err := folio(t, "restore", "--data", dir, "--from", from)
		if exitCode(err) == 0 || !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("restore from %s: %v", filepath.Base(from), err)
		}
		if !bytes.Equal(before, liveBytes()) {
			t.Fatalf("restore from %s changed the live database", filepath.Base(from))
		}
	}

	// A running Folio holds the data folder's lock: restore waits for it to close.
	unlock, err := lockDataDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = folio(t, "restore", "--data", dir, "--from", backup)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "Folio is running") {
		t.Errorf("restore while Folio runs: %v", err)
	}
	if !bytes.Equal(before, liveBytes()) {
		t.Fatal("a refused restore changed the live database")
	}
	// And while a restore holds it, Folio does not start.
	unlock()
	restoring, err := lockDataDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = folio(t, "check", "--data", dir)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "restore is running") {
		t.Errorf("check during a restore: %v", err)
	}
	restoring()
	mustFolio(t, "restore", "--data", dir, "--from", backup)
}

func TestCheck(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "30", "--data", dir)
	out := mustFolio(t, "check", "--data", dir)
	if !strings.Contains(out, "intact (schema") || !strings.Contains(out, "30 patients, 3 users") ||
		!regexp.MustCompile(`Audit trail: intact \(\d+ entries\)`).MatchString(out) {
		t.Errorf("check printed %q", out)
	}

	// Tamper with one audit entry the way a SQLite tool could.
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(dir, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(`DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'nothing happened' WHERE seq = 2`)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = folio(t, "check", "--data", dir)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "BROKEN") || !strings.Contains(err.Error(), "entry 2 was changed") {
		t.Errorf("check of a tampered trail: %v", err)
	}

	// A folder with no database is an error, not a new empty one.
	empty := filepath.Join(t.TempDir(), "empty")
	if _, err := folio(t, "check", "--data", empty); exitCode(err) == 0 {
		t.Error("check of an empty folder succeeded")
	}
	if _, err := os.Stat(filepath.Join(empty, db.FileName)); !os.IsNotExist(err) {
		t.Error("check created a database")
	}
}

func TestCheckCorrupt(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "1500", "--data", dir)
	path := filepath.Join(dir, db.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 4; i < len(b)*3/4; i++ {
		b[i] = byte(i*131 + 7)
	}
	os.WriteFile(path, b, 0o600)
	if _, err := folio(t, "check", "--data", dir); exitCode(err) == 0 {
		t.Error("check of a corrupt database succeeded")
	}
}

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServe runs `folio serve` on a free port, fetches the bundled UI, and
// stops it with the context, as Ctrl+C would.
func TestServe(t *testing.T) {
	dir := dataDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out)
	}()
	addr := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
	var base string
	for range 500 {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if base == "" {
		t.Fatalf("serve did not say where it listens: %q", out.String())
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := os.ReadFile(filepath.Join("frontend", "dist", "index.html"))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(page, want) || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET /: %s, %d bytes (index.html has %d)", resp.Status, len(page), len(want))
	}
	// While it serves, a restore is refused.
	if _, err := folio(t, "restore", "--data", dir, "--from", filepath.Join(dir, db.FileName)); exitCode(err) == 0 {
		t.Error("restore while serving succeeded")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context was cancelled")
	}
}
