package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"folio/db"
)

// How home readings are read against a patient's monitoring targets, and
// summarised: pure functions of the readings, so the chart, the review
// list, the summary and the monthly report say the same thing.

// Morning and evening home blood pressure, by the device's own clock: the
// split home BP monitoring guidance asks for (readings on waking and before
// bed; AHA/ACC 2017 guideline, section 4.2, and ESH 2021 practice
// guidelines for home BP monitoring).
const (
	morningFromHour = 4  // 04:00
	morningToHour   = 11 // through 11:59
	eveningFromHour = 18 // 18:00
	eveningToHour   = 23 // through 23:59

	// PeriodsDefined is said on screen beside the split averages.
	PeriodsDefined = "Morning is 04:00–11:59 and evening 18:00–23:59 by the device's own clock."
)

// weightGainDays is the window a weight gain target is read over: a gain
// of 2 kg in a week is the heart-failure warning sign (ESC 2021 heart
// failure guideline, self-care; AHA "Managing heart failure symptoms").
const weightGainDays = 7

// HomeReadingView is a home reading as the chart shows it: with why it is
// out of the patient's target, if it is.
type HomeReadingView struct {
	db.HomeReading
	Row int `json:"row,omitempty"` // the file's row, in a preview
	// Flag says why it is out of target ("BP 152/94 above 130/80"); "" in
	// target, or no target for it.
	Flag string `json:"flag"`
	// Day is the device's day, YYYY-MM-DD; Period morning, evening or "".
	Day    string `json:"day"`
	Period string `json:"period"`
	// outBy is how far out of target, as a fraction of the target: the
	// review list's urgency.
	outBy float64
}

// readingDay is a reading's day and hour on the device's own clock; the
// clinic's when the device gave none.
func readingDay(r db.HomeReading) (day string, hour int) {
	// Read by hand: the year's chart reads some 1,500 (fmt.Sscanf was a
	// tenth of its time).
	if l := r.TakenLocal; len(l) >= 13 && l[10] == 'T' && isDigit(l[11]) && isDigit(l[12]) {
		return l[:10], int(l[11]-'0')*10 + int(l[12]-'0')
	}
	t := r.TakenAt.In(time.Local)
	return t.Format("2006-01-02"), t.Hour()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func periodOf(hour int) string {
	switch {
	case hour >= morningFromHour && hour <= morningToHour:
		return "morning"
	case hour >= eveningFromHour && hour <= eveningToHour:
		return "evening"
	}
	return ""
}

// whole is f rounded to a whole number, as fmt's %.0f writes it (strconv
// directly: the year's chart writes a flag for hundreds of readings).
func whole(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

func oneDecimal(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// flagReadings reads each of readings (oldest first by when taken, those
// in force) against the enrolment's targets; e nil flags nothing. A weight
// is read against the lowest weight of the 7 days before it among
// readings.
func flagReadings(readings []db.HomeReading, e *db.Enrolment) []HomeReadingView {
	out := make([]HomeReadingView, 0, len(readings))
	for i, r := range readings {
		v := HomeReadingView{HomeReading: r}
		var hour int
		v.Day, hour = readingDay(r)
		v.Period = periodOf(hour)
		if e != nil {
			v.Flag, v.outBy = flagOf(readings[:i], r, e)
		}
		out = append(out, v)
	}
	return out
}

// flagOf says why r is out of e's targets ("" if it is not) and by how
// much; earlier are the readings before it, oldest first.
func flagOf(earlier []db.HomeReading, r db.HomeReading, e *db.Enrolment) (string, float64) {
	switch r.Kind {
	case "bp":
		if r.Systolic == nil || r.Diastolic == nil || (e.SystolicBelow == nil && e.DiastolicBelow == nil) {
			return "", 0
		}
		var by float64
		if e.SystolicBelow != nil && *r.Systolic >= *e.SystolicBelow {
			by = (*r.Systolic - *e.SystolicBelow + 1) / *e.SystolicBelow
		}
		if e.DiastolicBelow != nil && *r.Diastolic >= *e.DiastolicBelow {
			by = math.Max(by, (*r.Diastolic-*e.DiastolicBelow+1) / *e.DiastolicBelow)
		}
		if by == 0 {
			return "", 0
		}
		return "BP " + whole(*r.Systolic) + "/" + whole(*r.Diastolic) + " above " + bpTargetText(e), by
	case "glucose":
		if r.GlucoseMgDl == nil {
			return "", 0
		}
		g := *r.GlucoseMgDl
		if e.GlucoseLow != nil && g < *e.GlucoseLow {
			return fmt.Sprintf("Glucose %s mg/dL below %s", whole(g), whole(*e.GlucoseLow)), (*e.GlucoseLow - g) / *e.GlucoseLow * 2 // a low is the more dangerous
		}
		if e.GlucoseHigh != nil && g > *e.GlucoseHigh {
			return fmt.Sprintf("Glucose %s mg/dL above %s", whole(g), whole(*e.GlucoseHigh)), (g - *e.GlucoseHigh) / *e.GlucoseHigh
		}
	case "spo2":
		if r.SpO2 != nil && e.SpO2Low != nil && *r.SpO2 < *e.SpO2Low {
			return fmt.Sprintf("SpO2 %s%% below %s%%", whole(*r.SpO2), whole(*e.SpO2Low)), (*e.SpO2Low - *r.SpO2) / *e.SpO2Low * 5
		}
	case "weight":
		if r.WeightKg == nil || e.WeightGainKg == nil {
			return "", 0
		}
		from := r.TakenAt.Add(-weightGainDays * 24 * time.Hour)
		lowest := math.Inf(1)
		for j := len(earlier) - 1; j >= 0 && !earlier[j].TakenAt.Before(from); j-- {
			if w := earlier[j].WeightKg; earlier[j].Kind == "weight" && w != nil && *w < lowest {
				lowest = *w
			}
		}
		if gain := *r.WeightKg - lowest; !math.IsInf(lowest, 1) && gain > *e.WeightGainKg {
			return fmt.Sprintf("Weight up %s kg in %d days (target under %s kg)", oneDecimal(gain), weightGainDays,
				oneDecimal(*e.WeightGainKg)), (gain - *e.WeightGainKg) / *e.WeightGainKg
		}
	}
	return "", 0
}

func bpTargetText(e *db.Enrolment) string {
	s, d := "–", "–"
	if e.SystolicBelow != nil {
		s = whole(*e.SystolicBelow)
	}
	if e.DiastolicBelow != nil {
		d = whole(*e.DiastolicBelow)
	}
	return s + "/" + d
}

// targetsText says an enrolment's targets in words, "" for none.
func targetsText(e db.Enrolment) string {
	var parts []string
	if e.SystolicBelow != nil || e.DiastolicBelow != nil {
		parts = append(parts, "BP below "+bpTargetText(&e))
	}
	switch {
	case e.GlucoseLow != nil && e.GlucoseHigh != nil:
		parts = append(parts, fmt.Sprintf("glucose %s–%s mg/dL", whole(*e.GlucoseLow), whole(*e.GlucoseHigh)))
	case e.GlucoseLow != nil:
		parts = append(parts, fmt.Sprintf("glucose at least %s mg/dL", whole(*e.GlucoseLow)))
	case e.GlucoseHigh != nil:
		parts = append(parts, fmt.Sprintf("glucose at most %s mg/dL", whole(*e.GlucoseHigh)))
	}
	if e.SpO2Low != nil {
		parts = append(parts, fmt.Sprintf("SpO2 at least %s%%", whole(*e.SpO2Low)))
	}
	if e.WeightGainKg != nil {
		parts = append(parts, fmt.Sprintf("weight gain under %s kg in %d days", oneDecimal(*e.WeightGainKg), weightGainDays))
	}
	return strings.Join(parts, "; ")
}

// BPAverage is the mean of some home blood pressures, rounded to whole
// mmHg; Count 0 is none.
type BPAverage struct {
	Count     int     `json:"count"`
	Systolic  float64 `json:"systolic"`
	Diastolic float64 `json:"diastolic"`
}

// ReadingAverages summarise the home readings taken on or after From.
type ReadingAverages struct {
	From        string    `json:"from"` // YYYY-MM-DD, the device's day
	Count       int       `json:"count"`
	BP          BPAverage `json:"bp"`
	Morning     BPAverage `json:"morning"`
	Evening     BPAverage `json:"evening"`
	Weight      *float64  `json:"weight"`  // kg, one decimal
	Glucose     *float64  `json:"glucose"` // mg/dL, whole
	SpO2        *float64  `json:"spo2"`    // %, whole
	OutOfTarget int       `json:"outOfTarget"`
	Days        int       `json:"days"` // days with at least one reading
}

type mean struct{ sum, n float64 }

func (m *mean) add(v *float64) {
	if v != nil {
		m.sum += *v
		m.n++
	}
}

func (m mean) value(decimals int) *float64 {
	if m.n == 0 {
		return nil
	}
	v := round(m.sum/m.n, decimals)
	return &v
}

type bpMean struct{ s, d mean }

func (b *bpMean) add(r HomeReadingView) {
	b.s.add(r.Systolic)
	b.d.add(r.Diastolic)
}

func (b bpMean) average() BPAverage {
	if b.s.n == 0 {
		return BPAverage{}
	}
	return BPAverage{Count: int(b.s.n), Systolic: *b.s.value(0), Diastolic: *b.d.value(0)}
}

// averagesOf summarises the views of the device's days from through to
// (YYYY-MM-DD, inclusive; "" no end).
func averagesOf(views []HomeReadingView, from, to string) ReadingAverages {
	out := ReadingAverages{From: from}
	var bp, morning, evening bpMean
	var weight, glucose, spo2 mean
	days := map[string]bool{}
	for _, v := range views {
		if v.Day < from || (to != "" && v.Day > to) || v.Status != "final" {
			continue
		}
		out.Count++
		days[v.Day] = true
		if v.Flag != "" {
			out.OutOfTarget++
		}
		switch v.Kind {
		case "bp":
			bp.add(v)
			switch v.Period {
			case "morning":
				morning.add(v)
			case "evening":
				evening.add(v)
			}
		case "weight":
			weight.add(v.WeightKg)
		case "glucose":
			glucose.add(v.GlucoseMgDl)
		case "spo2":
			spo2.add(v.SpO2)
		}
	}
	out.BP, out.Morning, out.Evening = bp.average(), morning.average(), evening.average()
	out.Weight, out.Glucose, out.SpO2 = weight.value(1), glucose.value(0), spo2.value(0)
	out.Days = len(days)
	return out
}

// homeBPLine is the line a visit note takes from the home readings since a
// day: "Home BP since 2026-11-02: 14 readings, avg 134/84 (morning
// 138/86, evening 129/81); 3 above target 130/80." "" without home BP.
func homeBPLine(a ReadingAverages, views []HomeReadingView, e *db.Enrolment) string {
	if a.BP.Count == 0 {
		return ""
	}
	readings := "readings"
	if a.BP.Count == 1 {
		readings = "reading"
	}
	line := fmt.Sprintf("Home BP since %s: %d %s, avg %s/%s", a.From, a.BP.Count, readings, whole(a.BP.Systolic),
		whole(a.BP.Diastolic))
	var split []string
	if a.Morning.Count > 0 {
		split = append(split, fmt.Sprintf("morning %s/%s", whole(a.Morning.Systolic), whole(a.Morning.Diastolic)))
	}
	if a.Evening.Count > 0 {
		split = append(split, fmt.Sprintf("evening %s/%s", whole(a.Evening.Systolic), whole(a.Evening.Diastolic)))
	}
	if len(split) > 0 {
		line += " (" + strings.Join(split, ", ") + ")"
	}
	if e != nil && (e.SystolicBelow != nil || e.DiastolicBelow != nil) {
		above := 0
		for _, v := range views {
			if v.Kind == "bp" && v.Flag != "" && v.Day >= a.From && v.Status == "final" {
				above++
			}
		}
		line += fmt.Sprintf("; %d above target %s", above, bpTargetText(e))
	}
	return line + "."
}

// MonitoringPeriod is one 30-day period of a remote-monitoring enrolment,
// counted from its start, and the days in it with at least one reading.
type MonitoringPeriod struct {
	From    string `json:"from"` // YYYY-MM-DD
	To      string `json:"to"`   // its last day, inclusive
	Days    int    `json:"days"`
	Meets   bool   `json:"meets"`   // 16 days or more
	Current bool   `json:"current"` // today is in it: it may still reach 16
}

// Remote physiologic monitoring's billing thresholds (US).
const (
	// DaysThreshold: CPT 99454 (device supply with daily recordings) needs
	// readings on at least 16 days of each 30-day period (CMS Physician Fee
	// Schedule final rule CY 2019, 83 FR 59452; CMS RPM FAQ).
	DaysThreshold = 16
	// MinutesThreshold: CPT 99457 needs 20 minutes of clinical staff or
	// physician time in a calendar month (CMS PFS final rule CY 2020, 84 FR
	// 62697).
	MinutesThreshold = 20

	DaysSource    = "CMS, CPT 99454: readings on at least 16 days in each 30-day period (CY 2019 PFS final rule, 83 FR 59452)"
	MinutesSource = "CMS, CPT 99457: at least 20 minutes of review in a calendar month (CY 2020 PFS final rule, 84 FR 62697)"
)

const monitoringPeriodDays = 30

// monitoringPeriods cuts the enrolment from startedOn through lastDay
// (YYYY-MM-DD, inclusive: today, or the day it ended) into 30-day periods,
// oldest first, and counts the days of each that have a reading.
func monitoringPeriods(startedOn, lastDay, today string, days map[string]bool) []MonitoringPeriod {
	start, err := time.Parse("2006-01-02", startedOn)
	if err != nil {
		return nil
	}
	end, err := time.Parse("2006-01-02", lastDay)
	if err != nil || end.Before(start) {
		return []MonitoringPeriod{}
	}
	out := []MonitoringPeriod{}
	for from := start; !from.After(end); from = from.AddDate(0, 0, monitoringPeriodDays) {
		to := from.AddDate(0, 0, monitoringPeriodDays-1)
		p := MonitoringPeriod{From: from.Format("2006-01-02"), To: to.Format("2006-01-02")}
		p.Current = p.From <= today && today <= p.To
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if days[d.Format("2006-01-02")] {
				p.Days++
			}
		}
		p.Meets = p.Days >= DaysThreshold
		out = append(out, p)
	}
	return out
}

// MonitoringMonth is a calendar month's review time.
type MonitoringMonth struct {
	Month     string   `json:"month"` // YYYY-MM
	Minutes   int      `json:"minutes"`
	Reviews   int      `json:"reviews"`
	Meets     bool     `json:"meets"` // 20 minutes or more
	Reviewers []string `json:"reviewers"`
}

// reviewMonths sums the reviews' minutes by the clinic's calendar month,
// the latest month first.
func reviewMonths(reviews []db.ReadingReview) []MonitoringMonth {
	out := []MonitoringMonth{}
	index := map[string]int{}
	for _, r := range reviews {
		month := r.ReviewedAt.In(time.Local).Format("2006-01")
		i, ok := index[month]
		if !ok {
			i = len(out)
			index[month] = i
			out = append(out, MonitoringMonth{Month: month, Reviewers: []string{}})
		}
		m := &out[i]
		m.Minutes += r.Minutes
		m.Reviews++
		m.Meets = m.Minutes >= MinutesThreshold
		if !containsString(m.Reviewers, r.ReviewerName) {
			m.Reviewers = append(m.Reviewers, r.ReviewerName)
		}
	}
	// reviews come latest first, so months do too.
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
