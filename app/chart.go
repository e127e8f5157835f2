package app

import (
	"fmt"
	"strings"
	"time"

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
}

// Summary opens a patient's clinical chart. A chart merged into another
// opens the surviving chart, as Patients.Open does.
func (s *Chart) Summary(patientID string) (ChartSummary, error) {
	var out ChartSummary
	err := s.app.act(s.session, permClinical, func(o *op) error {
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
			Problems: []ChartEntry{}, Allergies: []ChartEntry{}, Medications: []ChartEntry{}}
		if err := o.summarizeLists(p.ID, &out); err != nil {
			return err
		}
		if err := o.summarizeVitals(p.ID, &out); err != nil {
			return err
		}
		return o.audit("chart.open", p.ID, "patient/"+p.ID, "summary")
	})
	return out, err
}

// summarizeLists fills the summary's active problems, allergies and medications.
func (o *op) summarizeLists(patientID string, out *ChartSummary) error {
	problems, err := o.ActiveProblems(patientID)
	if err != nil {
		return err
	}
	for _, p := range problems {
		out.Problems = append(out.Problems, ChartEntry{ID: p.ID, Display: p.ICD10 + " " + p.Title, Status: p.Status, Since: p.Onset})
	}
	allergies, err := o.ActiveAllergies(patientID)
	if err != nil {
		return err
	}
	for _, a := range allergies {
		out.Allergies = append(out.Allergies, ChartEntry{ID: a.ID, Display: allergyDisplay(a), Status: a.Status, Since: a.Onset})
	}
	medications, err := o.ActiveMedications(patientID)
	if err != nil {
		return err
	}
	for _, m := range medications {
		out.Medications = append(out.Medications, ChartEntry{ID: m.ID, Display: medicationDisplay(m), Status: m.Status, Since: m.StartDate})
	}
	_, out.NoKnownAllergies, err = o.CurrentNoKnownAllergies(patientID)
	return err
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
