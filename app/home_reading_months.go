package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"folio/db"
)

// The chart's home readings of a year are some 1,500 readings: read back
// one by one, flagged against the targets and put into JSON they took
// 8 ms, against issue 14's 5 ms for the whole chart. So each month of a
// patient's readings is kept as the JSON the chart is sent (schema 32,
// home_reading_months), and the chart reads a year as a dozen rows.
//
// A kept month is trusted only if it was made from the readings as they
// are: every read compares a summary of the month's readings (and the
// month before's, for a weight gain's 7 days back) and the targets in
// force with what the month was made from, and makes a month that differs
// again from the readings themselves. Every write that changes a
// patient's readings or targets makes the changed months again in its own
// transaction (refreshTouchedReadings), so the comparison is the only
// cost of a read; a month missed by a write costs its making, never a
// reading shown wrong.

// chartMonthsFrom is the first day of the first month the chart shows:
// the month a year before now's (UTC, as the months are kept).
func chartMonthsFrom(now time.Time) time.Time {
	y, m, _ := now.UTC().AddDate(0, -12, 0).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// targetsKey names the targets readings are flagged against.
func targetsKey(e *db.Enrolment) string {
	if e == nil {
		return "none"
	}
	return e.ID + "@" + strconv.Itoa(e.Version)
}

// monthPlan is what a patient's kept months should be made from: one
// entry per month the chart shows that has readings.
type monthPlan struct {
	month    string // YYYY-MM
	madeFrom string
}

// planMonths reads the summaries of the patient's months of readings and
// says, for each month the chart shows, what its kept month must have
// been made from.
func (o *op) planMonths(patientID string, from time.Time, targets *db.Enrolment) ([]monthPlan, error) {
	months, err := o.ReadingMonths(patientID, from.AddDate(0, -1, 0))
	if err != nil {
		return nil, err
	}
	first, tk := from.Format("2006-01"), targetsKey(targets)
	var out []monthPlan
	for i, m := range months {
		if m.Month < first {
			continue
		}
		before := ""
		if i > 0 && months[i-1].Month == monthBefore(m.Month) {
			before = months[i-1].Key()
		}
		out = append(out, monthPlan{month: m.Month, madeFrom: before + "|" + m.Key() + "|" + tk})
	}
	return out, nil
}

// monthBefore is the calendar month before YYYY-MM.
func monthBefore(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return ""
	}
	return t.AddDate(0, -1, 0).Format("2006-01")
}

// makeReadingMonths makes the planned months of the patient's readings in
// force as the chart is sent them, flagged against targets: read in one
// run from the week before the first (which a weight gain looks back on)
// to the end of the last, and cut into months.
func (o *op) makeReadingMonths(patientID string, plans []monthPlan, targets *db.Enrolment) ([]db.KeptReadingMonth, error) {
	if len(plans) == 0 {
		return nil, nil
	}
	first, err := time.Parse("2006-01", plans[0].month)
	if err != nil {
		return nil, fmt.Errorf("month of home readings %q: %w", plans[0].month, err)
	}
	last, err := time.Parse("2006-01", plans[len(plans)-1].month)
	if err != nil {
		return nil, fmt.Errorf("month of home readings %q: %w", plans[len(plans)-1].month, err)
	}
	rows, err := o.ShownHomeReadings(patientID, first.Add(-(weightGainDays+1)*24*time.Hour), last.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	byMonth := map[string][]HomeReadingView{}
	for _, v := range flagReadings(rows, targets) {
		m := v.TakenAt.UTC().Format("2006-01")
		byMonth[m] = append(byMonth[m], v)
	}
	out := make([]db.KeptReadingMonth, 0, len(plans))
	for _, plan := range plans {
		month := byMonth[plan.month]
		if month == nil {
			month = []HomeReadingView{}
		}
		b, err := json.Marshal(month)
		if err != nil {
			return nil, fmt.Errorf("home readings of %s: %w", plan.month, err)
		}
		out = append(out, db.KeptReadingMonth{PatientID: patientID, Month: plan.month, MadeFrom: plan.madeFrom,
			Shown: len(month), Readings: string(b)})
	}
	return out, nil
}

// currentMonths is what the chart shows of the patient's readings, a month
// to an entry of plans: byMonth has each as kept, or as made now (made)
// where the kept one was made from other counts or targets. withReadings
// false leaves the kept months' JSON unread.
func (o *op) currentMonths(patientID string, targets *db.Enrolment, withReadings bool) (
	plans []monthPlan, byMonth map[string]db.KeptReadingMonth, made []db.KeptReadingMonth, err error) {
	from := chartMonthsFrom(o.now)
	if plans, err = o.planMonths(patientID, from, targets); err != nil {
		return nil, nil, nil, err
	}
	kept, err := o.KeptReadingMonths(patientID, from, withReadings)
	if err != nil {
		return nil, nil, nil, err
	}
	byMonth = make(map[string]db.KeptReadingMonth, len(kept))
	for _, k := range kept {
		byMonth[k.Month] = k
	}
	var stale []monthPlan
	for _, plan := range plans {
		if k, ok := byMonth[plan.month]; !ok || k.MadeFrom != plan.madeFrom {
			stale = append(stale, plan)
		}
	}
	if made, err = o.makeReadingMonths(patientID, stale, targets); err != nil {
		return nil, nil, nil, err
	}
	for _, k := range made {
		byMonth[k.Month] = k
	}
	return plans, byMonth, made, nil
}

// chartReadings is the patient's readings of the months the chart shows,
// as one JSON array, oldest first, and how many.
func (o *op) chartReadings(patientID string, targets *db.Enrolment) (json.RawMessage, int, error) {
	plans, byMonth, _, err := o.currentMonths(patientID, targets, true)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	count := 0
	for _, plan := range plans {
		k := byMonth[plan.month]
		if k.Shown == 0 {
			continue
		}
		// Each month is a JSON array: its elements go into the year's.
		if count > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(k.Readings[1 : len(k.Readings)-1])
		count += k.Shown
	}
	buf.WriteByte(']')
	return buf.Bytes(), count, nil
}

// refreshReadingMonths makes the patient's kept months again where they
// no longer match the readings or the targets, and drops those the chart
// no longer shows.
func (o *op) refreshReadingMonths(patientID string) error {
	var targets *db.Enrolment
	switch e, err := o.ActiveEnrolment(patientID); {
	case err == nil:
		targets = &e
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	plans, _, made, err := o.currentMonths(patientID, targets, false)
	if err != nil {
		return err
	}
	for _, k := range made {
		if err := o.PutReadingMonth(k); err != nil {
			return err
		}
	}
	months := make([]string, len(plans))
	for i, plan := range plans {
		months[i] = plan.month
	}
	return o.ClearReadingMonths(patientID, months)
}
