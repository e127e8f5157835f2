package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"folio/db"
)

// A visit on paper: the signed note as the clinic files or sends it, and
// the after-visit summary the patient takes home, in plain words, with the
// instructions the clinician wrote for them. Reading either for printing
// records in the audit trail that it was printed, as a prescription does.

// PrintHeading heads a printout: the clinic, whom it is about, and who
// printed it when.
type PrintHeading struct {
	Clinic    ClinicContact       `json:"clinic"`
	Patient   PrescriptionPatient `json:"patient"`
	PrintedAt string              `json:"printedAt"`
	PrintedBy string              `json:"printedBy"`
}

// NotePrintout is a signed visit note with its addenda, for printing.
type NotePrintout struct {
	PrintHeading
	Encounter Encounter `json:"encounter"`
}

// MedicationChange is one line of a visit's medicines: the drug, how it is
// taken now (its dose, route and frequency) and, for a change, how it was
// taken before; for a stopped one, why.
type MedicationChange struct {
	Drug   string `json:"drug"`
	Now    string `json:"now"`
	Was    string `json:"was"`
	Reason string `json:"reason"`
}

// VisitMedications are the medicines started, changed (renewed at another
// dose, route or frequency), renewed as they were, and stopped at a visit.
type VisitMedications struct {
	New     []MedicationChange `json:"new"`
	Changed []MedicationChange `json:"changed"`
	Renewed []MedicationChange `json:"renewed"`
	Stopped []MedicationChange `json:"stopped"`
}

// GivenVaccine is a dose given at a visit.
type GivenVaccine struct {
	Vaccine string `json:"vaccine"`
	Dose    string `json:"dose"`
}

// VisitSummary is the after-visit summary: what the visit was, what was
// found and done, the medicines that changed, the follow-up asked and the
// patient's instructions.
type VisitSummary struct {
	PrintHeading
	StartedAt     string           `json:"startedAt"`
	ClinicianName string           `json:"clinicianName"`
	Kind          string           `json:"kind"`
	Signed        bool             `json:"signed"`
	Diagnoses     []Code           `json:"diagnoses"`
	Vitals        []VitalsSet      `json:"vitals"`
	Vaccines      []GivenVaccine   `json:"vaccines"`
	LabsOrdered   []string         `json:"labsOrdered"`
	Medications   VisitMedications `json:"medications"`
	FollowUp      *CareReminder    `json:"followUp"`
	Instructions  PatientGuidance  `json:"instructions"`
}

// PatientGuidance is a visit's instructions for the patient. Version 0:
// none written yet; UpdatedBy is a full name.
type PatientGuidance struct {
	Text      string `json:"text"`
	Version   int    `json:"version"`
	UpdatedAt string `json:"updatedAt"`
	UpdatedBy string `json:"updatedBy"`
}

// maxInstructions bounds the instructions as a note's part is bounded.
const maxInstructions = maxNotePart

// NotePrintout is a signed (not retracted) visit note with its addenda, for
// printing; it records the print in the audit trail.
func (s *Chart) NotePrintout(encounterID string) (NotePrintout, error) {
	var out NotePrintout
	err := s.app.look(s.session, permClinical, func(o *op) error {
		e, err := o.EncounterByID(encounterID)
		if err != nil {
			return err
		}
		switch e.Status {
		case db.EncounterOpen:
			return errorf(Conflict, "Sign the note before printing it.")
		case db.EncounterRetracted:
			return errorf(Conflict, "This note was retracted; it is not printed.")
		}
		if out.PrintHeading, err = o.printHeading(e.PatientID); err != nil {
			return err
		}
		if out.Encounter, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("note.print", e.PatientID, "encounter/"+e.ID, fmt.Sprintf("%d addenda", len(out.Encounter.Addenda)))
	})
	return answer(out, err)
}

// VisitSummary is the after-visit summary of a visit, for printing; it
// records the print in the audit trail. An open visit's summary is what
// it holds so far (the patient may leave before the note is signed); a
// retracted visit has none.
func (s *Chart) VisitSummary(encounterID string) (VisitSummary, error) {
	var out VisitSummary
	err := s.app.look(s.session, permClinical, func(o *op) error {
		e, err := o.EncounterByID(encounterID)
		if err != nil {
			return err
		}
		if e.Status == db.EncounterRetracted {
			return errorf(Conflict, "This visit's note was retracted; it has no summary to print.")
		}
		if out, err = o.visitSummary(e); err != nil {
			return err
		}
		m := out.Medications
		return o.audit("visit_summary.print", e.PatientID, "encounter/"+e.ID,
			fmt.Sprintf("medicines: %d new, %d changed, %d stopped", len(m.New), len(m.Changed), len(m.Stopped)))
	})
	return answer(out, err)
}

// SaveVisitInstructions writes the patient's instructions of a visit over
// the version the clinician read (0: none yet); the text they replace is
// kept. They are the patient's handout, not the signed record, so they are
// written after signing too, but not for a retracted visit.
func (s *Chart) SaveVisitInstructions(encounterID, text string, version int) (PatientGuidance, error) {
	var out PatientGuidance
	err := s.app.act(s.session, permClinical, func(o *op) error {
		text = strings.TrimRight(text, " \t\r\n")
		if len(text) > maxInstructions {
			return (fieldErrors{"instructions": fmt.Sprintf("Instructions hold at most %d characters.", maxInstructions)}).err()
		}
		e, err := o.EncounterByID(encounterID)
		if err != nil {
			return err
		}
		if e.Status == db.EncounterRetracted {
			return errorf(Conflict, "This visit's note was retracted; its instructions are not changed.")
		}
		saved, err := o.SaveVisitInstructions(db.VisitInstructions{EncounterID: e.ID, Text: text, Version: version,
			UpdatedAt: o.now, UpdatedBy: o.actor.userID})
		if errors.Is(err, db.ErrConflict) {
			return errorf(Conflict, "These instructions were changed elsewhere meanwhile. Reload the visit to see them.")
		}
		if err != nil {
			return err
		}
		if out, err = o.guidanceView(saved); err != nil {
			return err
		}
		return o.audit("visit.instructions", e.PatientID, "encounter/"+e.ID, fmt.Sprintf("version %d", saved.Version))
	})
	return out, err
}

func (o *op) guidanceView(v db.VisitInstructions) (PatientGuidance, error) {
	name, err := o.userFullName(v.UpdatedBy)
	return PatientGuidance{Text: v.Text, Version: v.Version, UpdatedAt: instant(v.UpdatedAt), UpdatedBy: name}, err
}

// printHeading is the clinic's name and address, the patient, and who
// prints now.
func (o *op) printHeading(patientID string) (PrintHeading, error) {
	var h PrintHeading
	p, err := o.chartPatient(patientID)
	if err != nil {
		return h, err
	}
	if h.Clinic.Name, _, err = o.Setting(settingClinicName); err != nil {
		return h, err
	}
	if h.Clinic.Address, h.Clinic.Phone, err = o.clinicContact(); err != nil {
		return h, err
	}
	printer, err := o.UserByID(o.actor.userID)
	if err != nil {
		return h, fmt.Errorf("read who prints: %w", err)
	}
	h.Patient = PrescriptionPatient{Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyName), MRN: p.MRN,
		BirthDate: p.BirthDate, Address: postalAddress(p)}
	h.PrintedAt, h.PrintedBy = o.now.Format(time.RFC3339), printer.FullName
	return h, nil
}

// visitSummary gathers what the visit e did. The medicines are those
// written from its start until its note was signed (until now while open).
func (o *op) visitSummary(e db.Encounter) (VisitSummary, error) {
	out := VisitSummary{StartedAt: instant(e.StartedAt), Kind: e.Kind, Signed: e.Status == db.EncounterSigned,
		Diagnoses: []Code{}, Vitals: []VitalsSet{}, Vaccines: []GivenVaccine{}, LabsOrdered: []string{}}
	var err error
	if out.PrintHeading, err = o.printHeading(e.PatientID); err != nil {
		return out, err
	}
	if out.ClinicianName, err = o.userFullName(e.ClinicianID); err != nil {
		return out, err
	}
	n, err := o.NoteOf(e.ID)
	if err != nil {
		return out, err
	}
	until := o.now
	if n.Signed() {
		until = n.SignedAt
	}
	diagnoses, err := o.EncounterDiagnoses(e.ID)
	if err != nil {
		return out, err
	}
	for _, d := range diagnoses {
		if !d.Retracted() {
			out.Diagnoses = append(out.Diagnoses, Code{Code: d.Problem.ICD10, Title: d.Problem.Title})
		}
	}
	p, err := o.chartPatient(e.PatientID)
	if err != nil {
		return out, err
	}
	r, err := o.vitalsReader(p)
	if err != nil {
		return out, err
	}
	sets, err := o.VitalsAtEncounter(p.ID, e.ID)
	if err != nil {
		return out, err
	}
	for _, v := range sets {
		if v.Status == db.VitalsFinal {
			out.Vitals = append(out.Vitals, r.view(v))
		}
	}
	vaccines, err := o.Immunizations(p.ID)
	if err != nil {
		return out, err
	}
	for _, v := range vaccines {
		if v.Source == db.ImmGivenHere && v.Status != db.EnteredInError && within(v.CreatedAt, e.StartedAt, until) {
			out.Vaccines = append(out.Vaccines, GivenVaccine{Vaccine: v.Vaccine, Dose: v.Dose})
		}
	}
	orders, err := o.LabOrders(p.ID)
	if err != nil {
		return out, err
	}
	for _, l := range orders {
		if l.EncounterID == e.ID && l.Status != "cancelled" {
			out.LabsOrdered = append(out.LabsOrdered, l.TestName)
		}
	}
	meds, err := o.Medications(p.ID)
	if err != nil {
		return out, err
	}
	out.Medications = medicationChanges(meds, e.StartedAt, until)
	if out.FollowUp, err = o.followUpOf(e); err != nil {
		return out, err
	}
	guidance, err := o.VisitInstructionsOf(e.ID)
	if err != nil {
		return out, err
	}
	out.Instructions, err = o.guidanceView(guidance)
	return out, err
}

// within is whether t falls in [from, until].
func within(t, from, until time.Time) bool { return !t.Before(from) && !t.After(until) }

// medicationChanges reads a visit's medicines from the patient's list: a
// medication written in the visit's span is new, or (renewing another)
// changed when its dose, route or frequency differ and renewed when not;
// one stopped in the span is stopped, unless a renewal replaced it.
// Medications entered in error are no change at all.
func medicationChanges(meds []db.Medication, from, until time.Time) VisitMedications {
	out := VisitMedications{New: []MedicationChange{}, Changed: []MedicationChange{}, Renewed: []MedicationChange{},
		Stopped: []MedicationChange{}}
	byID := map[string]db.Medication{}
	renewed := map[string]bool{}
	for _, m := range meds {
		byID[m.ID] = m
		if m.RenewsID != "" && m.Status != db.EnteredInError {
			renewed[m.RenewsID] = true
		}
	}
	for _, m := range meds {
		if m.Status == db.EnteredInError {
			continue
		}
		if within(m.CreatedAt, from, until) {
			line := MedicationChange{Drug: m.DrugName, Now: dosing(m)}
			old, renewal := byID[m.RenewsID]
			switch {
			case !renewal:
				out.New = append(out.New, line)
			case dosing(old) != dosing(m):
				line.Was = dosing(old)
				out.Changed = append(out.Changed, line)
			default:
				out.Renewed = append(out.Renewed, line)
			}
		}
		if m.Status == db.MedStopped && !renewed[m.ID] && within(m.UpdatedAt, from, until) {
			out.Stopped = append(out.Stopped, MedicationChange{Drug: m.DrugName, Was: dosing(m), Reason: m.StopReason})
		}
	}
	return out
}

// dosing is how a medicine is taken: "500 mg oral three times a day".
func dosing(m db.Medication) string {
	return strings.TrimSpace(strings.TrimPrefix(medicationDisplay(m), m.DrugName))
}
