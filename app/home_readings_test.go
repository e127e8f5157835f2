package app_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/app/readings"
)

func withingsBP(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("readings/testdata/withings-bp.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sampleGlucoseSpec() readings.Spec {
	return readings.Spec{Delimiter: ",", Header: true, DateColumn: 1, DateLayout: "YYYY-MM-DD", Glucose: 2,
		GlucoseUnit: "mg/dL", Device: "Clinic meter"}
}

func (f *roleFixture) readingsFile() string {
	return "Date,\"Heart rate\",Systolic,Diastolic,Comments\n\"2020-11-30 07:56:00\",65,123,82,\n"
}

// homeReading imports a reading of its own (a minute no other has) and
// returns it.
func (f *roleFixture) homeReading(t *testing.T) app.HomeReadingView {
	t.Helper()
	at := time.Date(2020, 10, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(f.n) * time.Minute)
	file := fmt.Sprintf("Date,\"Heart rate\",Systolic,Diastolic,Comments\n%q,65,123,82,\n", at.Format("2006-01-02 15:04:05"))
	if _, err := f.chart.ImportReadings(f.patient.ID, "bp.csv", file, ""); err != nil {
		t.Fatalf("import reading: %v", err)
	}
	list, err := f.chart.HomeReadings(f.patient.ID, "2020-01-01", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.TakenLocal == at.Format("2006-01-02T15:04") && r.Status == "final" {
			return r
		}
	}
	t.Fatalf("the reading at %s is not listed", at)
	return app.HomeReadingView{}
}

func (f *roleFixture) readingFormat(t *testing.T) app.ReadingFormat {
	t.Helper()
	r, err := f.chart.SaveReadingFormat(fmt.Sprintf("Fixture meter %d", f.n), sampleGlucoseSpec())
	if err != nil {
		t.Fatalf("save format: %v", err)
	}
	return r
}

func (f *roleFixture) deviceToken(t *testing.T) app.IssuedDeviceToken {
	t.Helper()
	tok, err := f.chart.IssueDeviceToken(f.patient.ID, "fixture hub", "")
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	return tok
}

// TestImportWithingsTwice: the preview says what a file would add and
// writes nothing; the import adds it all in one go, and the same file
// again adds nothing, its rows counted as already in the chart.
func TestImportWithingsTwice(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	file := withingsBP(t)

	for i, want := range []struct{ toAdd, duplicates int }{{61, 0}, {0, 61}} {
		preview, err := chart.PreviewReadings(p.ID, "bp.csv", file, "")
		if err != nil {
			t.Fatal(err)
		}
		if preview.Format != readings.FormatWithingsBP || preview.RowsRead != 61 || preview.ToAdd != want.toAdd ||
			preview.Duplicates != want.duplicates || len(preview.Refused) != 0 || preview.From != "2026-10-31T19:43" ||
			preview.To != "2026-11-30T07:56" {
			t.Fatalf("preview %d = %+v", i+1, preview)
		}
		if i == 0 {
			if list, _ := chart.HomeReadings(p.ID, "2026-01-01", ""); len(list) != 0 {
				t.Fatalf("the preview wrote %d readings", len(list))
			}
		}
		imp, err := chart.ImportReadings(p.ID, "bp.csv", file, "")
		if err != nil {
			t.Fatal(err)
		}
		if imp.RowsRead != 61 || imp.RowsAdded != want.toAdd || imp.RowsDuplicate != want.duplicates ||
			len(imp.FileSHA256) != 64 || imp.Device != "Withings" {
			t.Fatalf("import %d = %+v", i+1, imp)
		}
		if e := ta.lastAudit(t); e.Action != "reading.import" || e.PatientID != p.ID {
			t.Errorf("audit %+v", e)
		}
	}
	list, err := chart.HomeReadings(p.ID, "2026-11-30", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || *list[0].Systolic != 123 || *list[0].Diastolic != 82 || *list[0].Pulse != 65 ||
		list[0].Source != "file" || list[0].ImportID == "" {
		t.Fatalf("readings of 30 November %+v", list)
	}
	imports, err := chart.ReadingImports(p.ID)
	if err != nil || len(imports) != 2 || imports[0].ImportedByName == "" {
		t.Fatalf("imports %+v, %v", imports, err)
	}
	if e := ta.lastAudit(t); e.Action != "reading.imports" {
		t.Errorf("reading the imports audited as %q", e.Action)
	}
}

// TestRefusedRowsImportNothing: one impossible row refuses the whole file,
// each bad row named, and nothing is written.
func TestRefusedRowsImportNothing(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	file := "Date,\"Heart rate\",Systolic,Diastolic,Comments\n" +
		"\"2026-11-30 07:56:00\",65,123,82,\n" +
		"\"2026-11-29 07:56:00\",65,420,82,\n" +
		"\"yesterday\",65,120,80,\n"
	preview, err := chart.PreviewReadings(p.ID, "bp.csv", file, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(preview.Refused) != 2 || preview.Refused[0].String() != "row 3: systolic 420 mmHg is not possible (20–300)" {
		t.Fatalf("refused %+v", preview.Refused)
	}
	_, err = chart.ImportReadings(p.ID, "bp.csv", file, "")
	e := wantKind(t, err, app.Invalid)
	if e == nil || e.Fields["row 3"] != "Systolic 420 mmHg is not possible (20–300)." || e.Fields["row 4"] == "" ||
		!strings.Contains(e.Message, "Nothing was imported: 2 rows are not possible.") {
		t.Fatalf("error %+v", e)
	}
	if list, _ := chart.HomeReadings(p.ID, "2026-01-01", ""); len(list) != 0 {
		t.Errorf("%d readings written", len(list))
	}
	if imports, _ := chart.ReadingImports(p.ID); len(imports) != 0 {
		t.Errorf("%d imports written", len(imports))
	}
	// A layout Folio does not know: the preview says so and gives the columns.
	preview, err = chart.PreviewReadings(p.ID, "meter.csv", "when;mg\n2026-11-28 07:10;101\n", "")
	if err != nil || preview.Known || strings.Join(preview.Columns, "|") != "when|mg" {
		t.Fatalf("unknown layout preview %+v, %v", preview, err)
	}
	_, err = chart.ImportReadings(p.ID, "meter.csv", "when;mg\n2026-11-28 07:10;101\n", "")
	if e := wantKind(t, err, app.Invalid); e != nil && e.Fields["format"] == "" {
		t.Errorf("unknown layout imported: %+v", e)
	}
}

// TestSavedFormatReadsAMeter: a mapping checked field by field, saved
// under a name, used to import, saved again as a new version, retired.
func TestSavedFormatReadsAMeter(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	_, err := chart.SaveReadingFormat("", readings.Spec{Glucose: 2})
	if e := wantKind(t, err, app.Invalid); e != nil && (e.Fields["name"] == "" || e.Fields["glucoseUnit"] == "" ||
		e.Fields["dateColumn"] == "") {
		t.Errorf("fields %+v", e.Fields)
	}
	file := "when,mmol,context\n2026-11-28 07:10,5.5,fasting\n2026-11-28 13:10,7.9,after lunch\n"
	spec := readings.Spec{Delimiter: ",", Header: true, DateColumn: 1, DateLayout: "YYYY-MM-DD", Glucose: 2,
		GlucoseUnit: "mmol/L", GlucoseContext: 3}
	preview, err := chart.PreviewMappedReadings(p.ID, "meter.csv", file, spec)
	if err != nil || preview.ToAdd != 2 || len(preview.Sample) != 2 || *preview.Sample[0].GlucoseMgDl != 99.1 {
		t.Fatalf("mapped preview %+v, %v", preview, err)
	}
	f, err := chart.SaveReadingFormat("Clinic glucose meter", spec)
	if err != nil || f.Version != 1 {
		t.Fatalf("save %+v, %v", f, err)
	}
	imp, err := chart.ImportReadings(p.ID, "meter.csv", file, f.ID)
	if err != nil || imp.RowsAdded != 2 || imp.Format != f.ID || imp.FormatName != "Clinic glucose meter" {
		t.Fatalf("import %+v, %v", imp, err)
	}
	list, _ := chart.HomeReadings(p.ID, "2026-11-28", "2026-11-28")
	if len(list) != 2 || list[1].GlucoseContext != "fasting" || list[0].GlucoseContext != "after-meal" {
		t.Errorf("glucose readings %+v", list)
	}
	spec.Device = "Accu-Chek"
	again, err := chart.SaveReadingFormat("clinic GLUCOSE meter", spec)
	if err != nil || again.ID != f.ID || again.Version != 2 {
		t.Fatalf("saved again %+v, %v", again, err)
	}
	if _, err := chart.RetireReadingFormat(f.ID, ""); wantKind(t, err, app.Invalid) == nil {
		t.Error("retired without a reason")
	}
	if _, err := chart.RetireReadingFormat(f.ID, "new meters"); err != nil {
		t.Fatal(err)
	}
	if list, err := chart.ReadingFormats(); err != nil || len(list) != 0 {
		t.Errorf("formats after retiring %+v, %v", list, err)
	}
	if imports, _ := chart.ReadingImports(p.ID); len(imports) != 1 || imports[0].FormatName != "Clinic glucose meter" {
		t.Errorf("the import no longer names its retired format: %+v", imports)
	}
}

// TestRetractHomeReading: a reading entered in error is retracted with a
// reason, stays listed, and cannot be retracted twice.
func TestRetractHomeReading(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	if _, err := chart.ImportReadings(p.ID, "bp.csv", withingsBP(t), ""); err != nil {
		t.Fatal(err)
	}
	list, _ := chart.HomeReadings(p.ID, "2026-11-30", "")
	if len(list) != 1 {
		t.Fatalf("%d readings", len(list))
	}
	if _, err := chart.RetractHomeReading(list[0].ID, " "); wantKind(t, err, app.Invalid) == nil {
		t.Error("retracted without a reason")
	}
	r, err := chart.RetractHomeReading(list[0].ID, "her husband's arm")
	if err != nil || r.Status != "entered_in_error" || r.Version != 2 || *r.Systolic != 123 {
		t.Fatalf("retracted %+v, %v", r, err)
	}
	_, err = chart.RetractHomeReading(list[0].ID, "again")
	wantKind(t, err, app.Conflict)
	if list, _ := chart.HomeReadings(p.ID, "2026-11-30", ""); len(list) != 1 || list[0].RetractReason != "her husband's arm" {
		t.Errorf("after retraction %+v", list)
	}
}

// TestMergeCarriesHomeReadings: after a merge the surviving chart lists
// both charts' readings once each (the file both had, once), their imports
// and the hub's token, which goes on sending to the one chart.
func TestMergeCarriesHomeReadings(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	chart := ta.Clinician.Chart
	in := samplePatient()
	survivor := ta.register(t, in)
	in.FamilyName = "Rievra"
	duplicate := ta.register(t, in)
	file := withingsBP(t)
	for _, p := range []app.Patient{survivor, duplicate} {
		if _, err := chart.ImportReadings(p.ID, "bp.csv", file, ""); err != nil {
			t.Fatal(err)
		}
	}
	extra := "Date,\"Heart rate\",Systolic,Diastolic,Comments\n\"2026-12-01 07:00:00\",70,131,85,\n"
	if _, err := chart.ImportReadings(duplicate.ID, "bp.csv", extra, ""); err != nil {
		t.Fatal(err)
	}
	tok, err := chart.IssueDeviceToken(duplicate.ID, "her phone", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	list, err := chart.HomeReadings(survivor.ID, "2000-01-01", "")
	if err != nil {
		t.Fatal(err)
	}
	final := 0
	for _, r := range list {
		if r.Status == "final" {
			final++
		}
	}
	if len(list) != 123 || final != 62 {
		t.Errorf("the survivor lists %d readings, %d final; want 123, 62 (61 kept once, 61 retracted as the same, 1 new)", len(list), final)
	}
	if imports, _ := chart.ReadingImports(survivor.ID); len(imports) != 3 {
		t.Errorf("the survivor's imports: %d, want 3", len(imports))
	}
	body := `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
		"effectiveDateTime":"2026-12-06T07:00:00Z","valueQuantity":{"value":71.2,"code":"kg"}}`
	receipt, err := ta.App.ReceiveDeviceReadings(tok.Token, []byte(body))
	if err != nil || receipt.Added != 1 {
		t.Fatalf("the hub after the merge: %+v, %v", receipt, err)
	}
	if list, _ := chart.HomeReadings(survivor.ID, "2026-12-06", "2026-12-06"); len(list) != 1 || list[0].Kind != "weight" {
		t.Errorf("the hub's weight on the survivor: %+v", list)
	}
}
