package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSchema15OpensWithItsImportsCoded opens a chart file left at schema
// 15 that holds records imported before schema 16: it opens, the records
// read as before, each imported record gets back the codings its import
// read (kept with the import's item), the new fields read empty, and the
// chart keeps working: the records are corrected with their revisions,
// and new records keep what they arrive with.
func TestSchema15OpensWithItsImportsCoded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	conn, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, conn, path, migrations[:15]); err != nil {
		t.Fatal(err)
	}
	at := formatTime(testTime)
	for _, stmt := range []string{
		`INSERT INTO users (id, username, full_name, role, password_hash, created_at, updated_at)
			VALUES ('u1', 'drlee', 'Dr Lee', 'clinician', 'x', '` + at + `', '` + at + `')`,
		`INSERT INTO patients (id, mrn, family_name, given_names, birth_date, sex, address_line, city, sort_key,
			created_at, created_by, updated_at, updated_by)
			VALUES ('p1', '0000018', 'Toy', 'Alexis', '2018-06-23', 'male', '397 Kreiger Viaduct', 'Easton', 'toy alexis',
			'` + at + `', 'u1', '` + at + `', 'u1')`,
		`INSERT INTO problems (id, patient_id, icd10, title, onset, status, note, created_at, created_by, updated_at, updated_by)
			VALUES ('pr1', 'p1', '', 'Viral sinusitis (disorder)', '2021-03-14', 'active',
			'Imported without an ICD-10-CM code; the source coded it SNOMED CT 444814009.', '` + at + `', 'u1', '` + at + `', 'u1')`,
		`INSERT INTO problems (id, patient_id, icd10, title, status, created_at, created_by, updated_at, updated_by)
			VALUES ('pr2', 'p1', 'J45.909', 'Asthma', 'active', '` + at + `', 'u1', '` + at + `', 'u1')`,
		`INSERT INTO allergies (id, patient_id, substance, substance_kind, code, severity, status, created_at, created_by,
			updated_at, updated_by) VALUES ('a1', 'p1', 'Allergy to nut', 'food', '91934008', 'unknown', 'active',
			'` + at + `', 'u1', '` + at + `', 'u1')`,
		`INSERT INTO medications (id, patient_id, drug_name, rxnorm, dose, route, frequency, start_date, source, status,
			created_at, created_by, updated_at, updated_by) VALUES ('m1', 'p1', 'loratadine', '665078', '', '', '',
			'2019-09-30', 'elsewhere', 'active', '` + at + `', 'u1', '` + at + `', 'u1')`,
		`INSERT INTO imports (id, patient_id, file_name, file_sha256, kind, signature, intact, status, imported_at,
			imported_by, decided_at, decided_by) VALUES ('i1', 'p1', 'toy.json', '` + strings.Repeat("ab", 32) + `',
			'fhir_json', 'unsigned', 0, 'done', '` + at + `', 'u1', '` + at + `', 'u1')`,
		`INSERT INTO import_items (id, import_id, seq, kind, display, raw, mapped, suggested, decision, record_entity,
			record_id, decided_at, decided_by) VALUES ('it1', 'i1', 0, 'problem', 'Viral sinusitis', '{}',
			'{"codes":[{"system":"http://snomed.info/sct","systemName":"SNOMED CT","code":"444814009","display":"Viral sinusitis (disorder)"}]}',
			'accept', 'accepted', 'problem', 'pr1', '` + at + `', 'u1')`,
		`INSERT INTO import_items (id, import_id, seq, kind, display, raw, mapped, suggested, decision, record_entity,
			record_id, decided_at, decided_by) VALUES ('it2', 'i1', 1, 'allergy', 'Allergy to nut', '{}',
			'{"codes":[{"system":"http://snomed.info/sct","code":"91934008","display":"Allergy to nut"}]}',
			'accept', 'accepted', 'allergy', 'a1', '` + at + `', 'u1')`,
		`INSERT INTO import_items (id, import_id, seq, kind, display, raw, mapped, suggested, decision, record_entity,
			record_id, decided_at, decided_by) VALUES ('it3', 'i1', 2, 'medication', 'Loratadine', '{}',
			'{"codes":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"665078","display":"Loratadine 5 MG Chewable Tablet"},{"system":"urn:x","code":"","display":""}]}',
			'accept', 'accepted', 'medication', 'm1', '` + at + `', 'u1')`,
		// A skipped item and a document's item name no record: nothing to code.
		`INSERT INTO import_items (id, import_id, seq, kind, display, raw, mapped, suggested, decision,
			decided_at, decided_by) VALUES ('it4', 'i1', 3, 'problem', 'Skipped', '{}',
			'{"codes":[{"system":"http://snomed.info/sct","code":"1","display":"x"}]}', 'accept', 'skipped', '` + at + `', 'u1')`,
		`INSERT INTO import_items (id, import_id, seq, kind, display, raw, mapped, suggested, decision, record_entity,
			record_id, decided_at, decided_by) VALUES ('it5', 'i1', 4, 'document', 'scan.png', 'not json', 'not json',
			'accept', 'accepted', 'document', 'd1', '` + at + `', 'u1')`,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
	}
	conn.Close()

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var problems []Problem
	var allergies []Allergy
	var meds []Medication
	var patient Patient
	err = d.View(ctx, func(tx *Tx) (err error) {
		if problems, err = tx.Problems("p1"); err != nil {
			return err
		}
		if allergies, err = tx.Allergies("p1"); err != nil {
			return err
		}
		if meds, err = tx.Medications("p1"); err != nil {
			return err
		}
		patient, err = tx.PatientByID("p1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Problem{}
	for _, p := range problems {
		byID[p.ID] = p
	}
	sinusitis := []Coding{{System: "http://snomed.info/sct", Code: "444814009", Display: "Viral sinusitis (disorder)"}}
	if len(problems) != 2 || !reflect.DeepEqual(byID["pr1"].Codes, sinusitis) || len(byID["pr2"].Codes) != 0 ||
		byID["pr2"].Codes == nil || byID["pr1"].ClinicalStatus != "" || !strings.Contains(byID["pr1"].Note, "SNOMED CT") {
		t.Errorf("problems %+v", problems)
	}
	if len(allergies) != 1 || len(allergies[0].Codes) != 1 || allergies[0].Codes[0].Code != "91934008" ||
		allergies[0].Criticality != "" || allergies[0].Reactions == nil || len(allergies[0].Reactions) != 0 {
		t.Errorf("allergies %+v", allergies)
	}
	if len(meds) != 1 || len(meds[0].Codes) != 1 || meds[0].Codes[0].Display != "Loratadine 5 MG Chewable Tablet" ||
		meds[0].Dosages == nil || len(meds[0].Dosages) != 0 {
		t.Errorf("medications %+v", meds)
	}
	if patient.AddressLine != "397 Kreiger Viaduct" || patient.Country != "" || patient.AddressUse != "" {
		t.Errorf("patient %+v", patient)
	}

	// The chart keeps working: a correction keeps its revision and the
	// codings; new records keep what they arrive with.
	mustUpdate(t, d, func(tx *Tx) error {
		p := byID["pr1"]
		p.Status, p.ResolvedOn, p.UpdatedAt = ProblemResolved, "2021-03-28", testTime
		saved, err := tx.UpdateProblem(p, "resolved")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(saved.Codes, sinusitis) || saved.Version != 2 {
			t.Errorf("after an update: %+v", saved)
		}
		a := Allergy{ID: "a2", PatientID: "p1", Substance: "Shellfish allergy", SubstanceKind: "food", Severity: "mild",
			Status: AllergyActive, Version: 1, CreatedAt: testTime, CreatedBy: "u1", UpdatedAt: testTime, UpdatedBy: "u1",
			Criticality: "low", Type: "allergy", Categories: "food", Verification: "confirmed",
			Codes: []Coding{{System: "http://snomed.info/sct", Code: "300913006", Display: "Shellfish allergy"}},
			Reactions: []AllergyReaction{{Manifestations: []Concept{{Codes: []Coding{{System: "http://snomed.info/sct",
				Code: "247472004", Display: "Hives"}}}}, Severity: "mild", Onset: "2012-06-12"}}}
		if err := tx.InsertAllergy(a); err != nil {
			return err
		}
		read, err := tx.AllergyByID("a2")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(read.Reactions, a.Reactions) || !reflect.DeepEqual(read.Codes, a.Codes) ||
			read.Criticality != "low" || read.Type != "allergy" || read.Verification != "confirmed" {
			t.Errorf("allergy read back %+v", read)
		}
		return tx.AddExternalIDs("p1", []ExternalID{{System: "http://hospital.smarthealthit.org", Value: "68cd1181",
			TypeSystem: "http://terminology.hl7.org/CodeSystem/v2-0203", TypeCode: "MR", TypeText: "Medical Record Number",
			RecordedAt: testTime, RecordedBy: "u1", ImportID: "i1"}})
	})
	// What was received is kept as received: the file refuses to change it.
	for _, stmt := range []string{`UPDATE codings SET code = 'x'`, `DELETE FROM codings`,
		`UPDATE patient_external_ids SET value = 'x'`, `DELETE FROM patient_external_ids`} {
		if _, err := rawConn(t, path).Exec(stmt); err == nil || !strings.Contains(err.Error(), "kept as received") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
}

// TestExternalIDsAreKeptOnceAndFollowAMerge: an identifier given twice is
// kept once, and a merge gives the survivor the duplicate's.
func TestExternalIDsAreKeptOnceAndFollowAMerge(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "drlee", "clinician")
	a := addTestPatient(t, d, u, 1, "Toy", "Alexis")
	b := addTestPatient(t, d, u, 2, "Toy", "Alex")
	mrn := ExternalID{System: "http://hospital.smarthealthit.org", Value: "68cd1181", Use: "usual", TypeCode: "MR",
		RecordedAt: testTime, RecordedBy: u.ID}
	ssn := ExternalID{System: "http://hl7.org/fhir/sid/us-ssn", Value: "999-11-2222", Use: "not-a-use",
		RecordedAt: testTime, RecordedBy: u.ID}
	mustUpdate(t, d, func(tx *Tx) error {
		if err := tx.AddExternalIDs(b.ID, []ExternalID{mrn, ssn}); err != nil {
			return err
		}
		return tx.AddExternalIDs(b.ID, []ExternalID{mrn, {Value: ""}})
	})
	mustUpdate(t, d, func(tx *Tx) error {
		_, err := tx.MergePatients(a, b, u.ID, testTime, "same person")
		return err
	})
	err := d.View(context.Background(), func(tx *Tx) error {
		for _, id := range []string{a.ID, b.ID} {
			ids, err := tx.ExternalIDs(id)
			if err != nil {
				return err
			}
			if len(ids) != 2 || ids[0].Value != mrn.Value || ids[0].Use != "usual" || ids[1].Use != "" {
				t.Errorf("%s: identifiers %+v", id, ids)
			}
		}
		found, err := tx.PatientsWithExternalID(mrn.System, mrn.Value)
		if err != nil || len(found) != 2 {
			t.Errorf("found %v, %v", found, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
