package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Document is a file attached to a patient's chart, as listed: what it is
// and what its file is, without the file's bytes (DocumentContent reads
// those).
type Document struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	EncounterID   string    `json:"encounterId"` // "" for none (stored as NULL)
	Title         string    `json:"title"`
	Kind          string    `json:"kind"`         // one of DocumentKinds
	DocumentDate  string    `json:"documentDate"` // YYYY-MM-DD, the date of the document itself
	FileName      string    `json:"fileName"`
	MediaType     string    `json:"mediaType"`
	SizeBytes     int64     `json:"sizeBytes"`
	SHA256        string    `json:"sha256"` // lower-case hex of the file's bytes
	Status        string    `json:"status"` // DocumentActive or EnteredInError
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	AddedAt       time.Time `json:"addedAt"`
	AddedBy       string    `json:"addedBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`
}

// DocumentActive is the status of a document in force; a retracted one is
// EnteredInError.
const DocumentActive = "active"

// DocumentKinds are the kinds of document the schema accepts, in the order
// a form offers them.
var DocumentKinds = []string{"referral_letter", "lab_report", "imaging_report", "discharge_summary", "consent",
	"image", "correspondence", "other"}

// MaxDocumentBytes bounds one document's file; the schema refuses a larger one.
const MaxDocumentBytes = 25 << 20

const documentColumns = `id, patient_id, coalesce(encounter_id, ''), title, kind, document_date, file_name,
	media_type, size_bytes, sha256, status, retract_reason, version, added_at, added_by, updated_at, updated_by`

func scanDocument(row scanner) (Document, error) {
	var d Document
	var added, updated string
	err := row.Scan(&d.ID, &d.PatientID, &d.EncounterID, &d.Title, &d.Kind, &d.DocumentDate, &d.FileName,
		&d.MediaType, &d.SizeBytes, &d.SHA256, &d.Status, &d.RetractReason, &d.Version, &added, &d.AddedBy,
		&updated, &d.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read document: %w", err)
	}
	d.AddedAt, d.UpdatedAt = parseTime(added), parseTime(updated)
	return d, nil
}

// InsertDocument attaches d, with its file's bytes data, to its patient's
// chart. The schema checks that data has the size d records.
func (t *Tx) InsertDocument(d Document, data []byte) error {
	_, err := t.exec(`INSERT INTO documents (id, patient_id, encounter_id, title, kind, document_date, file_name,
		media_type, size_bytes, sha256, status, retract_reason, version, added_at, added_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.PatientID, nullable(d.EncounterID), d.Title, d.Kind, d.DocumentDate, d.FileName, d.MediaType,
		d.SizeBytes, d.SHA256, d.Status, d.RetractReason, d.Version, formatTime(d.AddedAt), d.AddedBy,
		formatTime(d.UpdatedAt), d.UpdatedBy)
	if err != nil {
		return fmt.Errorf("insert document: %w", err)
	}
	if _, err := t.exec(`INSERT INTO document_contents (document_id, data) VALUES (?, ?)`, d.ID, data); err != nil {
		return fmt.Errorf("store file of document %s: %w", d.ID, err)
	}
	return nil
}

// DocumentByID reads one document, without its file.
func (t *Tx) DocumentByID(id string) (Document, error) {
	return scanDocument(t.queryRow(`SELECT `+documentColumns+` FROM documents WHERE id = ?`, id))
}

// Documents lists a patient's documents without their files: those in
// force first, newest document date first, then those entered in error.
func (t *Tx) Documents(patientID string) ([]Document, error) {
	return queryList(t, "documents", scanDocument, `SELECT `+documentColumns+` FROM documents WHERE patient_id = ?
		ORDER BY status = 'entered_in_error', document_date DESC, added_at DESC, id`, patientID)
}

// DocumentContent reads the bytes of document id's file.
func (t *Tx) DocumentContent(id string) ([]byte, error) {
	var data []byte
	err := t.queryRow(`SELECT data FROM document_contents WHERE document_id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read file of document %s: %w", id, err)
	}
	return data, nil
}

// UpdateDocument replaces what is said about a document (its title, kind,
// date, visit, status and retraction reason) with d, keeping the version it
// replaces in revisions. d.Version must be the version the caller read;
// ErrConflict if the row has changed since. The patient and the file never
// change here.
func (t *Tx) UpdateDocument(d Document, reason string) (Document, error) {
	old, err := t.DocumentByID(d.ID)
	if err != nil {
		return Document{}, err
	}
	if old.Version != d.Version {
		return Document{}, ErrConflict
	}
	if err := t.keepRevision("document", old.ID, old.Version, old, d.UpdatedBy, d.UpdatedAt, reason); err != nil {
		return Document{}, err
	}
	d.PatientID, d.FileName, d.MediaType, d.SizeBytes, d.SHA256 = old.PatientID, old.FileName, old.MediaType, old.SizeBytes, old.SHA256
	d.AddedAt, d.AddedBy = old.AddedAt, old.AddedBy
	d.Version = old.Version + 1
	_, err = t.exec(`UPDATE documents SET encounter_id = ?, title = ?, kind = ?, document_date = ?, status = ?,
		retract_reason = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?`,
		nullable(d.EncounterID), d.Title, d.Kind, d.DocumentDate, d.Status, d.RetractReason, d.Version,
		formatTime(d.UpdatedAt), d.UpdatedBy, d.ID, old.Version)
	if err != nil {
		return Document{}, fmt.Errorf("update document %s: %w", d.ID, err)
	}
	return d, nil
}

// CountDocuments tells how many documents, and how many stored files, the
// clinic's charts hold.
func (t *Tx) CountDocuments() (documents, files int, err error) {
	err = t.queryRow("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM document_contents)").
		Scan(&documents, &files)
	if err != nil {
		return 0, 0, fmt.Errorf("count documents: %w", err)
	}
	return documents, files, nil
}

// moveDocuments gives every document of from to to, keeping the version
// each replaces; their files follow them, being keyed by document.
func (t *Tx) moveDocuments(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.Documents(from.ID)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("documents", "document", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}
