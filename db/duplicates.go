package db

import (
	"fmt"
	"strings"
	"unicode"
)

// The kinds of patient_identifiers: keys other than the birth date that a
// likely duplicate is looked up by.
const (
	identifierPhone  = "phone"
	identifierMember = "member"
)

// PhoneKey is the key two phone numbers match by: their last 10 digits, so
// that "+1 555 201 3344" and "(555) 201-3344" are one number. "" for none.
func PhoneKey(phone string) string {
	digits := Digits(phone)
	if len(digits) > 10 {
		digits = digits[len(digits)-10:]
	}
	return digits
}

// MemberKey is the key two insurance member ids match by: their letters and
// digits, in capitals.
func MemberKey(memberID string) string {
	var b strings.Builder
	for _, r := range memberID {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// indexIdentifiers rewrites the duplicate-check keys of p: its own phones
// and its member id; none for a merged chart.
func (t *Tx) indexIdentifiers(p Patient) error {
	if _, err := t.exec(`DELETE FROM patient_identifiers WHERE patient_id = ?`, p.ID); err != nil {
		return fmt.Errorf("unindex patient %s: %w", p.MRN, err)
	}
	if p.Merged() {
		return nil
	}
	keys := [][2]string{
		{identifierPhone, PhoneKey(p.Phone)},
		{identifierPhone, PhoneKey(p.Phone2)},
		{identifierMember, MemberKey(p.InsuranceMemberID)},
	}
	for _, k := range keys {
		if k[1] == "" {
			continue
		}
		_, err := t.exec(`INSERT OR IGNORE INTO patient_identifiers (kind, value, patient_id) VALUES (?, ?, ?)`,
			k[0], k[1], p.ID)
		if err != nil {
			return fmt.Errorf("index patient %s: %w", p.MRN, err)
		}
	}
	return nil
}

// The duplicate check's look-ups: each a search of an index, never a scan
// (TestDuplicateLookupPlans).
const (
	bornOnQuery = `SELECT ` + patientColumns + ` FROM patients
		WHERE birth_date = ? AND status = 'active' ORDER BY rowid LIMIT ?`
	byIdentifierQuery = `SELECT ` + patientColumns + ` FROM patient_identifiers i JOIN patients ON patients.id = i.patient_id
		WHERE i.kind = ? AND i.value = ? AND patients.status = 'active' ORDER BY patients.rowid LIMIT ?`
)

// ActivePatientsBornOn lists up to limit charts in use with this birth date
// (YYYY-MM-DD), from the birth date index.
func (t *Tx) ActivePatientsBornOn(birthDate string, limit int) ([]Patient, error) {
	return t.patients(bornOnQuery, birthDate, limit)
}

// PatientsByPhoneKey lists up to limit charts in use that have a phone
// with this PhoneKey.
func (t *Tx) PatientsByPhoneKey(key string, limit int) ([]Patient, error) {
	return t.patientsByIdentifier(identifierPhone, key, limit)
}

// PatientsByMemberKey lists up to limit charts in use whose insurance
// member id has this MemberKey.
func (t *Tx) PatientsByMemberKey(key string, limit int) ([]Patient, error) {
	return t.patientsByIdentifier(identifierMember, key, limit)
}

func (t *Tx) patientsByIdentifier(kind, value string, limit int) ([]Patient, error) {
	if value == "" {
		return nil, nil
	}
	return t.patients(byIdentifierQuery, kind, value, limit)
}
