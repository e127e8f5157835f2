package app_test

import (
	"context"
	"testing"
	"time"

	"folio/app"
)

// BenchmarkRecallList is the desk's recall list on the generated clinic of
// 100,000 patients (target: under 1 s). The list is kept as a table as the
// charts change (care_list.go), so a page is an index read: "make-whole" is
// the once-a-day making of it for every chart, reported as a metric;
// "page-*" are the desk's pages of it.
func BenchmarkRecallList(b *testing.B) {
	dir := benchClinic(b)
	a, err := app.Open(context.Background(), dir, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	start := time.Now()
	n, err := a.RefreshCareList(context.Background(), true)
	if err != nil || n != benchPatients {
		b.Fatalf("made the list of %d charts, %v", n, err)
	}
	made := time.Since(start).Seconds()
	s := a.NewSession("bench")
	var auth *app.Auth
	var desk *app.Schedule
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Schedule:
			desk = v
		}
	}
	if _, err := auth.Login("desk", "demo-frontdesk-pass"); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    app.RecallFilter
	}{
		{"page-all", app.RecallFilter{}},
		{"page-one-rule", app.RecallFilter{RuleIDs: []string{"colorectal-cancer-screening"}}},
		{"page-aged-overdue", app.RecallFilter{MinAge: 65, OverdueDays: 365}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var total int
			timeEach(b, 1, func(int) error {
				page, err := desk.Recalls(c.f)
				total = page.Total
				return err
			})
			b.ReportMetric(float64(total), "rows")
			b.ReportMetric(made, "make-whole-s")
		})
	}
}
