package cds_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"folio/app/cds"
)

func load(t testing.TB) *cds.Knowledge {
	t.Helper()
	k, err := cds.Load()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEveryONCPairDetected: for every row of the ONC high-priority list,
// every drug of one class with every (other) drug of the other raises a
// contraindicated alert from that row's rule, in either order.
func TestEveryONCPairDetected(t *testing.T) {
	k := load(t)
	pairs, err := cds.ONCPairs()
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 15 {
		t.Fatalf("%d ONC pairs, want 15", len(pairs))
	}
	rules := map[[2]string]cds.Rule{}
	for _, r := range k.Interactions() {
		if r.Source == "ONC high-priority" {
			rules[[2]string{r.ClassA, r.ClassB}] = r
		}
	}
	for _, pair := range pairs {
		t.Run(pair[0]+" + "+pair[1], func(t *testing.T) {
			r, ok := rules[pair]
			if !ok {
				t.Fatalf("no ONC rule in interactions.tsv for %s + %s", pair[0], pair[1])
			}
			if r.Severity != cds.Contraindicated {
				t.Errorf("severity %s, want contraindicated", r.Severity)
			}
			as, bs := k.Members(pair[0]), k.Members(pair[1])
			if len(as) == 0 || len(bs) == 0 {
				t.Fatalf("a class has no drug: %d and %d members", len(as), len(bs))
			}
			checked := 0
			for _, a := range as {
				for _, b := range bs {
					if a.Name == b.Name {
						continue
					}
					for _, meds := range [][]cds.Drug{{a, b}, {b, a}} {
						if !hasRule(k.Check(meds, nil), r.ID) {
							t.Errorf("%s + %s: no %s alert", meds[0].Name, meds[1].Name, r.ID)
						}
					}
					checked++
				}
			}
			if checked == 0 {
				t.Errorf("no pair of distinct drugs to check")
			}
		})
	}
}

func hasRule(alerts []cds.Alert, ruleID string) bool {
	for _, a := range alerts {
		if strings.HasPrefix(a.Key, "ddi:"+ruleID+":") || strings.HasPrefix(a.Key, "allergy:"+ruleID+":") {
			return true
		}
	}
	return false
}

func drug(t *testing.T, k *cds.Knowledge, name string) cds.Drug {
	t.Helper()
	d, ok := k.Lookup(name, "")
	if !ok {
		t.Fatalf("%s is not in the drug list", name)
	}
	return d
}

func TestCheck(t *testing.T) {
	k := load(t)
	for _, tc := range []struct {
		name      string
		meds      []string
		allergies []cds.AllergySubstance
		want      map[string]string // rule id -> severity; nil: no alert at all
	}{
		{"unrelated drugs", []string{"metformin", "amlodipine", "levothyroxine", "acetaminophen", "cetirizine"}, nil, nil},
		{"unrelated allergy", []string{"amoxicillin"}, []cds.AllergySubstance{{Substance: "Peanuts"}}, nil},
		{"macrolide allergy, penicillin", []string{"amoxicillin"}, []cds.AllergySubstance{{Substance: "erythromycin"}}, nil},
		{"warfarin and an NSAID", []string{"warfarin", "ibuprofen"}, nil, map[string]string{"vka-nsaid": cds.Major}},
		{"simvastatin and clarithromycin", []string{"simvastatin", "clarithromycin"}, nil, map[string]string{"onc-statin-cyp3a4": cds.Contraindicated}},
		{"pravastatin and clarithromycin: not CYP3A4", []string{"pravastatin", "clarithromycin"}, nil, nil},
		{"penicillin allergy, amoxicillin", []string{"amoxicillin"}, []cds.AllergySubstance{{Substance: "Penicillin"}}, map[string]string{"penicillin-penicillin": cds.Contraindicated}},
		{"penicillin V allergy by code, amoxicillin", []string{"amoxicillin"}, []cds.AllergySubstance{{Substance: "Pen VK", Code: "834102"}}, map[string]string{"penicillin-penicillin": cds.Contraindicated}},
		{"penicillin allergy, cefalexin", []string{"cefalexin"}, []cds.AllergySubstance{{Substance: "penicillins"}}, map[string]string{"penicillin-cephalosporin": cds.Moderate}},
		{"cephalosporin allergy, amoxicillin", []string{"amoxicillin"}, []cds.AllergySubstance{{Substance: "cefuroxime"}}, map[string]string{"cephalosporin-penicillin": cds.Moderate}},
		{"penicillin allergy, meropenem", []string{"meropenem"}, []cds.AllergySubstance{{Substance: "amoxicillin"}}, map[string]string{"penicillin-carbapenem": cds.Moderate}},
		{"sulfa allergy, co-trimoxazole", []string{"sulfamethoxazole/trimethoprim"}, []cds.AllergySubstance{{Substance: "Sulfa drugs"}}, map[string]string{"sulfonamide-sulfonamide": cds.Contraindicated}},
		{"NSAID allergy, aspirin", []string{"aspirin"}, []cds.AllergySubstance{{Substance: "ibuprofen"}}, map[string]string{"nsaid-nsaid": cds.Major}},
		{"same drug twice", []string{"metformin", "Metformin"}, nil, map[string]string{"same-drug": cds.Moderate}},
		{"allergy to the drug itself", []string{"metformin"}, []cds.AllergySubstance{{Substance: "Metformin"}}, map[string]string{"same-drug": cds.Contraindicated}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var meds []cds.Drug
			for _, name := range tc.meds {
				meds = append(meds, drug(t, k, name))
			}
			alerts := k.Check(meds, tc.allergies)
			if tc.want == nil && len(alerts) > 0 {
				t.Fatalf("alerts %+v, want none", alerts)
			}
			for id, sev := range tc.want {
				found := false
				for _, a := range alerts {
					if hasRule([]cds.Alert{a}, id) {
						found = true
						if a.Severity != sev {
							t.Errorf("%s: severity %s, want %s", id, a.Severity, sev)
						}
						if a.What == "" || a.Why == "" || a.Source == "" || len(a.Drugs) == 0 {
							t.Errorf("%s: incomplete alert %+v", id, a)
						}
					}
				}
				if !found {
					t.Errorf("no %s alert in %+v", id, alerts)
				}
			}
		})
	}
}

func TestKeysAreStable(t *testing.T) {
	k := load(t)
	w, i := drug(t, k, "warfarin"), drug(t, k, "ibuprofen")
	a, b := k.Check([]cds.Drug{w, i}, nil), k.Check([]cds.Drug{i, w}, nil)
	if len(a) != 1 || len(b) != 1 || a[0].Key != b[0].Key {
		t.Fatalf("keys differ with order: %+v %+v", a, b)
	}
}

func TestSearch(t *testing.T) {
	k := load(t)
	for _, tc := range []struct {
		query, want string
	}{
		{"amox", "amoxicillin"},
		{"CLAV", "amoxicillin/clavulanate"},
		{"simva", "simvastatin"},
		{"cefalex", "cefalexin"},
	} {
		got := k.Search(tc.query, 10)
		found := false
		for _, d := range got {
			found = found || d.Name == tc.want
		}
		if !found {
			t.Errorf("Search(%q) = %v, want %s among them", tc.query, got, tc.want)
		}
	}
	if got := k.Search("zzzz", 10); len(got) != 0 {
		t.Errorf("Search(zzzz) = %v", got)
	}
	if got := k.Search("a", 3); len(got) != 3 {
		t.Errorf("limit: %d results", len(got))
	}
}

// fifteen is a realistic long medication list of an elderly patient.
var fifteen = []string{"warfarin", "simvastatin", "metformin", "lisinopril", "amlodipine", "metoprolol",
	"furosemide", "omeprazole", "sertraline", "levothyroxine", "aspirin", "albuterol", "gabapentin",
	"allopurinol", "clarithromycin"}

func fifteenDrugs(t testing.TB, k *cds.Knowledge) ([]cds.Drug, []cds.AllergySubstance) {
	var meds []cds.Drug
	for _, name := range fifteen {
		d, ok := k.Lookup(name, "")
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		meds = append(meds, d)
	}
	return meds, []cds.AllergySubstance{{Substance: "Penicillin"}, {Substance: "Sulfa"}, {Substance: "Peanuts"}}
}

// BenchmarkCheck15 checks a 15-drug list with three allergies; the budget
// is 1 ms. It reports the 95th percentile of single checks.
func BenchmarkCheck15(b *testing.B) {
	k := load(b)
	meds, allergies := fifteenDrugs(b, k)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		k.Check(meds, allergies)
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)*95/100].Nanoseconds()), "p95-ns")
}
