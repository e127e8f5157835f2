package fhir

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Visits, their notes and the chart's documents, as a whole-clinic export
// writes them: each visit an Encounter, each note a DocumentReference whose
// attachment is the note as plain text, each document a DocumentReference
// naming its file beside the NDJSON (large files do not go inline).

type outEncounterParticipant struct {
	Type       []outConcept  `json:"type,omitempty"`
	Individual *outReference `json:"individual,omitempty"`
}

type outEncounterDiagnosis struct {
	Condition outReference `json:"condition"`
	Rank      int          `json:"rank,omitempty"`
}

type outEncounter struct {
	ResourceType    string                    `json:"resourceType"`
	ID              string                    `json:"id"`
	Identifier      []outIdentifier           `json:"identifier,omitempty"`
	Status          string                    `json:"status"`
	Class           outCoding                 `json:"class"`
	Type            []outConcept              `json:"type,omitempty"`
	Subject         outReference              `json:"subject"`
	Participant     []outEncounterParticipant `json:"participant,omitempty"`
	Period          *outPeriod                `json:"period,omitempty"`
	Diagnosis       []outEncounterDiagnosis   `json:"diagnosis,omitempty"`
	ServiceProvider *outReference             `json:"serviceProvider,omitempty"`
}

type outAttachment struct {
	ContentType string `json:"contentType,omitempty"`
	Data        string `json:"data,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Hash        string `json:"hash,omitempty"`
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

type outDocumentContent struct {
	Attachment outAttachment `json:"attachment"`
}

type outDocumentContext struct {
	Encounter []outReference `json:"encounter,omitempty"`
	Period    *outPeriod     `json:"period,omitempty"`
}

type outDocumentReference struct {
	ResourceType  string               `json:"resourceType"`
	ID            string               `json:"id"`
	Identifier    []outIdentifier      `json:"identifier,omitempty"`
	Status        string               `json:"status"`
	DocStatus     string               `json:"docStatus,omitempty"`
	Type          *outConcept          `json:"type,omitempty"`
	Category      []outConcept         `json:"category,omitempty"`
	Subject       outReference         `json:"subject"`
	Date          string               `json:"date,omitempty"`
	Author        []outReference       `json:"author,omitempty"`
	Authenticator *outReference        `json:"authenticator,omitempty"`
	Custodian     *outReference        `json:"custodian,omitempty"`
	Description   string               `json:"description,omitempty"`
	Content       []outDocumentContent `json:"content"`
	Context       *outDocumentContext  `json:"context,omitempty"`
}

// NoteContentType is the media type of a note's text in the export.
const NoteContentType = "text/plain; charset=utf-8"

var (
	// The Encounter's class, from HL7 v3 ActCode's ActEncounterCode
	// (http://terminology.hl7.org/CodeSystem/v3-ActCode, the value set FHIR
	// R4 binds Encounter.class to, v3-ActEncounterCode): a visit at the
	// clinic is ambulatory, a video visit virtual.
	classAmbulatory = outCoding{System: "http://terminology.hl7.org/CodeSystem/v3-ActCode", Code: "AMB",
		Display: "ambulatory"}
	classVirtual = outCoding{System: "http://terminology.hl7.org/CodeSystem/v3-ActCode", Code: "VR",
		Display: "virtual"}
	participantPrimary = []outConcept{{Coding: []outCoding{{
		System: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", Code: "PPRF", Display: "primary performer"}}}}
	conceptProgressNote = &outConcept{Coding: []outCoding{loinc("11506-3", "Progress note")}, Text: "Progress note"}
	// US Core's document category: the one code system FHIR R4 servers
	// commonly index notes by.
	conceptClinicalNote = []outConcept{{Coding: []outCoding{{
		System: "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category", Code: "clinical-note",
		Display: "Clinical Note"}}}}
	// documentTypes are the LOINC document codes of Folio's document kinds
	// that have one plainly meant for them; the others are kept as words.
	documentTypes = map[string]outCoding{
		"referral_letter":   loinc("57133-1", "Referral note"),
		"discharge_summary": loinc("18842-5", "Discharge summary"),
		"lab_report":        loinc("11502-2", "Laboratory report"),
		"imaging_report":    loinc("18748-4", "Diagnostic imaging study"),
		"consent":           loinc("59284-0", "Patient Consent"),
	}
)

func encounterStatus(status string) string {
	switch status {
	case "signed":
		return "finished"
	case "retracted":
		return "entered-in-error"
	}
	return "in-progress"
}

// instant checks a FHIR instant: a time to the second with its zone.
func instant(s string) (string, error) {
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return "", fmt.Errorf("%q: %w", s, errDate)
	}
	return s, nil
}

// practitionerOf is the Practitioner of a Folio user.
func practitionerOf(a Author) outPractitioner {
	out := outPractitioner{ResourceType: "Practitioner", ID: resourceID("user", a.ID), Identifier: folioIdentifier(a.ID)}
	if a.LicenceNumber != "" {
		out.Identifier = append(out.Identifier, outIdentifier{Type: conceptLicence, Value: a.LicenceNumber})
	}
	if a.Name != "" {
		out.Name = []outHumanName{{Text: a.Name}}
	}
	return out
}

// personRef names a user: a reference to their Practitioner when Folio
// knows who it is, else their name alone. A summary document (IPS) holds
// the Practitioner of its author alone: any other clinician of its visits
// is named, not linked.
func (m *mapper) personRef(a Author) *outReference {
	switch {
	case a.ID != "" && (!m.document || a.ID == m.rec.Author.ID):
		return &outReference{Reference: m.ref("Practitioner", resourceID("user", a.ID)), Display: a.Name}
	case a.Name != "":
		return &outReference{Display: a.Name}
	}
	return nil
}

func (m *mapper) custodian() *outReference {
	if m.rec.Clinic.Name == "" && m.rec.Clinic.ID == "" {
		return nil
	}
	return &outReference{Reference: m.ref("Organization", m.organizationID())}
}

func (m *mapper) encounter(v *Visit, problems map[string]bool) (outEncounter, error) {
	started, err := instant(v.StartedAt)
	if err != nil {
		return outEncounter{}, fmt.Errorf("visit %s start: %w", v.ID, err)
	}
	out := outEncounter{ResourceType: "Encounter", ID: resourceID("encounter", v.ID), Identifier: folioIdentifier(v.ID),
		Status: encounterStatus(v.Status), Class: classAmbulatory, Subject: m.subject,
		Period: &outPeriod{Start: started}, ServiceProvider: m.custodian()}
	switch v.Kind {
	case "walk_in":
		out.Type = []outConcept{{Text: "Walk-in visit"}}
	case "visit":
		out.Type = []outConcept{{Text: "Scheduled visit"}}
	}
	switch v.Class {
	case "", "AMB":
	case "VR":
		out.Class, out.Type = classVirtual, []outConcept{{Text: "Video visit"}}
	default:
		return outEncounter{}, fmt.Errorf("visit %s: class %q is no ActEncounterCode Folio writes", v.ID, v.Class)
	}
	if ref := m.personRef(v.Clinician); ref != nil {
		out.Participant = []outEncounterParticipant{{Type: participantPrimary, Individual: ref}}
	}
	for i, id := range v.DiagnosisProblemIDs {
		if !problems[id] {
			// The reference would name no Condition of the export.
			return outEncounter{}, fmt.Errorf("visit %s: diagnosis %s is no problem of the chart", v.ID, id)
		}
		out.Diagnosis = append(out.Diagnosis, outEncounterDiagnosis{
			Condition: outReference{Reference: m.ref("Condition", resourceID("problem", id))}, Rank: i + 1})
	}
	return out, nil
}

// noteReference is a visit's note as a DocumentReference carrying the note
// as text: a signed note is final, a draft preliminary, a retracted one
// entered in error (its text stays, as Folio keeps it).
func (m *mapper) noteReference(v *Visit) (outDocumentReference, error) {
	n := &v.Note
	signed := n.SignedAt != ""
	when, author := n.SavedAt, v.Clinician
	if signed {
		when, author = n.SignedAt, n.SignedBy
	}
	date, err := instant(when)
	if err != nil {
		return outDocumentReference{}, fmt.Errorf("note %s time: %w", n.ID, err)
	}
	text, err := noteText(v)
	if err != nil {
		return outDocumentReference{}, err
	}
	sum := sha1.Sum([]byte(text))
	out := outDocumentReference{ResourceType: "DocumentReference", ID: resourceID("note", n.ID),
		Identifier: folioIdentifier(n.ID), Status: "current", DocStatus: "preliminary", Type: conceptProgressNote,
		Category: conceptClinicalNote, Subject: m.subject, Date: date, Custodian: m.custodian(),
		Content: []outDocumentContent{{Attachment: outAttachment{ContentType: NoteContentType,
			Data: base64.StdEncoding.EncodeToString([]byte(text)), Size: int64(len(text)),
			Hash: base64.StdEncoding.EncodeToString(sum[:]), Title: "Progress note", Creation: date}}},
		Context: &outDocumentContext{Encounter: []outReference{{Reference: m.ref("Encounter", resourceID("encounter", v.ID))}},
			Period: &outPeriod{Start: v.StartedAt}}}
	if ref := m.personRef(author); ref != nil {
		out.Author = []outReference{*ref}
	}
	if signed {
		out.DocStatus = "final"
		out.Authenticator = m.personRef(n.SignedBy)
	}
	if n.RetractedAt != "" {
		out.Status = "entered-in-error"
		out.Description = "Entered in error: " + n.RetractReason
	}
	return out, nil
}

// documentReference is a chart document whose file was written beside the
// export at d.URL. Its date is when it was attached (an instant); the
// document's own date is the date of the service it documents.
func (m *mapper) documentReference(d *Document) (outDocumentReference, error) {
	added, err := instant(d.AddedAt)
	if err != nil {
		return outDocumentReference{}, fmt.Errorf("document %s attached: %w", d.ID, err)
	}
	date, err := partialDate(d.Date)
	if err != nil {
		return outDocumentReference{}, fmt.Errorf("document %s date: %w", d.ID, err)
	}
	if d.URL == "" || d.SHA1 == "" {
		return outDocumentReference{}, fmt.Errorf("document %s: its file was not written", d.ID)
	}
	kind := &outConcept{Text: strings.ReplaceAll(d.Kind, "_", " ")}
	if c, ok := documentTypes[d.Kind]; ok {
		kind.Coding = []outCoding{c}
	}
	out := outDocumentReference{ResourceType: "DocumentReference", ID: resourceID("document", d.ID),
		Identifier: folioIdentifier(d.ID), Status: "current", Type: kind, Subject: m.subject, Date: added,
		Custodian: m.custodian(), Description: d.Title,
		Content: []outDocumentContent{{Attachment: outAttachment{ContentType: d.MediaType, URL: d.URL, Size: d.Size,
			Hash: d.SHA1, Title: d.Title, Creation: date}}}}
	if ref := m.personRef(d.AddedBy); ref != nil {
		out.Author = []outReference{*ref}
	}
	if d.Status == statusRetracted {
		out.Status = "entered-in-error"
		out.Description = d.Title + ". Entered in error: " + d.RetractReason
	}
	ctx := &outDocumentContext{}
	if d.VisitID != "" {
		ctx.Encounter = []outReference{{Reference: m.ref("Encounter", resourceID("encounter", d.VisitID))}}
	}
	if date != "" {
		ctx.Period = &outPeriod{Start: date}
	}
	if ctx.Encounter != nil || ctx.Period != nil {
		out.Context = ctx
	}
	return out, nil
}

// noteText is the note as a reader of the export sees it: who saw the
// patient and when, the S/O/A/P parts under their headings, each addendum
// with its author and time, and a retraction with its reason.
func noteText(v *Visit) (string, error) {
	n := &v.Note
	var b strings.Builder
	started, err := readableTime(v.StartedAt)
	if err != nil {
		return "", fmt.Errorf("visit %s start: %w", v.ID, err)
	}
	fmt.Fprintf(&b, "Progress note\nVisit: %s", started)
	if v.Clinician.Name != "" {
		fmt.Fprintf(&b, ", %s", v.Clinician.Name)
	}
	b.WriteString("\n")
	if n.SignedAt == "" {
		saved, err := readableTime(n.SavedAt)
		if err != nil {
			return "", fmt.Errorf("note %s saved: %w", n.ID, err)
		}
		fmt.Fprintf(&b, "Status: draft, not signed (last saved %s)\n", saved)
	} else {
		signed, err := readableTime(n.SignedAt)
		if err != nil {
			return "", fmt.Errorf("note %s signed: %w", n.ID, err)
		}
		fmt.Fprintf(&b, "Signed: %s by %s\n", signed, n.SignedBy.Name)
	}
	if n.RetractedAt != "" {
		b.WriteString("Status: ENTERED IN ERROR (retracted; see the end)\n")
	}
	for _, part := range []struct{ heading, text string }{
		{"Subjective", n.Subjective}, {"Objective", n.Objective}, {"Assessment", n.Assessment}, {"Plan", n.Plan}} {
		if strings.TrimSpace(part.text) == "" {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n%s\n", part.heading, strings.TrimRight(part.text, "\n"))
	}
	for _, a := range n.Addenda {
		at, err := readableTime(a.At)
		if err != nil {
			return "", fmt.Errorf("note %s addendum: %w", n.ID, err)
		}
		fmt.Fprintf(&b, "\nAddendum, %s, by %s\n%s\n", at, a.Author, strings.TrimRight(a.Text, "\n"))
	}
	if n.RetractedAt != "" {
		at, err := readableTime(n.RetractedAt)
		if err != nil {
			return "", fmt.Errorf("note %s retraction: %w", n.ID, err)
		}
		fmt.Fprintf(&b, "\nRetracted as entered in error, %s, by %s\nReason: %s\n", at, n.RetractedBy, n.RetractReason)
	}
	return b.String(), nil
}

// readableTime is an RFC 3339 time as "2026-03-02 09:15 UTC".
func readableTime(s string) (string, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return "", fmt.Errorf("%q: %w", s, errDate)
	}
	return t.UTC().Format("2006-01-02 15:04 UTC"), nil
}
