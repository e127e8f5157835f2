package app_test

import (
	"testing"

	"folio/app/terminology"
)

// icd10Typed is what clinicians type into the problem search, one
// keystroke at a time: words, codes with and without the dot, and the
// one-letter prefixes that match the most titles.
func icd10Typed() []string {
	var typed []string
	for _, q := range []string{"type 2 diabetes without", "essential hypertension", "E11.9", "j4590",
		"asthma mild persistent", "low back pain", "otitis media acute", "hyperlipidemia", "d", "a"} {
		for n := 1; n <= len(q); n++ {
			typed = append(typed, q[:n])
		}
	}
	return typed
}

// BenchmarkSearchICD10 is ICD-10-CM search as you type (target: p95 under
// 2 ms). "folio" is Chart.SearchICD10 as the UI calls it (session and role
// check, the account still active, the search); "index" is the bare
// in-memory search, the floor: no database is involved.
func BenchmarkSearchICD10(b *testing.B) {
	ta := newTestApp(b)
	typed := icd10Typed()
	if _, err := ta.Clinician.Chart.SearchICD10("warm up the index", 20); err != nil {
		b.Fatal(err)
	}
	b.Run("folio", func(b *testing.B) {
		timeEach(b, len(typed), func(i int) error {
			_, err := ta.Clinician.Chart.SearchICD10(typed[i], searchLimit)
			return err
		})
	})
	b.Run("index", func(b *testing.B) {
		list, err := terminology.LoadICD10()
		if err != nil {
			b.Fatal(err)
		}
		timeEach(b, len(typed), func(i int) error {
			list.Search(typed[i], searchLimit)
			return nil
		})
	})
}
