package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// BulkTypes are the resource types of a whole-clinic export, as FHIR Bulk
// Data writes them: one NDJSON file each, named "<type>.ndjson".
var BulkTypes = []string{"Organization", "Practitioner", "Patient", "Condition", "AllergyIntolerance",
	"MedicationStatement", "Immunization", "Observation", "Encounter", "DocumentReference", "Appointment", "Procedure"}

const (
	bulkOrganization = iota
	bulkPractitioner
	bulkPatient
	bulkCondition
	bulkAllergy
	bulkMedication
	bulkImmunization
	bulkObservation
	bulkEncounter
	bulkDocumentReference
	bulkAppointment
	bulkProcedure
	bulkTypeCount
)

// NDJSON writes patients' records as FHIR Bulk Data NDJSON: one JSON
// resource a line, one stream per resource type, every line standing alone
// (references are relative, "Patient/<id>"). The clinic and each author are
// written once however many patients name them. It is not safe for
// concurrent use; one NDJSON serves a whole export.
type NDJSON struct {
	open     func(resourceType string) (io.Writer, error)
	writers  [bulkTypeCount]io.Writer
	encoders [bulkTypeCount]*json.Encoder
	line     []byte // an Observation's line, reused
	counts   [bulkTypeCount]int
	written  map[string]bool // Organization and Practitioner ids already out
	vitals   []outObservation
}

// NewNDJSON makes an NDJSON writer that asks open for a resource type's
// stream the first time it has a line of that type (so an export makes no
// empty files). The caller buffers and closes the streams.
func NewNDJSON(open func(resourceType string) (io.Writer, error)) *NDJSON {
	return &NDJSON{open: open, written: map[string]bool{}}
}

// Counts are the resources written so far, by type.
func (n *NDJSON) Counts() map[string]int {
	out := make(map[string]int, bulkTypeCount)
	for i, c := range n.counts {
		if c > 0 {
			out[BulkTypes[i]] = c
		}
	}
	return out
}

func (n *NDJSON) stream(kind int) (io.Writer, error) {
	if w := n.writers[kind]; w != nil {
		return w, nil
	}
	w, err := n.open(BulkTypes[kind])
	if err != nil {
		return nil, fmt.Errorf("open %s.ndjson: %w", BulkTypes[kind], err)
	}
	n.writers[kind] = w
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n.encoders[kind] = enc
	return w, nil
}

func (n *NDJSON) write(kind int, resource any) error {
	if _, err := n.stream(kind); err != nil {
		return err
	}
	if err := n.encoders[kind].Encode(resource); err != nil { // Encode ends the line
		return fmt.Errorf("write %s: %w", BulkTypes[kind], err)
	}
	n.counts[kind]++
	return nil
}

func (n *NDJSON) writeObservation(o *outObservation) error {
	w, err := n.stream(bulkObservation)
	if err != nil {
		return err
	}
	if n.line, err = appendObservation(n.line[:0], o); err != nil {
		return fmt.Errorf("write Observation %s: %w", o.ID, err)
	}
	n.line = append(n.line, '\n')
	if _, err := w.Write(n.line); err != nil {
		return fmt.Errorf("write Observation: %w", err)
	}
	n.counts[bulkObservation]++
	return nil
}

// Add writes one patient's record. The referral letter and the "none
// known" statements belong to a summary document, not to bulk data, and
// are left out. On an error part of the record may have been written.
func (n *NDJSON) Add(rec Record) error {
	if rec.Patient.ID == "" {
		return errors.New("bulk export: a record has no patient id")
	}
	m := newMapper(&rec, false)
	if rec.Clinic.Name != "" || rec.Clinic.ID != "" {
		if id := m.organizationID(); !n.written[id] {
			if err := n.write(bulkOrganization, m.organization()); err != nil {
				return err
			}
			n.written[id] = true
		}
	}
	if m.hasAuthor() {
		if id := m.practitionerID(); !n.written[id] {
			if err := n.write(bulkPractitioner, m.practitioner()); err != nil {
				return err
			}
			n.written[id] = true
		}
	}
	if err := n.write(bulkPatient, m.patient()); err != nil {
		return err
	}
	for _, p := range rec.Problems {
		c, err := m.condition(p)
		if err == nil {
			err = n.write(bulkCondition, &c)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	for _, a := range rec.Allergies {
		r, err := m.allergy(a)
		if err == nil {
			err = n.write(bulkAllergy, &r)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	for _, med := range rec.Medications {
		r, err := m.medicationStatement(med)
		if err == nil {
			err = n.write(bulkMedication, &r)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	for _, im := range rec.Immunizations {
		r, err := m.immunization(im)
		if err == nil {
			err = n.write(bulkImmunization, &r)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	for _, pr := range rec.Procedures {
		r, err := m.procedure(pr)
		if err == nil {
			err = n.write(bulkProcedure, &r)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	for _, l := range rec.LabResults {
		r, err := m.labObservation(l)
		if err == nil {
			err = n.writeObservation(&r)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	for i := range rec.Vitals {
		var err error
		if n.vitals, err = m.vitalObservations(n.vitals[:0], &rec.Vitals[i]); err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
		for j := range n.vitals {
			if err := n.writeObservation(&n.vitals[j]); err != nil {
				return err
			}
		}
	}
	if err := n.addVisits(m, &rec); err != nil {
		return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
	}
	for i := range rec.Appointments {
		a := &rec.Appointments[i]
		if err := n.writePractitioner(a.Clinician); err != nil {
			return err
		}
		r, err := m.appointment(a)
		if err == nil {
			err = n.write(bulkAppointment, &r)
		}
		if err != nil {
			return fmt.Errorf("patient %s: %w", rec.Patient.MRN, err)
		}
	}
	return nil
}

// AddPractitioners writes a Practitioner for each of people not written
// yet. A whole-clinic export writes every clinician so, whether or not a
// chart names them: the system the clinic moves to needs its whole roster,
// not only those who happen to have signed a note.
func (n *NDJSON) AddPractitioners(people []Author) error {
	for _, a := range people {
		if err := n.writePractitioner(a); err != nil {
			return err
		}
	}
	return nil
}

// addVisits writes the record's visits with their notes, and its
// documents, with the Practitioners they name.
func (n *NDJSON) addVisits(m *mapper, rec *Record) error {
	var problems map[string]bool
	for i := range rec.Visits {
		v := &rec.Visits[i]
		if len(v.DiagnosisProblemIDs) > 0 && problems == nil {
			problems = make(map[string]bool, len(rec.Problems))
			for _, p := range rec.Problems {
				problems[p.ID] = true
			}
		}
		if err := n.writePractitioner(v.Clinician); err != nil {
			return err
		}
		if err := n.writePractitioner(v.Note.SignedBy); err != nil {
			return err
		}
		e, err := m.encounter(v, problems)
		if err == nil {
			err = n.write(bulkEncounter, &e)
		}
		if err != nil {
			return err
		}
		note, err := m.noteReference(v)
		if err == nil {
			err = n.write(bulkDocumentReference, &note)
		}
		if err != nil {
			return err
		}
	}
	for i := range rec.Documents {
		d := &rec.Documents[i]
		if err := n.writePractitioner(d.AddedBy); err != nil {
			return err
		}
		r, err := m.documentReference(d)
		if err == nil {
			err = n.write(bulkDocumentReference, &r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writePractitioner writes a user's Practitioner the first time the
// export names it.
func (n *NDJSON) writePractitioner(a Author) error {
	if a.ID == "" {
		return nil // named by display only
	}
	id := resourceID("user", a.ID)
	if n.written[id] {
		return nil
	}
	if err := n.write(bulkPractitioner, practitionerOf(a)); err != nil {
		return err
	}
	n.written[id] = true
	return nil
}

// Resource is one resource of a record as a standalone JSON line (without
// its newline).
type Resource struct {
	Type string
	JSON []byte
}

// Resources is rec's resources as bulk export writes them, grouped by type
// in BulkTypes order.
func Resources(rec Record) ([]Resource, error) {
	var streams [bulkTypeCount]bytes.Buffer
	n := NewNDJSON(func(resourceType string) (io.Writer, error) {
		for i, t := range BulkTypes {
			if t == resourceType {
				return &streams[i], nil
			}
		}
		return nil, fmt.Errorf("unknown resource type %s", resourceType)
	})
	if err := n.Add(rec); err != nil {
		return nil, err
	}
	var out []Resource
	for i := range streams {
		for _, line := range bytes.SplitAfter(streams[i].Bytes(), []byte("\n")) {
			if line = bytes.TrimSuffix(line, []byte("\n")); len(line) > 0 {
				out = append(out, Resource{Type: BulkTypes[i], JSON: line})
			}
		}
	}
	return out, nil
}

// Observations are most of a bulk export (a set of vitals makes up to
// nine), so they are written by hand rather than through reflection:
// appendObservation writes the bytes encoding/json would (a test holds it
// to that), at a fraction of the cost.

func appendObservation(dst []byte, o *outObservation) ([]byte, error) {
	dst = append(dst, `{"resourceType":`...)
	dst = appendString(dst, o.ResourceType)
	dst = append(dst, `,"id":`...)
	dst = appendString(dst, o.ID)
	if len(o.Identifier) > 0 {
		dst = append(dst, `,"identifier":[`...)
		for i := range o.Identifier {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendIdentifier(dst, &o.Identifier[i])
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"status":`...)
	dst = appendString(dst, o.Status)
	dst = append(dst, `,"category":`...)
	dst = appendConcepts(dst, o.Category)
	dst = append(dst, `,"code":`...)
	dst = appendConcept(dst, &o.Code)
	dst = append(dst, `,"subject":`...)
	dst = appendReference(dst, &o.Subject)
	if o.EffectiveDateTime != "" {
		dst = append(dst, `,"effectiveDateTime":`...)
		dst = appendString(dst, o.EffectiveDateTime)
	}
	var err error
	if o.ValueQuantity != nil {
		dst = append(dst, `,"valueQuantity":`...)
		if dst, err = appendQuantity(dst, o.ValueQuantity); err != nil {
			return dst, err
		}
	}
	if o.ValueConcept != nil {
		dst = append(dst, `,"valueCodeableConcept":`...)
		dst = appendConcept(dst, o.ValueConcept)
	}
	if o.ValueString != "" {
		dst = append(dst, `,"valueString":`...)
		dst = appendString(dst, o.ValueString)
	}
	if len(o.Interpretation) > 0 {
		dst = append(dst, `,"interpretation":`...)
		dst = appendConcepts(dst, o.Interpretation)
	}
	if len(o.Note) > 0 {
		dst = append(dst, `,"note":[`...)
		for i := range o.Note {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"text":`...)
			dst = appendString(dst, o.Note[i].Text)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(o.ReferenceRange) > 0 {
		dst = append(dst, `,"referenceRange":[`...)
		for i := range o.ReferenceRange {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendRange(dst, &o.ReferenceRange[i]); err != nil {
				return dst, err
			}
		}
		dst = append(dst, ']')
	}
	if len(o.Component) > 0 {
		dst = append(dst, `,"component":[`...)
		for i := range o.Component {
			c := &o.Component[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"code":`...)
			dst = appendConcept(dst, &c.Code)
			if c.ValueQuantity != nil {
				dst = append(dst, `,"valueQuantity":`...)
				if dst, err = appendQuantity(dst, c.ValueQuantity); err != nil {
					return dst, err
				}
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// appendField writes ,"name":"value" (or without the comma first) when
// value is not empty, as omitempty does.
func appendField(dst []byte, first *bool, name, value string) []byte {
	if value == "" {
		return dst
	}
	if !*first {
		dst = append(dst, ',')
	}
	*first = false
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return appendString(dst, value)
}

func appendIdentifier(dst []byte, id *outIdentifier) []byte {
	dst = append(dst, '{')
	first := true
	dst = appendField(dst, &first, "use", id.Use)
	if id.Type != nil {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, `"type":`...)
		dst = appendConcept(dst, id.Type)
	}
	dst = appendField(dst, &first, "system", id.System)
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `"value":`...)
	dst = appendString(dst, id.Value)
	return append(dst, '}')
}

func appendConcepts(dst []byte, cs []outConcept) []byte {
	if cs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range cs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendConcept(dst, &cs[i])
	}
	return append(dst, ']')
}

func appendConcept(dst []byte, c *outConcept) []byte {
	dst = append(dst, '{')
	first := true
	if len(c.Coding) > 0 {
		first = false
		dst = append(dst, `"coding":[`...)
		for i := range c.Coding {
			if i > 0 {
				dst = append(dst, ',')
			}
			cd := &c.Coding[i]
			dst = append(dst, '{')
			f := true
			dst = appendField(dst, &f, "system", cd.System)
			dst = appendField(dst, &f, "code", cd.Code)
			dst = appendField(dst, &f, "display", cd.Display)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = appendField(dst, &first, "text", c.Text)
	return append(dst, '}')
}

func appendReference(dst []byte, r *outReference) []byte {
	dst = append(dst, '{')
	first := true
	dst = appendField(dst, &first, "reference", r.Reference)
	dst = appendField(dst, &first, "display", r.Display)
	return append(dst, '}')
}

func appendQuantity(dst []byte, q *outQuantity) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	if q.Value != nil {
		first = false
		dst = append(dst, `"value":`...)
		var err error
		if dst, err = appendFloat(dst, *q.Value); err != nil {
			return dst, err
		}
	}
	dst = appendField(dst, &first, "unit", q.Unit)
	dst = appendField(dst, &first, "system", q.System)
	dst = appendField(dst, &first, "code", q.Code)
	return append(dst, '}'), nil
}

func appendRange(dst []byte, r *outRange) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	var err error
	for _, q := range []struct {
		name string
		q    *outQuantity
	}{{"low", r.Low}, {"high", r.High}} {
		if q.q == nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, q.name...)
		dst = append(dst, `":`...)
		if dst, err = appendQuantity(dst, q.q); err != nil {
			return dst, err
		}
	}
	dst = appendField(dst, &first, "text", r.Text)
	return append(dst, '}'), nil
}

// appendFloat writes a number as encoding/json does.
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, fmt.Errorf("%v is not a number FHIR can carry", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 is written 1e-7
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does with
// HTML escaping off.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
