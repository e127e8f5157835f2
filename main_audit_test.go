package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"folio/app"
	"folio/db"
)

// The outside test's trials, on the command line: `folio check` must fail
// (exit non-zero, BROKEN) for each change made with a SQLite tool while
// Folio is closed, and `folio restore` must refuse a backup whose audit
// trail does not verify.

// auditClinic is a demo clinic (with charts, so signed notes), made once
// and copied for each trial: its chart, key and checkpoint files.
func auditClinic(t *testing.T) string {
	t.Helper()
	auditDemo.once.Do(func() {
		dir, err := os.MkdirTemp("", "folio-audit-demo-")
		if err != nil {
			auditDemo.err = err
			return
		}
		auditDemo.dir = filepath.Join(dir, "data")
		_, auditDemo.err = folio(t, "demo", "--patients", "30", "--charts", "3", "--data", auditDemo.dir)
	})
	if auditDemo.err != nil {
		t.Fatal(auditDemo.err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	entries, err := os.ReadDir(auditDemo.dir)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o700)
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(auditDemo.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var auditDemo struct {
	once sync.Once
	dir  string
	err  error
}

// TestMain removes the shared demo clinic once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if auditDemo.dir != "" {
		os.RemoveAll(filepath.Dir(auditDemo.dir))
	}
	os.Exit(code)
}

func chartConn(t *testing.T, path string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	t.Cleanup(func() { conn.Close() })
	return conn
}

func execAll(t *testing.T, conn *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := conn.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// chainHash is the audit chain's hash of one entry, as db/audit.go
// documents it, computed the way a tamperer who read the source would.
func chainHash(fields ...string) string {
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type auditRow struct {
	seq                                                                        int64
	at, userID, username, action, patientID, record, workstation, detail, prev string
	hash, rowsHash                                                             string
}

func (r auditRow) rehash() string {
	fields := []string{strconv.FormatInt(r.seq, 10), r.at, r.userID, r.username, r.action, r.patientID, r.record,
		r.workstation, r.detail, r.prev}
	if r.rowsHash != "" {
		fields = append(fields, r.rowsHash)
	}
	return chainHash(fields...)
}

func auditRows(t *testing.T, conn *sql.DB) []auditRow {
	t.Helper()
	hasRows := 0
	conn.QueryRow(`SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'rows_hash'`).Scan(&hasRows)
	q := `SELECT seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash, '' FROM audit ORDER BY seq`
	if hasRows > 0 {
		q = `SELECT seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash, rows_hash FROM audit ORDER BY seq`
	}
	rows, err := conn.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.seq, &r.at, &r.userID, &r.username, &r.action, &r.patientID, &r.record, &r.workstation,
			&r.detail, &r.prev, &r.hash, &r.rowsHash); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// rewriteFrom changes entry n's detail and recomputes every hash after it.
func rewriteFrom(t *testing.T, conn *sql.DB, n int) {
	t.Helper()
	execAll(t, conn, "DROP TRIGGER audit_no_update")
	all := auditRows(t, conn)
	prev := all[n-2].hash
	for _, r := range all[n-1:] {
		if r.seq == int64(n) {
			r.detail = "nothing happened"
		}
		r.prev = prev
		r.hash = r.rehash()
		prev = r.hash
		if _, err := conn.Exec(`UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?`, r.detail, r.prev, r.hash, r.seq); err != nil {
			t.Fatal(err)
		}
	}
}

// withTriggerDropped runs query with trigger dropped, then puts it back.
func withTriggerDropped(t *testing.T, conn *sql.DB, trigger, query string) {
	t.Helper()
	var ddl string
	if err := conn.QueryRow(`SELECT sql FROM sqlite_master WHERE name = ?`, trigger).Scan(&ddl); err != nil {
		t.Fatalf("trigger %s: %v", trigger, err)
	}
	execAll(t, conn, "DROP TRIGGER "+trigger)
	res, err := conn.Exec(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("%s changed nothing", query)
	}
	execAll(t, conn, ddl)
}

func TestCheckFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, conn *sql.DB)
		want   []string // each in what the check prints
	}{
		{"the last 50 entries deleted", func(t *testing.T, conn *sql.DB) {
			n := len(auditRows(t, conn))
			execAll(t, conn, "DROP TRIGGER audit_no_delete", fmt.Sprintf("DELETE FROM audit WHERE seq > %d", n-50))
			conn.Exec("DROP TRIGGER audit_rows_no_delete")
			conn.Exec(fmt.Sprintf("DELETE FROM audit_rows WHERE seq > %d", n-50))
		}, []string{"are missing"}},
		{"a forged entry appended with a correct hash", func(t *testing.T, conn *sql.DB) {
			all := auditRows(t, conn)
			last := all[len(all)-1]
			r := auditRow{seq: last.seq + 1, at: last.at, userID: last.userID, username: last.username, action: "patient.open",
				workstation: last.workstation, prev: last.hash}
			r.hash = r.rehash()
			_, err := conn.Exec(`INSERT INTO audit (seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash)
				VALUES (?, ?, ?, ?, ?, '', '', ?, '', ?, ?)`, r.seq, r.at, r.userID, r.username, r.action, r.workstation, r.prev, r.hash)
			if err != nil {
				t.Fatal(err)
			}
		}, []string{"carries no seal"}},
		{"entry 3 rewritten and every hash after it recomputed", func(t *testing.T, conn *sql.DB) {
			rewriteFrom(t, conn, 3)
		}, []string{"entry 3 was not written by Folio"}},
		{"a trigger dropped", func(t *testing.T, conn *sql.DB) {
			execAll(t, conn, "DROP TRIGGER notes_signed_are_locked")
		}, []string{"notes_signed_are_locked is missing"}},
		{"a signed note's text changed", func(t *testing.T, conn *sql.DB) {
			withTriggerDropped(t, conn, "notes_signed_are_locked",
				"UPDATE notes SET assessment = 'nothing wrong' WHERE id = (SELECT min(id) FROM notes WHERE signed_at <> '')")
		}, []string{"the field assessment changed outside Folio"}},
		{"a patient's name changed", func(t *testing.T, conn *sql.DB) {
			withTriggerDropped(t, conn, "patients_update_needs_revision",
				"UPDATE patients SET family_name = 'Someone' WHERE rowid = (SELECT min(rowid) FROM patients)")
		}, []string{"the field family_name changed outside Folio"}},
		{"a home reading's systolic lowered", func(t *testing.T, conn *sql.DB) {
			withTriggerDropped(t, conn, "home_readings_update_needs_revision",
				"UPDATE home_readings SET systolic = 118 WHERE id = (SELECT min(id) FROM home_readings WHERE kind = 'bp')")
		}, []string{"table home_readings, record [\"", "the field systolic changed outside Folio"}},
		{"a monitoring target raised", func(t *testing.T, conn *sql.DB) {
			withTriggerDropped(t, conn, "rpm_enrolments_update_needs_revision",
				"UPDATE rpm_enrolments SET systolic_below = 160 WHERE id = (SELECT min(id) FROM rpm_enrolments)")
		}, []string{"table rpm_enrolments, record ", "the field systolic_below changed outside Folio"}},
		{"UPDATE users SET role='admin'", func(t *testing.T, conn *sql.DB) {
			execAll(t, conn, "UPDATE users SET role = 'admin' WHERE username = 'desk'")
		}, []string{"(username desk): the field role changed outside Folio"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := auditClinic(t)
			if out, err := folio(t, "check", "--data", dir); err != nil {
				t.Fatalf("check before tampering: %v\n%s", err, out)
			}
			conn := chartConn(t, filepath.Join(dir, "folio.db"))
			tt.tamper(t, conn)
			conn.Close()
			out, err := folio(t, "check", "--data", dir)
			if exitCode(err) == 0 || !strings.Contains(err.Error(), "BROKEN") {
				t.Fatalf("check after %s: exit %d, %v\n%s", tt.name, exitCode(err), err, out)
			}
			for _, want := range tt.want {
				if !strings.Contains(out+err.Error(), want) {
					t.Errorf("check after %s: %v\n%s\nwant %q", tt.name, err, out, want)
				}
			}
		})
	}
}

// tamperBackup rewrites a backup's audit trail from entry 3, as someone
// covering their tracks in a copy would.
func tamperBackup(t *testing.T, backup string) {
	t.Helper()
	conn := chartConn(t, backup)
	rewriteFrom(t, conn, 3)
	conn.Close()
}

func TestRestoreRefusesDamagedAudit(t *testing.T) {
	dir := auditClinic(t)
	backup := filepath.Join(t.TempDir(), "backup.db")
	out := mustFolio(t, "backup", "--data", dir, "--out", backup)
	if !strings.Contains(out, "signed with the clinic's key") || !strings.Contains(out, backup+".key") {
		t.Errorf("backup printed %q", out)
	}
	live := filepath.Join(dir, "folio.db")
	before, _ := os.ReadFile(live)

	// A copy cut short: its own checkpoint, and the data folder's line for
	// this backup, no longer match.
	cut := filepath.Join(t.TempDir(), "cut.db")
	copyTestFile(t, backup, cut)
	if _, err := os.Stat(backup + ".key"); err == nil {
		copyTestFile(t, backup+".key", cut+".key")
	}
	conn := chartConn(t, cut)
	n := len(auditRows(t, conn))
	execAll(t, conn, "DROP TRIGGER audit_no_delete", fmt.Sprintf("DELETE FROM audit WHERE seq > %d", n-5))
	conn.Exec("DROP TRIGGER audit_rows_no_delete")
	conn.Exec(fmt.Sprintf("DELETE FROM audit_rows WHERE seq > %d", n-5))
	conn.Close()

	tamperBackup(t, backup)
	for _, from := range []string{backup, cut} {
		_, err := folio(t, "restore", "--data", dir, "--from", from)
		if exitCode(err) == 0 || !strings.Contains(err.Error(), "its audit trail does not verify") ||
			!strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), "--accept-damaged-audit") {
			t.Errorf("restore of a damaged backup %s: %v", filepath.Base(from), err)
		}
		if after, _ := os.ReadFile(live); !bytes.Equal(before, after) {
			t.Fatalf("a refused restore changed the live database")
		}
	}
	if _, err := folio(t, "restore", "--data", dir, "--from", backup, "--accept-damaged-audit"); exitCode(err) != 2 {
		t.Errorf("--accept-damaged-audit without --reason: %v", err)
	}

	out, err := folio(t, "restore", "--data", dir, "--from", backup, "--accept-damaged-audit",
		"--reason", "the only backup left after the disk failed")
	if err != nil || !strings.Contains(out, "Restored") || !strings.Contains(out, "entry 3 was not written by Folio") {
		t.Fatalf("restore with --accept-damaged-audit: %v\n%s", err, out)
	}
	out = mustFolio(t, "check", "--data", dir)
	if !strings.Contains(out, "damage accepted") || !strings.Contains(out, "Audit trail: intact") {
		t.Errorf("check after an accepted restore: %q", out)
	}
	conn = chartConn(t, live)
	var detail string
	err = conn.QueryRow(`SELECT detail FROM audit WHERE action = 'audit.accept_damage'`).Scan(&detail)
	if err != nil || !strings.Contains(detail, "the only backup left after the disk failed") || !strings.Contains(detail, "entry 3") {
		t.Errorf("the restore recorded %q, %v", detail, err)
	}
}

func copyTestFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestClinicKeyNotInTheDatabase: whoever has folio.db alone (and its WAL)
// cannot find the clinic's key in it, even after the clinic signed an
// archive with it.
func TestClinicKeyNotInTheDatabase(t *testing.T) {
	dir := auditClinic(t)
	mustFolio(t, "export", "--data", dir, "--patient", app.MRN(1), "--out", filepath.Join(t.TempDir(), "referral.folio"),
		"--recipient", "Northside Clinic", "--purpose", "patient moved")
	mustFolio(t, "check", "--data", dir)
	seedText := ""
	keyFile, err := os.ReadFile(filepath.Join(dir, "folio.key"))
	if err != nil {
		t.Errorf("the data folder has no key file: %v", err)
		// Where Folio kept it before: in the database's settings.
		conn := chartConn(t, filepath.Join(dir, db.FileName))
		conn.QueryRow(`SELECT value FROM settings WHERE key = 'clinic.signing_key'`).Scan(&seedText)
		conn.Close()
	}
	for _, line := range strings.Split(string(keyFile), "\n") {
		if v, ok := strings.CutPrefix(line, "seed "); ok {
			seedText = v
		}
	}
	seed, err := base64.StdEncoding.DecodeString(seedText)
	if err != nil || len(seed) != 32 {
		t.Fatalf("the clinic's key %q: %v", seedText, err)
	}
	for _, name := range []string{db.FileName, db.FileName + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		if bytes.Contains(b, seed) || bytes.Contains(b, []byte(seedText)) || bytes.Contains(b, []byte(hex.EncodeToString(seed))) {
			t.Errorf("%s holds the clinic's private key", name)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "folio.key")); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode())
	}
}

// TestRestoreOnANewPC: a backup restored into an empty data folder keeps
// the clinic's key (beside it, or named with --key); without the key its
// seals cannot be checked, and the restore says where the key goes.
func TestRestoreOnANewPC(t *testing.T) {
	dir := auditClinic(t)
	backup := filepath.Join(t.TempDir(), "backup.db")
	mustFolio(t, "backup", "--data", dir, "--out", backup)
	elsewhere := filepath.Join(t.TempDir(), "clinic.key")
	if err := os.Rename(backup+".key", elsewhere); err != nil {
		t.Fatal(err)
	}
	newPC := filepath.Join(t.TempDir(), "data")
	_, err := folio(t, "restore", "--data", newPC, "--from", backup)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), "--key FILE") {
		t.Errorf("restore without the key: %v", err)
	}
	out := mustFolio(t, "restore", "--data", newPC, "--from", backup, "--key", elsewhere)
	if !strings.Contains(out, "Restored") {
		t.Errorf("restore printed %q", out)
	}
	was, _ := os.ReadFile(filepath.Join(dir, "folio.key"))
	now, _ := os.ReadFile(filepath.Join(newPC, "folio.key"))
	if len(was) == 0 || !bytes.Equal(was, now) {
		t.Error("the new PC does not have the clinic's key")
	}
	if out := mustFolio(t, "check", "--data", newPC); !strings.Contains(out, "Audit trail: intact") {
		t.Errorf("check on the new PC: %q", out)
	}
}
