package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TelehealthConsent is a patient's consent to be seen on a video call,
// recorded once: by whom, when and how. It is never deleted; one recorded
// in error (or withdrawn) is retracted with a reason.
type TelehealthConsent struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	Method        string    `json:"method"` // verbal or written
	Note          string    `json:"note"`
	RecordedAt    time.Time `json:"recordedAt"`
	RecordedBy    string    `json:"recordedBy"` // user id
	Status        string    `json:"status"`     // active or retracted
	RetractedAt   time.Time `json:"retractedAt"`
	RetractedBy   string    `json:"retractedBy"` // user id; "" until retracted
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`
}

// Consent methods and statuses, as stored.
const (
	ConsentVerbal    = "verbal"
	ConsentWritten   = "written"
	ConsentActive    = "active"
	ConsentRetracted = "retracted"
)

const telehealthConsentColumns = `id, patient_id, method, note, recorded_at, recorded_by, status, retracted_at,
	retracted_by, retract_reason, version, updated_at, updated_by`

func scanTelehealthConsent(row scanner) (TelehealthConsent, error) {
	var c TelehealthConsent
	var recorded, retracted, updated string
	err := row.Scan(&c.ID, &c.PatientID, &c.Method, &c.Note, &recorded, &c.RecordedBy, &c.Status, &retracted,
		&c.RetractedBy, &c.RetractReason, &c.Version, &updated, &c.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read telehealth consent: %w", err)
	}
	c.RecordedAt, c.RetractedAt, c.UpdatedAt = parseTime(recorded), parseOptionalTime(retracted), parseTime(updated)
	return c, nil
}

// InsertTelehealthConsent records c.
func (t *Tx) InsertTelehealthConsent(c TelehealthConsent) error {
	_, err := t.exec(`INSERT INTO telehealth_consents (`+telehealthConsentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.PatientID, c.Method, c.Note, formatTime(c.RecordedAt), c.RecordedBy, c.Status,
		optionalTime(c.RetractedAt), c.RetractedBy, c.RetractReason, c.Version, formatTime(c.UpdatedAt), c.UpdatedBy)
	if err != nil {
		return fmt.Errorf("insert telehealth consent of patient %s: %w", c.PatientID, err)
	}
	return nil
}

// TelehealthConsentByID reads one consent.
func (t *Tx) TelehealthConsentByID(id string) (TelehealthConsent, error) {
	return scanTelehealthConsent(t.queryRow(`SELECT `+telehealthConsentColumns+` FROM telehealth_consents WHERE id = ?`, id))
}

// TelehealthConsents lists a patient's consents, retracted ones too,
// newest first.
func (t *Tx) TelehealthConsents(patientID string) ([]TelehealthConsent, error) {
	return queryList(t, "telehealth consents", scanTelehealthConsent, `SELECT `+telehealthConsentColumns+`
		FROM telehealth_consents WHERE patient_id = ? ORDER BY recorded_at DESC, id`, patientID)
}

// RetractTelehealthConsent marks c (as the caller read it) retracted with
// reason, keeping the version it replaces; ErrConflict if it changed since.
func (t *Tx) RetractTelehealthConsent(c TelehealthConsent, by string, at time.Time, reason string) (TelehealthConsent, error) {
	old, err := t.TelehealthConsentByID(c.ID)
	if err != nil {
		return TelehealthConsent{}, err
	}
	if old.Version != c.Version || old.Status != ConsentActive {
		return TelehealthConsent{}, ErrConflict
	}
	if err := t.keepRevision("telehealth_consent", old.ID, old.Version, old, by, at, "retracted: "+reason); err != nil {
		return TelehealthConsent{}, err
	}
	out := old
	out.Status, out.RetractedAt, out.RetractedBy, out.RetractReason = ConsentRetracted, at, by, reason
	out.Version, out.UpdatedAt, out.UpdatedBy = old.Version+1, at, by
	_, err = t.exec(`UPDATE telehealth_consents SET status = ?, retracted_at = ?, retracted_by = ?, retract_reason = ?,
		version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?`,
		out.Status, formatTime(at), by, reason, out.Version, formatTime(at), by, old.ID, old.Version)
	if err != nil {
		return TelehealthConsent{}, fmt.Errorf("retract telehealth consent %s: %w", c.ID, err)
	}
	return out, nil
}

// moveTelehealthConsents gives every consent of from to to (a merge): the
// person consented, whichever chart it was recorded in.
func (t *Tx) moveTelehealthConsents(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.TelehealthConsents(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("telehealth_consents", "telehealth_consent", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}
