package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
)

// exportBenchPatients is the size of the clinic the whole-clinic export is
// measured on (target: over 2,000 patients/s at 100,000); FOLIO_EXPORT_BENCH
// sets another, to try it on a smaller one.
func exportBenchPatients() int {
	if n, err := strconv.Atoi(os.Getenv("FOLIO_EXPORT_BENCH")); err == nil && n > 0 {
		return n
	}
	return benchPatients
}

var exportClinic struct {
	once sync.Once
	root string // removed by TestMain
	dir  string
	err  error
}

// exportBenchClinic is a `folio demo` clinic with 25 charted patients,
// generated once per run into a folder removed at the end.
func exportBenchClinic(b *testing.B) string {
	b.Helper()
	exportClinic.once.Do(func() {
		root, err := os.MkdirTemp("", "folio-export-bench-")
		if err != nil {
			exportClinic.err = err
			return
		}
		exportClinic.root, exportClinic.dir = root, filepath.Join(root, "data")
		a, err := app.Open(context.Background(), exportClinic.dir, app.Options{Logger: quietLog})
		if err != nil {
			exportClinic.err = err
			return
		}
		defer a.Close()
		start := time.Now()
		_, exportClinic.err = demo.Generate(context.Background(), a, demo.Options{Patients: exportBenchPatients(),
			Seed: 1, Charts: 25})
		fmt.Fprintf(os.Stderr, "generated %d patients (25 charted) in %.1fs\n", exportBenchPatients(), time.Since(start).Seconds())
	})
	if exportClinic.err != nil {
		b.Fatal(exportClinic.err)
	}
	return exportClinic.dir
}

// BenchmarkExportAll writes the whole clinic as NDJSON (ExportAll, as
// `folio export --all` calls it) and reports patients per second.
func BenchmarkExportAll(b *testing.B) {
	dir := exportBenchClinic(b)
	a, err := app.Open(context.Background(), dir, app.Options{Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	out := b.TempDir()
	var patients int
	var elapsed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		counts, err := a.ExportAll(context.Background(), filepath.Join(out, strconv.Itoa(i)), nil)
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		patients += counts.Patients
		b.StopTimer()
		os.RemoveAll(filepath.Join(out, strconv.Itoa(i)))
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(patients)/elapsed.Seconds(), "patients/s")
	reportRSS(b)
}

// BenchmarkExportReferral20Years is the referral archive of the 20-year
// patient with what the preview ticks by default (target: the bundle
// under 50 ms): reading the chart, the IPS bundle, the summary, the
// archive and its signature, the disclosure and its audit entry.
func BenchmarkExportReferral20Years(b *testing.B) {
	ta := newTestApp(b)
	p := ta.register(b, samplePatient())
	bulkHistory(b, ta, p.ID, ta.Clinician.User.ID)
	preview, err := ta.Clinician.Chart.ReferralPreview(p.ID)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	all := 0
	for _, s := range preview.Sections {
		for _, it := range s.Items {
			all++
			if it.Included {
				ids = append(ids, it.ID)
			}
		}
	}
	req := app.ReferralRequest{IncludedIDs: ids, Recipient: "Cardiology", Purpose: "referral", Reason: "Chest pain"}
	b.Logf("%d items on the chart, %d ticked", all, len(ids))
	b.Run("default", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.Clinician.Chart.ExportReferral(p.ID, req)
			return err
		})
	})
	b.Run("everything", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.Clinician.Chart.PatientCopy(p.ID)
			return err
		})
	})
}
