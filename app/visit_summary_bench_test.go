package app_test

import (
	"strconv"
	"testing"
)

// BenchmarkVisitSummary20Years prints the latest visit of the 20-year
// patient (500 signed visits, 300 medication records, 1,112 sets of vitals,
// 100 lab orders): the after-visit summary, which reads the medication
// list's versions against the visit's span, and the signed note's printout.
func BenchmarkVisitSummary20Years(b *testing.B) {
	ta := newTestApp(b)
	p := ta.register(b, samplePatient())
	bulkHistory(b, ta, p.ID, ta.Clinician.User.ID)
	latest := "bench-enc-" + strconv.Itoa(historyEncounters-1)
	if _, err := ta.Clinician.Chart.VisitSummary(latest); err != nil {
		b.Fatal(err)
	}
	b.Run("after-visit-summary", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.Clinician.Chart.VisitSummary(latest)
			return err
		})
	})
	b.Run("note-printout", func(b *testing.B) {
		timeEach(b, 1, func(int) error {
			_, err := ta.Clinician.Chart.NotePrintout(latest)
			return err
		})
	})
}
