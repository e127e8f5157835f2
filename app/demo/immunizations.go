package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"folio/app"
)

// writeImmunizations gives a demo patient this season's flu shot, given
// here by the demo clinician, and a Tdap they had elsewhere some years ago
// (only its year is known, as from a vaccination card).
func writeImmunizations(chart *app.Chart, patientID string, r *rand.Rand, today time.Time) error {
	season := today.Year()
	if today.Month() < time.October {
		season--
	}
	given := time.Date(season, time.October, 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	if given.After(today) {
		given = today
	}
	doses := []app.ImmunizationInput{
		{CVX: "140", OccurredOn: given.Format("2006-01-02"), LotNumber: fmt.Sprintf("FL%05d", r.IntN(100000)),
			ExpirationDate: fmt.Sprintf("%d-06", season+1), Manufacturer: "Sanofi Pasteur", Site: "left_deltoid",
			Route: "intramuscular", Dose: "0.5 mL", Source: "given_here"},
		{CVX: "115", OccurredOn: fmt.Sprint(today.Year() - 3 - r.IntN(5)), Source: "elsewhere",
			Performer: "Previous clinic"},
	}
	for _, d := range doses {
		if _, err := chart.RecordImmunization(patientID, d); err != nil {
			return fmt.Errorf("immunization CVX %s: %w", d.CVX, err)
		}
	}
	return nil
}
