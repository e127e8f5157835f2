package app_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// The appointment types every new clinic starts with (0002_schedule.sql).
const (
	consultationType = "00000000-0000-7000-8000-000000000001" // 15 minutes
	longType         = "00000000-0000-7000-8000-000000000002" // 30 minutes
)

// testStart is Tuesday 10 March 2026, 09:00.
const (
	today    = "2026-03-10"
	tomorrow = "2026-03-11"
)

// book books a consultation at the front desk and fails the test if it
// cannot; end "" takes the type's 15 minutes.
func (ta *testApp) book(t testing.TB, patientID, clinicianID, start, end string) app.Appointment {
	t.Helper()
	res, err := ta.FrontDesk.Schedule.Book(app.AppointmentInput{PatientID: patientID, ClinicianID: clinicianID,
		TypeID: consultationType, Start: start, End: end})
	if err != nil {
		t.Fatalf("book %s at %s: %v", patientID, start, err)
	}
	if len(res.Appointments) != 1 {
		t.Fatalf("booked %d appointments, want 1", len(res.Appointments))
	}
	return res.Appointments[0]
}

// scheduleClinic is a test clinic with two patients and two clinicians.
type scheduleClinic struct {
	*testApp
	ana, ben    app.Patient
	lee, okafor app.User
	desk        *app.Schedule
}

func newScheduleClinic(t *testing.T) *scheduleClinic {
	t.Helper()
	ta := newTestApp(t)
	ben := samplePatient()
	ben.FamilyName, ben.GivenNames, ben.BirthDate, ben.Phone = "Okoro", "Ben", "1990-01-02", "555-303-4455"
	return &scheduleClinic{
		testApp: ta,
		ana:     ta.register(t, samplePatient()),
		ben:     ta.register(t, ben),
		lee:     ta.Clinician.User,
		okafor:  ta.addUser(t, "drokafor", app.RoleClinician, "okafor-password-1"),
		desk:    ta.FrontDesk.Schedule,
	}
}

// appointment reads one appointment as stored.
func (sc *scheduleClinic) appointment(t *testing.T, id string) db.Appointment {
	t.Helper()
	var a db.Appointment
	err := sc.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		a, err = tx.AppointmentByID(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (sc *scheduleClinic) revisions(t *testing.T, id string) []db.AppointmentRevision {
	t.Helper()
	var revs []db.AppointmentRevision
	err := sc.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		revs, err = tx.AppointmentRevisions(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return revs
}

func kinds(ws []app.Warning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Kind)
	}
	slices.Sort(out)
	return out
}

func TestBook(t *testing.T) {
	sc := newScheduleClinic(t)
	res, err := sc.desk.Book(app.AppointmentInput{PatientID: sc.ana.ID, ClinicianID: sc.lee.ID, TypeID: longType,
		Start: today + "T10:00", Note: "  bring the x-rays "})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Appointments) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("result = %+v", res)
	}
	a := res.Appointments[0]
	want := app.Appointment{ID: a.ID, PatientID: sc.ana.ID, PatientFamilyName: "Rivera", PatientGivenNames: "Ana Sofia",
		PatientMRN: sc.ana.MRN, PatientBirthDate: "1984-06-21", PatientPhone: "555-201-3344", ClinicianID: sc.lee.ID,
		ClinicianName: "Dr. Jordan Lee", TypeID: longType, TypeName: "Long consultation", Colour: "#8b5cf6",
		Start: today + "T10:00", End: today + "T10:30", Minutes: 30, Status: "booked", Note: "bring the x-rays", Version: 1}
	if a != want {
		t.Errorf("booked\n %+v\nwant\n %+v", a, want)
	}
	e := sc.lastAudit(t)
	if e.Action != "appointment.book" || e.PatientID != sc.ana.ID || e.Record != "appointment/"+a.ID ||
		e.Username != frontDeskUsername || !strings.Contains(e.Detail, "10:00 to 10:30 with drlee") {
		t.Errorf("audit = %+v", e)
	}
	// An explicit end wins over the type's length; clinicians book too.
	res, err = sc.Clinician.Schedule.Book(app.AppointmentInput{PatientID: sc.ben.ID, ClinicianID: sc.lee.ID,
		TypeID: consultationType, Start: today + "T11:00", End: today + "T11:40"})
	if err != nil || res.Appointments[0].Minutes != 40 {
		t.Fatalf("book with an end: %+v, %v", res, err)
	}
}

func TestBookWarnings(t *testing.T) {
	sc := newScheduleClinic(t)
	if _, err := sc.Admin.Schedule.SaveHours([]app.OpeningHours{
		{Weekday: 1, Opens: "08:00", Closes: "17:00"}, {Weekday: 2, Opens: "08:00", Closes: "17:00"},
		{Weekday: 3, Opens: "08:00", Closes: "12:00"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Admin.Schedule.SaveAvailability(sc.okafor.ID, []app.AvailabilityBlock{
		{Weekday: 2, Start: "09:00", End: "12:00"}, {Weekday: 2, Start: "13:00", End: "16:00"},
	}); err != nil {
		t.Fatal(err)
	}
	// Dr. Lee has Ana 10:00–10:30 on Tuesday; a cancelled 11:00 is free again.
	sc.book(t, sc.ana.ID, sc.lee.ID, today+"T10:00", today+"T10:30")
	gone := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T11:00", "")
	if _, err := sc.desk.Cancel(gone.ID, "patient called", "one", gone.Version); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		patient     app.Patient
		clinician   app.User
		start, end  string
		want        []string
		wantMessage string
	}{
		{"free time", sc.ben, sc.lee, today + "T09:00", today + "T09:30", []string{}, ""},
		{"back to back", sc.ben, sc.lee, today + "T10:30", today + "T10:45", []string{}, ""},
		{"clinician busy", sc.ben, sc.lee, today + "T10:15", today + "T10:45", []string{"overlap"}, "Dr. Jordan Lee already has Ana Sofia Rivera at 10:00–10:30"},
		{"covers the other", sc.ben, sc.lee, today + "T09:45", today + "T10:45", []string{"overlap"}, ""},
		{"cancelled is free", sc.ben, sc.lee, today + "T11:00", today + "T11:15", []string{}, ""},
		{"patient busy elsewhere", sc.ana, sc.okafor, today + "T10:00", today + "T10:15", []string{"patient_overlap"}, "also booked with Dr. Jordan Lee at 10:00–10:30"},
		{"closed on Sunday", sc.ben, sc.lee, "2026-03-15T10:00", "2026-03-15T10:15", []string{"closed"}, "closed on Sundays"},
		{"after closing", sc.ben, sc.lee, today + "T16:50", today + "T17:10", []string{"outside_hours"}, "outside clinic hours (08:00 to 17:00"},
		{"before opening", sc.ben, sc.lee, today + "T07:30", today + "T07:45", []string{"outside_hours"}, ""},
		{"Wednesday afternoon", sc.ben, sc.lee, tomorrow + "T13:00", tomorrow + "T13:15", []string{"outside_hours"}, ""},
		{"within availability", sc.ben, sc.okafor, today + "T13:00", today + "T16:00", []string{}, ""},
		{"clinician's lunch", sc.ben, sc.okafor, today + "T11:45", today + "T12:15", []string{"outside_availability"}, "sees patients on Tuesdays 09:00 to 12:00 and 13:00 to 16:00 only"},
		{"clinician's day off", sc.ben, sc.okafor, "2026-03-09T10:00", "2026-03-09T10:15", []string{"outside_availability"}, "does not see patients on Mondays"},
		{"everything at once", sc.ana, sc.okafor, "2026-03-15T10:00", "2026-03-15T10:15", []string{"closed", "outside_availability"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := sc.desk.Book(app.AppointmentInput{PatientID: tc.patient.ID, ClinicianID: tc.clinician.ID,
				TypeID: consultationType, Start: tc.start, End: tc.end})
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(res.Warnings); !slices.Equal(got, tc.want) {
				t.Errorf("warnings %v, want %v: %+v", got, tc.want, res.Warnings)
			}
			for _, w := range res.Warnings {
				if w.AppointmentID != res.Appointments[0].ID || w.Start != tc.start || w.Message == "" {
					t.Errorf("warning %+v", w)
				}
			}
			if tc.wantMessage != "" && (len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0].Message, tc.wantMessage)) {
				t.Errorf("warnings %+v do not say %q", res.Warnings, tc.wantMessage)
			}
			// Saved despite the warning, and undone so the cases stay apart.
			a := res.Appointments[0]
			if stored := sc.appointment(t, a.ID); stored.Status != "booked" {
				t.Errorf("stored %+v", stored)
			}
			if _, err := sc.desk.Cancel(a.ID, "test done", "one", a.Version); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBookRejectsBadInput(t *testing.T) {
	sc := newScheduleClinic(t)
	disabled := sc.addUser(t, "drgone", app.RoleClinician, "gone-password-1")
	if _, err := sc.Admin.Admin.SetUserActive(disabled.ID, false); err != nil {
		t.Fatal(err)
	}
	retired, err := sc.Admin.Schedule.SaveType(app.AppointmentType{Name: "Old type", Minutes: 20, Colour: "#000000"})
	if err != nil {
		t.Fatal(err)
	}
	retired.Active = false
	if _, err := sc.Admin.Schedule.SaveType(retired); err != nil {
		t.Fatal(err)
	}
	valid := func() app.AppointmentInput {
		return app.AppointmentInput{PatientID: sc.ana.ID, ClinicianID: sc.lee.ID, TypeID: consultationType,
			Start: today + "T10:00", End: today + "T10:20"}
	}
	for _, tc := range []struct {
		name   string
		change func(*app.AppointmentInput)
		fields []string
	}{
		{"no patient", func(in *app.AppointmentInput) { in.PatientID = "" }, []string{"patientId"}},
		{"unknown patient", func(in *app.AppointmentInput) { in.PatientID = "no-such-id" }, []string{"patientId"}},
		{"no clinician", func(in *app.AppointmentInput) { in.ClinicianID = "" }, []string{"clinicianId"}},
		{"not a clinician", func(in *app.AppointmentInput) { in.ClinicianID = sc.FrontDesk.User.ID }, []string{"clinicianId"}},
		{"disabled clinician", func(in *app.AppointmentInput) { in.ClinicianID = disabled.ID }, []string{"clinicianId"}},
		{"no type", func(in *app.AppointmentInput) { in.TypeID = "" }, []string{"typeId"}},
		{"unknown type", func(in *app.AppointmentInput) { in.TypeID = "nope" }, []string{"typeId"}},
		{"retired type", func(in *app.AppointmentInput) { in.TypeID = retired.ID }, []string{"typeId"}},
		{"no start", func(in *app.AppointmentInput) { in.Start = "" }, []string{"start"}},
		{"start without time", func(in *app.AppointmentInput) { in.Start = today }, []string{"start"}},
		{"sloppy start", func(in *app.AppointmentInput) { in.Start = "2026-03-10T9:00" }, []string{"start"}},
		{"impossible date", func(in *app.AppointmentInput) { in.Start, in.End = "2026-02-30T10:00", "" }, []string{"start"}},
		{"hour 24", func(in *app.AppointmentInput) { in.Start, in.End = today+"T24:00", "" }, []string{"start"}},
		{"year typo", func(in *app.AppointmentInput) { in.Start, in.End = "1026-03-10T10:00", "1026-03-10T10:20" }, []string{"start"}},
		{"end before start", func(in *app.AppointmentInput) { in.End = today + "T09:30" }, []string{"end"}},
		{"end at start", func(in *app.AppointmentInput) { in.End = in.Start }, []string{"end"}},
		{"bad end", func(in *app.AppointmentInput) { in.End = "10:20" }, []string{"end"}},
		{"four minutes", func(in *app.AppointmentInput) { in.End = today + "T10:04" }, []string{"end"}},
		{"over eight hours", func(in *app.AppointmentInput) { in.Start, in.End = today+"T08:00", today+"T16:01" }, []string{"end"}},
		{"past midnight", func(in *app.AppointmentInput) { in.Start, in.End = today+"T23:50", tomorrow+"T00:10" }, []string{"end"}},
		{"long note", func(in *app.AppointmentInput) { in.Note = strings.Repeat("x", 501) }, []string{"note"}},
		{"unknown recurrence", func(in *app.AppointmentInput) { in.Recurrence = app.Recurrence{Every: "year", Count: 3} }, []string{"recurrence.every"}},
		{"series of one", func(in *app.AppointmentInput) { in.Recurrence = app.Recurrence{Every: "week", Count: 1} }, []string{"recurrence.count"}},
		{"series too long", func(in *app.AppointmentInput) { in.Recurrence = app.Recurrence{Every: "week", Count: 53} }, []string{"recurrence.count"}},
		{"count without every", func(in *app.AppointmentInput) { in.Recurrence = app.Recurrence{Count: 5} }, []string{"recurrence.every"}},
		{"everything wrong", func(in *app.AppointmentInput) { *in = app.AppointmentInput{} }, []string{"clinicianId", "patientId", "start", "typeId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.change(&in)
			before := sc.counts(t)
			res, err := sc.desk.Book(in)
			e := wantKind(t, err, app.Invalid)
			var fields []string
			for f := range e.Fields {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", fields, tc.fields, e.Fields)
			}
			if len(res.Appointments) != 0 || len(res.Warnings) != 0 {
				t.Errorf("a refused booking returned %+v", res)
			}
			if after := sc.counts(t); after != before {
				t.Errorf("a refused booking wrote: before %+v, after %+v", before, after)
			}
		})
	}
}

func TestRecurrence(t *testing.T) {
	sc := newScheduleClinic(t)
	for _, tc := range []struct {
		every string
		count int
		start string
		want  []string
	}{
		{"day", 3, "2026-03-10T09:00", []string{"2026-03-10T09:00", "2026-03-11T09:00", "2026-03-12T09:00"}},
		{"week", 4, "2026-03-10T10:00", []string{"2026-03-10T10:00", "2026-03-17T10:00", "2026-03-24T10:00", "2026-03-31T10:00"}},
		{"2weeks", 3, "2026-03-10T11:00", []string{"2026-03-10T11:00", "2026-03-24T11:00", "2026-04-07T11:00"}},
		// The 31st of a shorter month is its last day; 2028 is a leap year.
		{"month", 5, "2027-12-31T12:00", []string{"2027-12-31T12:00", "2028-01-31T12:00", "2028-02-29T12:00", "2028-03-31T12:00", "2028-04-30T12:00"}},
		// Over the change to summer time the wall-clock time stays.
		{"week", 2, "2026-03-27T08:00", []string{"2026-03-27T08:00", "2026-04-03T08:00"}},
	} {
		t.Run(fmt.Sprintf("%s×%d", tc.every, tc.count), func(t *testing.T) {
			before := sc.counts(t)
			res, err := sc.desk.Book(app.AppointmentInput{PatientID: sc.ana.ID, ClinicianID: sc.okafor.ID, TypeID: consultationType,
				Start: tc.start, Recurrence: app.Recurrence{Every: tc.every, Count: tc.count}})
			if err != nil {
				t.Fatal(err)
			}
			var starts []string
			for _, a := range res.Appointments {
				starts = append(starts, a.Start)
				if a.SeriesID == "" || a.SeriesID != res.Appointments[0].SeriesID || a.Minutes != 15 {
					t.Errorf("appointment %+v", a)
				}
			}
			if !slices.Equal(starts, tc.want) {
				t.Errorf("starts %v, want %v", starts, tc.want)
			}
			after := sc.counts(t)
			if after.Appointments-before.Appointments != tc.count || after.Audit-before.Audit != 1 {
				t.Errorf("counts before %+v, after %+v", before, after)
			}
		})
	}
	t.Run("52 weeks at most", func(t *testing.T) {
		res, err := sc.desk.Book(app.AppointmentInput{PatientID: sc.ben.ID, ClinicianID: sc.lee.ID, TypeID: consultationType,
			Start: "2026-03-10T16:00", Recurrence: app.Recurrence{Every: "week", Count: 52}})
		if err != nil || len(res.Appointments) != 52 || res.Appointments[51].Start != "2027-03-02T16:00" {
			t.Fatalf("%d appointments, %v", len(res.Appointments), err)
		}
	})
}

// bookSeries books Ana weekly with Dr. Lee at 10:00 from today, n times.
func (sc *scheduleClinic) bookSeries(t *testing.T, n int) []app.Appointment {
	t.Helper()
	res, err := sc.desk.Book(app.AppointmentInput{PatientID: sc.ana.ID, ClinicianID: sc.lee.ID, TypeID: consultationType,
		Start: today + "T10:00", Recurrence: app.Recurrence{Every: "week", Count: n}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Appointments
}

// series reads a series back as start → status.
func (sc *scheduleClinic) series(t *testing.T, seriesID string) []string {
	t.Helper()
	var out []string
	err := sc.DB().View(context.Background(), func(tx *db.Tx) error {
		all, err := tx.SeriesAppointments(seriesID)
		for _, a := range all {
			out = append(out, a.Start+"-"+a.End[11:]+" "+a.Status+" "+a.ClinicianID[len(a.ClinicianID)-4:])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSeriesEdits(t *testing.T) {
	lee := func(sc *scheduleClinic) string { return sc.lee.ID[len(sc.lee.ID)-4:] }
	okafor := func(sc *scheduleClinic) string { return sc.okafor.ID[len(sc.okafor.ID)-4:] }
	t.Run("move one", func(t *testing.T) {
		sc := newScheduleClinic(t)
		s := sc.bookSeries(t, 3)
		res, err := sc.desk.Move(app.MoveInput{ID: s[1].ID, Start: "2026-03-18T14:00", End: "2026-03-18T14:30", Version: 1})
		if err != nil || len(res.Appointments) != 1 {
			t.Fatalf("%+v, %v", res, err)
		}
		want := []string{today + "T10:00-10:15 booked " + lee(sc), "2026-03-18T14:00-14:30 booked " + lee(sc),
			"2026-03-24T10:00-10:15 booked " + lee(sc)}
		if got := sc.series(t, s[0].SeriesID); !slices.Equal(got, want) {
			t.Errorf("series\n %v\nwant\n %v", got, want)
		}
	})
	t.Run("move all", func(t *testing.T) {
		sc := newScheduleClinic(t)
		s := sc.bookSeries(t, 4)
		// The first has happened: it stays where it was.
		for _, step := range []string{"arrived", "in_room", "with_clinician", "done"} {
			a := sc.appointment(t, s[0].ID)
			if _, err := sc.desk.Advance(a.ID, step, a.Version); err != nil {
				t.Fatal(err)
			}
		}
		// Dragging the third a day later, to 11:30 for 30 minutes, with Dr. Okafor.
		res, err := sc.desk.Move(app.MoveInput{ID: s[2].ID, Start: "2026-03-25T11:30", End: "2026-03-25T12:00",
			ClinicianID: sc.okafor.ID, Version: 1, Scope: "all"})
		if err != nil || len(res.Appointments) != 3 {
			t.Fatalf("%+v, %v", res, err)
		}
		want := []string{today + "T10:00-10:15 done " + lee(sc), "2026-03-18T11:30-12:00 booked " + okafor(sc),
			"2026-03-25T11:30-12:00 booked " + okafor(sc), "2026-04-01T11:30-12:00 booked " + okafor(sc)}
		if got := sc.series(t, s[0].SeriesID); !slices.Equal(got, want) {
			t.Errorf("series\n %v\nwant\n %v", got, want)
		}
		for _, a := range s[1:] {
			if revs := sc.revisions(t, a.ID); len(revs) != 1 || revs[0].Appointment.Start[11:] != "10:00" {
				t.Errorf("revisions of %s: %+v", a.Start, revs)
			}
		}
		if e := sc.lastAudit(t); e.Action != "appointment.move" || !strings.Contains(e.Detail, "all of series") {
			t.Errorf("audit %+v", e)
		}
	})
	t.Run("move following", func(t *testing.T) {
		sc := newScheduleClinic(t)
		s := sc.bookSeries(t, 4)
		if _, err := sc.desk.Move(app.MoveInput{ID: s[2].ID, Start: "2026-03-24T09:00", End: "2026-03-24T09:15",
			Version: 1, Scope: "following"}); err != nil {
			t.Fatal(err)
		}
		want := []string{today + "T10:00-10:15 booked " + lee(sc), "2026-03-17T10:00-10:15 booked " + lee(sc),
			"2026-03-24T09:00-09:15 booked " + lee(sc), "2026-03-31T09:00-09:15 booked " + lee(sc)}
		if got := sc.series(t, s[0].SeriesID); !slices.Equal(got, want) {
			t.Errorf("series\n %v\nwant\n %v", got, want)
		}
	})
	t.Run("cancel one, then all", func(t *testing.T) {
		sc := newScheduleClinic(t)
		s := sc.bookSeries(t, 3)
		got, err := sc.desk.Cancel(s[1].ID, "on holiday", "one", 1)
		if err != nil || len(got) != 1 || got[0].Status != "cancelled" || got[0].Reason != "on holiday" {
			t.Fatalf("%+v, %v", got, err)
		}
		got, err = sc.desk.Cancel(s[0].ID, "moved away", "all", 1)
		if err != nil || len(got) != 2 {
			t.Fatalf("cancel all: %+v, %v", got, err)
		}
		want := []string{today + "T10:00-10:15 cancelled " + lee(sc), "2026-03-17T10:00-10:15 cancelled " + lee(sc),
			"2026-03-24T10:00-10:15 cancelled " + lee(sc)}
		if got := sc.series(t, s[0].SeriesID); !slices.Equal(got, want) {
			t.Errorf("series\n %v\nwant\n %v", got, want)
		}
		// The one cancelled first keeps its own reason.
		if a := sc.appointment(t, s[1].ID); a.Reason != "on holiday" || a.Version != 2 {
			t.Errorf("first cancelled: %+v", a)
		}
	})
	t.Run("cancel following", func(t *testing.T) {
		sc := newScheduleClinic(t)
		s := sc.bookSeries(t, 3)
		if _, err := sc.desk.Cancel(s[1].ID, "course finished", "following", 1); err != nil {
			t.Fatal(err)
		}
		want := []string{today + "T10:00-10:15 booked " + lee(sc), "2026-03-17T10:00-10:15 cancelled " + lee(sc),
			"2026-03-24T10:00-10:15 cancelled " + lee(sc)}
		if got := sc.series(t, s[0].SeriesID); !slices.Equal(got, want) {
			t.Errorf("series\n %v\nwant\n %v", got, want)
		}
	})
	t.Run("scope of a single appointment", func(t *testing.T) {
		sc := newScheduleClinic(t)
		a := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T10:00", "")
		other := sc.book(t, sc.ben.ID, sc.lee.ID, today+"T11:00", "")
		got, err := sc.desk.Cancel(a.ID, "called", "all", 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("%+v, %v", got, err)
		}
		if b := sc.appointment(t, other.ID); b.Status != "booked" {
			t.Errorf("an unrelated appointment was cancelled: %+v", b)
		}
	})
	t.Run("bad scope", func(t *testing.T) {
		sc := newScheduleClinic(t)
		s := sc.bookSeries(t, 2)
		before := sc.counts(t)
		_, err := sc.desk.Cancel(s[0].ID, "called", "some", 1)
		if e := wantKind(t, err, app.Invalid); e.Fields["scope"] == "" {
			t.Errorf("fields %v", e.Fields)
		}
		if after := sc.counts(t); after != before {
			t.Errorf("wrote: %+v → %+v", before, after)
		}
	})
}

func TestMove(t *testing.T) {
	sc := newScheduleClinic(t)
	a := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T10:00", "")
	sc.book(t, sc.ben.ID, sc.okafor.ID, today+"T15:00", "")
	res, err := sc.desk.Move(app.MoveInput{ID: a.ID, Start: today + "T14:50", End: today + "T15:20", ClinicianID: sc.okafor.ID, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Appointments[0]
	if got.Start != today+"T14:50" || got.End != today+"T15:20" || got.ClinicianID != sc.okafor.ID || got.Version != 2 ||
		got.ClinicianName != "Test drokafor" {
		t.Errorf("moved: %+v", got)
	}
	if k := kinds(res.Warnings); !slices.Equal(k, []string{"overlap"}) {
		t.Errorf("warnings %+v", res.Warnings)
	}
	revs := sc.revisions(t, a.ID)
	if len(revs) != 1 || revs[0].Appointment.Start != today+"T10:00" || revs[0].Appointment.Version != 1 ||
		!strings.HasPrefix(revs[0].Reason, "moved from") || revs[0].ChangedBy != frontDeskUsername {
		t.Errorf("revisions %+v", revs)
	}
	e := sc.lastAudit(t)
	if e.Action != "appointment.move" || e.PatientID != sc.ana.ID || !strings.Contains(e.Detail, "clinician changed") {
		t.Errorf("audit %+v", e)
	}

	for _, tc := range []struct {
		name string
		in   app.MoveInput
		kind app.Kind
	}{
		{"stale version", app.MoveInput{ID: a.ID, Start: today + "T16:00", End: today + "T16:15", Version: 1}, app.Conflict},
		{"unknown appointment", app.MoveInput{ID: "nope", Start: today + "T16:00", End: today + "T16:15", Version: 1}, app.NotFound},
		{"nothing changed", app.MoveInput{ID: a.ID, Start: today + "T14:50", End: today + "T15:20", Version: 2}, app.Invalid},
		{"end before start", app.MoveInput{ID: a.ID, Start: today + "T16:00", End: today + "T15:00", Version: 2}, app.Invalid},
		{"no end", app.MoveInput{ID: a.ID, Start: today + "T16:00", Version: 2}, app.Invalid},
		{"not a clinician", app.MoveInput{ID: a.ID, Start: today + "T16:00", End: today + "T16:15", ClinicianID: sc.FrontDesk.User.ID, Version: 2}, app.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := sc.counts(t)
			_, err := sc.desk.Move(tc.in)
			wantKind(t, err, tc.kind)
			if after := sc.counts(t); after != before {
				t.Errorf("wrote: %+v → %+v", before, after)
			}
		})
	}

	t.Run("a patient who arrived stays on the day", func(t *testing.T) {
		b := sc.book(t, sc.ben.ID, sc.lee.ID, today+"T09:00", "")
		b, err := sc.desk.Advance(b.ID, "arrived", b.Version)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sc.desk.Move(app.MoveInput{ID: b.ID, Start: tomorrow + "T09:00", End: tomorrow + "T09:15", Version: b.Version})
		wantKind(t, err, app.Invalid)
		// Given more time on the day, though:
		if _, err := sc.desk.Move(app.MoveInput{ID: b.ID, Start: today + "T09:00", End: today + "T09:40", Version: b.Version}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCancelKeepsTheAppointment(t *testing.T) {
	sc := newScheduleClinic(t)
	a := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T10:00", "")
	before := sc.counts(t)
	got, err := sc.desk.Cancel(a.ID, "  patient has flu  ", "", a.Version)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Status != "cancelled" || got[0].Reason != "patient has flu" || got[0].Version != 2 {
		t.Fatalf("cancelled: %+v", got)
	}
	after := sc.counts(t)
	if after.Appointments != before.Appointments || after.Revisions != before.Revisions+1 || after.Audit != before.Audit+1 {
		t.Errorf("counts %+v → %+v", before, after)
	}
	revs := sc.revisions(t, a.ID)
	if len(revs) != 1 || revs[0].Appointment.Status != "booked" || revs[0].Reason != "cancelled: patient has flu" {
		t.Errorf("revisions %+v", revs)
	}
	if e := sc.lastAudit(t); e.Action != "appointment.cancel" || e.PatientID != sc.ana.ID || !strings.Contains(e.Detail, "patient has flu") {
		t.Errorf("audit %+v", e)
	}
	// Cancelled is the end: no second cancel, no check-in, no move.
	_, err = sc.desk.Cancel(a.ID, "again", "one", 2)
	wantKind(t, err, app.Invalid)
	_, err = sc.desk.Advance(a.ID, "arrived", 2)
	wantKind(t, err, app.Invalid)
	_, err = sc.desk.Move(app.MoveInput{ID: a.ID, Start: today + "T11:00", End: today + "T11:15", Version: 2})
	wantKind(t, err, app.Invalid)
	// A reason is needed; a stale version is refused.
	b := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T11:00", "")
	_, err = sc.desk.Cancel(b.ID, "   ", "one", 1)
	if e := wantKind(t, err, app.Invalid); e.Fields["reason"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	_, err = sc.desk.Cancel(b.ID, "called", "one", 7)
	wantKind(t, err, app.Conflict)
	if got := sc.appointment(t, b.ID); got.Status != "booked" || got.Version != 1 {
		t.Errorf("refused cancels changed %+v", got)
	}
}

func TestAdvance(t *testing.T) {
	sc := newScheduleClinic(t)
	a := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T09:00", "")
	var err error
	steps := []struct {
		to      string
		advance time.Duration // the clock moves on first
	}{{"arrived", 0}, {"in_room", 8 * time.Minute}, {"with_clinician", 5 * time.Minute}, {"done", 9 * time.Minute}}
	for _, step := range steps {
		sc.Clock.Advance(step.advance)
		if a, err = sc.desk.Advance(a.ID, step.to, a.Version); err != nil {
			t.Fatalf("to %s: %v", step.to, err)
		}
		if a.Status != step.to {
			t.Fatalf("status %s, want %s", a.Status, step.to)
		}
	}
	want := map[string]string{"arrived": "09:00", "in_room": "09:08", "with_clinician": "09:13", "done": "09:22"}
	got := map[string]string{"arrived": a.ArrivedAt, "in_room": a.InRoomAt, "with_clinician": a.WithClinicianAt, "done": a.DoneAt}
	for step, clock := range want {
		if got[step] != today+"T"+clock+":00Z" {
			t.Errorf("%s at %q, want %s", step, got[step], clock)
		}
	}
	if a.Version != 5 || len(sc.revisions(t, a.ID)) != 4 {
		t.Errorf("version %d, %d revisions", a.Version, len(sc.revisions(t, a.ID)))
	}
	if e := sc.lastAudit(t); e.Action != "appointment.advance" || e.Detail != "with_clinician → done" || e.PatientID != sc.ana.ID {
		t.Errorf("audit %+v", e)
	}
	// One step back undoes a mis-click and clears that step's time.
	if a, err = sc.desk.Advance(a.ID, "with_clinician", a.Version); err != nil {
		t.Fatal(err)
	}
	if a.DoneAt != "" || a.WithClinicianAt == "" || a.Status != "with_clinician" {
		t.Errorf("after undo: %+v", a)
	}
	if revs := sc.revisions(t, a.ID); revs[0].Appointment.Status != "done" || !strings.HasPrefix(revs[0].Reason, "undo") {
		t.Errorf("undo revision %+v", revs[0])
	}

	fresh := sc.book(t, sc.ben.ID, sc.lee.ID, today+"T11:00", "")
	future := sc.book(t, sc.ben.ID, sc.lee.ID, tomorrow+"T11:00", "")
	for _, tc := range []struct {
		name string
		id   string
		to   string
	}{
		{"booked to in room", fresh.ID, "in_room"},
		{"booked to done", fresh.ID, "done"},
		{"booked to booked", fresh.ID, "booked"},
		{"to no-show", fresh.ID, "no_show"},
		{"to cancelled", fresh.ID, "cancelled"},
		{"to nonsense", fresh.ID, "gone home"},
		{"check in tomorrow's patient", future.ID, "arrived"},
		{"with clinician to booked", a.ID, "booked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := sc.counts(t)
			cur := sc.appointment(t, tc.id)
			_, err := sc.desk.Advance(tc.id, tc.to, cur.Version)
			if e := wantKind(t, err, app.Invalid); e.Fields["status"] == "" || e.Message == "" {
				t.Errorf("error %+v", e)
			}
			if after := sc.counts(t); after != before {
				t.Errorf("wrote: %+v → %+v", before, after)
			}
		})
	}
	_, err = sc.desk.Advance(fresh.ID, "arrived", 9)
	wantKind(t, err, app.Conflict)
}

func TestNoShow(t *testing.T) {
	sc := newScheduleClinic(t) // the clock says 09:00
	early := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T08:30", "")
	later := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T09:30", "")
	_, err := sc.desk.NoShow(later.ID, "did not attend", later.Version)
	wantKind(t, err, app.Invalid)
	_, err = sc.desk.NoShow(early.ID, "", early.Version)
	wantKind(t, err, app.Invalid)
	a, err := sc.desk.NoShow(early.ID, "did not attend, no call", early.Version)
	if err != nil || a.Status != "no_show" || a.Reason != "did not attend, no call" {
		t.Fatalf("%+v, %v", a, err)
	}
	if e := sc.lastAudit(t); e.Action != "appointment.no_show" || e.PatientID != sc.ana.ID {
		t.Errorf("audit %+v", e)
	}
	// The patient turns up after all: undo, then check in.
	if a, err = sc.desk.Advance(a.ID, "booked", a.Version); err != nil || a.Reason != "" || a.Status != "booked" {
		t.Fatalf("undo no-show: %+v, %v", a, err)
	}
	if a, err = sc.desk.Advance(a.ID, "arrived", a.Version); err != nil {
		t.Fatal(err)
	}
	_, err = sc.desk.NoShow(a.ID, "left", a.Version)
	wantKind(t, err, app.Invalid)
}

func TestBoard(t *testing.T) {
	sc := newScheduleClinic(t)
	waiting := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T09:00", "")
	seen := sc.book(t, sc.ben.ID, sc.okafor.ID, today+"T09:00", "")
	sc.book(t, sc.ben.ID, sc.lee.ID, today+"T11:00", "")
	gone := sc.book(t, sc.ana.ID, sc.okafor.ID, today+"T12:00", "")
	sc.book(t, sc.ana.ID, sc.lee.ID, tomorrow+"T09:00", "")
	if _, err := sc.desk.Cancel(gone.ID, "called", "one", 1); err != nil {
		t.Fatal(err)
	}
	must := func(a app.Appointment, err error) app.Appointment {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	waiting = must(sc.desk.Advance(waiting.ID, "arrived", 1))
	seen = must(sc.desk.Advance(seen.ID, "arrived", 1))
	// The clock moves less than the idle lock's 10 minutes at a time.
	sc.Clock.Advance(8 * time.Minute)
	seen = must(sc.desk.Advance(seen.ID, "in_room", seen.Version))
	sc.Clock.Advance(4 * time.Minute)
	must(sc.desk.Advance(seen.ID, "with_clinician", seen.Version))
	sc.Clock.Advance(7 * time.Minute) // 09:19

	board, err := sc.desk.Board("")
	if err != nil {
		t.Fatal(err)
	}
	if board.Date != today || !strings.HasPrefix(board.Now, today+"T09:19") {
		t.Errorf("board of %s at %s", board.Date, board.Now)
	}
	var layout []string
	for _, c := range board.Columns {
		for _, card := range c.Cards {
			layout = append(layout, fmt.Sprintf("%s:%s:%v:%d", c.Status, card.Start[11:], card.Waiting, card.WaitMinutes))
		}
	}
	want := []string{"booked:11:00:false:0", "arrived:09:00:true:19", "with_clinician:09:00:false:12"}
	if !slices.Equal(layout, want) {
		t.Errorf("board\n %v\nwant\n %v", layout, want)
	}
	var statuses []string
	for _, c := range board.Columns {
		statuses = append(statuses, c.Status)
	}
	if !slices.Equal(statuses, []string{"booked", "arrived", "in_room", "with_clinician", "done", "no_show"}) {
		t.Errorf("columns %v", statuses)
	}
	if e := sc.lastAudit(t); e.Action != "schedule.board" || e.Detail != today+": 3 appointments" {
		t.Errorf("audit %+v", e)
	}
	_, err = sc.desk.Board("10/03/2026")
	wantKind(t, err, app.Invalid)
}

func TestWeekAndDay(t *testing.T) {
	sc := newScheduleClinic(t)
	sc.book(t, sc.ana.ID, sc.lee.ID, "2026-03-09T08:00", "") // Monday
	sc.book(t, sc.ben.ID, sc.okafor.ID, today+"T09:00", "")  // Tuesday
	sc.book(t, sc.ana.ID, sc.lee.ID, today+"T09:00", "")     // same time, other clinician
	sc.book(t, sc.ben.ID, sc.lee.ID, "2026-03-15T23:00", "") // Sunday night, the week's last
	sc.book(t, sc.ben.ID, sc.lee.ID, "2026-03-16T00:00", "") // next Monday
	sc.book(t, sc.ana.ID, sc.lee.ID, "2026-03-08T23:40", "") // the Sunday before
	gone := sc.book(t, sc.ana.ID, sc.okafor.ID, "2026-03-12T10:00", "")
	if _, err := sc.desk.Cancel(gone.ID, "called", "one", 1); err != nil {
		t.Fatal(err)
	}
	// The week leaves the clinician's name out; the day has it.
	names := map[string]string{sc.lee.ID: "Dr. Jordan Lee", sc.okafor.ID: "Test drokafor"}
	starts := func(c app.Calendar) []string {
		var out []string
		for _, a := range c.Appointments {
			out = append(out, a.Start+" "+names[a.ClinicianID])
		}
		return out
	}
	week, err := sc.desk.Week("2026-03-09", "")
	if err != nil {
		t.Fatal(err)
	}
	// In time order, then in the order they were booked.
	want := []string{"2026-03-09T08:00 Dr. Jordan Lee", today + "T09:00 Test drokafor", today + "T09:00 Dr. Jordan Lee",
		"2026-03-15T23:00 Dr. Jordan Lee"}
	if got := starts(week); week.From != "2026-03-09" || week.To != "2026-03-16" || !slices.Equal(got, want) {
		t.Errorf("week %s–%s\n %v\nwant\n %v", week.From, week.To, got, want)
	}
	if e := sc.lastAudit(t); e.Action != "schedule.week" || e.PatientID != "" || !strings.Contains(e.Detail, "whole clinic: 4 appointments") {
		t.Errorf("audit %+v", e)
	}
	// A week's line is what the calendar draws (the phone in its tooltip) and a drag needs, no more.
	want0 := app.Appointment{ID: week.Appointments[0].ID, PatientID: sc.ana.ID, PatientFamilyName: sc.ana.FamilyName,
		PatientGivenNames: sc.ana.GivenNames, PatientPhone: sc.ana.Phone, ClinicianID: sc.lee.ID, TypeID: consultationType, TypeName: "Consultation",
		Colour: week.Appointments[0].Colour, Start: "2026-03-09T08:00", End: "2026-03-09T08:15", Status: "booked", Version: 1}
	if got := week.Appointments[0]; got != want0 || got.Colour == "" {
		t.Errorf("week line\n %+v\nwant\n %+v", got, want0)
	}
	week, err = sc.desk.Week("2026-03-09", sc.okafor.ID)
	if err != nil || !slices.Equal(starts(week), []string{today + "T09:00 Test drokafor"}) || week.ClinicianID != sc.okafor.ID {
		t.Errorf("Dr. Okafor's week: %v, %v", starts(week), err)
	}
	day, err := sc.Clinician.Schedule.Day("", sc.lee.ID)
	if err != nil || day.From != today || day.To != tomorrow || !slices.Equal(starts(day), []string{today + "T09:00 Dr. Jordan Lee"}) {
		t.Errorf("today: %+v, %v", day, err)
	}
	if a := day.Appointments[0]; a.ClinicianName != "Dr. Jordan Lee" || a.PatientMRN != sc.ana.MRN || a.PatientBirthDate == "" || a.Minutes != 15 {
		t.Errorf("a day's line is the whole appointment: %+v", a)
	}
	if e := sc.lastAudit(t); e.Action != "schedule.day" || !strings.Contains(e.Detail, "drlee: 1 appointments") {
		t.Errorf("audit %+v", e)
	}
	for _, tc := range []struct{ from, clinician, field string }{
		{"2026-3-9", "", "from"}, {"2026-02-30", "", "from"}, {"1999-12-31", "", "from"},
		{today, sc.FrontDesk.User.ID, "clinicianId"}, {today, "nobody", "clinicianId"},
	} {
		before := sc.counts(t)
		_, err := sc.desk.Week(tc.from, tc.clinician)
		if e := wantKind(t, err, app.Invalid); e.Fields[tc.field] == "" {
			t.Errorf("Week(%q, %q): fields %v", tc.from, tc.clinician, e.Fields)
		}
		if after := sc.counts(t); after != before {
			t.Errorf("a refused Week wrote: %+v → %+v", before, after)
		}
	}
}

func TestAppointment(t *testing.T) {
	sc := newScheduleClinic(t)
	booked, err := sc.desk.Book(app.AppointmentInput{PatientID: sc.ben.ID, ClinicianID: sc.okafor.ID, TypeID: longType,
		Start: today + "T10:00", Note: "bring the letter"})
	if err != nil {
		t.Fatal(err)
	}
	a := booked.Appointments[0]
	if _, err := sc.desk.Advance(a.ID, "arrived", a.Version); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		as   *app.Schedule
		id   string
		want app.Kind // "" for found
	}{
		{"found", sc.desk, a.ID, ""},
		{"found by a clinician", sc.Clinician.Schedule, a.ID, ""},
		{"not found", sc.desk, "no-such-appointment", app.NotFound},
		{"wrong role", sc.Admin.Schedule, a.ID, app.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := sc.counts(t)
			got, err := tc.as.Appointment(tc.id)
			if tc.want != "" {
				wantKind(t, err, tc.want)
				if after := sc.counts(t); after.Audit != before.Audit {
					t.Errorf("a refused open was audited: %+v → %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != a.ID || got.PatientID != sc.ben.ID || got.PatientMRN != sc.ben.MRN || got.PatientPhone != "555-303-4455" ||
				got.ClinicianName != "Test drokafor" || got.TypeName == "" || got.Colour == "" || got.Minutes != 30 ||
				got.Status != "arrived" || got.ArrivedAt == "" || got.Note != "bring the letter" || got.Version != 2 {
				t.Errorf("opened %+v", got)
			}
			if e := sc.lastAudit(t); e.Action != "appointment.open" || e.PatientID != sc.ben.ID || e.Record != "appointment/"+a.ID {
				t.Errorf("audit %+v", e)
			}
		})
	}
}

func TestPatientAppointments(t *testing.T) {
	sc := newScheduleClinic(t)
	sc.book(t, sc.ana.ID, sc.lee.ID, "2026-02-10T10:00", "")
	sc.book(t, sc.ana.ID, sc.lee.ID, "2026-03-01T10:00", "")
	sc.book(t, sc.ana.ID, sc.lee.ID, "2026-04-01T10:00", "")
	sc.book(t, sc.ana.ID, sc.lee.ID, today+"T10:00", "")
	sc.book(t, sc.ben.ID, sc.lee.ID, today+"T11:00", "")
	gone := sc.book(t, sc.ana.ID, sc.lee.ID, "2026-03-20T10:00", "")
	if _, err := sc.desk.Cancel(gone.ID, "called", "one", 1); err != nil {
		t.Fatal(err)
	}
	list, err := sc.desk.PatientAppointments(sc.ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	starts := func(as []app.Appointment) []string {
		out := []string{}
		for _, a := range as {
			out = append(out, a.Start)
		}
		return out
	}
	if got := starts(list.Upcoming); !slices.Equal(got, []string{today + "T10:00", "2026-04-01T10:00"}) {
		t.Errorf("upcoming %v", got)
	}
	if got := starts(list.Past); !slices.Equal(got, []string{"2026-03-01T10:00", "2026-02-10T10:00"}) {
		t.Errorf("past %v", got)
	}
	if e := sc.lastAudit(t); e.Action != "appointment.list" || e.PatientID != sc.ana.ID {
		t.Errorf("audit %+v", e)
	}
	_, err = sc.desk.PatientAppointments("nobody")
	wantKind(t, err, app.NotFound)
}

func TestCallList(t *testing.T) {
	sc := newScheduleClinic(t)
	carl := samplePatient()
	carl.FamilyName, carl.GivenNames, carl.Phone = "=HYPERLINK(\"http://x\")", "Carl", "+44 20 7946 0958"
	carlP := sc.register(t, carl)
	dana := samplePatient()
	dana.FamilyName, dana.GivenNames = "Dunn", "Dana"
	danaP := sc.register(t, dana)
	missed := func(p app.Patient, start string) {
		t.Helper()
		a := sc.book(t, p.ID, sc.lee.ID, start, "")
		if _, err := sc.desk.NoShow(a.ID, "did not attend", a.Version); err != nil {
			t.Fatal(err)
		}
	}
	missed(sc.ana, "2026-03-02T10:00") // and rebooked below: not to call
	sc.book(t, sc.ana.ID, sc.lee.ID, "2026-03-20T10:00", "")
	missed(sc.ben, "2026-02-20T10:00") // twice: called once, for the latest
	missed(sc.ben, "2026-03-05T10:00")
	missed(carlP, today+"T08:00")     // today, earlier on
	missed(danaP, "2025-11-01T10:00") // too long ago
	late := sc.book(t, danaP.ID, sc.lee.ID, "2026-03-03T10:00", "")
	if _, err := sc.desk.Cancel(late.ID, "called", "one", 1); err != nil { // a cancelled rebooking does not count
		t.Fatal(err)
	}

	list, err := sc.desk.CallList()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.PatientGivenNames+" "+a.Start)
	}
	want := []string{"Carl " + today + "T08:00", "Ben 2026-03-05T10:00"}
	if !slices.Equal(got, want) {
		t.Errorf("call list %v, want %v", got, want)
	}
	if e := sc.lastAudit(t); e.Action != "schedule.call_list" || e.Detail != "2 no-shows to rebook" {
		t.Errorf("audit %+v", e)
	}

	text, err := sc.desk.CallListCSV()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("%v in\n%s", err, text)
	}
	if len(rows) != 3 || rows[0][0] != "Patient" || rows[0][2] != "Phone" {
		t.Fatalf("CSV %q", rows)
	}
	if rows[1][0] != `'=HYPERLINK("http://x"), Carl` || rows[1][2] != "'+44 20 7946 0958" || rows[1][4] != today+" 08:00" {
		t.Errorf("Carl's row %q", rows[1])
	}
	if !strings.Contains(text, "\r\n") {
		t.Error("CSV lines do not end in CRLF")
	}
}

func TestDayListCSV(t *testing.T) {
	sc := newScheduleClinic(t)
	for _, tc := range []struct{ start, note string }{
		{today + "T10:00", "@SUM(A1:A9)"}, {today + "T09:00", "-2+3"}, {today + "T11:00", "+1 call first"},
		{today + "T12:00", "plain, with \"quotes\""}, {today + "T13:00", "\t=tabbed"},
	} {
		if _, err := sc.desk.Book(app.AppointmentInput{PatientID: sc.ana.ID, ClinicianID: sc.lee.ID,
			TypeID: consultationType, Start: tc.start, Note: tc.note}); err != nil {
			t.Fatal(err)
		}
	}
	sc.book(t, sc.ben.ID, sc.okafor.ID, today+"T08:00", "")
	text, err := sc.desk.DayListCSV(today, sc.lee.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var notes, times []string
	for _, r := range rows[1:] {
		times, notes = append(times, r[1]), append(notes, r[10])
	}
	if !slices.Equal(times, []string{"09:00", "10:00", "11:00", "12:00", "13:00"}) {
		t.Errorf("times %v", times)
	}
	want := []string{"'-2+3", "'@SUM(A1:A9)", "'+1 call first", "plain, with \"quotes\"", "=tabbed"}
	// A note is trimmed when booked, so the tab is gone and = leads: defused too.
	want[4] = "'=tabbed"
	if !slices.Equal(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
	if rows[1][4] != "Rivera, Ana Sofia" || rows[1][3] != "Dr. Jordan Lee" || rows[1][9] != "Booked" {
		t.Errorf("row %q", rows[1])
	}
	if e := sc.lastAudit(t); e.Action != "schedule.day_list.export" || !strings.Contains(e.Detail, "drlee: 5 appointments") {
		t.Errorf("audit %+v", e)
	}
	// The whole clinic, clinician by clinician.
	text, err = sc.desk.DayListCSV("", "")
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = csv.NewReader(strings.NewReader(text)).ReadAll()
	if len(rows) != 7 || rows[1][3] != "Dr. Jordan Lee" || rows[6][3] != "Test drokafor" {
		t.Errorf("whole clinic %q", rows)
	}
}

func TestScheduleSetup(t *testing.T) {
	sc := newScheduleClinic(t)
	admin := sc.Admin.Schedule
	types, err := sc.desk.Types()
	// The four of schema 2, and schema 29's Video visit, the one virtual.
	if err != nil || len(types) != 5 || types[0].Name != "Consultation" || !types[0].Active || types[0].Virtual ||
		types[4].Name != "Video visit" || !types[4].Virtual || types[4].Minutes != 15 {
		t.Fatalf("types %+v, %v", types, err)
	}
	added, err := admin.SaveType(app.AppointmentType{Name: "  Smear   test ", Minutes: 20, Colour: "#AABBCC"})
	if err != nil || added.ID == "" || added.Name != "Smear test" || added.Colour != "#aabbcc" || !added.Active {
		t.Fatalf("added %+v, %v", added, err)
	}
	if e := sc.lastAudit(t); e.Action != "appointment_type.add" {
		t.Errorf("audit %+v", e)
	}
	added.Minutes, added.Active = 25, false
	if changed, err := admin.SaveType(added); err != nil || changed.Minutes != 25 || changed.Active {
		t.Fatalf("changed %+v, %v", changed, err)
	}
	for _, tc := range []struct {
		in    app.AppointmentType
		field string
		kind  app.Kind
	}{
		{app.AppointmentType{Name: "", Minutes: 20, Colour: "#000000"}, "name", app.Invalid},
		{app.AppointmentType{Name: "consultation", Minutes: 20, Colour: "#000000"}, "name", app.Invalid},
		{app.AppointmentType{Name: "X", Minutes: 4, Colour: "#000000"}, "minutes", app.Invalid},
		{app.AppointmentType{Name: "X", Minutes: 481, Colour: "#000000"}, "minutes", app.Invalid},
		{app.AppointmentType{Name: "X", Minutes: 20, Colour: "red"}, "colour", app.Invalid},
		{app.AppointmentType{ID: "nope", Name: "X", Minutes: 20, Colour: "#000000"}, "", app.NotFound},
	} {
		before := sc.counts(t)
		_, err := admin.SaveType(tc.in)
		if e := wantKind(t, err, tc.kind); tc.field != "" && e.Fields[tc.field] == "" {
			t.Errorf("SaveType(%+v): fields %v", tc.in, e.Fields)
		}
		if after := sc.counts(t); after != before {
			t.Errorf("a refused SaveType wrote")
		}
	}

	hours, err := sc.desk.Hours()
	if err != nil || len(hours) != 0 {
		t.Fatalf("hours of a new clinic: %+v, %v", hours, err)
	}
	saved, err := admin.SaveHours([]app.OpeningHours{{Weekday: 5, Opens: "08:00", Closes: "16:00"}, {Weekday: 1, Opens: "07:30", Closes: "18:00"}})
	if err != nil || len(saved) != 2 || saved[0].Weekday != 1 {
		t.Fatalf("saved %+v, %v", saved, err)
	}
	if hours, _ := sc.Clinician.Schedule.Hours(); !slices.Equal(hours, saved) {
		t.Errorf("read back %+v", hours)
	}
	for _, bad := range [][]app.OpeningHours{
		{{Weekday: 7, Opens: "08:00", Closes: "16:00"}},
		{{Weekday: 1, Opens: "8:00", Closes: "16:00"}},
		{{Weekday: 1, Opens: "08:00", Closes: "24:00"}},
		{{Weekday: 1, Opens: "16:00", Closes: "08:00"}},
		{{Weekday: 1, Opens: "08:00", Closes: "16:00"}, {Weekday: 1, Opens: "08:00", Closes: "12:00"}},
	} {
		before := sc.counts(t)
		_, err := admin.SaveHours(bad)
		wantKind(t, err, app.Invalid)
		if after := sc.counts(t); after != before {
			t.Errorf("refused SaveHours(%+v) wrote", bad)
		}
	}
	if hours, _ := sc.desk.Hours(); !slices.Equal(hours, saved) {
		t.Errorf("refused saves changed the hours: %+v", hours)
	}

	blocks, err := admin.SaveAvailability(sc.lee.ID, []app.AvailabilityBlock{{Weekday: 2, Start: "13:00", End: "17:00"},
		{Weekday: 2, Start: "08:00", End: "12:00"}})
	if err != nil || len(blocks) != 2 || blocks[0].Start != "08:00" {
		t.Fatalf("availability %+v, %v", blocks, err)
	}
	clinicians, err := sc.desk.Clinicians()
	if err != nil || len(clinicians) != 2 || clinicians[0].ID != sc.lee.ID || len(clinicians[0].Availability) != 2 ||
		len(clinicians[1].Availability) != 0 {
		t.Fatalf("clinicians %+v, %v", clinicians, err)
	}
	if got, err := sc.desk.Availability(sc.lee.ID); err != nil || !slices.Equal(got, blocks) {
		t.Errorf("availability read back %+v, %v", got, err)
	}
	_, err = sc.desk.Availability(sc.FrontDesk.User.ID)
	wantKind(t, err, app.NotFound)
	for _, tc := range []struct {
		clinician string
		blocks    []app.AvailabilityBlock
	}{
		{sc.FrontDesk.User.ID, nil},
		{sc.lee.ID, []app.AvailabilityBlock{{Weekday: 2, Start: "08:00", End: "12:00"}, {Weekday: 2, Start: "11:00", End: "14:00"}}},
		{sc.lee.ID, []app.AvailabilityBlock{{Weekday: -1, Start: "08:00", End: "12:00"}}},
		{sc.lee.ID, []app.AvailabilityBlock{{Weekday: 1, Start: "12:00", End: "08:00"}}},
	} {
		before := sc.counts(t)
		_, err := admin.SaveAvailability(tc.clinician, tc.blocks)
		wantKind(t, err, app.Invalid)
		if after := sc.counts(t); after != before {
			t.Errorf("refused SaveAvailability wrote")
		}
	}
	// An empty template removes it.
	if got, err := admin.SaveAvailability(sc.lee.ID, nil); err != nil || len(got) != 0 {
		t.Errorf("clearing: %+v, %v", got, err)
	}
}

func TestImportAppointments(t *testing.T) {
	sc := newScheduleClinic(t)
	in := []app.ImportedAppointment{
		{PatientMRN: sc.ana.MRN, ClinicianUsername: "drlee", TypeName: "consultation", Start: "2026-03-02T09:00", End: "2026-03-02T09:15", Status: "done"},
		{PatientMRN: sc.ben.MRN, ClinicianUsername: "drokafor", TypeName: "Follow-up", Start: "2026-03-02T09:00", End: "2026-03-02T09:10", Status: "no_show", Reason: "did not attend"},
		{PatientMRN: sc.ana.MRN, ClinicianUsername: "drlee", TypeName: "Consultation", Start: "2026-03-20T09:00", End: "2026-03-20T09:15", Status: "booked"},
	}
	n, err := sc.ImportAppointments(adminUsername, slices.Values(in))
	if err != nil || n != 3 {
		t.Fatalf("imported %d, %v", n, err)
	}
	list, err := sc.desk.PatientAppointments(sc.ana.ID)
	if err != nil || len(list.Past) != 1 || len(list.Upcoming) != 1 {
		t.Fatalf("%+v, %v", list, err)
	}
	done := list.Past[0]
	if done.Status != "done" || !strings.HasPrefix(done.ArrivedAt, "2026-03-02T08:55") || !strings.HasPrefix(done.DoneAt, "2026-03-02T09:15") {
		t.Errorf("imported visit %+v", done)
	}
	if calls, _ := sc.desk.CallList(); len(calls) != 1 || calls[0].PatientID != sc.ben.ID {
		t.Errorf("call list %+v", calls)
	}
	before := sc.counts(t)
	bad := []app.ImportedAppointment{in[0], {PatientMRN: "0000000", ClinicianUsername: "drlee", TypeName: "Consultation",
		Start: "2026-03-02T10:00", End: "2026-03-02T10:15", Status: "done"}}
	_, err = sc.ImportAppointments(adminUsername, slices.Values(bad))
	if e := wantKind(t, err, app.Invalid); !strings.Contains(e.Message, "0000000") {
		t.Errorf("message %q", e.Message)
	}
	if after := sc.counts(t); after != before {
		t.Errorf("a refused batch wrote: %+v → %+v", before, after)
	}
}
