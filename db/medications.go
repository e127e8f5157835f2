package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Medication is one drug on a patient's medication list.
type Medication struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	DrugName      string    `json:"drugName"`
	RxNorm        string    `json:"rxnorm"`
	Classes       []string  `json:"classes"` // as when charted
	Dose          string    `json:"dose"`
	Route         string    `json:"route"`
	Frequency     string    `json:"frequency"`
	Quantity      string    `json:"quantity"`
	Refills       int       `json:"refills"`
	StartDate     string    `json:"startDate"`
	StopDate      string    `json:"stopDate"`
	StopReason    string    `json:"stopReason"`
	Source        string    `json:"source"` // MedPrescribedHere or MedElsewhere
	Prescriber    string    `json:"prescriber"`
	Note          string    `json:"note"`
	RenewsID      string    `json:"renewsId"`
	Status        string    `json:"status"` // MedActive, MedStopped or EnteredInError
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     string    `json:"createdBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`

	// Codes are the drug's codings as another system sent them (RxNorm,
	// SNOMED CT, a national drug code, ATC), beside Folio's own RxNorm.
	// Dosages are its dosage instructions as structured there; Dose, Route
	// and Frequency say the same in words. Both are written with the
	// medication and kept as they came.
	Codes   []Coding `json:"codes"`
	Dosages []Dosage `json:"dosages"`
}

// Dosage is one dosage instruction as its sender structured it: the parts
// of FHIR's Dosage Folio keeps.
type Dosage struct {
	Sequence           int       `json:"sequence,omitempty"`
	Text               string    `json:"text,omitempty"`
	PatientInstruction string    `json:"patientInstruction,omitempty"`
	Timing             *Timing   `json:"timing,omitempty"`
	AsNeeded           bool      `json:"asNeeded,omitempty"`
	AsNeededFor        *Concept  `json:"asNeededFor,omitempty"` // the reason, when one is given
	Route              *Concept  `json:"route,omitempty"`
	Dose               *Quantity `json:"dose,omitempty"`
	DoseLow            *Quantity `json:"doseLow,omitempty"` // a dose range
	DoseHigh           *Quantity `json:"doseHigh,omitempty"`
}

// Timing is when doses are taken: a code ("BID"), and/or Frequency times
// every Period PeriodUnit (s, min, h, d, wk, mo, a), Count times in all, at
// the moments When names (FHIR's event timing codes).
type Timing struct {
	Code       *Concept `json:"code,omitempty"`
	Count      *int     `json:"count,omitempty"`
	Frequency  *int     `json:"frequency,omitempty"`
	Period     *float64 `json:"period,omitempty"`
	PeriodUnit string   `json:"periodUnit,omitempty"`
	When       []string `json:"when,omitempty"`
}

// Quantity is an amount with its unit as received: the unit in words and
// its code in a system (UCUM's, usually).
type Quantity struct {
	Value  float64 `json:"value"`
	Unit   string  `json:"unit,omitempty"`
	System string  `json:"system,omitempty"`
	Code   string  `json:"code,omitempty"`
}

// A medication's status, besides EnteredInError, and its source.
const (
	MedActive         = "active"
	MedStopped        = "stopped"
	MedPrescribedHere = "prescribed_here"
	MedElsewhere      = "elsewhere"
)

const medicationColumns = `id, patient_id, drug_name, rxnorm, classes, dose, route, frequency, quantity, refills,
	start_date, stop_date, stop_reason, source, prescriber, note, renews_id, status, retract_reason, version,
	created_at, created_by, updated_at, updated_by, dosage`

func scanMedication(row scanner) (Medication, error) {
	var m Medication
	var classes, created, updated, dosage string
	err := row.Scan(&m.ID, &m.PatientID, &m.DrugName, &m.RxNorm, &classes, &m.Dose, &m.Route, &m.Frequency,
		&m.Quantity, &m.Refills, &m.StartDate, &m.StopDate, &m.StopReason, &m.Source, &m.Prescriber, &m.Note,
		&m.RenewsID, &m.Status, &m.RetractReason, &m.Version, &created, &m.CreatedBy, &updated, &m.UpdatedBy, &dosage)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("read medication: %w", err)
	}
	if err := json.Unmarshal([]byte(dosage), &m.Dosages); err != nil {
		return m, fmt.Errorf("read dosage of medication %s: %w", m.ID, err)
	}
	if m.Dosages == nil {
		m.Dosages = []Dosage{}
	}
	m.Classes = []string{}
	if classes != "" {
		m.Classes = strings.Split(classes, ";")
	}
	m.CreatedAt, m.UpdatedAt = parseTime(created), parseTime(updated)
	return m, nil
}

// InsertMedication adds m to its patient's medication list.
func (t *Tx) InsertMedication(m Medication) error {
	dosage := "[]"
	if len(m.Dosages) > 0 {
		b, err := json.Marshal(m.Dosages)
		if err != nil {
			return fmt.Errorf("insert medication: %w", err)
		}
		dosage = string(b)
	}
	_, err := t.exec(`INSERT INTO medications (`+medicationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.PatientID, m.DrugName, m.RxNorm, strings.Join(m.Classes, ";"), m.Dose, m.Route, m.Frequency,
		m.Quantity, m.Refills, m.StartDate, m.StopDate, m.StopReason, m.Source, m.Prescriber, m.Note, m.RenewsID,
		m.Status, m.RetractReason, m.Version, formatTime(m.CreatedAt), m.CreatedBy, formatTime(m.UpdatedAt), m.UpdatedBy,
		dosage)
	if err != nil {
		return fmt.Errorf("insert medication: %w", err)
	}
	return t.InsertCodings(CodedMedication, m.ID, CodingCode, m.Codes)
}

// MedicationByID reads one medication.
func (t *Tx) MedicationByID(id string) (Medication, error) {
	m, err := scanMedication(t.queryRow(`SELECT `+medicationColumns+` FROM medications WHERE id = ?`, id))
	if err != nil {
		return m, err
	}
	list := []Medication{m}
	err = fillCodes(t, CodedMedication, list, func(m *Medication) string { return m.ID }, func(m *Medication) *[]Coding { return &m.Codes })
	return list[0], err
}

// Medications lists a patient's medications: active first, then stopped
// (latest stop first), then those entered in error; the history.
func (t *Tx) Medications(patientID string) ([]Medication, error) {
	return t.medications(`SELECT `+medicationColumns+` FROM medications WHERE patient_id = ?
		ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'stopped' THEN 1 ELSE 2 END, stop_date DESC,
		drug_name COLLATE NOCASE, start_date DESC`, patientID)
}

// ActiveMedications lists a patient's active medications by drug name.
func (t *Tx) ActiveMedications(patientID string) ([]Medication, error) {
	return t.medications(`SELECT `+medicationColumns+` FROM medications WHERE patient_id = ? AND status = 'active'
		ORDER BY drug_name COLLATE NOCASE`, patientID)
}

func (t *Tx) medications(query string, args ...any) ([]Medication, error) {
	list, err := queryList(t, "medications", scanMedication, query, args...)
	if err != nil {
		return nil, err
	}
	return list, fillCodes(t, CodedMedication, list, func(m *Medication) string { return m.ID }, func(m *Medication) *[]Coding { return &m.Codes })
}

// UpdateMedication replaces a medication with m, keeping the version it
// replaces in revisions. m.Version must be the version the caller read;
// ErrConflict if the row has changed since. The patient, drug and creation
// fields never change.
func (t *Tx) UpdateMedication(m Medication, reason string) (Medication, error) {
	old, err := t.MedicationByID(m.ID)
	if err != nil {
		return Medication{}, err
	}
	if old.Version != m.Version {
		return Medication{}, ErrConflict
	}
	if err := t.keepRevision("medication", old.ID, old.Version, old, m.UpdatedBy, m.UpdatedAt, reason); err != nil {
		return Medication{}, err
	}
	m.PatientID, m.DrugName, m.RxNorm, m.Classes = old.PatientID, old.DrugName, old.RxNorm, old.Classes
	m.CreatedAt, m.CreatedBy, m.Codes, m.Dosages = old.CreatedAt, old.CreatedBy, old.Codes, old.Dosages
	dosage, err := json.Marshal(m.Dosages)
	if err != nil {
		return Medication{}, fmt.Errorf("update medication %s: %w", m.ID, err)
	}
	if m.Dose != old.Dose || m.Route != old.Route || m.Frequency != old.Frequency {
		// The sender's dosage no longer says what the chart does; the
		// revision keeps it.
		m.Dosages, dosage = []Dosage{}, []byte("[]")
	}
	m.Version = old.Version + 1
	_, err = t.exec(`UPDATE medications SET dose = ?, route = ?, frequency = ?, quantity = ?, refills = ?,
		start_date = ?, stop_date = ?, stop_reason = ?, source = ?, prescriber = ?, note = ?, renews_id = ?,
		status = ?, retract_reason = ?, version = ?, updated_at = ?, updated_by = ?, dosage = ?
		WHERE id = ? AND version = ?`,
		m.Dose, m.Route, m.Frequency, m.Quantity, m.Refills, m.StartDate, m.StopDate, m.StopReason, m.Source,
		m.Prescriber, m.Note, m.RenewsID, m.Status, m.RetractReason, m.Version, formatTime(m.UpdatedAt), m.UpdatedBy,
		string(dosage), m.ID, old.Version)
	if err != nil {
		return Medication{}, fmt.Errorf("update medication %s: %w", m.ID, err)
	}
	return m, nil
}

// AlertOverride is a clinician's decision to continue past an alert.
type AlertOverride struct {
	MedicationID string
	AlertKey     string
	Severity     string
	What         string
	Reason       string
	By           string
	At           time.Time
}

// InsertAlertOverride records an override; overrides are never changed.
func (t *Tx) InsertAlertOverride(o AlertOverride) error {
	_, err := t.exec(`INSERT INTO alert_overrides (medication_id, alert_key, severity, what, reason, overridden_by,
		overridden_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.MedicationID, o.AlertKey, o.Severity, o.What, o.Reason, o.By, formatTime(o.At))
	if err != nil {
		return fmt.Errorf("record alert override: %w", err)
	}
	return nil
}

// CountMedications tells how many medications and alert overrides the
// clinic's charts hold.
func (t *Tx) CountMedications() (medications, overrides int, err error) {
	err = t.queryRow("SELECT (SELECT count(*) FROM medications), (SELECT count(*) FROM alert_overrides)").
		Scan(&medications, &overrides)
	if err != nil {
		return 0, 0, fmt.Errorf("count medications: %w", err)
	}
	return medications, overrides, nil
}

// moveMedications gives every medication of from to to, keeping the version
// each replaces; their overrides follow them.
func (t *Tx) moveMedications(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.Medications(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("medications", "medication", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}

// PatientAlertOverrides lists the overrides recorded with any of a
// patient's medications, oldest first.
func (t *Tx) PatientAlertOverrides(patientID string) ([]AlertOverride, error) {
	rows, err := t.query(`SELECT o.medication_id, o.alert_key, o.severity, o.what, o.reason, o.overridden_by,
		o.overridden_at FROM alert_overrides o JOIN medications m ON m.id = o.medication_id
		WHERE m.patient_id = ? ORDER BY o.id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("list alert overrides: %w", err)
	}
	defer rows.Close()
	out := []AlertOverride{}
	for rows.Next() {
		var o AlertOverride
		var at string
		if err := rows.Scan(&o.MedicationID, &o.AlertKey, &o.Severity, &o.What, &o.Reason, &o.By, &at); err != nil {
			return nil, fmt.Errorf("read alert override: %w", err)
		}
		o.At = parseTime(at)
		out = append(out, o)
	}
	return out, rows.Err()
}

// MedicationRevision is a replaced version of a medication: the row as it
// stood, and who replaced it (a user id), when and why.
type MedicationRevision struct {
	Medication Medication
	ChangedAt  time.Time
	ChangedBy  string
	Reason     string
}

// MedicationRevisions lists the replaced versions of a medication, oldest
// first.
func (t *Tx) MedicationRevisions(id string) ([]MedicationRevision, error) {
	rows, err := t.query(`SELECT data, changed_at, changed_by, reason FROM revisions
		WHERE entity = 'medication' AND entity_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions of medication %s: %w", id, err)
	}
	defer rows.Close()
	out := []MedicationRevision{}
	for rows.Next() {
		var r MedicationRevision
		var data, at string
		if err := rows.Scan(&data, &at, &r.ChangedBy, &r.Reason); err != nil {
			return nil, fmt.Errorf("read revision of medication %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(data), &r.Medication); err != nil {
			return nil, fmt.Errorf("decode revision of medication %s: %w", id, err)
		}
		r.ChangedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// MedicationRenewals lists the medications of a patient that renew the
// medication id, oldest first.
func (t *Tx) MedicationRenewals(patientID, id string) ([]Medication, error) {
	return t.medications(`SELECT `+medicationColumns+` FROM medications WHERE patient_id = ? AND renews_id = ?
		ORDER BY created_at, id`, patientID, id)
}
