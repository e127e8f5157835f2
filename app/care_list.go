package app

import (
	"context"
	"fmt"
	"strings"
	"time"

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
