package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// The generated clinic's remote-monitoring programme: monitoredPatients of
// its patients enrolled for monitoredDays, each with a morning and an
// evening BP reading a day (a weight every third morning), most reviewed a
// week ago. Added once per benchmark run to the generated clinic.
const (
	monitoredPatients = 500
	monitoredDays     = 60
)

var monitoringOnce struct {
	sync.Once
	err error
}

// monitoredClinic opens the generated clinic with its monitoring programme
// and signs in its clinician.
func monitoredClinic(b *testing.B) (*app.App, *app.Chart) {
	b.Helper()
	a, err := app.Open(context.Background(), benchClinic(b), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	monitoringOnce.Do(func() { monitoringOnce.err = seedMonitoring(a) })
	if monitoringOnce.err != nil {
		b.Fatal(monitoringOnce.err)
	}
	s := a.NewSession("bench")
	var auth *app.Auth
	var chart *app.Chart
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Chart:
			chart = v
		}
	}
	if _, err := auth.Login("drlee", "demo-clinician-pass"); err != nil {
		b.Fatal(err)
	}
	return a, chart
}

// seedMonitoring enrols the programme's patients and writes their
// readings and reviews, in one transaction.
func seedMonitoring(a *app.App) error {
	start := time.Now()
	now := time.Now().UTC().Truncate(time.Minute)
	first := now.AddDate(0, 0, -monitoredDays)
	var enrolled []string
	err := a.DB().Update(context.Background(), func(tx *db.Tx) error {
		clinician, err := tx.UserByName("drlee")
		if err != nil {
			return err
		}
		patients, err := tx.ActivePatientsAfter("", monitoredPatients)
		if err != nil {
			return err
		}
		for i, p := range patients {
			id := p.ID
			enrolled = append(enrolled, id)
			e := db.Enrolment{ID: fmt.Sprintf("bench-rpm-%d", i), PatientID: id, Device: "Omron M7",
				StartedOn: first.Format("2006-01-02"), SystolicBelow: ptr(130), DiastolicBelow: ptr(80),
				WeightGainKg: ptr(2), ConsentAt: first, ConsentBy: clinician.ID, ConsentNote: "verbal consent",
				Status: db.EnrolmentActive, Version: 1, CreatedAt: first, CreatedBy: clinician.ID, UpdatedAt: first,
				UpdatedBy: clinician.ID}
			if err := tx.InsertEnrolment(e); err != nil {
				return fmt.Errorf("enrol %s: %w", id, err)
			}
			for day := range monitoredDays {
				for _, hour := range []int{7, 20} {
					taken := first.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
					sys, dia := 118+float64((i*7+day*3+hour)%30), 70+float64((i*5+day+hour)%16)
					r := benchReading(fmt.Sprintf("bench-%d-%d-%d", i, day, hour), id, clinician.ID, taken, "bp")
					r.Systolic, r.Diastolic = &sys, &dia
					if _, err := tx.InsertHomeReading(r); err != nil {
						return err
					}
				}
				if day%3 == 0 {
					taken := first.AddDate(0, 0, day).Add(7*time.Hour + 5*time.Minute)
					kg := 80 + float64((i+day)%5)*0.6
					r := benchReading(fmt.Sprintf("bench-w-%d-%d", i, day), id, clinician.ID, taken, "weight")
					r.WeightKg = &kg
					if _, err := tx.InsertHomeReading(r); err != nil {
						return err
					}
				}
			}
			if i%10 == 0 {
				continue // never reviewed: every reading is new
			}
			review := db.ReadingReview{ID: fmt.Sprintf("bench-review-%d", i), PatientID: id, EnrolmentID: e.ID,
				ThroughAt: now.AddDate(0, 0, -7), Minutes: 10, ReviewedAt: now.AddDate(0, 0, -7),
				ReviewedBy: clinician.ID}
			if err := tx.InsertReadingReview(review); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		// Written straight into the database: the list's rows are made as
		// the app's writes would have made them.
		_, err = a.MakeReadingsToReview(context.Background(), enrolled...)
	}
	if err == nil {
		fmt.Printf("enrolled %d patients with %d days of readings in %.1fs\n", monitoredPatients, monitoredDays,
			time.Since(start).Seconds())
	}
	return err
}

// benchReading is a reading brought in from a file, added (created_at)
// an hour after it was taken.
func benchReading(id, patientID, by string, taken time.Time, kind string) db.HomeReading {
	added := taken.Add(time.Hour)
	return db.HomeReading{ID: id, PatientID: patientID, TakenAt: taken, TakenLocal: taken.Format("2006-01-02T15:04"),
		Kind: kind, Source: "file", ImportID: "bench-import", Device: "Omron M7", DedupKey: id, Status: "final",
		Version: 1, CreatedAt: added, CreatedBy: by, UpdatedAt: added, UpdatedBy: by}
}

// BenchmarkReadingsToReview is the clinicians' Readings to review list of
// the generated clinic with 500 patients in remote monitoring, 60 days of
// readings each (target: under 50 ms).
func BenchmarkReadingsToReview(b *testing.B) {
	a, chart := monitoredClinic(b)
	b.Run("list", func(b *testing.B) {
		var rows int
		timeEach(b, 1, func(int) error {
			items, err := chart.ReadingsToReview()
			rows = len(items)
			return err
		})
		if rows != monitoredPatients {
			b.Fatalf("%d patients listed, want %d", rows, monitoredPatients)
		}
		b.ReportMetric(float64(rows), "patients")
	})
	// The list without its audit entries.
	b.Run("read", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := a.ReadingsToReviewRead()
			return err
		})
	})
	// The query alone: the floor of the list.
	b.Run("query", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			return a.DB().View(context.Background(), func(tx *db.Tx) error {
				_, err := tx.ReviewRows()
				return err
			})
		})
	})
	// The list's query before schema 31 kept it: every new reading of every
	// enrolled patient.
	b.Run("readings-query", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			return a.DB().View(context.Background(), func(tx *db.Tx) error {
				_, err := tx.ReadingsToReview()
				return err
			})
		})
	})
}

// BenchmarkHomeReadingsYear is one patient's year of home readings (about
// 1,460: BP morning and evening, a weight every morning, a glucose or an
// SpO2 every other day) read, flagged against the targets and averaged for the chart
// (target: under 5 ms).
func BenchmarkHomeReadingsYear(b *testing.B) {
	ta := newTestApp(b)
	p := ta.register(b, samplePatient())
	chart := ta.Clinician.Chart
	if _, err := chart.EnrolMonitoring(p.ID, app.EnrolmentInput{Device: "Omron M7", Targets: app.MonitoringTargets{
		SystolicBelow: ptr(130), DiastolicBelow: ptr(80), GlucoseLow: ptr(80), GlucoseHigh: ptr(180), WeightGainKg: ptr(2)},
		ConsentNote: "verbal consent"}); err != nil {
		b.Fatal(err)
	}
	now := ta.Clock.Now().UTC()
	err := ta.DB().Update(context.Background(), func(tx *db.Tx) error {
		for day := range 365 {
			first := now.AddDate(0, 0, -365+day)
			for _, hour := range []int{7, 20} {
				sys, dia := 118+float64((day*3+hour)%30), 70+float64((day+hour)%16)
				r := benchReading(fmt.Sprintf("y-%d-%d", day, hour), p.ID, ta.Clinician.User.ID, first.Add(time.Duration(hour)*time.Hour), "bp")
				r.Systolic, r.Diastolic = &sys, &dia
				if _, err := tx.InsertHomeReading(r); err != nil {
					return err
				}
			}
			kg := 80 + float64(day%9)*0.4
			r := benchReading(fmt.Sprintf("y-w-%d", day), p.ID, ta.Clinician.User.ID, first.Add(7*time.Hour+time.Minute), "weight")
			r.WeightKg = &kg
			if _, err := tx.InsertHomeReading(r); err != nil {
				return err
			}
			if day%2 == 1 {
				o := 93 + float64(day%6)
				r := benchReading(fmt.Sprintf("y-o-%d", day), p.ID, ta.Clinician.User.ID, first.Add(9*time.Hour), "spo2")
				r.SpO2 = &o
				if _, err := tx.InsertHomeReading(r); err != nil {
					return err
				}
			}
			if day%2 == 0 {
				g := 90 + float64(day%13)*9
				r := benchReading(fmt.Sprintf("y-g-%d", day), p.ID, ta.Clinician.User.ID, first.Add(8*time.Hour), "glucose")
				r.GlucoseMgDl = &g
				if _, err := tx.InsertHomeReading(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Written straight into the database, as a loader does: it names the
	// chart whose kept months to make.
	if _, err := ta.MakeReadingsToReview(context.Background(), p.ID); err != nil {
		b.Fatal(err)
	}
	b.Run("summary", func(b *testing.B) {
		var n int
		timeEach(b, 1, func(int) error {
			s, err := chart.HomeReadingsSummary(p.ID)
			n = s.Count
			return err
		})
		if n < 1400 {
			b.Fatalf("%d readings read, want a year's", n)
		}
		b.ReportMetric(float64(n), "readings")
	})
	// Read and summarised without the audit entry's durable write.
	b.Run("read", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.HomeReadingsSummaryRead(p.ID)
			return err
		})
	})
}
