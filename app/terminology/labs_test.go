package terminology

import (
	"slices"
	"testing"
)

func TestValidLOINC(t *testing.T) {
	for code, want := range map[string]bool{
		"718-7": true, "4548-4": true, "2345-7": true, "6301-6": true, "3016-3": true, "12345-5": true,
		"718-8": false, "4548-3": false, "718": false, "71a-7": false, "-7": false, "718-77": false,
	} {
		if got := ValidLOINC(code); got != want {
			t.Errorf("ValidLOINC(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestLabTestsList(t *testing.T) {
	l, err := LoadLabTests()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"718-7", "4548-4", "3016-3", "3024-7", "6301-6", "2160-0", "2857-1", "62292-8",
		"2276-4", "2093-3", "2085-9", "2571-8", "13457-7", "14959-1", "33914-3", "6690-2", "777-3"} {
		if _, ok := l.Lookup(code); !ok {
			t.Errorf("%s is not on the list", code)
		}
	}
	for _, test := range l.All() {
		if test.Kind == LabNumeric && test.Unit == "" {
			t.Errorf("%s %s: a numeric test without a unit", test.LOINC, test.Name)
		}
		if test.Source == "" {
			t.Errorf("%s %s: no source", test.LOINC, test.Name)
		}
	}
	hb, _ := l.Lookup("718-7")
	f, m, other := hb.RangeFor("female"), hb.RangeFor("male"), hb.RangeFor("unknown")
	if *f.Low != 12.1 || *m.Low != 13.8 || *other.Low != 12.1 || *other.High != 17.2 {
		t.Errorf("hemoglobin ranges: female %v, male %v, unknown %v–%v", *f.Low, *m.Low, *other.Low, *other.High)
	}
	if factor, unit, ok := hb.Factor("g/l"); !ok || factor != 0.1 || unit != "g/L" {
		t.Errorf("g/l: %v %q %v", factor, unit, ok)
	}
	if got := l.Search("a1c", 5); len(got) == 0 || got[0].LOINC != "4548-4" {
		t.Errorf("search a1c: %+v", got)
	}
	if got := l.Search("2160", 5); len(got) != 1 || got[0].LOINC != "2160-0" {
		t.Errorf("search 2160: %+v", got)
	}
}

func TestLabFlag(t *testing.T) {
	p := func(f float64) *float64 { return &f }
	for _, tc := range []struct {
		v    float64
		want string
	}{{2.5, "LL"}, {2.7, "LL"}, {3.0, "L"}, {3.5, "N"}, {5.0, "N"}, {5.5, "H"}, {6.0, "HH"}, {7, "HH"}} {
		if got := LabFlag(tc.v, p(3.5), p(5.0), p(2.7), p(6.0)); got != tc.want {
			t.Errorf("potassium %v: %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := LabFlag(1, nil, nil, nil, nil); got != "" {
		t.Errorf("no range: %q", got)
	}
	if TextFlag("neg", "Negative") != "N" || TextFlag("2+", "Negative") != "A" || TextFlag("x", "") != "" {
		t.Error("text flags")
	}
}

func TestLabPanels(t *testing.T) {
	l, err := LoadLabTests()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, loinc string
		members    []string
	}{
		{"lipid", "57698-3", []string{"2093-3", "2571-8", "2085-9", "18262-6"}},
		{"lipid-calculated", "24331-1", []string{"2093-3", "2571-8", "2085-9", "13457-7"}},
		{"cbc", "58410-2", []string{"6690-2", "789-8", "718-7", "4544-3", "787-2", "785-6", "786-4", "788-0", "777-3"}},
		{"bmp", "51990-0", []string{"2345-7", "3094-0", "2160-0", "2951-2", "2823-3", "2075-0", "2028-9", "17861-6"}},
		{"cmp", "24323-8", nil},
		{"thyroid", "", []string{"3016-3", "3024-7"}},
		{"urinalysis", "24356-8", nil},
		{"hba1c", "", []string{"4548-4"}},
	} {
		p, ok := l.Panel(tc.key)
		if !ok || p.LOINC != tc.loinc {
			t.Errorf("Panel(%s) = %+v, %v; want LOINC %q", tc.key, p, ok, tc.loinc)
			continue
		}
		var codes []string
		for _, m := range p.Tests {
			if m.Kind == LabNumeric && m.Unit == "" {
				t.Errorf("%s: member %s has no unit", tc.key, m.LOINC)
			}
			codes = append(codes, m.LOINC)
		}
		if tc.members != nil && !slices.Equal(codes, tc.members) {
			t.Errorf("%s members = %v, want %v", tc.key, codes, tc.members)
		}
	}
	if cmp, _ := l.Panel("cmp"); len(cmp.Tests) != 14 {
		t.Errorf("CMP has %d tests, want the 14 of a comprehensive metabolic panel", len(cmp.Tests))
	}
}
