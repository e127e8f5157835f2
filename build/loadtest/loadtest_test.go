package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// folioBinary is the folio to serve with: LOADTEST_FOLIO, or one built
// from this checkout (which needs frontend/dist, as the main package's
// tests do; make test-go builds it first).
func folioBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("LOADTEST_FOLIO"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "folio")
	cmd := exec.Command("go", "build", "-o", bin, "folio")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build folio (it embeds frontend/dist: make frontend/dist/index.html first): %v\n%s", err, out)
	}
	return bin
}

// TestQuickDay plays the quick day (30 s, 5,000 patients) against a booked
// folio serve --lan and requires what a full run requires: no error and
// no acknowledged write missing after a restart. Timings are only
// reported: this machine may be busy with other work.
func TestQuickDay(t *testing.T) {
	cfg, err := configFrom(func(name string) string {
		return map[string]string{"LOADTEST_DURATION": "30s", "LOADTEST_PATIENTS": "5000"}[name]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Folio, cfg.DataDir, cfg.Out = folioBinary(t), t.TempDir(), t.TempDir()
	var log bytes.Buffer
	rep, err := run(context.Background(), cfg, &log)
	t.Logf("%s", log.String())
	if err != nil {
		t.Fatalf("the load test did not run: %v", err)
	}
	if rep.Errors != 0 {
		t.Errorf("%d errors, the first: %q", rep.Errors, rep.FirstErrors)
	}
	if len(rep.Lost) != 0 {
		t.Errorf("%d acknowledged writes lost: %q", len(rep.Lost), rep.Lost)
	}
	w := rep.Writes
	if w.Notes == 0 || w.Vitals == 0 || w.Registrations+w.Appointments == 0 {
		t.Errorf("the day wrote too little to check anything: %+v", w)
	}
	made := map[string]bool{}
	for _, c := range rep.Calls {
		made[c.Call] = c.Count > 0
	}
	for _, call := range []string{"Patients.Search", "Schedule.Book", "Schedule.Move", "Chart.OpenEncounter", "Chart.SaveDraft", "Chart.RecordVitals"} {
		if !made[call] {
			t.Errorf("the day made no %s call", call)
		}
	}
	if rep.TotalCalls < 100 || rep.Host.CPUSeconds <= 0 || rep.Host.PeakRSSBytes <= 0 {
		t.Errorf("the report lacks figures: %d calls, %.2f s CPU, %d bytes peak RSS",
			rep.TotalCalls, rep.Host.CPUSeconds, rep.Host.PeakRSSBytes)
	}
	for _, name := range []string{"report.txt", "report.json"} {
		data, err := os.ReadFile(filepath.Join(cfg.Out, name))
		if err != nil || !strings.Contains(string(data), "Patients.Search") {
			t.Errorf("%s: %v, %.200q", name, err, data)
		}
	}
	if !rep.Passed() {
		t.Errorf("the run did not pass:\n%s", log.String())
	}

	t.Run("verify finds what is missing or different", func(t *testing.T) {
		testVerifyFindsLoss(t, cfg)
	})
}

// testVerifyFindsLoss checks the check: a ledger claiming writes the
// database does not hold (an unknown patient, vitals and note, an
// appointment at a version it never reached) is told so, line by line.
func testVerifyFindsLoss(t *testing.T, cfg config) {
	ctx := context.Background()
	clinic, err := ensureClinic(ctx, cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(cfg.DataDir, "run")
	roots, err := clinicCA(ctx, cfg.Folio, runDir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := startHost(cfg.Folio, runDir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer h.stop()
	st := newStats()
	desk, clin := newClient(h.endpoint, roots, st), newClient(h.endpoint, roots, st)
	if err := desk.signIn(ctx, "frontdesk1", loadtestPassword); err != nil {
		t.Fatal(err)
	}
	var doctor account
	for _, a := range clinic.Accounts {
		if a.Role == app.RoleClinician {
			doctor = a
			break
		}
	}
	if err := clin.signIn(ctx, doctor.Username, doctor.Password); err != nil {
		t.Fatal(err)
	}
	var day app.Calendar
	if err := desk.call(ctx, &day, "Schedule", "Day", time.Now().Format("2006-01-02"), ""); err != nil || len(day.Appointments) == 0 {
		t.Fatalf("today's appointments: %v (%d)", err, len(day.Appointments))
	}
	booked := day.Appointments[0]
	var hits []app.PatientHit
	if err := desk.call(ctx, &hits, "Patients", "Search", clinic.Charted[0], 1); err != nil || len(hits) != 1 {
		t.Fatalf("the first charted patient: %v (%d)", err, len(hits))
	}

	l := newLedger()
	l.registrations["no-such-patient"] = app.PatientInput{FamilyName: "Nobody", GivenNames: "Never", BirthDate: "2000-01-01"}
	booked.Version++
	l.appointment(booked)
	l.vitalsRecorded(app.VitalsSet{ID: "no-such-vitals", PatientID: hits[0].ID})
	l.notes["no-such-encounter"] = &ackNote{PatientID: hits[0].ID, Text: app.NoteText{Subjective: "typed"}}
	lost, err := l.verify(ctx, desk, clin)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"appointment " + booked.ID, "no-such-encounter", "no-such-patient", "no-such-vitals"}
	if len(lost) != len(want) {
		t.Fatalf("lost = %q, want one line for each of %q", lost, want)
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(lost, "\n"), w) {
			t.Errorf("no line for %s in %q", w, lost)
		}
	}
}
