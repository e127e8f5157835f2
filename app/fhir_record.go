package app

import (
	"time"

	"folio/app/fhir"
	"folio/db"
)

// The chart's rows as the fhir package's plain record: one mapping, used
// by the referral, the patient's copy and the whole-clinic export alike.

func fhirPatient(p db.Patient) fhir.Patient {
	return fhir.Patient{ID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames,
		PreferredName: p.PreferredName, BirthDate: p.BirthDate, Sex: p.Sex, Phone: p.Phone, Phone2: p.Phone2,
		Email: p.Email, AddressLine: p.AddressLine, City: p.City, Region: p.Region, PostalCode: p.PostalCode,
		Language: p.Language, EmergencyName: p.EmergencyName, EmergencyRelationship: p.EmergencyRelationship,
		EmergencyPhone: p.EmergencyPhone}
}

func fhirProblem(p db.Problem) fhir.Problem {
	return fhir.Problem{ID: p.ID, Code: p.ICD10, Title: p.Title, Onset: p.Onset, Status: p.Status,
		ResolvedOn: p.ResolvedOn, Note: p.Note}
}

func fhirAllergy(a db.Allergy) fhir.Allergy {
	return fhir.Allergy{ID: a.ID, Substance: a.Substance, SubstanceKind: a.SubstanceKind, Code: a.Code,
		Reaction: a.Reaction, Severity: a.Severity, Status: a.Status, Onset: a.Onset, Note: a.Note}
}

func fhirMedication(m db.Medication) fhir.Medication {
	return fhir.Medication{ID: m.ID, Drug: m.DrugName, RxNorm: m.RxNorm, Dose: m.Dose, Route: m.Route,
		Frequency: m.Frequency, StartDate: m.StartDate, StopDate: m.StopDate, StopReason: m.StopReason,
		Status: m.Status, Source: m.Source, Prescriber: m.Prescriber, Note: m.Note}
}

func fhirImmunization(m db.Immunization) fhir.Immunization {
	performer := m.Performer
	if m.Source == db.ImmGivenHere {
		performer = m.AdministeredByName
	}
	return fhir.Immunization{ID: m.ID, CVX: m.CVX, Vaccine: m.Vaccine, OccurredOn: m.OccurredOn,
		LotNumber: m.LotNumber, ExpirationDate: m.ExpirationDate, Manufacturer: m.Manufacturer, Site: m.Site,
		Route: m.Route, Dose: m.Dose, Source: m.Source, Performer: performer, Status: m.Status, Note: m.Note}
}

func fhirLabResult(r db.LabResult) fhir.LabResult {
	return fhir.LabResult{ID: r.ID, LOINC: r.LOINC, Name: r.Name, Value: r.Value, ValueText: r.ValueText,
		Unit: r.Unit, Low: r.Low, High: r.High, RangeText: r.RangeText, Flag: r.Flag,
		ObservedAt: r.ObservedAt.UTC().Format(time.RFC3339), Status: r.Status}
}

func fhirVitals(v db.Vitals) fhir.VitalsSet {
	return fhir.VitalsSet{ID: v.ID, TakenAt: v.TakenAt.UTC().Format(time.RFC3339), Height: v.HeightCm,
		Weight: v.WeightKg, BMI: bmi(v.WeightKg, v.BMIHeightCm), Systolic: v.Systolic, Diastolic: v.Diastolic,
		Pulse: v.Pulse, RespRate: v.RespRate, Temperature: v.TempC, SpO2: v.SpO2, Pain: v.Pain, Status: v.Status,
		HeadCircumference: v.HeadCm}
}
