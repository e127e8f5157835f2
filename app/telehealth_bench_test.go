package app_test

// Video visits on the bench clinic of 100,000 patients (bench_test.go's,
// FOLIO_BENCH_CLINIC to copy one made before): booking one (the link's
// random room and the template read with the booking), the day list that
// shows the links, and the consent a start reads.

import (
	"context"
	"fmt"
	"testing"

	"folio/app"
)

func BenchmarkVideoVisit(b *testing.B) {
	dir := benchClinic(b)
	clock := newClock(benchToday)
	a, err := app.Open(context.Background(), dir, app.Options{Now: clock.Now, Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	services := func(username, pw string) (*app.Schedule, *app.Chart, *app.Admin) {
		var auth *app.Auth
		var schedule *app.Schedule
		var chart *app.Chart
		var admin *app.Admin
		for _, svc := range a.Services(a.NewSession(username)) {
			switch v := svc.(type) {
			case *app.Auth:
				auth = v
			case *app.Schedule:
				schedule = v
			case *app.Chart:
				chart = v
			case *app.Admin:
				admin = v
			}
		}
		if _, err := auth.Login(username, pw); err != nil {
			b.Fatal(err)
		}
		return schedule, chart, admin
	}
	_, _, admin := services("admin", "demo-admin-pass")
	settings, err := admin.Settings()
	if err != nil {
		b.Fatal(err)
	}
	settings.MeetingLinkTemplate = "https://meet.example.org/{clinic}-{room}"
	if _, err := admin.SaveSettings(settings); err != nil {
		b.Fatal(err)
	}
	desk, _, _ := services("desk", "demo-frontdesk-pass")
	_, chart, _ := services("drlee", "demo-clinician-pass")
	clinicians, err := desk.Clinicians()
	if err != nil || len(clinicians) == 0 {
		b.Fatalf("clinicians: %v", err)
	}
	sample := loadSample(b, rawConn(b, dir), 400)
	day := benchToday.AddDate(0, 0, 1).Format("2006-01-02")

	b.Run("book", func(b *testing.B) {
		timeEach(b, len(sample), func(i int) error {
			start := fmt.Sprintf("%sT%02d:%02d", day, 8+(i/12)%10, 5*(i%12))
			res, err := desk.Book(app.AppointmentInput{PatientID: sample[i].id, ClinicianID: clinicians[i%len(clinicians)].ID,
				TypeID: videoVisitType, Start: start})
			if err == nil && res.Appointments[0].MeetingLink == "" {
				err = fmt.Errorf("booked without a link")
			}
			return err
		})
	})
	// Beside it, a visit at the clinic: what the link adds.
	b.Run("book-at-the-clinic", func(b *testing.B) {
		timeEach(b, len(sample), func(i int) error {
			start := fmt.Sprintf("%sT%02d:%02d", day, 8+(i/12)%10, 5*(i%12))
			_, err := desk.Book(app.AppointmentInput{PatientID: sample[i].id, ClinicianID: clinicians[i%len(clinicians)].ID,
				TypeID: consultationType, Start: start})
			return err
		})
	})
	b.Run("day-list", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			cal, err := desk.Day(day, "")
			if err == nil && len(cal.Appointments) == 0 {
				err = fmt.Errorf("the day is empty")
			}
			return err
		})
	})
	recorded := false // half the sample has consented, once: b.Run calls again with more runs
	b.Run("consent", func(b *testing.B) {
		for _, p := range sample[:len(sample)/2] {
			if recorded {
				break
			}
			if _, err := chart.RecordTelehealthConsent(p.id, app.ConsentInput{Method: "verbal"}); err != nil {
				b.Fatal(err)
			}
		}
		recorded = true
		timeEach(b, len(sample), func(i int) error {
			_, err := chart.TelehealthConsent(sample[i].id)
			return err
		})
	})
}
