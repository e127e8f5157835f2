package app_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// benchVitalsHistories are the vitals histories benchmarked, in sets of
// nine measures each: the target's 20-year patient with 10,000 observations
// (1,112 sets), and a patient with 10,000 sets (90,000 observations) to show
// how the chart grows with a far longer history; and the same for a young
// person measured from birth to 20, every value judged against the ranges
// of their age then.
var benchVitalsHistories = []struct {
	name  string
	sets  int
	child bool
}{
	{"10k-observations", 1_112, false},
	{"10k-sets", 10_000, false},
	{"child-10k-observations", 1_112, true},
	{"child-10k-sets", 10_000, true},
}

// vitalsBenchPatient is the patient of a history: an adult, or someone born the
// day before the history starts.
func vitalsBenchPatient(child bool) app.PatientInput {
	in := samplePatient()
	if child {
		in.BirthDate = testStart.AddDate(-20, 0, 1).Format("2006-01-02")
	}
	return in
}

// vitalsSeriesMeasures are the charts cycled through.
var vitalsSeriesMeasures = []string{"bp", "weight", "bmi", "pulse", "temp", "spo2"}

// BenchmarkVitalsSeries is a vitals chart's data for a patient with 20
// years of vitals (target: p95 under 5 ms). "folio" is Chart.VitalsSeries
// as the UI calls it (session and role check, transaction, units, flags,
// BMI carried forward, audit entry); "raw-sql" the floor: the same rows
// from bare SQL on a connection of its own, scanned and nothing more.
func BenchmarkVitalsSeries(b *testing.B) {
	for _, h := range benchVitalsHistories {
		b.Run(h.name, func(b *testing.B) { benchVitalsSeries(b, h.sets, h.child) })
	}
}

func benchVitalsSeries(b *testing.B, sets int, child bool) {
	ta := newTestApp(b)
	p := ta.register(b, vitalsBenchPatient(child))
	bulkVitals(b, ta, p.ID, ta.Clinician.User.ID, sets)
	ta.setUnits(b, "lb", "in", "F") // the conversions are part of the work
	for _, m := range vitalsSeriesMeasures {
		s, err := ta.Clinician.Chart.VitalsSeries(p.ID, m)
		if err != nil || len(s.Points) != sets {
			b.Fatalf("%s series: %d points, %v", m, len(s.Points), err)
		}
	}
	b.Run("folio", func(b *testing.B) {
		timeEach(b, len(vitalsSeriesMeasures), func(i int) error {
			_, err := ta.Clinician.Chart.VitalsSeries(p.ID, vitalsSeriesMeasures[i])
			return err
		})
	})
	b.Run("raw-sql", func(b *testing.B) {
		conn := rawConn(b, ta.Dir)
		columns := map[string][2]string{"bp": {"systolic", "diastolic"}, "weight": {"weight_kg", "NULL"},
			"bmi": {"height_cm", "weight_kg"}, "pulse": {"pulse", "NULL"}, "temp": {"temp_c", "NULL"}, "spo2": {"spo2", "NULL"}}
		stmts := make([]*sql.Stmt, len(vitalsSeriesMeasures))
		for i, m := range vitalsSeriesMeasures {
			c := columns[m]
			where := c[0] + " IS NOT NULL"
			if c[1] != "NULL" {
				where = "(" + c[0] + " IS NOT NULL OR " + c[1] + " IS NOT NULL)"
			}
			stmt, err := conn.Prepare(`SELECT substr(taken_at, 1, 19) || 'Z', ` + c[0] + `, ` + c[1] + ` FROM vitals
				WHERE patient_id = ? AND status = 'final' AND ` + where + ` ORDER BY taken_at, id`)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			stmts[i] = stmt
		}
		timeEach(b, len(stmts), func(i int) error {
			rows, err := stmts[i].Query(p.ID)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var at string
				var v1, v2 sql.NullFloat64
				if err := rows.Scan(&at, &v1, &v2); err != nil {
					return err
				}
				n++
			}
			if n != sets {
				b.Fatalf("%d rows", n)
			}
			return rows.Err()
		})
	})
}

// BenchmarkChartSummaryVitals is the chart summary of the same patient,
// whose last vitals and trend arrows read the latest sets.
func BenchmarkChartSummaryVitals(b *testing.B) {
	for _, h := range benchVitalsHistories {
		b.Run(h.name, func(b *testing.B) {
			ta := newTestApp(b)
			p := ta.register(b, vitalsBenchPatient(h.child))
			bulkVitals(b, ta, p.ID, ta.Clinician.User.ID, h.sets)
			timeEach(b, 1, func(int) error {
				_, err := ta.Clinician.Chart.Summary(p.ID)
				return err
			})
		})
	}
}

// bulkVitals writes sets of vitals spread over 20 years for the patient in
// one statement: a bench setup, not a use-case, so it goes straight to the file.
func bulkVitals(b *testing.B, ta *testApp, patientID, userID string, sets int) {
	b.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(ta.Dir, db.FileName)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	start := testStart.AddDate(-20, 0, 0)
	step := testStart.Sub(start) / time.Duration(sets)
	_, err = conn.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		INSERT INTO vitals (id, patient_id, taken_at, height_cm, weight_kg, systolic, diastolic, pulse, resp_rate,
			temp_c, spo2, pain, status, version, created_at, created_by, updated_at, updated_by)
		SELECT printf('bench-vitals-%05d', i), ?,
			strftime('%Y-%m-%dT%H:%M:%fZ', ?, '+' || (i * ?) || ' seconds'),
			170 + (i % 3), 60 + (i % 400) / 10.0, 110 + (i % 50), 70 + (i % 20), 60 + (i % 50), 12 + (i % 8),
			36.0 + (i % 20) / 10.0, 92 + (i % 9), i % 11, 'final', 1, ?, ?, ?, ?
		FROM n`, sets, patientID, start.UTC().Format("2006-01-02T15:04:05"), int64(step/time.Second),
		start.UTC().Format(time.RFC3339), userID, start.UTC().Format(time.RFC3339), userID)
	if err != nil {
		b.Fatal(err)
	}
}
