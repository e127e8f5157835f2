package fhir

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The chart items an import offers, one per resource. Each carries its
// Origin, the Subject (an ImportPatient.Key; "" when it names a patient
// not in the bundle), the source's date as written, and Text: the line a
// clinician reads to accept or skip it.

// ImportProblem is a Condition.
type ImportProblem struct {
	Origin         ImportOrigin `json:"origin"`
	Subject        string       `json:"subject"`
	Text           string       `json:"text"` // "Type 2 diabetes mellitus (ICD-10-CM E11.9), since 2014"
	Title          string       `json:"title"`
	Code           ImportCode   `json:"code"`           // the preferred coding: ICD-10-CM, ICD-10, SNOMED CT, then the first
	Codes          []ImportCode `json:"codes"`          // every coding given
	ClinicalStatus string       `json:"clinicalStatus"` // FHIR: active, recurrence, relapse, inactive, remission, resolved, or ""
	Status         string       `json:"status"`         // Folio: active, or resolved (inactive, remission, resolved)
	Onset          string       `json:"onset"`          // YYYY, YYYY-MM or YYYY-MM-DD; "" when not a date
	OnsetText      string       `json:"onsetText"`      // the onset as written when it is not a date (an age, a string)
	ResolvedOn     string       `json:"resolvedOn"`     // abatement, like Onset
	RecordedDate   string       `json:"recordedDate"`
	Severity       string       `json:"severity"`
	Note           string       `json:"note"`
	Date           string       `json:"date"` // the source's date for the item: recorded, else onset
}

// ImportAllergy is an AllergyIntolerance. NoneKnown marks a "no known
// (drug, food, …) allergy" statement rather than an allergy.
type ImportAllergy struct {
	Origin         ImportOrigin `json:"origin"`
	Subject        string       `json:"subject"`
	Text           string       `json:"text"`
	Substance      string       `json:"substance"`
	Code           ImportCode   `json:"code"` // RxNorm, SNOMED CT, then the first
	Codes          []ImportCode `json:"codes"`
	SubstanceKind  string       `json:"substanceKind"` // Folio's: drug, food, environment or other
	Category       string       `json:"category"`      // FHIR categories as written, comma separated
	Type           string       `json:"type"`          // allergy or intolerance
	Reaction       string       `json:"reaction"`      // manifestations, "; " between reactions
	Severity       string       `json:"severity"`      // mild, moderate, severe or unknown (the worst reaction's)
	Criticality    string       `json:"criticality"`   // low, high, unable-to-assess or ""
	ClinicalStatus string       `json:"clinicalStatus"`
	Status         string       `json:"status"` // Folio: active or inactive
	Verification   string       `json:"verification"`
	Onset          string       `json:"onset"`
	RecordedDate   string       `json:"recordedDate"`
	Note           string       `json:"note"`
	NoneKnown      bool         `json:"noneKnown"`
	Date           string       `json:"date"`
	Reactions      []Reaction   `json:"reactions"` // each as structured in the file
}

// ImportMedication is a MedicationRequest or MedicationStatement.
type ImportMedication struct {
	Origin     ImportOrigin `json:"origin"`
	Subject    string       `json:"subject"`
	Text       string       `json:"text"`
	Drug       string       `json:"drug"`
	RxNorm     string       `json:"rxnorm"` // "" when the source gave no RxNorm code
	Code       ImportCode   `json:"code"`
	Codes      []ImportCode `json:"codes"`
	Dosage     string       `json:"dosage"` // the dosage as a person reads it: its text, or built from dose, route, frequency
	Dose       string       `json:"dose"`
	Route      string       `json:"route"`
	Frequency  string       `json:"frequency"`
	AsNeeded   bool         `json:"asNeeded"`
	Status     string       `json:"status"` // FHIR: active, completed, stopped, on-hold, …
	Intent     string       `json:"intent"` // a request's: order, plan, proposal, …
	Start      string       `json:"start"`  // YYYY, YYYY-MM or YYYY-MM-DD
	End        string       `json:"end"`
	Prescriber string       `json:"prescriber"`
	Note       string       `json:"note"`
	Date       string       `json:"date"` // authoredOn, effective, or dateAsserted as written
	// Dosages are the dosage instructions as structured in the file (Dose,
	// Route, Frequency and Dosage say the first in words); StatusReason
	// is why it was stopped, as the source says it.
	Dosages      []Dosage `json:"dosages"`
	StatusReason string   `json:"statusReason"`
}

// ImportImmunization is an Immunization.
type ImportImmunization struct {
	Origin         ImportOrigin `json:"origin"`
	Subject        string       `json:"subject"`
	Text           string       `json:"text"`
	Vaccine        string       `json:"vaccine"`
	CVX            string       `json:"cvx"` // "" when the source gave no CVX code
	Code           ImportCode   `json:"code"`
	Codes          []ImportCode `json:"codes"`
	OccurredOn     string       `json:"occurredOn"`     // YYYY, YYYY-MM or YYYY-MM-DD; "" when only text was given
	OccurrenceText string       `json:"occurrenceText"` // occurrenceString as written
	LotNumber      string       `json:"lotNumber"`
	ExpirationDate string       `json:"expirationDate"`
	Manufacturer   string       `json:"manufacturer"`
	Site           string       `json:"site"`
	Route          string       `json:"route"`
	SiteCodes      []ImportCode `json:"siteCodes"`
	RouteCodes     []ImportCode `json:"routeCodes"`
	Dose           string       `json:"dose"`
	Status         string       `json:"status"`
	// GivenBy is "source" when the sending organization gave the dose
	// itself (primarySource true), "elsewhere" when it recorded a dose
	// reported to it, "" when it does not say. To the importing clinic every
	// imported dose was given elsewhere.
	GivenBy   string `json:"givenBy"`
	Performer string `json:"performer"`
	Note      string `json:"note"`
	Date      string `json:"date"`
}

// ImportResult is an Observation that is a laboratory result.
type ImportResult struct {
	Origin         ImportOrigin `json:"origin"`
	Subject        string       `json:"subject"`
	Text           string       `json:"text"`
	Name           string       `json:"name"`
	LOINC          string       `json:"loinc"`
	Code           ImportCode   `json:"code"`
	Codes          []ImportCode `json:"codes"`
	Value          string       `json:"value"`      // as a person reads it: "7.5", "Positive"
	ValueCodes     []ImportCode `json:"valueCodes"` // a coded value's codings
	Number         *float64     `json:"number"`     // a quantity's value
	Comparator     string       `json:"comparator"`
	Unit           string       `json:"unit"` // as shown: the quantity's unit, else its code
	UCUM           string       `json:"ucum"` // the UCUM code when the quantity gives one
	Low            *float64     `json:"low"`
	High           *float64     `json:"high"`
	RangeText      string       `json:"rangeText"`
	Interpretation string       `json:"interpretation"` // a code such as H, L, N, A, or the text
	ObservedAt     string       `json:"observedAt"`     // effective, as written
	Status         string       `json:"status"`
	Category       string       `json:"category"`
	Note           string       `json:"note"`
	Date           string       `json:"date"`
}

// ImportVital is one vital-signs Observation: one measurement, or both
// pressures of a blood pressure panel. Values are in Folio's units (cm, kg,
// kg/m2, mmHg, /min, C, %, /10), converted when the source used others.
type ImportVital struct {
	Origin       ImportOrigin        `json:"origin"`
	Subject      string              `json:"subject"`
	Text         string              `json:"text"`
	TakenAt      string              `json:"takenAt"` // effective, as written
	Measurements []ImportMeasurement `json:"measurements"`
	Status       string              `json:"status"`
	Date         string              `json:"date"`
}

// ImportMeasurement is one vital sign. Converted says what was converted,
// e.g. "98.6 [degF] → 37.0 C"; "" when the source used Folio's unit.
type ImportMeasurement struct {
	Measure      string  `json:"measure"` // height, weight, bmi, systolic, diastolic, pulse, resp, temp, spo2, pain
	LOINC        string  `json:"loinc"`
	Value        float64 `json:"value"`
	Unit         string  `json:"unit"`
	Original     float64 `json:"original"`
	OriginalUnit string  `json:"originalUnit"`
	Converted    string  `json:"converted"`
}

// FHIR as read: only the elements the importer uses; the rest stays in Raw.

type inCoding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type inConcept struct {
	Coding []inCoding `json:"coding"`
	Text   string     `json:"text"`
}

type inRef struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

type inIdentifier struct {
	Use    string    `json:"use"`
	System string    `json:"system"`
	Value  string    `json:"value"`
	Type   inConcept `json:"type"`
}

func (id inIdentifier) value() ImportIdentifier {
	return ImportIdentifier{System: id.System, Value: id.Value, Type: id.Type.words(), Use: id.Use,
		TypeCodes: id.Type.codes()}
}

type inQuantity struct {
	Value      *float64 `json:"value"`
	Comparator string   `json:"comparator"`
	Unit       string   `json:"unit"`
	System     string   `json:"system"`
	Code       string   `json:"code"`
}

type inPeriod struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type inAnnotation struct {
	Text string `json:"text"`
}

const (
	inSysICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
	inSysICD10   = "http://hl7.org/fhir/sid/icd-10"
	inSysSNOMED  = "http://snomed.info/sct"
	inSysLOINC   = "http://loinc.org"
	inSysRxNorm  = "http://www.nlm.nih.gov/research/umls/rxnorm"
	inSysCVX     = "http://hl7.org/fhir/sid/cvx"
	inSysUCUM    = "http://unitsofmeasure.org"
	inSysATC     = "http://www.whocc.no/atc"
	inSysIPSNone = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
)

var inSystemNames = map[string]string{
	inSysICD10CM: "ICD-10-CM", inSysICD10: "ICD-10", inSysSNOMED: "SNOMED CT", inSysLOINC: "LOINC",
	inSysRxNorm: "RxNorm", inSysCVX: "CVX", inSysUCUM: "UCUM", inSysATC: "ATC", SystemCPT: "CPT",
	"http://hl7.org/fhir/sid/ndc": "NDC", "urn:oid:2.16.840.1.113883.6.90": "ICD-10-CM",
	"urn:oid:2.16.840.1.113883.6.96": "SNOMED CT", "urn:oid:2.16.840.1.113883.6.1": "LOINC",
	"urn:oid:2.16.840.1.113883.6.88": "RxNorm", "urn:oid:2.16.840.1.113883.12.292": "CVX",
	inSysIPSNone: "IPS absent/unknown",
}

// SystemName is the common name of a code system ("SNOMED CT", "ICD-10-CM",
// "RxNorm"), whichever of its URIs names it; the URI itself when Folio
// does not know the system.
func SystemName(system string) string {
	if name := inSystemNames[system]; name != "" {
		return name
	}
	return system
}

func (c inConcept) codes() []ImportCode {
	out := make([]ImportCode, 0, len(c.Coding))
	for _, cd := range c.Coding {
		if cd.Code == "" && cd.Display == "" {
			continue
		}
		name := inSystemNames[cd.System]
		if name == "" {
			name = cd.System
		}
		out = append(out, ImportCode{System: cd.System, SystemName: name, Code: cd.Code, Display: cd.Display})
	}
	return out
}

// concept is c as the export side's Concept: its codings and its text.
func (c inConcept) concept() Concept {
	out := Concept{Text: strings.TrimSpace(c.Text)}
	for _, cd := range c.codes() {
		out.Codings = append(out.Codings, Coding{System: cd.System, Code: cd.Code, Display: cd.Display})
	}
	return out
}

// optionalConcept is nil for a concept with neither codes nor words.
func (c inConcept) optionalConcept() *Concept {
	out := c.concept()
	if len(out.Codings) == 0 && out.Text == "" {
		return nil
	}
	return &out
}

func (q *inQuantity) quantity() *Quantity {
	if q == nil || q.Value == nil {
		return nil
	}
	return &Quantity{Value: *q.Value, Unit: q.Unit, System: q.System, Code: q.Code}
}

// preferred is the first coding in the first system of the list that has
// one, else the first coding.
func inPreferred(codes []ImportCode, systems ...string) ImportCode {
	for _, sys := range systems {
		for _, c := range codes {
			if inSystemNames[c.System] == inSystemNames[sys] && c.Code != "" {
				return c
			}
		}
	}
	if len(codes) > 0 {
		return codes[0]
	}
	return ImportCode{}
}

func inCodeIn(codes []ImportCode, system string) string {
	for _, c := range codes {
		if inSystemNames[c.System] == inSystemNames[system] && c.Code != "" {
			return c.Code
		}
	}
	return ""
}

// words is what a person reads for a concept: its text, else the first
// display, else the first code.
func (c inConcept) words() string {
	if t := strings.TrimSpace(c.Text); t != "" {
		return t
	}
	for _, cd := range c.Coding {
		if d := strings.TrimSpace(cd.Display); d != "" {
			return d
		}
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// status is a status concept's code (clinicalStatus, verificationStatus).
func (c inConcept) status() string {
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return strings.ToLower(strings.TrimSpace(c.Text))
}

func inNotes(ns []inAnnotation) string {
	var out []string
	for _, n := range ns {
		if t := strings.TrimSpace(n.Text); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, "\n")
}

// partialDate keeps the date part of a FHIR date or dateTime: YYYY,
// YYYY-MM or YYYY-MM-DD; "" when it is not one.
func inPartialDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		if s[10] != 'T' {
			return ""
		}
		s = s[:10]
	}
	switch len(s) {
	case 4, 7, 10:
	default:
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 4 || i == 7 {
			if c != '-' {
				return ""
			}
		} else if c < '0' || c > '9' {
			return ""
		}
	}
	return s
}

// codeWords is "Title (SYSTEM code)", or the title alone without a code.
func inCodeWords(title string, code ImportCode) string {
	if code.Code == "" || code.Code == title {
		return title
	}
	return fmt.Sprintf("%s (%s %s)", title, code.SystemName, code.Code)
}

func inJoinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// --- Patient ---

type inHumanName struct {
	Use    string   `json:"use"`
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
	Prefix []string `json:"prefix"`
	Suffix []string `json:"suffix"`
}

func (n inHumanName) words() string {
	if n.Text != "" {
		return n.Text
	}
	return inJoinNonEmpty(" ", strings.Join(n.Prefix, " "), strings.Join(n.Given, " "), n.Family, strings.Join(n.Suffix, " "))
}

type inAddress struct {
	Use        string   `json:"use"`
	Text       string   `json:"text"`
	Line       []string `json:"line"`
	City       string   `json:"city"`
	District   string   `json:"district"`
	State      string   `json:"state"`
	PostalCode string   `json:"postalCode"`
	Country    string   `json:"country"`
}

// ImportAddress is a postal address as structured in the file.
type ImportAddress struct {
	Use        string   `json:"use"` // home, work, temp, old, billing or ""
	Lines      []string `json:"lines"`
	City       string   `json:"city"`
	District   string   `json:"district"`
	State      string   `json:"state"`
	PostalCode string   `json:"postalCode"`
	Country    string   `json:"country"`
	Text       string   `json:"text"`
}

func (a inAddress) structured() *ImportAddress {
	out := &ImportAddress{Use: a.Use, City: strings.TrimSpace(a.City), District: strings.TrimSpace(a.District),
		State: strings.TrimSpace(a.State), PostalCode: strings.TrimSpace(a.PostalCode),
		Country: strings.TrimSpace(a.Country), Text: strings.TrimSpace(a.Text), Lines: []string{}}
	for _, l := range a.Line {
		if l = strings.TrimSpace(l); l != "" {
			out.Lines = append(out.Lines, l)
		}
	}
	return out
}

func (a inAddress) words() string {
	if a.Text != "" {
		return a.Text
	}
	return inJoinNonEmpty(", ", strings.Join(a.Line, ", "), a.City, inJoinNonEmpty(" ", a.State, a.PostalCode), a.Country)
}

type inPatient struct {
	Identifier []inIdentifier `json:"identifier"`
	Name       []inHumanName  `json:"name"`
	Telecom    []struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"telecom"`
	Gender           string      `json:"gender"`
	BirthDate        string      `json:"birthDate"`
	DeceasedBoolean  *bool       `json:"deceasedBoolean"`
	DeceasedDateTime string      `json:"deceasedDateTime"`
	Address          []inAddress `json:"address"`
}

func (b *inBundle) mapPatient(i int) {
	var p inPatient
	if err := json.Unmarshal(b.resources[i].raw, &p); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	out := ImportPatient{Origin: b.origin(i, nil, ""), Key: b.resources[i].key, BirthDate: inPartialDate(p.BirthDate),
		Identifiers: []ImportIdentifier{}, Names: []string{}, Phones: []string{}, Emails: []string{}}
	for _, id := range p.Identifier {
		out.Identifiers = append(out.Identifiers, id.value())
	}
	official := -1
	for j, n := range p.Name {
		if official < 0 && (n.Use == "official" || n.Use == "usual" || n.Use == "") {
			official = j
		}
	}
	if official < 0 && len(p.Name) > 0 {
		official = 0
	}
	if official >= 0 {
		n := p.Name[official]
		out.FamilyName, out.GivenNames = n.Family, strings.Join(n.Given, " ")
		out.Names = append(out.Names, n.words())
	}
	for j, n := range p.Name {
		if j != official {
			out.Names = append(out.Names, n.words())
		}
	}
	switch g := strings.ToLower(p.Gender); g {
	case "female", "male", "other", "unknown":
		out.Sex = g
	default:
		out.Sex = "unknown"
	}
	switch {
	case p.DeceasedDateTime != "":
		out.Deceased = inPartialDate(p.DeceasedDateTime)
		if out.Deceased == "" {
			out.Deceased = "yes"
		}
	case p.DeceasedBoolean != nil && *p.DeceasedBoolean:
		out.Deceased = "yes"
	}
	for _, t := range p.Telecom {
		switch t.System {
		case "phone", "sms":
			out.Phones = append(out.Phones, strings.TrimPrefix(t.Value, "tel:"))
		case "email":
			out.Emails = append(out.Emails, strings.TrimPrefix(t.Value, "mailto:"))
		}
	}
	for j, a := range p.Address {
		if j == 0 || a.Use == "home" {
			out.Address, out.PostalAddress = a.words(), a.structured()
			if a.Use == "home" {
				break
			}
		}
	}
	name := inJoinNonEmpty(" ", out.GivenNames, out.FamilyName)
	if name == "" && len(out.Names) > 0 {
		name = out.Names[0]
	}
	out.Text = inJoinNonEmpty(", ", inOrWord(name, "Unnamed patient"), inBornWords(out.BirthDate), out.Sex)
	b.imp.Patients = append(b.imp.Patients, out)
}

func inBornWords(d string) string {
	if d == "" {
		return ""
	}
	return "born " + d
}

// misunderstood is the Unmapped reason for a resource of a mapped type
// whose JSON does not have FHIR's shape.
func inMisunderstood(err error) string {
	var typeErr *json.UnmarshalTypeError
	if ok := inAsTypeError(err, &typeErr); ok && typeErr.Field != "" {
		return fmt.Sprintf("Not understood: %s should be %s, not a JSON %s; kept as the original.", typeErr.Field, inJsonKindWord(typeErr.Type.Kind().String()), typeErr.Value)
	}
	return "Not understood: it does not have the shape FHIR gives it; kept as the original."
}

func inAsTypeError(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

// --- Condition ---

type inCondition struct {
	Identifier         []inIdentifier `json:"identifier"`
	ClinicalStatus     inConcept      `json:"clinicalStatus"`
	VerificationStatus inConcept      `json:"verificationStatus"`
	Severity           inConcept      `json:"severity"`
	Code               inConcept      `json:"code"`
	Subject            inRef          `json:"subject"`
	Encounter          inRef          `json:"encounter"`
	OnsetDateTime      string         `json:"onsetDateTime"`
	OnsetPeriod        *inPeriod      `json:"onsetPeriod"`
	OnsetString        string         `json:"onsetString"`
	OnsetAge           *inQuantity    `json:"onsetAge"`
	AbatementDateTime  string         `json:"abatementDateTime"`
	AbatementPeriod    *inPeriod      `json:"abatementPeriod"`
	AbatementString    string         `json:"abatementString"`
	RecordedDate       string         `json:"recordedDate"`
	Recorder           inRef          `json:"recorder"`
	Asserter           inRef          `json:"asserter"`
	Note               []inAnnotation `json:"note"`
}

// IPS codes for "nothing to list" entries.
var inNoInfoCodes = map[string]bool{
	"no-problem-info": true, "no-allergy-info": true, "no-medication-info": true, "no-immunization-info": true,
	"no-known-problems": true, "no-known-medications": true, "no-known-immunizations": true,
}

// SNOMED CT "no known allergy" situations: a statement, not an allergy.
var inNoKnownAllergy = map[string]bool{
	"716186003": true, "409137002": true, "429625007": true, "428607008": true, "428197003": true,
	"1003774007": true, "1003775008": true, "no-known-allergies": true,
}

func inNoInformation(c inConcept) (string, bool) {
	for _, cd := range c.Coding {
		if cd.System == inSysIPSNone && inNoInfoCodes[cd.Code] {
			return inOrWord(cd.Display, cd.Code), true
		}
	}
	return "", false
}

func (b *inBundle) mapCondition(i int) {
	var c inCondition
	if err := json.Unmarshal(b.resources[i].raw, &c); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	title := c.Code.words()
	if none, ok := inNoInformation(c.Code); ok {
		b.skipped(i, none, SkipNoInformation, "The source states it has nothing to list here: "+none+".")
		return
	}
	switch v := c.VerificationStatus.status(); v {
	case "entered-in-error":
		b.skipped(i, title, SkipEnteredInError, "The source marked this problem as entered in error.")
		return
	case "refuted":
		b.skipped(i, title, SkipRefuted, "The source ruled this problem out (refuted).")
		return
	}
	if title == "" {
		b.unmapped(i, "", "A problem with no code and no text; kept as the original.", false)
		return
	}
	codes := c.Code.codes()
	p := ImportProblem{Origin: b.origin(i, c.Identifier, b.recordedBy(c.Encounter, c.Asserter, c.Recorder)),
		Subject: b.subject(c.Subject), Title: title, Codes: codes,
		Code:           inPreferred(codes, inSysICD10CM, inSysICD10, inSysSNOMED),
		ClinicalStatus: c.ClinicalStatus.status(), RecordedDate: c.RecordedDate, Severity: c.Severity.words(),
		Note: inNotes(c.Note)}
	switch {
	case c.OnsetDateTime != "":
		p.Onset = inPartialDate(c.OnsetDateTime)
		if p.Onset == "" {
			p.OnsetText = c.OnsetDateTime
		}
	case c.OnsetPeriod != nil:
		p.Onset = inPartialDate(c.OnsetPeriod.Start)
	case c.OnsetAge != nil && c.OnsetAge.Value != nil:
		p.OnsetText = inJoinNonEmpty(" ", "at age", inFormatNumber(*c.OnsetAge.Value), inOrWord(c.OnsetAge.Unit, c.OnsetAge.Code))
	case c.OnsetString != "":
		p.OnsetText = c.OnsetString
	}
	switch {
	case c.AbatementDateTime != "":
		p.ResolvedOn = inPartialDate(c.AbatementDateTime)
	case c.AbatementPeriod != nil:
		p.ResolvedOn = inPartialDate(inOrWord(c.AbatementPeriod.End, c.AbatementPeriod.Start))
	}
	switch p.ClinicalStatus {
	case "inactive", "remission", "resolved":
		p.Status = "resolved"
	case "":
		p.Status = "active"
		if p.ResolvedOn != "" || c.AbatementString != "" {
			p.Status = "resolved"
		}
	default:
		p.Status = "active"
	}
	p.Date = inOrWord(c.RecordedDate, c.OnsetDateTime)
	p.Text = inCodeWords(title, p.Code)
	when := inOrWord(p.Onset, p.OnsetText)
	switch {
	case p.Status == "resolved" && when != "" && p.ResolvedOn != "":
		p.Text += fmt.Sprintf(", %s to %s", when, p.ResolvedOn)
	case p.Status == "resolved" && p.ResolvedOn != "":
		p.Text += ", resolved " + p.ResolvedOn
	case when != "":
		p.Text += ", since " + when
	}
	if p.Status == "resolved" {
		p.Text += " (" + inOrWord(p.ClinicalStatus, "resolved") + ")"
	}
	b.imp.Problems = append(b.imp.Problems, p)
}

// --- AllergyIntolerance ---

type inAllergy struct {
	Identifier         []inIdentifier `json:"identifier"`
	ClinicalStatus     inConcept      `json:"clinicalStatus"`
	VerificationStatus inConcept      `json:"verificationStatus"`
	Type               string         `json:"type"`
	Category           []string       `json:"category"`
	Criticality        string         `json:"criticality"`
	Code               inConcept      `json:"code"`
	Patient            inRef          `json:"patient"`
	Encounter          inRef          `json:"encounter"`
	OnsetDateTime      string         `json:"onsetDateTime"`
	OnsetString        string         `json:"onsetString"`
	OnsetPeriod        *inPeriod      `json:"onsetPeriod"`
	RecordedDate       string         `json:"recordedDate"`
	Recorder           inRef          `json:"recorder"`
	Asserter           inRef          `json:"asserter"`
	Note               []inAnnotation `json:"note"`
	Reaction           []struct {
		Substance     inConcept      `json:"substance"`
		Manifestation []inConcept    `json:"manifestation"`
		Description   string         `json:"description"`
		Onset         string         `json:"onset"`
		Severity      string         `json:"severity"`
		Note          []inAnnotation `json:"note"`
	} `json:"reaction"`
}

var inSeverityRank = map[string]int{"unknown": 0, "mild": 1, "moderate": 2, "severe": 3}

func (b *inBundle) mapAllergy(i int) {
	var a inAllergy
	if err := json.Unmarshal(b.resources[i].raw, &a); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	substance := a.Code.words()
	for _, cd := range a.Code.Coding {
		if cd.System == inSysIPSNone && (cd.Code == "no-allergy-info") {
			b.skipped(i, substance, SkipNoInformation, "The source states it has no information about allergies.")
			return
		}
	}
	switch a.VerificationStatus.status() {
	case "entered-in-error":
		b.skipped(i, substance, SkipEnteredInError, "The source marked this allergy as entered in error.")
		return
	case "refuted":
		b.skipped(i, substance, SkipRefuted, "The source ruled this allergy out (refuted).")
		return
	}
	if substance == "" {
		b.unmapped(i, "", "An allergy that names no substance; kept as the original.", false)
		return
	}
	codes := a.Code.codes()
	out := ImportAllergy{Origin: b.origin(i, a.Identifier, b.recordedBy(a.Encounter, a.Asserter, a.Recorder)),
		Subject: b.subject(a.Patient), Substance: substance, Codes: codes,
		Code: inPreferred(codes, inSysRxNorm, inSysSNOMED), Category: strings.Join(a.Category, ", "), Type: a.Type,
		Criticality: a.Criticality, ClinicalStatus: a.ClinicalStatus.status(), Verification: a.VerificationStatus.status(),
		RecordedDate: a.RecordedDate, Note: inNotes(a.Note), Severity: "unknown"}
	for _, c := range codes {
		if inNoKnownAllergy[c.Code] {
			out.NoneKnown = true
		}
	}
	out.SubstanceKind = "other"
	if len(a.Category) > 0 {
		switch a.Category[0] {
		case "medication":
			out.SubstanceKind = "drug"
		case "food":
			out.SubstanceKind = "food"
		case "environment":
			out.SubstanceKind = "environment"
		}
	}
	out.Status = "active"
	if s := out.ClinicalStatus; s == "inactive" || s == "resolved" {
		out.Status = "inactive"
	}
	switch {
	case a.OnsetDateTime != "":
		out.Onset = inPartialDate(a.OnsetDateTime)
	case a.OnsetPeriod != nil:
		out.Onset = inPartialDate(a.OnsetPeriod.Start)
	}
	var reactions []string
	for _, r := range a.Reaction {
		var signs []string
		rr := Reaction{Substance: r.Substance.optionalConcept(), Description: strings.TrimSpace(r.Description),
			Onset: r.Onset, Note: inNotes(r.Note)}
		if inSeverityRank[r.Severity] > 0 {
			rr.Severity = r.Severity
		}
		for _, m := range r.Manifestation {
			if w := m.words(); w != "" {
				signs = append(signs, w)
			}
			if c := m.optionalConcept(); c != nil {
				rr.Manifestations = append(rr.Manifestations, *c)
			}
		}
		out.Reactions = append(out.Reactions, rr)
		if len(signs) == 0 && r.Description != "" {
			signs = append(signs, r.Description)
		}
		if len(signs) > 0 {
			reactions = append(reactions, strings.Join(signs, ", "))
		}
		if inSeverityRank[r.Severity] > inSeverityRank[out.Severity] {
			out.Severity = r.Severity
		}
	}
	out.Reaction = strings.Join(reactions, "; ")
	out.Date = inOrWord(a.RecordedDate, a.OnsetDateTime)
	out.Text = inCodeWords(substance, out.Code)
	if !out.NoneKnown {
		out.Text += " (" + out.SubstanceKind + ")"
		inactive := ""
		if out.Status == "inactive" {
			inactive = "inactive"
		}
		if details := inJoinNonEmpty(", ", out.Reaction, inSeverityWords(out.Severity), inCriticalityWords(out.Criticality), inactive); details != "" {
			out.Text += ": " + details
		}
	}
	b.imp.Allergies = append(b.imp.Allergies, out)
}

func inSeverityWords(s string) string {
	if s == "" || s == "unknown" {
		return ""
	}
	return s
}

func inCriticalityWords(c string) string {
	switch c {
	case "high":
		return "high criticality"
	case "low":
		return "low criticality"
	}
	return ""
}

// --- MedicationRequest, MedicationStatement ---

type inDosage struct {
	Text                    string     `json:"text"`
	PatientInstruction      string     `json:"patientInstruction"`
	AsNeededBoolean         bool       `json:"asNeededBoolean"`
	AsNeededCodeableConcept *inConcept `json:"asNeededCodeableConcept"`
	Route                   inConcept  `json:"route"`
	Sequence                *float64   `json:"sequence"`
	Timing                  struct {
		Code   inConcept `json:"code"`
		Repeat struct {
			Count      *float64 `json:"count"`
			Frequency  *float64 `json:"frequency"`
			Period     *float64 `json:"period"`
			PeriodUnit string   `json:"periodUnit"`
			When       []string `json:"when"`
		} `json:"repeat"`
	} `json:"timing"`
	DoseAndRate []struct {
		DoseQuantity *inQuantity `json:"doseQuantity"`
		DoseRange    *struct {
			Low  inQuantity `json:"low"`
			High inQuantity `json:"high"`
		} `json:"doseRange"`
	} `json:"doseAndRate"`
}

type inMedication struct {
	Identifier                []inIdentifier    `json:"identifier"`
	Status                    string            `json:"status"`
	Intent                    string            `json:"intent"`
	MedicationCodeableConcept *inConcept        `json:"medicationCodeableConcept"`
	MedicationReference       *inRef            `json:"medicationReference"`
	Subject                   inRef             `json:"subject"`
	Encounter                 inRef             `json:"encounter"`
	Context                   inRef             `json:"context"`
	AuthoredOn                string            `json:"authoredOn"`
	Requester                 inRef             `json:"requester"`
	EffectiveDateTime         string            `json:"effectiveDateTime"`
	EffectivePeriod           *inPeriod         `json:"effectivePeriod"`
	DateAsserted              string            `json:"dateAsserted"`
	StatusReason              json.RawMessage   `json:"statusReason"` // a list (statement) or one (request)
	InformationSource         inRef             `json:"informationSource"`
	DosageInstruction         []inDosage        `json:"dosageInstruction"`
	Dosage                    []inDosage        `json:"dosage"`
	Note                      []inAnnotation    `json:"note"`
	Contained                 []json.RawMessage `json:"contained"`
}

// medicationConcept finds the drug: the resource's own concept, a
// contained Medication, or one elsewhere in the bundle.
func (b *inBundle) medicationConcept(m inMedication) (inConcept, bool) {
	if m.MedicationCodeableConcept != nil {
		return *m.MedicationCodeableConcept, true
	}
	if m.MedicationReference == nil {
		return inConcept{}, false
	}
	ref := m.MedicationReference.Reference
	var med struct {
		ID   string    `json:"id"`
		Code inConcept `json:"code"`
	}
	if strings.HasPrefix(ref, "#") {
		for _, raw := range m.Contained {
			if json.Unmarshal(raw, &med) == nil && med.ID == ref[1:] {
				return med.Code, true
			}
		}
	} else if j, ok := b.resolve(ref); ok && b.resources[j].resourceType == "Medication" {
		if json.Unmarshal(b.resources[j].raw, &med) == nil {
			b.usedMeds[j] = true
			return med.Code, true
		}
	}
	if m.MedicationReference.Display != "" {
		return inConcept{Text: m.MedicationReference.Display}, true
	}
	return inConcept{}, false
}

func (b *inBundle) mapMedication(i int) {
	var m inMedication
	if err := json.Unmarshal(b.resources[i].raw, &m); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	concept, found := b.medicationConcept(m)
	drug := concept.words()
	if none, ok := inNoInformation(concept); ok {
		b.skipped(i, none, SkipNoInformation, "The source states it has nothing to list here: "+none+".")
		return
	}
	switch m.Status {
	case "entered-in-error":
		b.skipped(i, drug, SkipEnteredInError, "The source marked this medication as entered in error.")
		return
	case "not-taken":
		b.skipped(i, drug, SkipNotTaken, "The source records that the patient does not take this medication.")
		return
	}
	if !found || drug == "" {
		b.unmapped(i, "", "A medication entry that names no drug Folio can find; kept as the original.", false)
		return
	}
	codes := concept.codes()
	out := ImportMedication{Origin: b.origin(i, m.Identifier, b.recordedBy(inOrRef(m.Encounter, m.Context), m.InformationSource, m.Requester)),
		Subject: b.subject(m.Subject), Drug: drug, Codes: codes, Code: inPreferred(codes, inSysRxNorm),
		RxNorm: inCodeIn(codes, inSysRxNorm), Status: m.Status, Intent: m.Intent, Note: inNotes(m.Note),
		Prescriber: m.Requester.Display, StatusReason: inStatusReason(m.StatusReason)}
	if j, ok := b.resolve(m.Requester.Reference); ok {
		out.Prescriber = inOrWord(b.nameOf(j), out.Prescriber)
	}
	if out.Prescriber == "" {
		out.Prescriber = b.informationSource(m.InformationSource)
	}
	dosages := m.DosageInstruction
	if len(dosages) == 0 {
		dosages = m.Dosage
	}
	for _, d := range dosages {
		out.Dosages = append(out.Dosages, d.structured())
	}
	if len(dosages) > 0 {
		d := dosages[0]
		out.Dose, out.Route, out.Frequency = inDoseWords(d), d.Route.words(), inFrequencyWords(d)
		out.AsNeeded = d.AsNeededBoolean || d.AsNeededCodeableConcept != nil
		out.Dosage = d.Text
		if out.Dosage == "" {
			out.Dosage = inJoinNonEmpty(", ", out.Dose, out.Route, out.Frequency)
			if out.AsNeeded {
				out.Dosage = inJoinNonEmpty(", ", out.Dosage, "as needed")
			}
		}
	}
	switch {
	case m.AuthoredOn != "":
		out.Date, out.Start = m.AuthoredOn, inPartialDate(m.AuthoredOn)
	case m.EffectiveDateTime != "":
		out.Date, out.Start = m.EffectiveDateTime, inPartialDate(m.EffectiveDateTime)
	case m.EffectivePeriod != nil:
		out.Date, out.Start, out.End = m.EffectivePeriod.Start, inPartialDate(m.EffectivePeriod.Start), inPartialDate(m.EffectivePeriod.End)
	default:
		out.Date = m.DateAsserted
	}
	out.Text = inCodeWords(drug, out.Code)
	if out.Dosage != "" {
		out.Text += ": " + out.Dosage
	}
	out.Text += "; " + inOrWord(out.Status, "status not given")
	if out.Start != "" {
		out.Text += " since " + out.Start
	}
	b.imp.Medications = append(b.imp.Medications, out)
}

// informationSource is who a statement says told of it, when that is a
// clinician or an organization (named, or by name alone); "" for the
// patient or a relative.
func (b *inBundle) informationSource(ref inRef) string {
	if j, ok := b.resolve(ref.Reference); ok {
		return b.nameOf(j)
	}
	if ref.Reference == "" {
		return strings.TrimSpace(ref.Display)
	}
	if t, _, _ := strings.Cut(ref.Reference, "/"); t == "Practitioner" || t == "Organization" || t == "PractitionerRole" {
		return strings.TrimSpace(ref.Display)
	}
	return ""
}

// inStatusReason is a statusReason's words: one concept (a request's) or
// a list (a statement's), "; " between them.
func inStatusReason(raw json.RawMessage) string {
	var list []inConcept
	if json.Unmarshal(raw, &list) != nil {
		var one inConcept
		if json.Unmarshal(raw, &one) != nil {
			return ""
		}
		list = []inConcept{one}
	}
	var out []string
	for _, c := range list {
		if w := c.words(); w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, "; ")
}

// structured is a dosage as the export side carries it.
func (d inDosage) structured() Dosage {
	out := Dosage{Text: strings.TrimSpace(d.Text), PatientInstruction: strings.TrimSpace(d.PatientInstruction),
		AsNeeded: d.AsNeededBoolean || d.AsNeededCodeableConcept != nil, Route: d.Route.optionalConcept()}
	if n, ok := inPositiveInt(d.Sequence); ok {
		out.Sequence = n
	}
	if d.AsNeededCodeableConcept != nil {
		out.AsNeededFor = d.AsNeededCodeableConcept.optionalConcept()
	}
	rep := d.Timing.Repeat
	t := Timing{Code: d.Timing.Code.optionalConcept(), PeriodUnit: rep.PeriodUnit, When: rep.When}
	if n, ok := inPositiveInt(rep.Count); ok {
		t.Count = &n
	}
	if n, ok := inPositiveInt(rep.Frequency); ok {
		t.Frequency = &n
	}
	if rep.Period != nil && *rep.Period >= 0 && !math.IsInf(*rep.Period, 0) {
		period := *rep.Period
		t.Period = &period
	}
	if t.Code != nil || t.Count != nil || t.Frequency != nil || t.Period != nil || t.PeriodUnit != "" || len(t.When) > 0 {
		out.Timing = &t
	}
	for _, dr := range d.DoseAndRate {
		if q := dr.DoseQuantity.quantity(); q != nil {
			out.Dose = q
			break
		}
		if r := dr.DoseRange; r != nil && (r.Low.Value != nil || r.High.Value != nil) {
			out.DoseLow, out.DoseHigh = r.Low.quantity(), r.High.quantity()
			break
		}
	}
	return out
}

// inPositiveInt reads a FHIR positiveInt (read as a number).
func inPositiveInt(v *float64) (int, bool) {
	if v == nil || *v < 1 || *v > math.MaxInt32 || *v != math.Trunc(*v) {
		return 0, false
	}
	return int(*v), true
}

func inOrRef(a, b inRef) inRef {
	if a.Reference != "" {
		return a
	}
	return b
}

func inDoseWords(d inDosage) string {
	for _, dr := range d.DoseAndRate {
		if q := dr.DoseQuantity; q != nil && q.Value != nil {
			unit := q.Unit
			if unit == "" && q.Code != "1" {
				unit = q.Code
			}
			return inJoinNonEmpty(" ", inFormatNumber(*q.Value), unit)
		}
		if r := dr.DoseRange; r != nil && r.Low.Value != nil && r.High.Value != nil {
			return inJoinNonEmpty(" ", inFormatNumber(*r.Low.Value)+"–"+inFormatNumber(*r.High.Value), inOrWord(r.High.Unit, r.Low.Unit))
		}
	}
	return ""
}

var inPeriodUnits = map[string][2]string{
	"s": {"second", "seconds"}, "min": {"minute", "minutes"}, "h": {"hour", "hours"}, "d": {"day", "days"},
	"wk": {"week", "weeks"}, "mo": {"month", "months"}, "a": {"year", "years"},
}

// frequencyWords says a timing as a prescriber does: "twice a day",
// "every 8 hours".
func inFrequencyWords(d inDosage) string {
	if w := d.Timing.Code.words(); w != "" {
		return w
	}
	rep := d.Timing.Repeat
	unit, known := inPeriodUnits[rep.PeriodUnit]
	if !known || rep.Period == nil {
		return ""
	}
	freq := 1.0
	if rep.Frequency != nil {
		freq = *rep.Frequency
	}
	times := map[float64]string{1: "once", 2: "twice", 3: "three times", 4: "four times"}[freq]
	if times == "" {
		times = inFormatNumber(freq) + " times"
	}
	if *rep.Period == 1 {
		return times + " a " + unit[0]
	}
	if freq == 1 {
		return "every " + inFormatNumber(*rep.Period) + " " + unit[1]
	}
	return times + " every " + inFormatNumber(*rep.Period) + " " + unit[1]
}

func inFormatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// --- Immunization ---

type inImmunization struct {
	Identifier         []inIdentifier `json:"identifier"`
	Status             string         `json:"status"`
	VaccineCode        inConcept      `json:"vaccineCode"`
	Patient            inRef          `json:"patient"`
	Encounter          inRef          `json:"encounter"`
	OccurrenceDateTime string         `json:"occurrenceDateTime"`
	OccurrenceString   string         `json:"occurrenceString"`
	Recorded           string         `json:"recorded"`
	PrimarySource      *bool          `json:"primarySource"`
	ReportOrigin       inConcept      `json:"reportOrigin"`
	Manufacturer       inRef          `json:"manufacturer"`
	LotNumber          string         `json:"lotNumber"`
	ExpirationDate     string         `json:"expirationDate"`
	Site               inConcept      `json:"site"`
	Route              inConcept      `json:"route"`
	DoseQuantity       *inQuantity    `json:"doseQuantity"`
	Performer          []struct {
		Actor inRef `json:"actor"`
	} `json:"performer"`
	Note []inAnnotation `json:"note"`
}

func (b *inBundle) mapImmunization(i int) {
	var m inImmunization
	if err := json.Unmarshal(b.resources[i].raw, &m); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	vaccine := m.VaccineCode.words()
	if none, ok := inNoInformation(m.VaccineCode); ok {
		b.skipped(i, none, SkipNoInformation, "The source states it has nothing to list here: "+none+".")
		return
	}
	switch m.Status {
	case "entered-in-error":
		b.skipped(i, vaccine, SkipEnteredInError, "The source marked this immunization as entered in error.")
		return
	case "not-done":
		b.skipped(i, vaccine, SkipNotDone, "The source records that this vaccine was not given.")
		return
	}
	if vaccine == "" {
		b.unmapped(i, "", "An immunization that names no vaccine; kept as the original.", false)
		return
	}
	var performers []inRef
	var performerNames []string
	for _, p := range m.Performer {
		performers = append(performers, p.Actor)
		name := p.Actor.Display
		if j, ok := b.resolve(p.Actor.Reference); ok {
			name = inOrWord(b.nameOf(j), name)
		}
		if name != "" {
			performerNames = append(performerNames, name)
		}
	}
	codes := m.VaccineCode.codes()
	out := ImportImmunization{Origin: b.origin(i, m.Identifier, b.recordedBy(m.Encounter, performers...)),
		Subject: b.subject(m.Patient), Vaccine: vaccine, Codes: codes, Code: inPreferred(codes, inSysCVX),
		CVX: inCodeIn(codes, inSysCVX), OccurredOn: inPartialDate(m.OccurrenceDateTime), OccurrenceText: m.OccurrenceString,
		LotNumber: m.LotNumber, ExpirationDate: inPartialDate(m.ExpirationDate), Manufacturer: m.Manufacturer.Display,
		Site: m.Site.words(), Route: m.Route.words(), SiteCodes: m.Site.codes(), RouteCodes: m.Route.codes(),
		Status: m.Status, Performer: strings.Join(performerNames, ", "),
		Note: inNotes(m.Note), Date: inOrWord(m.OccurrenceDateTime, m.Recorded)}
	if j, ok := b.resolve(m.Manufacturer.Reference); ok {
		out.Manufacturer = inOrWord(b.nameOf(j), out.Manufacturer)
	}
	if q := m.DoseQuantity; q != nil && q.Value != nil {
		out.Dose = inJoinNonEmpty(" ", inFormatNumber(*q.Value), inOrWord(q.Unit, q.Code))
	}
	if m.PrimarySource != nil {
		out.GivenBy = "elsewhere"
		if *m.PrimarySource {
			out.GivenBy = "source"
		}
	}
	out.Text = inCodeWords(vaccine, out.Code)
	if when := inOrWord(out.OccurredOn, out.OccurrenceText); when != "" {
		out.Text += " on " + when
	}
	if out.LotNumber != "" {
		out.Text += ", lot " + out.LotNumber
	}
	if out.GivenBy == "elsewhere" {
		out.Text += ", reported to the source"
	}
	b.imp.Immunizations = append(b.imp.Immunizations, out)
}
