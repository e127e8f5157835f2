package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Patient is one chart's demographics. Sex is the sex at birth. A merged
// chart (Status "merged") names the chart it was merged into.
type Patient struct {
	ID                    string    `json:"id"`
	MRN                   string    `json:"mrn"`
	FamilyName            string    `json:"familyName"`
	GivenNames            string    `json:"givenNames"`
	PreferredName         string    `json:"preferredName"`
	BirthDate             string    `json:"birthDate"`
	Sex                   string    `json:"sex"`
	GenderIdentity        string    `json:"genderIdentity"`
	Phone                 string    `json:"phone"`
	Phone2                string    `json:"phone2"`
	Email                 string    `json:"email"`
	AddressLine           string    `json:"addressLine"`
	City                  string    `json:"city"`
	Region                string    `json:"region"`
	PostalCode            string    `json:"postalCode"`
	Language              string    `json:"language"`
	EmergencyName         string    `json:"emergencyName"`
	EmergencyRelationship string    `json:"emergencyRelationship"`
	EmergencyPhone        string    `json:"emergencyPhone"`
	InsurancePayer        string    `json:"insurancePayer"`
	InsuranceMemberID     string    `json:"insuranceMemberId"`
	InsuranceGroup        string    `json:"insuranceGroup"`
	PrimaryClinicianID    string    `json:"primaryClinicianId"`
	PhotoID               int64     `json:"photoId"` // 0: no photo
	DeskNote              string    `json:"deskNote"`
	Status                string    `json:"status"` // PatientActive or PatientMerged
	MergedInto            string    `json:"mergedInto"`
	MergedAt              time.Time `json:"mergedAt"`
	MergedBy              string    `json:"mergedBy"`
	MergeReason           string    `json:"mergeReason"`
	Version               int       `json:"version"`
	CreatedAt             time.Time `json:"createdAt"`
	CreatedBy             string    `json:"createdBy"`
	UpdatedAt             time.Time `json:"updatedAt"`
	UpdatedBy             string    `json:"updatedBy"`
	// The rest of the address's structure, as a record from elsewhere gave
	// it (the registration form does not ask): the district, the country
	// (as written, e.g. "US" or "Netherlands") and FHIR's use of the
	// address (home, work, temp, old, billing).
	District   string `json:"district"`
	Country    string `json:"country"`
	AddressUse string `json:"addressUse"`
}

// A patient's status: a chart in use, or one merged into another chart.
const (
	PatientActive = "active"
	PatientMerged = "merged"
)

// Merged tells whether p was merged into another chart.
func (p Patient) Merged() bool { return p.Status == PatientMerged }

const patientColumns = `id, mrn, family_name, given_names, preferred_name, birth_date, sex, gender_identity,
	phone, phone2, email, address_line, city, region, postal_code, language,
	emergency_name, emergency_relationship, emergency_phone, insurance_payer, insurance_member_id, insurance_group,
	primary_clinician_id, photo_id, desk_note, status, merged_into, merged_at, merged_by, merge_reason,
	version, created_at, created_by, updated_at, updated_by, district, country, address_use`

func scanPatient(row scanner) (Patient, error) {
	var p Patient
	var mergedAt, created, updated string
	err := row.Scan(&p.ID, &p.MRN, &p.FamilyName, &p.GivenNames, &p.PreferredName, &p.BirthDate, &p.Sex,
		&p.GenderIdentity, &p.Phone, &p.Phone2, &p.Email, &p.AddressLine, &p.City, &p.Region, &p.PostalCode,
		&p.Language, &p.EmergencyName, &p.EmergencyRelationship, &p.EmergencyPhone, &p.InsurancePayer,
		&p.InsuranceMemberID, &p.InsuranceGroup, &p.PrimaryClinicianID, &p.PhotoID, &p.DeskNote, &p.Status,
		&p.MergedInto, &mergedAt, &p.MergedBy, &p.MergeReason, &p.Version, &created, &p.CreatedBy, &updated, &p.UpdatedBy,
		&p.District, &p.Country, &p.AddressUse)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("read patient: %w", err)
	}
	p.MergedAt = parseOptionalTime(mergedAt)
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return p, nil
}

// InsertPatient registers p (as an active chart) and indexes it for search
// and for the duplicate check.
func (t *Tx) InsertPatient(p Patient) error {
	p.Status = PatientActive
	res, err := t.exec(`INSERT INTO patients (id, mrn, family_name, given_names, preferred_name, birth_date, sex,
		gender_identity, phone, phone2, email, address_line, city, region, postal_code, language,
		emergency_name, emergency_relationship, emergency_phone, insurance_payer, insurance_member_id, insurance_group,
		primary_clinician_id, photo_id, desk_note, status, version, created_at, created_by, updated_at, updated_by, sort_key,
		district, country, address_use)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.MRN, p.FamilyName, p.GivenNames, p.PreferredName, p.BirthDate, p.Sex,
		p.GenderIdentity, p.Phone, p.Phone2, p.Email, p.AddressLine, p.City, p.Region, p.PostalCode, p.Language,
		p.EmergencyName, p.EmergencyRelationship, p.EmergencyPhone, p.InsurancePayer, p.InsuranceMemberID, p.InsuranceGroup,
		p.PrimaryClinicianID, p.PhotoID, p.DeskNote, p.Status,
		p.Version, formatTime(p.CreatedAt), p.CreatedBy, formatTime(p.UpdatedAt), p.UpdatedBy, sortKey(p),
		p.District, p.Country, p.AddressUse)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert patient: %w", err)
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert patient: %w", err)
	}
	if _, err := t.exec(`INSERT INTO patient_search (rowid, terms) VALUES (?, ?)`, rowid, searchTerms(p, nil)); err != nil {
		return fmt.Errorf("index patient: %w", err)
	}
	if err := t.indexNameWords(p); err != nil {
		return err
	}
	return t.indexIdentifiers(p)
}

// PatientByID reads one patient.
func (t *Tx) PatientByID(id string) (Patient, error) {
	return scanPatient(t.queryRow(`SELECT `+patientColumns+` FROM patients WHERE id = ?`, id))
}

// UpdatePatient replaces the patient's demographics with p, keeping the
// version it replaces in revisions. p.Version must be the version the caller
// read; ErrConflict if the row has changed since, or was merged into
// another chart. The MRN, status and creation fields never change here.
func (t *Tx) UpdatePatient(p Patient, reason string) (Patient, error) {
	old, err := t.PatientByID(p.ID)
	if err != nil {
		return Patient{}, err
	}
	if old.Version != p.Version || old.Merged() {
		return Patient{}, ErrConflict
	}
	if err := t.keepRevision("patient", old.ID, old.Version, old, p.UpdatedBy, p.UpdatedAt, reason); err != nil {
		return Patient{}, err
	}
	p.MRN, p.CreatedAt, p.CreatedBy = old.MRN, old.CreatedAt, old.CreatedBy
	p.Status, p.MergedInto, p.MergedAt, p.MergedBy, p.MergeReason = old.Status, "", time.Time{}, "", ""
	p.Version = old.Version + 1
	var rowid int64
	err = t.queryRow(`UPDATE patients SET family_name = ?, given_names = ?, preferred_name = ?, birth_date = ?, sex = ?,
		gender_identity = ?, phone = ?, phone2 = ?, email = ?, address_line = ?, city = ?, region = ?, postal_code = ?,
		language = ?, emergency_name = ?, emergency_relationship = ?, emergency_phone = ?, insurance_payer = ?,
		insurance_member_id = ?, insurance_group = ?, primary_clinician_id = ?, photo_id = ?, desk_note = ?,
		sort_key = ?, version = ?, updated_at = ?, updated_by = ?, district = ?, country = ?, address_use = ?
		WHERE id = ? AND version = ? RETURNING rowid`,
		p.FamilyName, p.GivenNames, p.PreferredName, p.BirthDate, p.Sex,
		p.GenderIdentity, p.Phone, p.Phone2, p.Email, p.AddressLine, p.City, p.Region, p.PostalCode,
		p.Language, p.EmergencyName, p.EmergencyRelationship, p.EmergencyPhone, p.InsurancePayer,
		p.InsuranceMemberID, p.InsuranceGroup, p.PrimaryClinicianID, p.PhotoID, p.DeskNote,
		sortKey(p), p.Version, formatTime(p.UpdatedAt), p.UpdatedBy, p.District, p.Country, p.AddressUse,
		p.ID, old.Version).Scan(&rowid)
	if err != nil {
		return Patient{}, fmt.Errorf("update patient %s: %w", p.MRN, err)
	}
	if err := t.reindexPatient(rowid, p); err != nil {
		return Patient{}, err
	}
	if err := t.indexNameWords(p); err != nil {
		return Patient{}, err
	}
	if err := t.indexIdentifiers(p); err != nil {
		return Patient{}, err
	}
	return p, nil
}

// reindexPatient rewrites the search terms of p, stored at rowid, with the
// MRNs of the charts merged into it.
func (t *Tx) reindexPatient(rowid int64, p Patient) error {
	former, err := t.MergedMRNs(p.ID)
	if err != nil {
		return err
	}
	if _, err := t.exec(`UPDATE patient_search SET terms = ? WHERE rowid = ?`, searchTerms(p, former), rowid); err != nil {
		return fmt.Errorf("reindex patient %s: %w", p.MRN, err)
	}
	return nil
}

// PatientRevision is a replaced version of a patient's demographics.
type PatientRevision struct {
	Patient   Patient
	ChangedAt time.Time
	ChangedBy string // user name
	Reason    string
}

// PatientRevisions lists the replaced versions of a patient, newest first.
func (t *Tx) PatientRevisions(id string) ([]PatientRevision, error) {
	rows, err := t.query(`SELECT r.data, r.changed_at, u.username, r.reason
		FROM revisions r JOIN users u ON u.id = r.changed_by
		WHERE r.entity = 'patient' AND r.entity_id = ? ORDER BY r.version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	defer rows.Close()
	var out []PatientRevision
	for rows.Next() {
		var r PatientRevision
		var data, at string
		if err := rows.Scan(&data, &at, &r.ChangedBy, &r.Reason); err != nil {
			return nil, fmt.Errorf("read revision: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &r.Patient); err != nil {
			return nil, fmt.Errorf("decode revision: %w", err)
		}
		r.ChangedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *Tx) patients(query string, args ...any) ([]Patient, error) {
	return queryList(t, "patients", scanPatient, query, args...)
}

// CountPatients tells how many charts the clinic has.
func (t *Tx) CountPatients() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM patients").Scan(&n); err != nil {
		return 0, fmt.Errorf("count patients: %w", err)
	}
	return n, nil
}

func (t *Tx) keepRevision(entity, id string, version int, old any, by string, at time.Time, reason string) error {
	data, err := json.Marshal(old)
	if err != nil {
		return fmt.Errorf("encode revision: %w", err)
	}
	_, err = t.exec(`INSERT INTO revisions (entity, entity_id, version, data, changed_at, changed_by, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, entity, id, version, string(data), formatTime(at), by, reason)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("keep revision of %s %s: %w", entity, id, err)
	}
	return nil
}

// sortKey orders patients by name; a merged chart has none, so that no
// name prefix lists it.
func sortKey(p Patient) string {
	if p.Merged() {
		return ""
	}
	return Fold(p.FamilyName + " " + p.GivenNames)
}

// searchTerms are the words a patient is found by: names (legal and
// preferred), MRN and the MRNs of charts merged into it, birth date as
// YYYYMMDD, the digits of each of the patient's phones (see phoneTerms),
// and the insurance member id (whole and in its parts). A merged chart has
// none: search finds the chart it was merged into. Raise searchIndexVersion
// when changing them.
func searchTerms(p Patient, formerMRNs []string) string {
	if p.Merged() {
		return ""
	}
	terms := []string{Fold(p.FamilyName), Fold(p.GivenNames), p.MRN, strings.ReplaceAll(p.BirthDate, "-", "")}
	if p.PreferredName != "" {
		terms = append(terms, Fold(p.PreferredName))
	}
	terms = append(terms, formerMRNs...)
	for _, phone := range []string{p.Phone, p.Phone2} {
		terms = append(terms, phoneTerms(Digits(phone))...)
	}
	if key := MemberKey(p.InsuranceMemberID); key != "" {
		terms = append(terms, strings.ToLower(key))
		if parts := Fold(p.InsuranceMemberID); parts != strings.ToLower(key) {
			terms = append(terms, parts)
		}
	}
	return strings.Join(terms, " ")
}
