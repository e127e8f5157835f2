package app_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"folio/db"
)

// benchLabTests are the tests a benchmarked patient's 10,000 results are
// spread over, in their list units.
var benchLabTests = []string{"2823-3", "2345-7", "2160-0", "4548-4", "2951-2", "2075-0", "2028-9", "17861-6",
	"718-7", "4544-3", "6690-2", "777-3", "2093-3", "2571-8", "2085-9", "13457-7", "3016-3", "1742-6", "1920-8", "6301-6"}

// BenchmarkLabSeries is a lab trend chart's data for one patient with
// 10,000 results: spread over 20 tests (a 500-point chart, the usual case)
// and all of one test (a 10,000-point chart, the worst). "folio" is
// Chart.LabSeries as the UI calls it (session and role check, transaction,
// units, reference band, audit entry); "raw-sql" the floor: the same rows
// from bare SQL on a connection of its own, scanned and nothing more.
func BenchmarkLabSeries(b *testing.B) {
	for _, c := range []struct {
		name  string
		tests []string
	}{
		{"10k-results-20-tests", benchLabTests},
		{"10k-results-1-test", benchLabTests[:1]},
	} {
		b.Run(c.name, func(b *testing.B) { benchLabSeries(b, c.tests) })
	}
}

func benchLabSeries(b *testing.B, tests []string) {
	const results = 10_000
	ta := newTestApp(b)
	p := ta.register(b, samplePatient())
	bulkLabResults(b, ta, p.ID, ta.Clinician.User.ID, tests, results)
	want := results / len(tests)
	s, err := ta.Clinician.Chart.LabSeries(p.ID, tests[0])
	if err != nil || len(s.Points) != want {
		b.Fatalf("series: %d points, want %d: %v", len(s.Points), want, err)
	}
	b.Run("folio", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.Clinician.Chart.LabSeries(p.ID, tests[0])
			return err
		})
	})
	b.Run("raw-sql", func(b *testing.B) {
		conn := rawConn(b, ta.Dir)
		stmt, err := conn.Prepare(`SELECT substr(observed_at, 1, 19) || 'Z', value_num, unit, flag FROM lab_results
			WHERE patient_id = ? AND loinc = ? AND status = 'final' AND value_num IS NOT NULL ORDER BY observed_at, id`)
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		timeEach(b, 1, func(int) error {
			rows, err := stmt.Query(p.ID, tests[0])
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var at, unit, flag string
				var v float64
				if err := rows.Scan(&at, &v, &unit, &flag); err != nil {
					return err
				}
				n++
			}
			if n != want {
				b.Fatalf("%d rows, want %d", n, want)
			}
			return rows.Err()
		})
	})
}

// bulkLabResults writes n results spread over 20 years and over tests for
// the patient in one statement: a bench setup, not a use-case, so it goes
// straight to the file.
func bulkLabResults(b *testing.B, ta *testApp, patientID, userID string, tests []string, n int) {
	b.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`CREATE TEMP TABLE bench_tests (i INTEGER PRIMARY KEY, loinc TEXT)`); err != nil {
		b.Fatal(err)
	}
	for i, t := range tests {
		if _, err := conn.Exec(`INSERT INTO bench_tests VALUES (?, ?)`, i, t); err != nil {
			b.Fatal(err)
		}
	}
	start := testStart.AddDate(-20, 0, 0)
	step := testStart.Sub(start) / time.Duration(n)
	at := start.UTC().Format(time.RFC3339)
	_, err = conn.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		INSERT INTO lab_results (id, patient_id, loinc, name, value_num, unit, ref_low, ref_high, range_text,
			range_source, flag, observed_at, entered_at, entered_by, source, status, version, updated_at, updated_by)
		SELECT printf('bench-lab-%05d', n.i), ?, t.loinc, 'bench test', 4 + (n.i % 30) / 10.0, 'mmol/L', 3.5, 5.0,
			'3.5–5 mmol/L', 'default', CASE WHEN 4 + (n.i % 30) / 10.0 > 5 THEN 'H' ELSE 'N' END,
			strftime('%Y-%m-%dT%H:%M:%fZ', ?, '+' || (n.i * ?) || ' seconds'), ?, ?, 'imported', 'final', 1, ?, ?
		FROM n JOIN bench_tests t ON t.i = n.i % ?`, n, patientID, start.UTC().Format("2006-01-02T15:04:05"),
		int64(step/time.Second), at, userID, at, userID, len(tests))
	if err != nil {
		b.Fatal(err)
	}
}
