package fhir

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func intPtr(v int) *int { return &v }

const systemV20203 = "http://terminology.hl7.org/CodeSystem/v2-0203"

// receivedRecord is a chart whose items arrived from another system: each
// keeps the codings it came with, an allergy its criticality, type,
// categories, verification and reactions, a medication its structured
// dosage, the patient the identifiers other systems gave them and their
// address's structure.
func receivedRecord() Record {
	rec := emptyRecord()
	rec.Patient.ID = "0193a0c4-0000-7000-8000-000000000007"
	rec.Patient.AddressLine, rec.Patient.City, rec.Patient.PostalCode = "Bleak House\n3 Worcester Drive", "Hamilton", "3210"
	rec.Patient.District, rec.Patient.Country, rec.Patient.AddressUse = "Rototuna North", "NZ", "home"
	rec.Patient.Identifiers = []Identifier{
		{System: "http://hospital.smarthealthit.org", Value: "50635536", Type: Concept{Text: "Medical Record Number",
			Codings: []Coding{{System: systemV20203, Code: "MR", Display: "Medical Record Number"}}}},
		{System: "https://standards.digital.health.nz/ns/nhi-id", Value: "AAA1234", Use: "official"},
		// Folio's own MRN, coming back: written once.
		{System: MRNSystem("SHA256:clinic-key"), Value: "MRN-000124", Use: "usual"},
	}
	rec.Clinic.ID = "SHA256:clinic-key"
	rec.Problems = []Problem{
		{ID: "rp1", Title: "Viral sinusitis (disorder)", Onset: "2016-05-23", ResolvedOn: "2016-06-06", Status: "resolved",
			Codings: []Coding{{System: SystemSNOMED, Code: "444814009", Display: "Viral sinusitis (disorder)"}}},
		{ID: "rp2", Code: "N95.1", Title: "Menopausal flushing", Onset: "2015", Status: "active",
			Codings: []Coding{{System: SystemSNOMED, Code: "198436008", Display: "Menopausal flushing (finding)"},
				{System: "http://hl7.org/fhir/sid/icd-10", Code: "N95.1", Display: "Menopausal and female climacteric states"}}},
		{ID: "rp3", Code: "C50.9", Title: "Malignant tumor of breast", Onset: "2015-01", ResolvedOn: "2015-03",
			Status: "resolved", ClinicalStatus: "remission",
			Codings: []Coding{{System: SystemICD10CM, Code: "C50.9", Display: "Malignant neoplasm of breast"}}},
	}
	rec.Allergies = []Allergy{
		{ID: "ra1", Substance: "Shellfish allergy", SubstanceKind: "food", Severity: "unknown", Status: "active",
			Criticality: "low", Type: "allergy", Categories: []string{"food"}, Verification: "unconfirmed",
			Codings: []Coding{{System: SystemSNOMED, Code: "300913006", Display: "Shellfish allergy"}}},
		{ID: "ra2", Substance: "Penicillin", SubstanceKind: "drug", Code: "7980", Reaction: "Hives", Severity: "moderate",
			Status: "active", Criticality: "high", Categories: []string{"medication"},
			Codings: []Coding{{System: SystemSNOMED, Code: "373270004", Display: "Substance with penicillin structure"}},
			Reactions: []Reaction{{Manifestations: []Concept{{Codings: []Coding{{System: SystemSNOMED, Code: "247472004",
				Display: "Hives"}}, Text: "Hives"}}, Severity: "moderate", Onset: "2012-06-12", Description: "after a course for otitis"}}},
	}
	period := 1.0
	rec.Medications = []Medication{
		{ID: "rm1", Drug: "Acetaminophen 325 MG Oral Tablet", RxNorm: "161", Dose: "1", Frequency: "once a day",
			StartDate: "2015-03", StopDate: "2015-04", StopReason: "course finished", Status: "stopped",
			Source: "elsewhere", Prescriber: "Dr. Jone Trantow",
			Codings: []Coding{{System: SystemRxNorm, Code: "313782", Display: "Acetaminophen 325 MG Oral Tablet"}},
			Dosages: []Dosage{{Sequence: 1, AsNeeded: true, Timing: &Timing{Frequency: intPtr(1), Period: &period, PeriodUnit: "d"},
				Dose:  &Quantity{Value: 1, Unit: "tablet", System: SystemUCUM, Code: "1"},
				Route: &Concept{Codings: []Coding{{System: "http://standardterms.edqm.eu", Code: "20053000", Display: "Oral use"}}}}}},
		{ID: "rm2", Drug: "anastrozole", Dose: "1 tablet", StartDate: "2016-01", Status: "active", Source: "elsewhere",
			Codings: []Coding{{System: SystemSNOMED, Code: "108774000", Display: "Product containing anastrozole"},
				{System: "http://www.whocc.no/atc", Code: "L02BG03", Display: "anastrozole"}},
			Dosages: []Dosage{{Text: "one tablet a day with food", Timing: &Timing{Count: intPtr(1), PeriodUnit: "d"},
				DoseLow: &Quantity{Value: 1, Unit: "tablet"}, DoseHigh: &Quantity{Value: 2, Unit: "tablet"},
				AsNeeded: true, AsNeededFor: &Concept{Text: "hot flushes"}}}},
	}
	rec.Immunizations = []Immunization{
		{ID: "ri1", CVX: "141", Vaccine: "Influenza, seasonal, injectable", OccurredOn: "2020-07-03", Route: "intramuscular",
			Source: "elsewhere", Status: "completed", Note: "Site: Entire left upper arm",
			Codings:      []Coding{{System: SystemCVX, Code: "141", Display: "Influenza, seasonal, injectable"}},
			SiteCodings:  []Coding{{System: SystemSNOMED, Code: "72098002", Display: "Entire left upper arm"}},
			RouteCodings: []Coding{{System: systemRouteOfAdministation, Code: "IM", Display: "Injection, intramuscular"}}},
	}
	rec.LabResults = []LabResult{
		{ID: "rl1", LOINC: "882-1", Name: "ABO and Rh group [Type] in Blood", ValueText: "Blood group A Rh(D) positive",
			ObservedAt: "2015-10-10T08:15:00Z", Status: "final", Note: "Typed twice",
			ValueCodings: []Coding{{System: SystemSNOMED, Code: "278149003", Display: "Blood group A Rh(D) positive"}}},
	}
	return rec
}

// TestReceivedItemsLeaveAsReceived: what arrived leaves as it came, with
// Folio's own codes beside it, and reads back the same.
func TestReceivedItemsLeaveAsReceived(t *testing.T) {
	rec := receivedRecord()
	data, err := IPSDocument(rec, Options{Now: exportTime, DocumentID: "received"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, e := range doc.Entry {
		var head struct {
			ID string `json:"id"`
		}
		json.Unmarshal(e.Resource, &head)
		byID[head.ID] = string(e.Resource)
	}
	for _, tt := range []struct {
		id    string
		has   []string
		hasNo []string
	}{
		{resourceID("problem", "rp1"), []string{`"coding":[{"system":"http://snomed.info/sct","code":"444814009","display":"Viral sinusitis (disorder)"}]`,
			`"abatementDateTime":"2016-06-06"`}, []string{"icd-10-cm"}},
		// Folio's ICD-10-CM code beside the sender's, never instead.
		{resourceID("problem", "rp2"), []string{`{"system":"http://snomed.info/sct","code":"198436008"`,
			`{"system":"http://hl7.org/fhir/sid/icd-10","code":"N95.1"`, `{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"N95.1"`}, nil},
		// The sender's ICD-10-CM coding is Folio's code: once.
		{resourceID("problem", "rp3"), []string{`"code":"remission"`, `"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"C50.9","display":"Malignant neoplasm of breast"}]`}, nil},
		{resourceID("allergy", "ra1"), []string{`"criticality":"low"`, `"type":"allergy"`, `"category":["food"]`,
			`"code":"unconfirmed"`, `"coding":[{"system":"http://snomed.info/sct","code":"300913006"`}, []string{"reaction"}},
		{resourceID("allergy", "ra2"), []string{`"criticality":"high"`, `{"system":"http://snomed.info/sct","code":"373270004"`,
			`{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"7980"`,
			`"manifestation":[{"coding":[{"system":"http://snomed.info/sct","code":"247472004","display":"Hives"}],"text":"Hives"}]`,
			`"description":"after a course for otitis","onset":"2012-06-12","severity":"moderate"`}, nil},
		{resourceID("medication", "rm1"), []string{`{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"313782"`,
			`{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"161"`, `"informationSource":{"display":"Dr. Jone Trantow"}`,
			`"statusReason":[{"text":"course finished"}]`, `"effectivePeriod":{"start":"2015-03","end":"2015-04"}`,
			`"dosage":[{"sequence":1,"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d"}},"asNeededBoolean":true,` +
				`"route":{"coding":[{"system":"http://standardterms.edqm.eu","code":"20053000","display":"Oral use"}]},` +
				`"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet","system":"http://unitsofmeasure.org","code":"1"}}]}]`},
			[]string{"Prescribed elsewhere"}},
		{resourceID("medication", "rm2"), []string{`"text":"one tablet a day with food"`, `"repeat":{"count":1,"periodUnit":"d"}`,
			`"asNeededCodeableConcept":{"text":"hot flushes"}`, `"doseRange":{"low":{"value":1,"unit":"tablet"},"high":{"value":2,"unit":"tablet"}}`,
			`{"system":"http://www.whocc.no/atc","code":"L02BG03"`}, []string{"asNeededBoolean", "rxnorm"}},
		{resourceID("immunization", "ri1"), []string{`"site":{"coding":[{"system":"http://snomed.info/sct","code":"72098002"`,
			`"route":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration","code":"IM","display":"Injection, intramuscular"}],"text":"intramuscular"}`,
			`"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"141","display":"Influenza, seasonal, injectable"}]`}, nil},
		{resourceID("lab", "rl1"), []string{`"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"278149003"`,
			`"note":[{"text":"Typed twice"}]`}, []string{"valueString"}},
		{resourceID("patient", rec.Patient.ID), []string{`"system":"http://hospital.smarthealthit.org","value":"50635536"`,
			`{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR","display":"Medical Record Number"}],"text":"Medical Record Number"}`,
			`{"use":"official","system":"https://standards.digital.health.nz/ns/nhi-id","value":"AAA1234"}`,
			`"use":"home"`, `"line":["Bleak House","3 Worcester Drive"],"city":"Hamilton","district":"Rototuna North","postalCode":"3210","country":"NZ"`}, nil},
	} {
		res, ok := byID[tt.id]
		if !ok {
			t.Fatalf("no resource %s", tt.id)
		}
		for _, s := range tt.has {
			if !strings.Contains(res, s) {
				t.Errorf("%s lacks %s:\n%s", tt.id, s, res)
			}
		}
		for _, s := range tt.hasNo {
			if strings.Contains(res, s) {
				t.Errorf("%s has %s:\n%s", tt.id, s, res)
			}
		}
	}
	if n := strings.Count(byID[resourceID("patient", rec.Patient.ID)], `"value":"MRN-000124"`); n != 1 {
		t.Errorf("Folio's MRN written %d times", n)
	}

	// Read back, each item says what it said.
	imp, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p := imp.Patients[0]
	if !reflect.DeepEqual(p.PostalAddress, &ImportAddress{Use: "home", Lines: []string{"Bleak House", "3 Worcester Drive"},
		City: "Hamilton", District: "Rototuna North", PostalCode: "3210", Country: "NZ",
		Text: "Bleak House, 3 Worcester Drive, 3210 Hamilton, Rototuna North, NZ"}) {
		t.Errorf("address %+v", p.PostalAddress)
	}
	if id := p.Identifiers[2]; id.System != "http://hospital.smarthealthit.org" || id.Type != "Medical Record Number" ||
		len(id.TypeCodes) != 1 || id.TypeCodes[0].Code != "MR" {
		t.Errorf("identifiers %+v", p.Identifiers)
	}
	if got := imp.Problems[2]; got.ClinicalStatus != "remission" || got.Status != "resolved" {
		t.Errorf("problem %+v", got)
	}
	a := imp.Allergies[1]
	if !reflect.DeepEqual(a.Reactions, rec.Allergies[1].Reactions) || a.Criticality != "high" || a.Category != "medication" {
		t.Errorf("allergy %+v", a)
	}
	if a := imp.Allergies[0]; a.Verification != "unconfirmed" || a.Type != "allergy" || a.Criticality != "low" {
		t.Errorf("allergy %+v", a)
	}
	for i, m := range imp.Medications {
		if !reflect.DeepEqual(m.Dosages, rec.Medications[i].Dosages) {
			t.Errorf("medication %d dosage %+v, want %+v", i, m.Dosages, rec.Medications[i].Dosages)
		}
	}
	if m := imp.Medications[0]; m.Prescriber != "Dr. Jone Trantow" || m.StatusReason != "course finished" ||
		m.Start != "2015-03" || m.End != "2015-04" || m.Note != "" {
		t.Errorf("medication %+v", m)
	}
	if r := imp.Results[0]; r.Note != "Typed twice" || len(r.ValueCodes) != 1 || r.ValueCodes[0].Code != "278149003" {
		t.Errorf("result %+v", r)
	}
}
