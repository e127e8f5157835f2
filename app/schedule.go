package app

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"folio/db"
)

// Schedule is the front desk's calendar and check-in board: booking,
// moving and cancelling appointments, moving patients along on the day,
// and the lists that leave the screen. Admins set its appointment types,
// clinic hours and clinicians' availability (schedule_setup.go).
//
// Appointment times are the clinic's local wall-clock time, written
// "YYYY-MM-DDTHH:MM"; dates are "YYYY-MM-DD".
type Schedule struct {
	app     *App
	session *Session
}

const (
	wallLayout  = "2006-01-02T15:04"
	dateLayout  = "2006-01-02"
	clockLayout = "15:04"

	minAppointmentMinutes = 5
	maxAppointmentMinutes = 480 // db.Overlapping relies on this bound
	maxRecurrences        = 52
	maxNoteLength         = 500
	maxReasonLength       = 200
)

// Appointment is one booking as the calendar, the board and the lists show
// it, with its patient, clinician and type.
type Appointment struct {
	ID                string `json:"id"`
	PatientID         string `json:"patientId"`
	PatientFamilyName string `json:"patientFamilyName"`
	PatientGivenNames string `json:"patientGivenNames"`
	PatientMRN        string `json:"patientMrn"`
	PatientBirthDate  string `json:"patientBirthDate"`
	PatientPhone      string `json:"patientPhone"`
	ClinicianID       string `json:"clinicianId"`
	ClinicianName     string `json:"clinicianName"`
	TypeID            string `json:"typeId"`
	TypeName          string `json:"typeName"`
	Colour            string `json:"colour"`
	// Virtual: a video visit, whose MeetingLink the patient and the
	// clinician open at its time ("" until the clinic has a template).
	Virtual     bool   `json:"virtual"`
	MeetingLink string `json:"meetingLink"`
	Start       string `json:"start"` // YYYY-MM-DDTHH:MM, local
	End         string `json:"end"`
	Minutes     int    `json:"minutes"`
	// Status is booked, arrived, in_room, with_clinician, done, no_show or cancelled.
	Status string `json:"status"`
	// The times each check-in step was reached (RFC 3339), "" until then.
	ArrivedAt       string `json:"arrivedAt"`
	InRoomAt        string `json:"inRoomAt"`
	WithClinicianAt string `json:"withClinicianAt"`
	DoneAt          string `json:"doneAt"`
	Reason          string `json:"reason"` // why it was cancelled or missed
	Note            string `json:"note"`
	SeriesID        string `json:"seriesId"` // shared by a recurring series; "" for a single booking
	Version         int    `json:"version"`
	// When this version was saved and the full name of who saved it: set
	// only when one appointment is read in full (Schedule.Appointment), so
	// that a person whose change was refused sees who changed it meanwhile.
	UpdatedAt     string `json:"updatedAt,omitempty"`
	UpdatedByName string `json:"updatedByName,omitempty"`
}

func appointmentView(r db.AppointmentRow) Appointment {
	return Appointment{
		ID: r.ID, PatientID: r.PatientID, PatientFamilyName: r.PatientFamilyName, PatientGivenNames: r.PatientGivenNames,
		PatientMRN: r.PatientMRN, PatientBirthDate: r.PatientBirthDate, PatientPhone: r.PatientPhone,
		ClinicianID: r.ClinicianID, ClinicianName: r.ClinicianName, TypeID: r.TypeID, TypeName: r.TypeName,
		Colour: r.TypeColour, Start: r.Start, End: r.End, Minutes: wallMinutes(r.Start, r.End), Status: r.Status,
		ArrivedAt: r.ArrivedText, InRoomAt: r.InRoomText, WithClinicianAt: r.WithClinicianText, DoneAt: r.DoneText,
		Reason: r.Reason, Note: r.Note, SeriesID: r.SeriesID, Version: r.Version,
		Virtual: r.TypeVirtual, MeetingLink: r.MeetingLink,
	}
}

// parseWall reads a local wall-clock time, strictly: "2026-03-10T9:00" and
// "2026-02-30T09:00" are refused.
func parseWall(s string) (time.Time, bool) {
	t, err := time.Parse(wallLayout, s)
	return t, err == nil && t.Format(wallLayout) == s
}

// parseDay reads a date "YYYY-MM-DD", strictly.
func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, s)
	return t, err == nil && t.Format(dateLayout) == s
}

// parseClock reads a time of day "HH:MM".
func parseClock(s string) bool {
	t, err := time.Parse(clockLayout, s)
	return err == nil && t.Format(clockLayout) == s
}

// wallMinutes is the length of [start, end) in minutes. Within a day, as
// every booking is, it is read off the clock digits: a calendar week has a
// thousand of them.
func wallMinutes(start, end string) int {
	if len(start) == len(wallLayout) && len(end) == len(wallLayout) && start[:11] == end[:11] {
		clock := func(s string) int {
			return (int(s[11]-'0')*10+int(s[12]-'0'))*60 + int(s[14]-'0')*10 + int(s[15]-'0')
		}
		return clock(end) - clock(start)
	}
	s, ok1 := parseWall(start)
	e, ok2 := parseWall(end)
	if !ok1 || !ok2 {
		return 0
	}
	return int(e.Sub(s) / time.Minute)
}

// Bookable dates: a typo in the year must not put a visit in 1026 or 3026.
const (
	firstBookableYear = 2000
	lastBookableYear  = 2099
)

// Recurrence repeats a booking: Every is "day", "week", "2weeks" or
// "month", and Count is how many appointments the series has in all,
// this one included (2 to 52). The zero value books once.
type Recurrence struct {
	Every string `json:"every"`
	Count int    `json:"count"`
}

// AppointmentInput is the booking form.
type AppointmentInput struct {
	PatientID   string `json:"patientId"`
	ClinicianID string `json:"clinicianId"`
	TypeID      string `json:"typeId"`
	Start       string `json:"start"` // YYYY-MM-DDTHH:MM, local
	// End is "" for the type's usual length.
	End        string     `json:"end"`
	Note       string     `json:"note"`
	Recurrence Recurrence `json:"recurrence"`
}

// Warning is something about a booking the front desk should see but may
// book anyway: the clinician is already busy, the clinic is closed.
type Warning struct {
	AppointmentID string `json:"appointmentId"`
	Start         string `json:"start"`
	// Kind is overlap (the clinician is busy), patient_overlap (the patient
	// is booked elsewhere then), closed (the clinic is closed that day),
	// outside_hours or outside_availability (the clinician's weekly hours).
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Scheduled is what a booking or a move saved, and what to warn about.
type Scheduled struct {
	Appointments []Appointment `json:"appointments"`
	Warnings     []Warning     `json:"warnings"`
}

// slot is one appointment's time, parsed.
type slot struct{ start, end time.Time }

func (s slot) startText() string { return s.start.Format(wallLayout) }
func (s slot) endText() string   { return s.end.Format(wallLayout) }

// checkSlot checks a start and end; "" ends use defaultMinutes (0 for
// none). Problems are added to fields under the given names.
func checkSlot(fields fieldErrors, startField, endField, start, end string, defaultMinutes int) slot {
	var s slot
	var ok bool
	if start == "" {
		fields.add(startField, "Choose when the appointment starts.")
		return s
	}
	if s.start, ok = parseWall(start); !ok {
		fields.add(startField, "Enter the start as YYYY-MM-DDTHH:MM, e.g. 2026-03-10T09:30; that time does not exist.")
		return s
	}
	if y := s.start.Year(); y < firstBookableYear || y > lastBookableYear {
		fields.add(startField, fmt.Sprintf("Choose a date from %d to %d.", firstBookableYear, lastBookableYear))
		return s
	}
	switch {
	case end == "" && defaultMinutes > 0:
		s.end = s.start.Add(time.Duration(defaultMinutes) * time.Minute)
	case end == "":
		fields.add(endField, "Choose when the appointment ends.")
		return s
	default:
		if s.end, ok = parseWall(end); !ok {
			fields.add(endField, "Enter the end as YYYY-MM-DDTHH:MM, e.g. 2026-03-10T09:45; that time does not exist.")
			return s
		}
	}
	minutes := int(s.end.Sub(s.start) / time.Minute)
	switch {
	case !s.end.After(s.start):
		fields.add(endField, "The appointment must end after it starts.")
	case s.end.Format(dateLayout) != s.start.Format(dateLayout):
		fields.add(endField, "An appointment must end on the day it starts.")
	case minutes < minAppointmentMinutes:
		fields.add(endField, fmt.Sprintf("An appointment lasts at least %d minutes.", minAppointmentMinutes))
	case minutes > maxAppointmentMinutes:
		fields.add(endField, fmt.Sprintf("An appointment lasts at most %d hours.", maxAppointmentMinutes/60))
	}
	return s
}

// checkText trims *s and refuses it if required and empty or too long.
func checkText(fields fieldErrors, field string, s *string, required bool, max int, what string) {
	*s = strings.TrimSpace(*s)
	switch {
	case required && *s == "":
		fields.add(field, "Enter "+what+".")
	case utf8.RuneCountInString(*s) > max:
		fields.add(field, fmt.Sprintf("Write at most %d characters.", max))
	}
}

// checkClinician finds the active clinician id names, or says why not.
func (o *op) checkClinician(fields fieldErrors, field, id string) db.User {
	if id == "" {
		fields.add(field, "Choose a clinician.")
		return db.User{}
	}
	u, err := o.UserByID(id)
	switch {
	case err != nil || u.Role != RoleClinician:
		fields.add(field, "No such clinician; choose one from the list.")
	case !u.Active:
		fields.add(field, u.FullName+"'s account is disabled; choose another clinician.")
	}
	return u
}

// checkPatient finds the patient id names, or says why not.
func (o *op) checkPatient(fields fieldErrors, field, id string) db.Patient {
	if id == "" {
		fields.add(field, "Choose a patient.")
		return db.Patient{}
	}
	p, err := o.PatientByID(id)
	if err != nil {
		fields.add(field, "No such patient; search for the patient again.")
	}
	return p
}

var recurrenceWords = map[string]string{"day": "daily", "week": "weekly", "2weeks": "every 2 weeks", "month": "monthly"}

// slots are the times of a booking and its repeats. A monthly series keeps
// its day of the month, or the month's last day when it has no such day.
func (r Recurrence) slots(first slot) []slot {
	n := max(r.Count, 1)
	if r.Every == "" {
		n = 1
	}
	length := first.end.Sub(first.start)
	out := make([]slot, 0, n)
	for i := range n {
		var start time.Time
		switch r.Every {
		case "day":
			start = first.start.AddDate(0, 0, i)
		case "week":
			start = first.start.AddDate(0, 0, 7*i)
		case "2weeks":
			start = first.start.AddDate(0, 0, 14*i)
		case "month":
			start = addMonths(first.start, i)
		default:
			start = first.start
		}
		out = append(out, slot{start, start.Add(length)})
	}
	return out
}

// addMonths moves t n months on, to the same day of the month or, if that
// month is shorter, its last day (31 January, then 28 or 29 February).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	firstOfMonth := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), 0, 0, t.Location())
	lastDay := firstOfMonth.AddDate(0, 1, -1).Day()
	return firstOfMonth.AddDate(0, 0, min(d, lastDay)-1)
}

func (r *Recurrence) check(fields fieldErrors) {
	r.Every = strings.TrimSpace(r.Every)
	if r.Every == "" {
		if r.Count > 1 {
			fields.add("recurrence.every", "Choose how often the appointment repeats.")
		}
		return
	}
	if recurrenceWords[r.Every] == "" {
		fields.add("recurrence.every", "Choose to repeat every day, week, 2 weeks or month.")
	}
	if r.Count < 2 || r.Count > maxRecurrences {
		fields.add("recurrence.count", fmt.Sprintf("A series has 2 to %d appointments.", maxRecurrences))
	}
}

// Book books a patient with a clinician, once or as a recurring series.
// It saves even when the clinician is busy or the clinic closed at that
// time: those come back as warnings for the front desk to act on.
func (s *Schedule) Book(in AppointmentInput) (Scheduled, error) {
	var out Scheduled
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		patient := o.checkPatient(fields, "patientId", in.PatientID)
		clinician := o.checkClinician(fields, "clinicianId", in.ClinicianID)
		defaultMinutes, virtual := 0, false
		if in.TypeID == "" {
			fields.add("typeId", "Choose the type of appointment.")
		} else if at, err := o.AppointmentTypeByID(in.TypeID); err != nil {
			fields.add("typeId", "No such appointment type; choose one from the list.")
		} else if !at.Active {
			fields.add("typeId", "The type "+at.Name+" is no longer used; choose another.")
		} else {
			defaultMinutes, virtual = at.Minutes, at.Virtual
		}
		first := checkSlot(fields, "start", "end", strings.TrimSpace(in.Start), strings.TrimSpace(in.End), defaultMinutes)
		checkText(fields, "note", &in.Note, false, maxNoteLength, "a note")
		in.Recurrence.check(fields)
		if err := fields.err(); err != nil {
			return err
		}
		seriesID := ""
		if in.Recurrence.Every != "" {
			seriesID = newID()
		}
		rules, err := o.scheduleRules()
		if err != nil {
			return err
		}
		links, err := o.meetingLinks()
		if err != nil {
			return err
		}
		var ids []string
		for _, sl := range in.Recurrence.slots(first) {
			a := db.Appointment{ID: newID(), PatientID: patient.ID, ClinicianID: clinician.ID, TypeID: in.TypeID,
				Start: sl.startText(), End: sl.endText(), Status: db.StatusBooked, Note: in.Note, SeriesID: seriesID,
				Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
			// Each video visit of a series has a room of its own.
			if virtual {
				if a.MeetingLink, err = links.newLink("typeId", a.Start); err != nil {
					return err
				}
			}
			if err := o.InsertAppointment(a); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		if out, err = o.scheduled(ids, rules); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s to %s with %s", first.startText(), first.end.Format(clockLayout), clinician.Username)
		if seriesID != "" {
			detail += fmt.Sprintf("; %s series %s of %d", recurrenceWords[in.Recurrence.Every], seriesID, len(ids))
		}
		if virtual {
			detail += "; video visit, meeting link made"
		}
		return o.audit("appointment.book", patient.ID, "appointment/"+ids[0], detail)
	})
	return out, err
}

// scheduled reads back the appointments just saved with what to warn
// about each.
func (o *op) scheduled(ids []string, rules *scheduleRules) (Scheduled, error) {
	out := Scheduled{Appointments: []Appointment{}, Warnings: []Warning{}}
	for _, id := range ids {
		r, err := o.AppointmentRowByID(id)
		if err != nil {
			return out, err
		}
		warnings, err := o.warnings(r, rules)
		if err != nil {
			return out, err
		}
		out.Appointments = append(out.Appointments, appointmentView(r))
		out.Warnings = append(out.Warnings, warnings...)
	}
	return out, nil
}

// scheduleRules are the clinic hours and weekly availability that
// bookings are checked against, read once per use-case.
type scheduleRules struct {
	hours        map[time.Weekday]db.OpeningHours // no entries: hours were never set
	availability map[string][]db.AvailabilityBlock
}

func (o *op) scheduleRules() (*scheduleRules, error) {
	hours, err := o.ClinicHours()
	if err != nil {
		return nil, err
	}
	blocks, err := o.Availability("")
	if err != nil {
		return nil, err
	}
	r := &scheduleRules{hours: map[time.Weekday]db.OpeningHours{}, availability: map[string][]db.AvailabilityBlock{}}
	for _, h := range hours {
		r.hours[time.Weekday(h.Weekday)] = h
	}
	for _, b := range blocks {
		r.availability[b.ClinicianID] = append(r.availability[b.ClinicianID], b)
	}
	return r, nil
}

// maxOverlapsNamed is how many clashing appointments a warning names.
const maxOverlapsNamed = 3

// warnings tells what is wrong with the saved appointment r's time: the
// clinician or the patient busy elsewhere, the clinic closed, the clinician
// not working then. Cancelled and missed appointments warn of nothing.
func (o *op) warnings(r db.AppointmentRow, rules *scheduleRules) ([]Warning, error) {
	if r.Status == db.StatusCancelled || r.Status == db.StatusNoShow {
		return nil, nil
	}
	var out []Warning
	warn := func(kind, msg string) {
		out = append(out, Warning{AppointmentID: r.ID, Start: r.Start, Kind: kind, Message: msg})
	}
	start, _ := parseWall(r.Start)
	when := start.Format("Mon 2 Jan 2006") + " " + r.Start[11:] + "–" + r.End[11:]
	busy, err := o.Overlapping(r.ClinicianID, "", r.Start, r.End, []string{r.ID}, maxOverlapsNamed+1)
	if err != nil {
		return nil, err
	}
	if len(busy) > 0 {
		warn("overlap", fmt.Sprintf("%s: %s already has %s.", when, r.ClinicianName, describeClashes(busy, false)))
	}
	elsewhere, err := o.Overlapping("", r.PatientID, r.Start, r.End, []string{r.ID}, maxOverlapsNamed+1)
	if err != nil {
		return nil, err
	}
	if len(elsewhere) > 0 {
		warn("patient_overlap", fmt.Sprintf("%s: %s %s is also booked %s.", when, r.PatientGivenNames,
			r.PatientFamilyName, describeClashes(elsewhere, true)))
	}
	day := start.Weekday()
	from, to := r.Start[11:], r.End[11:]
	if len(rules.hours) > 0 {
		h, open := rules.hours[day]
		switch {
		case !open:
			warn("closed", fmt.Sprintf("%s: the clinic is closed on %ss.", when, day))
		case from < h.Opens || to > h.Closes:
			warn("outside_hours", fmt.Sprintf("%s is outside clinic hours (%s to %s on %ss).", when, h.Opens, h.Closes, day))
		}
	}
	if blocks, ok := rules.availability[r.ClinicianID]; ok {
		var that []string
		covered := false
		for _, b := range blocks {
			if time.Weekday(b.Weekday) != day {
				continue
			}
			that = append(that, b.Starts+" to "+b.Ends)
			covered = covered || (b.Starts <= from && to <= b.Ends)
		}
		switch {
		case len(that) == 0:
			warn("outside_availability", fmt.Sprintf("%s: %s does not see patients on %ss.", when, r.ClinicianName, day))
		case !covered:
			warn("outside_availability", fmt.Sprintf("%s: %s sees patients on %ss %s only.", when, r.ClinicianName,
				day, strings.Join(that, " and ")))
		}
	}
	return out, nil
}

// describeClashes names up to maxOverlapsNamed clashing appointments: by
// patient for a clinician's clash, by clinician for a patient's.
func describeClashes(rows []db.AppointmentRow, byClinician bool) string {
	var parts []string
	for i, c := range rows {
		if i == maxOverlapsNamed {
			parts = append(parts, "more")
			break
		}
		who := c.PatientGivenNames + " " + c.PatientFamilyName
		if byClinician {
			who = "with " + c.ClinicianName
		}
		parts = append(parts, fmt.Sprintf("%s at %s–%s", who, c.Start[11:], c.End[11:]))
	}
	return strings.Join(parts, ", ")
}

// Scopes of a change to a recurring series.
const (
	scopeOne       = "one"       // only this appointment
	scopeFollowing = "following" // this one and the later ones still booked
	scopeAll       = "all"       // every one of the series still booked
)

func checkScope(fields fieldErrors, scope *string) {
	*scope = strings.TrimSpace(*scope)
	if *scope == "" {
		*scope = scopeOne
	}
	if *scope != scopeOne && *scope != scopeFollowing && *scope != scopeAll {
		fields.add("scope", "Choose this appointment only, this and the following ones, or the whole series.")
	}
}

// alsoInScope lists the other appointments of a's series that a change in
// scope also makes: only those still booked, since what has happened or was
// called off stays as it was.
func (o *op) alsoInScope(a db.Appointment, scope string) ([]db.Appointment, error) {
	if scope == scopeOne || a.SeriesID == "" {
		return nil, nil
	}
	series, err := o.SeriesAppointments(a.SeriesID)
	if err != nil {
		return nil, err
	}
	var out []db.Appointment
	for _, b := range series {
		if b.ID == a.ID || b.Status != db.StatusBooked || (scope == scopeFollowing && b.Start < a.Start) {
			continue
		}
		out = append(out, b)
	}
	return out, nil
}

// MoveInput is a drag on the calendar: a new start, end or clinician for
// an appointment, or with Scope for the rest of its series too.
type MoveInput struct {
	ID          string `json:"id"`
	Start       string `json:"start"` // YYYY-MM-DDTHH:MM, local
	End         string `json:"end"`
	ClinicianID string `json:"clinicianId"` // "" keeps the clinician
	Version     int    `json:"version"`     // the version the person was looking at
	// Scope is "one" (the default), "following" or "all"; for a series,
	// the others still booked move by as many days as this one and take
	// its new time of day, length and clinician.
	Scope string `json:"scope"`
}

// movable statuses: a patient already in the clinic can still be given
// more time or another clinician; what is over stays where it happened.
var movable = map[string]bool{db.StatusBooked: true, db.StatusArrived: true, db.StatusInRoom: true, db.StatusWithClinician: true}

// Move moves or resizes an appointment, or gives it to another clinician.
// Like Book, it saves and warns rather than refusing a busy time.
func (s *Schedule) Move(in MoveInput) (Scheduled, error) {
	var out Scheduled
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		to := checkSlot(fields, "start", "end", strings.TrimSpace(in.Start), strings.TrimSpace(in.End), 0)
		checkScope(fields, &in.Scope)
		var clinician db.User
		if in.ClinicianID != "" {
			clinician = o.checkClinician(fields, "clinicianId", in.ClinicianID)
		}
		if err := fields.err(); err != nil {
			return err
		}
		a, err := o.AppointmentByID(in.ID)
		if err != nil {
			return err
		}
		if a.Version != in.Version {
			return changedMeanwhile()
		}
		if !movable[a.Status] {
			return errorf(Invalid, "This appointment is %s; it can no longer be moved.", statusWords[a.Status])
		}
		if clinician.ID == "" {
			clinician.ID = a.ClinicianID
		}
		from, _ := parseWall(a.Start)
		if a.Status != db.StatusBooked && !dateOnly(to.start).Equal(dateOnly(from)) {
			return errorf(Invalid, "This patient is %s; their appointment can change within the day only.", statusWords[a.Status])
		}
		if to.startText() == a.Start && to.endText() == a.End && clinician.ID == a.ClinicianID {
			return errorf(Invalid, "Nothing was changed.")
		}
		others, err := o.alsoInScope(a, in.Scope)
		if err != nil {
			return err
		}
		dayShift := int(dateOnly(to.start).Sub(dateOnly(from)).Hours() / 24)
		moves := []slot{to}
		for _, b := range others {
			bStart, _ := parseWall(b.Start)
			day := dateOnly(bStart).AddDate(0, 0, dayShift)
			moves = append(moves, slot{atClock(day, to.start), atClock(day, to.end)})
		}
		ids := make([]string, 0, len(moves))
		for i, b := range append([]db.Appointment{a}, others...) {
			reason := fmt.Sprintf("moved from %s–%s", b.Start, b.End[11:])
			b.Start, b.End, b.ClinicianID = moves[i].startText(), moves[i].endText(), clinician.ID
			b.UpdatedAt, b.UpdatedBy = o.now, o.actor.userID
			if _, err := o.UpdateAppointment(b, reason); err != nil {
				return err
			}
			ids = append(ids, b.ID)
		}
		rules, err := o.scheduleRules()
		if err != nil {
			return err
		}
		if out, err = o.scheduled(ids, rules); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s–%s to %s–%s", a.Start, a.End[11:], to.startText(), to.end.Format(clockLayout))
		if clinician.ID != a.ClinicianID {
			detail += "; clinician changed"
		}
		if len(ids) > 1 {
			detail += fmt.Sprintf("; %s of series %s: %d appointments", in.Scope, a.SeriesID, len(ids))
		}
		return o.audit("appointment.move", a.PatientID, "appointment/"+a.ID, detail)
	})
	return out, err
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// atClock is day at clock's time of day.
func atClock(day, clock time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, day.Location())
}

func changedMeanwhile() error {
	return errorf(Conflict, "Someone else changed this appointment meanwhile. Look at the calendar again and make your change again.")
}

// statusWords complete "This appointment is ...".
var statusWords = map[string]string{
	db.StatusBooked: "booked", db.StatusArrived: "checked in (arrived)", db.StatusInRoom: "in the room",
	db.StatusWithClinician: "with the clinician", db.StatusDone: "done", db.StatusNoShow: "marked as a no-show",
	db.StatusCancelled: "cancelled",
}

// Cancel calls an appointment off, or with scope "following" or "all" the
// rest of its series that is still booked. The appointments stay, marked
// cancelled with the reason. It returns the appointments cancelled.
func (s *Schedule) Cancel(id, reason, scope string, version int) ([]Appointment, error) {
	out := []Appointment{}
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		checkText(fields, "reason", &reason, true, maxReasonLength, "why the appointment is cancelled")
		checkScope(fields, &scope)
		if err := fields.err(); err != nil {
			return err
		}
		a, err := o.AppointmentByID(id)
		if err != nil {
			return err
		}
		if a.Version != version {
			return changedMeanwhile()
		}
		// An arrived patient may leave before being seen; later steps happened.
		if a.Status != db.StatusBooked && a.Status != db.StatusArrived {
			return errorf(Invalid, "This appointment is %s; it cannot be cancelled.", statusWords[a.Status])
		}
		others, err := o.alsoInScope(a, scope)
		if err != nil {
			return err
		}
		for _, b := range append([]db.Appointment{a}, others...) {
			b.Status, b.Reason, b.UpdatedAt, b.UpdatedBy = db.StatusCancelled, reason, o.now, o.actor.userID
			if _, err := o.UpdateAppointment(b, "cancelled: "+reason); err != nil {
				return err
			}
			r, err := o.AppointmentRowByID(b.ID)
			if err != nil {
				return err
			}
			out = append(out, appointmentView(r))
		}
		detail := fmt.Sprintf("%s; reason: %s", a.Start, reason)
		if len(out) > 1 {
			detail += fmt.Sprintf("; %s of series %s: %d appointments", scope, a.SeriesID, len(out))
		}
		return o.audit("appointment.cancel", a.PatientID, "appointment/"+a.ID, detail)
	})
	return out, err
}

// NoShow marks a booked appointment whose time has come as missed, with
// the reason (e.g. "did not attend, no call"). Advance to "booked" undoes it.
func (s *Schedule) NoShow(id, reason string, version int) (Appointment, error) {
	var out Appointment
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		checkText(fields, "reason", &reason, true, maxReasonLength, "what happened (e.g. did not attend, no call)")
		if err := fields.err(); err != nil {
			return err
		}
		a, err := o.AppointmentByID(id)
		if err != nil {
			return err
		}
		if a.Version != version {
			return changedMeanwhile()
		}
		if a.Status != db.StatusBooked {
			return errorf(Invalid, "This appointment is %s; only a booked appointment can be marked as a no-show.", statusWords[a.Status])
		}
		if a.Start > o.now.Format(wallLayout) {
			return errorf(Invalid, "This appointment starts at %s; it can be marked as a no-show once that time has come.",
				strings.Replace(a.Start, "T", " ", 1))
		}
		a.Status, a.Reason, a.UpdatedAt, a.UpdatedBy = db.StatusNoShow, reason, o.now, o.actor.userID
		if _, err := o.UpdateAppointment(a, "no-show: "+reason); err != nil {
			return err
		}
		r, err := o.AppointmentRowByID(a.ID)
		if err != nil {
			return err
		}
		out = appointmentView(r)
		return o.audit("appointment.no_show", a.PatientID, "appointment/"+a.ID, fmt.Sprintf("%s; reason: %s", a.Start, reason))
	})
	return out, err
}

// checkInSteps are the statuses of a visit in order; the board moves a
// patient one step on, or one step back to undo a mis-click.
var checkInSteps = []string{db.StatusBooked, db.StatusArrived, db.StatusInRoom, db.StatusWithClinician, db.StatusDone}

func stepIndex(status string) int {
	for i, s := range checkInSteps {
		if s == status {
			return i
		}
	}
	return -1
}

// stepTime points at the field holding when a reached status, nil for booked.
func stepTime(a *db.Appointment, status string) *time.Time {
	switch status {
	case db.StatusArrived:
		return &a.ArrivedAt
	case db.StatusInRoom:
		return &a.InRoomAt
	case db.StatusWithClinician:
		return &a.WithClinicianAt
	case db.StatusDone:
		return &a.DoneAt
	}
	return nil
}

// Advance moves a patient along the check-in board: booked → arrived →
// in_room → with_clinician → done, recording the time of each step. A step
// back (to undo a mis-click) clears the time of the step undone; "booked"
// also undoes a no-show. Jumps are refused: a step is recorded as it happens.
func (s *Schedule) Advance(id, status string, version int) (Appointment, error) {
	var out Appointment
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		a, err := o.AppointmentByID(id)
		if err != nil {
			return err
		}
		if a.Version != version {
			return changedMeanwhile()
		}
		from := a.Status
		if err := checkStep(a, status, o.now); err != nil {
			return err
		}
		fi, ti := stepIndex(from), stepIndex(status)
		switch {
		case from == db.StatusNoShow:
			a.Reason = ""
		case ti > fi:
			*stepTime(&a, status) = o.now
		default:
			*stepTime(&a, from) = time.Time{}
		}
		a.Status, a.UpdatedAt, a.UpdatedBy = status, o.now, o.actor.userID
		reason := statusWords[status]
		if ti < fi || from == db.StatusNoShow {
			reason = "undo: back to " + statusWords[status]
		}
		if _, err := o.UpdateAppointment(a, reason); err != nil {
			return err
		}
		r, err := o.AppointmentRowByID(a.ID)
		if err != nil {
			return err
		}
		out = appointmentView(r)
		return o.audit("appointment.advance", a.PatientID, "appointment/"+a.ID, from+" → "+status)
	})
	return out, err
}

// checkStep says why a may not go to status now, or nil if it may.
func checkStep(a db.Appointment, status string, now time.Time) error {
	refuse := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return &Error{Kind: Invalid, Message: msg, Fields: map[string]string{"status": msg}}
	}
	from := a.Status
	switch {
	case status == db.StatusNoShow:
		return refuse("Use No-show to mark a missed appointment, with the reason.")
	case status == db.StatusCancelled:
		return refuse("Use Cancel to call an appointment off, with the reason.")
	case stepIndex(status) < 0:
		return refuse("Choose booked, arrived, in room, with clinician or done.")
	case from == db.StatusCancelled:
		return refuse("This appointment was cancelled; book a new one instead.")
	case from == db.StatusNoShow && status != db.StatusBooked:
		return refuse("This patient was marked as a no-show; undo that first (back to booked).")
	case from == db.StatusNoShow:
		return nil
	case status == from:
		return refuse("This appointment is already %s.", statusWords[from])
	}
	fi, ti := stepIndex(from), stepIndex(status)
	if ti != fi+1 && ti != fi-1 {
		next := "nothing further"
		if fi+1 < len(checkInSteps) {
			next = statusWords[checkInSteps[fi+1]]
		}
		return refuse("This appointment is %s: it can go on to %s, or back one step, but not to %s.",
			statusWords[from], next, statusWords[status])
	}
	if status == db.StatusArrived && a.Start[:10] != now.Format(dateLayout) {
		return refuse("Only today's appointments can be checked in; this one is on %s.", a.Start[:10])
	}
	return nil
}
