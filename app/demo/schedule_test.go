package demo_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"folio/app"
	"folio/app/demo"
	"folio/db"
)

func TestAppointmentsAreReproducible(t *testing.T) {
	frame := demo.ScheduleFrame{Today: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), Patients: 500,
		Clinicians: []string{"drlee", "drkim"},
		Types:      []app.AppointmentType{{Name: "Consultation", Minutes: 15}, {Name: "Long consultation", Minutes: 30}}}
	a := slices.Collect(demo.Appointments(2000, 3, frame))
	b := slices.Collect(demo.Appointments(2000, 3, frame))
	if len(a) != 2000 || !slices.Equal(a, b) {
		t.Fatalf("%d appointments; the same seed gave the same: %v", len(a), slices.Equal(a, b))
	}
	statuses := map[string]int{}
	last := ""
	for _, x := range a {
		statuses[x.Status]++
		day, _ := time.Parse("2006-01-02T15:04", x.Start)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("booked at the weekend: %+v", x)
		}
		if x.Start[11:] < "08:00" || x.End[11:] > "17:00" || (x.Start[11:] < "13:00" && x.End[11:] > "12:00") {
			t.Errorf("outside the day's blocks: %+v", x)
		}
		last = max(last, x.Start)
	}
	if statuses["done"] == 0 || statuses["no_show"] == 0 || statuses["cancelled"] == 0 || statuses["booked"] == 0 {
		t.Errorf("statuses %v", statuses)
	}
	if last < "2026-04-01" || last > "2026-04-07" {
		t.Errorf("the last appointment is at %s, want four weeks on", last)
	}
}

func TestGenerateWithAppointments(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	a, err := app.Open(ctx, t.TempDir(), app.Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := demo.Generate(ctx, a, demo.Options{Patients: 200, Seed: 7, Appointments: 8000, Today: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Patients != 200 || res.Appointments != 8000 || len(res.Accounts) != 12 {
		t.Fatalf("result %+v", res)
	}
	var n int
	var clinicians []db.User
	err = a.DB().View(ctx, func(tx *db.Tx) (err error) {
		if n, err = tx.CountAppointments(); err != nil {
			return err
		}
		clinicians, err = tx.Clinicians()
		return err
	})
	if err != nil || n != 8000 || len(clinicians) != 10 {
		t.Fatalf("%d appointments, %d clinicians, %v", n, len(clinicians), err)
	}
	// The front desk sees today's clinic on the board.
	s := a.NewSession("test")
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
		t.Fatal(err)
	}
	board, err := schedule.Board("")
	if err != nil || len(board.Columns[0].Cards) < 100 {
		t.Fatalf("today's board: %d booked, %v", len(board.Columns[0].Cards), err)
	}
	if c, err := a.CheckAudit(); err != nil || c.Problem != "" {
		t.Errorf("audit after Generate: %+v, %v", c, err)
	}
}
