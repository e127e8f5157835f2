package fhir

import (
	"math"
	"testing"
)

// TestHeadCircumference: a child's head circumference leaves as LOINC
// 9843-4 in cm and comes back as Folio's head measure, converted from
// inches when it arrives so.
func TestHeadCircumference(t *testing.T) {
	head := 47.5
	m := newMapper(&Record{Patient: Patient{ID: "p"}}, false)
	obs, err := m.vitalObservations(nil, &VitalsSet{ID: "v1", TakenAt: "2025-01-10T10:00:00Z", HeadCircumference: &head,
		Status: "final"})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Code.Coding[0].Code != "9843-4" || obs[0].Code.Coding[0].System != SystemLOINC ||
		obs[0].ValueQuantity == nil || *obs[0].ValueQuantity.Value != 47.5 || obs[0].ValueQuantity.Code != "cm" {
		t.Fatalf("head circumference observation %+v", obs)
	}
	imp := mustParse(t, bundleOf(testPatient,
		`{"resourceType":"Observation","id":"hc","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"9843-4"}]},"subject":{"reference":"urn:uuid:e0"},"effectiveDateTime":"2025-01-10T10:00:00Z","valueQuantity":{"value":18.7,"system":"http://unitsofmeasure.org","code":"[in_i]"}}`))
	if len(imp.Vitals) != 1 || len(imp.Vitals[0].Measurements) != 1 {
		t.Fatalf("vitals %+v", imp.Vitals)
	}
	got := imp.Vitals[0].Measurements[0]
	if got.Measure != "head" || got.Unit != "cm" || math.Abs(got.Value-47.498) > 0.001 {
		t.Errorf("imported head circumference %+v", got)
	}
}
