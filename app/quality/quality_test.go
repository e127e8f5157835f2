package quality

import (
	"testing"
	"time"

	"folio/app/care"
)

var asOf = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func num(v float64) *float64 { return &v }

// TestEvaluate: each measure's denominator, numerator and exclusions.
func TestEvaluate(t *testing.T) {
	diabetic := []care.Problem{{ICD10: "E11.9"}}
	hypertensive := []care.Problem{{ICD10: "I10"}}
	for _, c := range []struct {
		name    string
		measure string
		f       Facts
		in      bool
		status  Status
		why     string
	}{
		{"too old for CMS122", "cms122", Facts{Facts: care.Facts{BirthDate: "1946-01-01", Problems: diabetic}}, false, "", ""},
		{"no diabetes", "cms122", Facts{Facts: care.Facts{BirthDate: "1970-01-01"}}, false, "", ""},
		{"HbA1c above 9", "cms122", Facts{Facts: care.Facts{BirthDate: "1970-01-01", Problems: diabetic,
			Labs: []care.Lab{{LOINC: "4548-4", On: "2026-01-01", Value: num(7)}, {LOINC: "4548-4", On: "2026-10-01", Value: num(9.5)}}}},
			true, Met, "HbA1c 9.5 % on 2026-10-01"},
		{"HbA1c at 9 is not above", "cms122", Facts{Facts: care.Facts{BirthDate: "1970-01-01", Problems: diabetic,
			Labs: []care.Lab{{LOINC: "17856-6", On: "2026-10-01", Value: num(9)}}}}, true, NotMet, "HbA1c 9 % on 2026-10-01"},
		{"HbA1c older than 12 months", "cms122", Facts{Facts: care.Facts{BirthDate: "1970-01-01", Problems: diabetic,
			Labs: []care.Lab{{LOINC: "4548-4", On: "2025-12-07", Value: num(6)}}}}, true, Met, "no HbA1c in the 12 months"},
		{"HbA1c without a value", "cms122", Facts{Facts: care.Facts{BirthDate: "1970-01-01", Problems: diabetic,
			Labs: []care.Lab{{LOINC: "4548-4", On: "2026-11-01"}}}}, true, Met, "HbA1c on 2026-11-01 without a value"},
		{"a result after the day is not known yet", "cms122", Facts{Facts: care.Facts{BirthDate: "1970-01-01", Problems: diabetic,
			Labs: []care.Lab{{LOINC: "4548-4", On: "2026-12-08", Value: num(6)}}}}, true, Met, "no HbA1c in the 12 months"},
		{"BP below 140/90", "cms165", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Problems: hypertensive,
			BPs: []care.BP{{On: "2026-03-01", Systolic: 150, Diastolic: 95}, {On: "2026-11-01", Systolic: 139, Diastolic: 89}}}},
			true, Met, "139/89 on 2026-11-01"},
		{"BP 140 systolic", "cms165", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Problems: hypertensive,
			BPs: []care.BP{{On: "2026-11-01", Systolic: 140, Diastolic: 80}}}}, true, NotMet, "140/80 on 2026-11-01"},
		{"hospice", "cms165", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Problems: append(hypertensive, care.Problem{ICD10: "Z51.5"})}},
			true, Excluded, "problem Z51.5"},
		{"end-stage kidney disease", "cms165", Facts{Facts: care.Facts{BirthDate: "1960-01-01",
			Problems: append(hypertensive, care.Problem{ICD10: "N18.6"})}}, true, Excluded, "problem N18.6"},
		{"51 is too young for CMS125", "cms125", Facts{Facts: care.Facts{BirthDate: "1975-01-01", Sex: "female"}}, false, "", ""},
		{"men are not in CMS125", "cms125", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Sex: "male"}}, false, "", ""},
		{"mammogram 26 months ago", "cms125", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Sex: "female",
			Procedures: []care.Procedure{{Code: "77067", On: "2024-10-07"}}}}, true, Met, "Mammogram on 2024-10-07"},
		{"mammogram 28 months ago", "cms125", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Sex: "female",
			Procedures: []care.Procedure{{Code: "77067", On: "2024-08-01"}}}}, true, NotMet, "last mammogram on 2024-08-01"},
		{"clinician's exclusion", "cms125", Facts{Facts: care.Facts{BirthDate: "1960-01-01", Sex: "female",
			Excluded: map[string]string{"breast-cancer-screening": "excluded on 2026-01-01: mastectomy"}}}, true, Excluded,
			"excluded on 2026-01-01: mastectomy"},
		{"HPV 4 years ago", "cms124", Facts{Facts: care.Facts{BirthDate: "1986-01-01", Sex: "female",
			Labs: []care.Lab{{LOINC: "21440-3", On: "2022-12-08"}}}}, true, Met, "High-risk HPV test on 2022-12-08"},
		{"cytology 4 years ago", "cms124", Facts{Facts: care.Facts{BirthDate: "1986-01-01", Sex: "female",
			Labs: []care.Lab{{LOINC: "10524-7", On: "2022-12-08"}}}}, true, NotMet, "last cervical cytology on 2022-12-08"},
		{"colectomy", "cms130", Facts{Facts: care.Facts{BirthDate: "1970-01-01",
			Procedures: []care.Procedure{{Code: "26390003", On: "2010-01-01"}}}}, true, Excluded, "procedure 26390003 on 2010-01-01"},
		{"never asked about tobacco", "cms138", Facts{Facts: care.Facts{BirthDate: "1990-01-01"}}, true, NotMet, "not asked in the 12 months"},
		{"former smoker", "cms138", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Procedures: []care.Procedure{{Code: "72166-2", On: "2026-05-01", Result: "Former smoker"}}}}, true, Met,
			"asked on 2026-05-01: Former smoker"},
		{"smoker without support", "cms138", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Procedures: []care.Procedure{{Code: "72166-2", On: "2026-05-01", Result: "Current some day smoker"}}}}, true, NotMet,
			"user (asked on 2026-05-01), no cessation support"},
		{"smoker counseled", "cms138", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Procedures: []care.Procedure{{Code: "72166-2", On: "2026-05-01", Result: "current every day smoker"},
				{Code: "99406", On: "2026-05-01"}}}}, true, Met, "user; counseled on 2026-05-01"},
		{"smoker on varenicline", "cms138", Facts{Facts: care.Facts{BirthDate: "1990-01-01", Meds: []care.Med{{Generic: "varenicline"}},
			Procedures: []care.Procedure{{Code: "72166-2", On: "2026-05-01", Result: "smoker"}}}}, true, Met, "user; on varenicline"},
		{"unclear result, a smoker on the problem list", "cms138", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Problems: []care.Problem{{ICD10: "F17.210"}}, Procedures: []care.Procedure{{Code: "72166-2", On: "2026-05-01", Result: "asked"}}}},
			true, NotMet, "user (asked on 2026-05-01), no cessation support"},
		{"11 is too young for CMS138", "cms138", Facts{Facts: care.Facts{BirthDate: "2015-01-01"}}, false, "", ""},
		{"turned 2 without doses", "cms117", Facts{Facts: care.Facts{BirthDate: "2024-06-10"}}, true, NotMet,
			"missing: DTaP 0 of 4, IPV 0 of 3, MMR 0 of 1, HiB 0 of 3, HepB 0 of 3, VZV 0 of 1, PCV 0 of 4, HepA 0 of 1, RV 0 of 3, Influenza 0 of 2"},
		{"turned 2 two years ago", "cms117", Facts{Facts: care.Facts{BirthDate: "2023-06-10"}}, false, "", ""},
		{"not yet 2", "cms117", Facts{Facts: care.Facts{BirthDate: "2025-01-10"}}, false, "", ""},
		{"not seen this season", "cms147", Facts{Facts: care.Facts{BirthDate: "1990-01-01"}, Visits: []string{"2026-07-01"}}, false, "", ""},
		{"seen and vaccinated", "cms147", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Doses: []care.Dose{{CVX: "140", On: "2026-09-15"}}}, Visits: []string{"2026-10-01"}}, true, Met, "given on 2026-09-15"},
		{"seen, last season's dose", "cms147", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Doses: []care.Dose{{CVX: "140", On: "2025-10-15"}}}, Visits: []string{"2026-10-01"}}, true, NotMet, "not given this season"},
		{"seen and declined", "cms147", Facts{Facts: care.Facts{BirthDate: "1990-01-01",
			Declined: map[string]string{"influenza-vaccine": "2026-10-01"}}, Visits: []string{"2026-10-01"}}, true, Excluded,
			"declined on 2026-10-01"},
		{"a baby of 4 months", "cms147", Facts{Facts: care.Facts{BirthDate: "2026-08-01"}, Visits: []string{"2026-10-01"}}, false, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, in := Evaluate(ByID(c.measure), c.f, asOf)
			if in != c.in || got.Status != c.status || got.Why != c.why {
				t.Errorf("%s: %v %+v; want %v %s %q", c.measure, in, got, c.in, c.status, c.why)
			}
		})
	}
}

// TestChildhoodSeriesDone: every series by the second birthday meets
// CMS117; a dose after it does not count.
func TestChildhoodSeriesDone(t *testing.T) {
	var doses []care.Dose
	for _, d := range []struct{ cvx, on string }{
		{"146", "2024-08-10"}, {"146", "2024-10-10"}, {"146", "2024-12-10"}, {"20", "2025-09-10"},
		{"133", "2024-08-10"}, {"133", "2024-10-10"}, {"133", "2024-12-10"}, {"133", "2025-06-10"},
		{"116", "2024-08-10"}, {"116", "2024-10-10"}, {"116", "2024-12-10"}, {"94", "2025-06-12"}, {"83", "2025-06-12"},
		{"140", "2025-10-01"}, {"140", "2025-11-01"},
	} {
		doses = append(doses, care.Dose{CVX: d.cvx, On: d.on})
	}
	f := Facts{Facts: care.Facts{BirthDate: "2024-06-10", Doses: doses}}
	if got, in := Evaluate(ByID("cms117"), f, asOf); !in || got.Status != Met {
		t.Errorf("every series done: %v %+v", in, got)
	}
	f.Doses[len(f.Doses)-1].On = "2026-06-11" // the day after the birthday
	if got, _ := Evaluate(ByID("cms117"), f, asOf); got.Status != NotMet || got.Why != "missing: Influenza 1 of 2" {
		t.Errorf("a dose after the birthday: %+v", got)
	}
}

func TestTrendMonths(t *testing.T) {
	months, ends := TrendMonths(asOf)
	if len(months) != 12 || months[0] != "2026-11" || months[11] != "2025-12" ||
		ends[0].Format("2006-01-02") != "2026-11-30" || ends[11].Format("2006-01-02") != "2025-12-31" {
		t.Errorf("months %v, ends %v", months, ends)
	}
	if _, ends := TrendMonths(time.Date(2027, 3, 31, 12, 0, 0, 0, time.UTC)); ends[0].Format("2006-01-02") != "2027-02-28" {
		t.Errorf("February ends %v", ends[0])
	}
}

// TestMeasuresNameTheirSources: every measure has its eCQM id and version,
// and every code list it names resolves.
func TestMeasuresNameTheirSources(t *testing.T) {
	if len(Measures()) != 8 {
		t.Errorf("%d measures", len(Measures()))
	}
	for _, m := range Measures() {
		if len(m.CMS) < 8 || m.CMS[:3] != "CMS" || m.Simplified == "" {
			t.Errorf("%s: %q %q", m.ID, m.CMS, m.Simplified)
		}
	}
	if _, err := load([]byte(`{"measures":[{"id":"x","cms":"CMS1v1","title":"X","source":"s","simplified":"s","kind":"rule","rule":"nope"}]}`),
		care.Rules()); err == nil {
		t.Error("a measure naming no care rule loaded")
	}
}
