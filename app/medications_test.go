package app_test

import (
	"context"
	"strings"
	"testing"

	"folio/app"
	"folio/app/cds"
	"folio/db"
)

func sampleMedication(drug string) app.MedicationInput {
	return app.MedicationInput{Drug: drug, Dose: "1 tablet", Route: "oral", Frequency: "once a day", Quantity: "30", Refills: 1}
}

func (f *roleFixture) medication(t *testing.T) app.Medication {
	t.Helper()
	p, err := registerAnyway(f.registry, samplePatient()) // a patient of its own: the same drug twice raises an alert
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.chart.AddMedication(p.ID, sampleMedication("levothyroxine"), nil)
	if err != nil {
		t.Fatalf("add medication: %v", err)
	}
	return m
}

func (ta *testApp) medicationCounts(t testing.TB) (meds, overrides, audit int) {
	t.Helper()
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		meds, overrides, err = tx.CountMedications()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return meds, overrides, len(ta.audit(t))
}

func (ta *testApp) addMed(t *testing.T, patientID, drug string) app.Medication {
	t.Helper()
	m, err := ta.Clinician.Chart.AddMedication(patientID, sampleMedication(drug), nil)
	if err != nil {
		t.Fatalf("add %s: %v", drug, err)
	}
	return m
}

// TestEveryONCPairThroughTheChart: for each ONC high-priority row, a
// patient on a drug of one class is refused a drug of the other until the
// alert is overridden with a reason, which is then recorded and audited.
func TestEveryONCPairThroughTheChart(t *testing.T) {
	k, err := cds.Load()
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := cds.ONCPairs()
	if err != nil {
		t.Fatal(err)
	}
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	for _, pair := range pairs {
		t.Run(pair[0]+" + "+pair[1], func(t *testing.T) {
			first, second := k.Members(pair[0])[0], k.Members(pair[1])
			var next cds.Drug
			for _, d := range second {
				if d.Name != first.Name {
					next = d
					break
				}
			}
			p := ta.register(t, samplePatient())
			ta.addMed(t, p.ID, first.Name)
			check, err := chart.CheckMedication(p.ID, sampleMedication(next.Name))
			alerts := check.Alerts
			if err != nil {
				t.Fatal(err)
			}
			if !hasContraindicated(alerts) {
				t.Fatalf("%s with %s: alerts %+v, want a contraindicated one", first.Name, next.Name, alerts)
			}
			meds, overrides, _ := ta.medicationCounts(t)
			_, err = chart.AddMedication(p.ID, sampleMedication(next.Name), nil)
			e := wantKind(t, err, app.Conflict)
			if e == nil || len(e.Alerts) != len(alerts) {
				t.Fatalf("refusal lists %v, want %d alerts", e, len(alerts))
			}
			if m, o, _ := ta.medicationCounts(t); m != meds || o != overrides {
				t.Errorf("refused, yet written: %d medications, %d overrides", m-meds, o-overrides)
			}
			var ovs []app.Override
			for _, a := range alerts {
				ovs = append(ovs, app.Override{AlertKey: a.Key, Reason: "specialist advice, monitored"})
			}
			added, err := chart.AddMedication(p.ID, sampleMedication(next.Name), ovs)
			if err != nil {
				t.Fatal(err)
			}
			if len(added.Overrides) != len(alerts) {
				t.Errorf("%d overrides recorded, want %d", len(added.Overrides), len(alerts))
			}
		})
	}
}

func hasContraindicated(alerts []app.Alert) bool {
	for _, a := range alerts {
		if a.Severity == cds.Contraindicated {
			return true
		}
	}
	return false
}

func TestCheckMedication(t *testing.T) {
	for _, tc := range []struct {
		name      string
		current   []string
		allergies []string
		drug      string
		wantRule  string // "" for no alert
	}{
		{"unrelated drugs", []string{"metformin", "amlodipine"}, []string{"Peanuts"}, "levothyroxine", ""},
		{"warfarin and an NSAID", []string{"warfarin"}, nil, "naproxen", "vka-nsaid"},
		{"simvastatin and clarithromycin", []string{"simvastatin"}, nil, "clarithromycin", "onc-statin-cyp3a4"},
		{"penicillin allergy, amoxicillin", nil, []string{"Penicillin"}, "amoxicillin", "penicillin-penicillin"},
		{"penicillin allergy, cefalexin", nil, []string{"Penicillin"}, "cefalexin", "penicillin-cephalosporin"},
		{"sulfa allergy, co-trimoxazole", nil, []string{"Sulfa"}, "sulfamethoxazole/trimethoprim", "sulfonamide-sulfonamide"},
		{"same drug twice", []string{"metformin"}, nil, "Metformin", "same-drug"},
		{"unlisted drug: nothing known", []string{"warfarin"}, []string{"Penicillin"}, "Grandma's tonic", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := newTestApp(t)
			chart := ta.Clinician.Chart
			p := ta.register(t, samplePatient())
			for _, d := range tc.current {
				ta.addMed(t, p.ID, d)
			}
			for _, a := range tc.allergies {
				if _, err := chart.AddAllergy(p.ID, app.AllergyInput{Substance: a, SubstanceKind: "drug_class"}); err != nil {
					t.Fatal(err)
				}
			}
			in := sampleMedication(tc.drug)
			check, err := chart.CheckMedication(p.ID, in)
			alerts := check.Alerts
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantRule == "" {
				if len(alerts) != 0 {
					t.Fatalf("alerts %+v, want none", alerts)
				}
				if _, err := chart.AddMedication(p.ID, in, nil); err != nil {
					t.Fatalf("add without alerts: %v", err)
				}
				return
			}
			found := false
			for _, a := range alerts {
				found = found || strings.Contains(a.Key, ":"+tc.wantRule+":")
			}
			if !found {
				t.Fatalf("alerts %+v, want %s", alerts, tc.wantRule)
			}
			// An override without a reason is no override.
			_, err = chart.AddMedication(p.ID, in, []app.Override{{AlertKey: alerts[0].Key, Reason: "  "}})
			wantKind(t, err, app.Conflict)
			var ovs []app.Override
			for _, a := range alerts {
				ovs = append(ovs, app.Override{AlertKey: a.Key, Reason: "benefit outweighs risk"})
			}
			m, err := chart.AddMedication(p.ID, in, ovs)
			if err != nil {
				t.Fatal(err)
			}
			entries := ta.audit(t)
			overrides := 0
			for _, e := range entries {
				if e.Action == "medication.override" && strings.Contains(e.Detail, "benefit outweighs risk") {
					overrides++
				}
			}
			if overrides != len(alerts) {
				t.Errorf("%d override audit entries, want %d", overrides, len(alerts))
			}
			list, err := chart.Medications(p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range list {
				if l.ID == m.ID && len(l.Overrides) != len(alerts) {
					t.Errorf("listed with %d overrides, want %d", len(l.Overrides), len(alerts))
				}
			}
		})
	}
}

func TestAddMedicationRejectsBadInput(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	for _, tc := range []struct {
		name  string
		edit  func(*app.MedicationInput)
		field string
	}{
		{"no drug", func(in *app.MedicationInput) { in.Drug = " " }, "drug"},
		{"no dose for a prescription", func(in *app.MedicationInput) { in.Dose = "" }, "dose"},
		{"no frequency for a prescription", func(in *app.MedicationInput) { in.Frequency = "" }, "frequency"},
		{"negative refills", func(in *app.MedicationInput) { in.Refills = -1 }, "refills"},
		{"too many refills", func(in *app.MedicationInput) { in.Refills = 13 }, "refills"},
		{"bad source", func(in *app.MedicationInput) { in.Source = "pharmacy" }, "source"},
		{"bad start date", func(in *app.MedicationInput) { in.StartDate = "10/03/2026" }, "startDate"},
		{"future start date", func(in *app.MedicationInput) { in.StartDate = "2099-01-01" }, "startDate"},
		{"long dose", func(in *app.MedicationInput) { in.Dose = strings.Repeat("x", 101) }, "dose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleMedication("metformin")
			tc.edit(&in)
			meds, overrides, audit := ta.medicationCounts(t)
			_, err := ta.Clinician.Chart.AddMedication(p.ID, in, nil)
			e := wantKind(t, err, app.Invalid)
			if e != nil && e.Fields[tc.field] == "" {
				t.Errorf("fields %v, want %s", e.Fields, tc.field)
			}
			if m, o, a := ta.medicationCounts(t); m != meds || o != overrides || a != audit {
				t.Errorf("written despite bad input: %d medications, %d overrides, %d audit entries", m-meds, o-overrides, a-audit)
			}
		})
	}
	// Elsewhere needs no dose: the patient may not know it.
	in := app.MedicationInput{Drug: "metformin", Source: "elsewhere", Prescriber: "Dr Other"}
	m, err := ta.Clinician.Chart.AddMedication(p.ID, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Prescriber != "Dr Other" || m.Source != "elsewhere" || len(m.Classes) == 0 {
		t.Errorf("elsewhere: %+v", m)
	}
}

func TestStopRenewRetractMedication(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	m := ta.addMed(t, p.ID, "amlodipine")
	if m.Prescriber == "" || m.Source != "prescribed_here" || m.StartDate != testStart.Format("2006-01-02") {
		t.Errorf("defaults: %+v", m)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Medications) != 1 || !strings.HasPrefix(sum.Medications[0].Display, "amlodipine") {
		t.Errorf("summary medications %+v", sum.Medications)
	}

	renewed, err := chart.RenewMedication(m.ID, app.MedicationInput{Dose: "10 mg", Frequency: "once a day", Refills: 2}, m.Version, nil)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.RenewsID != m.ID || renewed.Drug != "amlodipine" || renewed.Dose != "10 mg" {
		t.Errorf("renewed %+v", renewed)
	}
	_, err = chart.StopMedication(m.ID, "again", "", m.Version)
	wantKind(t, err, app.Conflict) // stopped as renewed

	_, err = chart.StopMedication(renewed.ID, "", "", renewed.Version)
	wantKind(t, err, app.Invalid)
	_, err = chart.StopMedication(renewed.ID, "ankle swelling", "", renewed.Version+1)
	wantKind(t, err, app.Conflict)
	stopped, err := chart.StopMedication(renewed.ID, "ankle swelling", "", renewed.Version)
	if err != nil {
		t.Fatal(err)
	}
	if stopped.Status != "stopped" || stopped.StopReason != "ankle swelling" || stopped.StopDate == "" {
		t.Errorf("stopped %+v", stopped)
	}

	other := ta.addMed(t, p.ID, "metformin")
	retracted, err := chart.RetractMedication(other.ID, "wrong patient", other.Version)
	if err != nil || retracted.Status != "entered_in_error" {
		t.Fatalf("retract: %+v, %v", retracted, err)
	}
	list, err := chart.Medications(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("history has %d medications, want 3", len(list))
	}
	sum, err = chart.Summary(p.ID)
	if err != nil || len(sum.Medications) != 0 {
		t.Errorf("summary after stopping: %+v, %v", sum.Medications, err)
	}
	// Nothing is deleted, and every change kept a revision.
	err = ta.DB().View(context.Background(), func(tx *db.Tx) error {
		_, err := tx.MedicationByID(m.ID)
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

func TestMergeMovesMedications(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	survivor, dup := ta.register(t, samplePatient()), ta.register(t, samplePatient())
	ta.addMed(t, survivor.ID, "metformin")
	ta.addMed(t, dup.ID, "warfarin")
	check, err := chart.CheckMedication(dup.ID, sampleMedication("ibuprofen"))
	alerts := check.Alerts
	if err != nil || len(alerts) == 0 {
		t.Fatalf("alerts %v, %v", alerts, err)
	}
	if _, err := chart.AddMedication(dup.ID, sampleMedication("ibuprofen"),
		[]app.Override{{AlertKey: alerts[0].Key, Reason: "short course"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, dup.ID, "same person", survivor.Version, dup.Version); err != nil {
		t.Fatal(err)
	}
	list, err := chart.Medications(survivor.ID)
	if err != nil {
		t.Fatal(err)
	}
	overrides := 0
	for _, m := range list {
		overrides += len(m.Overrides)
	}
	if len(list) != 3 || overrides != 1 {
		t.Errorf("survivor has %d medications, %d overrides; want 3, 1", len(list), overrides)
	}
	// The survivor's check now sees the warfarin that came with the merge.
	check, err = chart.CheckMedication(survivor.ID, sampleMedication("naproxen"))
	alerts = check.Alerts
	if err != nil || len(alerts) == 0 {
		t.Errorf("after merge: alerts %v, %v", alerts, err)
	}
	_, err = chart.AddMedication(dup.ID, sampleMedication("metformin"), nil)
	wantKind(t, err, app.Conflict)
}

func TestSearchDrugs(t *testing.T) {
	ta := newTestApp(t)
	got, err := ta.Clinician.Chart.SearchDrugs("amox clav", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "amoxicillin/clavulanate" || got[0].RxNorm != "19711" {
		t.Errorf("SearchDrugs(amox clav) = %+v", got)
	}
}

// BenchmarkCheckMedication15 is the interaction check at the Go method for
// a patient on 14 drugs (with three allergies) adding a 15th: the budget is
// 1 ms, with the chart's reads, the role check and the audit entry included.
// BenchmarkCheck15 in app/cds is the check alone.
func BenchmarkCheckMedication15(b *testing.B) {
	ta := newTestApp(b)
	chart := ta.Clinician.Chart
	p := ta.register(b, samplePatient())
	for _, a := range []string{"Penicillin", "Sulfa", "Peanuts"} {
		if _, err := chart.AddAllergy(p.ID, app.AllergyInput{Substance: a, SubstanceKind: "drug_class"}); err != nil {
			b.Fatal(err)
		}
	}
	for _, d := range []string{"warfarin", "simvastatin", "metformin", "lisinopril", "amlodipine", "metoprolol",
		"furosemide", "omeprazole", "sertraline", "levothyroxine", "aspirin", "albuterol", "gabapentin", "allopurinol"} {
		in := sampleMedication(d)
		check, err := chart.CheckMedication(p.ID, in)
		alerts := check.Alerts
		if err != nil {
			b.Fatal(err)
		}
		var ovs []app.Override
		for _, a := range alerts {
			ovs = append(ovs, app.Override{AlertKey: a.Key, Reason: "benchmark"})
		}
		if _, err := chart.AddMedication(p.ID, in, ovs); err != nil {
			b.Fatal(err)
		}
	}
	in := sampleMedication("clarithromycin")
	b.ResetTimer()
	timeEach(b, 1, func(int) error {
		_, err := chart.CheckMedication(p.ID, in)
		return err
	})
}

func TestCheckMedicationNeedsOnlyTheDrug(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	ta.addMed(t, p.ID, "warfarin")
	check, err := ta.Clinician.Chart.CheckMedication(p.ID, app.MedicationInput{Drug: "ibuprofen"})
	alerts := check.Alerts
	if err != nil || len(alerts) != 1 {
		t.Errorf("alerts %+v, %v; want one", alerts, err)
	}
	_, err = ta.Clinician.Chart.CheckMedication(p.ID, app.MedicationInput{})
	if e := wantKind(t, err, app.Invalid); e != nil && e.Fields["drug"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
}
