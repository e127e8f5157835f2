package db

import (
	"fmt"
	"time"
)

// Disclosure is one time part of a chart left the clinic: a referral
// archive, the patient's own copy, or a command-line export. What is the
// JSON the app wrote about its content (counts per section, document ids).
type Disclosure struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patientId"`
	MRN            string    `json:"mrn"` // the chart number the file named
	At             time.Time `json:"at"`
	By             string    `json:"by"` // user id
	Kind           string    `json:"kind"`
	Recipient      string    `json:"recipient"`
	Purpose        string    `json:"purpose"`
	What           string    `json:"what"`
	FileName       string    `json:"fileName"`
	ArchiveSHA256  string    `json:"archiveSha256"`
	KeyFingerprint string    `json:"keyFingerprint"`
	Encrypted      bool      `json:"encrypted"`

	ByName string `json:"-"` // the user's full name, when read back
}

// The kinds of disclosure.
const (
	DisclosureReferral    = "referral"
	DisclosurePatientCopy = "patient_copy"
	DisclosureExport      = "export"
)

const disclosureColumns = `d.id, d.patient_id, d.mrn, d.disclosed_at, d.disclosed_by, d.kind, d.recipient, d.purpose,
	d.what, d.file_name, d.archive_sha256, d.key_fingerprint, d.encrypted, coalesce(u.full_name, '')`

func scanDisclosure(row scanner) (Disclosure, error) {
	var d Disclosure
	var at string
	err := row.Scan(&d.ID, &d.PatientID, &d.MRN, &at, &d.By, &d.Kind, &d.Recipient, &d.Purpose, &d.What,
		&d.FileName, &d.ArchiveSHA256, &d.KeyFingerprint, &d.Encrypted, &d.ByName)
	if err != nil {
		return d, fmt.Errorf("read disclosure: %w", err)
	}
	d.At = parseTime(at)
	return d, nil
}

// InsertDisclosure records a disclosure; it is never changed afterwards.
func (t *Tx) InsertDisclosure(d Disclosure) error {
	_, err := t.exec(`INSERT INTO disclosures (id, patient_id, mrn, disclosed_at, disclosed_by, kind, recipient,
		purpose, what, file_name, archive_sha256, key_fingerprint, encrypted)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.PatientID, d.MRN, formatTime(d.At), d.By, d.Kind, d.Recipient, d.Purpose, d.What, d.FileName,
		d.ArchiveSHA256, d.KeyFingerprint, d.Encrypted)
	if err != nil {
		return fmt.Errorf("record disclosure: %w", err)
	}
	return nil
}

// Disclosures lists what left the clinic about a patient, newest first.
func (t *Tx) Disclosures(patientID string) ([]Disclosure, error) {
	return queryList(t, "disclosures", scanDisclosure, `SELECT `+disclosureColumns+` FROM disclosures d
		LEFT JOIN users u ON u.id = d.disclosed_by WHERE d.patient_id = ? ORDER BY d.disclosed_at DESC, d.id DESC`,
		patientID)
}

// CountDisclosures tells how many disclosures the clinic has recorded.
func (t *Tx) CountDisclosures() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM disclosures").Scan(&n); err != nil {
		return 0, fmt.Errorf("count disclosures: %w", err)
	}
	return n, nil
}

// moveDisclosures gives every disclosure of from to to. The schema allows
// this one change, and only to the chart from was merged into; each row
// keeps the MRN its file named, so nothing it says is lost.
func (t *Tx) moveDisclosures(from, to Patient) error {
	if _, err := t.exec(`UPDATE disclosures SET patient_id = ? WHERE patient_id = ?`, to.ID, from.ID); err != nil {
		return fmt.Errorf("move disclosures of %s: %w", from.MRN, err)
	}
	return nil
}
