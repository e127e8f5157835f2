package care

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The childhood schedule gives a vaccine dose by dose: each dose has the age
// the schedule gives it at and, for a child behind, the catch-up table's
// minimum age and minimum interval from the dose before. A Way with a
// Series counts the valid doses given and says which dose is next and from
// when.

// Series is a vaccine given as numbered doses (the childhood schedule, with
// catch-up). The way's Name names the vaccine ("DTaP dose 4 of 5").
type Series struct {
	Doses []SeriesDose `json:"doses"`
	// Until: from this age the vaccine is no longer given (rotavirus 8
	// months; Hib and PCV 5 years for a healthy child): a series not
	// complete by then stops being asked for.
	Until Span `json:"until"`
	// Enough: fewer doses that complete the series when it was given late
	// (the catch-up table's "no further doses needed").
	Enough []Enough `json:"enough,omitempty"`
	// Late: a dose given from Late.From must follow the one before by at
	// least Late.Gap (Hib and PCV: 8 weeks from 12 months).
	Late *Late `json:"late,omitempty"`
}

// SeriesDose is one dose of a series.
type SeriesDose struct {
	// Age: the schedule's age for the dose (0: at birth).
	Age Span `json:"age"`
	// MinAge: the youngest it counts at (catch-up table).
	MinAge Span `json:"minAge"`
	// Gap: the least interval from the dose before.
	Gap Span `json:"gap"`
	// GapFirst: the least interval from the series' first dose (hepatitis B
	// dose 3: 16 weeks).
	GapFirst Span `json:"gapFirst"`
	// Until: from this age the dose is not started (rotavirus dose 1: 15
	// weeks): the series stops being asked for.
	Until Span `json:"until"`
	// SkipIfAll: the dose is not needed when every dose before it was one
	// of these CVX codes (Rotarix: 2 doses; PedvaxHIB: no 6-month dose).
	SkipIfAll []string `json:"skipIfAll,omitempty"`
}

// Enough completes a series with fewer doses: at least AtLeast valid doses
// given from age From, and Total valid doses in all.
type Enough struct {
	From    Span `json:"from"`
	AtLeast int  `json:"atLeast"`
	Total   int  `json:"total"`
}

// Late is a longer least interval for a dose given from an age.
type Late struct {
	From Span `json:"from"`
	Gap  Span `json:"gap"`
}

// Span is an age or an interval as the schedules write it, in JSON a
// string: "6 weeks", "4 months", "4 years", "15 weeks 0 days". Weeks and
// days are counted as days, months and years as calendar months (as ACIP
// counts them).
type Span struct {
	Months, Days int
}

// UnmarshalJSON reads "N unit [N unit]", unit day, week, month or year.
func (s *Span) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return err
	}
	parsed, err := parseSpan(text)
	if err != nil {
		return err
	}
	*s = parsed
	return nil
}

func parseSpan(text string) (Span, error) {
	var s Span
	fields := strings.Fields(text)
	if len(fields) == 0 || len(fields)%2 != 0 {
		return s, fmt.Errorf("care rules: %q is not a span like \"6 weeks\"", text)
	}
	for i := 0; i < len(fields); i += 2 {
		n, err := strconv.Atoi(fields[i])
		if err != nil || n < 0 {
			return s, fmt.Errorf("care rules: %q is not a span like \"6 weeks\"", text)
		}
		switch strings.TrimSuffix(fields[i+1], "s") {
		case "day":
			s.Days += n
		case "week":
			s.Days += 7 * n
		case "month":
			s.Months += n
		case "year":
			s.Months += 12 * n
		default:
			return s, fmt.Errorf("care rules: %q: unknown unit %q", text, fields[i+1])
		}
	}
	return s, nil
}

// IsZero says the span is none (an age at birth, no interval).
func (s Span) IsZero() bool { return s.Months == 0 && s.Days == 0 }

func (s Span) from(t time.Time) time.Time { return t.AddDate(0, s.Months, s.Days) }

// grace: a dose given up to 4 days before its minimum age or interval
// still counts (ACIP General Best Practice Guidelines, "4-day grace
// period").
const grace = 4

// given is a dose of a series' vaccine: when, and what it was.
type given struct {
	on  time.Time
	raw string // as charted: YYYY-MM-DD, or partial from elsewhere
	cvx string
}

// seriesState is where a patient stands with a series.
type seriesState struct {
	applies  bool
	done     bool
	valid    int       // doses that count
	last     given     // the latest dose that counts
	next     int       // the schedule's index of the dose due next
	dueOn    time.Time // when it is due (not done)
	planned  int       // how many doses the series takes, as it stands
	nextLast bool      // the dose due next completes it
}

// seriesResult fills res (LastDone, LastHow, DueOn, Next) for a series
// rule; false when the series no longer applies (aged out, not complete).
func seriesResult(res *Result, w *Way, f Facts, born, asOf time.Time) bool {
	st := evalSeries(w, f, born, asOf)
	if !st.applies {
		return false
	}
	// How many doses the series takes as it stands: those counted when
	// complete, one more when the dose due completes it.
	total := st.planned
	switch {
	case st.done:
		total = st.valid
	case st.nextLast:
		total = st.valid + 1
	}
	if st.valid > 0 {
		res.LastDone = st.last.raw
		res.LastHow = fmt.Sprintf("%s dose %d of %d", w.Name, st.valid, total)
	}
	if st.done {
		res.DueOn = "9999-12-31"
		return true
	}
	res.DueOn = st.dueOn.Format("2006-01-02")
	res.Next = fmt.Sprintf("%s dose %d of %d", w.Name, st.valid+1, max(total, st.valid+1))
	return true
}

// evalSeries counts the doses that are valid (given at or after their
// minimum age and interval, less the grace period) in date order and says
// which dose is due next, and from when.
func evalSeries(w *Way, f Facts, born, asOf time.Time) seriesState {
	s := w.Series
	var buf [16]given
	doses := buf[:0]
	for _, d := range f.Doses {
		if !has(w.Vaccine, d.CVX) && (w.VaccineNamed == "" || !strings.HasPrefix(strings.ToLower(d.Vaccine), w.VaccineNamed)) {
			continue
		}
		if on, ok := parseDay(d.On); ok {
			doses = append(doses, given{on: on, raw: d.On, cvx: d.CVX})
		}
	}
	slices.SortFunc(doses, func(a, b given) int { return a.on.Compare(b.on) })

	st := seriesState{applies: true}
	var counted [16]given
	valid := counted[:0]
	k := skipDoses(s, 0, valid)
	for _, d := range doses {
		if k >= len(s.Doses) || st.done {
			break
		}
		if d.on.Before(earliest(s, k, born, valid).AddDate(0, 0, -grace)) {
			continue // too soon: it does not count, the dose is still due
		}
		valid = append(valid, d)
		k = skipDoses(s, k+1, valid)
		st.done = k >= len(s.Doses) || enough(s, born, valid, time.Time{})
	}
	st.valid, st.next = len(valid), k
	if len(valid) > 0 {
		st.last = valid[len(valid)-1]
	}
	st.planned = len(valid)
	if st.done {
		return st
	}
	for i := k; i < len(s.Doses); i = skipDoses(s, i+1, valid) {
		st.planned++
	}
	dose := s.Doses[k]
	st.dueOn = earliest(s, k, born, valid)
	if due := dose.Age.from(born); due.After(st.dueOn) {
		st.dueOn = due
	}
	if s.Late != nil && len(valid) > 0 {
		if on := later(st.dueOn, asOf); !on.Before(s.Late.From.from(born)) {
			st.dueOn = later(st.dueOn, s.Late.Gap.from(st.last.on))
		}
	}
	// A dose that can no longer be given: the series stops being asked for.
	for _, until := range []Span{dose.Until, s.Until} {
		if !until.IsZero() && !later(st.dueOn, asOf).Before(until.from(born)) {
			st.applies = false
		}
	}
	st.nextLast = st.planned == len(valid)+1 || enough(s, born, valid, later(st.dueOn, asOf))
	return st
}

// earliest is when dose k counts at the soonest: its minimum age, and its
// least intervals from the doses counted before it.
func earliest(s *Series, k int, born time.Time, valid []given) time.Time {
	dose := s.Doses[k]
	t := dose.MinAge.from(born)
	if len(valid) == 0 {
		return t
	}
	prev := valid[len(valid)-1].on
	t = later(t, dose.Gap.from(prev))
	t = later(t, dose.GapFirst.from(valid[0].on))
	if s.Late != nil && !t.Before(s.Late.From.from(born)) {
		t = later(t, s.Late.Gap.from(prev))
	}
	return t
}

// skipDoses is the index from k of the next dose needed: a dose is skipped
// when every dose counted before it was one its SkipIfAll names.
func skipDoses(s *Series, k int, valid []given) int {
	for k < len(s.Doses) && len(valid) > 0 && len(s.Doses[k].SkipIfAll) > 0 && allIn(valid, s.Doses[k].SkipIfAll) {
		k++
	}
	return k
}

func allIn(doses []given, codes []string) bool {
	for _, d := range doses {
		if !has(codes, d.cvx) {
			return false
		}
	}
	return true
}

// enough says whether the doses counted (and one more on day plus, if
// plus is set) complete the series by one of its Enough.
func enough(s *Series, born time.Time, valid []given, plus time.Time) bool {
	total := len(valid)
	if !plus.IsZero() {
		total++
	}
	for _, e := range s.Enough {
		if total < e.Total {
			continue
		}
		from := e.From.from(born)
		n := 0
		for _, d := range valid {
			if !d.on.Before(from) {
				n++
			}
		}
		if !plus.IsZero() && !plus.Before(from) {
			n++
		}
		if n >= e.AtLeast {
			return true
		}
	}
	return false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// parseDay reads a date that may be partial (YYYY or YYYY-MM, from
// elsewhere): a partial date is taken at its first day.
func parseDay(on string) (time.Time, bool) {
	full := on
	switch len(on) {
	case 4:
		full = on + "-01-01"
	case 7:
		full = on + "-01"
	}
	t, err := time.Parse("2006-01-02", full)
	return t, err == nil
}

// checkSeries says what makes a series unusable ("" nothing).
func checkSeries(w Way) string {
	s := w.Series
	switch {
	case len(s.Doses) == 0:
		return "a series with no doses"
	case len(s.Doses) > 15:
		return "a series of more than 15 doses"
	case len(w.Vaccine) == 0 && w.VaccineNamed == "":
		return "a series with no vaccine codes"
	}
	for _, e := range s.Enough {
		if e.Total < 1 || e.AtLeast < 0 {
			return "an enough with no doses"
		}
	}
	return ""
}
