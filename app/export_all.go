package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"folio/app/fhir"
	"folio/db"
)

// The whole-clinic export: every chart in use as FHIR Bulk Data NDJSON,
// one file per resource type, for moving to another system or keeping an
// archive that needs no Folio to read. Charts are read in batches of
// consecutive ids, each batch in its own read transaction (so a long export
// never holds the database), while the previous batch is being written:
// memory stays bounded by two batches whatever the clinic's size.

// exportBatchSize is how many charts one read transaction of the export
// reads: large enough that reading a table once per batch pays, small
// enough that two batches in memory stay small.
const exportBatchSize = 2000

// ExportCounts is what a whole-clinic export wrote.
type ExportCounts struct {
	Patients  int            `json:"patients"`
	Resources map[string]int `json:"resources"` // by FHIR resource type
	Files     []string       `json:"files"`     // the NDJSON files, in the folder
	// DocumentFiles is how many chart documents' files were written, in
	// the folder's documents/ folder.
	DocumentFiles int     `json:"documentFiles"`
	Seconds       float64 `json:"seconds"`
}

// exportSummaryName is the export's own description, beside its files.
const exportSummaryName = "export.json"

// exportSummary is export.json: when, what and by which Folio, in the shape
// of a FHIR Bulk Data status response (transactionTime, output) so tools
// that read one find their way.
type exportSummary struct {
	TransactionTime     string         `json:"transactionTime"`
	Request             string         `json:"request"`
	RequiresAccessToken bool           `json:"requiresAccessToken"`
	Output              []exportOutput `json:"output"`
	Error               []exportOutput `json:"error"`
	Folio               exportFolio    `json:"folio"`
}

type exportOutput struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Count int    `json:"count"`
}

type exportFolio struct {
	Version  string  `json:"version"`
	Schema   int     `json:"schema"`
	Clinic   string  `json:"clinic"`
	Key      string  `json:"keyFingerprint"`
	Patients int     `json:"patients"`
	Seconds  float64 `json:"seconds"`
	// Included says what the files hold, and what they do not.
	Included string `json:"included"`
	// AuditCheckpoint is the clinic's audit trail's head as the export was
	// written, signed with the clinic's key (a line of folio.checkpoints):
	// kept apart from the clinic, it shows later whether the trail was cut
	// short or rewritten up to then. "" when it could not be signed.
	AuditCheckpoint string `json:"auditCheckpoint"`
}

// ExportAll writes every chart in use to dir (which must not exist, or be
// empty) as NDJSON, with the charts' document files in dir/documents,
// calling progress after each batch. A document whose file fails its
// checksum stops the export, naming it, and nothing is left. Items retracted as
// entered in error are written with that status: the export keeps the
// chart's history, as Folio does. It acts as the clinic's first admin on
// this PC's command line, and audits the export once, with its counts.
func (a *App) ExportAll(ctx context.Context, dir string, progress func(done, total int)) (ExportCounts, error) {
	who, err := a.commandLineActor("")
	if err != nil {
		return ExportCounts{}, err
	}
	return a.exportAll(ctx, who, "folio export --all", dir, progress)
}

// exportAll is ExportAll for any actor: the command line's first admin, or
// the admin who started it on the Export clinic screen. request is how it
// was asked for, as export.json tells.
func (a *App) exportAll(ctx context.Context, who actor, request, dir string,
	progress func(done, total int)) (ExportCounts, error) {
	start := time.Now()
	if err := emptyFolder(dir); err != nil {
		return ExportCounts{}, err
	}
	var clinic fhir.Clinic
	var total int
	var zone *time.Location // the clinic's: appointments are booked on its clock
	people := exportPeople{}
	err := a.actAs(who, func(o *op) error {
		zone = o.now.Location()
		signer, err := o.clinicSigner()
		if err != nil {
			return err
		}
		if _, clinic, _, err = o.sender(signer); err != nil {
			return err
		}
		users, err := o.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			people[u.ID] = u
		}
		total, err = o.CountActivePatients()
		return err
	})
	if err != nil {
		return ExportCounts{}, err
	}
	files := &ndjsonFiles{dir: dir}
	docs := &documentFiles{dir: dir}
	counts, err := a.writeBulk(ctx, files, docs, exportContext{clinic, people, zone}, total, progress)
	if closeErr := files.close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = docs.finish()
	}
	if err != nil {
		files.remove()
		docs.remove()
		return ExportCounts{}, a.exportFailed(who, err)
	}
	counts.Files = files.names()
	counts.DocumentFiles = docs.count
	counts.Seconds = time.Since(start).Seconds()
	checkpoint := ""
	if c, _, err := a.checkpoint("export "+dir, true); err == nil {
		checkpoint = c.Line()
	}
	if err := writeExportSummary(dir, request, counts, clinic, start, checkpoint); err != nil {
		files.remove()
		docs.remove()
		return ExportCounts{}, err
	}
	err = a.actAs(who, func(o *op) error {
		return o.audit("export.all", "", "", fmt.Sprintf("%d patients to %s; %s; %d document files", counts.Patients,
			dir, resourceCounts(counts.Resources), counts.DocumentFiles))
	})
	return counts, err
}

// exportFailed turns a damaged document into the error that names it, and
// records the damage in the audit trail, as viewing the document would.
func (a *App) exportFailed(who actor, err error) error {
	var damaged *damagedDocumentError
	if !errors.As(err, &damaged) {
		return err
	}
	a.log.Error("document file does not match its checksum", "document", damaged.doc.ID, "export", "all",
		"err", damaged.Error())
	d := damaged.doc
	if auditErr := a.actAs(who, func(o *op) error {
		return o.audit("document.damaged", d.PatientID, "document/"+d.ID, "whole-clinic export: "+damaged.Error())
	}); auditErr != nil {
		a.log.Error("audit a damaged document", "document", d.ID, "err", auditErr)
	}
	return damaged.userError()
}

// exportContext is what every chart of a whole-clinic export is written
// with: the clinic, its people, and its time zone.
type exportContext struct {
	clinic fhir.Clinic
	people exportPeople
	zone   *time.Location
}

// writeBulk streams the charts into files, after every clinician: one
// goroutine reads the next batch while this one writes the last.
func (a *App) writeBulk(ctx context.Context, files *ndjsonFiles, docs *documentFiles, ec exportContext,
	total int, progress func(done, total int)) (ExportCounts, error) {
	var reading sync.WaitGroup
	defer reading.Wait() // the reader writes document files: it is done before anyone removes them
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type read struct {
		batch db.ExportBatch
		kept  batchKept
		files map[string]exportedFile // by document id
		err   error
	}
	batches := make(chan read, 1)
	reading.Add(1)
	go func() {
		defer reading.Done()
		defer close(batches)
		after := ""
		for {
			var b db.ExportBatch
			var kept batchKept
			var copied map[string]exportedFile
			err := a.db.View(ctx, func(tx *db.Tx) (err error) {
				if b, err = tx.ExportBatch(after, exportBatchSize); err != nil || len(b.Patients) == 0 {
					return err
				}
				if kept, err = readBatchKept(tx, b); err != nil {
					return err
				}
				copied, err = docs.copyBatch(tx, b)
				return err
			})
			if err == nil && len(b.Patients) == 0 {
				return
			}
			select {
			case batches <- read{b, kept, copied, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			after = b.Patients[len(b.Patients)-1].ID
		}
	}()
	out := fhir.NewNDJSON(files.open)
	if err := out.AddPractitioners(ec.people.clinicians()); err != nil {
		return ExportCounts{}, err
	}
	done := 0
	for r := range batches {
		if r.err != nil {
			return ExportCounts{}, fmt.Errorf("read charts for the export: %w", r.err)
		}
		if err := ctx.Err(); err != nil {
			return ExportCounts{}, err
		}
		for _, rec := range batchRecords(r.batch, r.kept, ec, r.files) {
			if err := out.Add(rec); err != nil {
				return ExportCounts{}, err
			}
		}
		done += len(r.batch.Patients)
		if progress != nil {
			progress(done, max(total, done))
		}
	}
	return ExportCounts{Patients: done, Resources: out.Counts()}, nil
}

// batchKept is what a batch's charts kept of their senders, read beside
// the batch: the patients' identifiers in other systems and the codings
// their lab results arrived with.
type batchKept struct {
	externalIDs map[string][]db.ExternalID // by patient id
	results     resultCodings
	care        map[string][]db.Coding // a care record's received codings, by its id
}

func readBatchKept(tx *db.Tx, b db.ExportBatch) (batchKept, error) {
	var k batchKept
	var err error
	first, last := b.Patients[0].ID, b.Patients[len(b.Patients)-1].ID
	if k.externalIDs, err = tx.ExternalIDsBetween(first, last); err != nil {
		return k, err
	}
	if k.results, err = resultCodingsOf(tx, b.LabResults); err != nil {
		return k, err
	}
	ids := make([]string, len(b.CareRecords))
	for i, r := range b.CareRecords {
		ids[i] = r.ID
	}
	k.care, err = tx.Codings(db.CodedCareRecord, db.CodingCode, ids)
	return k, err
}

// batchRecords splits a batch into one record per chart. Each list of the
// batch is in patient order, so one pass with a cursor per list does it.
func batchRecords(b db.ExportBatch, kept batchKept, ec exportContext, files map[string]exportedFile) []fhir.Record {
	people := ec.people
	out := make([]fhir.Record, len(b.Patients))
	var ip, ia, im, ii, il, iv, ie, id, ap, ic int
	for k, p := range b.Patients {
		rec := fhir.Record{Patient: fhirPatient(p, kept.externalIDs[p.ID]), Clinic: ec.clinic,
			NoKnownAllergies: b.NoKnownAllergies[p.ID]}
		// Rows of merged charts in the id range have no place here: skip
		// any row whose patient comes before this one.
		for ; ip < len(b.Problems) && b.Problems[ip].PatientID <= p.ID; ip++ {
			if b.Problems[ip].PatientID == p.ID {
				rec.Problems = append(rec.Problems, fhirProblem(b.Problems[ip]))
			}
		}
		for ; ia < len(b.Allergies) && b.Allergies[ia].PatientID <= p.ID; ia++ {
			if b.Allergies[ia].PatientID == p.ID {
				rec.Allergies = append(rec.Allergies, fhirAllergy(b.Allergies[ia]))
			}
		}
		for ; im < len(b.Medications) && b.Medications[im].PatientID <= p.ID; im++ {
			if b.Medications[im].PatientID == p.ID {
				rec.Medications = append(rec.Medications, fhirMedication(b.Medications[im]))
			}
		}
		for ; ii < len(b.Immunizations) && b.Immunizations[ii].PatientID <= p.ID; ii++ {
			if b.Immunizations[ii].PatientID == p.ID {
				rec.Immunizations = append(rec.Immunizations, fhirImmunization(b.Immunizations[ii]))
			}
		}
		for ; il < len(b.LabResults) && b.LabResults[il].PatientID <= p.ID; il++ {
			if b.LabResults[il].PatientID == p.ID {
				rec.LabResults = append(rec.LabResults, fhirLabResult(b.LabResults[il], kept.results))
			}
		}
		for ; iv < len(b.Vitals) && b.Vitals[iv].PatientID <= p.ID; iv++ {
			if b.Vitals[iv].PatientID == p.ID {
				rec.Vitals = append(rec.Vitals, fhirVitals(b.Vitals[iv]))
			}
		}
		for ; ie < len(b.Visits) && b.Visits[ie].Encounter.PatientID <= p.ID; ie++ {
			if v := b.Visits[ie]; v.Encounter.PatientID == p.ID {
				rec.Visits = append(rec.Visits, fhirVisit(v, b.Addenda[v.Note.ID], b.Diagnoses[v.Encounter.ID], people))
			}
		}
		for ; id < len(b.Documents) && b.Documents[id].PatientID <= p.ID; id++ {
			if d := b.Documents[id]; d.PatientID == p.ID {
				rec.Documents = append(rec.Documents, fhirDocument(d, files[d.ID], people))
			}
		}
		for ; ic < len(b.CareRecords) && b.CareRecords[ic].PatientID <= p.ID; ic++ {
			if r := b.CareRecords[ic]; r.PatientID == p.ID && r.CodeSystem != systemLOINC {
				rec.Procedures = append(rec.Procedures, fhirProcedure(r, kept.care[r.ID]))
			}
		}
		for ; ap < len(b.Appointments) && b.Appointments[ap].PatientID <= p.ID; ap++ {
			if a := b.Appointments[ap]; a.PatientID == p.ID {
				rec.Appointments = append(rec.Appointments, fhirAppointment(a, people, ec.zone))
			}
		}
		out[k] = rec
	}
	return out
}

// ndjsonFiles are the export's files, made as the first line of their type
// comes; each is written as NAME.partial and renamed when all went well.
type ndjsonFiles struct {
	dir   string
	files []*ndjsonFile
}

type ndjsonFile struct {
	name string // Patient.ndjson
	f    *os.File
	w    *bufio.Writer
}

func (n *ndjsonFiles) open(resourceType string) (io.Writer, error) {
	name := resourceType + ".ndjson"
	f, err := os.OpenFile(filepath.Join(n.dir, name+".partial"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	file := &ndjsonFile{name: name, f: f, w: bufio.NewWriterSize(f, 256<<10)}
	n.files = append(n.files, file)
	return file.w, nil
}

// close flushes, syncs and closes every file, and renames them to their
// final names only if all of that worked.
func (n *ndjsonFiles) close() error {
	var errs []error
	for _, file := range n.files {
		errs = append(errs, file.w.Flush(), file.f.Sync(), file.f.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("write the export files: %w", err)
	}
	for _, file := range n.files {
		from := filepath.Join(n.dir, file.name+".partial")
		if err := os.Rename(from, filepath.Join(n.dir, file.name)); err != nil {
			return fmt.Errorf("finish %s: %w", file.name, err)
		}
	}
	return nil
}

// remove deletes what a failed export wrote, so no half export is taken
// for a whole one.
func (n *ndjsonFiles) remove() {
	for _, file := range n.files {
		os.Remove(filepath.Join(n.dir, file.name+".partial"))
		os.Remove(filepath.Join(n.dir, file.name))
	}
	os.Remove(filepath.Join(n.dir, exportSummaryName))
}

func (n *ndjsonFiles) names() []string {
	out := make([]string, 0, len(n.files))
	for _, file := range n.files {
		out = append(out, file.name)
	}
	slices.Sort(out)
	return out
}

// emptyFolder makes dir, or checks that it is empty: an export mixed into
// an earlier one's files would be neither.
func emptyFolder(dir string) error {
	if strings.TrimSpace(dir) == "" {
		return errorf(Invalid, "Say which folder to export to.")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create the export folder: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read the export folder: %w", err)
	case len(entries) > 0:
		return errorf(Invalid, "The folder %s is not empty. Export into a new or empty folder.", dir)
	}
	return nil
}

func writeExportSummary(dir, request string, counts ExportCounts, clinic fhir.Clinic, start time.Time, checkpoint string) error {
	s := exportSummary{TransactionTime: start.UTC().Format(time.RFC3339), Request: request,
		Output: []exportOutput{}, Error: []exportOutput{},
		Folio: exportFolio{Version: folioVersion(), Schema: db.SchemaVersion(), Clinic: clinic.Name, Key: clinic.ID,
			Patients: counts.Patients, Seconds: counts.Seconds,
			Included: "patients, problems, allergies, medications, immunizations, lab results, vital signs, " +
				"visits (Encounter, with their diagnoses) and their notes (DocumentReference, the note as text with " +
				"its addenda), the chart's documents (DocumentReference; the files in documents/), appointments " +
				"(Appointment: booked, kept, missed and cancelled) and every clinician (Practitioner); retracted " +
				"items with status entered-in-error. Not included: the earlier drafts of notes and the earlier " +
				"versions of edited items (Folio's revisions), patient photos, lab orders, the reasons " +
				"given for overriding medication alerts, disclosures and the audit trail",
			AuditCheckpoint: checkpoint}}
	for _, t := range fhir.BulkTypes {
		if n := counts.Resources[t]; n > 0 {
			s.Output = append(s.Output, exportOutput{Type: t, URL: t + ".ndjson", Count: n})
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, exportSummaryName), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", exportSummaryName, err)
	}
	return nil
}

// folioVersion is the version the binary was built as: the -X main.version
// of its link flags when it has one (make builds do), else the module's.
func folioVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range info.Settings {
		if s.Key != "-ldflags" {
			continue
		}
		if _, v, ok := strings.Cut(s.Value, "main.version="); ok {
			v, _, _ = strings.Cut(v, " ")
			return strings.Trim(v, `'"`)
		}
	}
	return info.Main.Version
}

// resourceCounts is "Patient 100000, Condition 75" in BulkTypes order.
func resourceCounts(counts map[string]int) string {
	var parts []string
	for _, t := range fhir.BulkTypes {
		if n := counts[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, n))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
