package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Immunization is one dose of a vaccine a patient had: given here or
// recorded from elsewhere.
type Immunization struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patientId"`
	CVX            string    `json:"cvx"`
	Vaccine        string    `json:"vaccine"`
	OccurredOn     string    `json:"occurredOn"` // YYYY-MM-DD, or YYYY / YYYY-MM from elsewhere
	LotNumber      string    `json:"lotNumber"`
	ExpirationDate string    `json:"expirationDate"`
	Manufacturer   string    `json:"manufacturer"`
	Site           string    `json:"site"`  // left_deltoid, right_deltoid, left_thigh, right_thigh, oral, nasal, other or ""
	Route          string    `json:"route"` // intramuscular, subcutaneous, intradermal, oral, nasal or ""
	Dose           string    `json:"dose"`
	Source         string    `json:"source"`         // ImmGivenHere or ImmElsewhere
	AdministeredBy string    `json:"administeredBy"` // user id, for a dose given here
	Performer      string    `json:"performer"`      // who or where, for a dose from elsewhere
	Note           string    `json:"note"`
	Status         string    `json:"status"` // ImmCompleted or EnteredInError
	RetractReason  string    `json:"retractReason"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"createdAt"`
	CreatedBy      string    `json:"createdBy"`
	UpdatedAt      time.Time `json:"updatedAt"`
	UpdatedBy      string    `json:"updatedBy"`
	// AdministeredByName is the full name of AdministeredBy, when read
	// back; it is not stored with the dose.
	AdministeredByName string `json:"-"`
	// Codes are the vaccine's codings as another system sent them (CVX,
	// SNOMED CT, ATC), SiteCodes and RouteCodes those of where and how it
	// was given; written with the dose and kept as they came.
	Codes      []Coding `json:"codes"`
	SiteCodes  []Coding `json:"siteCodes"`
	RouteCodes []Coding `json:"routeCodes"`
}

// An immunization's status, besides EnteredInError, and its source.
const (
	ImmCompleted = "completed"
	ImmGivenHere = "given_here"
	ImmElsewhere = "elsewhere"
)

const immunizationColumns = `i.id, i.patient_id, i.cvx, i.vaccine, i.occurred_on, i.lot_number, i.expiration_date,
	i.manufacturer, i.site, i.route, i.dose, i.source, coalesce(i.administered_by, ''), i.performer, i.note, i.status,
	i.retract_reason, i.version, i.created_at, i.created_by, i.updated_at, i.updated_by, coalesce(u.full_name, '')`

const immunizationFrom = ` FROM immunizations i LEFT JOIN users u ON u.id = i.administered_by`

func scanImmunization(row scanner) (Immunization, error) {
	var m Immunization
	var created, updated string
	err := row.Scan(&m.ID, &m.PatientID, &m.CVX, &m.Vaccine, &m.OccurredOn, &m.LotNumber, &m.ExpirationDate,
		&m.Manufacturer, &m.Site, &m.Route, &m.Dose, &m.Source, &m.AdministeredBy, &m.Performer, &m.Note, &m.Status,
		&m.RetractReason, &m.Version, &created, &m.CreatedBy, &updated, &m.UpdatedBy, &m.AdministeredByName)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("read immunization: %w", err)
	}
	m.CreatedAt, m.UpdatedAt = parseTime(created), parseTime(updated)
	return m, nil
}

// InsertImmunization adds m to its patient's immunization history.
func (t *Tx) InsertImmunization(m Immunization) error {
	_, err := t.exec(`INSERT INTO immunizations (id, patient_id, cvx, vaccine, occurred_on, lot_number, expiration_date,
		manufacturer, site, route, dose, source, administered_by, performer, note, status, retract_reason, version,
		created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.PatientID, m.CVX, m.Vaccine, m.OccurredOn, m.LotNumber, m.ExpirationDate, m.Manufacturer, m.Site,
		m.Route, m.Dose, m.Source, nullable(m.AdministeredBy), m.Performer, m.Note, m.Status, m.RetractReason,
		m.Version, formatTime(m.CreatedAt), m.CreatedBy, formatTime(m.UpdatedAt), m.UpdatedBy)
	if err != nil {
		return fmt.Errorf("insert immunization: %w", err)
	}
	for _, c := range []struct {
		element string
		codes   []Coding
	}{{CodingCode, m.Codes}, {CodingSite, m.SiteCodes}, {CodingRoute, m.RouteCodes}} {
		if err := t.InsertCodings(CodedImmunization, m.ID, c.element, c.codes); err != nil {
			return err
		}
	}
	return nil
}

// ImmunizationByID reads one immunization.
func (t *Tx) ImmunizationByID(id string) (Immunization, error) {
	m, err := scanImmunization(t.queryRow(`SELECT `+immunizationColumns+immunizationFrom+` WHERE i.id = ?`, id))
	if err != nil {
		return m, err
	}
	list := []Immunization{m}
	return list[0], t.fillImmunizationCodes(list)
}

// immunizations reads a list of doses with their codings.
func (t *Tx) immunizations(query string, args ...any) ([]Immunization, error) {
	list, err := queryList(t, "immunizations", scanImmunization, query, args...)
	if err != nil {
		return nil, err
	}
	return list, t.fillImmunizationCodes(list)
}

func (t *Tx) fillImmunizationCodes(list []Immunization) error {
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	for _, c := range []struct {
		element string
		field   func(*Immunization) *[]Coding
	}{
		{CodingCode, func(m *Immunization) *[]Coding { return &m.Codes }},
		{CodingSite, func(m *Immunization) *[]Coding { return &m.SiteCodes }},
		{CodingRoute, func(m *Immunization) *[]Coding { return &m.RouteCodes }},
	} {
		found, err := t.Codings(CodedImmunization, c.element, ids)
		if err != nil {
			return err
		}
		for i := range list {
			codes := found[ids[i]]
			if codes == nil {
				codes = []Coding{}
			}
			*c.field(&list[i]) = codes
		}
	}
	return nil
}

// Immunizations lists a patient's immunizations, the latest dose first
// (a partial date sorts before the full dates of its year or month); those
// entered in error come last.
func (t *Tx) Immunizations(patientID string) ([]Immunization, error) {
	return t.immunizations(`SELECT `+immunizationColumns+immunizationFrom+`
		WHERE i.patient_id = ?
		ORDER BY i.status = 'entered_in_error', i.occurred_on DESC, i.vaccine COLLATE NOCASE, i.created_at DESC`,
		patientID)
}

// UpdateImmunization replaces an immunization with m, keeping the version
// it replaces in revisions. m.Version must be the version the caller read;
// ErrConflict if the row has changed since. The patient, vaccine, giver and
// creation fields never change.
func (t *Tx) UpdateImmunization(m Immunization, reason string) (Immunization, error) {
	old, err := t.ImmunizationByID(m.ID)
	if err != nil {
		return Immunization{}, err
	}
	if old.Version != m.Version {
		return Immunization{}, ErrConflict
	}
	if err := t.keepRevision("immunization", old.ID, old.Version, old, m.UpdatedBy, m.UpdatedAt, reason); err != nil {
		return Immunization{}, err
	}
	m.PatientID, m.CVX, m.Vaccine, m.Source = old.PatientID, old.CVX, old.Vaccine, old.Source
	m.AdministeredBy, m.AdministeredByName = old.AdministeredBy, old.AdministeredByName
	m.CreatedAt, m.CreatedBy = old.CreatedAt, old.CreatedBy
	m.Codes, m.SiteCodes, m.RouteCodes = old.Codes, old.SiteCodes, old.RouteCodes
	m.Version = old.Version + 1
	_, err = t.exec(`UPDATE immunizations SET occurred_on = ?, lot_number = ?, expiration_date = ?, manufacturer = ?,
		site = ?, route = ?, dose = ?, performer = ?, note = ?, status = ?, retract_reason = ?, version = ?,
		updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`,
		m.OccurredOn, m.LotNumber, m.ExpirationDate, m.Manufacturer, m.Site, m.Route, m.Dose, m.Performer, m.Note,
		m.Status, m.RetractReason, m.Version, formatTime(m.UpdatedAt), m.UpdatedBy, m.ID, old.Version)
	if err != nil {
		return Immunization{}, fmt.Errorf("update immunization %s: %w", m.ID, err)
	}
	return m, nil
}

// CountImmunizations tells how many immunizations the clinic's charts hold.
func (t *Tx) CountImmunizations() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM immunizations`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count immunizations: %w", err)
	}
	return n, nil
}

// moveImmunizations gives every immunization of from to to, keeping the
// version each replaces.
func (t *Tx) moveImmunizations(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.Immunizations(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("immunizations", "immunization", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}
