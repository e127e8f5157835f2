package fhir

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// These tests hand Folio's FHIR to a validator Folio did not write:
// @medplum/core's validateResource against the R4 definitions, plus the IPS
// checks of frontend/scripts/fhir-validate.mjs. They fail, not skip,
// without Node or the frontend's packages: the issue asks for external
// validation in the suite, and CI installs both (npm ci) before make test.

// externalValidator runs the validator on files; it returns its report and
// whether it found them valid.
func externalValidator(t *testing.T, files ...string) (string, bool) {
	t.Helper()
	frontend, err := filepath.Abs(filepath.Join("..", "..", "frontend"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("the FHIR validator needs Node.js, which is not installed: run `make deps-test`")
	}
	if _, err := os.Stat(filepath.Join(frontend, "node_modules", "@medplum", "core", "package.json")); err != nil {
		t.Fatal("the FHIR validator needs the frontend's packages (@medplum/core): run `npm ci` in frontend/ or `make deps-test`")
	}
	args := []string{filepath.Join(frontend, "scripts", "fhir-validate.mjs")}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, abs)
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = frontend
	out, err := cmd.CombinedOutput()
	if _, failed := err.(*exec.ExitError); err != nil && !failed {
		t.Fatalf("run the FHIR validator: %v\n%s", err, out)
	}
	return string(out), err == nil
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// variedRecords are charts that exercise the corners of the mapping.
func variedRecords() map[string]Record {
	partial := fullRecord()
	partial.Patient.ID = "0193a0c4-0000-7000-8000-000000000003"
	partial.Problems = []Problem{{ID: "pp1", Code: "M54.5", Title: "Low back pain", Onset: "1999", Status: "resolved", ResolvedOn: "2001-07"}}
	partial.Allergies = []Allergy{{ID: "pa1", Substance: "Sulfa drugs", SubstanceKind: "drug_class", Severity: "unknown", Status: "active", Onset: "1985-02"}}
	partial.Immunizations = []Immunization{{ID: "pi1", CVX: "03", Vaccine: "MMR", OccurredOn: "1970", Source: "elsewhere", Status: "completed"},
		{ID: "pi2", CVX: "09", Vaccine: "Td (adult)", OccurredOn: "2004-09", Source: "elsewhere", Status: "completed"},
		{ID: "pi3", CVX: "21", Vaccine: "varicella", Source: "elsewhere", Status: "completed"}}
	partial.Referral = nil
	// Screenings done: one imported with the codes it came with, one done
	// here, one reported by the year alone, one entered in error.
	partial.Procedures = []Procedure{
		{ID: "pr1", CodeSystem: SystemSNOMED, Code: "73761001", Display: "Colonoscopy", PerformedOn: "2019-03-04",
			Result: "two polyps removed", Performer: "Dr. Okafor, Springfield GI", Source: "imported", Status: "active",
			Codings: []Coding{{System: SystemSNOMED, Code: "73761001", Display: "Colonoscopy"},
				{System: SystemCPT, Code: "45385", Display: "Colonoscopy with removal of polyp by snare"}}},
		{ID: "pr2", CodeSystem: SystemSNOMED, Code: "252779009", Display: "Retinal exam", PerformedOn: "2026-06-01", Source: "here", Status: "active"},
		{ID: "pr3", CodeSystem: SystemCPT, Code: "77067", Display: "Mammogram", PerformedOn: "2024", Source: "elsewhere", Status: "active"},
		{ID: "pr4", CodeSystem: SystemSNOMED, Code: "236888001", Display: "Hysterectomy", PerformedOn: "2015-05", Source: "elsewhere",
			Status: "entered_in_error", Note: "another patient's"}}

	text := emptyRecord()
	text.Patient.ID = "0193a0c4-0000-7000-8000-000000000004"
	text.LabResults = []LabResult{
		{ID: "t1", LOINC: "5778-6", Name: "Color of Urine", ValueText: "Amber", RangeText: "Yellow", Flag: "A", ObservedAt: "2025-03-01", Status: "final"},
		{ID: "t2", LOINC: "94500-6", Name: "SARS-CoV-2 RNA", ValueText: "Not detected", Flag: "N", ObservedAt: "2025-03-01T09:00:00Z", Status: "final"},
		{ID: "t3", Name: "Lab's own test without a code", ValueText: "see report", ObservedAt: "2025-03-02", Status: "final"},
		{ID: "t4", LOINC: "2093-3", Name: "Cholesterol", Value: ptr(212), Unit: "mg/dL", RangeText: "<200", Flag: "H", ObservedAt: "2025-03-01", Status: "final"},
	}
	text.NoKnownAllergies, text.NoKnownMedications = true, true

	unicode := fullRecord()
	unicode.Patient = Patient{ID: "0193a0c4-0000-7000-8000-000000000005", MRN: "MRN-000125", FamilyName: "Øster-Łukasiewicz",
		GivenNames: "Zoë Ἀφροδίτη 美咲", BirthDate: "1990-12-31", Sex: "other", City: "Zürich", Language: "Deutsch (Schweiz)",
		AddressLine: "Bahnhofstraße 1 <b>&</b>"}
	unicode.Author = Author{ID: "u2", Name: "Dr. José Ñúñez"}
	unicode.Referral.Text = "Çok teşekkürler — 谢谢 — \"quoted\" <script>alert(1)</script>"
	unicode.Problems[0].Title = "Diabetes <type 2> & co"

	visits := withVisits(fullRecord())
	visits.Patient.ID = "0193a0c4-0000-7000-8000-000000000006"

	appointments := withAppointments(fullRecord())
	appointments.Patient.ID = "0193a0c4-0000-7000-8000-000000000008"

	out := map[string]Record{"full": fullRecord(), "empty": emptyRecord(), "partial-dates": partial,
		"text-results": text, "unicode": unicode, "visits": visits, "received": receivedRecord(),
		"appointments": appointments}
	for name, rec := range out {
		out[name] = ownItems(rec, name)
	}
	return out
}

// ownItems gives rec's items ids of their own, as Folio's are: the
// fixtures share theirs.
func ownItems(rec Record, prefix string) Record {
	rec.Problems, rec.Allergies = append([]Problem{}, rec.Problems...), append([]Allergy{}, rec.Allergies...)
	rec.Medications, rec.Immunizations = append([]Medication{}, rec.Medications...), append([]Immunization{}, rec.Immunizations...)
	rec.LabResults, rec.Vitals = append([]LabResult{}, rec.LabResults...), append([]VitalsSet{}, rec.Vitals...)
	rec.Visits, rec.Documents = append([]Visit{}, rec.Visits...), append([]Document{}, rec.Documents...)
	rec.Procedures = append([]Procedure{}, rec.Procedures...)
	for i := range rec.Procedures {
		rec.Procedures[i].ID = prefix + rec.Procedures[i].ID
	}
	for i := range rec.Visits {
		v := &rec.Visits[i]
		v.ID, v.Note.ID = prefix+v.ID, prefix+v.Note.ID
		v.DiagnosisProblemIDs = append([]string{}, v.DiagnosisProblemIDs...)
		for j := range v.DiagnosisProblemIDs {
			v.DiagnosisProblemIDs[j] = prefix + v.DiagnosisProblemIDs[j]
		}
	}
	for i := range rec.Documents {
		d := &rec.Documents[i]
		d.ID = prefix + d.ID
		if d.VisitID != "" {
			d.VisitID = prefix + d.VisitID
		}
	}
	for i := range rec.Problems {
		rec.Problems[i].ID = prefix + rec.Problems[i].ID
	}
	for i := range rec.Allergies {
		rec.Allergies[i].ID = prefix + rec.Allergies[i].ID
	}
	for i := range rec.Medications {
		rec.Medications[i].ID = prefix + rec.Medications[i].ID
	}
	for i := range rec.Immunizations {
		rec.Immunizations[i].ID = prefix + rec.Immunizations[i].ID
	}
	for i := range rec.LabResults {
		rec.LabResults[i].ID = prefix + rec.LabResults[i].ID
	}
	for i := range rec.Vitals {
		rec.Vitals[i].ID = prefix + rec.Vitals[i].ID
	}
	return rec
}

func TestExternalValidatorAcceptsFolioExports(t *testing.T) {
	dir := t.TempDir()
	var files []string
	streams := map[string]*os.File{}
	bulk := NewNDJSON(func(resourceType string) (io.Writer, error) {
		f, err := os.Create(filepath.Join(dir, resourceType+".ndjson"))
		streams[resourceType] = f
		return f, err
	})
	for name, rec := range variedRecords() {
		data, err := IPSDocument(rec, Options{Now: exportTime, DocumentID: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files = append(files, writeFile(t, dir, name+".json", data))
		if err := bulk.Add(rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for resourceType, f := range streams {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, resourceType+".ndjson"))
	}
	if len(streams) != len(BulkTypes) {
		t.Errorf("the bulk export wrote %d types, want all %d", len(streams), len(BulkTypes))
	}
	report, ok := externalValidator(t, files...)
	if !ok {
		t.Fatalf("the external validator refused Folio's FHIR:\n%s", report)
	}
	t.Log(strings.TrimSpace(report))
}

func TestExternalValidatorAcceptsIPSExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "ips", "*.json"))
	if err != nil || len(files) != 4 {
		t.Fatalf("the 4 IPS examples: %v %v", files, err)
	}
	if report, ok := externalValidator(t, files...); !ok {
		t.Fatalf("the validator refused the IPS IG's own examples:\n%s", report)
	}
}

// TestExternalValidatorRejectsBrokenDocuments proves the validator is no
// rubber stamp: each broken document must be refused, saying why.
func TestExternalValidatorRejectsBrokenDocuments(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(b *outBundle)
		want  string
	}{
		{name: "no-composition", spoil: func(b *outBundle) { b.Entry = b.Entry[1:] },
			want: "the first entry of a document must be its Composition"},
		{name: "dangling-reference", spoil: func(b *outBundle) {
			b.Entry = append(b.Entry[:2], b.Entry[3:]...) // drop the Practitioner the Composition names
		}, want: "does not resolve inside the bundle"},
		{name: "missing-required-section", spoil: func(b *outBundle) {
			c := b.Entry[0].Resource.(outComposition)
			c.Section = c.Section[1:]
			b.Entry[0].Resource = c
		}, want: "the required Problems section (LOINC 11450-4) is missing"},
		{name: "no-narrative", spoil: func(b *outBundle) {
			c := b.Entry[0].Resource.(outComposition)
			c.Section[1].Text.Div = ""
			b.Entry[0].Resource = c
		}, want: "has no narrative"},
		{name: "invalid-resource", spoil: func(b *outBundle) {
			p := b.Entry[1].Resource.(outPatient)
			p.BirthDate = "14/03/1961"
			b.Entry[1].Resource = p
		}, want: "birthDate"},
	}
	dir := t.TempDir()
	var files []string
	for _, tt := range tests {
		rec := fullRecord()
		b, err := ipsBundle(&rec, Options{Now: exportTime})
		if err != nil {
			t.Fatal(err)
		}
		tt.spoil(b)
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, writeFile(t, dir, tt.name+".json", data))
	}
	report, ok := externalValidator(t, files...)
	if ok {
		t.Fatalf("the validator accepted broken documents:\n%s", report)
	}
	for _, tt := range tests {
		if !reportSays(report, tt.name+".json", tt.want) {
			t.Errorf("%s: the report does not say %q:\n%s", tt.name, tt.want, report)
		}
	}
}

func TestExternalValidatorRejectsBrokenNDJSON(t *testing.T) {
	dir := t.TempDir()
	rec := fullRecord()
	resources, err := Resources(rec)
	if err != nil {
		t.Fatal(err)
	}
	var conditions, observations strings.Builder
	for _, r := range resources {
		switch r.Type {
		case "Condition":
			conditions.Write(r.JSON)
			conditions.WriteByte('\n')
		case "Observation":
			observations.Write(r.JSON)
			observations.WriteByte('\n')
		}
	}
	// The Patient file is missing: every subject dangles.
	files := []string{writeFile(t, dir, "Condition.ndjson", []byte(conditions.String())),
		writeFile(t, dir, "Observation.ndjson", []byte(observations.String()+`{"resourceType":"Observation","id":"x","status":"final"}`+"\n"))}
	report, ok := externalValidator(t, files...)
	if ok {
		t.Fatalf("the validator accepted a broken export:\n%s", report)
	}
	if !reportSays(report, "Condition.ndjson", "names no resource of the export") {
		t.Errorf("dangling subject not reported:\n%s", report)
	}
	if !reportSays(report, "Observation.ndjson", "Observation.code") {
		t.Errorf("an Observation without its code not reported:\n%s", report)
	}
}

func reportSays(report, file, what string) bool {
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, file) && strings.Contains(line, what) {
			return true
		}
	}
	return false
}
