package app

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"folio/db"
)

// Patients registers, finds and corrects patients: the front desk's work.
type Patients struct {
	app     *App
	session *Session
}

// PatientInput is the registration form.
type PatientInput struct {
	FamilyName  string `json:"familyName"`
	GivenNames  string `json:"givenNames"`
	BirthDate   string `json:"birthDate"` // YYYY-MM-DD
	Sex         string `json:"sex"`       // female, male, other, unknown
	Phone       string `json:"phone"`
	AddressLine string `json:"addressLine"`
	City        string `json:"city"`
	Region      string `json:"region"`
	PostalCode  string `json:"postalCode"`
}

// Patient is a registered patient's demographics.
type Patient struct {
	PatientInput
	ID        string `json:"id"`
	MRN       string `json:"mrn"`
	Version   int    `json:"version"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

func patientView(p db.Patient) Patient {
	return Patient{
		PatientInput: PatientInput{FamilyName: p.FamilyName, GivenNames: p.GivenNames, BirthDate: p.BirthDate,
			Sex: p.Sex, Phone: p.Phone, AddressLine: p.AddressLine, City: p.City, Region: p.Region, PostalCode: p.PostalCode},
		ID: p.ID, MRN: p.MRN, Version: p.Version,
		CreatedAt: p.CreatedAt.Format(time.RFC3339), UpdatedAt: p.UpdatedAt.Format(time.RFC3339),
	}
}

var sexes = map[string]bool{"female": true, "male": true, "other": true, "unknown": true}

var phonePattern = regexp.MustCompile(`^\+?[0-9 ().\-/]+$`)

// validate trims the form and reports every wrong field at once.
func (in *PatientInput) validate(now time.Time) error {
	for _, f := range []*string{&in.FamilyName, &in.GivenNames, &in.BirthDate, &in.Sex, &in.Phone,
		&in.AddressLine, &in.City, &in.Region, &in.PostalCode} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	fields := fieldErrors{}
	checkName := func(field, value, what string) {
		switch {
		case value == "":
			fields.add(field, "Enter the patient's "+what+".")
		case utf8.RuneCountInString(value) > 100:
			fields.add(field, "The "+what+" can have at most 100 characters.")
		case !strings.ContainsFunc(value, unicode.IsLetter):
			fields.add(field, "The "+what+" needs at least one letter.")
		}
	}
	checkName("familyName", in.FamilyName, "family name")
	checkName("givenNames", in.GivenNames, "given name")
	if msg := birthDateProblem(in.BirthDate, now); msg != "" {
		fields.add("birthDate", msg)
	}
	in.Sex = strings.ToLower(in.Sex)
	if !sexes[in.Sex] {
		fields.add("sex", "Choose female, male, other or unknown.")
	}
	if in.Phone != "" {
		digits := db.Digits(in.Phone)
		if !phonePattern.MatchString(in.Phone) || len(digits) < 7 || len(digits) > 15 {
			fields.add("phone", "A phone number has 7 to 15 digits, e.g. 555-201-3344 or +44 20 7946 0958.")
		}
	}
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"addressLine", in.AddressLine, "address", 200},
		{"city", in.City, "city", 100},
		{"region", in.Region, "region", 100},
		{"postalCode", in.PostalCode, "postal code", 20},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	return fields.err()
}

// oldestBirth bounds birth dates: nobody alive was born before it.
const oldestBirth = "1900-01-01"

// birthDateProblem checks s against today, the clinic's calendar day: now
// is in the clinic's time zone, and a baby born this morning in Sydney was
// born "today" although it is still yesterday in UTC.
func birthDateProblem(s string, now time.Time) string {
	if s == "" {
		return "Enter the date of birth."
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return "Enter the date of birth as YYYY-MM-DD, e.g. 1980-03-04; that date does not exist."
	}
	if s > now.Format("2006-01-02") { // the fixed-width form sorts as the date does
		return "The date of birth cannot be in the future."
	}
	if s < oldestBirth {
		return "The date of birth cannot be before 1900."
	}
	return ""
}

// Register creates a chart for a new patient and gives it the next MRN.
func (s *Patients) Register(in PatientInput) (Patient, error) {
	var out Patient
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		if err := in.validate(o.now); err != nil {
			return err
		}
		seq, err := o.NextSequence("mrn", 1)
		if err != nil {
			return err
		}
		p, err := o.insertPatient(in, MRN(seq))
		if err != nil {
			return err
		}
		out = patientView(p)
		return o.audit("patient.register", p.ID, "patient/"+p.ID, "MRN "+p.MRN)
	})
	return out, err
}

// insertPatient stores a validated patient under its new MRN.
func (o *op) insertPatient(in PatientInput, mrn string) (db.Patient, error) {
	p := db.Patient{
		ID: newID(), MRN: mrn, FamilyName: in.FamilyName, GivenNames: in.GivenNames, BirthDate: in.BirthDate,
		Sex: in.Sex, Phone: in.Phone, AddressLine: in.AddressLine, City: in.City, Region: in.Region,
		PostalCode: in.PostalCode, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID,
	}
	return p, o.InsertPatient(p)
}

// MRN formats the n-th chart number: six digits and a Luhn check digit, so
// a mistyped number is found wrong instead of opening another chart.
func MRN(n int64) string {
	base := fmt.Sprintf("%06d", n)
	return base + string(rune('0'+luhnDigit(base)))
}

func luhnDigit(digits string) int {
	sum := 0
	double := true
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// PatientHit is one search result.
type PatientHit struct {
	ID         string `json:"id"`
	MRN        string `json:"mrn"`
	FamilyName string `json:"familyName"`
	GivenNames string `json:"givenNames"`
	BirthDate  string `json:"birthDate"`
	Sex        string `json:"sex"`
	Phone      string `json:"phone"`
}

const maxSearchResults = 100

// Search finds patients by any mix of name parts, MRN, birth date and phone
// digits, as typed into the search box.
func (s *Patients) Search(query string, limit int) ([]PatientHit, error) {
	q := ParseSearch(query)
	if limit <= 0 || limit > maxSearchResults {
		limit = 20
	}
	hits := []PatientHit{}
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		if q.empty() {
			return nil // nothing was looked up, so nothing to audit
		}
		found, err := o.searchPatients(q, limit)
		if err != nil {
			return err
		}
		for _, p := range found {
			hits = append(hits, PatientHit{ID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames,
				BirthDate: p.BirthDate, Sex: p.Sex, Phone: p.Phone})
		}
		return o.audit("patient.search", "", "", fmt.Sprintf("%q: %d found", strings.TrimSpace(query), len(hits)))
	})
	return hits, err
}

// searchPatients answers a single word from the name index, in name order,
// and anything else from the full-text index.
func (o *op) searchPatients(q SearchQuery, limit int) ([]db.Patient, error) {
	if len(q.Tokens) == 1 && q.nameOnly {
		found, err := o.PatientsByNamePrefix(q.Tokens[0], limit)
		if err != nil || len(found) == limit {
			return found, err
		}
		// found holds every name starting so, and more may repeat them all.
		more, err := o.SearchPatients(q.Tokens, limit*4, limit)
		if err != nil {
			return nil, err
		}
		return mergeHits(found, more, limit), nil
	}
	return o.SearchPatients(q.Tokens, 500, limit)
}

func mergeHits(first, more []db.Patient, limit int) []db.Patient {
	seen := make(map[string]bool, len(first))
	out := first
	for _, p := range first {
		seen[p.ID] = true
	}
	for _, p := range more {
		if len(out) >= limit {
			break
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

// Open reads a patient's demographics.
func (s *Patients) Open(id string) (Patient, error) {
	var out Patient
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		p, err := o.PatientByID(id)
		if err != nil {
			return err
		}
		out = patientView(p)
		return o.audit("patient.open", p.ID, "patient/"+p.ID, "")
	})
	return out, err
}

// Correct changes a patient's demographics. version is the version the
// person was looking at: if someone changed the chart since, nothing is
// written and they are told. The replaced version is kept in the history.
func (s *Patients) Correct(id string, in PatientInput, reason string, version int) (Patient, error) {
	var out Patient
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		reason = strings.TrimSpace(reason)
		verr := in.validate(o.now)
		if reason == "" {
			fe := fieldErrors{"reason": "Say why the details are being corrected."}
			if e, ok := verr.(*Error); ok {
				for k, v := range e.Fields {
					fe.add(k, v)
				}
			}
			verr = fe.err()
		}
		if verr != nil {
			return verr
		}
		old, err := o.PatientByID(id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return errorf(Conflict, "Someone else changed this patient's details meanwhile. Reload the chart and make your correction again.")
		}
		changes := diffPatient(patientView(old).PatientInput, in)
		if len(changes) == 0 {
			return errorf(Invalid, "Nothing was changed.")
		}
		next := old
		next.FamilyName, next.GivenNames, next.BirthDate, next.Sex = in.FamilyName, in.GivenNames, in.BirthDate, in.Sex
		next.Phone, next.AddressLine, next.City, next.Region, next.PostalCode = in.Phone, in.AddressLine, in.City, in.Region, in.PostalCode
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdatePatient(next, reason)
		if err != nil {
			return err
		}
		out = patientView(saved)
		var names []string
		for _, c := range changes {
			names = append(names, c.Field)
		}
		return o.audit("patient.correct", id, "patient/"+id,
			fmt.Sprintf("version %d; changed %s; reason: %s", saved.Version, strings.Join(names, ", "), reason))
	})
	return out, err
}

// FieldChange is one field's value before and after a correction.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func diffPatient(before, after PatientInput) []FieldChange {
	pairs := []struct{ field, before, after string }{
		{"familyName", before.FamilyName, after.FamilyName},
		{"givenNames", before.GivenNames, after.GivenNames},
		{"birthDate", before.BirthDate, after.BirthDate},
		{"sex", before.Sex, after.Sex},
		{"phone", before.Phone, after.Phone},
		{"addressLine", before.AddressLine, after.AddressLine},
		{"city", before.City, after.City},
		{"region", before.Region, after.Region},
		{"postalCode", before.PostalCode, after.PostalCode},
	}
	var out []FieldChange
	for _, p := range pairs {
		if p.before != p.after {
			out = append(out, FieldChange{Field: p.field, Before: p.before, After: p.after})
		}
	}
	return out
}

// PatientRevision is one past correction: what changed, by whom, when, why.
type PatientRevision struct {
	Version   int           `json:"version"`
	ChangedAt string        `json:"changedAt"`
	ChangedBy string        `json:"changedBy"`
	Reason    string        `json:"reason"`
	Changes   []FieldChange `json:"changes"`
}

// History lists a patient's corrections, newest first.
func (s *Patients) History(id string) ([]PatientRevision, error) {
	out := []PatientRevision{}
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		cur, err := o.PatientByID(id)
		if err != nil {
			return err
		}
		revs, err := o.PatientRevisions(id)
		if err != nil {
			return err
		}
		after := cur
		for _, r := range revs {
			out = append(out, PatientRevision{
				Version: after.Version, ChangedAt: r.ChangedAt.Format(time.RFC3339), ChangedBy: r.ChangedBy,
				Reason: r.Reason, Changes: diffPatient(patientView(r.Patient).PatientInput, patientView(after).PatientInput),
			})
			after = r.Patient
		}
		return o.audit("patient.history", id, "patient/"+id, "")
	})
	return out, err
}
