package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"folio/app"
)

// writeCareHistory gives a charted demo patient what the care rules and
// the clinic's quality measures read, as a clinic's charts hold it: the
// demo clinician as primary clinician, a diabetic's HbA1c results over two
// years (some above 9 %), the smoking status asked (and counseling for
// some smokers), and screenings done here or elsewhere, some of them long
// ago. The quality dashboard of a demo clinic then shows believable rates.
func writeCareHistory(chart *app.Chart, patients *app.Patients, patientID, clinicianID string, plan chartPlan,
	r *rand.Rand, today time.Time) error {
	p, err := patients.Open(patientID)
	if err != nil {
		return err
	}
	in := p.PatientInput
	in.PrimaryClinicianID = clinicianID
	if _, err := patients.Correct(patientID, in, "primary clinician chosen", p.Version); err != nil {
		return fmt.Errorf("primary clinician: %w", err)
	}
	day := func(monthsAgo int) string {
		return today.AddDate(0, -monthsAgo, -r.IntN(25)).Format("2006-01-02")
	}
	if hasProblem(plan, "E11") {
		base := 6.6 + float64(r.IntN(30))/10 // 6.6-9.5 %
		for k := 7; k >= 0; k-- {
			if k == 0 && r.IntN(5) == 0 {
				break // the latest is overdue for some
			}
			value := base + float64(r.IntN(9)-4)/10 + float64(k)/20
			if _, err := chart.RecordLabResult(patientID, app.LabResultInput{LOINC: "4548-4",
				Value: fmt.Sprintf("%.1f", value), Unit: "%", ObservedAt: day(3*k + 1)}); err != nil {
				return fmt.Errorf("HbA1c: %w", err)
			}
		}
	}
	if r.IntN(100) < 85 {
		status := "Never smoker"
		switch x := r.IntN(100); {
		case x < 15:
			status = "Current every day smoker"
		case x < 40:
			status = "Former smoker"
		}
		if err := record(chart, patientID, "tobacco-use-screening", "http://loinc.org", "72166-2", day(r.IntN(11)),
			status); err != nil {
			return err
		}
		if strings.HasPrefix(status, "Current") && r.IntN(2) == 0 {
			if err := record(chart, patientID, "tobacco-cessation", "http://snomed.info/sct", "225323000", day(r.IntN(6)),
				"advised to quit, quit line given"); err != nil {
				return err
			}
		}
	}
	born, err := time.Parse("2006-01-02", p.BirthDate)
	if err != nil {
		return err
	}
	age := today.Sub(born).Hours() / 24 / 365.25
	female := p.Sex == "female"
	if female && age >= 50 && age < 75 && r.IntN(100) < 80 {
		monthsAgo := 2 + r.IntN(24)
		if r.IntN(4) == 0 {
			monthsAgo = 30 + r.IntN(12) // lapsed
		}
		if err := record(chart, patientID, "breast-cancer-screening", "http://snomed.info/sct", "24623002",
			day(monthsAgo), "BI-RADS 1, negative"); err != nil {
			return err
		}
	}
	if female && age >= 21 && age < 65 && r.IntN(100) < 70 {
		if err := record(chart, patientID, "cervical-cancer-screening", "http://snomed.info/sct", "171149006",
			day(1+r.IntN(40)), "NILM"); err != nil {
			return err
		}
	}
	if age >= 45 && age < 76 {
		switch x := r.IntN(100); {
		case x < 55:
			err = record(chart, patientID, "colorectal-cancer-screening", "http://snomed.info/sct", "73761001",
				day(6+r.IntN(100)), "normal")
		case x < 70:
			err = record(chart, patientID, "colorectal-cancer-screening", "http://loinc.org", "57905-2",
				day(r.IntN(18)), "negative")
		}
	}
	return err
}

// record charts a screening or assessment done on day, here.
func record(chart *app.Chart, patientID, ruleID, system, code, day, result string) error {
	_, err := chart.RecordCare(patientID, app.CareRecordInput{Kind: "done", RuleID: ruleID, CodeSystem: system,
		Code: code, PerformedOn: day, Source: "here", Result: result})
	if err != nil {
		return fmt.Errorf("%s %s: %w", ruleID, code, err)
	}
	return nil
}

func hasProblem(plan chartPlan, prefix string) bool {
	for _, p := range plan.problems {
		if strings.HasPrefix(p.Code, prefix) {
			return true
		}
	}
	return false
}
