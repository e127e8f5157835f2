package app

// Imported procedures and reports as care records: what a care rule reads
// (a colonoscopy, a mammogram report, a retinal exam, a hysterectomy that
// excludes from cervical screening) is charted as done elsewhere, with the
// codes, date, performer and status it came with, so the gap it meets
// closes by itself. What no rule reads is kept as the original, and the
// review says so.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"folio/app/care"
	"folio/app/fhir"
	"folio/db"
)

// careCode is what a received code means to the care rules: the rule and
// way it meets, or the rules whose exclusions name it.
type careCode struct {
	system, code string // the system as care records name it (systemSNOMED, systemCPT, systemLOINC)
	rule         *care.Rule
	way          string
	excludes     []string // the titles of the rules it excludes from
}

// careProcedureCode reads a procedure's codes by code, SNOMED CT and CPT
// only: the first that meets a rule, else the first that excludes from
// one.
func careProcedureCode(codes []fhir.ImportCode) (careCode, bool) {
	rules := care.Rules()
	for _, c := range codes {
		system := procedureSystem(c)
		if system == "" {
			continue
		}
		for i := range rules {
			for _, w := range rules[i].DoneBy {
				for _, pc := range w.Procedure {
					if pc == c.Code && codeSystemOf(pc) == system {
						return careCode{system: system, code: c.Code, rule: &rules[i], way: w.Name}, true
					}
				}
			}
		}
	}
	for _, c := range codes {
		if procedureSystem(c) != systemSNOMED {
			continue
		}
		out := careCode{system: systemSNOMED, code: c.Code}
		for _, r := range rules {
			for _, cond := range r.Exclude {
				if slices.Contains(cond.Snomed, c.Code) && !slices.Contains(out.excludes, r.Title) {
					out.excludes = append(out.excludes, r.Title)
				}
			}
		}
		if len(out.excludes) > 0 {
			return out, true
		}
	}
	return careCode{}, false
}

// procedureSystem is the system of a procedure's code as care records name
// it; "" for a system the rules do not read.
func procedureSystem(c fhir.ImportCode) string {
	switch fhir.SystemName(c.System) {
	case "SNOMED CT":
		return systemSNOMED
	case "CPT":
		return systemCPT
	}
	return ""
}

// careLabCode is the rule and way a report's LOINC code meets.
func careLabCode(loinc string) (careCode, bool) {
	rules := care.Rules()
	for i := range rules {
		for _, w := range rules[i].DoneBy {
			if loinc != "" && slices.Contains(w.Lab, loinc) {
				return careCode{system: systemLOINC, code: loinc, rule: &rules[i], way: w.Name}, true
			}
		}
	}
	return careCode{}, false
}

// procedureUnread says why a procedure is kept only as the original: no
// care rule reads any of its codes ("" when one does).
func procedureUnread(x fhir.ImportProcedure) string {
	if _, ok := careProcedureCode(x.Codes); ok {
		return ""
	}
	return fmt.Sprintf("A procedure no care rule reads (%s); Folio charts the procedures that meet or exclude from a care rule. Kept as the original.",
		codesWords(x.Codes))
}

// reportUnread says why a report is kept only as the original: its results
// are offered on their own, or no care rule reads its code.
func reportUnread(x fhir.ImportReport) string {
	if x.Results > 0 {
		return fmt.Sprintf("A report of %d results, each offered on its own; kept as the original.", x.Results)
	}
	if _, ok := careLabCode(x.LOINC); !ok {
		return fmt.Sprintf("A report no care rule reads (%s); kept as the original.", codesWords(x.Codes))
	}
	return ""
}

// codesWords names codes as a clinician reads them: "SNOMED CT 127783003".
func codesWords(codes []fhir.ImportCode) string {
	var parts []string
	for _, c := range codes {
		if c.Code != "" {
			parts = append(parts, c.SystemName+" "+c.Code)
		}
	}
	if len(parts) == 0 {
		return "no code"
	}
	return strings.Join(parts, ", ")
}

// refusals are the SNOMED CT reasons that say the patient refused a
// procedure (a not-done one becomes a refusal of its rule): procedure
// refused, refusal of treatment by patient, refused.
var refusals = []string{"183944003", "105480006", "443390004"}

// patientRefused tells a not-done procedure's reason is the patient's
// refusal: by code first, then by its words.
func patientRefused(x fhir.ImportProcedure) bool {
	for _, c := range x.StatusReasonCodes {
		if fhir.SystemName(c.System) == "SNOMED CT" && slices.Contains(refusals, c.Code) {
			return true
		}
	}
	words := strings.ToLower(x.StatusReason)
	return strings.Contains(words, "refus") || strings.Contains(words, "declin")
}

// procedureRecord is a Procedure as a care record done elsewhere (or, not
// done because the patient refused, as their refusal of its rule).
func (o *op) procedureRecord(p db.Patient, x fhir.ImportProcedure, src importSource) chartRecord {
	rec := chartRecord{entity: "care_record", codings: map[string][]db.Coding{db.CodingCode: receivedCodings(x.Codes)}}
	m, ok := careProcedureCode(x.Codes)
	if !ok {
		rec.problem = procedureUnread(x)
		return rec
	}
	date := datePart(x.Performed)
	row := o.importedCare(p, m, x.Name, date, src.orgOf(x.Origin))
	if x.Performer != "" {
		row.Performer = clipRunes(x.Performer, maxTitleLength)
	}
	row.Result = clipRunes(x.Outcome, maxTitleLength)
	row.Note = x.Note
	if end := datePart(x.PerformedEnd); end != "" && end != date {
		row.Note = noteLine(row.Note, fmt.Sprintf("Performed %s to %s.", x.Performed, x.PerformedEnd))
	}
	switch {
	case x.Status == "not-done" && patientRefused(x) && m.rule != nil:
		row.Kind, row.Code, row.CodeSystem, row.Display, row.Result = db.CareDeclined, "", "", "", ""
		row.Note = noteLine(row.Note, "Not done: "+x.StatusReason)
		if date == "" {
			date = datePart(src.date)
		}
		row.PerformedOn = date
		rec.keys = itemEpisodeKeys("care:declined:"+m.rule.ID, date)
	case x.Status == "not-done":
		rec.problem = "The source says it was not done"
		if x.StatusReason != "" {
			rec.problem += " (" + x.StatusReason + ")"
		}
		rec.problem += "; it closes no care gap, so it is kept as the original."
		return rec
	case x.Status != "completed":
		rec.problem = fmt.Sprintf("The source says it is %q, not completed; it closes no care gap, so it is kept as the original.", x.Status)
		return rec
	default:
		rec.keys = careKeys(m, date)
	}
	rec.problem = carePerformedProblem(row.PerformedOn, o)
	rec.row = row
	return rec
}

// reportRecord is a DiagnosticReport a care rule reads (a mammogram's, a
// colonoscopy's, a retinal exam's) as a care record done elsewhere, its
// conclusion as the result.
func (o *op) reportRecord(p db.Patient, x fhir.ImportReport, src importSource) chartRecord {
	rec := chartRecord{entity: "care_record", codings: map[string][]db.Coding{db.CodingCode: receivedCodings(x.Codes)}}
	if why := reportUnread(x); why != "" {
		rec.problem = why
		return rec
	}
	m, _ := careLabCode(x.LOINC)
	switch x.Status {
	case "final", "amended", "corrected", "appended":
	default:
		rec.problem = fmt.Sprintf("The report is %q, not final; it closes no care gap, so it is kept as the original.", x.Status)
		return rec
	}
	date := datePart(x.Effective)
	if date == "" {
		date = datePart(x.Issued)
	}
	row := o.importedCare(p, m, x.Name, date, src.orgOf(x.Origin))
	if x.Performer != "" {
		row.Performer = clipRunes(x.Performer, maxTitleLength)
	}
	row.Result = clipRunes(x.Conclusion, maxTitleLength)
	rec.keys = careKeys(m, date)
	rec.problem = carePerformedProblem(date, o)
	rec.row = row
	return rec
}

// importedCare is a care record of m done elsewhere on date, as imported.
func (o *op) importedCare(p db.Patient, m careCode, name, date, performer string) db.CareRecord {
	row := db.CareRecord{ID: newID(), PatientID: p.ID, Kind: db.CareDone, CodeSystem: m.system, Code: m.code,
		Display: clipRunes(name, maxTitleLength), PerformedOn: date, Source: db.CareImported,
		Performer: clipRunes(performer, maxTitleLength), Status: db.CareActive, Version: 1,
		CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
	if m.rule != nil {
		row.RuleID = m.rule.ID
		if row.Display == "" {
			row.Display = m.way
		}
	}
	return row
}

// carePerformedProblem checks when a care record was done, as its form does.
func carePerformedProblem(date string, o *op) string {
	if date == "" {
		return "It does not say when it was done."
	}
	return partialDateProblem(date, o.now)
}

// careKeys are what tell the chart has a care record done already: its
// code on its date, and its rule's way on its date (a colonoscopy coded in
// SNOMED CT here and in CPT there is one colonoscopy).
func careKeys(m careCode, date string) []string {
	keys := itemEpisodeKeys("care:"+codeKey(m.system, m.code), date)
	if m.rule != nil {
		keys = append(keys, itemEpisodeKeys("care:way:"+m.rule.ID+"/"+m.way, date)...)
	}
	return keys
}

// chartCareKeys are the keys the chart registers a care record under.
func chartCareKeys(r db.CareRecord) []string {
	if r.Kind == db.CareDeclined {
		return chartEpisodeKeys("care:declined:"+r.RuleID, r.PerformedOn)
	}
	if r.Kind != db.CareDone {
		return nil
	}
	keys := chartEpisodeKeys("care:"+codeKey(r.CodeSystem, r.Code), r.PerformedOn)
	if rule := careRule(r.RuleID); rule != nil {
		for _, w := range rule.DoneBy {
			if slices.Contains(w.Procedure, r.Code) || (r.CodeSystem == systemLOINC && slices.Contains(w.Lab, r.Code)) {
				keys = append(keys, chartEpisodeKeys("care:way:"+rule.ID+"/"+w.Name, r.PerformedOn)...)
			}
		}
	}
	return keys
}

// careRecordShown is a care record as the review names it: "Colonoscopy,
// 2019-07-29".
func careRecordShown(r db.CareRecord) string {
	if r.Kind == db.CareDeclined {
		return "Declined " + strings.ToLower(careRuleTitle(r.RuleID)) + " on " + r.PerformedOn
	}
	return r.Display + ", " + r.PerformedOn
}

func careRuleTitle(id string) string {
	if rule := careRule(id); rule != nil {
		return rule.Title
	}
	return id
}

// careRemark says what an imported care record becomes and what it does to
// the patient's care gaps.
func careRemark(r db.CareRecord) string {
	shown := careRecordShown(r)
	switch {
	case r.Kind == db.CareDeclined:
		return "Becomes the patient's refusal: " + shown + "."
	case r.RuleID != "":
		return "Becomes a care record: " + shown + " — closes " + careRuleTitle(r.RuleID) + "."
	}
	m, _ := careProcedureCode([]fhir.ImportCode{{System: r.CodeSystem, SystemName: fhir.SystemName(r.CodeSystem), Code: r.Code}})
	return "Becomes a care record: " + shown + " — excludes the patient from " + strings.Join(m.excludes, ", ") + "."
}

// datePart is the date of a FHIR date or dateTime as written (YYYY,
// YYYY-MM or YYYY-MM-DD); "" when it is none.
func datePart(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil && len(s) == len(layout) {
			return s
		}
	}
	return ""
}
