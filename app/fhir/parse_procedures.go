package fhir

import (
	"encoding/json"
	"strings"
)

// Procedures and diagnostic reports: what was done (a colonoscopy, a
// mammogram, a retinal exam) and what a report concluded. The caller
// decides which of them it charts (Folio: those a care rule reads); every
// one is offered with its codes, dates, status and performer as sent.

// ImportProcedure is a Procedure.
type ImportProcedure struct {
	Origin  ImportOrigin `json:"origin"`
	Subject string       `json:"subject"`
	Text    string       `json:"text"` // "Colonoscopy (SNOMED CT 73761001) on 2019-07-29"
	Name    string       `json:"name"`
	Code    ImportCode   `json:"code"` // SNOMED CT, CPT, then the first
	Codes   []ImportCode `json:"codes"`
	// Status is FHIR's: completed, not-done, in-progress, stopped, …;
	// StatusReason (and its codes) says why one was not done.
	Status            string       `json:"status"`
	StatusReason      string       `json:"statusReason"`
	StatusReasonCodes []ImportCode `json:"statusReasonCodes"`
	// Performed is performedDateTime, or the period's start, as written;
	// PerformedEnd the period's end; PerformedText performedString.
	Performed     string `json:"performed"`
	PerformedEnd  string `json:"performedEnd"`
	PerformedText string `json:"performedText"`
	// Performer names who did it and where (its performers, its location).
	Performer string `json:"performer"`
	Outcome   string `json:"outcome"`
	Note      string `json:"note"`
	Date      string `json:"date"`
}

// ImportReport is a DiagnosticReport. Results counts its results that are
// in the bundle (they are offered on their own, as results).
type ImportReport struct {
	Origin          ImportOrigin `json:"origin"`
	Subject         string       `json:"subject"`
	Text            string       `json:"text"`
	Name            string       `json:"name"`
	LOINC           string       `json:"loinc"`
	Code            ImportCode   `json:"code"` // LOINC, then the first
	Codes           []ImportCode `json:"codes"`
	Status          string       `json:"status"` // FHIR: final, amended, corrected, appended, preliminary, …
	Category        string       `json:"category"`
	Effective       string       `json:"effective"` // effective, as written
	Issued          string       `json:"issued"`
	Conclusion      string       `json:"conclusion"`
	ConclusionCodes []ImportCode `json:"conclusionCodes"`
	Performer       string       `json:"performer"`
	Results         int          `json:"results"`
	Date            string       `json:"date"`
}

// SystemCPT is the AMA's CPT, as FHIR names it.
const SystemCPT = "http://www.ama-assn.org/go/cpt"

type inProcedure struct {
	Identifier        []inIdentifier `json:"identifier"`
	Status            string         `json:"status"`
	StatusReason      inConcept      `json:"statusReason"`
	Code              inConcept      `json:"code"`
	Subject           inRef          `json:"subject"`
	Encounter         inRef          `json:"encounter"`
	PerformedDateTime string         `json:"performedDateTime"`
	PerformedPeriod   *inPeriod      `json:"performedPeriod"`
	PerformedString   string         `json:"performedString"`
	Performer         []struct {
		Actor inRef `json:"actor"`
	} `json:"performer"`
	Location inRef          `json:"location"`
	Outcome  inConcept      `json:"outcome"`
	Note     []inAnnotation `json:"note"`
}

func (b *inBundle) mapProcedure(i int) {
	var p inProcedure
	if err := json.Unmarshal(b.resources[i].raw, &p); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	name := p.Code.words()
	if p.Status == "entered-in-error" {
		b.skipped(i, name, SkipEnteredInError, "The source marked this procedure as entered in error.")
		return
	}
	codes := p.Code.codes()
	if name == "" || len(codes) == 0 {
		b.unmapped(i, name, "A procedure with no code: Folio cannot tell what was done; kept as the original.", false)
		return
	}
	var performers []inRef
	var names []string
	for _, pf := range p.Performer {
		performers = append(performers, pf.Actor)
		names = append(names, b.refName(pf.Actor))
	}
	names = append(names, b.refName(p.Location))
	out := ImportProcedure{Origin: b.origin(i, p.Identifier, b.recordedBy(p.Encounter, performers...)),
		Subject: b.subject(p.Subject), Name: name, Codes: codes, Code: inPreferred(codes, inSysSNOMED, SystemCPT),
		Status: p.Status, StatusReason: p.StatusReason.words(), StatusReasonCodes: p.StatusReason.codes(),
		Performed: p.PerformedDateTime, PerformedText: p.PerformedString,
		Performer: inJoinNonEmpty(", ", names...), Outcome: p.Outcome.words(), Note: inNotes(p.Note)}
	if p.PerformedPeriod != nil {
		out.Performed = inOrWord(out.Performed, p.PerformedPeriod.Start)
		out.PerformedEnd = p.PerformedPeriod.End
	}
	out.Date = out.Performed
	out.Text = inCodeWords(name, out.Code)
	if when := inOrWord(inPartialDate(out.Performed), out.PerformedText); when != "" {
		out.Text += " on " + when
	}
	if out.Status != "completed" && out.Status != "" {
		out.Text += " (" + out.Status + ")"
	}
	b.imp.Procedures = append(b.imp.Procedures, out)
}

type inReport struct {
	Identifier         []inIdentifier `json:"identifier"`
	Status             string         `json:"status"`
	Category           []inConcept    `json:"category"`
	Code               inConcept      `json:"code"`
	Subject            inRef          `json:"subject"`
	Encounter          inRef          `json:"encounter"`
	EffectiveDateTime  string         `json:"effectiveDateTime"`
	EffectivePeriod    *inPeriod      `json:"effectivePeriod"`
	Issued             string         `json:"issued"`
	Performer          []inRef        `json:"performer"`
	ResultsInterpreter []inRef        `json:"resultsInterpreter"`
	Result             []inRef        `json:"result"`
	Conclusion         string         `json:"conclusion"`
	ConclusionCode     []inConcept    `json:"conclusionCode"`
}

func (b *inBundle) mapReport(i int) {
	var r inReport
	if err := json.Unmarshal(b.resources[i].raw, &r); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	name := r.Code.words()
	switch r.Status {
	case "entered-in-error":
		b.skipped(i, name, SkipEnteredInError, "The source marked this report as entered in error.")
		return
	case "cancelled":
		b.skipped(i, name, SkipCancelled, "The source records that this report was cancelled, so it has no result.")
		return
	}
	codes := r.Code.codes()
	if name == "" || len(codes) == 0 {
		b.unmapped(i, name, "A report with no code: Folio cannot tell what it reports; kept as the original.", false)
		return
	}
	var names, categories []string
	for _, ref := range append(append([]inRef{}, r.Performer...), r.ResultsInterpreter...) {
		names = append(names, b.refName(ref))
	}
	for _, c := range r.Category {
		categories = append(categories, inOrWord(c.status(), c.words()))
	}
	out := ImportReport{Origin: b.origin(i, r.Identifier, b.recordedBy(r.Encounter, r.Performer...)),
		Subject: b.subject(r.Subject), Name: name, Codes: codes, Code: inPreferred(codes, inSysLOINC),
		LOINC: inCodeIn(codes, inSysLOINC), Status: r.Status, Category: strings.Join(categories, ", "),
		Effective: r.EffectiveDateTime, Issued: r.Issued, Conclusion: strings.TrimSpace(r.Conclusion),
		Performer: inJoinNonEmpty(", ", names...)}
	if r.EffectivePeriod != nil {
		out.Effective = inOrWord(out.Effective, r.EffectivePeriod.Start)
	}
	for _, c := range r.ConclusionCode {
		out.ConclusionCodes = append(out.ConclusionCodes, c.codes()...)
		if out.Conclusion == "" {
			out.Conclusion = c.words()
		}
	}
	for _, ref := range r.Result {
		if j, ok := b.resolve(ref.Reference); ok && b.resources[j].resourceType == "Observation" {
			out.Results++
		}
	}
	out.Date = inOrWord(out.Effective, out.Issued)
	out.Text = inCodeWords(name, out.Code)
	if out.Conclusion != "" {
		out.Text += ": " + inClip(out.Conclusion, 120)
	}
	if d := inPartialDate(out.Date); d != "" {
		out.Text += ", " + d
	}
	b.imp.Reports = append(b.imp.Reports, out)
}

// refName is the name of the organization, clinician or place a reference
// names: the resource's in the bundle, else the reference's display.
func (b *inBundle) refName(ref inRef) string {
	if j, ok := b.resolve(ref.Reference); ok {
		if name := b.nameOf(j); name != "" {
			return name
		}
	}
	return strings.TrimSpace(ref.Display)
}
