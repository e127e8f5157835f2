package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"folio/app"
)

// A demo child's vaccination card: the childhood schedule's visits, each
// at an age in months with the doses given then (CVX codes), as a clinic
// using combination vaccines gives them.
var childhoodVisits = []struct {
	months int
	cvx    []string
}{
	{0, []string{"08"}},                           // HepB
	{2, []string{"110", "48", "215", "116"}},      // Pediarix (DTaP-HepB-IPV), Hib PRP-T, PCV15, RotaTeq
	{4, []string{"110", "48", "215", "116"}},      //
	{6, []string{"110", "48", "215", "116"}},      //
	{12, []string{"03", "21", "83", "48", "215"}}, // MMR, varicella, HepA, Hib and PCV boosters
	{15, []string{"20"}},                          // DTaP dose 4
	{18, []string{"83"}},                          // HepA dose 2
	{48, []string{"130", "94"}},                   // Kinrix (DTaP-IPV), MMRV
	{132, []string{"115", "165", "114"}},          // Tdap, HPV, MenACWY
	{138, []string{"165"}},                        // HPV dose 2
	{192, []string{"136"}},                        // MenACWY booster
}

// childShare is how many children get a vaccination card for each adult
// given a chart: enough for the Recalls list to show childhood rows.
const childShare = 4

// generateChildDoses gives the first n children (under 18), in MRN order, a
// vaccination history: two in three had every visit of the schedule up to
// their age; the others stopped coming some visits ago, and are behind.
// It returns their MRNs.
func generateChildDoses(a *app.App, n int, seed int64, today time.Time) ([]string, error) {
	chart, patients, _, err := signInClinician(a)
	if err != nil {
		return nil, err
	}
	var done []string
	r := rand.New(rand.NewPCG(uint64(seed), 0xc41d))
	child := today.AddDate(-18, 0, 0).Format("2006-01-02")
	for mrn := int64(1); len(done) < n; mrn++ {
		hits, err := patients.Search(app.MRN(mrn), 1)
		if err != nil {
			return done, fmt.Errorf("find demo patient %s: %w", app.MRN(mrn), err)
		}
		if len(hits) == 0 {
			break // no more patients
		}
		if hits[0].BirthDate <= child {
			continue
		}
		born, err := time.Parse("2006-01-02", hits[0].BirthDate)
		if err != nil {
			return done, err
		}
		missed := 0
		if r.IntN(3) == 0 {
			missed = 1 + r.IntN(3)
		}
		if err := writeChildDoses(chart, hits[0].ID, born, today, missed); err != nil {
			return done, fmt.Errorf("demo vaccinations of %s: %w", app.MRN(mrn), err)
		}
		done = append(done, hits[0].MRN)
	}
	return done, nil
}

// writeChildDoses records the schedule's visits the child is old enough
// for, less the last missed ones, as doses given at a previous clinic.
func writeChildDoses(chart *app.Chart, patientID string, born, today time.Time, missed int) error {
	var due int
	for due < len(childhoodVisits) && !born.AddDate(0, childhoodVisits[due].months, 0).After(today) {
		due++
	}
	for _, v := range childhoodVisits[:max(due-missed, 0)] {
		on := born.AddDate(0, v.months, 0).Format("2006-01-02")
		for _, cvx := range v.cvx {
			if _, err := chart.RecordImmunization(patientID, app.ImmunizationInput{CVX: cvx, OccurredOn: on,
				Source: "elsewhere", Performer: "Children's clinic"}); err != nil {
				return fmt.Errorf("immunization CVX %s: %w", cvx, err)
			}
		}
	}
	return nil
}
