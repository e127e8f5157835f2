package terminology

import (
	"math"
	"testing"
)

// TestVitalRanges checks the embedded table: every measure Folio records
// has a row with a named source, and each row's bounds are in order.
func TestVitalRanges(t *testing.T) {
	ranges, err := LoadVitalRanges()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"height", "weight", "bmi", "systolic", "diastolic", "pulse", "resp", "temp", "spo2", "pain"} {
		r, ok := ranges[m]
		if !ok || r.Source == "" || r.Unit == "" {
			t.Errorf("%s: %+v", m, r)
			continue
		}
		var known []float64
		for _, b := range []float64{r.PlausibleMin, r.CriticalBelow, r.LowBelow, r.HighAbove, r.CriticalAbove, r.PlausibleMax} {
			if !math.IsNaN(b) {
				known = append(known, b)
			}
		}
		for i := 1; i < len(known); i++ {
			if known[i] < known[i-1] {
				t.Errorf("%s: bounds out of order: %+v", m, r)
			}
		}
	}
	pulse := ranges["pulse"]
	for _, tc := range []struct {
		value    float64
		flag     string
		critical bool
		ok       bool
	}{
		{0, FlagLow, true, false}, {40, FlagLow, true, true}, {59, FlagLow, false, true}, {60, "", false, true},
		{100, "", false, true}, {101, FlagHigh, false, true}, {131, FlagHigh, true, true}, {400, FlagHigh, true, false},
	} {
		flag, critical := pulse.Flag(tc.value)
		if flag != tc.flag || critical != tc.critical || pulse.Plausible(tc.value) != tc.ok {
			t.Errorf("pulse %v: %q %v plausible %v", tc.value, flag, critical, pulse.Plausible(tc.value))
		}
	}
}
