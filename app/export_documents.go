package app

import (
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"folio/app/fhir"
	"folio/db"
)

// A whole-clinic export carries the clinic's visit notes and documents
// too: notes as text inside their DocumentReferences, documents as files
// in a documents folder beside the NDJSON, which the DocumentReferences
// name. Files are copied while their batch is read, in its transaction,
// one at a time, each checked against the SHA-256 taken when it was
// attached.

// exportDocumentsFolder is the folder of document files in an export; it
// is written as documentsFolder + ".partial" and renamed when all went well,
// as the NDJSON files are.
const exportDocumentsFolder = "documents"

// documentFiles are the document files of an export.
type documentFiles struct {
	dir   string // the export's folder
	made  bool
	count int
	bytes int64
}

// exportedFile is what the DocumentReference says of a copied file.
type exportedFile struct {
	url  string // relative to the export's folder
	sha1 string // base64, as FHIR's Attachment.hash
}

// damagedDocumentError is a document whose stored file no longer matches
// the checksum taken when it was attached.
type damagedDocumentError struct {
	doc      db.Document
	mrn      string
	got      string
	gotBytes int
}

func (e *damagedDocumentError) Error() string {
	return fmt.Sprintf("document %s: sha256 %s expected, %s found; %d bytes recorded, %d found",
		e.doc.ID, e.doc.SHA256, e.got, e.doc.SizeBytes, e.gotBytes)
}

// userError is the damage in the words of whoever ran the export.
func (e *damagedDocumentError) userError() *Error {
	return errorf(Internal, "The export stopped: the file of the document %q (%s, dated %s, in the chart of MRN %s, "+
		"document id %s) is damaged: it no longer matches the checksum taken when it was attached. Nothing was "+
		"exported. Restore the clinic's data from a backup, or tell your admin.",
		e.doc.Title, e.doc.FileName, e.doc.DocumentDate, e.mrn, e.doc.ID)
}

// documentExtensions name a file after its media type: the four Folio accepts.
var documentExtensions = map[string]string{"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
	"image/webp": ".webp"}

// copy writes one document's file into the export, after checking it
// against its recorded SHA-256 and size.
func (f *documentFiles) copy(d db.Document, data []byte, mrn string) (exportedFile, error) {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != d.SHA256 || int64(len(data)) != d.SizeBytes {
		return exportedFile{}, &damagedDocumentError{doc: d, mrn: mrn, got: got, gotBytes: len(data)}
	}
	ext, ok := documentExtensions[d.MediaType]
	if !ok {
		return exportedFile{}, fmt.Errorf("document %s: no file name for media type %q", d.ID, d.MediaType)
	}
	// Folio's ids are UUIDs; anything else must not name a path.
	if d.ID == "" || strings.ContainsAny(d.ID, `/\.:`) {
		return exportedFile{}, fmt.Errorf("document id %q cannot name a file", d.ID)
	}
	partial := filepath.Join(f.dir, exportDocumentsFolder+".partial")
	if !f.made {
		if err := os.Mkdir(partial, 0o700); err != nil {
			return exportedFile{}, fmt.Errorf("create the documents folder: %w", err)
		}
		f.made = true
	}
	name := d.ID + ext
	out, err := os.OpenFile(filepath.Join(partial, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return exportedFile{}, fmt.Errorf("create %s: %w", name, err)
	}
	_, err = out.Write(data)
	if err = errors.Join(err, out.Sync(), out.Close()); err != nil {
		return exportedFile{}, fmt.Errorf("write %s: %w", name, err)
	}
	f.count++
	f.bytes += int64(len(data))
	hash := sha1.Sum(data)
	return exportedFile{url: exportDocumentsFolder + "/" + name, sha1: base64.StdEncoding.EncodeToString(hash[:])}, nil
}

// copyBatch copies the files of the batch's documents, in the batch's
// transaction, and returns what each DocumentReference says of its file,
// by document id.
func (f *documentFiles) copyBatch(tx *db.Tx, b db.ExportBatch) (map[string]exportedFile, error) {
	if len(b.Documents) == 0 {
		return nil, nil
	}
	mrns := make(map[string]string, len(b.Patients))
	for _, p := range b.Patients {
		mrns[p.ID] = p.MRN
	}
	out := make(map[string]exportedFile, len(b.Documents))
	err := tx.ExportDocumentFiles(b.Patients[0].ID, b.Patients[len(b.Patients)-1].ID, func(d db.Document, data []byte) error {
		file, err := f.copy(d, data, mrns[d.PatientID])
		out[d.ID] = file
		return err
	})
	return out, err
}

// finish renames the documents folder to its final name.
func (f *documentFiles) finish() error {
	if !f.made {
		return nil
	}
	from := filepath.Join(f.dir, exportDocumentsFolder+".partial")
	if err := os.Rename(from, filepath.Join(f.dir, exportDocumentsFolder)); err != nil {
		return fmt.Errorf("finish the documents folder: %w", err)
	}
	return nil
}

// remove deletes the document files of a failed export.
func (f *documentFiles) remove() {
	if !f.made {
		return
	}
	os.RemoveAll(filepath.Join(f.dir, exportDocumentsFolder+".partial"))
	os.RemoveAll(filepath.Join(f.dir, exportDocumentsFolder))
}

// exportPeople are the clinic's users by id: the clinicians, signers and
// authors the export names as Practitioners.
type exportPeople map[string]db.User

func (p exportPeople) author(id string) fhir.Author {
	if id == "" {
		return fhir.Author{}
	}
	u, ok := p[id]
	if !ok {
		return fhir.Author{ID: id}
	}
	return fhir.Author{ID: u.ID, Name: u.FullName, LicenceNumber: u.LicenceNumber}
}

// clinicians are every clinician's account, disabled ones too (their
// visits and bookings stay in the charts), by name.
func (p exportPeople) clinicians() []fhir.Author {
	var out []fhir.Author
	for id, u := range p {
		if u.Role == RoleClinician {
			out = append(out, p.author(id))
		}
	}
	slices.SortFunc(out, func(a, b fhir.Author) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out
}

// fhirAppointment is a booking, its times on the clinic's clock made
// instants with the clinic's offset that day.
func fhirAppointment(a db.AppointmentRow, people exportPeople, zone *time.Location) fhir.Appointment {
	return fhir.Appointment{ID: a.ID, Status: a.Status, Start: wallInstant(a.Start, zone), End: wallInstant(a.End, zone),
		Type: a.TypeName, Clinician: people.author(a.ClinicianID), Reason: a.Reason, Note: a.Note}
}

// wallInstant is a time on the clinic's clock ("2026-03-10T09:15") as an
// RFC 3339 instant; one that does not read so is left as it is, for the
// FHIR mapping to refuse, naming the appointment.
func wallInstant(wall string, zone *time.Location) string {
	t, err := time.ParseInLocation(wallLayout, wall, zone)
	if err != nil {
		return wall
	}
	return t.Format(time.RFC3339)
}

func (p exportPeople) name(id string) string {
	if u, ok := p[id]; ok {
		return u.FullName
	}
	return id
}

// fhirVisit is an encounter with its note, addenda and diagnoses.
func fhirVisit(v db.ExportVisit, addenda []db.AddendumLine, diagnoses []db.Diagnosis, people exportPeople) fhir.Visit {
	e, n := v.Encounter, v.Note
	out := fhir.Visit{ID: e.ID, Kind: e.Kind, Class: e.Class, StartedAt: instant(e.StartedAt), Status: e.Status,
		Clinician: people.author(e.ClinicianID),
		Note: fhir.VisitNote{ID: n.ID, Subjective: n.Subjective, Objective: n.Objective, Assessment: n.Assessment,
			Plan: n.Plan, SavedAt: instant(n.SavedAt), RetractReason: n.RetractReason}}
	if n.Signed() {
		out.Note.SignedAt, out.Note.SignedBy = instant(n.SignedAt), people.author(n.SignedBy)
	}
	if !n.RetractedAt.IsZero() {
		out.Note.RetractedAt, out.Note.RetractedBy = instant(n.RetractedAt), people.name(n.RetractedBy)
	}
	for _, a := range addenda {
		out.Note.Addenda = append(out.Note.Addenda, fhir.Addendum{Text: a.Text, Author: a.AuthorName, At: instant(a.At)})
	}
	for _, d := range diagnoses {
		out.DiagnosisProblemIDs = append(out.DiagnosisProblemIDs, d.ProblemID)
	}
	return out
}

func fhirDocument(d db.Document, file exportedFile, people exportPeople) fhir.Document {
	return fhir.Document{ID: d.ID, VisitID: d.EncounterID, Title: d.Title, Kind: d.Kind, Date: d.DocumentDate,
		MediaType: d.MediaType, Size: d.SizeBytes, SHA1: file.sha1, URL: file.url, Status: d.Status,
		RetractReason: d.RetractReason, AddedAt: instant(d.AddedAt), AddedBy: people.author(d.AddedBy)}
}
