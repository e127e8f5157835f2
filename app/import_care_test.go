package app_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// careBundle is a collection bundle about the sample patient holding
// resources (each a FHIR resource as JSON, without its subject).
func careBundle(t *testing.T, resources ...string) []byte {
	t.Helper()
	patient := `{"resourceType": "Patient", "id": "p1", "name": [{"family": "Rivera", "given": ["Ana", "Sofia"]}],
		"gender": "female", "birthDate": "1962-03-04"}`
	entries := []string{`{"fullUrl": "urn:uuid:p1", "resource": ` + patient + `}`}
	for i, r := range resources {
		var m map[string]any
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			t.Fatalf("resource %d: %v", i, err)
		}
		m["subject"] = map[string]string{"reference": "urn:uuid:p1"}
		if m["resourceType"] == "Immunization" {
			delete(m, "subject")
			m["patient"] = map[string]string{"reference": "urn:uuid:p1"}
		}
		m["id"] = "r" + string(rune('a'+i))
		b, _ := json.Marshal(m)
		entries = append(entries, `{"fullUrl": "urn:uuid:r`+string(rune('a'+i))+`", "resource": `+string(b)+`}`)
	}
	return []byte(`{"resourceType": "Bundle", "type": "collection", "entry": [` + strings.Join(entries, ",") + `]}`)
}

func procedure(status, system, code, display, performed string, extra ...string) string {
	out := `{"resourceType": "Procedure", "status": "` + status + `", "code": {"coding": [{"system": "` + system +
		`", "code": "` + code + `", "display": "` + display + `"}]}, "performedPeriod": {"start": "` + performed +
		`T09:21:52+00:00", "end": "` + performed + `T10:04:52+00:00"}, "location": {"display": "Springfield GI"}`
	for _, e := range extra {
		out += ", " + e
	}
	return out + "}"
}

func observation(category, loinc, name, value, on string) string {
	return `{"resourceType": "Observation", "status": "final", "category": [{"coding": [{"system":
		"http://terminology.hl7.org/CodeSystem/observation-category", "code": "` + category + `"}]}], "code": {"coding":
		[{"system": "http://loinc.org", "code": "` + loinc + `", "display": "` + name + `"}]}, "effectiveDateTime": "` +
		on + `", ` + value + `}`
}

const cpt = "http://www.ama-assn.org/go/cpt"

// finishCareImport imports bundle into the chart of patientID, accepting
// Folio's suggestions.
func finishCareImport(t *testing.T, c *caller, patientID string, bundle []byte) app.ImportReview {
	t.Helper()
	r, err := c.Chart.StartImport("screenings.json", b64(bundle), "")
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if r, err = c.Chart.MatchImport(r.ID, patientID); err != nil {
		t.Fatalf("match: %v", err)
	}
	done, err := c.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	checkAccounted(t, done)
	return done
}

// TestImportedScreeningsCloseGaps imports, for each way a care rule is met
// or left, the FHIR resource another system sends: the gap it closes is
// due before and up to date after (excluded, declined, or still due for
// what does not close it), the desk's due list follows at once, and the
// same file again adds nothing.
func TestImportedScreeningsCloseGaps(t *testing.T) {
	tests := []struct {
		name     string
		resource []string
		rule     string
		status   string // after the import
		how      string // LastHow after
		written  int
	}{
		{"colonoscopy SNOMED CT", []string{procedure("completed", snomed, "73761001", "Colonoscopy", "2019-07-29")},
			"colorectal-cancer-screening", "up_to_date", "Colonoscopy", 1},
		{"colonoscopy CPT", []string{procedure("completed", cpt, "45378", "Colonoscopy, flexible; diagnostic", "2019-07-29")},
			"colorectal-cancer-screening", "up_to_date", "Colonoscopy", 1},
		{"mammogram", []string{procedure("completed", snomed, "71651007", "Mammography", "2025-10-01")},
			"breast-cancer-screening", "up_to_date", "Mammogram", 1},
		{"mammogram report", []string{`{"resourceType": "DiagnosticReport", "status": "final", "code": {"coding": [{"system":
			"http://loinc.org", "code": "24606-6", "display": "MG Breast Screening"}]}, "effectiveDateTime": "2025-10-01",
			"conclusion": "BI-RADS 1: negative"}`}, "breast-cancer-screening", "up_to_date", "Mammogram", 1},
		{"retinal exam", []string{procedure("completed", snomed, "252779009", "Single bright light retinal exam", "2026-06-01")},
			"diabetes-eye", "up_to_date", "Retinal exam", 1},
		{"FIT negative, a coded value", []string{observation("laboratory", "57905-2", "FIT", `"valueCodeableConcept": {"coding":
			[{"system": "http://snomed.info/sct", "code": "260385009", "display": "Negative"}]}`, "2026-03-01")},
			"colorectal-cancer-screening", "up_to_date", "FIT (stool test for blood)", 1},
		{"stool DNA-FIT in words, filed as a procedure", []string{observation("procedure", "77353-1", "Stool DNA-FIT",
			`"valueString": "negative"`, "2025-02-01")}, "colorectal-cancer-screening", "up_to_date", "Stool DNA-FIT", 1},
		{"PHQ-9, a survey", []string{observation("survey", "44261-6", "PHQ-9 total score", `"valueInteger": 3`, "2026-09-01")},
			"depression-screening", "up_to_date", "PHQ-2 or PHQ-9", 1},
		{"HbA1c", []string{observation("laboratory", "4548-4", "Hemoglobin A1c", `"valueQuantity": {"value": 6.4, "unit": "%",
			"system": "http://unitsofmeasure.org", "code": "%"}`, "2026-10-01")}, "diabetes-a1c", "up_to_date", "HbA1c", 1},
		{"zoster vaccine, 2 doses", []string{
			`{"resourceType": "Immunization", "status": "completed", "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "187"}]}, "occurrenceDateTime": "2025-01-10"}`,
			`{"resourceType": "Immunization", "status": "completed", "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "187"}]}, "occurrenceDateTime": "2025-04-10"}`},
			"zoster-vaccine", "up_to_date", "Recombinant zoster vaccine, 2 doses", 2},
		{"hysterectomy excludes", []string{procedure("completed", snomed, "236888001", "Laparoscopic total hysterectomy", "2015-05-05")},
			"cervical-cancer-screening", "excluded", "", 1},
		{"mastectomy excludes", []string{procedure("completed", snomed, "428529004", "Bilateral mastectomy", "2018-05-05")},
			"breast-cancer-screening", "excluded", "", 1},
		{"colectomy excludes", []string{procedure("completed", snomed, "26390003", "Total colectomy", "2012-05-05")},
			"colorectal-cancer-screening", "excluded", "", 1},
		{"refused colonoscopy is declined", []string{procedure("not-done", snomed, "73761001", "Colonoscopy", "2026-10-01",
			`"statusReason": {"coding": [{"system": "http://snomed.info/sct", "code": "183944003", "display": "Procedure refused"}]}`)},
			"colorectal-cancer-screening", "declined", "", 1},
		{"colonoscopy not done closes nothing", []string{procedure("not-done", snomed, "73761001", "Colonoscopy", "2026-10-01",
			`"statusReason": {"text": "bowel preparation inadequate"}`)}, "colorectal-cancer-screening", "due", "", 0},
		{"colonoscopy in progress closes nothing", []string{procedure("in-progress", snomed, "73761001", "Colonoscopy", "2026-10-01")},
			"colorectal-cancer-screening", "due", "", 0},
		{"preliminary mammogram report closes nothing", []string{`{"resourceType": "DiagnosticReport", "status": "preliminary",
			"code": {"coding": [{"system": "http://loinc.org", "code": "24606-6"}], "text": "Mammogram"}, "effectiveDateTime": "2025-10-01"}`},
			"breast-cancer-screening", "due", "", 0},
	}
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := samplePatient()
			in.BirthDate = "1962-03-04"
			p := ta.register(t, in)
			if _, err := c.Chart.AddProblem(p.ID, app.ProblemInput{Code: "E11.9"}); err != nil {
				t.Fatal(err)
			}
			if g := gapOf(t, c.Chart, p.ID, tt.rule); g.Status != "due" {
				t.Fatalf("before the import %s is %s, want due", tt.rule, g.Status)
			}
			bundle := careBundle(t, tt.resource...)
			done := finishCareImport(t, c, p.ID, bundle)
			if done.Tally.Written != tt.written {
				t.Errorf("written %d, want %d; items %+v", done.Tally.Written, tt.written, allItems(done))
			}
			g := gapOf(t, c.Chart, p.ID, tt.rule)
			if g.Status != tt.status || g.LastHow != tt.how {
				t.Errorf("after the import %s is %s (last %q %s, %s), want %s by %q", tt.rule, g.Status, g.LastHow,
					g.LastDone, g.Why, tt.status, tt.how)
			}
			// The desk's due list was made again in the same write.
			var due map[string]db.CareDue
			err := ta.DB().View(context.Background(), func(tx *db.Tx) error {
				rows, err := tx.CareDueFor(p.ID)
				due = map[string]db.CareDue{}
				for _, r := range rows {
					due[r.RuleID] = r
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			row, listed := due[tt.rule]
			switch tt.status {
			case "excluded":
				if listed {
					t.Errorf("due list still holds excluded %s: %+v", tt.rule, row)
				}
			case "up_to_date":
				if !listed || row.DueOn <= "2026-11-25" || row.LastHow != tt.how {
					t.Errorf("due list row %+v (listed %v), want due after today by %q", row, listed, tt.how)
				}
			case "declined":
				if !listed || row.DeclinedUntil == "" {
					t.Errorf("due list row %+v, want declined", row)
				}
			}
			// Not charted: the review said why, and the original is kept.
			for _, it := range allItems(done) {
				if it.Kind != "patient" && it.Decision == "kept_original" && it.Detail == "" {
					t.Errorf("kept %s without saying why", it.Display)
				}
			}
			// The same file again adds nothing.
			again := finishCareImport(t, c, p.ID, bundle)
			if again.Tally.Written != 0 {
				t.Errorf("the same file again wrote %d records: %+v", again.Tally.Written, allItems(again))
			}
		})
	}
}

// TestImportedProcedureKeepsWhatCame: a care record from an imported
// procedure keeps its codes as received (every coding), its date, status,
// performer and the import it came from, and the review says what it
// becomes before it is accepted.
func TestImportedProcedureKeepsWhatCame(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	in := samplePatient()
	in.BirthDate = "1962-03-04"
	p := ta.register(t, in)
	colonoscopy := `{"resourceType": "Procedure", "status": "completed", "code": {"coding": [
		{"system": "http://snomed.info/sct", "code": "73761001", "display": "Colonoscopy"},
		{"system": "http://www.ama-assn.org/go/cpt", "code": "45385", "display": "Colonoscopy with removal of polyp by snare"}]},
		"performedDateTime": "2019-03-04", "outcome": {"text": "two polyps removed"},
		"performer": [{"actor": {"display": "Dr. Okafor"}}], "location": {"display": "Springfield GI"}}`
	r, err := c.Chart.StartImport("gi.json", b64(careBundle(t, colonoscopy)), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = c.Chart.MatchImport(r.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	var item app.ImportItem
	for _, s := range r.Sections {
		if s.Kind == "procedure" && len(s.Items) == 1 {
			item = s.Items[0]
		}
	}
	if want := "Colonoscopy, 2019-03-04 — closes Colorectal cancer screening"; item.Suggested != "accept" ||
		!strings.Contains(item.Detail, want) {
		t.Fatalf("review item %+v; want it suggested with %q", item, want)
	}
	done, err := c.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	records, err := c.Chart.CareRecords(p.ID)
	if err != nil || len(records) != 1 {
		t.Fatalf("records %+v, %v", records, err)
	}
	got := records[0]
	if got.Kind != "done" || got.Source != "imported" || got.RuleID != "colorectal-cancer-screening" ||
		got.Code != "73761001" || got.CodeSystem != "http://snomed.info/sct" || got.PerformedOn != "2019-03-04" ||
		got.Result != "two polyps removed" || got.Performer != "Dr. Okafor, Springfield GI" || got.Display != "Colonoscopy" {
		t.Errorf("care record %+v", got)
	}
	err = ta.DB().View(context.Background(), func(tx *db.Tx) error {
		codings, err := tx.Codings(db.CodedCareRecord, db.CodingCode, []string{got.ID})
		if err != nil {
			return err
		}
		if c := codings[got.ID]; len(c) != 2 || c[1].System != "http://www.ama-assn.org/go/cpt" || c[1].Code != "45385" {
			t.Errorf("codings kept %+v, want both as received", c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The whole-clinic export writes it as a Procedure with both codes.
	dir := t.TempDir()
	if _, err := ta.ExportAll(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	lines := ndjsonLines(t, filepath.Join(dir, "Procedure.ndjson"))
	if len(lines) != 1 {
		t.Fatalf("%d procedures exported, want 1", len(lines))
	}
	exported, _ := json.Marshal(lines[0])
	for _, want := range []string{`"code":"73761001"`, `"code":"45385"`, `"performedDateTime":"2019-03-04"`,
		`"text":"two polyps removed"`, `"status":"completed"`} {
		if !strings.Contains(string(exported), want) {
			t.Errorf("exported procedure lacks %s: %s", want, exported)
		}
	}
	sources, err := c.Chart.ImportSources(p.ID)
	if err != nil || len(sources) != 1 || sources[0].RecordID != got.ID || sources[0].ResourceType != "Procedure" ||
		sources[0].ImportID != done.ID {
		t.Errorf("sources %+v, %v", sources, err)
	}
}

// TestImportedExamplesCloseColorectalScreening imports Synthea patients
// whose records hold colonoscopies (SNOMED CT 73761001) into charts
// registered beforehand: the screening, due before, is met by the latest.
func TestImportedExamplesCloseColorectalScreening(t *testing.T) {
	tests := []struct {
		file           string
		status, last   string
		keptProcedures int // procedures no care rule reads, kept as originals
	}{
		{"synthea-Malcom_Harris", "up_to_date", "2019-11-06", 4},
		{"synthea-Chad_Quigley", "up_to_date", "2017-06-16", 6},
		// Brant Jacobson's last one, 2016-05-13, was ten years ago: due again.
		{"synthea-Brant_Jacobson", "due", "2016-05-13", 10},
	}
	files := exampleFiles(t)
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var path string
			for _, f := range files {
				if strings.HasPrefix(filepath.Base(f), tt.file) {
					path = f
				}
			}
			r := startExample(t, c, path)
			in := samplePatient()
			in.FamilyName, in.GivenNames, in.BirthDate, in.Sex = r.Incoming.FamilyName, r.Incoming.GivenNames,
				r.Incoming.BirthDate, r.Incoming.Sex
			p := ta.register(t, in)
			if g := gapOf(t, c.Chart, p.ID, "colorectal-cancer-screening"); g.Status != "due" || g.LastDone != "" {
				t.Fatalf("before: %+v", g)
			}
			if _, err := c.Chart.MatchImport(r.ID, p.ID); err != nil {
				t.Fatal(err)
			}
			done, err := c.Chart.FinishImport(r.ID, reasonForEveryAlert(r, "as the sender prescribed"))
			if err != nil {
				t.Fatal(err)
			}
			g := gapOf(t, c.Chart, p.ID, "colorectal-cancer-screening")
			if g.Status != tt.status || g.LastDone != tt.last || g.LastHow != "Colonoscopy" {
				t.Errorf("after: %+v; want %s, last %s by colonoscopy", g, tt.status, tt.last)
			}
			kept := 0
			for _, it := range done.Unmapped {
				if it.ResourceType == "Procedure" {
					kept++
					if !strings.Contains(it.Detail, "no care rule reads") {
						t.Errorf("kept procedure %s: %q", it.Display, it.Detail)
					}
				}
			}
			if kept != tt.keptProcedures {
				t.Errorf("%d procedures kept as originals, want %d", kept, tt.keptProcedures)
			}
		})
	}
}
