package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readExample(t testing.TB, name string) []byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "*", name))
	if len(paths) != 1 {
		t.Fatalf("example %s: found %d files", name, len(paths))
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t testing.TB, data []byte) *Import {
	t.Helper()
	imp, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return imp
}

// everyEntry lists the bundle entry of every resource in the import, so a
// test can prove each resource landed in exactly one place.
func everyEntry(imp *Import) []int {
	var out []int
	for _, x := range imp.Patients {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Problems {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Allergies {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Medications {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Immunizations {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Results {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Vitals {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Procedures {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Reports {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Unmapped {
		out = append(out, x.Origin.Entry)
	}
	for _, x := range imp.Skipped {
		out = append(out, x.Origin.Entry)
	}
	return out
}

// checkNothingDropped asserts in == mapped + unmapped + skipped, and more:
// every resource is in exactly one place, and each keeps its original JSON.
func checkNothingDropped(t *testing.T, imp *Import) ImportCounts {
	t.Helper()
	c := imp.Counts()
	if c.In != c.MappedTotal+c.UnmappedTotal+c.SkippedTotal {
		t.Errorf("in %d != mapped %d + unmapped %d + skipped %d", c.In, c.MappedTotal, c.UnmappedTotal, c.SkippedTotal)
	}
	seen := map[int]bool{}
	for _, e := range everyEntry(imp) {
		if seen[e] {
			t.Errorf("entry %d is in two places", e)
		}
		seen[e] = true
	}
	if len(seen) != c.In {
		t.Errorf("%d distinct entries placed, %d resources in", len(seen), c.In)
	}
	for _, u := range imp.Unmapped {
		if len(u.Origin.Raw) == 0 || u.Reason == "" {
			t.Errorf("unmapped %s/%s lacks its original or reason", u.Origin.ResourceType, u.Origin.ID)
		}
	}
	return c
}

// The external examples import with nothing dropped. Counts were computed
// once, checked against the files' own resource counts, and pinned.
func TestParseExamplesNothingDropped(t *testing.T) {
	type m = map[string]int
	tests := []struct {
		file     string
		in       int
		mapped   m
		unmapped m
		skipped  m
	}{
		{"Bundle-IPS-examples-Bundle-01.json", 20, m{"allergy": 2, "medication": 2, "patient": 1, "problem": 2, "result": 6}, m{"Composition": 1, "Medication": 2, "Observation": 1, "Organization": 2, "Practitioner": 1}, m{}},
		{"Bundle-IPS-examples-Bundle-with-immunization.json", 21, m{"allergy": 2, "immunization": 1, "medication": 2, "patient": 1, "problem": 2, "result": 6}, m{"Composition": 1, "Medication": 2, "Observation": 1, "Organization": 2, "Practitioner": 1}, m{}},
		{"Bundle-bundle-minimal.json", 8, m{"allergy": 1, "medication": 1, "patient": 1, "problem": 1}, m{"Composition": 1, "Medication": 1, "Organization": 1, "Practitioner": 1}, m{}},
		{"Bundle-bundle-no-info-required-sections.json", 8, m{"immunization": 2, "patient": 1}, m{"Composition": 1, "Organization": 2, "Practitioner": 1, "PractitionerRole": 1}, m{}},
		{"synthea-Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json", 246, m{"allergy": 1, "immunization": 13, "medication": 7, "patient": 1, "problem": 7, "procedure": 24, "report": 5, "result": 35, "vital": 50}, m{"CarePlan": 5, "Claim": 29, "Encounter": 22, "ExplanationOfBenefit": 22, "Observation": 21, "Organization": 2, "Practitioner": 2}, m{}},
		{"synthea-Alexis_Toy_68cd1181-6359-4047-a77f-a165d7912480.json", 176, m{"allergy": 8, "immunization": 25, "medication": 3, "patient": 1, "problem": 2, "procedure": 9, "report": 1, "result": 26, "vital": 41}, m{"CarePlan": 1, "Claim": 17, "Encounter": 14, "ExplanationOfBenefit": 14, "Observation": 10, "Organization": 2, "Practitioner": 2}, m{}},
		{"synthea-Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae.json", 175, m{"allergy": 4, "immunization": 9, "medication": 9, "patient": 1, "problem": 7, "procedure": 1, "report": 4, "result": 30, "vital": 26}, m{"CarePlan": 6, "Claim": 29, "Encounter": 20, "ExplanationOfBenefit": 20, "Observation": 5, "Organization": 2, "Practitioner": 2}, m{}},
		{"synthea-Beatrice_Hagenes_c2a1f46c-7072-40cb-814b-6acf5b96aadf.json", 189, m{"immunization": 26, "medication": 5, "patient": 1, "problem": 5, "procedure": 7, "report": 1, "result": 11, "vital": 56}, m{"CarePlan": 3, "Claim": 23, "Encounter": 18, "ExplanationOfBenefit": 18, "Observation": 13, "Organization": 1, "Practitioner": 1}, m{}},
		{"synthea-Blair_Conroy_8de41d0d-0ae7-4cb6-97e2-900b07a1e4f7.json", 143, m{"allergy": 4, "immunization": 9, "medication": 2, "patient": 1, "problem": 4, "procedure": 4, "report": 5, "result": 34, "vital": 26}, m{"CarePlan": 4, "Claim": 15, "Encounter": 13, "ExplanationOfBenefit": 13, "Observation": 5, "Organization": 2, "Practitioner": 2}, m{}},
		{"synthea-Brant_Jacobson_e5c79132-16cc-4b3b-91ad-fc1946454995.json", 293, m{"allergy": 5, "immunization": 14, "medication": 7, "patient": 1, "problem": 9, "procedure": 12, "report": 4, "result": 36, "vital": 67}, m{"CarePlan": 3, "Claim": 44, "Encounter": 37, "ExplanationOfBenefit": 37, "Observation": 13, "Organization": 2, "Practitioner": 2}, m{}},
		{"synthea-Catina_Witting_8e81f54b-b5e3-40b4-8497-88ba0d13f945.json", 221, m{"immunization": 10, "medication": 4, "patient": 1, "problem": 9, "procedure": 10, "report": 3, "result": 22, "vital": 70}, m{"CarePlan": 2, "Claim": 27, "Encounter": 23, "ExplanationOfBenefit": 23, "Observation": 15, "Organization": 1, "Practitioner": 1}, m{}},
		{"synthea-Chad_Quigley_b9737c68-296c-46fa-9a3c-aca513681a73.json", 193, m{"allergy": 1, "immunization": 13, "medication": 2, "patient": 1, "problem": 4, "procedure": 9, "report": 6, "result": 38, "vital": 52}, m{"CarePlan": 1, "Claim": 19, "Encounter": 17, "ExplanationOfBenefit": 17, "Observation": 11, "Organization": 1, "Practitioner": 1}, m{}},
		{"synthea-Lavelle_Kuvalis_9f0fb46c-c9f5-4c50-a983-9f87bf591ce9.json", 225, m{"immunization": 11, "medication": 1, "patient": 1, "problem": 7, "procedure": 13, "report": 7, "result": 60, "vital": 52}, m{"CarePlan": 2, "Claim": 20, "Encounter": 19, "ExplanationOfBenefit": 19, "Observation": 11, "Organization": 1, "Practitioner": 1}, m{}},
		{"synthea-Malcom_Harris_2b6258e3-b5d9-4deb-88f4-ee1ef906dd03.json", 177, m{"immunization": 12, "patient": 1, "problem": 6, "procedure": 6, "report": 5, "result": 34, "vital": 47}, m{"CarePlan": 1, "Claim": 18, "Encounter": 18, "ExplanationOfBenefit": 18, "Observation": 9, "Organization": 1, "Practitioner": 1}, m{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readExample(t, tt.file)
			imp := mustParse(t, data)
			c := checkNothingDropped(t, imp)
			var bundle struct {
				Entry []json.RawMessage `json:"entry"`
			}
			if err := json.Unmarshal(data, &bundle); err != nil {
				t.Fatal(err)
			}
			if c.In != tt.in || len(bundle.Entry) != tt.in {
				t.Errorf("in = %d, file has %d entries, want %d", c.In, len(bundle.Entry), tt.in)
			}
			for _, got := range []struct {
				what      string
				got, want map[string]int
			}{{"mapped", c.Mapped, tt.mapped}, {"unmapped", c.Unmapped, tt.unmapped}, {"skipped", c.Skipped, tt.skipped}} {
				if !reflect.DeepEqual(got.got, got.want) {
					t.Errorf("%s = %v, want %v", got.what, got.got, got.want)
				}
			}
			if len(imp.Patients) != 1 || imp.Source.Organization == "" || imp.Source.Organization == UnknownSource {
				t.Errorf("patients %d, source %q", len(imp.Patients), imp.Source.Organization)
			}
			for _, p := range imp.Problems {
				if p.Subject != imp.Patients[0].Key {
					t.Errorf("problem %s is about %q, not the bundle's patient", p.Origin.ID, p.Subject)
				}
			}
		})
	}
}

func TestParseSpotChecks(t *testing.T) {
	adolfo := mustParse(t, readExample(t, "synthea-Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json"))
	ips := mustParse(t, readExample(t, "Bundle-IPS-examples-Bundle-01.json"))
	nz := mustParse(t, readExample(t, "Bundle-bundle-no-info-required-sections.json"))

	t.Run("condition code and onset", func(t *testing.T) {
		p := findProblem(t, adolfo, "87433001")
		if p.Code.SystemName != "SNOMED CT" || p.Onset != "1988-07-26" || p.Status != "active" ||
			p.Origin.ID != "fd79614e-b3c4-4e68-9a30-101caeb11d84" || p.Origin.Organization == "" {
			t.Errorf("emphysema = %+v", p)
		}
		if p.Text != "Pulmonary emphysema (disorder) (SNOMED CT 87433001), since 1988-07-26" {
			t.Errorf("text = %q", p.Text)
		}
		breast := findProblem(t, ips, "254837009")
		if breast.Status != "resolved" || breast.ClinicalStatus != "remission" || breast.Onset != "2015-01" || breast.ResolvedOn != "2015-03" {
			t.Errorf("breast cancer = %+v", breast)
		}
		flushing := findProblem(t, ips, "N95.1")
		if flushing.Code.SystemName != "ICD-10" {
			t.Errorf("an ICD-10 code is preferred to SNOMED CT: %+v", flushing.Code)
		}
	})
	t.Run("document source", func(t *testing.T) {
		s := ips.Source
		if s.Organization != "Anorg Aniza Tion BV / The best custodian ever" || s.Author != "Beetje van Hulp" ||
			s.Title != "Patient Summary as of December 11, 2017 14:30" || s.BundleType != "document" ||
			s.BundleIdentifier.Value != "175bd032-8b00-4728-b2dc-748bb1501aed" {
			t.Errorf("source = %+v", s)
		}
		if adolfo.Source.Organization != "HALLMARK HEALTH SYSTEM" {
			t.Errorf("synthea source = %q, want the organization most encounters name", adolfo.Source.Organization)
		}
	})
	t.Run("patient", func(t *testing.T) {
		p := ips.Patients[0]
		if p.FamilyName != "DeLarosa" || p.GivenNames != "Martha" || p.BirthDate != "1972-05-01" || p.Sex != "female" ||
			len(p.Identifiers) != 1 || p.Identifiers[0].System != "urn:oid:2.16.840.1.113883.2.4.6.3" ||
			!reflect.DeepEqual(p.Phones, []string{"+31788700800"}) || !strings.Contains(p.Address, "Dordrecht") {
			t.Errorf("patient = %+v", p)
		}
	})
	t.Run("allergy and no known allergy", func(t *testing.T) {
		var pen, nka *ImportAllergy
		for i, a := range ips.Allergies {
			switch a.Code.Code {
			case "373270004":
				pen = &ips.Allergies[i]
			case "429625007":
				nka = &ips.Allergies[i]
			}
		}
		if pen == nil || pen.SubstanceKind != "drug" || pen.Criticality != "high" || pen.Onset != "2010" || pen.NoneKnown {
			t.Errorf("penicillin = %+v", pen)
		}
		if nka == nil || !nka.NoneKnown {
			t.Errorf("no known food allergy = %+v", nka)
		}
	})
	t.Run("medication through a Medication resource", func(t *testing.T) {
		var m *ImportMedication
		for i := range ips.Medications {
			if ips.Medications[i].Code.Code == "108774000" {
				m = &ips.Medications[i]
			}
		}
		if m == nil || m.Dose != "1 tablet" || m.Route != "Oral use" || m.Start != "2015-03" || m.Status != "active" {
			t.Fatalf("anastrozole = %+v", m)
		}
		for _, u := range ips.Unmapped {
			if u.Origin.ResourceType == "Medication" && !u.Supporting {
				t.Errorf("a Medication the statements name is supporting: %+v", u)
			}
		}
		rx := adolfo.Medications[0]
		if rx.RxNorm != "896209" || rx.Prescriber != "Dr. Lane Jacobi" || rx.Start != "1990-07-31" {
			t.Errorf("synthea prescription = %+v", rx)
		}
	})
	t.Run("result value and unit", func(t *testing.T) {
		var a1c *ImportResult
		for i := range ips.Results {
			if ips.Results[i].LOINC == "17856-6" {
				a1c = &ips.Results[i]
			}
		}
		if a1c == nil || a1c.Number == nil || *a1c.Number != 7.5 || a1c.Unit != "%" || a1c.UCUM != "%" ||
			a1c.Note != "Above stated goal of 7.0 %" || a1c.Origin.Organization != "Laboratoire de charme" {
			t.Errorf("HbA1c = %+v", a1c)
		}
	})
	t.Run("vaccine CVX and date", func(t *testing.T) {
		var flu *ImportImmunization
		for i := range nz.Immunizations {
			if nz.Immunizations[i].LotNumber == "B52b" {
				flu = &nz.Immunizations[i]
			}
		}
		if flu == nil || flu.CVX != "141" || flu.OccurredOn != "2020-07-03" || flu.Route != "Injection, intramuscular" ||
			flu.Site != "Entire left upper arm" || flu.Performer != "NorthCare Pukete Road" {
			t.Errorf("flu = %+v", flu)
		}
		if nz.Patients[0].Key == "" || flu.Subject != nz.Patients[0].Key {
			t.Errorf("a relative reference (Patient/AAA1234) resolves to the patient: %q vs %q", flu.Subject, nz.Patients[0].Key)
		}
	})
	t.Run("blood pressure components pair into one item", func(t *testing.T) {
		for _, v := range adolfo.Vitals {
			if len(v.Measurements) == 2 {
				sys, dia := v.Measurements[0], v.Measurements[1]
				if sys.Measure != "systolic" || dia.Measure != "diastolic" || sys.Unit != "mmHg" || v.Text != "Blood pressure 126/75 mmHg, 2011-04-19" {
					t.Errorf("blood pressure = %q %+v", v.Text, v.Measurements)
				}
				return
			}
		}
		t.Error("no blood pressure item")
	})
}

func findProblem(t *testing.T, imp *Import, code string) ImportProblem {
	t.Helper()
	for _, p := range imp.Problems {
		for _, c := range p.Codes {
			if c.Code == code {
				return p
			}
		}
	}
	t.Fatalf("no problem coded %s", code)
	return ImportProblem{}
}

// bundleOf wraps resources (JSON objects) in a collection Bundle.
func bundleOf(resources ...string) []byte {
	var entries []string
	for i, r := range resources {
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:e%d","resource":%s}`, i, r))
	}
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",") + `]}`)
}

const testPatient = `{"resourceType":"Patient","id":"p1","name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1970-01-02","gender":"female"}`

func TestParseConversionsAndStatuses(t *testing.T) {
	imp := mustParse(t, bundleOf(testPatient,
		`{"resourceType":"Observation","id":"t","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":"urn:uuid:e0"},"effectiveDateTime":"2024-03-01T10:00:00Z","valueQuantity":{"value":98.6,"unit":"°F","system":"http://unitsofmeasure.org","code":"[degF]"}}`,
		`{"resourceType":"Observation","id":"w","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":"Patient/p1"},"valueQuantity":{"value":150,"system":"http://unitsofmeasure.org","code":"[lb_av]"}}`,
		`{"resourceType":"Observation","id":"h","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueQuantity":{"value":65,"system":"http://unitsofmeasure.org","code":"[in_i]"}}`,
		`{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueQuantity":{"value":5,"unit":"furlong"}}`,
		`{"resourceType":"AllergyIntolerance","id":"a","category":["food"],"code":{"text":"Peanut"},"patient":{"reference":"urn:uuid:e0"},"reaction":[{"manifestation":[{"text":"Hives"},{"coding":[{"display":"Wheeze"}]}],"severity":"moderate"},{"manifestation":[{"text":"Anaphylaxis"}],"severity":"severe"}]}`,
		`{"resourceType":"AllergyIntolerance","id":"r","verificationStatus":{"coding":[{"code":"refuted"}]},"code":{"text":"Latex"}}`,
		`{"resourceType":"Condition","id":"e","verificationStatus":{"coding":[{"code":"entered-in-error"}]},"code":{"text":"Asthma"}}`,
		`{"resourceType":"Condition","id":"s","code":"E11.9"}`,
		`{"resourceType":"Immunization","id":"n","status":"not-done","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]}}`,
		`{"resourceType":"MedicationRequest","id":"c","status":"active","intent":"order","medicationReference":{"reference":"#m1"},"contained":[{"resourceType":"Medication","id":"m1","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"860975","display":"metformin 500 MG Oral Tablet"}]}}],"dosageInstruction":[{"timing":{"repeat":{"frequency":2,"period":1,"periodUnit":"d"}},"route":{"text":"oral"},"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet"}}]}],"authoredOn":"2020-05-01"}`,
		`{"resourceType":"Encounter","id":"enc"}`,
	))
	c := checkNothingDropped(t, imp)
	want := ImportCounts{In: 12, Mapped: map[string]int{"patient": 1, "vital": 3, "allergy": 1, "medication": 1},
		Unmapped: map[string]int{"Observation": 1, "Condition": 1, "Encounter": 1},
		Skipped:  map[string]int{SkipRefuted: 1, SkipEnteredInError: 1, SkipNotDone: 1}, MappedTotal: 6, UnmappedTotal: 3, SkippedTotal: 3}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("counts = %+v\nwant %+v", c, want)
	}
	temp, weight, height := imp.Vitals[0].Measurements[0], imp.Vitals[1].Measurements[0], imp.Vitals[2].Measurements[0]
	if temp.Measure != "temp" || temp.Unit != "C" || math.Abs(temp.Value-37) > 0.001 || temp.Converted != "98.6 [degF] → 37 C" {
		t.Errorf("temperature = %+v", temp)
	}
	if !strings.Contains(imp.Vitals[0].Text, "Temperature 37 C (from 98.6 [degF])") {
		t.Errorf("the clinician is told of the conversion: %q", imp.Vitals[0].Text)
	}
	if weight.Unit != "kg" || math.Abs(weight.Value-68.039) > 0.001 || height.Unit != "cm" || height.Value != 165.1 {
		t.Errorf("weight %+v height %+v", weight, height)
	}
	for _, v := range imp.Vitals {
		if v.Subject != imp.Patients[0].Key {
			t.Errorf("vital %s subject %q", v.Origin.ID, v.Subject)
		}
	}
	a := imp.Allergies[0]
	if a.Reaction != "Hives, Wheeze; Anaphylaxis" || a.Severity != "severe" || a.SubstanceKind != "food" || a.Status != "active" {
		t.Errorf("allergy = %+v", a)
	}
	m := imp.Medications[0]
	if m.RxNorm != "860975" || m.Dosage != "1 tablet, oral, twice a day" || m.Start != "2020-05-01" {
		t.Errorf("medication = %+v", m)
	}
	for _, u := range imp.Unmapped {
		if u.Origin.ID == "s" && !strings.Contains(u.Reason, "code should be an object") {
			t.Errorf("a Condition of the wrong shape says why: %q", u.Reason)
		}
		if u.Origin.ID == "x" && !strings.Contains(u.Reason, "furlong") {
			t.Errorf("an unknown unit says which: %q", u.Reason)
		}
	}
}

func TestParseRefusesOrDefines(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	huge := make([]byte, 0, 100<<20+64)
	huge = append(huge, `{"resourceType":"Bundle","type":"collection","x":"`...)
	huge = append(huge, bytes.Repeat([]byte("a"), 100<<20)...)
	huge = append(huge, `"}`...)
	manyEntries := `{"resourceType":"Bundle","type":"collection","entry":[` + strings.TrimSuffix(strings.Repeat(`{},`, MaxImportEntries+1), ",") + `]}`
	tests := []struct {
		name    string
		input   string
		wantErr string // "" when Parse accepts it
		check   func(t *testing.T, imp *Import)
	}{
		{"empty file", "", "the file is empty", nil},
		{"not JSON", "hello, world", "it is not JSON", nil},
		{"XML", `<Bundle xmlns="http://hl7.org/fhir"/>`, "FHIR JSON only", nil},
		{"broken JSON", `{"resourceType":"Bundle",`, "file ends too early", nil},
		{"syntax error with its place", "{\n\"resourceType\": \"Bundle\",\n\"type\": collection}", "line 3", nil},
		{"JSON array", `[{"resourceType":"Bundle"}]`, "JSON list", nil},
		{"no resourceType", `{"type":"collection"}`, "not FHIR (it has no resourceType)", nil},
		{"wrong resourceType", `{"resourceType":"Condition","id":"x"}`, "this file is a single Condition resource, not a Bundle", nil},
		{"resourceType not text", `{"resourceType":7}`, "resourceType should be text", nil},
		{"bundle type history", `{"resourceType":"Bundle","type":"history","entry":[]}`, `type "history"`, nil},
		{"bundle without entries", `{"resourceType":"Bundle","type":"collection"}`, "holds no resources", nil},
		{"bundle with an empty entry list", `{"resourceType":"Bundle","type":"document","entry":[]}`, "holds no resources", nil},
		{"entry not a list", `{"resourceType":"Bundle","type":"collection","entry":{}}`, "entry should be a list", nil},
		{"entry of the wrong shape", `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":5}]}`, "entry[0]", nil},
		{"deep nesting 10,000 levels", deep, "nested more than 100 levels", nil},
		{"a 100 MB string", string(huge), "too large to import", nil},
		{"more entries than the limit", manyEntries, "more than 100000 resources", nil},
		{"entry without resource", `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":"Patient/1"}},{"resource":` + testPatient + `}]}`, "", func(t *testing.T, imp *Import) {
			c := imp.Counts()
			if c.In != 1 || c.EmptyEntries != 1 || len(imp.Warnings) != 1 || !strings.Contains(imp.Warnings[0], "Entry 1 of the bundle holds no resource (DELETE Patient/1)") {
				t.Errorf("counts %+v warnings %q", c, imp.Warnings)
			}
		}},
		{"resource that is not an object", string(bundleOf(testPatient, `"just text"`, `[1,2]`)), "", func(t *testing.T, imp *Import) {
			if c := imp.Counts(); c.Unmapped[""] != 2 {
				t.Errorf("counts %+v", c)
			}
		}},
		{"duplicate ids, same content", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + testPatient + `},{"resource":` + testPatient + `}]}`, "", func(t *testing.T, imp *Import) {
			if c := imp.Counts(); c.Mapped[ImportKindPatient] != 1 || c.Skipped[SkipDuplicate] != 1 || len(imp.Patients) != 1 {
				t.Errorf("counts %+v", c)
			}
		}},
		{"duplicate ids, different content", string(bundleOf(`{"resourceType":"Condition","id":"c","code":{"text":"Asthma"}}`, `{"resourceType":"Condition","id":"c","code":{"text":"Gout"}}`)), "", func(t *testing.T, imp *Import) {
			if len(imp.Problems) != 2 || len(imp.Warnings) < 2 || !strings.Contains(imp.Warnings[0], "Condition/c appears twice") {
				t.Errorf("problems %d warnings %q", len(imp.Problems), imp.Warnings)
			}
		}},
		{"two patients", string(bundleOf(testPatient, `{"resourceType":"Patient","id":"p2","name":[{"family":"Roe"}]}`, `{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p2"},"code":{"text":"Gout"}}`)), "", func(t *testing.T, imp *Import) {
			if len(imp.Patients) != 2 || !strings.Contains(strings.Join(imp.Warnings, " "), "holds 2 patients") {
				t.Errorf("patients %d warnings %q", len(imp.Patients), imp.Warnings)
			}
			if imp.Problems[0].Subject != imp.Patients[1].Key {
				t.Errorf("the problem names the second patient: %q", imp.Problems[0].Subject)
			}
		}},
		// A bare resource is not a record to import: Folio says what it
		// reads, whatever the resource's fields hold (a Patient's identifier
		// is a list, a Bundle's an object).
		{"a lone Patient", testPatient, "expects a FHIR Bundle (a document or a collection) or a Folio archive; this file is a single Patient resource", nil},
		{"a lone Patient with identifiers", `{"resourceType":"Patient","id":"p1","identifier":[{"system":"urn:example:mrn","value":"X1"}],` +
			`"name":[{"family":"Doe"}],"telecom":[{"system":"phone","value":"555"}]}`, "this file is a single Patient resource", nil},
		{"a lone Observation", `{"resourceType":"Observation","id":"o","identifier":[{"value":"1"}],"status":"final"}`,
			"Folio archive; this file is a single Observation resource", nil},
		{"JSON that is not FHIR", `{"name":"Ana","dob":"1980-01-02","identifier":[1,2]}`, "expects a FHIR Bundle (a document or a collection) or a Folio archive; this file is JSON but not FHIR", nil},
		{"no patient", string(bundleOf(`{"resourceType":"Condition","id":"c","code":{"text":"Gout"}}`)), "", func(t *testing.T, imp *Import) {
			if !strings.Contains(strings.Join(imp.Warnings, " "), "names no patient") || imp.Problems[0].Subject != "" {
				t.Errorf("warnings %q", imp.Warnings)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp, err := Parse([]byte(tt.input))
			if tt.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a ParseError saying %q", err, tt.wantErr)
				}
				if imp != nil {
					t.Error("a refused file gives no import")
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkNothingDropped(t, imp)
			tt.check(t, imp)
		})
	}
}
