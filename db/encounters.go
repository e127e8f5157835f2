package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Encounter is one visit: who saw which patient, when, and where its note
// stands (open, signed or retracted). AppointmentID is "" for a walk-in.
type Encounter struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	ClinicianID   string    `json:"clinicianId"`
	AppointmentID string    `json:"appointmentId"`
	Kind          string    `json:"kind"`
	StartedAt     time.Time `json:"startedAt"`
	Status        string    `json:"status"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     string    `json:"createdBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`
	// Class is where the visit happened, as an HL7 v3 ActEncounterCode:
	// EncounterAmbulatory or EncounterVirtual (schema 29).
	Class string `json:"class"`
}

// Encounter classes, as stored: HL7 v3 ActCode's ActEncounterCode
// (http://terminology.hl7.org/CodeSystem/v3-ActCode), AMB for a visit at
// the clinic and VR for one on a video call.
const (
	EncounterAmbulatory = "AMB"
	EncounterVirtual    = "VR"
)

// Encounter kinds and statuses, as stored.
const (
	EncounterVisit     = "visit"
	EncounterWalkIn    = "walk_in"
	EncounterOpen      = "open"
	EncounterSigned    = "signed"
	EncounterRetracted = "retracted"
)

// Note is an encounter's SOAP note. SignedBy and RetractedBy are user ids;
// the times are zero until reached.
type Note struct {
	ID            string    `json:"id"`
	EncounterID   string    `json:"encounterId"`
	Subjective    string    `json:"subjective"`
	Objective     string    `json:"objective"`
	Assessment    string    `json:"assessment"`
	Plan          string    `json:"plan"`
	DraftVersion  int       `json:"draftVersion"`
	SavedAt       time.Time `json:"savedAt"`
	SavedBy       string    `json:"savedBy"`
	SignedAt      time.Time `json:"signedAt"`
	SignedBy      string    `json:"signedBy"`
	RetractedAt   time.Time `json:"retractedAt"`
	RetractedBy   string    `json:"retractedBy"`
	RetractReason string    `json:"retractReason"`
}

// Signed tells whether n was signed (and so is locked).
func (n Note) Signed() bool { return !n.SignedAt.IsZero() }

// Addendum is text added to a signed note. Author is a user id.
type Addendum struct {
	ID     string
	NoteID string
	Text   string
	Author string
	At     time.Time
}

// NoteTemplate is one of the clinic's note templates.
type NoteTemplate struct {
	ID, Name                                string
	Subjective, Objective, Assessment, Plan string
	Active                                  bool
	Version                                 int
	UpdatedAt                               time.Time
	UpdatedBy                               string
}

// QuickPhrase is an abbreviation that expands to text.
type QuickPhrase struct {
	ID, Abbreviation, Text string
	Active                 bool
	Version                int
	UpdatedAt              time.Time
	UpdatedBy              string
}

const encounterColumns = `id, patient_id, clinician_id, coalesce(appointment_id, ''), kind, started_at, status, version,
	created_at, created_by, updated_at, updated_by, class`

func scanEncounter(row scanner) (Encounter, error) {
	var e Encounter
	var started, created, updated string
	err := row.Scan(&e.ID, &e.PatientID, &e.ClinicianID, &e.AppointmentID, &e.Kind, &started, &e.Status, &e.Version,
		&created, &e.CreatedBy, &updated, &e.UpdatedBy, &e.Class)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("read encounter: %w", err)
	}
	e.StartedAt, e.CreatedAt, e.UpdatedAt = parseTime(started), parseTime(created), parseTime(updated)
	return e, nil
}

// InsertEncounter opens e with an empty draft note whose id is noteID.
// ErrDuplicate if an encounter was already opened from e's appointment.
func (t *Tx) InsertEncounter(e Encounter, noteID string) error {
	var appointment any
	if e.AppointmentID != "" {
		appointment = e.AppointmentID
	}
	if e.Class == "" {
		e.Class = EncounterAmbulatory
	}
	_, err := t.exec(`INSERT INTO encounters (id, patient_id, clinician_id, appointment_id, kind, started_at, status,
		version, created_at, created_by, updated_at, updated_by, class) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.PatientID, e.ClinicianID, appointment, e.Kind, formatTime(e.StartedAt), e.Status, e.Version,
		formatTime(e.CreatedAt), e.CreatedBy, formatTime(e.UpdatedAt), e.UpdatedBy, e.Class)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert encounter: %w", err)
	}
	_, err = t.exec(`INSERT INTO notes (id, encounter_id, draft_version, saved_at, saved_by) VALUES (?, ?, 1, ?, ?)`,
		noteID, e.ID, formatTime(e.CreatedAt), e.CreatedBy)
	if err != nil {
		return fmt.Errorf("insert note of encounter %s: %w", e.ID, err)
	}
	return nil
}

// EncounterByID reads one encounter.
func (t *Tx) EncounterByID(id string) (Encounter, error) {
	return scanEncounter(t.queryRow(`SELECT `+encounterColumns+` FROM encounters WHERE id = ?`, id))
}

// EncounterByAppointment reads the encounter opened from an appointment.
func (t *Tx) EncounterByAppointment(appointmentID string) (Encounter, error) {
	return scanEncounter(t.queryRow(`SELECT `+encounterColumns+` FROM encounters WHERE appointment_id = ?`, appointmentID))
}

// SetEncounterStatus moves e to status, keeping the version it replaces.
// ErrConflict if e changed since version was read.
func (t *Tx) SetEncounterStatus(id string, version int, status, by string, at time.Time, reason string) (Encounter, error) {
	old, err := t.EncounterByID(id)
	if err != nil {
		return Encounter{}, err
	}
	if old.Version != version {
		return Encounter{}, ErrConflict
	}
	if err := t.keepRevision("encounter", id, old.Version, old, by, at, reason); err != nil {
		return Encounter{}, err
	}
	res, err := t.exec(`UPDATE encounters SET status = ?, version = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`, status, old.Version+1, formatTime(at), by, id, old.Version)
	if err != nil {
		return Encounter{}, fmt.Errorf("set encounter %s %s: %w", id, status, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Encounter{}, ErrConflict
	}
	next := old
	next.Status, next.Version, next.UpdatedAt, next.UpdatedBy = status, old.Version+1, at, by
	return next, nil
}

// EncounterLine is one encounter of a patient's list, with the first part
// of its assessment.
type EncounterLine struct {
	Encounter
	ClinicianName string
	Assessment    string
}

// PatientEncounters lists a patient's encounters, newest first: the latest
// limit of them, or all for a limit of 0.
func (t *Tx) PatientEncounters(patientID string, limit int) ([]EncounterLine, error) {
	if limit <= 0 {
		limit = -1 // SQLite's "no limit"
	}
	rows, err := t.query(`SELECT e.id, e.patient_id, e.clinician_id, coalesce(e.appointment_id, ''), e.kind, e.started_at,
		e.status, e.version, e.created_at, e.created_by, e.updated_at, e.updated_by, u.full_name, substr(n.assessment, 1, 200),
		e.class
		FROM encounters e JOIN users u ON u.id = e.clinician_id JOIN notes n ON n.encounter_id = e.id
		WHERE e.patient_id = ? ORDER BY e.started_at DESC, e.id DESC LIMIT ?`, patientID, limit)
	if err != nil {
		return nil, fmt.Errorf("list encounters: %w", err)
	}
	defer rows.Close()
	var out []EncounterLine
	for rows.Next() {
		var l EncounterLine
		var started, created, updated string
		e := &l.Encounter
		if err := rows.Scan(&e.ID, &e.PatientID, &e.ClinicianID, &e.AppointmentID, &e.Kind, &started, &e.Status,
			&e.Version, &created, &e.CreatedBy, &updated, &e.UpdatedBy, &l.ClinicianName, &l.Assessment,
			&e.Class); err != nil {
			return nil, fmt.Errorf("read encounter: %w", err)
		}
		e.StartedAt, e.CreatedAt, e.UpdatedAt = parseTime(started), parseTime(created), parseTime(updated)
		out = append(out, l)
	}
	return out, rows.Err()
}

const noteColumns = `id, encounter_id, subjective, objective, assessment, plan, draft_version, saved_at, saved_by,
	signed_at, signed_by, retracted_at, retracted_by, retract_reason`

// NoteOf reads the note of an encounter.
func (t *Tx) NoteOf(encounterID string) (Note, error) {
	var n Note
	var saved, signed, retracted string
	err := t.queryRow(`SELECT `+noteColumns+` FROM notes WHERE encounter_id = ?`, encounterID).Scan(
		&n.ID, &n.EncounterID, &n.Subjective, &n.Objective, &n.Assessment, &n.Plan, &n.DraftVersion, &saved, &n.SavedBy,
		&signed, &n.SignedBy, &retracted, &n.RetractedBy, &n.RetractReason)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("read note of encounter %s: %w", encounterID, err)
	}
	n.SavedAt, n.SignedAt, n.RetractedAt = parseTime(saved), parseOptionalTime(signed), parseOptionalTime(retracted)
	return n, nil
}

// SaveDraft replaces the text of an unsigned note, keeping the draft it
// replaces in revisions. n.DraftVersion must be the draft the caller
// edited; ErrConflict if the note was saved or signed since.
func (t *Tx) SaveDraft(n Note) (Note, error) {
	old, err := t.NoteOf(n.EncounterID)
	if err != nil {
		return Note{}, err
	}
	if old.DraftVersion != n.DraftVersion || old.Signed() {
		return Note{}, ErrConflict
	}
	if err := t.keepRevision("note", old.ID, old.DraftVersion, old, n.SavedBy, n.SavedAt, "draft"); err != nil {
		return Note{}, err
	}
	res, err := t.exec(`UPDATE notes SET subjective = ?, objective = ?, assessment = ?, plan = ?, draft_version = ?,
		saved_at = ?, saved_by = ? WHERE id = ? AND draft_version = ? AND signed_at = ''`,
		n.Subjective, n.Objective, n.Assessment, n.Plan, old.DraftVersion+1, formatTime(n.SavedAt), n.SavedBy,
		old.ID, old.DraftVersion)
	if err != nil {
		return Note{}, fmt.Errorf("save draft of encounter %s: %w", n.EncounterID, err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return Note{}, ErrConflict
	}
	next := old
	next.Subjective, next.Objective, next.Assessment, next.Plan = n.Subjective, n.Objective, n.Assessment, n.Plan
	next.DraftVersion, next.SavedAt, next.SavedBy = old.DraftVersion+1, n.SavedAt, n.SavedBy
	return next, nil
}

// NoteDrafts lists the drafts a note replaced, newest first.
func (t *Tx) NoteDrafts(noteID string) ([]Note, error) {
	rows, err := t.query(`SELECT data FROM revisions WHERE entity = 'note' AND entity_id = ? ORDER BY version DESC`, noteID)
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	defer rows.Close()
	var out []Note
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("read draft: %w", err)
		}
		var n Note
		if err := json.Unmarshal([]byte(data), &n); err != nil {
			return nil, fmt.Errorf("decode draft: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// SignNote signs the note, which locks it for good.
func (t *Tx) SignNote(noteID, by string, at time.Time) error {
	res, err := t.exec(`UPDATE notes SET signed_at = ?, signed_by = ? WHERE id = ? AND signed_at = ''`,
		formatTime(at), by, noteID)
	if err != nil {
		return fmt.Errorf("sign note %s: %w", noteID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	return nil
}

// RetractNote marks a signed note retracted; its text stays as signed.
func (t *Tx) RetractNote(noteID, by string, at time.Time, reason string) error {
	res, err := t.exec(`UPDATE notes SET retracted_at = ?, retracted_by = ?, retract_reason = ?
		WHERE id = ? AND signed_at <> '' AND retracted_at = ''`, formatTime(at), by, reason, noteID)
	if err != nil {
		return fmt.Errorf("retract note %s: %w", noteID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	return nil
}

// InsertAddendum adds text to a signed note.
func (t *Tx) InsertAddendum(a Addendum) error {
	_, err := t.exec(`INSERT INTO note_addenda (id, note_id, text, author, at) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.NoteID, a.Text, a.Author, formatTime(a.At))
	if err != nil {
		return fmt.Errorf("add addendum to note %s: %w", a.NoteID, err)
	}
	return nil
}

// AddendumLine is an addendum with its author's name.
type AddendumLine struct {
	Addendum
	AuthorName string
}

// Addenda lists a note's addenda, oldest first.
func (t *Tx) Addenda(noteID string) ([]AddendumLine, error) {
	rows, err := t.query(`SELECT a.id, a.note_id, a.text, a.author, a.at, u.full_name
		FROM note_addenda a JOIN users u ON u.id = a.author WHERE a.note_id = ? ORDER BY a.at, a.rowid`, noteID)
	if err != nil {
		return nil, fmt.Errorf("list addenda: %w", err)
	}
	defer rows.Close()
	var out []AddendumLine
	for rows.Next() {
		var a AddendumLine
		var at string
		if err := rows.Scan(&a.ID, &a.NoteID, &a.Text, &a.Author, &at, &a.AuthorName); err != nil {
			return nil, fmt.Errorf("read addendum: %w", err)
		}
		a.At = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountAddenda tells how many addenda the chart holds.
func (t *Tx) CountAddenda() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM note_addenda`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count addenda: %w", err)
	}
	return n, nil
}

// CountEncounters tells how many encounters the chart holds.
func (t *Tx) CountEncounters() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM encounters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count encounters: %w", err)
	}
	return n, nil
}

// NoteTemplates lists the clinic's templates by name, retired ones too.
func (t *Tx) NoteTemplates() ([]NoteTemplate, error) {
	rows, err := t.query(`SELECT id, name, subjective, objective, assessment, plan, active, version, updated_at, updated_by
		FROM note_templates ORDER BY name COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var out []NoteTemplate
	for rows.Next() {
		var n NoteTemplate
		var at string
		if err := rows.Scan(&n.ID, &n.Name, &n.Subjective, &n.Objective, &n.Assessment, &n.Plan, &n.Active, &n.Version,
			&at, &n.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
		n.UpdatedAt = parseTime(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// SaveNoteTemplate adds n (Version 0) or replaces it, keeping the version
// it replaces. ErrDuplicate if the name is taken; ErrConflict if n changed
// since n.Version was read.
func (t *Tx) SaveNoteTemplate(n NoteTemplate) (NoteTemplate, error) {
	if n.Version == 0 {
		n.Version = 1
		_, err := t.exec(`INSERT INTO note_templates (id, name, subjective, objective, assessment, plan, active, version,
			updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			n.ID, n.Name, n.Subjective, n.Objective, n.Assessment, n.Plan, n.Active, formatTime(n.UpdatedAt), n.UpdatedBy)
		return n, saveError("template", err)
	}
	var old NoteTemplate
	var at string
	err := t.queryRow(`SELECT id, name, subjective, objective, assessment, plan, active, version, updated_at, updated_by
		FROM note_templates WHERE id = ?`, n.ID).Scan(&old.ID, &old.Name, &old.Subjective, &old.Objective,
		&old.Assessment, &old.Plan, &old.Active, &old.Version, &at, &old.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("read template: %w", err)
	}
	old.UpdatedAt = parseTime(at)
	if old.Version != n.Version {
		return n, ErrConflict
	}
	if err := t.keepRevision("note_template", n.ID, old.Version, old, n.UpdatedBy, n.UpdatedAt, "edit"); err != nil {
		return n, err
	}
	n.Version = old.Version + 1
	_, err = t.exec(`UPDATE note_templates SET name = ?, subjective = ?, objective = ?, assessment = ?, plan = ?,
		active = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		n.Name, n.Subjective, n.Objective, n.Assessment, n.Plan, n.Active, n.Version, formatTime(n.UpdatedAt),
		n.UpdatedBy, n.ID)
	return n, saveError("template", err)
}

// QuickPhrases lists the quick phrases by abbreviation, retired ones too.
func (t *Tx) QuickPhrases() ([]QuickPhrase, error) {
	rows, err := t.query(`SELECT id, abbreviation, text, active, version, updated_at, updated_by
		FROM quick_phrases ORDER BY abbreviation COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list quick phrases: %w", err)
	}
	defer rows.Close()
	var out []QuickPhrase
	for rows.Next() {
		var p QuickPhrase
		var at string
		if err := rows.Scan(&p.ID, &p.Abbreviation, &p.Text, &p.Active, &p.Version, &at, &p.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read quick phrase: %w", err)
		}
		p.UpdatedAt = parseTime(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveQuickPhrase adds p (Version 0) or replaces it, keeping the version it
// replaces. ErrDuplicate if the abbreviation is taken; ErrConflict if p
// changed since p.Version was read.
func (t *Tx) SaveQuickPhrase(p QuickPhrase) (QuickPhrase, error) {
	if p.Version == 0 {
		p.Version = 1
		_, err := t.exec(`INSERT INTO quick_phrases (id, abbreviation, text, active, version, updated_at, updated_by)
			VALUES (?, ?, ?, ?, 1, ?, ?)`, p.ID, p.Abbreviation, p.Text, p.Active, formatTime(p.UpdatedAt), p.UpdatedBy)
		return p, saveError("quick phrase", err)
	}
	var old QuickPhrase
	var at string
	err := t.queryRow(`SELECT id, abbreviation, text, active, version, updated_at, updated_by FROM quick_phrases
		WHERE id = ?`, p.ID).Scan(&old.ID, &old.Abbreviation, &old.Text, &old.Active, &old.Version, &at, &old.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("read quick phrase: %w", err)
	}
	old.UpdatedAt = parseTime(at)
	if old.Version != p.Version {
		return p, ErrConflict
	}
	if err := t.keepRevision("quick_phrase", p.ID, old.Version, old, p.UpdatedBy, p.UpdatedAt, "edit"); err != nil {
		return p, err
	}
	p.Version = old.Version + 1
	_, err = t.exec(`UPDATE quick_phrases SET abbreviation = ?, text = ?, active = ?, version = ?, updated_at = ?,
		updated_by = ? WHERE id = ?`, p.Abbreviation, p.Text, p.Active, p.Version, formatTime(p.UpdatedAt), p.UpdatedBy, p.ID)
	return p, saveError("quick phrase", err)
}

func saveError(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return ErrDuplicate
	}
	return fmt.Errorf("save %s: %w", what, err)
}

// moveEncounters gives every encounter of from to to (a merge), keeping the
// version each replaces. Notes and addenda belong to their encounter, so
// they move with it unchanged: a signed note stays exactly as signed.
func (t *Tx) moveEncounters(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.query(`SELECT `+encounterColumns+` FROM encounters WHERE patient_id = ?`, from.ID)
	if err != nil {
		return fmt.Errorf("list encounters of %s: %w", from.MRN, err)
	}
	var list []Encounter
	for rows.Next() {
		e, err := scanEncounter(rows)
		if err != nil {
			rows.Close()
			return err
		}
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list encounters of %s: %w", from.MRN, err)
	}
	why := mergeWhy(from, to, reason)
	for _, e := range list {
		if err := t.moveRow("encounters", "encounter", e.ID, e.Version, e, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}

// UnsignedEncounters lists a patient's encounters whose note is still a
// draft, oldest first.
func (t *Tx) UnsignedEncounters(patientID string) ([]Encounter, error) {
	return queryList(t, "unsigned encounters", func(row scanner) (Encounter, error) {
		var e Encounter
		var started string
		err := row.Scan(&e.ID, &started)
		e.StartedAt = parseTime(started)
		return e, err
	}, `SELECT id, started_at FROM encounters WHERE patient_id = ? AND status = 'open' ORDER BY started_at`, patientID)
}
