package app_test

import (
	"database/sql"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// BenchmarkDuplicateCheck is the registration form's check, on the
// 100,000-patient clinic: the same person typed again (name and birth
// date), with a typo in the family name, and by phone alone; beside it the
// floor, the same index look-ups in bare SQL.
func BenchmarkDuplicateCheck(b *testing.B) {
	a, patients, _ := benchServices(b)
	conn := rawConn(b, a.DataDir())
	sample := loadSample(b, conn, 400)
	forms := map[string][]app.PatientInput{}
	for _, p := range sample {
		form := app.PatientInput{FamilyName: p.family, GivenNames: p.given, BirthDate: p.birth}
		forms["same-person"] = append(forms["same-person"], form)
		if typo := withTypo(p); typo != "" {
			form.FamilyName = typo
			forms["typo"] = append(forms["typo"], form)
		}
		if p.phone != "" {
			forms["phone"] = append(forms["phone"], app.PatientInput{FamilyName: "Newcomer", GivenNames: "Pat",
				BirthDate: "2001-01-01", Phone: p.phone})
		}
	}
	bornOn, err := conn.Prepare(`SELECT id, family_name, given_names FROM patients
		WHERE birth_date = ? AND status = 'active' LIMIT 500`)
	if err != nil {
		b.Fatal(err)
	}
	byPhone, err := conn.Prepare(`SELECT p.id, p.family_name, p.given_names FROM patient_identifiers i
		JOIN patients p ON p.id = i.patient_id WHERE i.kind = 'phone' AND i.value = ? AND p.status = 'active' LIMIT 50`)
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"same-person", "typo", "phone"} {
		list := forms[kind]
		b.Run(kind, func(b *testing.B) {
			b.Run("folio", func(b *testing.B) {
				timeEach(b, len(list), func(i int) error {
					found, err := patients.LikelyDuplicates(list[i])
					if err == nil && len(found) == 0 {
						b.Errorf("%+v: no likely duplicate found", list[i])
					}
					return err
				})
			})
			b.Run("raw-sql", func(b *testing.B) {
				timeEach(b, len(list), func(i int) error {
					in := list[i]
					if in.Phone != "" {
						return drain(byPhone.Query(db.PhoneKey(in.Phone)))
					}
					return drain(bornOn.Query(in.BirthDate))
				})
			})
		})
	}
}

// drain reads every row of a query, as a caller using them would.
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	var id, family, given string
	for rows.Next() {
		if err := rows.Scan(&id, &family, &given); err != nil {
			return err
		}
		_ = strings.TrimSpace(family + given)
	}
	return rows.Err()
}
