// Package fhir speaks HL7 FHIR R4 for Folio: it turns a patient's record, as
// the clinician chose to send it, into an International Patient Summary
// (IPS) document Bundle for a referral or the patient's own copy, into FHIR
// Bulk Data NDJSON lines for a whole-clinic export, and into a readable HTML
// summary with the same content. It knows nothing of the database or of the
// app: the caller fills a Record with plain values, leaving out what must
// not leave the clinic (retracted items, items the clinician unticked).
package fhir

// Code systems, as FHIR names them.
const (
	SystemICD10CM   = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemLOINC     = "http://loinc.org"
	SystemCVX       = "http://hl7.org/fhir/sid/cvx"
	SystemRxNorm    = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemUCUM      = "http://unitsofmeasure.org"
	SystemSNOMED    = "http://snomed.info/sct"
	SystemURI       = "urn:ietf:rfc:3986" // an identifier whose value is itself a URI, e.g. urn:uuid:…
	SystemAbsentIPS = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
)

// Record is what leaves the clinic about one patient. Every item carries
// Folio's own id (a UUID), from which the FHIR ids are derived, so exporting
// the same item twice gives the same resource id.
type Record struct {
	Patient       Patient
	Problems      []Problem
	Allergies     []Allergy
	Medications   []Medication
	Immunizations []Immunization
	LabResults    []LabResult
	Vitals        []VitalsSet
	// Visits are written by the bulk export, and by a summary document
	// (IPS) the signed notes a referral chose (an Encounter and the note's
	// DocumentReference each, in a Visit notes section). Documents are
	// written by the bulk export only.
	Visits    []Visit
	Documents []Document
	// Appointments are the patient's bookings, kept, missed and
	// cancelled: written by the bulk export only.
	Appointments []Appointment
	// Procedures are the screenings and procedures done (care records):
	// written by the bulk export only.
	Procedures []Procedure

	// NoKnownAllergies is the clinician's recorded "no known allergies"
	// statement; it is said only when Allergies holds no active allergy.
	NoKnownAllergies bool
	// NoKnownProblems and NoKnownMedications say the clinician confirmed
	// there are none (Folio does not store these; the export form may ask).
	// Without them an empty required section says no information is
	// available, which is all an empty list proves.
	NoKnownProblems    bool
	NoKnownMedications bool

	Author   Author    // who composed the summary; may be empty (the clinic is then the author)
	Clinic   Clinic    // the custodian
	Referral *Referral // nil when the summary is no referral (the patient's own copy)
}

// Patient is the demographics of the person the record is about, as on
// Folio's registration form.
type Patient struct {
	ID            string // Folio's patient id
	MRN           string
	FamilyName    string
	GivenNames    string // space separated
	PreferredName string
	BirthDate     string // YYYY-MM-DD
	Sex           string // female, male, other or unknown
	Phone         string
	Phone2        string
	Email         string
	AddressLine   string
	City          string
	Region        string
	PostalCode    string
	Language      string // preferred language as the patient says it, free text
	// The rest of the address as another system gave it: FHIR's district,
	// country and use (home, work, temp, old, billing); "" when not known.
	District   string
	Country    string
	AddressUse string
	// Identifiers are those other systems gave the patient (their MRNs,
	// national numbers), as received; they leave after Folio's own MRN.
	Identifiers []Identifier

	EmergencyName         string
	EmergencyRelationship string
	EmergencyPhone        string
}

// Identifier is a patient's identifier in another system: its namespace (a
// URI), value, FHIR's use, and its type (e.g. HL7 v2-0203 MR).
type Identifier struct {
	System string
	Value  string
	Use    string
	Type   Concept
}

// Coding is one code of a concept: its system (a URI), code and display,
// as Folio received or chose it.
type Coding struct {
	System  string
	Code    string
	Display string
}

// Concept is a coded concept: its codings and its words.
type Concept struct {
	Codings []Coding
	Text    string
}

// Problem is an entry of the problem list.
type Problem struct {
	ID         string
	Code       string // ICD-10-CM with its dot, e.g. E11.9
	Title      string
	Onset      string // YYYY, YYYY-MM or YYYY-MM-DD; "" unknown
	Status     string // active, resolved or entered_in_error
	ResolvedOn string // partial date like Onset; may be ""
	Note       string
	// Codings are those the problem arrived with from another system, as
	// received; Code leaves beside them unless one of them is it.
	Codings []Coding
	// ClinicalStatus is FHIR's, as another system sent it, where Status
	// says less (remission, inactive; recurrence, relapse); "" otherwise.
	ClinicalStatus string
}

// Allergy is an allergy or intolerance.
type Allergy struct {
	ID            string
	Substance     string // "Penicillin"
	SubstanceKind string // drug, drug_class, food, environment or other
	Code          string // optional; an RxNorm code when the substance is a drug
	Reaction      string // "hives"
	Severity      string // mild, moderate, severe or unknown
	Status        string // active, inactive or entered_in_error
	Onset         string // partial date; "" unknown
	Note          string
	// What another system said of the allergy, as it said it; "" and nil
	// for one typed in here (criticality and the reaction are then judged
	// from Severity and Reaction). Codings are the substance's.
	Codings      []Coding
	Criticality  string   // low, high or unable-to-assess
	Type         string   // allergy or intolerance
	Categories   []string // food, medication, environment, biologic
	Verification string   // unconfirmed or confirmed
	Reactions    []Reaction
}

// Reaction is one reaction to an allergy's substance, as its sender
// recorded it.
type Reaction struct {
	Substance      *Concept
	Manifestations []Concept
	Description    string
	Severity       string // mild, moderate or severe
	Onset          string // a FHIR dateTime
	Note           string
}

// Medication is a drug on the medication list.
type Medication struct {
	ID         string
	Drug       string // the name as charted
	RxNorm     string // "" when not known
	Dose       string // "500 mg"
	Route      string // "oral"
	Frequency  string // "twice a day"
	StartDate  string // YYYY-MM-DD
	StopDate   string // "" while taken
	StopReason string
	Status     string // active, stopped or entered_in_error
	Source     string // prescribed_here or elsewhere
	Prescriber string // for a drug prescribed elsewhere
	Note       string
	// Codings are the drug's as another system sent them; RxNorm leaves
	// beside them unless one of them is it. Dosages are its dosage
	// instructions as structured there; without them the dosage leaves as
	// Dose, Route and Frequency in words.
	Codings []Coding
	Dosages []Dosage
}

// Dosage is a dosage instruction: FHIR's Dosage, the parts Folio keeps.
type Dosage struct {
	Sequence           int
	Text               string
	PatientInstruction string
	Timing             *Timing
	AsNeeded           bool
	AsNeededFor        *Concept // the reason, when one is given
	Route              *Concept
	Dose               *Quantity
	DoseLow            *Quantity // a dose range
	DoseHigh           *Quantity
}

// Timing is when doses are taken: a code, and/or Frequency times every
// Period PeriodUnit (FHIR's units of time), Count times in all, at the
// moments When names.
type Timing struct {
	Code       *Concept
	Count      *int
	Frequency  *int
	Period     *float64
	PeriodUnit string
	When       []string
}

// Quantity is an amount with its unit: in words, and as a code of System.
type Quantity struct {
	Value  float64
	Unit   string
	System string
	Code   string
}

// Immunization is a dose of a vaccine.
type Immunization struct {
	ID             string
	CVX            string
	Vaccine        string // the CVX short description
	OccurredOn     string // YYYY-MM-DD; from elsewhere also YYYY or YYYY-MM
	LotNumber      string
	ExpirationDate string // YYYY-MM-DD or YYYY-MM
	Manufacturer   string
	Site           string // left_deltoid, right_deltoid, left_thigh, right_thigh, oral, nasal or other
	Route          string // intramuscular, subcutaneous, intradermal, oral or nasal
	Dose           string // "0.5 mL"
	Source         string // given_here or elsewhere
	Performer      string // who gave it: the clinician here, or the place or person elsewhere
	Status         string // completed or entered_in_error
	Note           string
	// Codings are the vaccine's as another system sent them (CVX leaves
	// beside them unless one is it); SiteCodings and RouteCodings those of
	// a site or route not on Folio's lists (Site and Route are then "").
	Codings      []Coding
	SiteCodings  []Coding
	RouteCodings []Coding
}

// LabResult is one result of a lab test. A numeric result has Value and a
// UCUM Unit; a text result ("Negative") has ValueText.
type LabResult struct {
	ID         string
	LOINC      string // "" for a test without a code
	Name       string
	Value      *float64
	ValueText  string
	Unit       string   // UCUM, e.g. mg/dL
	Low        *float64 // the reference range, in Unit
	High       *float64
	RangeText  string // the range as the lab wrote it, e.g. "<200"
	Flag       string // N, L, H, LL, HH, A or "" (not judged)
	ObservedAt string // RFC 3339 or YYYY-MM-DD
	Status     string // final or entered_in_error
	// Codings are the test's as another system sent them (LOINC leaves
	// beside them unless one is it); ValueCodings those of a coded value,
	// whose words are ValueText.
	Codings      []Coding
	ValueCodings []Coding
	Note         string // the lab's comment on a result from elsewhere
}

// Procedure is a screening or procedure done, here or elsewhere (a care
// record): what, when, with what result, by whom.
type Procedure struct {
	ID          string
	CodeSystem  string // http://snomed.info/sct, http://www.ama-assn.org/go/cpt or http://loinc.org (a report's)
	Code        string
	Display     string
	PerformedOn string // YYYY, YYYY-MM or YYYY-MM-DD
	Result      string
	Performer   string // who or where, done elsewhere
	Note        string
	Source      string // here, elsewhere or imported
	Status      string // active or entered_in_error
	// Codings are those it arrived with from another system, as received;
	// Code leaves beside them unless one of them is it.
	Codings []Coding
}

// VitalsSet is one set of vital signs taken together, in Folio's canonical
// units. A nil value was not measured.
type VitalsSet struct {
	ID          string
	TakenAt     string   // RFC 3339
	Height      *float64 // cm
	Weight      *float64 // kg
	BMI         *float64 // kg/m2
	Systolic    *float64 // mm[Hg]
	Diastolic   *float64 // mm[Hg]
	Pulse       *float64 // beats per minute
	RespRate    *float64 // breaths per minute
	Temperature *float64 // degrees Celsius
	SpO2        *float64 // %
	Pain        *float64 // 0 to 10
	Status      string   // final or entered_in_error

	// HeadCircumference (LOINC 9843-4), a child's measure.
	HeadCircumference *float64 // cm
}

// Visit is an encounter and its note. The clinician, the signer and the
// authors of documents are written as Practitioners, once each.
type Visit struct {
	ID   string // Folio's encounter id
	Kind string // visit (from an appointment) or walk_in
	// Class is HL7 v3 ActCode's ActEncounterCode: AMB (at the clinic, and
	// for "") or VR (a video visit).
	Class     string
	StartedAt string // RFC 3339
	Status    string // open, signed or retracted
	Clinician Author
	// DiagnosisProblemIDs are the problems the visit diagnosed, primary
	// first: Folio's ids of problems of this Record.
	DiagnosisProblemIDs []string
	Note                VisitNote
}

// VisitNote is a visit's SOAP note: a draft until SignedAt is set.
type VisitNote struct {
	ID            string
	Subjective    string
	Objective     string
	Assessment    string
	Plan          string
	SavedAt       string // RFC 3339: the draft's last save
	SignedAt      string // RFC 3339; "" for a draft
	SignedBy      Author
	RetractedAt   string // RFC 3339; "" unless retracted
	RetractedBy   string // the name of who retracted it
	RetractReason string
	Addenda       []Addendum
}

// Addendum is text added to a signed note.
type Addendum struct {
	Text   string
	Author string // the author's name
	At     string // RFC 3339
}

// Document is a file of the chart, written beside the export: the
// DocumentReference names it by URL and carries its size and SHA-1.
type Document struct {
	ID            string
	VisitID       string // Folio's encounter id; "" for none
	Title         string
	Kind          string // referral_letter, lab_report, imaging_report, discharge_summary, consent, image, correspondence or other
	Date          string // YYYY-MM-DD: the date of the document itself
	MediaType     string
	Size          int64
	SHA1          string // base64 of the file's SHA-1, as FHIR's Attachment.hash
	URL           string // where the file is, relative to the export's folder
	Status        string // active or entered_in_error
	RetractReason string
	AddedAt       string // RFC 3339
	AddedBy       Author
}

// Appointment is a booking on the clinic's calendar. The clinician is
// written as a Practitioner, once.
type Appointment struct {
	ID        string // Folio's appointment id
	Status    string // Folio's: booked, arrived, in_room, with_clinician, done, no_show or cancelled
	Start     string // RFC 3339, in the clinic's time zone
	End       string // RFC 3339
	Type      string // the visit type's name, e.g. "Consultation"
	Clinician Author
	Reason    string // why it was cancelled or missed; "" otherwise
	Note      string // the desk's note on the booking
}

// Author is the clinician who composed the summary.
type Author struct {
	ID            string // Folio's user id
	Name          string // full name as Folio shows it
	LicenceNumber string // "" when not recorded
}

// Clinic is the organisation that sends the summary and keeps the record.
type Clinic struct {
	// ID is a stable identity of this clinic's Folio (e.g. its signing key's
	// fingerprint). It names the system of the clinic's MRNs, so a receiver
	// can tell its own patients' numbers from another clinic's; "" leaves
	// MRNs without a system.
	ID      string
	Name    string
	Address string // lines separated by newlines
	Phone   string
}

// Referral is the letter that goes with a referral.
type Referral struct {
	Recipient string // the specialist or service referred to
	Reason    string
	Question  string // what the referring clinician asks the specialist
	Text      string // the letter's free text; may have several lines
}
