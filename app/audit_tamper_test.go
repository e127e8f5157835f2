package app_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// The audit trail and the record beside it, tampered with the way the
// outside test did it: with the chart file open in a SQLite tool while
// Folio is closed, knowing how the chain is hashed, but without the
// clinic's key file. Each change must make the check fail, naming the
// first entry, or the table, record and field, that no longer matches.

// tamperScene is a closed clinic with a registered patient, a signed visit
// note, remote monitoring with a home reading, a reminder, some chart
// openings, and its last checkpoint written on close.
type tamperScene struct {
	dir        string
	patient    app.Patient
	noteID     string
	enrolment  string
	reminder   string
	readingID  string
	readingKey string // the reading's key as the check names it: [patient, taken at, id]
	head       int64  // entries in the audit trail
}

func newTamperScene(t *testing.T) tamperScene {
	t.Helper()
	ta := newTestApp(t)
	e := signedVisit(t, ta)
	p, err := ta.FrontDesk.Patients.Open(e.PatientID)
	if err != nil {
		t.Fatal(err)
	}
	enrolment := ta.enrol(t, p.ID)
	bp := "Date,\"Heart rate\",Systolic,Diastolic,Comments\n\"2026-03-09 07:56:00\",65,142,91,\n"
	if _, err := ta.Clinician.Chart.ImportReadings(p.ID, "bp.csv", bp, ""); err != nil {
		t.Fatal(err)
	}
	reminder, err := ta.Clinician.Chart.AddReminder(p.ID, app.ReminderInput{Title: "Recheck ferritin", DueOn: "2026-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	for range 60 {
		if _, err := ta.FrontDesk.Patients.Open(p.ID); err != nil {
			t.Fatal(err)
		}
	}
	s := tamperScene{dir: ta.Dir, patient: p, enrolment: enrolment.ID, reminder: reminder.ID, head: int64(ta.counts(t).Audit)}
	if c, err := ta.CheckAudit(); err != nil || len(c.Problems) > 0 {
		t.Fatalf("the clinic before tampering: %+v, %v", c, err)
	}
	if err := ta.Close(); err != nil {
		t.Fatal(err)
	}
	raw := rawChart(t, s.dir)
	if err := raw.QueryRow(`SELECT id FROM notes WHERE encounter_id = ?`, e.ID).Scan(&s.noteID); err != nil {
		t.Fatal(err)
	}
	err = raw.QueryRow(`SELECT id, json_array(patient_id, taken_at, id) FROM home_readings WHERE patient_id = ?`, p.ID).
		Scan(&s.readingID, &s.readingKey)
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()
	return s
}

// rawChart opens the chart file as a SQLite tool would.
func rawChart(t *testing.T, dir string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, db.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

func mustExec(t *testing.T, raw *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := raw.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// withoutTrigger runs query with one of Folio's triggers dropped, and puts
// the trigger back as it was, so that the schema itself looks untouched.
func withoutTrigger(t *testing.T, raw *sql.DB, trigger, query string, args ...any) {
	t.Helper()
	var ddl string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`, trigger).Scan(&ddl); err != nil {
		t.Fatalf("trigger %s: %v", trigger, err)
	}
	mustExec(t, raw, "DROP TRIGGER "+trigger)
	res, err := raw.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("%s changed nothing", query)
	}
	mustExec(t, raw, ddl)
}

// forgedEntry is an audit row as the tamperer reads and rewrites it.
type forgedEntry struct {
	seq                                                                  int64
	at, userID, username, action, patientID, record, workstation, detail string
	prevHash, hash, rowsHash, seal                                       string
}

// hashOf is the chain's hash of an entry, as documented in db/audit.go: a
// tamperer who read Folio's source can compute it.
func (e forgedEntry) hashOf() string {
	h := sha256.New()
	fields := []string{strconv.FormatInt(e.seq, 10), e.at, e.userID, e.username, e.action, e.patientID, e.record,
		e.workstation, e.detail, e.prevHash}
	if e.rowsHash != "" {
		fields = append(fields, e.rowsHash)
	}
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readEntries(t *testing.T, raw *sql.DB, from int64) []forgedEntry {
	t.Helper()
	rows, err := raw.Query(`SELECT seq, at, user_id, username, action, patient_id, record, workstation, detail,
		prev_hash, hash, rows_hash, seal FROM audit WHERE seq >= ? ORDER BY seq`, from)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []forgedEntry
	for rows.Next() {
		var e forgedEntry
		if err := rows.Scan(&e.seq, &e.at, &e.userID, &e.username, &e.action, &e.patientID, &e.record, &e.workstation,
			&e.detail, &e.prevHash, &e.hash, &e.rowsHash, &e.seal); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// rehashFrom rewrites entry seq's detail and recomputes every hash from
// there to the end, as a tamperer covering their tracks would; keepSeals
// false also blanks every entry's seal, which the tamperer cannot forge.
func rehashFrom(t *testing.T, raw *sql.DB, seq int64, keepSeals bool) {
	t.Helper()
	mustExec(t, raw, "DROP TRIGGER audit_no_update")
	prev := ""
	if seq > 1 {
		prev = readEntries(t, raw, seq-1)[0].hash
	}
	for _, e := range readEntries(t, raw, seq) {
		if e.seq == seq {
			e.detail = "nothing happened here"
		}
		e.prevHash = prev
		e.hash = e.hashOf()
		prev = e.hash
		mustExec(t, raw, "UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?", e.detail, e.prevHash, e.hash, e.seq)
	}
	if !keepSeals {
		mustExec(t, raw, "UPDATE audit SET seal = ''")
	}
}

func TestCheckFindsTamperingOutsideFolio(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB, s tamperScene)
		// after runs in the reopened Folio, before the check.
		after func(t *testing.T, ta *testApp, s tamperScene)
		want  func(s tamperScene) string
	}{
		{"the last 50 entries deleted", func(t *testing.T, raw *sql.DB, s tamperScene) {
			mustExec(t, raw, "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_rows_no_delete")
			mustExec(t, raw, "DELETE FROM audit_rows WHERE seq > ?", s.head-50)
			mustExec(t, raw, "DELETE FROM audit WHERE seq > ?", s.head-50)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("entries %d to %d are missing: the audit trail ends at entry %d, but Folio signed %d entries",
				s.head-49, s.head, s.head-50, s.head)
		}},
		{"a forged entry appended with a correct hash", func(t *testing.T, raw *sql.DB, s tamperScene) {
			last := readEntries(t, raw, s.head)[0]
			e := forgedEntry{seq: s.head + 1, at: last.at, userID: last.userID, username: last.username,
				action: "patient.open", patientID: s.patient.ID, record: "patient/" + s.patient.ID,
				workstation: last.workstation, detail: "", prevHash: last.hash}
			e.hash = e.hashOf()
			mustExec(t, raw, `INSERT INTO audit (seq, at, user_id, username, action, patient_id, record, workstation, detail,
				prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.seq, e.at, e.userID, e.username, e.action,
				e.patientID, e.record, e.workstation, e.detail, e.prevHash, e.hash)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("entry %d carries no seal, though the entries before it do", s.head+1)
		}},
		{"a forged entry appended with a copied seal", func(t *testing.T, raw *sql.DB, s tamperScene) {
			last := readEntries(t, raw, s.head)[0]
			e := last
			e.seq, e.prevHash, e.detail = s.head+1, last.hash, "again"
			e.hash = e.hashOf()
			mustExec(t, raw, `INSERT INTO audit (seq, at, user_id, username, action, patient_id, record, workstation, detail,
				prev_hash, hash, rows_hash, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.seq, e.at, e.userID,
				e.username, e.action, e.patientID, e.record, e.workstation, e.detail, e.prevHash, e.hash, e.rowsHash, e.seal)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("entry %d was not written by Folio: its seal does not match", s.head+1)
		}},
		{"an entry rewritten and every hash after it recomputed", func(t *testing.T, raw *sql.DB, s tamperScene) {
			rehashFrom(t, raw, 5, true)
		}, nil, func(s tamperScene) string { return "entry 5 was not written by Folio" }},
		{"rewritten and rehashed, every seal removed", func(t *testing.T, raw *sql.DB, s tamperScene) {
			rehashFrom(t, raw, 5, false)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("entry %d no longer matches the checkpoint", s.head)
		}},
		{"a trigger dropped", func(t *testing.T, raw *sql.DB, s tamperScene) {
			mustExec(t, raw, "DROP TRIGGER notes_signed_are_locked")
		}, nil, func(s tamperScene) string {
			return "Folio's trigger notes_signed_are_locked is missing: it was dropped outside Folio"
		}},
		{"a signed note's text changed", func(t *testing.T, raw *sql.DB, s tamperScene) {
			withoutTrigger(t, raw, "notes_signed_are_locked", "UPDATE notes SET assessment = 'nothing wrong' WHERE id = ?", s.noteID)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("table notes, record %s (patient MRN %s): the field assessment changed outside Folio", s.noteID, s.patient.MRN)
		}},
		{"a patient's name changed", func(t *testing.T, raw *sql.DB, s tamperScene) {
			withoutTrigger(t, raw, "patients_update_needs_revision", "UPDATE patients SET family_name = 'Someone' WHERE id = ?", s.patient.ID)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("table patients, record %s (mrn %s): the field family_name changed outside Folio", s.patient.ID, s.patient.MRN)
		}},
		{"a home reading's systolic lowered", func(t *testing.T, raw *sql.DB, s tamperScene) {
			withoutTrigger(t, raw, "home_readings_update_needs_revision", "UPDATE home_readings SET systolic = 118 WHERE id = ?", s.readingID)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("table home_readings, record %s (patient MRN %s): the field systolic changed outside Folio", s.readingKey, s.patient.MRN)
		}},
		{"a monitoring target raised", func(t *testing.T, raw *sql.DB, s tamperScene) {
			withoutTrigger(t, raw, "rpm_enrolments_update_needs_revision", "UPDATE rpm_enrolments SET systolic_below = 160 WHERE id = ?", s.enrolment)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("table rpm_enrolments, record %s (patient MRN %s): the field systolic_below changed outside Folio", s.enrolment, s.patient.MRN)
		}},
		{"a reminder put off", func(t *testing.T, raw *sql.DB, s tamperScene) {
			withoutTrigger(t, raw, "care_reminders_update_needs_revision", "UPDATE care_reminders SET due_on = '2027-06-01' WHERE id = ?", s.reminder)
		}, nil, func(s tamperScene) string {
			return fmt.Sprintf("table care_reminders, record %s (patient MRN %s): the field due_on changed outside Folio", s.reminder, s.patient.MRN)
		}},
		{"a front desk account made admin", func(t *testing.T, raw *sql.DB, s tamperScene) {
			mustExec(t, raw, "UPDATE users SET role = 'admin' WHERE username = 'desk'")
		}, nil, func(s tamperScene) string { return "(username desk): the field role changed outside Folio" }},
		{"a disabled account enabled again", func(t *testing.T, raw *sql.DB, s tamperScene) {
			mustExec(t, raw, "UPDATE users SET active = 0 WHERE username = 'drlee'")
		}, nil, func(s tamperScene) string { return "(username drlee): the field active changed outside Folio" }},
		{"a record added", func(t *testing.T, raw *sql.DB, s tamperScene) {
			mustExec(t, raw, "INSERT INTO settings (key, value) VALUES ('clinic.note', 'added')")
		}, nil, func(s tamperScene) string {
			return "table settings, record clinic.note: a record that Folio never wrote; it was added outside Folio"
		}},
		{"a name changed, then the chart corrected in Folio", func(t *testing.T, raw *sql.DB, s tamperScene) {
			withoutTrigger(t, raw, "patients_update_needs_revision", "UPDATE patients SET family_name = 'Someone' WHERE id = ?", s.patient.ID)
		}, func(t *testing.T, ta *testApp, s tamperScene) {
			desk := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1")
			p, err := desk.Patients.Open(s.patient.ID)
			if err != nil {
				t.Fatal(err)
			}
			in := p.PatientInput
			in.City = "Madison"
			if _, err := desk.Patients.Correct(p.ID, in, "moved", p.Version); err != nil {
				t.Fatal(err)
			}
		}, func(s tamperScene) string {
			return fmt.Sprintf("table patients, record %s (mrn %s): the field family_name had been changed outside Folio when entry",
				s.patient.ID, s.patient.MRN)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTamperScene(t)
			raw := rawChart(t, s.dir)
			tt.tamper(t, raw, s)
			raw.Close()
			ta := openTestApp(t, s.dir, newClock(testStart.Add(time.Hour)))
			if tt.after != nil {
				tt.after(t, ta, s)
			}
			c, err := ta.CheckAudit()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want(s)
			if !containsProblem(c.Problems, want) {
				t.Errorf("check found %q; want %q", c.Problems, want)
			}
			ta.Admin = ta.signIn(t, adminUsername, adminPassword, "admin-pc")
			if v, err := ta.Admin.Admin.VerifyAudit(); err != nil || v.OK {
				t.Errorf("Admin.VerifyAudit = %+v, %v; want a problem", v, err)
			}
		})
	}
}

func containsProblem(problems []string, want string) bool {
	for _, p := range problems {
		if strings.Contains(p, want) {
			return true
		}
	}
	return false
}

// TestCheckPassesWhatFolioWrote: a clinic at work (every kind of write,
// restarts, a backup) checks clean, with its checkpoints matching. A hub's
// post through the device gateway notes the token's last use with the
// readings, in the post's audited write, so it is no change outside Folio.
func TestCheckPassesWhatFolioWrote(t *testing.T) {
	s := newTamperScene(t)
	ta := openTestApp(t, s.dir, newClock(testStart.Add(time.Hour)))
	ta.Admin = ta.signIn(t, adminUsername, adminPassword, "admin-pc")
	ta.FrontDesk = ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1")
	ta.Clinician = ta.signIn(t, clinicianUsername, clinicianPassword, "room-2")
	p, err := ta.FrontDesk.Patients.Open(s.patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := p.PatientInput
	in.City = "Madison"
	if _, err := ta.FrontDesk.Patients.Correct(p.ID, in, "moved", p.Version); err != nil {
		t.Fatal(err)
	}
	chart := ta.Clinician.Chart
	tok, err := chart.IssueDeviceToken(p.ID, "kitchen hub", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.App.ReceiveDeviceReadings(tok.Token, gatewayBP("2026-03-10T07:00:00Z", 150, 95)); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.RevokeDeviceToken(tok.ID, "hub replaced"); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.RetractHomeReading(s.readingID, "the cuff was on the wrong arm"); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.ReviewReadings(p.ID, 5, "Reviewed by phone."); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.UpdateMonitoringTargets(s.enrolment, "Omron M7", bpTargets(), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.RecordTelehealthConsent(p.ID, app.ConsentInput{Method: "verbal"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.CloseReminder(s.reminder, true, "ferritin normal", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.BackupNow(); err != nil {
		t.Fatal(err)
	}
	c, err := ta.CheckAudit()
	if err != nil || len(c.Problems) > 0 {
		t.Fatalf("check = %+v, %v", c, err)
	}
	if !c.Sealed || c.Checkpoints < 2 || c.Rows == 0 || c.Triggers < 40 {
		t.Errorf("check = %+v; want sealed entries, matching checkpoints, rows and triggers", c)
	}
	if v, err := ta.Admin.Admin.VerifyAudit(); err != nil || !v.OK {
		t.Errorf("Admin.VerifyAudit = %+v, %v", v, err)
	}
	// The checkpoints are also in the file beside the database, readable
	// by Folio's user only.
	st, err := os.Stat(filepath.Join(s.dir, db.CheckpointFileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint file: %v, %v", st, err)
	}
	cps, problems, err := db.ReadCheckpointFile(filepath.Join(s.dir, db.CheckpointFileName))
	if err != nil || len(problems) > 0 || len(cps) < 2 {
		t.Errorf("checkpoint file: %d checkpoints, %v, %v", len(cps), problems, err)
	}
	reasons := map[string]bool{}
	for _, c := range cps {
		reasons[strings.Fields(c.Reason)[0]] = true
	}
	for _, r := range []string{"shutdown", "backup"} {
		if !reasons[r] {
			t.Errorf("no %s checkpoint in the file: %v", r, reasons)
		}
	}
}

// TestCheckpointsWhileFolioRuns: a busy Folio signs its head every hundred
// entries, so a trail cut while it runs is noticed too.
func TestCheckpointsWhileFolioRuns(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	before := ta.counts(t).Audit
	for range 120 {
		if _, err := ta.FrontDesk.Patients.Open(p.ID); err != nil {
			t.Fatal(err)
		}
	}
	cps, _, err := db.ReadCheckpointFile(filepath.Join(ta.Dir, db.CheckpointFileName))
	if err != nil {
		t.Fatal(err)
	}
	var periodic []db.Checkpoint
	for _, c := range cps {
		if c.Reason == "periodic" {
			periodic = append(periodic, c)
		}
	}
	if len(periodic) != 1 || periodic[0].Entries < int64(before)+100-120 || periodic[0].Entries > int64(before+120) {
		t.Fatalf("periodic checkpoints %+v after 120 entries (%d before)", periodic, before)
	}
	raw := rawChart(t, ta.Dir)
	mustExec(t, raw, "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_rows_no_delete")
	mustExec(t, raw, "DELETE FROM audit_rows WHERE seq > ?", periodic[0].Entries-10)
	mustExec(t, raw, "DELETE FROM audit WHERE seq > ?", periodic[0].Entries-10)
	c, err := ta.CheckAudit()
	if err != nil || !strings.Contains(c.Problem, fmt.Sprintf("entries %d to %d are missing", periodic[0].Entries-9, periodic[0].Entries)) {
		t.Errorf("check after a cut while running = %+v, %v", c, err)
	}
	// Folio does not sign a trail that does not verify.
	if _, _, err := ta.DB().Checkpoint(context.Background(), "test", testStart, true); err == nil {
		t.Error("a cut trail was signed")
	}
}

// TestClinicExportCarriesACheckpoint: export.json holds the audit trail's
// head as the export was written, signed with the clinic's key, and the
// same checkpoint is in folio.checkpoints.
func TestClinicExportCarriesACheckpoint(t *testing.T) {
	ta := newTestApp(t)
	ta.register(t, samplePatient())
	dir := filepath.Join(t.TempDir(), "export")
	if _, err := ta.ExportAll(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "export.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Folio struct {
			AuditCheckpoint string `json:"auditCheckpoint"`
		} `json:"folio"`
	}
	if err := json.Unmarshal(raw, &summary); err != nil {
		t.Fatal(err)
	}
	c, err := db.ParseCheckpoint(summary.Folio.AuditCheckpoint)
	if err != nil {
		t.Fatalf("export.json's checkpoint %q: %v", summary.Folio.AuditCheckpoint, err)
	}
	ta.Admin = ta.signIn(t, adminUsername, adminPassword, "admin-pc")
	key, err := ta.Admin.Admin.ClinicKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := base64.StdEncoding.DecodeString(key.PublicKey)
	if !c.SignedBy(pub) || !strings.HasPrefix(c.Reason, "export ") || c.Entries == 0 {
		t.Errorf("export checkpoint %+v not signed by the clinic's key %s", c, key.Fingerprint)
	}
	cps, _, err := db.ReadCheckpointFile(filepath.Join(ta.Dir, db.CheckpointFileName))
	found := false
	for _, f := range cps {
		found = found || f.Line() == c.Line()
	}
	if err != nil || !found {
		t.Errorf("the export's checkpoint is not in folio.checkpoints (%v)", err)
	}
}
