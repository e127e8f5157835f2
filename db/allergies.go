package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Allergy is one allergy or intolerance of a patient.
type Allergy struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	Substance     string    `json:"substance"`
	SubstanceKind string    `json:"substanceKind"` // drug, drug_class, food, environment, other
	Code          string    `json:"code"`
	Reaction      string    `json:"reaction"`
	Severity      string    `json:"severity"` // mild, moderate, severe, unknown
	Status        string    `json:"status"`   // AllergyActive, AllergyInactive or EnteredInError
	Onset         string    `json:"onset"`
	Note          string    `json:"note"`
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     string    `json:"createdBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`

	// What another system said of an allergy it sent, kept as it said it;
	// "" (none) for one typed in here. Criticality is FHIR's (low, high,
	// unable-to-assess), Type allergy or intolerance, Categories FHIR's
	// categories ("food, medication"), Verification unconfirmed or
	// confirmed. Codes are the substance's codings, Reactions each reaction
	// with its manifestations' codes. Written with the allergy; a
	// correction keeps them.
	Criticality  string            `json:"criticality"`
	Type         string            `json:"type"`
	Categories   string            `json:"categories"`
	Verification string            `json:"verification"`
	Reactions    []AllergyReaction `json:"reactions"`
	Codes        []Coding          `json:"codes"`
}

// AllergyReaction is one reaction to an allergy's substance as its sender
// recorded it.
type AllergyReaction struct {
	Substance      *Concept  `json:"substance,omitempty"` // when the reaction names a substance of its own
	Manifestations []Concept `json:"manifestations"`
	Description    string    `json:"description,omitempty"`
	Severity       string    `json:"severity,omitempty"` // mild, moderate or severe
	Onset          string    `json:"onset,omitempty"`    // a FHIR dateTime as received
	Note           string    `json:"note,omitempty"`
}

// Concept is a coded concept as received: its codings and its words.
type Concept struct {
	Codes []Coding `json:"codes,omitempty"`
	Text  string   `json:"text,omitempty"`
}

// An allergy's status, besides EnteredInError.
const (
	AllergyActive   = "active"
	AllergyInactive = "inactive"
)

const allergyColumns = `id, patient_id, substance, substance_kind, code, reaction, severity, status, onset, note,
	retract_reason, version, created_at, created_by, updated_at, updated_by, criticality, allergy_type, categories,
	verification, reactions`

func scanAllergy(row scanner) (Allergy, error) {
	var a Allergy
	var created, updated, reactions string
	err := row.Scan(&a.ID, &a.PatientID, &a.Substance, &a.SubstanceKind, &a.Code, &a.Reaction, &a.Severity, &a.Status,
		&a.Onset, &a.Note, &a.RetractReason, &a.Version, &created, &a.CreatedBy, &updated, &a.UpdatedBy,
		&a.Criticality, &a.Type, &a.Categories, &a.Verification, &reactions)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("read allergy: %w", err)
	}
	if err := json.Unmarshal([]byte(reactions), &a.Reactions); err != nil {
		return a, fmt.Errorf("read reactions of allergy %s: %w", a.ID, err)
	}
	if a.Reactions == nil {
		a.Reactions = []AllergyReaction{}
	}
	a.CreatedAt, a.UpdatedAt = parseTime(created), parseTime(updated)
	return a, nil
}

// reactionsJSON is how an allergy's reactions are stored.
func reactionsJSON(r []AllergyReaction) (string, error) {
	if len(r) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// InsertAllergy adds a to its patient's allergy list.
func (t *Tx) InsertAllergy(a Allergy) error {
	reactions, err := reactionsJSON(a.Reactions)
	if err != nil {
		return fmt.Errorf("insert allergy: %w", err)
	}
	_, err = t.exec(`INSERT INTO allergies (id, patient_id, substance, substance_kind, code, reaction, severity, status,
		onset, note, retract_reason, version, created_at, created_by, updated_at, updated_by, criticality, allergy_type,
		categories, verification, reactions)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.PatientID, a.Substance, a.SubstanceKind, a.Code, a.Reaction, a.Severity, a.Status,
		a.Onset, a.Note, a.RetractReason, a.Version, formatTime(a.CreatedAt), a.CreatedBy, formatTime(a.UpdatedAt), a.UpdatedBy,
		a.Criticality, a.Type, a.Categories, a.Verification, reactions)
	if err != nil {
		return fmt.Errorf("insert allergy: %w", err)
	}
	return t.InsertCodings(CodedAllergy, a.ID, CodingCode, a.Codes)
}

// AllergyByID reads one allergy.
func (t *Tx) AllergyByID(id string) (Allergy, error) {
	a, err := scanAllergy(t.queryRow(`SELECT `+allergyColumns+` FROM allergies WHERE id = ?`, id))
	if err != nil {
		return a, err
	}
	list := []Allergy{a}
	err = fillCodes(t, CodedAllergy, list, func(a *Allergy) string { return a.ID }, func(a *Allergy) *[]Coding { return &a.Codes })
	return list[0], err
}

// Allergies lists a patient's allergies: active first, then inactive, then
// those entered in error; within each by substance.
func (t *Tx) Allergies(patientID string) ([]Allergy, error) {
	return t.allergies(`SELECT `+allergyColumns+` FROM allergies WHERE patient_id = ?
		ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'inactive' THEN 1 ELSE 2 END, substance COLLATE NOCASE`, patientID)
}

// ActiveAllergies lists a patient's active allergies by substance.
func (t *Tx) ActiveAllergies(patientID string) ([]Allergy, error) {
	return t.allergies(`SELECT `+allergyColumns+` FROM allergies WHERE patient_id = ? AND status = 'active'
		ORDER BY substance COLLATE NOCASE`, patientID)
}

func (t *Tx) allergies(query string, args ...any) ([]Allergy, error) {
	list, err := queryList(t, "allergies", scanAllergy, query, args...)
	if err != nil {
		return nil, err
	}
	return list, fillCodes(t, CodedAllergy, list, func(a *Allergy) string { return a.ID }, func(a *Allergy) *[]Coding { return &a.Codes })
}

// UpdateAllergy replaces an allergy with a, keeping the version it replaces
// in revisions. a.Version must be the version the caller read; ErrConflict
// if the row has changed since. The patient and creation fields never change.
func (t *Tx) UpdateAllergy(a Allergy, reason string) (Allergy, error) {
	old, err := t.AllergyByID(a.ID)
	if err != nil {
		return Allergy{}, err
	}
	if old.Version != a.Version {
		return Allergy{}, ErrConflict
	}
	if err := t.keepRevision("allergy", old.ID, old.Version, old, a.UpdatedBy, a.UpdatedAt, reason); err != nil {
		return Allergy{}, err
	}
	a.PatientID, a.CreatedAt, a.CreatedBy = old.PatientID, old.CreatedAt, old.CreatedBy
	a.Criticality, a.Type, a.Categories, a.Verification = old.Criticality, old.Type, old.Categories, old.Verification
	a.Reactions, a.Codes = old.Reactions, old.Codes
	if a.Reaction != old.Reaction || a.Severity != old.Severity {
		// The sender's reactions no longer say what the chart does; the
		// revision keeps them.
		a.Reactions = []AllergyReaction{}
	}
	reactions, err := reactionsJSON(a.Reactions)
	if err != nil {
		return Allergy{}, fmt.Errorf("update allergy %s: %w", a.ID, err)
	}
	a.Version = old.Version + 1
	_, err = t.exec(`UPDATE allergies SET substance = ?, substance_kind = ?, code = ?, reaction = ?, severity = ?,
		status = ?, onset = ?, note = ?, retract_reason = ?, version = ?, updated_at = ?, updated_by = ?, reactions = ?
		WHERE id = ? AND version = ?`,
		a.Substance, a.SubstanceKind, a.Code, a.Reaction, a.Severity, a.Status, a.Onset, a.Note, a.RetractReason,
		a.Version, formatTime(a.UpdatedAt), a.UpdatedBy, reactions, a.ID, old.Version)
	if err != nil {
		return Allergy{}, fmt.Errorf("update allergy %s: %w", a.ID, err)
	}
	return a, nil
}

// NoKnownAllergies is a "no known allergies" statement in force.
type NoKnownAllergies struct {
	RecordedAt time.Time
	RecordedBy string // the user's full name
}

// CurrentNoKnownAllergies reads the patient's statement in force, if any.
func (t *Tx) CurrentNoKnownAllergies(patientID string) (NoKnownAllergies, bool, error) {
	var n NoKnownAllergies
	var at string
	err := t.queryRow(`SELECT n.recorded_at, u.full_name FROM no_known_allergies n JOIN users u ON u.id = n.recorded_by
		WHERE n.patient_id = ? AND n.cleared_at = ''`, patientID).Scan(&at, &n.RecordedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return n, false, nil
	}
	if err != nil {
		return n, false, fmt.Errorf("read no known allergies: %w", err)
	}
	n.RecordedAt = parseTime(at)
	return n, true, nil
}

// RecordNoKnownAllergies records that the patient has no known allergies;
// ErrDuplicate if that is already in force.
func (t *Tx) RecordNoKnownAllergies(patientID, by string, at time.Time) error {
	_, err := t.exec(`INSERT INTO no_known_allergies (patient_id, recorded_at, recorded_by) VALUES (?, ?, ?)`,
		patientID, formatTime(at), by)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("record no known allergies: %w", err)
	}
	return nil
}

// ClearNoKnownAllergies ends the patient's "no known allergies" statement,
// if one is in force; it tells whether one was.
func (t *Tx) ClearNoKnownAllergies(patientID, by string, at time.Time) (bool, error) {
	res, err := t.exec(`UPDATE no_known_allergies SET cleared_at = ?, cleared_by = ? WHERE patient_id = ? AND cleared_at = ''`,
		formatTime(at), by, patientID)
	if err != nil {
		return false, fmt.Errorf("clear no known allergies: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CountAllergies tells how many allergies, and how many "no known
// allergies" statements (cleared ones included), the clinic's charts hold.
func (t *Tx) CountAllergies() (allergies, statements int, err error) {
	err = t.queryRow("SELECT (SELECT count(*) FROM allergies), (SELECT count(*) FROM no_known_allergies)").
		Scan(&allergies, &statements)
	if err != nil {
		return 0, 0, fmt.Errorf("count allergies: %w", err)
	}
	return allergies, statements, nil
}

// moveAllergies gives every allergy of from to to, keeping the version each
// replaces, and settles "no known allergies": from's statement is cleared
// (and kept under from); to has one afterwards only if it has no active
// allergy, taking over from's if it had none of its own.
func (t *Tx) moveAllergies(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.Allergies(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("allergies", "allergy", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	var fromAt, fromBy string
	err = t.queryRow(`SELECT recorded_at, recorded_by FROM no_known_allergies WHERE patient_id = ? AND cleared_at = ''`,
		from.ID).Scan(&fromAt, &fromBy)
	fromNKA := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read no known allergies of %s: %w", from.MRN, err)
	}
	if _, err := t.ClearNoKnownAllergies(from.ID, by, at); err != nil {
		return err
	}
	active, err := t.ActiveAllergies(to.ID)
	if err != nil {
		return err
	}
	if len(active) > 0 {
		_, err := t.ClearNoKnownAllergies(to.ID, by, at)
		return err
	}
	if !fromNKA {
		return nil
	}
	_, err = t.exec(`INSERT INTO no_known_allergies (patient_id, recorded_at, recorded_by)
		SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM no_known_allergies WHERE patient_id = ? AND cleared_at = '')`,
		to.ID, fromAt, fromBy, to.ID)
	if err != nil {
		return fmt.Errorf("carry no known allergies to %s: %w", to.MRN, err)
	}
	return nil
}
