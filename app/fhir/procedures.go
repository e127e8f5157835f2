package fhir

import "fmt"

// Procedures, as a whole-clinic export writes them: each screening or
// procedure done (a care record) a FHIR R4 Procedure, with the codes it
// arrived with beside Folio's own, its date, result and performer, and
// whether it was done here or reported from elsewhere.

type outProcedurePerformer struct {
	Actor outReference `json:"actor"`
}

type outProcedure struct {
	ResourceType      string                  `json:"resourceType"`
	ID                string                  `json:"id"`
	Identifier        []outIdentifier         `json:"identifier,omitempty"`
	Status            string                  `json:"status"`
	Code              outConcept              `json:"code"`
	Subject           outReference            `json:"subject"`
	PerformedDateTime string                  `json:"performedDateTime,omitempty"`
	Performer         []outProcedurePerformer `json:"performer,omitempty"`
	Outcome           *outConcept             `json:"outcome,omitempty"`
	Note              []outAnnotation         `json:"note,omitempty"`
}

func (m *mapper) procedure(p Procedure) (outProcedure, error) {
	performed, err := partialDate(p.PerformedOn)
	if err != nil {
		return outProcedure{}, fmt.Errorf("procedure %s date: %w", p.ID, err)
	}
	out := outProcedure{ResourceType: "Procedure", ID: resourceID("procedure", p.ID), Identifier: folioIdentifier(p.ID),
		Status: "completed", Subject: m.subject, PerformedDateTime: performed, Note: notes(p.Note),
		Code: outConcept{Text: p.Display, Coding: codings(p.Codings, outCoding{System: p.CodeSystem, Code: p.Code, Display: p.Display})}}
	if p.Status == statusRetracted {
		out.Status = "entered-in-error"
	}
	if p.Result != "" {
		out.Outcome = &outConcept{Text: p.Result}
	}
	if p.Performer != "" {
		out.Performer = []outProcedurePerformer{{Actor: outReference{Display: p.Performer}}}
	}
	if p.Source == "elsewhere" || p.Source == "imported" {
		out.Note = append(out.Note, outAnnotation{Text: "Done elsewhere; recorded from " + map[string]string{
			"elsewhere": "the patient's or another clinic's report", "imported": "an imported record"}[p.Source] + "."})
	}
	return out, nil
}
