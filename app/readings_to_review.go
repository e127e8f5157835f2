package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"folio/app/feed"
	"folio/db"
)

// The Readings to review list (issue 14) is kept, as the due list is
// (care_list.go): each actively enrolled patient has a row of table
// readings_to_review with what the list shows, made again in the same
// transaction as every write that changes it (refreshTouchedReadings, from
// actAs), so that opening the list reads at most a few hundred small rows
// instead of every new reading of every enrolled patient.
//
// The urgency that orders the list fades as a reading ages, so it cannot
// be stored: the row keeps the out-of-target readings that can still be
// the most urgent (urgencyPeaks) and the list computes the fading when it
// is read. The whole list is shown, not a page of it: a clinic enrols a
// few hundred patients at most, the clinician works it from the top and
// must see how long it is (a page would hide the patients waiting), and
// its order stays the one clinicians know.

// reviewListInputs are the records (an audit action's first word) whose
// changes change a patient's row: readings brought in, posted or
// retracted; an enrolment made, its targets changed or ended; a review;
// and a merge (patient.merge, named for both charts).
var reviewListInputs = map[string]bool{"reading": true, "readings": true, "monitoring": true, "patient": true}

// refreshTouchedReadings makes the row of the Readings to review list again
// for every patient whose readings, enrolment or reviews this transaction
// changed.
func (o *op) refreshTouchedReadings() error {
	seen := map[string]bool{}
	for _, n := range o.notices {
		// Every change to the list's inputs tells the lists (feed.Lists);
		// a registration or a correction does not, and changes no row.
		if n.PatientID == "" || n.Topic != feed.Lists || !reviewListInputs[n.Record] || seen[n.PatientID] {
			continue
		}
		seen[n.PatientID] = true
		if err := o.refreshReadingsToReview(n.PatientID); err != nil {
			return err
		}
		// And the chart's kept months of readings (home_reading_months.go).
		if err := o.refreshReadingMonths(n.PatientID); err != nil {
			return err
		}
	}
	return nil
}

// refreshReadingsToReview makes the patient's row of the list from their
// active enrolment, last review and the readings added since; a patient
// not enrolled (or whose chart was merged into another) has none.
func (o *op) refreshReadingsToReview(patientID string) error {
	e, err := o.ActiveEnrolment(patientID)
	if errors.Is(err, db.ErrNotFound) {
		return o.ClearReviewRow(patientID)
	}
	if err != nil {
		return err
	}
	through, at, by, err := o.LastReadingReview(patientID)
	if err != nil {
		return err
	}
	added, err := o.HomeReadingsAddedAfter(patientID, through)
	if err != nil {
		return err
	}
	item, err := o.reviewItem(db.ReviewCandidate{Enrolment: e, LastReviewAt: at, LastThrough: through, New: added})
	if err != nil {
		return err
	}
	flags, err := json.Marshal(item.Flags)
	if err != nil {
		return fmt.Errorf("readings to review of %s: %w", patientID, err)
	}
	latest, err := json.Marshal(item.Latest)
	if err != nil {
		return fmt.Errorf("readings to review of %s: %w", patientID, err)
	}
	peaks, err := json.Marshal(item.peaks)
	if err != nil {
		return fmt.Errorf("readings to review of %s: %w", patientID, err)
	}
	return o.PutReviewRow(db.ReviewRow{PatientID: patientID, EnrolmentID: e.ID, Device: e.Device,
		TargetsText: item.TargetsText, NewReadings: item.NewReadings, OutOfTarget: item.OutOfTarget,
		UrgencyPeaks: string(peaks), Flags: string(flags), Latest: string(latest), LastReviewAt: at,
		LastReviewedBy: by, MadeAt: o.now})
}

// reviewItemOf is a row of the list as the list shows it, its urgency as
// of now.
func reviewItemOf(r db.ReviewRow, now time.Time) (ReadingsToReviewItem, error) {
	item := ReadingsToReviewItem{PatientID: r.PatientID, PatientName: r.PatientName, MRN: r.MRN, Device: r.Device,
		TargetsText: r.TargetsText, NewReadings: r.NewReadings, OutOfTarget: r.OutOfTarget}
	if !r.LastReviewAt.IsZero() {
		item.LastReviewAt, item.LastReviewer = instant(r.LastReviewAt), r.LastReviewer
	}
	if err := json.Unmarshal([]byte(r.Flags), &item.Flags); err != nil {
		return item, fmt.Errorf("readings to review of MRN %s: flags: %w", r.MRN, err)
	}
	if err := json.Unmarshal([]byte(r.Latest), &item.Latest); err != nil {
		return item, fmt.Errorf("readings to review of MRN %s: latest: %w", r.MRN, err)
	}
	if err := json.Unmarshal([]byte(r.UrgencyPeaks), &item.peaks); err != nil {
		return item, fmt.Errorf("readings to review of MRN %s: urgency: %w", r.MRN, err)
	}
	if item.Flags == nil {
		item.Flags = []string{}
	}
	if item.Latest == nil {
		item.Latest = []HomeReadingView{}
	}
	item.urgency = item.peaks.at(now)
	return item, nil
}

// sortReviewItems puts the list in its order: patients with out-of-target
// readings first, the most urgent first, then by how many new readings,
// then by name.
func sortReviewItems(items []ReadingsToReviewItem) {
	slices.SortStableFunc(items, func(a, b ReadingsToReviewItem) int {
		if (a.OutOfTarget > 0) != (b.OutOfTarget > 0) {
			if a.OutOfTarget > 0 {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.urgency, a.urgency), cmp.Compare(b.NewReadings, a.NewReadings),
			cmp.Compare(a.PatientName, b.PatientName))
	})
}

// urgencyPeak is an out-of-target reading as the urgency reads it: when
// it was taken and how far out of target.
type urgencyPeak struct {
	takenAt time.Time
	outBy   float64
}

// urgencyPeaks are the out-of-target readings that can be a patient's
// most urgent one at some later time: a reading both older and less far
// out than another never is (its urgency fades at the same pace from
// below), so only the readings left are kept, the newest first, each
// further out than the newer ones.
type urgencyPeaks []urgencyPeak

// peaksOf keeps the flagged views that can be the most urgent.
func peaksOf(flagged []HomeReadingView) urgencyPeaks {
	byNewest := slices.Clone(flagged)
	slices.SortStableFunc(byNewest, func(a, b HomeReadingView) int {
		return cmp.Or(b.TakenAt.Compare(a.TakenAt), cmp.Compare(b.outBy, a.outBy))
	})
	out := urgencyPeaks{}
	for _, v := range byNewest {
		if len(out) == 0 || v.outBy > out[len(out)-1].outBy {
			out = append(out, urgencyPeak{takenAt: v.TakenAt, outBy: v.outBy})
		}
	}
	return out
}

// at is the urgency as of now: the largest of the readings' distances out
// of target, each faded by its age.
func (ps urgencyPeaks) at(now time.Time) float64 {
	var u float64
	for _, p := range ps {
		age := now.Sub(p.takenAt).Hours() / 24
		u = max(u, p.outBy/(1+max(age, 0)/recencyDays))
	}
	return u
}

// MarshalJSON writes the peaks as [[taken_at in unix microseconds, how far
// out], ...]: the instant exactly (microseconds, as the database keeps
// it, fit a float64), so the urgency read back is the one computed.
func (ps urgencyPeaks) MarshalJSON() ([]byte, error) {
	pairs := make([][2]float64, len(ps))
	for i, p := range ps {
		pairs[i] = [2]float64{float64(p.takenAt.UnixMicro()), p.outBy}
	}
	return json.Marshal(pairs)
}

func (ps *urgencyPeaks) UnmarshalJSON(b []byte) error {
	var pairs [][2]float64
	if err := json.Unmarshal(b, &pairs); err != nil {
		return err
	}
	*ps = make(urgencyPeaks, len(pairs))
	for i, p := range pairs {
		(*ps)[i] = urgencyPeak{takenAt: time.UnixMicro(int64(p[0])).UTC(), outBy: p[1]}
	}
	return nil
}

// MakeReadingsToReview makes rows of the Readings to review list, and
// the kept months of the chart's readings (home_reading_months.go): the
// named patients', or with none named, those of every actively enrolled
// patient without them and of every patient with a row no longer
// enrolled (a database upgraded from schema 30 or 31; Open does this). A
// loader that writes readings or reviews straight into the database (the
// demo, the benchmarks) names the patients it wrote. It answers how many
// patients' it made.
func (a *App) MakeReadingsToReview(ctx context.Context, patientIDs ...string) (int, error) {
	ids := patientIDs
	if len(ids) == 0 {
		err := a.db.View(ctx, func(tx *db.Tx) error {
			var err error
			if ids, err = tx.ReviewRowsToMake(false); err != nil {
				return err
			}
			noMonths, err := tx.EnrolledWithoutKeptMonths()
			for _, id := range noMonths {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			return err
		})
		if err != nil || len(ids) == 0 {
			return 0, err
		}
	}
	err := a.db.Update(ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, now: a.now()}
		for _, id := range ids {
			if err := o.refreshReadingsToReview(id); err != nil {
				return err
			}
			if err := o.refreshReadingMonths(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("make the readings to review: %w", err)
	}
	return len(ids), nil
}
