package app

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"folio/app/archive"
	"folio/app/fhir"
	"folio/db"
)

// What leaves the clinic about a patient: a referral archive for a
// specialist (the clinician picks the items, writes the letter and names
// recipient and purpose), the patient's own copy, and the same from the
// command line. Each is one signed archive (app/archive) holding the IPS
// bundle (app/fhir), its readable summary and any chosen documents, and
// each is recorded as a disclosure with its audit entry, in one
// transaction. Reading the chart and packing the archive happen before
// that transaction: packing with a passphrase takes about a second, which
// the write lock must not wait for. What was read is what was sent, and
// the disclosure records exactly that.

const (
	// referralRecentMonths is how far back results and vital signs are
	// ticked by default: what a specialist needs for this referral, not
	// the whole history (which stays listed, unticked).
	referralRecentMonths = 24
	// referralNotesTicked is how many of the latest signed visit notes
	// (of those months) a referral ticks by default: the specialist reads
	// the recent course, not every visit; the rest stay listed, unticked.
	referralNotesTicked = 3
	// minPassphraseLength keeps a passphrase long enough that, with age's
	// scrypt cost, guessing it is out of reach.
	minPassphraseLength = 10
	maxLetterLength     = 5000
	maxRecipientLength  = 200
)

// The sections of a referral, in the order the preview lists them.
const (
	SectionProblems      = "problems"
	SectionAllergies     = "allergies"
	SectionMedications   = "medications"
	SectionImmunizations = "immunizations"
	SectionResults       = "results"
	SectionVitals        = "vitals"
	SectionNotes         = "notes"
	SectionDocuments     = "documents"
)

var sectionTitles = []struct{ key, title string }{
	{SectionProblems, "Problems"}, {SectionAllergies, "Allergies and intolerances"},
	{SectionMedications, "Medications"}, {SectionImmunizations, "Immunizations"},
	{SectionResults, "Lab results"}, {SectionVitals, "Vital signs"}, {SectionNotes, "Visit notes"},
	{SectionDocuments, "Documents"},
}

// noKnownAllergiesItem is the id of the "no known allergies" statement in
// a referral: it is no row of its own, but leaves the clinic like one.
const noKnownAllergiesItem = "no-known-allergies"

// ReferralItem is one thing that could leave the clinic. Included says it
// is ticked by default; Status is the item's own (active, resolved, ...).
type ReferralItem struct {
	ID       string `json:"id"`
	Display  string `json:"display"`
	Date     string `json:"date"` // YYYY-MM-DD or partial; "" when it has none
	Status   string `json:"status"`
	Included bool   `json:"included"`
}

// ReferralSection is one section of the preview.
type ReferralSection struct {
	Key   string         `json:"key"`
	Title string         `json:"title"`
	Items []ReferralItem `json:"items"`
}

// ReferralParty is who sends: the signed-in clinician and the clinic,
// with the fingerprint of the key that will sign the archive.
type ReferralParty struct {
	AuthorName     string `json:"authorName"`
	AuthorLicence  string `json:"authorLicence"`
	ClinicName     string `json:"clinicName"`
	ClinicAddress  string `json:"clinicAddress"`
	ClinicPhone    string `json:"clinicPhone"`
	KeyFingerprint string `json:"keyFingerprint"`
}

// ReferralPreview is everything on a chart that could leave the clinic,
// by section, each item ticked or not by default: active problems,
// allergies and medications, every immunization, results and vital signs
// of the last RecentMonths; no document.
type ReferralPreview struct {
	Patient      Patient           `json:"patient"`
	Sections     []ReferralSection `json:"sections"`
	From         ReferralParty     `json:"from"`
	RecentMonths int               `json:"recentMonths"`
}

// ReferralRequest is the export form. IncludedIDs lists the items to send
// (an explicit list: nothing leaves unless it was ticked); DocumentIDs the
// documents to add. Recipient, Purpose and Reason are required; a
// Passphrase, if given, encrypts the archive and has at least 10
// characters.
type ReferralRequest struct {
	IncludedIDs []string `json:"includedIds"`
	DocumentIDs []string `json:"documentIds"`
	Recipient   string   `json:"recipient"`
	Purpose     string   `json:"purpose"`
	Reason      string   `json:"reason"`
	Question    string   `json:"question"`
	Letter      string   `json:"letter"`
	Passphrase  string   `json:"passphrase"`
}

// SectionCounts says how many items of each section left the clinic.
type SectionCounts struct {
	Problems      int `json:"problems"`
	Allergies     int `json:"allergies"`
	Medications   int `json:"medications"`
	Immunizations int `json:"immunizations"`
	Results       int `json:"results"`
	Vitals        int `json:"vitals"`
	Notes         int `json:"notes"`
	Documents     int `json:"documents"`
}

// ExportedFile is an archive made for someone: its name, its bytes
// (standard base64), their SHA-256 and the fingerprint of the clinic key
// that signed it, and what is in it.
type ExportedFile struct {
	DisclosureID string        `json:"disclosureId"`
	FileName     string        `json:"fileName"`
	Data         string        `json:"data"`
	SHA256       string        `json:"sha256"`
	Fingerprint  string        `json:"fingerprint"`
	Encrypted    bool          `json:"encrypted"`
	Counts       SectionCounts `json:"counts"`
}

// PatientCopy is the patient's own copy: the archive, and its readable
// summary alone (self-contained HTML) to show and print.
type PatientCopy struct {
	ExportedFile
	HTML         string `json:"html"`
	HTMLFileName string `json:"htmlFileName"`
}

// Disclosure is one time part of the chart left the clinic, as the chart
// lists it.
type Disclosure struct {
	ID          string        `json:"id"`
	At          string        `json:"at"` // RFC 3339
	By          string        `json:"by"` // full name
	Kind        string        `json:"kind"`
	Recipient   string        `json:"recipient"`
	Purpose     string        `json:"purpose"`
	Counts      SectionCounts `json:"counts"`
	DocumentIDs []string      `json:"documentIds"`
	FileName    string        `json:"fileName"`
	SHA256      string        `json:"sha256"`
	Fingerprint string        `json:"fingerprint"`
	Encrypted   bool          `json:"encrypted"`
	MRN         string        `json:"mrn"`
}

// disclosureWhat is the JSON kept in a disclosure's what column.
type disclosureWhat struct {
	Counts    SectionCounts `json:"counts"`
	Documents []string      `json:"documents"`
}

// chartContent is what a chart holds that could leave the clinic: every
// item in force (retracted ones are never offered), read in one snapshot.
type chartContent struct {
	patient          db.Patient
	externalIDs      []db.ExternalID // the identifiers other systems gave the patient
	problems         []db.Problem
	allergies        []db.Allergy
	noKnownAllergies bool
	medications      []db.Medication
	immunizations    []db.Immunization
	results          []db.LabResult
	resultCodes      resultCodings
	vitals           []db.Vitals
	// notes are the signed visits, newest first; visits those of them a
	// referral chose, read in full (nil for the preview).
	notes     []db.EncounterLine
	visits    map[string]fhir.Visit
	documents []db.Document
}

// everything is a limit that lists a chart's rows in full.
const everything = 1 << 30

// With only given (a referral's ticked ids), the lab results and vitals,
// which a long history holds by the thousand, are read only when listed;
// nil reads them all.
func (o *op) chartContent(p db.Patient, only []string) (chartContent, error) {
	c := chartContent{patient: p}
	var err error
	if c.externalIDs, err = o.ExternalIDs(p.ID); err != nil {
		return c, err
	}
	problems, err := o.Problems(p.ID)
	if err != nil {
		return c, err
	}
	c.problems = inForce(problems, func(r db.Problem) string { return r.Status })
	allergies, err := o.Allergies(p.ID)
	if err != nil {
		return c, err
	}
	c.allergies = inForce(allergies, func(r db.Allergy) string { return r.Status })
	if _, c.noKnownAllergies, err = o.CurrentNoKnownAllergies(p.ID); err != nil {
		return c, err
	}
	medications, err := o.Medications(p.ID)
	if err != nil {
		return c, err
	}
	c.medications = inForce(medications, func(r db.Medication) string { return r.Status })
	immunizations, err := o.Immunizations(p.ID)
	if err != nil {
		return c, err
	}
	c.immunizations = inForce(immunizations, func(r db.Immunization) string { return r.Status })
	var results []db.LabResult
	var vitals []db.Vitals
	if only == nil {
		results, err = o.LabResults(p.ID, everything)
	} else {
		results, err = o.LabResultsWithIDs(p.ID, only)
	}
	if err != nil {
		return c, err
	}
	c.results = inForce(results, func(r db.LabResult) string { return r.Status })
	if c.resultCodes, err = resultCodingsOf(o.Tx, c.results); err != nil {
		return c, err
	}
	if only == nil {
		vitals, err = o.VitalsList(p.ID, everything)
	} else {
		vitals, err = o.VitalsWithIDs(p.ID, only)
	}
	if err != nil {
		return c, err
	}
	c.vitals = inForce(vitals, func(r db.Vitals) string { return r.Status })
	encounters, err := o.PatientEncounters(p.ID, 0)
	if err != nil {
		return c, err
	}
	for _, e := range encounters {
		if e.Status == db.EncounterSigned {
			c.notes = append(c.notes, e)
		}
	}
	if only != nil {
		want := map[string]bool{}
		for _, id := range only {
			want[id] = true
		}
		c.visits = map[string]fhir.Visit{}
		for _, e := range c.notes {
			if !want[e.ID] {
				continue
			}
			if c.visits[e.ID], err = o.referralVisit(e); err != nil {
				return c, err
			}
		}
	}
	documents, err := o.Documents(p.ID)
	if err != nil {
		return c, err
	}
	c.documents = inForce(documents, func(r db.Document) string { return r.Status })
	return c, nil
}

// referralVisit is a signed visit with its note, addenda and diagnoses, as
// a referral carries it. People are named, not linked by Folio's ids: the
// bundle holds the Practitioner of its author alone, and a reference by
// name needs none.
func (o *op) referralVisit(e db.EncounterLine) (fhir.Visit, error) {
	n, err := o.NoteOf(e.ID)
	if err != nil {
		return fhir.Visit{}, err
	}
	addenda, err := o.Addenda(n.ID)
	if err != nil {
		return fhir.Visit{}, err
	}
	diagnoses, err := o.EncounterDiagnoses(e.ID)
	if err != nil {
		return fhir.Visit{}, err
	}
	signer, err := o.userFullName(n.SignedBy)
	if err != nil {
		return fhir.Visit{}, err
	}
	v := fhir.Visit{ID: e.ID, Kind: e.Kind, Class: e.Class, StartedAt: instant(e.StartedAt), Status: e.Status,
		Clinician: fhir.Author{Name: e.ClinicianName},
		Note: fhir.VisitNote{ID: n.ID, Subjective: n.Subjective, Objective: n.Objective, Assessment: n.Assessment,
			Plan: n.Plan, SavedAt: instant(n.SavedAt), SignedAt: instant(n.SignedAt), SignedBy: fhir.Author{Name: signer}}}
	for _, a := range addenda {
		v.Note.Addenda = append(v.Note.Addenda, fhir.Addendum{Text: a.Text, Author: a.AuthorName, At: instant(a.At)})
	}
	for _, d := range diagnoses {
		if !d.Retracted() {
			v.DiagnosisProblemIDs = append(v.DiagnosisProblemIDs, d.ProblemID)
		}
	}
	return v, nil
}

// noteDisplay is a signed visit in one line for the preview.
func noteDisplay(e db.EncounterLine) string {
	kind := "booked visit"
	if e.Kind == db.EncounterWalkIn {
		kind = "walk-in"
	}
	s := e.ClinicianName + ", " + kind
	if a := strings.TrimSpace(e.Assessment); a != "" {
		s += ": " + clipRunes(strings.Join(strings.Fields(a), " "), 120)
	}
	return s
}

// inForce drops the rows retracted as entered in error.
func inForce[T any](rows []T, status func(T) string) []T {
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		if status(r) != db.EnteredInError {
			out = append(out, r)
		}
	}
	return out
}

// sections lists c for the preview, ticking what a referral sends by
// default; recentSince is the first day whose results and vitals count as
// recent (RFC 3339 prefix order).
func (c chartContent) sections(recentSince time.Time) []ReferralSection {
	items := map[string][]ReferralItem{}
	add := func(section string, it ReferralItem) { items[section] = append(items[section], it) }
	for _, p := range c.problems {
		add(SectionProblems, ReferralItem{ID: p.ID, Display: strings.TrimSpace(p.ICD10 + " " + p.Title), Date: p.Onset,
			Status: p.Status, Included: p.Status == db.ProblemActive})
	}
	activeAllergy := false
	for _, a := range c.allergies {
		activeAllergy = activeAllergy || a.Status == db.AllergyActive
		add(SectionAllergies, ReferralItem{ID: a.ID, Display: allergyDisplay(a), Date: a.Onset, Status: a.Status,
			Included: a.Status == db.AllergyActive})
	}
	if c.noKnownAllergies && !activeAllergy {
		add(SectionAllergies, ReferralItem{ID: noKnownAllergiesItem, Display: "No known allergies", Status: "active",
			Included: true})
	}
	for _, m := range c.medications {
		add(SectionMedications, ReferralItem{ID: m.ID, Display: medicationDisplay(m), Date: m.StartDate, Status: m.Status,
			Included: m.Status == db.MedActive})
	}
	for _, m := range c.immunizations {
		add(SectionImmunizations, ReferralItem{ID: m.ID, Display: m.Vaccine, Date: m.OccurredOn, Status: m.Status,
			Included: true})
	}
	for _, r := range c.results {
		add(SectionResults, ReferralItem{ID: r.ID, Display: resultDisplay(r), Date: r.ObservedAt.Format("2006-01-02"),
			Status: r.Status, Included: !r.ObservedAt.Before(recentSince)})
	}
	for _, v := range c.vitals {
		add(SectionVitals, ReferralItem{ID: v.ID, Display: vitalsDisplay(v), Date: v.TakenAt.Format("2006-01-02"),
			Status: v.Status, Included: !v.TakenAt.Before(recentSince)})
	}
	for i, e := range c.notes {
		add(SectionNotes, ReferralItem{ID: e.ID, Display: noteDisplay(e), Date: e.StartedAt.Format("2006-01-02"),
			Status: "final", Included: i < referralNotesTicked && !e.StartedAt.Before(recentSince)})
	}
	for _, d := range c.documents {
		add(SectionDocuments, ReferralItem{ID: d.ID, Display: d.Title + " (" + strings.ReplaceAll(d.Kind, "_", " ") + ")",
			Date: d.DocumentDate, Status: d.Status})
	}
	out := make([]ReferralSection, 0, len(sectionTitles))
	for _, s := range sectionTitles {
		list := items[s.key]
		if list == nil {
			list = []ReferralItem{}
		}
		out = append(out, ReferralSection{Key: s.key, Title: s.title, Items: list})
	}
	return out
}

// resultDisplay is a result in one line: "HbA1c 7.1 % (H)".
func resultDisplay(r db.LabResult) string {
	value := r.ValueText
	if r.Value != nil {
		value = formatNumber(*r.Value) + " " + r.Unit
	}
	s := strings.TrimSpace(r.Name + " " + strings.TrimSpace(value))
	if r.Flag != "" && r.Flag != "N" {
		s += " (" + r.Flag + ")"
	}
	return s
}

// vitalsDisplay is a set in one line, in the units the bundle carries.
func vitalsDisplay(v db.Vitals) string {
	var parts []string
	if v.Systolic != nil && v.Diastolic != nil {
		parts = append(parts, "BP "+formatNumber(*v.Systolic)+"/"+formatNumber(*v.Diastolic))
	}
	for _, m := range []struct {
		label string
		value *float64
		unit  string
	}{{"pulse", v.Pulse, "/min"}, {"resp", v.RespRate, "/min"}, {"temp", v.TempC, " °C"}, {"SpO2", v.SpO2, "%"},
		{"weight", v.WeightKg, " kg"}, {"height", v.HeightCm, " cm"}, {"pain", v.Pain, "/10"}} {
		if m.value != nil {
			parts = append(parts, m.label+" "+formatNumber(*m.value)+m.unit)
		}
	}
	return strings.Join(parts, " · ")
}

// chosen is what the clinician ticked: the items and documents by id.
type chosen struct {
	items     map[string]bool
	documents []db.Document
}

// record is the FHIR record of what was chosen from c: nothing that was
// not ticked, nothing retracted (c holds none).
func (c chartContent) record(ch chosen) (fhir.Record, SectionCounts) {
	rec := fhir.Record{Patient: fhirPatient(c.patient, c.externalIDs)}
	var n SectionCounts
	for _, p := range c.problems {
		if ch.items[p.ID] {
			rec.Problems = append(rec.Problems, fhirProblem(p))
		}
	}
	for _, a := range c.allergies {
		if ch.items[a.ID] {
			rec.Allergies = append(rec.Allergies, fhirAllergy(a))
		}
	}
	rec.NoKnownAllergies = c.noKnownAllergies && ch.items[noKnownAllergiesItem]
	for _, m := range c.medications {
		if ch.items[m.ID] {
			rec.Medications = append(rec.Medications, fhirMedication(m))
		}
	}
	for _, m := range c.immunizations {
		if ch.items[m.ID] {
			rec.Immunizations = append(rec.Immunizations, fhirImmunization(m))
		}
	}
	for _, r := range c.results {
		if ch.items[r.ID] {
			rec.LabResults = append(rec.LabResults, fhirLabResult(r, c.resultCodes))
		}
	}
	for _, v := range c.vitals {
		if ch.items[v.ID] {
			rec.Vitals = append(rec.Vitals, fhirVitals(v))
		}
	}
	n.Problems, n.Allergies, n.Medications = len(rec.Problems), len(rec.Allergies), len(rec.Medications)
	if rec.NoKnownAllergies && n.Allergies == 0 {
		n.Allergies = 1 // the statement itself left the clinic
	}
	// A visit's diagnoses travel as links to the problems sent; one whose
	// problem was not ticked stays named in the note's text alone.
	sent := map[string]bool{}
	for _, p := range rec.Problems {
		sent[p.ID] = true
	}
	for _, e := range c.notes {
		v, read := c.visits[e.ID]
		if !read || !ch.items[e.ID] {
			continue
		}
		v.DiagnosisProblemIDs = slices.DeleteFunc(slices.Clone(v.DiagnosisProblemIDs), func(id string) bool { return !sent[id] })
		rec.Visits = append(rec.Visits, v)
	}
	n.Immunizations, n.Results, n.Vitals = len(rec.Immunizations), len(rec.LabResults), len(rec.Vitals)
	n.Notes = len(rec.Visits)
	n.Documents = len(ch.documents)
	return rec, n
}

// everythingInForce chooses every item of c (the patient's own copy, the
// command line's export); no document, and no visit note (the summary, not
// the record of each visit).
func (c chartContent) everythingInForce() chosen {
	ch := chosen{items: map[string]bool{noKnownAllergiesItem: true}}
	for _, s := range c.sections(time.Time{}) {
		if s.Key == SectionDocuments || s.Key == SectionNotes {
			continue
		}
		for _, it := range s.Items {
			ch.items[it.ID] = true
		}
	}
	return ch
}

// choose checks a request's ids against c: each must be an item (or a
// document) in force on this chart. Unknown ids are field errors.
func (c chartContent) choose(req ReferralRequest, fields fieldErrors) chosen {
	offered := map[string]bool{}
	for _, s := range c.sections(time.Time{}) {
		if s.Key == SectionDocuments {
			continue
		}
		for _, it := range s.Items {
			offered[it.ID] = true
		}
	}
	ch := chosen{items: map[string]bool{}}
	unknown := 0
	for _, id := range req.IncludedIDs {
		if !offered[id] {
			unknown++
			continue
		}
		ch.items[id] = true
	}
	if unknown > 0 {
		fields.add("includedIds", fmt.Sprintf("%d of the items chosen are not on this chart (or were retracted). Reload the preview and choose again.", unknown))
	}
	docs := map[string]db.Document{}
	for _, d := range c.documents {
		docs[d.ID] = d
	}
	seen := map[string]bool{}
	unknown = 0
	for _, id := range req.DocumentIDs {
		d, ok := docs[id]
		switch {
		case !ok:
			unknown++
		case !seen[id]:
			seen[id] = true
			ch.documents = append(ch.documents, d)
		}
	}
	if unknown > 0 {
		fields.add("documentIds", fmt.Sprintf("%d of the documents chosen are not on this chart (or were retracted). Reload the preview and choose again.", unknown))
	}
	return ch
}

// check tidies the request and says what is wrong with it.
func (req *ReferralRequest) check() fieldErrors {
	fields := fieldErrors{}
	checkText(fields, "recipient", &req.Recipient, true, maxRecipientLength, "who the referral goes to")
	checkText(fields, "purpose", &req.Purpose, true, maxReasonLength, "why it leaves the clinic")
	checkText(fields, "reason", &req.Reason, true, maxReasonLength, "the reason for referral")
	checkText(fields, "question", &req.Question, false, maxLetterLength, "")
	req.Letter = strings.ReplaceAll(req.Letter, "\r\n", "\n")
	checkText(fields, "letter", &req.Letter, false, maxLetterLength, "")
	checkPassphrase(fields, req.Passphrase)
	return fields
}

func checkPassphrase(fields fieldErrors, passphrase string) {
	if passphrase != "" && utf8.RuneCountInString(passphrase) < minPassphraseLength {
		fields.add("passphrase", fmt.Sprintf("A passphrase needs at least %d characters; or leave it empty to send the file unencrypted.", minPassphraseLength))
	}
}

// sender reads who sends: the actor (when a person) and the clinic.
func (o *op) sender(signer archive.Signer) (fhir.Author, fhir.Clinic, ReferralParty, error) {
	var author fhir.Author
	var party ReferralParty
	if o.actor.userID != "" {
		u, err := o.UserByID(o.actor.userID)
		if err != nil {
			return author, fhir.Clinic{}, party, err
		}
		if u.Role == RoleClinician {
			author = fhir.Author{ID: u.ID, Name: u.FullName, LicenceNumber: u.LicenceNumber}
		}
	}
	clinic := fhir.Clinic{ID: signerFingerprint(signer)}
	for _, s := range []struct {
		key    string
		target *string
	}{{settingClinicName, &clinic.Name}, {settingClinicAddress, &clinic.Address}, {settingClinicPhone, &clinic.Phone}} {
		v, _, err := o.Setting(s.key)
		if err != nil {
			return author, clinic, party, err
		}
		*s.target = v
	}
	party = ReferralParty{AuthorName: author.Name, AuthorLicence: author.LicenceNumber, ClinicName: clinic.Name,
		ClinicAddress: clinic.Address, ClinicPhone: clinic.Phone, KeyFingerprint: clinic.ID}
	return author, clinic, party, nil
}

// ReferralPreview lists everything on a patient's chart that could leave
// the clinic in a referral, ticked as a referral sends it by default, and
// who would send it. A merged chart previews the surviving chart's.
func (s *Chart) ReferralPreview(patientID string) (ReferralPreview, error) {
	var out ReferralPreview
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, from, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		c, err := o.chartContent(p, nil)
		if err != nil {
			return err
		}
		view, err := o.viewPatient(p)
		if err != nil {
			return err
		}
		view.RedirectedFrom = from
		signer, err := o.clinicSigner()
		if err != nil {
			return err
		}
		_, _, party, err := o.sender(signer)
		if err != nil {
			return err
		}
		out = ReferralPreview{Patient: view, Sections: c.sections(o.now.AddDate(0, -referralRecentMonths, 0)),
			From: party, RecentMonths: referralRecentMonths}
		return o.audit("chart.read", p.ID, "patient/"+p.ID, "referral preview")
	})
	return answer(out, err)
}

// signerFingerprint is the fingerprint of the key that signs.
func signerFingerprint(s archive.Signer) string {
	pub, ok := s.Key.Public().(ed25519.PublicKey)
	if !ok {
		return ""
	}
	return archive.Fingerprint(pub)
}

// ExportReferral makes the referral archive: the items of the patient's
// chart the clinician ticked (never a retracted one), the referral letter,
// the chosen documents (each checked against its checksum), the readable
// summary, signed with the clinic's key and, with a passphrase, encrypted.
// The disclosure is recorded (to whom, why, what) and audited. Missing
// recipient, purpose or reason, unknown ids or a short passphrase are
// field errors, and then nothing is written.
func (s *Chart) ExportReferral(patientID string, req ReferralRequest) (ExportedFile, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return ExportedFile{}, err
	}
	fields := req.check()
	if err := fields.err(); err != nil {
		return ExportedFile{}, err
	}
	letter := &fhir.Referral{Recipient: req.Recipient, Reason: req.Reason, Question: req.Question, Text: req.Letter}
	return s.app.exportArchive(who, exportJob{
		patientID: patientID, kind: db.DisclosureReferral, recipient: req.Recipient, purpose: req.Purpose,
		passphrase: req.Passphrase, referral: letter, only: append([]string{}, req.IncludedIDs...),
		choose: func(c chartContent, fields fieldErrors) chosen { return c.choose(req, fields) },
	})
}

// PatientCopy makes the patient's own copy: everything in force on the
// chart, no letter, unencrypted, with the readable summary on its own to
// show and print. It is recorded and audited as a disclosure to the
// patient.
func (s *Chart) PatientCopy(patientID string) (PatientCopy, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return PatientCopy{}, err
	}
	var out PatientCopy
	out.ExportedFile, err = s.app.exportArchive(who, exportJob{
		patientID: patientID, kind: db.DisclosurePatientCopy, recipient: "the patient", purpose: "patient's own copy",
		choose: func(c chartContent, _ fieldErrors) chosen { return c.everythingInForce() },
		html:   &out.HTML,
	})
	if err != nil {
		return PatientCopy{}, err
	}
	out.HTMLFileName = strings.TrimSuffix(out.FileName, ".folio") + ".html"
	return out, nil
}

// Disclosures lists what left the clinic about a patient, newest first.
func (s *Chart) Disclosures(patientID string) ([]Disclosure, error) {
	out := []Disclosure{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Disclosures(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, disclosureView(r))
		}
		return o.audit("disclosure.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

func disclosureView(r db.Disclosure) Disclosure {
	var what disclosureWhat
	_ = json.Unmarshal([]byte(r.What), &what) // written by Folio; an unreadable one shows no counts
	if what.Documents == nil {
		what.Documents = []string{}
	}
	return Disclosure{ID: r.ID, At: instant(r.At), By: r.ByName, Kind: r.Kind, Recipient: r.Recipient,
		Purpose: r.Purpose, Counts: what.Counts, DocumentIDs: what.Documents, FileName: r.FileName,
		SHA256: r.ArchiveSHA256, Fingerprint: r.KeyFingerprint, Encrypted: r.Encrypted, MRN: r.MRN}
}

// exportJob is one archive to make about one patient.
type exportJob struct {
	patientID  string
	kind       string
	recipient  string
	purpose    string
	passphrase string
	referral   *fhir.Referral
	choose     func(chartContent, fieldErrors) chosen
	html       *string // if not nil, receives the readable summary
	// only, if not nil, lists the ids that may be sent: the chart is read
	// for those alone where that saves reading a long history.
	only []string
}

// exportArchive reads the chart and the clinic's signer (its key is made
// on first use) in one transaction, builds and packs the archive outside
// it, then records the disclosure and its audit entry in a second one.
// Nothing but a first key is written before the archive is made.
func (a *App) exportArchive(who actor, job exportJob) (ExportedFile, error) {
	var content chartContent
	var ch chosen
	var docs [][]byte
	var author fhir.Author
	var clinic fhir.Clinic
	var signer archive.Signer
	var now time.Time
	err := a.actAs(who, func(o *op) error {
		now = o.now
		p, _, err := o.livePatient(job.patientID)
		if err != nil {
			return err
		}
		if content, err = o.chartContent(p, job.only); err != nil {
			return err
		}
		fields := fieldErrors{}
		ch = job.choose(content, fields)
		if err := fields.err(); err != nil {
			return err
		}
		if docs, err = o.documentFiles(ch.documents); err != nil {
			return err
		}
		if signer, err = o.clinicSigner(); err != nil {
			return err
		}
		author, clinic, _, err = o.sender(signer)
		return err
	})
	if err != nil {
		return ExportedFile{}, err
	}

	rec, counts := content.record(ch)
	rec.Author, rec.Clinic, rec.Referral = author, clinic, job.referral
	disclosureID := newID()
	opts := fhir.Options{Now: now, DocumentID: disclosureID}
	bundle, err := fhir.IPSDocument(rec, opts)
	if err != nil {
		return ExportedFile{}, a.userError(fmt.Errorf("build the bundle of %s: %w", content.patient.MRN, err))
	}
	html, err := fhir.SummaryHTML(rec, opts)
	if err != nil {
		return ExportedFile{}, a.userError(fmt.Errorf("write the summary of %s: %w", content.patient.MRN, err))
	}
	files := []archive.File{
		{Path: "bundle.json", MediaType: "application/fhir+json", Data: bundle},
		{Path: "summary.html", MediaType: "text/html", Data: html},
	}
	docIDs := []string{}
	for i, d := range ch.documents {
		files = append(files, archive.File{Path: documentPath(i, d), MediaType: d.MediaType, Data: docs[i]})
		docIDs = append(docIDs, d.ID)
	}
	signer.Time = now
	packed, err := archive.Pack(files, signer, job.passphrase)
	if err != nil {
		return ExportedFile{}, a.userError(fmt.Errorf("pack the archive of %s: %w", content.patient.MRN, err))
	}
	sum := sha256.Sum256(packed)
	out := ExportedFile{DisclosureID: disclosureID, FileName: exportFileName(content.patient, now, job.kind, job.passphrase != ""),
		Data: base64.StdEncoding.EncodeToString(packed), SHA256: hex.EncodeToString(sum[:]),
		Fingerprint: signerFingerprint(signer), Encrypted: job.passphrase != "", Counts: counts}
	what, err := json.Marshal(disclosureWhat{Counts: counts, Documents: docIDs})
	if err != nil {
		return ExportedFile{}, a.userError(err)
	}
	err = a.actAs(who, func(o *op) error {
		row := db.Disclosure{ID: disclosureID, PatientID: content.patient.ID, MRN: content.patient.MRN, At: o.now,
			By: o.actor.userID, Kind: job.kind, Recipient: job.recipient, Purpose: job.purpose, What: string(what),
			FileName: out.FileName, ArchiveSHA256: out.SHA256, KeyFingerprint: out.Fingerprint, Encrypted: out.Encrypted}
		if err := o.InsertDisclosure(row); err != nil {
			return err
		}
		return o.audit("disclosure", content.patient.ID, "disclosure/"+disclosureID, disclosureDetail(row, counts, docIDs))
	})
	if err != nil {
		return ExportedFile{}, err
	}
	if job.html != nil {
		*job.html = string(html)
	}
	return out, nil
}

// documentFiles reads the chosen documents' files, each checked against
// the checksum taken when it was attached: a damaged file is never sent.
func (o *op) documentFiles(docs []db.Document) ([][]byte, error) {
	out := make([][]byte, 0, len(docs))
	for _, d := range docs {
		data, err := o.DocumentContent(d.ID)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != d.SHA256 || int64(len(data)) != d.SizeBytes {
			o.app.log.Error("document file does not match its checksum", "document", d.ID)
			return nil, errorf(Invalid, "The file of the document %q is damaged: it no longer matches the checksum "+
				"taken when it was attached, so nothing was sent. Leave it out, or restore it from a backup.", d.Title)
		}
		out = append(out, data)
	}
	return out, nil
}

// documentPath names a document inside the archive: numbered, so two
// files of one name stay two, and reduced to characters every system
// accepts in a file name.
func documentPath(i int, d db.Document) string {
	name := safeFileName(d.FileName)
	if name == "" {
		name = "document"
	}
	return path.Join("documents", fmt.Sprintf("%02d-%s", i+1, name))
}

// safeFileName keeps letters, digits, '.', '-' and '_' of a name, and at
// most 100 of them.
func safeFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('_')
		}
		if b.Len() >= 100 {
			break
		}
	}
	return strings.Trim(b.String(), ".")
}

// exportFileName is "Okafor_Ngozi_2026-11-25_referral.folio" (".folio.age"
// when encrypted): whose, when and what, readable in a file list.
func exportFileName(p db.Patient, now time.Time, kind string, encrypted bool) string {
	given, _, _ := strings.Cut(p.GivenNames, " ")
	what := map[string]string{db.DisclosureReferral: "referral", db.DisclosurePatientCopy: "patient-copy",
		db.DisclosureExport: "export"}[kind]
	name := fmt.Sprintf("%s_%s_%s_%s.folio", safeFileName(p.FamilyName), safeFileName(given),
		now.Format("2006-01-02"), what)
	if encrypted {
		name += ".age"
	}
	return name
}

// disclosureDetail is the audit line of a disclosure: what, to whom, why.
func disclosureDetail(d db.Disclosure, n SectionCounts, docIDs []string) string {
	detail := fmt.Sprintf("%s to %s; purpose: %s; problems %d, allergies %d, medications %d, immunizations %d, "+
		"results %d, vitals %d, documents %d", strings.ReplaceAll(d.Kind, "_", " "), d.Recipient, d.Purpose,
		n.Problems, n.Allergies, n.Medications, n.Immunizations, n.Results, n.Vitals, n.Documents)
	if n.Notes > 0 {
		detail += fmt.Sprintf(", visit notes %d", n.Notes)
	}
	if len(docIDs) > 0 {
		detail += " (" + strings.Join(docIDs, ", ") + ")"
	}
	detail += "; archive sha256 " + d.ArchiveSHA256 + "; key " + d.KeyFingerprint
	if d.Encrypted {
		detail += "; encrypted"
	}
	return detail
}

// CommandLineExport is `folio export --patient`: a chart's whole record in
// force, for a named recipient and purpose, made on this PC's command line.
type CommandLineExport struct {
	MRN        string
	Recipient  string
	Purpose    string
	Passphrase string
	// Username is the Folio account answerable for the export; "" is the
	// clinic's first admin.
	Username string
}

// ExportPatient makes the archive of `folio export --patient`. The audit
// and the disclosure name the account and, as its workstation, this PC's
// command line and the operating-system user who ran it.
func (a *App) ExportPatient(req CommandLineExport) (ExportedFile, error) {
	fields := fieldErrors{}
	checkText(fields, "recipient", &req.Recipient, true, maxRecipientLength, "who the file goes to (--recipient)")
	checkText(fields, "purpose", &req.Purpose, true, maxReasonLength, "why it leaves the clinic (--purpose)")
	checkPassphrase(fields, req.Passphrase)
	req.MRN = strings.TrimSpace(req.MRN)
	if req.MRN == "" {
		fields.add("patient", "Name the patient by MRN (--patient).")
	}
	if err := fields.err(); err != nil {
		return ExportedFile{}, err
	}
	who, err := a.commandLineActor(req.Username)
	if err != nil {
		return ExportedFile{}, err
	}
	var patientID string
	err = a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		patientID, err = tx.PatientIDByMRN(req.MRN)
		return err
	})
	if err != nil {
		return ExportedFile{}, errorf(NotFound, "No patient has the MRN %s.", req.MRN)
	}
	return a.exportArchive(who, exportJob{patientID: patientID, kind: db.DisclosureExport,
		recipient: req.Recipient, purpose: req.Purpose, passphrase: req.Passphrase,
		choose: func(c chartContent, _ fieldErrors) chosen { return c.everythingInForce() }})
}

// commandLineActor is the account a command acts as (the first admin when
// username is ""), at "HOST (command line, OS user NAME)".
func (a *App) commandLineActor(username string) (actor, error) {
	if username == "" {
		first, err := a.FirstAdmin()
		if err != nil {
			return actor{}, err
		}
		if first == "" {
			return actor{}, errorf(Invalid, "Folio is not set up yet: there is no admin to act as.")
		}
		username = first
	}
	who, err := a.actorNamed(username)
	if err != nil {
		return actor{}, err
	}
	osUser := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		osUser = u.Username
	}
	who.workstation = fmt.Sprintf("%s (command line, OS user %s)", a.hostname, osUser)
	return who, nil
}
