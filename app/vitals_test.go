package app_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

func num(v float64) *float64 { return &v }

// sampleVitals is a full set of ordinary adult vitals in metric units.
func sampleVitals() app.VitalsInput {
	return app.VitalsInput{Height: num(170), HeightUnit: app.UnitCm, Weight: num(70), WeightUnit: app.UnitKg,
		Systolic: num(118), Diastolic: num(76), Pulse: num(72), RespRate: num(14), Temperature: num(36.8),
		TemperatureUnit: app.UnitC, SpO2: num(98), Pain: num(0)}
}

// vitals records a fresh set for a role-table method to act on.
func (f *roleFixture) vitals(t *testing.T) app.VitalsSet {
	t.Helper()
	v, err := f.chart.RecordVitals(f.patient.ID, sampleVitals())
	if err != nil {
		t.Fatalf("record vitals: %v", err)
	}
	return v
}

// setUnits saves the clinic's preferred units as the admin.
func (ta *testApp) setUnits(t testing.TB, weight, height, temperature string) {
	t.Helper()
	s, err := ta.Admin.Admin.Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.WeightUnit, s.HeightUnit, s.TemperatureUnit = weight, height, temperature
	if _, err := ta.Admin.Admin.SaveSettings(s); err != nil {
		t.Fatalf("save units: %v", err)
	}
}

func TestVitalsUnitConversion(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	for _, tc := range []struct {
		name              string
		clinic            [3]string // weight, height, temperature units
		in                app.VitalsInput
		get               func(app.VitalsSet) *app.Measurement
		value, display    float64
		unit, displayUnit string
	}{
		{"kg kept", [3]string{"kg", "cm", "C"}, app.VitalsInput{Weight: num(70)}, weightOf, 70, 70, "kg", "kg"},
		{"lb in, lb out", [3]string{"lb", "cm", "C"}, app.VitalsInput{Weight: num(154.3), WeightUnit: "lb"}, weightOf, 69.989, 154.3, "kg", "lb"},
		{"lb by the clinic's unit", [3]string{"lb", "cm", "C"}, app.VitalsInput{Weight: num(220)}, weightOf, 99.79, 220, "kg", "lb"},
		{"kg in, lb out", [3]string{"lb", "cm", "C"}, app.VitalsInput{Weight: num(70), WeightUnit: "kg"}, weightOf, 70, 154.3, "kg", "lb"},
		{"lb in, kg out", [3]string{"kg", "cm", "C"}, app.VitalsInput{Weight: num(10), WeightUnit: "lb"}, weightOf, 4.536, 4.5, "kg", "kg"},
		{"in in, in out", [3]string{"kg", "in", "C"}, app.VitalsInput{Height: num(67)}, heightOf, 170.18, 67, "cm", "in"},
		{"cm in, in out", [3]string{"kg", "in", "C"}, app.VitalsInput{Height: num(170), HeightUnit: "cm"}, heightOf, 170, 66.9, "cm", "in"},
		{"in in, cm out", [3]string{"kg", "cm", "C"}, app.VitalsInput{Height: num(60), HeightUnit: "in"}, heightOf, 152.4, 152.4, "cm", "cm"},
		{"F in, F out", [3]string{"kg", "cm", "F"}, app.VitalsInput{Temperature: num(98.6)}, tempOf, 37, 98.6, "C", "F"},
		{"C in, F out", [3]string{"kg", "cm", "F"}, app.VitalsInput{Temperature: num(38.5), TemperatureUnit: "C"}, tempOf, 38.5, 101.3, "C", "F"},
		{"F in, C out", [3]string{"kg", "cm", "C"}, app.VitalsInput{Temperature: num(100.4), TemperatureUnit: "f"}, tempOf, 38, 38, "C", "C"},
		{"C kept", [3]string{"kg", "cm", "C"}, app.VitalsInput{Temperature: num(36.6)}, tempOf, 36.6, 36.6, "C", "C"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta.setUnits(t, tc.clinic[0], tc.clinic[1], tc.clinic[2])
			v, err := ta.Clinician.Chart.RecordVitals(p.ID, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			m := tc.get(v)
			if m == nil || m.Value != tc.value || m.Display != tc.display || m.Unit != tc.unit || m.DisplayUnit != tc.displayUnit {
				t.Fatalf("measurement %+v, want %v %s shown %v %s", m, tc.value, tc.unit, tc.display, tc.displayUnit)
			}
			if e := ta.lastAudit(t); e.Action != "vitals.record" || e.PatientID != p.ID || e.Record != "vitals/"+v.ID {
				t.Errorf("record audit %+v", e.AuditEntry)
			}
			// Read back: the stored canonical value shows the same in the clinic's unit.
			list, err := ta.Clinician.Chart.Vitals(p.ID, 1)
			if err != nil || len(list) != 1 || *tc.get(list[0]) != *m {
				t.Errorf("read back %+v, %v", list, err)
			}
		})
	}
}

func weightOf(v app.VitalsSet) *app.Measurement { return v.Weight }
func heightOf(v app.VitalsSet) *app.Measurement { return v.Height }
func tempOf(v app.VitalsSet) *app.Measurement   { return v.Temperature }

func TestUnitSettings(t *testing.T) {
	ta := newTestApp(t)
	s, err := ta.Admin.Admin.Settings()
	if err != nil || s.WeightUnit != "kg" || s.HeightUnit != "cm" || s.TemperatureUnit != "C" {
		t.Fatalf("default units %+v, %v", s, err)
	}
	before := ta.counts(t)
	bad := s
	bad.WeightUnit, bad.HeightUnit, bad.TemperatureUnit = "stone", "ft", "K"
	_, err = ta.Admin.Admin.SaveSettings(bad)
	e := wantKind(t, err, app.Invalid)
	for _, f := range []string{"weightUnit", "heightUnit", "temperatureUnit"} {
		if e.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, e.Fields)
		}
	}
	if after := ta.counts(t); after != before {
		t.Errorf("refused units wrote: %+v -> %+v", before, after)
	}
	ta.setUnits(t, "lb", "in", "F")
	keep := s
	keep.WeightUnit, keep.HeightUnit, keep.TemperatureUnit = "", "", ""
	out, err := ta.Admin.Admin.SaveSettings(keep)
	if err != nil || out.WeightUnit != "lb" || out.HeightUnit != "in" || out.TemperatureUnit != "F" {
		t.Errorf("empty units did not keep the clinic's: %+v, %v", out, err)
	}
	if e := ta.lastAudit(t); !strings.Contains(e.Detail, "units lb, in, F") {
		t.Errorf("settings audit %q", e.Detail)
	}
}

func TestVitalsBMI(t *testing.T) {
	for _, tc := range []struct {
		name    string
		clinic  [3]string
		earlier *app.VitalsInput // taken a day before, or nil
		in      app.VitalsInput
		want    *float64
	}{
		{"metric", [3]string{"kg", "cm", "C"}, nil, app.VitalsInput{Height: num(175), Weight: num(70)}, num(22.9)},
		{"imperial", [3]string{"lb", "in", "F"}, nil, app.VitalsInput{Height: num(69), Weight: num(154)}, num(22.7)},
		{"height from an earlier set", [3]string{"kg", "cm", "C"}, &app.VitalsInput{Height: num(180)},
			app.VitalsInput{Weight: num(100)}, num(30.9)},
		{"no height ever", [3]string{"kg", "cm", "C"}, nil, app.VitalsInput{Weight: num(70)}, nil},
		{"no weight", [3]string{"kg", "cm", "C"}, nil, app.VitalsInput{Height: num(170)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := newTestApp(t)
			ta.setUnits(t, tc.clinic[0], tc.clinic[1], tc.clinic[2])
			p := ta.register(t, samplePatient())
			if tc.earlier != nil {
				in := *tc.earlier
				in.TakenAt = testStart.Add(-24 * time.Hour).Format(time.RFC3339)
				if _, err := ta.Clinician.Chart.RecordVitals(p.ID, in); err != nil {
					t.Fatal(err)
				}
			}
			v, err := ta.Clinician.Chart.RecordVitals(p.ID, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == nil && v.BMI != nil:
				t.Errorf("BMI %+v, want none", v.BMI)
			case tc.want != nil && (v.BMI == nil || v.BMI.Value != *tc.want || v.BMI.Display != *tc.want || v.BMI.Unit != "kg/m2"):
				t.Errorf("BMI %+v, want %v", v.BMI, *tc.want)
			}
			if tc.want != nil {
				s, err := ta.Clinician.Chart.VitalsSeries(p.ID, "bmi")
				if err != nil || len(s.Points) != 1 || s.Points[0].Value != *tc.want {
					t.Errorf("bmi series %+v, %v", s, err)
				}
			}
		})
	}
}

func TestVitalsFlags(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	for _, tc := range []struct {
		name     string
		in       app.VitalsInput
		get      func(app.VitalsSet) *app.Measurement
		flag     string
		critical bool
	}{
		{"pulse normal", app.VitalsInput{Pulse: num(72)}, pulseOf, "", false},
		{"pulse low", app.VitalsInput{Pulse: num(55)}, pulseOf, "low", false},
		{"pulse high", app.VitalsInput{Pulse: num(105)}, pulseOf, "high", false},
		{"pulse critically low", app.VitalsInput{Pulse: num(40)}, pulseOf, "low", true},
		{"pulse critically high", app.VitalsInput{Pulse: num(131)}, pulseOf, "high", true},
		{"systolic stage 1", app.VitalsInput{Systolic: num(135), Diastolic: num(75)}, systolicOf, "high", false},
		{"systolic crisis", app.VitalsInput{Systolic: num(185), Diastolic: num(100)}, systolicOf, "high", true},
		{"systolic low", app.VitalsInput{Systolic: num(95), Diastolic: num(62)}, systolicOf, "low", false},
		{"systolic critically low", app.VitalsInput{Systolic: num(85), Diastolic: num(50)}, systolicOf, "low", true},
		{"diastolic crisis", app.VitalsInput{Systolic: num(190), Diastolic: num(125)}, diastolicOf, "high", true},
		{"diastolic normal", app.VitalsInput{Systolic: num(118), Diastolic: num(76)}, diastolicOf, "", false},
		{"resp critically high", app.VitalsInput{RespRate: num(26)}, respOf, "high", true},
		{"resp low", app.VitalsInput{RespRate: num(10)}, respOf, "low", false},
		{"fever", app.VitalsInput{Temperature: num(38.2)}, tempOf, "high", false},
		{"high fever", app.VitalsInput{Temperature: num(39.5)}, tempOf, "high", true},
		{"fever in F", app.VitalsInput{Temperature: num(101), TemperatureUnit: "F"}, tempOf, "high", false},
		{"hypothermia", app.VitalsInput{Temperature: num(34.8)}, tempOf, "low", true},
		{"temperature normal", app.VitalsInput{Temperature: num(36.8)}, tempOf, "", false},
		{"SpO2 low", app.VitalsInput{SpO2: num(93)}, spo2Of, "low", false},
		{"SpO2 critically low", app.VitalsInput{SpO2: num(88)}, spo2Of, "low", true},
		{"SpO2 normal", app.VitalsInput{SpO2: num(100)}, spo2Of, "", false},
		{"severe pain", app.VitalsInput{Pain: num(8)}, painOf, "high", false},
		{"no pain", app.VitalsInput{Pain: num(0)}, painOf, "", false},
		{"obese", app.VitalsInput{Height: num(170), Weight: num(95)}, bmiOf, "high", false},
		{"underweight", app.VitalsInput{Height: num(170), Weight: num(50)}, bmiOf, "low", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ta.Clinician.Chart.RecordVitals(p.ID, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			m := tc.get(v)
			if m == nil || m.Flag != tc.flag || m.Critical != tc.critical {
				t.Errorf("measurement %+v, want flag %q critical %v", m, tc.flag, tc.critical)
			}
		})
	}
}

func pulseOf(v app.VitalsSet) *app.Measurement     { return v.Pulse }
func systolicOf(v app.VitalsSet) *app.Measurement  { return v.Systolic }
func diastolicOf(v app.VitalsSet) *app.Measurement { return v.Diastolic }
func respOf(v app.VitalsSet) *app.Measurement      { return v.RespRate }
func spo2Of(v app.VitalsSet) *app.Measurement      { return v.SpO2 }
func painOf(v app.VitalsSet) *app.Measurement      { return v.Pain }
func bmiOf(v app.VitalsSet) *app.Measurement       { return v.BMI }

func TestVitalsRejected(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	future := testStart.Add(time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		name  string
		in    app.VitalsInput
		field string
	}{
		{"pulse 0", app.VitalsInput{Pulse: num(0)}, "pulse"},
		{"pulse 400", app.VitalsInput{Pulse: num(400)}, "pulse"},
		{"pulse not whole", app.VitalsInput{Pulse: num(72.5)}, "pulse"},
		{"temperature 10 C", app.VitalsInput{Temperature: num(10)}, "temperature"},
		{"temperature 50 F", app.VitalsInput{Temperature: num(50), TemperatureUnit: "F"}, "temperature"},
		{"temperature 115 F", app.VitalsInput{Temperature: num(115), TemperatureUnit: "F"}, "temperature"},
		{"weight 0", app.VitalsInput{Weight: num(0)}, "weight"},
		{"weight 2000 lb", app.VitalsInput{Weight: num(2000), WeightUnit: "lb"}, "weight"},
		{"height 5 cm", app.VitalsInput{Height: num(5)}, "height"},
		{"height 120 in", app.VitalsInput{Height: num(120), HeightUnit: "in"}, "height"},
		{"SpO2 over 100", app.VitalsInput{SpO2: num(101)}, "spo2"},
		{"pain 11", app.VitalsInput{Pain: num(11)}, "pain"},
		{"pain negative", app.VitalsInput{Pain: num(-1)}, "pain"},
		{"resp 0", app.VitalsInput{RespRate: num(0)}, "respRate"},
		{"systolic alone", app.VitalsInput{Systolic: num(120)}, "diastolic"},
		{"diastolic alone", app.VitalsInput{Diastolic: num(80)}, "systolic"},
		{"diastolic over systolic", app.VitalsInput{Systolic: num(80), Diastolic: num(120)}, "diastolic"},
		{"systolic 400", app.VitalsInput{Systolic: num(400), Diastolic: num(80)}, "systolic"},
		{"nothing measured", app.VitalsInput{}, "vitals"},
		{"unknown weight unit", app.VitalsInput{Weight: num(70), WeightUnit: "stone"}, "weightUnit"},
		{"unknown temperature unit", app.VitalsInput{Temperature: num(300), TemperatureUnit: "K"}, "temperatureUnit"},
		{"taken in the future", app.VitalsInput{Pulse: num(70), TakenAt: future}, "takenAt"},
		{"taken when?", app.VitalsInput{Pulse: num(70), TakenAt: "yesterday"}, "takenAt"},
		{"one good, one bad", app.VitalsInput{Pulse: num(70), SpO2: num(140)}, "spo2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.counts(t)
			out, err := ta.Clinician.Chart.RecordVitals(p.ID, tc.in)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tc.field] == "" {
				t.Errorf("fields %v, want a message for %s", e.Fields, tc.field)
			}
			if out.ID != "" {
				t.Errorf("a refused set was returned: %+v", out)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("refused vitals wrote: %+v -> %+v", before, after)
			}
		})
	}
	if _, err := ta.Clinician.Chart.RecordVitals("no-such-patient", sampleVitals()); kindOf(err) != app.NotFound {
		t.Errorf("unknown patient: %v", err)
	}
}

func TestVitalsListSummaryAndSeries(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	chart := ta.Clinician.Chart
	sum, err := chart.Summary(p.ID)
	if err != nil || sum.LastVitals != nil {
		t.Fatalf("summary before any vitals: %+v, %v", sum.LastVitals, err)
	}
	sets := []app.VitalsInput{
		{Height: num(170), Weight: num(80), Systolic: num(140), Diastolic: num(90), Pulse: num(80), Temperature: num(36.8)},
		{Weight: num(78), Systolic: num(130), Diastolic: num(85), Pulse: num(80)},
		{Weight: num(76), Systolic: num(125), Diastolic: num(82), Pulse: num(84), Temperature: num(36.8)},
	}
	for i, in := range sets {
		in.TakenAt = testStart.AddDate(0, 0, -30*(len(sets)-1-i)).Format(time.RFC3339)
		if _, err := chart.RecordVitals(p.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	list, err := chart.Vitals(p.ID, 0)
	if err != nil || len(list) != 3 || list[0].Weight.Value != 76 || list[2].Weight.Value != 80 {
		t.Fatalf("list newest first: %+v, %v", list, err)
	}
	if e := ta.lastAudit(t); e.Action != "vitals.read" || e.PatientID != p.ID {
		t.Errorf("list audit %+v", e.AuditEntry)
	}
	if list[1].BMI == nil || list[1].BMI.Value != 27 {
		t.Errorf("second set's BMI from the first's height: %+v", list[1].BMI)
	}
	sum, err = chart.Summary(p.ID)
	if err != nil || sum.LastVitals == nil || sum.LastVitals.ID != list[0].ID {
		t.Fatalf("summary last vitals %+v, %v", sum.LastVitals, err)
	}
	lv := sum.LastVitals
	for _, c := range []struct {
		name string
		m    *app.Measurement
		want string
	}{
		{"weight", lv.Weight, "down"}, {"bmi", lv.BMI, "down"}, {"systolic", lv.Systolic, "down"},
		{"pulse", lv.Pulse, "up"}, {"temperature (vs the first set)", lv.Temperature, "same"},
	} {
		if c.m == nil || c.m.Trend != c.want {
			t.Errorf("%s trend %+v, want %s", c.name, c.m, c.want)
		}
	}
	if lv.Height != nil {
		t.Errorf("the last set took no height: %+v", lv.Height)
	}
	bp, err := chart.VitalsSeries(p.ID, "bp")
	if err != nil || len(bp.Points) != 3 || bp.Unit != "mmHg" {
		t.Fatalf("bp series %+v, %v", bp, err)
	}
	if pt := bp.Points[0]; pt.Value != 140 || pt.Value2 == nil || *pt.Value2 != 90 || pt.Flag != "high" ||
		pt.At != testStart.AddDate(0, 0, -60).Format(time.RFC3339) {
		t.Errorf("first bp point %+v", pt)
	}
	if e := ta.lastAudit(t); e.Action != "vitals.chart" || !strings.HasPrefix(e.Detail, "bp;") {
		t.Errorf("chart audit %+v", e.AuditEntry)
	}
	ta.setUnits(t, "lb", "in", "F")
	w, err := chart.VitalsSeries(p.ID, "weight")
	if err != nil || w.Unit != "lb" || len(w.Points) != 3 || w.Points[2].Value != 167.6 {
		t.Errorf("weight series in lb %+v, %v", w, err)
	}
	temp, err := chart.VitalsSeries(p.ID, " Temp ")
	if err != nil || len(temp.Points) != 2 || temp.Points[0].Value != 98.2 || temp.Unit != "F" {
		t.Errorf("temperature series %+v, %v", temp, err)
	}
	if _, err := chart.VitalsSeries(p.ID, "glucose"); wantKind(t, err, app.Invalid).Fields["measure"] == "" {
		t.Errorf("unknown measure: %v", err)
	}
}

func TestRetractVitals(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	chart := ta.Clinician.Chart
	first := sampleVitals()
	first.TakenAt = testStart.Add(-time.Hour).Format(time.RFC3339)
	kept, err := chart.RecordVitals(p.ID, first)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := chart.RecordVitals(p.ID, app.VitalsInput{Height: num(190), Weight: num(120), Pulse: num(130)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, reason string
		version          int
		kind             app.Kind
	}{
		{"no reason", wrong.ID, "  ", wrong.Version, app.Invalid},
		{"stale version", wrong.ID, "wrong patient", wrong.Version + 1, app.Conflict},
		{"no such set", "nope", "wrong patient", 1, app.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.counts(t)
			_, err := chart.RetractVitals(tc.id, tc.reason, tc.version)
			wantKind(t, err, tc.kind)
			if after := ta.counts(t); after != before {
				t.Errorf("refused retraction wrote: %+v -> %+v", before, after)
			}
		})
	}
	before := ta.counts(t)
	out, err := chart.RetractVitals(wrong.ID, "wrong patient", wrong.Version)
	if err != nil || out.Status != db.EnteredInError || out.RetractReason != "wrong patient" || out.Version != 2 {
		t.Fatalf("retract %+v, %v", out, err)
	}
	if after := ta.counts(t); after.Revisions != before.Revisions+1 || after.Vitals != before.Vitals {
		t.Errorf("retraction kept no revision or changed the count: %+v -> %+v", before, after)
	}
	if e := ta.lastAudit(t); e.Action != "vitals.retract" || !strings.Contains(e.Detail, "wrong patient") {
		t.Errorf("retract audit %+v", e.AuditEntry)
	}
	if _, err := chart.RetractVitals(wrong.ID, "again", out.Version); kindOf(err) != app.Conflict {
		t.Errorf("retracting twice: %v", err)
	}
	list, _ := chart.Vitals(p.ID, 10)
	if len(list) != 2 || list[0].Status != db.EnteredInError {
		t.Errorf("the retracted set stays listed, marked: %+v", list)
	}
	sum, err := chart.Summary(p.ID)
	if err != nil || sum.LastVitals == nil || sum.LastVitals.ID != kept.ID || sum.LastVitals.Pulse.Trend != "" {
		t.Errorf("summary after retraction %+v, %v", sum.LastVitals, err)
	}
	pulse, _ := chart.VitalsSeries(p.ID, "pulse")
	if len(pulse.Points) != 1 || pulse.Points[0].Value != 72 {
		t.Errorf("retracted set still charted: %+v", pulse)
	}
	// A later weight no longer takes its height from the retracted set.
	later, err := chart.RecordVitals(p.ID, app.VitalsInput{Weight: num(72.25)})
	if err != nil || later.BMI == nil || later.BMI.Value != 25 {
		t.Errorf("BMI after retraction %+v, %v", later.BMI, err)
	}
}

func TestMergeMovesVitals(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	survivor, dup := ta.register(t, samplePatient()), ta.register(t, samplePatient())
	in := sampleVitals()
	in.TakenAt = testStart.Add(-48 * time.Hour).Format(time.RFC3339)
	if _, err := chart.RecordVitals(survivor.ID, in); err != nil {
		t.Fatal(err)
	}
	dupSet, err := chart.RecordVitals(dup.ID, app.VitalsInput{Weight: num(75), Pulse: num(90)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, dup.ID, "same person", survivor.Version, dup.Version); err != nil {
		t.Fatal(err)
	}
	list, err := chart.Vitals(survivor.ID, 10)
	if err != nil || len(list) != 2 || list[0].ID != dupSet.ID || list[0].PatientID != survivor.ID || list[0].Version != 2 {
		t.Fatalf("survivor's vitals after merge: %+v, %v", list, err)
	}
	if list[0].BMI == nil || list[0].BMI.Value != 26 {
		t.Errorf("moved set's BMI from the survivor's height: %+v", list[0].BMI)
	}
	viaDup, err := chart.Vitals(dup.ID, 10)
	if err != nil || len(viaDup) != 2 {
		t.Errorf("the merged chart lists the survivor's: %d, %v", len(viaDup), err)
	}
	sum, err := chart.Summary(survivor.ID)
	if err != nil || sum.LastVitals == nil || sum.LastVitals.Pulse.Trend != "up" {
		t.Errorf("summary after merge %+v, %v", sum.LastVitals, err)
	}
	var rows int
	err = ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		rows, err = tx.CountVitals()
		return err
	})
	if err != nil || rows != 2 {
		t.Errorf("vitals rows %d, %v: a merge moves sets, it does not copy them", rows, err)
	}
}

// toddler is a girl of 3 years and 2 months on the test clock's first day.
func toddler() app.PatientInput {
	in := samplePatient()
	in.FamilyName, in.GivenNames, in.BirthDate, in.Sex = "Okafor", "Ada", "2023-01-10", "female"
	return in
}

// TestVitalsForChildren records the same values for a healthy 3-year-old
// and a 40-year-old: the child's are judged against the ranges of her age
// (nothing flagged), the adult's against the adult ones (pulse and
// respiration flagged), in the form's answer, the list, the summary and the
// series alike.
func TestVitalsForChildren(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	adultIn := samplePatient()
	adultIn.BirthDate = "1986-01-10"
	child, adult := ta.register(t, toddler()), ta.register(t, adultIn)
	in := app.VitalsInput{Height: num(96), Weight: num(14.2), Systolic: num(95), Diastolic: num(60), Pulse: num(110),
		RespRate: num(26), Temperature: num(37.0), SpO2: num(98), HeadCircumference: num(49)}
	type flags map[string]string // measure: "", low, high, or critical high
	for _, tc := range []struct {
		name    string
		patient app.Patient
		want    flags
		ranges  string
	}{
		{"3-year-old", child, flags{"pulse": "", "resp": "", "systolic": "", "diastolic": "", "temp": "", "spo2": "", "bmi": ""}, "age 3 y"},
		{"40-year-old", adult, flags{"pulse": "high", "resp": "critical high", "systolic": "low", "diastolic": "", "temp": "", "spo2": ""}, "adult"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saved, err := chart.RecordVitals(tc.patient.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			list, err := chart.Vitals(tc.patient.ID, 0)
			if err != nil || len(list) != 1 {
				t.Fatalf("list %+v, %v", list, err)
			}
			sum, err := chart.Summary(tc.patient.ID)
			if err != nil || sum.LastVitals == nil {
				t.Fatalf("summary %+v, %v", sum.LastVitals, err)
			}
			for where, v := range map[string]app.VitalsSet{"recorded": saved, "list": list[0], "summary": *sum.LastVitals} {
				if v.Ranges != tc.ranges {
					t.Errorf("%s: judged for %q, want %q", where, v.Ranges, tc.ranges)
				}
				for measure, want := range tc.want {
					m := map[string]*app.Measurement{"pulse": v.Pulse, "resp": v.RespRate, "systolic": v.Systolic,
						"diastolic": v.Diastolic, "temp": v.Temperature, "spo2": v.SpO2, "bmi": v.BMI}[measure]
					got := m.Flag
					if m.Critical {
						got = "critical " + got
					}
					if got != want {
						t.Errorf("%s %s %v: %q, want %q", where, measure, m.Value, got, want)
					}
				}
			}
			for measure, key := range map[string]string{"pulse": "pulse", "resp": "resp", "bp": "systolic"} {
				s, err := chart.VitalsSeries(tc.patient.ID, measure)
				if err != nil || len(s.Points) != 1 {
					t.Fatalf("%s series %+v, %v", measure, s, err)
				}
				want := strings.TrimPrefix(tc.want[key], "critical ")
				if s.Points[0].Flag != want {
					t.Errorf("%s series point flagged %q, want %q", measure, s.Points[0].Flag, want)
				}
			}
		})
	}
	// The child's growth measures carry their percentile on the chart of
	// her age (CDC from 2 years); head circumference is charted to 36
	// months, so hers at 38 months has none.
	list, _ := chart.Vitals(child.ID, 1)
	v := list[0]
	for _, tc := range []struct {
		name  string
		m     *app.Measurement
		chart string
	}{{"weight", v.Weight, "CDC weight-for-age"}, {"height", v.Height, "CDC stature-for-age"}, {"bmi", v.BMI, "CDC bmi-for-age"}} {
		if tc.m.Percentile == nil || *tc.m.Percentile <= 0 || *tc.m.Percentile >= 100 || tc.m.GrowthChart != tc.chart {
			t.Errorf("%s: percentile %v on %q, want one on %s", tc.name, tc.m.Percentile, tc.m.GrowthChart, tc.chart)
		}
	}
	if v.HeadCircumference == nil || v.HeadCircumference.Value != 49 || v.HeadCircumference.Percentile != nil {
		t.Errorf("head circumference at 38 months: %+v", v.HeadCircumference)
	}
	adultList, _ := chart.Vitals(adult.ID, 1)
	if adultList[0].Weight.Percentile != nil {
		t.Errorf("an adult's weight has no percentile: %+v", adultList[0].Weight)
	}
}

// TestVitalsPlausibleForBabies: a newborn's real values are recorded, not
// refused as typing errors; a slipped digit still is.
func TestVitalsPlausibleForBabies(t *testing.T) {
	ta := newTestApp(t)
	baby := toddler()
	baby.GivenNames, baby.BirthDate = "Baby", "2026-03-06"
	p := ta.register(t, baby)
	v, err := ta.Clinician.Chart.RecordVitals(p.ID, app.VitalsInput{Weight: num(3.2), Height: num(50), Pulse: num(150),
		RespRate: num(48), Temperature: num(36.9), HeadCircumference: num(34.5), Systolic: num(68), Diastolic: num(40)})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*app.Measurement{"weight": v.Weight, "pulse": v.Pulse, "resp": v.RespRate,
		"temp": v.Temperature, "systolic": v.Systolic, "diastolic": v.Diastolic} {
		if m == nil || m.Flag != "" {
			t.Errorf("newborn %s flagged: %+v", name, m)
		}
	}
	if v.Weight.GrowthChart != "WHO weight-for-age" || v.HeadCircumference.GrowthChart != "WHO head circumference-for-age" {
		t.Errorf("a newborn's charts are WHO's: %q, %q", v.Weight.GrowthChart, v.HeadCircumference.GrowthChart)
	}
	_, err = ta.Clinician.Chart.RecordVitals(p.ID, app.VitalsInput{Weight: num(32)})
	if err != nil {
		t.Errorf("32 kg is plausible at any age (the child's age is not a typing check): %v", err)
	}
	_, err = ta.Clinician.Chart.RecordVitals(p.ID, app.VitalsInput{HeadCircumference: num(345)})
	if msg := wantKind(t, err, app.Invalid).Fields["headCircumference"]; !strings.Contains(msg, "from 20 to 70 cm") {
		t.Errorf("head circumference of 345 cm: %q", msg)
	}
}

// TestGrowthCharts reads a toddler's growth charts: WHO's for her first two
// years, CDC's from 2, each with her measurements and their percentiles.
func TestGrowthCharts(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, toddler()) // born 2023-01-10
	for _, s := range []struct {
		at                   string
		weight, height, head float64
	}{
		{"2023-01-12T10:00:00Z", 3.2, 49.1, 33.9}, // 2 days: about the WHO medians
		{"2024-01-10T10:00:00Z", 8.9, 74.0, 44.9}, // 12 months
		{"2026-03-10T08:00:00Z", 14.2, 96, 49},    // 3 y 2 m: CDC
	} {
		if _, err := chart.RecordVitals(p.ID, app.VitalsInput{TakenAt: s.at, Weight: num(s.weight), Height: num(s.height),
			HeadCircumference: num(s.head)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := chart.GrowthCharts(p.ID)
	if err != nil || got.Reason != "" {
		t.Fatalf("growth charts: %+v, %v", got.Reason, err)
	}
	byKey := map[string]app.GrowthChart{}
	var keys []string
	for _, c := range got.Charts {
		byKey[c.Key] = c
		keys = append(keys, c.Key)
	}
	want := []string{"who-weight-for-age", "who-length-for-age", "who-head-for-age", "who-weight-for-length",
		"who-bmi-for-age", "cdc-weight-for-age", "cdc-stature-for-age", "cdc-bmi-for-age"}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("charts %v, want %v", keys, want)
	}
	wfa := byKey["who-weight-for-age"]
	if wfa.Sex != "female" || wfa.Unit != "kg" || wfa.XUnit != "months" || len(wfa.Curves) != 5 || len(wfa.Points) != 2 {
		t.Fatalf("WHO weight-for-age: %+v", wfa)
	}
	for i, pct := range []float64{3, 15, 50, 85, 97} {
		c := wfa.Curves[i]
		if c.Percentile != pct || len(c.Values) != len(wfa.Xs) {
			t.Errorf("curve %d: %v with %d values for %d xs", i, c.Percentile, len(c.Values), len(wfa.Xs))
		}
	}
	// WHO girls at birth: median 3.2322 kg, 97th percentile 4.166 kg (WHO's table).
	if wfa.Xs[0] != 0 || wfa.Curves[2].Values[0] != 3.23 || wfa.Curves[4].Values[0] != 4.17 {
		t.Errorf("WHO girls' weight at birth: x %v, median %v, 97th %v", wfa.Xs[0], wfa.Curves[2].Values[0], wfa.Curves[4].Values[0])
	}
	if last := wfa.Xs[len(wfa.Xs)-1]; last != 24 {
		t.Errorf("WHO chart ends at %v months, want 24", last)
	}
	if pt := wfa.Points[1]; math.Abs(pt.X-12) > 0.05 || pt.Value != 8.9 || pt.Percentile < 40 || pt.Percentile > 50 {
		t.Errorf("12-month point %+v (8.9 kg: just under the median of 8.95)", pt)
	}
	cdc := byKey["cdc-weight-for-age"]
	// Drawn from 2 years to two years past her age (37.96 months).
	if cdc.Xs[0] != 24 || cdc.Xs[len(cdc.Xs)-1] != 61.96 || len(cdc.Curves) != 7 || len(cdc.Points) != 1 {
		t.Errorf("CDC weight-for-age: xs %v..%v, %d curves, points %+v", cdc.Xs[0], cdc.Xs[len(cdc.Xs)-1], len(cdc.Curves), cdc.Points)
	}
	if pt := cdc.Points[0]; pt.X != 37.96 || pt.Value != 14.2 || pt.Percentile < 40 || pt.Percentile > 60 {
		t.Errorf("CDC point %+v", pt)
	}
	if bmi := byKey["cdc-bmi-for-age"]; len(bmi.Curves) != 7 || bmi.Curves[5].Percentile != 85 {
		t.Errorf("CDC BMI curves: %+v", bmi.Curves)
	}
	wfl := byKey["who-weight-for-length"]
	if wfl.XUnit != "cm" || wfl.Xs[0] != 45 || len(wfl.Points) != 2 || wfl.Points[1].X != 74 {
		t.Errorf("weight-for-length: %v from %v, points %+v", wfl.XUnit, wfl.Xs[0], wfl.Points)
	}
	if e := ta.lastAudit(t); e.Action != "vitals.growth" || e.PatientID != p.ID {
		t.Errorf("growth audit %+v", e.AuditEntry)
	}
	// In pounds and inches, the curves and points are too.
	ta.setUnits(t, "lb", "in", "F")
	got, _ = chart.GrowthCharts(p.ID)
	for _, c := range got.Charts {
		if c.Key == "who-weight-for-age" && (c.Unit != "lb" || c.Points[1].Value != 19.6) {
			t.Errorf("weight-for-age in lb: %s, %+v", c.Unit, c.Points[1])
		}
		if c.Key == "who-weight-for-length" && c.XUnit != "in" {
			t.Errorf("weight-for-length by %s", c.XUnit)
		}
	}
	// No charts for an adult, nor without a sex at birth the charts have.
	for _, tc := range []struct {
		birth, sex, reason string
	}{{"1984-06-21", "female", "under 20"}, {"2023-01-10", "unknown", "sex at birth"}} {
		in := samplePatient()
		in.GivenNames, in.BirthDate, in.Sex = "Other "+tc.sex, tc.birth, tc.sex
		q := ta.register(t, in)
		got, err := chart.GrowthCharts(q.ID)
		if err != nil || len(got.Charts) != 0 || !strings.Contains(got.Reason, tc.reason) {
			t.Errorf("%s %s: %+v, %v", tc.birth, tc.sex, got, err)
		}
	}
}

// TestImportHeadCircumference: a child's head circumference arriving in
// another system's file is charted with her vitals and read on her growth
// chart.
func TestImportHeadCircumference(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
	{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","name":[{"family":"Nwosu","given":["Chidi"]}],"birthDate":"2025-03-01","gender":"male"}},
	{"fullUrl":"urn:uuid:hc","resource":{"resourceType":"Observation","id":"hc","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"9843-4","display":"Head Occipital-frontal circumference"}]},"subject":{"reference":"urn:uuid:p"},"effectiveDateTime":"2025-09-01T10:00:00Z","valueQuantity":{"value":44.0,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}}}]}`
	r, err := c.StartImport("child.json", b64([]byte(bundle)), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = c.CreatePatientFromImport(r.ID); err != nil {
		t.Fatal(err)
	}
	done, err := c.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Vitals(done.Patient.ID, 0)
	if err != nil || len(list) != 1 || list[0].HeadCircumference == nil || list[0].HeadCircumference.Value != 44 {
		t.Fatalf("imported vitals %+v, %v", list, err)
	}
	// WHO boys at 6 months (184 days): median 43.3 cm, so 44 is above it.
	if p := list[0].HeadCircumference.Percentile; p == nil || *p < 55 || *p > 85 {
		t.Errorf("head circumference percentile %v", p)
	}
}
