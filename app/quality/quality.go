// Package quality holds the clinic's quality measures (in the spirit of
// the CMS eCQMs: diabetes control, blood pressure control, cancer
// screenings, tobacco, childhood and influenza immunization) as data with
// their sources (measures.json, SOURCES.md), and says where a patient
// stands with each on a day. Like app/care it reads no database: the caller
// gathers the chart's facts, and a measure that follows a care rule reads
// that rule's codes and exclusions through care.Standing, so the chart,
// the desk's recall list and the dashboard never disagree.
package quality

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"folio/app/care"
)

//go:embed measures.json
var measuresJSON []byte

// Measure is one quality measure: who is in its denominator, what takes
// them out, and what puts them in its numerator.
type Measure struct {
	ID    string `json:"id"`
	CMS   string `json:"cms"` // the eCQM's id and version, "CMS122v13"
	Title string `json:"title"`
	// Kind says how the numerator is found: lab-above, bp-below, rule,
	// tobacco, series or season.
	Kind string `json:"kind"`
	// Inverse: the numerator is the poor outcome (lower is better).
	Inverse    bool   `json:"inverse,omitempty"`
	Source     string `json:"source"`
	Simplified string `json:"simplified"`
	Sex        string `json:"sex,omitempty"`
	// Ages on the period's last day: from Ages[0] up to, not including,
	// Ages[1] (0: no limit).
	Ages [2]float64 `json:"ages"`
	// When: every condition must hold to be in the denominator.
	When []care.Cond `json:"when,omitempty"`
	// Exclude: any of these (and the clinic-wide exclusions) takes the
	// patient out.
	Exclude []care.Cond `json:"exclude,omitempty"`
	// Rule: the care rule whose codes, intervals and exclusions it reads.
	Rule string `json:"rule,omitempty"`
	// LookbackMonths: how long what meets the rule counts (0: the rule's
	// own intervals).
	LookbackMonths int `json:"lookbackMonths,omitempty"`
	// lab-above: the latest of these results in the period above Above.
	Lab   []string `json:"lab,omitempty"`
	Above float64  `json:"above,omitempty"`
	// bp-below: the latest blood pressure in the period below both.
	Systolic  float64 `json:"systolic,omitempty"`
	Diastolic float64 `json:"diastolic,omitempty"`
	// tobacco: the screening's LOINC codes, the counseling's codes, the
	// cessation medicines, and the words that tell a user from a non-user
	// in the screening's result.
	Screening     []string `json:"screening,omitempty"`
	Cessation     []string `json:"cessation,omitempty"`
	CessationMeds []string `json:"cessationMeds,omitempty"`
	UserWords     []string `json:"userWords,omitempty"`
	NonUserWords  []string `json:"nonUserWords,omitempty"`
	// series: the children turning Turning in the period, with each series
	// done by that birthday.
	Turning int      `json:"turning,omitempty"`
	Series  []Series `json:"series,omitempty"`
}

// Series is one vaccine series of the childhood measure: Doses of any of
// CVX (or of the named care rule's vaccines), or Or's.
type Series struct {
	Name  string   `json:"name"`
	Doses int      `json:"doses"`
	CVX   []string `json:"cvx,omitempty"`
	Rule  string   `json:"rule,omitempty"`
	Or    *Series  `json:"or,omitempty"`
}

type file struct {
	Exclude  []care.Cond `json:"exclude"`
	Measures []Measure   `json:"measures"`
}

var measures, clinicExclude = mustLoad(measuresJSON)

func mustLoad(data []byte) ([]Measure, []care.Cond) {
	f, err := load(data, care.Rules())
	if err != nil {
		panic(err)
	}
	return f.Measures, f.Exclude
}

// load reads measures and checks each against the care rules it names.
func load(data []byte, rules []care.Rule) (file, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("read the quality measures: %w", err)
	}
	kinds := []string{"lab-above", "bp-below", "rule", "tobacco", "series", "season"}
	seen := map[string]bool{}
	ruleOK := func(id string) bool {
		return slices.ContainsFunc(rules, func(r care.Rule) bool { return r.ID == id })
	}
	for _, m := range f.Measures {
		switch {
		case m.ID == "" || m.CMS == "" || m.Title == "" || m.Source == "" || m.Simplified == "":
			return f, fmt.Errorf("quality measure %q: id, cms, title, source and simplified are required", m.ID)
		case seen[m.ID]:
			return f, fmt.Errorf("quality measure %q is there twice", m.ID)
		case !slices.Contains(kinds, m.Kind):
			return f, fmt.Errorf("quality measure %q: unknown kind %q", m.ID, m.Kind)
		case m.Rule != "" && !ruleOK(m.Rule):
			return f, fmt.Errorf("quality measure %q: no care rule %q", m.ID, m.Rule)
		case (m.Kind == "rule" || m.Kind == "season" || m.Kind == "tobacco") && m.Rule == "":
			return f, fmt.Errorf("quality measure %q: a %s measure names its care rule", m.ID, m.Kind)
		}
		for _, s := range m.Series {
			if s.Rule != "" && !ruleOK(s.Rule) {
				return f, fmt.Errorf("quality measure %q: series %s names no care rule %q", m.ID, s.Name, s.Rule)
			}
		}
		seen[m.ID] = true
	}
	return f, nil
}

// Measures are the measures Folio reports, in measures.json's order.
func Measures() []Measure {
	return measures
}

// MeasuresData is measures.json as embedded.
func MeasuresData() []byte {
	return measuresJSON
}

// ByID is the measure of id, or nil.
func ByID(id string) *Measure {
	for i := range measures {
		if measures[i].ID == id {
			return &measures[i]
		}
	}
	return nil
}

// Facts are what the measures read: the care rules' facts, with the
// results and blood pressures of the past years (not only the latest), so
// a month of the trend is judged on what was known by its end, and the
// days the patient was seen.
type Facts struct {
	care.Facts
	// Visits: the days of the patient's visits (YYYY-MM-DD), any order.
	Visits []string
}

// LabCodes are the LOINC codes whose history the measures read.
func LabCodes() []string {
	var out []string
	add := func(codes []string) {
		for _, c := range codes {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	for _, m := range measures {
		add(m.Lab)
		add(m.Screening)
		if r := rule(m.Rule); r != nil {
			for _, w := range r.DoneBy {
				add(w.Lab)
			}
		}
	}
	return out
}

// HistoryMonths is how far back the facts must reach for the trend's
// earliest month: 12 months of trend and the longest lookback of a
// result (five years, a high-risk HPV test or a CT colonography).
const HistoryMonths = 12 + 60

// Status is where a patient in a measure's denominator stands.
type Status string

const (
	// Met: in the numerator (for an inverse measure, the poor outcome).
	Met      Status = "met"
	NotMet   Status = "not_met"
	Excluded Status = "excluded"
)

// Outcome is where a patient stands with a measure, and why, in words.
type Outcome struct {
	Status Status
	Why    string
}

// Evaluate says where the patient stands with m on day asOf (judged on the
// facts dated up to it), and whether they are in its denominator at all.
func Evaluate(m *Measure, f Facts, asOf time.Time) (Outcome, bool) {
	born, err := time.Parse("2006-01-02", f.BirthDate)
	if err != nil {
		return Outcome{}, false
	}
	day := asOf.Format("2006-01-02")
	f = until(f, day)
	age := years(born, asOf)
	if (m.Sex != "" && m.Sex != f.Sex) || age < m.Ages[0] || (m.Ages[1] > 0 && age >= m.Ages[1]) {
		return Outcome{}, false
	}
	for _, c := range m.When {
		if !care.Holds(c, f.Facts) {
			return Outcome{}, false
		}
	}
	if m.Kind == "series" {
		second := born.AddDate(m.Turning, 0, 0)
		if second.After(asOf) || !second.After(asOf.AddDate(-1, 0, 0)) {
			return Outcome{}, false
		}
	}
	from := asOf.AddDate(-1, 0, 1).Format("2006-01-02")
	if m.Kind == "season" {
		from = seasonStart(asOf)
		if !seenBetween(f.Visits, from, min(day, seasonEnd(from))) {
			return Outcome{}, false
		}
	}
	for _, c := range append(append([]care.Cond{}, clinicExclude...), m.Exclude...) {
		if care.Holds(c, f.Facts) {
			return Outcome{Excluded, care.Describe(c, f.Facts)}, true
		}
	}
	switch m.Kind {
	case "lab-above":
		return labAbove(m, f, from), true
	case "bp-below":
		return bpBelow(m, f, from), true
	case "rule":
		return byRule(m, f, asOf), true
	case "tobacco":
		return tobacco(m, f, asOf, from), true
	case "series":
		return series(m, f, born.AddDate(m.Turning, 0, 0).Format("2006-01-02")), true
	default:
		return season(m, f, from), true
	}
}

func labAbove(m *Measure, f Facts, from string) Outcome {
	var last *care.Lab
	for i, l := range f.Labs {
		if slices.Contains(m.Lab, l.LOINC) && l.On >= from && (last == nil || l.On > last.On) {
			last = &f.Labs[i]
		}
	}
	switch {
	case last == nil:
		return Outcome{Met, "no HbA1c in the 12 months"}
	case last.Value == nil:
		return Outcome{Met, "HbA1c on " + last.On + " without a value"}
	case *last.Value > m.Above:
		return Outcome{Met, fmt.Sprintf("HbA1c %g %% on %s", *last.Value, last.On)}
	}
	return Outcome{NotMet, fmt.Sprintf("HbA1c %g %% on %s", *last.Value, last.On)}
}

func bpBelow(m *Measure, f Facts, from string) Outcome {
	var last *care.BP
	for i, b := range f.BPs {
		if b.On >= from && (last == nil || b.On > last.On) {
			last = &f.BPs[i]
		}
	}
	if last == nil {
		return Outcome{NotMet, "no blood pressure in the 12 months"}
	}
	why := fmt.Sprintf("%g/%g on %s", last.Systolic, last.Diastolic, last.On)
	if last.Systolic < m.Systolic && last.Diastolic < m.Diastolic {
		return Outcome{Met, why}
	}
	return Outcome{NotMet, why}
}

// byRule: the care rule's standing, with the measure's lookback.
func byRule(m *Measure, f Facts, asOf time.Time) Outcome {
	res := care.Standing(rule(m.Rule), f.Facts, asOf, m.LookbackMonths)
	switch {
	case res.Status == care.Excluded:
		return Outcome{Excluded, res.Why}
	case res.Status == care.UpToDate:
		return Outcome{Met, res.LastHow + " on " + res.LastDone}
	case res.LastDone != "":
		return Outcome{NotMet, "last " + strings.ToLower(res.LastHow) + " on " + res.LastDone}
	}
	return Outcome{NotMet, "never done"}
}

func tobacco(m *Measure, f Facts, asOf time.Time, from string) Outcome {
	if why := f.Excluded[m.Rule]; why != "" {
		return Outcome{Excluded, why}
	}
	var last *care.Procedure
	for i, p := range f.Procedures {
		if slices.Contains(m.Screening, p.Code) && p.On >= from && (last == nil || p.On > last.On) {
			last = &f.Procedures[i]
		}
	}
	if last == nil {
		return Outcome{NotMet, "not asked in the 12 months"}
	}
	said := strings.ToLower(last.Result)
	user := containsAny(said, m.UserWords) && !containsAny(said, m.NonUserWords)
	if !user && !containsAny(said, m.NonUserWords) {
		user = care.Smokes("current", f.Facts)
	}
	if !user {
		return Outcome{Met, "asked on " + last.On + ": " + cmpOr(last.Result, "not a user")}
	}
	for _, p := range f.Procedures {
		if slices.Contains(m.Cessation, p.Code) && p.On >= asOf.AddDate(-1, -6, 1).Format("2006-01-02") {
			return Outcome{Met, "user; counseled on " + p.On}
		}
	}
	for _, med := range f.Meds {
		if slices.ContainsFunc(m.CessationMeds, func(n string) bool { return strings.EqualFold(n, med.Generic) }) {
			return Outcome{Met, "user; on " + med.Generic}
		}
	}
	return Outcome{NotMet, "user (asked on " + last.On + "), no cessation support"}
}

// series: every vaccine series done by the birthday.
func series(m *Measure, f Facts, birthday string) Outcome {
	var missing []string
	for _, s := range m.Series {
		n := doses(s, f, birthday)
		if n >= s.Doses || (s.Or != nil && doses(*s.Or, f, birthday) >= s.Or.Doses) {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s %d of %d", s.Name, n, s.Doses))
	}
	if len(missing) == 0 {
		return Outcome{Met, "every series done by " + birthday}
	}
	return Outcome{NotMet, "missing: " + strings.Join(missing, ", ")}
}

// doses counts the doses of s given by day (one a day).
func doses(s Series, f Facts, day string) int {
	codes, named := s.CVX, ""
	if r := rule(s.Rule); r != nil {
		codes, named = r.DoneBy[0].Vaccine, r.DoneBy[0].VaccineNamed
	}
	days := map[string]bool{}
	for _, d := range f.Doses {
		if d.On > day {
			continue
		}
		if slices.Contains(codes, d.CVX) || (named != "" && strings.HasPrefix(strings.ToLower(d.Vaccine), named)) {
			days[d.On] = true
		}
	}
	return len(days)
}

// season: a dose of the season's vaccine since its start; a refusal in the
// season, or a clinician's exclusion, is an exception.
func season(m *Measure, f Facts, from string) Outcome {
	r := rule(m.Rule)
	if why := f.Excluded[r.ID]; why != "" {
		return Outcome{Excluded, why}
	}
	last := ""
	for _, d := range f.Doses {
		w := r.DoneBy[0]
		if d.On >= from && d.On > last && (slices.Contains(w.Vaccine, d.CVX) ||
			(w.VaccineNamed != "" && strings.HasPrefix(strings.ToLower(d.Vaccine), w.VaccineNamed))) {
			last = d.On
		}
	}
	if last != "" {
		return Outcome{Met, "given on " + last}
	}
	if d := f.Declined[r.ID]; d >= from {
		return Outcome{Excluded, "declined on " + d}
	}
	return Outcome{NotMet, "not given this season"}
}

// until keeps the facts dated up to day (a partial date from elsewhere,
// "2024" or "2024-05", by its first day).
func until(f Facts, day string) Facts {
	keep := func(on string) bool { return on != "" && on <= day }
	f.Labs = slices.DeleteFunc(slices.Clone(f.Labs), func(l care.Lab) bool { return !keep(l.On) })
	f.Procedures = slices.DeleteFunc(slices.Clone(f.Procedures), func(p care.Procedure) bool { return !keep(p.On) })
	f.BPs = slices.DeleteFunc(slices.Clone(f.BPs), func(b care.BP) bool { return !keep(b.On) })
	f.Doses = slices.DeleteFunc(slices.Clone(f.Doses), func(d care.Dose) bool { return !keep(d.On) })
	f.Visits = slices.DeleteFunc(slices.Clone(f.Visits), func(v string) bool { return !keep(v) })
	return f
}

func seenBetween(visits []string, from, to string) bool {
	return slices.ContainsFunc(visits, func(v string) bool { return v >= from && v <= to })
}

func rule(id string) *care.Rule {
	rs := care.Rules()
	for i := range rs {
		if rs[i].ID == id {
			return &rs[i]
		}
	}
	return nil
}

func containsAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// years is the age in whole years on day at.
func years(born, at time.Time) float64 {
	n := at.Year() - born.Year()
	if at.Month() < born.Month() || (at.Month() == born.Month() && at.Day() < born.Day()) {
		n--
	}
	if n == 0 { // a baby's part of a year, for "from 6 months"
		return float64(at.Sub(born).Hours()/24) / 365.25
	}
	return float64(n)
}

// seasonStart is the 1 August the influenza season of day t began on.
func seasonStart(t time.Time) string {
	year := t.Year()
	if t.Month() < time.August {
		year--
	}
	return fmt.Sprintf("%d-08-01", year)
}

// seasonEnd is the 31 March that ends the season begun on start.
func seasonEnd(start string) string {
	t, _ := time.Parse("2006-01-02", start)
	return fmt.Sprintf("%d-03-31", t.Year()+1)
}

// TrendMonths are the 12 months before day's month, the latest first
// ("2026-11", ...), and the last day of each, on which each is judged.
func TrendMonths(day time.Time) (months []string, ends []time.Time) {
	first := time.Date(day.Year(), day.Month(), 1, 12, 0, 0, 0, day.Location())
	for k := 1; k <= 12; k++ {
		end := first.AddDate(0, -k+1, -1)
		months = append(months, end.Format("2006-01"))
		ends = append(ends, end)
	}
	return months, ends
}
