package app

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/terminology"
	"folio/db"
)

// Vaccine is an entry of Folio's CVX vaccine list.
type Vaccine = terminology.Vaccine

// ImmunizationInput is the immunization form: a dose given here, or one the
// patient had elsewhere (from a vaccination card, another clinic).
type ImmunizationInput struct {
	CVX            string `json:"cvx"`            // a code from SearchVaccines
	OccurredOn     string `json:"occurredOn"`     // YYYY-MM-DD ("" today, given here); from elsewhere also YYYY or YYYY-MM
	LotNumber      string `json:"lotNumber"`      // required when given here
	ExpirationDate string `json:"expirationDate"` // the lot's expiry, YYYY-MM-DD or YYYY-MM; optional
	Manufacturer   string `json:"manufacturer"`   // optional
	Site           string `json:"site"`           // left_deltoid, right_deltoid, left_thigh, right_thigh, oral, nasal or other; required when given here
	Route          string `json:"route"`          // intramuscular, subcutaneous, intradermal, oral or nasal; required when given here
	Dose           string `json:"dose"`           // e.g. "0.5 mL"
	Source         string `json:"source"`         // given_here (the default) or elsewhere
	Performer      string `json:"performer"`      // from elsewhere: who or where gave it; here it is the clinician signed in
	Note           string `json:"note"`
}

// Immunization is one dose on a patient's immunization history. Status is
// completed or entered_in_error (retracted, with RetractReason).
type Immunization struct {
	ID                 string `json:"id"`
	PatientID          string `json:"patientId"`
	CVX                string `json:"cvx"`
	Vaccine            string `json:"vaccine"`
	OccurredOn         string `json:"occurredOn"`
	LotNumber          string `json:"lotNumber"`
	ExpirationDate     string `json:"expirationDate"`
	Manufacturer       string `json:"manufacturer"`
	Site               string `json:"site"`
	Route              string `json:"route"`
	Dose               string `json:"dose"`
	Source             string `json:"source"`
	AdministeredBy     string `json:"administeredBy"`     // user id, for a dose given here
	AdministeredByName string `json:"administeredByName"` // that user's full name
	Performer          string `json:"performer"`
	Note               string `json:"note"`
	Status             string `json:"status"`
	RetractReason      string `json:"retractReason"`
	Version            int    `json:"version"`
	CreatedAt          string `json:"createdAt"`
	UpdatedAt          string `json:"updatedAt"`
}

func immunizationView(m db.Immunization) Immunization {
	return Immunization{ID: m.ID, PatientID: m.PatientID, CVX: m.CVX, Vaccine: m.Vaccine, OccurredOn: m.OccurredOn,
		LotNumber: m.LotNumber, ExpirationDate: m.ExpirationDate, Manufacturer: m.Manufacturer, Site: m.Site,
		Route: m.Route, Dose: m.Dose, Source: m.Source, AdministeredBy: m.AdministeredBy,
		AdministeredByName: m.AdministeredByName, Performer: m.Performer, Note: m.Note, Status: m.Status,
		RetractReason: m.RetractReason, Version: m.Version,
		CreatedAt: m.CreatedAt.Format(time.RFC3339), UpdatedAt: m.UpdatedAt.Format(time.RFC3339)}
}

var (
	immunizationSites = map[string]bool{"left_deltoid": true, "right_deltoid": true, "left_thigh": true,
		"right_thigh": true, "oral": true, "nasal": true, "other": true}
	immunizationRoutes = map[string]bool{"intramuscular": true, "subcutaneous": true, "intradermal": true,
		"oral": true, "nasal": true}
)

const (
	maxLotLength        = 50
	maxVaccineField     = 100
	defaultVaccineLimit = 20
	maxVaccineLimit     = 100
)

// check tidies and validates the form against the vaccine list; it fills
// the defaults (given here, today) and returns the vaccine named. The
// patient's birth is checked by checkBirth, once the patient is read.
func (in *ImmunizationInput) check(list *terminology.CVX, now time.Time) (terminology.Vaccine, fieldErrors) {
	for _, f := range []*string{&in.LotNumber, &in.Manufacturer, &in.Dose, &in.Performer} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	for _, f := range []*string{&in.CVX, &in.OccurredOn, &in.ExpirationDate, &in.Site, &in.Route, &in.Source} {
		*f = strings.ToLower(strings.TrimSpace(*f))
	}
	in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
	fields := fieldErrors{}
	switch in.Source {
	case "":
		in.Source = db.ImmGivenHere
	case db.ImmGivenHere, db.ImmElsewhere:
	default:
		fields.add("source", "Choose given here or elsewhere.")
	}
	here := in.Source == db.ImmGivenHere
	vaccine, ok := list.Lookup(in.CVX)
	switch {
	case in.CVX == "":
		fields.add("cvx", "Choose the vaccine.")
	case !ok:
		fields.add("cvx", fmt.Sprintf("CVX code %s is not on Folio's vaccine list. Choose the vaccine from the search.", in.CVX))
	case here && vaccine.HistoryOnly:
		fields.add("cvx", "This code only records a dose given elsewhere. Choose the product given here.")
	}
	in.CVX = vaccine.Code
	in.checkDates(here, now, fields)
	in.checkAdministration(here, fields)
	if here {
		in.Performer = ""
	}
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"lotNumber", in.LotNumber, "lot number", maxLotLength},
		{"manufacturer", in.Manufacturer, "manufacturer", maxVaccineField},
		{"dose", in.Dose, "dose", maxVaccineField},
		{"performer", in.Performer, "name or place", maxTitleLength},
		{"note", in.Note, "note", maxClinicalNoteLength},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	return vaccine, fields
}

// checkDates checks the date of the dose (a whole date when given here)
// and the lot's expiry, which must not be before it.
func (in *ImmunizationInput) checkDates(here bool, now time.Time, fields fieldErrors) {
	switch {
	case here && in.OccurredOn == "":
		in.OccurredOn = now.Format("2006-01-02")
	case in.OccurredOn == "":
		fields.add("occurredOn", "Enter the date of the dose, or at least its year.")
	}
	if here {
		if msg := fullDateProblem(in.OccurredOn, now); msg != "" {
			fields.add("occurredOn", msg)
		}
	} else if msg := partialDateProblem(in.OccurredOn, now); msg != "" {
		fields.add("occurredOn", msg)
	}
	if in.ExpirationDate == "" {
		return
	}
	lastDay, ok := expiryLastDay(in.ExpirationDate)
	switch {
	case !ok:
		fields.add("expirationDate", "Enter the expiry as YYYY-MM-DD or YYYY-MM, e.g. 2027-06-30 or 2027-06.")
	case fields["occurredOn"] == "" && partialBefore(lastDay, in.OccurredOn):
		fields.add("expirationDate", fmt.Sprintf("This lot had expired on %s, before the dose was given. Check the lot and its expiry.", lastDay))
	}
}

// expiryLastDay is the last day a lot may be used: its expiry date, or the
// last day of its expiry month.
func expiryLastDay(expiry string) (string, bool) {
	if t, err := time.Parse("2006-01-02", expiry); err == nil && len(expiry) == 10 && expiry >= oldestBirth {
		return t.Format("2006-01-02"), true
	}
	if t, err := time.Parse("2006-01", expiry); err == nil && len(expiry) == 7 && expiry >= oldestBirth[:7] {
		return t.AddDate(0, 1, -1).Format("2006-01-02"), true
	}
	return "", false
}

// checkAdministration checks the lot, site and route: all three are
// required for a dose given here, and an oral or nasal dose has that site
// and route both.
func (in *ImmunizationInput) checkAdministration(here bool, fields fieldErrors) {
	if in.Site != "" && !immunizationSites[in.Site] {
		fields.add("site", "Choose left or right deltoid, left or right thigh, oral, nasal or other.")
	}
	if in.Route != "" && !immunizationRoutes[in.Route] {
		fields.add("route", "Choose intramuscular, subcutaneous, intradermal, oral or nasal.")
	}
	if here {
		if in.LotNumber == "" {
			fields.add("lotNumber", "Enter the lot number from the vial or syringe.")
		}
		if in.Site == "" {
			fields.add("site", "Choose where the dose was given.")
		}
		if in.Route == "" {
			fields.add("route", "Choose the route.")
		}
	}
	for _, way := range []string{"oral", "nasal"} {
		if in.Site != "" && in.Route != "" && (in.Site == way) != (in.Route == way) {
			fields.add("route", fmt.Sprintf("A %s dose has site and route both %s.", way, way))
		}
	}
}

// checkBirth refuses a dose dated before the patient was born.
func (in *ImmunizationInput) checkBirth(birthDate string, fields fieldErrors) {
	if fields["occurredOn"] == "" && birthDate != "" && partialBefore(in.OccurredOn, birthDate) {
		fields.add("occurredOn", fmt.Sprintf("The date cannot be before the patient's birth (%s).", birthDate))
	}
}

// SearchVaccines finds vaccines of Folio's CVX list as the clinician types:
// a CVX code, or words of the vaccine's name, product or abbreviation in any
// order, each matching the start of a word ("tdap", "shingrix", "flu high").
// Vaccines given here come before codes that only record a dose from
// elsewhere. limit is at most 100; 0 means 20. Nothing is audited: it reads
// no chart.
func (s *Chart) SearchVaccines(query string, limit int) ([]Vaccine, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return nil, err
	}
	if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) error { return checkActive(tx, who) }); err != nil {
		return nil, s.app.userError(err)
	}
	if limit <= 0 {
		limit = defaultVaccineLimit
	}
	return s.app.cvx.Search(query, min(limit, maxVaccineLimit)), nil
}

// Immunizations lists a patient's immunizations, the latest first; those
// entered in error come last, marked so. A merged chart lists the
// survivor's.
func (s *Chart) Immunizations(patientID string) ([]Immunization, error) {
	out := []Immunization{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Immunizations(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, immunizationView(r))
		}
		return o.audit("immunization.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// RecordImmunization records a dose: given here now or earlier (by the
// clinician signed in, with the lot, site and route), or had elsewhere (a
// partial date will do). A lot that had expired before the dose is refused.
func (s *Chart) RecordImmunization(patientID string, in ImmunizationInput) (Immunization, error) {
	var out Immunization
	err := s.app.act(s.session, permClinical, func(o *op) error {
		vaccine, fields := in.check(o.app.cvx, o.now)
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		in.checkBirth(p.BirthDate, fields)
		if err := fields.err(); err != nil {
			return err
		}
		row := db.Immunization{ID: newID(), PatientID: p.ID, CVX: vaccine.Code, Vaccine: vaccine.Name,
			OccurredOn: in.OccurredOn, LotNumber: in.LotNumber, ExpirationDate: in.ExpirationDate,
			Manufacturer: in.Manufacturer, Site: in.Site, Route: in.Route, Dose: in.Dose, Source: in.Source,
			Performer: in.Performer, Note: in.Note, Status: db.ImmCompleted, Version: 1,
			CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if in.Source == db.ImmGivenHere {
			u, err := o.UserByID(o.actor.userID)
			if err != nil {
				return fmt.Errorf("read vaccinator: %w", err)
			}
			row.AdministeredBy, row.AdministeredByName = u.ID, u.FullName
		}
		if err := o.InsertImmunization(row); err != nil {
			return err
		}
		out = immunizationView(row)
		detail := fmt.Sprintf("CVX %s %s; %s %s", row.CVX, row.Vaccine, row.Source, row.OccurredOn)
		if row.LotNumber != "" {
			detail += "; lot " + row.LotNumber
		}
		if row.Site != "" {
			detail += "; " + row.Site + " " + row.Route
		}
		return o.audit("immunization.record", p.ID, "immunization/"+row.ID, detail)
	})
	return out, err
}

// RetractImmunization marks a dose entered in error, saying why. It stays
// readable, marked so; nothing is deleted.
func (s *Chart) RetractImmunization(id, reason string, version int) (Immunization, error) {
	var out Immunization
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this immunization was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.ImmunizationByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this immunization", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateImmunization(next, reason)
		if err != nil {
			return err
		}
		out = immunizationView(saved)
		return o.audit("immunization.retract", saved.PatientID, "immunization/"+id,
			fmt.Sprintf("version %d; CVX %s %s %s; reason: %s", saved.Version, saved.CVX, saved.Vaccine, saved.OccurredOn, reason))
	})
	return out, err
}
