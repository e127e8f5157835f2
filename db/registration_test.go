package db

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPhoneAndMemberKeys(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"555-201-3344", "5552013344"},
		{"+1 (555) 201-3344", "5552013344"},
		{"+44 20 7946 0958", "2079460958"},
		{"555 2013", "5552013"},
		{"", ""},
	} {
		if got := PhoneKey(tt.in); got != tt.want {
			t.Errorf("PhoneKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"XG-4471-002", "XG4471002"},
		{"xg 4471.002", "XG4471002"},
		{"ñ-12/3", "Ñ123"},
		{"", ""},
	} {
		if got := MemberKey(tt.in); got != tt.want {
			t.Errorf("MemberKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRegistrationMigrationKeepsCharts opens a chart file of schema 2 with
// patients in it: they read with the new fields empty, and their phones
// are keyed for the duplicate check as a newly registered patient's are.
func TestRegistrationMigrationKeepsCharts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(ctx, path, migrations[:2])
	if err != nil {
		t.Fatal(err)
	}
	admin := addTestUser(t, old, "admin", "admin")
	phones := map[string]string{"p-1": "+1 (217) 555-0142", "p-2": "555.201.3344", "p-3": ""}
	mustUpdate(t, old, func(tx *Tx) error {
		for id, phone := range phones {
			_, err := tx.exec(`INSERT INTO patients (id, mrn, family_name, given_names, birth_date, sex, phone, sort_key,
				created_at, created_by, updated_at, updated_by) VALUES (?, ?, 'Rivera', 'Ana', '1980-03-04', 'female', ?,
				'rivera ana', '', ?, '', ?)`, id, "mrn-"+id, phone, admin.ID, admin.ID)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.View(ctx, func(tx *Tx) error {
		p, err := tx.PatientByID("p-1")
		if err != nil {
			return err
		}
		if p.Status != PatientActive || p.Merged() || p.PhotoID != 0 || p.Email != "" || p.Phone != phones["p-1"] {
			t.Errorf("migrated patient %+v", p)
		}
		for id, phone := range phones {
			if phone == "" {
				continue
			}
			found, err := tx.PatientsByPhoneKey(PhoneKey(phone), 10)
			if err != nil {
				return err
			}
			if len(found) != 1 || found[0].ID != id {
				t.Errorf("phone %q of a migrated chart finds %+v", phone, found)
			}
		}
		born, err := tx.ActivePatientsBornOn("1980-03-04", 10)
		if err != nil || len(born) != 3 {
			t.Errorf("born on 1980-03-04: %d, %v", len(born), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDuplicateLookupPlans keeps the duplicate check on its indexes: with
// 100,000 charts a scan would make every keystroke of the form wait.
func TestDuplicateLookupPlans(t *testing.T) {
	d := openTestDB(t)
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		want  []string
	}{
		{"birth date", bornOnQuery, []any{"1980-03-04", 10},
			[]string{"SEARCH patients USING INDEX patients_birth_date (birth_date=?)"}},
		{"phone or member id", byIdentifierQuery, []any{"phone", "5552013344", 10},
			[]string{"SEARCH i USING PRIMARY KEY (kind=? AND value=?)", "SEARCH patients USING INDEX sqlite_autoindex_patients_1 (id=?)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, d, tc.query, tc.args...)
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN") {
					t.Errorf("plan %q scans", plan)
				}
			}
			for _, want := range tc.want {
				if !slices.Contains(plan, want) {
					t.Errorf("plan %q lacks %q", plan, want)
				}
			}
		})
	}
}

func queryPlan(t *testing.T, d *DB, query string, args ...any) []string {
	t.Helper()
	var plan []string
	err := d.View(context.Background(), func(tx *Tx) error {
		rows, err := tx.tx.Query("EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan = append(plan, detail)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestIdentifiersFollowThePatient: a correction rewrites the keys, and
// both phones and the member id are keyed.
func TestIdentifiersFollowThePatient(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	p := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	next := p
	next.Phone, next.Phone2, next.InsurancePayer, next.InsuranceMemberID = "555-777-1234", "+1 608 555 0101", "Acme", "xg-44"
	mustUpdate(t, d, func(tx *Tx) error { _, err := tx.UpdatePatient(next, "new phone"); return err })
	err := d.View(context.Background(), func(tx *Tx) error {
		for _, tt := range []struct {
			find  func(string, int) ([]Patient, error)
			key   string
			found bool
		}{
			{tx.PatientsByPhoneKey, PhoneKey(p.Phone), false},
			{tx.PatientsByPhoneKey, PhoneKey("555 777 1234"), true},
			{tx.PatientsByPhoneKey, PhoneKey("(608) 555-0101"), true},
			{tx.PatientsByMemberKey, MemberKey("XG 44"), true},
		} {
			got, err := tt.find(tt.key, 10)
			if err != nil {
				return err
			}
			if (len(got) == 1) != tt.found {
				t.Errorf("key %q finds %d patients, want found=%v", tt.key, len(got), tt.found)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMergePatientsKeepsTheRow checks the merge at the storage level: the
// duplicate row stays whole but leaves the indexes, and the database
// itself refuses to change it afterwards.
func TestMergePatientsKeepsTheRow(t *testing.T) {
	ctx := context.Background()
	d := openTestDB(t)
	u := addTestUser(t, d, "admin", "admin")
	survivor := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	dup := addTestPatient(t, d, u, 2, "Rievra", "Ana")
	var m Merge
	mustUpdate(t, d, func(tx *Tx) (err error) {
		m, err = tx.MergePatients(survivor, dup, u.ID, testTime, "same person")
		return err
	})
	if m.ID == 0 || m.DuplicateMRN != dup.MRN || m.SurvivorMRN != survivor.MRN {
		t.Errorf("merge %+v", m)
	}
	err := d.View(ctx, func(tx *Tx) error {
		row, err := tx.PatientByID(dup.ID)
		if err != nil {
			return err
		}
		if !row.Merged() || row.MergedInto != survivor.ID || row.FamilyName != "Rievra" || row.Version != 2 {
			t.Errorf("merged row %+v", row)
		}
		if found, _ := tx.PatientsByPhoneKey(PhoneKey(dup.Phone), 10); len(found) != 1 || found[0].ID != survivor.ID {
			t.Errorf("phone finds %+v, want only the survivor", found)
		}
		if found, _ := tx.ActivePatientsBornOn(dup.BirthDate, 10); len(found) != 1 || found[0].ID != survivor.ID {
			t.Errorf("birth date finds %+v, want only the survivor", found)
		}
		if mrns, err := tx.MergedMRNs(survivor.ID); err != nil || !slices.Equal(mrns, []string{dup.MRN}) {
			t.Errorf("merged MRNs %v, %v", mrns, err)
		}
		if merges, err := tx.Merges(10); err != nil || len(merges) != 1 || merges[0].MergedByName != "admin" ||
			merges[0].DuplicateName != "Rievra, Ana" {
			t.Errorf("merges %+v, %v", merges, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Merging it again, or into it, is a conflict; nothing changes.
	for _, pair := range [][2]Patient{{survivor, dup}, {dup, survivor}} {
		err := d.Update(ctx, func(tx *Tx) error {
			s, _ := tx.PatientByID(pair[0].ID)
			x, _ := tx.PatientByID(pair[1].ID)
			_, err := tx.MergePatients(s, x, u.ID, testTime, "again")
			return err
		})
		if !errors.Is(err, ErrConflict) {
			t.Errorf("merging %s into %s again: %v", pair[1].MRN, pair[0].MRN, err)
		}
	}
	conn := rawConn(t, d.Path())
	for _, stmt := range []string{
		`UPDATE patients SET family_name = 'X' WHERE id = 'p-2'`,
		`DELETE FROM patient_merges`,
		`UPDATE patient_merges SET reason = 'other'`,
	} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
}

// TestEveryPatientTableIsMerged fails when a table that names a patient is
// added without deciding what a merge does with its rows: move them in
// MergePatients, or list the table here with the reason it stays.
func TestEveryPatientTableIsMerged(t *testing.T) {
	d := openTestDB(t)
	handled := map[string]string{
		"appointments":         "moved to the survivor by MergePatients",
		"encounters":           "moved to the survivor by MergePatients; notes and addenda follow their encounter",
		"audit":                "the trail stays as written, under the patient it was about",
		"patient_photos":       "a merged chart keeps its photos",
		"patient_identifiers":  "a merged chart's are removed by MergePatients",
		"patient_merges":       "the merge log itself",
		"problems":             "moved to the survivor by MergePatients",
		"allergies":            "moved to the survivor by MergePatients",
		"vitals":               "moved to the survivor by MergePatients",
		"medications":          "moved to the survivor by MergePatients; their alert overrides follow them",
		"immunizations":        "moved to the survivor by MergePatients",
		"documents":            "moved to the survivor by MergePatients; their files (document_contents) follow them",
		"no_known_allergies":   "a merged chart's statement is cleared and kept; MergePatients carries it to the survivor if it still holds",
		"lab_orders":           "moved to the survivor by MergePatients",
		"lab_results":          "moved to the survivor by MergePatients; the order each answers moves with it",
		"disclosures":          "moved to the survivor by MergePatients; each keeps the MRN its file named",
		"imports":              "moved to the survivor by MergePatients; their items follow them",
		"care_records":         "moved to the survivor by MergePatients",
		"care_outreach":        "moved to the survivor by MergePatients",
		"care_reminders":       "moved to the survivor by MergePatients; a follow-up keeps its visit, which moves too",
		"care_due":             "derived from the charts: MergePatients clears the merged chart's rows; the app makes the survivor's again",
		"quality_patient":      "derived from the charts: MergePatients clears the merged chart's rows; the app makes the survivor's again",
		"readings_to_review":   "derived from the readings: MergePatients clears the merged chart's row; the app makes the survivor's again",
		"home_reading_months":  "derived from the readings: MergePatients clears the merged chart's months; the app makes the survivor's again",
		"home_reading_changes": "counted by the database: a merge's move of readings counts as a change of both charts' months",
		"home_readings":        "moved to the survivor by MergePatients",
		"reading_imports":      "moved to the survivor by MergePatients",
		"device_tokens":        "moved to the survivor by MergePatients: a hub's token goes on sending to the one chart",
		"rpm_enrolments":       "moved to the survivor by MergePatients; if both are enrolled, the merged chart's is ended",
		// Written once (schema 28's trigger): a merge leaves them under the
		// merged chart; the survivor reads them through patient_merges
		// (monitoring.go chartReviews), so its last review and minutes hold.
		"reading_reviews":     "kept under the merged chart, read by the survivor through the merge",
		"telehealth_consents": "moved to the survivor by MergePatients: the person consented, whichever chart it was in",

		"call_list":            "derived from the appointments: schema 23's triggers make a patient's lines again when MergePatients moves them",
		"patient_external_ids": "copied to the survivor by MergePatients; the merged chart keeps its own, as received",
	}
	var tables []string
	err := d.View(context.Background(), func(tx *Tx) error {
		rows, err := tx.tx.Query(`SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) c
			WHERE m.type = 'table' AND c.name IN ('patient_id', 'survivor_id', 'duplicate_id') GROUP BY m.name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			tables = append(tables, name)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if handled[table] == "" {
			t.Errorf("table %s names a patient: move its rows in MergePatients, or say here why they stay", table)
		}
	}
}

// TestPhotosAreKept: a photo is never changed or deleted, and the file
// refuses one over the size limit whatever the caller checked.
func TestPhotosAreKept(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	p := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	var id int64
	mustUpdate(t, d, func(tx *Tx) (err error) {
		id, err = tx.InsertPhoto(Photo{PatientID: p.ID, ContentType: "image/png", Data: []byte("\x89PNG..."), AddedAt: testTime, AddedBy: u.ID})
		return err
	})
	err := d.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.InsertPhoto(Photo{PatientID: p.ID, ContentType: "image/png", Data: make([]byte, MaxPhotoBytes+1),
			AddedAt: testTime, AddedBy: u.ID})
		return err
	})
	if err == nil {
		t.Error("stored a photo over the limit")
	}
	conn := rawConn(t, d.Path())
	for _, stmt := range []string{`UPDATE patient_photos SET data = x'00'`, `DELETE FROM patient_photos`} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
	err = d.View(context.Background(), func(tx *Tx) error {
		ph, err := tx.PhotoByID(id)
		if err != nil || string(ph.Data) != "\x89PNG..." || ph.PatientID != p.ID {
			t.Errorf("photo %+v, %v", ph, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
