package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ptr(v float64) *float64 { return &v }

var exportTime = time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("", 2*3600))

// fullRecord is a chart with something in every section and every kind of
// status, as a referral would send it.
func fullRecord() Record {
	return Record{
		Patient: Patient{ID: "0193a0c4-0000-7000-8000-000000000001", MRN: "MRN-000123", FamilyName: "Okafor",
			GivenNames: "Adaeze Grace", PreferredName: "Ada", BirthDate: "1961-03-14", Sex: "female",
			Phone: "+44 20 7946 0001", Email: "ada@example.org", AddressLine: "12 Mill Lane\nFlat 3", City: "Leeds",
			Region: "West Yorkshire", PostalCode: "LS1 4AP", Language: "English",
			EmergencyName: "Chidi Okafor", EmergencyRelationship: "son", EmergencyPhone: "+44 7700 900123"},
		Problems: []Problem{
			{ID: "p1", Code: "E11.9", Title: "Type 2 diabetes mellitus without complications", Onset: "2014", Status: "active"},
			{ID: "p2", Code: "I10", Title: "Essential (primary) hypertension", Onset: "2011-05", Status: "active",
				Note: "Home readings higher than clinic."},
			{ID: "p3", Code: "J18.9", Title: "Pneumonia, unspecified organism", Onset: "2023-01-10", Status: "resolved",
				ResolvedOn: "2023-02"},
		},
		Allergies: []Allergy{
			{ID: "a1", Substance: "Penicillin", SubstanceKind: "drug_class", Code: "7980", Reaction: "hives",
				Severity: "moderate", Status: "active", Onset: "1998"},
			{ID: "a2", Substance: "Peanuts", SubstanceKind: "food", Reaction: "throat swelling", Severity: "severe",
				Status: "active", Onset: "1990-06"},
			{ID: "a3", Substance: "Latex", SubstanceKind: "environment", Severity: "unknown", Status: "inactive"},
		},
		Medications: []Medication{
			{ID: "m1", Drug: "metformin 500 mg tablet", RxNorm: "861007", Dose: "500 mg", Route: "oral",
				Frequency: "twice a day", StartDate: "2014-03-02", Status: "active", Source: "prescribed_here"},
			{ID: "m2", Drug: "lisinopril", Dose: "10 mg", Route: "oral", Frequency: "once a day", StartDate: "2011-06-01",
				Status: "active", Source: "elsewhere", Prescriber: "Dr. Amira Haddad"},
			{ID: "m3", Drug: "amoxicillin", Dose: "500 mg", Frequency: "three times a day", StartDate: "2023-01-10",
				StopDate: "2023-01-17", StopReason: "course finished", Status: "stopped", Source: "prescribed_here"},
		},
		Immunizations: []Immunization{
			{ID: "i1", CVX: "141", Vaccine: "Influenza, seasonal, injectable", OccurredOn: "2025-10-02", LotNumber: "FL2025A",
				ExpirationDate: "2026-06", Manufacturer: "Seqirus", Site: "left_deltoid", Route: "intramuscular",
				Dose: "0.5 mL", Source: "given_here", Performer: "Dr. Lena Hart", Status: "completed"},
			{ID: "i2", CVX: "03", Vaccine: "MMR", OccurredOn: "1962", Source: "elsewhere", Performer: "School nurse",
				Status: "completed"},
		},
		LabResults: []LabResult{
			{ID: "l1", LOINC: "4548-4", Name: "Hemoglobin A1c/Hemoglobin.total in Blood", Value: ptr(7.2), Unit: "%",
				High: ptr(5.7), Flag: "H", ObservedAt: "2025-11-03T08:15:00Z", Status: "final"},
			{ID: "l2", LOINC: "2823-3", Name: "Potassium [Moles/volume] in Serum or Plasma", Value: ptr(2.4), Unit: "mmol/L",
				Low: ptr(3.5), High: ptr(5.1), Flag: "LL", ObservedAt: "2025-11-03T08:15:00Z", Status: "final"},
			{ID: "l3", LOINC: "5778-6", Name: "Color of Urine", ValueText: "Dark brown", RangeText: "Yellow", Flag: "A",
				ObservedAt: "2025-11-03", Status: "final"},
		},
		Vitals: []VitalsSet{
			{ID: "v1", TakenAt: "2025-11-03T08:00:00Z", Height: ptr(167.5), Weight: ptr(81.2), BMI: ptr(28.9),
				Systolic: ptr(142), Diastolic: ptr(88), Pulse: ptr(76), RespRate: ptr(14), Temperature: ptr(36.8),
				SpO2: ptr(97), Pain: ptr(0), Status: "final"},
			{ID: "v2", TakenAt: "2025-08-01T10:30:00+01:00", Systolic: ptr(138), Status: "final"},
		},
		NoKnownAllergies: false,
		Author:           Author{ID: "u1", Name: "Dr. Lena Hart", LicenceNumber: "GMC 7654321"},
		Clinic:           Clinic{ID: "SHA256:clinic-key", Name: "Mill Lane Surgery", Address: "1 Mill Lane\nLeeds LS1 4AP", Phone: "+44 113 496 0000"},
		Referral: &Referral{Recipient: "Dr. Patel, Endocrinology, St James's", Reason: "Poor glycaemic control despite metformin.",
			Question: "Would you start a GLP-1 agonist or insulin?", Text: "Dear Dr. Patel,\n\nThank you for seeing Mrs Okafor."},
	}
}

// emptyRecord is a chart with nothing in it but the patient.
func emptyRecord() Record {
	return Record{Patient: Patient{ID: "0193a0c4-0000-7000-8000-000000000002", MRN: "MRN-000124", FamilyName: "Ng",
		GivenNames: "Wei", BirthDate: "2024-01-05", Sex: "unknown"}, Clinic: Clinic{Name: "Mill Lane Surgery"}}
}

// decoded is a document read back into plain maps.
type decoded struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Entry     []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func decodeDocument(t *testing.T, data []byte) decoded {
	t.Helper()
	var d decoded
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	return d
}

func (d decoded) composition() map[string]any { return d.Entry[0].Resource }

func (d decoded) sections() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range d.composition()["section"].([]any) {
		s := s.(map[string]any)
		code := s["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"].(string)
		out[code] = s
	}
	return out
}

func (d decoded) byURL(url string) map[string]any {
	for _, e := range d.Entry {
		if e.FullURL == url {
			return e.Resource
		}
	}
	return nil
}

func TestIPSDocumentShape(t *testing.T) {
	tests := []struct {
		name         string
		rec          Record
		order        []string // resource types of the first entries
		sections     []string // LOINC codes, in order
		emptyReasons []string // required sections said to be empty
		entries      int
	}{
		{name: "full chart", rec: fullRecord(),
			order:    []string{"Composition", "Patient", "Practitioner", "Organization"},
			sections: []string{"11450-4", "48765-2", "10160-0", "11369-6", "30954-2", "8716-3", "42349-1"},
			// 3 problems, 3 allergies, 3 medications, 2 immunizations, 3 results, 9 + 1 vital signs
			entries: 4 + 3 + 3 + 3 + 2 + 3 + 10},
		{name: "empty chart, author is the clinic", rec: emptyRecord(),
			order:        []string{"Composition", "Patient", "Organization"},
			sections:     []string{"11450-4", "48765-2", "10160-0"},
			emptyReasons: []string{"11450-4", "48765-2", "10160-0"}, entries: 3},
		{name: "none known, as the clinician said", rec: func() Record {
			r := emptyRecord()
			r.NoKnownAllergies, r.NoKnownProblems, r.NoKnownMedications = true, true, true
			return r
		}(), order: []string{"Composition", "Patient", "Organization", "Condition", "AllergyIntolerance", "MedicationStatement"},
			sections: []string{"11450-4", "48765-2", "10160-0"}, entries: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := IPSDocument(tt.rec, Options{Now: exportTime, DocumentID: "export-1"})
			if err != nil {
				t.Fatal(err)
			}
			again, _ := IPSDocument(tt.rec, Options{Now: exportTime, DocumentID: "export-1"})
			if !bytes.Equal(data, again) {
				t.Error("the same record gave two different documents")
			}
			d := decodeDocument(t, data)
			if d.Type != "document" || d.Timestamp != "2026-11-25T09:30:00+02:00" {
				t.Errorf("type %q timestamp %q", d.Type, d.Timestamp)
			}
			if len(d.Entry) != tt.entries {
				t.Errorf("%d entries, want %d", len(d.Entry), tt.entries)
			}
			for i, want := range tt.order {
				if got := d.Entry[i].Resource["resourceType"]; got != want {
					t.Errorf("entry %d is a %v, want %s", i, got, want)
				}
			}
			var codes []string
			for _, s := range d.composition()["section"].([]any) {
				s := s.(map[string]any)
				codes = append(codes, s["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"].(string))
				div := s["text"].(map[string]any)["div"].(string)
				if !strings.HasPrefix(div, `<div xmlns="http://www.w3.org/1999/xhtml">`) {
					t.Errorf("section %v narrative %q", s["title"], div)
				}
			}
			if fmt.Sprint(codes) != fmt.Sprint(tt.sections) {
				t.Errorf("sections %v, want %v", codes, tt.sections)
			}
			var empty []string
			for _, code := range codes {
				if _, ok := d.sections()[code]["emptyReason"]; ok {
					empty = append(empty, code)
				}
			}
			if fmt.Sprint(empty) != fmt.Sprint(tt.emptyReasons) {
				t.Errorf("empty sections %v, want %v", empty, tt.emptyReasons)
			}
			for _, ref := range allReferences(d) {
				if d.byURL(ref) == nil {
					t.Errorf("reference %s resolves to no entry", ref)
				}
			}
		})
	}
}

// allReferences are the Reference.reference values of a document.
func allReferences(d decoded) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "reference" {
					out = append(out, s)
				} else {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, e := range d.Entry {
		walk(e.Resource)
	}
	return out
}

func TestIPSDocumentIDsAreStable(t *testing.T) {
	rec := fullRecord()
	first := decodeDocument(t, must(IPSDocument(rec, Options{Now: exportTime, DocumentID: "export-1"})))
	rec.Problems = rec.Problems[1:] // the clinician leaves one out next time
	second := decodeDocument(t, must(IPSDocument(rec, Options{Now: exportTime.Add(time.Hour), DocumentID: "export-2"})))
	urls := map[string]bool{}
	for _, e := range first.Entry {
		urls[e.FullURL] = true
	}
	for _, e := range second.Entry[1:] {
		if !urls[e.FullURL] {
			t.Errorf("%s %s has a new id on the second export", e.Resource["resourceType"], e.FullURL)
		}
	}
	if first.Entry[0].FullURL == second.Entry[0].FullURL {
		t.Error("two exports share a Composition id")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestIPSDocumentRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		rec  func(r *Record)
		opts Options
		want string
	}{
		{name: "no patient id", rec: func(r *Record) { r.Patient.ID = "" }, opts: Options{Now: exportTime}, want: "no patient id"},
		{name: "no time", rec: func(r *Record) {}, want: "no time"},
		{name: "no clinic name", rec: func(r *Record) { r.Clinic.Name = "" }, opts: Options{Now: exportTime}, want: "the clinic has no name"},
		{name: "onset not a date", rec: func(r *Record) { r.Problems[0].Onset = "spring 2014" }, opts: Options{Now: exportTime},
			want: "problem p1 onset"},
		{name: "month 13", rec: func(r *Record) { r.Immunizations[0].OccurredOn = "2025-13" }, opts: Options{Now: exportTime},
			want: "immunization i1 date"},
		{name: "time without zone", rec: func(r *Record) { r.Vitals[0].TakenAt = "2025-11-03T08:00" },
			opts: Options{Now: exportTime}, want: "vitals v1 time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := fullRecord()
			tt.rec(&rec)
			_, err := IPSDocument(rec, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestPartialDates(t *testing.T) {
	tests := []struct {
		in      string
		dateOK  bool
		timeOK  bool
		shownAs string
	}{
		{in: "", dateOK: true, timeOK: true, shownAs: ""},
		{in: "2019", dateOK: true, timeOK: true, shownAs: "2019"},
		{in: "2019-04", dateOK: true, timeOK: true, shownAs: "Apr 2019"},
		{in: "2019-04-03", dateOK: true, timeOK: true, shownAs: "3 Apr 2019"},
		{in: "2019-02-30", shownAs: "2019-02-30"},
		{in: "2019-4", shownAs: "2019-4"},
		{in: "19", shownAs: "19"},
		{in: "2019-04-03T14:05:00+02:00", timeOK: true, shownAs: "3 Apr 2019 14:05"},
		{in: "2019-04-03T14:05:00Z", timeOK: true, shownAs: "3 Apr 2019 14:05"},
		{in: "2019-04-03T14:05", shownAs: "2019-04-03T14:05"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got, err := partialDate(tt.in); (err == nil) != tt.dateOK || (err == nil && got != tt.in) {
				t.Errorf("partialDate = %q, %v; want ok %v", got, err, tt.dateOK)
			} else if err != nil && !errors.Is(err, errDate) {
				t.Errorf("error %v is not errDate", err)
			}
			if got, err := dateTime(tt.in); (err == nil) != tt.timeOK || (err == nil && got != tt.in) {
				t.Errorf("dateTime = %q, %v; want ok %v", got, err, tt.timeOK)
			}
			if got := humanDate(tt.in); got != tt.shownAs {
				t.Errorf("humanDate = %q, want %q", got, tt.shownAs)
			}
		})
	}
}

func TestLabFlagsAndUnits(t *testing.T) {
	m := newMapper(&Record{Patient: Patient{ID: "p"}}, false)
	tests := []struct {
		flag, wantCode string
		value          *float64
		text, unit     string
		wantValue      string // JSON of value[x]
	}{
		{flag: "H", wantCode: "H", value: ptr(7.2), unit: "%", wantValue: `"valueQuantity":{"value":7.2,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}`},
		{flag: "L", wantCode: "L", value: ptr(3.1), unit: "mmol/L", wantValue: `"code":"mmol/L"`},
		{flag: "HH", wantCode: "HH", value: ptr(7.1), unit: "mmol/L", wantValue: `"value":7.1`},
		{flag: "LL", wantCode: "LL", value: ptr(2.4), unit: "mmol/L", wantValue: `"value":2.4`},
		{flag: "N", wantCode: "N", value: ptr(0), unit: "10*3/uL", wantValue: `"valueQuantity":{"value":0,"unit":"10*3/uL"`},
		{flag: "A", wantCode: "A", text: "Positive", wantValue: `"valueString":"Positive"`},
		{flag: "", text: "Negative", wantValue: `"valueString":"Negative"`},
		{flag: "?", value: ptr(5), wantValue: `"valueQuantity":{"value":5}`},
	}
	for _, tt := range tests {
		t.Run(tt.flag+tt.text, func(t *testing.T) {
			obs, err := m.labObservation(LabResult{ID: "r", LOINC: "2823-3", Name: "Potassium", Value: tt.value,
				ValueText: tt.text, Unit: tt.unit, Flag: tt.flag, ObservedAt: "2025-01-02", Status: "final"})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(obs)
			if !strings.Contains(string(data), tt.wantValue) {
				t.Errorf("%s\nwant it to hold %s", data, tt.wantValue)
			}
			got := ""
			if len(obs.Interpretation) == 1 {
				c := obs.Interpretation[0].Coding[0]
				if c.System != "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation" {
					t.Errorf("system %s", c.System)
				}
				got = c.Code
			}
			if got != tt.wantCode {
				t.Errorf("interpretation %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestVitalSigns(t *testing.T) {
	m := newMapper(&Record{Patient: Patient{ID: "p"}}, false)
	set := fullRecord().Vitals[0]
	obs, err := m.vitalObservations(nil, &set)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // first LOINC code: UCUM code
		"8302-2": "cm", "29463-7": "kg", "39156-5": "kg/m2", "8867-4": "/min", "9279-1": "/min", "8310-5": "Cel",
		"2708-6": "%", "72514-3": "{score}", "85354-9": "",
	}
	if len(obs) != len(want) {
		t.Fatalf("%d observations, want %d", len(obs), len(want))
	}
	for _, o := range obs {
		code := o.Code.Coding[0].Code
		unit, ok := want[code]
		if !ok {
			t.Errorf("unexpected observation %s", code)
			continue
		}
		if o.Category[0].Coding[0].Code != "vital-signs" {
			t.Errorf("%s category %v", code, o.Category)
		}
		if code == "85354-9" {
			if len(o.Component) != 2 || o.Component[0].Code.Coding[0].Code != "8480-6" ||
				o.Component[1].Code.Coding[0].Code != "8462-4" || o.Component[0].ValueQuantity.Code != "mm[Hg]" ||
				*o.Component[0].ValueQuantity.Value != 142 || *o.Component[1].ValueQuantity.Value != 88 {
				t.Errorf("blood pressure panel %+v", o.Component)
			}
			continue
		}
		if o.ValueQuantity == nil || o.ValueQuantity.Code != unit || o.ValueQuantity.System != SystemUCUM {
			t.Errorf("%s value %+v, want UCUM %s", code, o.ValueQuantity, unit)
		}
	}
	pain := obs[7]
	if pain.Code.Coding[0].Code != "72514-3" || *pain.ValueQuantity.Value != 0 {
		t.Errorf("a pain score of 0 is a measurement: %+v", pain.ValueQuantity)
	}
	if spo2 := obs[6]; len(spo2.Code.Coding) != 2 || spo2.Code.Coding[1].Code != "59408-5" {
		t.Errorf("SpO2 codes %+v", spo2.Code.Coding)
	}
}

func TestAllergyMapping(t *testing.T) {
	m := newMapper(&Record{Patient: Patient{ID: "p"}}, false)
	tests := []struct {
		name                         string
		in                           Allergy
		criticality, severity        string
		clinical, verification, kind string
		rxnorm                       bool
	}{
		{name: "severe food", in: Allergy{Substance: "Peanuts", SubstanceKind: "food", Reaction: "anaphylaxis", Severity: "severe", Status: "active"},
			criticality: "high", severity: "severe", clinical: "active", verification: "confirmed", kind: "food"},
		{name: "moderate drug with RxNorm", in: Allergy{Substance: "Penicillin", SubstanceKind: "drug_class", Code: "7980", Reaction: "hives", Severity: "moderate", Status: "active"},
			criticality: "low", severity: "moderate", clinical: "active", verification: "confirmed", kind: "medication", rxnorm: true},
		{name: "mild, inactive", in: Allergy{Substance: "Cats", SubstanceKind: "environment", Reaction: "sneezing", Severity: "mild", Status: "inactive"},
			criticality: "low", severity: "mild", clinical: "inactive", verification: "confirmed", kind: "environment"},
		{name: "unknown severity, no reaction", in: Allergy{Substance: "Iodine", SubstanceKind: "other", Severity: "unknown", Status: "active"},
			criticality: "unable-to-assess", clinical: "active", verification: "confirmed"},
		{name: "a code that is no RxNorm code", in: Allergy{Substance: "Shellfish", SubstanceKind: "food", Code: "SNOMED:227037002", Severity: "severe", Status: "active"},
			criticality: "high", clinical: "active", verification: "confirmed", kind: "food"},
		{name: "entered in error", in: Allergy{Substance: "Aspirin", SubstanceKind: "drug", Severity: "mild", Status: "entered_in_error"},
			criticality: "low", verification: "entered-in-error", kind: "medication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := m.allergy(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if a.Criticality != tt.criticality {
				t.Errorf("criticality %q, want %q", a.Criticality, tt.criticality)
			}
			severity := ""
			if len(a.Reaction) > 0 {
				severity = a.Reaction[0].Severity
				if a.Reaction[0].Manifestation[0].Text != tt.in.Reaction {
					t.Errorf("manifestation %+v", a.Reaction[0].Manifestation)
				}
			}
			if severity != tt.severity {
				t.Errorf("reaction severity %q, want %q", severity, tt.severity)
			}
			if got := conceptCode(a.ClinicalStatus); got != tt.clinical {
				t.Errorf("clinical status %q, want %q", got, tt.clinical)
			}
			if got := conceptCode(a.VerificationStatus); got != tt.verification {
				t.Errorf("verification %q, want %q", got, tt.verification)
			}
			if got := strings.Join(a.Category, ","); got != tt.kind {
				t.Errorf("category %q, want %q", got, tt.kind)
			}
			if (len(a.Code.Coding) == 1 && a.Code.Coding[0].System == SystemRxNorm) != tt.rxnorm || a.Code.Text != tt.in.Substance {
				t.Errorf("code %+v", a.Code)
			}
		})
	}
}

func conceptCode(c *outConcept) string {
	if c == nil {
		return ""
	}
	return c.Coding[0].Code
}

func TestStatuses(t *testing.T) {
	m := newMapper(&Record{Patient: Patient{ID: "p"}}, false)
	tests := []struct {
		folio                            string
		condClinical, condVerif          string
		abated                           bool
		medication, immunization, labObs string
	}{
		{folio: "active", condClinical: "active", condVerif: "confirmed", medication: "active", immunization: "completed", labObs: "final"},
		{folio: "resolved", condClinical: "resolved", condVerif: "confirmed", abated: true},
		{folio: "stopped", medication: "stopped"},
		{folio: "completed", immunization: "completed"},
		{folio: "final", labObs: "final"},
		{folio: "entered_in_error", condVerif: "entered-in-error", medication: "entered-in-error",
			immunization: "entered-in-error", labObs: "entered-in-error"},
	}
	for _, tt := range tests {
		t.Run(tt.folio, func(t *testing.T) {
			if tt.condVerif != "" {
				c, _ := m.condition(Problem{ID: "x", Code: "I10", Title: "Hypertension", Status: tt.folio, ResolvedOn: "2020"})
				if conceptCode(c.ClinicalStatus) != tt.condClinical || conceptCode(c.VerificationStatus) != tt.condVerif {
					t.Errorf("condition %v / %v", c.ClinicalStatus, c.VerificationStatus)
				}
				if (c.AbatementDateTime != "") != tt.abated {
					t.Errorf("abatement %q", c.AbatementDateTime)
				}
			}
			if tt.medication != "" {
				med, _ := m.medicationStatement(Medication{ID: "x", Drug: "metformin", Status: tt.folio, StopReason: "why"})
				if med.Status != tt.medication {
					t.Errorf("medication status %q, want %q", med.Status, tt.medication)
				}
				if (len(med.StatusReason) > 0) != (tt.medication == "stopped") {
					t.Errorf("status reason %+v", med.StatusReason)
				}
			}
			if tt.immunization != "" {
				im, _ := m.immunization(Immunization{ID: "x", CVX: "141", Vaccine: "Flu", OccurredOn: "2020", Status: tt.folio})
				if im.Status != tt.immunization {
					t.Errorf("immunization status %q, want %q", im.Status, tt.immunization)
				}
			}
			if tt.labObs != "" {
				o, _ := m.labObservation(LabResult{ID: "x", Name: "Glucose", ValueText: "high", Status: tt.folio})
				if o.Status != tt.labObs {
					t.Errorf("observation status %q, want %q", o.Status, tt.labObs)
				}
			}
		})
	}
}

func TestImmunizationDetails(t *testing.T) {
	m := newMapper(&Record{Patient: Patient{ID: "p"}}, false)
	tests := []struct {
		name          string
		in            Immunization
		site, route   string // codes, or "" for words only
		primary       bool
		dose          string
		occurrence    string
		occurrenceTxt string
	}{
		{name: "given here", in: Immunization{CVX: "141", Site: "right_thigh", Route: "subcutaneous", Dose: "0.5 mL",
			Source: "given_here", OccurredOn: "2025-10-02"}, site: "RT", route: "SQ", primary: true, dose: "0.5", occurrence: "2025-10-02"},
		{name: "elsewhere, year only", in: Immunization{CVX: "03", Site: "other", Route: "nasal", Dose: "1 dose",
			Source: "elsewhere", OccurredOn: "1962"}, occurrence: "1962"},
		{name: "date unknown", in: Immunization{CVX: "03", Source: "elsewhere"}, occurrenceTxt: "date unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im, err := m.immunization(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			code := func(c *outConcept) string {
				if c == nil || len(c.Coding) == 0 {
					return ""
				}
				return c.Coding[0].Code
			}
			if code(im.Site) != tt.site || code(im.Route) != tt.route {
				t.Errorf("site %+v route %+v", im.Site, im.Route)
			}
			if im.PrimarySource != tt.primary {
				t.Errorf("primary source %v", im.PrimarySource)
			}
			dose := ""
			if im.DoseQuantity != nil {
				dose = number(*im.DoseQuantity.Value)
			}
			if dose != tt.dose {
				t.Errorf("dose %q, want %q", dose, tt.dose)
			}
			if im.OccurrenceDateTime != tt.occurrence || im.OccurrenceString != tt.occurrenceTxt {
				t.Errorf("occurrence %q / %q", im.OccurrenceDateTime, im.OccurrenceString)
			}
		})
	}
}

func TestNoKnownStatements(t *testing.T) {
	tests := []struct {
		name           string
		edit           func(r *Record)
		allergyEntries int
		nka            bool
	}{
		{name: "statement and no allergy", edit: func(r *Record) { r.Allergies = nil; r.NoKnownAllergies = true },
			allergyEntries: 1, nka: true},
		{name: "statement but an active allergy: the allergy wins", edit: func(r *Record) { r.NoKnownAllergies = true },
			allergyEntries: 3},
		{name: "statement with only an inactive allergy", edit: func(r *Record) {
			r.Allergies = r.Allergies[2:]
			r.NoKnownAllergies = true
		}, allergyEntries: 2, nka: true},
		{name: "no statement, no allergy: no information", edit: func(r *Record) { r.Allergies = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := fullRecord()
			tt.edit(&rec)
			d := decodeDocument(t, must(IPSDocument(rec, Options{Now: exportTime})))
			s := d.sections()["48765-2"]
			entries, _ := s["entry"].([]any)
			if len(entries) != tt.allergyEntries {
				t.Errorf("%d allergy entries, want %d", len(entries), tt.allergyEntries)
			}
			_, empty := s["emptyReason"]
			if empty != (tt.allergyEntries == 0) {
				t.Errorf("emptyReason %v with %d entries", s["emptyReason"], len(entries))
			}
			div := s["text"].(map[string]any)["div"].(string)
			if strings.Contains(div, "No known allergies") != tt.nka {
				t.Errorf("narrative %s", div)
			}
			found := false
			for _, e := range entries {
				r := d.byURL(e.(map[string]any)["reference"].(string))
				if strings.Contains(fmt.Sprint(r["code"]), "716186003") {
					found = true
				}
			}
			if found != tt.nka {
				t.Errorf("a 'no known allergy' entry: %v, want %v", found, tt.nka)
			}
		})
	}
}

func TestNarrativeEscapes(t *testing.T) {
	rec := fullRecord()
	rec.Problems[0].Title = `<script>alert("x")</script> & "quotes"`
	rec.Referral.Text = "<img src=x onerror=alert(1)>"
	d := decodeDocument(t, must(IPSDocument(rec, Options{Now: exportTime})))
	for code, s := range d.sections() {
		div := s["text"].(map[string]any)["div"].(string)
		if strings.Contains(div, "<script") || strings.Contains(div, "<img") {
			t.Errorf("section %s: a tag from the chart reached the narrative unescaped: %s", code, div)
		}
	}
	problems := d.sections()["11450-4"]["text"].(map[string]any)["div"].(string)
	if !strings.Contains(problems, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;`) {
		t.Errorf("problems narrative %s", problems)
	}
	// The coded title keeps the words as written: JSON, not HTML, carries it.
	cond := d.byURL(d.sections()["11450-4"]["entry"].([]any)[0].(map[string]any)["reference"].(string))
	if cond["code"].(map[string]any)["text"] != rec.Problems[0].Title {
		t.Errorf("condition code %v", cond["code"])
	}
}
