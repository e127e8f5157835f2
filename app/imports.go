package app

// Importing a patient's record from another system: a Folio archive (a
// referral from another Folio, signed, perhaps encrypted) or a FHIR bundle
// as JSON (an IPS document, a Synthea or EHR export). The file is checked
// and read, and every resource in it is staged as an import item, the
// original kept whatever becomes of it; the clinician matches the patient
// to a chart here (or registers them), decides each item, and finishing
// writes the accepted ones in one transaction, each linked to its source.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/archive"
	"folio/app/fhir"
	"folio/app/filecheck"
	"folio/db"
)

// ImportVerification is what checking the file found, for the review
// screen to show before anything else: a Folio archive is intact and
// signed (one that is not is refused, never staged); a FHIR file from
// another system is not signed, so nothing vouches for it.
type ImportVerification struct {
	Signature         string `json:"signature"` // valid or unsigned
	Intact            bool   `json:"intact"`    // every file as its signed manifest lists it
	Encrypted         bool   `json:"encrypted"`
	SignerClinic      string `json:"signerClinic"`
	SignerFingerprint string `json:"signerFingerprint"`
	Summary           string `json:"summary"` // the above in one sentence
}

// ImportSourceInfo is who sent the file and when, as the file says.
type ImportSourceInfo struct {
	Organization string `json:"organization"`
	Date         string `json:"date"`
	Author       string `json:"author"`
	Title        string `json:"title"`
	BundleType   string `json:"bundleType"`
}

// IncomingPatient is the person the file is about, as it describes them.
type IncomingPatient struct {
	FamilyName  string                  `json:"familyName"`
	GivenNames  string                  `json:"givenNames"`
	BirthDate   string                  `json:"birthDate"`
	Sex         string                  `json:"sex"`
	Phone       string                  `json:"phone"`
	Email       string                  `json:"email"`
	Address     string                  `json:"address"`
	Deceased    string                  `json:"deceased"`
	Text        string                  `json:"text"`
	Identifiers []fhir.ImportIdentifier `json:"identifiers"`

	// PostalAddress is Address as structured in the file (nil when it
	// gives none), kept with a patient registered from it.
	PostalAddress *fhir.ImportAddress `json:"postalAddress"`
}

// ImportFound counts what the file held: In resources (and, in an
// archive, files besides the bundle), of which Mapped could become chart
// records, Unmapped are kept only as originals and Skipped the sender
// retracted or repeated.
type ImportFound struct {
	In       int `json:"in"`
	Mapped   int `json:"mapped"`
	Unmapped int `json:"unmapped"`
	Skipped  int `json:"skipped"`
}

// ImportTally is what became of an import's items; once it is finished,
// Pending is 0 and In = Written + AlreadyPresent + Skipped + KeptOriginal.
type ImportTally struct {
	Written        int `json:"written"`
	AlreadyPresent int `json:"alreadyPresent"`
	Skipped        int `json:"skipped"`
	KeptOriginal   int `json:"keptOriginal"`
	Pending        int `json:"pending"`
}

// ImportItem is one resource of an imported file on the review screen.
// Suggested is Folio's advice (accept, already_present, kept_original: it
// cannot be charted here, skipped: the sender retracted or repeated it);
// Chosen is the clinician's choice so far ("" follows the suggestion);
// Decision is final once the import is finished, and an accepted item
// names the record it became.
type ImportItem struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	Display      string `json:"display"`
	Detail       string `json:"detail"`
	Suggested    string `json:"suggested"`
	Chosen       string `json:"chosen"`
	Decision     string `json:"decision"`
	RecordEntity string `json:"recordEntity"`
	RecordID     string `json:"recordId"`
	Note         string `json:"note"`
	// Alerts are the interaction and allergy alerts a pending medication
	// or allergy would raise if accepted (see importAlerts); finishing
	// with it accepted needs a reason for each.
	Alerts []Alert `json:"alerts"`
	// Check says whether a medication or allergy item is read by the
	// interaction check (see DrugCheck); nil for other kinds.
	Check *DrugCheck `json:"check"`
}

// ImportSection is the items of one kind, in the file's order.
type ImportSection struct {
	Kind  string       `json:"kind"`
	Title string       `json:"title"`
	Items []ImportItem `json:"items"`
}

// ImportReview is an import as the clinician reviews it.
type ImportReview struct {
	ID           string             `json:"id"`
	FileName     string             `json:"fileName"`
	Kind         string             `json:"kind"`   // folio_archive or fhir_json
	Status       string             `json:"status"` // reviewing, done or abandoned
	ImportedAt   string             `json:"importedAt"`
	Verification ImportVerification `json:"verification"`
	Source       ImportSourceInfo   `json:"source"`
	Incoming     *IncomingPatient   `json:"incoming"` // nil when the file names no patient
	// Patient is the chart the import is matched to, nil until chosen;
	// Candidates are this clinic's charts that may be the incoming patient,
	// most likely first (while the import is reviewed).
	Patient    *PatientHit      `json:"patient"`
	Candidates []DuplicateMatch `json:"candidates"`
	Sections   []ImportSection  `json:"sections"` // the items that may become chart records
	Unmapped   []ImportItem     `json:"unmapped"` // kept only as originals, or skipped by the sender
	Warnings   []string         `json:"warnings"`
	Found      ImportFound      `json:"found"`
	Tally      ImportTally      `json:"tally"`
	// MatchNote is what the import keeps of the match: why the clinician
	// matched a chart whose patient's details differ from the file's
	// (while it is reviewed and after), "Registered as MRN …" or, once
	// finished, "Matched to MRN …"; "" when there is nothing to say yet.
	MatchNote string `json:"matchNote"`
}

// ItemDecision is the clinician's choice for one item: accept, skip,
// already_present, or "" to follow Folio's suggestion. Overrides are the
// reasons for continuing past the item's alerts (ImportItem.Alerts); only
// FinishImport reads them, as AddMedication does, at the moment of writing.
type ItemDecision struct {
	ItemID    string     `json:"itemId"`
	Decision  string     `json:"decision"`
	Overrides []Override `json:"overrides"`
}

// importReceived is what imports.received holds.
type importReceived struct {
	Patient   *IncomingPatient `json:"patient"`
	Patients  int              `json:"patients"`
	Source    ImportSourceInfo `json:"source"`
	Warnings  []string         `json:"warnings"`
	Encrypted bool             `json:"encrypted"`
}

// importSectionTitles orders the review's sections.
var importSectionTitles = []struct{ kind, title string }{
	{itemPatient, "Patient"}, {itemProblem, "Problems"}, {itemAllergy, "Allergies"},
	{itemMedication, "Medications"}, {itemImmunization, "Immunizations"}, {itemResult, "Lab results"},
	{itemVitals, "Vital signs"}, {itemProcedure, "Procedures"}, {itemReport, "Reports"}, {itemDocument, "Documents"},
}

// MaxImportFileBytes is the largest file the import screen sends: the
// largest FHIR bundle the importer reads (an archive holding one is
// smaller). The command line reads files up to an archive's limit.
const MaxImportFileBytes = fhir.MaxImportBytes

// maxImportBase64 bounds the encoded file: an archive's limit, in base64.
const maxImportBase64 = (archive.MaxArchiveSize + 2) / 3 * 4

// readFile is a file as checked and read, before anything is written.
type readFile struct {
	data         []byte
	kind         string
	verification ImportVerification
	parsed       *fhir.Import
	others       []archive.File // an archive's files besides its bundle
	created      time.Time      // an archive's manifest time
}

// StartImport checks and reads a file the clinician chose (dataBase64 is
// its bytes in standard base64) and stages it for review: a Folio archive
// (a zip, or one encrypted with a passphrase) must be intact and signed,
// or it is refused; any other file is read as FHIR JSON. A file that is
// damaged, wrongly signed, opened with the wrong passphrase, or is not a
// FHIR bundle is refused with the reason and nothing is written. The file
// must be about one patient (or name none).
func (s *Chart) StartImport(fileName, dataBase64, passphrase string) (ImportReview, error) {
	var out ImportReview
	var f readFile
	name := clipRunes(cleanFileName(fileName), maxTitleLength)
	prepare := func() (err error) {
		f, err = readImportFile(dataBase64, passphrase)
		return err
	}
	err := s.app.prepareAndAct(s.session, permClinical, prepare, func(o *op) error {
		id, err := o.stageImport(name, f)
		if err != nil {
			return err
		}
		out, err = o.importReview(id)
		return err
	})
	return out, err
}

// readImportFile decodes, verifies and parses a file; it touches nothing.
func readImportFile(dataBase64, passphrase string) (readFile, error) {
	var f readFile
	if len(dataBase64) > maxImportBase64 {
		return f, fieldErrors{"file": fmt.Sprintf("This file is larger than Folio imports (%d MiB).", archive.MaxArchiveSize>>20)}.err()
	}
	data, err := base64.StdEncoding.DecodeString(dataBase64)
	if err != nil || len(data) == 0 {
		return f, fieldErrors{"file": "Choose the file to import."}.err()
	}
	f.data = data
	if isArchive(data) {
		return f, f.readArchive(passphrase)
	}
	f.kind = db.ImportFHIRJSON
	f.verification = ImportVerification{Signature: db.SignatureUnsigned,
		Summary: "Not signed: this file comes from another system, so nothing shows who made it or that it is unchanged. Check it came from the sender you expect."}
	if f.parsed, err = fhir.Parse(data, careLOINCs...); err != nil {
		return f, parseRefusal(err)
	}
	return f, nil
}

func isArchive(data []byte) bool {
	return bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) || bytes.HasPrefix(data, []byte("PK\x03\x04"))
}

// readArchive opens a Folio archive and reads its bundle. The bundle is
// its bundle.json, else its one FHIR JSON file.
func (f *readFile) readArchive(passphrase string) error {
	opened, err := archive.Open(f.data, passphrase)
	if err != nil {
		return archiveRefusal(err)
	}
	v := opened.Verification
	f.kind, f.created = db.ImportFolioArchive, opened.Manifest.Created
	f.verification = ImportVerification{Signature: db.SignatureValid, Intact: v.Intact, Encrypted: v.Encrypted,
		SignerClinic: v.Sender.Clinic, SignerFingerprint: v.Sender.Fingerprint,
		Summary: fmt.Sprintf("Intact and signed by %q (key fingerprint %s). Compare the fingerprint with the one the sender gave you.",
			v.Sender.Clinic, v.Sender.Fingerprint)}
	bundle := -1
	for i, file := range opened.Files {
		if file.Path == "bundle.json" {
			bundle = i
			break
		}
		if bundle < 0 && (strings.HasSuffix(file.Path, ".json") || strings.Contains(file.MediaType, "json")) {
			bundle = i
		}
	}
	if bundle < 0 {
		return errorf(Invalid, "This archive holds no FHIR bundle, so there is nothing to import.")
	}
	if f.parsed, err = fhir.Parse(opened.Files[bundle].Data, careLOINCs...); err != nil {
		return parseRefusal(err)
	}
	f.others = slices.Delete(slices.Clone(opened.Files), bundle, bundle+1)
	return nil
}

// archiveRefusal says why an archive was refused; a passphrase problem is
// the passphrase field's.
func archiveRefusal(err error) error {
	var e *archive.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("open archive: %w", err)
	}
	switch e.Kind {
	case archive.NeedsPassphrase, archive.WrongPassphrase:
		return &Error{Kind: Invalid, Message: e.Message, Fields: map[string]string{"passphrase": e.Message}}
	}
	return &Error{Kind: Invalid, Message: e.Message, Fields: map[string]string{"file": e.Message}}
}

func parseRefusal(err error) error {
	var e *fhir.ParseError
	if !errors.As(err, &e) {
		return fmt.Errorf("read bundle: %w", err)
	}
	return &Error{Kind: Invalid, Message: e.Error(), Fields: map[string]string{"file": e.Error()}}
}

// stageImport writes the import and one item per resource (and per other
// file of an archive), with Folio's suggestion for each.
func (o *op) stageImport(fileName string, f readFile) (string, error) {
	imp := f.parsed
	if len(imp.Patients) > 1 {
		return "", fieldErrors{"file": fmt.Sprintf("This file holds %d patients; Folio imports one patient's record at a time.", len(imp.Patients))}.err()
	}
	sum := sha256.Sum256(f.data)
	received := importReceived{Patients: len(imp.Patients), Warnings: imp.Warnings, Encrypted: f.verification.Encrypted,
		Source: ImportSourceInfo{Organization: imp.Source.Organization, Date: imp.Source.Date, Author: imp.Source.Author,
			Title: imp.Source.Title, BundleType: imp.Source.BundleType}}
	if received.Source.Date == "" {
		received.Source.Date = imp.Source.Timestamp
	}
	if f.kind == db.ImportFolioArchive {
		if received.Source.Organization == fhir.UnknownSource {
			received.Source.Organization = f.verification.SignerClinic
		}
		if received.Source.Date == "" {
			received.Source.Date = f.created.UTC().Format(time.RFC3339)
		}
	}
	var probe db.Patient // the incoming patient, to check items against before a chart is chosen
	if len(imp.Patients) == 1 {
		received.Patient = incomingPatient(imp.Patients[0])
		probe = db.Patient{Sex: received.Patient.Sex, BirthDate: received.Patient.BirthDate}
	}
	items, err := stagedItems(imp, f.others, o)
	if err != nil {
		return "", err
	}
	c := imp.Counts()
	found := ImportFound{In: c.In + len(f.others), Mapped: c.MappedTotal - len(imp.Patients),
		Unmapped: c.UnmappedTotal, Skipped: c.SkippedTotal}
	for _, it := range items {
		switch {
		case it.Kind == itemDocument:
			found.Mapped++
		case it.Kind == itemUnmapped && it.ResourceType == "":
			found.Unmapped++
		case it.Kind == itemUnmapped && it.Mapped != "": // a procedure or report no care rule reads
			found.Mapped--
			found.Unmapped++
		}
	}
	row := db.Import{ID: newID(), FileName: fileName, FileSHA256: hex.EncodeToString(sum[:]), Kind: f.kind,
		Signature: f.verification.Signature, SignerFingerprint: f.verification.SignerFingerprint,
		SignerClinic: f.verification.SignerClinic, Intact: f.verification.Intact,
		SourceOrg: received.Source.Organization, SourceDate: received.Source.Date,
		Received: mustJSON(received), Counts: mustJSON(found), Status: db.ImportReviewing,
		ImportedAt: o.now, ImportedBy: o.actor.userID}
	if row.FileName == "" {
		row.FileName = "import"
	}
	if err := o.InsertImport(row); err != nil {
		return "", err
	}
	src := importSource{org: row.SourceOrg, date: row.SourceDate}
	if err := o.suggest(items, probe, map[string]string{}, src); err != nil {
		return "", err
	}
	for i := range items {
		items[i].ID, items[i].ImportID, items[i].Seq = newID(), row.ID, i
		if err := o.InsertImportItem(items[i]); err != nil {
			return "", err
		}
	}
	return row.ID, o.audit("import.start", "", "import/"+row.ID,
		fmt.Sprintf("%s (%s, sha256 %s); %s; from %s; %d in: %d mapped, %d unmapped, %d skipped",
			row.FileName, row.Kind, row.FileSHA256[:12], row.Signature, row.SourceOrg, found.In, found.Mapped,
			found.Unmapped, found.Skipped))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err)) // plain structs always marshal
	}
	return string(b)
}

func incomingPatient(p fhir.ImportPatient) *IncomingPatient {
	in := &IncomingPatient{FamilyName: p.FamilyName, GivenNames: p.GivenNames, BirthDate: p.BirthDate, Sex: p.Sex,
		Address: p.Address, Deceased: p.Deceased, Text: p.Text, Identifiers: p.Identifiers,
		PostalAddress: p.PostalAddress}
	if len(p.Phones) > 0 {
		in.Phone = p.Phones[0]
	}
	if len(p.Emails) > 0 {
		in.Email = p.Emails[0]
	}
	if in.Identifiers == nil {
		in.Identifiers = []fhir.ImportIdentifier{}
	}
	return in
}

// stagedItems is one item per resource of the bundle and per other file
// of an archive, in the review's order: the patient, then each kind of
// chart item, documents, then what is kept only as the original and what
// the sender retracted or repeated. Suggestions are filled in by suggest.
func stagedItems(imp *fhir.Import, others []archive.File, o *op) ([]db.ImportItem, error) {
	var items []db.ImportItem
	patientKey := ""
	if len(imp.Patients) == 1 {
		patientKey = imp.Patients[0].Key
	}
	add := func(kind, text, subject string, origin fhir.ImportOrigin, mapped any) error {
		it := db.ImportItem{Kind: kind, ResourceType: origin.ResourceType, ResourceID: origin.ID,
			Display: clipRunes(orDefault(text, origin.ResourceType+" "+origin.ID), 500), Raw: string(origin.Raw),
			Suggested: db.ItemAccept, Decision: db.ItemPending}
		if mapped != nil {
			b, err := json.Marshal(mapped)
			if err != nil {
				return fmt.Errorf("stage %s: %w", kind, err)
			}
			it.Mapped = string(b)
		}
		if patientKey != "" && kind != itemPatient && subject != patientKey {
			it.Suggested, it.Decision = db.ItemKeptOriginal, db.ItemKeptOriginal
			it.Detail = "It is about a patient who is not the one in this file; kept as the original."
			it.DecidedAt, it.DecidedBy = o.now, o.actor.userID
		}
		items = append(items, it)
		return nil
	}
	stripped := func(origin fhir.ImportOrigin) fhir.ImportOrigin { origin.Raw = nil; return origin }
	unread := func(why string) {
		if it := &items[len(items)-1]; why != "" && it.Decision == db.ItemPending {
			it.Kind, it.Suggested, it.Decision, it.Detail = itemUnmapped, db.ItemKeptOriginal, db.ItemKeptOriginal, why
			it.DecidedAt, it.DecidedBy = o.now, o.actor.userID
		}
	}
	var err error
	for _, x := range imp.Patients {
		err = errors.Join(err, add(itemPatient, x.Text, x.Key, x.Origin, nil))
	}
	for _, x := range imp.Problems {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemProblem, x.Text, x.Subject, raw, x))
	}
	for _, x := range imp.Allergies {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemAllergy, x.Text, x.Subject, raw, x))
	}
	for _, x := range imp.Medications {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemMedication, x.Text, x.Subject, raw, x))
	}
	for _, x := range imp.Immunizations {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemImmunization, x.Text, x.Subject, raw, x))
	}
	for _, x := range imp.Results {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemResult, x.Text, x.Subject, raw, x))
	}
	for _, x := range imp.Vitals {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemVitals, x.Text, x.Subject, raw, x))
	}
	// Procedures and reports no care rule reads are kept only as originals,
	// saying why (their mapped form stays, so they are counted as moved).
	for _, x := range imp.Procedures {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemProcedure, x.Text, x.Subject, raw, x))
		unread(procedureUnread(x))
	}
	for _, x := range imp.Reports {
		raw := x.Origin
		x.Origin = stripped(x.Origin)
		err = errors.Join(err, add(itemReport, x.Text, x.Subject, raw, x))
		unread(reportUnread(x))
	}
	if err != nil {
		return nil, err
	}
	for _, file := range others {
		sum := sha256.Sum256(file.Data)
		d := documentFile{Path: file.Path, MediaType: file.MediaType, Size: len(file.Data), SHA256: hex.EncodeToString(sum[:]), Data: file.Data}
		raw := mustJSON(d)
		it := db.ImportItem{Kind: itemDocument, Display: clipRunes(file.Path, 500), Raw: raw,
			Mapped: raw, Suggested: db.ItemAccept, Decision: db.ItemPending}
		if _, problem := filecheck.Check(file.Data); problem != "" {
			it.Kind, it.Mapped, it.Suggested, it.Decision = itemUnmapped, "", db.ItemKeptOriginal, db.ItemKeptOriginal
			it.Detail = fmt.Sprintf("A file of the archive (%s) that is not a document Folio attaches; kept as the original.", file.MediaType)
			it.DecidedAt, it.DecidedBy = o.now, o.actor.userID
		}
		items = append(items, it)
	}
	for _, x := range imp.Unmapped {
		it := db.ImportItem{Kind: itemUnmapped, ResourceType: x.Origin.ResourceType, ResourceID: x.Origin.ID,
			Display: clipRunes(orDefault(x.Text, x.Origin.ResourceType+" "+x.Origin.ID), 500), Detail: x.Reason,
			Raw: string(x.Origin.Raw), Suggested: db.ItemKeptOriginal, Decision: db.ItemKeptOriginal,
			DecidedAt: o.now, DecidedBy: o.actor.userID}
		items = append(items, it)
	}
	for _, x := range imp.Skipped {
		it := db.ImportItem{Kind: itemUnmapped, ResourceType: x.Origin.ResourceType, ResourceID: x.Origin.ID,
			Display: clipRunes(orDefault(x.Text, x.Origin.ResourceType+" "+x.Origin.ID), 500), Detail: x.Explanation,
			Raw: string(x.Origin.Raw), Suggested: db.ItemSkipped, Decision: db.ItemSkipped,
			DecidedAt: o.now, DecidedBy: o.actor.userID}
		items = append(items, it)
	}
	return items, nil
}

func orDefault(s, alt string) string {
	if strings.TrimSpace(s) == "" {
		return alt
	}
	return s
}

// suggest fills in Folio's suggestion for each pending item, checked
// against patient p (the incoming patient before a chart is chosen) and
// chart (what p's chart holds, see chartKeys): already present when the
// chart has it, kept as the original when it cannot be charted here, else
// accept. Of several problems, allergies or medications of the file that
// are the same thing, one is suggested (the last active one, else the
// last), the others are "already present" with it.
func (o *op) suggest(items []db.ImportItem, p db.Patient, chart map[string]string, src importSource) error {
	groups := map[string][]int{}
	active := map[int]bool{}
	for i := range items {
		it := &items[i]
		if it.Decision != db.ItemPending || it.Kind == itemPatient {
			continue
		}
		rec, err := o.record(p, *it, src)
		if err != nil {
			return err
		}
		switch shown, present := presentAs(rec, chart); {
		case rec.problem != "":
			it.Suggested, it.Detail = db.ItemKeptOriginal, "Cannot be charted as it is: "+rec.problem+" It is kept as the original."
		case present:
			it.Suggested, it.Detail = db.ItemAlreadyPresent, "On the chart already: "+shown
		default:
			it.Suggested, it.Detail = db.ItemAccept, rec.remark()
			if len(rec.keys) > 0 && (rec.entity == "problem" || rec.entity == "allergy" || rec.entity == "medication" || rec.entity == "care_record") {
				groups[rec.keys[0]] = append(groups[rec.keys[0]], i)
				active[i] = rec.active()
			}
		}
	}
	for _, members := range groups {
		if len(members) < 2 {
			continue
		}
		chosen := members[len(members)-1]
		for _, i := range members {
			if active[i] {
				chosen = i
			}
		}
		for _, i := range members {
			if i != chosen {
				items[i].Suggested = db.ItemAlreadyPresent
				items[i].Detail = "The same as another item of this file, suggested instead: " + items[chosen].Display
			}
		}
	}
	return nil
}

// remark is what the review says about a record that can be charted.
func (rec chartRecord) remark() string {
	switch r := rec.row.(type) {
	case db.Problem:
		if r.ICD10 == "" {
			return "No ICD-10-CM code on Folio's list: it will be charted with the source's codes, without an ICD-10-CM code."
		}
	case db.CareRecord:
		return careRemark(r)
	}
	return ""
}

func (rec chartRecord) active() bool {
	switch r := rec.row.(type) {
	case db.Problem:
		return r.Status == db.ProblemActive
	case db.Allergy:
		return r.Status == db.AllergyActive
	case db.Medication:
		return r.Status == db.MedActive
	}
	return false
}

// ImportReview reads an import as it stands, for its review screen.
func (s *Chart) ImportReview(importID string) (ImportReview, error) {
	var out ImportReview
	err := s.app.look(s.session, permClinical, func(o *op) error {
		var err error
		if out, err = o.importReview(importID); err != nil {
			return err
		}
		patientID := ""
		if out.Patient != nil {
			patientID = out.Patient.ID
		}
		return o.audit("import.review", patientID, "import/"+importID, "")
	})
	return answer(out, err)
}

// importReview builds the review screen of an import.
func (o *op) importReview(id string) (ImportReview, error) {
	im, err := o.ImportByID(id)
	if err != nil {
		return ImportReview{}, err
	}
	var received importReceived
	var found ImportFound
	if err := json.Unmarshal([]byte(im.Received), &received); err != nil {
		return ImportReview{}, fmt.Errorf("read import %s: %w", id, err)
	}
	if err := json.Unmarshal([]byte(im.Counts), &found); err != nil {
		return ImportReview{}, fmt.Errorf("read import %s: %w", id, err)
	}
	out := ImportReview{ID: im.ID, FileName: im.FileName, Kind: im.Kind, Status: im.Status,
		ImportedAt: im.ImportedAt.Format(time.RFC3339), Verification: verificationOf(im, received.Encrypted),
		Source: received.Source, Incoming: received.Patient, Candidates: []DuplicateMatch{},
		Sections: []ImportSection{}, Unmapped: []ImportItem{}, Warnings: received.Warnings, Found: found}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if im.PatientID != "" {
		p, _, err := o.livePatient(im.PatientID)
		if err != nil {
			return ImportReview{}, err
		}
		hit := hitView(p, false)
		out.Patient = &hit
	}
	if im.Status == db.ImportReviewing && received.Patient != nil {
		if out.Candidates, err = o.importCandidates(*received.Patient, im.FileSHA256); err != nil {
			return ImportReview{}, err
		}
	}
	items, err := o.ImportItems(im.ID)
	if err != nil {
		return ImportReview{}, err
	}
	out.MatchNote = matchNote(items)
	alerts, checks := map[string][]importAlert{}, map[string]DrugCheck{}
	if im.Status == db.ImportReviewing {
		patientID := ""
		if out.Patient != nil {
			patientID = out.Patient.ID
		}
		if alerts, err = o.importAlerts(patientID, items, importSource{org: im.SourceOrg, date: im.SourceDate}, checks); err != nil {
			return ImportReview{}, err
		}
	}
	byKind := map[string][]ImportItem{}
	for _, it := range items {
		view := importItemView(it)
		if a := alerts[it.ID]; len(a) > 0 {
			view.Alerts = plainAlerts(a)
		}
		if c, ok := checks[it.ID]; ok {
			view.Check = &c
		}
		out.Tally.count(it)
		if it.Kind == itemUnmapped {
			out.Unmapped = append(out.Unmapped, view)
			continue
		}
		byKind[it.Kind] = append(byKind[it.Kind], view)
	}
	for _, st := range importSectionTitles {
		if len(byKind[st.kind]) > 0 {
			out.Sections = append(out.Sections, ImportSection{Kind: st.kind, Title: st.title, Items: byKind[st.kind]})
		}
	}
	return out, nil
}

func (t *ImportTally) count(it db.ImportItem) {
	switch it.Decision {
	case db.ItemAccepted:
		t.Written++
	case db.ItemAlreadyPresent:
		t.AlreadyPresent++
	case db.ItemSkipped:
		t.Skipped++
	case db.ItemKeptOriginal:
		t.KeptOriginal++
	default:
		t.Pending++
	}
}

func importItemView(it db.ImportItem) ImportItem {
	return ImportItem{ID: it.ID, Kind: it.Kind, ResourceType: it.ResourceType, ResourceID: it.ResourceID,
		Display: it.Display, Detail: it.Detail, Suggested: it.Suggested, Chosen: it.Chosen, Decision: it.Decision,
		RecordEntity: it.RecordEntity, RecordID: it.RecordID, Note: it.Note, Alerts: []Alert{}}
}

func verificationOf(im db.Import, encrypted bool) ImportVerification {
	v := ImportVerification{Signature: im.Signature, Intact: im.Intact, Encrypted: encrypted,
		SignerClinic: im.SignerClinic, SignerFingerprint: im.SignerFingerprint}
	if im.Signature == db.SignatureValid {
		v.Summary = fmt.Sprintf("Intact and signed by %q (key fingerprint %s). Compare the fingerprint with the one the sender gave you.",
			im.SignerClinic, im.SignerFingerprint)
	} else {
		v.Summary = "Not signed: this file comes from another system, so nothing shows who made it or that it is unchanged. Check it came from the sender you expect."
	}
	return v
}

// importCandidates are this clinic's charts that may be the incoming
// patient: a chart an earlier import of the same file (fileSHA256) went
// into, or that an earlier import matched to the same identifier of the
// sender (its MRN, say), first, then the front desk's likely duplicates
// (name and birth date, phone).
func (o *op) importCandidates(in IncomingPatient, fileSHA256 string) ([]DuplicateMatch, error) {
	out := []DuplicateMatch{}
	seen := map[string]bool{}
	ownSystem, err := o.ownMRNSystem()
	if err != nil {
		return nil, err
	}
	sameFile, err := o.PatientsImportedFromFile(fileSHA256)
	if err != nil {
		return nil, err
	}
	for _, id := range sameFile {
		if p, _, err := o.livePatient(id); err == nil && !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, DuplicateMatch{Patient: hitView(p, false), Score: 100,
				Reasons: []string{"The same file was imported into this chart before"}, MatchedOn: []string{"file"}})
		}
	}
	for _, id := range in.Identifiers {
		if id.System == "" || id.Value == "" {
			continue
		}
		if id.System == ownSystem {
			// A record this clinic sent out, coming back: its MRN is ours.
			if p, err := o.PatientByMRN(id.Value); err == nil {
				if p, _, err = o.livePatient(p.ID); err == nil && !seen[p.ID] {
					seen[p.ID] = true
					out = append(out, DuplicateMatch{Patient: hitView(p, false), Score: 100,
						Reasons: []string{"This clinic's own MRN " + id.Value + ": the record was sent from here"}, MatchedOn: []string{"mrn"}})
				}
			}
			continue
		}
		ids, err := o.PatientsImportedAs(id.System, id.Value)
		if err != nil {
			return nil, err
		}
		for _, pid := range ids {
			p, _, err := o.livePatient(pid)
			if err != nil || seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			what := orDefault(id.Type, "identifier")
			out = append(out, DuplicateMatch{Patient: hitView(p, false), Score: 100,
				Reasons:   []string{fmt.Sprintf("Imported before with the same %s (%s)", what, id.Value)},
				MatchedOn: []string{"identifier"}})
		}
	}
	form := in.form()
	found, err := o.likelyDuplicates(duplicateQuery(form))
	if err != nil {
		return nil, err
	}
	for _, m := range found {
		if !seen[m.Patient.ID] {
			seen[m.Patient.ID] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// ownMRNSystem is the identifier system this clinic's exports give its
// MRNs (fhir.MRNSystem of its signing key's fingerprint); "" before the
// clinic has a key, when nothing can have been exported.
func (o *op) ownMRNSystem() (string, error) {
	k, ok, err := o.ClinicKey()
	if err != nil || !ok {
		return "", err
	}
	pub, isEd := k.Private.Public().(ed25519.PublicKey)
	if !isEd {
		return "", nil
	}
	return fhir.MRNSystem(archive.Fingerprint(pub)), nil
}

// form is the registration form the incoming patient fills: the fields the
// file has and the form accepts; a phone or email the form would refuse is
// left out (it stays in the kept original).
func (in IncomingPatient) form() PatientInput {
	f := PatientInput{FamilyName: in.FamilyName, GivenNames: in.GivenNames, BirthDate: in.BirthDate, Sex: in.Sex,
		Phone: in.Phone, Email: in.Email, AddressLine: clipRunes(in.Address, 200)}
	f.tidy()
	fields := fieldErrors{}
	checkPhone(fields, "phone", f.Phone)
	if fields["phone"] != "" {
		f.Phone = ""
	}
	if emailProblem(f.Email) != "" {
		f.Email = ""
	}
	if f.Sex == "" {
		f.Sex = "unknown"
	}
	return f
}

// reviewing reads an import that is still under review.
func (o *op) reviewing(importID string) (db.Import, error) {
	im, err := o.ImportByID(importID)
	if err != nil {
		return db.Import{}, err
	}
	if im.Status != db.ImportReviewing {
		return db.Import{}, errorf(Conflict, "This import was %s already; it is not changed.", map[string]string{
			db.ImportDone: "finished", db.ImportAbandoned: "abandoned"}[im.Status])
	}
	return im, nil
}

// MatchImport chooses the chart the import is about, after the clinician
// compared it with the incoming patient; the suggestions then say what the
// chart has already. A chart whose patient is not the file's (see
// import_identity.go) is refused (kind conflict) with both people named,
// also in Fields["mismatch"]: MatchImportDespiteMismatch goes ahead.
func (s *Chart) MatchImport(importID, patientID string) (ImportReview, error) {
	return s.matchImport(importID, patientID, nil)
}

// MatchImportDespiteMismatch matches the import to a chart whose patient's
// details differ from the file's, when the clinician confirms it is the
// same person all the same and says why (a name changed by marriage, a
// birth date the sender had wrong). The reason is kept with the import,
// shown in its history and audited. A chart that does match is matched
// as MatchImport does.
func (s *Chart) MatchImportDespiteMismatch(importID, patientID, reason string) (ImportReview, error) {
	return s.matchImport(importID, patientID, &reason)
}

// matchImport is MatchImport, and with a reason (nil: none asked for)
// MatchImportDespiteMismatch.
func (s *Chart) matchImport(importID, patientID string, reason *string) (ImportReview, error) {
	var out ImportReview
	err := s.app.act(s.session, permClinical, func(o *op) error {
		why := ""
		if reason != nil {
			why = strings.TrimSpace(*reason)
			if err := reasonFields(why, "Say why this file is about this chart's patient although the details differ.").err(); err != nil {
				return err
			}
		}
		im, err := o.reviewing(importID)
		if err != nil {
			return err
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		check, err := o.matchChecked(im, p, why,
			"Check you chose the right chart. If it is the same person all the same, say why and import into this chart anyway.")
		if err != nil {
			return err
		}
		if out, err = o.importReview(im.ID); err != nil {
			return err
		}
		return o.audit("import.match", p.ID, "import/"+im.ID, matchAudit(im, p, check, why))
	})
	return out, err
}

// matchAudit says in the audit how an import was matched.
func matchAudit(im db.Import, p db.Patient, check identityCheck, reason string) string {
	detail := fmt.Sprintf("%s matched to MRN %s", im.FileName, p.MRN)
	switch {
	case !check.agrees():
		detail += fmt.Sprintf(" despite a mismatch: %s Reason: %s", check.sentence(), reason)
	case check.how != "":
		detail += " (" + check.how + ")"
	}
	return detail
}

// matchChecked matches the import to chart p when the file is about p's
// patient (see import_identity.go), or when reason says why it is all the
// same; otherwise it refuses, naming both people and ending with then.
// A match despite a mismatch is noted on the file's patient item.
func (o *op) matchChecked(im db.Import, p db.Patient, reason, then string) (identityCheck, error) {
	in, err := incomingOf(im)
	if err != nil {
		return identityCheck{}, err
	}
	check, err := o.checkIdentity(in, p)
	if err != nil {
		return check, err
	}
	note := ""
	if !check.agrees() {
		if reason == "" {
			return check, mismatchError(check, then)
		}
		note = mismatchNote(check, o.actor.username, reason)
	}
	if err := o.matchImport(im, p); err != nil {
		return check, err
	}
	return check, o.notePatientItem(im.ID, note)
}

// notePatientItem sets (or, with "", clears) the note of the file's
// pending patient item.
func (o *op) notePatientItem(importID, note string) error {
	items, err := o.ImportItems(importID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Kind == itemPatient && it.Decision == db.ItemPending && it.Note != note {
			if err := o.NoteImportItem(it.ID, note); err != nil {
				return err
			}
		}
	}
	return nil
}

// matchNote is the note of the file's patient item (see
// ImportReview.MatchNote).
func matchNote(items []db.ImportItem) string {
	for _, it := range items {
		if it.Kind == itemPatient && it.Note != "" {
			return it.Note
		}
	}
	return ""
}

// matchImport sets the import's chart and suggests again against it;
// callers check first that the file is about the chart's patient.
func (o *op) matchImport(im db.Import, p db.Patient) error {
	if err := o.MatchImport(im.ID, p.ID); err != nil {
		return err
	}
	items, err := o.ImportItems(im.ID)
	if err != nil {
		return err
	}
	chart, err := o.chartKeys(p.ID)
	if err != nil {
		return err
	}
	before := slices.Clone(items)
	if err := o.suggest(items, p, chart, importSource{org: im.SourceOrg, date: im.SourceDate}); err != nil {
		return err
	}
	for i, it := range items {
		if it.Decision == db.ItemPending && (it.Suggested != before[i].Suggested || it.Detail != before[i].Detail) {
			if err := o.ResuggestImportItem(it.ID, it.Suggested, it.Detail); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreatePatientFromImport registers the incoming patient as a new chart,
// by the front desk's rules, from what the file says of them (a field the
// file lacks, such as a birth date, is a field error: register them at the
// front desk and match the import instead), and matches the import to it.
// A person who has a chart here already (the same file or sender's
// identifier imported into it before, or the same person by the rule of
// import_identity.go) is refused (kind conflict), naming the chart(s) to
// match instead: importing the same file twice never makes a second chart.
// Someone who only looks like a registered patient is registered at the
// front desk, which warns but allows it, and the import matched to them.
func (s *Chart) CreatePatientFromImport(importID string) (ImportReview, error) {
	var out ImportReview
	err := s.app.act(s.session, permClinical, func(o *op) error {
		im, err := o.reviewing(importID)
		if err != nil {
			return err
		}
		p, err := o.createPatientFromImport(im, func(string) string {
			return "Choose that chart above and import the record into it. If this is someone else, register them at the front desk and then choose their chart."
		})
		if err != nil {
			return err
		}
		if out, err = o.importReview(im.ID); err != nil {
			return err
		}
		return o.audit("import.match", p.ID, "import/"+im.ID, fmt.Sprintf("%s: registered as MRN %s", im.FileName, p.MRN))
	})
	return out, err
}

// createPatientFromImport registers the import's incoming patient and
// matches the import to the new chart, unless they have a chart here
// already (see CreatePatientFromImport; instead says what to do then).
func (o *op) createPatientFromImport(im db.Import, instead func(mrn string) string) (db.Patient, error) {
	var received importReceived
	if err := json.Unmarshal([]byte(im.Received), &received); err != nil {
		return db.Patient{}, fmt.Errorf("read import %s: %w", im.ID, err)
	}
	if received.Patient == nil {
		return db.Patient{}, errorf(Invalid, "This file names no patient: choose the chart to import it into.")
	}
	items, err := o.ImportItems(im.ID)
	if err != nil {
		return db.Patient{}, err
	}
	for _, it := range items {
		if it.Kind == itemPatient && it.Decision == db.ItemAccepted {
			return db.Patient{}, errorf(Conflict, "The patient of this file was registered from it already (%s).", it.Note)
		}
	}
	in := received.Patient.form()
	ph, fields := in.check(o.now)
	if err := fields.err(); err != nil {
		return db.Patient{}, err
	}
	registered, err := o.alreadyRegistered(im, *received.Patient)
	if err != nil {
		return db.Patient{}, err
	}
	if len(registered) > 0 {
		return db.Patient{}, registeredError(registered, instead)
	}
	seq, err := o.NextSequence("mrn", 1)
	if err != nil {
		return db.Patient{}, err
	}
	p, err := o.insertImportedPatient(in, ph, MRN(seq), *received.Patient, im.ID)
	if err != nil {
		return db.Patient{}, err
	}
	if err := o.audit("patient.register", p.ID, "patient/"+p.ID, "MRN "+p.MRN+"; from import/"+im.ID); err != nil {
		return db.Patient{}, err
	}
	if err := o.matchImport(im, p); err != nil {
		return db.Patient{}, err
	}
	return p, o.decidePatientItem(im.ID, db.ItemAccepted, p)
}

// decidePatientItem decides the file's Patient resource: accepted when the
// import registered the chart, already present when it matched one.
func (o *op) decidePatientItem(importID, decision string, p db.Patient) error {
	items, err := o.ImportItems(importID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Kind != itemPatient || it.Decision != db.ItemPending {
			continue
		}
		it.Decision, it.DecidedAt, it.DecidedBy = decision, o.now, o.actor.userID
		if decision == db.ItemAccepted {
			it.RecordEntity, it.RecordID, it.Note = "patient", p.ID, "Registered as MRN "+p.MRN
		} else if it.Note == "" { // else it says why the chart was matched despite a mismatch
			it.Note = "Matched to MRN " + p.MRN
		}
		if err := o.DecideImportItem(it); err != nil {
			return err
		}
	}
	return nil
}

// DecideImportItems records the clinician's choices for items of an import
// under review (accept, skip, already_present, or "" for Folio's
// suggestion); FinishImport applies them. An item that cannot be charted
// (suggested kept_original) cannot be accepted, and one the sender
// retracted or repeated stays skipped.
func (s *Chart) DecideImportItems(importID string, decisions []ItemDecision) (ImportReview, error) {
	var out ImportReview
	err := s.app.act(s.session, permClinical, func(o *op) error {
		im, err := o.reviewing(importID)
		if err != nil {
			return err
		}
		changed, err := o.chooseItems(im, decisions)
		if err != nil {
			return err
		}
		if out, err = o.importReview(im.ID); err != nil {
			return err
		}
		return o.audit("import.decide", im.PatientID, "import/"+im.ID, fmt.Sprintf("%d choices changed", changed))
	})
	return out, err
}

// chooseItems records choices for items of an import under review (see
// DecideImportItems), refusing them all if one is wrong; it tells how many
// choices changed.
func (o *op) chooseItems(im db.Import, decisions []ItemDecision) (int, error) {
	items, err := o.ImportItems(im.ID)
	if err != nil {
		return 0, err
	}
	byID := make(map[string]db.ImportItem, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	fields := fieldErrors{}
	for _, d := range decisions {
		it, ok := byID[d.ItemID]
		switch {
		case !ok:
			fields.add(d.ItemID, "No such item in this import.")
		case d.Decision != "" && d.Decision != db.ItemAccept && d.Decision != db.ItemSkip && d.Decision != db.ItemAlreadyPresent:
			fields.add(d.ItemID, "Choose accept, skip or already present.")
		case it.Decision != db.ItemPending || it.Kind == itemPatient:
			if d.Decision != "" {
				fields.add(d.ItemID, "This item needs no decision: "+orDefault(it.Detail, "it is decided already."))
			}
		case d.Decision == db.ItemAccept && it.Suggested == db.ItemKeptOriginal:
			fields.add(d.ItemID, it.Detail)
		}
	}
	if err := fields.err(); err != nil {
		return 0, err
	}
	changed := 0
	for _, d := range decisions {
		it := byID[d.ItemID]
		if it.Decision != db.ItemPending || it.Kind == itemPatient || it.Chosen == d.Decision {
			continue
		}
		if err := o.ChooseImportItem(it.ID, d.Decision); err != nil {
			return 0, err
		}
		changed++
	}
	return changed, nil
}

// AbandonImport ends the review of an import without writing anything to
// the chart; the file's items stay recorded as they were.
func (s *Chart) AbandonImport(importID string) (ImportReview, error) {
	var out ImportReview
	err := s.app.act(s.session, permClinical, func(o *op) error {
		im, err := o.reviewing(importID)
		if err != nil {
			return err
		}
		if err := o.CloseImport(im.ID, db.ImportAbandoned, o.actor.userID, o.now); err != nil {
			return err
		}
		if out, err = o.importReview(im.ID); err != nil {
			return err
		}
		return o.audit("import.abandon", im.PatientID, "import/"+im.ID, im.FileName)
	})
	return out, err
}

// ImportSource is where a chart record came from when an import wrote it:
// the record, the sender and date of the file, and the resource it was.
type ImportSource struct {
	Entity       string `json:"entity"` // problem, allergy, medication, immunization, lab_result, vitals, document, patient
	RecordID     string `json:"recordId"`
	ImportID     string `json:"importId"`
	SourceOrg    string `json:"sourceOrg"`
	SourceDate   string `json:"sourceDate"`
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	ImportedAt   string `json:"importedAt"`
}

// ImportSources lists the source of each record imports wrote to a
// patient's chart, so the chart can show "imported from …" beside each.
func (s *Chart) ImportSources(patientID string) ([]ImportSource, error) {
	out := []ImportSource{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Tx.ImportSources(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, ImportSource{Entity: r.RecordEntity, RecordID: r.RecordID, ImportID: r.ImportID,
				SourceOrg: r.SourceOrg, SourceDate: r.SourceDate, ResourceType: r.ResourceType,
				ResourceID: r.ResourceID, ImportedAt: r.ImportedAt.Format(time.RFC3339)})
		}
		return o.audit("import.sources", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// ImportSummary is one import of a patient's record, for the chart.
type ImportSummary struct {
	ID           string      `json:"id"`
	FileName     string      `json:"fileName"`
	Kind         string      `json:"kind"`
	Signature    string      `json:"signature"`
	SignerClinic string      `json:"signerClinic"`
	SourceOrg    string      `json:"sourceOrg"`
	SourceDate   string      `json:"sourceDate"`
	Status       string      `json:"status"`
	ImportedAt   string      `json:"importedAt"`
	Tally        ImportTally `json:"tally"`
	MatchNote    string      `json:"matchNote"` // see ImportReview.MatchNote
}

// ImportsInReview lists the imports started and neither finished nor
// abandoned, whoever started them, newest first: an import left half-way
// (a closed window, a call away) is taken up again from here with
// ImportReview.
func (s *Chart) ImportsInReview() ([]ImportSummary, error) {
	out := []ImportSummary{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		list, err := o.ImportsInReview()
		if err != nil {
			return err
		}
		for _, im := range list {
			out = append(out, ImportSummary{ID: im.ID, FileName: im.FileName, Kind: im.Kind, Signature: im.Signature,
				SignerClinic: im.SignerClinic, SourceOrg: im.SourceOrg, SourceDate: im.SourceDate, Status: im.Status,
				ImportedAt: im.ImportedAt.Format(time.RFC3339)})
		}
		return o.audit("import.read", "", "imports", fmt.Sprintf("%d in review", len(out)))
	})
	if err != nil {
		return []ImportSummary{}, err
	}
	return out, nil
}

// KeptOriginal is a resource an import kept only as its original: what it
// is, why, and (from ImportOriginal) the resource as formatted JSON.
type KeptOriginal struct {
	ItemID       string `json:"itemId"`
	ImportID     string `json:"importId"`
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	Display      string `json:"display"`
	Detail       string `json:"detail"`
	JSON         string `json:"json"` // "" in lists
}

// ImportHistory is what imports brought to a patient's chart: each
// import, and the resources kept only as originals.
type ImportHistory struct {
	Imports   []ImportSummary `json:"imports"`
	Originals []KeptOriginal  `json:"originals"`
}

// Imports lists the imports of a patient's record, newest first, with the
// resources they kept only as originals (ImportOriginal shows one).
func (s *Chart) Imports(patientID string) (ImportHistory, error) {
	out := ImportHistory{Imports: []ImportSummary{}, Originals: []KeptOriginal{}}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		imports, err := o.PatientImports(p.ID)
		if err != nil {
			return err
		}
		for _, im := range imports {
			sum := ImportSummary{ID: im.ID, FileName: im.FileName, Kind: im.Kind, Signature: im.Signature,
				SignerClinic: im.SignerClinic, SourceOrg: im.SourceOrg, SourceDate: im.SourceDate, Status: im.Status,
				ImportedAt: im.ImportedAt.Format(time.RFC3339)}
			items, err := o.ImportItems(im.ID)
			if err != nil {
				return err
			}
			for _, it := range items {
				sum.Tally.count(it)
			}
			sum.MatchNote = matchNote(items)
			out.Imports = append(out.Imports, sum)
		}
		kept, err := o.KeptOriginals(p.ID)
		if err != nil {
			return err
		}
		for _, it := range kept {
			out.Originals = append(out.Originals, KeptOriginal{ItemID: it.ID, ImportID: it.ImportID,
				ResourceType: it.ResourceType, ResourceID: it.ResourceID, Display: it.Display, Detail: it.Detail})
		}
		return o.audit("import.list", p.ID, "patient/"+p.ID, fmt.Sprintf("%d imports", len(out.Imports)))
	})
	return answer(out, err)
}

// ImportOriginal shows one resource of an import as it was received,
// formatted for reading.
func (s *Chart) ImportOriginal(itemID string) (KeptOriginal, error) {
	var out KeptOriginal
	err := s.app.look(s.session, permClinical, func(o *op) error {
		it, err := o.ImportItemByID(itemID)
		if err != nil {
			return err
		}
		im, err := o.ImportByID(it.ImportID)
		if err != nil {
			return err
		}
		out = KeptOriginal{ItemID: it.ID, ImportID: it.ImportID, ResourceType: it.ResourceType,
			ResourceID: it.ResourceID, Display: it.Display, Detail: it.Detail, JSON: it.Raw}
		var pretty bytes.Buffer
		raw := []byte(it.Raw)
		if it.Kind == itemDocument || (it.ResourceType == "" && json.Valid(raw)) {
			raw = []byte(withoutData(it.Raw)) // a document's bytes are not for reading as text
		}
		if json.Indent(&pretty, raw, "", "  ") == nil {
			out.JSON = pretty.String()
		}
		return o.audit("import.original", im.PatientID, "import_item/"+it.ID, it.ResourceType+"/"+it.ResourceID)
	})
	return answer(out, err)
}

// withoutData is a staged archive file's JSON without its bytes, but with
// its text when it is a text file (an archive's readable summary).
func withoutData(raw string) string {
	var d documentFile
	if json.Unmarshal([]byte(raw), &d) != nil {
		return raw
	}
	text := ""
	if strings.HasPrefix(d.MediaType, "text/") && utf8.Valid(d.Data) {
		text = string(d.Data)
	}
	return mustJSON(struct {
		Path      string `json:"path"`
		MediaType string `json:"mediaType"`
		Size      int    `json:"size"`
		SHA256    string `json:"sha256"`
		Text      string `json:"text,omitempty"`
	}{d.Path, d.MediaType, d.Size, d.SHA256, text})
}
