// Package care holds the clinic's care-gap rules (preventive screenings,
// immunizations, chronic-care follow-up) as data with their sources
// (rules.json, SOURCES.md), and says, from what a patient's chart holds,
// which of them the patient is due for. It reads no database: the caller
// gathers the chart's facts (Facts), so the chart's Due box, the desk's
// recall list and `folio due` all ask the same rules the same way.
package care

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

//go:embed rules.json
var rulesJSON []byte

// Rule is one thing a patient can be due for: who it applies to (sex, ages,
// conditions), what excludes them, and what does it, each way with its own
// interval.
type Rule struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Kind: screening, immunization or chronic (a condition's follow-up).
	Kind string `json:"kind"`
	// Source names the recommendation and its version (SOURCES.md has more).
	Source string `json:"source"`
	// Sex: "female", "male", or "" for anyone (sex at birth).
	Sex string `json:"sex,omitempty"`
	// Ages: from Ages[0] years up to, not including, Ages[1] (0: no limit).
	Ages [2]float64 `json:"ages"`
	// When: every condition must hold for the rule to apply.
	When []Cond `json:"when,omitempty"`
	// Exclude: any of these takes the patient out of the rule.
	Exclude []Cond `json:"exclude,omitempty"`
	// DoneBy: the ways of meeting it; the latest, with its own interval, says
	// when it is due next.
	DoneBy []Way `json:"doneBy"`
	// Once: done once is done for good (HIV, hepatitis C screening).
	Once bool `json:"once,omitempty"`
	// AtVisit: done when the patient is next seen (asking about tobacco),
	// not a reason to call them in: the chart lists it, the desk's Recalls
	// do not.
	AtVisit bool `json:"atVisit,omitempty"`
	// Season: once a northern-hemisphere season, from August (influenza).
	Season bool `json:"season,omitempty"`
	// DeclinedMonths: how long a recorded refusal holds before asking again.
	DeclinedMonths int `json:"declinedMonths,omitempty"`
}

// Cond is a fact about the patient; the fields set must all hold.
type Cond struct {
	// Problem: an active problem whose ICD-10 code starts with one of these.
	Problem []string `json:"problem,omitempty"`
	// Snomed: an active problem or a recorded procedure coded so.
	Snomed []string `json:"snomed,omitempty"`
	// Med: an active medication of one of these classes or generic names.
	Med []string `json:"med,omitempty"`
	// BMIAtLeast: the latest body-mass index is at least this.
	BMIAtLeast float64 `json:"bmiAtLeast,omitempty"`
	// Smoker: "ever" (now or before) or "current".
	Smoker string `json:"smoker,omitempty"`
}

// Way is one way of meeting a rule, and how long it lasts.
type Way struct {
	Name string `json:"name"`
	// Lab: LOINC codes of a result that does it.
	Lab []string `json:"lab,omitempty"`
	// Procedure: codes (SNOMED CT, CPT) of a procedure recorded as done.
	Procedure []string `json:"procedure,omitempty"`
	// Vaccine: CVX codes of a dose given; VaccineNamed, the start of the
	// name of a dose recorded without a CVX code Folio knows.
	Vaccine      []string `json:"vaccine,omitempty"`
	VaccineNamed string   `json:"vaccineNamed,omitempty"`
	// Vitals: "bp", a blood pressure taken.
	Vitals string `json:"vitals,omitempty"`
	// Doses: how many doses make the series (vaccines; 0 or 1: one).
	Doses int `json:"doses,omitempty"`
	// EveryMonths: how long it lasts (0 with Once or Season).
	EveryMonths int `json:"everyMonths,omitempty"`
	// Sooner: a last value above goal brings the next one forward.
	Sooner *Sooner `json:"sooner,omitempty"`
	// Series: the vaccine is given dose by dose at the schedule's ages
	// (the childhood schedule); Doses and EveryMonths are then unused.
	Series *Series `json:"series,omitempty"`
}

// Sooner is a shorter interval when the last value was above a goal: for a
// blood pressure, systolic above Above or diastolic above AboveDiastolic.
type Sooner struct {
	Above          float64 `json:"above"`
	AboveDiastolic float64 `json:"aboveDiastolic,omitempty"`
	EveryMonths    int     `json:"everyMonths"`
}

// RulesData is rules.json as embedded: what the rules in force are.
func RulesData() []byte {
	return rulesJSON
}

// Rules are the rules Folio knows, in rules.json's order.
func Rules() []Rule {
	return rules
}

var rules = mustLoad(rulesJSON)

func mustLoad(data []byte) []Rule {
	rs, err := Load(data)
	if err != nil {
		panic(err)
	}
	return rs
}

// Load reads rules and checks that each can be evaluated.
func Load(data []byte) ([]Rule, error) {
	var file struct {
		Rules []Rule `json:"rules"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("read the care rules: %w", err)
	}
	seen := map[string]bool{}
	for _, r := range file.Rules {
		switch {
		case r.ID == "" || r.Title == "" || r.Source == "":
			return nil, fmt.Errorf("care rule %q: id, title and source are required", r.ID)
		case seen[r.ID]:
			return nil, fmt.Errorf("care rule %q is there twice", r.ID)
		case r.Kind != "screening" && r.Kind != "immunization" && r.Kind != "chronic":
			return nil, fmt.Errorf("care rule %q: unknown kind %q", r.ID, r.Kind)
		case len(r.DoneBy) == 0:
			return nil, fmt.Errorf("care rule %q: nothing meets it", r.ID)
		}
		for _, w := range r.DoneBy {
			if w.Series != nil {
				if len(r.DoneBy) > 1 || r.Once || r.Season {
					return nil, fmt.Errorf("care rule %q: a series is the rule's only way", r.ID)
				}
				if why := checkSeries(w); why != "" {
					return nil, fmt.Errorf("care rule %q: %s", r.ID, why)
				}
				continue
			}
			if w.EveryMonths == 0 && !r.Once && !r.Season {
				return nil, fmt.Errorf("care rule %q: %q has no interval", r.ID, w.Name)
			}
		}
		seen[r.ID] = true
	}
	return file.Rules, nil
}

// Facts are what a patient's chart holds that the rules read.
type Facts struct {
	BirthDate string // YYYY-MM-DD
	Sex       string
	// Problems: the active ones, with every code they have.
	Problems []Problem
	// Meds: the active ones, by generic name and classes.
	Meds []Med
	// Labs: the results, any order.
	Labs []Lab
	// Doses: the vaccine doses given (here or elsewhere).
	Doses []Dose
	// Procedures: screenings and procedures recorded as done.
	Procedures []Procedure
	// BPs: blood pressures taken, any order.
	BPs []BP
	// BMI: the latest body-mass index (0: not known).
	BMI float64
	// Declined: a rule's id, and the latest date the patient declined it.
	Declined map[string]string
	// Excluded: rules a clinician took the patient out of, with why.
	Excluded map[string]string
	// Settings: the clinic's changes to the rules (Setting by rule id).
	Settings map[string]Setting
}

// Problem is an active problem's codes: ICD-10 and SNOMED CT.
type Problem struct {
	ICD10  string
	Snomed []string
}

// Med is an active medication.
type Med struct {
	Generic string
	Classes []string
}

// Lab is a result: its LOINC code, when, and its number (nil: none).
type Lab struct {
	LOINC string
	On    string // YYYY-MM-DD
	Value *float64
}

// Dose is a vaccine dose.
type Dose struct {
	CVX     string
	Vaccine string // its name as charted
	On      string // YYYY-MM-DD, or YYYY-MM / YYYY from elsewhere
}

// Procedure is a procedure or screening done, here or elsewhere.
type Procedure struct {
	Code   string // SNOMED CT, CPT, or LOINC for a report or an assessment
	On     string // YYYY-MM-DD
	Result string // in words, as charted ("never smoker")
}

// BP is a blood pressure taken.
type BP struct {
	On                  string
	Systolic, Diastolic float64
}

// Setting is a clinic's change to a rule: switched off, or another interval
// for all its ways (0: the rule's own).
type Setting struct {
	Off         bool `json:"off"`
	EveryMonths int  `json:"everyMonths"`
}

// Status says where a patient stands with a rule.
type Status string

const (
	Due      Status = "due" // never done, or its interval is over
	UpToDate Status = "up_to_date"
	Excluded Status = "excluded" // a condition or a clinician took the patient out
	Declined Status = "declined" // the patient said no, lately
)

// Result is a rule that applies to the patient, and where they stand.
type Result struct {
	Rule   *Rule
	Status Status
	// DueOn: when it is (or was, or will be) due; "" when excluded.
	DueOn string
	// LastDone, LastHow: the latest time it was met, and how ("" never).
	LastDone, LastHow string
	// Why: what excludes the patient, or when they declined.
	Why string
	// DeclinedUntil: the day a refusal stops holding ("" none holds).
	DeclinedUntil string
	// Next: the dose due next of a series not complete ("DTaP dose 4 of
	// 5"; "" for other rules).
	Next string
	// FromNow: DueOn is asOf itself, as the rule never met has no start
	// Folio knows (a condition's follow-up): a list kept over days keeps the
	// day it first saw it due.
	FromNow bool
	// Detail, Ref: for what a patient is due for alone (a refill, a
	// follow-up, a clinician's reminder; see app), what it is in words and
	// the record it is about.
	Detail, Ref string
}

// Title is the rule's title, with the dose due next of a series
// ("Diphtheria, tetanus and pertussis (DTaP), dose 4 of 5").
func (r Result) Title() string {
	if r.Next == "" {
		return r.Rule.Title
	}
	if _, dose, ok := strings.Cut(r.Next, " dose "); ok {
		return r.Rule.Title + ", dose " + dose
	}
	return r.Rule.Title
}

// Evaluate answers each rule that applies to the patient on asOf (the rules
// given, in their order), with where the patient stands.
func Evaluate(rs []Rule, f Facts, asOf time.Time) []Result {
	born, err := time.Parse("2006-01-02", f.BirthDate)
	if err != nil {
		return nil
	}
	day := asOf.Format("2006-01-02")
	// Ages are compared in whole months, so that a rule from 6 months
	// (0.5 years) starts then.
	months := float64(monthsBetween(born, asOf))
	var out []Result
	for i := range rs {
		r := &rs[i]
		set := f.Settings[r.ID]
		if set.Off || (r.Sex != "" && r.Sex != f.Sex) || months < r.Ages[0]*12 || (r.Ages[1] > 0 && months >= r.Ages[1]*12) {
			continue
		}
		if !allHold(r.When, f) {
			continue
		}
		res := Result{Rule: r}
		if why := excludedBy(r, f); why != "" {
			res.Status, res.Why = Excluded, why
			out = append(out, res)
			continue
		}
		series := r.DoneBy[0].Series != nil
		if series {
			if !seriesResult(&res, &r.DoneBy[0], f, born, asOf) {
				continue // aged out of a series not complete
			}
		} else {
			res.LastDone, res.LastHow, res.DueOn = lastDone(r, f, set)
		}
		if res.DueOn == "" || (res.LastDone == "" && !series) {
			// Never done: due from when the rule first applied (its lower
			// age; a condition's rule, from now).
			res.DueOn, res.FromNow = day, true
			if r.Ages[0] > 0 && len(r.When) == 0 {
				res.DueOn, res.FromNow = addYears(born, r.Ages[0]).Format("2006-01-02"), false
			}
		}
		if r.Season {
			res.DueOn, res.FromNow = seasonStart(asOf), false
			if res.LastDone >= res.DueOn {
				res.DueOn = seasonStart(asOf.AddDate(1, 0, 0))
			}
			// A child first due in the season's middle: from the day the
			// rule's age is reached.
			if from := addYears(born, r.Ages[0]).Format("2006-01-02"); from > res.DueOn {
				res.DueOn = from
			}
		}
		res.Status = UpToDate
		if res.DueOn <= day {
			res.Status = Due
		}
		if d, ok := f.Declined[r.ID]; ok && res.Status == Due {
			months := r.DeclinedMonths
			if months == 0 {
				months = 12
			}
			if on, err := time.Parse("2006-01-02", d); err == nil && on.AddDate(0, months, 0).Format("2006-01-02") > day {
				res.Status, res.Why = Declined, "declined on "+d
				res.DeclinedUntil = on.AddDate(0, months, 0).Format("2006-01-02")
			}
		}
		out = append(out, res)
	}
	return out
}

// Standing is where a patient stands with r on asOf whoever they are: the
// rule's exclusions (and a clinician's) and its ways of meeting it, each
// lasting everyMonths when that is not 0, but not who the rule applies to,
// the clinic's settings or a refusal. A quality measure (app/quality)
// chooses its own patients and period and reads the rule's codes so, so
// that the chart, the desk and the dashboard never disagree about what
// meets a rule.
func Standing(r *Rule, f Facts, asOf time.Time, everyMonths int) Result {
	anyone := *r
	anyone.Sex, anyone.Ages, anyone.When, anyone.DeclinedMonths = "", [2]float64{}, nil, 0
	f.Settings = map[string]Setting{r.ID: {EveryMonths: everyMonths}}
	f.Declined = nil
	results := Evaluate([]Rule{anyone}, f, asOf)
	if len(results) == 0 {
		return Result{Rule: r, Status: Due}
	}
	results[0].Rule = r
	return results[0]
}

// lastDone finds the latest way the rule was met and when it is due next
// ("" when it never was, or a series is not complete).
func lastDone(r *Rule, f Facts, set Setting) (last, how, next string) {
	for _, w := range r.DoneBy {
		on, value := latest(w, f)
		if on == "" {
			continue
		}
		months := w.EveryMonths
		if set.EveryMonths > 0 {
			months = set.EveryMonths
		}
		if s := w.Sooner; s != nil && value != nil && (value[0] > s.Above || (s.AboveDiastolic > 0 && value[1] > s.AboveDiastolic)) {
			months = s.EveryMonths
		}
		due := ""
		switch {
		case r.Once:
			due = "9999-12-31"
		case r.Season:
			due = on
		default:
			due = AddMonths(on, months)
		}
		if due > next {
			last, how, next = on, w.Name, due
		}
	}
	return last, how, next
}

// latest is the latest date way w was done (for a series, when its last
// needed dose was given), with its value (a lab's number; a blood
// pressure's systolic and diastolic).
func latest(w Way, f Facts) (string, []float64) {
	var on string
	var value []float64
	take := func(d string, v []float64) {
		if d > on {
			on, value = d, v
		}
	}
	for _, l := range f.Labs {
		if has(w.Lab, l.LOINC) {
			var v []float64
			if l.Value != nil {
				v = []float64{*l.Value, 0}
			}
			take(l.On, v)
		}
	}
	for _, p := range f.Procedures {
		if has(w.Procedure, p.Code) {
			take(p.On, nil)
		}
	}
	if w.Vitals == "bp" {
		for _, b := range f.BPs {
			take(b.On, []float64{b.Systolic, b.Diastolic})
		}
	}
	if len(w.Vaccine) > 0 || w.VaccineNamed != "" {
		var dates []string
		for _, d := range f.Doses {
			if has(w.Vaccine, d.CVX) || (w.VaccineNamed != "" &&
				strings.HasPrefix(strings.ToLower(d.Vaccine), w.VaccineNamed)) {
				dates = append(dates, d.On)
			}
		}
		need := max(w.Doses, 1)
		if len(dates) >= need {
			sort.Strings(dates)
			take(dates[len(dates)-1], nil)
		}
	}
	return on, value
}

// Holds says whether every field set in c is true of the patient (a
// quality measure's denominator and exclusions are written as the rules'
// conditions are).
func Holds(c Cond, f Facts) bool {
	return holds(c, f)
}

// Describe names what in the chart makes c hold, for the screen.
func Describe(c Cond, f Facts) string {
	return describe(c, f)
}

// Smokes reads tobacco use from the problem list: how is "ever" or
// "current".
func Smokes(how string, f Facts) bool {
	return smokes(how, f)
}

func allHold(cs []Cond, f Facts) bool {
	for _, c := range cs {
		if !holds(c, f) {
			return false
		}
	}
	return true
}

// holds says whether every field set in c is true of the patient.
func holds(c Cond, f Facts) bool {
	if len(c.Problem) > 0 && !hasProblem(c.Problem, f) {
		return false
	}
	if len(c.Snomed) > 0 && !hasSnomed(c.Snomed, f) {
		return false
	}
	if len(c.Med) > 0 && !hasMed(c.Med, f) {
		return false
	}
	if c.BMIAtLeast > 0 && f.BMI < c.BMIAtLeast {
		return false
	}
	if c.Smoker != "" && !smokes(c.Smoker, f) {
		return false
	}
	return true
}

// excludedBy says what takes the patient out of r ("" nothing).
func excludedBy(r *Rule, f Facts) string {
	if why, ok := f.Excluded[r.ID]; ok {
		return why
	}
	for _, c := range r.Exclude {
		if holds(c, f) {
			return describe(c, f)
		}
	}
	return ""
}

// describe names what in the chart makes c hold, for the screen.
func describe(c Cond, f Facts) string {
	for _, p := range f.Problems {
		if hasPrefix(c.Problem, p.ICD10) {
			return "problem " + p.ICD10
		}
		for _, s := range p.Snomed {
			if has(c.Snomed, s) {
				return "problem SNOMED CT " + s
			}
		}
	}
	for _, p := range f.Procedures {
		if has(c.Snomed, p.Code) {
			return "procedure " + p.Code + " on " + p.On
		}
	}
	return "the chart"
}

func hasProblem(prefixes []string, f Facts) bool {
	for _, p := range f.Problems {
		if hasPrefix(prefixes, p.ICD10) {
			return true
		}
	}
	return false
}

func hasSnomed(codes []string, f Facts) bool {
	for _, p := range f.Problems {
		for _, s := range p.Snomed {
			if has(codes, s) {
				return true
			}
		}
	}
	for _, p := range f.Procedures {
		if has(codes, p.Code) {
			return true
		}
	}
	return false
}

func hasMed(names []string, f Facts) bool {
	for _, m := range f.Meds {
		if hasFold(names, m.Generic) {
			return true
		}
		for _, c := range m.Classes {
			if hasFold(names, c) {
				return true
			}
		}
	}
	return false
}

// smokes reads tobacco use from the problem list (ICD-10-CM): F17
// nicotine dependence and Z72.0 tobacco use are current; Z87.891, a
// history of nicotine dependence, is former.
func smokes(how string, f Facts) bool {
	current := hasProblem([]string{"F17", "Z72.0"}, f)
	if how == "current" {
		return current
	}
	return current || hasProblem([]string{"Z87.891"}, f)
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func hasPrefix(prefixes []string, code string) bool {
	if code == "" {
		return false
	}
	for _, p := range prefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

// monthsBetween is the age in whole months on day at: a month is reached
// on the day of the month of birth (29, 30 and 31 on the month's last day
// when it has fewer), as time.AddDate counts from born.
func monthsBetween(born, at time.Time) int {
	months := (at.Year()-born.Year())*12 + int(at.Month()) - int(born.Month())
	if months > 0 && born.AddDate(0, months, 0).After(at) {
		months--
	}
	return months
}

// addYears adds an age in years (0.5: 6 months).
func addYears(t time.Time, years float64) time.Time {
	return t.AddDate(0, int(math.Round(years*12)), 0)
}

// AddMonths adds months to a date that may be partial (YYYY or YYYY-MM, from
// elsewhere): a partial date is taken at its first day; "" when it is not a
// date.
func AddMonths(on string, months int) string {
	t, ok := parseDay(on)
	if !ok {
		return ""
	}
	return t.AddDate(0, months, 0).Format("2006-01-02")
}

// seasonStart is when the influenza season of day t began: 1 August.
func seasonStart(t time.Time) string {
	year := t.Year()
	if t.Month() < time.August {
		year--
	}
	return fmt.Sprintf("%d-08-01", year)
}
