package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CareReminder is what a clinician asked for one patient alone (see schema
// 25): a reminder due on a day, or a follow-up visit asked for at a visit.
type CareReminder struct {
	ID          string    `json:"id"`
	PatientID   string    `json:"patientId"`
	Kind        string    `json:"kind"` // ReminderKind or FollowUpKind
	EncounterID string    `json:"encounterId"`
	Title       string    `json:"title"`
	DueOn       string    `json:"dueOn"` // YYYY-MM-DD
	VisitTypeID string    `json:"visitTypeId"`
	Note        string    `json:"note"`
	Status      string    `json:"status"` // ReminderDraft, ReminderOpen, ReminderDone or EnteredInError
	CloseNote   string    `json:"closeNote"`
	ClosedAt    time.Time `json:"closedAt"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy"`
	UpdatedAt   time.Time `json:"updatedAt"`
	UpdatedBy   string    `json:"updatedBy"`
}

// A reminder's kind and status.
const (
	ReminderKind  = "reminder"
	FollowUpKind  = "follow_up"
	ReminderDraft = "draft" // a follow-up whose visit note is not signed yet
	ReminderOpen  = "open"
	ReminderDone  = "done"
)

const reminderColumns = `id, patient_id, kind, encounter_id, title, due_on, visit_type_id, note, status, close_note,
	closed_at, version, created_at, created_by, updated_at, updated_by`

func scanReminder(row scanner) (CareReminder, error) {
	var c CareReminder
	var closed, created, updated string
	err := row.Scan(&c.ID, &c.PatientID, &c.Kind, &c.EncounterID, &c.Title, &c.DueOn, &c.VisitTypeID, &c.Note, &c.Status,
		&c.CloseNote, &closed, &c.Version, &created, &c.CreatedBy, &updated, &c.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read reminder: %w", err)
	}
	c.ClosedAt, c.CreatedAt, c.UpdatedAt = parseTime(closed), parseTime(created), parseTime(updated)
	return c, nil
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// InsertCareReminder adds c to its patient's chart.
func (t *Tx) InsertCareReminder(c CareReminder) error {
	_, err := t.exec(`INSERT INTO care_reminders (`+reminderColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PatientID, c.Kind, c.EncounterID, c.Title, c.DueOn, c.VisitTypeID, c.Note, c.Status, c.CloseNote,
		timeOrEmpty(c.ClosedAt), c.Version, formatTime(c.CreatedAt), c.CreatedBy, formatTime(c.UpdatedAt), c.UpdatedBy)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("insert reminder: %w", err)
	}
	return nil
}

// CareReminderByID reads one reminder or follow-up.
func (t *Tx) CareReminderByID(id string) (CareReminder, error) {
	return scanReminder(t.queryRow(`SELECT `+reminderColumns+` FROM care_reminders WHERE id = ?`, id))
}

// FollowUpOf reads the follow-up asked for at a visit (ErrNotFound: none).
func (t *Tx) FollowUpOf(encounterID string) (CareReminder, error) {
	return scanReminder(t.queryRow(`SELECT `+reminderColumns+` FROM care_reminders
		WHERE encounter_id = ? AND kind = 'follow_up'`, encounterID))
}

// CareReminders lists a patient's reminders and follow-ups: open ones first
// by their day, then the rest, the latest first.
func (t *Tx) CareReminders(patientID string) ([]CareReminder, error) {
	return queryList(t, "reminders", scanReminder, `SELECT `+reminderColumns+` FROM care_reminders
		WHERE patient_id = ? ORDER BY status <> 'open', CASE WHEN status = 'open' THEN due_on END, updated_at DESC`,
		patientID)
}

// OpenCareReminders lists a patient's open reminders and follow-ups (those
// the care rules read), by their day.
func (t *Tx) OpenCareReminders(patientID string) ([]CareReminder, error) {
	return queryList(t, "reminders", scanReminder, `SELECT `+reminderColumns+` FROM care_reminders
		WHERE patient_id = ? AND status = 'open' ORDER BY due_on, created_at`, patientID)
}

// UpdateCareReminder replaces a reminder with c (a follow-up changed before
// signing, signed, done or retracted), keeping the version it replaces in
// revisions. c.Version must be the version the caller read; ErrConflict if
// it changed since. The patient, kind, visit and creation never change.
func (t *Tx) UpdateCareReminder(c CareReminder, reason string) (CareReminder, error) {
	old, err := t.CareReminderByID(c.ID)
	if err != nil {
		return CareReminder{}, err
	}
	if old.Version != c.Version {
		return CareReminder{}, ErrConflict
	}
	if err := t.keepRevision("care_reminder", old.ID, old.Version, old, c.UpdatedBy, c.UpdatedAt, reason); err != nil {
		return CareReminder{}, err
	}
	c.PatientID, c.Kind, c.EncounterID, c.CreatedAt, c.CreatedBy = old.PatientID, old.Kind, old.EncounterID, old.CreatedAt, old.CreatedBy
	c.Version = old.Version + 1
	_, err = t.exec(`UPDATE care_reminders SET title = ?, due_on = ?, visit_type_id = ?, note = ?, status = ?,
		close_note = ?, closed_at = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?`,
		c.Title, c.DueOn, c.VisitTypeID, c.Note, c.Status, c.CloseNote, timeOrEmpty(c.ClosedAt), c.Version,
		formatTime(c.UpdatedAt), c.UpdatedBy, c.ID, old.Version)
	if err != nil {
		return CareReminder{}, fmt.Errorf("update reminder %s: %w", c.ID, err)
	}
	return c, nil
}

// moveCareReminders gives every reminder and follow-up of from to to (a merge).
func (t *Tx) moveCareReminders(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.CareReminders(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("care_reminders", "care_reminder", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}

// VisitAfter finds the patient's next visit after an encounter: the first
// appointment starting after localStart (the encounter's start in the
// clinic's wall-clock time, as appointments are kept) that is booked or
// kept (not cancelled, not missed, not the encounter's own), and the first
// other visit opened after it. It answers the appointment's start ("" none)
// and the visit's (zero none).
func (t *Tx) VisitAfter(e Encounter, localStart string) (string, time.Time, error) {
	var booked, seen string
	err := t.queryRow(`SELECT
			(SELECT coalesce(min(starts_at), '') FROM appointments
			 WHERE patient_id = ?1 AND starts_at > ?2 AND id <> ?3 AND status NOT IN ('cancelled', 'no_show')),
			(SELECT coalesce(min(started_at), '') FROM encounters
			 WHERE patient_id = ?1 AND started_at > ?4 AND id <> ?5 AND status <> 'retracted')`,
		e.PatientID, localStart, e.AppointmentID, formatTime(e.StartedAt), e.ID).Scan(&booked, &seen)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("find a visit after %s: %w", e.ID, err)
	}
	return booked, parseTime(seen), nil
}
