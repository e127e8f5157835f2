package app

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"folio/db"
)

// The schedule's setup: appointment types, clinic hours and each
// clinician's weekly availability. Everyone signed in reads them (the
// calendar shades closed hours); only an admin changes them.

// AppointmentType is a kind of visit: its usual length and its colour on
// the calendar.
type AppointmentType struct {
	ID      string `json:"id"` // "" to add a new type
	Name    string `json:"name"`
	Minutes int    `json:"minutes"` // the usual length, 5 to 480
	Colour  string `json:"colour"`  // #rrggbb
	Active  bool   `json:"active"`  // false: retired, not offered for new bookings
	// Virtual: a video visit; booking one makes its meeting link.
	Virtual bool `json:"virtual"`
}

func appointmentTypeView(t db.AppointmentType) AppointmentType {
	return AppointmentType{ID: t.ID, Name: t.Name, Minutes: t.Minutes, Colour: t.Colour, Active: t.Active, Virtual: t.Virtual}
}

// Types lists every appointment type, retired ones too, by name.
func (s *Schedule) Types() ([]AppointmentType, error) {
	out := []AppointmentType{}
	err := s.app.look(s.session, permScheduleSetup, func(o *op) error {
		types, err := o.AppointmentTypes()
		for _, t := range types {
			out = append(out, appointmentTypeView(t))
		}
		return err
	})
	return answer(out, err)
}

var colourPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// SaveType adds a type (ID "") or changes one. A new type is always active;
// an existing one is retired or brought back with Active.
func (s *Schedule) SaveType(in AppointmentType) (AppointmentType, error) {
	var out AppointmentType
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		fields := fieldErrors{}
		in.Name = strings.Join(strings.Fields(in.Name), " ")
		switch {
		case in.Name == "":
			fields.add("name", "Enter the type's name, e.g. Consultation.")
		case utf8.RuneCountInString(in.Name) > 60:
			fields.add("name", "A type's name can have at most 60 characters.")
		}
		if in.Minutes < minAppointmentMinutes || in.Minutes > maxAppointmentMinutes {
			fields.add("minutes", fmt.Sprintf("The usual length is %d to %d minutes.", minAppointmentMinutes, maxAppointmentMinutes))
		}
		in.Colour = strings.ToLower(strings.TrimSpace(in.Colour))
		if !colourPattern.MatchString(in.Colour) {
			fields.add("colour", "Choose a colour, written #rrggbb, e.g. #3b82f6.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		t := db.AppointmentType{ID: in.ID, Name: in.Name, Minutes: in.Minutes, Colour: in.Colour, Active: in.Active,
			Virtual: in.Virtual, CreatedAt: o.now, UpdatedAt: o.now}
		action := "appointment_type.change"
		var err error
		if in.ID == "" {
			t.ID, t.Active, action = newID(), true, "appointment_type.add"
			err = o.InsertAppointmentType(t)
		} else {
			err = o.UpdateAppointmentType(t)
		}
		if errors.Is(err, db.ErrDuplicate) {
			return fieldErrors{"name": "There is already a type called " + in.Name + "."}.err()
		}
		if err != nil {
			return err
		}
		out = appointmentTypeView(t)
		state := "active"
		if !t.Active {
			state = "retired"
		}
		if t.Virtual {
			state += ", video visit"
		}
		return o.audit(action, "", "appointment_type/"+t.ID, fmt.Sprintf("%s, %d min, %s, %s", t.Name, t.Minutes, t.Colour, state))
	})
	return out, err
}

// OpeningHours are the clinic's hours on one weekday.
type OpeningHours struct {
	Weekday int    `json:"weekday"` // 0 = Sunday, 1 = Monday ... 6 = Saturday
	Opens   string `json:"opens"`   // HH:MM, local
	Closes  string `json:"closes"`
}

// Hours lists the days the clinic is open, Sunday first. An empty list
// means the hours were never set, and bookings are not checked against them.
func (s *Schedule) Hours() ([]OpeningHours, error) {
	out := []OpeningHours{}
	err := s.app.look(s.session, permScheduleSetup, func(o *op) error {
		hours, err := o.ClinicHours()
		for _, h := range hours {
			out = append(out, OpeningHours(h))
		}
		return err
	})
	return answer(out, err)
}

// SaveHours sets the whole week's hours: one entry per open weekday; a
// weekday left out is closed. Field errors are keyed "hours.N" for weekday
// N ("hours" for a weekday out of range).
func (s *Schedule) SaveHours(hours []OpeningHours) ([]OpeningHours, error) {
	out := []OpeningHours{}
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		fields := fieldErrors{}
		seen := map[int]bool{}
		var rows []db.OpeningHours
		for _, h := range hours {
			key := fmt.Sprintf("hours.%d", h.Weekday)
			if h.Weekday < 0 || h.Weekday > 6 {
				fields.add("hours", "A weekday is 0 (Sunday) to 6 (Saturday).")
				continue
			}
			if seen[h.Weekday] {
				fields.add(key, fmt.Sprintf("%s is given twice.", time.Weekday(h.Weekday)))
				continue
			}
			seen[h.Weekday] = true
			h.Opens, h.Closes = strings.TrimSpace(h.Opens), strings.TrimSpace(h.Closes)
			if msg := periodProblem(h.Opens, h.Closes, "opening", "closing"); msg != "" {
				fields.add(key, time.Weekday(h.Weekday).String()+": "+msg)
				continue
			}
			rows = append(rows, db.OpeningHours(h))
		}
		if err := fields.err(); err != nil {
			return err
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].Weekday < rows[j].Weekday })
		if err := o.SetClinicHours(rows); err != nil {
			return err
		}
		var days []string
		for _, h := range rows {
			out = append(out, OpeningHours(h))
			days = append(days, fmt.Sprintf("%s %s–%s", time.Weekday(h.Weekday).String()[:3], h.Opens, h.Closes))
		}
		detail := strings.Join(days, ", ")
		if detail == "" {
			detail = "no hours set"
		}
		return o.audit("clinic_hours.save", "", "clinic_hours", detail)
	})
	return out, err
}

// periodProblem checks a from–to pair of times of day.
func periodProblem(from, to, fromWord, toWord string) string {
	switch {
	case !parseClock(from):
		return "enter the " + fromWord + " time as HH:MM, e.g. 08:30."
	case !parseClock(to):
		return "enter the " + toWord + " time as HH:MM, e.g. 17:30."
	case to <= from:
		return "the " + toWord + " time must be after the " + fromWord + " time."
	}
	return ""
}

// AvailabilityBlock is a stretch of a weekday a clinician sees patients in.
type AvailabilityBlock struct {
	Weekday int    `json:"weekday"` // 0 = Sunday ... 6 = Saturday
	Start   string `json:"start"`   // HH:MM, local
	End     string `json:"end"`
}

// Clinician is someone patients are booked with, and their weekly hours.
type Clinician struct {
	ID       string `json:"id"`
	FullName string `json:"fullName"`
	Username string `json:"username"`
	// Availability is empty when no weekly template is set: then bookings
	// are not checked against it.
	Availability []AvailabilityBlock `json:"availability"`
}

// Clinicians lists the active clinicians by name, with their weekly hours:
// the calendar's columns.
func (s *Schedule) Clinicians() ([]Clinician, error) {
	out := []Clinician{}
	err := s.app.look(s.session, permScheduleSetup, func(o *op) error {
		users, err := o.Tx.Clinicians()
		if err != nil {
			return err
		}
		blocks, err := o.Tx.Availability("")
		if err != nil {
			return err
		}
		byClinician := map[string][]AvailabilityBlock{}
		for _, b := range blocks {
			byClinician[b.ClinicianID] = append(byClinician[b.ClinicianID], availabilityView(b))
		}
		for _, u := range users {
			c := Clinician{ID: u.ID, FullName: u.FullName, Username: u.Username, Availability: byClinician[u.ID]}
			if c.Availability == nil {
				c.Availability = []AvailabilityBlock{}
			}
			out = append(out, c)
		}
		return nil
	})
	return answer(out, err)
}

func availabilityView(b db.AvailabilityBlock) AvailabilityBlock {
	return AvailabilityBlock{Weekday: b.Weekday, Start: b.Starts, End: b.Ends}
}

// Availability lists one clinician's weekly template.
func (s *Schedule) Availability(clinicianID string) ([]AvailabilityBlock, error) {
	out := []AvailabilityBlock{}
	err := s.app.look(s.session, permScheduleSetup, func(o *op) error {
		u, err := o.UserByID(clinicianID)
		if err != nil || u.Role != RoleClinician {
			return errorf(NotFound, "No such clinician.")
		}
		blocks, err := o.Tx.Availability(u.ID)
		for _, b := range blocks {
			out = append(out, availabilityView(b))
		}
		return err
	})
	return answer(out, err)
}

// SaveAvailability sets a clinician's whole weekly template; an empty list
// removes it. Blocks of one weekday must not overlap. Field errors are keyed
// "blocks.I" for the I-th block.
func (s *Schedule) SaveAvailability(clinicianID string, blocks []AvailabilityBlock) ([]AvailabilityBlock, error) {
	out := []AvailabilityBlock{}
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		fields := fieldErrors{}
		clinician := o.checkClinician(fields, "clinicianId", clinicianID)
		var rows []db.AvailabilityBlock
		for i, b := range blocks {
			key := fmt.Sprintf("blocks.%d", i)
			b.Start, b.End = strings.TrimSpace(b.Start), strings.TrimSpace(b.End)
			if b.Weekday < 0 || b.Weekday > 6 {
				fields.add(key, "The weekday must be 0 (Sunday) to 6 (Saturday).")
				continue
			}
			if msg := periodProblem(b.Start, b.End, "start", "end"); msg != "" {
				fields.add(key, time.Weekday(b.Weekday).String()+": "+msg)
				continue
			}
			rows = append(rows, db.AvailabilityBlock{ClinicianID: clinician.ID, Weekday: b.Weekday, Starts: b.Start, Ends: b.End})
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Weekday != rows[j].Weekday {
				return rows[i].Weekday < rows[j].Weekday
			}
			return rows[i].Starts < rows[j].Starts
		})
		for i := 1; i < len(rows); i++ {
			prev, cur := rows[i-1], rows[i]
			if prev.Weekday == cur.Weekday && cur.Starts < prev.Ends {
				fields.add("blocks", fmt.Sprintf("%s: %s–%s overlaps %s–%s.", time.Weekday(cur.Weekday),
					cur.Starts, cur.Ends, prev.Starts, prev.Ends))
			}
		}
		if err := fields.err(); err != nil {
			return err
		}
		if err := o.SetAvailability(clinician.ID, rows); err != nil {
			return err
		}
		var parts []string
		for _, b := range rows {
			out = append(out, availabilityView(b))
			parts = append(parts, fmt.Sprintf("%s %s–%s", time.Weekday(b.Weekday).String()[:3], b.Starts, b.Ends))
		}
		detail := clinician.Username + ": " + strings.Join(parts, ", ")
		if len(parts) == 0 {
			detail = clinician.Username + ": no template"
		}
		return o.audit("availability.save", "", "user/"+clinician.ID, detail)
	})
	return out, err
}
