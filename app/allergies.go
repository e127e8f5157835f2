package app

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"folio/db"
)

// AllergyInput is the allergy and intolerance form.
type AllergyInput struct {
	Substance     string `json:"substance"`     // e.g. "Penicillin", "Peanuts"
	SubstanceKind string `json:"substanceKind"` // drug, drug_class, food, environment or other
	Code          string `json:"code"`          // optional, e.g. an RxNorm code
	Reaction      string `json:"reaction"`      // e.g. "hives"
	Severity      string `json:"severity"`      // mild, moderate, severe or unknown (the default)
	Status        string `json:"status"`        // active (the default) or inactive
	Onset         string `json:"onset"`         // YYYY, YYYY-MM or YYYY-MM-DD; "" unknown
	Note          string `json:"note"`
}

// Allergy is one allergy or intolerance. Status is active, inactive or
// entered_in_error (retracted, with RetractReason).
type Allergy struct {
	ID            string `json:"id"`
	PatientID     string `json:"patientId"`
	Substance     string `json:"substance"`
	SubstanceKind string `json:"substanceKind"`
	Code          string `json:"code"`
	Reaction      string `json:"reaction"`
	Severity      string `json:"severity"`
	Status        string `json:"status"`
	Onset         string `json:"onset"`
	Note          string `json:"note"`
	RetractReason string `json:"retractReason"`
	Version       int    `json:"version"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
	// UpdatedByName is the full name of who saved this version (see
	// Patient.UpdatedByName).
	UpdatedByName string `json:"updatedByName"`
	// Whether the interaction check reads it (see DrugCheck): a drug or
	// drug class it cannot read is marked not checked; a food is no drug.
	Check DrugCheck `json:"check"`
}

// AllergyList is a patient's allergies (active, then inactive, then those
// entered in error) and whether "no known allergies" is recorded: by whom
// (full name) and when. NoKnownAllergies false with no active allergy means
// nobody has asked yet.
type AllergyList struct {
	Allergies        []Allergy `json:"allergies"`
	NoKnownAllergies bool      `json:"noKnownAllergies"`
	NKARecordedBy    string    `json:"nkaRecordedBy"`
	NKARecordedAt    string    `json:"nkaRecordedAt"`
}

func allergyView(a db.Allergy) Allergy {
	return Allergy{ID: a.ID, PatientID: a.PatientID, Substance: a.Substance, SubstanceKind: a.SubstanceKind,
		Code: a.Code, Reaction: a.Reaction, Severity: a.Severity, Status: a.Status, Onset: a.Onset, Note: a.Note,
		RetractReason: a.RetractReason, Version: a.Version,
		CreatedAt: a.CreatedAt.Format(time.RFC3339), UpdatedAt: a.UpdatedAt.Format(time.RFC3339)}
}

var (
	substanceKinds = map[string]bool{"drug": true, "drug_class": true, "food": true, "environment": true, "other": true}
	severities     = map[string]bool{"mild": true, "moderate": true, "severe": true, "unknown": true}
)

func (in *AllergyInput) check(now time.Time) fieldErrors {
	for _, f := range []*string{&in.Substance, &in.Code, &in.Reaction} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	for _, f := range []*string{&in.SubstanceKind, &in.Severity, &in.Status, &in.Onset} {
		*f = strings.ToLower(strings.TrimSpace(*f))
	}
	in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
	fields := fieldErrors{}
	if in.Substance == "" {
		fields.add("substance", "Enter the substance the patient reacts to.")
	}
	if !substanceKinds[in.SubstanceKind] {
		fields.add("substanceKind", "Choose drug, drug class, food, environment or other.")
	}
	if in.Severity == "" {
		in.Severity = "unknown"
	}
	if !severities[in.Severity] {
		fields.add("severity", "Choose mild, moderate, severe or unknown.")
	}
	switch in.Status {
	case "":
		in.Status = db.AllergyActive
	case db.AllergyActive, db.AllergyInactive:
	default:
		fields.add("status", "Choose active or inactive.")
	}
	if msg := partialDateProblem(in.Onset, now); msg != "" {
		fields.add("onset", msg)
	}
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"substance", in.Substance, "substance", maxTitleLength},
		{"code", in.Code, "code", 50},
		{"reaction", in.Reaction, "reaction", maxTitleLength},
		{"note", in.Note, "note", maxClinicalNoteLength},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	return fields
}

func setAllergyFields(a *db.Allergy, in AllergyInput) {
	a.Substance, a.SubstanceKind, a.Code, a.Reaction = in.Substance, in.SubstanceKind, in.Code, in.Reaction
	a.Severity, a.Status, a.Onset, a.Note = in.Severity, in.Status, in.Onset, in.Note
}

// Allergies lists a patient's allergies and tells whether "no known
// allergies" is recorded. A merged chart lists the surviving chart's.
func (s *Chart) Allergies(patientID string) (AllergyList, error) {
	var out AllergyList
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		if out, err = o.allergyList(p.ID); err != nil {
			return err
		}
		return o.audit("allergy.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

func (o *op) allergyList(patientID string) (AllergyList, error) {
	out := AllergyList{Allergies: []Allergy{}}
	rows, err := o.Allergies(patientID)
	if err != nil {
		return AllergyList{}, err
	}
	names, err := o.userNames()
	if err != nil {
		return AllergyList{}, err
	}
	for _, r := range rows {
		v := allergyView(r)
		v.UpdatedByName = names[r.UpdatedBy]
		_, v.Check = o.app.allergySubstance(r)
		out.Allergies = append(out.Allergies, v)
	}
	nka, ok, err := o.CurrentNoKnownAllergies(patientID)
	if err != nil {
		return AllergyList{}, err
	}
	if ok {
		out.NoKnownAllergies, out.NKARecordedBy, out.NKARecordedAt = true, nka.RecordedBy, nka.RecordedAt.Format(time.RFC3339)
	}
	return out, nil
}

// AddAllergy records an allergy or intolerance. It ends a "no known
// allergies" statement, if one was recorded.
func (s *Chart) AddAllergy(patientID string, in AllergyInput) (Allergy, error) {
	var out Allergy
	err := s.app.act(s.session, permClinical, func(o *op) error {
		if err := in.check(o.now).err(); err != nil {
			return err
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		row := db.Allergy{ID: newID(), PatientID: p.ID, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
			UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		setAllergyFields(&row, in)
		if err := o.InsertAllergy(row); err != nil {
			return err
		}
		out = allergyView(row)
		_, out.Check = s.app.allergySubstance(row)
		detail := fmt.Sprintf("%s (%s); %s", row.Substance, row.SubstanceKind, row.Severity)
		if err := o.clearNoKnownAllergies(p.ID, &detail); err != nil {
			return err
		}
		return o.audit("allergy.add", p.ID, "allergy/"+row.ID, detail)
	})
	return out, err
}

// clearNoKnownAllergies ends the patient's "no known allergies" statement,
// noting in detail that it did.
func (o *op) clearNoKnownAllergies(patientID string, detail *string) error {
	cleared, err := o.ClearNoKnownAllergies(patientID, o.actor.userID, o.now)
	if cleared {
		*detail += "; cleared no known allergies"
	}
	return err
}

// UpdateAllergy changes an allergy: its reaction, severity, status (inactive
// when it no longer applies), note. version is the version the clinician
// was looking at; reason may be "". The replaced version is kept.
func (s *Chart) UpdateAllergy(id string, in AllergyInput, reason string, version int) (Allergy, error) {
	var out Allergy
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		fields := in.check(o.now)
		if utf8.RuneCountInString(reason) > maxReasonLength {
			fields.add("reason", fmt.Sprintf("The reason can have at most %d characters.", maxReasonLength))
		}
		if err := fields.err(); err != nil {
			return err
		}
		old, err := o.AllergyByID(id)
		if err != nil {
			return err
		}
		if err := o.checkAllergyChange(old, version); err != nil {
			return err
		}
		next := old
		setAllergyFields(&next, in)
		if reflect.DeepEqual(next, old) {
			return errorf(Invalid, "Nothing was changed.")
		}
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateAllergy(next, reason)
		if err != nil {
			return err
		}
		out = allergyView(saved)
		if out.UpdatedByName, err = o.userFullName(saved.UpdatedBy); err != nil {
			return err
		}
		detail := fmt.Sprintf("version %d; %s; %s; %s", saved.Version, saved.Substance, saved.Severity, saved.Status)
		if reason != "" {
			detail += "; reason: " + reason
		}
		if saved.Status == db.AllergyActive {
			if err := o.clearNoKnownAllergies(saved.PatientID, &detail); err != nil {
				return err
			}
		}
		return o.audit("allergy.update", saved.PatientID, "allergy/"+id, detail)
	})
	return out, err
}

// checkAllergyChange refuses to change a retracted allergy, one on a merged
// chart, or one changed since the clinician read it.
func (o *op) checkAllergyChange(old db.Allergy, version int) error {
	if old.Status == db.EnteredInError {
		return errorf(Conflict, "This allergy was retracted as entered in error; it is not changed. Add a new one instead.")
	}
	if _, err := o.chartPatient(old.PatientID); err != nil {
		return err
	}
	if old.Version != version {
		return errorf(Conflict, "Someone else changed this allergy meanwhile. Reload the chart and make your change again.")
	}
	return nil
}

// RetractAllergy marks an allergy entered in error, saying why. It stays
// readable, marked so; nothing is deleted.
func (s *Chart) RetractAllergy(id, reason string, version int) (Allergy, error) {
	var out Allergy
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this allergy was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.AllergyByID(id)
		if err != nil {
			return err
		}
		if err := o.checkAllergyChange(old, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateAllergy(next, reason)
		if err != nil {
			return err
		}
		out = allergyView(saved)
		if out.UpdatedByName, err = o.userFullName(saved.UpdatedBy); err != nil {
			return err
		}
		return o.audit("allergy.retract", saved.PatientID, "allergy/"+id,
			fmt.Sprintf("version %d; %s; reason: %s", saved.Version, saved.Substance, reason))
	})
	return out, err
}

// RecordNoKnownAllergies records that the patient was asked and has no
// known allergies. It is refused while an active allergy is on the list:
// make those inactive or retract them first. Recording it again when it is
// already recorded changes nothing.
func (s *Chart) RecordNoKnownAllergies(patientID string) (AllergyList, error) {
	var out AllergyList
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		active, err := o.ActiveAllergies(p.ID)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			what := "an active allergy"
			if len(active) > 1 {
				what = fmt.Sprintf("%d active allergies", len(active))
			}
			return errorf(Conflict, "This patient has %s on the list. Mark it inactive or retract it before recording no known allergies.", what)
		}
		detail := "no known allergies"
		err = o.RecordNoKnownAllergies(p.ID, o.actor.userID, o.now)
		switch {
		case errors.Is(err, db.ErrDuplicate):
			detail = "no known allergies: already recorded, unchanged"
		case err != nil:
			return err
		}
		if out, err = o.allergyList(p.ID); err != nil {
			return err
		}
		return o.audit("allergy.nka", p.ID, "patient/"+p.ID, detail)
	})
	return out, err
}
