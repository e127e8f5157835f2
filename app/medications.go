package app

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/cds"
	"folio/db"
)

// Alert is an interaction or allergy alert (see package cds).
type Alert = cds.Alert

// Drug is an entry of Folio's drug list.
type Drug = cds.Drug

// MedicationInput is the medication form: a new prescription, or a drug the
// patient takes that was prescribed elsewhere.
type MedicationInput struct {
	Drug       string `json:"drug"`       // a name from SearchDrugs, or free text for a drug not listed
	RxNorm     string `json:"rxnorm"`     // optional; from SearchDrugs
	Dose       string `json:"dose"`       // e.g. "500 mg"; required when prescribed here
	Route      string `json:"route"`      // e.g. "oral"
	Frequency  string `json:"frequency"`  // e.g. "three times a day"; required when prescribed here
	Quantity   string `json:"quantity"`   // e.g. "21 tablets"
	Refills    int    `json:"refills"`    // 0 to 12
	StartDate  string `json:"startDate"`  // YYYY-MM-DD; "" today
	Source     string `json:"source"`     // prescribed_here (the default) or elsewhere
	Prescriber string `json:"prescriber"` // for elsewhere; here it is the clinician signed in
	Note       string `json:"note"`
}

// Override continues past one alert, saying why.
type Override struct {
	AlertKey string `json:"alertKey"`
	Reason   string `json:"reason"`
}

// OverrideRecord is an override as recorded: by whom (user id) and when.
type OverrideRecord struct {
	AlertKey string `json:"alertKey"`
	Severity string `json:"severity"`
	What     string `json:"what"`
	Reason   string `json:"reason"`
	By       string `json:"by"`
	ByName   string `json:"byName"` // filled where the list is read
	At       string `json:"at"`
}

// Medication is one drug on a patient's list. Status is active, stopped or
// entered_in_error. Classes are the drug's classes when it was charted.
type Medication struct {
	ID            string           `json:"id"`
	PatientID     string           `json:"patientId"`
	Drug          string           `json:"drug"`
	RxNorm        string           `json:"rxnorm"`
	Classes       []string         `json:"classes"`
	Dose          string           `json:"dose"`
	Route         string           `json:"route"`
	Frequency     string           `json:"frequency"`
	Quantity      string           `json:"quantity"`
	Refills       int              `json:"refills"`
	StartDate     string           `json:"startDate"`
	StopDate      string           `json:"stopDate"`
	StopReason    string           `json:"stopReason"`
	Source        string           `json:"source"`
	Prescriber    string           `json:"prescriber"`
	Note          string           `json:"note"`
	RenewsID      string           `json:"renewsId"`
	Status        string           `json:"status"`
	RetractReason string           `json:"retractReason"`
	Overrides     []OverrideRecord `json:"overrides"`
	Version       int              `json:"version"`
	CreatedAt     string           `json:"createdAt"`
	UpdatedAt     string           `json:"updatedAt"`
	// The names of who added it and who changed it last (stopped,
	// retracted), filled where the list is read (see userNames).
	CreatedByName string `json:"createdByName"`
	UpdatedByName string `json:"updatedByName"`
	// Whether the interaction check reads this drug (see DrugCheck),
	// filled where the list is read.
	Check DrugCheck `json:"check"`

	createdBy, updatedBy string // user ids
}

func medicationView(m db.Medication, overrides []db.AlertOverride) Medication {
	out := Medication{ID: m.ID, PatientID: m.PatientID, Drug: m.DrugName, RxNorm: m.RxNorm, Classes: m.Classes,
		Dose: m.Dose, Route: m.Route, Frequency: m.Frequency, Quantity: m.Quantity, Refills: m.Refills,
		StartDate: m.StartDate, StopDate: m.StopDate, StopReason: m.StopReason, Source: m.Source,
		Prescriber: m.Prescriber, Note: m.Note, RenewsID: m.RenewsID, Status: m.Status,
		RetractReason: m.RetractReason, Overrides: []OverrideRecord{}, Version: m.Version,
		CreatedAt: m.CreatedAt.Format(time.RFC3339), UpdatedAt: m.UpdatedAt.Format(time.RFC3339),
		createdBy: m.CreatedBy, updatedBy: m.UpdatedBy}
	if out.Classes == nil {
		out.Classes = []string{}
	}
	for _, o := range overrides {
		if o.MedicationID == m.ID {
			out.Overrides = append(out.Overrides, OverrideRecord{AlertKey: o.AlertKey, Severity: o.Severity,
				What: o.What, Reason: o.Reason, By: o.By, At: o.At.Format(time.RFC3339)})
		}
	}
	return out
}

const (
	maxMedicationField = 100
	maxRefills         = 12
	defaultDrugLimit   = 20
	maxDrugLimit       = 100
)

// check tidies and validates the form; it fills the defaults (today, here).
func (in *MedicationInput) check(now time.Time) fieldErrors {
	for _, f := range []*string{&in.Drug, &in.RxNorm, &in.Dose, &in.Route, &in.Frequency, &in.Quantity, &in.Prescriber} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	in.Source, in.StartDate = strings.ToLower(strings.TrimSpace(in.Source)), strings.TrimSpace(in.StartDate)
	in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
	fields := fieldErrors{}
	if in.Drug == "" {
		fields.add("drug", "Choose the drug.")
	}
	switch in.Source {
	case "":
		in.Source = db.MedPrescribedHere
	case db.MedPrescribedHere, db.MedElsewhere:
	default:
		fields.add("source", "Choose prescribed here or elsewhere.")
	}
	if in.Source == db.MedPrescribedHere {
		if in.Dose == "" {
			fields.add("dose", "Enter the dose, e.g. 500 mg.")
		}
		if in.Frequency == "" {
			fields.add("frequency", "Enter how often, e.g. three times a day.")
		}
	}
	if in.Refills < 0 || in.Refills > maxRefills {
		fields.add("refills", fmt.Sprintf("Refills are 0 to %d.", maxRefills))
	}
	if in.StartDate == "" {
		in.StartDate = now.Format("2006-01-02")
	}
	if msg := fullDateProblem(in.StartDate, now); msg != "" {
		fields.add("startDate", msg)
	}
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"drug", in.Drug, "drug", maxTitleLength},
		{"rxnorm", in.RxNorm, "code", 50},
		{"dose", in.Dose, "dose", maxMedicationField},
		{"route", in.Route, "route", maxMedicationField},
		{"frequency", in.Frequency, "frequency", maxMedicationField},
		{"quantity", in.Quantity, "quantity", maxMedicationField},
		{"prescriber", in.Prescriber, "prescriber", maxTitleLength},
		{"note", in.Note, "note", maxClinicalNoteLength},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	return fields
}

// fullDateProblem checks a required YYYY-MM-DD date, not in the future.
func fullDateProblem(s string, now time.Time) string {
	if _, err := time.Parse("2006-01-02", s); err != nil || len(s) != 10 {
		return "Enter the date as YYYY-MM-DD, e.g. 2026-03-10."
	}
	if s < oldestBirth {
		return "The date cannot be before 1900."
	}
	if s > now.Format("2006-01-02") {
		return "The date cannot be in the future."
	}
	return ""
}

// SearchDrugs finds drugs of Folio's list as the clinician types: words of
// the name in any order, each matching the start of a word ("amox clav").
// limit is at most 100; 0 means 20. Nothing is audited: it reads no chart.
func (s *Chart) SearchDrugs(query string, limit int) ([]Drug, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return nil, err
	}
	if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) error { return checkActive(tx, who) }); err != nil {
		return nil, s.app.userError(err)
	}
	if limit <= 0 {
		limit = defaultDrugLimit
	}
	return s.app.cds.Search(query, min(limit, maxDrugLimit)), nil
}

// Medications lists a patient's medications, the history included: active,
// then stopped (latest first), then those entered in error, each with the
// alerts overridden when it was added. A merged chart lists the survivor's.
func (s *Chart) Medications(patientID string) ([]Medication, error) {
	out := []Medication{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Medications(p.ID)
		if err != nil {
			return err
		}
		overrides, err := o.PatientAlertOverrides(p.ID)
		if err != nil {
			return err
		}
		names, err := o.userNames()
		if err != nil {
			return err
		}
		for _, r := range rows {
			m := names.medication(medicationView(r, overrides))
			_, m.Check = s.app.medicationDrug(r)
			out = append(out, m)
		}
		return o.audit("medication.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// drugOf is the drug the form names, as typed or picked and with the code
// given, with its classes as the knowledge base reads it (by code, then by
// name: a generic, brand or clinical drug string); a drug it cannot read
// has none, and is not checked (see DrugCheck).
//
// A drug named without a code gets the RxNorm ingredient code of the drug
// of the list it was read as, so it leaves Folio coded.
func (a *App) drugOf(in MedicationInput) (cds.Drug, DrugCheck) {
	r := a.cds.ResolveDrug(in.Drug, rxnormCodings(in.RxNorm))
	d := cds.Drug{Name: in.Drug, RxNorm: in.RxNorm, Classes: r.Classes, Generic: r.Drug}
	if listed, ok := a.cds.Lookup(r.Drug, ""); ok && d.RxNorm == "" && r.Mapped() {
		d.RxNorm = listed.RxNorm
	}
	return d, drugCheck(r, false)
}

// alertsFor checks drug against the patient's active medications (but
// skip, the one being renewed) and active allergies; it returns the alerts
// that involve drug, gravest first, and the chart's entries that could not
// be checked.
func (o *op) alertsFor(patientID string, drug cds.Drug, skip string) ([]Alert, []UncheckedEntry, error) {
	list, err := o.checkList(patientID, skip)
	if err != nil {
		return nil, nil, err
	}
	return o.app.drugAlerts(drug, list.meds, list.allergies), list.unchecked, nil
}

// chartCheckList is what a drug added to a chart is checked against, and
// the chart's entries the check cannot read.
type chartCheckList struct {
	meds      []chartDrug
	allergies []cds.AllergySubstance
	unchecked []UncheckedEntry
}

// checkList is what a drug added to the patient's chart is checked
// against: the active medications (but skip) and the active allergies,
// each as the knowledge base reads it now (see medicationDrug).
func (o *op) checkList(patientID, skip string) (chartCheckList, error) {
	var out chartCheckList
	active, err := o.ActiveMedications(patientID)
	if err != nil {
		return out, err
	}
	out.meds = make([]chartDrug, 0, len(active))
	for _, m := range active {
		if m.ID == skip {
			continue
		}
		d, check := o.app.medicationDrug(m)
		out.meds = append(out.meds, chartDrug{Drug: d, medicationID: m.ID})
		if check.NotChecked != "" {
			out.unchecked = append(out.unchecked, UncheckedEntry{Kind: "medication", ID: m.ID, Name: m.DrugName, Reason: check.NotChecked})
		}
	}
	allergies, err := o.ActiveAllergies(patientID)
	if err != nil {
		return out, err
	}
	out.allergies = make([]cds.AllergySubstance, 0, len(allergies))
	for _, a := range allergies {
		s, check := o.app.allergySubstance(a)
		out.allergies = append(out.allergies, s)
		if check.NotChecked != "" {
			out.unchecked = append(out.unchecked, UncheckedEntry{Kind: "allergy", ID: a.ID, Name: a.Substance, Reason: check.NotChecked})
		}
	}
	return out, nil
}

// chartDrug is a drug a chart lists, with its medication's id ("" for one
// not written yet, such as an item of an import under review).
type chartDrug struct {
	cds.Drug
	medicationID string
}

// drugAlerts are the alerts of adding drug to meds, for a patient with
// allergies: those cds.Check finds between drug and each of meds, then
// between drug and the allergies, gravest first. Checking drug against one
// medication at a time keeps the work in proportion to the list, and finds
// only the alerts drug is part of.
func (a *App) drugAlerts(drug cds.Drug, meds []chartDrug, allergies []cds.AllergySubstance) []Alert {
	out := []Alert{}
	for _, m := range meds {
		out = append(out, a.cds.Check([]cds.Drug{drug, m.Drug}, nil)...)
	}
	out = append(out, a.cds.Check([]cds.Drug{drug}, allergies)...)
	slices.SortStableFunc(out, func(x, y Alert) int { return cds.SeverityRank(x.Severity) - cds.SeverityRank(y.Severity) })
	return out
}

// CheckMedication tells what alerts adding the drug of in would raise for
// the patient, against the active medications and allergies, and what of
// them (the drug itself included) could not be checked; only the drug need
// be filled in, so the form can check as soon as it is chosen. The check
// is audited, as it reads the chart.
func (s *Chart) CheckMedication(patientID string, in MedicationInput) (MedicationCheck, error) {
	out := MedicationCheck{Alerts: []Alert{}, Unchecked: []UncheckedEntry{}}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		if msg := in.check(o.now)["drug"]; msg != "" {
			return fieldErrors{"drug": msg}.err()
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		drug, check := s.app.drugOf(in)
		alerts, unchecked, err := o.alertsFor(p.ID, drug, "")
		if err != nil {
			return err
		}
		out.Alerts = alerts
		if check.NotChecked != "" {
			out.Unchecked = append(out.Unchecked, UncheckedEntry{Kind: "new", Name: drug.Name, Reason: check.NotChecked})
		}
		out.Unchecked = append(out.Unchecked, unchecked...)
		out.Note = uncheckedNote(out.Unchecked)
		detail := fmt.Sprintf("%s: %d alerts", drug.Name, len(out.Alerts))
		if len(out.Unchecked) > 0 {
			detail += fmt.Sprintf("; %d entries not checked", len(out.Unchecked))
		}
		return o.audit("medication.check", p.ID, "patient/"+p.ID, detail)
	})
	return answer(out, err)
}

// AddMedication adds a drug to the patient's list: a prescription written
// here, or a drug prescribed elsewhere. Every alert it raises (see
// CheckMedication) must be overridden with a reason; if one is not, nothing
// is written and the error (kind conflict) lists the alerts. Overrides are
// recorded with the medication and audited.
func (s *Chart) AddMedication(patientID string, in MedicationInput, overrides []Override) (Medication, error) {
	var out Medication
	err := s.app.act(s.session, permClinical, func(o *op) error {
		if err := in.check(o.now).err(); err != nil {
			return err
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		row := db.Medication{ID: newID(), PatientID: p.ID, Version: 1, Status: db.MedActive,
			CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.setMedicationFields(&row, in); err != nil {
			return err
		}
		drug, _ := s.app.medicationDrug(row)
		return o.insertChecked(row, drug, "", overrides, "medication.add", &out)
	})
	return out, err
}

// setMedicationFields fills a new row from the form: the drug as named
// and coded, with its classes (the snapshot charted with it), and the
// prescriber (the clinician signed in, for a prescription here).
func (o *op) setMedicationFields(m *db.Medication, in MedicationInput) error {
	drug, _ := o.app.drugOf(in)
	m.DrugName, m.RxNorm, m.Classes = drug.Name, drug.RxNorm, drug.Classes
	m.Dose, m.Route, m.Frequency, m.Quantity, m.Refills = in.Dose, in.Route, in.Frequency, in.Quantity, in.Refills
	m.StartDate, m.Source, m.Prescriber, m.Note = in.StartDate, in.Source, in.Prescriber, in.Note
	if in.Source == db.MedPrescribedHere {
		u, err := o.UserByID(o.actor.userID)
		if err != nil {
			return fmt.Errorf("read prescriber: %w", err)
		}
		m.Prescriber = u.FullName
	}
	return nil
}

// insertChecked checks row's drug (skipping the medication it renews),
// refuses unless every alert is overridden with a reason, then writes the
// row, the overrides and their audit entries.
func (o *op) insertChecked(row db.Medication, drug cds.Drug, skip string, overrides []Override, action string, out *Medication) error {
	alerts, _, err := o.alertsFor(row.PatientID, drug, skip)
	if err != nil {
		return err
	}
	reasons, err := overrideReasons(overrides)
	if err != nil {
		return err
	}
	if missing := unreasoned(alerts, reasons); len(missing) > 0 {
		msg := fmt.Sprintf("%s raises %s. Give a reason to continue past each, or choose another drug.", drug.Name, alertCount(missing))
		return &Error{Kind: Conflict, Message: msg, Alerts: missing}
	}
	if err := o.InsertMedication(row); err != nil {
		return err
	}
	recorded, err := o.recordOverrides(row.PatientID, row.ID, alerts, reasons, "")
	if err != nil {
		return err
	}
	*out = medicationView(row, recorded)
	_, out.Check = o.app.medicationDrug(row)
	detail := fmt.Sprintf("%s %s %s %s; %s", row.DrugName, row.Dose, row.Route, row.Frequency, row.Source)
	if row.RenewsID != "" {
		detail += "; renews medication/" + row.RenewsID
	}
	if len(alerts) > 0 {
		detail += fmt.Sprintf("; %d alerts overridden", len(alerts))
	}
	return o.audit(action, row.PatientID, "medication/"+row.ID, detail)
}

// overrideReasons are the reasons given, by alert key; an override
// without a reason is none. A reason too long is refused.
func overrideReasons(overrides []Override) (map[string]string, error) {
	reasons := map[string]string{}
	for _, ov := range overrides {
		if reason := strings.TrimSpace(ov.Reason); reason != "" {
			if utf8.RuneCountInString(reason) > maxReasonLength {
				return nil, &Error{Kind: Invalid, Message: "Please correct the marked field.",
					Fields: map[string]string{"overrides": fmt.Sprintf("A reason can have at most %d characters.", maxReasonLength)}}
			}
			reasons[ov.AlertKey] = reason
		}
	}
	return reasons, nil
}

// unreasoned are the alerts that have no reason.
func unreasoned(alerts []Alert, reasons map[string]string) []Alert {
	var missing []Alert
	for _, a := range alerts {
		if reasons[a.Key] == "" {
			missing = append(missing, a)
		}
	}
	return missing
}

// alertCount is "an alert" or "3 alerts".
func alertCount(alerts []Alert) string {
	if len(alerts) == 1 {
		return "an alert"
	}
	return fmt.Sprintf("%d alerts", len(alerts))
}

// recordOverrides records each alert, overridden with its reason, against
// the medication it was overridden for, and audits each; note (if any)
// ends each audit entry, saying where the override was given.
func (o *op) recordOverrides(patientID, medicationID string, alerts []Alert, reasons map[string]string, note string) ([]db.AlertOverride, error) {
	var recorded []db.AlertOverride
	for _, a := range alerts {
		rec := db.AlertOverride{MedicationID: medicationID, AlertKey: a.Key, Severity: a.Severity, What: a.What,
			Reason: reasons[a.Key], By: o.actor.userID, At: o.now}
		if err := o.InsertAlertOverride(rec); err != nil {
			return nil, err
		}
		recorded = append(recorded, rec)
		detail := fmt.Sprintf("%s; %s: %s; reason: %s", a.Key, a.Severity, a.What, rec.Reason)
		if note != "" {
			detail += "; " + note
		}
		if err := o.audit("medication.override", patientID, "medication/"+medicationID, detail); err != nil {
			return nil, err
		}
	}
	return recorded, nil
}

// checkMedicationChange refuses to change a medication that is not active,
// one on a merged chart, or one changed since the clinician read it.
func (o *op) checkMedicationChange(old db.Medication, version int) error {
	switch old.Status {
	case db.EnteredInError:
		return errorf(Conflict, "This medication was retracted as entered in error; it is not changed.")
	case db.MedStopped:
		return errorf(Conflict, "This medication was stopped on %s; add it again to restart it.", old.StopDate)
	}
	if _, err := o.chartPatient(old.PatientID); err != nil {
		return err
	}
	if old.Version != version {
		return errorf(Conflict, "Someone else changed this medication meanwhile. Reload the chart and make your change again.")
	}
	return nil
}

// StopMedication stops an active medication on stopDate (YYYY-MM-DD; ""
// today), saying why. It stays on the list as history.
func (s *Chart) StopMedication(id, reason, stopDate string, version int) (Medication, error) {
	var out Medication
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason, stopDate = strings.TrimSpace(reason), strings.TrimSpace(stopDate)
		if stopDate == "" {
			stopDate = o.now.Format("2006-01-02")
		}
		fields := reasonFields(reason, "Say why this medication is stopped.")
		if msg := fullDateProblem(stopDate, o.now); msg != "" {
			fields.add("stopDate", msg)
		}
		if err := fields.err(); err != nil {
			return err
		}
		old, err := o.MedicationByID(id)
		if err != nil {
			return err
		}
		if err := o.checkMedicationChange(old, version); err != nil {
			return err
		}
		if stopDate < old.StartDate {
			return (fieldErrors{"stopDate": "The stop date cannot be before the start date (" + old.StartDate + ")."}).err()
		}
		saved, err := o.stop(old, stopDate, reason)
		if err != nil {
			return err
		}
		out = medicationView(saved, nil)
		return o.audit("medication.stop", saved.PatientID, "medication/"+id,
			fmt.Sprintf("version %d; %s; stopped %s; reason: %s", saved.Version, saved.DrugName, stopDate, reason))
	})
	return out, err
}

func (o *op) stop(old db.Medication, stopDate, reason string) (db.Medication, error) {
	next := old
	next.Status, next.StopDate, next.StopReason = db.MedStopped, stopDate, reason
	next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
	return o.UpdateMedication(next, reason)
}

// RenewMedication writes a new prescription of an active medication's drug
// from in (dose, route, frequency, quantity, refills, start date; its drug
// and source are ignored: the drug is the same, prescribed here) and stops
// the old one as renewed. The renewal is checked like a new medication, as
// allergies or other drugs may have been added since; overrides as for
// AddMedication.
func (s *Chart) RenewMedication(id string, in MedicationInput, version int, overrides []Override) (Medication, error) {
	var out Medication
	err := s.app.act(s.session, permClinical, func(o *op) error {
		old, err := o.MedicationByID(id)
		if err != nil {
			return err
		}
		in.Drug, in.RxNorm, in.Source = old.DrugName, old.RxNorm, db.MedPrescribedHere
		if err := in.check(o.now).err(); err != nil {
			return err
		}
		if err := o.checkMedicationChange(old, version); err != nil {
			return err
		}
		row := db.Medication{ID: newID(), PatientID: old.PatientID, Version: 1, Status: db.MedActive, RenewsID: old.ID,
			CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.setMedicationFields(&row, in); err != nil {
			return err
		}
		row.DrugName, row.RxNorm, row.Classes = old.DrugName, old.RxNorm, old.Classes
		drug, _ := s.app.medicationDrug(row)
		row.Classes = drug.Classes
		if err := o.insertChecked(row, drug, old.ID, overrides, "medication.renew", &out); err != nil {
			return err
		}
		stopDate := max(in.StartDate, old.StartDate)
		_, err = o.stop(old, stopDate, "Renewed")
		return err
	})
	return out, err
}

// RetractMedication marks a medication entered in error, saying why. It
// stays readable, marked so; nothing is deleted.
func (s *Chart) RetractMedication(id, reason string, version int) (Medication, error) {
	var out Medication
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this medication was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.MedicationByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this medication", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateMedication(next, reason)
		if err != nil {
			return err
		}
		out = medicationView(saved, nil)
		return o.audit("medication.retract", saved.PatientID, "medication/"+id,
			fmt.Sprintf("version %d; %s; reason: %s", saved.Version, saved.DrugName, reason))
	})
	return out, err
}

// medicationDisplay is a medication in one line: "amoxicillin 500 mg oral three times a day".
func medicationDisplay(m db.Medication) string {
	parts := []string{m.DrugName}
	for _, p := range []string{m.Dose, m.Route, m.Frequency} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}
