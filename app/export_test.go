package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"folio/db"
)

// CareLOINCs are the LOINC codes an import reads as results whatever their
// category (those the care rules and measures read), for the round trip's
// reading of the original file as Folio reads it.
var CareLOINCs = careLOINCs

// RunDueBackupsBusy is RunDueBackups in a minute when the clinic was busy,
// as the schedule's loop calls it.
func (a *App) RunDueBackupsBusy(ctx context.Context) ([]Run, error) {
	return a.runDueBackups(ctx, false)
}

// CareListOnlyNewDay is careListOnlyNewDay.
func (a *App) CareListOnlyNewDay(ctx context.Context) (bool, error) { return a.careListOnlyNewDay(ctx) }

// ReadingsToReviewFromReadings is the Readings to review list made from the
// readings themselves, as it was made before schema 31 kept it: what the
// kept list must say, in the same order.
func (a *App) ReadingsToReviewFromReadings() ([]ReadingsToReviewItem, error) {
	out := []ReadingsToReviewItem{}
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, now: a.now(), reading: true}
		candidates, err := tx.ReadingsToReview()
		if err != nil {
			return err
		}
		for _, c := range candidates {
			item, err := o.reviewItem(c)
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		sortReviewItems(out)
		return nil
	})
	return out, err
}

// HomeReadingsSummaryRead is HomeReadingsSummary without its audit entry
// (whose durable write is most of what is left): reading the year and
// summarising it, for the benchmark. It answers how many readings.
func (a *App) HomeReadingsSummaryRead(patientID string) (int, error) {
	var n int
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, now: a.now(), reading: true}
		p, err := tx.PatientByID(patientID)
		if err != nil {
			return err
		}
		s, err := o.homeReadingsSummary(p)
		n = s.Count
		return err
	})
	return n, err
}

// ReadingsToReviewRead is ReadingsToReview without its audit entries: the
// kept rows read, decoded and put in order, for the benchmark.
func (a *App) ReadingsToReviewRead() (int, error) {
	var n int
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		rows, err := tx.ReviewRows()
		if err != nil {
			return err
		}
		items := make([]ReadingsToReviewItem, 0, len(rows))
		for _, r := range rows {
			item, err := reviewItemOf(r, a.now())
			if err != nil {
				return err
			}
			items = append(items, item)
		}
		sortReviewItems(items)
		n = len(items)
		return nil
	})
	return n, err
}

// HomeReadingsFromReadings is the chart's year of home readings made from
// the readings themselves, read and flagged in one run rather than kept a
// month at a time; and how many of the patient's kept months were not
// made from the readings and targets as they are.
func (a *App) HomeReadingsFromReadings(patientID string) (json.RawMessage, int, error) {
	var out json.RawMessage
	var stale int
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, now: a.now(), reading: true}
		var targets *db.Enrolment
		if e, err := tx.ActiveEnrolment(patientID); err == nil {
			targets = &e
		} else if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		from := chartMonthsFrom(o.now)
		views, err := o.homeReadingViews(patientID, from.Add(-(weightGainDays+1)*24*time.Hour), targets)
		if err != nil {
			return err
		}
		shown := []HomeReadingView{}
		for _, v := range views {
			if !v.TakenAt.Before(from) {
				shown = append(shown, v)
			}
		}
		if out, err = json.Marshal(shown); err != nil {
			return err
		}
		plans, err := o.planMonths(patientID, from, targets)
		if err != nil {
			return err
		}
		kept, err := tx.KeptReadingMonths(patientID, time.Time{}, false)
		if err != nil {
			return err
		}
		madeFrom := map[string]string{}
		for _, k := range kept {
			madeFrom[k.Month] = k.MadeFrom
		}
		for _, p := range plans {
			if madeFrom[p.month] != p.madeFrom {
				stale++
			}
		}
		if len(kept) > len(plans) { // months left behind
			stale += len(kept) - len(plans)
		}
		return nil
	})
	return out, stale, err
}
