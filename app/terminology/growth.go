package terminology

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The growth charts' LMS tables, as their publishers give them (see
// SOURCES.md): the WHO Child Growth Standards by day of age (and by length
// for weight-for-length), the CDC 2000 growth charts by month.
//
//go:embed growth
var growthFiles embed.FS

// DaysPerMonth is the month both WHO and CDC count ages in: 365.25 / 12.
const DaysPerMonth = 30.4375

// WHOUntilDays is where the WHO standards hand over to the CDC charts: CDC
// recommends the WHO standards from birth to 24 months and its own charts
// from 2 to 20 years.
const WHOUntilDays = 24 * DaysPerMonth

// LMS is one point of a growth reference: the Box-Cox power L, the median
// M and the generalised coefficient of variation S (Cole and Green 1992).
type LMS struct{ L, M, S float64 }

// Z is the z-score of x: ((x/M)^L - 1) / (L S), or ln(x/M) / S when L is 0.
func (p LMS) Z(x float64) float64 {
	if p.L == 0 {
		return math.Log(x/p.M) / p.S
	}
	return (math.Pow(x/p.M, p.L) - 1) / (p.L * p.S)
}

// Value is the measurement at z-score z: M (1 + L S z)^(1/L), or M e^(S z)
// when L is 0.
func (p LMS) Value(z float64) float64 {
	if p.L == 0 {
		return p.M * math.Exp(p.S*z)
	}
	return p.M * math.Pow(1+p.L*p.S*z, 1/p.L)
}

// Percentile is the share of the reference population below z-score z, in
// per cent.
func Percentile(z float64) float64 { return 100 * 0.5 * math.Erfc(-z/math.Sqrt2) }

// GrowthChart is one chart of one sex: a measure against age (in days) or,
// for weight-for-length, against length in cm.
type GrowthChart struct {
	Key         string    // who-weight-for-age, cdc-bmi-for-age, ...
	Family      string    // WHO or CDC
	Title       string    // Weight-for-age
	Measure     string    // weight, height, head or bmi
	ByLength    bool      // x is the length in cm, not the age in days
	Sex         string    // male or female
	From, To    float64   // the x the chart is used for
	Percentiles []float64 // the curves the chart family draws
	Source      string
	// WHO computes z-scores beyond ±3 of its weight-based indicators
	// in SD units at ±3 ("restricted application of the LMS method").
	restricted bool
	xs         []float64
	lms        []LMS
}

// Rows is how many LMS rows the chart holds.
func (c *GrowthChart) Rows() int { return len(c.xs) }

// At is the LMS at x, interpolated linearly between the table's rows; ok is
// false outside the table.
func (c *GrowthChart) At(x float64) (LMS, bool) {
	n := len(c.xs)
	if n == 0 || x < c.xs[0] || x > c.xs[n-1] {
		return LMS{}, false
	}
	i := sort.SearchFloat64s(c.xs, x)
	if c.xs[i] == x {
		return c.lms[i], true
	}
	a, b := c.lms[i-1], c.lms[i]
	t := (x - c.xs[i-1]) / (c.xs[i] - c.xs[i-1])
	mix := func(p, q float64) float64 { return p + t*(q-p) }
	return LMS{L: mix(a.L, b.L), M: mix(a.M, b.M), S: mix(a.S, b.S)}, true
}

// Z is the z-score of value at x.
func (c *GrowthChart) Z(x, value float64) (float64, bool) {
	p, ok := c.At(x)
	if !ok || value <= 0 {
		return 0, false
	}
	z := p.Z(value)
	if c.restricted {
		switch {
		case z > 3:
			sd3 := p.Value(3)
			z = 3 + (value-sd3)/(sd3-p.Value(2))
		case z < -3:
			sd3 := p.Value(-3)
			z = -3 + (value-sd3)/(p.Value(-2)-sd3)
		}
	}
	return z, true
}

// ValueAt is the measurement at z-score z and x.
func (c *GrowthChart) ValueAt(x, z float64) (float64, bool) {
	p, ok := c.At(x)
	if !ok {
		return 0, false
	}
	return p.Value(z), true
}

// Xs are the table's own x values from From to To, every step-th, with To
// itself: where a curve is drawn through.
func (c *GrowthChart) Xs(step int) []float64 {
	var out []float64
	for i, x := range c.xs {
		if x >= c.From && x <= c.To && (i%step == 0 || i == len(c.xs)-1) {
			out = append(out, x)
		}
	}
	if len(out) > 0 && out[0] > c.From {
		out = append([]float64{c.From}, out...)
	}
	if len(out) > 0 && out[len(out)-1] < c.To {
		out = append(out, c.To)
	}
	return out
}

// GrowthCharts are every chart Folio draws, by key and sex.
type GrowthCharts struct {
	charts map[string]*GrowthChart
}

// Chart is the chart key for sex, nil when there is none.
func (g *GrowthCharts) Chart(key, sex string) *GrowthChart { return g.charts[key+"/"+sex] }

// All lists every chart.
func (g *GrowthCharts) All() []*GrowthChart {
	out := make([]*GrowthChart, 0, len(g.charts))
	for _, c := range g.charts {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key+out[i].Sex < out[j].Key+out[j].Sex })
	return out
}

// ForAge is the chart measure (weight, height, head, bmi) of a child of sex
// is read on at ageDays: WHO's under 24 months, CDC's from then to 20 years
// (head circumference to 36 months); nil when none applies.
func (g *GrowthCharts) ForAge(measure, sex string, ageDays float64) *GrowthChart {
	family := "cdc"
	if ageDays < WHOUntilDays {
		family = "who"
	}
	names := map[string]string{"weight": "weight-for-age", "head": "head-for-age", "bmi": "bmi-for-age",
		"height": map[string]string{"who": "length-for-age", "cdc": "stature-for-age"}[family]}
	c := g.Chart(family+"-"+names[measure], sex)
	if c == nil || ageDays < c.From || ageDays > c.To {
		return nil
	}
	return c
}

// Percentile is the percentile of value (canonical unit) at ageDays on the
// chart the age calls for.
func (g *GrowthCharts) Percentile(measure, sex string, ageDays, value float64) (float64, bool) {
	c := g.ForAge(measure, sex, ageDays)
	if c == nil {
		return 0, false
	}
	z, ok := c.Z(ageDays, value)
	return Percentile(z), ok
}

// ValueAt is the measurement at z-score z at ageDays on the chart the age
// calls for.
func (g *GrowthCharts) ValueAt(measure, sex string, ageDays, z float64) (float64, bool) {
	c := g.ForAge(measure, sex, ageDays)
	if c == nil {
		return 0, false
	}
	return c.ValueAt(ageDays, z)
}

// growthTable is one file of LMS rows and the charts it holds.
type growthTable struct {
	file, key, title, measure string
	byLength, restricted      bool
	from, to                  float64 // in days, or cm
	percentiles               []float64
	source                    string
}

var (
	whoPercentiles    = []float64{3, 15, 50, 85, 97}
	cdcPercentiles    = []float64{3, 10, 25, 50, 75, 90, 97}
	cdcBMIPercentiles = []float64{5, 10, 25, 50, 75, 85, 95}
	whoSource         = "WHO Child Growth Standards (2006), LMS by day of age"
	cdcSource         = "CDC 2000 growth charts, LMS by month of age"
)

var growthTables = []growthTable{
	{file: "who-weianthro.txt", key: "who-weight-for-age", title: "Weight-for-age", measure: "weight", restricted: true,
		to: WHOUntilDays, percentiles: whoPercentiles, source: whoSource},
	{file: "who-lenanthro.txt", key: "who-length-for-age", title: "Length-for-age", measure: "height",
		to: WHOUntilDays, percentiles: whoPercentiles, source: whoSource},
	{file: "who-hcanthro.txt", key: "who-head-for-age", title: "Head circumference-for-age", measure: "head",
		to: WHOUntilDays, percentiles: whoPercentiles, source: whoSource},
	{file: "who-bmianthro.txt", key: "who-bmi-for-age", title: "BMI-for-age", measure: "bmi", restricted: true,
		to: WHOUntilDays, percentiles: whoPercentiles, source: whoSource},
	{file: "who-wflanthro.txt", key: "who-weight-for-length", title: "Weight-for-length", measure: "weight",
		byLength: true, restricted: true, from: 45, to: 110, percentiles: whoPercentiles,
		source: "WHO Child Growth Standards (2006), LMS by length (cm)"},
	{file: "cdc-wtage.csv", key: "cdc-weight-for-age", title: "Weight-for-age", measure: "weight",
		from: WHOUntilDays, to: 240 * DaysPerMonth, percentiles: cdcPercentiles, source: cdcSource},
	{file: "cdc-statage.csv", key: "cdc-stature-for-age", title: "Stature-for-age", measure: "height",
		from: WHOUntilDays, to: 240 * DaysPerMonth, percentiles: cdcPercentiles, source: cdcSource},
	{file: "cdc-bmiagerev.csv", key: "cdc-bmi-for-age", title: "BMI-for-age", measure: "bmi",
		from: WHOUntilDays, to: 240 * DaysPerMonth, percentiles: cdcBMIPercentiles, source: cdcSource},
	{file: "cdc-hcageinf.csv", key: "cdc-head-for-age", title: "Head circumference-for-age", measure: "head",
		from: WHOUntilDays, to: 36 * DaysPerMonth, percentiles: cdcPercentiles, source: cdcSource},
}

// LoadGrowthCharts reads the embedded LMS tables.
func LoadGrowthCharts() (*GrowthCharts, error) {
	g := &GrowthCharts{charts: map[string]*GrowthChart{}}
	for _, t := range growthTables {
		data, err := growthFiles.ReadFile("growth/" + t.file)
		if err != nil {
			return nil, err
		}
		if err := g.read(t, data); err != nil {
			return nil, fmt.Errorf("growth/%s: %w", t.file, err)
		}
	}
	return g, nil
}

// read adds a table's rows to its two charts. WHO's files are tab-separated
// (sex, age in days or length, l, m, s, ...); CDC's comma-separated (Sex,
// Agemos, L, M, S, percentiles), with the header repeated before the girls.
func (g *GrowthCharts) read(t growthTable, data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		sep := "\t"
		if strings.HasSuffix(t.file, ".csv") {
			sep = ","
		}
		cols := strings.Split(text, sep)
		if text == "" || strings.EqualFold(cols[0], "sex") {
			continue
		}
		if len(cols) < 5 {
			return fmt.Errorf("line %d: %d columns, want at least 5", line, len(cols))
		}
		var nums [5]float64
		for i := range nums {
			v, err := strconv.ParseFloat(cols[i], 64)
			if err != nil {
				return fmt.Errorf("line %d: %w", line, err)
			}
			nums[i] = v
		}
		sex := map[float64]string{1: "male", 2: "female"}[nums[0]]
		if sex == "" {
			return fmt.Errorf("line %d: sex %v", line, nums[0])
		}
		x := nums[1]
		if strings.HasPrefix(t.key, "cdc-") {
			x *= DaysPerMonth
		}
		c := g.charts[t.key+"/"+sex]
		if c == nil {
			c = &GrowthChart{Key: t.key, Family: strings.ToUpper(t.key[:3]), Title: t.title, Measure: t.measure,
				ByLength: t.byLength, Sex: sex, From: t.from, To: t.to, Percentiles: t.percentiles,
				Source: t.source, restricted: t.restricted}
			g.charts[t.key+"/"+sex] = c
		}
		if n := len(c.xs); n > 0 && x <= c.xs[n-1] {
			return fmt.Errorf("line %d: %v does not follow %v", line, x, c.xs[n-1])
		}
		c.xs = append(c.xs, x)
		c.lms = append(c.lms, LMS{L: nums[2], M: nums[3], S: nums[4]})
	}
	return sc.Err()
}
