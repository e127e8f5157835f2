package app

import (
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"time"

	"folio/db"
)

// The schedule as read: the calendar's week and day, the check-in board,
// a patient's appointments, and the lists printed or exported as CSV.

// Calendar is the appointments of a span of days, for the whole clinic or
// one clinician, in time order. Cancelled appointments are left out.
type Calendar struct {
	From         string        `json:"from"` // the first day, YYYY-MM-DD
	To           string        `json:"to"`   // the day after the last
	ClinicianID  string        `json:"clinicianId"`
	Appointments []Appointment `json:"appointments"`
}

// checkDay reads a date argument; "" is today, the clinic's date.
func checkDay(fields fieldErrors, field, date string, now time.Time) time.Time {
	date = strings.TrimSpace(date)
	if date == "" {
		return dateOnly(now)
	}
	d, ok := parseDay(date)
	if !ok {
		fields.add(field, "Enter the date as YYYY-MM-DD, e.g. 2026-03-10; that date does not exist.")
		return d
	}
	if y := d.Year(); y < firstBookableYear || y > lastBookableYear {
		fields.add(field, fmt.Sprintf("Choose a date from %d to %d.", firstBookableYear, lastBookableYear))
	}
	return d
}

// checkCalendarClinician checks an optional clinician filter: any account
// that is a clinician, disabled ones too, whose past calendars stay readable.
func (o *op) checkCalendarClinician(fields fieldErrors, id string) db.User {
	if id == "" {
		return db.User{}
	}
	u, err := o.UserByID(id)
	if err != nil || u.Role != RoleClinician {
		fields.add("clinicianId", "No such clinician; choose one from the list.")
	}
	return u
}

// calendar lists days [from, from+days) with read and audits the reading
// as action.
func (s *Schedule) calendar(action, from, clinicianID string, days int, read func(o *op, c *Calendar) error) (Calendar, error) {
	var out Calendar
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		first := checkDay(fields, "from", from, o.now)
		clinician := o.checkCalendarClinician(fields, clinicianID)
		if err := fields.err(); err != nil {
			return err
		}
		out = Calendar{From: first.Format(dateLayout), To: first.AddDate(0, 0, days).Format(dateLayout),
			ClinicianID: clinician.ID, Appointments: []Appointment{}}
		if err := read(o, &out); err != nil {
			return err
		}
		who := "whole clinic"
		if clinician.ID != "" {
			who = clinician.Username
		}
		return o.audit(action, "", "", fmt.Sprintf("%s to %s, %s: %d appointments", out.From, out.To, who, len(out.Appointments)))
	})
	return answer(out, err)
}

// Week lists the seven days from from ("" for today), for one clinician
// or, with clinicianID "", the whole clinic.
//
// Its appointments carry only what the calendar draws and a drag needs:
// id, patientId, the patient's names and phone (the box's tooltip),
// clinicianId, typeId, typeName, colour, start, end, status, seriesId,
// version and virtual (not the meeting link). The rest (MRN, birth date, clinicianName, minutes, check-in times, reason, note) is
// left empty: a whole clinic's week is a thousand lines, and the one opened
// is read in full by Appointment.
func (s *Schedule) Week(from, clinicianID string) (Calendar, error) {
	return s.calendar("schedule.week", from, clinicianID, 7, func(o *op, c *Calendar) error {
		return o.EachCalendarEntryBetween(c.From, c.To, c.ClinicianID, func(e *db.CalendarEntry) {
			c.Appointments = append(c.Appointments, Appointment{ID: e.ID, PatientID: e.PatientID,
				PatientFamilyName: e.PatientFamilyName, PatientGivenNames: e.PatientGivenNames, PatientPhone: e.PatientPhone,
				ClinicianID: e.ClinicianID, TypeID: e.TypeID, TypeName: e.TypeName, Colour: e.TypeColour,
				Start: e.Start, End: e.End, Status: e.Status, SeriesID: e.SeriesID, Version: e.Version,
				Virtual: e.TypeVirtual})
		})
	})
}

// Day lists one day ("" for today), for one clinician or the whole clinic,
// its appointments in full: the day list prints them.
func (s *Schedule) Day(date, clinicianID string) (Calendar, error) {
	return s.calendar("schedule.day", date, clinicianID, 1, func(o *op, c *Calendar) error {
		return o.EachAppointmentBetween(c.From, c.To, c.ClinicianID, func(r *db.AppointmentRow) {
			c.Appointments = append(c.Appointments, appointmentView(*r))
		})
	})
}

// Appointment reads one appointment in full, as the calendar opens it.
func (s *Schedule) Appointment(id string) (Appointment, error) {
	var out Appointment
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		r, err := o.AppointmentRowByID(id)
		if err != nil {
			return err
		}
		out = appointmentView(r)
		// The calendar's row leaves out who changed it last; the full record has it.
		full, err := o.AppointmentByID(id)
		if err != nil {
			return err
		}
		out.UpdatedAt = full.UpdatedAt.Format(time.RFC3339)
		if out.UpdatedByName, err = o.userFullName(full.UpdatedBy); err != nil {
			return err
		}
		return o.audit("appointment.open", r.PatientID, "appointment/"+r.ID, r.Start)
	})
	return answer(out, err)
}

// Board is the check-in board of one day: its appointments by status.
type Board struct {
	Date    string        `json:"date"`
	Now     string        `json:"now"` // RFC 3339: the time the waits are counted to
	Columns []BoardColumn `json:"columns"`
}

// BoardColumn is one status's appointments, in time order.
type BoardColumn struct {
	Status string      `json:"status"`
	Label  string      `json:"label"`
	Cards  []BoardCard `json:"cards"`
}

// BoardCard is an appointment on the board with how long its patient has
// waited: from arriving until now while they wait (arrived, in the room),
// until the clinician saw them after that.
type BoardCard struct {
	Appointment
	Waiting     bool `json:"waiting"`
	WaitMinutes int  `json:"waitMinutes"`
}

// boardColumns are the board's statuses and their headings; cancelled
// appointments are not on the board.
var boardColumns = []struct{ status, label string }{
	{db.StatusBooked, "Booked"}, {db.StatusArrived, "Arrived"}, {db.StatusInRoom, "In room"},
	{db.StatusWithClinician, "With clinician"}, {db.StatusDone, "Done"}, {db.StatusNoShow, "No-show"},
}

// Board lays out a day's appointments ("" for today) by status.
func (s *Schedule) Board(date string) (Board, error) {
	var out Board
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		day := checkDay(fields, "date", date, o.now)
		if err := fields.err(); err != nil {
			return err
		}
		out = Board{Date: day.Format(dateLayout), Now: o.now.Format(time.RFC3339), Columns: []BoardColumn{}}
		rows, err := o.AppointmentsBetween(out.Date, day.AddDate(0, 0, 1).Format(dateLayout), "")
		if err != nil {
			return err
		}
		column := map[string]int{}
		for i, c := range boardColumns {
			column[c.status] = i
			out.Columns = append(out.Columns, BoardColumn{Status: c.status, Label: c.label, Cards: []BoardCard{}})
		}
		for _, r := range rows {
			i, ok := column[r.Status]
			if !ok {
				continue
			}
			out.Columns[i].Cards = append(out.Columns[i].Cards, boardCard(r, o.now))
		}
		return o.audit("schedule.board", "", "", fmt.Sprintf("%s: %d appointments", out.Date, len(rows)))
	})
	return answer(out, err)
}

func boardCard(r db.AppointmentRow, now time.Time) BoardCard {
	c := BoardCard{Appointment: appointmentView(r)}
	if r.ArrivedAt.IsZero() {
		return c
	}
	until := r.WithClinicianAt
	if r.Status == db.StatusArrived || r.Status == db.StatusInRoom {
		c.Waiting, until = true, now
	}
	if !until.IsZero() && until.After(r.ArrivedAt) {
		c.WaitMinutes = int(until.Sub(r.ArrivedAt) / time.Minute)
	}
	return c
}

// PatientAppointments are one patient's appointments for their chart.
type PatientAppointments struct {
	// Upcoming are from now on, soonest first, cancelled ones left out.
	Upcoming []Appointment `json:"upcoming"`
	// Past are before now, latest first, with what became of each.
	Past []Appointment `json:"past"`
}

// PatientAppointments lists a patient's upcoming and past appointments.
func (s *Schedule) PatientAppointments(patientID string) (PatientAppointments, error) {
	out := PatientAppointments{Upcoming: []Appointment{}, Past: []Appointment{}}
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		p, err := o.PatientByID(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Tx.PatientAppointments(p.ID)
		if err != nil {
			return err
		}
		now := o.now.Format(wallLayout)
		for _, r := range rows { // newest first
			switch {
			case r.Start < now:
				out.Past = append(out.Past, appointmentView(r))
			case r.Status != db.StatusCancelled:
				out.Upcoming = append(out.Upcoming, appointmentView(r))
			}
		}
		for i, j := 0, len(out.Upcoming)-1; i < j; i, j = i+1, j-1 {
			out.Upcoming[i], out.Upcoming[j] = out.Upcoming[j], out.Upcoming[i]
		}
		return o.audit("appointment.list", p.ID, "patient/"+p.ID,
			fmt.Sprintf("%d upcoming, %d past", len(out.Upcoming), len(out.Past)))
	})
	return answer(out, err)
}

// Call-list bounds: no-shows older than this are not chased any more, and
// one list is at most this long.
const (
	callListDays  = 90
	callListLimit = 500
)

// CallList lists the patients to call to rebook: each patient's latest
// no-show of the last 90 days, if nothing was booked for them after it,
// newest first. The patient's phone is on each appointment.
func (s *Schedule) CallList() ([]Appointment, error) {
	out := []Appointment{}
	err := s.app.look(s.session, permSchedule, func(o *op) (err error) {
		out, err = o.callList()
		if err != nil {
			return err
		}
		return o.audit("schedule.call_list", "", "", fmt.Sprintf("%d no-shows to rebook", len(out)))
	})
	return answer(out, err)
}

func (o *op) callList() ([]Appointment, error) {
	from := dateOnly(o.now).AddDate(0, 0, -callListDays).Format(dateLayout)
	rows, err := o.NoShowsToRebook(from, o.now.Format(wallLayout), callListLimit)
	if err != nil {
		return nil, err
	}
	out := make([]Appointment, len(rows))
	for i, r := range rows {
		out[i] = appointmentView(r)
	}
	return out, nil
}

// statusLabels are the statuses as the printed lists say them.
var statusLabels = map[string]string{
	db.StatusBooked: "Booked", db.StatusArrived: "Arrived", db.StatusInRoom: "In room",
	db.StatusWithClinician: "With clinician", db.StatusDone: "Done", db.StatusNoShow: "No-show",
	db.StatusCancelled: "Cancelled",
}

// DayListCSV is the day list ("" for today) of one clinician or, with
// clinicianID "", of every clinician one after the other, as CSV text for a
// spreadsheet.
func (s *Schedule) DayListCSV(date, clinicianID string) (string, error) {
	var out string
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		day := checkDay(fields, "date", date, o.now)
		clinician := o.checkCalendarClinician(fields, clinicianID)
		if err := fields.err(); err != nil {
			return err
		}
		rows, err := o.AppointmentsBetween(day.Format(dateLayout), day.AddDate(0, 0, 1).Format(dateLayout), clinician.ID)
		if err != nil {
			return err
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].ClinicianName < rows[j].ClinicianName })
		lines := [][]string{{"Date", "Start", "End", "Clinician", "Patient", "MRN", "Date of birth", "Phone", "Type", "Status", "Note"}}
		for _, r := range rows {
			lines = append(lines, []string{r.Start[:10], r.Start[11:], r.End[11:], r.ClinicianName,
				r.PatientFamilyName + ", " + r.PatientGivenNames, r.PatientMRN, r.PatientBirthDate, r.PatientPhone,
				r.TypeName, statusLabels[r.Status], r.Note})
		}
		if out, err = csvText(lines); err != nil {
			return err
		}
		who := "all clinicians"
		if clinician.ID != "" {
			who = clinician.Username
		}
		return o.audit("schedule.day_list.export", "", "", fmt.Sprintf("%s, %s: %d appointments", day.Format(dateLayout), who, len(rows)))
	})
	return answer(out, err)
}

// CallListCSV is the call list as CSV text.
func (s *Schedule) CallListCSV() (string, error) {
	var out string
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		list, err := o.callList()
		if err != nil {
			return err
		}
		lines := [][]string{{"Patient", "MRN", "Phone", "Date of birth", "Missed appointment", "Clinician", "Type", "Reason"}}
		for _, a := range list {
			lines = append(lines, []string{a.PatientFamilyName + ", " + a.PatientGivenNames, a.PatientMRN, a.PatientPhone,
				a.PatientBirthDate, strings.Replace(a.Start, "T", " ", 1), a.ClinicianName, a.TypeName, a.Reason})
		}
		if out, err = csvText(lines); err != nil {
			return err
		}
		return o.audit("schedule.call_list.export", "", "", fmt.Sprintf("%d no-shows to rebook", len(list)))
	})
	return answer(out, err)
}

// csvText writes lines as CSV with CRLF line ends (RFC 4180), every cell
// defused for spreadsheets.
func csvText(lines [][]string) (string, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, line := range lines {
		cells := make([]string, len(line))
		for i, c := range line {
			cells[i] = spreadsheetSafe(c)
		}
		if err := w.Write(cells); err != nil {
			return "", fmt.Errorf("write CSV: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", fmt.Errorf("write CSV: %w", err)
	}
	return b.String(), nil
}

// spreadsheetSafe keeps a cell from being run as a formula: a spreadsheet
// treats text starting with = + - @ (or a tab or carriage return before
// them) as one, so a note such as "=HYPERLINK(...)" typed at the desk could
// act when the list is opened. A leading apostrophe makes it plain text.
func spreadsheetSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
