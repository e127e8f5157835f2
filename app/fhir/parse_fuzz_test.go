package fhir

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse feeds the importer arbitrary bytes: it must never panic, must
// refuse with a ParseError or accept, and an accepted bundle must account
// for every resource. The corpus it finds is kept in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		testPatient,
		string(bundleOf(testPatient)),
		string(bundleOf(testPatient,
			`{"resourceType":"Condition","id":"c","clinicalStatus":{"coding":[{"code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9","display":"Type 2 diabetes mellitus without complications"}]},"subject":{"reference":"urn:uuid:e0"},"onsetDateTime":"2014"}`,
			`{"resourceType":"AllergyIntolerance","id":"a","category":["medication"],"code":{"text":"Penicillin"},"reaction":[{"manifestation":[{"text":"Hives"}],"severity":"mild"}]}`,
			`{"resourceType":"MedicationStatement","id":"m","status":"active","medicationReference":{"reference":"urn:uuid:e4"},"dosage":[{"text":"1 tablet daily"}]}`,
			`{"resourceType":"Medication","id":"med","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"860975"}]}}`,
			`{"resourceType":"Immunization","id":"i","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"141"}]},"occurrenceDateTime":"2020-07-03","primarySource":false}`,
			`{"resourceType":"Observation","id":"bp","status":"final","category":[{"coding":[{"code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"code":"mm[Hg]"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"code":"mm[Hg]"}}]}`,
			`{"resourceType":"Observation","id":"lab","status":"final","category":[{"coding":[{"code":"laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"2345-7"}]},"valueQuantity":{"value":5.4,"unit":"mmol/L"},"referenceRange":[{"low":{"value":3.9},"high":{"value":5.6}}]}`,
			`{"resourceType":"Encounter","id":"e"}`,
		)),
		`{"resourceType":"Bundle","type":"document","entry":[{"fullUrl":"urn:uuid:c","resource":{"resourceType":"Composition","title":"Summary","custodian":{"reference":"urn:uuid:o"}}},{"fullUrl":"urn:uuid:o","resource":{"resourceType":"Organization","name":"Clinic"}}]}`,
		`{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE"}}]}`,
		`[]`, `{}`, `{"resourceType":"Bundle"}`, `{"resourceType":"Bundle","type":"collection","entry":[{"resource":[]}]}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"valueQuantity":{"value":1e308,"code":"[degF]"}}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		imp, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Message == "" {
				t.Fatalf("error is not a ParseError with a message: %v", err)
			}
			if imp != nil {
				t.Fatal("a refused file gives an import")
			}
			return
		}
		c := imp.Counts()
		if c.In != c.MappedTotal+c.UnmappedTotal+c.SkippedTotal {
			t.Fatalf("in %d != mapped %d + unmapped %d + skipped %d", c.In, c.MappedTotal, c.UnmappedTotal, c.SkippedTotal)
		}
		if len(everyEntry(imp)) != c.In {
			t.Fatalf("%d placed, %d in", len(everyEntry(imp)), c.In)
		}
		if _, err := json.Marshal(imp); err != nil {
			t.Fatalf("an accepted import cannot be sent to the screen: %v", err)
		}
	})
}
