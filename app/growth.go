package app

import (
	"fmt"
	"math"
	"time"

	"folio/app/terminology"
	"folio/db"
)

// GrowthCharts are a child's growth charts: WHO's from birth to 24 months,
// CDC's from 2 to 20 years, of the child's sex, each with the child's
// measurements on it. Reason says why there are none.
type GrowthCharts struct {
	Charts []GrowthChart `json:"charts"`
	Reason string        `json:"reason"` // "" when there are charts
}

// GrowthChart is one chart: its percentile curves, drawn through Xs, and
// the child's measurements with their percentiles. Values are in the
// clinic's units; Xs are months of age, or for weight-for-length the
// length in XUnit.
type GrowthChart struct {
	Key     string        `json:"key"`     // who-weight-for-age, cdc-bmi-for-age, ...
	Family  string        `json:"family"`  // WHO or CDC
	Title   string        `json:"title"`   // Weight-for-age
	Measure string        `json:"measure"` // weight, height, head or bmi
	Unit    string        `json:"unit"`    // kg, lb, cm, in, kg/m2
	XUnit   string        `json:"xUnit"`   // months, cm or in
	Sex     string        `json:"sex"`
	Source  string        `json:"source"`
	Xs      []float64     `json:"xs"`
	Curves  []GrowthCurve `json:"curves"`
	Points  []GrowthPoint `json:"points"`
}

// GrowthCurve is one percentile's values at the chart's Xs.
type GrowthCurve struct {
	Percentile float64   `json:"percentile"`
	Values     []float64 `json:"values"`
}

// GrowthPoint is one of the child's measurements on a chart.
type GrowthPoint struct {
	At         string  `json:"at"`         // when it was taken, RFC 3339
	X          float64 `json:"x"`          // age in months, or length
	Value      float64 `json:"value"`      // the clinic's unit
	Percentile float64 `json:"percentile"` // 0-100, to one decimal
	Z          float64 `json:"z"`          // z-score, to two decimals
}

// The ages the charts cover.
const (
	growthUntilDays = terminology.ChildUntilYears * 365.25
	// A CDC chart is drawn to two years past the child's age, at least to 5
	// years: a toddler's points would huddle in the corner of a 2-20 chart.
	cdcAheadDays = 2 * 365.25
	cdcMinDays   = 5 * 365.25
)

// growthSeries are a child's measurements: by measure, oldest first, in
// canonical units; "weight-for-length" pairs a set's weight (Value2) with
// its length (Value).
type growthSeries map[string][]db.VitalsPoint

// GrowthCharts gives the growth charts of a patient under 20 whose birth
// date and sex (male or female) are on the chart.
func (s *Chart) GrowthCharts(patientID string) (GrowthCharts, error) {
	out := GrowthCharts{Charts: []GrowthChart{}}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		r, err := o.vitalsReader(p)
		if err != nil {
			return err
		}
		age := terminology.AgeDays(r.subject.BirthDate, o.now)
		switch {
		case r.subject.BirthDate.IsZero():
			out.Reason = "Growth charts need the birth date."
		case age >= growthUntilDays:
			out.Reason = "Growth charts are for patients under 20."
		case p.Sex != "male" && p.Sex != "female":
			out.Reason = "Growth charts are drawn by sex at birth: record it as male or female to see them."
		}
		if out.Reason != "" {
			return nil
		}
		series := growthSeries{}
		for _, m := range []string{"weight", "height", "head", "bmi"} {
			if series[m], err = o.Tx.VitalsSeries(p.ID, m); err != nil {
				return err
			}
		}
		out.Charts = r.growthCharts(series, age)
		return o.audit("vitals.growth", p.ID, "patient/"+p.ID, fmt.Sprintf("%d charts", len(out.Charts)))
	})
	return answer(out, err)
}

// growthCharts picks the charts for a child now ageDays old: WHO's while
// they are under 2 or were measured then, CDC's once they are 2 (head
// circumference to 36 months).
func (r vitalsReader) growthCharts(series growthSeries, ageDays float64) []GrowthChart {
	g := r.ranges.Growth()
	measuredBetween := func(measure string, from, to float64) bool {
		for _, p := range series[measure] {
			if at, err := time.Parse(time.RFC3339, p.At); err == nil {
				if age := terminology.AgeDays(r.subject.BirthDate, at); age >= from && age <= to {
					return true
				}
			}
		}
		return false
	}
	var out []GrowthChart
	for _, c := range g.All() {
		if c.Sex != r.subject.Sex {
			continue
		}
		switch c.Family {
		case "WHO":
			measure := c.Measure
			if c.ByLength {
				measure = "height"
			}
			if ageDays >= terminology.WHOUntilDays && !measuredBetween(measure, 0, terminology.WHOUntilDays) {
				continue
			}
		case "CDC":
			if ageDays < c.From || (c.Measure == "head" && ageDays > c.To && !measuredBetween("head", c.From, c.To)) {
				continue
			}
		}
		out = append(out, r.growthChart(c, series, ageDays))
	}
	order := map[string]int{"weight": 0, "height": 1, "head": 2, "bmi": 3}
	rank := func(c GrowthChart) int {
		n := order[c.Measure] * 2
		if c.Key == "who-weight-for-length" {
			n = 5
		}
		if c.Family == "CDC" {
			n += 10
		}
		return n
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && rank(out[j]) < rank(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// growthChart draws chart c for the child: its curves in the clinic's units
// and the child's measurements on it.
func (r vitalsReader) growthChart(c *terminology.GrowthChart, series growthSeries, ageDays float64) GrowthChart {
	m := map[string]measure{"weight": measureWeight, "height": measureHeight, "head": measureHead, "bmi": measureBMI}[c.Measure]
	unit := r.displayUnit(m)
	out := GrowthChart{Key: c.Key, Family: c.Family, Title: c.Title, Measure: c.Measure, Unit: unit, XUnit: "months",
		Sex: c.Sex, Source: c.Source, Xs: []float64{}, Curves: []GrowthCurve{}, Points: []GrowthPoint{}}
	to := c.To
	step := 1
	switch {
	case c.ByLength:
		out.XUnit, step = r.units.height, 5 // every 0.5 cm
	case c.Family == "WHO":
		step = 7 // weekly
	default:
		to = math.Min(c.To, math.Max(ageDays+cdcAheadDays, cdcMinDays))
	}
	xOf := func(x float64) float64 {
		if c.ByLength {
			return round(fromCanonical(x, r.units.height), 1)
		}
		return round(x/terminology.DaysPerMonth, 2)
	}
	var xs []float64
	for _, x := range c.Xs(step) {
		if x <= to {
			xs = append(xs, x)
		}
	}
	if n := len(xs); n > 0 && xs[n-1] < to {
		xs = append(xs, to)
	}
	for _, x := range xs {
		out.Xs = append(out.Xs, xOf(x))
	}
	for _, pct := range c.Percentiles {
		curve := GrowthCurve{Percentile: pct, Values: make([]float64, 0, len(xs))}
		z := zOfPercentile(pct)
		for _, x := range xs {
			v, _ := c.ValueAt(x, z)
			curve.Values = append(curve.Values, round(fromCanonical(v, unit), 2))
		}
		out.Curves = append(out.Curves, curve)
	}
	for _, p := range r.growthPoints(c, series) {
		at, _ := time.Parse(time.RFC3339, p.At)
		x := terminology.AgeDays(r.subject.BirthDate, at)
		value := p.Value
		if c.ByLength {
			if x >= terminology.WHOUntilDays { // from 2 years WHO reads weight-for-height
				continue
			}
			x, value = p.Value, p.Value2
		}
		if x < c.From || x > to {
			continue
		}
		z, ok := c.Z(x, value)
		if !ok {
			continue
		}
		out.Points = append(out.Points, GrowthPoint{At: p.At, X: xOf(x), Value: round(fromCanonical(value, unit), m.shownDecimals),
			Percentile: round(terminology.Percentile(z), 1), Z: round(z, 2)})
	}
	return out
}

// growthPoints are the child's measurements c reads, in canonical units:
// BMI from each weight and the latest height, weight-for-length from sets
// with both.
func (r vitalsReader) growthPoints(c *terminology.GrowthChart, series growthSeries) []db.VitalsPoint {
	if c.Measure != "bmi" && !c.ByLength {
		return series[c.Measure]
	}
	var out []db.VitalsPoint
	var height *float64
	for i, p := range series["bmi"] { // height and weight of each set
		if p.HasValue {
			height = &series["bmi"][i].Value
		}
		switch {
		case c.ByLength && p.HasValue && p.HasValue2:
			out = append(out, p)
		case !c.ByLength && p.HasValue2:
			weight := p.Value2
			if b := bmi(&weight, height); b != nil {
				out = append(out, db.VitalsPoint{At: p.At, Value: *b, HasValue: true})
			}
		}
	}
	return out
}

// zOfPercentile is the z-score below which pct per cent lie.
func zOfPercentile(pct float64) float64 {
	return -math.Sqrt2 * math.Erfcinv(2*pct/100)
}
