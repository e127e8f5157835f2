package app_test

import (
	"context"
	"testing"
	"time"

	"folio/app"
)

// BenchmarkRecallList is the desk's recall list on the generated clinic of
// 100,000 patients (target: under 1 s). The list is kept as a table as the
// charts change (care_list.go), so a page is an index read. Reported as
// metrics: "make-whole", its first making for every chart (an upgraded
// clinic), and "remake-daily", the daily making of it (nothing changed);
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
	// The daily making: the same charts, nothing to write.
	start = time.Now()
	if _, err := a.RefreshCareList(context.Background(), true); err != nil {
		b.Fatal(err)
	}
	remade := time.Since(start).Seconds()
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
			b.ReportMetric(remade, "remake-daily-s")
		})
	}
}
