package terminology

import (
	"math"
	"testing"
	"time"
)

// TestVitalRanges checks the embedded tables: every measure Folio records
// has an adult row with a named source, every child row has one too, and
// each row's bounds are in order at every age it covers.
func TestVitalRanges(t *testing.T) {
	ranges, err := LoadVitalRanges()
	if err != nil {
		t.Fatal(err)
	}
	inOrder := func(what string, r VitalRange) {
		t.Helper()
		var known []float64
		for _, b := range []float64{r.PlausibleMin, r.CriticalBelow, r.LowBelow, r.HighAbove, r.CriticalAbove, r.PlausibleMax} {
			if !math.IsNaN(b) {
				known = append(known, b)
			}
		}
		for i := 1; i < len(known); i++ {
			if known[i] < known[i-1] {
				t.Errorf("%s: bounds out of order: %+v", what, r)
			}
		}
	}
	measures := []string{"height", "weight", "bmi", "systolic", "diastolic", "pulse", "resp", "temp", "spo2", "pain", "head"}
	for _, m := range measures {
		r := ranges.Adult(m)
		if r.Source == "" || r.Unit == "" {
			t.Errorf("%s: %+v", m, r)
			continue
		}
		inOrder(m, r)
	}
	for _, c := range ranges.children {
		if c.source == "" || c.ageWords == "" {
			t.Errorf("child row %+v has no source", c)
		}
	}
	// Every age from birth to 20, both sexes, short and tall.
	birth := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for days := 0; days <= 20*366; days += 5 {
		at := birth.AddDate(0, 0, days).Add(10 * time.Hour)
		for _, sex := range []string{"male", "female", "unknown"} {
			for _, height := range []float64{math.NaN(), 40, 80, 120, 160, 200} {
				for _, m := range measures {
					r := ranges.For(m, Subject{BirthDate: birth, Sex: sex}, at, height)
					if r.Source == "" {
						t.Fatalf("%s at %d days: no source", m, days)
					}
					inOrder(m+" at "+r.Ages, r)
				}
			}
		}
	}
	pulse := ranges.Adult("pulse")
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

// TestVitalRangesByAge judges the same values for people of different ages:
// a child is judged against the ranges of their age at the measurement, an
// adult and anyone of unknown age against the adult ones.
func TestVitalRangesByAge(t *testing.T) {
	ranges, err := LoadVitalRanges()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	born := func(years, months, days int) time.Time {
		return at.AddDate(-years, -months, -days).Truncate(24 * time.Hour)
	}
	toddler := Subject{BirthDate: born(3, 2, 0), Sex: "female"}
	toddlerBoy := Subject{BirthDate: born(3, 2, 0), Sex: "male"}
	adult := Subject{BirthDate: born(40, 0, 0), Sex: "female"}
	newborn := Subject{BirthDate: born(0, 0, 5), Sex: "male"}
	infant := Subject{BirthDate: born(0, 2, 0), Sex: "female"}
	boy5 := Subject{BirthDate: born(5, 0, 0), Sex: "male"}
	teen := Subject{BirthDate: born(15, 0, 0), Sex: "male"}
	unknown := Subject{Sex: "female"}
	nan := math.NaN()
	for _, tc := range []struct {
		name     string
		who      Subject
		measure  string
		value    float64
		heightCm float64
		flag     string
		critical bool
		ages     string
	}{
		// The healthy 3-year-old of issue 9: nothing is flagged.
		{"toddler pulse", toddler, "pulse", 110, 96, "", false, "3 to 4 years"},
		{"toddler resp", toddler, "resp", 26, 96, "", false, "3 to 4 years"},
		{"toddler systolic", toddler, "systolic", 95, 96, "", false, "3 to 4 years"},
		{"toddler diastolic", toddler, "diastolic", 60, 96, "", false, "3 to 6 years"},
		{"toddler boy diastolic", toddlerBoy, "diastolic", 60, 96, "", false, "3 to 6 years"},
		{"toddler temp", toddler, "temp", 37.0, 96, "", false, "6 months to 18 years"},
		{"toddler spo2", toddler, "spo2", 98, 96, "", false, "28 days to 18 years"},
		{"toddler bmi", toddler, "bmi", 16, 96, "", false, "2 to 20 years"},
		// The same values for a 40-year-old: pulse high, resp critically so.
		{"adult pulse", adult, "pulse", 110, 165, FlagHigh, false, AdultAges},
		{"adult resp", adult, "resp", 26, 165, FlagHigh, true, AdultAges},
		{"adult systolic", adult, "systolic", 95, 165, FlagLow, false, AdultAges},
		{"adult temp", adult, "temp", 37.0, 165, "", false, AdultAges},
		// A toddler is still flagged when something is wrong.
		{"toddler tachycardia", toddler, "pulse", 150, 96, FlagHigh, false, "3 to 4 years"},
		{"toddler SVT", toddler, "pulse", 190, 96, FlagHigh, true, "3 to 4 years"},
		{"toddler bradycardia", toddler, "pulse", 55, 96, FlagLow, true, "3 to 4 years"},
		{"toddler tachypnoea", toddler, "resp", 62, 96, FlagHigh, true, "3 to 4 years"},
		{"toddler fever", toddler, "temp", 38.5, 96, FlagHigh, false, "6 months to 18 years"},
		{"toddler hypotension", toddler, "systolic", 72, 96, FlagLow, true, "3 to 4 years"},
		// Flynn 2017: the 95th percentile depends on height; girls 3 y at the
		// 50th height percentile: 108/66.
		{"toddler stage 1 systolic", toddler, "systolic", 108, 96, FlagHigh, false, "3 to 4 years"},
		{"toddler below stage 1", toddler, "systolic", 107, 96, "", false, "3 to 4 years"},
		{"toddler stage 1 diastolic", toddler, "diastolic", 66, 96, FlagHigh, false, "3 to 6 years"},
		{"toddler emergency", toddler, "systolic", 139, 96, FlagHigh, true, "3 to 4 years"},
		// A short boy of 3 (5th height percentile): his 95th diastolic is 60.
		{"short boy diastolic", toddlerBoy, "diastolic", 60, 88, FlagHigh, false, "3 to 6 years"},
		// Unknown height: the 50th height percentile column (boys 3 y: 62).
		{"boy unknown height", toddlerBoy, "diastolic", 61, nan, "", false, "3 to 6 years"},
		// A newborn's ordinary values.
		{"newborn pulse", newborn, "pulse", 150, 50, "", false, "under 3 months"},
		{"newborn resp", newborn, "resp", 45, 50, "", false, "under 3 months"},
		{"newborn systolic", newborn, "systolic", 70, 50, "", false, "under 28 days"},
		{"newborn spo2 93", newborn, "spo2", 93, 50, FlagLow, false, "under 28 days"},
		{"newborn cold", newborn, "temp", 35.8, 50, FlagLow, true, "under 3 months"},
		{"infant fever", infant, "temp", 38.0, 58, FlagHigh, true, "under 3 months"},
		// BMI-for-age (CDC): a 5-year-old boy's 95th percentile is about 18.
		{"boy obese", boy5, "bmi", 20, 110, FlagHigh, false, "2 to 20 years"},
		{"boy thin", boy5, "bmi", 13, 110, FlagLow, false, "2 to 20 years"},
		{"boy bmi fine", boy5, "bmi", 15.5, 110, "", false, "2 to 20 years"},
		// From 13, blood pressure is judged as an adult's (Flynn 2017).
		{"teen systolic", teen, "systolic", 132, 170, FlagHigh, false, AdultAges},
		{"teen pulse", teen, "pulse", 100, 170, "", false, "15 to 18 years"},
		// No birth date: the adult ranges.
		{"unknown pulse", unknown, "pulse", 110, nan, FlagHigh, false, AdultAges},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ranges.For(tc.measure, tc.who, at, tc.heightCm)
			flag, critical := r.Flag(tc.value)
			if flag != tc.flag || critical != tc.critical || r.Ages != tc.ages {
				t.Errorf("%s %v: %q critical %v for %q, want %q %v for %q (range %+v)", tc.measure, tc.value,
					flag, critical, r.Ages, tc.flag, tc.critical, tc.ages, r)
			}
		})
	}
}

// TestPlausibleForChildren: a baby's real values are never refused as typing
// errors, whether the birth date is known or not; a slipped digit still is.
func TestPlausibleForChildren(t *testing.T) {
	ranges, err := LoadVitalRanges()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	newborn := Subject{BirthDate: at.AddDate(0, 0, -3), Sex: "female"}
	for _, tc := range []struct {
		measure string
		value   float64
		ok      bool
	}{
		{"weight", 3.2, true}, {"weight", 0.8, true}, {"weight", 0.1, false}, {"height", 49, true}, {"height", 25, true},
		{"pulse", 150, true}, {"pulse", 400, false}, {"resp", 70, true}, {"systolic", 55, true}, {"diastolic", 25, true},
		{"head", 34, true}, {"head", 340, false},
	} {
		if got := ranges.For(tc.measure, newborn, at, math.NaN()).Plausible(tc.value); got != tc.ok {
			t.Errorf("newborn %s %v: plausible %v, want %v", tc.measure, tc.value, got, tc.ok)
		}
		if got := ranges.Widest(tc.measure).Plausible(tc.value); got != tc.ok {
			t.Errorf("unknown age %s %v: plausible %v, want %v", tc.measure, tc.value, got, tc.ok)
		}
	}
	if ranges.Adult("weight").Plausible(0.8) {
		t.Error("an adult's weight of 0.8 kg is a typing error")
	}
}
