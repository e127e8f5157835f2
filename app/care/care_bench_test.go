package care

import "testing"

// BenchmarkEvaluate is the due list's cost per chart (it runs for each of
// a clinic's patients): an adult, whom the childhood rules' ages pass over,
// and a child of 15 months with a full history.
func BenchmarkEvaluate(b *testing.B) {
	adult := Facts{BirthDate: "1970-05-01", Sex: "female", Problems: []Problem{{ICD10: "E11.9"}, {ICD10: "I10"}},
		Meds:  []Med{{Generic: "lisinopril", Classes: []string{"ACE inhibitors"}}},
		Labs:  []Lab{{LOINC: "4548-4", On: "2026-09-01", Value: num(7.4)}},
		Doses: []Dose{{CVX: "140", On: "2026-10-03"}, {CVX: "115", On: "2020"}},
		BPs:   []BP{{On: "2026-11-01", Systolic: 138, Diastolic: 84}}}
	child := Facts{BirthDate: "2025-09-07", Sex: "male"}
	for _, on := range []string{"2025-11-07", "2026-01-07", "2026-03-07"} {
		child.Doses = append(child.Doses, Dose{CVX: "110", On: on}, Dose{CVX: "48", On: on}, Dose{CVX: "215", On: on},
			Dose{CVX: "116", On: on})
	}
	child.Doses = append(child.Doses, Dose{CVX: "08", On: "2025-09-07"}, Dose{CVX: "94", On: "2026-09-07"},
		Dose{CVX: "83", On: "2026-09-07"}, Dose{CVX: "48", On: "2026-09-07"}, Dose{CVX: "215", On: "2026-09-07"})
	for _, c := range []struct {
		name  string
		facts Facts
	}{{"adult", adult}, {"child", child}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(Rules(), c.facts, asOf)
			}
		})
	}
}
