package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// appendTestAudit writes n entries, one a minute, alternating two users.
func appendTestAudit(t *testing.T, d *DB, n int) {
	t.Helper()
	mustUpdate(t, d, func(tx *Tx) error {
		for i := range n {
			e := AuditEntry{At: testTime.Add(time.Duration(i) * time.Minute), UserID: "u-desk", Username: "desk",
				Action: "patient.open", PatientID: fmt.Sprintf("p-%d", i), Record: fmt.Sprintf("patient/p-%d", i),
				Workstation: "desk-1", Detail: fmt.Sprintf("entry %d", i+1)}
			if i%2 == 1 {
				e.UserID, e.Username, e.Action, e.Workstation = "u-drlee", "drlee", "chart.open", "room-2"
			}
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func verifyAudit(t *testing.T, d *DB) AuditCheck {
	t.Helper()
	var c AuditCheck
	err := d.View(context.Background(), func(tx *Tx) (err error) {
		c, err = tx.VerifyAudit()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuditChainIntact(t *testing.T) {
	d := openTestDB(t)
	if c := verifyAudit(t, d); c.Entries != 0 || c.Problem != "" {
		t.Fatalf("empty chain: %+v", c)
	}
	appendTestAudit(t, d, 3)
	appendTestAudit(t, d, 3) // a second transaction continues the chain
	if c := verifyAudit(t, d); c.Entries != 6 || c.Problem != "" {
		t.Fatalf("intact chain: %+v", c)
	}
	var first, second AuditEntryView
	err := d.View(context.Background(), func(tx *Tx) error {
		all, err := tx.Audit(AuditFilter{Limit: 10})
		if err != nil {
			return err
		}
		first, second = all[len(all)-1], all[len(all)-2]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || first.PrevHash != "" || second.PrevHash != first.Hash || len(first.Hash) != 64 {
		t.Errorf("chain head: first %+v, second %+v", first.AuditEntry, second.AuditEntry)
	}
}

// TestVerifyAuditDetectsTampering tampers with the file the way someone with
// a SQLite tool could: drop the append-only triggers, then edit rows.
func TestVerifyAuditDetectsTampering(t *testing.T) {
	swap := func(a, b int) string {
		cols := "at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash"
		return fmt.Sprintf(`CREATE TEMP TABLE swap AS SELECT seq, %[1]s FROM audit WHERE seq IN (%[2]d, %[3]d);
			UPDATE audit SET (%[1]s) = (SELECT %[1]s FROM swap WHERE swap.seq = %[3]d) WHERE seq = %[2]d;
			UPDATE audit SET (%[1]s) = (SELECT %[1]s FROM swap WHERE swap.seq = %[2]d) WHERE seq = %[3]d;`, cols, a, b)
	}
	tests := []struct {
		name        string
		tamper      func(t *testing.T, raw *sql.DB)
		wantEntries int64
		wantProblem string
	}{
		{"changed detail", sqlTamper("UPDATE audit SET detail = 'nothing to see' WHERE seq = 3"),
			2, "entry 3 was changed"},
		{"changed user", sqlTamper("UPDATE audit SET username = 'admin' WHERE seq = 4"),
			3, "entry 4 was changed"},
		{"text moved between fields", sqlTamper("UPDATE audit SET username = 'des', action = 'kpatient.open' WHERE seq = 3"),
			2, "entry 3 was changed"},
		{"changed time", sqlTamper("UPDATE audit SET at = '2026-03-10T08:00:00.000000Z' WHERE seq = 5"),
			4, "entry 5 was changed"},
		{"malformed time", sqlTamper("UPDATE audit SET at = 'yesterday' WHERE seq = 2"),
			1, "entry 2 has a malformed time"},
		// Its seal, which needs the clinic's key, names the entry itself.
		{"changed and rehashed", rehash(3), 2, "entry 3 was not written by Folio"},
		{"removed in the middle", sqlTamper("DELETE FROM audit WHERE seq = 3"),
			2, "entries 3 to 3 are missing"},
		{"removed and renumbered", sqlTamper("DELETE FROM audit WHERE seq = 3; UPDATE audit SET seq = seq - 1 WHERE seq > 3"),
			2, "entry 3 does not follow entry 2"},
		{"reordered pair", sqlTamper(swap(3, 4)), 2, "entry 3 does not follow entry 2"},
		{"first entry removed", sqlTamper("DELETE FROM audit WHERE seq = 1"), 0, "entries 1 to 1 are missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openTestDB(t)
			appendTestAudit(t, d, 6)
			raw := rawConn(t, d.Path())
			if _, err := raw.Exec("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"); err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, raw)
			c := verifyAudit(t, d)
			if c.Entries != tt.wantEntries || !strings.Contains(c.Problem, tt.wantProblem) {
				t.Fatalf("VerifyAudit = %+v, want %d good entries and %q", c, tt.wantEntries, tt.wantProblem)
			}
		})
	}
}

// TestAuditHashCoversEveryField changes each field of one entry in turn.
func TestAuditHashCoversEveryField(t *testing.T) {
	for _, col := range []string{"at", "user_id", "username", "action", "patient_id", "record", "workstation", "detail"} {
		t.Run(col, func(t *testing.T) {
			d := openTestDB(t)
			appendTestAudit(t, d, 4)
			raw := rawConn(t, d.Path())
			value := "x"
			if col == "at" {
				value = formatTime(testTime.Add(time.Second))
			}
			_, err := raw.Exec("DROP TRIGGER audit_no_update; UPDATE audit SET "+col+" = ? WHERE seq = 3", value)
			if err != nil {
				t.Fatal(err)
			}
			if c := verifyAudit(t, d); c.Entries != 2 || !strings.Contains(c.Problem, "entry 3 was changed") {
				t.Fatalf("changed %s: VerifyAudit = %+v", col, c)
			}
		})
	}
}

func sqlTamper(query string) func(*testing.T, *sql.DB) {
	return func(t *testing.T, raw *sql.DB) {
		t.Helper()
		res, err := raw.Exec(query)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed no row", query)
		}
	}
}

// rehash changes entry seq and recomputes its own hash, as a tamperer who
// knows the algorithm would: the next entry no longer follows.
func rehash(seq int64) func(*testing.T, *sql.DB) {
	return func(t *testing.T, raw *sql.DB) {
		t.Helper()
		var e AuditEntry
		var at string
		err := raw.QueryRow(`SELECT seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash
			FROM audit WHERE seq = ?`, seq).Scan(&e.Seq, &at, &e.UserID, &e.Username, &e.Action, &e.PatientID,
			&e.Record, &e.Workstation, &e.Detail, &e.PrevHash)
		if err != nil {
			t.Fatal(err)
		}
		e.At = parseTime(at)
		e.Detail = "rewritten"
		if _, err := raw.Exec("UPDATE audit SET detail = ?, hash = ? WHERE seq = ?", e.Detail, e.computeHash(), seq); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditFilter(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	p := addTestPatient(t, d, u, 42, "Smith", "Anna")
	appendTestAudit(t, d, 6) // seq 1..6 at testTime + 0..5 minutes
	mustUpdate(t, d, func(tx *Tx) error {
		return tx.AppendAudit(AuditEntry{At: testTime.Add(10 * time.Minute), UserID: u.ID, Username: "desk",
			Action: "patient_x", PatientID: p.ID, Workstation: "desk-1"})
	})
	tests := []struct {
		name   string
		filter AuditFilter
		want   string // seqs, newest first
	}{
		{"all", AuditFilter{Limit: 100}, "7 6 5 4 3 2 1"},
		{"limit", AuditFilter{Limit: 2}, "7 6"},
		{"user, any case", AuditFilter{Username: "DRLEE", Limit: 100}, "6 4 2"},
		{"action prefix", AuditFilter{Action: "patient.", Limit: 100}, "5 3 1"},
		{"underscore is literal", AuditFilter{Action: "patient_", Limit: 100}, "7"},
		{"percent is literal", AuditFilter{Action: "%", Limit: 100}, ""},
		{"patient", AuditFilter{PatientID: p.ID, Limit: 100}, "7"},
		{"from", AuditFilter{From: testTime.Add(4 * time.Minute), Limit: 100}, "7 6 5"},
		{"to is exclusive", AuditFilter{To: testTime.Add(2 * time.Minute), Limit: 100}, "2 1"},
		{"before seq", AuditFilter{BeforeSeq: 3, Limit: 100}, "2 1"},
		{"combined", AuditFilter{Username: "desk", From: testTime.Add(time.Minute), BeforeSeq: 7, Limit: 100}, "5 3"},
	}
	for _, tt := range tests {
		var got []AuditEntryView
		err := d.View(context.Background(), func(tx *Tx) (err error) {
			got, err = tx.Audit(tt.filter)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var seqs []string
		for _, e := range got {
			seqs = append(seqs, fmt.Sprint(e.Seq))
		}
		if s := strings.Join(seqs, " "); s != tt.want {
			t.Errorf("%s: seqs %q, want %q", tt.name, s, tt.want)
		}
		if tt.name == "patient" && len(got) == 1 && got[0].PatientMRN != p.MRN {
			t.Errorf("entry names MRN %q, want %q", got[0].PatientMRN, p.MRN)
		}
	}
}
