package app

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"folio/app/care"
	"folio/app/feed"
	"folio/app/quality"
	"folio/db"
)

// DueRow is one line of the clinic's due list: a patient and a care rule.
type DueRow struct {
	MRN       string
	PatientID string
	Name      string
	Phone     string
	RuleID    string
	Title     string
	Status    string // due, declined, up_to_date or excluded
	DueSince  string
	LastDone  string
	LastHow   string
}

// DueListCounts says how many charts the due list read and rows it gave.
type DueListCounts struct {
	Patients, Rows int
}

// DueListRequest is what `folio due` asks for: the day to judge on, one
// rule or all, and every standing or only what is due.
type DueListRequest struct {
	AsOf   time.Time
	RuleID string // "" all rules
	All    bool   // every rule that applies, not only those due
}

// dueBatch is how many charts the due list reads in one transaction.
const dueBatch = 500

// DueList walks every chart in use as the clinic's first admin and gives
// each care rule due on req.AsOf (or, with All, every rule that applies)
// to each, in the order of the charts' ids. It is recorded in the audit
// trail as one read of the whole clinic.
func (a *App) DueList(ctx context.Context, req DueListRequest, each func(DueRow) error) (DueListCounts, error) {
	var counts DueListCounts
	if req.RuleID != "" && dueRule(req.RuleID) == nil {
		return counts, errorf(Invalid, "Folio has no care rule %q; `folio due --rules` lists them.", req.RuleID)
	}
	who, err := a.commandLineActor("")
	if err != nil {
		return counts, err
	}
	asOf := req.AsOf.In(time.Local)
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return counts, err
		}
		var rows []DueRow
		var n int
		err := a.db.View(ctx, func(tx *db.Tx) error {
			rows, n = nil, 0
			o := &op{Tx: tx, app: a, actor: who, now: a.now(), reading: true}
			patients, err := tx.ActivePatientsAfter(after, dueBatch)
			if err != nil {
				return err
			}
			for _, p := range patients {
				after, n = p.ID, n+1
				results, err := o.careResultsOn(p, careLists{}, asOf)
				if err != nil {
					return fmt.Errorf("care rules of MRN %s: %w", p.MRN, err)
				}
				for _, r := range results {
					if (req.RuleID != "" && r.Rule.ID != req.RuleID) || (!req.All && r.Status != "due") {
						continue
					}
					rows = append(rows, DueRow{MRN: p.MRN, PatientID: p.ID,
						Name: strings.TrimSpace(p.FamilyName + ", " + p.GivenNames), Phone: p.Phone, RuleID: r.Rule.ID,
						Title: r.Rule.Title, Status: string(r.Status), DueSince: r.DueOn, LastDone: r.LastDone, LastHow: r.LastHow})
				}
			}
			return nil
		})
		if err != nil {
			return counts, err
		}
		if n == 0 {
			break
		}
		counts.Patients += n
		for _, r := range rows {
			if err := each(r); err != nil {
				return counts, err
			}
			counts.Rows++
		}
	}
	err = a.actAs(who, func(o *op) error {
		return o.audit("care.due_list", "", "", fmt.Sprintf("folio due: %d patients, %d rows, as of %s, rule %q",
			counts.Patients, counts.Rows, asOf.Format("2006-01-02"), req.RuleID))
	})
	return counts, err
}

// The due list (table care_due) is kept as the charts change: every write
// that touches a chart makes that patient's rows again in its own
// transaction (refreshTouchedCare, from actAs), and keepCareList makes the
// whole list again once a day (ages pass thresholds, intervals run out into
// a new season) and when the rules or the clinic's settings of them change.

// careWriteBatch is how many patients' rows one write of the whole list's
// making takes.
const careWriteBatch = 40

// careListState is the setting saying which day and which rules the whole
// list was last made for.
const careListState = "care.list_state"

// refreshCareDue makes the patient's rows of the due list, and of the
// quality measures, again.
func (o *op) refreshCareDue(patientID string) error {
	p, err := o.PatientByID(patientID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := o.careRows(p)
	if err != nil {
		return err
	}
	if err := o.ReplaceCareDue(p.ID, rows.due); err != nil {
		return err
	}
	return o.ReplaceQuality(p.ID, rows.quality)
}

// careRows are a patient's rows of the due list and of the quality
// measures: both read the same facts, gathered once.
type careRows struct {
	due     []db.CareDue
	quality []db.QualityRow
}

// careRows makes the patient's rows as the rules and measures say now.
// The due list's, in rule id order: every rule that applies and does not
// exclude them.
func (o *op) careRows(p db.Patient) (careRows, error) {
	var out careRows
	if p.Status != db.PatientActive {
		return out, nil
	}
	asOf := o.now.In(time.Local)
	f, results, err := o.evaluateCare(p, careLists{}, asOf)
	if err != nil {
		return out, fmt.Errorf("care rules of MRN %s: %w", p.MRN, err)
	}
	for _, r := range results {
		if r.Status == care.Excluded || r.DueOn == "" || r.Rule.AtVisit {
			continue
		}
		out.due = append(out.due, db.CareDue{PatientID: p.ID, RuleID: r.Rule.ID, DueOn: r.DueOn, LastDone: r.LastDone,
			LastHow: r.LastHow, DeclinedUntil: r.DeclinedUntil, Detail: cmp.Or(r.Detail, r.Next), FromNow: r.FromNow})
	}
	out.due = mergeDueRows(out.due, asOf.Format("2006-01-02"))
	qf, err := o.qualityFacts(p, f)
	if err != nil {
		return out, fmt.Errorf("quality measures of MRN %s: %w", p.MRN, err)
	}
	out.quality = o.qualityRows(p, qf)
	return out, nil
}

// refreshTouchedCare makes the due list's rows again for every patient
// whose chart or registration this transaction changed.
func (o *op) refreshTouchedCare() error {
	if o.bulk {
		// The list is stale until made whole (keepCareList does at once).
		return o.SetSetting(careListState, "")
	}
	seen := map[string]bool{}
	for _, n := range o.notices {
		// An appointment booked or cancelled books a follow-up or opens it again.
		if n.PatientID == "" || seen[n.PatientID] || (n.Topic != feed.Chart && n.Topic != feed.Patients &&
			n.Topic != feed.Schedule) {
			continue
		}
		seen[n.PatientID] = true
		if err := o.refreshCareDue(n.PatientID); err != nil {
			return err
		}
	}
	return nil
}

// careListFingerprint names the rules and the clinic's settings of them the
// list was made with, with the day.
func (o *op) careListFingerprint() (string, error) {
	raw, _, err := o.Setting(careSettingKey)
	if err != nil {
		return "", err
	}
	// The measures are in it too: a Folio with new ones makes them whole.
	sum := sha256.Sum256(slices.Concat(care.RulesData(), quality.MeasuresData(), []byte(raw)))
	return o.now.In(time.Local).Format("2006-01-02") + " " + hex.EncodeToString(sum[:8]), nil
}

// careListOnlyNewDay tells whether the due list was made with the rules and
// settings in force, on an earlier day.
func (a *App) careListOnlyNewDay(ctx context.Context) (bool, error) {
	var newDay bool
	err := a.db.View(ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, now: a.now(), reading: true}
		want, err := o.careListFingerprint()
		if err != nil {
			return err
		}
		have, _, err := tx.Setting(careListState)
		newDay = have != want && len(have) == len(want) && have[len("2006-01-02"):] == want[len("2006-01-02"):]
		return err
	})
	return newDay, err
}

// RefreshCareList makes the whole due list again unless it was made today
// with the rules and settings in force (force: even so). It answers how
// many charts it read. Each batch of charts is read in a snapshot, which
// never holds up the clinic's writes; only the patients whose rows differ
// are written, in a short transaction, and a patient whose rows a chart
// change wrote meanwhile is left as that change made them.
func (a *App) RefreshCareList(ctx context.Context, force bool) (int, error) {
	a.careList.Lock()
	defer a.careList.Unlock()
	var want string
	err := a.db.View(ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, now: a.now(), reading: true}
		var err error
		if want, err = o.careListFingerprint(); err != nil {
			return err
		}
		if have, _, err := tx.Setting(careListState); err != nil || (have == want && !force) {
			want = ""
			return err
		}
		return nil
	})
	if err != nil || want == "" {
		return 0, err
	}
	n, after := 0, ""
	var trend []db.QualityMonth
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		type change struct {
			was, now   []db.CareDue
			wasQuality []db.QualityRow
			nowQuality []db.QualityRow
		}
		changes := map[string]change{}
		var got int
		err := a.db.View(ctx, func(tx *db.Tx) error {
			clear(changes)
			o := &op{Tx: tx, app: a, now: a.now(), reading: true}
			patients, err := tx.ActivePatientsAfter(after, dueBatch)
			if err != nil || len(patients) == 0 {
				got = 0
				if err == nil {
					// Every chart is made: the trend's months are summed.
					trend, err = o.qualityTrend()
				}
				return err
			}
			got = len(patients)
			kept, err := tx.CareDueBetween(patients[0].ID, patients[len(patients)-1].ID)
			if err != nil {
				return err
			}
			keptQuality, err := tx.QualityBetween(patients[0].ID, patients[len(patients)-1].ID)
			if err != nil {
				return err
			}
			for _, p := range patients {
				rows, err := o.careRows(p)
				if err != nil {
					return err
				}
				if !sameCareDue(kept[p.ID], rows.due) || !slices.Equal(keptQuality[p.ID], rows.quality) {
					changes[p.ID] = change{was: kept[p.ID], now: rows.due, wasQuality: keptQuality[p.ID],
						nowQuality: rows.quality}
				}
			}
			after = patients[len(patients)-1].ID
			return nil
		})
		if err != nil {
			return n, err
		}
		// The changed patients are written a few at a time, so that a
		// clinic's writes wait at most a few milliseconds behind the list
		// (the first making of it, on an upgraded clinic, writes them all).
		ids := slices.Sorted(maps.Keys(changes))
		for len(ids) > 0 || got == 0 {
			chunk := ids[:min(len(ids), careWriteBatch)]
			ids = ids[len(chunk):]
			err = a.db.Update(ctx, func(tx *db.Tx) error {
				for _, id := range chunk {
					c := changes[id]
					now, err := tx.CareDueFor(id)
					if err != nil {
						return err
					}
					nowQuality, err := tx.QualityFor(id)
					if err != nil {
						return err
					}
					if !sameCareDue(now, c.was) || !slices.Equal(nowQuality, c.wasQuality) {
						continue // a chart change made them meanwhile, from newer data
					}
					if err := tx.ReplaceCareDue(id, c.now); err != nil {
						return err
					}
					if err := tx.ReplaceQuality(id, c.nowQuality); err != nil {
						return err
					}
				}
				if got == 0 {
					if err := tx.ReplaceQualityMonths(trend); err != nil {
						return err
					}
					return tx.SetSetting(careListState, want)
				}
				return nil
			})
			if err != nil || got == 0 {
				break
			}
		}
		if err != nil {
			return n, err
		}
		if got == 0 {
			return n, nil
		}
		n += got
	}
}

// sameCareDue says whether a patient's rows as kept say what the rows made
// now say (both in rule order): a row due "from now" says the same with
// the earlier day it was first listed on.
func sameCareDue(kept, now []db.CareDue) bool {
	return slices.EqualFunc(kept, now, func(k, n db.CareDue) bool {
		due := k.DueOn == n.DueOn || (n.FromNow && k.DueOn < n.DueOn)
		return k.RuleID == n.RuleID && due && k.LastDone == n.LastDone && k.LastHow == n.LastHow &&
			k.DeclinedUntil == n.DeclinedUntil && k.Detail == n.Detail
	})
}

// keepCareList makes the due list when Folio starts serving, and again
// whenever the day or the rules change, until the schedule stops. A making
// still under way when Folio closes stops at its next batch, so closing
// never waits for it (the next start makes it again).
func (a *App) keepCareList() {
	defer close(a.schedule.careDone)
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	go func() {
		select {
		case <-a.schedule.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	head := a.db.Head()
	for {
		start := time.Now()
		busy := a.db.Head() != head
		head = a.db.Head()
		if busy {
			// A new day's making reads every chart (some tens of seconds of
			// a core for 100,000 patients); it waits for a quiet minute, as a
			// catch-up backup does (runSchedule): a list a few hours behind
			// the calendar is still right for every chart changed since.
			// New rules or settings are made at once.
			if newDay, err := a.careListOnlyNewDay(ctx); err == nil && newDay {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Minute):
				}
				continue
			}
		}
		if n, err := a.RefreshCareList(ctx, false); err != nil {
			if ctx.Err() == nil {
				a.log.Error("make the due list", "err", err)
			}
		} else if n > 0 {
			a.log.Info("due list made", "patients", n, "seconds", time.Since(start).Seconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}
