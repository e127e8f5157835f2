package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testTime is the fixed "now" of rows the db tests write.
var testTime = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// openTestDB opens a new chart database in a throw-away folder.
func openTestDB(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// rawConn opens the chart file with plain database/sql, outside DB and its
// pragmas: the way someone tampering with the file would.
func rawConn(t *testing.T, path string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	t.Cleanup(func() { conn.Close() })
	return conn
}

func mustUpdate(t *testing.T, d *DB, fn func(*Tx) error) {
	t.Helper()
	if err := d.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// addTestUser stores an account; the hash is not a real one, the db layer
// does not care.
func addTestUser(t *testing.T, d *DB, username, role string) User {
	t.Helper()
	u := User{ID: "u-" + username, Username: username, FullName: "Test " + username, Role: role,
		PasswordHash: "not-a-hash", Active: true, CreatedAt: testTime, UpdatedAt: testTime}
	// The columns of schema 1, so that migration tests can add users to an
	// old chart file too.
	mustUpdate(t, d, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO users (id, username, full_name, role, password_hash, active, failed_logins,
			locked_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 0, '', ?, ?)`,
			u.ID, u.Username, u.FullName, u.Role, u.PasswordHash, formatTime(u.CreatedAt), formatTime(u.UpdatedAt))
		return err
	})
	return u
}

// addTestPatient registers a patient with the given names as user by.
func addTestPatient(t *testing.T, d *DB, by User, n int, family, given string) Patient {
	t.Helper()
	p := Patient{ID: fmt.Sprintf("p-%d", n), MRN: fmt.Sprintf("%07d", n), FamilyName: family, GivenNames: given,
		BirthDate: "1980-03-04", Sex: "female", Phone: "555-201-3344", Version: 1,
		CreatedAt: testTime, CreatedBy: by.ID, UpdatedAt: testTime, UpdatedBy: by.ID}
	mustUpdate(t, d, func(tx *Tx) error { return tx.InsertPatient(p) })
	return p
}

func TestPragmas(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	want := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"busy_timeout": "10000",
	}
	check := func(t *testing.T, q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) {
		t.Helper()
		for pragma, value := range want {
			var got string
			if err := q.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", pragma, err)
			}
			if got != value {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, value)
			}
		}
	}
	t.Run("writer", func(t *testing.T) {
		mustUpdate(t, d, func(tx *Tx) error { check(t, tx.tx); return nil })
	})
	t.Run("every reader", func(t *testing.T) {
		// Hold several reader connections at once, so that the pool has to
		// open new ones: each must be configured like the first.
		var conns []*sql.Conn
		for range 3 {
			c, err := d.reader.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			check(t, c)
			var queryOnly int
			if err := c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&queryOnly); err != nil {
				t.Fatal(err)
			}
			if queryOnly != 1 {
				t.Errorf("reader connection has query_only = %d, want 1", queryOnly)
			}
			c.Close()
		}
	})
	t.Run("through View", func(t *testing.T) {
		err := d.View(ctx, func(tx *Tx) error { check(t, tx.tx); return nil })
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestViewCannotWrite(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	err := d.View(ctx, func(tx *Tx) error { return tx.SetSetting("clinic.name", "Written through View") })
	if err == nil {
		t.Fatal("a write through View succeeded; the reader pool must be query_only")
	}
	var found bool
	if err := d.View(ctx, func(tx *Tx) (err error) {
		_, found, err = tx.Setting("clinic.name")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if found {
		t.Fatal("the refused write through View was stored")
	}
}

func TestUpdateRollsBackOnError(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := d.Update(ctx, func(tx *Tx) error {
		if err := tx.SetSetting("clinic.name", "Half done"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	var found bool
	if err := d.View(ctx, func(tx *Tx) (err error) {
		_, found, err = tx.Setting("clinic.name")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if found {
		t.Fatal("a failed Update left its write behind")
	}
}

// Statements stay prepared across transactions, on the writer and the
// readers, and a failed transaction (which holds the writer's only
// connection until it rolls back) neither caches nor blocks.
func TestStatementsKeptAcrossTransactions(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	const setQ = `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`
	boom := errors.New("boom")
	err := d.Update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(setQ, "a", "1"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if d.wstmts.get(setQ) != nil {
		t.Error("a rolled-back transaction's statement was cached")
	}
	for i := range 3 {
		mustUpdate(t, d, func(tx *Tx) error {
			_, err := tx.exec(setQ, "a", fmt.Sprint(i))
			if i > 0 && len(tx.missed) > 0 {
				t.Errorf("transaction %d prepared %q again", i, tx.missed)
			}
			return err
		})
		if d.wstmts.get(setQ) == nil {
			t.Fatalf("after transaction %d the writer has not kept its statement", i)
		}
	}
	for i := range 3 {
		var v string
		err := d.View(ctx, func(tx *Tx) error {
			value, found, err := tx.Setting("a")
			v = value
			if !found && err == nil {
				err = errors.New("setting a not found")
			}
			if i > 0 && len(tx.missed) > 0 {
				t.Errorf("read %d prepared %q again", i, tx.missed)
			}
			return err
		})
		if err != nil || v != "2" {
			t.Fatalf("read %d: %q, %v; want \"2\"", i, v, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close with statements kept: %v", err)
	}
}

func TestOpenRefusesPathWithQueryCharacters(t *testing.T) {
	for _, name := range []string{"a?b", "a#b"} {
		_, err := Open(context.Background(), filepath.Join(t.TempDir(), name, FileName))
		if err == nil || !strings.Contains(err.Error(), "choose another folder") {
			t.Errorf("Open in folder %q: err = %v, want a refusal", name, err)
		}
	}
}

func TestMigrateFromEmpty(t *testing.T) {
	d := openTestDB(t)
	if got := userVersion(t, d.Path()); got != SchemaVersion() {
		t.Fatalf("user_version = %d, want %d", got, SchemaVersion())
	}
	for _, table := range []string{"settings", "users", "patients", "patient_search", "revisions", "audit",
		"appointment_types", "clinic_hours", "clinician_availability", "appointments",
		"encounters", "notes", "note_addenda", "note_templates", "quick_phrases",
		"problems", "allergies", "no_known_allergies"} {
		var n int
		err := d.View(context.Background(), func(tx *Tx) error {
			return tx.tx.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = ?", table).Scan(&n)
		})
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v", table, n, err)
		}
	}
}

// TestMigrateFromEveryVersion opens files left at every earlier schema and
// checks that Open brings each to the current one and that it then works.
func TestMigrateFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	for k := 0; k <= len(migrations); k++ {
		t.Run(fmt.Sprintf("from %d", k), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			conn, err := sql.Open("sqlite", dsn(path, false))
			if err != nil {
				t.Fatal(err)
			}
			if err := migrate(ctx, conn, path, migrations[:k]); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			if got := userVersion(t, path); got != k {
				t.Fatalf("after %d steps user_version = %d", k, got)
			}
			d, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if got := userVersion(t, path); got != SchemaVersion() {
				t.Fatalf("user_version = %d, want %d", got, SchemaVersion())
			}
			u := addTestUser(t, d, "admin", "admin")
			addTestPatient(t, d, u, 1, "Rivera", "Ana")
		})
	}
}

func TestMigrationsAreNumberedInOrder(t *testing.T) {
	if len(migrations) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range migrations {
		if m.version != i+1 || !strings.HasPrefix(m.name, fmt.Sprintf("%04d_", i+1)) || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d is %+v", i, m)
		}
	}
}

// TestFailedMigrationLeavesWholeStep checks that a step failing half-way
// leaves the file at the previous schema, with nothing of the step applied.
func TestFailedMigrationLeavesWholeStep(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	bad := migration{version: len(migrations) + 1, name: "bad",
		sql: "CREATE TABLE half_done (x INTEGER); SELECT no_such_function();"}
	_, err := open(ctx, path, append(append([]migration{}, migrations...), bad))
	if err == nil || !strings.Contains(err.Error(), "apply migration bad") {
		t.Fatalf("open with a failing step: err = %v", err)
	}
	if got := userVersion(t, path); got != SchemaVersion() {
		t.Fatalf("user_version = %d after a failed step, want %d", got, SchemaVersion())
	}
	var n int
	if err := rawConn(t, path).QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("the failed step's first statement was kept")
	}
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after a failed step: %v", err)
	}
	d.Close()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	d := openTestDB(t)
	path := d.Path()
	d.Close()
	newer := SchemaVersion() + 1
	if _, err := rawConn(t, path).Exec(fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, path)
	var ne *NewerSchemaError
	if !errors.As(err, &ne) {
		t.Fatalf("Open: err = %v, want *NewerSchemaError", err)
	}
	if ne.FileSchema != newer || ne.KnownSchemas != SchemaVersion() || ne.Path != path {
		t.Errorf("error fields = %+v", ne)
	}
	msg := err.Error()
	for _, want := range []string{path, "newer Folio", fmt.Sprint(newer), "Install the newer Folio"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
	if got := userVersion(t, path); got != newer {
		t.Errorf("the refused file's user_version changed to %d", got)
	}
	if _, err := Verify(ctx, path); !errors.As(err, &ne) {
		t.Errorf("Verify: err = %v, want *NewerSchemaError", err)
	}
}

func TestOpenRefusesCorruptFile(t *testing.T) {
	ctx := context.Background()
	t.Run("not a database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		text := strings.Repeat("This is a letter to the clinic, not a database.\n", 200)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, path)
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("Open: err = %v, want *CorruptError", err)
		}
		if ce.Path != path || !strings.Contains(err.Error(), "integrity check") {
			t.Errorf("error = %q (%+v)", err, ce)
		}
		if got, _ := os.ReadFile(path); string(got) != text {
			t.Error("Open changed the refused file")
		}
	})
	t.Run("garbage in the middle", func(t *testing.T) {
		path := filledDatabase(t, 300)
		smashMiddle(t, path)
		_, err := Open(ctx, path)
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("Open: err = %v, want *CorruptError", err)
		}
		if ce.Path != path || ce.Detail == "" {
			t.Errorf("error fields = %+v", ce)
		}
	})
}

// filledDatabase makes a closed chart file with n patients: many pages.
func filledDatabase(t *testing.T, n int) string {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	u := addTestUser(t, d, "admin", "admin")
	mustUpdate(t, d, func(tx *Tx) error {
		for i := range n {
			p := Patient{ID: fmt.Sprintf("p-%d", i), MRN: fmt.Sprintf("%07d", i), FamilyName: fmt.Sprintf("Family%d", i),
				GivenNames: "Given", BirthDate: "1980-03-04", Sex: "male", AddressLine: strings.Repeat("x", 100), Version: 1,
				CreatedAt: testTime, CreatedBy: u.ID, UpdatedAt: testTime, UpdatedBy: u.ID}
			if err := tx.InsertPatient(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return d.Path()
}

// smashMiddle overwrites the middle half of the file's pages with garbage,
// leaving the header page intact.
func smashMiddle(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8*4096 {
		t.Fatalf("file of %d bytes is too small to corrupt in the middle", len(b))
	}
	for i := len(b) / 4; i < len(b)*3/4; i++ {
		b[i] = byte(i*131 + 7)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	var v int
	if err := rawConn(t, path).QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSettingsAndSequences(t *testing.T) {
	d := openTestDB(t)
	ctx := context.Background()
	mustUpdate(t, d, func(tx *Tx) error {
		if err := tx.SetSetting("clinic.name", "First"); err != nil {
			return err
		}
		return tx.SetSetting("clinic.name", "Second")
	})
	var got []int64
	mustUpdate(t, d, func(tx *Tx) error {
		for _, count := range []int{1, 1, 5, 1} {
			first, err := tx.NextSequence("mrn", count)
			if err != nil {
				return err
			}
			got = append(got, first)
		}
		return nil
	})
	if want := []int64{1, 2, 3, 8}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("NextSequence gave %v, want %v", got, want)
	}
	err := d.View(ctx, func(tx *Tx) error {
		v, ok, err := tx.Setting("clinic.name")
		if err != nil || !ok || v != "Second" {
			t.Errorf("Setting = %q, %v, %v; want Second", v, ok, err)
		}
		_, ok, err = tx.Setting("never.set")
		if err != nil || ok {
			t.Errorf("unset setting: ok %v, err %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
