package app

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/care"
	"folio/db"
)

// Recalls: the desk's list of everyone due or overdue for a care rule
// (care_list.go keeps it), worked through by calling, writing, booking,
// snoozing; a row leaves when what is due is charted.

// RecallFilter chooses the rows of the recall list.
type RecallFilter struct {
	RuleIDs     []string `json:"ruleIds"`     // none: every rule
	ClinicianID string   `json:"clinicianId"` // the patients' primary clinician; "" any
	MinAge      int      `json:"minAge"`      // 0: no lower bound
	MaxAge      int      `json:"maxAge"`      // 0: no upper bound
	// OverdueDays: due at least this many days ago (0: due today or before).
	OverdueDays int  `json:"overdueDays"`
	Snoozed     bool `json:"snoozed"` // also the rows snoozed or booked for later
	Limit       int  `json:"limit"`   // 0: 200
}

// Recall is one row of the recall list.
type Recall struct {
	PatientID  string `json:"patientId"`
	MRN        string `json:"mrn"`
	FamilyName string `json:"familyName"`
	GivenNames string `json:"givenNames"`
	BirthDate  string `json:"birthDate"`
	Age        string `json:"age"` // "89 y"; a child's in months
	Sex        string `json:"sex"`
	Phone      string `json:"phone"`
	RuleID     string `json:"ruleId"`
	Title      string `json:"title"`
	DueOn      string `json:"dueOn"`
	LastDone   string `json:"lastDone"`
	LastHow    string `json:"lastHow"`
	// Detail: what is due for this patient alone, in words (a follow-up,
	// a refill, a clinician's reminder); "" for a care rule.
	Detail string `json:"detail"`
	// VisitType: the visit type to book for it ("" the desk's choice).
	VisitType string `json:"visitType"`
	// The desk's latest work on it (OutreachAt: RFC 3339).
	Outreach     string `json:"outreach"`
	OutreachAt   string `json:"outreachAt"`
	OutreachBy   string `json:"outreachBy"`
	OutreachNote string `json:"outreachNote"`
	SnoozeUntil  string `json:"snoozeUntil"`
}

// RecallPage is a page of the list and how many rows it has in all.
type RecallPage struct {
	Rows  []Recall `json:"rows"`
	Total int      `json:"total"`
	// Ready says the whole list has been made since Folio started (on a
	// clinic just upgraded it is made in the first minutes).
	Ready bool `json:"ready"`
	// Rules are the rules the clinic runs, for the filter.
	Rules []RecallRule `json:"rules"`
}

// RecallRule names a rule in the filter.
type RecallRule struct {
	RuleID string `json:"ruleId"`
	Title  string `json:"title"`
	Kind   string `json:"kind"`
}

// OutreachInput is the desk's work on one row.
type OutreachInput struct {
	PatientID   string `json:"patientId"`
	RuleID      string `json:"ruleId"`
	Outcome     string `json:"outcome"` // reached, left_message, no_answer, letter, declined, booked, snoozed
	Note        string `json:"note"`
	SnoozeUntil string `json:"snoozeUntil"` // for snoozed (and booked: the appointment's day)
}

const recallLimit = 200

// Recalls lists who is due or overdue, the longest overdue first.
func (s *Schedule) Recalls(f RecallFilter) (RecallPage, error) {
	var out RecallPage
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		rows, total, err := o.recallRows(f)
		if err != nil {
			return err
		}
		out = RecallPage{Rows: make([]Recall, len(rows)), Total: total}
		for i, r := range rows {
			out.Rows[i] = o.recallView(r)
		}
		state, _, err := o.Setting(careListState)
		if err != nil {
			return err
		}
		out.Ready = state != ""
		set, err := o.careSettings()
		if err != nil {
			return err
		}
		for _, r := range personalRules {
			out.Rules = append(out.Rules, RecallRule{RuleID: r.ID, Title: r.Title, Kind: r.Kind})
		}
		for _, r := range careRuleSettings(set) {
			if rule := careRule(r.RuleID); !r.Off && rule != nil && !rule.AtVisit {
				out.Rules = append(out.Rules, RecallRule{RuleID: r.RuleID, Title: r.Title, Kind: r.Kind})
			}
		}
		return o.audit("care.recalls", "", "", fmt.Sprintf("%d of %d rows; rules %v", len(rows), total, f.RuleIDs))
	})
	return answer(out, err)
}

// RecallsCSV is the recall list (up to 5,000 rows) as CSV for a spreadsheet
// or a mail merge.
func (s *Schedule) RecallsCSV(f RecallFilter) (string, error) {
	var out string
	err := s.app.look(s.session, permSchedule, func(o *op) error {
		f.Limit = 5000
		rows, _, err := o.recallRows(f)
		if err != nil {
			return err
		}
		lines := [][]string{{"Patient", "MRN", "Date of birth", "Phone", "Address", "Due", "Due since", "Last done",
			"Last contact"}}
		addresses := map[string]string{} // a patient due for several things is read once
		for _, r := range rows {
			v := o.recallView(r)
			address, ok := addresses[r.PatientID]
			if !ok {
				p, err := o.PatientByID(r.PatientID)
				if err != nil {
					return err
				}
				address = strings.Join(addressLines(p), ", ")
				addresses[r.PatientID] = address
			}
			lines = append(lines, []string{v.FamilyName + ", " + v.GivenNames, v.MRN, v.BirthDate, v.Phone, address,
				strings.TrimSuffix(v.Title+": "+v.Detail, ": "), v.DueOn, strings.TrimSpace(v.LastDone + " " + v.LastHow), strings.TrimSpace(v.Outreach + " " + v.OutreachAt)})
		}
		if out, err = csvText(lines); err != nil {
			return err
		}
		return o.audit("care.recalls.export", "", "", fmt.Sprintf("%d rows", len(rows)))
	})
	return answer(out, err)
}

// RecordOutreach records the desk's work on a row: a call and how it went,
// a letter, a refusal (which is also the chart's record of it, closing the
// gap for a year), a booking, or a snooze until a date.
func (s *Schedule) RecordOutreach(in OutreachInput) (Recall, error) {
	var out Recall
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		fields := in.check(o.now)
		p, err := o.chartPatient(in.PatientID)
		if err != nil {
			return err
		}
		if err := fields.err(); err != nil {
			return err
		}
		u, err := o.UserByID(o.actor.userID)
		if err != nil {
			return err
		}
		row := db.CareOutreach{ID: newID(), PatientID: p.ID, RuleID: in.RuleID, Outcome: in.Outcome, Note: in.Note,
			SnoozeUntil: in.SnoozeUntil, CreatedAt: o.now, CreatedBy: o.actor.userID}
		if err := o.InsertCareOutreach(row, u.FullName); err != nil {
			return err
		}
		if in.Outcome == "declined" {
			refusal := db.CareRecord{ID: newID(), PatientID: p.ID, Kind: db.CareDeclined, RuleID: in.RuleID,
				PerformedOn: o.now.In(time.Local).Format("2006-01-02"), Source: db.CareHere, Note: in.Note,
				Status: db.CareActive, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now,
				UpdatedBy: o.actor.userID}
			if err := o.InsertCareRecord(refusal); err != nil {
				return err
			}
			if err := o.audit("care.record", p.ID, "care_record/"+refusal.ID, "declined "+in.RuleID+" (told the desk)"); err != nil {
				return err
			}
		}
		out = Recall{PatientID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames, RuleID: in.RuleID,
			Outreach: in.Outcome, OutreachNote: in.Note, SnoozeUntil: in.SnoozeUntil}
		if r := dueRule(in.RuleID); r != nil {
			out.Title = r.Title
		}
		return o.audit("care.outreach", p.ID, "care_outreach/"+row.ID, fmt.Sprintf("%s %s %s", in.RuleID, in.Outcome,
			in.SnoozeUntil))
	})
	return out, err
}

var outcomes = map[string]bool{"reached": true, "left_message": true, "no_answer": true, "letter": true,
	"declined": true, "booked": true, "snoozed": true}

func (in *OutreachInput) check(now time.Time) fieldErrors {
	fields := fieldErrors{}
	in.RuleID, in.Outcome, in.Note, in.SnoozeUntil = strings.TrimSpace(in.RuleID), strings.TrimSpace(in.Outcome),
		strings.TrimSpace(in.Note), strings.TrimSpace(in.SnoozeUntil)
	if dueRule(in.RuleID) == nil {
		fields.add("ruleId", "Folio has no such care rule.")
	}
	if !outcomes[in.Outcome] {
		fields.add("outcome", "Choose what happened: reached, message left, no answer, letter, declined, booked or snoozed.")
	}
	today := now.In(time.Local).Format("2006-01-02")
	switch {
	case in.SnoozeUntil == "" && in.Outcome == "snoozed":
		fields.add("snoozeUntil", "Say until when.")
	case in.SnoozeUntil != "":
		if _, err := time.Parse("2006-01-02", in.SnoozeUntil); err != nil {
			fields.add("snoozeUntil", "Enter the date as YYYY-MM-DD.")
		} else if in.SnoozeUntil <= today {
			fields.add("snoozeUntil", "Choose a day after today.")
		}
	}
	if in.Outcome != "snoozed" && in.Outcome != "booked" {
		in.SnoozeUntil = ""
	}
	if utf8.RuneCountInString(in.Note) > maxTitleLength {
		fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxTitleLength))
	}
	return fields
}

// recallFilter turns the screen's filter into the list's, refusing what
// makes no sense.
func (o *op) recallFilter(f RecallFilter) (db.RecallFilter, error) {
	fields := fieldErrors{}
	for _, id := range f.RuleIDs {
		if dueRule(id) == nil {
			fields.add("ruleIds", "Folio has no care rule "+id+".")
		}
	}
	if f.MinAge < 0 || f.MaxAge < 0 || f.MinAge > 130 || f.MaxAge > 130 || (f.MaxAge > 0 && f.MaxAge < f.MinAge) {
		fields.add("age", "Give ages from 0 to 130, the lower first.")
	}
	if f.OverdueDays < 0 || f.OverdueDays > 36500 {
		fields.add("overdueDays", "Give how overdue in days, 0 or more.")
	}
	if err := fields.err(); err != nil {
		return db.RecallFilter{}, err
	}
	today := dateOnly(o.now.In(time.Local))
	out := db.RecallFilter{Day: today.Format("2006-01-02"), RuleIDs: f.RuleIDs, ClinicianID: f.ClinicianID,
		Snoozed: f.Snoozed, Limit: f.Limit}
	if out.Limit <= 0 || out.Limit > 5000 {
		out.Limit = recallLimit
	}
	if f.MinAge > 0 {
		out.BornBefore = today.AddDate(-f.MinAge, 0, 0).Format("2006-01-02")
	}
	if f.MaxAge > 0 {
		out.BornAfter = today.AddDate(-f.MaxAge-1, 0, 0).Format("2006-01-02")
	}
	if f.OverdueDays > 0 {
		out.DueBefore = today.AddDate(0, 0, -f.OverdueDays).Format("2006-01-02")
	}
	return out, nil
}

// recallRows reads the rows of the recall list f chooses, with their total.
func (o *op) recallRows(f RecallFilter) ([]db.Recall, int, error) {
	filter, err := o.recallFilter(f)
	if err != nil {
		return nil, 0, err
	}
	return o.Recalls(filter)
}

// addressLines is a patient's postal address as printed: the street, then
// city, region and postal code ("12 Maple St", "Springfield IL 62704").
func addressLines(p db.Patient) []string {
	return nonEmpty(p.AddressLine, strings.Join(nonEmpty(p.City, p.Region, p.PostalCode), " "))
}

func (o *op) recallView(r db.Recall) Recall {
	v := Recall{PatientID: r.PatientID, MRN: r.MRN, FamilyName: r.FamilyName, GivenNames: r.GivenNames,
		BirthDate: r.BirthDate, Age: Age(r.BirthDate, o.now), Sex: r.Sex, Phone: r.Phone, RuleID: r.RuleID, DueOn: r.DueOn,
		LastDone: r.LastDone, LastHow: r.LastHow, Detail: r.Detail, Outreach: r.Outreach, OutreachBy: r.OutreachBy,
		OutreachAt: r.OutreachAt, OutreachNote: r.OutreachNote, SnoozeUntil: r.SnoozeUntil}
	if rule := dueRule(r.RuleID); rule != nil {
		v.Title = rule.Title
		v.VisitType = visitTypeFor(rule)
	}
	return v
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}

// RecallLetter is one patient's recall letter (or address label): where it
// goes and what they are due for.
type RecallLetter struct {
	PatientID  string   `json:"patientId"`
	MRN        string   `json:"mrn"`
	Name       string   `json:"name"`    // "Ana Sofia Rivera"
	Address    []string `json:"address"` // lines; none when the chart has no address
	Due        []string `json:"due"`     // the titles of what is due, the longest overdue first
	DueRuleIDs []string `json:"dueRuleIds"`
}

// RecallLetters are the letters of the list's rows (up to 500 patients): one
// per patient, listing everything they are due for, with the clinic's name,
// address and phone to head them. Printing them is recorded on each row as
// a letter, and in the audit trail.
type RecallLetters struct {
	Clinic  ClinicContact  `json:"clinic"`
	Date    string         `json:"date"` // YYYY-MM-DD
	Letters []RecallLetter `json:"letters"`
}

// maxLetters is how many patients one printing of letters takes.
const maxLetters = 500

// PrintRecallLetters makes the letters of the rows f chooses and records
// them as sent.
func (s *Schedule) PrintRecallLetters(f RecallFilter) (RecallLetters, error) {
	var out RecallLetters
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		f.Limit = 5000
		rows, _, err := o.recallRows(f)
		if err != nil {
			return err
		}
		out.Date = o.now.In(time.Local).Format("2006-01-02")
		if out.Clinic.Name, _, err = o.Setting(settingClinicName); err != nil {
			return err
		}
		if out.Clinic.Address, out.Clinic.Phone, err = o.clinicContact(); err != nil {
			return err
		}
		u, err := o.UserByID(o.actor.userID)
		if err != nil {
			return err
		}
		byPatient := map[string]int{}
		for _, r := range rows {
			i, seen := byPatient[r.PatientID]
			if !seen {
				if len(out.Letters) == maxLetters {
					continue
				}
				p, err := o.PatientByID(r.PatientID)
				if err != nil {
					return err
				}
				i = len(out.Letters)
				byPatient[r.PatientID] = i
				out.Letters = append(out.Letters, RecallLetter{PatientID: p.ID, MRN: p.MRN,
					Name:    strings.TrimSpace(p.GivenNames + " " + p.FamilyName),
					Address: addressLines(p)})
			}
			l := &out.Letters[i]
			title := r.RuleID
			if rule := dueRule(r.RuleID); rule != nil {
				title = rule.Title
			}
			if r.RuleID == "follow-up" || r.RuleID == "reminder" {
				// A clinician's words are for the chart; the letter asks
				// the patient to book, or to call about a prescription.
				title = dueLetterText(r.RuleID, title)
			}
			l.Due = append(l.Due, title)
			l.DueRuleIDs = append(l.DueRuleIDs, r.RuleID)
			row := db.CareOutreach{ID: newID(), PatientID: r.PatientID, RuleID: r.RuleID, Outcome: "letter",
				Note: "recall letter printed", CreatedAt: o.now, CreatedBy: o.actor.userID}
			if err := o.InsertCareOutreach(row, u.FullName); err != nil {
				return err
			}
		}
		for _, l := range out.Letters {
			if err := o.audit("care.letter", l.PatientID, "", strings.Join(l.DueRuleIDs, " ")); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// visitTypeFor names the visit the desk books for a rule: a follow-up of a
// condition, a visit asked for, a refill's review, or a clinician's
// reminder is a follow-up; a screening or a vaccine, a consultation.
func visitTypeFor(r *care.Rule) string {
	switch r.Kind {
	case "chronic", "visit", "refill", "reminder":
		return "Follow-up"
	}
	return "Consultation"
}

// dueLetterText is what a recall letter says of what a patient is due for
// alone (a clinician's reminder's words stay in the chart).
func dueLetterText(ruleID, title string) string {
	if ruleID == "follow-up" {
		return "A follow-up visit your clinician asked for"
	}
	return "A visit your clinician asked for"
}
