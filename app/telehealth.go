package app

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"folio/db"
)

// Telehealth: video visits. An appointment of a virtual type gets a meeting
// link, made from the clinic's template when it is booked (or changed to
// such a type) with a room name nobody can guess; the desk gives it to the
// patient (the reminder letter prints it) and the clinician opens it when
// the visit starts. Folio itself never calls the meeting service: the call
// runs in the patient's and the clinician's browsers. A video visit's
// encounter is of class VR, and needs the patient's consent to telehealth,
// recorded once.

// settingMeetingLinkTemplate is the clinic's meeting-link template; unset
// or "" until an admin confirms one, and video visits get no link until then.
const settingMeetingLinkTemplate = "telehealth.meeting_link_template"

// SuggestedMeetingLinkTemplate is what Settings offers an admin: a public
// Jitsi Meet room named for the clinic and a random room. It is only a
// suggestion; the clinic chooses the service it trusts.
const SuggestedMeetingLinkTemplate = "https://meet.jit.si/{clinic}-{room}"

const maxMeetingLinkTemplate = 300

// meetingPlaceholders are the words a template may hold: {room} (required)
// is a fresh random room name, {clinic} the clinic's name as a URL-safe
// word, {date} the appointment's day (YYYY-MM-DD).
var meetingPlaceholders = map[string]bool{"{room}": true, "{clinic}": true, "{date}": true}

var placeholderPattern = regexp.MustCompile(`\{[^{}]*\}`)

// meetingTemplateProblem says what is wrong with a template, "" when it is
// usable or empty (no video visits yet).
func meetingTemplateProblem(template string) string {
	if template == "" {
		return ""
	}
	if utf8.RuneCountInString(template) > maxMeetingLinkTemplate {
		return fmt.Sprintf("The template can have at most %d characters.", maxMeetingLinkTemplate)
	}
	if !strings.Contains(template, "{room}") {
		return "Put {room} in the link, where each visit's own room name goes, e.g. " + SuggestedMeetingLinkTemplate + "."
	}
	for _, p := range placeholderPattern.FindAllString(template, -1) {
		if !meetingPlaceholders[p] {
			return fmt.Sprintf("%s is not a placeholder Folio fills in; use {room}, {clinic} or {date}.", p)
		}
	}
	sample := fillMeetingLink(template, "clinic", "2026-01-01", "abcdefghijklmnopqrstuvwxyz")
	u, err := url.Parse(sample)
	if err != nil || strings.ContainsAny(sample, " \t\r\n<>\"") {
		return "This is not a web address. Write it like " + SuggestedMeetingLinkTemplate + "."
	}
	if u.Scheme != "https" || u.Host == "" {
		return "The link must start with https:// and name the meeting service, e.g. " + SuggestedMeetingLinkTemplate + "."
	}
	if u.User != nil {
		return "Leave user names and passwords out of the link."
	}
	return ""
}

func fillMeetingLink(template, clinic, date, room string) string {
	return strings.NewReplacer("{room}", room, "{clinic}", clinic, "{date}", date).Replace(template)
}

// roomEncoding writes a room name in lower-case letters and digits 2-7:
// safe in any URL path or query, and read aloud without doubt.
var roomEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRoomName is a random room name of 128 bits (26 characters), from the
// operating system's cryptographic generator: a link cannot be guessed
// from another.
func newRoomName() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a room name: %w", err)
	}
	return strings.ToLower(roomEncoding.EncodeToString(b)), nil
}

var notWordPattern = regexp.MustCompile(`[^a-z0-9]+`)

// clinicWord is the clinic's name as a URL-safe word: "St. Mary's Family
// Practice" is "st-mary-s-family-practice".
func clinicWord(name string) string {
	w := strings.Trim(notWordPattern.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(w) > 40 {
		w = strings.TrimRight(w[:40], "-")
	}
	if w == "" {
		return "clinic"
	}
	return w
}

// meetingLinkMaker makes the links of one use-case: the template and the
// clinic's name read once.
type meetingLinkMaker struct {
	template, clinic string
}

// meetingLinks reads the clinic's template; a maker with no template
// refuses to make links (newLink says why, on field).
func (o *op) meetingLinks() (meetingLinkMaker, error) {
	template, _, err := o.Setting(settingMeetingLinkTemplate)
	if err != nil {
		return meetingLinkMaker{}, err
	}
	name, _, err := o.Setting(settingClinicName)
	if err != nil {
		return meetingLinkMaker{}, err
	}
	return meetingLinkMaker{template: template, clinic: clinicWord(name)}, nil
}

// errNoMeetingTemplate is a video visit booked before the clinic chose its
// meeting service.
func errNoMeetingTemplate(field string) error {
	return fieldErrors{field: "Video visits need the clinic's meeting link: an admin sets it in Settings first."}.err()
}

// newLink makes a link for an appointment starting at start (local
// "YYYY-MM-DDTHH:MM"), with a fresh room.
func (m meetingLinkMaker) newLink(field, start string) (string, error) {
	if m.template == "" {
		return "", errNoMeetingTemplate(field)
	}
	room, err := newRoomName()
	if err != nil {
		return "", err
	}
	date := start
	if len(date) >= 10 {
		date = date[:10]
	}
	return fillMeetingLink(m.template, m.clinic, date, room), nil
}

// NewMeetingLink gives a video visit a new link (a new room), e.g. when the
// old one was given to the wrong person. The old link is kept in the
// appointment's revision.
func (s *Schedule) NewMeetingLink(id string, version int) (Appointment, error) {
	var out Appointment
	err := s.app.act(s.session, permSchedule, func(o *op) error {
		a, err := o.AppointmentByID(id)
		if err != nil {
			return err
		}
		if a.Version != version {
			return changedMeanwhile()
		}
		at, err := o.AppointmentTypeByID(a.TypeID)
		if err != nil {
			return err
		}
		if !at.Virtual {
			return errorf(Invalid, "This is a visit at the clinic (%s); only a video visit has a meeting link.", at.Name)
		}
		if !movable[a.Status] {
			return errorf(Invalid, "This appointment is %s; its link can no longer change.", statusWords[a.Status])
		}
		links, err := o.meetingLinks()
		if err != nil {
			return err
		}
		if a.MeetingLink, err = links.newLink("meetingLink", a.Start); err != nil {
			return err
		}
		a.UpdatedAt, a.UpdatedBy = o.now, o.actor.userID
		if _, err := o.UpdateAppointment(a, "new meeting link"); err != nil {
			return err
		}
		r, err := o.AppointmentRowByID(a.ID)
		if err != nil {
			return err
		}
		out = appointmentView(r)
		return o.audit("appointment.link", a.PatientID, "appointment/"+a.ID, a.Start+": new meeting link")
	})
	return out, err
}

// TelehealthConsent is a patient's consent to video visits as the chart
// shows it, with who recorded and retracted it by name.
type TelehealthConsent struct {
	ID             string `json:"id"`
	PatientID      string `json:"patientId"`
	Method         string `json:"method"` // verbal or written
	Note           string `json:"note"`
	RecordedAt     string `json:"recordedAt"` // RFC 3339
	RecordedByName string `json:"recordedByName"`
	Status         string `json:"status"` // active or retracted
	RetractedAt    string `json:"retractedAt"`
	RetractedBy    string `json:"retractedByName"`
	RetractReason  string `json:"retractReason"`
	Version        int    `json:"version"`
}

// TelehealthConsents is a patient's consent to video visits: the one in
// force (nil for none) and every one recorded, newest first.
type TelehealthConsents struct {
	Current *TelehealthConsent  `json:"current"`
	All     []TelehealthConsent `json:"all"`
}

// ConsentInput is how the patient consented: method verbal or written, and
// a note (e.g. where the signed form is).
type ConsentInput struct {
	Method string `json:"method"`
	Note   string `json:"note"`
}

const maxConsentNote = 500

func (o *op) consentView(c db.TelehealthConsent) (TelehealthConsent, error) {
	out := TelehealthConsent{ID: c.ID, PatientID: c.PatientID, Method: c.Method, Note: c.Note,
		RecordedAt: instant(c.RecordedAt), Status: c.Status, RetractedAt: instant(c.RetractedAt),
		RetractReason: c.RetractReason, Version: c.Version}
	var err error
	if out.RecordedByName, err = o.userFullName(c.RecordedBy); err != nil {
		return out, err
	}
	if c.RetractedBy != "" {
		out.RetractedBy, err = o.userFullName(c.RetractedBy)
	}
	return out, err
}

// telehealthConsents reads a patient's consents.
func (o *op) telehealthConsents(patientID string) (TelehealthConsents, error) {
	out := TelehealthConsents{All: []TelehealthConsent{}}
	rows, err := o.TelehealthConsents(patientID)
	if err != nil {
		return out, err
	}
	for _, c := range rows {
		v, err := o.consentView(c)
		if err != nil {
			return out, err
		}
		out.All = append(out.All, v)
		if out.Current == nil && c.Status == db.ConsentActive {
			current := v
			out.Current = &current
		}
	}
	return out, nil
}

// TelehealthConsent reads the patient's consent to video visits.
func (s *Chart) TelehealthConsent(patientID string) (TelehealthConsents, error) {
	var out TelehealthConsents
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		if out, err = o.telehealthConsents(p.ID); err != nil {
			return err
		}
		return o.audit("consent.read", p.ID, "patient/"+p.ID, fmt.Sprintf("%d recorded", len(out.All)))
	})
	return answer(out, err)
}

// RecordTelehealthConsent records that the patient consents to be seen by
// video. It is recorded once: while one is in force, recording again is
// refused (retract it first).
func (s *Chart) RecordTelehealthConsent(patientID string, in ConsentInput) (TelehealthConsents, error) {
	var out TelehealthConsents
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		in.Method, in.Note = strings.TrimSpace(in.Method), strings.TrimSpace(in.Note)
		fields := fieldErrors{}
		if in.Method != db.ConsentVerbal && in.Method != db.ConsentWritten {
			fields.add("method", "Say how the patient consented: verbally or in writing.")
		}
		if utf8.RuneCountInString(in.Note) > maxConsentNote {
			fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxConsentNote))
		}
		if err := fields.err(); err != nil {
			return err
		}
		current, err := o.telehealthConsents(p.ID)
		if err != nil {
			return err
		}
		if current.Current != nil {
			return errorf(Conflict, "This patient's consent to video visits is already recorded (%s, by %s).",
				current.Current.Method, current.Current.RecordedByName)
		}
		c := db.TelehealthConsent{ID: newID(), PatientID: p.ID, Method: in.Method, Note: in.Note, RecordedAt: o.now,
			RecordedBy: o.actor.userID, Status: db.ConsentActive, Version: 1, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.InsertTelehealthConsent(c); err != nil {
			return err
		}
		if out, err = o.telehealthConsents(p.ID); err != nil {
			return err
		}
		return o.audit("consent.record", p.ID, "telehealth_consent/"+c.ID, "telehealth, "+in.Method)
	})
	return out, err
}

// RetractTelehealthConsent retracts a consent recorded in error or
// withdrawn by the patient, with the reason; the next video visit asks again.
func (s *Chart) RetractTelehealthConsent(id, reason string, version int) (TelehealthConsents, error) {
	var out TelehealthConsents
	err := s.app.act(s.session, permClinical, func(o *op) error {
		fields := fieldErrors{}
		checkText(fields, "reason", &reason, true, maxReason, "why the consent is retracted")
		if err := fields.err(); err != nil {
			return err
		}
		c, err := o.TelehealthConsentByID(id)
		if err != nil {
			return err
		}
		if _, err := o.chartPatient(c.PatientID); err != nil {
			return err
		}
		if c.Status != db.ConsentActive {
			return errorf(Invalid, "This consent was already retracted.")
		}
		if c.Version != version {
			return errorf(Conflict, "Someone else changed this consent meanwhile. Look at it again.")
		}
		if _, err := o.RetractTelehealthConsent(c, o.actor.userID, o.now, reason); err != nil {
			return err
		}
		if out, err = o.telehealthConsents(c.PatientID); err != nil {
			return err
		}
		return o.audit("consent.retract", c.PatientID, "telehealth_consent/"+c.ID, "reason: "+reason)
	})
	return out, err
}

// errNoConsent refuses a video visit for a patient whose consent is not
// recorded: the screen asks for it first.
var errNoConsent = &Error{Kind: Invalid, Message: "Record the patient's consent to a video visit before starting it.",
	Fields: map[string]string{"consent": "The patient's consent to video visits is not recorded yet."}}

// encounterClass is the class of an appointment's visit, checking a
// video visit's consent: VR for a virtual type, AMB otherwise.
func (o *op) encounterClass(a db.Appointment, patientID string) (string, error) {
	at, err := o.AppointmentTypeByID(a.TypeID)
	if err != nil {
		return "", err
	}
	if !at.Virtual {
		return db.EncounterAmbulatory, nil
	}
	consents, err := o.telehealthConsents(patientID)
	if err != nil {
		return "", err
	}
	if consents.Current == nil {
		return "", errNoConsent
	}
	return db.EncounterVirtual, nil
}
