package app

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"folio/db"
)

// Patients registers, finds and corrects patients (the front desk's work),
// and merges two charts of one person (an admin's).
type Patients struct {
	app     *App
	session *Session
}

// PatientInput is the registration form. Every field but the names, birth
// date and sex may be left empty.
type PatientInput struct {
	FamilyName            string `json:"familyName"`
	GivenNames            string `json:"givenNames"`
	PreferredName         string `json:"preferredName"`
	BirthDate             string `json:"birthDate"`      // YYYY-MM-DD
	Sex                   string `json:"sex"`            // sex at birth: female, male, other, unknown
	GenderIdentity        string `json:"genderIdentity"` // as the patient says it, free text
	Phone                 string `json:"phone"`
	Phone2                string `json:"phone2"`
	Email                 string `json:"email"`
	AddressLine           string `json:"addressLine"`
	City                  string `json:"city"`
	Region                string `json:"region"`
	PostalCode            string `json:"postalCode"`
	Language              string `json:"language"` // preferred language, free text
	EmergencyName         string `json:"emergencyName"`
	EmergencyRelationship string `json:"emergencyRelationship"`
	EmergencyPhone        string `json:"emergencyPhone"`
	InsurancePayer        string `json:"insurancePayer"`
	InsuranceMemberID     string `json:"insuranceMemberId"`
	InsuranceGroup        string `json:"insuranceGroup"`
	PrimaryClinicianID    string `json:"primaryClinicianId"` // an active clinician's user id, or ""
	// Photo is a JPEG or PNG of at most 512 KiB as a data URL
	// ("data:image/jpeg;base64,..."), or "" for none. Open returns the
	// stored photo the same way; send it back unchanged to keep it.
	Photo    string `json:"photo"`
	DeskNote string `json:"deskNote"` // the front desk's free-text note; may have several lines
}

// Patient is a registered patient's demographics.
type Patient struct {
	PatientInput
	ID        string `json:"id"`
	MRN       string `json:"mrn"`
	Version   int    `json:"version"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	// UpdatedByName is the full name of who saved this version, so that a
	// person whose save was refused sees who changed the details meanwhile.
	UpdatedByName string `json:"updatedByName"`
	// RedirectedFrom is set when the chart asked for had been merged into
	// another: it is the merged chart's MRN, and the patient returned is the
	// chart it was merged into (ID differs from the id asked for).
	RedirectedFrom string `json:"redirectedFrom,omitempty"`
}

// patientFields is p's registration form, with photo standing for its photo.
func patientFields(p db.Patient, photo string) PatientInput {
	return PatientInput{
		FamilyName: p.FamilyName, GivenNames: p.GivenNames, PreferredName: p.PreferredName, BirthDate: p.BirthDate,
		Sex: p.Sex, GenderIdentity: p.GenderIdentity, Phone: p.Phone, Phone2: p.Phone2, Email: p.Email,
		AddressLine: p.AddressLine, City: p.City, Region: p.Region, PostalCode: p.PostalCode, Language: p.Language,
		EmergencyName: p.EmergencyName, EmergencyRelationship: p.EmergencyRelationship, EmergencyPhone: p.EmergencyPhone,
		InsurancePayer: p.InsurancePayer, InsuranceMemberID: p.InsuranceMemberID, InsuranceGroup: p.InsuranceGroup,
		PrimaryClinicianID: p.PrimaryClinicianID, Photo: photo, DeskNote: p.DeskNote,
	}
}

// patientView is p as the UI shows it, with photo as its photo's data URL.
func patientView(p db.Patient, photo string) Patient {
	return Patient{
		PatientInput: patientFields(p, photo),
		ID:           p.ID, MRN: p.MRN, Version: p.Version,
		CreatedAt: p.CreatedAt.Format(time.RFC3339), UpdatedAt: p.UpdatedAt.Format(time.RFC3339),
	}
}

// viewPatient is p as the UI shows it, its photo read from the chart.
func (o *op) viewPatient(p db.Patient) (Patient, error) {
	photo, err := o.photoURL(p.PhotoID)
	if err != nil {
		return Patient{}, err
	}
	v := patientView(p, photo)
	v.UpdatedByName, err = o.userFullName(p.UpdatedBy)
	return v, err
}

var sexes = map[string]bool{"female": true, "male": true, "other": true, "unknown": true}

var (
	phonePattern    = regexp.MustCompile(`^\+?[0-9 ().\-/]+$`)
	memberIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 .\-/]*$`)
)

// Limits of the registration form's free-text fields, in characters.
const (
	maxNameLength     = 100
	maxLanguageLength = 50
	maxGenderLength   = 50
	maxEmailLength    = 254
	maxMemberIDLength = 30
	maxDeskNoteLength = 1000
)

// tidy trims every field and collapses runs of spaces, except in the note,
// whose lines are kept, and in the address, whose lines are kept each
// tidied (an address from elsewhere can have several).
func (in *PatientInput) tidy() {
	var lines []string
	for _, l := range strings.Split(in.AddressLine, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	in.AddressLine = strings.Join(lines, "\n")
	for _, f := range []*string{&in.FamilyName, &in.GivenNames, &in.PreferredName, &in.BirthDate, &in.Sex,
		&in.GenderIdentity, &in.Phone, &in.Phone2, &in.Email, &in.City, &in.Region, &in.PostalCode,
		&in.Language, &in.EmergencyName, &in.EmergencyRelationship, &in.EmergencyPhone, &in.InsurancePayer,
		&in.InsuranceMemberID, &in.InsuranceGroup, &in.PrimaryClinicianID, &in.Photo} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	in.Sex = strings.ToLower(in.Sex)
	in.DeskNote = strings.TrimSpace(strings.ReplaceAll(in.DeskNote, "\r\n", "\n"))
}

// check trims the form and collects every wrong field at once, for the
// caller to add its own checks to. It returns the decoded photo, if one was
// given and is right.
func (in *PatientInput) check(now time.Time) (photo, fieldErrors) {
	in.tidy()
	fields := fieldErrors{}
	checkName := func(field, value, what string) {
		switch {
		case value == "":
			fields.add(field, "Enter the patient's "+what+".")
		case utf8.RuneCountInString(value) > maxNameLength:
			fields.add(field, fmt.Sprintf("The %s can have at most %d characters.", what, maxNameLength))
		case !strings.ContainsFunc(value, unicode.IsLetter):
			fields.add(field, "The "+what+" needs at least one letter.")
		}
	}
	checkName("familyName", in.FamilyName, "family name")
	checkName("givenNames", in.GivenNames, "given name")
	if in.PreferredName != "" {
		checkName("preferredName", in.PreferredName, "preferred name")
	}
	if msg := birthDateProblem(in.BirthDate, now); msg != "" {
		fields.add("birthDate", msg)
	}
	if !sexes[in.Sex] {
		fields.add("sex", "Choose female, male, other or unknown.")
	}
	checkPhone(fields, "phone", in.Phone)
	checkPhone(fields, "phone2", in.Phone2)
	checkPhone(fields, "emergencyPhone", in.EmergencyPhone)
	if in.Phone2 != "" && in.Phone == "" {
		fields.add("phone", "Enter the main phone number first.")
	}
	if msg := emailProblem(in.Email); msg != "" {
		fields.add("email", msg)
	}
	switch {
	case in.EmergencyPhone != "" && in.EmergencyName == "":
		fields.add("emergencyName", "Enter the emergency contact's name.")
	case (in.EmergencyName != "" || in.EmergencyRelationship != "") && in.EmergencyPhone == "":
		fields.add("emergencyPhone", "Enter a phone number for the emergency contact.")
	}
	switch {
	case in.InsuranceMemberID == "":
		if in.InsuranceGroup != "" {
			fields.add("insuranceMemberId", "Enter the member ID of the insurance.")
		}
	case utf8.RuneCountInString(in.InsuranceMemberID) > maxMemberIDLength || !memberIDPattern.MatchString(in.InsuranceMemberID):
		fields.add("insuranceMemberId", fmt.Sprintf("A member ID has letters and digits (spaces, dots, dashes and slashes allowed), at most %d.", maxMemberIDLength))
	case in.InsurancePayer == "":
		fields.add("insurancePayer", "Enter the insurer the member ID belongs to.")
	}
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"genderIdentity", in.GenderIdentity, "gender identity", maxGenderLength},
		{"addressLine", in.AddressLine, "address", 200},
		{"city", in.City, "city", 100},
		{"region", in.Region, "region", 100},
		{"postalCode", in.PostalCode, "postal code", 20},
		{"language", in.Language, "language", maxLanguageLength},
		{"emergencyName", in.EmergencyName, "emergency contact's name", maxNameLength},
		{"emergencyRelationship", in.EmergencyRelationship, "relationship", 50},
		{"insurancePayer", in.InsurancePayer, "insurer", 100},
		{"insuranceGroup", in.InsuranceGroup, "group number", 30},
		{"primaryClinicianId", in.PrimaryClinicianID, "clinician", 64},
		{"deskNote", in.DeskNote, "note", maxDeskNoteLength},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	ph, msg := parsePhoto(in.Photo)
	if msg != "" {
		fields.add("photo", msg)
	}
	in.Photo = ph.dataURL()
	return ph, fields
}

// checkPhone checks an optional phone number.
func checkPhone(fields fieldErrors, field, phone string) {
	if phone == "" {
		return
	}
	digits := db.Digits(phone)
	if !phonePattern.MatchString(phone) || len(digits) < 7 || len(digits) > 15 {
		fields.add(field, "A phone number has 7 to 15 digits, e.g. 555-201-3344 or +44 20 7946 0958.")
	}
}

// emailProblem checks an optional e-mail address: one address, no name.
func emailProblem(email string) string {
	if email == "" {
		return ""
	}
	if len(email) > maxEmailLength {
		return fmt.Sprintf("An e-mail address has at most %d characters.", maxEmailLength)
	}
	a, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || a.Address != email || at < 1 || !strings.Contains(email[at+1:], ".") ||
		strings.HasSuffix(email, ".") || strings.ContainsAny(email, " <>\"") {
		return "Enter an e-mail address like ana.rivera@example.com."
	}
	return ""
}

// checkPrimaryClinician checks the chosen primary clinician: an active
// clinician's account.
func (o *op) checkPrimaryClinician(fields fieldErrors, id string) error {
	if id == "" {
		return nil
	}
	u, err := o.UserByID(id)
	switch {
	case errors.Is(err, db.ErrNotFound) || (err == nil && u.Role != RoleClinician):
		fields.add("primaryClinicianId", "No such clinician; choose one from the list.")
	case err != nil:
		return err
	case !u.Active:
		fields.add("primaryClinicianId", u.FullName+"'s account is disabled; choose another clinician.")
	}
	return nil
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
// A likely duplicate of a chart in use is refused (kind conflict, the
// charts in Error.Duplicates): the person opens the existing chart instead,
// or confirms that this is a different person with RegisterDifferentPerson.
func (s *Patients) Register(in PatientInput) (Patient, error) {
	return s.register(in, nil)
}

// RegisterDifferentPerson is Register once the person has confirmed that
// the patient is none of the likely duplicates they were shown:
// differentFrom are those charts' ids. A likely duplicate not among them
// (a chart registered meanwhile, at another desk) still refuses, so
// nobody confirms what they did not see. The audit entry names the charts
// confirmed to be someone else.
func (s *Patients) RegisterDifferentPerson(in PatientInput, differentFrom []string) (Patient, error) {
	if differentFrom == nil {
		differentFrom = []string{} // nil is Register's: no confirmation at all
	}
	return s.register(in, differentFrom)
}

// register is Register when differentFrom is nil, else
// RegisterDifferentPerson.
func (s *Patients) register(in PatientInput, differentFrom []string) (Patient, error) {
	var out Patient
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		switch {
		case differentFrom == nil:
		case len(differentFrom) == 0:
			return errorf(Invalid, "Say which charts this patient is not: the likely duplicates shown.")
		case len(differentFrom) > maxDuplicates:
			return errorf(Invalid, "At most %d charts can be confirmed to be someone else.", maxDuplicates)
		}
		ph, fields := in.check(o.now)
		if err := o.checkPrimaryClinician(fields, in.PrimaryClinicianID); err != nil {
			return err
		}
		if err := fields.err(); err != nil {
			return err
		}
		confirmed, err := o.refuseLikelyDuplicates(in, differentFrom)
		if err != nil {
			return err
		}
		seq, err := o.NextSequence("mrn", 1)
		if err != nil {
			return err
		}
		p, err := o.insertPatient(in, ph, MRN(seq))
		if err != nil {
			return err
		}
		out = patientView(p, in.Photo)
		if out.UpdatedByName, err = o.userFullName(p.UpdatedBy); err != nil {
			return err
		}
		detail := "MRN " + p.MRN
		if len(confirmed) > 0 {
			detail += "; confirmed a different person from MRN " + strings.Join(confirmed, ", MRN ")
		}
		return o.audit("patient.register", p.ID, "patient/"+p.ID, detail)
	})
	return out, err
}

// insertPatient stores a validated patient, and its photo if any, under
// its new MRN.
func (o *op) insertPatient(in PatientInput, ph photo, mrn string) (db.Patient, error) {
	p := db.Patient{ID: newID(), MRN: mrn, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
		UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	setFields(&p, in)
	var err error
	if p.PhotoID, err = o.storePhoto(p.ID, ph); err != nil {
		return db.Patient{}, err
	}
	return p, o.InsertPatient(p)
}

// setFields copies the form's fields, all but the photo, onto p.
func setFields(p *db.Patient, in PatientInput) {
	p.FamilyName, p.GivenNames, p.PreferredName, p.BirthDate = in.FamilyName, in.GivenNames, in.PreferredName, in.BirthDate
	p.Sex, p.GenderIdentity = in.Sex, in.GenderIdentity
	p.Phone, p.Phone2, p.Email = in.Phone, in.Phone2, in.Email
	p.AddressLine, p.City, p.Region, p.PostalCode = in.AddressLine, in.City, in.Region, in.PostalCode
	p.Language = in.Language
	p.EmergencyName, p.EmergencyRelationship, p.EmergencyPhone = in.EmergencyName, in.EmergencyRelationship, in.EmergencyPhone
	p.InsurancePayer, p.InsuranceMemberID, p.InsuranceGroup = in.InsurancePayer, in.InsuranceMemberID, in.InsuranceGroup
	p.PrimaryClinicianID, p.DeskNote = in.PrimaryClinicianID, in.DeskNote
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

// Open reads a patient's demographics. A chart merged into another opens
// the surviving chart, with RedirectedFrom naming the MRN asked for.
func (s *Patients) Open(id string) (Patient, error) {
	var out Patient
	err := s.app.look(s.session, permDemographics, func(o *op) error {
		p, from, err := o.livePatient(id)
		if err != nil {
			return err
		}
		if out, err = o.viewPatient(p); err != nil {
			return err
		}
		out.RedirectedFrom = from
		detail := ""
		if from != "" {
			detail = "opened as merged MRN " + from
		}
		return o.audit("patient.open", p.ID, "patient/"+p.ID, detail)
	})
	return answer(out, err)
}

// maxMergeHops bounds following merged charts to their survivor: a chart
// merged into one that was merged in turn.
const maxMergeHops = 16

// livePatient reads the patient id names or, if that chart was merged, the
// chart it lives on in; from is then the MRN of the chart asked for.
func (o *op) livePatient(id string) (p db.Patient, from string, err error) {
	p, err = o.PatientByID(id)
	for hops := 0; err == nil && p.Merged(); hops++ {
		if hops == maxMergeHops {
			return db.Patient{}, "", fmt.Errorf("patient %s: merged more than %d times over", id, maxMergeHops)
		}
		if from == "" {
			from = p.MRN
		}
		p, err = o.PatientByID(p.MergedInto)
	}
	return p, from, err
}

// Correct changes a patient's demographics. version is the version the
// person was looking at: if someone changed the chart since, nothing is
// written and they are told. The replaced version is kept in the history.
// A chart merged into another is not corrected: correct the survivor.
func (s *Patients) Correct(id string, in PatientInput, reason string, version int) (Patient, error) {
	var out Patient
	err := s.app.act(s.session, permDemographics, func(o *op) error {
		reason = strings.TrimSpace(reason)
		ph, fields := in.check(o.now)
		if reason == "" {
			fields.add("reason", "Say why the details are being corrected.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		old, err := o.PatientByID(id)
		if err != nil {
			return err
		}
		if old.Merged() {
			return o.mergedError(old)
		}
		if old.Version != version {
			return errorf(Conflict, "Someone else changed this patient's details meanwhile. Reload the chart and make your correction again.")
		}
		if in.PrimaryClinicianID != old.PrimaryClinicianID {
			if err := o.checkPrimaryClinician(fields, in.PrimaryClinicianID); err != nil {
				return err
			}
			if err := fields.err(); err != nil {
				return err
			}
		}
		before, err := o.viewPatient(old)
		if err != nil {
			return err
		}
		changes := diffPatient(before.PatientInput, in)
		if len(changes) == 0 {
			return errorf(Invalid, "Nothing was changed.")
		}
		next := old
		setFields(&next, in)
		if in.Photo != before.Photo {
			if next.PhotoID, err = o.storePhoto(id, ph); err != nil {
				return err
			}
		}
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdatePatient(next, reason)
		if err != nil {
			return err
		}
		out = patientView(saved, in.Photo)
		if out.UpdatedByName, err = o.userFullName(saved.UpdatedBy); err != nil {
			return err
		}
		var names []string
		for _, c := range changes {
			names = append(names, c.Field)
		}
		return o.audit("patient.correct", id, "patient/"+id,
			fmt.Sprintf("version %d; changed %s; reason: %s", saved.Version, strings.Join(names, ", "), reason))
	})
	return out, err
}

// mergedError tells that p was merged and where its chart lives now.
func (o *op) mergedError(p db.Patient) error {
	live, _, err := o.livePatient(p.ID)
	if err != nil {
		return err
	}
	return errorf(Conflict, "This chart (MRN %s) was merged into MRN %s. Open that chart instead.", p.MRN, live.MRN)
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
		{"preferredName", before.PreferredName, after.PreferredName},
		{"birthDate", before.BirthDate, after.BirthDate},
		{"sex", before.Sex, after.Sex},
		{"genderIdentity", before.GenderIdentity, after.GenderIdentity},
		{"phone", before.Phone, after.Phone},
		{"phone2", before.Phone2, after.Phone2},
		{"email", before.Email, after.Email},
		{"addressLine", before.AddressLine, after.AddressLine},
		{"city", before.City, after.City},
		{"region", before.Region, after.Region},
		{"postalCode", before.PostalCode, after.PostalCode},
		{"language", before.Language, after.Language},
		{"emergencyName", before.EmergencyName, after.EmergencyName},
		{"emergencyRelationship", before.EmergencyRelationship, after.EmergencyRelationship},
		{"emergencyPhone", before.EmergencyPhone, after.EmergencyPhone},
		{"insurancePayer", before.InsurancePayer, after.InsurancePayer},
		{"insuranceMemberId", before.InsuranceMemberID, after.InsuranceMemberID},
		{"insuranceGroup", before.InsuranceGroup, after.InsuranceGroup},
		{"primaryClinicianId", before.PrimaryClinicianID, after.PrimaryClinicianID},
		{"photo", before.Photo, after.Photo},
		{"deskNote", before.DeskNote, after.DeskNote},
	}
	out := []FieldChange{}
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

// History lists a patient's corrections, newest first, merges included. A
// photo shows in it as "photo #n", n numbering the photos taken.
func (s *Patients) History(id string) ([]PatientRevision, error) {
	out := []PatientRevision{}
	err := s.app.look(s.session, permDemographics, func(o *op) error {
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
				Reason: r.Reason, Changes: diffPatient(patientFields(r.Patient, photoLabel(r.Patient.PhotoID)),
					patientFields(after, photoLabel(after.PhotoID))),
			})
			after = r.Patient
		}
		return o.audit("patient.history", id, "patient/"+id, "")
	})
	return answer(out, err)
}
