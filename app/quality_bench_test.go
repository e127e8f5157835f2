package app_test

import (
	"context"
	"testing"
	"time"

	"folio/app"
)

// BenchmarkQualityDashboard100k is the clinic's quality dashboard on the
// generated clinic of 100,000 patients (target: under 2 s). Each patient's
// standing with the measures is kept as the charts change (app/quality.go),
// so the dashboard counts an index and reads the trend's monthly rows.
// Reported as metrics: "make-whole-s", the first making of the due list and
// the measures for every chart (an upgraded clinic), and "rows", the
// patients counted in today's denominators; "drill-down" is a page of a
// measure's patients, "csv" the whole dashboard as CSV.
func BenchmarkQualityDashboard100k(b *testing.B) {
	dir := benchClinic(b)
	a, err := app.Open(context.Background(), dir, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	start := time.Now()
	if _, err := a.RefreshCareList(context.Background(), true); err != nil {
		b.Fatal(err)
	}
	made := time.Since(start).Seconds()
	s := a.NewSession("bench")
	var auth *app.Auth
	var q *app.Quality
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Quality:
			q = v
		}
	}
	if _, err := auth.Login("admin", "demo-admin-pass"); err != nil {
		b.Fatal(err)
	}
	var counted int
	d, err := q.Dashboard()
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range d.Measures {
		counted += m.Clinic.Denominator
	}
	for _, c := range []struct {
		name string
		op   func() error
	}{
		{"dashboard", func() error { _, err := q.Dashboard(); return err }},
		{"drill-down", func() error {
			_, err := q.Patients(app.QualityPatientFilter{MeasureID: "cms130", Status: "not_met", Offset: 1000})
			return err
		}},
		{"csv", func() error { _, err := q.DashboardCSV(); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			timeEach(b, 1, func(int) error { return c.op() })
			b.ReportMetric(float64(counted), "rows")
			b.ReportMetric(made, "make-whole-s")
		})
	}
}
