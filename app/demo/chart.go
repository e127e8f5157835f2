package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"folio/app"
)

// A demo chart is written through the same use-cases a clinician's window
// calls, signed in as the demo clinician, so every row in it passed the
// checks a real one does and is audited like one.

// chartPlan is one kind of patient the demo charts: what they live with.
type chartPlan struct {
	problems    []app.ProblemInput
	allergies   []app.AllergyInput // none: "no known allergies" is recorded
	medications []app.MedicationInput
	assessment  string
	// weight in kg and systolic pressure at the start of the history; each
	// later set drifts from them.
	weight, systolic float64
}

var chartPlans = []chartPlan{
	{
		problems: []app.ProblemInput{{Code: "E11.9", Onset: "2014"}, {Code: "I10", Onset: "2011-05"},
			{Code: "E78.5", Onset: "2016"}},
		allergies: []app.AllergyInput{{Substance: "Penicillin", SubstanceKind: "drug_class", Reaction: "hives",
			Severity: "moderate", Onset: "1998"}},
		medications: []app.MedicationInput{
			{Drug: "metformin", Dose: "500 mg", Route: "oral", Frequency: "twice a day", Quantity: "60 tablets", Refills: 5},
			{Drug: "lisinopril", Dose: "10 mg", Route: "oral", Frequency: "once a day", Quantity: "30 tablets", Refills: 5},
			{Drug: "atorvastatin", Dose: "20 mg", Route: "oral", Frequency: "once a day at night", Quantity: "30 tablets", Refills: 5},
		},
		assessment: "Type 2 diabetes, fair control. Hypertension at goal.",
		weight:     92, systolic: 142,
	},
	{
		problems: []app.ProblemInput{{Code: "J45.909", Onset: "2005"}, {Code: "E03.9", Onset: "2019-02"}},
		medications: []app.MedicationInput{
			{Drug: "albuterol", Dose: "2 puffs", Route: "inhaled", Frequency: "as needed for wheeze", Quantity: "1 inhaler", Refills: 2},
			{Drug: "levothyroxine", Dose: "75 mcg", Route: "oral", Frequency: "once a day before breakfast",
				Quantity: "30 tablets", Refills: 11},
		},
		assessment: "Asthma well controlled. Hypothyroidism on replacement.",
		weight:     64, systolic: 118,
	},
	{
		problems: []app.ProblemInput{{Code: "F32.9", Onset: "2021-09"}, {Code: "K21.9", Onset: "2018"}},
		allergies: []app.AllergyInput{{Substance: "Peanuts", SubstanceKind: "food", Reaction: "throat swelling",
			Severity: "severe", Onset: "1990"}},
		medications: []app.MedicationInput{
			{Drug: "sertraline", Dose: "50 mg", Route: "oral", Frequency: "once a day", Quantity: "30 tablets", Refills: 3},
			{Drug: "omeprazole", Dose: "20 mg", Route: "oral", Frequency: "once a day", Quantity: "30 capsules",
				Source: "elsewhere", Prescriber: "Dr. Amira Haddad (gastroenterology)"},
		},
		assessment: "Depression improving on sertraline. Reflux controlled.",
		weight:     71, systolic: 124,
	},
}

// vitalsPerChart is how many sets of vitals a demo chart holds, one every
// few months back in time from today.
const vitalsPerChart = 12

// signInClinician opens a session for the demo clinician (who must exist)
// and returns its chart and patient services, and the clinician's user id.
func signInClinician(a *app.App) (*app.Chart, *app.Patients, string, error) {
	s := a.NewSession("demo")
	var auth *app.Auth
	var chart *app.Chart
	var patients *app.Patients
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Chart:
			chart = v
		case *app.Patients:
			patients = v
		}
	}
	u, err := auth.Login(demoClinician.Username, demoClinician.Password)
	if err != nil {
		return nil, nil, "", fmt.Errorf("sign in as the demo clinician %s: %w", demoClinician.Username, err)
	}
	return chart, patients, u.ID, nil
}

// demoClinician is the account the demo charts are written by.
var demoClinician = demoAccounts[1]

// chartMinAge is the youngest a charted demo patient is: the plans are
// adults' histories, with adult doses and vitals.
const chartMinAge = 30

// generateCharts gives the first n adult demo patients, in MRN order, a
// clinical chart, and returns their MRNs.
func generateCharts(a *app.App, n int, seed int64, today time.Time) ([]string, error) {
	chart, patients, clinicianID, err := signInClinician(a)
	if err != nil {
		return nil, err
	}
	var charted []string
	r := rand.New(rand.NewPCG(uint64(seed), 0xc4a27))
	// The home readings draw from their own stream: the charts stay as
	// they were before them.
	home := rand.New(rand.NewPCG(uint64(seed), 0x4e4d))
	adult := today.AddDate(-chartMinAge, 0, 0).Format("2006-01-02")
	for mrn := int64(1); len(charted) < n; mrn++ {
		hits, err := patients.Search(app.MRN(mrn), 1)
		if err != nil {
			return charted, fmt.Errorf("find demo patient %s: %w", app.MRN(mrn), err)
		}
		if len(hits) == 0 {
			break // no more patients
		}
		if hits[0].BirthDate > adult {
			continue
		}
		plan := chartPlans[len(charted)%len(chartPlans)]
		if err := writeChart(chart, hits[0].ID, plan, r, today); err != nil {
			return charted, fmt.Errorf("demo chart of %s: %w", app.MRN(mrn), err)
		}
		if err := writeCareHistory(chart, patients, hits[0].ID, clinicianID, plan, r, today); err != nil {
			return charted, fmt.Errorf("demo care history of %s: %w", app.MRN(mrn), err)
		}
		if err := writeMonitoring(a, chart, hits[0].ID, clinicianID, len(charted), home, today); err != nil {
			return charted, fmt.Errorf("demo home readings of %s: %w", app.MRN(mrn), err)
		}
		charted = append(charted, hits[0].MRN)
	}
	return charted, nil
}

// writeChart writes one patient's history as plan says.
func writeChart(chart *app.Chart, patientID string, plan chartPlan, r *rand.Rand, today time.Time) error {
	for _, p := range plan.problems {
		p.Status = "active"
		if _, err := chart.AddProblem(patientID, p); err != nil {
			return fmt.Errorf("problem %s: %w", p.Code, err)
		}
	}
	if len(plan.allergies) == 0 {
		if _, err := chart.RecordNoKnownAllergies(patientID); err != nil {
			return fmt.Errorf("no known allergies: %w", err)
		}
	}
	for _, al := range plan.allergies {
		al.Status = "active"
		if _, err := chart.AddAllergy(patientID, al); err != nil {
			return fmt.Errorf("allergy %s: %w", al.Substance, err)
		}
	}
	for _, m := range plan.medications {
		// The current prescription, written in the last half year: most
		// have supply left, some run out within the fortnight (refills due).
		m.StartDate = today.AddDate(0, 0, -r.IntN(190)).Format("2006-01-02")
		if m.Source == "" {
			m.Source = "prescribed_here"
		}
		if _, err := chart.AddMedication(patientID, m, nil); err != nil {
			return fmt.Errorf("medication %s: %w", m.Drug, err)
		}
	}
	height := 150 + float64(r.IntN(40))
	for k := vitalsPerChart - 1; k >= 0; k-- {
		weight := plan.weight + float64(r.IntN(41)-20)/10 - float64(k)/4
		systolic := plan.systolic + float64(r.IntN(13)-6) + float64(k)/2
		systolic = math.Round(systolic)
		diastolic := math.Round(systolic*0.6) + float64(r.IntN(7)-3)
		pulse := 62 + float64(r.IntN(20))
		spo2 := 96 + float64(r.IntN(4))
		temp := 36.4 + float64(r.IntN(6))/10
		taken := today.AddDate(0, -3*k, -r.IntN(20)).Add(-time.Duration(r.IntN(8)) * time.Hour)
		if _, err := chart.RecordVitals(patientID, app.VitalsInput{TakenAt: taken.UTC().Format(time.RFC3339),
			Height: &height, HeightUnit: "cm", Weight: &weight, WeightUnit: "kg", Systolic: &systolic,
			Diastolic: &diastolic, Pulse: &pulse, SpO2: &spo2, Temperature: &temp, TemperatureUnit: "C"}); err != nil {
			return fmt.Errorf("vitals: %w", err)
		}
	}
	if err := writeImmunizations(chart, patientID, r, today); err != nil {
		return err
	}
	return writeVisit(chart, patientID, plan)
}

// writeVisit opens today's walk-in visit and signs its note.
func writeVisit(chart *app.Chart, patientID string, plan chartPlan) error {
	e, err := chart.OpenEncounter(patientID, "")
	if err != nil {
		return fmt.Errorf("open a visit: %w", err)
	}
	e, err = chart.SaveDraft(e.ID, app.NoteText{
		Subjective: "Routine review. Feels well, no new complaints.",
		Objective:  "Alert, well. Heart and lungs normal. Vitals as recorded.",
		Assessment: plan.assessment,
		Plan:       "Continue current medications. Review in 3 months.",
	}, e.Note.DraftVersion)
	if err != nil {
		return fmt.Errorf("save the visit note: %w", err)
	}
	if _, err := chart.SignNote(e.ID, e.Version); err != nil {
		return fmt.Errorf("sign the visit note: %w", err)
	}
	return nil
}
