package cds_test

import (
	"testing"

	"folio/app/cds"
)

func rx(code, display string) cds.Coding {
	return cds.Coding{System: cds.SystemRxNorm, Code: code, Display: display}
}

func sct(code, display string) cds.Coding {
	return cds.Coding{System: cds.SystemSNOMED, Code: code, Display: display}
}

// TestResolveDrug: a medication is read by its code first, then by its
// name in any of the forms records carry it.
func TestResolveDrug(t *testing.T) {
	k := load(t)
	for _, tc := range []struct {
		name    string
		drug    string
		codings []cds.Coding
		want    string // the list's drug; "" for none
		match   string
	}{
		{"ingredient code", "Whatever it was called", []cds.Coding{rx("29046", "")}, "lisinopril", cds.MatchCode},
		{"branded drug code", "Zestril 10 MG Oral Tablet", []cds.Coding{rx("104377", "")}, "lisinopril", cds.MatchCode},
		{"clinical drug code", "", []cds.Coding{rx("1656340", "")}, "sacubitril/valsartan", cds.MatchCode},
		{"brand name", "Zestril", nil, "lisinopril", cds.MatchName},
		{"brand clinical drug string", "Zestril 10 MG Oral Tablet", nil, "lisinopril", cds.MatchName},
		{"generic clinical drug string", "lisinopril 10 MG Oral Tablet", nil, "lisinopril", cds.MatchName},
		{"combination string", "amoxicillin 500 MG / clavulanate 125 MG Oral Tablet", nil, "amoxicillin/clavulanate", cds.MatchName},
		{"bracketed brand", "amoxicillin 875 MG / clavulanate 125 MG Oral Tablet [Augmentin]", nil, "amoxicillin/clavulanate", cds.MatchName},
		{"salt and release", "24 HR metoprolol succinate 50 MG Extended Release Oral Tablet", nil, "metoprolol", cds.MatchName},
		{"international spelling", "paracetamol", nil, "acetaminophen", cds.MatchName},
		{"salbutamol", "Salbutamol 100 mcg inhaler", nil, "albuterol", cds.MatchName},
		{"frusemide", "frusemide", nil, "furosemide", cds.MatchName},
		{"adrenaline", "Adrenaline", nil, "epinephrine", cds.MatchName},
		{"glibenclamide", "glibenclamide 5 mg", nil, "glyburide", cds.MatchName},
		{"US brands", "Tylenol", nil, "acetaminophen", cds.MatchName},
		{"Lasix", "Lasix 40 MG Oral Tablet", nil, "furosemide", cds.MatchName},
		{"Entresto", "Entresto", nil, "sacubitril/valsartan", cds.MatchName},
		{"unknown code, known display", "", []cds.Coding{rx("99999999", "Norvasc 5 MG Oral Tablet")}, "amlodipine", cds.MatchName},
		{"free text", "Grandma's herbal tea", nil, "", cds.MatchNone},
		{"unknown code and name", "XYZ", []cds.Coding{rx("123", "")}, "", cds.MatchNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := k.ResolveDrug(tc.drug, tc.codings)
			if r.Drug != tc.want || r.Match != tc.match {
				t.Errorf("ResolveDrug(%q, %v) = %s by %s (%s), want %s by %s", tc.drug, tc.codings, r.Drug, r.Match, r.By, tc.want, tc.match)
			}
			if tc.want != "" && len(r.Classes) == 0 {
				t.Errorf("%s: no classes", tc.want)
			}
		})
	}
	if r := k.ResolveDrug("XYZ", []cds.Coding{rx("123", "")}); len(r.Unknown) != 1 || r.Unknown[0].Code != "123" {
		t.Errorf("unknown codes %v, want RxNorm 123", r.Unknown)
	}
	if r := k.ResolveDrug("", []cds.Coding{{System: cds.SystemCVX, Code: "115"}}); r.Match != cds.MatchCode || r.Drug == "" {
		t.Errorf("CVX 115: %+v", r)
	}
}

// TestCodedAllergyAlertsOnAmoxicillin: a penicillin allergy alerts on
// prescribing amoxicillin in every form it arrives in.
func TestCodedAllergyAlertsOnAmoxicillin(t *testing.T) {
	k := load(t)
	amox := drug(t, k, "amoxicillin")
	for _, tc := range []struct {
		name    string
		allergy cds.AllergySubstance
	}{
		{"SNOMED CT allergy to penicillin", cds.AllergySubstance{Substance: "PCN", Codings: []cds.Coding{sct("91936005", "")}}},
		{"SNOMED CT penicillin substance", cds.AllergySubstance{Substance: "Penicillin", Codings: []cds.Coding{sct("764146007", "")}}},
		{"SNOMED CT IPS penicillin substance", cds.AllergySubstance{Substance: "x", Codings: []cds.Coding{sct("373270004", "")}}},
		{"code alone, SNOMED CT", cds.AllergySubstance{Substance: "Allergy", Code: "91936005"}},
		{"RxNorm penicillin G", cds.AllergySubstance{Substance: "x", Codings: []cds.Coding{rx("7980", "")}}},
		{"RxNorm penicillin V", cds.AllergySubstance{Substance: "x", Code: "7984"}},
		{"RxNorm amoxicillin", cds.AllergySubstance{Substance: "x", Code: "723"}},
		{"unknown SNOMED code, display", cds.AllergySubstance{Substance: "", Codings: []cds.Coding{sct("294505008", "Allergy to amoxicillin (finding)")}}},
		{"typed", cds.AllergySubstance{Substance: "penicillin allergy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alerts := k.Check([]cds.Drug{amox}, []cds.AllergySubstance{tc.allergy})
			if !hasRule(alerts, "penicillin-penicillin") && !hasRule(alerts, "same-drug") {
				t.Errorf("no penicillin alert: %+v", alerts)
			}
		})
	}
}

// TestBrandNamedACEInhibitor: an ACE inhibitor known only by a brand's
// clinical drug string or code is contraindicated with sacubitril/valsartan.
func TestBrandNamedACEInhibitor(t *testing.T) {
	k := load(t)
	entresto := drug(t, k, "sacubitril/valsartan")
	for _, in := range []struct{ name, code string }{{"Zestril 10 MG Oral Tablet", ""}, {"Zestril 10 MG Oral Tablet", "104377"},
		{"lisinopril 10 MG Oral Tablet", ""}, {"Some local name", "104377"}} {
		r := k.ResolveDrug(in.name, []cds.Coding{rx(in.code, "")})
		d := cds.Drug{Name: in.name, RxNorm: in.code, Classes: r.Classes, Generic: r.Drug}
		if !hasRule(k.Check([]cds.Drug{d, entresto}, nil), "acei-neprilysin") {
			t.Errorf("%+v with Entresto: no acei-neprilysin alert", in)
		}
	}
}

func TestResolveAllergen(t *testing.T) {
	k := load(t)
	for _, tc := range []struct {
		name      string
		substance string
		codings   []cds.Coding
		notDrug   bool
		mapped    bool
	}{
		{"peanut finding", "Allergy to peanuts", []cds.Coding{sct("91935009", "")}, true, true},
		{"pollen", "Allergy to grass pollen", []cds.Coding{sct("418689008", "")}, true, true},
		{"sulfa typed", "Sulfa drugs", nil, false, true},
		{"NSAID class", "NSAIDs", nil, false, true},
		{"unknown drug", "Zorblax", []cds.Coding{rx("123", "")}, false, false},
	} {
		r := k.ResolveAllergen(tc.substance, tc.codings)
		if r.NotDrug != tc.notDrug || r.Mapped() != tc.mapped {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

func TestSNOMEDConceptID(t *testing.T) {
	for code, want := range map[string]bool{"91936005": true, "764146007": true, "373270004": true, "716186003": true,
		"91936006": false, "723": false, "7980": false, "29046": false, "104377": false, "1656340": false, "900000000000003001": true, "1234567": false} {
		if got := cds.SNOMEDConceptID(code); got != want {
			t.Errorf("SNOMEDConceptID(%s) = %v", code, got)
		}
	}
}

// TestListSize keeps the list at least the size issue 9 asks for.
func TestListSize(t *testing.T) {
	k := load(t)
	if n := len(k.Drugs()); n < 500 {
		t.Errorf("%d drugs, want at least 500", n)
	}
	for _, name := range []string{"Tylenol", "Augmentin", "Norvasc", "Lasix", "Zestril", "Lipitor", "Glucophage", "Synthroid", "Entresto",
		"paracetamol", "salbutamol", "frusemide", "adrenaline", "glibenclamide"} {
		if _, ok := k.Lookup(name, ""); !ok {
			t.Errorf("%s is not known", name)
		}
	}
}
