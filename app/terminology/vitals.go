package terminology

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

//go:embed vital-ranges.tsv
var vitalRangesFile []byte

//go:embed vital-ranges-children.tsv
var childRangesFile []byte

//go:embed bp-children.tsv
var childBPFile []byte

// VitalRange is one measure's reference range in its canonical unit, for
// the age it was chosen for. A bound that does not apply is NaN, which no
// comparison passes.
type VitalRange struct {
	Measure       string
	Unit          string
	PlausibleMin  float64
	PlausibleMax  float64
	CriticalBelow float64
	LowBelow      float64
	HighAbove     float64
	CriticalAbove float64
	Source        string
	Ages          string // the ages the range is for: "adult", "3 to 4 years"
}

// Flags of a value against its range.
const (
	FlagLow  = "low"
	FlagHigh = "high"
)

// Flag says whether v is low or high, and whether critically so; "" is
// within the range.
func (r VitalRange) Flag(v float64) (flag string, critical bool) {
	switch {
	case v < r.CriticalBelow:
		return FlagLow, true
	case v > r.CriticalAbove:
		return FlagHigh, true
	case v < r.LowBelow:
		return FlagLow, false
	case v > r.HighAbove:
		return FlagHigh, false
	}
	return "", false
}

// Plausible tells whether v can be a real measurement rather than a typing
// error.
func (r VitalRange) Plausible(v float64) bool {
	return !(v < r.PlausibleMin) && !(v > r.PlausibleMax)
}

// AdultAges names the ranges of grown-ups, and of anyone whose age is unknown.
const AdultAges = "adult"

// ChildUntilYears is the age from which every measure is judged against
// the adult ranges (BMI-for-age runs to 20 years; everything else to 18).
const ChildUntilYears = 20

// VitalRanges are the reference ranges of every age: the adult table, the
// children's by age band, and the tables the children's refer to (blood
// pressure percentiles, BMI-for-age). Read-only once loaded.
type VitalRanges struct {
	adult    map[string]VitalRange
	children []childRange
	bp       childBP
	growth   *GrowthCharts
}

// A childRange is a row of vital-ranges-children.tsv: bounds that may be
// looked up (bp95, bmi5) rather than written.
type childRange struct {
	measure          string
	from, to         ageOffset
	plausible        [2]float64
	bounds           [4]bound // critical below, low below, high above, critical above
	source, ageWords string
}

// bound is a number, or a value looked up in another table plus an offset.
type bound struct {
	value  float64
	lookup string // "", "bp95" or "bmi5"/"bmi95"
}

// ageOffset is an age as the calendar counts it: years, months and days
// after the birth date.
type ageOffset struct{ years, months, days int }

func (a ageOffset) after(birth time.Time) time.Time { return birth.AddDate(a.years, a.months, a.days) }

// Subject is the person a measurement is judged for. A zero BirthDate is
// an unknown age; Sex is "male", "female" or anything else for unknown.
type Subject struct {
	BirthDate time.Time
	Sex       string
}

// LoadVitalRanges reads the embedded reference ranges: adult ones by
// measure (height, weight, bmi, systolic, diastolic, pulse, resp, temp, spo2,
// pain, head) and children's by age.
func LoadVitalRanges() (*VitalRanges, error) {
	adult, err := loadAdultRanges()
	if err != nil {
		return nil, err
	}
	children, err := loadChildRanges()
	if err != nil {
		return nil, err
	}
	bp, err := loadChildBP()
	if err != nil {
		return nil, err
	}
	growth, err := LoadGrowthCharts()
	if err != nil {
		return nil, err
	}
	return &VitalRanges{adult: adult, children: children, bp: bp, growth: growth}, nil
}

// Growth is the growth charts the ranges look BMI-for-age up in.
func (v *VitalRanges) Growth() *GrowthCharts { return v.growth }

// Adult is a measure's adult range.
func (v *VitalRanges) Adult(measure string) VitalRange { return v.adult[measure] }

// For is the range a measure taken at is judged against for s: the
// children's row for their age then, or the adult range from the age the
// sources stop at and whenever the birth date is unknown. heightCm is the
// child's height then (this set's or the latest before), NaN when unknown:
// blood pressure percentiles depend on it, and the median height stands in
// for an unknown one.
func (v *VitalRanges) For(measure string, s Subject, at time.Time, heightCm float64) VitalRange {
	adult := v.adult[measure]
	adult.Ages = AdultAges
	if s.BirthDate.IsZero() {
		return adult
	}
	birth := time.Date(s.BirthDate.Year(), s.BirthDate.Month(), s.BirthDate.Day(), 0, 0, 0, 0, at.Location())
	if !at.Before(birth.AddDate(ChildUntilYears, 0, 0)) {
		return adult
	}
	for _, c := range v.children {
		if c.measure != measure || at.Before(c.from.after(birth)) || !at.Before(c.to.after(birth)) {
			continue
		}
		out := VitalRange{Measure: measure, Unit: adult.Unit, PlausibleMin: c.plausible[0], PlausibleMax: c.plausible[1],
			Source: c.source, Ages: c.ageWords}
		targets := []*float64{&out.CriticalBelow, &out.LowBelow, &out.HighAbove, &out.CriticalAbove}
		for i, b := range c.bounds {
			*targets[i] = v.resolve(b, measure, s.Sex, birth, at, heightCm)
		}
		return out
	}
	return adult
}

// Widest is the loosest plausibility any age allows for a measure, with the
// adult flags: what a value is checked against when the age is unknown, so
// that a baby's real weight is never refused as a typing error.
func (v *VitalRanges) Widest(measure string) VitalRange {
	out := v.adult[measure]
	out.Ages = AdultAges
	for _, c := range v.children {
		if c.measure == measure {
			out.PlausibleMin = math.Min(out.PlausibleMin, c.plausible[0])
			out.PlausibleMax = math.Max(out.PlausibleMax, c.plausible[1])
		}
	}
	return out
}

// resolve turns a bound into a number for this child at this time.
func (v *VitalRanges) resolve(b bound, measure, sex string, birth, at time.Time, heightCm float64) float64 {
	switch b.lookup {
	case "":
		return b.value
	case "bp95":
		years := wholeYears(birth, at)
		pct := 50.0
		if !math.IsNaN(heightCm) {
			if p, ok := v.growth.Percentile("height", sex, AgeDays(birth, at), heightCm); ok {
				pct = p
			}
		}
		p95, ok := v.bp.percentile95(measure, sex, years, pct)
		if !ok {
			return math.NaN()
		}
		if b.value != 0 {
			// "More than 30 mmHg above the 95th percentile": the flag's >.
			return p95 + b.value
		}
		// Stage 1 is at or above the 95th percentile or 130/80, whichever
		// is lower; the flag compares with >, and pressures are whole.
		stage1 := map[string]float64{"systolic": 130, "diastolic": 80}[measure]
		return math.Min(p95, stage1) - 1
	case "bmi5", "bmi95":
		z := map[string]float64{"bmi5": -1.6448536269514729, "bmi95": 1.6448536269514729}[b.lookup]
		value, ok := v.growth.ValueAt("bmi", sex, AgeDays(birth, at), z)
		if !ok {
			return math.NaN()
		}
		return value
	}
	return math.NaN()
}

// wholeYears is the age in completed years at at.
func wholeYears(birth, at time.Time) int {
	years := at.Year() - birth.Year()
	if at.Before(birth.AddDate(years, 0, 0)) {
		years--
	}
	return years
}

// AgeDays is the age in days at at, counted from the birth date's midnight
// in at's time zone.
func AgeDays(birth, at time.Time) float64 {
	b := time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, at.Location())
	return at.Sub(b).Hours() / 24
}

// tsvRows calls row with the cells of each data row of a tab-separated
// file: comment lines start with #, the first other line is the header.
func tsvRows(name string, data []byte, columns int, row func(line int, cols []string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	header := true
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != columns {
			return fmt.Errorf("%s line %d: %d columns, want %d", name, line, len(cols), columns)
		}
		if err := row(line, cols); err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
	return sc.Err()
}

func loadAdultRanges() (map[string]VitalRange, error) {
	out := map[string]VitalRange{}
	err := tsvRows("vital-ranges.tsv", vitalRangesFile, 9, func(_ int, cols []string) error {
		var bounds [6]float64
		for i := range bounds {
			b, err := parseBound(cols[2+i])
			if err != nil {
				return err
			}
			bounds[i] = b
		}
		out[cols[0]] = VitalRange{Measure: cols[0], Unit: cols[1], PlausibleMin: bounds[0], PlausibleMax: bounds[1],
			CriticalBelow: bounds[2], LowBelow: bounds[3], HighAbove: bounds[4], CriticalAbove: bounds[5], Source: cols[8]}
		return nil
	})
	return out, err
}

func loadChildRanges() ([]childRange, error) {
	var out []childRange
	err := tsvRows("vital-ranges-children.tsv", childRangesFile, 10, func(_ int, cols []string) error {
		c := childRange{measure: cols[0], source: cols[9]}
		var err error
		if c.from, err = parseAge(cols[1]); err != nil {
			return err
		}
		if c.to, err = parseAge(cols[2]); err != nil {
			return err
		}
		c.ageWords = ageWords(cols[1], cols[2])
		for i := range c.plausible {
			if c.plausible[i], err = parseBound(cols[3+i]); err != nil {
				return err
			}
		}
		for i := range c.bounds {
			if c.bounds[i], err = parseLookupBound(cols[5+i]); err != nil {
				return err
			}
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// parseAge reads "28d", "3m" or "12y".
func parseAge(s string) (ageOffset, error) {
	if len(s) < 2 {
		return ageOffset{}, fmt.Errorf("age %q: want a number and d, m or y", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 {
		return ageOffset{}, fmt.Errorf("age %q: want a number and d, m or y", s)
	}
	switch s[len(s)-1] {
	case 'd':
		return ageOffset{days: n}, nil
	case 'm':
		return ageOffset{months: n}, nil
	case 'y':
		return ageOffset{years: n}, nil
	}
	return ageOffset{}, fmt.Errorf("age %q: want a number and d, m or y", s)
}

// ageWords says "3 to 6 months" for the band from 3m to 6m.
func ageWords(from, to string) string {
	unit := map[byte]string{'d': "days", 'm': "months", 'y': "years"}
	word := func(s string) (string, string) { return s[:len(s)-1], unit[s[len(s)-1]] }
	f, fu := word(from)
	t, tu := word(to)
	if f == "0" {
		return "under " + t + " " + tu
	}
	if fu == tu {
		return f + " to " + t + " " + tu
	}
	return f + " " + fu + " to " + t + " " + tu
}

func parseBound(s string) (float64, error) {
	if s == "-" {
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

func parseLookupBound(s string) (bound, error) {
	switch s {
	case "bp95":
		return bound{lookup: "bp95"}, nil
	case "bp95+30":
		return bound{lookup: "bp95", value: 30}, nil
	case "bmi5", "bmi95":
		return bound{lookup: s}, nil
	}
	v, err := parseBound(s)
	return bound{value: v}, err
}

// childBP is Flynn 2017's table of the 95th blood-pressure percentile:
// by measure, sex, age in years (1-17), at each height percentile column.
type childBP map[string][]float64

var bpHeightColumns = []float64{5, 10, 25, 50, 75, 90, 95}

func bpKey(measure, sex string, years int) string {
	return fmt.Sprintf("%s/%s/%d", measure, sex, years)
}

func loadChildBP() (childBP, error) {
	out := childBP{}
	err := tsvRows("bp-children.tsv", childBPFile, 17, func(_ int, cols []string) error {
		if cols[2] != "95" {
			return nil
		}
		years, err := strconv.Atoi(cols[1])
		if err != nil {
			return err
		}
		for i, measure := range []string{"systolic", "diastolic"} {
			values := make([]float64, len(bpHeightColumns))
			for j := range values {
				if values[j], err = strconv.ParseFloat(cols[3+i*7+j], 64); err != nil {
					return err
				}
			}
			out[bpKey(measure, cols[0], years)] = values
		}
		return nil
	})
	return out, err
}

// percentile95 is the 95th percentile of measure for a child of sex and age
// at the height percentile column nearest heightPct. With the sex unknown it
// is the lower of the boys' and girls' (the stricter): flagging a high
// pressure matters more than sparing a second look.
func (b childBP) percentile95(measure, sex string, years int, heightPct float64) (float64, bool) {
	col := 0
	for i, c := range bpHeightColumns {
		if math.Abs(c-heightPct) < math.Abs(bpHeightColumns[col]-heightPct) {
			col = i
		}
	}
	if sex == "male" || sex == "female" {
		values, ok := b[bpKey(measure, sex, years)]
		if !ok {
			return 0, false
		}
		return values[col], true
	}
	boys, ok1 := b[bpKey(measure, "male", years)]
	girls, ok2 := b[bpKey(measure, "female", years)]
	if !ok1 || !ok2 {
		return 0, false
	}
	return math.Min(boys[col], girls[col]), true
}
