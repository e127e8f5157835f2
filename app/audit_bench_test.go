package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// benchAuditEntries is how many chart openings the audit benchmark's
// clinic has in its trail besides the registrations of its 100,000
// patients: three a patient, about a year of a busy clinic's reads.
const benchAuditEntries = 300_000

var auditBench struct {
	once sync.Once
	dir  string
	err  error
}

// benchAuditClinic is a copy of the 100,000-patient clinic with
// benchAuditEntries more entries in its audit trail, closed (its last
// checkpoint written).
//
// FOLIO_BENCH_AUDIT_DIR names a folder to keep it in between runs:
// generated there if it holds no chart yet, reused as it is if it does.
func benchAuditClinic(b *testing.B) string {
	b.Helper()
	kept := os.Getenv("FOLIO_BENCH_AUDIT_DIR")
	if kept != "" {
		if _, err := os.Stat(filepath.Join(kept, db.FileName)); err == nil {
			return kept
		}
	}
	patients := benchClinic(b)
	auditBench.once.Do(func() {
		dir := filepath.Join(filepath.Dir(patients), "audit")
		if kept != "" {
			dir = kept
		}
		for _, name := range []string{db.FileName, db.KeyFileName, db.CheckpointFileName} {
			if err := copyFile(filepath.Join(patients, name), filepath.Join(dir, name)); err != nil {
				auditBench.err = err
				return
			}
		}
		a, err := app.Open(context.Background(), dir, app.Options{Logger: quietLog})
		if err != nil {
			auditBench.err = err
			return
		}
		defer a.Close()
		start := time.Now()
		auditBench.err = addChartOpenings(a, benchAuditEntries)
		fmt.Fprintf(os.Stderr, "added %d audit entries in %.1fs\n", benchAuditEntries, time.Since(start).Seconds())
		auditBench.dir = dir
	})
	if auditBench.err != nil {
		b.Fatal(auditBench.err)
	}
	return auditBench.dir
}

// addChartOpenings appends n "patient.open" entries, round the patients,
// ten thousand a transaction.
func addChartOpenings(a *app.App, n int) error {
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(a.DataDir(), db.FileName)+"?mode=ro")
	if err != nil {
		return err
	}
	var ids []string
	rows, err := conn.Query(`SELECT id FROM patients`)
	if err != nil {
		conn.Close()
		return err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			conn.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	conn.Close()
	at := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for done := 0; done < n; {
		err := a.DB().Update(context.Background(), func(tx *db.Tx) error {
			for i := 0; i < 10_000 && done < n; i, done = i+1, done+1 {
				id := ids[done%len(ids)]
				at = at.Add(37 * time.Second)
				err := tx.AppendAudit(db.AuditEntry{At: at, UserID: "bench", Username: "desk", Action: "patient.open",
					PatientID: id, Record: "patient/" + id, Workstation: "desk-1"})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkCheckAudit100k is `folio check` on the clinic of 100,000
// patients, as runCheck does it: the file's integrity check beside opening
// it and the audit's whole check (chain, seals, checkpoints, every covered
// row against its last audited write, the schema). The target is under
// 10 s. cpu-s is the processor time it took, which a busy machine does not
// inflate as it does the elapsed time.
func BenchmarkCheckAudit100k(b *testing.B) {
	dir := benchAuditClinic(b)
	ctx := context.Background()
	var report db.AuditReport
	b.Run("folio-check", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			integrity := make(chan error, 1)
			go func() {
				_, err := db.Verify(ctx, filepath.Join(dir, db.FileName))
				integrity <- err
			}()
			a, err := app.Open(ctx, dir, app.Options{Logger: quietLog})
			if err != nil {
				b.Fatal(err)
			}
			report, err = a.CheckAudit()
			a.Close()
			if err != nil || len(report.Problems) > 0 {
				b.Fatalf("check: %+v, %v", report.Problems, err)
			}
			if err := <-integrity; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "s/check")
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/check")
		b.ReportMetric(float64(report.Entries), "entries")
		b.ReportMetric(float64(report.Rows), "rows")
	})
	b.Run("audit-only", func(b *testing.B) {
		a, err := app.Open(ctx, dir, app.Options{Logger: quietLog})
		if err != nil {
			b.Fatal(err)
		}
		defer a.Close()
		cpu := cpuTime()
		for b.Loop() {
			if report, err = a.CheckAudit(); err != nil || len(report.Problems) > 0 {
				b.Fatalf("check: %+v, %v", report.Problems, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/1000, "s/check")
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/check")
	})
}

// cpuTime is the processor time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
