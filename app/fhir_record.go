package app

import (
	"strings"
	"time"

	"folio/app/fhir"
	"folio/db"
)

// The chart's rows as the fhir package's plain record: one mapping, used
// by the referral, the patient's copy and the whole-clinic export alike.
// What a row kept of its sender (codings, structured dosage and reactions,
// identifiers, the address's structure) leaves with it, as received.

func fhirPatient(p db.Patient, ids []db.ExternalID) fhir.Patient {
	out := fhir.Patient{ID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames,
		PreferredName: p.PreferredName, BirthDate: p.BirthDate, Sex: p.Sex, Phone: p.Phone, Phone2: p.Phone2,
		Email: p.Email, AddressLine: p.AddressLine, City: p.City, Region: p.Region, PostalCode: p.PostalCode,
		District: p.District, Country: p.Country, AddressUse: p.AddressUse,
		Language: p.Language, EmergencyName: p.EmergencyName, EmergencyRelationship: p.EmergencyRelationship,
		EmergencyPhone: p.EmergencyPhone}
	for _, id := range ids {
		typ := fhir.Concept{Text: id.TypeText}
		if id.TypeCode != "" || id.TypeDisplay != "" {
			typ.Codings = []fhir.Coding{{System: id.TypeSystem, Code: id.TypeCode, Display: id.TypeDisplay}}
		}
		out.Identifiers = append(out.Identifiers, fhir.Identifier{System: id.System, Value: id.Value, Use: id.Use, Type: typ})
	}
	return out
}

func fhirProblem(p db.Problem) fhir.Problem {
	return fhir.Problem{ID: p.ID, Code: p.ICD10, Title: p.Title, Onset: p.Onset, Status: p.Status,
		ResolvedOn: p.ResolvedOn, Note: p.Note, Codings: fhirCodings(p.Codes), ClinicalStatus: p.ClinicalStatus}
}

func fhirAllergy(a db.Allergy) fhir.Allergy {
	out := fhir.Allergy{ID: a.ID, Substance: a.Substance, SubstanceKind: a.SubstanceKind, Code: a.Code,
		Reaction: a.Reaction, Severity: a.Severity, Status: a.Status, Onset: a.Onset, Note: a.Note,
		Codings: fhirCodings(a.Codes), Criticality: a.Criticality, Type: a.Type, Categories: splitList(a.Categories),
		Verification: a.Verification}
	for _, r := range a.Reactions {
		rr := fhir.Reaction{Substance: fhirConcept(r.Substance), Description: r.Description, Severity: r.Severity,
			Onset: r.Onset, Note: r.Note}
		for _, m := range r.Manifestations {
			rr.Manifestations = append(rr.Manifestations, *fhirConcept(&m))
		}
		out.Reactions = append(out.Reactions, rr)
	}
	return out
}

func fhirMedication(m db.Medication) fhir.Medication {
	out := fhir.Medication{ID: m.ID, Drug: m.DrugName, RxNorm: m.RxNorm, Dose: m.Dose, Route: m.Route,
		Frequency: m.Frequency, StartDate: m.StartDate, StopDate: m.StopDate, StopReason: m.StopReason,
		Status: m.Status, Source: m.Source, Prescriber: m.Prescriber, Note: m.Note, Codings: fhirCodings(m.Codes)}
	for _, d := range m.Dosages {
		fd := fhir.Dosage{Sequence: d.Sequence, Text: d.Text, PatientInstruction: d.PatientInstruction,
			AsNeeded: d.AsNeeded, AsNeededFor: fhirConcept(d.AsNeededFor), Route: fhirConcept(d.Route),
			Dose: fhirQuantity(d.Dose), DoseLow: fhirQuantity(d.DoseLow), DoseHigh: fhirQuantity(d.DoseHigh)}
		if t := d.Timing; t != nil {
			fd.Timing = &fhir.Timing{Code: fhirConcept(t.Code), Count: t.Count, Frequency: t.Frequency,
				Period: t.Period, PeriodUnit: t.PeriodUnit, When: t.When}
		}
		out.Dosages = append(out.Dosages, fd)
	}
	return out
}

func fhirImmunization(m db.Immunization) fhir.Immunization {
	performer := m.Performer
	if m.Source == db.ImmGivenHere {
		performer = m.AdministeredByName
	}
	return fhir.Immunization{ID: m.ID, CVX: m.CVX, Vaccine: m.Vaccine, OccurredOn: m.OccurredOn,
		LotNumber: m.LotNumber, ExpirationDate: m.ExpirationDate, Manufacturer: m.Manufacturer, Site: m.Site,
		Route: m.Route, Dose: m.Dose, Source: m.Source, Performer: performer, Status: m.Status, Note: m.Note,
		Codings: fhirCodings(m.Codes), SiteCodings: fhirCodings(m.SiteCodes), RouteCodings: fhirCodings(m.RouteCodes)}
}

// fhirLabResult is a result with the codings it arrived with: the test's
// and a coded value's (see resultCodings). A result from elsewhere that
// came without a range leaves without one: Folio's default range, and the
// flag Folio judged by it, are the chart's, not the lab's.
func fhirLabResult(r db.LabResult, c resultCodings) fhir.LabResult {
	out := fhir.LabResult{ID: r.ID, LOINC: r.LOINC, Name: r.Name, Value: r.Value, ValueText: r.ValueText,
		Unit: r.Unit, Low: r.Low, High: r.High, RangeText: r.RangeText, Flag: r.Flag,
		ObservedAt: r.ObservedAt.UTC().Format(time.RFC3339), Status: r.Status,
		Codings: fhirCodings(c.code[r.ID]), ValueCodings: fhirCodings(c.value[r.ID]), Note: r.Note}
	if r.Source == labImported && r.RangeSource == "default" {
		out.Low, out.High, out.RangeText, out.Flag = nil, nil, "", ""
	}
	return out
}

// resultCodings are the codings lab results arrived with, by result id:
// the test's and those of a coded value. (Lab results are read by another
// part of Folio, so their codings are read beside them.)
type resultCodings struct {
	code, value map[string][]db.Coding
}

// resultCodingsOf reads the codings of the results.
func resultCodingsOf(tx *db.Tx, results []db.LabResult) (resultCodings, error) {
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}
	var c resultCodings
	var err error
	if c.code, err = tx.Codings(db.CodedLabResult, db.CodingCode, ids); err != nil {
		return c, err
	}
	c.value, err = tx.Codings(db.CodedLabResult, db.CodingValue, ids)
	return c, err
}

// fhirProcedure is a care record done as a procedure, with the codings it
// arrived with.
func fhirProcedure(r db.CareRecord, received []db.Coding) fhir.Procedure {
	return fhir.Procedure{ID: r.ID, CodeSystem: r.CodeSystem, Code: r.Code, Display: r.Display,
		PerformedOn: r.PerformedOn, Result: r.Result, Performer: r.Performer, Note: r.Note, Source: r.Source,
		Status: r.Status, Codings: fhirCodings(received)}
}

func fhirVitals(v db.Vitals) fhir.VitalsSet {
	return fhir.VitalsSet{ID: v.ID, TakenAt: v.TakenAt.UTC().Format(time.RFC3339), Height: v.HeightCm,
		Weight: v.WeightKg, BMI: bmi(v.WeightKg, v.BMIHeightCm), Systolic: v.Systolic, Diastolic: v.Diastolic,
		Pulse: v.Pulse, RespRate: v.RespRate, Temperature: v.TempC, SpO2: v.SpO2, Pain: v.Pain, Status: v.Status,
		HeadCircumference: v.HeadCm}
}

func fhirCodings(cs []db.Coding) []fhir.Coding {
	var out []fhir.Coding
	for _, c := range cs {
		out = append(out, fhir.Coding{System: c.System, Code: c.Code, Display: c.Display})
	}
	return out
}

func fhirConcept(c *db.Concept) *fhir.Concept {
	if c == nil {
		return nil
	}
	return &fhir.Concept{Codings: fhirCodings(c.Codes), Text: c.Text}
}

func fhirQuantity(q *db.Quantity) *fhir.Quantity {
	if q == nil {
		return nil
	}
	return &fhir.Quantity{Value: q.Value, Unit: q.Unit, System: q.System, Code: q.Code}
}

// splitList reads a stored list of words, "a, b".
func splitList(s string) []string {
	var out []string
	for _, w := range strings.Split(s, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// orEmpty is codes, or an empty list (never null in JSON).
func orEmpty(codes []db.Coding) []db.Coding {
	if codes == nil {
		return []db.Coding{}
	}
	return codes
}
