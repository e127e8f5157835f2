package app

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/care"
	"folio/db"
)

// Care gaps: the rules of app/care (screenings, immunizations, chronic-care
// follow-up) asked of a patient's chart. The chart's Due box, its care
// panel and `folio due` all read careResults, so they never disagree. A gap
// closes by itself when what meets it is charted: a result, a dose, a blood
// pressure, or a care record (a screening done here or elsewhere).

// CareGap is where a patient stands with one care rule.
type CareGap struct {
	RuleID string `json:"ruleId"`
	Title  string `json:"title"`
	Kind   string `json:"kind"` // screening, immunization, chronic; visit, refill or reminder
	Source string `json:"source"`
	// Status: due, up_to_date, excluded or declined.
	Status string `json:"status"`
	// DueOn: when it is, was or will be due ("" excluded).
	DueOn string `json:"dueOn"`
	// LastDone, LastHow: the latest time it was met, and how.
	LastDone string `json:"lastDone"`
	LastHow  string `json:"lastHow"`
	// Why: what excludes the patient, or when they declined.
	Why string `json:"why"`
	// Detail, Ref: for what is due for this patient alone (kind visit,
	// refill or reminder), what it is in words and its record (a
	// follow-up or reminder, a medication).
	Detail string `json:"detail"`
	Ref    string `json:"ref"`
	// Ways: what meets it, for recording one done.
	Ways []CareWay `json:"ways"`
}

// CareWay is one way of meeting a rule that can be recorded as done: its
// name and the code a record of it carries.
type CareWay struct {
	Name       string `json:"name"`
	CodeSystem string `json:"codeSystem"`
	Code       string `json:"code"`
}

// CareRecord is a screening or procedure done, a refusal or an exclusion, as
// the chart shows it.
type CareRecord struct {
	db.CareRecord
	RuleTitle string `json:"ruleTitle"`
}

// CareRecordInput records a care record.
type CareRecordInput struct {
	Kind   string `json:"kind"`   // done, declined or excluded
	RuleID string `json:"ruleId"` // required for declined and excluded
	// For done: the way (its code and system, as CareWay gives them).
	CodeSystem  string `json:"codeSystem"`
	Code        string `json:"code"`
	Display     string `json:"display"`
	PerformedOn string `json:"performedOn"` // YYYY, YYYY-MM or YYYY-MM-DD; today when empty
	Result      string `json:"result"`
	Source      string `json:"source"` // here or elsewhere
	Performer   string `json:"performer"`
	Note        string `json:"note"` // why, for declined and excluded
}

// The code systems of what meets a rule, as care records name them.
const (
	systemSNOMED = "http://snomed.info/sct"
	systemCPT    = "http://www.ama-assn.org/go/cpt"
	systemLOINC  = "http://loinc.org"
)

// careSettingKey holds the clinic's changes to the rules (a JSON object of
// care.Setting by rule id).
const careSettingKey = "care.rules"

// CareGaps lists where the patient stands with every care rule that applies
// to them: due first (the longest overdue first), then declined, up to
// date and excluded.
func (s *Chart) CareGaps(patientID string) ([]CareGap, error) {
	out := []CareGap{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		results, err := o.careResults(p)
		if err != nil {
			return err
		}
		for _, r := range results {
			out = append(out, careGapView(r))
		}
		return o.audit("care.list", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// CareRecords lists the patient's care records, the latest first.
func (s *Chart) CareRecords(patientID string) ([]CareRecord, error) {
	out := []CareRecord{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.CareRecords(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, careRecordView(r))
		}
		return o.audit("care.records", p.ID, "patient/"+p.ID, "")
	})
	return answer(out, err)
}

// RecordCare records a screening or procedure done (here or elsewhere), a
// patient's refusal of a rule, or a clinician's exclusion of the patient
// from one.
func (s *Chart) RecordCare(patientID string, in CareRecordInput) (CareRecord, error) {
	var out CareRecord
	err := s.app.act(s.session, permClinical, func(o *op) error {
		fields := in.check(o.now)
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		if err := fields.err(); err != nil {
			return err
		}
		row := db.CareRecord{ID: newID(), PatientID: p.ID, Kind: in.Kind, RuleID: in.RuleID, CodeSystem: in.CodeSystem,
			Code: in.Code, Display: in.Display, PerformedOn: in.PerformedOn, Result: in.Result, Source: in.Source,
			Performer: in.Performer, Note: in.Note, Status: db.CareActive, Version: 1,
			CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.InsertCareRecord(row); err != nil {
			return err
		}
		out = careRecordView(row)
		detail := fmt.Sprintf("%s %s %s; %s", row.Kind, row.RuleID, row.PerformedOn, strings.TrimSpace(row.Code+" "+row.Display))
		return o.audit("care.record", p.ID, "care_record/"+row.ID, detail)
	})
	return out, err
}

// RetractCare marks a care record entered in error, saying why: the gap it
// closed opens again. Nothing is deleted.
func (s *Chart) RetractCare(id, reason string, version int) (CareRecord, error) {
	var out CareRecord
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this record was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.CareRecordByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this record", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateCareRecord(next, reason)
		if err != nil {
			return err
		}
		out = careRecordView(saved)
		return o.audit("care.retract", saved.PatientID, "care_record/"+id,
			fmt.Sprintf("version %d; %s %s %s; reason: %s", saved.Version, saved.Kind, saved.RuleID, saved.PerformedOn, reason))
	})
	return out, err
}

// check validates a care record and fills what it leaves to Folio: today's
// date, the way's name, here for a refusal or exclusion.
func (in *CareRecordInput) check(now time.Time) fieldErrors {
	fields := fieldErrors{}
	for _, f := range []*string{&in.Kind, &in.RuleID, &in.CodeSystem, &in.Code, &in.Display, &in.PerformedOn,
		&in.Result, &in.Source, &in.Performer, &in.Note} {
		*f = strings.TrimSpace(*f)
	}
	rule := careRule(in.RuleID)
	if in.RuleID != "" && rule == nil {
		fields.add("ruleId", "Folio has no such care rule.")
	}
	switch in.Kind {
	case db.CareDone:
		in.checkDone(rule, fields)
	case db.CareDeclined, db.CareExcluded:
		if in.RuleID == "" {
			fields.add("ruleId", "Choose what the patient declined or is excluded from.")
		}
		if in.Kind == db.CareExcluded && in.Note == "" {
			fields.add("note", "Say why the patient is excluded (e.g. a hysterectomy, limited life expectancy).")
		}
		in.CodeSystem, in.Code, in.Display, in.Result, in.Performer, in.Source = "", "", "", "", "", db.CareHere
	default:
		fields.add("kind", "Choose done, declined or excluded.")
	}
	if in.PerformedOn == "" && (in.Kind != db.CareDone || in.Source == db.CareHere) {
		in.PerformedOn = now.Format("2006-01-02")
	}
	if in.PerformedOn == "" {
		fields.add("performedOn", "Enter when it was done, or at least the year.")
	} else if msg := partialDateProblem(in.PerformedOn, now); msg != "" {
		fields.add("performedOn", msg)
	}
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"result", in.Result, "result", maxTitleLength},
		{"performer", in.Performer, "name or place", maxTitleLength},
		{"note", in.Note, "note", maxClinicalNoteLength},
		{"display", in.Display, "name", maxTitleLength},
		{"code", in.Code, "code", maxIDLength},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	return fields
}

// checkDone checks a screening or procedure done: its code is one of the
// rule's ways (or any coded procedure when no rule is named).
func (in *CareRecordInput) checkDone(rule *care.Rule, fields fieldErrors) {
	switch in.Source {
	case db.CareHere, db.CareElsewhere:
	default:
		fields.add("source", "Choose done here or elsewhere.")
	}
	if in.Source == db.CareHere {
		in.Performer = ""
	}
	if in.Code == "" {
		fields.add("code", "Choose what was done.")
		return
	}
	if rule == nil {
		if in.Display == "" {
			fields.add("display", "Name what was done.")
		}
		return
	}
	// Any code of any of the rule's ways will do (a CPT code as well as the
	// SNOMED CT concept the screen offers).
	for _, w := range rule.DoneBy {
		for _, c := range w.Procedure {
			if c == in.Code && codeSystemOf(c) == in.CodeSystem {
				in.Display = cmp.Or(in.Display, w.Name)
				return
			}
		}
		for _, c := range w.Lab {
			if c == in.Code && in.CodeSystem == systemLOINC {
				in.Display = cmp.Or(in.Display, w.Name)
				return
			}
		}
	}
	fields.add("code", fmt.Sprintf("That does not meet %s: choose one of its ways.", strings.ToLower(rule.Title)))
}

// careRule is the rule of id, or nil.
func careRule(id string) *care.Rule {
	rs := care.Rules()
	for i := range rs {
		if rs[i].ID == id {
			return &rs[i]
		}
	}
	return nil
}

// careWays are the ways of meeting r that a care record can carry: each
// way's first procedure code, or else its first LOINC code (a report, as a
// mammogram's). Vaccines and blood pressures are charted in their own
// panels.
func careWays(r *care.Rule) []CareWay {
	var out []CareWay
	for _, w := range r.DoneBy {
		switch {
		case len(w.Procedure) > 0:
			out = append(out, CareWay{Name: w.Name, CodeSystem: codeSystemOf(w.Procedure[0]), Code: w.Procedure[0]})
		case len(w.Lab) > 0:
			out = append(out, CareWay{Name: w.Name, CodeSystem: systemLOINC, Code: w.Lab[0]})
		}
	}
	return out
}

// codeSystemOf tells a CPT code (five digits, or four and a letter F for
// category II) from a SNOMED CT concept id (six digits or more).
func codeSystemOf(code string) string {
	if len(code) == 5 {
		return systemCPT
	}
	return systemSNOMED
}

// careLists are a chart's active problems and medications when the caller
// has read them already (the chart summary); read says so.
type careLists struct {
	problems    []db.Problem
	medications []db.Medication
	read        bool
}

// careResults evaluates every care rule on the patient's chart now.
func (o *op) careResults(p db.Patient) ([]care.Result, error) {
	return o.careResultsOn(p, careLists{}, o.now.In(time.Local))
}

// careResultsOn evaluates every care rule on the patient's chart as of day
// asOf (the chart as it is now), with its lists if read already.
func (o *op) careResultsOn(p db.Patient, lists careLists, asOf time.Time) ([]care.Result, error) {
	_, results, err := o.evaluateCare(p, lists, asOf)
	if err != nil {
		return nil, err
	}
	rank := map[care.Status]int{care.Due: 0, care.Declined: 1, care.UpToDate: 2, care.Excluded: 3}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		return a.DueOn < b.DueOn
	})
	return results, nil
}

// evaluateCare gathers the patient's facts (with their lists if read
// already) and answers them with every care rule and what the patient is
// due for alone, as of asOf, in the rules' order.
func (o *op) evaluateCare(p db.Patient, lists careLists, asOf time.Time) (care.Facts, []care.Result, error) {
	f, err := o.careFacts(p, &lists)
	if err != nil {
		return f, nil, err
	}
	personal, err := o.personalResults(p, lists.medications, f.Declined, asOf)
	if err != nil {
		return f, nil, fmt.Errorf("what MRN %s is due for alone: %w", p.MRN, err)
	}
	return f, append(care.Evaluate(care.Rules(), f, asOf), personal...), nil
}

// careLOINCs are the LOINC codes any rule reads, read at once per chart.
var careLOINCs = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range care.Rules() {
		for _, w := range r.DoneBy {
			for _, c := range w.Lab {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
				}
			}
		}
	}
	return out
}()

// careFacts gathers what the rules read from the patient's chart.
func (o *op) careFacts(p db.Patient, lists *careLists) (care.Facts, error) {
	f := care.Facts{BirthDate: p.BirthDate, Sex: p.Sex, Declined: map[string]string{}, Excluded: map[string]string{}}
	if !lists.read {
		var err error
		if lists.problems, err = o.ActiveProblems(p.ID); err != nil {
			return f, err
		}
		if lists.medications, err = o.ActiveMedications(p.ID); err != nil {
			return f, err
		}
		lists.read = true
	}
	for _, pr := range lists.problems {
		cp := care.Problem{ICD10: pr.ICD10}
		for _, c := range pr.Codes {
			switch {
			case c.System == systemSNOMED:
				cp.Snomed = append(cp.Snomed, c.Code)
			case cp.ICD10 == "" && strings.Contains(c.System, "icd-10"):
				cp.ICD10 = c.Code
			}
		}
		f.Problems = append(f.Problems, cp)
	}
	for _, m := range lists.medications {
		d, _ := o.app.medicationDrug(m)
		f.Meds = append(f.Meds, care.Med{Generic: d.Generic, Classes: d.Classes})
	}
	labs, err := o.LatestLabs(p.ID, careLOINCs)
	if err != nil {
		return f, err
	}
	for _, l := range labs {
		f.Labs = append(f.Labs, care.Lab{LOINC: l.LOINC, On: l.ObservedAt.In(time.Local).Format("2006-01-02"), Value: l.Value})
	}
	doses, err := o.Immunizations(p.ID)
	if err != nil {
		return f, err
	}
	for _, d := range doses {
		if d.Status == db.ImmCompleted {
			f.Doses = append(f.Doses, care.Dose{CVX: d.CVX, Vaccine: d.Vaccine, On: d.OccurredOn})
		}
	}
	if bp, ok, err := o.LatestBloodPressure(p.ID); err != nil {
		return f, err
	} else if ok {
		f.BPs = []care.BP{{On: bp.TakenAt.In(time.Local).Format("2006-01-02"), Systolic: bp.Systolic, Diastolic: bp.Diastolic}}
	}
	if f.BMI, err = o.latestBMI(p.ID); err != nil {
		return f, err
	}
	records, err := o.CareRecords(p.ID)
	if err != nil {
		return f, err
	}
	for _, r := range records {
		if r.Status != db.CareActive {
			continue
		}
		switch r.Kind {
		case db.CareDone:
			f.Procedures = append(f.Procedures, care.Procedure{Code: r.Code, On: r.PerformedOn, Result: r.Result})
			if r.CodeSystem == systemLOINC {
				f.Labs = append(f.Labs, care.Lab{LOINC: r.Code, On: r.PerformedOn})
			}
		case db.CareDeclined:
			if r.PerformedOn > f.Declined[r.RuleID] {
				f.Declined[r.RuleID] = r.PerformedOn
			}
		case db.CareExcluded:
			if _, ok := f.Excluded[r.RuleID]; !ok { // the latest first
				f.Excluded[r.RuleID] = "excluded on " + r.PerformedOn + ": " + r.Note
			}
		}
	}
	f.Settings, err = o.careSettings()
	return f, err
}

// latestBMI is the body-mass index of the patient's latest weight, with
// their latest height taken by then (0: not known).
func (o *op) latestBMI(patientID string) (float64, error) {
	kg, at, ok, err := o.LatestWeight(patientID)
	if err != nil || !ok {
		return 0, err
	}
	cm, ok, err := o.LatestHeight(patientID, at)
	if err != nil || !ok || cm <= 0 {
		return 0, err
	}
	m := cm / 100
	return kg / (m * m), nil
}

// careSettings reads the clinic's changes to the rules.
func (o *op) careSettings() (map[string]care.Setting, error) {
	raw, ok, err := o.Setting(careSettingKey)
	if err != nil || !ok {
		return nil, err
	}
	var out map[string]care.Setting
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("read the clinic's care rule settings: %w", err)
	}
	return out, nil
}

func careGapView(r care.Result) CareGap {
	return CareGap{RuleID: r.Rule.ID, Title: r.Title(), Kind: r.Rule.Kind, Source: r.Rule.Source,
		Status: string(r.Status), DueOn: r.DueOn, LastDone: r.LastDone, LastHow: r.LastHow, Why: r.Why,
		Detail: r.Detail, Ref: r.Ref, Ways: append([]CareWay{}, careWays(r.Rule)...)}
}

func careRecordView(r db.CareRecord) CareRecord {
	out := CareRecord{CareRecord: r}
	if rule := careRule(r.RuleID); rule != nil {
		out.RuleTitle = rule.Title
	}
	return out
}

// careDueText is a due rule in the chart's Due box: "Colorectal cancer
// screening: never done", "HbA1c (diabetes): last 2026-08-01", or the
// season's vaccine ("Influenza vaccine for the 2026–27 season").
func careDueText(r care.Result) string {
	switch r.Rule.Kind {
	case "refill":
		return r.Detail
	case "visit", "reminder":
		return r.Rule.Title + ": " + r.Detail
	}
	if r.Rule.Season && len(r.DueOn) >= 4 {
		year, _ := strconv.Atoi(r.DueOn[:4])
		return fmt.Sprintf("Influenza vaccine for the %d–%02d season", year, (year+1)%100)
	}
	if r.LastDone == "" {
		return r.Title() + ": never done"
	}
	return r.Title() + ": last " + r.LastDone
}
