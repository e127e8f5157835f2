package terminology

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

var (
	//go:embed lab-tests.tsv
	labTestsFile []byte
	//go:embed lab-panels.tsv
	labPanelsFile []byte
)

// Kinds of lab result.
const (
	LabNumeric = "numeric"
	LabText    = "text"
)

// Flags of a lab result against its reference range.
const (
	LabNormal       = "N"
	LabLow          = "L"
	LabHigh         = "H"
	LabCriticalLow  = "LL"
	LabCriticalHigh = "HH"
	LabAbnormal     = "A" // a text result other than the normal one
)

// LabRange is a test's adult reference range for one sex ("any" when it
// does not differ), in the test's unit. A nil bound does not apply.
type LabRange struct {
	Sex  string   `json:"sex"`
	Low  *float64 `json:"low"`
	High *float64 `json:"high"`
}

// LabUnit is another unit a lab reports the test in; a value in it times
// Factor is the value in the test's unit.
type LabUnit struct {
	Unit   string  `json:"unit"`
	Factor float64 `json:"factor"`
}

// LabTest is one test of Folio's list.
type LabTest struct {
	LOINC        string     `json:"loinc"`
	Name         string     `json:"name"`     // what a clinician calls it: "Hemoglobin A1c"
	LongName     string     `json:"longName"` // LOINC's long common name
	Kind         string     `json:"kind"`     // numeric or text
	Unit         string     `json:"unit"`     // UCUM; "" for a text result
	AltUnits     []LabUnit  `json:"altUnits"`
	Ranges       []LabRange `json:"ranges"`
	CriticalLow  *float64   `json:"criticalLow"` // in Unit; at or below is critical
	CriticalHigh *float64   `json:"criticalHigh"`
	NormalText   string     `json:"normalText"` // a text test's normal result, e.g. "Negative"
	Source       string     `json:"source"`
}

// LabPanel is a group of tests a clinician orders and enters as one (a
// lipid panel, a CBC), each test LOINC-coded on Folio's list. LOINC is the
// panel's own code, "" where LOINC has none that fits (TSH with free T4).
type LabPanel struct {
	Key      string    `json:"key"` // Folio's name for it: lipid, cbc, bmp, ...
	LOINC    string    `json:"loinc"`
	Name     string    `json:"name"`
	LongName string    `json:"longName"`
	Tests    []LabTest `json:"tests"` // its members, in the order a report lists them
	Source   string    `json:"source"`
}

// Has tells whether loinc is one of the panel's tests.
func (p LabPanel) Has(loinc string) bool {
	return slices.ContainsFunc(p.Tests, func(t LabTest) bool { return t.LOINC == loinc })
}

// LabTests is the embedded list, searchable by name or code, with the
// panels of its tests.
type LabTests struct {
	tests  []LabTest
	byCode map[string]int
	panels []LabPanel
}

// LoadLabTests reads the embedded list of common lab tests.
func LoadLabTests() (*LabTests, error) {
	out := &LabTests{byCode: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(labTestsFile))
	header := true
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		if err := out.addRow(strings.Split(text, "\t")); err != nil {
			return nil, fmt.Errorf("lab-tests.tsv line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, out.readPanels()
}

// readPanels reads the panels, each member a test of the list.
func (l *LabTests) readPanels() error {
	sc := bufio.NewScanner(bytes.NewReader(labPanelsFile))
	header := true
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 6 {
			return fmt.Errorf("lab-panels.tsv line %d: %d columns, want 6", line, len(cols))
		}
		p := LabPanel{Key: cols[0], LOINC: dash(cols[1]), Name: cols[2], LongName: cols[3], Source: cols[5]}
		if _, dup := l.Panel(p.Key); dup || p.Key == "" {
			return fmt.Errorf("lab-panels.tsv line %d: key %q is empty or listed twice", line, p.Key)
		}
		if p.LOINC != "" && !ValidLOINC(p.LOINC) {
			return fmt.Errorf("lab-panels.tsv line %d: LOINC %q has a wrong check digit", line, p.LOINC)
		}
		for _, code := range strings.Fields(cols[4]) {
			t, ok := l.Lookup(code)
			if !ok || p.Has(code) {
				return fmt.Errorf("lab-panels.tsv line %d: member %s is not on the list of tests, or listed twice", line, code)
			}
			p.Tests = append(p.Tests, t)
		}
		if len(p.Tests) == 0 {
			return fmt.Errorf("lab-panels.tsv line %d: a panel without tests", line)
		}
		l.panels = append(l.panels, p)
	}
	return sc.Err()
}

// Panels lists the panels, in the file's order.
func (l *LabTests) Panels() []LabPanel { return l.panels }

// Panel finds a panel by its key.
func (l *LabTests) Panel(key string) (LabPanel, bool) {
	for _, p := range l.panels {
		if p.Key == strings.TrimSpace(key) {
			return p, true
		}
	}
	return LabPanel{}, false
}

func (l *LabTests) addRow(cols []string) error {
	if len(cols) != 13 {
		return fmt.Errorf("%d columns, want 13", len(cols))
	}
	if !ValidLOINC(cols[0]) {
		return fmt.Errorf("LOINC %q has a wrong check digit", cols[0])
	}
	var bounds [4]*float64
	for i := range bounds {
		b, err := optionalNumber(cols[7+i])
		if err != nil {
			return err
		}
		bounds[i] = b
	}
	rng := LabRange{Sex: cols[6], Low: bounds[0], High: bounds[1]}
	if i, ok := l.byCode[cols[0]]; ok {
		l.tests[i].Ranges = append(l.tests[i].Ranges, rng)
		return nil
	}
	t := LabTest{LOINC: cols[0], Name: cols[1], LongName: cols[2], Kind: cols[3], Unit: dash(cols[4]),
		AltUnits: []LabUnit{}, Ranges: []LabRange{rng}, CriticalLow: bounds[2], CriticalHigh: bounds[3],
		NormalText: dash(cols[11]), Source: cols[12]}
	if t.Kind != LabNumeric && t.Kind != LabText {
		return fmt.Errorf("kind %q, want numeric or text", t.Kind)
	}
	if alts := dash(cols[5]); alts != "" {
		for _, a := range strings.Split(alts, ";") {
			unit, factor, ok := strings.Cut(a, "=")
			f, err := strconv.ParseFloat(factor, 64)
			if !ok || err != nil || f <= 0 {
				return fmt.Errorf("alternative unit %q: want unit=factor", a)
			}
			t.AltUnits = append(t.AltUnits, LabUnit{Unit: unit, Factor: f})
		}
	}
	l.byCode[t.LOINC] = len(l.tests)
	l.tests = append(l.tests, t)
	return nil
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func optionalNumber(s string) (*float64, error) {
	if s == "-" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("bound %q: %w", s, err)
	}
	return &f, nil
}

// ValidLOINC tells whether code is shaped like a LOINC code (digits, a dash,
// a check digit) and its check digit is right (LOINC's mod 10 rule), which
// catches most mistyped codes.
func ValidLOINC(code string) bool {
	number, check, ok := strings.Cut(code, "-")
	if !ok || len(number) == 0 || len(number) > 7 || len(check) != 1 {
		return false
	}
	sum := 0
	for i := range len(number) {
		c := number[len(number)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 0 { // the rightmost digit and every other one leftwards is doubled
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return check[0] == byte('0'+(10-sum%10)%10)
}

// All lists every test, in the file's order.
func (l *LabTests) All() []LabTest { return l.tests }

// Lookup finds a test by its LOINC code.
func (l *LabTests) Lookup(code string) (LabTest, bool) {
	i, ok := l.byCode[strings.TrimSpace(code)]
	if !ok {
		return LabTest{}, false
	}
	return l.tests[i], true
}

// Search finds tests whose short or long name has every word of query at
// the start of one of its words ("hem a1c"), or whose code starts with
// query; the short-name matches come first.
func (l *LabTests) Search(query string, limit int) []LabTest {
	words := strings.Fields(strings.ToLower(query))
	out := []LabTest{}
	if len(words) == 0 {
		return out
	}
	var later []LabTest
	for _, t := range l.tests {
		switch {
		case strings.HasPrefix(t.LOINC, words[0]) && len(words) == 1, wordsMatch(t.Name, words):
			out = append(out, t)
		case wordsMatch(t.LongName, words):
			later = append(later, t)
		}
	}
	out = append(out, later...)
	return out[:min(limit, len(out))]
}

func wordsMatch(name string, words []string) bool {
	nameWords := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, w := range words {
		w = strings.Trim(w, "()[],.")
		if !slices.ContainsFunc(nameWords, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return true
}

// RangeFor is the test's range for a patient of sex (female, male, or
// anything else). Where the range differs by sex and the sex is neither,
// it is the span of both, so only a value abnormal for either is flagged.
func (t LabTest) RangeFor(sex string) LabRange {
	var out LabRange
	for i, r := range t.Ranges {
		if r.Sex == "any" || r.Sex == sex {
			return r
		}
		if i == 0 {
			out = LabRange{Sex: "any", Low: r.Low, High: r.High}
			continue
		}
		out.Low, out.High = widerLow(out.Low, r.Low), widerHigh(out.High, r.High)
	}
	return out
}

func widerLow(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return ptr(math.Min(*a, *b))
}

func widerHigh(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return ptr(math.Max(*a, *b))
}

func ptr(f float64) *float64 { return &f }

// unitKey compares units as people type them: "mg/dl", "µmol/L", "mIU/L"
// all name the UCUM unit of the list.
func unitKey(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.NewReplacer("µ", "u", "μ", "u", "[", "", "]", "", "{", "", "}", "", " ", "").Replace(u)
	return u
}

// Factor is what a value in unit is multiplied by to give it in the test's
// unit, and unit's spelling on the list; ok is false for a unit the list
// does not know for the test.
func (t LabTest) Factor(unit string) (factor float64, spelled string, ok bool) {
	k := unitKey(unit)
	if k == unitKey(t.Unit) {
		return 1, t.Unit, true
	}
	for _, a := range t.AltUnits {
		if k == unitKey(a.Unit) {
			return a.Factor, a.Unit, true
		}
	}
	return 0, "", false
}

// Units lists the test's unit and its alternatives, for a message.
func (t LabTest) Units() []string {
	out := []string{t.Unit}
	for _, a := range t.AltUnits {
		out = append(out, a.Unit)
	}
	return out
}

// LabFlag judges a numeric value against a range (low, high: normal,
// inclusive) and critical limits (at or beyond), all in the value's unit.
// With no bound at all there is nothing to judge by: "".
func LabFlag(v float64, low, high, criticalLow, criticalHigh *float64) string {
	switch {
	case criticalLow != nil && v <= *criticalLow:
		return LabCriticalLow
	case criticalHigh != nil && v >= *criticalHigh:
		return LabCriticalHigh
	case low != nil && v < *low:
		return LabLow
	case high != nil && v > *high:
		return LabHigh
	case low == nil && high == nil && criticalLow == nil && criticalHigh == nil:
		return ""
	}
	return LabNormal
}

// TextFlag judges a text result against the normal one ("Negative"):
// A when it differs, N when it is the same (or a common way of saying so),
// "" when there is no normal text to judge by.
func TextFlag(value, normal string) string {
	if normal == "" {
		return ""
	}
	v, n := strings.ToLower(strings.TrimSpace(value)), strings.ToLower(normal)
	if v == n || n == "negative" && (v == "neg" || v == "not detected" || v == "nil") {
		return LabNormal
	}
	return LabAbnormal
}
