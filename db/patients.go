package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Patient is one chart's demographics.
type Patient struct {
	ID          string    `json:"id"`
	MRN         string    `json:"mrn"`
	FamilyName  string    `json:"familyName"`
	GivenNames  string    `json:"givenNames"`
	BirthDate   string    `json:"birthDate"`
	Sex         string    `json:"sex"`
	Phone       string    `json:"phone"`
	AddressLine string    `json:"addressLine"`
	City        string    `json:"city"`
	Region      string    `json:"region"`
	PostalCode  string    `json:"postalCode"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	CreatedBy   string    `json:"createdBy"`
	UpdatedAt   time.Time `json:"updatedAt"`
	UpdatedBy   string    `json:"updatedBy"`
}

const patientColumns = `id, mrn, family_name, given_names, birth_date, sex, phone, address_line, city, region,
	postal_code, version, created_at, created_by, updated_at, updated_by`

func scanPatient(row interface{ Scan(...any) error }) (Patient, error) {
	var p Patient
	var created, updated string
	err := row.Scan(&p.ID, &p.MRN, &p.FamilyName, &p.GivenNames, &p.BirthDate, &p.Sex, &p.Phone, &p.AddressLine,
		&p.City, &p.Region, &p.PostalCode, &p.Version, &created, &p.CreatedBy, &updated, &p.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("read patient: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return p, nil
}

// InsertPatient registers p and indexes it for search.
func (t *Tx) InsertPatient(p Patient) error {
	res, err := t.exec(`INSERT INTO patients (`+patientColumns+`, sort_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.MRN, p.FamilyName, p.GivenNames, p.BirthDate, p.Sex, p.Phone, p.AddressLine, p.City, p.Region,
		p.PostalCode, p.Version, formatTime(p.CreatedAt), p.CreatedBy, formatTime(p.UpdatedAt), p.UpdatedBy, sortKey(p))
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
	if _, err := t.exec(`INSERT INTO patient_search (rowid, terms) VALUES (?, ?)`, rowid, searchTerms(p)); err != nil {
		return fmt.Errorf("index patient: %w", err)
	}
	return nil
}

// PatientByID reads one patient.
func (t *Tx) PatientByID(id string) (Patient, error) {
	return scanPatient(t.queryRow(`SELECT `+patientColumns+` FROM patients WHERE id = ?`, id))
}

// UpdatePatient replaces the patient's demographics with p, keeping the
// version it replaces in revisions. p.Version must be the version the caller
// read; ErrConflict if the row has changed since.
func (t *Tx) UpdatePatient(p Patient, reason string) (Patient, error) {
	old, err := t.PatientByID(p.ID)
	if err != nil {
		return Patient{}, err
	}
	if old.Version != p.Version {
		return Patient{}, ErrConflict
	}
	if err := t.keepRevision("patient", old.ID, old.Version, old, p.UpdatedBy, p.UpdatedAt, reason); err != nil {
		return Patient{}, err
	}
	p.MRN, p.CreatedAt, p.CreatedBy = old.MRN, old.CreatedAt, old.CreatedBy
	p.Version = old.Version + 1
	var rowid int64
	err = t.queryRow(`UPDATE patients SET family_name = ?, given_names = ?, birth_date = ?, sex = ?, phone = ?,
		address_line = ?, city = ?, region = ?, postal_code = ?, sort_key = ?, version = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ? RETURNING rowid`,
		p.FamilyName, p.GivenNames, p.BirthDate, p.Sex, p.Phone, p.AddressLine, p.City, p.Region, p.PostalCode,
		sortKey(p), p.Version, formatTime(p.UpdatedAt), p.UpdatedBy, p.ID, old.Version).Scan(&rowid)
	if err != nil {
		return Patient{}, fmt.Errorf("update patient %s: %w", p.MRN, err)
	}
	if _, err := t.exec(`UPDATE patient_search SET terms = ? WHERE rowid = ?`, searchTerms(p), rowid); err != nil {
		return Patient{}, fmt.Errorf("reindex patient %s: %w", p.MRN, err)
	}
	return p, nil
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

// PatientsByNamePrefix lists patients whose folded "family given" name starts
// with prefix, in name order: the index range that answers the first letters
// typed into a search box.
func (t *Tx) PatientsByNamePrefix(prefix string, limit int) ([]Patient, error) {
	prefix = Fold(prefix)
	if prefix == "" {
		return nil, nil
	}
	return t.patients(`SELECT `+patientColumns+` FROM patients WHERE sort_key >= ? AND sort_key < ?
		ORDER BY sort_key, rowid LIMIT ?`, prefix, prefixEnd(prefix), limit)
}

// SearchPatients finds patients whose search terms start with every one of
// tokens (folded words or digit strings) and returns the first limit of them
// in name order. At most scan index matches are considered, so a broad query
// stays fast.
func (t *Tx) SearchPatients(tokens []string, scan, limit int) ([]Patient, error) {
	var parts []string
	for _, tok := range tokens {
		if tok = Fold(tok); tok != "" {
			parts = append(parts, `"`+strings.ReplaceAll(tok, `"`, `""`)+`"*`)
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return t.patients(`SELECT `+patientColumns+` FROM patients WHERE rowid IN (
		SELECT rowid FROM patient_search WHERE patient_search MATCH ? LIMIT ?)
		ORDER BY sort_key, rowid LIMIT ?`,
		strings.Join(parts, " AND "), scan, limit)
}

func (t *Tx) patients(query string, args ...any) ([]Patient, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("search patients: %w", err)
	}
	defer rows.Close()
	var out []Patient
	for rows.Next() {
		p, err := scanPatient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
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

func sortKey(p Patient) string {
	return Fold(p.FamilyName + " " + p.GivenNames)
}

// searchTerms are the words a patient is found by: names, MRN, birth date
// as YYYYMMDD, and phone digits in full and without the area code.
func searchTerms(p Patient) string {
	terms := []string{Fold(p.FamilyName), Fold(p.GivenNames), p.MRN, strings.ReplaceAll(p.BirthDate, "-", "")}
	if digits := Digits(p.Phone); digits != "" {
		terms = append(terms, digits)
		if len(digits) > 7 {
			terms = append(terms, digits[len(digits)-7:])
		}
	}
	return strings.Join(terms, " ")
}

// prefixEnd is the smallest string greater than every string starting with prefix.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return string(b) + "\xff"
}
