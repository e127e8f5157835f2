package app

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"folio/db"
)

// Rescheduling from the appointment's panel: a new date, time, clinician,
// visit type or note, and the next free slot to offer a patient on the
// phone.

// FreeSlot is a time a clinician is free for a visit of a type.
type FreeSlot struct {
	Start       string `json:"start"` // YYYY-MM-DDTHH:MM, local
	End         string `json:"end"`
	ClinicianID string `json:"clinicianId"`
	TypeID      string `json:"typeId"`
}

const (
	// freeSlotDays is how far ahead NextFreeSlot looks.
	freeSlotDays = 60
	// freeSlotStep is the grid free slots start on, as the time fields' step.
	freeSlotStep = 5
	// Used when the clinic's hours were never set, as the calendar shows.
	defaultOpens  = "08:00"
	defaultCloses = "18:00"
)

// NextFreeSlot finds the first time, from from on, that the clinician is
// free for a visit of the type's length: inside the clinic's opening hours
// (08:00 to 18:00 every day if they were never set) and the clinician's
// weekly hours if they have any, clear of their appointments (cancelled
// and missed ones free their time). from is a date "YYYY-MM-DD" (from that
// day's opening), a time "YYYY-MM-DDTHH:MM", or "" for now; a time before
// now starts from now. It looks freeSlotDays days ahead; finding nothing
// there is NotFound, in words for the desk.
func (s *Schedule) NextFreeSlot(clinicianID, typeID, from string) (FreeSlot, error) {
	var out FreeSlot
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		fields := fieldErrors{}
		clinician := o.checkClinician(fields, "clinicianId", clinicianID)
		var visit db.AppointmentType
		if typeID == "" {
			fields.add("typeId", "Choose the type of appointment.")
		} else if at, err := o.AppointmentTypeByID(typeID); err != nil {
			fields.add("typeId", "No such appointment type; choose one from the list.")
		} else {
			visit = at
		}
		earliest := checkSearchStart(fields, strings.TrimSpace(from), o.now)
		if err := fields.err(); err != nil {
			return err
		}
		rules, err := o.scheduleRules()
		if err != nil {
			return err
		}
		limit := dateOnly(earliest).AddDate(0, 0, freeSlotDays)
		busy, err := o.BusyTimes(clinician.ID, earliest.Format(wallLayout), limit.Format(wallLayout))
		if err != nil {
			return err
		}
		length := time.Duration(visit.Minutes) * time.Minute
		found, ok := firstFree(rules, clinician.ID, earliest, limit, length, busy)
		if !ok {
			return errorf(NotFound, "%s has no free %d minutes for a %s in the %d days from %s.",
				clinician.FullName, visit.Minutes, visit.Name, freeSlotDays, earliest.Format("Mon 2 Jan 2006"))
		}
		out = FreeSlot{Start: found.startText(), End: found.endText(), ClinicianID: clinician.ID, TypeID: visit.ID}
		return nil
	})
	return answer(out, err)
}

// checkSearchStart reads where a free-slot search starts: never before now.
func checkSearchStart(fields fieldErrors, from string, now time.Time) time.Time {
	// The clinic's wall clock, in the same location as the parsed times.
	nowWall, _ := time.Parse(wallLayout, now.Format(wallLayout))
	var start time.Time
	var ok bool
	switch {
	case from == "":
		return nowWall
	case len(from) == len(dateLayout):
		start, ok = parseDay(from)
	default:
		start, ok = parseWall(from)
	}
	if !ok {
		fields.add("from", "Enter the date as YYYY-MM-DD, e.g. 2026-03-10; that date does not exist.")
		return start
	}
	if y := start.Year(); y < firstBookableYear || y > lastBookableYear {
		fields.add("from", fmt.Sprintf("Choose a date from %d to %d.", firstBookableYear, lastBookableYear))
	}
	if start.Before(nowWall) {
		return nowWall
	}
	return start
}

// firstFree walks the days from earliest to limit and answers the first
// slot of length inside a working window and clear of busy (in time
// order), starting on the freeSlotStep grid.
func firstFree(rules *scheduleRules, clinicianID string, earliest, limit time.Time, length time.Duration,
	busy []db.TimeSpan) (slot, bool) {
	taken := make([]slot, 0, len(busy))
	for _, b := range busy {
		s, ok1 := parseWall(b.Start)
		e, ok2 := parseWall(b.End)
		if ok1 && ok2 {
			taken = append(taken, slot{s, e})
		}
	}
	for day := dateOnly(earliest); day.Before(limit); day = day.AddDate(0, 0, 1) {
		for _, w := range rules.windows(clinicianID, day) {
			at := onGrid(maxTime(w.start, earliest))
			for !at.Add(length).After(w.end) {
				clash, ok := firstClash(taken, slot{at, at.Add(length)})
				if !ok {
					return slot{at, at.Add(length)}, true
				}
				at = onGrid(clash.end)
			}
		}
	}
	return slot{}, false
}

// firstClash answers the appointment in taken (in start order) that
// overlaps want and ends first.
func firstClash(taken []slot, want slot) (slot, bool) {
	// Nothing starting longer ago than the longest appointment reaches want.
	from := sort.Search(len(taken), func(i int) bool {
		return taken[i].start.After(want.start.Add(-maxAppointmentMinutes * time.Minute))
	})
	var clash slot
	found := false
	for _, t := range taken[from:] {
		if !t.start.Before(want.end) {
			break
		}
		if t.end.After(want.start) && (!found || t.end.Before(clash.end)) {
			clash, found = t, true
		}
	}
	return clash, found
}

// windows are the stretches of day the clinician can be booked: the
// clinic's hours that day, cut to the clinician's weekly hours if they
// have any.
func (r *scheduleRules) windows(clinicianID string, day time.Time) []slot {
	opens, closes := defaultOpens, defaultCloses
	if len(r.hours) > 0 {
		h, open := r.hours[day.Weekday()]
		if !open {
			return nil
		}
		opens, closes = h.Opens, h.Closes
	}
	clinic := slot{atTime(day, opens), atTime(day, closes)}
	blocks, limited := r.availability[clinicianID]
	if !limited {
		return []slot{clinic}
	}
	var out []slot
	for _, b := range blocks {
		if time.Weekday(b.Weekday) != day.Weekday() {
			continue
		}
		w := slot{maxTime(clinic.start, atTime(day, b.Starts)), minTime(clinic.end, atTime(day, b.Ends))}
		if w.start.Before(w.end) {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}

// atTime is day at the clock time "HH:MM".
func atTime(day time.Time, clock string) time.Time {
	t, _ := time.Parse(clockLayout, clock)
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, day.Location())
}

// onGrid rounds t up to the next freeSlotStep minutes of its hour.
func onGrid(t time.Time) time.Time {
	t = t.Truncate(time.Minute)
	if over := t.Minute() % freeSlotStep; over != 0 {
		t = t.Add(time.Duration(freeSlotStep-over) * time.Minute)
	}
	return t
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// RescheduleInput is the Reschedule form: a new date and time, clinician,
// visit type or note for one appointment (of a series, only this one).
type RescheduleInput struct {
	ID          string `json:"id"`
	Start       string `json:"start"` // YYYY-MM-DDTHH:MM, local
	End         string `json:"end"`   // "" for the visit type's usual length
	ClinicianID string `json:"clinicianId"`
	TypeID      string `json:"typeId"`
	Note        string `json:"note"`
	Version     int    `json:"version"` // the version the person was looking at
}

// Reschedule changes when an appointment is, with whom, what kind of visit
// and its note. Like Move, it saves and warns rather than refusing a busy
// time. A type or clinician no longer offered may stay; a new one must be
// current.
func (s *Schedule) Reschedule(in RescheduleInput) (Scheduled, error) {
	var out Scheduled
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		a, err := o.AppointmentByID(in.ID)
		if err != nil {
			return err
		}
		fields := fieldErrors{}
		clinicianID := a.ClinicianID
		if in.ClinicianID != "" && in.ClinicianID != a.ClinicianID {
			clinicianID = o.checkClinician(fields, "clinicianId", in.ClinicianID).ID
		}
		typeID, minutes, virtual := o.checkRescheduleType(fields, strings.TrimSpace(in.TypeID), a.TypeID)
		to := checkSlot(fields, "start", "end", strings.TrimSpace(in.Start), strings.TrimSpace(in.End), minutes)
		checkText(fields, "note", &in.Note, false, maxNoteLength, "a note")
		if err := fields.err(); err != nil {
			return err
		}
		if a.Version != in.Version {
			return changedMeanwhile()
		}
		if !movable[a.Status] {
			return errorf(Invalid, "This appointment is %s; it can no longer be rescheduled.", statusWords[a.Status])
		}
		from, _ := parseWall(a.Start)
		if a.Status != db.StatusBooked && !dateOnly(to.start).Equal(dateOnly(from)) {
			return errorf(Invalid, "This patient is %s; their appointment can change within the day only.", statusWords[a.Status])
		}
		var changed []string
		if to.startText() != a.Start || to.endText() != a.End {
			changed = append(changed, fmt.Sprintf("%s–%s to %s–%s", a.Start, a.End[11:], to.startText(), to.end.Format(clockLayout)))
		}
		for _, c := range []struct {
			differs bool
			what    string
		}{{clinicianID != a.ClinicianID, "clinician changed"}, {typeID != a.TypeID, "visit type changed"},
			{in.Note != a.Note, "note changed"}} {
			if c.differs {
				changed = append(changed, c.what)
			}
		}
		if len(changed) == 0 {
			return errorf(Invalid, "Nothing was changed.")
		}
		reason := fmt.Sprintf("rescheduled from %s–%s", a.Start, a.End[11:])
		a.Start, a.End, a.ClinicianID, a.TypeID, a.Note = to.startText(), to.endText(), clinicianID, typeID, in.Note
		// A visit made a video visit gets its link; one made a visit at the
		// clinic loses it (the revision keeps it). A video visit moved keeps
		// the link the patient was given.
		switch {
		case virtual && a.MeetingLink == "":
			links, err := o.meetingLinks()
			if err != nil {
				return err
			}
			if a.MeetingLink, err = links.newLink("typeId", a.Start); err != nil {
				return err
			}
			changed = append(changed, "meeting link made")
		case !virtual && a.MeetingLink != "":
			a.MeetingLink = ""
			changed = append(changed, "meeting link dropped")
		}
		a.UpdatedAt, a.UpdatedBy = o.now, o.actor.userID
		if _, err := o.UpdateAppointment(a, reason); err != nil {
			return err
		}
		rules, err := o.scheduleRules()
		if err != nil {
			return err
		}
		if out, err = o.scheduled([]string{a.ID}, rules); err != nil {
			return err
		}
		return o.audit("appointment.reschedule", a.PatientID, "appointment/"+a.ID, strings.Join(changed, "; "))
	})
	return out, err
}

// checkRescheduleType reads the visit type of a reschedule ("" keeps the
// current one) and answers it with its usual length and whether it is a
// video visit.
func (o *op) checkRescheduleType(fields fieldErrors, id, current string) (string, int, bool) {
	if id == "" {
		id = current
	}
	at, err := o.AppointmentTypeByID(id)
	switch {
	case err != nil:
		fields.add("typeId", "No such appointment type; choose one from the list.")
	case !at.Active && id != current:
		fields.add("typeId", "The type "+at.Name+" is no longer used; choose another.")
	}
	return id, at.Minutes, at.Virtual
}
