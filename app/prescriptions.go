package app

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"folio/db"
)

// A prescription on paper, and the story of one medication: what the print
// view and the history under a medication need, read in one call each.

// ClinicContact heads a printed prescription.
type ClinicContact struct {
	Name    string `json:"name"`
	Address string `json:"address"` // lines separated by newlines
	Phone   string `json:"phone"`
}

// Prescriber is who wrote a prescription, as printed on it.
type Prescriber struct {
	Name          string `json:"name"`
	LicenceNumber string `json:"licenceNumber"` // '' when the admin has not recorded it
}

// PrescriptionPatient is whom a prescription is for.
type PrescriptionPatient struct {
	Name      string `json:"name"`
	MRN       string `json:"mrn"`
	BirthDate string `json:"birthDate"`
	Address   string `json:"address"`
}

// Prescription is everything a printed prescription shows. QuantityInWords
// spells the number the quantity starts with ("thirty" for "30 tablets"),
// ” when it does not start with one.
type Prescription struct {
	Medication      Medication          `json:"medication"`
	Clinic          ClinicContact       `json:"clinic"`
	Prescriber      Prescriber          `json:"prescriber"`
	Patient         PrescriptionPatient `json:"patient"`
	QuantityInWords string              `json:"quantityInWords"`
	PrintedAt       string              `json:"printedAt"`
	PrintedBy       string              `json:"printedBy"`
}

// clinicContact reads the clinic's address and phone from its settings.
func (o *op) clinicContact() (address, phone string, err error) {
	if address, _, err = o.Setting(settingClinicAddress); err != nil {
		return "", "", err
	}
	phone, _, err = o.Setting(settingClinicPhone)
	return address, phone, err
}

// Prescription is the prescription of an active medication prescribed
// here, for printing; calling it records in the audit trail that it was
// printed. The prescriber is the clinician who wrote it, whoever prints it.
// A medication prescribed elsewhere, stopped or entered in error has no
// prescription to print (kind conflict).
func (s *Chart) Prescription(id string) (Prescription, error) {
	var out Prescription
	err := s.app.look(s.session, permClinical, func(o *op) error {
		m, err := o.MedicationByID(id)
		if err != nil {
			return err
		}
		switch {
		case m.Source != db.MedPrescribedHere:
			return errorf(Conflict, "%s was prescribed elsewhere; Folio prints only the prescriptions written here.", m.DrugName)
		case m.Status == db.EnteredInError:
			return errorf(Conflict, "This medication was retracted as entered in error; there is no prescription to print.")
		case m.Status == db.MedStopped:
			return errorf(Conflict, "%s was stopped on %s; renew it to print a new prescription.", m.DrugName, m.StopDate)
		}
		p, err := o.chartPatient(m.PatientID)
		if err != nil {
			return err
		}
		prescriber, err := o.UserByID(m.CreatedBy)
		if err != nil {
			return fmt.Errorf("read prescriber of medication %s: %w", id, err)
		}
		printer, err := o.UserByID(o.actor.userID)
		if err != nil {
			return fmt.Errorf("read who prints: %w", err)
		}
		clinic := ClinicContact{}
		if clinic.Name, _, err = o.Setting(settingClinicName); err != nil {
			return err
		}
		if clinic.Address, clinic.Phone, err = o.clinicContact(); err != nil {
			return err
		}
		names, err := o.userNames()
		if err != nil {
			return err
		}
		overrides, err := o.PatientAlertOverrides(p.ID)
		if err != nil {
			return err
		}
		out = Prescription{
			Medication: names.medication(medicationView(m, overrides)),
			Clinic:     clinic,
			Prescriber: Prescriber{Name: m.Prescriber, LicenceNumber: prescriber.LicenceNumber},
			Patient: PrescriptionPatient{Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyName), MRN: p.MRN,
				BirthDate: p.BirthDate, Address: postalAddress(p)},
			QuantityInWords: quantityInWords(m.Quantity),
			PrintedAt:       o.now.Format(time.RFC3339),
			PrintedBy:       printer.FullName,
		}
		return o.audit("prescription.print", p.ID, "medication/"+m.ID,
			fmt.Sprintf("%s; quantity %s; %d refills; prescriber %s", medicationDisplay(m), m.Quantity, m.Refills, m.Prescriber))
	})
	return answer(out, err)
}

// postalAddress is the patient's address in lines, as on an envelope.
func postalAddress(p db.Patient) string {
	var lines []string
	if p.AddressLine != "" {
		lines = append(lines, p.AddressLine)
	}
	last := strings.TrimSpace(strings.Join(slices.DeleteFunc([]string{p.City, p.Region, p.PostalCode},
		func(s string) bool { return s == "" }), " "))
	if p.City != "" && (p.Region != "" || p.PostalCode != "") {
		last = strings.TrimSpace(p.City + ", " + strings.TrimSpace(p.Region+" "+p.PostalCode))
	}
	if last != "" {
		lines = append(lines, last)
	}
	return strings.Join(lines, "\n")
}

var (
	smallNumbers = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)

// quantityInWords spells the whole number a quantity starts with, as
// prescribers write it against alteration ("30 tablets" → "thirty"); ”
// when it starts with none or is 10,000 or more.
func quantityInWords(quantity string) string {
	digits := quantity
	if i := strings.IndexFunc(quantity, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		digits = quantity[:i]
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n >= 10000 {
		return ""
	}
	return numberWords(n)
}

func numberWords(n int) string {
	switch {
	case n < 20:
		return smallNumbers[n]
	case n < 100:
		if n%10 == 0 {
			return tens[n/10]
		}
		return tens[n/10] + "-" + smallNumbers[n%10]
	case n < 1000:
		if n%100 == 0 {
			return smallNumbers[n/100] + " hundred"
		}
		return smallNumbers[n/100] + " hundred and " + numberWords(n%100)
	}
	if n%1000 == 0 {
		return numberWords(n/1000) + " thousand"
	}
	if n%1000 < 100 {
		return numberWords(n/1000) + " thousand and " + numberWords(n%1000)
	}
	return numberWords(n/1000) + " thousand " + numberWords(n%1000)
}

// MedicationEvent is one step in a medication's story: prescribed or
// recorded, changed, stopped, retracted, moved by a merge; who did it
// (their name), when, why, and which fields changed.
type MedicationEvent struct {
	MedicationID string        `json:"medicationId"`
	At           string        `json:"at"`
	By           string        `json:"by"`
	What         string        `json:"what"`
	Detail       string        `json:"detail"`
	Reason       string        `json:"reason"`
	Changes      []FieldChange `json:"changes"`
}

// MedicationHistory is a medication's course: the first prescription and
// every renewal after it (oldest first, each as it stands now), and the
// events of all of them, oldest first.
type MedicationHistory struct {
	Course []Medication      `json:"course"`
	Events []MedicationEvent `json:"events"`
}

// maxRenewals bounds the walk along a course's renewals, against a cycle
// in damaged data.
const maxRenewals = 1000

// MedicationHistory tells the story of the medication id and of the
// course it belongs to (what it renews and what renews it), with every
// replaced version kept. The reading is audited.
func (s *Chart) MedicationHistory(id string) (MedicationHistory, error) {
	out := MedicationHistory{Course: []Medication{}, Events: []MedicationEvent{}}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		m, err := o.MedicationByID(id)
		if err != nil {
			return err
		}
		course, err := o.medicationCourse(m)
		if err != nil {
			return err
		}
		names, err := o.userNames()
		if err != nil {
			return err
		}
		overrides, err := o.PatientAlertOverrides(m.PatientID)
		if err != nil {
			return err
		}
		for _, c := range course {
			out.Course = append(out.Course, names.medication(medicationView(c, overrides)))
			events, err := o.medicationEvents(c, names)
			if err != nil {
				return err
			}
			out.Events = append(out.Events, events...)
		}
		slices.SortStableFunc(out.Events, func(a, b MedicationEvent) int { return strings.Compare(a.At, b.At) })
		return o.audit("medication.history", m.PatientID, "medication/"+id,
			fmt.Sprintf("%s; %d prescriptions in the course", m.DrugName, len(course)))
	})
	return answer(out, err)
}

// medicationCourse is m's course: back along what each renews to the
// first, then forward along the renewals, oldest first.
func (o *op) medicationCourse(m db.Medication) ([]db.Medication, error) {
	first := m
	for hops := 0; first.RenewsID != ""; hops++ {
		if hops == maxRenewals {
			return nil, fmt.Errorf("medication %s: more than %d renewals back", m.ID, maxRenewals)
		}
		prev, err := o.MedicationByID(first.RenewsID)
		if err != nil {
			return nil, fmt.Errorf("medication %s renews %s: %w", first.ID, first.RenewsID, err)
		}
		first = prev
	}
	course, seen := []db.Medication{first}, map[string]bool{first.ID: true}
	for i := 0; i < len(course) && len(course) <= maxRenewals; i++ {
		next, err := o.MedicationRenewals(course[i].PatientID, course[i].ID)
		if err != nil {
			return nil, err
		}
		for _, n := range next {
			if !seen[n.ID] {
				seen[n.ID] = true
				course = append(course, n)
			}
		}
	}
	slices.SortStableFunc(course, func(a, b db.Medication) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return course, nil
}

// medicationEvents is m's own story: how it was added, then one event per
// replaced version, read from the revisions kept.
func (o *op) medicationEvents(m db.Medication, names userNames) ([]MedicationEvent, error) {
	revs, err := o.MedicationRevisions(m.ID)
	if err != nil {
		return nil, err
	}
	first := m
	if len(revs) > 0 {
		first = revs[0].Medication
	}
	what := "prescribed"
	switch {
	case first.Source == db.MedElsewhere:
		what = "recorded as prescribed elsewhere"
	case first.RenewsID != "":
		what = "renewed"
	}
	detail := medicationDisplay(first)
	if first.Quantity != "" {
		detail += "; quantity " + first.Quantity
	}
	if first.Source == db.MedPrescribedHere {
		detail += fmt.Sprintf("; %d refills", first.Refills)
	}
	out := []MedicationEvent{{MedicationID: m.ID, At: first.CreatedAt.Format(time.RFC3339), By: names[first.CreatedBy],
		What: what, Detail: detail, Changes: []FieldChange{}}}
	for i, r := range revs {
		after := m
		if i+1 < len(revs) {
			after = revs[i+1].Medication
		}
		out = append(out, MedicationEvent{MedicationID: m.ID, At: r.ChangedAt.Format(time.RFC3339),
			By: names[r.ChangedBy], What: changeWord(r.Medication, after), Reason: r.Reason,
			Changes: diffMedication(r.Medication, after)})
	}
	return out, nil
}

// changeWord names what a new version did to a medication.
func changeWord(before, after db.Medication) string {
	switch {
	case before.PatientID != after.PatientID:
		return "moved to another chart by a merge"
	case before.Status != after.Status && after.Status == db.MedStopped:
		return "stopped"
	case before.Status != after.Status && after.Status == db.EnteredInError:
		return "retracted as entered in error"
	}
	return "changed"
}

func diffMedication(before, after db.Medication) []FieldChange {
	fields := func(m db.Medication) [][2]string {
		return [][2]string{{"dose", m.Dose}, {"route", m.Route}, {"frequency", m.Frequency},
			{"quantity", m.Quantity}, {"refills", strconv.Itoa(m.Refills)}, {"start date", m.StartDate},
			{"stop date", m.StopDate}, {"stop reason", m.StopReason}, {"status", strings.ReplaceAll(m.Status, "_", " ")},
			{"prescriber", m.Prescriber}, {"note", m.Note}}
	}
	b, a := fields(before), fields(after)
	out := []FieldChange{}
	for i := range b {
		if b[i][1] != a[i][1] {
			out = append(out, FieldChange{Field: b[i][0], Before: b[i][1], After: a[i][1]})
		}
	}
	return out
}

// userNames are the full names of the clinic's accounts by id: the people
// a chart's history names.
type userNames map[string]string

func (o *op) userNames() (userNames, error) {
	users, err := o.Users()
	if err != nil {
		return nil, err
	}
	names := userNames{}
	for _, u := range users {
		names[u.ID] = u.FullName
	}
	return names, nil
}

// userFullName is the full name of the account id names: who last changed
// a record, as a refused save shows it. An id that names no account (a
// command-line change, an imported record) gives "".
func (o *op) userFullName(id string) (string, error) {
	if id == "" {
		return "", nil
	}
	u, err := o.UserByID(id)
	if errors.Is(err, db.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read user %s: %w", id, err)
	}
	return u.FullName, nil
}

// medication fills in the names of who added and last changed m, and of
// who overrode each of its alerts.
func (names userNames) medication(m Medication) Medication {
	m.CreatedByName, m.UpdatedByName = names[m.createdBy], names[m.updatedBy]
	for i := range m.Overrides {
		m.Overrides[i].ByName = names[m.Overrides[i].By]
	}
	return m
}
