package app

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"folio/db"
)

// Refills: when a medication's supply runs out, from what its prescription
// says in words (quantity "60 tablets", dose "500 mg" or "2 puffs",
// frequency "twice a day", its start and refills). Folio reads only what it
// can read for certain: an "as needed" medication, or a quantity and dose
// in units that do not match ("1 inhaler" of "2 puffs"), has no day it
// runs out, and falls back on the older rule (a prescription here with no
// refills left, taken for some weeks, needs renewing).

// refillLeadDays is how long before the supply runs out a refill is due:
// time for the desk to call and the pharmacy to fill it.
const refillLeadDays = 14

// shortCourseDays: a prescription of one fill lasting less than this is a
// course (an antibiotic's week), which ends rather than needs a refill.
const shortCourseDays = 28

// supply is how a medication's supply runs out, when Folio can tell.
type supply struct {
	// DaysPerFill: how many days one fill lasts.
	DaysPerFill int
	// RunsOut: the day the last fill (with every refill) runs out.
	RunsOut string
}

var (
	leadingNumber = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)`)
	everyHours    = regexp.MustCompile(`(?:every|q)\s*(\d+)\s*(?:-\s*\d+\s*)?(?:h\b|hr|hrs|hour|hours)`)
	timesADay     = regexp.MustCompile(`(\d+)\s*(?:x|times)\s*(?:a|per|/)?\s*(?:day|daily)`)
)

// countUnits are the forms a strength ("500 mg") is given in one of.
var countUnits = map[string]bool{"": true, "tablet": true, "capsule": true, "tab": true, "cap": true, "patch": true,
	"suppository": true, "sachet": true, "lozenge": true, "pill": true}

// strengthUnits mark a dose that is a strength, not a count.
var strengthUnits = map[string]bool{"mg": true, "mcg": true, "g": true, "microgram": true, "milligram": true,
	"gram": true, "unit": true, "iu": true, "µg": true}

// unitOf is a unit in one form: lower case, singular.
func unitOf(s string) string {
	s = strings.ToLower(s)
	switch s {
	case "tabs":
		return "tab"
	case "caps":
		return "cap"
	case "mls":
		return "ml"
	case "patches":
		return "patch"
	case "suppositories":
		return "suppository"
	}
	if strings.HasSuffix(s, "s") && len(s) > 3 {
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// perDay is how many doses a frequency in words gives a day (0: not a
// schedule Folio can read, as "as needed").
func perDay(frequency string) float64 {
	f := strings.ToLower(strings.ReplaceAll(frequency, ".", ""))
	if strings.Contains(f, "as needed") || strings.Contains(f, "prn") || strings.Contains(f, "when required") ||
		strings.Contains(f, "if needed") {
		return 0
	}
	if m := everyHours.FindStringSubmatch(f); m != nil {
		if h, _ := strconv.Atoi(m[1]); h > 0 && h <= 24 {
			return 24 / float64(h)
		}
	}
	if m := timesADay.FindStringSubmatch(f); m != nil {
		n, _ := strconv.Atoi(m[1])
		return float64(n)
	}
	has := func(ws ...string) bool {
		for _, w := range ws {
			if strings.Contains(" "+f+" ", " "+w+" ") {
				return true
			}
		}
		return false
	}
	switch {
	case has("four times", "qid", "4 times"):
		return 4
	case has("three times", "tid", "tds", "3 times"):
		return 3
	case has("twice", "bid", "bd", "2 times"):
		return 2
	case has("every other day", "alternate days"):
		return 0.5
	case has("once a week", "weekly", "once weekly", "every week"):
		return 1.0 / 7
	case has("once a month", "monthly", "every month"):
		return 12.0 / 365
	case has("once", "daily", "a day", "every day", "qd", "od", "at night", "at bedtime", "qhs", "nightly",
		"every morning", "in the morning", "each morning", "every evening", "in the evening"):
		return 1
	}
	return 0
}

// supplyOf tells when m's supply runs out (ok false: Folio cannot tell).
func supplyOf(m db.Medication) (supply, bool) {
	q := leadingNumber.FindStringSubmatch(m.Quantity)
	if q == nil || m.StartDate == "" || len(m.StartDate) != 10 {
		return supply{}, false
	}
	quantity, _ := strconv.ParseFloat(q[1], 64)
	qUnit := unitOf(q[2])
	// A dose with no number ("one tablet" written out) counts as one.
	perDose, dUnit := 1.0, ""
	if d := leadingNumber.FindStringSubmatch(m.Dose); d != nil {
		perDose, _ = strconv.ParseFloat(d[1], 64)
		dUnit = unitOf(d[2])
	}
	switch {
	case dUnit != "" && dUnit == qUnit:
	case (dUnit == "" || strengthUnits[dUnit]) && countUnits[qUnit]:
		perDose = 1 // a strength: one tablet (or capsule) a dose
	default:
		return supply{}, false
	}
	daily := perDay(m.Frequency)
	if quantity <= 0 || perDose <= 0 || daily <= 0 {
		return supply{}, false
	}
	days := int(quantity / (perDose * daily))
	if days < 1 {
		return supply{}, false
	}
	start, err := time.Parse("2006-01-02", m.StartDate)
	if err != nil {
		return supply{}, false
	}
	return supply{DaysPerFill: days, RunsOut: start.AddDate(0, 0, days*(1+m.Refills)).Format("2006-01-02")}, true
}

// refillDue says when m is due for a refill or renewal, and why in words
// ("" when it is not: a course just ending, or a supply Folio cannot
// tell for a medication from elsewhere).
func refillDue(m db.Medication, asOf time.Time) (dueOn, detail string) {
	day := asOf.Format("2006-01-02")
	name := medicationDisplay(m)
	if m.StopDate != "" && len(m.StopDate) == 10 {
		// An end planned on a medication still taken (a period received
		// from elsewhere): renew it, or record it stopped.
		verb := "ends"
		if m.StopDate < day {
			verb = "ended"
		}
		return addDays(m.StopDate, -refillLeadDays), fmt.Sprintf("%s: prescription %s %s, renew or stop it", name, verb, m.StopDate)
	}
	if s, ok := supplyOf(m); ok {
		if m.Refills == 0 && s.DaysPerFill < shortCourseDays {
			return "", "" // a course: it just ends
		}
		verb := "runs out"
		if s.RunsOut < day {
			verb = "ran out"
		}
		fills := "no refills"
		if m.Refills == 1 {
			fills = "1 refill"
		} else if m.Refills > 1 {
			fills = fmt.Sprintf("%d refills", m.Refills)
		}
		return addDays(s.RunsOut, -refillLeadDays), fmt.Sprintf("%s: supply %s %s (%s, %s from %s)", name, verb, s.RunsOut,
			m.Quantity, fills, m.StartDate)
	}
	// A prescription with no refills left, taken for some weeks, needs
	// renewing before it runs out (a short course just ends).
	if m.Source == db.MedPrescribedHere && m.Refills == 0 && len(m.StartDate) == 10 {
		return addDays(m.StartDate, 7*renewalWeeks), name + ": no refills left"
	}
	return "", ""
}

// addDays moves a YYYY-MM-DD day by n days.
func addDays(day string, n int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}
