package terminology

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
)

//go:embed vital-ranges.tsv
var vitalRangesFile []byte

// VitalRange is one measure's adult reference range in its canonical unit.
// A bound that does not apply is NaN, which no comparison passes.
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

// LoadVitalRanges reads the embedded adult reference ranges, by measure
// (height, weight, bmi, systolic, diastolic, pulse, resp, temp, spo2, pain).
func LoadVitalRanges() (map[string]VitalRange, error) {
	out := map[string]VitalRange{}
	sc := bufio.NewScanner(bytes.NewReader(vitalRangesFile))
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
		if len(cols) != 9 {
			return nil, fmt.Errorf("vital-ranges.tsv line %d: %d columns, want 9", line, len(cols))
		}
		var bounds [6]float64
		for i := range bounds {
			b, err := parseBound(cols[2+i])
			if err != nil {
				return nil, fmt.Errorf("vital-ranges.tsv line %d: %w", line, err)
			}
			bounds[i] = b
		}
		out[cols[0]] = VitalRange{Measure: cols[0], Unit: cols[1], PlausibleMin: bounds[0], PlausibleMax: bounds[1],
			CriticalBelow: bounds[2], LowBelow: bounds[3], HighAbove: bounds[4], CriticalAbove: bounds[5], Source: cols[8]}
	}
	return out, sc.Err()
}

func parseBound(s string) (float64, error) {
	if s == "-" {
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}
