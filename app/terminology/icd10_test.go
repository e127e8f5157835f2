package terminology

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func loadICD10(t testing.TB) *ICD10 {
	t.Helper()
	x, err := LoadICD10()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestLoadICD10 checks the embedded list against NCHS's published counts
// for the FY2026 release (98,186 codes and headers, of which 74,719 are
// valid for HIPAA-covered transactions) and spot-checks billable codes the
// 2018 categories file lacked.
func TestLoadICD10(t *testing.T) {
	x := loadICD10(t)
	if x.Len() != 98186 || x.Billable() != 74719 {
		t.Errorf("Len, Billable = %d, %d; want 98186, 74719", x.Len(), x.Billable())
	}
	if x.Terms() < 50000 {
		t.Errorf("Terms = %d, want the index terms and abbreviations", x.Terms())
	}
	for _, tc := range []struct {
		code, title string
		billable    bool
	}{
		{"e119", "Type 2 diabetes mellitus without complications", true},
		{"E03.9", "Hypothyroidism, unspecified", true},
		{"K21.9", "Gastro-esophageal reflux disease without esophagitis", true},
		{"J45.909", "Unspecified asthma, uncomplicated", true},
		{"I10", "Essential (primary) hypertension", true},
		{"S72.001A", "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture", true},
		{"E11.A", "Type 2 diabetes mellitus without complications in remission", true}, // new in FY2026
		{"E11", "Type 2 diabetes mellitus", false},
		{"M17.1", "Unilateral primary osteoarthritis of knee", false},
	} {
		c, ok := x.Lookup(tc.code)
		if !ok || c.Title != tc.title || c.Billable != tc.billable || CodeKey(c.Code) != CodeKey(tc.code) {
			t.Errorf("Lookup(%s) = %+v, %v; want %q billable %v", tc.code, c, ok, tc.title, tc.billable)
		}
	}
	if c, _ := x.Lookup("c4a0"); c.Code != "C4A.0" {
		t.Errorf("Lookup(c4a0) = %+v: a code the Tabular List puts out of alphabetical order", c)
	}
	for _, code := range []string{"Q99.99", "R05", "J45.90X"} {
		if c, ok := x.Lookup(code); ok && c.Billable {
			t.Errorf("Lookup(%s) = %+v: not a billable code", code, c)
		}
	}
}

func TestSearchICD10(t *testing.T) {
	x := loadICD10(t)
	for _, tc := range []struct {
		name, query string
		limit       int
		first       string // the first code found, "" for none
		all         string // a code that must be among those found
	}{
		{"code with dot", "E11.9", 10, "E11.9", ""},
		{"code without dot, lower case", "e119", 10, "E11.9", ""},
		{"category, then its billable codes", "E11", 5, "E11", "E11.9"},
		{"code beginning", "j4590", 5, "J45.90", "J45.909"},
		{"code with trailing dot", "I10.", 5, "I10", ""},
		{"seven-character code", "s72.001a", 5, "S72.001A", ""},
		{"words", "type 2 diabetes", 50, "E11.9", ""},
		{"words in any order", "diabetes 2 type without", 50, "E11.9", ""},
		{"word prefixes", "diab typ 2 witho compl", 50, "E11.9", ""},
		{"accents and case folded", "HYPERTENSIÓN essent", 10, "I10", ""},
		{"code-like word falls back to words", "b12 deficiency", 50, "", "D51.9"},
		{"unknown word", "zzyzx", 10, "", ""},
		{"unknown code", "Z99.999", 10, "", ""},
		{"empty", "  ", 10, "", ""},
		{"no limit", "diabetes", 0, "", ""},

		// Everyday words and abbreviations find the billable code a
		// primary-care clinic means.
		{"GERD", "GERD", 10, "K21.9", ""},
		{"heart burn, two words", "heart burn", 10, "", "R12"},
		{"heartburn: the exact title first", "heartburn", 10, "R12", "K21.9"},
		{"high blood pressure", "high blood pressure", 10, "I10", ""},
		{"sugar", "sugar", 10, "E11.9", ""},
		{"knee osteoarthritis: billable M17 codes", "knee osteoarthritis", 10, "M17.9", "M17.11"},
		{"HTN", "htn", 10, "I10", ""},
		{"DM2", "DM2", 10, "E11.9", ""},
		{"COPD", "copd", 10, "J44.9", ""},
		{"UTI", "UTI", 10, "N39.0", ""},
		{"URI", "URI", 10, "J06.9", ""},
		{"CHF", "CHF", 10, "I50.9", ""},
		{"afib", "afib", 10, "I48.91", ""},
		{"hypothyroid", "hypothyroid", 10, "E03.9", ""},
		{"high cholesterol", "high cholesterol", 10, "", "E78.00"},
		{"asthma: the billable code, not the category", "asthma", 10, "J45.909", ""},
		{"diabetes: the common code first", "diabetes", 10, "E11.9", ""},
		{"low back pain", "low back pain", 10, "M54.50", ""},
		{"cough: billable before the category", "cough", 10, "R05.9", "R05.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := x.Search(tc.query, tc.limit)
			if len(got) > tc.limit {
				t.Errorf("%d codes, limit %d", len(got), tc.limit)
			}
			switch {
			case tc.first == "" && tc.all == "":
				if len(got) != 0 {
					t.Errorf("Search(%q) = %v, want none", tc.query, got)
				}
			case tc.first != "":
				if len(got) == 0 || got[0].Code != tc.first {
					t.Errorf("Search(%q) = %v, want %s first", tc.query, got, tc.first)
				}
			}
			if tc.all != "" {
				found := false
				for _, c := range got {
					found = found || c.Code == tc.all
				}
				if !found {
					t.Errorf("Search(%q) = %v, want %s among them", tc.query, got, tc.all)
				}
			}
		})
	}
}

// TestSearchICD10BillableFirst checks that a words search lists every
// billable code it finds before any category or subcategory.
func TestSearchICD10BillableFirst(t *testing.T) {
	x := loadICD10(t)
	for _, q := range []string{"asthma", "knee osteoarthritis", "diabetes", "fracture femur", "otitis media"} {
		got := x.Search(q, 100)
		seenHeader := false
		for _, c := range got {
			if !c.Billable {
				seenHeader = true
			} else if seenHeader {
				t.Errorf("Search(%q): billable %s after a category: %v", q, c.Code, got)
				break
			}
		}
	}
}

func TestBillableUnder(t *testing.T) {
	x := loadICD10(t)
	for _, tc := range []struct {
		code  string
		limit int
		want  []string // the first codes, in order
	}{
		{"E11", 3, []string{"E11.9", "E11.65", "E11.22"}}, // the common ones first
		{"M17", 2, []string{"M17.9", "M17.0"}},
		{"m17.1", 5, []string{"M17.12", "M17.11", "M17.10"}}, // the shorter titles first
		{"I10", 5, []string{"I10"}},                          // a billable code suggests itself
		{"Q99.99", 5, nil},
		{"", 5, nil},
	} {
		got := x.BillableUnder(tc.code, tc.limit)
		var codes []string
		for _, c := range got {
			if !c.Billable || !strings.HasPrefix(CodeKey(c.Code), CodeKey(tc.code)) {
				t.Errorf("BillableUnder(%s) has %+v", tc.code, c)
			}
			codes = append(codes, c.Code)
		}
		if len(codes) > tc.limit || !slices.Equal(codes[:min(len(codes), len(tc.want))], tc.want) {
			t.Errorf("BillableUnder(%s, %d) = %v, want %v first", tc.code, tc.limit, codes, tc.want)
		}
	}
}

// BenchmarkSearchICD10 times each search of what a clinician types, one
// keystroke at a time, and reports the p95 (target: under 2 ms at the Go
// method; Chart.SearchICD10 adds the role check). The floor beside it is a
// plain scan of the sorted keys for a code prefix: the least any search of
// the list can cost.
func BenchmarkSearchICD10(b *testing.B) {
	x := loadICD10(b)
	var typed []string
	for _, q := range []string{"type 2 diabetes without", "essential hypertension", "E11.9", "j45.909",
		"asthma mild persistent", "low back pain", "otitis media acute", "hyperlipidemia", "d", "a"} {
		for n := 1; n <= len(q); n++ {
			typed = append(typed, q[:n])
		}
	}
	run := func(b *testing.B, op func(q string)) {
		times := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			op(typed[i%len(typed)])
			times = append(times, time.Since(start))
		}
		b.StopTimer()
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		pct := func(p float64) float64 { return float64(times[int(float64(len(times)-1)*p)].Nanoseconds()) / 1e3 }
		b.ReportMetric(pct(0.50), "p50-µs")
		b.ReportMetric(pct(0.95), "p95-µs")
		b.ReportMetric(pct(0.99), "p99-µs")
	}
	b.Run("search", func(b *testing.B) { run(b, func(q string) { x.Search(q, 20) }) })
	b.Run("floor", func(b *testing.B) {
		run(b, func(q string) {
			key := CodeKey(q)
			i := sort.SearchStrings(x.keys, key)
			for n := 0; n < 20 && i < len(x.keys); n, i = n+1, i+1 {
				_ = x.codes[i]
			}
		})
	})
}
