package app_test

import (
	"strings"
	"testing"

	"folio/app"
)

func TestNextFreeSlot(t *testing.T) {
	sc := newScheduleClinic(t)
	// Weekdays 08:00–17:00, Saturday morning; closed on Sunday.
	hours := []app.OpeningHours{{Weekday: 6, Opens: "09:00", Closes: "12:00"}}
	for day := 1; day <= 5; day++ {
		hours = append(hours, app.OpeningHours{Weekday: day, Opens: "08:00", Closes: "17:00"})
	}
	if _, err := sc.Admin.Schedule.SaveHours(hours); err != nil {
		t.Fatal(err)
	}
	// Dr. Okafor sees patients on Tuesday afternoons only; Dr. Sunday on
	// Sundays, when the clinic is closed.
	if _, err := sc.Admin.Schedule.SaveAvailability(sc.okafor.ID, []app.AvailabilityBlock{
		{Weekday: 2, Start: "13:00", End: "18:00"}}); err != nil {
		t.Fatal(err)
	}
	sunday := sc.addUser(t, "drsunday", app.RoleClinician, "sunday-password-1")
	if _, err := sc.Admin.Schedule.SaveAvailability(sunday.ID, []app.AvailabilityBlock{
		{Weekday: 0, Start: "09:00", End: "12:00"}}); err != nil {
		t.Fatal(err)
	}
	// Dr. Lee, today (Tuesday, now 09:00): 09:00–09:15 and 09:15–09:45
	// taken, 09:45 cancelled (free again), 10:00–10:15 taken; tomorrow
	// 08:00–08:15 taken; today 13:00–13:15 for Dr. Okafor.
	sc.book(t, sc.ana.ID, sc.lee.ID, today+"T09:00", "")
	sc.book(t, sc.ben.ID, sc.lee.ID, today+"T09:15", today+"T09:45")
	gone := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T09:45", "")
	if _, err := sc.desk.Cancel(gone.ID, "patient called", "one", gone.Version); err != nil {
		t.Fatal(err)
	}
	sc.book(t, sc.ben.ID, sc.lee.ID, today+"T10:00", "")
	sc.book(t, sc.ana.ID, sc.lee.ID, tomorrow+"T08:00", "")
	sc.book(t, sc.ben.ID, sc.okafor.ID, today+"T13:00", "")

	for _, tc := range []struct {
		name       string
		clinician  app.User
		typeID     string
		from       string
		start, end string
		wantKind   app.Kind
	}{
		{"from now: the cancelled time is free", sc.lee, consultationType, "", today + "T09:45", today + "T10:00", ""},
		{"the type's length: 30 minutes do not fit before 10:00", sc.lee, longType, "", today + "T10:15", today + "T10:45", ""},
		{"a time inside a visit waits for its end", sc.lee, consultationType, today + "T09:07", today + "T09:45", today + "T10:00", ""},
		{"a date in the past starts from now", sc.lee, consultationType, "2026-03-01", today + "T09:45", today + "T10:00", ""},
		{"a date starts at its opening", sc.lee, consultationType, "2026-03-14", "2026-03-14T09:00", "2026-03-14T09:15", ""},
		{"a date's first time is taken", sc.lee, consultationType, tomorrow, tomorrow + "T08:15", tomorrow + "T08:30", ""},
		{"not past closing: the next open day", sc.lee, longType, today + "T16:50", tomorrow + "T08:15", tomorrow + "T08:45", ""},
		{"closed on Sunday: Monday", sc.lee, longType, "2026-03-14T11:50", "2026-03-16T08:00", "2026-03-16T08:30", ""},
		{"the clinician's own hours", sc.okafor, consultationType, "", today + "T13:15", today + "T13:30", ""},
		{"the clinician's hours, cut to the clinic's", sc.okafor, longType, today + "T16:40", "2026-03-17T13:00", "2026-03-17T13:30", ""},
		{"none free in range", sunday, consultationType, "", "", "", app.NotFound},
		{"no type", sc.lee, "", "", "", "", app.Invalid},
		{"no clinician", app.User{}, consultationType, "", "", "", app.Invalid},
		{"a date that does not exist", sc.lee, consultationType, "2026-02-30", "", "", app.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sc.desk.NextFreeSlot(tc.clinician.ID, tc.typeID, tc.from)
			if tc.wantKind != "" {
				e := wantKind(t, err, tc.wantKind)
				if tc.wantKind == app.NotFound && !strings.Contains(e.Message, "has no free 15 minutes") {
					t.Errorf("message = %q", e.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := app.FreeSlot{Start: tc.start, End: tc.end, ClinicianID: tc.clinician.ID, TypeID: tc.typeID}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestNextFreeSlotWithoutHours: a clinic that never set its hours is
// searched 08:00 to 18:00, as its calendar shows.
func TestNextFreeSlotWithoutHours(t *testing.T) {
	sc := newScheduleClinic(t)
	got, err := sc.desk.NextFreeSlot(sc.lee.ID, longType, today+"T17:40")
	if err != nil {
		t.Fatal(err)
	}
	if got.Start != tomorrow+"T08:00" {
		t.Errorf("start = %s, want %sT08:00", got.Start, tomorrow)
	}
}

func TestReschedule(t *testing.T) {
	sc := newScheduleClinic(t)
	a := sc.book(t, sc.ana.ID, sc.lee.ID, today+"T10:30", "")
	res, err := sc.desk.Reschedule(app.RescheduleInput{ID: a.ID, Start: tomorrow + "T09:00", ClinicianID: sc.okafor.ID,
		TypeID: longType, Note: "  wants a morning ", Version: a.Version})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Appointments[0]
	if got.Start != tomorrow+"T09:00" || got.End != tomorrow+"T09:30" || got.ClinicianID != sc.okafor.ID ||
		got.TypeID != longType || got.Note != "wants a morning" || got.Version != a.Version+1 {
		t.Errorf("rescheduled = %+v", got)
	}
	e := sc.lastAudit(t)
	want := today + "T10:30–10:45 to " + tomorrow + "T09:00–09:30; clinician changed; visit type changed; note changed"
	if e.Action != "appointment.reschedule" || e.PatientID != sc.ana.ID || e.Detail != want {
		t.Errorf("audit = %s %q %q", e.Action, e.PatientID, e.Detail)
	}
	if revs := sc.revisions(t, a.ID); len(revs) != 1 || revs[0].Appointment.Start != today+"T10:30" {
		t.Errorf("revisions = %+v", revs)
	}

	for _, tc := range []struct {
		name string
		in   app.RescheduleInput
		want app.Kind
	}{
		{"an older version", app.RescheduleInput{ID: a.ID, Start: tomorrow + "T11:00", Version: a.Version}, app.Conflict},
		{"nothing changed", app.RescheduleInput{ID: a.ID, Start: tomorrow + "T09:00", End: tomorrow + "T09:30",
			Note: "wants a morning", Version: got.Version}, app.Invalid},
		{"ends before it starts", app.RescheduleInput{ID: a.ID, Start: tomorrow + "T09:00", End: tomorrow + "T08:00",
			Version: got.Version}, app.Invalid},
		{"no such type", app.RescheduleInput{ID: a.ID, Start: tomorrow + "T09:00", TypeID: "nope", Version: got.Version}, app.Invalid},
		{"no such appointment", app.RescheduleInput{ID: "nope", Start: tomorrow + "T09:00", Version: 1}, app.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sc.desk.Reschedule(tc.in)
			wantKind(t, err, tc.want)
		})
	}
	if now := sc.appointment(t, a.ID); now.Version != got.Version {
		t.Errorf("a refused reschedule saved: version %d", now.Version)
	}
}
