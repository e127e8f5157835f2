package fhir

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The out* types are FHIR R4 resources and data types as Folio writes them:
// only the elements Folio fills, in the order the specification lists them.
// (The importer reads FHIR with its own, more forgiving types.)

type outCoding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type outConcept struct {
	Coding []outCoding `json:"coding,omitempty"`
	Text   string      `json:"text,omitempty"`
}

type outReference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

type outIdentifier struct {
	Use    string      `json:"use,omitempty"`
	Type   *outConcept `json:"type,omitempty"`
	System string      `json:"system,omitempty"`
	Value  string      `json:"value"`
}

type outQuantity struct {
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"`
	System string   `json:"system,omitempty"`
	Code   string   `json:"code,omitempty"`
}

type outPeriod struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type outNarrative struct {
	Status string `json:"status"`
	Div    string `json:"div"`
}

type outAnnotation struct {
	Text string `json:"text"`
}

type outHumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

type outContactPoint struct {
	System string `json:"system"`
	Value  string `json:"value"`
	Use    string `json:"use,omitempty"`
}

type outAddress struct {
	Use        string   `json:"use,omitempty"`
	Text       string   `json:"text,omitempty"`
	Line       []string `json:"line,omitempty"`
	City       string   `json:"city,omitempty"`
	District   string   `json:"district,omitempty"`
	State      string   `json:"state,omitempty"`
	PostalCode string   `json:"postalCode,omitempty"`
	Country    string   `json:"country,omitempty"`
}

type outPatientContact struct {
	Relationship []outConcept      `json:"relationship,omitempty"`
	Name         *outHumanName     `json:"name,omitempty"`
	Telecom      []outContactPoint `json:"telecom,omitempty"`
}

type outCommunication struct {
	Language  outConcept `json:"language"`
	Preferred bool       `json:"preferred,omitempty"`
}

type outPatient struct {
	ResourceType         string              `json:"resourceType"`
	ID                   string              `json:"id"`
	Identifier           []outIdentifier     `json:"identifier,omitempty"`
	Name                 []outHumanName      `json:"name,omitempty"`
	Telecom              []outContactPoint   `json:"telecom,omitempty"`
	Gender               string              `json:"gender,omitempty"`
	BirthDate            string              `json:"birthDate,omitempty"`
	Address              []outAddress        `json:"address,omitempty"`
	Contact              []outPatientContact `json:"contact,omitempty"`
	Communication        []outCommunication  `json:"communication,omitempty"`
	ManagingOrganization *outReference       `json:"managingOrganization,omitempty"`
}

type outPractitioner struct {
	ResourceType string          `json:"resourceType"`
	ID           string          `json:"id"`
	Identifier   []outIdentifier `json:"identifier,omitempty"`
	Name         []outHumanName  `json:"name,omitempty"`
}

type outOrganization struct {
	ResourceType string            `json:"resourceType"`
	ID           string            `json:"id"`
	Name         string            `json:"name,omitempty"`
	Telecom      []outContactPoint `json:"telecom,omitempty"`
	Address      []outAddress      `json:"address,omitempty"`
}

type outCondition struct {
	ResourceType       string          `json:"resourceType"`
	ID                 string          `json:"id"`
	Identifier         []outIdentifier `json:"identifier,omitempty"`
	ClinicalStatus     *outConcept     `json:"clinicalStatus,omitempty"`
	VerificationStatus *outConcept     `json:"verificationStatus,omitempty"`
	Category           []outConcept    `json:"category,omitempty"`
	Code               outConcept      `json:"code"`
	Subject            outReference    `json:"subject"`
	OnsetDateTime      string          `json:"onsetDateTime,omitempty"`
	AbatementDateTime  string          `json:"abatementDateTime,omitempty"`
	Note               []outAnnotation `json:"note,omitempty"`
}

type outAllergyReaction struct {
	Substance     *outConcept     `json:"substance,omitempty"`
	Manifestation []outConcept    `json:"manifestation"`
	Description   string          `json:"description,omitempty"`
	Onset         string          `json:"onset,omitempty"`
	Severity      string          `json:"severity,omitempty"`
	Note          []outAnnotation `json:"note,omitempty"`
}

type outAllergy struct {
	ResourceType       string               `json:"resourceType"`
	ID                 string               `json:"id"`
	Identifier         []outIdentifier      `json:"identifier,omitempty"`
	ClinicalStatus     *outConcept          `json:"clinicalStatus,omitempty"`
	VerificationStatus *outConcept          `json:"verificationStatus,omitempty"`
	Type               string               `json:"type,omitempty"`
	Category           []string             `json:"category,omitempty"`
	Criticality        string               `json:"criticality,omitempty"`
	Code               outConcept           `json:"code"`
	Patient            outReference         `json:"patient"`
	OnsetDateTime      string               `json:"onsetDateTime,omitempty"`
	Note               []outAnnotation      `json:"note,omitempty"`
	Reaction           []outAllergyReaction `json:"reaction,omitempty"`
}

type outTimingRepeat struct {
	Count      *int     `json:"count,omitempty"`
	Frequency  *int     `json:"frequency,omitempty"`
	Period     *float64 `json:"period,omitempty"`
	PeriodUnit string   `json:"periodUnit,omitempty"`
	When       []string `json:"when,omitempty"`
}

type outTiming struct {
	Repeat *outTimingRepeat `json:"repeat,omitempty"`
	Code   *outConcept      `json:"code,omitempty"`
}

type outDoseRange struct {
	Low  *outQuantity `json:"low,omitempty"`
	High *outQuantity `json:"high,omitempty"`
}

type outDoseAndRate struct {
	DoseRange    *outDoseRange `json:"doseRange,omitempty"`
	DoseQuantity *outQuantity  `json:"doseQuantity,omitempty"`
}

type outDosage struct {
	Sequence           int              `json:"sequence,omitempty"`
	Text               string           `json:"text,omitempty"`
	PatientInstruction string           `json:"patientInstruction,omitempty"`
	Timing             *outTiming       `json:"timing,omitempty"`
	AsNeededBoolean    bool             `json:"asNeededBoolean,omitempty"`
	AsNeededConcept    *outConcept      `json:"asNeededCodeableConcept,omitempty"`
	Route              *outConcept      `json:"route,omitempty"`
	DoseAndRate        []outDoseAndRate `json:"doseAndRate,omitempty"`
}

type outMedicationStatement struct {
	ResourceType              string          `json:"resourceType"`
	ID                        string          `json:"id"`
	Identifier                []outIdentifier `json:"identifier,omitempty"`
	Status                    string          `json:"status"`
	StatusReason              []outConcept    `json:"statusReason,omitempty"`
	MedicationCodeableConcept outConcept      `json:"medicationCodeableConcept"`
	Subject                   outReference    `json:"subject"`
	EffectivePeriod           *outPeriod      `json:"effectivePeriod,omitempty"`
	InformationSource         *outReference   `json:"informationSource,omitempty"`
	Note                      []outAnnotation `json:"note,omitempty"`
	Dosage                    []outDosage     `json:"dosage,omitempty"`
}

type outImmunizationPerformer struct {
	Actor outReference `json:"actor"`
}

type outImmunization struct {
	ResourceType       string                     `json:"resourceType"`
	ID                 string                     `json:"id"`
	Identifier         []outIdentifier            `json:"identifier,omitempty"`
	Status             string                     `json:"status"`
	VaccineCode        outConcept                 `json:"vaccineCode"`
	Patient            outReference               `json:"patient"`
	OccurrenceDateTime string                     `json:"occurrenceDateTime,omitempty"`
	OccurrenceString   string                     `json:"occurrenceString,omitempty"`
	PrimarySource      bool                       `json:"primarySource"`
	Manufacturer       *outReference              `json:"manufacturer,omitempty"`
	LotNumber          string                     `json:"lotNumber,omitempty"`
	ExpirationDate     string                     `json:"expirationDate,omitempty"`
	Site               *outConcept                `json:"site,omitempty"`
	Route              *outConcept                `json:"route,omitempty"`
	DoseQuantity       *outQuantity               `json:"doseQuantity,omitempty"`
	Performer          []outImmunizationPerformer `json:"performer,omitempty"`
	Note               []outAnnotation            `json:"note,omitempty"`
}

type outRange struct {
	Low  *outQuantity `json:"low,omitempty"`
	High *outQuantity `json:"high,omitempty"`
	Text string       `json:"text,omitempty"`
}

type outComponent struct {
	Code          outConcept   `json:"code"`
	ValueQuantity *outQuantity `json:"valueQuantity,omitempty"`
}

type outObservation struct {
	ResourceType      string          `json:"resourceType"`
	ID                string          `json:"id"`
	Identifier        []outIdentifier `json:"identifier,omitempty"`
	Status            string          `json:"status"`
	Category          []outConcept    `json:"category"`
	Code              outConcept      `json:"code"`
	Subject           outReference    `json:"subject"`
	EffectiveDateTime string          `json:"effectiveDateTime,omitempty"`
	ValueQuantity     *outQuantity    `json:"valueQuantity,omitempty"`
	ValueConcept      *outConcept     `json:"valueCodeableConcept,omitempty"`
	ValueString       string          `json:"valueString,omitempty"`
	Interpretation    []outConcept    `json:"interpretation,omitempty"`
	Note              []outAnnotation `json:"note,omitempty"`
	ReferenceRange    []outRange      `json:"referenceRange,omitempty"`
	Component         []outComponent  `json:"component,omitempty"`
}

type outAttester struct {
	Mode  string       `json:"mode"`
	Time  string       `json:"time,omitempty"`
	Party outReference `json:"party"`
}

type outSection struct {
	Title       string         `json:"title"`
	Code        outConcept     `json:"code"`
	Text        outNarrative   `json:"text"`
	Entry       []outReference `json:"entry,omitempty"`
	EmptyReason *outConcept    `json:"emptyReason,omitempty"`
}

type outComposition struct {
	ResourceType    string         `json:"resourceType"`
	ID              string         `json:"id"`
	Identifier      *outIdentifier `json:"identifier,omitempty"`
	Status          string         `json:"status"`
	Type            outConcept     `json:"type"`
	Subject         outReference   `json:"subject"`
	Date            string         `json:"date"`
	Author          []outReference `json:"author"`
	Title           string         `json:"title"`
	Confidentiality string         `json:"confidentiality,omitempty"`
	Attester        []outAttester  `json:"attester,omitempty"`
	Custodian       *outReference  `json:"custodian,omitempty"`
	Section         []outSection   `json:"section"`
}

type outBundleEntry struct {
	FullURL  string `json:"fullUrl"`
	Resource any    `json:"resource"`
}

type outBundle struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id"`
	Identifier   outIdentifier    `json:"identifier"`
	Type         string           `json:"type"`
	Timestamp    string           `json:"timestamp"`
	Entry        []outBundleEntry `json:"entry"`
}

// Options are what a document needs besides the record.
type Options struct {
	Now time.Time // when the document is made; required
	// DocumentID is Folio's id of this export (e.g. its audit entry's); the
	// Bundle's id and identifier derive from it. "" derives them from the
	// patient and Now.
	DocumentID string
	// Confidentiality is the HL7 v3 Confidentiality code of the document;
	// "" for N (normal).
	Confidentiality string
}

// folioNamespace names the UUIDs Folio derives for FHIR resources: the same
// Folio item always gets the same resource id (uuid.NewSHA1), so a
// re-export replaces rather than duplicates what a receiver kept.
var folioNamespace = uuid.MustParse("b09f511c-8f50-4ab9-a8a9-b01ac12f96f8")

// resourceID is the FHIR id of Folio's item id of a kind ("problem",
// "vitals/8302-2", ...).
func resourceID(kind, folioID string) string {
	// uuid.NewSHA1(folioNamespace, kind+"/"+folioID), without its
	// allocations: a bulk export derives a hundred ids a patient.
	var buf [160]byte
	name := append(append(append(append(buf[:0], folioNamespace[:]...), kind...), '/'), folioID...)
	sum := sha1.Sum(name)
	var id uuid.UUID
	copy(id[:], sum[:16])
	id[6] = id[6]&0x0f | 0x50 // version 5
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id.String()
}

// MRNSystem is the identifier system of the MRNs of the clinic whose
// Clinic.ID is clinicID: the importer recognises its own patients by it.
func MRNSystem(clinicID string) string {
	return "urn:uuid:" + resourceID("mrn-system", clinicID)
}

// Fixed concepts, shared read-only by every resource written.
var (
	conceptProblemListItem = []outConcept{{Coding: []outCoding{{System: "http://terminology.hl7.org/CodeSystem/condition-category",
		Code: "problem-list-item", Display: "Problem List Item"}}}}
	conceptVitalSigns = []outConcept{{Coding: []outCoding{{System: "http://terminology.hl7.org/CodeSystem/observation-category",
		Code: "vital-signs", Display: "Vital Signs"}}}}
	conceptLaboratory = []outConcept{{Coding: []outCoding{{System: "http://terminology.hl7.org/CodeSystem/observation-category",
		Code: "laboratory", Display: "Laboratory"}}}}
	conceptMRN = &outConcept{Coding: []outCoding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "MR",
		Display: "Medical record number"}}}
	conceptLicence = &outConcept{Coding: []outCoding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "LN",
		Display: "License number"}}}
)

func statusConcept(system, code string) *outConcept {
	return &outConcept{Coding: []outCoding{{System: system, Code: code}}}
}

const (
	systemConditionClinical    = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	systemConditionVerStatus   = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
	systemAllergyClinical      = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	systemAllergyVerification  = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
	systemInterpretation       = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	systemActSite              = "http://terminology.hl7.org/CodeSystem/v3-ActSite"
	systemRouteOfAdministation = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
	systemListEmptyReason      = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
)

// Folio's statuses of a retracted item and of the lists.
const (
	statusRetracted = "entered_in_error"
	statusActive    = "active"
)

// mapper turns a record's items into resources. ref writes a reference to
// a resource of the bundle: urn:uuid:… inside a document, Type/id in bulk
// NDJSON where every line stands alone.
type mapper struct {
	rec       *Record
	document  bool
	patientID string
	subject   outReference
}

func newMapper(rec *Record, document bool) *mapper {
	m := &mapper{rec: rec, document: document, patientID: resourceID("patient", rec.Patient.ID)}
	m.subject = outReference{Reference: m.ref("Patient", m.patientID)}
	return m
}

func (m *mapper) ref(resourceType, id string) string {
	if m.document {
		return "urn:uuid:" + id
	}
	return resourceType + "/" + id
}

// folioIdentifier carries Folio's own id (a UUID) so a receiver can tell
// where an item came from and match it on a later import.
func folioIdentifier(folioID string) []outIdentifier {
	if folioID == "" {
		return nil
	}
	return []outIdentifier{{System: SystemURI, Value: "urn:uuid:" + folioID}}
}

func notes(text string) []outAnnotation {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return []outAnnotation{{Text: text}}
}

func (m *mapper) organizationID() string {
	c := m.rec.Clinic
	if c.ID != "" {
		return resourceID("clinic", c.ID)
	}
	return resourceID("clinic-name", c.Name)
}

func (m *mapper) practitionerID() string { return resourceID("user", m.rec.Author.ID) }

func (m *mapper) hasAuthor() bool { return m.rec.Author.ID != "" || m.rec.Author.Name != "" }

func (m *mapper) patient() outPatient {
	p := m.rec.Patient
	out := outPatient{ResourceType: "Patient", ID: m.patientID, Gender: gender(p.Sex), BirthDate: p.BirthDate}
	if p.MRN != "" {
		id := outIdentifier{Use: "usual", Type: conceptMRN, Value: p.MRN}
		if m.rec.Clinic.ID != "" {
			id.System = MRNSystem(m.rec.Clinic.ID)
		}
		out.Identifier = append(out.Identifier, id)
	}
	out.Identifier = append(out.Identifier, folioIdentifier(p.ID)...)
	for _, id := range p.Identifiers {
		if id.Value == "" || hasIdentifier(out.Identifier, id.System, id.Value) {
			continue // one Folio wrote itself, coming back
		}
		out.Identifier = append(out.Identifier, outIdentifier{Use: identifierUse(id.Use), Type: optionalConcept(id.Type),
			System: id.System, Value: id.Value})
	}
	given := strings.Fields(p.GivenNames)
	out.Name = []outHumanName{{Use: "official", Text: strings.TrimSpace(p.GivenNames + " " + p.FamilyName),
		Family: p.FamilyName, Given: given}}
	if p.PreferredName != "" {
		out.Name = append(out.Name, outHumanName{Use: "usual", Given: []string{p.PreferredName}, Family: p.FamilyName})
	}
	out.Telecom = telecom(p.Phone, p.Phone2, p.Email)
	if a := address(p.AddressLine, p.City, p.Region, p.PostalCode); a != nil || p.Country != "" || p.District != "" {
		if a == nil {
			a = &outAddress{}
		}
		a.District, a.Country, a.Use = p.District, p.Country, addressUse(p.AddressUse)
		a.Text = joinNonEmpty([]string{a.Text, p.District, p.Country}, ", ")
		out.Address = []outAddress{*a}
	}
	if p.EmergencyName != "" || p.EmergencyPhone != "" {
		c := outPatientContact{Telecom: telecom(p.EmergencyPhone, "", "")}
		if p.EmergencyName != "" {
			c.Name = &outHumanName{Text: p.EmergencyName}
		}
		if p.EmergencyRelationship != "" {
			c.Relationship = []outConcept{{Text: p.EmergencyRelationship}}
		}
		out.Contact = []outPatientContact{c}
	}
	if p.Language != "" {
		out.Communication = []outCommunication{{Language: outConcept{Text: p.Language}, Preferred: true}}
	}
	if m.rec.Clinic.Name != "" {
		out.ManagingOrganization = &outReference{Reference: m.ref("Organization", m.organizationID())}
	}
	return out
}

func hasIdentifier(ids []outIdentifier, system, value string) bool {
	for _, id := range ids {
		if id.System == system && id.Value == value {
			return true
		}
	}
	return false
}

// identifierUse and addressUse keep FHIR's codes; anything else leaves
// without a use (the binding is required).
func identifierUse(use string) string {
	switch use {
	case "usual", "official", "temp", "secondary", "old":
		return use
	}
	return ""
}

func addressUse(use string) string {
	switch use {
	case "home", "work", "temp", "old", "billing":
		return use
	}
	return ""
}

// codings are an item's codings as received, then Folio's own codes that
// are not among them.
func codings(received []Coding, own ...outCoding) []outCoding {
	var out []outCoding
	for _, c := range received {
		if c.Code == "" && c.Display == "" {
			continue
		}
		out = append(out, outCoding{System: c.System, Code: c.Code, Display: c.Display})
	}
	for _, c := range own {
		if c.Code == "" || hasCoding(out, c.System, c.Code) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func hasCoding(cs []outCoding, system, code string) bool {
	for _, c := range cs {
		if c.System == system && c.Code == code {
			return true
		}
	}
	return false
}

func concept(c Concept) outConcept {
	return outConcept{Coding: codings(c.Codings), Text: c.Text}
}

// optionalConcept is nil for a concept with neither codes nor words.
func optionalConcept(c Concept) *outConcept {
	out := concept(c)
	if len(out.Coding) == 0 && out.Text == "" {
		return nil
	}
	return &out
}

// gender is FHIR's administrative gender of Folio's sex at birth; the two
// lists are the same words.
func gender(sex string) string {
	switch sex {
	case "female", "male", "other", "unknown":
		return sex
	}
	return ""
}

func telecom(phone, phone2, email string) []outContactPoint {
	var out []outContactPoint
	for _, p := range []string{phone, phone2} {
		if p != "" {
			out = append(out, outContactPoint{System: "phone", Value: p})
		}
	}
	if email != "" {
		out = append(out, outContactPoint{System: "email", Value: email})
	}
	return out
}

func address(line, city, region, postalCode string) *outAddress {
	if line == "" && city == "" && region == "" && postalCode == "" {
		return nil
	}
	a := &outAddress{City: city, State: region, PostalCode: postalCode}
	for _, l := range strings.Split(line, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			a.Line = append(a.Line, l)
		}
	}
	parts := append(append([]string{}, a.Line...), strings.TrimSpace(strings.Join([]string{postalCode, city}, " ")), region)
	a.Text = joinNonEmpty(parts, ", ")
	return a
}

func joinNonEmpty(parts []string, sep string) string {
	var b strings.Builder
	for _, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}

func (m *mapper) practitioner() outPractitioner { return practitionerOf(m.rec.Author) }

func (m *mapper) organization() outOrganization {
	c := m.rec.Clinic
	out := outOrganization{ResourceType: "Organization", ID: m.organizationID(), Name: c.Name,
		Telecom: telecom(c.Phone, "", "")}
	if c.Address != "" {
		var lines []string
		for _, l := range strings.Split(c.Address, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		out.Address = []outAddress{{Text: strings.Join(lines, ", "), Line: lines}}
	}
	return out
}

// errDate is a date the record holds that FHIR cannot carry; Folio checks
// dates when they are entered, so it means a caller's mistake.
var errDate = errors.New("not a date")

// partialDate checks a FHIR date: YYYY, YYYY-MM or YYYY-MM-DD.
func partialDate(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	layout := ""
	switch len(s) {
	case 4:
		layout = "2006"
	case 7:
		layout = "2006-01"
	case 10:
		layout = "2006-01-02"
	default:
		return "", fmt.Errorf("%q: %w", s, errDate)
	}
	if _, err := time.Parse(layout, s); err != nil {
		return "", fmt.Errorf("%q: %w", s, errDate)
	}
	return s, nil
}

// dateTime checks a FHIR dateTime: a partial date, or a time with its
// seconds and zone (RFC 3339).
func dateTime(s string) (string, error) {
	if len(s) <= 10 {
		return partialDate(s)
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return "", fmt.Errorf("%q: %w", s, errDate)
	}
	return s, nil
}

func (m *mapper) condition(p Problem) (outCondition, error) {
	onset, err := partialDate(p.Onset)
	if err != nil {
		return outCondition{}, fmt.Errorf("problem %s onset: %w", p.ID, err)
	}
	abatement, err := partialDate(p.ResolvedOn)
	if err != nil {
		return outCondition{}, fmt.Errorf("problem %s resolution: %w", p.ID, err)
	}
	out := outCondition{ResourceType: "Condition", ID: resourceID("problem", p.ID), Identifier: folioIdentifier(p.ID),
		Category: conceptProblemListItem, Subject: m.subject, OnsetDateTime: onset, AbatementDateTime: abatement,
		Note: notes(p.Note)}
	out.ClinicalStatus, out.VerificationStatus = conditionStatus(p.Status)
	if refined := refinedClinicalStatus(p.Status, p.ClinicalStatus); refined != "" {
		out.ClinicalStatus = statusConcept(systemConditionClinical, refined)
	}
	if out.ClinicalStatus == nil || isActiveClinicalStatus(out.ClinicalStatus.Coding[0].Code) {
		// FHIR (con-4): an abated condition is no longer active.
		out.AbatementDateTime = ""
	}
	out.Code = outConcept{Text: p.Title}
	if p.Code != "" {
		out.Code.Coding = codings(p.Codings, outCoding{System: SystemICD10CM, Code: p.Code, Display: p.Title})
	} else {
		out.Code.Coding = codings(p.Codings)
	}
	return out, nil
}

// refinedClinicalStatus is the sender's clinical status when it refines
// Folio's status (a resolved problem in remission, an active one that
// recurred); "" when it does not.
func refinedClinicalStatus(status, clinical string) string {
	switch {
	case status == "resolved" && (clinical == "inactive" || clinical == "remission" || clinical == "resolved"):
		return clinical
	case status == statusActive && (clinical == "recurrence" || clinical == "relapse" || clinical == "active"):
		return clinical
	}
	return ""
}

// isActiveClinicalStatus: FHIR's clinical statuses of a condition that has
// not abated (con-4 forbids an abatement with them).
func isActiveClinicalStatus(code string) bool {
	return code == "active" || code == "recurrence" || code == "relapse"
}

// conditionStatus maps Folio's problem status. A retracted problem has no
// clinical status at all (FHIR con-5).
func conditionStatus(status string) (clinical, verification *outConcept) {
	switch status {
	case statusRetracted:
		return nil, statusConcept(systemConditionVerStatus, "entered-in-error")
	case "resolved":
		return statusConcept(systemConditionClinical, "resolved"), statusConcept(systemConditionVerStatus, "confirmed")
	}
	return statusConcept(systemConditionClinical, "active"), statusConcept(systemConditionVerStatus, "confirmed")
}

func (m *mapper) allergy(a Allergy) (outAllergy, error) {
	onset, err := partialDate(a.Onset)
	if err != nil {
		return outAllergy{}, fmt.Errorf("allergy %s onset: %w", a.ID, err)
	}
	out := outAllergy{ResourceType: "AllergyIntolerance", ID: resourceID("allergy", a.ID), Identifier: folioIdentifier(a.ID),
		Type: allergyType(a.Type), Category: allergyCategories(a), Criticality: allergyCriticality(a),
		Code: outConcept{Text: a.Substance}, Patient: m.subject, OnsetDateTime: onset, Note: notes(a.Note)}
	out.ClinicalStatus, out.VerificationStatus = allergyStatus(a.Status)
	if a.Verification == "unconfirmed" && out.VerificationStatus != nil && a.Status != statusRetracted {
		out.VerificationStatus = statusConcept(systemAllergyVerification, "unconfirmed")
	}
	var own []outCoding
	if a.Code != "" && isRxNormCode(a.Code) && (a.SubstanceKind == "drug" || a.SubstanceKind == "drug_class") {
		own = append(own, outCoding{System: SystemRxNorm, Code: a.Code, Display: a.Substance})
	}
	out.Code.Coding = codings(a.Codings, own...)
	out.Reaction = allergyReactions(a)
	return out, nil
}

// isRxNormCode tells an RxNorm concept id (digits) from other codes an
// allergy may carry, which are then kept as the substance's words only.
func isRxNormCode(code string) bool {
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return code != ""
}

func allergyStatus(status string) (clinical, verification *outConcept) {
	switch status {
	case statusRetracted:
		// FHIR (ait-2): no clinical status on an entry made in error.
		return nil, statusConcept(systemAllergyVerification, "entered-in-error")
	case "inactive":
		return statusConcept(systemAllergyClinical, "inactive"), statusConcept(systemAllergyVerification, "confirmed")
	}
	return statusConcept(systemAllergyClinical, "active"), statusConcept(systemAllergyVerification, "confirmed")
}

// allergyReactions are the reactions as the sender recorded them, else
// the one Folio's form records (its words and severity).
func allergyReactions(a Allergy) []outAllergyReaction {
	var out []outAllergyReaction
	for _, r := range a.Reactions {
		rr := outAllergyReaction{Description: r.Description, Severity: reactionSeverity(r.Severity), Note: notes(r.Note)}
		if r.Substance != nil {
			rr.Substance = optionalConcept(*r.Substance)
		}
		if onset, err := dateTime(r.Onset); err == nil {
			rr.Onset = onset
		}
		for _, mf := range r.Manifestations {
			if c := optionalConcept(mf); c != nil {
				rr.Manifestation = append(rr.Manifestation, *c)
			}
		}
		if len(rr.Manifestation) == 0 {
			// FHIR needs one; the sender gave words only.
			rr.Manifestation = []outConcept{{Text: orWord(r.Description, a.Reaction, "not recorded")}}
		}
		out = append(out, rr)
	}
	if len(out) == 0 && a.Reaction != "" {
		out = []outAllergyReaction{{Manifestation: []outConcept{{Text: a.Reaction}}, Severity: reactionSeverity(a.Severity)}}
	}
	return out
}

// orWord is the first of words that is not "".
func orWord(words ...string) string {
	for _, w := range words {
		if w != "" {
			return w
		}
	}
	return ""
}

func allergyType(t string) string {
	if t == "allergy" || t == "intolerance" {
		return t
	}
	return ""
}

// allergyCategories are the sender's categories, else Folio's kind's.
func allergyCategories(a Allergy) []string {
	var out []string
	for _, c := range a.Categories {
		switch c {
		case "food", "medication", "environment", "biologic":
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out
	}
	return allergyCategory(a.SubstanceKind)
}

func allergyCategory(kind string) []string {
	switch kind {
	case "drug", "drug_class":
		return []string{"medication"}
	case "food":
		return []string{"food"}
	case "environment":
		return []string{"environment"}
	}
	return nil // "other": FHIR's fourth category is biologic, which Folio does not ask
}

// allergyCriticality is FHIR's potential for harm on another exposure: as
// the sender judged it, else judged from the worst reaction Folio recorded:
// a severe reaction means high risk; a mild or moderate one low; unknown is
// unable to assess.
func allergyCriticality(a Allergy) string {
	switch a.Criticality {
	case "low", "high", "unable-to-assess":
		return a.Criticality
	}
	switch a.Severity {
	case "severe":
		return "high"
	case "mild", "moderate":
		return "low"
	}
	return "unable-to-assess"
}

func reactionSeverity(severity string) string {
	switch severity {
	case "mild", "moderate", "severe":
		return severity
	}
	return ""
}

func (m *mapper) medicationStatement(med Medication) (outMedicationStatement, error) {
	start, err := partialDate(med.StartDate)
	if err != nil {
		return outMedicationStatement{}, fmt.Errorf("medication %s start: %w", med.ID, err)
	}
	stop, err := partialDate(med.StopDate)
	if err != nil {
		return outMedicationStatement{}, fmt.Errorf("medication %s stop: %w", med.ID, err)
	}
	out := outMedicationStatement{ResourceType: "MedicationStatement", ID: resourceID("medication", med.ID),
		Identifier: folioIdentifier(med.ID), Status: medicationStatus(med.Status), Subject: m.subject}
	out.MedicationCodeableConcept = outConcept{Text: med.Drug}
	if med.RxNorm != "" {
		out.MedicationCodeableConcept.Coding = codings(med.Codings, outCoding{System: SystemRxNorm, Code: med.RxNorm, Display: med.Drug})
	} else {
		out.MedicationCodeableConcept.Coding = codings(med.Codings)
	}
	if start != "" || stop != "" {
		out.EffectivePeriod = &outPeriod{Start: start, End: stop}
	}
	if med.StopReason != "" && out.Status == "stopped" {
		out.StatusReason = []outConcept{{Text: med.StopReason}}
	}
	out.Dosage = dosages(med)
	if med.Source == "elsewhere" && med.Prescriber != "" {
		// Who prescribed it, as the chart (or its sender) says; a reference
		// by name alone.
		out.InformationSource = &outReference{Display: med.Prescriber}
	}
	out.Note = notes(med.Note)
	return out, nil
}

// dosages are the dosage instructions as their sender structured them,
// else the dose, route and frequency Folio's form records, in words.
func dosages(med Medication) []outDosage {
	var out []outDosage
	for _, d := range med.Dosages {
		od := outDosage{Sequence: d.Sequence, Text: d.Text, PatientInstruction: d.PatientInstruction,
			AsNeededBoolean: d.AsNeeded && d.AsNeededFor == nil}
		if d.AsNeededFor != nil {
			od.AsNeededConcept = optionalConcept(*d.AsNeededFor)
			od.AsNeededBoolean = od.AsNeededConcept == nil && d.AsNeeded
		}
		if d.Route != nil {
			od.Route = optionalConcept(*d.Route)
		}
		if t := d.Timing; t != nil {
			ot := &outTiming{}
			if t.Code != nil {
				ot.Code = optionalConcept(*t.Code)
			}
			if t.Count != nil || t.Frequency != nil || t.Period != nil || t.PeriodUnit != "" || len(t.When) > 0 {
				ot.Repeat = &outTimingRepeat{Count: t.Count, Frequency: t.Frequency, Period: t.Period,
					PeriodUnit: t.PeriodUnit, When: t.When}
			}
			if ot.Code != nil || ot.Repeat != nil {
				od.Timing = ot
			}
		}
		switch {
		case d.Dose != nil:
			od.DoseAndRate = []outDoseAndRate{{DoseQuantity: quantity(d.Dose)}}
		case d.DoseLow != nil || d.DoseHigh != nil:
			od.DoseAndRate = []outDoseAndRate{{DoseRange: &outDoseRange{Low: quantity(d.DoseLow), High: quantity(d.DoseHigh)}}}
		}
		out = append(out, od)
	}
	if len(out) > 0 {
		return out
	}
	if text := dosageText(med); text != "" {
		d := outDosage{Text: text}
		if med.Route != "" {
			d.Route = &outConcept{Text: med.Route}
		}
		out = []outDosage{d}
	}
	return out
}

func quantity(q *Quantity) *outQuantity {
	if q == nil {
		return nil
	}
	v := q.Value
	return &outQuantity{Value: &v, Unit: q.Unit, System: q.System, Code: q.Code}
}

func prescribedElsewhere(med Medication) string {
	if med.Prescriber == "" {
		return "Prescribed elsewhere."
	}
	return "Prescribed elsewhere by " + med.Prescriber + "."
}

func dosageText(med Medication) string {
	return joinNonEmpty([]string{med.Dose, med.Route, med.Frequency}, " ")
}

func medicationStatus(status string) string {
	switch status {
	case statusRetracted:
		return "entered-in-error"
	case "stopped":
		return "stopped"
	}
	return "active"
}

// Immunization sites and routes as HL7 v3 codes; the others are kept as words.
var (
	immunizationSites = map[string]outCoding{
		"left_deltoid":  {System: systemActSite, Code: "LD", Display: "left deltoid"},
		"right_deltoid": {System: systemActSite, Code: "RD", Display: "right deltoid"},
		"left_thigh":    {System: systemActSite, Code: "LT", Display: "left thigh"},
		"right_thigh":   {System: systemActSite, Code: "RT", Display: "right thigh"},
	}
	immunizationRoutes = map[string]outCoding{
		"intramuscular": {System: systemRouteOfAdministation, Code: "IM", Display: "Injection, intramuscular"},
		"subcutaneous":  {System: systemRouteOfAdministation, Code: "SQ", Display: "Injection, subcutaneous"},
		"intradermal":   {System: systemRouteOfAdministation, Code: "IDINJ", Display: "Injection, intradermal"},
		"oral":          {System: systemRouteOfAdministation, Code: "PO", Display: "Swallow, oral"},
	}
)

func codedWord(codes map[string]outCoding, word string) *outConcept {
	if word == "" {
		return nil
	}
	text := strings.ReplaceAll(word, "_", " ")
	if c, ok := codes[word]; ok {
		return &outConcept{Coding: []outCoding{c}, Text: text}
	}
	return &outConcept{Text: text}
}

// receivedOrCoded is a site or route as it came (its codes, with Folio's
// word and code for it beside them), else Folio's word with its code.
func receivedOrCoded(codes map[string]outCoding, word string, received []Coding) *outConcept {
	own := codedWord(codes, word)
	if len(received) == 0 {
		return own
	}
	if own == nil {
		return &outConcept{Coding: codings(received)}
	}
	return &outConcept{Coding: codings(received, own.Coding...), Text: own.Text}
}

func (m *mapper) immunization(im Immunization) (outImmunization, error) {
	occurred, err := partialDate(im.OccurredOn)
	if err != nil {
		return outImmunization{}, fmt.Errorf("immunization %s date: %w", im.ID, err)
	}
	expires, err := partialDate(im.ExpirationDate)
	if err != nil {
		return outImmunization{}, fmt.Errorf("immunization %s lot expiry: %w", im.ID, err)
	}
	out := outImmunization{ResourceType: "Immunization", ID: resourceID("immunization", im.ID),
		Identifier: folioIdentifier(im.ID), Status: "completed", Patient: m.subject, OccurrenceDateTime: occurred,
		PrimarySource: im.Source != "elsewhere", LotNumber: im.LotNumber, ExpirationDate: expires,
		Site:         receivedOrCoded(immunizationSites, im.Site, im.SiteCodings),
		Route:        receivedOrCoded(immunizationRoutes, im.Route, im.RouteCodings),
		DoseQuantity: doseQuantity(im.Dose), Note: notes(im.Note)}
	if im.Status == statusRetracted {
		out.Status = "entered-in-error"
	}
	if occurred == "" {
		out.OccurrenceString = "date unknown" // occurrence[x] is required
	}
	out.VaccineCode = outConcept{Text: im.Vaccine}
	if im.CVX != "" {
		out.VaccineCode.Coding = codings(im.Codings, outCoding{System: SystemCVX, Code: im.CVX, Display: im.Vaccine})
	} else {
		out.VaccineCode.Coding = codings(im.Codings)
	}
	if im.Manufacturer != "" {
		out.Manufacturer = &outReference{Display: im.Manufacturer}
	}
	if im.Performer != "" {
		out.Performer = []outImmunizationPerformer{{Actor: outReference{Display: im.Performer}}}
	}
	return out, nil
}

// doseQuantity reads a dose written "0.5 mL"; other doses stay out of the
// quantity (they are in the narrative).
func doseQuantity(dose string) *outQuantity {
	number, unit, ok := strings.Cut(strings.TrimSpace(dose), " ")
	if !ok || !strings.EqualFold(unit, "mL") {
		return nil
	}
	v, err := strconv.ParseFloat(number, 64)
	if err != nil || v <= 0 {
		return nil
	}
	return &outQuantity{Value: &v, Unit: "mL", System: SystemUCUM, Code: "mL"}
}

// Interpretation codes of Folio's lab flags (HL7 v3 ObservationInterpretation).
var interpretations = map[string]outCoding{
	"N":  {System: systemInterpretation, Code: "N", Display: "Normal"},
	"L":  {System: systemInterpretation, Code: "L", Display: "Low"},
	"H":  {System: systemInterpretation, Code: "H", Display: "High"},
	"LL": {System: systemInterpretation, Code: "LL", Display: "Critical low"},
	"HH": {System: systemInterpretation, Code: "HH", Display: "Critical high"},
	"A":  {System: systemInterpretation, Code: "A", Display: "Abnormal"},
}

func interpretation(flag string) []outConcept {
	c, ok := interpretations[flag]
	if !ok {
		return nil
	}
	return []outConcept{{Coding: []outCoding{c}}}
}

func ucum(value *float64, unit string) *outQuantity {
	if value == nil {
		return nil
	}
	q := &outQuantity{Value: value}
	if unit != "" {
		q.Unit, q.System, q.Code = unit, SystemUCUM, unit
	}
	return q
}

func (m *mapper) labObservation(r LabResult) (outObservation, error) {
	observed, err := dateTime(r.ObservedAt)
	if err != nil {
		return outObservation{}, fmt.Errorf("lab result %s time: %w", r.ID, err)
	}
	out := outObservation{ResourceType: "Observation", ID: resourceID("lab", r.ID), Identifier: folioIdentifier(r.ID),
		Status: "final", Category: conceptLaboratory, Subject: m.subject, EffectiveDateTime: observed,
		Interpretation: interpretation(r.Flag), Note: notes(r.Note)}
	if r.Status == statusRetracted {
		out.Status = "entered-in-error"
	}
	out.Code = outConcept{Text: r.Name}
	if r.LOINC != "" {
		out.Code.Coding = codings(r.Codings, outCoding{System: SystemLOINC, Code: r.LOINC, Display: r.Name})
	} else {
		out.Code.Coding = codings(r.Codings)
	}
	switch {
	case r.Value != nil:
		out.ValueQuantity = ucum(r.Value, r.Unit)
	case len(r.ValueCodings) > 0:
		out.ValueConcept = &outConcept{Coding: codings(r.ValueCodings), Text: r.ValueText}
	default:
		out.ValueString = r.ValueText
	}
	if r.Low != nil || r.High != nil || r.RangeText != "" {
		out.ReferenceRange = []outRange{{Low: ucum(r.Low, r.Unit), High: ucum(r.High, r.Unit), Text: r.RangeText}}
	}
	return out, nil
}

// A vital sign: its LOINC codes (the first is FHIR's vital-signs profile
// code) and UCUM unit.
type vitalSign struct {
	coding []outCoding
	idKind string // "vitals/<LOINC>", names the resource id
	text   string
	unit   string // UCUM code
	shown  string // unit as people write it
	value  func(*VitalsSet) *float64
}

func loinc(code, display string) outCoding {
	return outCoding{System: SystemLOINC, Code: code, Display: display}
}

var (
	vitalSigns = []vitalSign{
		{coding: []outCoding{loinc("8302-2", "Body height")}, text: "Height", unit: "cm", shown: "cm",
			value: func(v *VitalsSet) *float64 { return v.Height }},
		{coding: []outCoding{loinc("29463-7", "Body weight")}, text: "Weight", unit: "kg", shown: "kg",
			value: func(v *VitalsSet) *float64 { return v.Weight }},
		{coding: []outCoding{loinc("39156-5", "Body mass index (BMI) [Ratio]")}, text: "BMI", unit: "kg/m2", shown: "kg/m²",
			value: func(v *VitalsSet) *float64 { return v.BMI }},
		{coding: []outCoding{loinc("8867-4", "Heart rate")}, text: "Heart rate", unit: "/min", shown: "/min",
			value: func(v *VitalsSet) *float64 { return v.Pulse }},
		{coding: []outCoding{loinc("9279-1", "Respiratory rate")}, text: "Respiratory rate", unit: "/min", shown: "/min",
			value: func(v *VitalsSet) *float64 { return v.RespRate }},
		{coding: []outCoding{loinc("8310-5", "Body temperature")}, text: "Temperature", unit: "Cel", shown: "°C",
			value: func(v *VitalsSet) *float64 { return v.Temperature }},
		{coding: []outCoding{loinc("2708-6", "Oxygen saturation in Arterial blood"),
			loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")}, text: "SpO2", unit: "%", shown: "%",
			value: func(v *VitalsSet) *float64 { return v.SpO2 }},
		{coding: []outCoding{loinc("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")},
			text: "Pain score", unit: "{score}", shown: "/10",
			value: func(v *VitalsSet) *float64 { return v.Pain }},
		{coding: []outCoding{loinc("9843-4", "Head Occipital-frontal circumference")}, text: "Head circumference",
			unit: "cm", shown: "cm", value: func(v *VitalsSet) *float64 { return v.HeadCircumference }},
	}
	bloodPressurePanel = outConcept{Coding: []outCoding{loinc("85354-9", "Blood pressure panel with all children optional")},
		Text: "Blood pressure"}
	systolicCode  = outConcept{Coding: []outCoding{loinc("8480-6", "Systolic blood pressure")}, Text: "Systolic"}
	diastolicCode = outConcept{Coding: []outCoding{loinc("8462-4", "Diastolic blood pressure")}, Text: "Diastolic"}
)

func init() {
	for i := range vitalSigns {
		vitalSigns[i].idKind = "vitals/" + vitalSigns[i].coding[0].Code
	}
}

// vitalObservations appends one Observation per sign measured in v; the
// two pressures go together in FHIR's blood pressure panel.
func (m *mapper) vitalObservations(dst []outObservation, v *VitalsSet) ([]outObservation, error) {
	taken, err := dateTime(v.TakenAt)
	if err != nil {
		return dst, fmt.Errorf("vitals %s time: %w", v.ID, err)
	}
	status := "final"
	if v.Status == statusRetracted {
		status = "entered-in-error"
	}
	for i := range vitalSigns {
		sign := &vitalSigns[i]
		value := sign.value(v)
		if value == nil {
			continue
		}
		dst = append(dst, outObservation{ResourceType: "Observation", ID: resourceID(sign.idKind, v.ID),
			Status: status, Category: conceptVitalSigns, Code: outConcept{Coding: sign.coding, Text: sign.text},
			Subject: m.subject, EffectiveDateTime: taken,
			ValueQuantity: &outQuantity{Value: value, Unit: sign.shown, System: SystemUCUM, Code: sign.unit}})
	}
	if v.Systolic != nil || v.Diastolic != nil {
		bp := outObservation{ResourceType: "Observation", ID: resourceID("vitals/85354-9", v.ID), Status: status,
			Category: conceptVitalSigns, Code: bloodPressurePanel, Subject: m.subject, EffectiveDateTime: taken}
		for _, c := range []struct {
			code  outConcept
			value *float64
		}{{systolicCode, v.Systolic}, {diastolicCode, v.Diastolic}} {
			if c.value != nil {
				bp.Component = append(bp.Component, outComponent{Code: c.code,
					ValueQuantity: &outQuantity{Value: c.value, Unit: "mmHg", System: SystemUCUM, Code: "mm[Hg]"}})
			}
		}
		dst = append(dst, bp)
	}
	return dst, nil
}

// "None known" statements: the IPS code system's known-absent codes, with
// SNOMED CT's where the IPS value set lists one.
var (
	noKnownAllergies = outConcept{Coding: []outCoding{
		{System: SystemAbsentIPS, Code: "no-known-allergies", Display: "No known allergies"},
		{System: SystemSNOMED, Code: "716186003", Display: "No known allergy (situation)"}}, Text: "No known allergies"}
	noKnownProblems = outConcept{Coding: []outCoding{
		{System: SystemAbsentIPS, Code: "no-known-problems", Display: "No known problems"},
		{System: SystemSNOMED, Code: "160245001", Display: "No current problems or disability"}}, Text: "No known problems"}
	noKnownMedications = outConcept{Coding: []outCoding{
		{System: SystemAbsentIPS, Code: "no-known-medications", Display: "No known medications"}},
		Text: "No known medications"}
)

func (m *mapper) noKnownAllergy() outAllergy {
	out := outAllergy{ResourceType: "AllergyIntolerance", ID: resourceID("no-known-allergies", m.rec.Patient.ID),
		Code: noKnownAllergies, Patient: m.subject}
	out.ClinicalStatus, out.VerificationStatus = allergyStatus(statusActive)
	return out
}

func (m *mapper) noKnownProblem() outCondition {
	out := outCondition{ResourceType: "Condition", ID: resourceID("no-known-problems", m.rec.Patient.ID),
		Category: conceptProblemListItem, Code: noKnownProblems, Subject: m.subject}
	out.ClinicalStatus, out.VerificationStatus = conditionStatus(statusActive)
	return out
}

func (m *mapper) noKnownMedication() outMedicationStatement {
	return outMedicationStatement{ResourceType: "MedicationStatement", ID: resourceID("no-known-medications", m.rec.Patient.ID),
		Status: "active", MedicationCodeableConcept: noKnownMedications, Subject: m.subject}
}

// saysNoKnownAllergies: the statement stands only while no allergy is active.
func (r *Record) saysNoKnownAllergies() bool {
	return r.NoKnownAllergies && !anyActive(len(r.Allergies), func(i int) string { return r.Allergies[i].Status })
}

func (r *Record) saysNoKnownProblems() bool {
	return r.NoKnownProblems && !anyActive(len(r.Problems), func(i int) string { return r.Problems[i].Status })
}

func (r *Record) saysNoKnownMedications() bool {
	return r.NoKnownMedications && !anyActive(len(r.Medications), func(i int) string { return r.Medications[i].Status })
}

func anyActive(n int, status func(int) string) bool {
	for i := range n {
		if status(i) == statusActive {
			return true
		}
	}
	return false
}

// Sections of the summary: the IPS's, with their LOINC codes, in the order
// a reader expects them.
type sectionKind int

const (
	sectionProblems sectionKind = iota
	sectionAllergies
	sectionMedications
	sectionImmunizations
	sectionResults
	sectionVitals
	sectionNotes
	sectionReferral
)

// The referral letter's section is LOINC 42349-1 "Reason for referral
// (Narrative)", the code of a section that carries why and to whom a
// patient is sent (C-CDA's Reason for Referral section); 57133-1 "Referral
// note" names a whole document, and this document's type must stay the
// IPS's 60591-5.
var sectionCodes = [...]outCoding{
	sectionProblems:      loinc("11450-4", "Problem list - Reported"),
	sectionAllergies:     loinc("48765-2", "Allergies and adverse reactions Document"),
	sectionMedications:   loinc("10160-0", "History of Medication use Narrative"),
	sectionImmunizations: loinc("11369-6", "History of Immunization Narrative"),
	sectionResults:       loinc("30954-2", "Relevant diagnostic tests/laboratory data Narrative"),
	sectionVitals:        loinc("8716-3", "Vital signs"),
	// Visit notes a referral carries: C-CDA's Encounters section, the
	// section of past outpatient visits; IPS leaves room for sections of
	// its own beside the required ones.
	sectionNotes:    loinc("46240-8", "History of Hospitalizations+Outpatient visits Narrative"),
	sectionReferral: loinc("42349-1", "Reason for referral (narrative)"),
}

// unavailable is the IPS's emptyReason for a required section of which
// nothing is known, as its example "no information" document has it.
var unavailable = outConcept{Coding: []outCoding{{System: systemListEmptyReason, Code: "unavailable",
	Display: "Unavailable"}}, Text: "No information available"}

// IPSDocument is rec as an International Patient Summary: a FHIR R4
// document Bundle (compact JSON) whose first entry is the Composition,
// then the Patient, author and clinic, then every item the sections list.
// The same record and options give the same bytes.
func IPSDocument(rec Record, opts Options) ([]byte, error) {
	b, err := ipsBundle(&rec, opts)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	// Compact: indenting a long chart's document costs more than building it.
	enc.SetEscapeHTML(false) // the narratives stay readable in the file
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("IPS document: %w", err)
	}
	return out.Bytes(), nil
}

func ipsBundle(rec *Record, opts Options) (*outBundle, error) {
	if rec.Patient.ID == "" {
		return nil, errors.New("IPS document: the record has no patient id")
	}
	if opts.Now.IsZero() {
		return nil, errors.New("IPS document: no time given")
	}
	if rec.Clinic.Name == "" {
		// FHIR's Organization needs a name or an identifier (org-1), and the
		// receiver needs to know who sent the summary.
		return nil, errors.New("IPS document: the clinic has no name; set it in the clinic's settings")
	}
	m := newMapper(rec, true)
	now := opts.Now.Format(time.RFC3339)
	docKey := opts.DocumentID
	if docKey == "" {
		docKey = rec.Patient.ID + "@" + now
	}
	bundleID, compositionID := resourceID("bundle", docKey), resourceID("composition", docKey)
	views := sectionViews(rec)

	entries := make([]outBundleEntry, 0, 4+len(rec.Problems)+len(rec.Allergies)+len(rec.Medications)+
		len(rec.Immunizations)+len(rec.LabResults)+8*len(rec.Vitals))
	add := func(id string, resource any) outReference {
		entries = append(entries, outBundleEntry{FullURL: "urn:uuid:" + id, Resource: resource})
		return outReference{Reference: "urn:uuid:" + id}
	}
	add(compositionID, nil) // filled last: it lists what follows
	add(m.patientID, m.patient())
	orgRef := outReference{Reference: "urn:uuid:" + m.organizationID()}
	authorRef := orgRef
	if m.hasAuthor() {
		authorRef = add(m.practitionerID(), m.practitioner())
	}
	add(m.organizationID(), m.organization())

	sections := make([]outSection, 0, len(views))
	for _, v := range views {
		s := outSection{Title: v.Title, Code: outConcept{Coding: []outCoding{sectionCodes[v.Kind]}}, Text: outNarrative{
			Status: "generated", Div: v.xhtml()}}
		refs, err := m.sectionEntries(v.Kind, add)
		if err != nil {
			return nil, err
		}
		s.Entry = refs
		if len(refs) == 0 && v.Kind != sectionReferral {
			s.EmptyReason = &unavailable
		}
		sections = append(sections, s)
	}

	confidentiality := opts.Confidentiality
	if confidentiality == "" {
		confidentiality = "N"
	}
	composition := outComposition{ResourceType: "Composition", ID: compositionID,
		Identifier: &outIdentifier{System: SystemURI, Value: "urn:uuid:" + compositionID}, Status: "final",
		Type: outConcept{Coding: []outCoding{loinc("60591-5", "Patient summary Document")}}, Subject: m.subject,
		Date: now, Author: []outReference{authorRef}, Title: documentTitle(rec), Confidentiality: confidentiality,
		Attester: []outAttester{{Mode: "professional", Time: now, Party: authorRef}}, Custodian: &orgRef,
		Section: sections}
	entries[0].Resource = composition
	return &outBundle{ResourceType: "Bundle", ID: bundleID,
		Identifier: outIdentifier{System: SystemURI, Value: "urn:uuid:" + bundleID}, Type: "document",
		Timestamp: now, Entry: entries}, nil
}

func documentTitle(rec *Record) string {
	name := strings.TrimSpace(rec.Patient.GivenNames + " " + rec.Patient.FamilyName)
	if rec.Referral != nil && rec.Referral.Recipient != "" {
		return "Referral to " + rec.Referral.Recipient + ": patient summary of " + name
	}
	return "Patient summary of " + name
}

// sectionEntries adds the resources of a section to the bundle and returns
// the section's references to them.
func (m *mapper) sectionEntries(kind sectionKind, add func(string, any) outReference) ([]outReference, error) {
	rec := m.rec
	var refs []outReference
	switch kind {
	case sectionProblems:
		for _, p := range rec.Problems {
			c, err := m.condition(p)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(c.ID, c))
		}
		if rec.saysNoKnownProblems() {
			c := m.noKnownProblem()
			refs = append(refs, add(c.ID, c))
		}
	case sectionAllergies:
		for _, a := range rec.Allergies {
			r, err := m.allergy(a)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(r.ID, r))
		}
		if rec.saysNoKnownAllergies() {
			r := m.noKnownAllergy()
			refs = append(refs, add(r.ID, r))
		}
	case sectionMedications:
		for _, med := range rec.Medications {
			r, err := m.medicationStatement(med)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(r.ID, r))
		}
		if rec.saysNoKnownMedications() {
			r := m.noKnownMedication()
			refs = append(refs, add(r.ID, r))
		}
	case sectionImmunizations:
		for _, im := range rec.Immunizations {
			r, err := m.immunization(im)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(r.ID, r))
		}
	case sectionResults:
		for _, l := range rec.LabResults {
			r, err := m.labObservation(l)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(r.ID, r))
		}
	case sectionVitals:
		var obs []outObservation
		for i := range rec.Vitals {
			var err error
			if obs, err = m.vitalObservations(obs[:0], &rec.Vitals[i]); err != nil {
				return nil, err
			}
			for _, o := range obs {
				refs = append(refs, add(o.ID, o))
			}
		}
	case sectionNotes:
		problems := map[string]bool{}
		for _, p := range rec.Problems {
			problems[p.ID] = true
		}
		for i := range rec.Visits {
			v := &rec.Visits[i]
			e, err := m.encounter(v, problems)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(e.ID, e))
			note, err := m.noteReference(v)
			if err != nil {
				return nil, err
			}
			refs = append(refs, add(note.ID, note))
		}
	}
	return refs, nil
}
