package terminology

import (
	"testing"
)

func loadCVX(t testing.TB) *CVX {
	t.Helper()
	x, err := LoadCVX()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestLoadCVX(t *testing.T) {
	x := loadCVX(t)
	if x.Len() < 80 {
		t.Errorf("Len = %d, want the clinic's whole list", x.Len())
	}
	// Every CVX code of the Synthea records Folio's list starts from.
	for _, code := range []string{"140", "113", "133", "20", "114", "62", "10", "121", "52", "49", "08", "03", "83",
		"21", "119", "43", "33", "115"} {
		if _, ok := x.Lookup(code); !ok {
			t.Errorf("Lookup(%s) found nothing", code)
		}
	}
	for _, tc := range []struct {
		code, name  string
		historyOnly bool
	}{
		{"8", "Hep B, adolescent or pediatric", false},
		{" 115 ", "Tdap", false},
		{"187", "zoster recombinant", false},
		{"88", "influenza, unspecified formulation", true},
		{"121", "zoster live", true},
	} {
		v, ok := x.Lookup(tc.code)
		if !ok || v.Name != tc.name || v.HistoryOnly != tc.historyOnly {
			t.Errorf("Lookup(%q) = %+v, %v; want %q, history only %v", tc.code, v, ok, tc.name, tc.historyOnly)
		}
	}
	for _, code := range []string{"", "999", "abc", "1 15"} {
		if v, ok := x.Lookup(code); ok {
			t.Errorf("Lookup(%q) = %+v, want nothing", code, v)
		}
	}
}

func TestSearchCVX(t *testing.T) {
	x := loadCVX(t)
	for _, tc := range []struct {
		name, query string
		limit       int
		first       string // the first code found, "" for none
		all         string // a code that must be among those found
	}{
		{"code", "115", 10, "115", ""},
		{"one-digit code", "3", 10, "03", ""},
		{"abbreviation", "tdap", 10, "115", ""},
		{"product name", "SHINGRIX", 10, "187", ""},
		{"product name prefix", "prevnar 2", 10, "216", ""},
		{"words in any order", "high dose flu", 10, "", "197"},
		{"common word", "flu", 30, "", "140"},
		{"history-only codes come after", "flu", 30, "", "88"},
		{"accents folded", "MÉNINGOCOCCAL b", 10, "", "163"},
		{"unknown word", "zzyzx", 10, "", ""},
		{"no limit", "flu", 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := x.Search(tc.query, tc.limit)
			if len(got) > max(tc.limit, 0) {
				t.Fatalf("%d vaccines, limit %d", len(got), tc.limit)
			}
			if tc.first == "" && tc.all == "" {
				if len(got) != 0 {
					t.Errorf("found %+v, want nothing", got)
				}
				return
			}
			if tc.first != "" && (len(got) == 0 || got[0].Code != tc.first) {
				t.Errorf("found %+v, want %s first", got, tc.first)
			}
			if tc.all != "" && !containsCode(got, tc.all) {
				t.Errorf("found %+v, want %s among them", got, tc.all)
			}
		})
	}
	flu := x.Search("flu", 50)
	seenHistory := false
	for _, v := range flu {
		if v.HistoryOnly {
			seenHistory = true
		} else if seenHistory {
			t.Errorf("%s (%s) comes after a history-only code", v.Code, v.Name)
		}
	}
	empty := x.Search("", 200)
	if len(empty) == 0 {
		t.Error("an empty query lists nothing")
	}
	for _, v := range empty {
		if v.HistoryOnly {
			t.Errorf("an empty query lists history-only %s", v.Code)
		}
	}
}

func containsCode(vs []Vaccine, code string) bool {
	for _, v := range vs {
		if v.Code == code {
			return true
		}
	}
	return false
}
