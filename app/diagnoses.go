package app

import (
	"errors"
	"fmt"
	"strings"

	"folio/db"
)

// A visit's diagnoses are entries of the patient's problem list linked to
// the encounter: the clinician picks a problem already on the list, or
// searches ICD-10-CM and the code becomes a new problem (diagnosed at this
// visit) as well as the visit's diagnosis. A diagnosis's code must be
// billable (valid for HIPAA-covered transactions): the visit's diagnoses go
// on its claim, and a payer refuses a claim coded with a category such as
// E11, so Folio refuses it here, naming the codes to choose instead, rather
// than let the biller find out weeks later. (A problem list entry may be a
// category; picking it as a diagnosis is refused the same way.) While the note is a draft a
// diagnosis can be removed, with a reason; once it is signed the diagnoses
// are locked with it (SQLite's triggers refuse changes too).

// DiagnosisInput is the clinician's pick: ProblemID, a problem of the
// patient's list; or, with ProblemID "", Code (ICD-10-CM, with or without
// its dot) for a new problem, with an optional Title and Onset as on the
// problem form. A code the patient already has as an active problem links
// that problem rather than listing it twice.
type DiagnosisInput struct {
	ProblemID string `json:"problemId"`
	Code      string `json:"code"`
	Title     string `json:"title"`
	Onset     string `json:"onset"`
}

// Diagnosis is one diagnosis of a visit, as its problem reads. Primary
// marks the first still in force. NewProblem says the problem was added to
// the list at this visit. A removed diagnosis has RetractedAt, RetractedBy
// (a name) and RetractReason, and stays readable.
type Diagnosis struct {
	ID            string `json:"id"`
	ProblemID     string `json:"problemId"`
	Code          string `json:"code"`
	Title         string `json:"title"`
	ProblemStatus string `json:"problemStatus"`
	Rank          int    `json:"rank"`
	Primary       bool   `json:"primary"`
	NewProblem    bool   `json:"newProblem"`
	AddedBy       string `json:"addedBy"`
	AddedAt       string `json:"addedAt"`
	RetractedAt   string `json:"retractedAt"`
	RetractedBy   string `json:"retractedBy"`
	RetractReason string `json:"retractReason"`
	Version       int    `json:"version"`
}

// AddDiagnosis adds a diagnosis to a visit whose note is still a draft and
// answers the visit as it now reads.
func (s *Chart) AddDiagnosis(encounterID string, in DiagnosisInput) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		encounterID = strings.TrimSpace(encounterID)
		in.ProblemID = strings.TrimSpace(in.ProblemID)
		newProblem := ProblemInput{Code: in.Code, Title: in.Title, Onset: in.Onset, EncounterID: encounterID}
		fields := fieldErrors{}
		switch {
		case in.ProblemID != "":
		case strings.TrimSpace(in.Code) == "":
			fields.add("code", "Search a diagnosis by words or code, or choose one of the patient's problems.")
		default:
			list, err := o.app.icd10List()
			if err != nil {
				return err
			}
			if fields = newProblem.check(list, o.now); fields["code"] == "" {
				if c, _ := list.Lookup(newProblem.Code); !c.Billable {
					fields.add("code", notBillable(list, c))
				}
			}
		}
		if len(encounterID) > maxIDLength || len(in.ProblemID) > maxIDLength {
			return errorf(NotFound, "That visit or problem was not found.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		e, n, err := o.encounterAndNote(encounterID)
		if err != nil {
			return err
		}
		if n.Signed() {
			return errorf(Conflict, "This note is signed: its diagnoses are locked. Add an addendum instead.")
		}
		if _, err := o.chartPatient(e.PatientID); err != nil {
			return err
		}
		problem, created, err := o.diagnosedProblem(e, in.ProblemID, newProblem)
		if err != nil {
			return err
		}
		d, err := o.InsertDiagnosis(db.Diagnosis{ID: newID(), EncounterID: e.ID, ProblemID: problem.ID,
			AddedAt: o.now, AddedBy: o.actor.userID})
		if errors.Is(err, db.ErrDuplicate) {
			field := "problemId"
			if in.ProblemID == "" {
				field = "code"
			}
			fields.add(field, "This is already a diagnosis of this visit.")
			return fields.err()
		}
		if err != nil {
			return err
		}
		if created {
			if err := o.audit("problem.add", e.PatientID, "problem/"+problem.ID, problem.ICD10+" "+problem.Title); err != nil {
				return err
			}
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("diagnosis.add", e.PatientID, "encounter/"+e.ID,
			fmt.Sprintf("diagnosis %s, rank %d: problem/%s %s %s", d.ID, d.Rank, problem.ID, problem.ICD10, problem.Title))
	})
	return out, err
}

// diagnosedProblem is the problem a diagnosis links: the patient's problem
// problemID, or, for "", the patient's active problem with in's code, or
// else a new problem from in (created tells).
func (o *op) diagnosedProblem(e db.Encounter, problemID string, in ProblemInput) (p db.Problem, created bool, err error) {
	if problemID != "" {
		p, err := o.ProblemByID(problemID)
		fields := fieldErrors{}
		switch {
		case errors.Is(err, db.ErrNotFound) || (err == nil && p.PatientID != e.PatientID):
			fields.add("problemId", "Choose one of this patient's problems.")
		case err != nil:
			return p, false, err
		case p.Status == db.EnteredInError:
			fields.add("problemId", "That problem was retracted as entered in error; choose another or search the code.")
		default:
			list, err := o.app.icd10List()
			if err != nil {
				return p, false, err
			}
			// A problem imported without a code, or with one no longer in
			// the list, is linked as it is: there is no category to refine.
			if c, ok := list.Lookup(p.ICD10); ok && !c.Billable {
				fields.add("problemId", notBillable(list, c)+" Search it below.")
			}
		}
		return p, false, fields.err()
	}
	active, err := o.ActiveProblems(e.PatientID)
	if err != nil {
		return p, false, err
	}
	for _, p := range active {
		if p.ICD10 == in.Code {
			return p, false, nil
		}
	}
	p = db.Problem{ID: newID(), PatientID: e.PatientID, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	setProblemFields(&p, in)
	return p, true, o.InsertProblem(p)
}

// RemoveDiagnosis removes a diagnosis from a visit whose note is still a
// draft, saying why; it stays readable, marked removed. version is the
// diagnosis's version the clinician was looking at. The problem stays on
// the patient's list: retract it there if it was entered in error.
func (s *Chart) RemoveDiagnosis(diagnosisID, reason string, version int) (Encounter, error) {
	var out Encounter
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this diagnosis is removed.").err(); err != nil {
			return err
		}
		d, err := o.DiagnosisByID(diagnosisID)
		if err != nil {
			return err
		}
		e, n, err := o.encounterAndNote(d.EncounterID)
		if err != nil {
			return err
		}
		switch {
		case n.Signed():
			return errorf(Conflict, "This note is signed: its diagnoses are locked. Add an addendum instead.")
		case d.Retracted():
			return errorf(Conflict, "This diagnosis was already removed.")
		case d.Version != version:
			return errorf(Conflict, "This diagnosis changed meanwhile. Reload the visit and try again.")
		}
		if _, err := o.chartPatient(e.PatientID); err != nil {
			return err
		}
		if _, err := o.RetractDiagnosis(d.ID, version, o.actor.userID, o.now, reason); err != nil {
			return err
		}
		if out, err = o.encounterView(e); err != nil {
			return err
		}
		return o.audit("diagnosis.remove", e.PatientID, "encounter/"+e.ID,
			fmt.Sprintf("diagnosis %s: problem/%s; reason: %s", d.ID, d.ProblemID, reason))
	})
	return out, err
}

// diagnosesView is a visit's diagnoses as the UI shows them; name gives a
// user's full name.
func diagnosesView(lines []db.DiagnosisLine, encounterID string, name func(string) (string, error)) ([]Diagnosis, error) {
	out := []Diagnosis{}
	primary := false
	for _, l := range lines {
		d := Diagnosis{ID: l.ID, ProblemID: l.ProblemID, Code: l.Problem.ICD10, Title: l.Problem.Title,
			ProblemStatus: l.Problem.Status, Rank: l.Rank, NewProblem: l.Problem.EncounterID == encounterID,
			AddedAt: instant(l.AddedAt), RetractedAt: instant(l.RetractedAt), RetractReason: l.RetractReason,
			Version: l.Version}
		if !l.Retracted() && !primary {
			d.Primary, primary = true, true
		}
		var err error
		if d.AddedBy, err = name(l.AddedBy); err != nil {
			return nil, err
		}
		if d.RetractedBy, err = name(l.RetractedBy); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
