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

// TestChildhoodSchedule: each childhood series is due dose by dose, at the
// schedule's age or, behind, at the catch-up table's minimums; complete, it
// is up to date; past its last age, not complete, it no longer applies.
func TestChildhoodSchedule(t *testing.T) {
	dose := func(cvx, on string) Dose { return Dose{CVX: cvx, On: on} }
	// An infant given everything on time, born 2026-06-07: the birth
	// HepB, then Pediarix (DTaP-HepB-IPV), Hib, PCV and rotavirus at 2 and
	// 4 months.
	onTime := []Dose{dose("08", "2026-06-07"),
		dose("110", "2026-08-07"), dose("48", "2026-08-07"), dose("215", "2026-08-07"), dose("116", "2026-08-07"),
		dose("110", "2026-10-07"), dose("48", "2026-10-07"), dose("215", "2026-10-07"), dose("116", "2026-10-07")}
	// A child born 2025-12-07 given the primary series at 2, 4 and 6 months.
	primary := []Dose{dose("08", "2025-12-07"), dose("08", "2026-01-07"), dose("08", "2026-06-07")}
	for _, on := range []string{"2026-02-07", "2026-04-07", "2026-06-07"} {
		primary = append(primary, dose("120", on), dose("133", on)) // Pentacel (DTaP-Hib-IPV), PCV13
	}
	// The same child at 15 months (born 2025-09-07), with the 12-month doses.
	toddler := []Dose{dose("08", "2025-09-07"), dose("08", "2025-10-07"), dose("08", "2026-03-07")}
	for _, on := range []string{"2025-11-07", "2026-01-07", "2026-03-07"} {
		toddler = append(toddler, dose("120", on), dose("133", on))
	}
	toddler = append(toddler, dose("03", "2026-09-07"), dose("21", "2026-09-07"), dose("83", "2026-09-07"),
		dose("48", "2026-09-07"), dose("215", "2026-09-07"))
	// A child of 4 (born 2022-10-07) with the doses up to 15 months.
	preschool := []Dose{dose("03", "2023-10-07"), dose("21", "2023-10-07"), dose("20", "2024-01-07")}
	for _, on := range []string{"2022-12-07", "2023-02-07", "2023-04-07"} {
		preschool = append(preschool, dose("20", on), dose("10", on))
	}

	cases := []struct {
		name   string
		born   string
		doses  []Dose
		rule   string
		status Status // "" when the rule must not apply
		dueOn  string
		last   string // LastHow
		next   string
	}{
		// On time: 2 months.
		{"2 months: HepB 2 given, dose 3 at 6 months", "2026-10-07", []Dose{dose("08", "2026-10-07"), dose("08", "2026-11-07")},
			"child-hepatitis-b", UpToDate, "2027-04-07", "HepB dose 2 of 3", "HepB dose 3 of 3"},
		{"2 months: DTaP dose 1 due", "2026-10-07", nil, "child-dtap", Due, "2026-12-07", "", "DTaP dose 1 of 5"},
		{"2 months: rotavirus dose 1 due", "2026-10-07", nil, "child-rotavirus", Due, "2026-12-07", "", "Rotavirus dose 1 of 3"},
		{"2 months: MMR from 12 months", "2026-10-07", nil, "child-mmr", UpToDate, "2027-10-07", "", "MMR dose 1 of 2"},
		{"2 months: no influenza vaccine", "2026-10-07", nil, "influenza-vaccine", "", "", "", ""},
		{"a newborn is due the birth HepB", "2026-12-07", nil, "child-hepatitis-b", Due, "2026-12-07", "", "HepB dose 1 of 3"},

		// On time: 4 and 6 months.
		{"4 months: DTaP dose 2 (Pediarix counted)", "2026-08-07", []Dose{dose("08", "2026-08-07"), dose("110", "2026-10-07")}, "child-dtap", Due, "2026-12-07", "DTaP dose 1 of 5", "DTaP dose 2 of 5"},
		{"4 months: Rotarix takes 2 doses", "2026-08-07", []Dose{dose("119", "2026-10-07")},
			"child-rotavirus", Due, "2026-12-07", "Rotavirus dose 1 of 2", "Rotavirus dose 2 of 2"},
		{"6 months: RotaTeq dose 3", "2026-06-07", onTime, "child-rotavirus", Due, "2026-12-07", "Rotavirus dose 2 of 3", "Rotavirus dose 3 of 3"},
		{"6 months: HepB dose 3 (birth dose and two Pediarix)", "2026-06-07", onTime, "child-hepatitis-b", Due, "2026-12-07", "HepB dose 2 of 3", "HepB dose 3 of 3"},
		{"6 months: Hib dose 3", "2026-06-07", onTime, "child-hib", Due, "2026-12-07", "Hib dose 2 of 4", "Hib dose 3 of 4"},
		{"6 months: PedvaxHIB needs no 6-month dose", "2026-06-07", []Dose{dose("49", "2026-08-07"), dose("49", "2026-10-07")},
			"child-hib", UpToDate, "2027-06-07", "Hib dose 2 of 3", "Hib dose 3 of 3"},
		{"6 months: influenza from today, not the season's start", "2026-06-07", onTime, "influenza-vaccine", Due, "2026-12-07", "", ""},

		// On time: 12 and 15 months, 4 years.
		{"12 months: MMR dose 1", "2025-12-07", primary, "child-mmr", Due, "2026-12-07", "", "MMR dose 1 of 2"},
		{"12 months: varicella dose 1", "2025-12-07", primary, "child-varicella", Due, "2026-12-07", "", "Varicella dose 1 of 2"},
		{"12 months: HepA dose 1", "2025-12-07", primary, "child-hepatitis-a", Due, "2026-12-07", "", "HepA dose 1 of 2"},
		{"12 months: the Hib booster completes it", "2025-12-07", primary, "child-hib", Due, "2026-12-07", "Hib dose 3 of 4", "Hib dose 4 of 4"},
		{"12 months: PCV booster", "2025-12-07", primary, "child-pneumococcal", Due, "2026-12-07", "PCV dose 3 of 4", "PCV dose 4 of 4"},
		{"12 months: DTaP dose 4 at 15 months", "2025-12-07", primary, "child-dtap", UpToDate, "2027-03-07", "DTaP dose 3 of 5", "DTaP dose 4 of 5"},
		{"12 months: HepB complete", "2025-12-07", primary, "child-hepatitis-b", UpToDate, "9999-12-31", "HepB dose 3 of 3", ""},
		{"15 months: DTaP dose 4", "2025-09-07", toddler, "child-dtap", Due, "2026-12-07", "DTaP dose 3 of 5", "DTaP dose 4 of 5"},
		{"15 months: Hib complete", "2025-09-07", toddler, "child-hib", UpToDate, "9999-12-31", "Hib dose 4 of 4", ""},
		{"15 months: HepA dose 2 at 18 months", "2025-09-07", toddler, "child-hepatitis-a", UpToDate, "2027-03-07", "HepA dose 1 of 2", "HepA dose 2 of 2"},
		{"15 months: MMR dose 2 at 4 years", "2025-09-07", toddler, "child-mmr", UpToDate, "2029-09-07", "MMR dose 1 of 2", "MMR dose 2 of 2"},
		{"4 years: DTaP dose 5", "2022-10-07", preschool, "child-dtap", Due, "2026-10-07", "DTaP dose 4 of 5", "DTaP dose 5 of 5"},
		{"4 years: IPV dose 4", "2022-10-07", preschool, "child-polio", Due, "2026-10-07", "IPV dose 3 of 4", "IPV dose 4 of 4"},
		{"4 years: MMR dose 2", "2022-10-07", preschool, "child-mmr", Due, "2026-10-07", "MMR dose 1 of 2", "MMR dose 2 of 2"},
		{"4 years: PCV never given, one dose from 24 months does", "2022-10-07", preschool, "child-pneumococcal", Due, "2022-12-07", "", "PCV dose 1 of 1"},

		// Behind: catch-up minimum intervals and ages.
		{"behind: DTaP dose 2 four weeks after dose 1", "2025-06-07", []Dose{dose("20", "2026-11-20")},
			"child-dtap", UpToDate, "2026-12-18", "DTaP dose 1 of 5", "DTaP dose 2 of 5"},
		{"behind: HepB dose 3 16 weeks after dose 1", "2025-06-07", []Dose{dose("08", "2026-10-01"), dose("08", "2026-11-01")},
			"child-hepatitis-b", UpToDate, "2027-01-21", "HepB dose 2 of 3", "HepB dose 3 of 3"},
		{"an MMR before 12 months does not count", "2025-06-07", []Dose{dose("03", "2026-05-01")},
			"child-mmr", Due, "2026-06-07", "", "MMR dose 1 of 2"},
		{"an MMR 3 days early counts (4-day grace)", "2025-06-07", []Dose{dose("03", "2026-06-04")},
			"child-mmr", UpToDate, "2029-06-07", "MMR dose 1 of 2", "MMR dose 2 of 2"},
		{"DTaP dose 4 not before 6 months after dose 3", "2025-06-07",
			[]Dose{dose("20", "2025-08-07"), dose("20", "2025-10-07"), dose("20", "2026-05-01")},
			"child-dtap", Due, "2026-11-01", "DTaP dose 3 of 5", "DTaP dose 4 of 5"},
		{"Hib begun at 13 months: 2 doses 8 weeks apart", "2025-06-07", []Dose{dose("48", "2026-07-10")},
			"child-hib", Due, "2026-09-04", "Hib dose 1 of 2", "Hib dose 2 of 2"},
		{"Hib begun at 16 months: one dose does", "2025-06-07", []Dose{dose("48", "2026-10-10")},
			"child-hib", UpToDate, "9999-12-31", "Hib dose 1 of 1", ""},
		{"PCV: 2 doses as a baby and one at 13 months complete it", "2025-06-07",
			[]Dose{dose("215", "2025-08-07"), dose("215", "2025-10-07"), dose("215", "2026-07-10")},
			"child-pneumococcal", UpToDate, "9999-12-31", "PCV dose 3 of 3", ""},
		{"PCV: one dose as a baby, one at 13 months: a third", "2025-06-07",
			[]Dose{dose("215", "2025-10-07"), dose("215", "2026-07-10")},
			"child-pneumococcal", Due, "2026-09-04", "PCV dose 2 of 3", "PCV dose 3 of 3"},
		{"DTaP dose 4 from 4 years: no dose 5", "2020-06-07",
			[]Dose{dose("20", "2020-08-07"), dose("20", "2020-10-07"), dose("20", "2020-12-07"), dose("20", "2024-07-01")},
			"child-dtap", UpToDate, "9999-12-31", "DTaP dose 4 of 4", ""},
		{"an IPV dose 4 at 3 years does not count", "2021-06-07",
			[]Dose{dose("10", "2021-08-07"), dose("10", "2021-10-07"), dose("10", "2021-12-07"), dose("10", "2024-06-07")},
			"child-polio", Due, "2025-06-07", "IPV dose 3 of 4", "IPV dose 4 of 4"},
		{"dates from elsewhere count from their first day", "2010-03-15", []Dose{dose("03", "2011-06"), dose("03", "2015")},
			"child-mmr", UpToDate, "9999-12-31", "MMR dose 2 of 2", ""},

		// Aged out.
		{"rotavirus at 9 months, none given: no longer", "2026-03-07", nil, "child-rotavirus", "", "", "", ""},
		{"rotavirus at 18 weeks, not begun: no longer", "2026-08-07", nil, "child-rotavirus", "", "", "", ""},
		{"rotavirus complete at 9 months stays up to date", "2026-03-07", []Dose{dose("119", "2026-05-07"), dose("119", "2026-07-07")},
			"child-rotavirus", UpToDate, "9999-12-31", "Rotavirus dose 2 of 2", ""},
		{"rotavirus dose 3 that would fall after 8 months: no longer", "2026-04-10",
			[]Dose{dose("116", "2026-06-15"), dose("116", "2026-11-20")}, "child-rotavirus", "", "", "", ""},
		{"Hib at 5 years, one dose: no longer", "2021-11-07", []Dose{dose("48", "2022-01-07")}, "child-hib", "", "", "", ""},
		{"PCV at 5 years: no longer", "2021-11-07", nil, "child-pneumococcal", "", "", "", ""},
		{"DTaP at 7 years: no longer (Tdap at 11)", "2019-11-07", nil, "child-dtap", "", "", "", ""},

		// Adolescents.
		{"12 years: Tdap due since 11", "2014-06-07", nil, "adolescent-tdap", Due, "2025-06-07", "", "Tdap dose 1 of 1"},
		{"a Tdap at 10 counts", "2014-06-07", []Dose{dose("115", "2024-08-01")}, "adolescent-tdap", UpToDate, "9999-12-31", "Tdap dose 1 of 1", ""},
		{"12 years: MenACWY due since 11", "2014-06-07", nil, "adolescent-menacwy", Due, "2025-06-07", "", "MenACWY dose 1 of 2"},
		{"MenACWY at 11: the booster at 16", "2014-06-07", []Dose{dose("136", "2025-07-01")},
			"adolescent-menacwy", UpToDate, "2030-06-07", "MenACWY dose 1 of 2", "MenACWY dose 2 of 2"},
		{"17 years: the MenACWY booster due since 16", "2009-06-07", []Dose{dose("114", "2021-07-01")},
			"adolescent-menacwy", Due, "2025-06-07", "MenACWY dose 1 of 2", "MenACWY dose 2 of 2"},
		{"a first MenACWY from 16 needs no booster", "2009-06-07", []Dose{dose("203", "2025-12-01")},
			"adolescent-menacwy", UpToDate, "9999-12-31", "MenACWY dose 1 of 1", ""},
		{"12 years: HPV from 11, one rule", "2014-06-07", nil, "hpv-vaccine", Due, "2025-06-07", "", ""},
		{"12 years: no childhood DTaP", "2014-06-07", nil, "child-dtap", "", "", "", ""},

		// Combination vaccines count for each component.
		{"Pediarix counts for DTaP", "2026-06-07", []Dose{dose("110", "2026-08-07")}, "child-dtap", Due, "2026-10-07", "DTaP dose 1 of 5", "DTaP dose 2 of 5"},
		{"Pediarix counts for HepB", "2026-06-07", []Dose{dose("110", "2026-08-07")}, "child-hepatitis-b", Due, "2026-09-04", "HepB dose 1 of 3", "HepB dose 2 of 3"},
		{"Pediarix counts for IPV", "2026-06-07", []Dose{dose("110", "2026-08-07")}, "child-polio", Due, "2026-10-07", "IPV dose 1 of 4", "IPV dose 2 of 4"},
		{"Vaxelis counts for Hib", "2026-06-07", []Dose{dose("146", "2026-08-07")}, "child-hib", Due, "2026-10-07", "Hib dose 1 of 4", "Hib dose 2 of 4"},
		{"MMRV counts for MMR", "2021-06-07", []Dose{dose("94", "2022-06-07"), dose("94", "2025-06-07")}, "child-mmr", UpToDate, "9999-12-31", "MMR dose 2 of 2", ""},
		{"MMRV counts for varicella", "2021-06-07", []Dose{dose("94", "2022-06-07"), dose("94", "2025-06-07")}, "child-varicella", UpToDate, "9999-12-31", "Varicella dose 2 of 2", ""},

		// Adults have none of it.
		{"an adult has no childhood MMR rule", "1980-01-01", nil, "child-mmr", "", "", "", ""},
		{"19 years: no adolescent Tdap (the adult rule takes over)", "2007-06-07", nil, "adolescent-tdap", "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find(Evaluate(Rules(), Facts{BirthDate: c.born, Sex: "female", Doses: c.doses}, asOf), c.rule)
			if c.status == "" {
				if got != nil {
					t.Fatalf("rule %s applies (%s, due %s, %s); want it not to", c.rule, got.Status, got.DueOn, got.Next)
				}
				return
			}
			if got == nil {
				t.Fatalf("rule %s does not apply", c.rule)
			}
			if got.Status != c.status || got.DueOn != c.dueOn || got.LastHow != c.last || got.Next != c.next {
				t.Errorf("got %s due %q, last %q, next %q; want %s due %q, last %q, next %q", got.Status, got.DueOn,
					got.LastHow, got.Next, c.status, c.dueOn, c.last, c.next)
			}
		})
	}
}

func TestSeriesTitleAndLoad(t *testing.T) {
	f := Facts{BirthDate: "2025-12-07", Doses: []Dose{{CVX: "20", On: "2026-02-07"}}}
	got := find(Evaluate(Rules(), f, asOf), "child-dtap")
	if got == nil || got.Title() != "DTaP vaccine (diphtheria, tetanus, pertussis), dose 2 of 5" {
		t.Errorf("title %+v", got)
	}
	if r := find(Evaluate(Rules(), f, asOf), "child-hepatitis-b"); r == nil || r.LastDone != "" {
		t.Errorf("HepB: %+v", r)
	}
	bad := []string{
		`{"rules":[{"id":"x","title":"X","kind":"immunization","source":"S","doneBy":[{"name":"a","vaccine":["03"],"series":{"doses":[]}}]}]}`,
		`{"rules":[{"id":"x","title":"X","kind":"immunization","source":"S","doneBy":[{"name":"a","series":{"doses":[{"age":"1 month"}]}}]}]}`,
		`{"rules":[{"id":"x","title":"X","kind":"immunization","source":"S","doneBy":[{"name":"a","vaccine":["03"],"series":{"doses":[{"age":"6 fortnights"}]}}]}]}`,
		`{"rules":[{"id":"x","title":"X","kind":"immunization","source":"S","doneBy":[{"name":"a","vaccine":["03"],"series":{"doses":[{"age":"1 month"}]}},{"name":"b","vaccine":["04"],"everyMonths":1}]}]}`,
	}
	for _, b := range bad {
		if _, err := Load([]byte(b)); err == nil {
			t.Errorf("Load(%s) took a series that cannot be evaluated", b)
		}
	}
}
