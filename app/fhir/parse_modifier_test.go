package fhir

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseKeepsModifierExtensions: a resource that carries a modifier
// extension, on itself or on any element inside it, is kept as the
// original with the extension's url and place named, and never becomes a
// chart item; the same resource without it does.
func TestParseKeepsModifierExtensions(t *testing.T) {
	const mod = `"modifierExtension":[{"url":"https://example.org/fhir/StructureDefinition/not-this","valueBoolean":true}]`
	vitals := func(extra, componentExtra string) string {
		return `{"resourceType":"Observation","id":"bp",` + extra + `"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
			"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"urn:uuid:e0"},"effectiveDateTime":"2024-03-01T10:00:00Z",
			"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
			{` + componentExtra + `"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`
	}
	allergy := func(reactionExtra string) string {
		return `{"resourceType":"AllergyIntolerance","id":"a","category":["medication"],"code":{"text":"Penicillin"},"patient":{"reference":"urn:uuid:e0"},
			"reaction":[{"manifestation":[{"text":"Hives"}]},{` + reactionExtra + `"manifestation":[{"text":"Anaphylaxis"}]}]}`
	}
	condition := func(extra string) string {
		return `{"resourceType":"Condition","id":"c",` + extra + `"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}]},"subject":{"reference":"urn:uuid:e0"}}`
	}
	contained := func(medExtra string) string {
		return `{"resourceType":"MedicationRequest","id":"m","status":"active","intent":"order","medicationReference":{"reference":"#m1"},
			"contained":[{"resourceType":"Medication","id":"m1",` + medExtra + `"code":{"text":"metformin"}}],"subject":{"reference":"urn:uuid:e0"}}`
	}
	tests := []struct {
		name, plain, modified, at, mappedKind string
	}{
		{"on the resource", condition(""), condition(mod + ","), "the resource", "problem"},
		{"on a component", vitals("", ""), vitals("", mod+","), "component[1]", "vital"},
		{"on a reaction", allergy(""), allergy(mod + ","), "reaction[1]", "allergy"},
		{"on a contained medication", contained(""), contained(mod + ","), "contained[0]", "medication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := checkNothingDropped(t, mustParse(t, bundleOf(testPatient, tt.plain)))
			if plain.Mapped[tt.mappedKind] != 1 {
				t.Fatalf("without the extension: %+v, want one %s", plain, tt.mappedKind)
			}
			imp := mustParse(t, bundleOf(testPatient, tt.modified))
			c := checkNothingDropped(t, imp)
			if c.Mapped[tt.mappedKind] != 0 || c.UnmappedTotal != 1 {
				t.Fatalf("with the extension: %+v, want it kept as the original", c)
			}
			reason := imp.Unmapped[0].Reason
			if !strings.HasPrefix(reason, "Kept as the original: it carries a modifier extension Folio does not understand: https://example.org/fhir/StructureDefinition/not-this (at "+tt.at+")") {
				t.Errorf("reason %q", reason)
			}
		})
	}
}

// TestParseModifierExtensionsInTheIPSExample reads the IPS example with
// three modifier extensions added by hand (testdata/SOURCES.md): the
// allergy carrying one, the medication whose dosage carries one and the
// medication naming a Medication that carries one are kept as originals;
// everything else is read as in the original file.
func TestParseModifierExtensionsInTheIPSExample(t *testing.T) {
	original := checkNothingDropped(t, mustParse(t, readExample(t, "Bundle-IPS-examples-Bundle-01.json")))
	imp := mustParse(t, readExample(t, "Bundle-IPS-examples-Bundle-01-modifier-extensions.json"))
	c := checkNothingDropped(t, imp)
	want := map[string]int{"allergy": 1, "patient": 1, "problem": 2, "result": 6}
	if !reflect.DeepEqual(c.Mapped, want) || c.In != original.In || c.UnmappedTotal != original.UnmappedTotal+3 {
		t.Errorf("mapped %v (want %v); %d in, %d unmapped (the original: %d, %d)", c.Mapped, want, c.In, c.UnmappedTotal, original.In, original.UnmappedTotal)
	}
	reasons := map[string]string{}
	for _, u := range imp.Unmapped {
		reasons[u.Origin.ResourceType+"/"+u.Origin.ID] = u.Reason
	}
	for id, says := range map[string]string{
		"AllergyIntolerance/72884cad-ebe6-4f43-a51a-2f978275f132":  "does not understand: https://example.org/fhir/StructureDefinition/handmade-allergy-ruled-out (at the resource)",
		"MedicationStatement/c220e36c-eb67-4fc4-9ba1-2fabc52acec6": "does not understand: https://example.org/fhir/StructureDefinition/handmade-dose-withheld (at dosage[0])",
		"MedicationStatement/47524493-846a-4a26-bae2-4ab03e60f02e": "the medication it names (urn:uuid:8adc0999-9468-4ac9-9557-680fa133d626) carries a modifier extension Folio does not understand: https://example.org/fhir/StructureDefinition/handmade-placebo",
		"Medication/8adc0999-9468-4ac9-9557-680fa133d626":          "handmade-placebo (at the resource)",
	} {
		if !strings.Contains(reasons[id], says) {
			t.Errorf("%s: reason %q, want it to say %q", id, reasons[id], says)
		}
	}
	if len(imp.Allergies) != 1 || imp.Allergies[0].Origin.ID != "c7781f44-6df8-4a8b-9e06-0b34263a47c5" {
		t.Errorf("allergies %+v: only the one without the extension", imp.Allergies)
	}
}

// TestParseKeepsAPatientWithAModifierExtension: a Patient carrying one is
// kept too, and the clinician is told Folio cannot say whom the file is
// about (so it names no patient to register or to check a chart against).
func TestParseKeepsAPatientWithAModifierExtension(t *testing.T) {
	patient := strings.Replace(testPatient, `"id":"p1",`, `"id":"p1","modifierExtension":[{"url":"https://example.org/animal"}],`, 1)
	imp := mustParse(t, bundleOf(patient, `{"resourceType":"Condition","id":"c","code":{"text":"Asthma"},"subject":{"reference":"urn:uuid:e0"}}`))
	checkNothingDropped(t, imp)
	if len(imp.Patients) != 0 || len(imp.Unmapped) != 1 || imp.Unmapped[0].Origin.ResourceType != "Patient" {
		t.Fatalf("patients %+v, unmapped %+v", imp.Patients, imp.Unmapped)
	}
	if len(imp.Warnings) != 1 || !strings.Contains(imp.Warnings[0], "cannot tell whom the file is about") {
		t.Errorf("warnings %q", imp.Warnings)
	}
}
