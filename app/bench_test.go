package app_test

// Benchmarks over a generated clinic of 100,000 patients (make bench). They
// run only with -bench: plain `go test` never generates the clinic.
//
// Each operation is a benchmark with two sub-benchmarks side by side:
// "folio", the Go method the UI calls (sign-in check, role check,
// transaction, audit entry and all), and "raw-sql", the floor: the same
// answer from bare SQL on a connection of its own, so the cost of Folio's
// own layers shows. Every call is timed on its own and the p50, p95 and p99
// are reported as µs metrics; the p95 is the figure the targets are set on.
//
// The clinic is generated once per test binary run (sync.Once) into a
// temporary folder that TestMain removes at the end.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

const benchPatients = 100_000

var (
	benchOnce sync.Once
	benchRoot string // the temporary folder holding the clinic, removed by TestMain
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if exportClinic.root != "" {
		os.RemoveAll(exportClinic.root)
	}
	if benchRoot != "" {
		if rss := residentMemory(); rss != "" {
			fmt.Fprintf(os.Stderr, "resident memory of the benchmark process: %s\n", rss)
		}
		os.RemoveAll(benchRoot)
	}
	os.Exit(code)
}

// benchClinic returns the data folder of the 100,000-patient demo clinic,
// generating it on first use.
//
// FOLIO_BENCH_CLINIC names a closed demo clinic of 100,000 patients made
// earlier (make loadtest keeps one in /tmp/folio-loadtest): it is copied
// instead of generated, which takes two minutes.
func benchClinic(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		if benchRoot, benchErr = os.MkdirTemp("", "folio-bench-"); benchErr != nil {
			return
		}
		dir := filepath.Join(benchRoot, "data")
		if from := os.Getenv("FOLIO_BENCH_CLINIC"); from != "" {
			for _, name := range []string{db.FileName, db.KeyFileName, db.CheckpointFileName} {
				if benchErr = copyFile(filepath.Join(from, name), filepath.Join(dir, name)); benchErr != nil {
					return
				}
			}
			return
		}
		a, err := app.Open(context.Background(), dir, app.Options{})
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
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return filepath.Join(benchRoot, "data")
}

// residentMemory reads the process's current and peak resident set size.
func residentMemory() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var rss, hwm string
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm = strings.TrimSpace(v)
		}
	}
	return fmt.Sprintf("%s now, %s at peak (generating the clinic included)", rss, hwm)
}

// reportRSS adds the process's resident memory, with the clinic open and
// freed heap handed back to the system, as a metric.
func reportRSS(b *testing.B) {
	debug.FreeOSMemory()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &kb); err == nil {
				b.ReportMetric(kb/1024, "rss-MB")
			}
		}
	}
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

// rawConn is a bare read connection to the clinic's file for the floors,
// with the page cache Folio's connections have.
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

// benchPatient is a real patient of the clinic to look up.
type benchPatient struct {
	id, mrn, family, given, birth, phone string
}

// loadSample picks n patients spread over the clinic, the same on every run.
func loadSample(b *testing.B, conn *sql.DB, n int) []benchPatient {
	b.Helper()
	rows, err := conn.Query(`SELECT id, mrn, family_name, given_names, birth_date, phone FROM patients
		WHERE rowid % ? = 0 LIMIT ?`, benchPatients/n, n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []benchPatient
	for rows.Next() {
		var p benchPatient
		if err := rows.Scan(&p.id, &p.mrn, &p.family, &p.given, &p.birth, &p.phone); err != nil {
			b.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if len(out) != n {
		b.Fatalf("sampled %d patients, want %d", len(out), n)
	}
	return out
}

// firstRunes is the first n letters of s, as a person types them.
func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// queryKinds are what a front desk types into the search box.
var queryKinds = []struct {
	name string
	make func(p benchPatient) string // "" when the patient has no such detail
}{
	{"family-2-letters", func(p benchPatient) string { return firstRunes(p.family, 2) }},
	{"family-3-letters", func(p benchPatient) string { return firstRunes(p.family, 3) }},
	{"family-given", func(p benchPatient) string { return p.family + " " + strings.Fields(p.given)[0] }},
	{"given-family-start", func(p benchPatient) string {
		return strings.Fields(p.given)[0] + " " + firstRunes(p.family, 4)
	}},
	{"mrn", func(p benchPatient) string { return p.mrn }},
	{"birth-iso", func(p benchPatient) string { return p.birth }},
	{"birth-m/d/y", func(p benchPatient) string {
		return strings.TrimLeft(p.birth[5:7], "0") + "/" + strings.TrimLeft(p.birth[8:], "0") + "/" + p.birth[:4]
	}},
	{"phone", func(p benchPatient) string { return p.phone }}, // "(217) 555-1234"
	{"phone-local", func(p benchPatient) string { // "555-1234", without the area code
		if len(p.phone) < 8 {
			return ""
		}
		return p.phone[len(p.phone)-8:]
	}},
	{"phone-last-4", func(p benchPatient) string { // "1234"
		if len(p.phone) < 4 {
			return ""
		}
		return p.phone[len(p.phone)-4:]
	}},
	{"typo", func(p benchPatient) string { return withTypo(p) }}, // "Jonhson"
	{"typo-given-family", func(p benchPatient) string { // "Mary Jonhson"
		if typo := withTypo(p); typo != "" {
			return strings.Fields(p.given)[0] + " " + typo
		}
		return ""
	}},
}

// withTypo is the patient's family name with one typo, as a person makes
// them: two letters swapped, one left out, one doubled or one changed,
// chosen by the MRN. Names too short for a typo to be looked up (and names
// of several words) have none.
func withTypo(p benchPatient) string {
	name := []rune(p.family)
	if len(name) < 5 || strings.ContainsAny(p.family, " '") {
		return ""
	}
	i := len(name) / 2
	switch p.mrn[len(p.mrn)-2] % 4 {
	case 0: // swapped
		if name[i] != name[i+1] {
			name[i], name[i+1] = name[i+1], name[i]
			return string(name)
		}
		fallthrough
	case 1: // left out
		return string(name[:i]) + string(name[i+1:])
	case 2: // doubled
		return string(name[:i+1]) + string(name[i:])
	default: // changed
		c := 'e'
		if name[i] == 'e' {
			c = 'a'
		}
		return string(name[:i]) + string(c) + string(name[i+1:])
	}
}

// searchQueries makes one query of the given kind from each sampled patient,
// or, for kind "mix", cycles through the kinds over the patients.
func searchQueries(sample []benchPatient, kind string) []string {
	var qs []string
	for i, p := range sample {
		for k, qk := range queryKinds {
			if (kind == "mix" && i%len(queryKinds) == k) || kind == qk.name {
				if q := qk.make(p); q != "" {
					qs = append(qs, q)
				}
			}
		}
	}
	return qs
}

// timings collects per-call durations and reports percentiles.
type timings []time.Duration

func (t timings) report(b *testing.B) {
	t.reportAs(b, "")
}

// reportAs reports the percentiles under name ("first-p50-µs"), for a
// benchmark that times more than one thing.
func (t timings) reportAs(b *testing.B, name string) {
	if len(t) == 0 {
		return
	}
	if name != "" {
		name += "-"
	}
	sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
	pct := func(p float64) float64 { return float64(t[int(float64(len(t)-1)*p)].Nanoseconds()) / 1e3 }
	b.ReportMetric(pct(0.50), name+"p50-µs")
	b.ReportMetric(pct(0.95), name+"p95-µs")
	b.ReportMetric(pct(0.99), name+"p99-µs")
}

// timeEach runs op b.N times, cycling i over n inputs, and reports the
// percentiles of the calls.
func timeEach(b *testing.B, n int, op func(i int) error) {
	b.Helper()
	t := make(timings, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		err := op(i % n)
		t = append(t, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	t.report(b)
}

const searchLimit = 20 // what the search box asks for

// rawSearch is the floor of a search: the same hits from bare SQL. A single
// name word is a range of the name index; anything else an FTS5 match,
// ordered by name. A name typed with a typo (one the match as typed finds
// nothing for) is first looked up in the name-key index, word by word; a
// single word is then a family name of the name index if enough have it.
type rawSearch struct {
	prefix, fts, near, family *sql.Stmt
}

func prepareRawSearch(b *testing.B, conn *sql.DB) rawSearch {
	b.Helper()
	const cols = `id, mrn, family_name, given_names, birth_date, sex, phone`
	prefix, err := conn.Prepare(`SELECT ` + cols + ` FROM patients WHERE sort_key >= ? AND sort_key < ?
		ORDER BY sort_key LIMIT ?`)
	if err != nil {
		b.Fatal(err)
	}
	fts, err := conn.Prepare(`SELECT ` + cols + ` FROM patients WHERE rowid IN
		(SELECT rowid FROM patient_search WHERE patient_search MATCH ? LIMIT 500) ORDER BY sort_key LIMIT ?`)
	if err != nil {
		b.Fatal(err)
	}
	near, err := conn.Prepare(`SELECT DISTINCT word FROM name_keys WHERE key IN (SELECT value FROM json_each(?))`)
	if err != nil {
		b.Fatal(err)
	}
	family, err := conn.Prepare(`SELECT ` + cols + ` FROM patients WHERE rowid IN (
		SELECT p.rowid FROM json_each(?) AS w CROSS JOIN patients AS p
		ON p.sort_key >= w.value || ' ' AND p.sort_key < w.value || '!' ORDER BY p.sort_key LIMIT ?)
		ORDER BY sort_key`)
	if err != nil {
		b.Fatal(err)
	}
	return rawSearch{prefix, fts, near, family}
}

// rawQuery is a search box query as the floor's statement and arguments,
// worked out before the timing starts.
type rawQuery struct {
	stmt *sql.Stmt
	args []any
	// For a typo: the terms, and the name keys to look up for each (a JSON
	// list, "" for a term that is no name word).
	terms []db.SearchTerm
	keys  []string
}

func (r rawSearch) plan(text string) (rawQuery, error) {
	terms := app.ParseSearch(text, app.MonthFirst).Terms
	q := rawQuery{stmt: r.fts, args: []any{ftsQuery(terms), searchLimit}}
	if len(terms) == 1 && terms[0].Words == nil && terms[0].Prefix != "" &&
		strings.IndexFunc(terms[0].Prefix, func(c rune) bool { return c < 'a' || c > 'z' }) < 0 {
		p := terms[0].Prefix
		q = rawQuery{stmt: r.prefix, args: []any{p, p[:len(p)-1] + string(p[len(p)-1]+1), searchLimit}}
	}
	if n, err := r.run(q); err != nil || n > 0 {
		return q, err
	}
	q = rawQuery{stmt: r.fts, terms: terms}
	for _, t := range terms {
		keys := ""
		if len([]rune(t.Prefix)) >= db.MinTypoWord && t.Words == nil {
			keys = nameKeys(t.Prefix)
		}
		q.keys = append(q.keys, keys)
	}
	return q, nil
}

// ftsQuery is terms as an FTS5 query.
func ftsQuery(terms []db.SearchTerm) string {
	var parts []string
	for _, t := range terms {
		var alts []string
		if t.Prefix != "" {
			alts = append(alts, `"`+t.Prefix+`"*`)
		}
		for _, w := range t.Words {
			alts = append(alts, `"`+w+`"`)
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	return strings.Join(parts, " AND ")
}

// nameKeys is the JSON list of word and every string left by deleting one
// of its letters: the keys of the words one typo away.
func nameKeys(word string) string {
	r := []rune(word)
	keys := []string{word}
	for i := range r {
		keys = append(keys, string(r[:i])+string(r[i+1:]))
	}
	js, _ := json.Marshal(keys)
	return string(js)
}

func (r rawSearch) run(q rawQuery) (int, error) {
	if q.terms != nil {
		terms := slices.Clone(q.terms)
		for i, keys := range q.keys {
			if keys == "" {
				continue
			}
			words, err := r.words(keys)
			if err != nil {
				return 0, err
			}
			terms[i].Words = words
		}
		if len(terms) == 1 {
			list, _ := json.Marshal(terms[0].Words)
			if n, err := r.run(rawQuery{stmt: r.family, args: []any{string(list), searchLimit}}); err != nil || n == searchLimit {
				return n, err
			}
		}
		q.args = []any{ftsQuery(terms), searchLimit}
	}
	rows, err := q.stmt.Query(q.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var f [7]string
		if err := rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (r rawSearch) words(keys string) ([]string, error) {
	rows, err := r.near.Query(keys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var words []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		words = append(words, w)
	}
	return words, rows.Err()
}

func BenchmarkSearch(b *testing.B) {
	a, patients, _ := benchServices(b)
	conn := rawConn(b, a.DataDir())
	sample := loadSample(b, conn, 450)
	raw := prepareRawSearch(b, conn)
	kinds := []string{"mix"}
	for _, k := range queryKinds {
		kinds = append(kinds, k.name)
	}
	for _, kind := range kinds {
		queries := searchQueries(sample, kind)
		b.Run(kind, func(b *testing.B) {
			b.Run("folio", func(b *testing.B) {
				timeEach(b, len(queries), func(i int) error {
					hits, err := patients.Search(queries[i], searchLimit)
					if err == nil && len(hits) == 0 {
						err = fmt.Errorf("search %q found nothing", queries[i])
					}
					return err
				})
				reportRSS(b)
			})
			b.Run("raw-sql", func(b *testing.B) {
				plans := make([]rawQuery, len(queries))
				for i, q := range queries {
					var err error
					if plans[i], err = raw.plan(q); err != nil {
						b.Fatal(err)
					}
				}
				timeEach(b, len(plans), func(i int) error {
					n, err := raw.run(plans[i])
					if err == nil && n == 0 {
						err = fmt.Errorf("raw search %q found nothing", queries[i])
					}
					return err
				})
			})
		})
	}
}

// BenchmarkSearchRecent is the list the empty search box shows: the
// patients the signed-in person opened last, from the audit trail, after
// they opened 1,500 charts (and with every other audit entry of the run).
func BenchmarkSearchRecent(b *testing.B) {
	a, patients, _ := benchServices(b)
	conn := rawConn(b, a.DataDir())
	for _, p := range loadSample(b, conn, 1500) {
		if _, err := patients.Open(p.id); err != nil {
			b.Fatal(err)
		}
	}
	var userID string
	if err := conn.QueryRow(`SELECT id FROM users WHERE username = 'drlee'`).Scan(&userID); err != nil {
		b.Fatal(err)
	}
	b.Run("folio", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			hits, err := patients.Recent(searchLimit)
			if err == nil && len(hits) != searchLimit {
				err = fmt.Errorf("recent: %d patients, want %d", len(hits), searchLimit)
			}
			return err
		})
	})
	b.Run("raw-sql", func(b *testing.B) {
		stmt, err := conn.Prepare(`SELECT id, mrn, family_name, given_names, birth_date, sex, phone FROM patients
			JOIN (SELECT patient_id, max(seq) AS last_seq FROM (
				SELECT patient_id, seq FROM audit WHERE user_id = ? AND action = 'patient.open' ORDER BY seq DESC LIMIT 200)
				GROUP BY patient_id ORDER BY last_seq DESC LIMIT ?) ON id = patient_id
			ORDER BY last_seq DESC`)
		if err != nil {
			b.Fatal(err)
		}
		timeEach(b, 1, func(int) error {
			n, err := rawSearch{}.run(rawQuery{stmt: stmt, args: []any{userID, searchLimit}})
			if err == nil && n != searchLimit {
				err = fmt.Errorf("raw recent: %d patients, want %d", n, searchLimit)
			}
			return err
		})
	})
}

func BenchmarkChartOpen(b *testing.B) {
	a, patients, chart := benchServices(b)
	conn := rawConn(b, a.DataDir())
	sample := loadSample(b, conn, 400)
	b.Run("Chart.Summary", func(b *testing.B) {
		timeEach(b, len(sample), func(i int) error {
			_, err := chart.Summary(sample[i].id)
			return err
		})
		reportRSS(b)
	})
	b.Run("Patients.Open", func(b *testing.B) {
		timeEach(b, len(sample), func(i int) error {
			_, err := patients.Open(sample[i].id)
			return err
		})
		reportRSS(b)
	})
	b.Run("raw-sql", func(b *testing.B) {
		stmt, err := conn.Prepare(`SELECT id, mrn, family_name, given_names, birth_date, sex, phone, address_line,
			city, region, postal_code, version, created_at, created_by, updated_at, updated_by FROM patients WHERE id = ?`)
		if err != nil {
			b.Fatal(err)
		}
		var f [16]string
		ptrs := make([]any, len(f))
		for j := range f {
			ptrs[j] = &f[j]
		}
		timeEach(b, len(sample), func(i int) error {
			return stmt.QueryRow(sample[i].id).Scan(ptrs...)
		})
	})
}

// BenchmarkChartOpenParallel is six clinicians opening charts at once on
// two cores, as in a clinic's busy hour: each opens a charted patient's
// chart screen, which sends its fifteen reads together (the browser's
// Promise.all, as the load test's clinicians do), again and again. Every
// read is audited. It reports the p50/p95/p99 of each read (the figure the
// load test's targets are set on) and the p95 of a whole screen.
func BenchmarkChartOpenParallel(b *testing.B) {
	dir := benchClinic(b)
	a, err := app.Open(context.Background(), dir, app.Options{Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	conn := rawConn(b, dir)
	charted := chartedPatients(b, conn, 200)
	if len(charted) == 0 { // a clinic generated without charts: its patients' empty charts
		for _, p := range loadSample(b, conn, 200) {
			charted = append(charted, p.id)
		}
	}
	var desks []*caller
	for _, name := range []string{"drlee", "drokafor", "drnguyen", "drgarcia", "drsmith", "drkim"} {
		desks = append(desks, signedInDesk(b, a, name))
	}
	var (
		mu            sync.Mutex
		calls, opens  timings
		firstErr      error
		nextDesk, nth atomic.Int64
	)
	b.SetParallelism((len(desks) + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		d := desks[int(nextDesk.Add(1)-1)%len(desks)]
		for pb.Next() {
			id := charted[int(nth.Add(1))%len(charted)]
			whole, took, err := allAtOnce(chartScreen(d, id))
			mu.Lock()
			calls = append(calls, took...)
			opens = append(opens, whole)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		}
	})
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	calls.report(b)
	sort.Slice(opens, func(i, j int) bool { return opens[i] < opens[j] })
	b.ReportMetric(float64(opens[int(float64(len(opens)-1)*0.95)].Microseconds()), "screen-p95-µs")
}

// signedInDesk is the demo clinician name signed in on a session of its own.
func signedInDesk(b *testing.B, a *app.App, name string) *caller {
	b.Helper()
	c := callerOf(a, a.NewSession("bench-"+name))
	if _, err := c.Auth.Login(name, "demo-clinician-pass"); err != nil {
		b.Fatal(err)
	}
	return c
}

// chartScreen is the reads the chart screen sends together when it opens.
func chartScreen(c *caller, id string) []func() error {
	return []func() error{
		func() error { _, err := c.Patients.Open(id); return err },
		func() error { _, err := c.Patients.History(id); return err },
		func() error { _, err := c.Schedule.PatientAppointments(id); return err },
		func() error { _, err := c.Chart.Summary(id); return err },
		func() error { _, err := c.Chart.Problems(id); return err },
		func() error { _, err := c.Chart.Allergies(id); return err },
		func() error { _, err := c.Chart.Encounters(id); return err },
		func() error { _, err := c.Chart.Medications(id); return err },
		func() error { _, err := c.Chart.LabOrders(id); return err },
		func() error { _, err := c.Chart.LabResults(id); return err },
		func() error { _, err := c.Chart.Immunizations(id); return err },
		func() error { _, err := c.Chart.Documents(id); return err },
		func() error { _, err := c.Chart.ImportSources(id); return err },
		func() error { _, err := c.Chart.Imports(id); return err },
		func() error { _, err := c.Chart.Vitals(id, 10); return err },
	}
}

// allAtOnce runs reads together, as the browser's Promise.all does, and
// answers how long each took and the whole (the slowest).
func allAtOnce(reads []func() error) (whole time.Duration, each []time.Duration, err error) {
	each = make([]time.Duration, len(reads))
	errs := make([]error, len(reads))
	start := time.Now()
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			errs[i] = read()
			each[i] = time.Since(t)
		}()
	}
	wg.Wait()
	return time.Since(start), each, errors.Join(errs...)
}

// BenchmarkFirstChartOpen is the first chart screen opened after Folio
// starts: its fifteen reads together, on connections not used before. It
// reports that screen's p50 and p95 next to a second chart's, opened just
// after it, and a third's with its reads sent one after another.
func BenchmarkFirstChartOpen(b *testing.B) {
	dir := benchClinic(b)
	conn := rawConn(b, dir)
	charted := chartedPatients(b, conn, 3*b.N)
	if len(charted) < 2 {
		b.Skip("the clinic has no charts")
	}
	var first, second, serial timings
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer() // starting and signing in are Startup's
		a, err := app.Open(context.Background(), dir, app.Options{Logger: quietLog})
		if err != nil {
			b.Fatal(err)
		}
		d := signedInDesk(b, a, "drlee")
		b.StartTimer()
		took, _, err := allAtOnce(chartScreen(d, charted[(3*i)%len(charted)]))
		if err != nil {
			b.Fatal(err)
		}
		first = append(first, took)
		took, _, err = allAtOnce(chartScreen(d, charted[(3*i+1)%len(charted)]))
		if err != nil {
			b.Fatal(err)
		}
		second = append(second, took)
		// The same reads one after another: what sending them together gains.
		start := time.Now()
		for _, read := range chartScreen(d, charted[(3*i+2)%len(charted)]) {
			if err := read(); err != nil {
				b.Fatal(err)
			}
		}
		serial = append(serial, time.Since(start))
		b.StopTimer()
		a.Close()
		b.StartTimer()
	}
	b.StopTimer()
	first.reportAs(b, "first")
	second.reportAs(b, "second")
	serial.reportAs(b, "serial")
}

// chartedPatients picks up to n patients who have a clinical chart (a
// visit).
func chartedPatients(b *testing.B, conn *sql.DB, n int) []string {
	b.Helper()
	rows, err := conn.Query(`SELECT DISTINCT patient_id FROM encounters ORDER BY patient_id LIMIT ?`, n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkStartup is what Folio does before the login screen can show:
// open (integrity check, migrations) and read the sign-in status. It takes
// a large fraction of a second, so make bench runs it apart, fewer times.
func BenchmarkStartup(b *testing.B) {
	dir := benchClinic(b)
	t := make(timings, 0, b.N)
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
		b.StopTimer() // closing is not part of showing the login screen
		a.Close()
		b.StartTimer()
	}
	b.StopTimer()
	t.report(b)
}
