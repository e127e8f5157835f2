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
	"unicode/utf8"

	"folio/app/fhir"
	"folio/app/filecheck"
	"folio/app/terminology"
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
	itemProcedure    = "procedure"
	itemReport       = "report"
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
	keys    []string // what tells the chart has it already (see chartKeys); the first is the item's own
	problem string
	// codings are those of a row that does not carry its own (a lab
	// result's), by element, written with it (see writeCodings).
	codings map[string][]db.Coding
}

// writeCodings writes the codings rec keeps beside its row, once the row
// with id is written.
func (rec chartRecord) writeCodings(o *op, id string) error {
	for _, element := range []string{db.CodingCode, db.CodingValue} {
		if err := o.InsertCodings(rec.entity, id, element, rec.codings[element]); err != nil {
			return err
		}
	}
	return nil
}

// receivedCodings are an item's codings as the chart keeps them.
func receivedCodings(codes []fhir.ImportCode) []db.Coding {
	out := []db.Coding{}
	for _, c := range codes {
		if c.Code != "" || c.Display != "" {
			out = append(out, db.Coding{System: c.System, Code: c.Code, Display: c.Display})
		}
	}
	return out
}

// codeIn is the first code of codes in the system named name ("RxNorm").
func codeIn(codes []fhir.ImportCode, name string) string {
	for _, c := range codes {
		if c.Code != "" && fhir.SystemName(c.System) == name {
			return c.Code
		}
	}
	return ""
}

// codeKey is how a coding is looked up: by its system's name, so that the
// URIs of one system (http://snomed.info/sct, urn:oid:2.16.840.1.113883.6.96)
// find each other.
func codeKey(system, code string) string {
	return fhir.SystemName(system) + "|" + code
}

// An episode: a problem with another onset (a medication with another
// start) is another record, even under the same code. Two dates are of
// the same episode when they agree as far as both go ("2014" and
// "2014-03-05" do; "2013-09-10" and "2016-05-23" do not); an unknown date
// agrees with any. The chart registers a record under its date and each
// shorter form of it (chartEpisodeKeys); an item looks for its own date,
// its shorter forms and a record known more precisely (itemEpisodeKeys).

func chartEpisodeKeys(key, date string) []string {
	keys := []string{key + "@=" + date}
	for _, p := range shorterDates(date) {
		keys = append(keys, key+"@~"+p)
	}
	return keys
}

// itemEpisodeKeys starts with the key of the item's own episode, which
// groups the file's items that are the same episode.
func itemEpisodeKeys(key, date string) []string {
	keys := []string{key + "@=" + date}
	for _, p := range shorterDates(date) {
		keys = append(keys, key+"@="+p)
	}
	return append(keys, key+"@~"+date)
}

// shorterDates are the less precise forms of a partial date: unknown, its
// year, its month.
func shorterDates(date string) []string {
	var out []string
	for _, n := range []int{0, 4, 7} {
		if n < len(date) {
			out = append(out, date[:n])
		}
	}
	return out
}

// problemCodeKeys are the codes a problem is found by: each coding it
// came with, first (the sender's own code tells its problems apart best),
// and Folio's ICD-10-CM code; its title when it has no code at all.
func problemCodeKeys(icd10, title string, codes []db.Coding) []string {
	var keys []string
	for _, c := range codes {
		if k := "problem:" + codeKey(c.System, c.Code); c.Code != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if k := "problem:" + codeKey(fhir.SystemICD10CM, icd10); icd10 != "" && !slices.Contains(keys, k) {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		keys = append(keys, "problem:title|"+db.Fold(title))
	}
	return keys
}

// firstProblem of a form's wrong fields, for one line of the review.
func fieldsProblem(fields fieldErrors) string {
	if len(fields) == 0 {
		return ""
	}
	return firstProblem(fields)
}

// problemRecord is a Condition as a problem, one per episode: with every
// coding the source gave, and with an ICD-10-CM code of Folio's list when
// the source gave one (else without: the problems table allows that; the
// form does not, so correcting it later asks for a code). Its note is the
// source's, as sent.
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
	in.Title = clipRunes(in.Title, maxTitleLength)
	fields := in.check(list, o.now)
	rec := chartRecord{entity: "problem"}
	if uncoded {
		delete(fields, "code")
		if in.Title == "" {
			fields.add("title", "The problem has neither an ICD-10-CM code nor a name.")
		}
	}
	codes := receivedCodings(x.Codes)
	for _, k := range problemCodeKeys(in.Code, in.Title, codes) {
		rec.keys = append(rec.keys, itemEpisodeKeys(k, in.Onset)...)
	}
	if rec.problem = fieldsProblem(fields); rec.problem != "" {
		return rec, nil
	}
	row := db.Problem{ID: newID(), PatientID: p.ID, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID, Codes: codes}
	setProblemFields(&row, in)
	row.ICD10 = in.Code
	if slices.Contains(clinicalStatuses[row.Status], x.ClinicalStatus) {
		row.ClinicalStatus = x.ClinicalStatus
	}
	rec.row = row
	return rec, nil
}

// clinicalStatuses are FHIR's clinical statuses that each of Folio's
// problem statuses stands for.
var clinicalStatuses = map[string][]string{
	db.ProblemActive:   {"active", "recurrence", "relapse"},
	db.ProblemResolved: {"inactive", "remission", "resolved"},
}

// allergyRecord is an AllergyIntolerance as an allergy, with everything
// the source said of it: the substance's codings, criticality, type,
// categories, verification and each reaction as structured. Code, Folio's
// own, is the substance's RxNorm code when it has one.
func (o *op) allergyRecord(p db.Patient, x fhir.ImportAllergy) chartRecord {
	rec := chartRecord{entity: "allergy", keys: []string{"allergy:" + db.Fold(x.Substance)}}
	codes := receivedCodings(x.Codes)
	for _, c := range codes {
		if c.Code != "" {
			rec.keys = append(rec.keys, "allergy:code:"+codeKey(c.System, c.Code))
		}
	}
	kind := x.SubstanceKind
	if !substanceKinds[kind] {
		kind = "other"
	}
	in := AllergyInput{Substance: clipRunes(x.Substance, maxTitleLength), SubstanceKind: kind,
		Code: codeIn(x.Codes, "RxNorm"), Reaction: x.Reaction, Severity: x.Severity, Status: x.Status,
		Onset: x.Onset, Note: x.Note}
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
		UpdatedAt: o.now, UpdatedBy: o.actor.userID, Codes: codes, Reactions: receivedReactions(x.Reactions)}
	setAllergyFields(&row, in)
	// Only FHIR R4's words are kept (the table checks them); others stay in
	// the original.
	if slices.Contains([]string{"low", "high", "unable-to-assess"}, x.Criticality) {
		row.Criticality = x.Criticality
	}
	if x.Type == "allergy" || x.Type == "intolerance" {
		row.Type = x.Type
	}
	if x.Verification == "unconfirmed" || x.Verification == "confirmed" {
		row.Verification = x.Verification
	}
	row.Categories = x.Category
	rec.row = row
	return rec
}

func receivedReactions(in []fhir.Reaction) []db.AllergyReaction {
	out := []db.AllergyReaction{}
	for _, r := range in {
		rr := db.AllergyReaction{Substance: receivedConcept(r.Substance), Description: r.Description,
			Severity: r.Severity, Onset: r.Onset, Note: r.Note, Manifestations: []db.Concept{}}
		for _, m := range r.Manifestations {
			rr.Manifestations = append(rr.Manifestations, *receivedConcept(&m))
		}
		out = append(out, rr)
	}
	return out
}

func receivedConcept(c *fhir.Concept) *db.Concept {
	if c == nil {
		return nil
	}
	out := &db.Concept{Text: c.Text}
	for _, cd := range c.Codings {
		out.Codes = append(out.Codes, db.Coding{System: cd.System, Code: cd.Code, Display: cd.Display})
	}
	return out
}

func receivedQuantity(q *fhir.Quantity) *db.Quantity {
	if q == nil {
		return nil
	}
	return &db.Quantity{Value: q.Value, Unit: q.Unit, System: q.System, Code: q.Code}
}

func receivedDosages(in []fhir.Dosage) []db.Dosage {
	out := []db.Dosage{}
	for _, d := range in {
		dd := db.Dosage{Sequence: d.Sequence, Text: d.Text, PatientInstruction: d.PatientInstruction,
			AsNeeded: d.AsNeeded, AsNeededFor: receivedConcept(d.AsNeededFor), Route: receivedConcept(d.Route),
			Dose: receivedQuantity(d.Dose), DoseLow: receivedQuantity(d.DoseLow), DoseHigh: receivedQuantity(d.DoseHigh)}
		if t := d.Timing; t != nil {
			dd.Timing = &db.Timing{Code: receivedConcept(t.Code), Count: t.Count, Frequency: t.Frequency,
				Period: t.Period, PeriodUnit: t.PeriodUnit, When: t.When}
		}
		out = append(out, dd)
	}
	return out
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
// that recorded it. It keeps the drug's codings, its dosage as structured,
// its dates as precise as the source gave them (a start of "2015-03" stays
// that), and the source's note as sent. One the source says has ended is
// charted stopped, with the source's reason if it gives one.
func (o *op) medicationRecord(p db.Patient, x fhir.ImportMedication, src importSource) chartRecord {
	rec := chartRecord{entity: "medication"}
	prescriber := x.Prescriber
	if prescriber == "" {
		prescriber = src.orgOf(x.Origin)
	}
	start, startNote := importStartDate(x.Start, x.Date, o.now)
	in := MedicationInput{Drug: x.Drug, RxNorm: x.RxNorm, Dose: x.Dose, Route: x.Route, Frequency: x.Frequency,
		StartDate: start, Source: db.MedElsewhere, Prescriber: clipRunes(prescriber, maxTitleLength),
		Note: strings.TrimSpace(strings.Join([]string{x.Note, startNote}, "\n"))}
	for _, f := range []*string{&in.Dose, &in.Route, &in.Frequency} {
		*f = clipRunes(*f, maxMedicationField)
	}
	if rec.problem = fieldsProblem(in.check(o.now)); rec.problem != "" {
		return rec
	}
	row := db.Medication{ID: newID(), PatientID: p.ID, Version: 1, Status: db.MedActive,
		CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID,
		Codes: receivedCodings(x.Codes), Dosages: receivedDosages(x.Dosages)}
	if err := o.setMedicationFields(&row, in); err != nil {
		rec.problem = err.Error()
		return rec
	}
	// The drug as the source named it ("Acetaminophen 325 MG Oral Tablet"):
	// Folio's list gives the classes and RxNorm code it is checked by, read
	// from every coding it came with, not only the RxNorm one kept.
	row.DrugName = clipRunes(x.Drug, maxTitleLength)
	row.Classes = joinClasses(row.Classes, o.app.cds.ResolveDrug(row.DrugName, medicationCodings(row)).Classes)
	if partialDateProblem(x.Start, o.now) == "" && len(x.Start) < 10 && x.Start != "" {
		row.StartDate = x.Start // as precise as the source gave it
	}
	switch x.Status {
	case "", "active", "on-hold", "intended", "draft", "unknown":
	default: // completed, stopped, cancelled, not-taken (skipped by the parser)
		row.Status = db.MedStopped
		if partialDateProblem(x.End, o.now) == "" && !partialBefore(x.End, row.StartDate) {
			row.StopDate = x.End
		}
		row.StopReason = clipRunes(x.StatusReason, maxReasonLength) // the source's, or none
	}
	// The drug as the source coded and named it, and as Folio's list names
	// it, which is how the chart keeps it; each episode (start) its own.
	for _, k := range medicationKeys(row, x.Drug) {
		if !slices.Contains(rec.keys, k) {
			rec.keys = append(rec.keys, k)
		}
	}
	rec.row = row
	return rec
}

// medicationKeys are what an incoming medication looks for: each of its
// codes and names (names are other names it goes by: the source's), with
// its start (see itemEpisodeKeys); an active one also finds any active
// medication of the same drug, whatever its start.
func medicationKeys(m db.Medication, names ...string) []string {
	var keys []string
	for _, d := range drugKeys(m, names...) {
		keys = append(keys, itemEpisodeKeys(d, m.StartDate)...)
	}
	return append(keys, activeDrugKeys(m, names...)...)
}

// chartMedicationKeys are the keys the chart registers a medication under.
func chartMedicationKeys(m db.Medication) []string {
	var keys []string
	for _, d := range drugKeys(m) {
		keys = append(keys, chartEpisodeKeys(d, m.StartDate)...)
	}
	return append(keys, activeDrugKeys(m)...)
}

func activeDrugKeys(m db.Medication, names ...string) []string {
	if m.Status != db.MedActive {
		return nil
	}
	var keys []string
	for _, d := range drugKeys(m, names...) {
		keys = append(keys, d+"@active")
	}
	return keys
}

// drugKeys name a medication's drug: by Folio's RxNorm code and name, each
// code it arrived with, and names.
func drugKeys(m db.Medication, names ...string) []string {
	drugs := []string{"medication:name:" + db.Fold(m.DrugName)}
	if m.RxNorm != "" {
		drugs = append([]string{"medication:" + codeKey(fhir.SystemRxNorm, m.RxNorm)}, drugs...)
	}
	for _, c := range m.Codes {
		if k := "medication:" + codeKey(c.System, c.Code); c.Code != "" && !slices.Contains(drugs, k) {
			drugs = append(drugs, k)
		}
	}
	for _, n := range names {
		if k := "medication:name:" + db.Fold(n); n != "" && !slices.Contains(drugs, k) {
			drugs = append(drugs, k)
		}
	}
	return drugs
}

// importStartDate is a medication's start as a whole date, as the form
// checks it: a partial one is taken to its first day (the chart keeps the
// partial date itself); a missing one is the date the source wrote the
// item, else today, and said so in a note.
func importStartDate(start, date string, now time.Time) (string, string) {
	switch {
	case len(start) >= 10:
		return start[:10], ""
	case len(start) == 7:
		return start + "-01", ""
	case len(start) == 4:
		return start + "-01-01", ""
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
	// The source's site and route are codes or words; Folio's are a list.
	// One not on it is said in the note (once: the note of a dose that went
	// round says it already). Both keep their codes as they came.
	if site := strings.ToLower(strings.ReplaceAll(x.Site, " ", "_")); immunizationSites[site] {
		in.Site = site
	} else if x.Site != "" {
		in.Note = noteLine(in.Note, "Site: "+x.Site)
	}
	if route := strings.ToLower(x.Route); immunizationRoutes[route] {
		in.Route = route
	} else if route := routeOfCodes(x.RouteCodes); route != "" {
		in.Route = route
	} else if x.Route != "" {
		in.Note = noteLine(in.Note, "Route: "+x.Route)
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
		CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID,
		Codes: receivedCodings(x.Codes), SiteCodes: receivedCodings(x.SiteCodes), RouteCodes: receivedCodings(x.RouteCodes)}
	return rec
}

// routeOfCodes is Folio's route of a vaccine's route codes (HL7 v3
// RouteOfAdministration, as Folio itself sends them); "" for none.
func routeOfCodes(codes []fhir.ImportCode) string {
	for _, c := range codes {
		if c.System != "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration" {
			continue
		}
		switch c.Code {
		case "IM":
			return "intramuscular"
		case "SQ":
			return "subcutaneous"
		case "IDINJ":
			return "intradermal"
		case "PO":
			return "oral"
		case "NASINHLC":
			return "nasal"
		}
	}
	return ""
}

// noteLine adds line to note unless the note has it as a line already.
func noteLine(note, line string) string {
	for _, l := range strings.Split(note, "\n") {
		if strings.TrimSpace(l) == line {
			return note
		}
	}
	return strings.TrimSpace(note + "\n" + line)
}

// resultRecord is a laboratory Observation as a lab result (source
// imported), judged against the lab's range when it came with one, with
// the codings of its test and of a coded value.
func (o *op) resultRecord(p db.Patient, x fhir.ImportResult) chartRecord {
	rec := chartRecord{entity: "lab_result", codings: map[string][]db.Coding{
		db.CodingCode: receivedCodings(x.Codes), db.CodingValue: receivedCodings(x.ValueCodes)}}
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
	if x.Number != nil && x.Comparator == "" && form.row.Value == nil && len(fields) == 0 {
		// A quantity, for a test Folio's list reads as words ("present"):
		// kept a quantity in its unit, judged by the lab's range alone.
		form.row.ValueText, form.row.Low, form.row.High, form.row.RangeText = "", in.Low, in.High, in.RangeText
		judgeNumber(&form.row, value, unit, terminology.LabTest{LOINC: form.row.LOINC, Name: form.row.Name,
			Kind: terminology.LabNumeric}, p.Sex, fields)
	}
	if rec.problem = fieldsProblem(fields); rec.problem != "" {
		return rec
	}
	form.row.Source = labImported
	form.row.ID = newID()
	form.row.Note = clipRunes(strings.TrimSpace(x.Note), maxClinicalNoteLength)
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
	mediaType, problem := filecheck.Check(d.Data)
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
	case itemProcedure:
		var x fhir.ImportProcedure
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.procedureRecord(p, x, src), nil
	case itemReport:
		var x fhir.ImportReport
		if err := json.Unmarshal([]byte(it.Mapped), &x); err != nil {
			return chartRecord{}, fmt.Errorf("read staged item %s: %w", it.ID, err)
		}
		return o.reportRecord(p, x, src), nil
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
		if r.Onset != "" {
			shown += ", since " + r.Onset
		}
		codeKeys := problemCodeKeys(r.ICD10, r.Title, r.Codes)
		if title := "problem:title|" + db.Fold(r.Title); !slices.Contains(codeKeys, title) {
			codeKeys = append(codeKeys, title) // an uncoded item of the same name
		}
		for _, k := range codeKeys {
			for _, ek := range chartEpisodeKeys(k, r.Onset) {
				keys[ek] = shown
			}
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
			keys["allergy:code:"+codeKey(fhir.SystemRxNorm, a.Code)] = allergyDisplay(a)
		}
		for _, c := range a.Codes {
			if c.Code != "" {
				keys["allergy:code:"+codeKey(c.System, c.Code)] = allergyDisplay(a)
			}
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
		for _, k := range chartMedicationKeys(m) {
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
	records, err := o.CareRecords(patientID)
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		if r.Status != db.CareActive {
			continue
		}
		for _, k := range chartCareKeys(r) {
			keys[k] = careRecordShown(r)
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

// insertImportedPatient registers the incoming patient of an import (in is
// the registration form the file fills, checked): with their address as
// structured in the file, and the identifiers other systems gave them (the
// sender's MRN with its system and type, others), as received.
func (o *op) insertImportedPatient(in PatientInput, ph photo, mrn string, incoming IncomingPatient, importID string) (db.Patient, error) {
	p := db.Patient{ID: newID(), MRN: mrn, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	setFields(&p, in)
	if a := incoming.PostalAddress; a != nil {
		var lines []string
		for _, l := range a.Lines {
			lines = append(lines, clipRunes(strings.Join(strings.Fields(l), " "), maxAddressLine))
		}
		p.AddressLine = strings.Join(lines, "\n")
		if utf8.RuneCountInString(p.AddressLine) > maxAddressLine {
			p.AddressLine = clipRunes(strings.ReplaceAll(p.AddressLine, "\n", ", "), maxAddressLine)
		}
		p.City, p.Region = clipRunes(a.City, maxAddressPart), clipRunes(a.State, maxAddressPart)
		p.PostalCode = clipRunes(a.PostalCode, maxPostalCode)
		p.District, p.Country = clipRunes(a.District, maxAddressPart), clipRunes(a.Country, maxAddressPart)
		if slices.Contains([]string{"home", "work", "temp", "old", "billing"}, a.Use) {
			p.AddressUse = a.Use
		}
	}
	var err error
	if p.PhotoID, err = o.storePhoto(p.ID, ph); err != nil {
		return db.Patient{}, err
	}
	if err := o.InsertPatient(p); err != nil {
		return db.Patient{}, err
	}
	own, err := o.ownMRNSystem()
	if err != nil {
		return db.Patient{}, err
	}
	var ids []db.ExternalID
	for _, id := range incoming.Identifiers {
		if id.Value == "" || (own != "" && id.System == own) {
			continue
		}
		e := db.ExternalID{System: id.System, Value: id.Value, Use: id.Use, TypeText: id.Type,
			RecordedAt: o.now, RecordedBy: o.actor.userID, ImportID: importID}
		if len(id.TypeCodes) > 0 {
			t := id.TypeCodes[0]
			e.TypeSystem, e.TypeCode, e.TypeDisplay = t.System, t.Code, t.Display
		}
		ids = append(ids, e)
	}
	return p, o.AddExternalIDs(p.ID, ids)
}

// The registration form's limits on an address's parts, in characters.
const (
	maxAddressLine = 200
	maxAddressPart = 100
	maxPostalCode  = 20
)
