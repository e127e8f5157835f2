package app

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/care"
	"folio/db"
)

// What a patient is due for alone, besides the care rules: a refill of a
// medication running out (refills.go), a follow-up visit asked for at a
// visit and not booked, and a clinician's reminder. Each is a rule of its
// own kind that the chart's Due box, its care panel, the desk's Recalls
// and `folio due` read as they read the care rules, so they never disagree.

// The rules of what is due for one patient alone; their ids are the due
// list's (care_due.rule_id), as the care rules' are.
var personalRules = []care.Rule{
	{ID: "follow-up", Title: "Follow-up visit", Kind: "visit", DeclinedMonths: 12,
		Source: "Asked for at a visit; recorded when its note is signed, due until a visit is booked"},
	{ID: "refill", Title: "Prescription refill", Kind: "refill", DeclinedMonths: 3,
		Source: fmt.Sprintf("From the prescription's quantity, dose, frequency, start and refills: due %d days before the supply runs out", refillLeadDays)},
	{ID: "reminder", Title: "Clinician's reminder", Kind: "reminder", DeclinedMonths: 12,
		Source: "Set by a clinician for this patient"},
}

// personalRule is the rule of what is due for one patient alone of id, or nil.
func personalRule(id string) *care.Rule {
	for i := range personalRules {
		if personalRules[i].ID == id {
			return &personalRules[i]
		}
	}
	return nil
}

// dueRule is the care rule or the personal rule of id, or nil: what a row
// of the due list can be for.
func dueRule(id string) *care.Rule {
	if r := careRule(id); r != nil {
		return r
	}
	return personalRule(id)
}

// CareReminder is a clinician's reminder or a visit's follow-up as the
// chart shows it.
type CareReminder struct {
	db.CareReminder
	// VisitType names the visit to book ("" the desk's choice).
	VisitType string `json:"visitType"`
	// VisitOn: a follow-up's visit, YYYY-MM-DD.
	VisitOn string `json:"visitOn"`
	// BookedFor: the visit booked or seen after a follow-up, in the
	// clinic's wall-clock time "YYYY-MM-DDTHH:MM"; "" none yet.
	BookedFor string `json:"bookedFor"`
}

// ReminderInput is a clinician's reminder for one patient.
type ReminderInput struct {
	Title       string `json:"title"`
	DueOn       string `json:"dueOn"` // YYYY-MM-DD
	VisitTypeID string `json:"visitTypeId"`
	Note        string `json:"note"`
}

// FollowUpInput is the follow-up asked for at a visit: when ("2 weeks", "3
// months", "1 year", or a day YYYY-MM-DD; "" none), what visit, and a note
// for the desk. Version is the follow-up's the clinician saw (0: none yet).
type FollowUpInput struct {
	In          string `json:"in"`
	VisitTypeID string `json:"visitTypeId"`
	Note        string `json:"note"`
	Version     int    `json:"version"`
}

// AddReminder sets a reminder on the patient's chart: due on a day until a
// clinician marks it done.
func (s *Chart) AddReminder(patientID string, in ReminderInput) (CareReminder, error) {
	var out CareReminder
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		in.Title, in.DueOn, in.Note = strings.TrimSpace(in.Title), strings.TrimSpace(in.DueOn), strings.TrimSpace(in.Note)
		fields := fieldErrors{}
		switch {
		case in.Title == "":
			fields.add("title", "Say what is due (e.g. recheck potassium).")
		case utf8.RuneCountInString(in.Title) > maxTitleLength:
			fields.add("title", fmt.Sprintf("Keep it to %d characters; put more in the note.", maxTitleLength))
		}
		if day, err := time.Parse("2006-01-02", in.DueOn); err != nil {
			fields.add("dueOn", "Enter the day it is due as YYYY-MM-DD.")
		} else if day.Year() > o.now.Year()+20 {
			fields.add("dueOn", "Choose a day in the next 20 years.")
		}
		if utf8.RuneCountInString(in.Note) > maxClinicalNoteLength {
			fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxClinicalNoteLength))
		}
		if err := o.checkVisitType(in.VisitTypeID, fields); err != nil {
			return err
		}
		if err := fields.err(); err != nil {
			return err
		}
		row := db.CareReminder{ID: newID(), PatientID: p.ID, Kind: db.ReminderKind, Title: in.Title, DueOn: in.DueOn,
			VisitTypeID: in.VisitTypeID, Note: in.Note, Status: db.ReminderOpen, Version: 1, CreatedAt: o.now,
			CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.InsertCareReminder(row); err != nil {
			return err
		}
		if out, err = o.reminderView(row); err != nil {
			return err
		}
		return o.audit("reminder.add", p.ID, "care_reminder/"+row.ID, row.DueOn+" "+row.Title)
	})
	return out, err
}

// CloseReminder marks a reminder or follow-up done (how, in a note), or
// entered in error (why, required). Nothing is deleted.
func (s *Chart) CloseReminder(id string, done bool, note string, version int) (CareReminder, error) {
	var out CareReminder
	err := s.app.act(s.session, permClinical, func(o *op) error {
		note = strings.TrimSpace(note)
		old, err := o.CareReminderByID(id)
		if err != nil {
			return err
		}
		status, action := db.EnteredInError, "reminder.retract"
		if done {
			status, action = db.ReminderDone, "reminder.done"
			if utf8.RuneCountInString(note) > maxReasonLength {
				return fieldErrors{"reason": fmt.Sprintf("The note can have at most %d characters.", maxReasonLength)}.err()
			}
		} else if err := reasonFields(note, "Say why this was entered in error.").err(); err != nil {
			return err
		}
		if old.Status == db.ReminderDone || old.Status == db.EnteredInError {
			return errorf(Conflict, "This was already closed on %s.", old.ClosedAt.In(time.Local).Format("2006-01-02"))
		}
		if err := o.checkRetractable("this reminder", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.CloseNote, next.ClosedAt = status, note, o.now
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateCareReminder(next, cmp.Or(note, "done"))
		if err != nil {
			return err
		}
		if out, err = o.reminderView(saved); err != nil {
			return err
		}
		return o.audit(action, saved.PatientID, "care_reminder/"+id, fmt.Sprintf("version %d; %s %s; %s", saved.Version,
			saved.Kind, saved.Title, note))
	})
	return out, err
}

// CareReminders lists the patient's reminders and follow-ups: open ones
// first, by their day.
func (s *Chart) CareReminders(patientID string) ([]CareReminder, error) {
	out := []CareReminder{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.CareReminders(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Status == db.ReminderDraft {
				continue // a visit's, shown with its note until signed
			}
			v, err := o.reminderView(r)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return o.audit("reminder.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// SetFollowUp sets, changes or clears (In "") the follow-up a visit asks
// for. It counts once the visit's note is signed (at once for a note signed
// already); until then it changes with the note.
func (s *Chart) SetFollowUp(encounterID string, in FollowUpInput) (CareReminder, error) {
	var out CareReminder
	err := s.app.act(s.session, permClinical, func(o *op) error {
		e, n, err := o.encounterAndNote(encounterID)
		if err != nil {
			return err
		}
		if _, err := o.chartPatient(e.PatientID); err != nil {
			return err
		}
		if e.Status == db.EncounterRetracted {
			return errorf(Conflict, "This visit's note was retracted; its follow-up cannot change.")
		}
		in.In, in.Note = strings.TrimSpace(in.In), strings.TrimSpace(in.Note)
		fields := fieldErrors{}
		seeBy := ""
		if in.In != "" {
			if seeBy = followUpDay(in.In, e.StartedAt.In(time.Local)); seeBy == "" {
				fields.add("in", "Say when: 2 weeks, 3 months, 1 year, or a day as YYYY-MM-DD.")
			} else if seeBy < e.StartedAt.In(time.Local).Format("2006-01-02") {
				fields.add("in", "Choose a day after the visit.")
			}
		}
		if utf8.RuneCountInString(in.Note) > maxReasonLength {
			fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxReasonLength))
		}
		if err := o.checkVisitType(in.VisitTypeID, fields); err != nil {
			return err
		}
		if err := fields.err(); err != nil {
			return err
		}
		status := db.ReminderDraft
		var madeOpen time.Time
		if n.Signed() {
			status, madeOpen = db.ReminderOpen, o.now
		}
		old, err := o.FollowUpOf(e.ID)
		switch {
		case errors.Is(err, db.ErrNotFound):
			if in.Version != 0 {
				return errorf(Conflict, "Someone else cleared this visit's follow-up meanwhile. Reload the visit.")
			}
			if in.In == "" {
				return nil
			}
			row := db.CareReminder{ID: newID(), PatientID: e.PatientID, Kind: db.FollowUpKind, EncounterID: e.ID,
				Title: in.In, DueOn: seeBy, VisitTypeID: in.VisitTypeID, Note: in.Note, Status: status, ClosedAt: madeOpen,
				Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
			if err := o.InsertCareReminder(row); err != nil {
				return err
			}
			old = row
		case err != nil:
			return err
		default:
			if old.Version != in.Version {
				return errorf(Conflict, "Someone else changed this visit's follow-up meanwhile. Reload the visit.")
			}
			next := old
			next.Title, next.DueOn, next.VisitTypeID, next.Note = in.In, seeBy, in.VisitTypeID, in.Note
			next.Status, next.ClosedAt, next.CloseNote = status, madeOpen, ""
			if in.In == "" {
				next.Title, next.DueOn = old.Title, old.DueOn
				next.Status, next.CloseNote = db.EnteredInError, "cleared at the visit"
			}
			next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
			if old, err = o.UpdateCareReminder(next, "follow-up changed"); err != nil {
				return err
			}
		}
		if out, err = o.reminderView(old); err != nil {
			return err
		}
		return o.audit("followup.set", e.PatientID, "care_reminder/"+old.ID, fmt.Sprintf("visit %s; %q, by %s; %s",
			e.ID, in.In, seeBy, old.Status))
	})
	return out, err
}

// signFollowUp makes a visit's follow-up count when its note is signed.
func (o *op) signFollowUp(e db.Encounter) error {
	f, err := o.FollowUpOf(e.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	if err != nil || f.Status != db.ReminderDraft {
		return err
	}
	next := f
	next.Status, next.ClosedAt, next.UpdatedAt, next.UpdatedBy = db.ReminderOpen, o.now, o.now, o.actor.userID
	if _, err := o.UpdateCareReminder(next, "the visit's note was signed"); err != nil {
		return err
	}
	return o.audit("followup.set", e.PatientID, "care_reminder/"+f.ID, fmt.Sprintf("visit %s; %q, by %s; signed",
		e.ID, f.Title, f.DueOn))
}

// followUpOf reads the follow-up of a visit as the visit shows it (nil: none).
func (o *op) followUpOf(e db.Encounter) (*CareReminder, error) {
	f, err := o.FollowUpOf(e.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := o.reminderView(f)
	return &v, err
}

var followUpIn = regexp.MustCompile(`^(\d{1,3})\s*(d|day|days|w|wk|wks|week|weeks|m|mo|mos|month|months|y|yr|yrs|year|years)$`)

// followUpDay is the day to see the patient by: a day as given, or an
// interval after the visit ("" not understood).
func followUpDay(in string, visit time.Time) string {
	in = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(in), "in ")))
	if d, err := time.Parse("2006-01-02", in); err == nil {
		return d.Format("2006-01-02")
	}
	m := followUpIn.FindStringSubmatch(in)
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(m[1])
	if n == 0 {
		return ""
	}
	switch m[2][0] {
	case 'd':
		visit = visit.AddDate(0, 0, n)
	case 'w':
		visit = visit.AddDate(0, 0, 7*n)
	case 'm':
		visit = visit.AddDate(0, n, 0)
	case 'y':
		visit = visit.AddDate(n, 0, 0)
	}
	if visit.Year() > time.Now().Year()+20 {
		return ""
	}
	return visit.Format("2006-01-02")
}

// checkVisitType checks a visit type chosen for booking ("" none).
func (o *op) checkVisitType(id string, fields fieldErrors) error {
	if id == "" {
		return nil
	}
	t, err := o.AppointmentTypeByID(id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !t.Active) {
		fields.add("visitTypeId", "Choose one of the clinic's visit types.")
		return nil
	}
	return err
}

func (o *op) reminderView(r db.CareReminder) (CareReminder, error) {
	out := CareReminder{CareReminder: r}
	if r.VisitTypeID != "" {
		t, err := o.AppointmentTypeByID(r.VisitTypeID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return out, err
		}
		out.VisitType = t.Name
	}
	if r.Kind == db.FollowUpKind {
		e, err := o.EncounterByID(r.EncounterID)
		if err != nil {
			return out, err
		}
		out.VisitOn = e.StartedAt.In(time.Local).Format("2006-01-02")
		if r.Status == db.ReminderOpen {
			if out.BookedFor, err = o.visitAfter(e); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// personalResults says what the patient is due for alone, as of asOf: each
// open reminder, each follow-up not yet booked (and the latest one booked),
// and each medication due for a refill. meds are the active medications;
// declined, the rules the patient declined and when.
func (o *op) personalResults(p db.Patient, meds []db.Medication, declined map[string]string, asOf time.Time) ([]care.Result, error) {
	day := asOf.Format("2006-01-02")
	var out []care.Result
	add := func(r care.Result) {
		r.Status = care.UpToDate
		if r.DueOn <= day {
			r.Status = care.Due
		}
		if d, ok := declined[r.Rule.ID]; ok && r.Status == care.Due {
			if until := care.AddMonths(d, r.Rule.DeclinedMonths); until > day {
				r.Status, r.Why, r.DeclinedUntil = care.Declined, "declined on "+d, until
			}
		}
		out = append(out, r)
	}
	reminders, err := o.OpenCareReminders(p.ID)
	if err != nil {
		return nil, err
	}
	var latestBooked *care.Result
	var latestAt time.Time
	for _, r := range reminders {
		if r.Kind == db.ReminderKind {
			detail := r.Title
			if r.Note != "" {
				detail += " (" + r.Note + ")"
			}
			add(care.Result{Rule: personalRule("reminder"), DueOn: r.DueOn, Detail: detail, Ref: r.ID})
			continue
		}
		e, err := o.EncounterByID(r.EncounterID)
		if err != nil {
			return nil, err
		}
		visit, err := o.visitAfter(e)
		if err != nil {
			return nil, err
		}
		visitDay := e.StartedAt.In(time.Local).Format("2006-01-02")
		when := r.Title
		if !strings.HasPrefix(when, "20") {
			when = "in " + strings.TrimPrefix(when, "in ")
		}
		detail := fmt.Sprintf("see %s (by %s), asked at the visit of %s", when, r.DueOn, visitDay)
		if r.Note != "" {
			detail += ": " + r.Note
		}
		res := care.Result{Rule: personalRule("follow-up"), LastDone: visitDay, LastHow: "visit", Detail: detail, Ref: r.ID,
			// Due for booking from the day it was asked for (signed).
			DueOn: r.ClosedAt.In(time.Local).Format("2006-01-02")}
		if visit == "" {
			add(res)
			continue
		}
		if r.ClosedAt.After(latestAt) {
			// Booked: done for good (only the latest shows).
			res.DueOn, res.Detail = "9999-12-31", detail+"; visit "+strings.Replace(visit, "T", " ", 1)
			latestBooked, latestAt = &res, r.ClosedAt
		}
	}
	if latestBooked != nil {
		add(*latestBooked)
	}
	for _, m := range meds {
		if dueOn, detail := refillDue(m, asOf); dueOn != "" {
			add(care.Result{Rule: personalRule("refill"), DueOn: dueOn, LastDone: m.StartDate, LastHow: "prescribed",
				Detail: detail, Ref: m.ID})
		}
	}
	return out, nil
}

// visitAfter is the start of the patient's next visit after e, booked or
// seen, in the clinic's wall-clock time "YYYY-MM-DDTHH:MM" ("" none).
func (o *op) visitAfter(e db.Encounter) (string, error) {
	booked, seen, err := o.VisitAfter(e, e.StartedAt.In(time.Local).Format("2006-01-02T15:04"))
	if err != nil || seen.IsZero() {
		return booked, err
	}
	if s := seen.In(time.Local).Format("2006-01-02T15:04"); booked == "" || s < booked {
		return s, nil
	}
	return booked, nil
}

// mergeDueRows makes one row per rule of a patient's due list: what is due
// for one patient alone can be several (two medications to refill), and
// the desk calls once; the row says the first, and how many more are due
// by day.
func mergeDueRows(rows []db.CareDue, day string) []db.CareDue {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].RuleID != rows[j].RuleID {
			return rows[i].RuleID < rows[j].RuleID
		}
		return rows[i].DueOn < rows[j].DueOn
	})
	var out []db.CareDue
	more := 0
	flush := func() {
		if more > 0 {
			out[len(out)-1].Detail += fmt.Sprintf(" (and %d more)", more)
		}
		more = 0
	}
	for i, r := range rows {
		if i > 0 && r.RuleID == out[len(out)-1].RuleID {
			if r.DueOn <= day {
				more++
			}
			continue
		}
		flush()
		out = append(out, r)
	}
	flush()
	return out
}

// KnownDueRule says whether id names a rule of the due list: a care rule or
// one of what a patient is due for alone (follow-up, refill, reminder).
func KnownDueRule(id string) bool {
	return dueRule(id) != nil
}
