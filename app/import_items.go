package app

// What each kind of imported item becomes on a chart here: checked by the
// same rules as the forms that type it in, keyed to tell whether the chart
// has it already, and written linked to the item it came from.

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"folio/app/cds"
	"folio/app/fhir"
	"folio/db"
)

// The kinds of import item, as stored.
const (
	itemPatient      = "patient"
	itemProblem      = "problem"
	itemAllergy      = "allergy"
	itemMedication   = "medication"
	itemImmunization = "immunization"
	itemResult       = "result"
	itemVitals       = "vitals"
	itemDocument     = "document"
	itemUnmapped     = "unmapped"
)

// importSource is whom a record is charted as coming from: the
// organization that recorded it (else the file's sender) and the file's date.
type importSource struct {
	org, date string
}

func (s importSource) orgOf(o fhir.ImportOrigin) string {
	if o.Organization != "" {
		return o.Organization
	}
	return s.org
}

// chartRecord is an item made ready to write: its row (one of the db
// types) and the Folio entity it becomes. A record that cannot be charted
// has problem set instead, in the clinician's words.
type chartRecord struct {
	entity  string
	row     any
	keys    []string // what tells the chart has it already (see chartKeys)
	problem string
}

// firstProblem of a form's wrong fields, for one line of the review.
func fieldsProblem(fields fieldErrors) string {
	if len(fields) == 0 {
		return ""
	}
	return firstProblem(fields)
}

// problemRecord is a Condition as a problem: coded with an ICD-10-CM code
// of Folio's list when the source gave one, else charted uncoded with its
// title, the source's coding named in its note (the problems table allows
// an uncoded problem; the form does not, so correcting it later asks for a
// code).
func (o *op) problemRecord(p db.Patient, x fhir.ImportProblem, src importSource) (chartRecord, error) {
	list, err := o.app.icd10List()
	if err != nil {
		return chartRecord{}, err
	}
	in := ProblemInput{Title: x.Title, Onset: x.Onset, Status: x.Status, ResolvedOn: x.ResolvedOn, Note: x.Note}
	for _, c := range x.Codes {
		if c.SystemName == "ICD-10-CM" || c.SystemName == "ICD-10" {
			if _, ok := list.Lookup(c.Code); ok {
				in.Code = c.Code
				break
			}
		}
	}
	if in.Status != db.ProblemResolved {
		in.Status, in.ResolvedOn = db.ProblemActive, ""
	}
	uncoded := in.Code == ""
	fields := in.check(list, o.now)
	rec := chartRecord{entity: "problem"}
	if uncoded {
		delete(fields, "code")
		if in.Title == "" {
			fields.add("title", "The problem has neither an ICD-10-CM code nor a name.")
		}
		coded := ""
		if x.Code.Code != "" {
			coded = fmt.Sprintf("; the source coded it %s %s", x.Code.SystemName, x.Code.Code)
		}
		in.Note = strings.TrimSpace(in.Note + "\n\nImported without an ICD-10-CM code" + coded + ".")
		rec.keys = []string{"problem:title:" + db.Fold(in.Title)}
	} else {
		rec.keys = []string{"problem:icd:" + in.Code}
	}
	if rec.problem = fieldsProblem(fields); rec.problem != "" {
		return rec, nil
	}
	row := db.Problem{ID: newID(), PatientID: p.ID, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	setProblemFields(&row, in)
	row.ICD10 = in.Code
	rec.row = row
	return rec, nil
}

// allergyRecord is an AllergyIntolerance as an allergy.
func (o *op) allergyRecord(p db.Patient, x fhir.ImportAllergy) chartRecord {
	rec := chartRecord{entity: "allergy", keys: []string{"allergy:" + db.Fold(x.Substance)}}
	if x.Code.Code != "" {
		rec.keys = append(rec.keys, "allergy:code:"+x.Code.Code)
	}
	kind := x.SubstanceKind
	if !substanceKinds[kind] {
		kind = "other"
	}
	in := AllergyInput{Substance: x.Substance, SubstanceKind: kind, Code: x.Code.Code, Reaction: x.Reaction,
		Severity: x.Severity, Status: x.Status, Onset: x.Onset, Note: x.Note}
	if !severities[in.Severity] {
		in.Severity = "unknown"
	}
	if in.Status != db.AllergyInactive {
		in.Status = db.AllergyActive
	}
	if rec.problem = fieldsProblem(in.check(o.now)); rec.problem != "" {
		return rec
	}
	row := db.Allergy{ID: newID(), PatientID: p.ID, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	setAllergyFields(&row, in)
	rec.row = row
	return rec
}

// noKnownAllergiesRecord is a "no known allergies" statement. Folio
// records only the statement about allergies of every kind (SNOMED CT
// 716186003, or IPS's no-known-allergies); one about drugs or foods alone
// is kept as the original.
func noKnownAllergiesRecord(p db.Patient, x fhir.ImportAllergy) chartRecord {
	rec := chartRecord{entity: "no_known_allergies", keys: []string{"nka"}, row: p.ID}
	if x.Code.Code != "716186003" && x.Code.Code != "no-known-allergies" {
		rec.problem = fmt.Sprintf("Folio records \"no known allergies\" only of every kind, not %q.", x.Substance)
	}
	return rec
}

// medicationRecord is a MedicationRequest or MedicationStatement as a drug
// taken, prescribed elsewhere: by its prescriber, else the organization
// that recorded it. One the source says has ended is charted stopped.
func (o *op) medicationRecord(p db.Patient, x fhir.ImportMedication, src importSource) chartRecord {
	rec := chartRecord{entity: "medication", keys: medicationKeys(x.RxNorm, x.Drug)}
	prescriber := x.Prescriber
	if prescriber == "" {
		prescriber = src.orgOf(x.Origin)
	}
	start, startNote := importStartDate(x.Start, x.Date, o.now)
	in := MedicationInput{Drug: x.Drug, RxNorm: x.RxNorm, Dose: x.Dose, Route: x.Route, Frequency: x.Frequency,
		StartDate: start, Source: db.MedElsewhere, Prescriber: clipRunes(prescriber, maxTitleLength),
		Note: strings.TrimSpace(strings.Join([]string{x.Note, startNote, dosageNote(x)}, "\n"))}
	for _, f := range []*string{&in.Dose, &in.Route, &in.Frequency} {
		*f = clipRunes(*f, maxMedicationField)
	}
	if rec.problem = fieldsProblem(in.check(o.now)); rec.problem != "" {
		return rec
	}
	row := db.Medication{ID: newID(), PatientID: p.ID, Version: 1, Status: db.MedActive,
		CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	if err := o.setMedicationFields(&row, in); err != nil {
		rec.problem = err.Error()
		return rec
	}
	// Every coding it came with counts towards its classes, not only the RxNorm one kept.
	row.Classes = joinClasses(row.Classes, o.app.cds.ResolveDrug(x.Drug, importCodings(x.Codes)).Classes)
	// The drug as Folio's list names it, which is how the chart keeps it.
	for _, k := range medicationKeys(row.RxNorm, row.DrugName) {
		if !slices.Contains(rec.keys, k) {
			rec.keys = append(rec.keys, k)
		}
	}
	switch x.Status {
	case "", "active", "on-hold", "intended", "draft", "unknown":
	default: // completed, stopped, cancelled, not-taken (skipped by the parser)
		row.Status = db.MedStopped
		row.StopDate = row.StartDate
		if end, _ := importStartDate(x.End, "", o.now); len(x.End) >= 10 && end >= row.StartDate {
			row.StopDate = end
		}
		row.StopReason = fmt.Sprintf("%s at %s", x.Status, src.orgOf(x.Origin))
	}
	rec.row = row
	return rec
}

// dosageNote keeps the source's dosage text when the dose fields do not
// carry all of it.
func dosageNote(x fhir.ImportMedication) string {
	if x.Dosage == "" || x.Dosage == strings.TrimSpace(strings.Join([]string{x.Dose, x.Route, x.Frequency}, " ")) {
		return ""
	}
	return "Dosage as sent: " + x.Dosage
}

// importCodings are a record's codings as the knowledge base reads them.
func importCodings(codes []fhir.ImportCode) []cds.Coding {
	out := make([]cds.Coding, 0, len(codes))
	for _, c := range codes {
		system := c.System
		switch c.SystemName {
		case "RxNorm":
			system = cds.SystemRxNorm
		case "SNOMED CT":
			system = cds.SystemSNOMED
		case "CVX":
			system = cds.SystemCVX
		}
		out = append(out, cds.Coding{System: system, Code: c.Code, Display: c.Display})
	}
	return out
}

func medicationKeys(rxnorm, drug string) []string {
	keys := []string{"medication:name:" + db.Fold(drug)}
	if rxnorm != "" {
		keys = append([]string{"medication:rx:" + rxnorm}, keys...)
	}
	return keys
}

// importStartDate is a medication's start as a whole date: a partial one
// is taken to its first day and said so in a note; a missing one is the
// date the source wrote the item, else today.
func importStartDate(start, date string, now time.Time) (string, string) {
	switch {
	case len(start) >= 10:
		return start[:10], ""
	case len(start) == 7:
		return start + "-01", "Started " + start + " (day not given)."
	case len(start) == 4:
		return start + "-01-01", "Started " + start + " (month and day not given)."
	case len(date) >= 10:
		return date[:10], "Start date not given; this is the date the source recorded it."
	}
	return now.Format("2006-01-02"), "Start date not given; this is the date it was imported."
}

// immunizationRecord is an Immunization as a dose given elsewhere, by the
// organization that recorded it (or its performer).
func (o *op) immunizationRecord(p db.Patient, x fhir.ImportImmunization, src importSource) chartRecord {
	rec := chartRecord{entity: "immunization", keys: []string{"immunization:" + x.CVX + ":" + x.OccurredOn}}
	if x.CVX == "" {
		rec.problem = "It has no CVX code, so Folio cannot tell which vaccine it was."
		return rec
	}
	performer := x.Performer
	if performer == "" {
		performer = src.orgOf(x.Origin)
	}
	in := ImmunizationInput{CVX: x.CVX, OccurredOn: x.OccurredOn, LotNumber: clipRunes(x.LotNumber, maxLotLength),
		Manufacturer: clipRunes(x.Manufacturer, maxVaccineField), Dose: clipRunes(x.Dose, maxVaccineField),
		Source: db.ImmElsewhere, Performer: clipRunes(performer, maxTitleLength), Note: x.Note,
		ExpirationDate: x.ExpirationDate}
	// The source's site and route are free text; Folio's are a list.
	if site := strings.ToLower(strings.ReplaceAll(x.Site, " ", "_")); immunizationSites[site] {
		in.Site = site
	} else if x.Site != "" {
		in.Note = strings.TrimSpace(in.Note + "\nSite: " + x.Site)
	}
	if route := strings.ToLower(x.Route); immunizationRoutes[route] {
		in.Route = route
	} else if x.Route != "" {
		in.Note = strings.TrimSpace(in.Note + "\nRoute: " + x.Route)
	}
	if _, ok := expiryLastDay(in.ExpirationDate); !ok {
		in.ExpirationDate = ""
	}
	vaccine, fields := in.check(o.app.cvx, o.now)
	in.checkBirth(p.BirthDate, fields)
	if rec.problem = fieldsProblem(fields); rec.problem != "" {
		return rec
	}
	rec.row = db.Immunization{ID: newID(), PatientID: p.ID, CVX: vaccine.Code, Vaccine: vaccine.Name,
		OccurredOn: in.OccurredOn, LotNumber: in.LotNumber, ExpirationDate: in.ExpirationDate,
		Manufacturer: in.Manufacturer, Site: in.Site, Route: in.Route, Dose: in.Dose, Source: db.ImmElsewhere,
		Performer: in.Performer, Note: in.Note, Status: db.ImmCompleted, Version: 1,
		CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	return rec
}

// resultRecord is a laboratory Observation as a lab result (source
// imported), judged against the lab's range when it came with one.
func (o *op) resultRecord(p db.Patient, x fhir.ImportResult) chartRecord {
	rec := chartRecord{entity: "lab_result"}
	value := x.Value
	if x.Number != nil && x.Comparator == "" {
		value = strconv.FormatFloat(*x.Number, 'f', -1, 64)
	}
	unit := x.UCUM
	if unit == "" {
		unit = x.Unit
	}
	in := LabResultInput{LOINC: x.LOINC, Name: clipRunes(x.Name, maxTitleLength), Value: value, Unit: unit,
		Low: x.Low, High: x.High, RangeText: clipRunes(x.RangeText, maxLabValueLength), ObservedAt: x.ObservedAt}
	if in.ObservedAt == "" {
		in.ObservedAt = x.Date
	}
	if in.ObservedAt == "" {
		rec.problem = "It does not say when the sample was taken."
		return rec
	}
	if at, ok := instantOf(in.ObservedAt); ok {
		rec.keys = []string{"result:" + x.LOINC + ":" + at}
	}
	form, fields := o.checkResult(p, in)
	if rec.problem = fieldsProblem(fields); rec.problem != "" {
		return rec
	}
	form.row.Source = labImported
	form.row.ID = newID()
	rec.row = form.row
	return rec
}

// vitalsRecord is a vital-signs Observation as a set of vitals. BMI is
// not stored (Folio computes it), so a BMI alone is kept as the original.
// Counted measures (pulse, pressures, SpO2) are rounded to whole numbers,
// as the vitals form takes them.
func (o *op) vitalsRecord(p db.Patient, x fhir.ImportVital) (chartRecord, error) {
	rec := chartRecord{entity: "vitals"}
	takenAt, ok := instantOf(x.TakenAt)
	if !ok {
		rec.problem = "It does not say when the measurement was taken."
		return rec, nil
	}
	in := VitalsInput{TakenAt: takenAt, HeightUnit: UnitCm, WeightUnit: UnitKg, TemperatureUnit: UnitC}
	fieldOf := map[string]**float64{"height": &in.Height, "weight": &in.Weight, "systolic": &in.Systolic,
		"diastolic": &in.Diastolic, "pulse": &in.Pulse, "resp": &in.RespRate, "temp": &in.Temperature,
		"spo2": &in.SpO2, "pain": &in.Pain, "head": &in.HeadCircumference}
	whole := map[string]bool{"systolic": true, "diastolic": true, "pulse": true, "resp": true, "spo2": true, "pain": true}
	for _, m := range x.Measurements {
		f, ok := fieldOf[m.Measure]
		if !ok {
			continue
		}
		v := m.Value
		if whole[m.Measure] {
			v = math.Round(v)
		}
		*f = &v
		rec.keys = append(rec.keys, "vitals:"+takenAt+":"+m.Measure)
	}
	if len(rec.keys) == 0 {
		rec.problem = "Folio computes BMI from the weight and height; a BMI alone is not charted."
		return rec, nil
	}
	r, err := o.vitalsReader(p)
	if err != nil {
		return rec, err
	}
	form, fields := in.check(r, o.now)
	if rec.problem = fieldsProblem(fields); rec.problem != "" {
		return rec, nil
	}
	rec.row = form.row(p.ID, o)
	return rec, nil
}

// instantOf reads a FHIR dateTime as an instant in RFC 3339 UTC; a date
// alone is its midnight UTC.
func instantOf(s string) (string, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339), true
		}
	}
	return "", false
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// documentFile is an archive's attached document as staged: its bytes go
// in the item's raw JSON, so a document not attached is still kept.
type documentFile struct {
	Path      string `json:"path"`
	MediaType string `json:"mediaType"`
	Size      int    `json:"size"`
	SHA256    string `json:"sha256"`
	Data      []byte `json:"data"` // base64 in JSON
}

// documentRecord attaches an archive's document to the chart, dated as the
// file was (else today).
func (o *op) documentRecord(p db.Patient, d documentFile, src importSource) chartRecord {
	rec := chartRecord{entity: "document", keys: []string{"document:" + d.SHA256}}
	mediaType, problem := sniffDocument(d.Data)
	switch {
	case problem != "":
		rec.problem = problem
		return rec
	case len(d.Data) == 0 || len(d.Data) > db.MaxDocumentBytes:
		rec.problem = "Folio attaches documents of up to 25 MiB."
		return rec
	}
	date := o.now.Format("2006-01-02")
	if len(src.date) >= 10 && fullDateProblem(src.date[:10], o.now) == "" {
		date = src.date[:10]
	}
	name := cleanFileName(d.Path)
	rec.row = db.Document{ID: newID(), PatientID: p.ID, Title: clipRunes(strings.TrimSuffix(name, pathExt(name)), maxTitleLength),
		Kind: "correspondence", DocumentDate: date, FileName: name, MediaType: mediaType, SizeBytes: int64(len(d.Data)),
		SHA256: d.SHA256, Status: db.DocumentActive, Version: 1, AddedAt: o.now, AddedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	return rec
}

func pathExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// record turns a staged item into what it would write on p's chart.
func (o *op) record(p db.Patient, it db.ImportItem, src importSource) (chartRecord, error) {
	switch it.Kind {
	case itemProblem:
		var x fhir.ImportProblem
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.problemRecord(p, x, src)
	case itemAllergy:
		var x fhir.ImportAllergy
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		if x.NoneKnown {
			return noKnownAllergiesRecord(p, x), nil
		}
		return o.allergyRecord(p, x), nil
	case itemMedication:
		var x fhir.ImportMedication
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.medicationRecord(p, x, src), nil
	case itemImmunization:
		var x fhir.ImportImmunization
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.immunizationRecord(p, x, src), nil
	case itemResult:
		var x fhir.ImportResult
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.resultRecord(p, x), nil
	case itemVitals:
		var x fhir.ImportVital
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.vitalsRecord(p, x)
	case itemDocument:
		var d documentFile
		if err := json.Unmarshal([]byte(it.Mapped), &d); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.documentRecord(p, d, src), nil
	}
	return chartRecord{problem: "Folio keeps this only as the original."}, nil
}

// chartKeys is what p's chart holds, by the keys chartRecord gives, each
// with how the chart shows it: records entered in error do not count.
func (o *op) chartKeys(patientID string) (map[string]string, error) {
	keys := map[string]string{}
	problems, err := o.Problems(patientID)
	if err != nil {
		return nil, err
	}
	for _, r := range problems {
		if r.Status == db.EnteredInError {
			continue
		}
		shown := strings.TrimSpace(r.ICD10 + " " + r.Title)
		keys["problem:title:"+db.Fold(r.Title)] = shown
		if r.ICD10 != "" {
			keys["problem:icd:"+r.ICD10] = shown
		}
	}
	allergies, err := o.Allergies(patientID)
	if err != nil {
		return nil, err
	}
	for _, a := range allergies {
		if a.Status == db.EnteredInError {
			continue
		}
		keys["allergy:"+db.Fold(a.Substance)] = allergyDisplay(a)
		if a.Code != "" {
			keys["allergy:code:"+a.Code] = allergyDisplay(a)
		}
	}
	if _, nka, err := o.CurrentNoKnownAllergies(patientID); err != nil {
		return nil, err
	} else if nka {
		keys["nka"] = "No known allergies"
	}
	meds, err := o.Medications(patientID)
	if err != nil {
		return nil, err
	}
	for _, m := range meds {
		if m.Status == db.EnteredInError {
			continue
		}
		for _, k := range medicationKeys(m.RxNorm, m.DrugName) {
			keys[k] = medicationDisplay(m)
		}
	}
	doses, err := o.Immunizations(patientID)
	if err != nil {
		return nil, err
	}
	for _, d := range doses {
		if d.Status != db.EnteredInError {
			keys["immunization:"+d.CVX+":"+d.OccurredOn] = d.Vaccine + " " + d.OccurredOn
		}
	}
	results, err := o.LabResults(patientID, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Status != db.EnteredInError {
			keys["result:"+r.LOINC+":"+r.ObservedAt.UTC().Format(time.RFC3339)] = r.Name + " " + instant(r.ObservedAt)
		}
	}
	sets, err := o.VitalsList(patientID, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	for _, v := range sets {
		if v.Status == db.EnteredInError {
			continue
		}
		at := v.TakenAt.UTC().Format(time.RFC3339)
		for measure, value := range map[string]*float64{"height": v.HeightCm, "weight": v.WeightKg,
			"systolic": v.Systolic, "diastolic": v.Diastolic, "pulse": v.Pulse, "resp": v.RespRate,
			"temp": v.TempC, "spo2": v.SpO2, "pain": v.Pain, "head": v.HeadCm} {
			if value != nil {
				keys["vitals:"+at+":"+measure] = "Vitals of " + at
			}
		}
	}
	docs, err := o.Documents(patientID)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.Status != db.EnteredInError {
			keys["document:"+d.SHA256] = d.Title
		}
	}
	return keys, nil
}

// presentAs tells whether the chart has what rec would write: any of its
// keys for a problem, allergy or medication; all of them for vitals (each
// measure at that time).
func presentAs(rec chartRecord, chart map[string]string) (string, bool) {
	if len(rec.keys) == 0 {
		return "", false
	}
	if rec.entity == "vitals" {
		for _, k := range rec.keys {
			if _, ok := chart[k]; !ok {
				return "", false
			}
		}
		return chart[rec.keys[0]], true
	}
	for _, k := range rec.keys {
		if shown, ok := chart[k]; ok {
			return shown, true
		}
	}
	return "", false
}
