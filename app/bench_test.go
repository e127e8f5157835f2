package app_test

// Benchmarks over a generated clinic of 100,000 patients (make bench). Each
// Folio figure has a raw-SQL floor beside it: the same lookup as a bare
// query on its own connection, so the cost of Folio's own layers shows.
//
// The clinic is generated once (about 15 s) into the system temp folder and
// reused by later runs; delete folio-bench-* there to regenerate it.

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

const benchPatients = 100_000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchClinic returns the data folder of the 100,000-patient demo clinic.
func benchClinic(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		benchDir = filepath.Join(os.TempDir(), fmt.Sprintf("folio-bench-s%d-%d", db.SchemaVersion(), benchPatients))
		if _, err := os.Stat(filepath.Join(benchDir, "ready")); err == nil {
			return
		}
		os.RemoveAll(benchDir)
		a, err := app.Open(context.Background(), benchDir, app.Options{})
		if err != nil {
			benchErr = err
			return
		}
		defer a.Close()
		start := time.Now()
		if _, err := demo.Generate(context.Background(), a, demo.Options{Patients: benchPatients, Seed: 1}); err != nil {
			benchErr = err
			return
		}
		fmt.Fprintf(os.Stderr, "generated %d patients in %.1fs\n", benchPatients, time.Since(start).Seconds())
		benchErr = os.WriteFile(filepath.Join(benchDir, "ready"), nil, 0o600)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

// benchServices opens the clinic with a clinician signed in.
func benchServices(b *testing.B) (*app.App, *app.Patients, *app.Chart) {
	b.Helper()
	dir := benchClinic(b)
	a, err := app.Open(context.Background(), dir, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	s := a.NewSession("bench")
	var auth *app.Auth
	var patients *app.Patients
	var chart *app.Chart
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Patients:
			patients = v
		case *app.Chart:
			chart = v
		}
	}
	if _, err := auth.Login("drlee", "demo-clinician-pass"); err != nil {
		b.Fatal(err)
	}
	return a, patients, chart
}

// sample is a set of real patients to look up, the same on every run.
type sample struct {
	ids, mrns, families, givens, births, phones []string
}

func loadSample(b *testing.B, dir string, n int) sample {
	b.Helper()
	conn := rawConn(b, dir)
	rows, err := conn.Query(`SELECT id, mrn, family_name, given_names, birth_date, phone FROM patients
		WHERE rowid % ? = 0 LIMIT ?`, benchPatients/n, n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var s sample
	for rows.Next() {
		var id, mrn, fam, giv, birth, phone string
		if err := rows.Scan(&id, &mrn, &fam, &giv, &birth, &phone); err != nil {
			b.Fatal(err)
		}
		s.ids, s.mrns, s.families, s.givens = append(s.ids, id), append(s.mrns, mrn), append(s.families, fam), append(s.givens, giv)
		s.births, s.phones = append(s.births, birth), append(s.phones, phone)
	}
	return s
}

// searchQueries mixes what a front desk types: name starts, full names in
// either order, MRNs, birth dates in two formats, phone numbers.
func (s sample) searchQueries() []string {
	var qs []string
	for i := range s.ids {
		fam, giv := s.families[i], strings.Fields(s.givens[i])[0]
		y, m, d := s.births[i][:4], s.births[i][5:7], s.births[i][8:]
		switch i % 8 {
		case 0:
			qs = append(qs, fam[:min(3, len(fam))])
		case 1:
			qs = append(qs, fam+" "+giv)
		case 2:
			qs = append(qs, giv+" "+fam[:min(4, len(fam))])
		case 3:
			qs = append(qs, s.mrns[i])
		case 4:
			qs = append(qs, y+"-"+m+"-"+d)
		case 5:
			qs = append(qs, strings.TrimLeft(m, "0")+"/"+strings.TrimLeft(d, "0")+"/"+y)
		case 6:
			if s.phones[i] != "" {
				qs = append(qs, s.phones[i])
			} else {
				qs = append(qs, fam)
			}
		case 7:
			qs = append(qs, fam[:min(2, len(fam))])
		}
	}
	return qs
}

// timings collects per-call durations and reports percentiles.
type timings []time.Duration

func (t timings) report(b *testing.B) {
	if len(t) == 0 {
		return
	}
	sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
	pct := func(p float64) float64 { return float64(t[int(float64(len(t)-1)*p)].Nanoseconds()) / 1e3 }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.95), "p95-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func BenchmarkPatientSearch(b *testing.B) {
	a, patients, _ := benchServices(b)
	queries := loadSample(b, a.DataDir(), 400).searchQueries()
	var t timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		hits, err := patients.Search(q, 20)
		t = append(t, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(hits) == 0 {
			b.Fatalf("search %q found nothing", q)
		}
	}
	b.StopTimer()
	t.report(b)
}

func BenchmarkChartOpen(b *testing.B) {
	a, patients, chart := benchServices(b)
	ids := loadSample(b, a.DataDir(), 400).ids
	var t timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := ids[i%len(ids)]
		start := time.Now()
		_, err := chart.Summary(id)
		t = append(t, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	t.report(b)
	_ = patients
}

// BenchmarkStartup is what Folio does before the login screen can show:
// open (integrity check, migrations) and read the sign-in status.
func BenchmarkStartup(b *testing.B) {
	dir := benchClinic(b)
	var t timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		a, err := app.Open(context.Background(), dir, app.Options{})
		if err != nil {
			b.Fatal(err)
		}
		auth := a.Services(a.NewSession("bench"))[0].(*app.Auth)
		if _, err := auth.Status(); err != nil {
			b.Fatal(err)
		}
		t = append(t, time.Since(start))
		a.Close()
	}
	b.StopTimer()
	t.report(b)
}

// rawConn is a bare read connection to the clinic's file for the floors.
func rawConn(b *testing.B, dir string) *sql.DB {
	b.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(dir, db.FileName)+"?_pragma=query_only(1)&_pragma=cache_size(-32000)")
	if err != nil {
		b.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	b.Cleanup(func() { conn.Close() })
	return conn
}

func BenchmarkRawFloorLookupByID(b *testing.B) {
	dir := benchClinic(b)
	ids := loadSample(b, dir, 400).ids
	conn := rawConn(b, dir)
	stmt, err := conn.Prepare(`SELECT id, mrn, family_name, given_names, birth_date, sex, phone FROM patients WHERE id = ?`)
	if err != nil {
		b.Fatal(err)
	}
	var t timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var f [7]string
		start := time.Now()
		err := stmt.QueryRow(ids[i%len(ids)]).Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6])
		t = append(t, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	t.report(b)
}

func BenchmarkRawFloorNamePrefix(b *testing.B) {
	dir := benchClinic(b)
	s := loadSample(b, dir, 400)
	conn := rawConn(b, dir)
	stmt, err := conn.Prepare(`SELECT id, family_name FROM patients WHERE sort_key >= ? AND sort_key < ? ORDER BY sort_key LIMIT 20`)
	if err != nil {
		b.Fatal(err)
	}
	var t timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := db.Fold(s.families[i%len(s.families)])[:2]
		start := time.Now()
		rows, err := stmt.Query(p, p[:1]+string(p[1]+1))
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		t = append(t, time.Since(start))
	}
	b.StopTimer()
	t.report(b)
}

func BenchmarkRawFloorFTSMatch(b *testing.B) {
	dir := benchClinic(b)
	s := loadSample(b, dir, 400)
	conn := rawConn(b, dir)
	stmt, err := conn.Prepare(`SELECT p.id, p.family_name FROM patients p WHERE p.rowid IN
		(SELECT rowid FROM patient_search WHERE patient_search MATCH ? LIMIT 500)`)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var t timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := r.IntN(len(s.ids))
		q := fmt.Sprintf(`"%s"* AND "%s"*`, db.Fold(strings.Fields(s.givens[j])[0]), db.Fold(s.families[j])[:3])
		start := time.Now()
		rows, err := stmt.Query(q)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		t = append(t, time.Since(start))
	}
	b.StopTimer()
	t.report(b)
}
