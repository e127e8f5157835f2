package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"folio/app"
)

// ndjsonLines reads an NDJSON file: each line one JSON object.
func ndjsonLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: a line is not JSON: %v: %s", filepath.Base(path), err, sc.Text())
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExportAll(t *testing.T) {
	ta := newTestApp(t)
	newReferralChart(t, ta)
	for range 4 {
		ta.register(t, samplePatient())
	}
	survivor := ta.register(t, samplePatient())
	duplicate := ta.register(t, samplePatient())
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	var calls [][2]int
	counts, err := ta.ExportAll(context.Background(), dir, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	// Six charts in use; the merged one is no chart of its own.
	if counts.Patients != 6 || counts.Resources["Patient"] != 6 || len(calls) == 0 || calls[len(calls)-1] != [2]int{6, 6} {
		t.Errorf("counts %+v, progress %v", counts, calls)
	}
	patients := ndjsonLines(t, filepath.Join(dir, "Patient.ndjson"))
	if len(patients) != 6 {
		t.Errorf("%d patients written", len(patients))
	}
	for _, p := range patients {
		if p["resourceType"] != "Patient" || p["id"] == "" {
			t.Errorf("patient line %v", p)
		}
	}
	conditions := ndjsonLines(t, filepath.Join(dir, "Condition.ndjson"))
	// All four problems, the retracted one marked so: the export keeps the history.
	if len(conditions) != 4 || counts.Resources["Condition"] != 4 {
		t.Errorf("%d conditions written, counted %d", len(conditions), counts.Resources["Condition"])
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "Condition.ndjson"))
	if !strings.Contains(string(raw), "entered-in-error") || !strings.Contains(string(raw), "F32.9") {
		t.Errorf("conditions: %s", raw)
	}
	for _, name := range []string{"AllergyIntolerance", "MedicationStatement", "Immunization", "Observation"} {
		if lines := ndjsonLines(t, filepath.Join(dir, name+".ndjson")); len(lines) != counts.Resources[name] || len(lines) == 0 {
			t.Errorf("%s: %d lines, counted %d", name, len(lines), counts.Resources[name])
		}
	}
	var summary struct {
		TransactionTime string `json:"transactionTime"`
		Output          []struct {
			Type  string `json:"type"`
			URL   string `json:"url"`
			Count int    `json:"count"`
		} `json:"output"`
		Folio struct {
			Patients int `json:"patients"`
			Schema   int `json:"schema"`
		} `json:"folio"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "export.json"))
	if err != nil || json.Unmarshal(data, &summary) != nil {
		t.Fatalf("export.json: %v: %s", err, data)
	}
	if summary.Folio.Patients != 6 || len(summary.Output) != len(counts.Files) || summary.TransactionTime == "" {
		t.Errorf("export.json %s", data)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".partial") {
			t.Errorf("left %s behind", e.Name())
		}
	}
	if e := ta.lastAudit(t); e.Action != "export.all" || !strings.Contains(e.Detail, "6 patients") ||
		!strings.Contains(e.Workstation, "command line") {
		t.Errorf("audit %+v", e)
	}

	// A folder with files in it is refused, and nothing is written.
	before := ta.counts(t)
	_, err = ta.ExportAll(context.Background(), dir, nil)
	wantKind(t, err, app.Invalid)
	if after := ta.counts(t); after != before {
		t.Errorf("a refused export wrote: %+v, %+v", before, after)
	}
}
