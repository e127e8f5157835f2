package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// tablesOf lists the tables of a chart file: those of sqlite_master, less
// SQLite's own and the shadow tables of a virtual table (patient_search's
// FTS5 data), which go with it.
func tablesOf(t *testing.T, conn *sql.DB) map[string]bool {
	t.Helper()
	rows, err := conn.Query(`SELECT m.name FROM sqlite_master m
		JOIN pragma_table_list l ON l.schema = 'main' AND l.name = m.name
		WHERE m.type = 'table' AND l.type <> 'shadow' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryTableIsCoveredOrSaysWhyNot: each table of a freshly migrated
// file is either covered by the audit of rows or among uncoveredTables with
// a reason, so that whoever adds a table decides which; a covered table's
// since is the step that made it. A step's working tables (schema 26's
// codings_next and import_items_next) are gone by its end, so they are
// neither.
func TestEveryTableIsCoveredOrSaysWhyNot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	conn, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	made := map[string]int{} // table → the step that made it
	for k := 1; k <= len(migrations); k++ {
		if err := migrate(ctx, conn, path, migrations[:k]); err != nil {
			t.Fatal(err)
		}
		for name := range tablesOf(t, conn) {
			if made[name] == 0 {
				made[name] = k
			}
		}
	}
	tables := tablesOf(t, conn)

	covered := map[string]bool{}
	for _, ct := range coveredTables {
		covered[ct.name] = true
		switch {
		case !tables[ct.name]:
			t.Errorf("covered table %s is not in the schema", ct.name)
			continue
		case uncoveredTables[ct.name] != "":
			t.Errorf("table %s is both covered and uncovered", ct.name)
		}
		wantSince := made[ct.name]
		if wantSince <= auditRowsVersion {
			wantSince = 0
		}
		if ct.since != wantSince {
			t.Errorf("covered table %s: since %d, but step %d made it", ct.name, ct.since, made[ct.name])
		}
		if ct.from != 0 && (ct.from <= ct.since || ct.from > len(migrations)) {
			t.Errorf("covered table %s: from %d, want a step after %d, at most %d", ct.name, ct.from, ct.since, len(migrations))
		}
	}
	for name, why := range uncoveredTables {
		if !tables[name] {
			t.Errorf("uncovered table %s is not in the schema", name)
		}
		if strings.TrimSpace(why) == "" {
			t.Errorf("uncovered table %s: no reason given", name)
		}
	}
	for name := range tables {
		if !covered[name] && uncoveredTables[name] == "" {
			t.Errorf("table %s (schema %d) is neither covered by the audit of rows (coveredTables) nor in uncoveredTables with why",
				name, made[name])
		}
	}
}

// TestUpgradeRecordsRowsOfNewlyCoveredTables: a clinic at schema 31 has
// reminders and home readings that its Folio wrote without recording them
// (it did not cover those tables). Schema 33, which begins to cover them,
// records them as a baseline, so the check finds nothing after the
// upgrade, where it would find every such row "added outside Folio".
func TestUpgradeRecordsRowsOfNewlyCoveredTables(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(ctx, path, migrations[:31])
	if err != nil {
		t.Fatal(err)
	}
	if err := old.startAudit(ctx); err != nil {
		t.Fatal(err)
	}
	u := addTestUser(t, old, "drlee", "clinician")
	p := addTestPatient(t, old, u, 1, "Rivera", "Ana")
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	// The rows as that Folio wrote them: there, and never recorded.
	raw := rawConn(t, path)
	at := formatTime(testTime)
	if _, err := raw.Exec(`INSERT INTO care_reminders (id, patient_id, kind, title, due_on, status, created_at, created_by,
		updated_at, updated_by) VALUES ('cr-1', ?, 'reminder', 'Recheck ferritin', '2026-06-01', 'open', ?, ?, ?, ?)`,
		p.ID, at, u.ID, at, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO home_readings (id, patient_id, taken_at, kind, systolic, diastolic, source, dedup_key,
		status, created_at, created_by, updated_at, updated_by)
		VALUES ('hr-1', ?, ?, 'bp', 128, 82, 'entered', 'hr-1', 'final', ?, ?, ?, ?)`, p.ID, at, at, u.ID, at, u.ID); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	// Checked as it is, with what this Folio covers, they are not Folio's.
	before, err := CheckFile(ctx, path, filepath.Join(filepath.Dir(path), KeyFileName), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "table care_reminders, record cr-1 (patient MRN 0000001): a record that Folio never wrote"
	if !strings.Contains(strings.Join(before.Problems, "\n"), want) {
		t.Errorf("check at schema 31: %q, want %q", before.Problems, want)
	}

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var baseline AuditEntryView
	err = d.View(ctx, func(tx *Tx) error {
		all, err := tx.Audit(AuditFilter{Action: "audit.baseline", Limit: 1})
		if len(all) == 1 {
			baseline = all[0]
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(baseline.Detail, "0033_audit_more_rows.sql began to cover them: 2 rows of") ||
		!strings.Contains(baseline.Detail, "care_reminders") || !strings.Contains(baseline.Detail, "home_readings") {
		t.Errorf("the upgrade's baseline: %+v", baseline.AuditEntry)
	}
	if _, _, err := d.Checkpoint(ctx, "test", testTime, false); err != nil {
		t.Fatal(err)
	}
	if r, err := d.CheckAudit(ctx); err != nil || len(r.Problems) > 0 {
		t.Errorf("check after the upgrade: %q, %v", r.Problems, err)
	}
}
