package terminology

import (
	"bufio"
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestGrowthChartsLoad: every chart of both sexes is there, with the rows
// its publisher gives.
func TestGrowthChartsLoad(t *testing.T) {
	g, err := LoadGrowthCharts()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{
		// WHO: days 0 to 1826 (5 years); weight-for-length 45 to 110 cm by 0.1.
		"who-weight-for-age": 1827, "who-length-for-age": 1827, "who-head-for-age": 1827, "who-bmi-for-age": 1827,
		"who-weight-for-length": 651,
		// CDC: 24, 24.5, 25.5 ... 239.5 and 240 (BMI to 240.5) months; head 0, 0.5 ... 35.5, 36.
		"cdc-weight-for-age": 218, "cdc-stature-for-age": 218, "cdc-bmi-for-age": 219, "cdc-head-for-age": 38,
	}
	total := 0
	for key, n := range rows {
		for _, sex := range []string{"male", "female"} {
			c := g.Chart(key, sex)
			if c == nil {
				t.Errorf("no %s chart for %s", key, sex)
				continue
			}
			if c.Rows() != n {
				t.Errorf("%s %s: %d rows, want %d", key, sex, c.Rows(), n)
			}
			total += c.Rows()
		}
	}
	if len(g.All()) != 2*len(rows) {
		t.Errorf("%d charts, want %d", len(g.All()), 2*len(rows))
	}
	t.Logf("%d LMS rows in %d charts", total, len(g.All()))
}

// TestWHOPercentilesAgainstPublished computes percentile values from the
// LMS rows and compares them with WHO's published percentile tables
// ("expanded tables" by day, who.int/tools/child-growth-standards, given
// to 3 decimals): the 3rd, 15th, 50th, 85th and 97th.
func TestWHOPercentilesAgainstPublished(t *testing.T) {
	g, err := LoadGrowthCharts()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, sex  string
		day       float64
		published [5]float64 // P3, P15, P50, P85, P97
	}{
		{"who-weight-for-age", "male", 0, [5]float64{2.507, 2.865, 3.346, 3.878, 4.350}},
		{"who-weight-for-age", "male", 365, [5]float64{7.844, 8.610, 9.646, 10.798, 11.830}},
		{"who-weight-for-age", "male", 700, [5]float64{9.652, 10.623, 11.951, 13.446, 14.803}},
		{"who-weight-for-age", "female", 183, [5]float64{5.816, 6.438, 7.302, 8.291, 9.204}},
		{"who-weight-for-age", "female", 548, [5]float64{8.173, 9.026, 10.232, 11.650, 12.993}},
		{"who-length-for-age", "male", 0, [5]float64{46.324, 47.922, 49.884, 51.846, 53.445}},
		{"who-length-for-age", "male", 365, [5]float64{71.270, 73.277, 75.739, 78.202, 80.208}},
		{"who-length-for-age", "male", 730, [5]float64{82.057, 84.636, 87.802, 90.968, 93.547}},
		{"who-head-for-age", "female", 183, [5]float64{39.757, 40.857, 42.208, 43.558, 44.658}},
		{"who-head-for-age", "female", 700, [5]float64{44.418, 45.595, 47.039, 48.483, 49.659}},
		{"who-bmi-for-age", "male", 365, [5]float64{14.515, 15.482, 16.799, 18.280, 19.626}},
	} {
		c := g.Chart(tc.key, tc.sex)
		for i, pct := range []float64{3, 15, 50, 85, 97} {
			got, ok := c.ValueAt(tc.day, zOf(pct))
			if !ok || math.Abs(got-tc.published[i]) > 0.0006 {
				t.Errorf("%s %s day %v P%v: %.4f, WHO publishes %.3f", tc.key, tc.sex, tc.day, pct, got, tc.published[i])
			}
			back, _ := c.Z(tc.day, tc.published[i])
			if p := Percentile(back); math.Abs(p-pct) > 0.1 {
				t.Errorf("%s %s day %v: %.3f is the %.2f percentile, want %v", tc.key, tc.sex, tc.day, tc.published[i], p, pct)
			}
		}
	}
}

// TestCDCPercentilesAgainstPublished checks every row of CDC's files: the
// value computed from L, M and S at each percentile CDC lists beside them
// (3rd to 97th) is CDC's own figure.
func TestCDCPercentilesAgainstPublished(t *testing.T) {
	g, err := LoadGrowthCharts()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for file, key := range map[string]string{"cdc-wtage.csv": "cdc-weight-for-age", "cdc-statage.csv": "cdc-stature-for-age",
		"cdc-bmiagerev.csv": "cdc-bmi-for-age", "cdc-hcageinf.csv": "cdc-head-for-age"} {
		data, err := growthFiles.ReadFile("growth/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var header []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			cols := strings.Split(strings.TrimSpace(sc.Text()), ",")
			if cols[0] == "Sex" {
				header = cols
				continue
			}
			sex := map[string]string{"1": "male", "2": "female"}[cols[0]]
			months, _ := strconv.ParseFloat(cols[1], 64)
			c := g.Chart(key, sex)
			for i := 5; i < len(cols); i++ {
				pct, _ := strconv.ParseFloat(strings.TrimPrefix(header[i], "P"), 64)
				published, _ := strconv.ParseFloat(cols[i], 64)
				got, ok := c.ValueAt(months*DaysPerMonth, zOf(pct))
				if !ok || math.Abs(got-published) > 1e-6*published {
					t.Errorf("%s %s %v months P%v: %.8f, CDC publishes %.8f", key, sex, months, pct, got, published)
				}
				checked++
			}
		}
	}
	t.Logf("%d published CDC percentiles checked", checked)
	if checked < 4000 {
		t.Errorf("only %d published percentiles checked", checked)
	}
}

// TestGrowthAtExactAge: between two rows the LMS is interpolated, and a
// child's percentile comes from the chart of their age.
func TestGrowthAtExactAge(t *testing.T) {
	g, err := LoadGrowthCharts()
	if err != nil {
		t.Fatal(err)
	}
	c := g.Chart("cdc-weight-for-age", "male")
	a, _ := c.At(24.5 * DaysPerMonth)
	b, _ := c.At(25.5 * DaysPerMonth)
	mid, ok := c.At(25 * DaysPerMonth)
	if !ok || math.Abs(mid.M-(a.M+b.M)/2) > 1e-9 || math.Abs(mid.L-(a.L+b.L)/2) > 1e-9 {
		t.Errorf("25 months: %+v, between %+v and %+v", mid, a, b)
	}
	if _, ok := c.At(20 * DaysPerMonth); ok {
		t.Error("CDC's weight-for-age has no row at 20 months")
	}
	for _, tc := range []struct {
		measure, sex string
		days, value  float64
		chart        string
		percentile   float64
	}{
		// The median is the 50th percentile (WHO boys, 365 days: 9.646 kg).
		{"weight", "male", 365, 9.646, "who-weight-for-age", 50},
		// CDC girls' stature at 36.5 months: median 94.21 cm.
		{"height", "female", 36.5 * DaysPerMonth, 94.21335709, "cdc-stature-for-age", 50},
		// CDC boys' weight at 24.5 months: the 97th percentile is 15.688 kg.
		{"weight", "male", 24.5 * DaysPerMonth, 15.68840631, "cdc-weight-for-age", 97},
		// Head circumference at 30 months is on CDC's infant chart.
		{"head", "male", 30.5 * DaysPerMonth, 49.1, "cdc-head-for-age", -1},
	} {
		chart := g.ForAge(tc.measure, tc.sex, tc.days)
		if chart == nil || chart.Key != tc.chart {
			t.Errorf("%s at %v days: chart %v, want %s", tc.measure, tc.days, chart, tc.chart)
			continue
		}
		p, ok := g.Percentile(tc.measure, tc.sex, tc.days, tc.value)
		if !ok || (tc.percentile >= 0 && math.Abs(p-tc.percentile) > 0.01) {
			t.Errorf("%s %v at %v days: percentile %.3f, want %v", tc.measure, tc.value, tc.days, p, tc.percentile)
		}
	}
	if g.ForAge("head", "male", 40*DaysPerMonth) != nil || g.ForAge("weight", "male", 21*365.25) != nil {
		t.Error("no chart after 36 months for head circumference, nor after 20 years")
	}
	if g.ForAge("weight", "unknown", 400) != nil {
		t.Error("the charts are by sex")
	}
}

// TestWHORestrictedZ: beyond ±3 SD WHO measures weight-based z-scores in
// units of the distance between 2 and 3 SD.
func TestWHORestrictedZ(t *testing.T) {
	g, err := LoadGrowthCharts()
	if err != nil {
		t.Fatal(err)
	}
	c := g.Chart("who-weight-for-age", "female")
	p, _ := c.At(400)
	sd2, sd3 := p.Value(2), p.Value(3)
	for _, tc := range []struct{ value, z float64 }{{sd3, 3}, {sd3 + (sd3 - sd2), 4}, {p.Value(-3), -3},
		{p.Value(-3) - (p.Value(-2) - p.Value(-3)), -4}} {
		if z, _ := c.Z(400, tc.value); math.Abs(z-tc.z) > 1e-9 {
			t.Errorf("%.3f kg: z %.4f, want %v", tc.value, z, tc.z)
		}
	}
	// Length is not weight-based: the plain LMS z-score.
	l := g.Chart("who-length-for-age", "female")
	q, _ := l.At(400)
	if z, _ := l.Z(400, q.Value(4)); math.Abs(z-4) > 1e-9 {
		t.Errorf("length at +4 SD: z %v", z)
	}
}

// zOf is the z-score of a percentile, by bisection on Percentile.
func zOf(pct float64) float64 {
	lo, hi := -8.0, 8.0
	for i := 0; i < 200; i++ {
		mid := (lo + hi) / 2
		if Percentile(mid) < pct {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
