package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"folio/app"
	"folio/app/care"
)

// runDue is `folio due`: the clinic's due list (who is due for what, by the
// care rules of app/care) as CSV on standard output, so it can be checked
// from outside; or, with --rules, the rules themselves.
func runDue(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("due", "due --csv [--as-of YYYY-MM-DD] [--rule ID] [--all] [--data DIR]\n"+
		"       folio due --rules", stdout)
	asCSV := fs.Bool("csv", false, "print the list as CSV: mrn, rule_id, title, due_since, last_done, status")
	asOf := fs.String("as-of", "", "judge on this day (YYYY-MM-DD; default today), with the charts as they are now")
	rule := fs.String("rule", "", "only this rule (its id: see --rules)")
	all := fs.Bool("all", false, "every rule that applies to each patient, up to date, declined or excluded too")
	rules := fs.Bool("rules", false, "list the care rules, their ids and sources")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rules {
		w := csv.NewWriter(stdout)
		_ = w.Write([]string{"rule_id", "title", "kind", "source"})
		for _, r := range care.Rules() {
			_ = w.Write([]string{r.ID, r.Title, r.Kind, r.Source})
		}
		w.Flush()
		return w.Error()
	}
	if !*asCSV {
		return &exitError{2, errors.New("due: say how to print the list: --csv (or --rules for the rules)")}
	}
	if *rule != "" && !app.KnownDueRule(*rule) {
		return &exitError{2, fmt.Errorf("due: Folio has no care rule %q; 'folio due --rules' lists them", *rule)}
	}
	day := time.Now()
	if *asOf != "" {
		t, err := time.ParseInLocation("2006-01-02", *asOf, time.Local)
		if err != nil {
			return &exitError{2, fmt.Errorf("due: --as-of %q is not a date like 2026-12-07", *asOf)}
		}
		day = t.Add(12 * time.Hour) // midday: the day itself in any zone
	}
	a, closeApp, err := openClinic(ctx, resolveDataDir(*dataFlag))
	if err != nil {
		return err
	}
	defer closeApp()
	w := csv.NewWriter(stdout)
	if err := w.Write([]string{"mrn", "rule_id", "title", "due_since", "last_done", "status"}); err != nil {
		return err
	}
	counts, err := a.DueList(ctx, app.DueListRequest{AsOf: day, RuleID: *rule, All: *all}, func(r app.DueRow) error {
		return w.Write([]string{r.MRN, r.RuleID, r.Title, r.DueSince, r.LastDone, r.Status})
	})
	w.Flush()
	if err != nil {
		return describe(err)
	}
	if err := w.Error(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d rows from %d patients, as of %s.\n", counts.Rows, counts.Patients, day.Format("2006-01-02"))
	return nil
}
