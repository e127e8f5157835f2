package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"folio/app/care"
	"folio/app/feed"
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
	if req.RuleID != "" && careRule(req.RuleID) == nil {
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

// careListBatch is how many charts one transaction of the whole list's
// making takes: short, so that a clinic's writes wait at most a few
// milliseconds behind it.
const careListBatch = 100

// careListState is the setting saying which day and which rules the whole
// list was last made for.
const careListState = "care.list_state"

// refreshCareDue makes the patient's rows of the due list again.
func (o *op) refreshCareDue(patientID string) error {
	p, err := o.PatientByID(patientID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Status != db.PatientActive {
		return o.ReplaceCareDue(p.ID, nil)
	}
	results, err := o.careResultsOn(p, careLists{}, o.now.In(time.Local))
	if err != nil {
		return fmt.Errorf("care rules of MRN %s: %w", p.MRN, err)
	}
	var rows []db.CareDue
	for _, r := range results {
		if r.Status == care.Excluded || r.DueOn == "" {
			continue
		}
		rows = append(rows, db.CareDue{RuleID: r.Rule.ID, DueOn: r.DueOn, LastDone: r.LastDone, LastHow: r.LastHow,
			DeclinedUntil: r.DeclinedUntil})
	}
	return o.ReplaceCareDue(p.ID, rows)
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
		if n.PatientID == "" || seen[n.PatientID] || (n.Topic != feed.Chart && n.Topic != feed.Patients) {
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
	sum := sha256.Sum256(append(append([]byte{}, care.RulesData()...), raw...))
	return o.now.In(time.Local).Format("2006-01-02") + " " + hex.EncodeToString(sum[:8]), nil
}

// RefreshCareList makes the whole due list again unless it was made today
// with the rules and settings in force (force: even so). It answers how
// many charts it read.
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
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		var got int
		err := a.db.Update(ctx, func(tx *db.Tx) error {
			got = 0
			o := &op{Tx: tx, app: a, now: a.now()}
			patients, err := tx.ActivePatientsAfter(after, careListBatch)
			if err != nil {
				return err
			}
			for _, p := range patients {
				after, got = p.ID, got+1
				if err := o.refreshCareDue(p.ID); err != nil {
					return err
				}
			}
			if len(patients) == 0 {
				return tx.SetSetting(careListState, want)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if got == 0 {
			return n, nil
		}
		n += got
	}
}

// keepCareList makes the due list when Folio starts serving, and again
// whenever the day or the rules change, until the schedule stops.
func (a *App) keepCareList() {
	defer close(a.schedule.careDone)
	for {
		start := time.Now()
		if n, err := a.RefreshCareList(a.ctx, false); err != nil {
			if a.ctx.Err() == nil {
				a.log.Error("make the due list", "err", err)
			}
		} else if n > 0 {
			a.log.Info("due list made", "patients", n, "seconds", time.Since(start).Seconds())
		}
		select {
		case <-a.schedule.stop:
			return
		case <-time.After(time.Minute):
		}
	}
}
