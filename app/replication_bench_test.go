package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"folio/app"
	"folio/db"
	"folio/db/replicate"
)

// BenchmarkReplication100k is the cost of continuous replication on the
// 100,000-patient clinic, and its recovery time:
//
//	write/none, write/folder: a registration's latency (p50, p95) and the
//	  process's CPU per registration, without a replica and with a folder
//	  replica (every commit streamed within a fraction of a second);
//	s-restore (in write/folder): a new PC brought back from that replica
//	  (folio restore --from-replica: the replica restored and checked
//	  whole, then verified and restored like a backup).
//
// The recovery point (writes lost when the host dies) is measured by
// TestKilledHostComesBackFromItsReplica, which kills hosts.
func BenchmarkReplication100k(b *testing.B) {
	ctx := context.Background()
	replica := b.TempDir()
	for _, withReplica := range []bool{false, true} {
		name := "write/none"
		if withReplica {
			name = "write/folder"
		}
		b.Run(name, func(b *testing.B) {
			var firstCopy time.Duration
			dir := filepath.Join(b.TempDir(), "data")
			src := benchClinic(b)
			for _, f := range []string{db.FileName, db.KeyFileName, db.CheckpointFileName} {
				if err := copyFile(filepath.Join(src, f), filepath.Join(dir, f)); err != nil {
					b.Fatal(err)
				}
			}
			a, err := app.Open(ctx, dir, app.Options{Logger: quietLog})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			svc := a.Services(a.NewSession("bench"))
			if _, err := svc[0].(*app.Auth).Login("admin", "demo-admin-pass"); err != nil {
				b.Fatal(err)
			}
			if withReplica {
				started := time.Now()
				if _, err := svc[4].(*app.Admin).SetReplica(app.ReplicaInput{Kind: replicate.Folder, Path: replica}); err != nil {
					b.Fatal(err)
				}
				if err := a.SyncReplica(ctx); err != nil {
					b.Fatal(err)
				}
				firstCopy = time.Since(started)
			}
			desk := a.Services(a.NewSession("desk"))
			if _, err := desk[0].(*app.Auth).Login("desk", "demo-frontdesk-pass"); err != nil {
				b.Fatal(err)
			}
			patients := desk[1].(*app.Patients)
			var took []time.Duration
			cpu, wall := cpuTime(), time.Now()
			i := 0
			for b.Loop() {
				in := samplePatient()
				in.GivenNames = fmt.Sprintf("Bench %d", i)
				// A birth date and phone of each one's own: alike, they would
				// be refused as likely one person.
				in.BirthDate = time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%30000).Format("2006-01-02")
				in.Phone = fmt.Sprintf("555-%07d", i)
				i++
				start := time.Now()
				if _, err := patients.Register(in); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				// 20 writes a second, ten times the load test's clinic day
				// (notes saved as typed included): a busy clinic's pace,
				// not a loop's, so that Litestream's work per cycle is
				// shared as in a clinic.
				time.Sleep(50 * time.Millisecond)
			}
			used := cpuTime() - cpu
			b.ReportMetric(used.Seconds()*1000/float64(b.N), "cpu-ms/write")
			b.ReportMetric(100*used.Seconds()/time.Since(wall).Seconds(), "cpu-%core")
			if withReplica {
				b.ReportMetric(firstCopy.Seconds(), "s-first-copy")
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
			if !withReplica {
				return
			}
			if err := a.SyncReplica(ctx); err != nil {
				b.Fatal(err)
			}
			// The recovery time: once, after the writes (b.Loop runs this
			// function once).
			started := time.Now()
			report, err := app.RestoreReplica(ctx, filepath.Join(b.TempDir(), "data"), replicate.Target{Kind: replicate.Folder, Path: replica},
				time.Time{}, app.RestoreOptions{}, app.Options{Logger: quietLog})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(started).Seconds(), "s-restore")
			b.ReportMetric(float64(report.Info.Patients), "patients-restored")
		})
	}
}
