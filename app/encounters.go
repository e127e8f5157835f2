package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"folio/db"
)

// Encounters: a visit opened from an appointment or as a walk-in, its SOAP
// note saved as a draft while the clinician types, then signed, after which
// it never changes (SQLite's triggers refuse it too): later words are
// addenda, and a wrong note is retracted with a reason and stays readable.
//
// Every method is the chart's (clinicians only). Templates and quick
// phrases are clinical wording, so clinicians, not admins, edit them.

// NoteText is the four parts of a SOAP note.
type NoteText struct {
	Subjective string `json:"subjective"`
	Objective  string `json:"objective"`
	Assessment string `json:"assessment"`
	Plan       string `json:"plan"`
}

// Note is an encounter's note. The times are RFC 3339, "" until reached;
// the names are the users' full names.
type Note struct {
	NoteText
	DraftVersion  int    `json:"draftVersion"`
	SavedAt       string `json:"savedAt"`
	SignedAt      string `json:"signedAt"`
	SignedBy      string `json:"signedBy"`
	RetractedAt   string `json:"retractedAt"`
	RetractedBy   string `json:"retractedBy"`
	RetractReason string `json:"retractReason"`
}

// Addendum is text added to a signed note, with its author and time.
type Addendum struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Author string `json:"author"`
	At     string `json:"at"`
}

// Encounter is one visit with its note and addenda. Kind is "visit" (from
// an appointment) or "walk_in"; Status is "open", "signed" or "retracted".
type Encounter struct {
	ID            string `json:"id"`
	PatientID     string `json:"patientId"`
	ClinicianID   string `json:"clinicianId"`
	ClinicianName string `json:"clinicianName"`
	AppointmentID string `json:"appointmentId"`
	Kind          string `json:"kind"`
	// Class is AMB for a visit at the clinic, VR for a video visit (HL7 v3
	// ActCode, see db.EncounterVirtual).
	Class string `json:"class"`
	// MeetingLink is a video visit's link, to open it again.
	MeetingLink string     `json:"meetingLink"`
	StartedAt   string     `json:"startedAt"`
	Status      string     `json:"status"`
	Version     int        `json:"version"`
	Note        Note       `json:"note"`
	Addenda     []Addendum `json:"addenda"`
	// Diagnoses are the visit's, by rank, removed ones too (marked so).
	Diagnoses []Diagnosis `json:"diagnoses"`
	// FollowUp is the follow-up the visit asks for (nil: none yet); it
	// counts once the note is signed.
	FollowUp *CareReminder `json:"followUp"`
	// Instructions are the patient's, for the after-visit summary; they
	// are written after signing too (visit_summary.go).
	Instructions PatientGuidance `json:"instructions"`
}

// EncounterSummary is one line of a patient's list of encounters.
type EncounterSummary struct {
	ID            string `json:"id"`
	ClinicianName string `json:"clinicianName"`
	Kind          string `json:"kind"`
	Class         string `json:"class"` // AMB, or VR for a video visit
	StartedAt     string `json:"startedAt"`
	Status        string `json:"status"`
	Assessment    string `json:"assessment"` // its first 200 characters
	Diagnoses     []Code `json:"diagnoses"`  // those in force, the primary first
}

// NoteTemplate is a clinic's template for a note. Version 0 saves a new one.
type NoteTemplate struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	NoteText
	Active  bool `json:"active"`
	Version int  `json:"version"`
}

// QuickPhrase expands an abbreviation typed in a note. Version 0 saves a new one.
type QuickPhrase struct {
	ID           string `json:"id"`
	Abbreviation string `json:"abbreviation"`
	Text         string `json:"text"`
	Active       bool   `json:"active"`
	Version      int    `json:"version"`
}

// Limits of what a note holds, so that a pasted file cannot fill the chart.
const (
	maxNotePart     = 20000
	maxAddendum     = 20000
	maxReason       = 500
	maxTemplateName = 80
	maxAbbreviation = 20
)

// OpenEncounter opens a visit for the patient, seen by the clinician
// asking. With an appointment id it is that appointment's visit (opening
// it again returns the visit already open); with "" it is a walk-in.
func (s *Chart) OpenEncounter(patientID, appointmentID string) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		fields := fieldErrors{}
		p, _, err := o.livePatient(patientID)
		if errors.Is(err, db.ErrNotFound) {
			fields.add("patientId", "Choose a patient.")
		} else if err != nil {
			return err
		}
		kind := db.EncounterWalkIn
		var a db.Appointment
		if appointmentID != "" {
			kind = db.EncounterVisit
			a, err = o.AppointmentByID(appointmentID)
			switch {
			case errors.Is(err, db.ErrNotFound):
				fields.add("appointmentId", "That appointment was not found.")
			case err != nil:
				return err
			case a.PatientID != p.ID:
				fields.add("appointmentId", "That appointment is for another patient.")
			case a.Status == "cancelled" || a.Status == "no_show":
				fields.add("appointmentId", "That appointment was cancelled or missed.")
			}
		}
		if err := fields.err(); err != nil {
			return err
		}
		if appointmentID != "" {
			e, err := o.EncounterByAppointment(appointmentID)
			if err == nil {
				if out, err = o.encounterView(e); err != nil {
					return err
				}
				return o.audit("encounter.read", e.PatientID, "encounter/"+e.ID, "already open for the appointment")
			}
			if !errors.Is(err, db.ErrNotFound) {
				return err
			}
		}
		class := db.EncounterAmbulatory
		if appointmentID != "" {
			// A video visit is virtual, and needs the patient's consent.
			if class, err = o.encounterClass(a, p.ID); err != nil {
				return err
			}
		}
		e := db.Encounter{ID: newID(), PatientID: p.ID, ClinicianID: o.actor.userID, AppointmentID: appointmentID,
			Kind: kind, StartedAt: o.now, Status: db.EncounterOpen, Version: 1, Class: class,
			CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.InsertEncounter(e, newID()); err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		detail := kind
		if class == db.EncounterVirtual {
			detail += ", video visit"
		}
		return o.audit("encounter.open", p.ID, "encounter/"+e.ID, detail)
	})
	return out, err
}

// Encounters lists a patient's encounters, newest first.
func (s *Chart) Encounters(patientID string) ([]EncounterSummary, error) {
	out := []EncounterSummary{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		if out, err = o.encounterSummaries(p.ID, 0); err != nil {
			return err
		}
		return o.audit("encounter.read", p.ID, "patient/"+p.ID, fmt.Sprintf("list of %d", len(out)))
	})
	if err != nil {
		return []EncounterSummary{}, err
	}
	return out, nil
}

// encounterSummaries lists a patient's latest limit encounters (all for 0),
// newest first, each with its diagnoses in force.
func (o *op) encounterSummaries(patientID string, limit int) ([]EncounterSummary, error) {
	lines, err := o.PatientEncounters(patientID, limit)
	if err != nil {
		return nil, err
	}
	diagnoses, err := o.PatientDiagnoses(patientID)
	if err != nil {
		return nil, err
	}
	byEncounter := map[string][]Code{}
	for _, d := range diagnoses {
		byEncounter[d.EncounterID] = append(byEncounter[d.EncounterID], Code{Code: d.Problem.ICD10, Title: d.Problem.Title})
	}
	out := make([]EncounterSummary, 0, len(lines))
	for _, l := range lines {
		codes := byEncounter[l.ID]
		if codes == nil {
			codes = []Code{}
		}
		out = append(out, EncounterSummary{ID: l.ID, ClinicianName: l.ClinicianName, Kind: l.Kind, Class: l.Class,
			StartedAt: instant(l.StartedAt), Status: l.Status, Assessment: l.Assessment, Diagnoses: codes})
	}
	return out, nil
}

// Encounter reads one encounter with its note and addenda.
func (s *Chart) Encounter(id string) (Encounter, error) {
	var out Encounter
	err := s.app.look(s.session, permClinical, func(o *op) error {
		e, err := o.EncounterByID(id)
		if err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("encounter.read", e.PatientID, "encounter/"+e.ID, "")
	})
	return answer(out, err)
}

// SaveDraft saves the note as typed so far; the draft it replaces is kept.
// draftVersion is the note.draftVersion the editor started from: if the
// note was saved elsewhere since, nothing is written (Conflict). A signed
// note takes no draft.
func (s *Chart) SaveDraft(encounterID string, note NoteText, draftVersion int) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		fields := fieldErrors{}
		note = note.checked(fields)
		if err := fields.err(); err != nil {
			return err
		}
		e, n, err := o.encounterAndNote(encounterID)
		if err != nil {
			return err
		}
		if n.Signed() {
			return errorf(Conflict, "This note is signed and cannot be changed. Add an addendum instead.")
		}
		if n.DraftVersion != draftVersion {
			return errorf(Conflict, "This note was saved elsewhere meanwhile. Reload it to see the latest draft.")
		}
		saved, err := o.SaveDraft(db.Note{ID: n.ID, EncounterID: e.ID, Subjective: note.Subjective,
			Objective: note.Objective, Assessment: note.Assessment, Plan: note.Plan, DraftVersion: draftVersion,
			SavedAt: o.now, SavedBy: o.actor.userID})
		if err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("note.draft", e.PatientID, "encounter/"+e.ID, fmt.Sprintf("version %d", saved.DraftVersion))
	})
	return out, err
}

// SignNote signs the encounter's note as it was last saved, locking it for
// good. version is the encounter's version the clinician was looking at.
// A note needs an assessment or a plan to be signed, and no template blank
// left unfilled (note_blanks.go): each is filled or waived first.
func (s *Chart) SignNote(encounterID string, version int) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		e, n, err := o.encounterAndNote(encounterID)
		if err != nil {
			return err
		}
		if n.Signed() {
			return errorf(Conflict, "This note is already signed.")
		}
		if e.Version != version {
			return errorf(Conflict, "This visit changed meanwhile. Reload it and sign again.")
		}
		fields := fieldErrors{}
		if strings.TrimSpace(n.Assessment) == "" && strings.TrimSpace(n.Plan) == "" {
			fields.add("assessment", "Write an assessment or a plan before signing.")
		}
		NoteText{Subjective: n.Subjective, Objective: n.Objective, Assessment: n.Assessment, Plan: n.Plan}.unfilledBlanks(fields)
		if err := fields.err(); err != nil {
			return err
		}
		if err := o.SignNote(n.ID, o.actor.userID, o.now); err != nil {
			return err
		}
		if e, err = o.SetEncounterStatus(e.ID, version, db.EncounterSigned, o.actor.userID, o.now, "signed"); err != nil {
			return err
		}
		if err := o.signFollowUp(e); err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("note.sign", e.PatientID, "encounter/"+e.ID, fmt.Sprintf("draft version %d", n.DraftVersion))
	})
	return out, err
}

// AddAddendum adds text to a signed note, with its author and time.
func (s *Chart) AddAddendum(encounterID, text string) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		text = strings.TrimSpace(text)
		fields := fieldErrors{}
		switch {
		case text == "":
			fields.add("text", "Write the addendum.")
		case len(text) > maxAddendum:
			fields.add("text", fmt.Sprintf("An addendum holds at most %d characters.", maxAddendum))
		}
		if err := fields.err(); err != nil {
			return err
		}
		e, n, err := o.encounterAndNote(encounterID)
		if err != nil {
			return err
		}
		if !n.Signed() {
			return errorf(Conflict, "This note is not signed yet: change the draft instead of adding an addendum.")
		}
		id := newID()
		if err := o.InsertAddendum(db.Addendum{ID: id, NoteID: n.ID, Text: text, Author: o.actor.userID, At: o.now}); err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("note.addendum", e.PatientID, "encounter/"+e.ID, "addendum "+id)
	})
	return out, err
}

// RetractNote marks a signed note retracted (entered in error), with the
// reason. Its text stays readable, marked retracted. version is the
// encounter's version the clinician was looking at.
func (s *Chart) RetractNote(encounterID, reason string, version int) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		fields := fieldErrors{}
		switch {
		case reason == "":
			fields.add("reason", "Say why the note is retracted.")
		case len(reason) > maxReason:
			fields.add("reason", fmt.Sprintf("A reason holds at most %d characters.", maxReason))
		}
		if err := fields.err(); err != nil {
			return err
		}
		e, n, err := o.encounterAndNote(encounterID)
		if err != nil {
			return err
		}
		switch {
		case !n.Signed():
			return errorf(Conflict, "Only a signed note is retracted; a draft can still be changed.")
		case !n.RetractedAt.IsZero():
			return errorf(Conflict, "This note is already retracted.")
		case e.Version != version:
			return errorf(Conflict, "This visit changed meanwhile. Reload it and retract again.")
		}
		if err := o.RetractNote(n.ID, o.actor.userID, o.now, reason); err != nil {
			return err
		}
		if e, err = o.SetEncounterStatus(e.ID, version, db.EncounterRetracted, o.actor.userID, o.now, reason); err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("note.retract", e.PatientID, "encounter/"+e.ID, "reason: "+reason)
	})
	return out, err
}

// Templates lists the clinic's note templates by name, retired ones too.
func (s *Chart) Templates() ([]NoteTemplate, error) {
	out := []NoteTemplate{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		list, err := o.NoteTemplates()
		for _, n := range list {
			out = append(out, NoteTemplate{ID: n.ID, Name: n.Name, Active: n.Active, Version: n.Version,
				NoteText: NoteText{Subjective: n.Subjective, Objective: n.Objective, Assessment: n.Assessment, Plan: n.Plan}})
		}
		return err
	})
	if err != nil {
		return []NoteTemplate{}, err
	}
	return out, nil
}

// SaveTemplate adds a template (Version 0) or changes one (Version as read).
func (s *Chart) SaveTemplate(t NoteTemplate) (NoteTemplate, error) {
	var out NoteTemplate
	err := s.app.act(s.session, permClinical, func(o *op) error {
		fields := fieldErrors{}
		t.Name = strings.TrimSpace(t.Name)
		switch {
		case t.Name == "":
			fields.add("name", "Name the template.")
		case len(t.Name) > maxTemplateName:
			fields.add("name", fmt.Sprintf("A name holds at most %d characters.", maxTemplateName))
		}
		t.NoteText = t.NoteText.checked(fields)
		if t.NoteText == (NoteText{}) {
			fields.add("subjective", "A template needs some text.")
		}
		if t.Version < 0 {
			fields.add("version", "Reload the template.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		if t.Version == 0 {
			t.ID = newID()
		}
		saved, err := o.SaveNoteTemplate(db.NoteTemplate{ID: t.ID, Name: t.Name, Subjective: t.Subjective,
			Objective: t.Objective, Assessment: t.Assessment, Plan: t.Plan, Active: t.Active, Version: t.Version,
			UpdatedAt: o.now, UpdatedBy: o.actor.userID})
		if errors.Is(err, db.ErrDuplicate) {
			fields.add("name", "Another template has this name.")
			return fields.err()
		}
		if err != nil {
			return err
		}
		t.Version = saved.Version
		out = t
		return o.audit("template.save", "", "note_template/"+t.ID, fmt.Sprintf("version %d", t.Version))
	})
	return out, err
}

// QuickPhrases lists the quick phrases by abbreviation, retired ones too.
func (s *Chart) QuickPhrases() ([]QuickPhrase, error) {
	out := []QuickPhrase{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		list, err := o.QuickPhrases()
		for _, p := range list {
			out = append(out, QuickPhrase{ID: p.ID, Abbreviation: p.Abbreviation, Text: p.Text, Active: p.Active,
				Version: p.Version})
		}
		return err
	})
	if err != nil {
		return []QuickPhrase{}, err
	}
	return out, nil
}

// SaveQuickPhrase adds a quick phrase (Version 0) or changes one.
func (s *Chart) SaveQuickPhrase(p QuickPhrase) (QuickPhrase, error) {
	var out QuickPhrase
	err := s.app.act(s.session, permClinical, func(o *op) error {
		fields := fieldErrors{}
		p.Abbreviation, p.Text = strings.TrimSpace(p.Abbreviation), strings.TrimSpace(p.Text)
		switch {
		case p.Abbreviation == "":
			fields.add("abbreviation", "Type the abbreviation.")
		case len(p.Abbreviation) > maxAbbreviation || strings.ContainsAny(p.Abbreviation, " \t\r\n"):
			fields.add("abbreviation", fmt.Sprintf("An abbreviation is one word of at most %d characters.", maxAbbreviation))
		}
		switch {
		case p.Text == "":
			fields.add("text", "Type the text it stands for.")
		case len(p.Text) > maxNotePart:
			fields.add("text", fmt.Sprintf("A phrase holds at most %d characters.", maxNotePart))
		}
		if p.Version < 0 {
			fields.add("version", "Reload the phrase.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		if p.Version == 0 {
			p.ID = newID()
		}
		saved, err := o.SaveQuickPhrase(db.QuickPhrase{ID: p.ID, Abbreviation: p.Abbreviation, Text: p.Text,
			Active: p.Active, Version: p.Version, UpdatedAt: o.now, UpdatedBy: o.actor.userID})
		if errors.Is(err, db.ErrDuplicate) {
			fields.add("abbreviation", "Another phrase has this abbreviation.")
			return fields.err()
		}
		if err != nil {
			return err
		}
		p.Version = saved.Version
		out = p
		return o.audit("phrase.save", "", "quick_phrase/"+p.ID, fmt.Sprintf("version %d", p.Version))
	})
	return out, err
}

// checked is n with each part's trailing space removed, each over-long
// part marked in fields.
func (n NoteText) checked(fields fieldErrors) NoteText {
	parts := []struct {
		name string
		text *string
	}{{"subjective", &n.Subjective}, {"objective", &n.Objective}, {"assessment", &n.Assessment}, {"plan", &n.Plan}}
	for _, p := range parts {
		*p.text = strings.TrimRight(*p.text, " \t\r\n")
		if len(*p.text) > maxNotePart {
			fields.add(p.name, fmt.Sprintf("This part holds at most %d characters.", maxNotePart))
		}
	}
	return n
}

func (o *op) encounterAndNote(encounterID string) (db.Encounter, db.Note, error) {
	e, err := o.EncounterByID(encounterID)
	if err != nil {
		return db.Encounter{}, db.Note{}, err
	}
	n, err := o.NoteOf(e.ID)
	return e, n, err
}

// encounterView is e as the UI shows it, with its note and addenda.
func (o *op) encounterView(e db.Encounter) (Encounter, error) {
	n, err := o.NoteOf(e.ID)
	if err != nil {
		return Encounter{}, err
	}
	addenda, err := o.Addenda(n.ID)
	if err != nil {
		return Encounter{}, err
	}
	names := map[string]string{}
	name := func(id string) (string, error) {
		if id == "" {
			return "", nil
		}
		if v, ok := names[id]; ok {
			return v, nil
		}
		u, err := o.UserByID(id)
		if err != nil {
			return "", fmt.Errorf("name of user %s: %w", id, err)
		}
		names[id] = u.FullName
		return u.FullName, nil
	}
	out := Encounter{ID: e.ID, PatientID: e.PatientID, ClinicianID: e.ClinicianID, AppointmentID: e.AppointmentID,
		Kind: e.Kind, Class: e.Class, StartedAt: instant(e.StartedAt), Status: e.Status, Version: e.Version, Addenda: []Addendum{},
		Note: Note{NoteText: NoteText{Subjective: n.Subjective, Objective: n.Objective, Assessment: n.Assessment, Plan: n.Plan},
			DraftVersion: n.DraftVersion, SavedAt: instant(n.SavedAt), SignedAt: instant(n.SignedAt),
			RetractedAt: instant(n.RetractedAt), RetractReason: n.RetractReason}}
	if out.ClinicianName, err = name(e.ClinicianID); err != nil {
		return Encounter{}, err
	}
	if e.Class == db.EncounterVirtual && e.AppointmentID != "" {
		a, err := o.AppointmentByID(e.AppointmentID)
		if err != nil {
			return Encounter{}, err
		}
		out.MeetingLink = a.MeetingLink
	}
	if out.Note.SignedBy, err = name(n.SignedBy); err != nil {
		return Encounter{}, err
	}
	if out.Note.RetractedBy, err = name(n.RetractedBy); err != nil {
		return Encounter{}, err
	}
	for _, a := range addenda {
		out.Addenda = append(out.Addenda, Addendum{ID: a.ID, Text: a.Text, Author: a.AuthorName, At: instant(a.At)})
	}
	diagnoses, err := o.EncounterDiagnoses(e.ID)
	if err != nil {
		return Encounter{}, err
	}
	if out.Diagnoses, err = diagnosesView(diagnoses, e.ID, name); err != nil {
		return Encounter{}, err
	}
	if out.FollowUp, err = o.followUpOf(e); err != nil {
		return Encounter{}, err
	}
	guidance, err := o.VisitInstructionsOf(e.ID)
	if err != nil {
		return Encounter{}, err
	}
	if out.Instructions, err = o.guidanceView(guidance); err != nil {
		return Encounter{}, err
	}
	return out, nil
}

// instant is t as RFC 3339 in UTC to the second, "" for the zero time.
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
