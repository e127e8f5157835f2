package app

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"folio/app/filecheck"
	"folio/db"
)

// DocumentInput is the "attach a document" form. The file travels inside
// the call as base64, so the same call works through the desktop window's
// bindings and over HTTP.
type DocumentInput struct {
	Title        string `json:"title"`
	Kind         string `json:"kind"`         // referral_letter, lab_report, ... (see DocumentKinds)
	DocumentDate string `json:"documentDate"` // YYYY-MM-DD: the date written on the document
	FileName     string `json:"fileName"`     // the name it had on the computer it came from
	Data         string `json:"data"`         // the file's bytes, standard base64
	EncounterID  string `json:"encounterId"`  // the visit it belongs to, or ""
}

// Document is a document of a patient's chart, as listed: its file is read
// with DocumentContent. Status is active or entered_in_error.
type Document struct {
	ID            string `json:"id"`
	PatientID     string `json:"patientId"`
	EncounterID   string `json:"encounterId"`
	Title         string `json:"title"`
	Kind          string `json:"kind"`
	DocumentDate  string `json:"documentDate"`
	FileName      string `json:"fileName"`
	MediaType     string `json:"mediaType"`
	SizeBytes     int64  `json:"sizeBytes"`
	SHA256        string `json:"sha256"`
	Status        string `json:"status"`
	RetractReason string `json:"retractReason"`
	Version       int    `json:"version"`
	AddedAt       string `json:"addedAt"`
	AddedBy       string `json:"addedBy"` // the full name of who attached it
	UpdatedAt     string `json:"updatedAt"`
}

// DocumentFile is a document's file, checked against the checksum taken
// when it was attached, and checked again as its type (see servedAs).
type DocumentFile struct {
	ID       string `json:"id"`
	FileName string `json:"fileName"`
	// MediaType is the type to show the file as: its recorded type, or
	// SaveOnly when the file does not pass the checks as that type.
	MediaType string `json:"mediaType"`
	SizeBytes int64  `json:"sizeBytes"`
	SHA256    string `json:"sha256"`
	Data      string `json:"data"` // standard base64
	// SaveAs names the file when it is saved: its name with its type's
	// extension, so that a file called page.html is never saved as one.
	SaveAs string `json:"saveAs"`
	// Notice says why a SaveOnly file is not shown; "" otherwise.
	Notice string `json:"notice"`
}

// SaveOnly is the type a file is given as when it may be saved but not
// shown: one no browser or viewer runs or renders.
const SaveOnly = "application/octet-stream"

// servedAs is how a stored file is given out. A file attached before Folio
// checked files whole (a PDF or a picture with a web page after it, say)
// may not pass the checks now: it is still given, whole, but as SaveOnly,
// with a notice saying why, so that nothing is lost and nothing a browser
// would run is shown.
func servedAs(d db.Document, data []byte) (mediaType, saveAs, notice string) {
	ext := filecheck.Extension(d.MediaType)
	if ext == "" {
		ext = ".bin"
	}
	base := strings.TrimSuffix(d.FileName, path.Ext(d.FileName))
	if base == "" {
		base = "document"
	}
	saveAs = base + ext
	got, problem := filecheck.Recheck(data)
	switch {
	case problem == "" && got == d.MediaType:
		return d.MediaType, saveAs, ""
	case problem == "":
		problem = fmt.Sprintf("Its contents are %s, not %s as recorded.", got, d.MediaType)
	}
	return SaveOnly, saveAs, "This file is not shown: it was attached before Folio checked files whole, and it does " +
		"not pass that check now. " + problem + " The file is kept as it was; save it to open it in another program."
}

// MaxDocumentBytes bounds one attached file: a scanned letter or report of
// many pages fits, a video does not.
const MaxDocumentBytes = db.MaxDocumentBytes

// DocumentTooLarge is the form's answer to a file over MaxDocumentBytes,
// also given by serve mode to a call too large to read.
func DocumentTooLarge() *Error {
	return &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"data": tooLargeMessage}}
}

var tooLargeMessage = fmt.Sprintf("The file can be at most %d MiB; scan it at a lower resolution or split it.", MaxDocumentBytes>>20)

const maxFileNameLength = 255

// documentKinds are the kinds a form may choose, as the schema names them.
var documentKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range db.DocumentKinds {
		m[k] = true
	}
	return m
}()

// documentForm is a checked form: its file decoded and identified.
type documentForm struct {
	DocumentInput
	data      []byte
	mediaType string
	sha256    string
}

// check tidies and validates the form and decodes its file.
func (in DocumentInput) check(now time.Time) (documentForm, fieldErrors) {
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	in.Kind = strings.ToLower(strings.TrimSpace(in.Kind))
	in.DocumentDate, in.EncounterID = strings.TrimSpace(in.DocumentDate), strings.TrimSpace(in.EncounterID)
	in.FileName = cleanFileName(in.FileName)
	form := documentForm{DocumentInput: in}
	fields := fieldErrors{}
	switch {
	case in.Title == "":
		fields.add("title", "Enter a title, e.g. \"Cardiology referral\".")
	case utf8.RuneCountInString(in.Title) > maxTitleLength:
		fields.add("title", fmt.Sprintf("The title can have at most %d characters.", maxTitleLength))
	}
	if !documentKinds[in.Kind] {
		fields.add("kind", "Choose what kind of document this is.")
	}
	if in.DocumentDate == "" {
		fields.add("documentDate", "Enter the date of the document.")
	} else if msg := fullDateProblem(in.DocumentDate, now); msg != "" {
		fields.add("documentDate", msg)
	}
	if utf8.RuneCountInString(in.FileName) > maxFileNameLength {
		fields.add("fileName", fmt.Sprintf("The file name can have at most %d characters.", maxFileNameLength))
	}
	if len(in.EncounterID) > maxIDLength {
		fields.add("encounterId", "No such visit of this patient.")
	}
	form.data, form.mediaType = decodeDocument(in.Data, fields)
	if len(form.data) > 0 {
		sum := sha256.Sum256(form.data)
		form.sha256 = hex.EncodeToString(sum[:])
	}
	return form, fields
}

// decodeDocument decodes and identifies the form's file, adding to fields
// what is wrong with it. The size is checked before decoding, so an
// oversized file costs no memory beyond the call itself.
func decodeDocument(encoded string, fields fieldErrors) ([]byte, string) {
	encoded = strings.TrimSpace(encoded)
	if encoded == "" {
		fields.add("data", "Choose the file to attach.")
		return nil, ""
	}
	if base64.StdEncoding.DecodedLen(len(encoded)) > MaxDocumentBytes+2 {
		fields.add("data", tooLargeMessage)
		return nil, ""
	}
	data, err := base64.StdEncoding.DecodeString(encoded)
	switch {
	case err != nil:
		fields.add("data", "The file did not arrive whole; choose it again.")
		return nil, ""
	case len(data) == 0:
		fields.add("data", "This file is empty.")
		return nil, ""
	case len(data) > MaxDocumentBytes:
		fields.add("data", tooLargeMessage)
		return nil, ""
	}
	mediaType, problem := filecheck.Check(data)
	if problem != "" {
		fields.add("data", problem)
		return nil, ""
	}
	return data, mediaType
}

// cleanFileName keeps the last part of a path (a browser may send
// C:\fakepath\...) without control characters.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// defaultFileName names a file sent without a name, by its type.
var defaultFileName = map[string]string{"application/pdf": "document.pdf", "image/png": "image.png",
	"image/jpeg": "image.jpg", "image/webp": "image.webp"}

// documentViews turns rows into views, naming who attached each.
func (o *op) documentViews(rows []db.Document) ([]Document, error) {
	names := map[string]string{}
	out := make([]Document, 0, len(rows))
	for _, d := range rows {
		name, ok := names[d.AddedBy]
		if !ok {
			u, err := o.UserByID(d.AddedBy)
			if err != nil {
				return nil, fmt.Errorf("read who attached document %s: %w", d.ID, err)
			}
			name, names[d.AddedBy] = u.FullName, u.FullName
		}
		out = append(out, Document{ID: d.ID, PatientID: d.PatientID, EncounterID: d.EncounterID, Title: d.Title,
			Kind: d.Kind, DocumentDate: d.DocumentDate, FileName: d.FileName, MediaType: d.MediaType,
			SizeBytes: d.SizeBytes, SHA256: d.SHA256, Status: d.Status, RetractReason: d.RetractReason,
			Version: d.Version, AddedAt: d.AddedAt.Format(time.RFC3339), AddedBy: name,
			UpdatedAt: d.UpdatedAt.Format(time.RFC3339)})
	}
	return out, nil
}

func (o *op) documentView(d db.Document) (Document, error) {
	views, err := o.documentViews([]db.Document{d})
	if err != nil {
		return Document{}, err
	}
	return views[0], nil
}

// AddDocument attaches a file to a patient's chart. Its type is read from
// its bytes (PDF, PNG, JPEG or WebP) and the file is checked whole as that
// type (see package filecheck), it may be at most 25 MiB, and its
// SHA-256 is kept to check it whenever it is read back. The same file
// attached twice to a chart is refused, naming the first. Anything wrong is
// a field error, and nothing is written.
func (s *Chart) AddDocument(patientID string, in DocumentInput) (Document, error) {
	var out Document
	err := s.app.act(s.session, permClinical, func(o *op) error {
		form, fields := in.check(o.now)
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		if err := o.checkDocumentEncounter(p.ID, form.EncounterID, fields); err != nil {
			return err
		}
		if err := o.checkNotAttached(p.ID, form.sha256, fields); err != nil {
			return err
		}
		if err := fields.err(); err != nil {
			return err
		}
		if form.FileName == "" {
			form.FileName = defaultFileName[form.mediaType]
		}
		row := db.Document{ID: newID(), PatientID: p.ID, EncounterID: form.EncounterID, Title: form.Title,
			Kind: form.Kind, DocumentDate: form.DocumentDate, FileName: form.FileName, MediaType: form.mediaType,
			SizeBytes: int64(len(form.data)), SHA256: form.sha256, Status: db.DocumentActive, Version: 1,
			AddedAt: o.now, AddedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.InsertDocument(row, form.data); err != nil {
			return err
		}
		if out, err = o.documentView(row); err != nil {
			return err
		}
		return o.audit("document.add", p.ID, "document/"+row.ID, fmt.Sprintf("%s; %s; dated %s; file %q, %s, %d bytes, sha256 %s",
			row.Title, row.Kind, row.DocumentDate, row.FileName, row.MediaType, row.SizeBytes, row.SHA256))
	})
	return out, err
}

// checkDocumentEncounter adds a field error unless encounterID is "" or a
// visit of the patient.
func (o *op) checkDocumentEncounter(patientID, encounterID string, fields fieldErrors) error {
	if encounterID == "" || fields["encounterId"] != "" {
		return nil
	}
	e, err := o.EncounterByID(encounterID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && e.PatientID != patientID) {
		fields.add("encounterId", "No such visit of this patient.")
		return nil
	}
	return err
}

// checkNotAttached adds a field error when the chart already holds the
// file (a second click, or the same letter scanned in twice).
func (o *op) checkNotAttached(patientID, sum string, fields fieldErrors) error {
	if sum == "" {
		return nil
	}
	rows, err := o.Documents(patientID)
	if err != nil {
		return err
	}
	for _, d := range rows {
		if d.SHA256 == sum && d.Status == db.DocumentActive {
			fields.add("data", fmt.Sprintf("This file is already in the chart as \"%s\" (dated %s).", d.Title, d.DocumentDate))
		}
	}
	return nil
}

// Documents lists a patient's documents without their files: those in
// force, newest document date first, then those entered in error. A merged
// chart lists the surviving chart's.
func (s *Chart) Documents(patientID string) ([]Document, error) {
	out := []Document{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Documents(p.ID)
		if err != nil {
			return err
		}
		if out, err = o.documentViews(rows); err != nil {
			return err
		}
		return o.audit("document.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// DocumentContent reads a document's file to show it, a retracted one too.
// The file is checked against the SHA-256 taken when it was attached: a
// file that no longer matches is never shown, the failure is audited, and
// the caller gets an error that says so. A file that matches but does not
// pass today's checks as its type is given to save only (see servedAs).
func (s *Chart) DocumentContent(id string) (DocumentFile, error) {
	var out DocumentFile
	damaged := false
	err := s.app.look(s.session, permClinical, func(o *op) error {
		d, err := o.DocumentByID(id)
		if err != nil {
			return err
		}
		data, err := o.DocumentContent(id)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != d.SHA256 || int64(len(data)) != d.SizeBytes {
			damaged = true
			s.app.log.Error("document file does not match its checksum", "document", id,
				"want", d.SHA256, "got", got, "size", len(data), "recorded size", d.SizeBytes)
			return o.audit("document.damaged", d.PatientID, "document/"+id,
				fmt.Sprintf("sha256 %s expected, %s found; %d bytes recorded, %d found", d.SHA256, got, d.SizeBytes, len(data)))
		}
		mediaType, saveAs, notice := servedAs(d, data)
		out = DocumentFile{ID: d.ID, FileName: d.FileName, MediaType: mediaType, SizeBytes: d.SizeBytes,
			SHA256: d.SHA256, Data: base64.StdEncoding.EncodeToString(data), SaveAs: saveAs, Notice: notice}
		detail := fmt.Sprintf("%s; sha256 verified", d.Title)
		if notice != "" {
			detail += "; given to save only, not shown: it fails the check of files as " + d.MediaType
		}
		return o.audit("document.view", d.PatientID, "document/"+id, detail)
	})
	if err == nil && damaged {
		return DocumentFile{}, errorf(Internal, "This document's file is damaged: it no longer matches the checksum "+
			"taken when it was attached, so it is not shown. Restore it from a backup, or tell your admin.")
	}
	return answer(out, err)
}

// RetractDocument marks a document entered in error (attached to the wrong
// chart, or the wrong file), with the reason. The document and its file
// stay, readable and marked; the previous version is kept.
func (s *Chart) RetractDocument(id, reason string, version int) (Document, error) {
	var out Document
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this document was attached in error.").err(); err != nil {
			return err
		}
		old, err := o.DocumentByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this document", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateDocument(next, reason)
		if err != nil {
			return err
		}
		if out, err = o.documentView(saved); err != nil {
			return err
		}
		return o.audit("document.retract", saved.PatientID, "document/"+id,
			fmt.Sprintf("version %d; %s; reason: %s", saved.Version, saved.Title, reason))
	})
	return out, err
}
