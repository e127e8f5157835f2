package care

import (
	"strings"
	"testing"
	"time"
)

var asOf = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func num(v float64) *float64 { return &v }

// find is the result for rule id, or nil when the rule does not apply.
func find(rs []Result, id string) *Result {
	for i := range rs {
		if rs[i].Rule.ID == id {
			return &rs[i]
		}
	}
	return nil
}

func TestRulesLoadWithTheirSources(t *testing.T) {
	rs := Rules()
	if len(rs) < 25 {
		t.Fatalf("%d rules, want the USPSTF, ACIP and chronic-care ones", len(rs))
	}
	for _, r := range rs {
		if !strings.Contains(r.Source, "(") {
			t.Errorf("rule %s names no version or year in its source: %q", r.ID, r.Source)
		}
	}
	bad := []string{
		`{"rules":[{"id":"x","title":"X","kind":"screening","source":"S","doneBy":[]}]}`,
		`{"rules":[{"id":"x","title":"X","kind":"nonsense","source":"S","doneBy":[{"name":"a","everyMonths":1}]}]}`,
		`{"rules":[{"id":"x","title":"X","kind":"screening","source":"S","doneBy":[{"name":"a"}]}]}`,
		`{"rules":[{"id":"x","title":"X","kind":"screening","source":"","doneBy":[{"name":"a","everyMonths":1}]}]}`,
	}
	for _, b := range bad {
		if _, err := Load([]byte(b)); err == nil {
			t.Errorf("Load(%s) took a rule that cannot be evaluated", b)
		}
	}
}

func TestEvaluate(t *testing.T) {
	diabetic := func(born string) Facts {
		return Facts{BirthDate: born, Sex: "male", Problems: []Problem{{ICD10: "E11.9"}}}
	}
	cases := []struct {
		name   string
		facts  Facts
		rule   string
		status Status // "" when the rule must not apply
		dueOn  string
		how    string
	}{
		// The example: diabetics of 50 and 89 with nothing charted.
		{"a diabetic of 50 with no HbA1c is due one", diabetic("1976-03-01"), "diabetes-a1c", Due, "2026-12-07", ""},
		{"a diabetic of 89 is due an eye exam", diabetic("1937-05-01"), "diabetes-eye", Due, "2026-12-07", ""},
		{"a diabetic of 89 is due the RSV vaccine from 75", diabetic("1937-05-01"), "rsv-vaccine", Due, "2012-05-01", ""},
		{"a diabetic of 89 is past colorectal screening", diabetic("1937-05-01"), "colorectal-cancer-screening", "", "", ""},
		{"HbA1c at goal lasts 6 months", func() Facts {
			f := diabetic("1976-03-01")
			f.Labs = []Lab{{LOINC: "4548-4", On: "2026-09-01", Value: num(6.5)}}
			return f
		}(), "diabetes-a1c", UpToDate, "2027-03-01", "HbA1c"},
		{"HbA1c above goal is due again in 3 months", func() Facts {
			f := diabetic("1976-03-01")
			f.Labs = []Lab{{LOINC: "4548-4", On: "2026-08-01", Value: num(8.2)}}
			return f
		}(), "diabetes-a1c", Due, "2026-11-01", "HbA1c"},
		{"the latest HbA1c counts, not the first found", func() Facts {
			f := diabetic("1976-03-01")
			f.Labs = []Lab{{LOINC: "4548-4", On: "2026-10-01", Value: num(6.9)}, {LOINC: "4548-4", On: "2025-01-01", Value: num(9)}}
			return f
		}(), "diabetes-a1c", UpToDate, "2027-04-01", "HbA1c"},
		{"no diabetes, no HbA1c rule", Facts{BirthDate: "1976-03-01", Sex: "male"}, "diabetes-a1c", "", "", ""},

		// Colorectal: each modality its own interval; exclusions.
		{"never screened at 50: due since 45", Facts{BirthDate: "1976-03-01", Sex: "female"}, "colorectal-cancer-screening", Due, "2021-03-01", ""},
		{"colonoscopy 6 years ago lasts 10", Facts{BirthDate: "1976-03-01", Sex: "female",
			Procedures: []Procedure{{Code: "73761001", On: "2020-06-01"}}}, "colorectal-cancer-screening", UpToDate, "2030-06-01", "Colonoscopy"},
		{"a FIT 13 months ago is over", Facts{BirthDate: "1976-03-01", Sex: "female",
			Labs: []Lab{{LOINC: "57905-2", On: "2025-11-01"}}}, "colorectal-cancer-screening", Due, "2026-11-01", "FIT (stool test for blood)"},
		{"the modality lasting longest counts: an old colonoscopy over a newer FIT", Facts{BirthDate: "1976-03-01", Sex: "female",
			Labs: []Lab{{LOINC: "57905-2", On: "2025-01-01"}}, Procedures: []Procedure{{Code: "45378", On: "2019-01-01"}}},
			"colorectal-cancer-screening", UpToDate, "2029-01-01", "Colonoscopy"},
		{"colon cancer excludes", Facts{BirthDate: "1976-03-01", Sex: "female", Problems: []Problem{{ICD10: "C18.7"}}},
			"colorectal-cancer-screening", Excluded, "", ""},
		{"a total colectomy (SNOMED) excludes", Facts{BirthDate: "1976-03-01", Sex: "female",
			Procedures: []Procedure{{Code: "26390003", On: "2010-01-01"}}}, "colorectal-cancer-screening", Excluded, "", ""},
		{"a clinician's exclusion", Facts{BirthDate: "1976-03-01", Sex: "female",
			Excluded: map[string]string{"colorectal-cancer-screening": "life expectancy"}}, "colorectal-cancer-screening", Excluded, "", ""},
		{"declined 3 months ago holds", Facts{BirthDate: "1976-03-01", Sex: "female",
			Declined: map[string]string{"colorectal-cancer-screening": "2026-09-01"}}, "colorectal-cancer-screening", Declined, "2021-03-01", ""},
		{"declined 13 months ago is asked again", Facts{BirthDate: "1976-03-01", Sex: "female",
			Declined: map[string]string{"colorectal-cancer-screening": "2025-11-01"}}, "colorectal-cancer-screening", Due, "2021-03-01", ""},
		{"at 44 not yet", Facts{BirthDate: "1982-12-08", Sex: "female"}, "colorectal-cancer-screening", "", "", ""},

		// Sex, and the age bands.
		{"a man has no mammogram", Facts{BirthDate: "1970-01-01", Sex: "male"}, "breast-cancer-screening", "", "", ""},
		{"a mammogram 2 years ago is due again", Facts{BirthDate: "1970-01-01", Sex: "female",
			Procedures: []Procedure{{Code: "77067", On: "2024-12-01"}}}, "breast-cancer-screening", Due, "2026-12-01", "Mammogram"},
		{"a hysterectomy excludes cervical screening", Facts{BirthDate: "1980-01-01", Sex: "female",
			Problems: []Problem{{ICD10: "Z90.710"}}}, "cervical-cancer-screening", Excluded, "", ""},
		{"an HPV test lasts 5 years from 30", Facts{BirthDate: "1980-01-01", Sex: "female",
			Labs: []Lab{{LOINC: "21440-3", On: "2023-01-01"}}}, "cervical-cancer-screening", UpToDate, "2028-01-01", "High-risk HPV test"},
		{"at 25 cytology every 3 years", Facts{BirthDate: "2001-01-01", Sex: "female",
			Labs: []Lab{{LOINC: "10524-7", On: "2023-01-01"}}}, "cervical-cancer-screening-cytology", Due, "2026-01-01", "Cervical cytology"},

		// Risk conditions.
		{"overweight at 40: diabetes screening", Facts{BirthDate: "1986-01-01", Sex: "male", BMI: 27}, "diabetes-screening", Due, "2026-12-07", ""},
		{"a BMI of 22: no diabetes screening", Facts{BirthDate: "1986-01-01", Sex: "male", BMI: 22}, "diabetes-screening", "", "", ""},
		{"a former smoker of 70: aortic ultrasound once", Facts{BirthDate: "1956-01-01", Sex: "male",
			Problems: []Problem{{ICD10: "Z87.891"}}}, "aaa-screening", Due, "2026-12-07", ""},
		{"done once is done for good", Facts{BirthDate: "1956-01-01", Sex: "male", Problems: []Problem{{ICD10: "Z87.891"}},
			Procedures: []Procedure{{Code: "76706", On: "2022-01-01"}}}, "aaa-screening", UpToDate, "9999-12-31", "Aortic ultrasound"},
		{"a non-smoker has no aortic ultrasound", Facts{BirthDate: "1956-01-01", Sex: "male"}, "aaa-screening", "", "", ""},

		// Vaccines: series and intervals.
		{"one zoster dose is not the series", Facts{BirthDate: "1966-01-01", Sex: "male",
			Doses: []Dose{{CVX: "187", On: "2026-01-01"}}}, "zoster-vaccine", Due, "2016-01-01", ""},
		{"two zoster doses complete it", Facts{BirthDate: "1966-01-01", Sex: "male",
			Doses: []Dose{{CVX: "187", On: "2026-01-01"}, {CVX: "187", On: "2026-04-01"}}}, "zoster-vaccine", UpToDate, "9999-12-31", "Recombinant zoster vaccine, 2 doses"},
		{"a Td from elsewhere with a year only", Facts{BirthDate: "1966-01-01", Sex: "male",
			Doses: []Dose{{CVX: "139", On: "2020"}}}, "td-tdap-vaccine", UpToDate, "2030-01-01", "Td or Tdap"},
		{"this season's flu dose", Facts{BirthDate: "1966-01-01", Sex: "male",
			Doses: []Dose{{CVX: "197", On: "2026-10-01"}}}, "influenza-vaccine", UpToDate, "2027-08-01", "Influenza vaccine"},
		{"last season's flu dose", Facts{BirthDate: "1966-01-01", Sex: "male",
			Doses: []Dose{{CVX: "197", On: "2025-10-01"}}}, "influenza-vaccine", Due, "2026-08-01", "Influenza vaccine"},
		{"a flu dose by name only", Facts{BirthDate: "1966-01-01", Sex: "male",
			Doses: []Dose{{Vaccine: "Influenza, unspecified", On: "2026-09-15"}}}, "influenza-vaccine", UpToDate, "2027-08-01", "Influenza vaccine"},
		{"a baby of 3 months: no flu vaccine yet", Facts{BirthDate: "2026-09-01", Sex: "male"}, "influenza-vaccine", "", "", ""},

		// Drug monitoring, and blood pressure.
		{"levothyroxine: TSH a year on", Facts{BirthDate: "1966-01-01", Sex: "female", Meds: []Med{{Generic: "levothyroxine", Classes: []string{"thyroid hormones"}}},
			Labs: []Lab{{LOINC: "3016-3", On: "2025-10-01"}}}, "levothyroxine-tsh", Due, "2026-10-01", "TSH"},
		{"an ARB by class: potassium", Facts{BirthDate: "1966-01-01", Sex: "female", Meds: []Med{{Generic: "losartan", Classes: []string{"angiotensin II receptor blockers"}}}},
			"potassium-on-raas-diuretic", Due, "2026-12-07", ""},
		{"warfarin: INR within 4 weeks", Facts{BirthDate: "1966-01-01", Sex: "female", Meds: []Med{{Generic: "warfarin"}},
			Labs: []Lab{{LOINC: "6301-6", On: "2026-11-20", Value: num(2.4)}}}, "warfarin-inr", UpToDate, "2026-12-20", "INR"},
		{"hypertension above goal: recheck in 3 months", Facts{BirthDate: "1966-01-01", Sex: "female", Problems: []Problem{{ICD10: "I10"}},
			BPs: []BP{{On: "2026-08-01", Systolic: 128, Diastolic: 94}}}, "hypertension-bp-recheck", Due, "2026-11-01", "Blood pressure taken"},
		{"hypertension at goal: 6 months", Facts{BirthDate: "1966-01-01", Sex: "female", Problems: []Problem{{ICD10: "I10"}},
			BPs: []BP{{On: "2026-08-01", Systolic: 128, Diastolic: 84}}}, "hypertension-bp-recheck", UpToDate, "2027-02-01", "Blood pressure taken"},

		// The clinic's settings.
		{"a rule switched off", Facts{BirthDate: "1976-03-01", Sex: "female",
			Settings: map[string]Setting{"colorectal-cancer-screening": {Off: true}}}, "colorectal-cancer-screening", "", "", ""},
		{"another interval", Facts{BirthDate: "1966-01-01", Sex: "female", Meds: []Med{{Generic: "warfarin"}},
			Labs: []Lab{{LOINC: "6301-6", On: "2026-11-01"}}, Settings: map[string]Setting{"warfarin-inr": {EveryMonths: 3}}},
			"warfarin-inr", UpToDate, "2027-02-01", "INR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find(Evaluate(Rules(), c.facts, asOf), c.rule)
			if c.status == "" {
				if got != nil {
					t.Fatalf("rule %s applies (%s, due %s); want it not to", c.rule, got.Status, got.DueOn)
				}
				return
			}
			if got == nil {
				t.Fatalf("rule %s does not apply", c.rule)
			}
			if got.Status != c.status || got.DueOn != c.dueOn || got.LastHow != c.how {
				t.Errorf("got %s due %q by %q (%s); want %s due %q by %q", got.Status, got.DueOn, got.LastHow, got.Why,
					c.status, c.dueOn, c.how)
			}
			if got.Status == Excluded && got.Why == "" {
				t.Error("excluded without saying by what")
			}
		})
	}
}

// TestDiabeticsAreDueSomething is the finding: a 50- and an
// 89-year-old diabetic with nothing else charted showed "Nothing due".
func TestDiabeticsAreDueSomething(t *testing.T) {
	for _, born := range []string{"1976-03-01", "1937-05-01"} {
		f := Facts{BirthDate: born, Sex: "female", Problems: []Problem{{ICD10: "E11.65"}}}
		var due []string
		for _, r := range Evaluate(Rules(), f, asOf) {
			if r.Status == Due {
				due = append(due, r.Rule.ID)
			}
		}
		for _, want := range []string{"diabetes-a1c", "diabetes-kidney", "diabetes-eye", "diabetes-foot", "influenza-vaccine"} {
			if !strings.Contains(strings.Join(due, " "), want) {
				t.Errorf("born %s: %s not due; due: %v", born, want, due)
			}
		}
	}
}
