package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/readings"
	"folio/db"
)

// Home readings (issue 14): a patient's own cuff, scale, glucose meter or
// oximeter readings brought into the chart from a file the patient brings
// (this file) or sent by a hub to the device gateway (device_gateway.go),
// kept apart from the clinic's vitals. Reading files is the clinician's:
// what is imported becomes part of the chart they judge, and the preview
// shows the patient's readings; the front desk hands the file over.

// maxReadingFile bounds a file brought in: years of readings are well
// under a megabyte.
const maxReadingFile = 5 << 20

// maxRefusedShown is how many refused rows the error of an import names.
const maxRefusedShown = 10

// ReadingPreview is what a file would bring into the chart, before
// anything is written: its format, the rows to add, those already in the
// chart, and each row refused with why (any refused row stops the import).
type ReadingPreview struct {
	Format     string               `json:"format"` // withings-bp, ..., or a saved format's id
	FormatName string               `json:"formatName"`
	FileName   string               `json:"fileName"`
	Device     string               `json:"device"`
	RowsRead   int                  `json:"rowsRead"`
	ToAdd      int                  `json:"toAdd"`
	Duplicates int                  `json:"duplicates"`
	Refused    []readings.Problem   `json:"refused"`
	Skipped    []readings.Problem   `json:"skipped"`
	From       string               `json:"from"` // wall clock, 'YYYY-MM-DDTHH:MM'
	To         string               `json:"to"`
	Kinds      []readings.KindCount `json:"kinds"`
	Columns    []string             `json:"columns"` // the header, for mapping
	// Sample is the first readings, to check the mapping by eye.
	Sample []HomeReadingView `json:"sample"`
	// Known is false when Folio cannot tell the layout: map its columns.
	Known bool `json:"known"`
}

// previewSample is how many readings a preview shows.
const previewSample = 8

// readFile reads a file brought in, by the saved format formatID or else
// by its header. A layout Folio does not know is no error: the preview
// says so, for the mapping step.
func (o *op) readFile(content, formatID string, spec *readings.Spec) (readings.Result, string, error) {
	if len(content) > maxReadingFile {
		return readings.Result{}, "", fieldErrors{"file": "The file is larger than 5 MB: is it a device's export?"}.err()
	}
	format := ""
	if formatID != "" {
		f, err := o.ReadingFormatByID(formatID)
		if errors.Is(err, db.ErrNotFound) {
			return readings.Result{}, "", fieldErrors{"format": "No such saved format."}.err()
		}
		if err != nil {
			return readings.Result{}, "", err
		}
		var s readings.Spec
		if err := json.Unmarshal([]byte(f.Spec), &s); err != nil {
			return readings.Result{}, "", fmt.Errorf("read format %s: %w", f.ID, err)
		}
		spec, format = &s, f.ID
	}
	res, err := readings.Parse([]byte(content), readings.Options{Now: o.now, Spec: spec})
	if len(res.Columns) == 0 && res.Format != readings.FormatFHIR {
		res.Columns = readings.Columns([]byte(content)) // a file without a header: its first line's cells
	}
	if errors.Is(err, readings.ErrUnknownFormat) {
		return res, "", nil
	}
	if err != nil {
		return res, "", fieldErrors{"file": upperFirst(err.Error()) + "."}.err()
	}
	if format == "" {
		format = res.Format
	}
	return res, format, nil
}

// sentence is s with a capital and a full stop (a question keeps its mark).
func sentence(s string) string {
	s = upperFirst(s)
	if strings.HasSuffix(s, "?") || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// preview counts what res would add to the patient's chart.
func (o *op) preview(p db.Patient, fileName, format string, res readings.Result) (ReadingPreview, []readings.Reading, error) {
	out := ReadingPreview{Format: format, FormatName: readings.FormatName(res.Format), FileName: fileName,
		Device: res.Device, RowsRead: res.RowsRead, Refused: res.Refused, Skipped: res.Skipped, Columns: res.Columns,
		Kinds: res.Kinds(), Sample: []HomeReadingView{}, Known: res.Format != ""}
	if out.Refused == nil {
		out.Refused = []readings.Problem{}
	}
	if out.Skipped == nil {
		out.Skipped = []readings.Problem{}
	}
	if out.Columns == nil {
		out.Columns = []string{}
	}
	out.From, out.To = res.Range()
	if format != res.Format && format != "" {
		if f, err := o.ReadingFormatByID(format); err == nil {
			out.FormatName = f.Name
		}
	}
	keys, err := o.HomeReadingKeys(p.ID)
	if err != nil {
		return out, nil, err
	}
	var fresh []readings.Reading
	for _, r := range res.Readings {
		if keys[r.DedupKey] {
			out.Duplicates++
			continue
		}
		keys[r.DedupKey] = true // the same reading twice in one file is one
		fresh = append(fresh, r)
		if len(out.Sample) < previewSample {
			out.Sample = append(out.Sample, HomeReadingView{HomeReading: homeReadingRow(p.ID, r, o), Row: r.Row})
		}
	}
	out.ToAdd = len(fresh)
	return out, fresh, nil
}

// homeReadingRow is a reading as stored, brought in by the one acting.
func homeReadingRow(patientID string, r readings.Reading, o *op) db.HomeReading {
	return db.HomeReading{ID: newID(), PatientID: patientID, TakenAt: r.TakenAt, TakenLocal: r.TakenLocal, Kind: r.Kind,
		Systolic: r.Systolic, Diastolic: r.Diastolic, Pulse: r.Pulse, WeightKg: r.WeightKg, SpO2: r.SpO2,
		GlucoseMgDl: r.GlucoseMgDl, GlucoseContext: r.GlucoseContext, Source: db.ReadingFromFile, Device: r.Device,
		Comment: r.Comment, Codes: r.Codes, Received: r.Received, DedupKey: r.DedupKey, Status: db.HomeReadingFinal,
		Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
}

// PreviewReadings reads a file a patient brought (content is its text: a
// CSV export or FHIR JSON) and says what importing it would do, writing
// nothing: the format it was told to be (formatID, a saved format) or
// Folio recognized, the readings to add, those already in the chart, and
// every row refused with why.
func (s *Chart) PreviewReadings(patientID, fileName, content, formatID string) (ReadingPreview, error) {
	var out ReadingPreview
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		res, format, err := o.readFile(content, formatID, nil)
		if err != nil {
			return err
		}
		if out, _, err = o.preview(p, fileName, format, res); err != nil {
			return err
		}
		return o.audit("reading.preview", p.ID, "patient/"+p.ID, previewDetail(fileName, out))
	})
	return answer(out, err)
}

// PreviewMappedReadings is PreviewReadings through a column mapping not yet
// saved: the mapping step's live preview.
func (s *Chart) PreviewMappedReadings(patientID, fileName, content string, spec readings.Spec) (ReadingPreview, error) {
	var out ReadingPreview
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		if fields := spec.Check(); fields != nil {
			return fieldErrors(fields).err()
		}
		res, _, err := o.readFile(content, "", &spec)
		if err != nil {
			return err
		}
		if out, _, err = o.preview(p, fileName, readings.FormatMapped, res); err != nil {
			return err
		}
		return o.audit("reading.preview", p.ID, "patient/"+p.ID, previewDetail(fileName, out))
	})
	return answer(out, err)
}

func previewDetail(fileName string, p ReadingPreview) string {
	return fmt.Sprintf("%s (%s): %d rows, %d to add, %d already in the chart, %d refused", fileName, p.Format,
		p.RowsRead, p.ToAdd, p.Duplicates, len(p.Refused))
}

// ReadingImportView is one file brought into the chart.
type ReadingImportView struct {
	db.ReadingImport
	FormatName     string `json:"formatName"`
	ImportedByName string `json:"importedByName"`
}

// ImportReadings brings a file's readings into the patient's chart, as
// PreviewReadings showed: in one transaction, the import (with the file's
// SHA-256, its counts and who brought it) and every reading not already in
// the chart. A file with any row refused brings in nothing, and the error
// names the rows. A file whose readings are all in the chart already adds
// none, and the import says so.
func (s *Chart) ImportReadings(patientID, fileName, content, formatID string) (ReadingImportView, error) {
	var out ReadingImportView
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		res, format, err := o.readFile(content, formatID, nil)
		if err != nil {
			return err
		}
		if format == "" {
			return fieldErrors{"format": "Folio does not know this file's layout: choose Other CSV and say which column holds what."}.err()
		}
		if err := refusedError(res.Refused); err != nil {
			return err
		}
		preview, fresh, err := o.preview(p, fileName, format, res)
		if err != nil {
			return err
		}
		if res.RowsRead == 0 {
			return fieldErrors{"file": "The file holds no readings."}.err()
		}
		sum := sha256.Sum256([]byte(content))
		imp := db.ReadingImport{ID: newID(), PatientID: p.ID, Format: format, FileName: fileName,
			FileSHA256: hex.EncodeToString(sum[:]), Device: res.Device, RowsRead: res.RowsRead,
			RowsAdded: len(fresh), RowsDuplicate: preview.Duplicates, ImportedAt: o.now, ImportedBy: o.actor.userID}
		if err := o.InsertReadingImport(imp); err != nil {
			return err
		}
		for _, r := range fresh {
			row := homeReadingRow(p.ID, r, o)
			row.ImportID = imp.ID
			if _, err := o.InsertHomeReading(row); err != nil {
				return err
			}
		}
		out = ReadingImportView{ReadingImport: imp, FormatName: preview.FormatName, ImportedByName: o.actor.username}
		return o.audit("reading.import", p.ID, "reading_import/"+imp.ID, fmt.Sprintf("%s (%s, sha256 %s): %d rows, %d added, %d already in the chart",
			fileName, format, imp.FileSHA256[:12], imp.RowsRead, imp.RowsAdded, imp.RowsDuplicate))
	})
	return out, err
}

// refusedError is the error of a file with refused rows, naming each (the
// first ten) as a field of its own ("row 14").
func refusedError(refused []readings.Problem) error {
	if len(refused) == 0 {
		return nil
	}
	fields := map[string]string{}
	var lines []string
	for _, p := range refused {
		if len(lines) < maxRefusedShown {
			lines = append(lines, sentence(p.String()))
			fields[p.Where] = sentence(p.Message)
		}
	}
	if len(refused) > maxRefusedShown {
		lines = append(lines, fmt.Sprintf("… and %d more.", len(refused)-maxRefusedShown))
	}
	what := "1 row is"
	if len(refused) > 1 {
		what = fmt.Sprintf("%d rows are", len(refused))
	}
	return &Error{Kind: Invalid, Message: "Nothing was imported: " + what + " not possible.\n" + strings.Join(lines, "\n"),
		Fields: fields}
}

// Limits of the chart's list of readings.
const (
	defaultHomeReadingsDays = 90
	maxHomeReadings         = 5000
)

// HomeReadings lists the patient's home readings taken from (a day,
// YYYY-MM-DD, or "" for 90 days ago) to (a day, included; "" for no end),
// newest first, retracted ones too (marked so). A merged chart lists the
// surviving chart's.
func (s *Chart) HomeReadings(patientID, from, to string) ([]HomeReadingView, error) {
	out := []HomeReadingView{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		start, end, fields := readingDays(from, to, o.now)
		if err := fields.err(); err != nil {
			return err
		}
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.HomeReadings(p.ID, start, end)
		if err != nil {
			return err
		}
		for i := len(rows) - 1; i >= 0 && len(out) < maxHomeReadings; i-- {
			out = append(out, HomeReadingView{HomeReading: rows[i]})
		}
		return o.audit("reading.list", p.ID, "patient/"+p.ID, fmt.Sprintf("%d readings from %s", len(out), start.Format("2006-01-02")))
	})
	return answer(out, err)
}

// readingDays reads a list's days in the clinic's zone.
func readingDays(from, to string, now time.Time) (time.Time, time.Time, fieldErrors) {
	fields := fieldErrors{}
	start := now.AddDate(0, 0, -defaultHomeReadingsDays)
	if from != "" {
		d, err := time.ParseInLocation("2006-01-02", from, time.Local)
		if err != nil {
			fields.add("from", "Enter the first day as YYYY-MM-DD.")
		}
		start = d
	}
	var end time.Time
	if to != "" {
		d, err := time.ParseInLocation("2006-01-02", to, time.Local)
		if err != nil {
			fields.add("to", "Enter the last day as YYYY-MM-DD.")
		}
		end = d.AddDate(0, 0, 1)
	}
	return start, end, fields
}

// RetractHomeReading marks a reading entered in error (the cuff on someone
// else's arm), saying why. It stays listed, marked so; what the device sent
// is kept as it was.
func (s *Chart) RetractHomeReading(id, reason string) (HomeReadingView, error) {
	var out HomeReadingView
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this reading was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.HomeReadingByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this reading", old.PatientID, old.Status, old.Version, old.Version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason, next.UpdatedAt, next.UpdatedBy = db.EnteredInError, reason, o.now, o.actor.userID
		saved, err := o.UpdateHomeReading(next, reason)
		if err != nil {
			return err
		}
		out = HomeReadingView{HomeReading: saved}
		return o.audit("reading.retract", saved.PatientID, "home_reading/"+id,
			fmt.Sprintf("version %d; %s at %s; reason: %s", saved.Version, saved.Kind, saved.TakenLocal, reason))
	})
	return out, err
}

// ReadingImports lists the files brought into the patient's chart, newest first.
func (s *Chart) ReadingImports(patientID string) ([]ReadingImportView, error) {
	out := []ReadingImportView{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.ReadingImports(p.ID)
		if err != nil {
			return err
		}
		names, err := o.userNames()
		if err != nil {
			return err
		}
		for _, r := range rows {
			name := readings.FormatName(r.Format)
			if f, err := o.ReadingFormatByID(r.Format); err == nil {
				name = f.Name
			}
			out = append(out, ReadingImportView{ReadingImport: r, FormatName: name, ImportedByName: names[r.ImportedBy]})
		}
		return o.audit("reading.imports", p.ID, "patient/"+p.ID, fmt.Sprintf("%d imports", len(out)))
	})
	return answer(out, err)
}

// ReadingFormat is a CSV layout the clinic saved, with its mapping.
type ReadingFormat struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Spec    readings.Spec `json:"spec"`
	Status  string        `json:"status"`
	Version int           `json:"version"`
}

func readingFormatView(f db.ReadingFormat) ReadingFormat {
	out := ReadingFormat{ID: f.ID, Name: f.Name, Status: f.Status, Version: f.Version}
	_ = json.Unmarshal([]byte(f.Spec), &out.Spec) // written by SaveReadingFormat, always a Spec
	return out
}

// maxFormatName bounds a saved format's name.
const maxFormatName = 80

// SaveReadingFormat saves a column mapping under a name, for the clinic's
// next files from that device. Saving again under an active format's name
// makes a new version of it (the old one kept).
func (s *Chart) SaveReadingFormat(name string, spec readings.Spec) (ReadingFormat, error) {
	var out ReadingFormat
	err := s.app.act(s.session, permClinical, func(o *op) error {
		name = strings.TrimSpace(name)
		fields := fieldErrors{}
		switch {
		case name == "":
			fields.add("name", "Name the format (e.g. Clinic glucose meter).")
		case utf8.RuneCountInString(name) > maxFormatName:
			fields.add("name", fmt.Sprintf("Keep the name to %d characters.", maxFormatName))
		}
		for k, v := range spec.Check() {
			fields.add(k, v)
		}
		if err := fields.err(); err != nil {
			return err
		}
		encoded, err := json.Marshal(spec)
		if err != nil {
			return fmt.Errorf("encode format: %w", err)
		}
		old, err := o.ActiveReadingFormatNamed(name)
		var saved db.ReadingFormat
		switch {
		case errors.Is(err, db.ErrNotFound):
			saved = db.ReadingFormat{ID: newID(), Name: name, Spec: string(encoded), Status: db.ReadingFormatActive,
				Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
			if err := o.InsertReadingFormat(saved); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			next := old
			next.Spec, next.UpdatedAt, next.UpdatedBy = string(encoded), o.now, o.actor.userID // the name as first saved
			if saved, err = o.UpdateReadingFormat(next, "saved again"); err != nil {
				return err
			}
		}
		out = readingFormatView(saved)
		return o.audit("reading_format.save", "", "reading_format/"+saved.ID, fmt.Sprintf("%s, version %d: %s", name, saved.Version, encoded))
	})
	return out, err
}

// ReadingFormats lists the clinic's saved formats by name.
func (s *Chart) ReadingFormats() ([]ReadingFormat, error) {
	out := []ReadingFormat{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		rows, err := o.ReadingFormats()
		if err != nil {
			return err
		}
		for _, f := range rows {
			out = append(out, readingFormatView(f))
		}
		return nil // no patient's data: nothing to audit
	})
	return answer(out, err)
}

// RetireReadingFormat takes a saved format off the list, saying why; it is
// kept, and the imports read with it still name it.
func (s *Chart) RetireReadingFormat(id, reason string) (ReadingFormat, error) {
	var out ReadingFormat
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this format is retired.").err(); err != nil {
			return err
		}
		old, err := o.ReadingFormatByID(id)
		if err != nil {
			return err
		}
		if old.Status == db.ReadingFormatRetired {
			return errorf(Conflict, "The format %s was already retired.", old.Name)
		}
		next := old
		next.Status, next.UpdatedAt, next.UpdatedBy = db.ReadingFormatRetired, o.now, o.actor.userID
		saved, err := o.UpdateReadingFormat(next, reason)
		if err != nil {
			return err
		}
		out = readingFormatView(saved)
		return o.audit("reading_format.retire", "", "reading_format/"+id, old.Name+"; reason: "+reason)
	})
	return out, err
}
