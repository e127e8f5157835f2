package cds

// Mapping a record to the knowledge base: a medication or allergy, typed or
// arrived in a file, is known by its codings first (RxNorm ingredients and
// products, SNOMED CT substances and "allergy to X" findings, CVX vaccines),
// then by its name (generic, brand, other spelling, or a clinical drug
// string such as "amoxicillin 500 MG / clavulanate 125 MG Oral Tablet" read
// down to its ingredients). What cannot be mapped is said so, never guessed.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The coding systems the knowledge base reads, as FHIR names them.
const (
	SystemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemSNOMED = "http://snomed.info/sct"
	SystemCVX    = "http://hl7.org/fhir/sid/cvx"
)

// Coding is one code a record carries: its system (a FHIR URI), the code
// and the source's display text.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

// How a record was mapped.
const (
	MatchCode = "code" // by one of its codings
	MatchName = "name" // by its name or a coding's display
	MatchNone = "none" // not at all: it is not checked
)

// Resolution is what a record was mapped to, and how. Drug is the list's
// name of the drug ("" for a class, a vaccine's name for a vaccine);
// Classes are what checks use. NotDrug marks an allergen that is known not
// to be a drug (a food, pollen): there is nothing to check it against.
// Unknown lists the codes that were tried and are not in the knowledge base.
type Resolution struct {
	Match   string   `json:"match"`
	By      string   `json:"by"` // what matched, in words: "RxNorm 104377", "the name"
	Drug    string   `json:"drug"`
	Classes []string `json:"classes"`
	NotDrug bool     `json:"notDrug"`
	Unknown []Coding `json:"unknown"`
}

// Mapped tells whether the record is known to the knowledge base.
func (r Resolution) Mapped() bool { return r.Match == MatchCode || r.Match == MatchName }

// classVaccines is the class every vaccine (by its CVX code) is in.
const classVaccines = "vaccines"

// snomedAllergen is what a SNOMED CT code of allergens.tsv names.
type snomedAllergen struct {
	display string
	drug    int    // a drug of the list, or -1
	class   string // a class, or ""
	notDrug bool
}

// GuessCoding reads a code stored without its system (an allergy's code
// column): a SNOMED CT concept id when it is one (see SNOMEDConceptID),
// else an RxNorm code. RxNorm codes are plain numbers, so about one in 500
// would pass as SNOMED CT; a stored system, when there is one, is better.
func GuessCoding(code string) Coding {
	if SNOMEDConceptID(code) {
		return Coding{System: SystemSNOMED, Code: code}
	}
	return Coding{System: SystemRxNorm, Code: code}
}

// SNOMEDConceptID tells whether code has the form of a SNOMED CT concept
// id: 6 to 18 digits, no leading zero, the partition identifier (the two
// digits before the last) 00 or 10 (a concept, short or long form), and a
// valid Verhoeff check digit last.
func SNOMEDConceptID(code string) bool {
	if len(code) < 6 || len(code) > 18 || code[0] == '0' {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	if p := code[len(code)-3 : len(code)-1]; p != "00" && p != "10" {
		return false
	}
	return verhoeffValid(code)
}

var (
	verhoeffD = [10][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}
	verhoeffP = [8][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}}
)

func verhoeffValid(digits string) bool {
	c := 0
	for i := 0; i < len(digits); i++ {
		c = verhoeffD[c][verhoeffP[i%8][int(digits[len(digits)-1-i]-'0')]]
	}
	return c == 0
}

// loadDrugs reads drugs.tsv: each drug, its ingredient codes, brands,
// other names and classes.
func (k *Knowledge) loadDrugs() error {
	drugRows, err := rows("drugs.tsv", drugsFile, 5)
	if err != nil {
		return err
	}
	for _, r := range drugRows {
		i := len(k.drugs)
		d := Drug{Name: r[0], Generic: r[0], Classes: list(r[4]), Brands: list(r[2])}
		codes := list(r[1])
		if len(codes) > 0 {
			d.RxNorm = codes[0]
		}
		for _, c := range codes {
			if had, dup := k.byCode[c]; dup && had != i {
				return fmt.Errorf("drugs.tsv: RxNorm %s is both %s and %s", c, k.drugs[had].Name, d.Name)
			}
			k.byCode[c] = i
		}
		for _, name := range append(append([]string{d.Name}, d.Brands...), list(r[3])...) {
			key := fold(name)
			if had, dup := k.byName[key]; dup && had == i {
				continue
			} else if dup {
				return fmt.Errorf("drugs.tsv: %q names both %s and %s", name, k.drugs[had].Name, d.Name)
			}
			k.byName[key] = i
			k.names = append(k.names, searchName{folded: key, drug: i})
		}
		for _, c := range d.Classes {
			k.class(c)
		}
		k.drugs = append(k.drugs, d)
	}
	// A combination is found by the drugs it is made of, when each is
	// listed alone (else by its name only).
	for i, d := range k.drugs {
		parts := strings.Split(d.Name, "/")
		var made []int
		for _, p := range parts {
			if j, ok := k.byName[fold(p)]; ok {
				made = append(made, j)
			}
		}
		if len(parts) > 1 && len(made) == len(parts) {
			k.combos[comboKey(made)] = i
		}
	}
	return nil
}

func comboKey(drugs []int) string {
	s := append([]int(nil), drugs...)
	sort.Ints(s)
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "+")
}

// loadProducts reads rxnorm-products.tsv: clinical and branded drug codes
// of the drugs of the list.
func (k *Knowledge) loadProducts() error {
	rs, err := rows("rxnorm-products.tsv", productsFile, 4)
	if err != nil {
		return err
	}
	for _, r := range rs {
		i, ok := k.byName[fold(r[2])]
		if !ok {
			return fmt.Errorf("rxnorm-products.tsv: %s: no drug %q", r[0], r[2])
		}
		if had, dup := k.byCode[r[0]]; dup && had != i {
			return fmt.Errorf("rxnorm-products.tsv: RxNorm %s is both %s and %s", r[0], k.drugs[had].Name, r[2])
		}
		k.byCode[r[0]] = i
	}
	return nil
}

// loadAllergens reads allergens.tsv: the SNOMED CT codes an allergy may be
// recorded with, each naming a drug, a class or no drug.
func (k *Knowledge) loadAllergens() error {
	rs, err := rows("allergens.tsv", allergensFile, 4)
	if err != nil {
		return err
	}
	for _, r := range rs {
		a := snomedAllergen{display: r[1], drug: -1}
		i, isDrug := k.byName[fold(r[2])]
		switch to := r[2]; {
		case to == "not a drug":
			a.notDrug = true
		case isDrug:
			a.drug = i
		default:
			if _, ok := k.classIndex[to]; !ok {
				return fmt.Errorf("allergens.tsv: %s maps to %q, neither a drug nor a class", r[0], to)
			}
			a.class = to
		}
		if !SNOMEDConceptID(r[0]) {
			return fmt.Errorf("allergens.tsv: %s is not a SNOMED CT concept id", r[0])
		}
		k.snomed[r[0]] = a
	}
	return nil
}

// ResolveDrug maps a medication to the knowledge base: by its codings
// (RxNorm ingredient or product, CVX), else by its name, else by a
// coding's display.
func (k *Knowledge) ResolveDrug(name string, codings []Coding) Resolution {
	i, r := k.resolveDrug(name, codings)
	if i >= 0 {
		r.Drug, r.Classes = k.drugs[i].Name, k.drugs[i].Classes
	}
	if r.Classes == nil {
		r.Classes = []string{}
	}
	return r
}

// resolveDrug is ResolveDrug's work: the drug of the list (or -1, with
// what is known of a combination of known and unknown parts, or of a
// vaccine, in r).
func (k *Knowledge) resolveDrug(name string, codings []Coding) (int, Resolution) {
	r := Resolution{Match: MatchNone}
	for _, c := range codings {
		switch c.System {
		case SystemRxNorm:
			if i, ok := k.byCode[c.Code]; ok {
				r.Match, r.By = MatchCode, "RxNorm "+c.Code
				return i, r
			}
		case SystemCVX:
			if v, ok := k.cvx.Lookup(c.Code); ok {
				r.Match, r.By, r.Drug, r.Classes = MatchCode, "CVX "+c.Code, v.Name, []string{classVaccines}
				return -1, r
			}
		case SystemSNOMED:
			if a, ok := k.snomed[c.Code]; ok && a.drug >= 0 {
				r.Match, r.By = MatchCode, "SNOMED CT "+c.Code
				return a.drug, r
			}
		}
		if c.Code != "" {
			r.Unknown = append(r.Unknown, c)
		}
	}
	for _, text := range append([]string{name}, displays(codings)...) {
		i, classes, ok := k.drugByName(text)
		if ok {
			r.Match, r.By = MatchName, "the name"
			return i, r
		}
		if len(classes) > 0 && len(r.Classes) == 0 {
			r.Classes = classes // some ingredients known: checked for those, still marked unchecked
		}
	}
	return -1, r
}

func displays(codings []Coding) []string {
	var out []string
	for _, c := range codings {
		if c.Display != "" {
			out = append(out, c.Display)
		}
	}
	return out
}

// drugByName finds the drug a name means: a name of the list (generic,
// brand, other spelling), else a clinical drug string read down to its
// ingredients ("24 HR metoprolol succinate 50 MG Extended Release Oral
// Tablet", "Zestril 10 MG Oral Tablet", "amoxicillin 500 MG / clavulanate
// 125 MG Oral Tablet [Augmentin]"). A combination the list does not have
// is its ingredients' classes, with i -1 and ok true. When only some
// ingredients are known, ok is false and classes are theirs.
func (k *Knowledge) drugByName(name string) (i int, classes []string, ok bool) {
	if i, ok := k.byName[fold(name)]; ok {
		return i, nil, true
	}
	s := strings.TrimSpace(name)
	if open := strings.LastIndex(s, "["); open > 0 && strings.HasSuffix(s, "]") {
		if i, ok := k.byName[fold(s[open+1:len(s)-1])]; ok {
			return i, nil, true
		}
		s = strings.TrimSpace(s[:open])
	}
	parts := strings.Split(s, " / ")
	var found []int
	known := true
	for _, p := range parts {
		j, ok := k.ingredientOf(p)
		if !ok {
			known = false
			continue
		}
		found = append(found, j)
	}
	if len(found) == 0 {
		return -1, nil, false
	}
	if known && len(found) == 1 {
		return found[0], nil, true
	}
	if known {
		if c, ok := k.combos[comboKey(found)]; ok {
			return c, nil, true
		}
	}
	seen := map[string]bool{}
	for _, j := range found {
		for _, c := range k.drugs[j].Classes {
			if !seen[c] {
				seen[c] = true
				classes = append(classes, c)
			}
		}
	}
	return -1, classes, known
}

// quantityUnits are the words of a leading quantity in a clinical drug
// string ("24 HR", "0.5 ML", "120 ACTUAT").
var quantityUnits = map[string]bool{"hr": true, "ml": true, "actuat": true, "day": true, "week": true,
	"mg": true, "unt": true, "units": true}

// ingredientOf reads one part of a clinical drug string: its words before
// the strength, without a leading quantity, and with trailing words (a
// salt: "potassium", "hydrochloride") dropped until a name of the list is
// left.
func (k *Knowledge) ingredientOf(part string) (int, bool) {
	words := strings.Fields(fold(part))
	for len(words) > 1 && isNumber(words[0]) && quantityUnits[words[1]] {
		words = words[2:]
	}
	if len(words) > 0 && (strings.HasPrefix(words[0], "nda") || strings.HasPrefix(words[0], "anda") ||
		strings.HasPrefix(words[0], "bla")) && len(words[0]) > 3 && words[0][len(words[0])-1] >= '0' &&
		words[0][len(words[0])-1] <= '9' {
		words = words[1:]
	}
	for n, w := range words {
		if w[0] >= '0' && w[0] <= '9' {
			words = words[:n]
			break
		}
	}
	for n := len(words); n > 0; n-- {
		if i, ok := k.byName[strings.Join(words[:n], " ")]; ok {
			return i, true
		}
	}
	return -1, false
}

func isNumber(w string) bool {
	_, err := strconv.ParseFloat(w, 64)
	return err == nil
}

// ResolveAllergen maps what an allergy names to the knowledge base: by its
// codings (RxNorm ingredient or product; SNOMED CT substance or "allergy to
// X" finding of allergens.tsv; CVX), else by its name or a coding's
// display, read as "Allergy to X", "X allergy", "X (substance)" and the like
// are written: a drug, a drug class ("penicillins", "sulfa"), or a drug
// string.
func (k *Knowledge) ResolveAllergen(substance string, codings []Coding) Resolution {
	r := Resolution{Match: MatchNone, Classes: []string{}}
	for _, c := range codings {
		switch c.System {
		case SystemRxNorm:
			if i, ok := k.byCode[c.Code]; ok {
				r.Match, r.By, r.Drug, r.Classes = MatchCode, "RxNorm "+c.Code, k.drugs[i].Name, k.drugs[i].Classes
				return r
			}
		case SystemSNOMED:
			if a, ok := k.snomed[c.Code]; ok {
				r.Match, r.By, r.NotDrug = MatchCode, "SNOMED CT "+c.Code, a.notDrug
				switch {
				case a.drug >= 0:
					r.Drug, r.Classes = k.drugs[a.drug].Name, k.drugs[a.drug].Classes
				case a.class != "":
					r.Classes = []string{a.class}
				}
				return r
			}
		case SystemCVX:
			if v, ok := k.cvx.Lookup(c.Code); ok {
				r.Match, r.By, r.Drug, r.Classes = MatchCode, "CVX "+c.Code, v.Name, []string{classVaccines}
				return r
			}
		}
		if c.Code != "" {
			r.Unknown = append(r.Unknown, c)
		}
	}
	for _, text := range append([]string{substance}, displays(codings)...) {
		if drug, classes, ok := k.allergenByName(text); ok {
			r.Match, r.By, r.Drug, r.Classes = MatchName, "the name", drug, classes
			return r
		}
	}
	return r
}

// allergyWords are the words around what an allergy record names, as
// SNOMED CT and clinicians write them; they are dropped before the name is
// looked up.
var (
	allergyPrefixes = []string{"allergy to ", "allergic to ", "intolerance to ", "adverse reaction to ",
		"hypersensitivity to ", "product containing ", "substance with "}
	allergySuffixes = []string{" structure and antibacterial mechanism of action", " mechanism of action",
		" structure", " allergy", " intolerance", " hypersensitivity", " finding", " substance", " medicinal product",
		" product", " disorder"}
)

func (k *Knowledge) allergenByName(text string) (drug string, classes []string, ok bool) {
	name := fold(text)
	for changed := true; changed; {
		changed = false
		for _, p := range allergyPrefixes {
			if strings.HasPrefix(name, p) {
				name, changed = strings.TrimPrefix(name, p), true
			}
		}
		for _, s := range allergySuffixes {
			if strings.HasSuffix(name, s) {
				name, changed = strings.TrimSuffix(name, s), true
			}
		}
	}
	if name == "" {
		return "", nil, false
	}
	if i, ok := k.byName[name]; ok {
		return k.drugs[i].Name, k.drugs[i].Classes, true
	}
	if class, ok := k.classWords[name]; ok {
		return "", []string{class}, true
	}
	for class := range k.classIndex {
		if fold(class) == name {
			return "", []string{class}, true
		}
	}
	if i, classes, ok := k.drugByName(name); ok {
		if i >= 0 {
			return k.drugs[i].Name, k.drugs[i].Classes, true
		}
		return "", classes, true
	}
	return "", nil, false
}
