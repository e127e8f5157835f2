package app_test

import (
	"fmt"
	"strings"
	"testing"

	"folio/app"
)

func hasAlert(alerts []app.Alert, rule string) bool {
	for _, a := range alerts {
		if strings.Contains(a.Key, ":"+rule+":") {
			return true
		}
	}
	return false
}

// TestCodedAllergyAlertsOnAmoxicillin: an allergy typed in with a code, in
// each form a penicillin allergy arrives in, raises the penicillin alert
// on prescribing amoxicillin.
func TestCodedAllergyAlertsOnAmoxicillin(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	for _, tc := range []struct{ substance, code string }{
		{"Allergy to penicillin", "91936005"}, // SNOMED CT finding
		{"Penicillin", "764146007"},           // SNOMED CT substance
		{"Beta-lactam thing", "373270004"},    // SNOMED CT substance, IPS examples
		{"Pfizerpen", "7980"},                 // RxNorm penicillin G
		{"Pen V", "7984"},                     // RxNorm penicillin V
		{"Amoxil", "723"},                     // RxNorm amoxicillin
	} {
		t.Run(tc.code, func(t *testing.T) {
			p := ta.register(t, samplePatient())
			if _, err := chart.AddAllergy(p.ID, app.AllergyInput{Substance: tc.substance, SubstanceKind: "drug", Code: tc.code}); err != nil {
				t.Fatal(err)
			}
			check, err := chart.CheckMedication(p.ID, sampleMedication("amoxicillin"))
			if err != nil {
				t.Fatal(err)
			}
			if !hasAlert(check.Alerts, "penicillin-penicillin") && !hasAlert(check.Alerts, "same-drug") {
				t.Errorf("alerts %+v, want a penicillin alert", check.Alerts)
			}
			if len(check.Unchecked) != 0 {
				t.Errorf("unchecked %+v", check.Unchecked)
			}
		})
	}
}

// TestBrandNamedACEInhibitorTypedIn: Zestril charted by its branded drug
// string and code is contraindicated with sacubitril/valsartan.
func TestBrandNamedACEInhibitorTypedIn(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	for _, in := range []app.MedicationInput{
		{Drug: "Zestril 10 MG Oral Tablet", RxNorm: "104377", Source: "elsewhere"},
		{Drug: "Zestril 10 MG Oral Tablet", Source: "elsewhere"},
		{Drug: "Our own name for it", RxNorm: "104377", Source: "elsewhere"},
	} {
		p := ta.register(t, samplePatient())
		m, err := chart.AddMedication(p.ID, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Drug != in.Drug || !m.Check.Checked || m.Check.CheckedAs != "lisinopril" {
			t.Errorf("charted %q as %+v", m.Drug, m.Check)
		}
		check, err := chart.CheckMedication(p.ID, sampleMedication("Entresto"))
		if err != nil {
			t.Fatal(err)
		}
		if !hasAlert(check.Alerts, "acei-neprilysin") || !hasContraindicated(check.Alerts) {
			t.Errorf("%+v then Entresto: alerts %+v", in, check.Alerts)
		}
	}
}

// TestFreeTextDrugIsNotChecked: a drug the list cannot read is listed as
// not checked, and the check of a new drug names it; a food allergy is not
// a drug and so not unchecked; a drug allergy that cannot be read is.
func TestFreeTextDrugIsNotChecked(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	tea := ta.addMed(t, p.ID, "Grandma's herbal tea")
	if _, err := chart.AddMedication(p.ID, app.MedicationInput{Drug: "XYZ", RxNorm: "123", Source: "elsewhere"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, a := range []app.AllergyInput{{Substance: "Peanuts", SubstanceKind: "food"}, {Substance: "Grass pollen", SubstanceKind: "environment"},
		{Substance: "Zorblaxin", SubstanceKind: "drug"}} {
		if _, err := chart.AddAllergy(p.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	if tea.Check.Checked || tea.Check.NotChecked != "free text" {
		t.Errorf("tea: %+v", tea.Check)
	}
	meds, err := chart.Medications(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range meds {
		want := map[string]string{"Grandma's herbal tea": "free text", "XYZ": "unknown code RxNorm 123"}[m.Drug]
		if m.Check.NotChecked != want {
			t.Errorf("%s: not checked %q, want %q", m.Drug, m.Check.NotChecked, want)
		}
	}
	allergies, err := chart.Allergies(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allergies.Allergies {
		if want := map[string]string{"Zorblaxin": "free text"}[a.Substance]; a.Check.NotChecked != want {
			t.Errorf("allergy %s: not checked %q, want %q", a.Substance, a.Check.NotChecked, want)
		}
	}
	check, err := chart.CheckMedication(p.ID, sampleMedication("Moonbeam drops"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range check.Unchecked {
		names = append(names, u.Name+" ("+u.Reason+")")
	}
	want := "Moonbeam drops (free text), Grandma's herbal tea (free text), XYZ (unknown code RxNorm 123), Zorblaxin (free text)"
	if strings.Join(names, ", ") != want {
		t.Errorf("unchecked %s\nwant %s", strings.Join(names, ", "), want)
	}
	if !strings.HasPrefix(check.Note, "4 entries could not be checked for interactions: Moonbeam drops (free text)") {
		t.Errorf("note %q", check.Note)
	}
	summary, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	unchecked := 0
	for _, e := range append(summary.Medications, summary.Allergies...) {
		if e.NotChecked != "" {
			unchecked++
		}
	}
	if unchecked != 3 {
		t.Errorf("summary marks %d entries not checked, want 3", unchecked)
	}
}

// codedBundle is a FHIR collection about Ana Sofia Rivera with one coded
// allergy and coded medications ("system|code|display").
func codedBundle(allergy string, drugs ...string) []byte {
	coding := func(s string) string {
		parts := strings.SplitN(s, "|", 3)
		return fmt.Sprintf(`{"coding":[{"system":%q,"code":%q,"display":%q}],"text":%q}`, parts[0], parts[1], parts[2], parts[2])
	}
	entries := []string{`{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p",
		"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"female"}}`}
	if allergy != "" {
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:a","resource":{"resourceType":"AllergyIntolerance","id":"a",
			"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
			"category":["medication"],"code":%s,"patient":{"reference":"urn:uuid:p"}}}`, coding(allergy)))
	}
	for i, d := range drugs {
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:m%d","resource":{"resourceType":"MedicationStatement","id":"m%d",
			"status":"active","medicationCodeableConcept":%s,"subject":{"reference":"urn:uuid:p"},
			"effectivePeriod":{"start":"2025-01-01"},"dosage":[{"text":"once a day"}]}}`, i, i, coding(d)))
	}
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",\n") + `]}`)
}

// TestImportedCodedRecordsAreChecked: a coded penicillin allergy and a
// brand-named ACE inhibitor arriving in a file are checked as if typed in,
// and an item that cannot be read says so in the review.
func TestImportedCodedRecordsAreChecked(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	r := importInto(t, ta.Clinician, codedBundle("http://snomed.info/sct|91936005|Allergy to penicillin",
		"http://www.nlm.nih.gov/research/umls/rxnorm|104377|Zestril 10 MG Oral Tablet",
		"http://www.nlm.nih.gov/research/umls/rxnorm|99999999|Unheard-of 5 MG Oral Tablet"), p.ID)
	zestril := importItem(t, r, "medication", "Zestril 10 MG Oral Tablet")
	unheard := importItem(t, r, "medication", "Unheard-of 5 MG Oral Tablet")
	if zestril.Check == nil || !zestril.Check.Checked || unheard.Check == nil || unheard.Check.NotChecked != "unknown code RxNorm 99999999" {
		t.Errorf("review: zestril %+v, unheard %+v", zestril.Check, unheard.Check)
	}
	if _, err := chart.FinishImport(r.ID, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ drug, rule string }{{"amoxicillin", "penicillin-penicillin"}, {"sacubitril/valsartan", "acei-neprilysin"}} {
		check, err := chart.CheckMedication(p.ID, sampleMedication(tc.drug))
		if err != nil {
			t.Fatal(err)
		}
		if !hasAlert(check.Alerts, tc.rule) {
			t.Errorf("%s after the import: alerts %+v, want %s", tc.drug, check.Alerts, tc.rule)
		}
		if len(check.Unchecked) != 1 || check.Unchecked[0].Name != "Unheard-of 5 MG Oral Tablet" {
			t.Errorf("unchecked %+v", check.Unchecked)
		}
	}
}
