package db

import (
	"context"
	"strings"
	"testing"
)

// TestDisclosuresAreKept: a disclosure is never changed or deleted; the
// one change allowed is a merge moving it to the chart its patient was
// merged into.
func TestDisclosuresAreKept(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "drlee", "clinician")
	dup := addTestPatient(t, d, u, 1, "Rivera", "Ana")
	survivor := addTestPatient(t, d, u, 2, "Rivera", "Ana Sofia")
	other := addTestPatient(t, d, u, 3, "Okafor", "Ngozi")
	row := Disclosure{ID: "dis-1", PatientID: dup.ID, MRN: dup.MRN, At: testTime, By: u.ID, Kind: DisclosureReferral,
		Recipient: "Cardiology", Purpose: "referral", What: `{"counts":{"problems":1}}`, FileName: "Rivera_Ana.folio",
		ArchiveSHA256: strings.Repeat("ab", 32), KeyFingerprint: "3F2A 9C1B", Encrypted: false}
	mustUpdate(t, d, func(tx *Tx) error { return tx.InsertDisclosure(row) })

	conn := rawConn(t, d.Path())
	for _, stmt := range []string{
		`UPDATE disclosures SET recipient = 'someone else'`,
		`UPDATE disclosures SET archive_sha256 = '` + strings.Repeat("cd", 32) + `'`,
		`UPDATE disclosures SET patient_id = '` + other.ID + `'`,    // not merged into other
		`UPDATE disclosures SET patient_id = '` + survivor.ID + `'`, // not merged yet
		`DELETE FROM disclosures`,
		`INSERT INTO disclosures (id, patient_id, mrn, disclosed_at, disclosed_by, kind, recipient, purpose, what,
			file_name, archive_sha256, key_fingerprint, encrypted) VALUES ('dis-2', '` + dup.ID + `', '1', 't', '` + u.ID + `',
			'referral', '', 'why', '{}', 'f', '` + strings.Repeat("ab", 32) + `', 'k', 0)`, // no recipient
	} {
		if _, err := conn.Exec(stmt); err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}

	mustUpdate(t, d, func(tx *Tx) error {
		_, err := tx.MergePatients(survivor, dup, u.ID, testTime, "same person")
		return err
	})
	err := d.View(context.Background(), func(tx *Tx) error {
		moved, err := tx.Disclosures(survivor.ID)
		if err != nil {
			return err
		}
		if len(moved) != 1 || moved[0].MRN != dup.MRN || moved[0].Recipient != "Cardiology" || moved[0].ByName != "Test drlee" {
			t.Errorf("after the merge the survivor has %+v", moved)
		}
		left, err := tx.Disclosures(dup.ID)
		if err != nil || len(left) != 0 {
			t.Errorf("the merged chart still lists %+v, %v", left, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
