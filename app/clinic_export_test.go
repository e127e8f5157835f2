package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
)

// exportPatients is the size of the clinic the export tests write: more
// than one batch, so the export runs long enough to be seen running.
const exportPatients = 4500

// clinicForExport is a test clinic of exportPatients charts, one of them
// with a clinical history.
func clinicForExport(t *testing.T) *testApp {
	t.Helper()
	ta := newTestApp(t)
	newReferralChart(t, ta)
	if _, err := ta.RegisterPatients(adminUsername, demo.Patients(exportPatients-1, 5)); err != nil {
		t.Fatal(err)
	}
	return ta
}

// waitForExport polls the export's status, as the screen does, until it
// has finished.
func waitForExport(t *testing.T, admin *app.Admin) app.ClinicExport {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := admin.ClinicExportStatus()
		if err != nil {
			t.Fatal(err)
		}
		if !st.Running {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export is still running: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// withoutAudit is c without the audit trail's count, which a running
// export adds to when it finishes.
func withoutAudit(c counts) counts {
	c.Audit = 0
	return c
}

func TestClinicExport(t *testing.T) {
	ta := clinicForExport(t)
	admin := ta.Admin.Admin

	wantDir := filepath.Join(ta.Dir, "exports", testStart.Format("2006-01-02-1504"))
	st, err := admin.ClinicExportStatus()
	if err != nil || st.StartedAt != "" || st.Running || st.DefaultDir != wantDir {
		t.Errorf("before any export: %+v, %v; want the default folder %s", st, err, wantDir)
	}
	st, err = admin.StartClinicExport("")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Running || st.Total != exportPatients || st.Dir != wantDir || st.StartedBy != adminUsername || st.StartedAt == "" {
		t.Errorf("started: %+v, want running into %s", st, wantDir)
	}

	// A second start while the first runs is refused, and starts nothing.
	before := ta.counts(t)
	_, err = admin.StartClinicExport("")
	if e := wantKind(t, err, app.Conflict); !strings.Contains(e.Message, "already running") {
		t.Errorf("second start: %q", e.Message)
	}
	if after := ta.counts(t); withoutAudit(after) != withoutAudit(before) {
		t.Errorf("a refused start wrote: %+v, %+v", before, after)
	}

	st = waitForExport(t, admin)
	if st.Error != "" || st.Counts == nil || st.FinishedAt == "" || !strings.Contains(st.Included, "patients") {
		t.Fatalf("finished: %+v", st)
	}
	if st.Done != exportPatients || st.Total != exportPatients || st.Counts.Patients != exportPatients ||
		st.Counts.Resources["Patient"] != exportPatients {
		t.Errorf("finished with %d of %d, counts %+v", st.Done, st.Total, st.Counts)
	}
	t.Logf("%d patients exported in %.2fs", st.Counts.Patients, st.Counts.Seconds)
	// The counts shown are the files' lines.
	for _, name := range st.Counts.Files {
		lines := ndjsonLines(t, filepath.Join(wantDir, name))
		if want := st.Counts.Resources[strings.TrimSuffix(name, ".ndjson")]; len(lines) != want || want == 0 {
			t.Errorf("%s: %d lines, counted %d", name, len(lines), want)
		}
	}
	if len(st.Counts.Files) < 5 {
		t.Errorf("files %v", st.Counts.Files)
	}
	var summary struct {
		Request string `json:"request"`
		Folio   struct {
			Patients int `json:"patients"`
		} `json:"folio"`
	}
	data, err := os.ReadFile(filepath.Join(wantDir, "export.json"))
	if err != nil || json.Unmarshal(data, &summary) != nil || summary.Folio.Patients != exportPatients ||
		!strings.Contains(summary.Request, "Export clinic") {
		t.Errorf("export.json: %v: %s", err, data)
	}
	// Audited once, as the admin at their own workstation.
	exports := 0
	for _, e := range ta.audit(t) {
		if e.Action == "export.all" {
			exports++
			if e.Username != adminUsername || e.Workstation != "admin-pc" || !strings.Contains(e.Detail, "4500 patients") {
				t.Errorf("audit %+v", e)
			}
		}
	}
	if exports != 1 {
		t.Errorf("%d export.all entries, want 1", exports)
	}

	// Another export of the same minute goes to a folder of its own.
	if st, err = admin.StartClinicExport(""); err != nil {
		t.Fatal(err)
	}
	if st.Dir != wantDir+"-2" {
		t.Errorf("second export into %s", st.Dir)
	}
	if st = waitForExport(t, admin); st.Error != "" || st.Counts.Patients != exportPatients {
		t.Errorf("second export: %+v", st)
	}
}

func TestClinicExportRefusesBadFolders(t *testing.T) {
	ta := newTestApp(t)
	ta.register(t, samplePatient())
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "notes.txt"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(full, "notes.txt")
	cases := []struct {
		name, dir, want string
	}{
		{"relative", "exports/today", "full path"},
		{"not empty", full, "not empty"},
		{"a file", file, "could not write"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.counts(t)
			_, err := ta.Admin.Admin.StartClinicExport(tc.dir)
			e := wantKind(t, err, app.Invalid)
			if !strings.Contains(e.Fields["dir"], tc.want) {
				t.Errorf("dir: %q, want %q", e.Fields["dir"], tc.want)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused export wrote: %+v, %+v", before, after)
			}
			st, err := ta.Admin.Admin.ClinicExportStatus()
			if err != nil || st.StartedAt != "" {
				t.Errorf("status after a refused start: %+v, %v", st, err)
			}
		})
	}
	// Nothing was made: not the relative folder, not the data folder's exports.
	for _, dir := range []string{"exports", filepath.Join(ta.Dir, "exports")} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s exists: %v", dir, err)
		}
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("the full folder holds %d entries", len(entries))
	}
}

func TestClinicExportIsForAdmins(t *testing.T) {
	ta := newTestApp(t)
	ta.register(t, samplePatient())
	for _, c := range []*caller{ta.FrontDesk, ta.Clinician, ta.SignedOut} {
		before := ta.counts(t)
		_, err := c.Admin.StartClinicExport("")
		if k := kindOf(err); k != app.Forbidden && k != app.Unauthenticated {
			t.Errorf("%s: start: %v", c.User.Role, err)
		}
		if _, err := c.Admin.ClinicExportStatus(); kindOf(err) == "" {
			t.Errorf("%s: status allowed", c.User.Role)
		}
		if after := ta.counts(t); after != before {
			t.Errorf("%s: a refused start wrote: %+v, %+v", c.User.Role, before, after)
		}
	}
	if _, err := os.Stat(filepath.Join(ta.Dir, "exports")); !os.IsNotExist(err) {
		t.Errorf("an export folder was made: %v", err)
	}
}

// TestClinicExportStopsWhenFolioCloses closes Folio during an export: it
// ends before the database closes, and leaves either a whole export or none.
func TestClinicExportStopsWhenFolioCloses(t *testing.T) {
	ta := clinicForExport(t)
	st, err := ta.Admin.Admin.StartClinicExport("")
	if err != nil {
		t.Fatal(err)
	}
	if err := ta.Close(); err != nil {
		t.Fatal(err)
	}
	// Stopped, the export removed its files and the folder it made; else
	// it finished before Folio closed. Never a half export.
	entries, err := os.ReadDir(st.Dir)
	if os.IsNotExist(err) {
		t.Logf("stopped: the folder was removed")
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	all := strings.Join(names, " ")
	if !strings.Contains(all, "export.json") || strings.Contains(all, ".partial") {
		t.Errorf("a half export was left: %v", names)
	}
	t.Logf("finished before Folio closed: %v", names)
}
