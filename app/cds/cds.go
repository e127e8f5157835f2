// Package cds is Folio's clinical decision support for prescribing: a drug
// list with classes, drug-drug interactions between classes (every pair of
// the ONC high-priority list among them) and drug-allergy cross-sensitivity
// rules. The knowledge is data, embedded with its sources (SOURCES.md);
// this code only reads and applies it.
package cds

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"folio/app/terminology"
	"folio/db"
)

var (
	//go:embed drugs.tsv
	drugsFile []byte
	//go:embed classes.tsv
	classesFile []byte
	//go:embed interactions.tsv
	interactionsFile []byte
	//go:embed allergy-rules.tsv
	allergyRulesFile []byte
	//go:embed onc-high-priority-ddi-classes.tsv
	oncFile []byte
	//go:embed rxnorm-products.tsv
	productsFile []byte
	//go:embed allergens.tsv
	allergensFile []byte
)

// Severities of an alert, gravest first.
const (
	Contraindicated = "contraindicated"
	Major           = "major"
	Moderate        = "moderate"
)

var severityRank = map[string]int{Contraindicated: 0, Major: 1, Moderate: 2}

// SeverityRank orders severities, gravest first (0), for sorting alerts
// gathered from several checks as Check sorts its own.
func SeverityRank(severity string) int { return severityRank[severity] }

// Drug is a drug as charted: its name, its RxNorm code if known, and its
// classes. A medication keeps the classes it had when it was charted.
// Generic is the drug of the list it was resolved to ("" if none), which
// tells that two differently named entries are the same drug. Brands are
// the list's brand names of a drug of the list.
type Drug struct {
	Name    string   `json:"name"`
	RxNorm  string   `json:"rxnorm"`
	Classes []string `json:"classes"`
	Generic string   `json:"generic"`
	Brands  []string `json:"brands,omitempty"`
}

// AllergySubstance is what a patient's allergy names: a drug, a drug class
// ("penicillins", "sulfa") or anything else, with the codings it was
// recorded with. Code alone (no Codings) is read as GuessCoding reads it.
type AllergySubstance struct {
	Substance string   `json:"substance"`
	Code      string   `json:"code"`
	Codings   []Coding `json:"codings"`
}

// Alert is one interaction or allergy conflict. Key identifies it for an
// override: the same drugs (and allergy) under the same rule give the same
// key. Kind is "drug-drug" or "drug-allergy".
type Alert struct {
	Key      string   `json:"key"`
	Kind     string   `json:"kind"`
	Severity string   `json:"severity"`
	What     string   `json:"what"`
	Why      string   `json:"why"`
	Source   string   `json:"source"`
	Drugs    []string `json:"drugs"`   // the drugs involved, by name
	Allergy  string   `json:"allergy"` // the allergy's substance, for drug-allergy
}

// Rule is one interaction or cross-sensitivity rule between two classes.
type Rule struct {
	ID       string
	ClassA   string // for an allergy rule, the allergen's class
	ClassB   string // for an allergy rule, the prescribed drug's class
	Severity string
	Source   string
	What     string
	Why      string
}

// classSet is a set of class indexes.
type classSet [4]uint64

func (s *classSet) add(i int)     { s[i/64] |= 1 << (i % 64) }
func (s classSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s classSet) meets(o classSet) bool {
	return s[0]&o[0] != 0 || s[1]&o[1] != 0 || s[2]&o[2] != 0 || s[3]&o[3] != 0
}
func (s *classSet) union(o classSet) { s[0] |= o[0]; s[1] |= o[1]; s[2] |= o[2]; s[3] |= o[3] }
func (s classSet) empty() bool       { return s == classSet{} }

type rule struct {
	Rule
	a, b classSet // the class indexes each side matches
}

// Knowledge is the loaded knowledge base; it is read-only and safe for
// concurrent use. Load one with Load.
type Knowledge struct {
	drugs        []Drug
	names        []searchName   // every name a drug is known by, for search
	byName       map[string]int // folded name, brand or other name -> drug
	byCode       map[string]int // RxNorm ingredient or product code -> drug
	combos       map[string]int // the drugs a combination is made of (comboKey) -> the combination
	snomed       map[string]snomedAllergen
	cvx          *terminology.CVX
	classIndex   map[string]int    // class name -> index
	madeOf       map[int][]int     // a class made of others -> those
	classWords   map[string]string // folded word an allergy may name -> class
	interactions []rule
	allergyRules []rule
}

// rows reads a tab-separated file: lines starting with # are comments, the
// first other line is the header, and each row must have want columns.
func rows(name string, file []byte, want int) ([][]string, error) {
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(file))
	header := true
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != want {
			return nil, fmt.Errorf("%s line %d: %d columns, want %d", name, n, len(cols), want)
		}
		out = append(out, cols)
	}
	return out, sc.Err()
}

func list(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Load reads the embedded knowledge base and indexes it.
func Load() (*Knowledge, error) {
	k := &Knowledge{byName: map[string]int{}, byCode: map[string]int{}, combos: map[string]int{},
		snomed: map[string]snomedAllergen{}, classIndex: map[string]int{}, madeOf: map[int][]int{},
		classWords: map[string]string{}}
	if err := k.loadDrugs(); err != nil {
		return nil, err
	}
	classRows, err := rows("classes.tsv", classesFile, 3)
	if err != nil {
		return nil, err
	}
	for _, r := range classRows {
		c := k.class(r[0])
		for _, part := range list(r[1]) {
			p, ok := k.classIndex[part]
			if !ok {
				return nil, fmt.Errorf("classes.tsv: %s is made of %s, which no drug is in", r[0], part)
			}
			k.madeOf[c] = append(k.madeOf[c], p)
		}
		for _, w := range list(r[2]) {
			k.classWords[fold(w)] = r[0]
		}
	}
	if k.interactions, err = k.rules("interactions.tsv", interactionsFile); err != nil {
		return nil, err
	}
	if k.allergyRules, err = k.rules("allergy-rules.tsv", allergyRulesFile); err != nil {
		return nil, err
	}
	if err := k.loadProducts(); err != nil {
		return nil, err
	}
	if err := k.loadAllergens(); err != nil {
		return nil, err
	}
	if k.cvx, err = terminology.LoadCVX(); err != nil {
		return nil, err
	}
	k.class(classVaccines)
	if len(k.classIndex) > 64*len(classSet{}) {
		return nil, fmt.Errorf("cds: %d classes, at most %d", len(k.classIndex), 64*len(classSet{}))
	}
	return k, nil
}

// class returns the index of the named class, adding it if new.
func (k *Knowledge) class(name string) int {
	if i, ok := k.classIndex[name]; ok {
		return i
	}
	k.classIndex[name] = len(k.classIndex)
	return len(k.classIndex) - 1
}

// matching is the set of class indexes that a rule naming class matches:
// the class itself, or the classes it is made of.
func (k *Knowledge) matching(class string) (classSet, error) {
	var s classSet
	i, ok := k.classIndex[class]
	if !ok {
		return s, fmt.Errorf("class %q: no drug is in it", class)
	}
	s.add(i)
	for _, p := range k.madeOf[i] {
		s.add(p)
	}
	return s, nil
}

func (k *Knowledge) rules(name string, file []byte) ([]rule, error) {
	rs, err := rows(name, file, 7)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []rule
	for _, r := range rs {
		x := rule{Rule: Rule{ID: r[0], ClassA: r[1], ClassB: r[2], Severity: r[3], Source: r[4], What: r[5], Why: r[6]}}
		if seen[x.ID] {
			return nil, fmt.Errorf("%s: rule %s listed twice", name, x.ID)
		}
		seen[x.ID] = true
		if _, ok := severityRank[x.Severity]; !ok {
			return nil, fmt.Errorf("%s: rule %s: severity %q", name, x.ID, x.Severity)
		}
		if x.What == "" || x.Why == "" || x.Source == "" {
			return nil, fmt.Errorf("%s: rule %s needs what, why and source", name, x.ID)
		}
		if x.a, err = k.matching(x.ClassA); err != nil {
			return nil, fmt.Errorf("%s: rule %s: %w", name, x.ID, err)
		}
		if x.b, err = k.matching(x.ClassB); err != nil {
			return nil, fmt.Errorf("%s: rule %s: %w", name, x.ID, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// Interactions lists the drug-drug rules.
func (k *Knowledge) Interactions() []Rule { return plain(k.interactions) }

// AllergyRules lists the drug-allergy cross-sensitivity rules.
func (k *Knowledge) AllergyRules() []Rule { return plain(k.allergyRules) }

func plain(rs []rule) []Rule {
	out := make([]Rule, len(rs))
	for i, r := range rs {
		out[i] = r.Rule
	}
	return out
}

// Drugs lists the whole drug list.
func (k *Knowledge) Drugs() []Drug { return append([]Drug(nil), k.drugs...) }

// Members lists the drugs a rule naming class matches.
func (k *Knowledge) Members(class string) []Drug {
	want, err := k.matching(class)
	if err != nil {
		return nil
	}
	var out []Drug
	for _, d := range k.drugs {
		if k.classesOf(d).meets(want) {
			out = append(out, d)
		}
	}
	return out
}

// Lookup finds a drug of the list by RxNorm code or by name (a generic,
// brand or other name, or a clinical drug string read down to its
// ingredients).
func (k *Knowledge) Lookup(name, rxnorm string) (Drug, bool) {
	var codings []Coding
	if rxnorm != "" {
		codings = []Coding{{System: SystemRxNorm, Code: rxnorm}}
	}
	i, _ := k.resolveDrug(name, codings)
	if i < 0 {
		return Drug{}, false
	}
	return k.drugs[i], true
}

// searchName is one name a drug is known by, folded.
type searchName struct {
	folded string
	drug   int
}

// Search finds drugs one of whose names (generic, brand, other spelling)
// has a word starting with each of query's words, names starting with the
// query first; each drug once, at most limit.
func (k *Knowledge) Search(query string, limit int) []Drug {
	words := strings.Fields(fold(query))
	out := []Drug{}
	if len(words) == 0 || limit <= 0 {
		return out
	}
	var first, rest []int
	seen := map[int]bool{}
	for _, n := range k.names {
		if seen[n.drug] || !allPrefixes(n.folded, words) {
			continue
		}
		seen[n.drug] = true
		if strings.HasPrefix(n.folded, words[0]) {
			first = append(first, n.drug)
		} else {
			rest = append(rest, n.drug)
		}
	}
	for _, i := range append(first, rest...) {
		if len(out) == limit {
			break
		}
		out = append(out, k.drugs[i])
	}
	return out
}

func allPrefixes(name string, words []string) bool {
	nameWords := strings.Fields(name)
	for _, w := range words {
		found := false
		for _, nw := range nameWords {
			found = found || strings.HasPrefix(nw, w)
		}
		if !found {
			return false
		}
	}
	return true
}

// classesOf is the set of a drug's classes that the knowledge base knows.
func (k *Knowledge) classesOf(d Drug) classSet {
	var s classSet
	for _, c := range d.Classes {
		if i, ok := k.classIndex[c]; ok {
			s.add(i)
		}
	}
	return s
}

// allergen is what an allergy names, resolved: a drug of the list, or a
// class, or neither (a food, or a drug Folio does not know).
type allergen struct {
	substance string
	drug      string // folded drug name, "" if not a drug of the list
	classes   classSet
}

func (k *Knowledge) resolveAllergy(a AllergySubstance) allergen {
	codings := a.Codings
	if len(codings) == 0 && a.Code != "" {
		codings = []Coding{GuessCoding(a.Code)}
	}
	r := k.ResolveAllergen(a.Substance, codings)
	out := allergen{substance: a.Substance}
	if r.Drug != "" {
		out.drug = fold(r.Drug)
	}
	out.classes = k.matchingAll(r.Classes)
	return out
}

// matchingAll is the set of classes a rule naming any of classes matches:
// each class and the classes it is made of.
func (k *Knowledge) matchingAll(classes []string) classSet {
	var s classSet
	for _, c := range classes {
		if m, err := k.matching(c); err == nil {
			s.union(m)
		}
	}
	return s
}

// Check finds every interaction between two of meds (the same drug twice
// included) and every conflict of one of meds with an allergy, gravest first. A drug's classes are taken as
// given (the snapshot charted with it).
func (k *Knowledge) Check(meds []Drug, allergies []AllergySubstance) []Alert {
	sets := make([]classSet, len(meds))
	names := make([]string, len(meds)) // the same drug has the same name here
	for i, d := range meds {
		sets[i], names[i] = k.classesOf(d), identity(d)
	}
	var out []Alert
	for i := range meds {
		for j := i + 1; j < len(meds); j++ {
			if names[i] == names[j] {
				out = append(out, Alert{Key: "ddi:same-drug:" + fold(meds[i].Name), Kind: "drug-drug", Severity: Moderate,
					What:   "Same drug twice: " + meds[i].Name,
					Why:    "The patient already takes this drug: a second prescription risks a double dose. Renew or change the one on the list instead.",
					Source: "Duplicate therapy", Drugs: []string{meds[i].Name, meds[j].Name}})
				continue
			}
			for _, r := range k.interactions {
				if (sets[i].meets(r.a) && sets[j].meets(r.b)) || (sets[i].meets(r.b) && sets[j].meets(r.a)) {
					out = append(out, drugAlert(r, meds[i].Name, meds[j].Name))
				}
			}
		}
	}
	for _, a := range allergies {
		al := k.resolveAllergy(a)
		if al.drug == "" && al.classes.empty() {
			continue
		}
		for i, d := range meds {
			if al.drug != "" && al.drug == names[i] {
				out = append(out, Alert{Key: "allergy:same-drug:" + al.drug + ":" + fold(d.Name), Kind: "drug-allergy",
					Severity: Contraindicated, What: "Allergy to " + a.Substance + ": this is the same drug",
					Why: "The patient is recorded as allergic to this drug.", Source: "Patient's allergy list",
					Drugs: []string{d.Name}, Allergy: a.Substance})
				continue
			}
			for _, r := range k.allergyRules {
				if al.classes.meets(r.a) && sets[i].meets(r.b) {
					out = append(out, Alert{Key: "allergy:" + r.ID + ":" + fold(a.Substance) + ":" + fold(d.Name),
						Kind: "drug-allergy", Severity: r.Severity, What: r.What, Why: r.Why, Source: r.Source,
						Drugs: []string{d.Name}, Allergy: a.Substance})
					break // the first (gravest) rule that applies; rules are listed within class first
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return severityRank[out[i].Severity] < severityRank[out[j].Severity] })
	return out
}

// identity is what tells two entries are the same drug: the drug of the
// list each was resolved to, else its name.
func identity(d Drug) string {
	if d.Generic != "" {
		return fold(d.Generic)
	}
	return fold(d.Name)
}

// fold is db.Fold ("Amoxicillin/Clavulanate" -> "amoxicillin clavulanate"),
// with a fast way for plain ASCII, which the check meets on every call.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return db.Fold(s)
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		case c == '\'':
		default:
			space = true
		}
	}
	return b.String()
}

func drugAlert(r rule, a, b string) Alert {
	fa, fb := fold(a), fold(b)
	if fb < fa {
		a, b, fa, fb = b, a, fb, fa
	}
	return Alert{Key: "ddi:" + r.ID + ":" + fa + "|" + fb, Kind: "drug-drug", Severity: r.Severity, What: r.What,
		Why: r.Why, Source: r.Source, Drugs: []string{a, b}}
}

// ONCPairs lists the class pairs of the embedded ONC high-priority list, as
// tabled (class_a, class_b).
func ONCPairs() ([][2]string, error) {
	rs, err := rows("onc-high-priority-ddi-classes.tsv", oncFile, 2)
	if err != nil {
		return nil, err
	}
	out := make([][2]string, len(rs))
	for i, r := range rs {
		out[i] = [2]string{r[0], r[1]}
	}
	return out, nil
}
