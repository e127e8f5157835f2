package app_test

// Schedule benchmarks (make bench): the bench clinic's 100,000 patients
// with 1,000,000 appointments over ten clinicians, generated once per run
// (bench_test.go's clinic copied, then demo.Generate with Appointments).
// As in bench_test.go, each operation has "folio" (the Go method the UI
// calls) beside "raw-sql" (the same rows from bare SQL), with p50/p95/p99.

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

const benchAppointments = 1_000_000

// benchToday is the Monday the generated schedule is made around: its
// calendars are full from four weeks after it back over the years.
var benchToday = time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)

var scheduleBench struct {
	once sync.Once
	dir  string
	err  error
}

// benchScheduleClinic returns the data folder of the clinic with its
// million appointments, generating it on first use.
//
// FOLIO_BENCH_SCHEDULE_DIR names a folder to keep the clinic in between
// runs: generated there if it holds no chart yet, reused as it is if it
// does (each run's reads add to its audit log; bookings add appointments).
func benchScheduleClinic(b *testing.B) string {
	b.Helper()
	if kept := os.Getenv("FOLIO_BENCH_SCHEDULE_DIR"); kept != "" {
		if _, err := os.Stat(filepath.Join(kept, db.FileName)); err == nil {
			return kept
		}
	}
	patients := benchClinic(b)
	scheduleBench.once.Do(func() {
		dir := filepath.Join(filepath.Dir(patients), "schedule")
		if kept := os.Getenv("FOLIO_BENCH_SCHEDULE_DIR"); kept != "" {
			dir = kept
		}
		if err := copyFile(filepath.Join(patients, db.FileName), filepath.Join(dir, db.FileName)); err != nil {
			scheduleBench.err = err
			return
		}
		// The clinic's key goes with its chart, as a backup's does.
		if err := copyFile(filepath.Join(patients, db.KeyFileName), filepath.Join(dir, db.KeyFileName)); err != nil {
			scheduleBench.err = err
			return
		}
		a, err := app.Open(context.Background(), dir, app.Options{})
		if err != nil {
			scheduleBench.err = err
			return
		}
		defer a.Close()
		start := time.Now()
		res, err := demo.Generate(context.Background(), a, demo.Options{Seed: 1, Appointments: benchAppointments, Today: benchToday})
		if err != nil {
			scheduleBench.err = err
			return
		}
		fmt.Fprintf(os.Stderr, "generated %d appointments in %.1fs\n", res.Appointments, time.Since(start).Seconds())
		scheduleBench.dir = dir
	})
	if scheduleBench.err != nil {
		b.Fatal(scheduleBench.err)
	}
	return scheduleBench.dir
}

// copyFile copies a closed chart file (its WAL folded in on close).
func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// benchSchedule opens the clinic with the front desk signed in, the clock
// at benchToday.
func benchSchedule(b *testing.B) (*app.App, *app.Schedule) {
	b.Helper()
	dir := benchScheduleClinic(b)
	clock := newClock(benchToday)
	a, err := app.Open(context.Background(), dir, app.Options{Now: clock.Now, Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	s := a.NewSession("bench")
	var auth *app.Auth
	var schedule *app.Schedule
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Schedule:
			schedule = v
		}
	}
	if _, err := auth.Login("desk", "demo-frontdesk-pass"); err != nil {
		b.Fatal(err)
	}
	return a, schedule
}

// benchWeeks are the Mondays of the weeks the calendar benchmarks show:
// eight full weeks around benchToday.
func benchWeeks() []string {
	var out []string
	for k := -6; k < 2; k++ {
		out = append(out, benchToday.AddDate(0, 0, 7*k).Format("2006-01-02"))
	}
	return out
}

// rawWeek is the floor of a calendar week: the columns Folio's query
// reads (db.EachCalendarEntryBetween), on a bare connection. (Folio also
// reads the types' names, a handful of rows; the floor leaves them out.)
const rawWeek = `SELECT a.id, a.patient_id, a.clinician_id, a.type_id, a.starts_at, a.ends_at, a.status,
	a.series_id, a.version, a.patient_family_name, a.patient_given_names
	FROM appointments a`

// rawRows is the floor of a list of whole appointment rows (the call
// list): the rows Folio's query reads, on a bare connection.
// (Folio also reads the clinicians' and types' names, a dozen rows; the
// floor leaves them out.)
const rawRows = `SELECT a.id, a.patient_id, a.clinician_id, a.type_id, a.starts_at, a.ends_at, a.status,
	a.arrived_at, a.in_room_at, a.with_clinician_at, a.done_at, a.reason, a.note, a.series_id, a.version,
	a.patient_family_name, a.patient_given_names, a.patient_mrn, a.patient_birth_date, a.patient_phone
	FROM appointments a`

func scanAll(rows *sql.Rows) (int, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	f := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(f))
	for i := range f {
		ptrs[i] = &f[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func BenchmarkScheduleWeek(b *testing.B) {
	a, schedule := benchSchedule(b)
	conn := rawConn(b, a.DataDir())
	weeks := benchWeeks()
	clinicians, err := schedule.Clinicians()
	if err != nil || len(clinicians) == 0 {
		b.Fatalf("clinicians: %v", err)
	}
	for _, scope := range []struct{ name, clinicianID string }{{"whole-clinic", ""}, {"one-clinician", clinicians[0].ID}} {
		b.Run(scope.name, func(b *testing.B) {
			b.Run("folio", func(b *testing.B) {
				total := 0
				timeEach(b, len(weeks), func(i int) error {
					cal, err := schedule.Week(weeks[i], scope.clinicianID)
					if err == nil && len(cal.Appointments) == 0 {
						err = fmt.Errorf("week of %s is empty", weeks[i])
					}
					total += len(cal.Appointments)
					return err
				})
				b.ReportMetric(float64(total)/float64(b.N), "appointments/week")
				reportRSS(b)
			})
			b.Run("raw-sql", func(b *testing.B) {
				query := rawWeek + ` WHERE a.starts_at >= ? AND a.starts_at < ? AND a.status <> 'cancelled'
					ORDER BY a.starts_at, a.id`
				args := func(from, to string) []any { return []any{from, to} }
				if scope.clinicianID != "" {
					query = rawWeek + ` WHERE a.clinician_id = ? AND a.starts_at >= ? AND a.starts_at < ?
						AND a.status <> 'cancelled' ORDER BY a.starts_at, a.id`
					args = func(from, to string) []any { return []any{scope.clinicianID, from, to} }
				}
				stmt, err := conn.Prepare(query)
				if err != nil {
					b.Fatal(err)
				}
				timeEach(b, len(weeks), func(i int) error {
					from, _ := time.Parse("2006-01-02", weeks[i])
					rows, err := stmt.Query(args(weeks[i], from.AddDate(0, 0, 7).Format("2006-01-02"))...)
					if err != nil {
						return err
					}
					_, err = scanAll(rows)
					return err
				})
			})
		})
	}
}

func BenchmarkScheduleBoard(b *testing.B) {
	_, schedule := benchSchedule(b)
	timeEach(b, 1, func(int) error {
		board, err := schedule.Board("")
		if err == nil && len(board.Columns[0].Cards) == 0 {
			err = fmt.Errorf("nobody booked today")
		}
		return err
	})
}

func BenchmarkScheduleCallList(b *testing.B) {
	a, schedule := benchSchedule(b)
	b.Run("folio", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := schedule.CallList()
			return err
		})
	})
	b.Run("raw-sql", func(b *testing.B) {
		stmt, err := rawConn(b, a.DataDir()).Prepare(rawRows + `
			WHERE a.status = 'no_show' AND a.starts_at >= ? AND a.starts_at < ?
			AND NOT EXISTS (SELECT 1 FROM appointments later WHERE later.patient_id = a.patient_id
				AND later.starts_at > a.starts_at AND later.status <> 'cancelled')
			ORDER BY a.starts_at DESC, a.id LIMIT 500`)
		if err != nil {
			b.Fatal(err)
		}
		from := benchToday.AddDate(0, 0, -90).Format("2006-01-02")
		timeEach(b, 1, func(int) error {
			rows, err := stmt.Query(from, benchToday.Format("2006-01-02T15:04"))
			if err != nil {
				return err
			}
			_, err = scanAll(rows)
			return err
		})
	})
}

func BenchmarkSchedulePatientAppointments(b *testing.B) {
	a, schedule := benchSchedule(b)
	sample := loadSample(b, rawConn(b, a.DataDir()), 400)
	timeEach(b, len(sample), func(i int) error {
		_, err := schedule.PatientAppointments(sample[i].id)
		return err
	})
}

func BenchmarkScheduleBook(b *testing.B) {
	a, schedule := benchSchedule(b)
	sample := loadSample(b, rawConn(b, a.DataDir()), 400)
	clinicians, err := schedule.Clinicians()
	if err != nil {
		b.Fatal(err)
	}
	types, err := schedule.Types()
	if err != nil {
		b.Fatal(err)
	}
	// Into the full days of the weeks before today: every booking overlaps
	// and is warned about, the most work a booking does.
	timeEach(b, len(sample), func(i int) error {
		day := benchToday.AddDate(0, 0, -7*(i%50)).Format("2006-01-02")
		_, err := schedule.Book(app.AppointmentInput{PatientID: sample[i].id, ClinicianID: clinicians[i%len(clinicians)].ID,
			TypeID: types[0].ID, Start: day + "T10:00"})
		return err
	})
}
