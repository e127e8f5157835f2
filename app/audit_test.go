package app_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"

	_ "modernc.org/sqlite"
)

// TestEveryPatientAccessIsAudited: each read and write of patient data
// leaves an entry naming who, what, which patient and where.
func TestEveryPatientAccessIsAudited(t *testing.T) {
	ta := newTestApp(t)
	var p app.Patient
	tests := []struct {
		name        string
		call        func() error
		action      string
		who         *caller
		workstation string
		patient     bool // the entry names the patient
	}{
		{"register", func() (err error) { p, err = registerAnyway(ta.FrontDesk.Patients, samplePatient()); return err },
			"patient.register", ta.FrontDesk, "desk-1", true},
		{"search", func() error { _, err := ta.FrontDesk.Patients.Search("rivera", 10); return err },
			"patient.search", ta.FrontDesk, "desk-1", false},
		{"open", func() error { _, err := ta.FrontDesk.Patients.Open(p.ID); return err },
			"patient.open", ta.FrontDesk, "desk-1", true},
		{"correct", func() (err error) {
			in := p.PatientInput
			in.City = "Madison"
			p, err = ta.Clinician.Patients.Correct(p.ID, in, "moved", p.Version)
			return err
		}, "patient.correct", ta.Clinician, "room-2", true},
		{"history", func() error { _, err := ta.Clinician.Patients.History(p.ID); return err },
			"patient.history", ta.Clinician, "room-2", true},
		{"chart summary", func() error { _, err := ta.Clinician.Chart.Summary(p.ID); return err },
			"chart.open", ta.Clinician, "room-2", true},
		{"clinician search", func() error { _, err := ta.Clinician.Patients.Search(p.MRN, 10); return err },
			"patient.search", ta.Clinician, "room-2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t).Audit
			if err := tt.call(); err != nil {
				t.Fatal(err)
			}
			if after := ta.counts(t).Audit; after != before+1 {
				t.Fatalf("%d audit entries written, want 1", after-before)
			}
			e := ta.lastAudit(t)
			if e.Action != tt.action || e.Username != tt.who.User.Username || e.UserID != tt.who.User.ID ||
				e.Workstation != tt.workstation || !e.At.Equal(testStart) {
				t.Errorf("entry = %+v", e.AuditEntry)
			}
			if tt.patient && (e.PatientID != p.ID || e.PatientMRN != p.MRN || e.Record != "patient/"+p.ID) {
				t.Errorf("entry does not name the patient %s: %+v", p.ID, e)
			}
			if !tt.patient && e.PatientID != "" {
				t.Errorf("entry names patient %q", e.PatientID)
			}
		})
	}
	n := ta.counts(t).Audit
	check, err := ta.Admin.Admin.VerifyAudit()
	if err != nil || !check.OK || check.Problem != "" || check.Entries != int64(n) {
		t.Errorf("VerifyAudit = %+v, %v (audit had %d entries)", check, err, n)
	}
	if e := ta.lastAudit(t); e.Action != "audit.verify" || !strings.Contains(e.Detail, "intact") {
		t.Errorf("verify audit entry: %+v", e.AuditEntry)
	}
}

func TestAdminAuditListing(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	ta.Clock.Advance(24 * time.Hour)
	ta.Admin = ta.signIn(t, adminUsername, adminPassword, "admin-pc")
	desk := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1")
	for range 3 {
		if _, err := desk.Patients.Open(p.ID); err != nil {
			t.Fatal(err)
		}
	}
	day1, day2 := testStart.Local().Format("2006-01-02"), testStart.Add(24*time.Hour).Local().Format("2006-01-02")

	page, err := ta.Admin.Admin.Audit(app.AuditFilter{PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 4 || page.More || page.Entries[0].Action != "patient.open" ||
		page.Entries[3].Action != "patient.register" || page.Entries[0].PatientMRN != p.MRN {
		t.Errorf("patient's audit = %+v", page)
	}
	// The listing itself is audited, naming the patient looked up.
	if e := ta.lastAudit(t); e.Action != "audit.view" || e.PatientID != p.ID || e.Username != adminUsername ||
		e.Detail != "patient="+p.ID {
		t.Errorf("audit.view entry: %+v", e.AuditEntry)
	}

	tests := []struct {
		name   string
		filter app.AuditFilter
		want   int
		more   bool
	}{
		{"limit", app.AuditFilter{Action: "patient.open", Limit: 2}, 2, true},
		{"exact page", app.AuditFilter{Action: "patient.open", Limit: 3}, 3, false},
		{"user", app.AuditFilter{Username: "DESK", Action: "patient."}, 4, false},
		{"first day", app.AuditFilter{From: day1, To: day1, Action: "patient."}, 1, false},
		{"second day", app.AuditFilter{From: day2, Action: "patient."}, 3, false},
	}
	for _, tt := range tests {
		page, err := ta.Admin.Admin.Audit(tt.filter)
		if err != nil || len(page.Entries) != tt.want || page.More != tt.more {
			t.Errorf("%s: %d entries, more %v, err %v; want %d, %v", tt.name, len(page.Entries), page.More, err, tt.want, tt.more)
		}
	}
	// Paging on from the last entry shown.
	first, _ := ta.Admin.Admin.Audit(app.AuditFilter{Action: "patient.", Limit: 2})
	next, _ := ta.Admin.Admin.Audit(app.AuditFilter{Action: "patient.", Limit: 2, BeforeSeq: first.Entries[1].Seq})
	if len(next.Entries) != 2 || next.Entries[0].Seq >= first.Entries[1].Seq || next.More {
		t.Errorf("second page: %+v after %+v", next, first)
	}

	for _, f := range []app.AuditFilter{{From: "2026-13-01"}, {To: "yesterday"}} {
		_, err := ta.Admin.Admin.Audit(f)
		e := wantKind(t, err, app.Invalid)
		if e.Fields["from"] == "" && e.Fields["to"] == "" {
			t.Errorf("%+v: fields %v", f, e.Fields)
		}
	}
}

// tamperable opens the chart file beside the running App with plain
// database/sql and drops the audit trail's append-only triggers.
func tamperable(t *testing.T, ta *testApp) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := raw.Exec("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"); err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestVerifyAuditFindsTampering(t *testing.T) {
	swap := `CREATE TEMP TABLE pair AS SELECT * FROM audit WHERE seq IN (4, 5);
		UPDATE audit SET (at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash) =
			(SELECT at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash
			 FROM pair WHERE pair.seq = 9 - audit.seq) WHERE seq IN (4, 5);`
	tests := []struct {
		name, sql, problem string
	}{
		{"changed", "UPDATE audit SET username = 'someone' WHERE seq = 5", "entry 5 was changed"},
		{"removed", "DELETE FROM audit WHERE seq = 5", "entries 5 to 5 are missing"},
		{"reordered", swap, "entry 4 does not follow entry 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t) // 3 template entries, 3 logins
			p := ta.register(t, samplePatient())
			ta.FrontDesk.Patients.Open(p.ID)
			if c, err := ta.CheckAudit(); err != nil || c.Problem != "" || c.Entries != 8 {
				t.Fatalf("before tampering: %+v, %v", c, err)
			}
			if _, err := tamperable(t, ta).Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			c, err := ta.CheckAudit()
			if err != nil || !strings.Contains(c.Problem, tt.problem) {
				t.Errorf("CheckAudit = %+v, %v; want %q", c, err, tt.problem)
			}
			check, err := ta.Admin.Admin.VerifyAudit()
			if err != nil || check.OK || !strings.Contains(check.Problem, tt.problem) {
				t.Errorf("Admin.VerifyAudit = %+v, %v; want %q", check, err, tt.problem)
			}
		})
	}
}
