package app

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"folio/app/care"
	"folio/db"
)

// Chart is the clinical chart: what clinicians read and write.
type Chart struct {
	app     *App
	session *Session
}

// ChartEntry is one line of a chart list (a problem, an allergy, a medication).
type ChartEntry struct {
	ID      string `json:"id"`
	Display string `json:"display"`
	Status  string `json:"status"`
	Since   string `json:"since"`
	// NotChecked, for an allergy or medication the interaction check cannot
	// read, says why (see DrugCheck); "" otherwise.
	NotChecked string `json:"notChecked"`
}

// ChartSummary is the chart's first screen. Problems and Allergies are the
// active ones. NoKnownAllergies says "no known allergies" was recorded; with
// it false and Allergies empty, nobody has asked yet.
type ChartSummary struct {
	Patient          Patient      `json:"patient"`
	Age              string       `json:"age"`
	Problems         []ChartEntry `json:"problems"`
	Allergies        []ChartEntry `json:"allergies"`
	NoKnownAllergies bool         `json:"noKnownAllergies"`
	Medications      []ChartEntry `json:"medications"`
	// LastVitals is the latest set in force, nil when none was taken; each
	// measure's Trend compares it with the latest earlier value.
	LastVitals *VitalsSet `json:"lastVitals"`
	// RecentEncounters are the latest visits, newest first.
	RecentEncounters []EncounterSummary `json:"recentEncounters"`
	// Due is what the chart is waiting for, most pressing first.
	Due []DueItem `json:"due"`
	// HomeReadings summarise the home readings since the last signed visit
	// (the last 30 days without one); nil when there are none.
	HomeReadings *HomeReadingsSince `json:"homeReadings"`
}

// renewalWeeks is how long a prescription without refills runs before the
// summary lists it as due for renewal.
const renewalWeeks = 3

// recentEncounters is how many visits the summary shows.
const recentEncounters = 5

// DueItem is one thing a patient's chart is waiting for. Kind says what it
// is (note, renewal, follow_up, reminder, immunization, care, lab_order,
// lab_review); RecordID is the record to open for it (an encounter, a
// medication, a reminder, ...), "" when none.
type DueItem struct {
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Since    string `json:"since"` // YYYY-MM-DD or RFC 3339; "" when it has no date
	RecordID string `json:"recordId"`
	// Rule is the care rule due (app/care), for kinds care and immunization.
	Rule string `json:"rule,omitempty"`
}

// careDueKind is the Due box's kind of a care rule: a vaccine's leads to
// the immunizations panel, the others to the care panel.
func careDueKind(ruleKind string) string {
	switch ruleKind {
	case "immunization":
		return "immunization"
	case "refill":
		return "renewal"
	case "visit":
		return "follow_up"
	case "reminder":
		return "reminder"
	}
	return "care"
}

// Summary opens a patient's clinical chart. A chart merged into another
// opens the surviving chart, as Patients.Open does.
func (s *Chart) Summary(patientID string) (ChartSummary, error) {
	var out ChartSummary
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, from, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		view, err := o.viewPatient(p)
		if err != nil {
			return err
		}
		view.RedirectedFrom = from
		out = ChartSummary{Patient: view, Age: Age(p.BirthDate, o.now),
			Problems: []ChartEntry{}, Allergies: []ChartEntry{}, Medications: []ChartEntry{}, Due: []DueItem{}}
		lists, err := o.summarizeLists(p.ID, &out)
		if err != nil {
			return err
		}
		if err := o.summarizeVitals(p, &out); err != nil {
			return err
		}
		if out.RecentEncounters, err = o.encounterSummaries(p.ID, recentEncounters); err != nil {
			return err
		}
		if err := o.summarizeDue(p, lists, &out); err != nil {
			return err
		}
		if out.HomeReadings, err = o.homeReadingsSince(p, lastSignedVisit(out.RecentEncounters)); err != nil {
			return err
		}
		return o.audit("chart.open", p.ID, "patient/"+p.ID, "summary")
	})
	return answer(out, err)
}

// summarizeLists fills the summary's active problems, allergies and
// medications, and answers the problems and medications read, which the
// care rules read too.
func (o *op) summarizeLists(patientID string, out *ChartSummary) (careLists, error) {
	var lists careLists
	problems, err := o.ActiveProblems(patientID)
	if err != nil {
		return lists, err
	}
	for _, p := range problems {
		out.Problems = append(out.Problems, ChartEntry{ID: p.ID, Display: strings.TrimSpace(p.ICD10 + " " + p.Title), Status: p.Status, Since: p.Onset})
	}
	allergies, err := o.ActiveAllergies(patientID)
	if err != nil {
		return lists, err
	}
	for _, a := range allergies {
		_, check := o.app.allergySubstance(a)
		out.Allergies = append(out.Allergies, ChartEntry{ID: a.ID, Display: allergyDisplay(a), Status: a.Status, Since: a.Onset,
			NotChecked: check.NotChecked})
	}
	medications, err := o.ActiveMedications(patientID)
	if err != nil {
		return lists, err
	}
	for _, m := range medications {
		_, check := o.app.medicationDrug(m)
		out.Medications = append(out.Medications, ChartEntry{ID: m.ID, Display: medicationDisplay(m), Status: m.Status, Since: m.StartDate,
			NotChecked: check.NotChecked})
	}
	_, out.NoKnownAllergies, err = o.CurrentNoKnownAllergies(patientID)
	return careLists{problems: problems, medications: medications, read: true}, err
}

// summarizeDue adds what the chart is waiting for besides renewals (added
// with the medications): unsigned visit notes first, lab results to review,
// tests ordered and not yet resulted, then the care rules the patient is
// due for (app/care), the longest overdue first.
func (o *op) summarizeDue(p db.Patient, lists careLists, out *ChartSummary) error {
	unsigned, err := o.UnsignedEncounters(p.ID)
	if err != nil {
		return err
	}
	var due []DueItem
	for _, e := range unsigned {
		due = append(due, DueItem{Kind: "note", Text: "Visit note of " + e.StartedAt.In(time.Local).Format("2006-01-02") +
			" is not signed", Since: instant(e.StartedAt), RecordID: e.ID})
	}
	unreviewed, since, err := o.UnreviewedLabResults(p.ID)
	if err != nil {
		return err
	}
	if unreviewed > 0 {
		due = append(due, DueItem{Kind: "lab_review", Since: instant(since),
			Text: fmt.Sprintf("Lab results to review: %d", unreviewed)})
	}
	orders, err := o.OpenLabOrders(p.ID)
	if err != nil {
		return err
	}
	for _, lo := range orders {
		due = append(due, DueItem{Kind: "lab_order", Text: lo.TestName + ": ordered, no result yet",
			Since: instant(lo.OrderedAt), RecordID: lo.ID})
	}
	gaps, err := o.careResultsOn(p, lists, o.now.In(time.Local))
	if err != nil {
		return err
	}
	// The follow-up of the patient's conditions first, then vaccines, then
	// screenings: a never-done screening due since the patient turned 45
	// must not push this season's vaccine out of sight.
	// What a clinician asked for this patient comes before them all, and
	// refills before the conditions' follow-up.
	rank := map[string]int{"reminder": 0, "visit": 0, "refill": 1, "chronic": 2, "immunization": 3, "screening": 4}
	sort.SliceStable(gaps, func(i, j int) bool { return rank[gaps[i].Rule.Kind] < rank[gaps[j].Rule.Kind] })
	for _, g := range gaps {
		if g.Status == care.Due {
			due = append(due, DueItem{Kind: careDueKind(g.Rule.Kind), Text: careDueText(g), Since: g.DueOn, Rule: g.Rule.ID,
				RecordID: g.Ref})
		}
	}
	// (An empty list, not nil: the UI reads it as a list.)
	out.Due = append(append([]DueItem{}, due...), out.Due...)
	return nil
}

// allergyDisplay is an allergy in one line: "Penicillin: hives (severe)".
func allergyDisplay(a db.Allergy) string {
	var b strings.Builder
	b.WriteString(a.Substance)
	if a.Reaction != "" {
		b.WriteString(": " + a.Reaction)
	}
	if a.Severity != "unknown" {
		b.WriteString(" (" + a.Severity + ")")
	}
	return b.String()
}

// Age says a patient's age the way clinicians write it: days for newborns,
// months under two years, years after.
func Age(birthDate string, now time.Time) string {
	b, err := time.Parse("2006-01-02", birthDate)
	if err != nil {
		return ""
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if today.Before(b) {
		return ""
	}
	months := (today.Year()-b.Year())*12 + int(today.Month()-b.Month())
	if today.Day() < b.Day() {
		months--
	}
	switch {
	case months < 1:
		return fmt.Sprintf("%d d", int(today.Sub(b).Hours()/24))
	case months < 24:
		return fmt.Sprintf("%d mo", months)
	default:
		return fmt.Sprintf("%d y", months/12)
	}
}
