package app

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/terminology"
	"folio/db"
)

// Code is one code of an embedded code list, such as ICD-10-CM (E11.9).
type Code = terminology.Code

// Limits of a code search's result.
const (
	defaultCodeLimit = 20
	maxCodeLimit     = 100
)

// SearchICD10 finds ICD-10-CM codes as the clinician types: by code, with or
// without its dot ("E11.9", "e119"), or by words of the title or of a
// synonym in any order, each matching the start of a word, accents ignored
// ("diab type 2", "GERD", "high blood pressure"); billable codes first (see
// terminology.ICD10.Search), each marked billable or not. limit is at most
// 100; 0 means 20. Nothing is audited: it reads no chart.
func (s *Chart) SearchICD10(query string, limit int) ([]Code, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return nil, err
	}
	if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) error { return checkActive(tx, who) }); err != nil {
		return nil, s.app.userError(err)
	}
	list, err := s.app.icd10List()
	if err != nil {
		return nil, s.app.userError(err)
	}
	if limit <= 0 {
		limit = defaultCodeLimit
	}
	return list.Search(query, min(limit, maxCodeLimit)), nil
}

// BillableICD10 lists the billable codes that an ICD-10-CM category or
// subcategory heads (E11: E11.9, E11.65, ...), the clinic's common ones and
// the most general first: what to choose instead when a code that is not
// billable was picked. limit is at most 100; 0 means 20.
func (s *Chart) BillableICD10(code string, limit int) ([]Code, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return nil, err
	}
	if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) error { return checkActive(tx, who) }); err != nil {
		return nil, s.app.userError(err)
	}
	list, err := s.app.icd10List()
	if err != nil {
		return nil, s.app.userError(err)
	}
	if limit <= 0 {
		limit = defaultCodeLimit
	}
	return list.BillableUnder(code, min(limit, maxCodeLimit)), nil
}

// notBillable is the message for a code that is not billable: what it is
// and the codes to choose instead.
func notBillable(list *terminology.ICD10, c terminology.Code) string {
	var codes []string
	for _, b := range list.BillableUnder(c.Code, 3) {
		codes = append(codes, b.Code+" "+b.Title)
	}
	msg := fmt.Sprintf("%s %s is a category, not a billable code: a claim needs one of the codes under it", c.Code, c.Title)
	if len(codes) == 0 {
		return msg + "."
	}
	return msg + ", e.g. " + strings.Join(codes, "; ") + "."
}

// ProblemInput is the problem form. Its code may be a category that is not
// billable (E11): a problem list may know no more, and the form warns
// before it is added; a visit's diagnosis must be billable.
type ProblemInput struct {
	Code        string `json:"code"`        // ICD-10-CM, with or without its dot
	Title       string `json:"title"`       // "" for the code's own title
	Onset       string `json:"onset"`       // YYYY, YYYY-MM or YYYY-MM-DD; "" unknown
	Status      string `json:"status"`      // active (the default) or resolved
	ResolvedOn  string `json:"resolvedOn"`  // for a resolved problem, a date like onset; may be ""
	Note        string `json:"note"`        // free text, may have several lines
	EncounterID string `json:"encounterId"` // the visit it was diagnosed at, or ""
}

// Problem is one entry of a patient's problem list. Status is active,
// resolved or entered_in_error (retracted, with RetractReason).
type Problem struct {
	ID            string `json:"id"`
	PatientID     string `json:"patientId"`
	Code          string `json:"code"` // E11.9
	Title         string `json:"title"`
	Onset         string `json:"onset"`
	Status        string `json:"status"`
	ResolvedOn    string `json:"resolvedOn"`
	Note          string `json:"note"`
	EncounterID   string `json:"encounterId"`
	RetractReason string `json:"retractReason"`
	Version       int    `json:"version"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`

	// Codes are the codings a problem imported from elsewhere arrived with
	// (SNOMED CT, ICD-10, ...), beside Code; empty for one typed in here.
	Codes []db.Coding `json:"codes"`
}

func problemView(p db.Problem) Problem {
	return Problem{ID: p.ID, PatientID: p.PatientID, Code: p.ICD10, Title: p.Title, Onset: p.Onset, Status: p.Status,
		ResolvedOn: p.ResolvedOn, Note: p.Note, EncounterID: p.EncounterID, RetractReason: p.RetractReason,
		Version: p.Version, CreatedAt: p.CreatedAt.Format(time.RFC3339), UpdatedAt: p.UpdatedAt.Format(time.RFC3339),
		Codes: orEmpty(p.Codes)}
}

// Limits of the clinical lists' free-text fields, in characters.
const (
	maxTitleLength        = 200
	maxClinicalNoteLength = 2000
	maxIDLength           = 64
)

// check tidies the form and collects its wrong fields; the code must be in
// the ICD-10-CM list, and is then written with its dot.
func (in *ProblemInput) check(list *terminology.ICD10, now time.Time) fieldErrors {
	in.Code, in.Title = strings.TrimSpace(in.Code), strings.Join(strings.Fields(in.Title), " ")
	in.Onset, in.ResolvedOn = strings.TrimSpace(in.Onset), strings.TrimSpace(in.ResolvedOn)
	in.Status, in.EncounterID = strings.ToLower(strings.TrimSpace(in.Status)), strings.TrimSpace(in.EncounterID)
	in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
	fields := fieldErrors{}
	if in.Code == "" {
		fields.add("code", "Choose the problem's ICD-10-CM code.")
	} else if c, ok := list.Lookup(in.Code); !ok {
		fields.add("code", "No such ICD-10-CM code; search by words or code and choose one.")
	} else {
		in.Code = c.Code
		if in.Title == "" {
			in.Title = c.Title
		}
	}
	if utf8.RuneCountInString(in.Title) > maxTitleLength {
		fields.add("title", fmt.Sprintf("The title can have at most %d characters.", maxTitleLength))
	}
	if msg := partialDateProblem(in.Onset, now); msg != "" {
		fields.add("onset", msg)
	}
	switch in.Status {
	case "":
		in.Status = db.ProblemActive
	case db.ProblemActive, db.ProblemResolved:
	default:
		fields.add("status", "Choose active or resolved.")
	}
	switch {
	case in.ResolvedOn == "":
	case in.Status != db.ProblemResolved:
		fields.add("resolvedOn", "Only a resolved problem has a resolution date.")
	default:
		if msg := partialDateProblem(in.ResolvedOn, now); msg != "" {
			fields.add("resolvedOn", msg)
		} else if in.Onset != "" && partialBefore(in.ResolvedOn, in.Onset) {
			fields.add("resolvedOn", "The problem cannot resolve before its onset.")
		}
	}
	if utf8.RuneCountInString(in.Note) > maxClinicalNoteLength {
		fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxClinicalNoteLength))
	}
	if len(in.EncounterID) > maxIDLength {
		fields.add("encounterId", "No such visit.")
	}
	return fields
}

// partialDateProblem checks an optional date that may be only a year
// (2019) or a month (2019-04): clinicians often know no more of an onset.
func partialDateProblem(s string, now time.Time) string {
	if s == "" {
		return ""
	}
	ok := false
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if len(s) == len(layout) {
			_, err := time.Parse(layout, s)
			ok = err == nil
		}
	}
	if !ok {
		return "Enter the date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2019, 2019-04 or 2019-04-23."
	}
	if s < oldestBirth[:len(s)] {
		return "The date cannot be before 1900."
	}
	if s > now.Format("2006-01-02")[:len(s)] {
		return "The date cannot be in the future."
	}
	return ""
}

// partialBefore tells whether partial date a is surely before b: compared
// only as far as both are known, so 2019 is not before 2019-04.
func partialBefore(a, b string) bool {
	n := min(len(a), len(b))
	return a[:n] < b[:n]
}

// chartPatient reads the patient whose chart is being written: it must
// exist and not have been merged into another chart.
func (o *op) chartPatient(patientID string) (db.Patient, error) {
	p, err := o.PatientByID(patientID)
	if err != nil {
		return db.Patient{}, err
	}
	if p.Merged() {
		return db.Patient{}, o.mergedError(p)
	}
	return p, nil
}

// Problems lists a patient's problems: active, then resolved, then those
// entered in error. A merged chart lists the surviving chart's.
func (s *Chart) Problems(patientID string) ([]Problem, error) {
	out := []Problem{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Problems(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, problemView(r))
		}
		return o.audit("problem.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// AddProblem adds a problem to a patient's list.
func (s *Chart) AddProblem(patientID string, in ProblemInput) (Problem, error) {
	var out Problem
	err := s.app.act(s.session, permClinical, func(o *op) error {
		list, err := o.app.icd10List()
		if err != nil {
			return err
		}
		if err := in.check(list, o.now).err(); err != nil {
			return err
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		row := db.Problem{ID: newID(), PatientID: p.ID, Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID,
			UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		setProblemFields(&row, in)
		if err := o.InsertProblem(row); err != nil {
			return err
		}
		out = problemView(row)
		return o.audit("problem.add", p.ID, "problem/"+row.ID, row.ICD10+" "+row.Title)
	})
	return out, err
}

func setProblemFields(p *db.Problem, in ProblemInput) {
	p.ICD10, p.Title, p.Onset, p.Status = in.Code, in.Title, in.Onset, in.Status
	p.ResolvedOn, p.Note, p.EncounterID = in.ResolvedOn, in.Note, in.EncounterID
}

// UpdateProblem changes a problem: its status (resolved, active again), its
// note, code or dates. version is the version the clinician was looking at;
// reason may be "" (resolving a problem needs no explanation). The replaced
// version is kept. A retracted problem is not changed.
func (s *Chart) UpdateProblem(id string, in ProblemInput, reason string, version int) (Problem, error) {
	var out Problem
	err := s.app.act(s.session, permClinical, func(o *op) error {
		list, err := o.app.icd10List()
		if err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		fields := in.check(list, o.now)
		if utf8.RuneCountInString(reason) > maxReasonLength {
			fields.add("reason", fmt.Sprintf("The reason can have at most %d characters.", maxReasonLength))
		}
		if err := fields.err(); err != nil {
			return err
		}
		old, err := o.ProblemByID(id)
		if err != nil {
			return err
		}
		if err := o.checkProblemChange(old, version); err != nil {
			return err
		}
		next := old
		setProblemFields(&next, in)
		if reflect.DeepEqual(next, old) {
			return errorf(Invalid, "Nothing was changed.")
		}
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateProblem(next, reason)
		if err != nil {
			return err
		}
		out = problemView(saved)
		detail := fmt.Sprintf("version %d; %s %s; %s", saved.Version, saved.ICD10, saved.Title, saved.Status)
		if reason != "" {
			detail += "; reason: " + reason
		}
		return o.audit("problem.update", old.PatientID, "problem/"+id, detail)
	})
	return out, err
}

// checkProblemChange refuses to change a retracted problem, one on a merged
// chart, or one changed since the clinician read it.
func (o *op) checkProblemChange(old db.Problem, version int) error {
	if old.Status == db.EnteredInError {
		return errorf(Conflict, "This problem was retracted as entered in error; it is not changed. Add a new problem instead.")
	}
	if _, err := o.chartPatient(old.PatientID); err != nil {
		return err
	}
	if old.Version != version {
		return errorf(Conflict, "Someone else changed this problem meanwhile. Reload the chart and make your change again.")
	}
	return nil
}

// RetractProblem marks a problem entered in error, saying why. It stays
// readable in the list, marked so; nothing is deleted.
func (s *Chart) RetractProblem(id, reason string, version int) (Problem, error) {
	var out Problem
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this problem was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.ProblemByID(id)
		if err != nil {
			return err
		}
		if err := o.checkProblemChange(old, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateProblem(next, reason)
		if err != nil {
			return err
		}
		out = problemView(saved)
		return o.audit("problem.retract", old.PatientID, "problem/"+id,
			fmt.Sprintf("version %d; %s %s; reason: %s", saved.Version, saved.ICD10, saved.Title, reason))
	})
	return out, err
}

// checkRetractable refuses to retract a record already retracted, on a
// chart this user may not open, or changed since the user read it (seen is
// the version they saw); this names the record in the messages ("this
// immunization").
func (o *op) checkRetractable(this, patientID, status string, version, seen int) error {
	if status == db.EnteredInError {
		return errorf(Conflict, "%s was already retracted as entered in error.", strings.ToUpper(this[:1])+this[1:])
	}
	if _, err := o.chartPatient(patientID); err != nil {
		return err
	}
	if version != seen {
		return errorf(Conflict, "Someone else changed %s meanwhile. Reload the chart and make your change again.", this)
	}
	return nil
}

// reasonFields checks a required reason, missing saying what to write.
func reasonFields(reason, missing string) fieldErrors {
	fields := fieldErrors{}
	switch {
	case reason == "":
		fields.add("reason", missing)
	case utf8.RuneCountInString(reason) > maxReasonLength:
		fields.add("reason", fmt.Sprintf("The reason can have at most %d characters.", maxReasonLength))
	}
	return fields
}
