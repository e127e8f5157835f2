package app_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

func sampleLabResult(loinc, value string) app.LabResultInput {
	return app.LabResultInput{LOINC: loinc, Value: value, ObservedAt: "2026-03-09T08:30:00Z"}
}

func (f *roleFixture) labOrder(t *testing.T) app.LabOrder {
	t.Helper()
	o, err := f.chart.OrderLab(f.patient.ID, app.LabOrderInput{LOINC: "2823-3"})
	if err != nil {
		t.Fatalf("order lab: %v", err)
	}
	return o
}

func (f *roleFixture) labResult(t *testing.T) app.LabResult {
	t.Helper()
	r, err := f.chart.RecordLabResult(f.patient.ID, sampleLabResult("2823-3", "4.2"))
	if err != nil {
		t.Fatalf("record lab result: %v", err)
	}
	return r
}

// labCounts is how many lab orders and results, revisions and audit
// entries the chart holds, to check that nothing was written.
type labCounts struct{ orders, results, revisions, audit int }

func (ta *testApp) labCounts(t testing.TB) labCounts {
	t.Helper()
	var c labCounts
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		c.orders, c.results, err = tx.CountLabs()
		if err != nil {
			return err
		}
		c.revisions, err = tx.CountRevisions()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c.audit = len(ta.audit(t))
	return c
}

func ptr(f float64) *float64 { return &f }

func TestLabResultFlags(t *testing.T) {
	ta := newTestApp(t)
	woman := ta.register(t, samplePatient())
	manIn := samplePatient()
	manIn.GivenNames, manIn.Sex = "Mateo", "male"
	man := ta.register(t, manIn)
	unknownIn := samplePatient()
	unknownIn.GivenNames, unknownIn.Sex = "Alex", "unknown"
	unknown := ta.register(t, unknownIn)
	for _, tc := range []struct {
		name        string
		patient     app.Patient
		in          app.LabResultInput
		flag        string
		rangeSource string
		unit        string
	}{
		{"hemoglobin low for a woman", woman, sampleLabResult("718-7", "11.5"), "L", "default", "g/dL"},
		{"hemoglobin normal for a woman", woman, sampleLabResult("718-7", "13.5"), "N", "default", "g/dL"},
		{"the same hemoglobin low for a man", man, sampleLabResult("718-7", "13.5"), "L", "default", "g/dL"},
		{"hemoglobin critically low", man, sampleLabResult("718-7", "6.5"), "LL", "default", "g/dL"},
		{"sex unknown: low only if low for either", unknown, sampleLabResult("718-7", "12.5"), "N", "default", "g/dL"},
		{"sex unknown: high only if high for either", unknown, sampleLabResult("718-7", "17.5"), "H", "default", "g/dL"},
		{"creatinine high for a woman", woman, sampleLabResult("2160-0", "1.2"), "H", "default", "mg/dL"},
		{"the same creatinine normal for a man", man, sampleLabResult("2160-0", "1.2"), "N", "default", "mg/dL"},
		{"potassium normal", woman, sampleLabResult("2823-3", "4.0"), "N", "default", "mmol/L"},
		{"potassium low", woman, sampleLabResult("2823-3", "3.2"), "L", "default", "mmol/L"},
		{"potassium high", woman, sampleLabResult("2823-3", "5.4"), "H", "default", "mmol/L"},
		{"potassium critically low", woman, sampleLabResult("2823-3", "2.5"), "LL", "default", "mmol/L"},
		{"potassium critically high", woman, sampleLabResult("2823-3", "6.5"), "HH", "default", "mmol/L"},
		{"the lab's own range wins", woman, app.LabResultInput{LOINC: "2823-3", Value: "5.4", Low: ptr(3.5), High: ptr(5.5)}, "N", "lab", "mmol/L"},
		{"critical limits still apply with the lab's range", woman, app.LabResultInput{LOINC: "2823-3", Value: "6.5", Low: ptr(3.5), High: ptr(7)}, "HH", "lab", "mmol/L"},
		{"a known alternative unit, judged in it", woman, app.LabResultInput{LOINC: "2345-7", Value: "5.0", Unit: "mmol/l"}, "N", "default", "mmol/L"},
		{"glucose high in mmol/L", woman, app.LabResultInput{LOINC: "2345-7", Value: "15", Unit: "mmol/L"}, "H", "default", "mmol/L"},
		{"glucose critical in mmol/L", woman, app.LabResultInput{LOINC: "2345-7", Value: "30", Unit: "mmol/L"}, "HH", "default", "mmol/L"},
		{"an unknown unit with the lab's range", woman, app.LabResultInput{LOINC: "4548-4", Value: "48", Unit: "mmol/mol", Low: ptr(20), High: ptr(42)}, "H", "lab", "mmol/mol"},
		{"the prefilled default range left as it was", woman, app.LabResultInput{LOINC: "718-7", Value: "18", Unit: "g/dL", Low: ptr(12.1), High: ptr(15.1)}, "H", "default", "g/dL"},
		{"a text result as expected", woman, sampleLabResult("20454-5", "negative"), "N", "default", ""},
		{"an abnormal text result", woman, sampleLabResult("20454-5", "2+"), "A", "default", ""},
		{"a test not on the list, no range", woman, app.LabResultInput{LOINC: "12345-5", Name: "Special assay", Value: "3", Unit: "U/mL"}, "", "none", "U/mL"},
		{"a test not on the list, the lab's range", woman, app.LabResultInput{LOINC: "12345-5", Name: "Special assay", Value: "3", Unit: "U/mL", High: ptr(2)}, "H", "lab", "U/mL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ta.Clinician.Chart.RecordLabResult(tc.patient.ID, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Flag != tc.flag || r.RangeSource != tc.rangeSource || r.Unit != tc.unit {
				t.Errorf("flag %q range %s unit %q (%s), want %q %s %q", r.Flag, r.RangeSource, r.Unit, r.RangeText,
					tc.flag, tc.rangeSource, tc.unit)
			}
			if a := ta.lastAudit(t); a.Action != "lab.result" || a.PatientID != tc.patient.ID {
				t.Errorf("audit %s %s", a.Action, a.PatientID)
			}
		})
	}
}

func TestLabResultBadInputWritesNothing(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	other := ta.register(t, samplePatient())
	cancelled, err := chart.OrderLab(p.ID, app.LabOrderInput{LOINC: "3016-3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chart.CancelLabOrder(cancelled.ID, "ordered twice", cancelled.Version); err != nil {
		t.Fatal(err)
	}
	elsewhere, err := chart.OrderLab(other.ID, app.LabOrderInput{LOINC: "3016-3"})
	if err != nil {
		t.Fatal(err)
	}
	tsh, err := chart.OrderLab(p.ID, app.LabOrderInput{LOINC: "3016-3"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    app.LabResultInput
		field string
	}{
		{"a number expected", sampleLabResult("2823-3", "high"), "value"},
		{"no value", sampleLabResult("2823-3", " "), "value"},
		{"a unit Folio cannot judge in, without a range", app.LabResultInput{LOINC: "2823-3", Value: "4", Unit: "mg"}, "unit"},
		{"a mistyped LOINC", sampleLabResult("718-8", "13"), "loinc"},
		{"no test", sampleLabResult("", "13"), "loinc"},
		{"a test not on the list, unnamed", sampleLabResult("12345-5", "13"), "name"},
		{"a range upside down", app.LabResultInput{LOINC: "2823-3", Value: "4", Low: ptr(5), High: ptr(3)}, "high"},
		{"taken in the future", app.LabResultInput{LOINC: "2823-3", Value: "4", ObservedAt: "2026-03-11"}, "observedAt"},
		{"not a date", app.LabResultInput{LOINC: "2823-3", Value: "4", ObservedAt: "yesterday"}, "observedAt"},
		{"a cancelled order", app.LabResultInput{OrderID: cancelled.ID, Value: "2"}, "orderId"},
		{"another patient's order", app.LabResultInput{OrderID: elsewhere.ID, Value: "2"}, "orderId"},
		{"another test than the order's", app.LabResultInput{OrderID: tsh.ID, LOINC: "2823-3", Value: "2"}, "loinc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.labCounts(t)
			_, err := chart.RecordLabResult(p.ID, tc.in)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tc.field] == "" {
				t.Errorf("fields %v, want one for %s", e.Fields, tc.field)
			}
			if after := ta.labCounts(t); after != before {
				t.Errorf("refused, yet written: before %+v, after %+v", before, after)
			}
		})
	}
	_, err = chart.OrderLab(p.ID, app.LabOrderInput{LOINC: "9999-9"})
	if e := wantKind(t, err, app.Invalid); e.Fields["loinc"] == "" {
		t.Errorf("order of a test not on the list: %v", e.Fields)
	}
}

func TestLabOrderResultAndReview(t *testing.T) {
	ta := newTestApp(t)
	ta.addUser(t, "drkim", app.RoleClinician, "kim-password-1")
	kim := ta.signIn(t, "drkim", "kim-password-1", "room-3")
	lee := ta.Clinician.Chart
	p := ta.register(t, samplePatient())

	order, err := lee.OrderLab(p.ID, app.LabOrderInput{LOINC: "4548-4", Note: "fasting not needed"})
	if err != nil {
		t.Fatal(err)
	}
	if order.Status != "ordered" || order.TestName != "Hemoglobin A1c" || order.OrderedByName != "Dr. Jordan Lee" {
		t.Fatalf("order %+v", order)
	}
	ordered, err := kim.Chart.RecordLabResult(p.ID, app.LabResultInput{OrderID: order.ID, Value: "7.4", ObservedAt: "2026-03-09"})
	if err != nil {
		t.Fatal(err)
	}
	if ordered.Flag != "H" || ordered.LOINC != "4548-4" || ordered.OrderID != order.ID {
		t.Fatalf("result %+v", ordered)
	}
	orders, err := lee.LabOrders(p.ID)
	if err != nil || len(orders) != 1 || orders[0].Status != "resulted" || orders[0].Version != 2 {
		t.Fatalf("orders after the result: %+v, %v", orders, err)
	}
	unordered, err := kim.Chart.RecordLabResult(p.ID, sampleLabResult("2093-3", "240"))
	if err != nil {
		t.Fatal(err)
	}

	queue := func(c *app.Chart) map[string]bool {
		t.Helper()
		items, err := c.LabReviewQueue()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, it := range items {
			if it.PatientName != "Rivera, Ana Sofia" || it.MRN == "" {
				t.Errorf("item %+v: no patient", it)
			}
			out[it.ID] = true
		}
		return out
	}
	if q := queue(lee); !q[ordered.ID] || !q[unordered.ID] {
		t.Errorf("the ordering clinician's list %v: want both results", q)
	}
	if q := queue(kim.Chart); q[ordered.ID] || !q[unordered.ID] {
		t.Errorf("another clinician's list %v: want only the unordered result", q)
	}
	if a := ta.lastAudit(t); a.Action != "lab.review_list" || a.PatientID != p.ID {
		t.Errorf("reading the list: audit %s %s", a.Action, a.PatientID)
	}

	_, err = lee.ReviewLabResult(ordered.ID, "", ordered.Version+1)
	wantKind(t, err, app.Conflict)
	reviewed, err := lee.ReviewLabResult(ordered.ID, "repeat in 3 months", ordered.Version)
	if err != nil {
		t.Fatal(err)
	}
	if reviewed.ReviewedAt == "" || reviewed.ReviewedByName != "Dr. Jordan Lee" || reviewed.ReviewNote != "repeat in 3 months" {
		t.Errorf("reviewed %+v", reviewed)
	}
	if q := queue(lee); q[ordered.ID] || !q[unordered.ID] {
		t.Errorf("after review: %v", q)
	}
	_, err = lee.ReviewLabResult(ordered.ID, "", reviewed.Version)
	wantKind(t, err, app.Conflict)
	if _, err := kim.Chart.ReviewLabResult(unordered.ID, "", unordered.Version); err != nil {
		t.Fatal(err)
	}
	if q := queue(lee); len(q) != 0 {
		t.Errorf("after both reviews: %v", q)
	}

	_, err = lee.CancelLabOrder(order.ID, "no longer needed", 2)
	wantKind(t, err, app.Conflict) // resulted: not cancelled
	tsh, err := lee.OrderLab(p.ID, app.LabOrderInput{LOINC: "3016-3"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = lee.CancelLabOrder(tsh.ID, "", tsh.Version)
	wantKind(t, err, app.Invalid)
	cancelled, err := lee.CancelLabOrder(tsh.ID, "ordered twice", tsh.Version)
	if err != nil || cancelled.Status != "cancelled" || cancelled.CancelReason != "ordered twice" {
		t.Fatalf("cancel: %+v, %v", cancelled, err)
	}
	results, err := lee.LabResults(p.ID)
	if err != nil || len(results) != 2 {
		t.Fatalf("results: %d, %v", len(results), err)
	}
}

func TestImportLabResults(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	order, err := chart.OrderLab(p.ID, app.LabOrderInput{LOINC: "2823-3"})
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name, csv, want string
	}{
		{"a value that is not a number", "loinc,value,unit,low,high,observed\n2823-3,4.1,mmol/L,,,2026-03-01\n2951-2,lots,mmol/L,,,2026-03-01\n",
			"Line 3: Enter the Sodium result as a number"},
		{"a wrong column count", "2823-3,4.1,mmol/L,2026-03-01\n", "Line 1: 4 columns, want 6"},
		{"a bound that is not a number", "2823-3,4.1,mmol/L,low,5,2026-03-01\n", `Line 1: the low bound "low" is not a number.`},
		{"a unit Folio cannot judge", "2823-3,4.1,mg,,,2026-03-01\n", "Line 1: Folio does not know mg for Potassium"},
		{"a test not on the list", "12345-5,4.1,mg,,,2026-03-01\n", "Line 1: 12345-5 is not on Folio's list"},
		{"a mistyped code", "2823-4,4.1,mmol/L,,,2026-03-01\n", `Line 1: "2823-4" is not a LOINC code`},
		{"a date in the future", "2823-3,4.1,mmol/L,,,2027-01-01\n", "Line 1: A sample cannot be taken in the future."},
		{"nothing", "loinc,value,unit,low,high,observed\n", "The file holds no results"},
		{"a broken quote", "2823-3,\"4.1,mmol/L,,,2026-03-01\n", "this is not a CSV line"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.labCounts(t)
			got, err := chart.ImportLabResults(p.ID, tc.csv)
			e := wantKind(t, err, app.Invalid)
			if !strings.Contains(e.Fields["csv"], tc.want) {
				t.Errorf("csv error %q, want it to say %q", e.Fields["csv"], tc.want)
			}
			if got.Imported != 0 || len(got.Results) != 0 {
				t.Errorf("a refused import returned %+v", got)
			}
			if after := ta.labCounts(t); after != before {
				t.Errorf("refused, yet written: before %+v, after %+v", before, after)
			}
		})
	}

	before := ta.labCounts(t)
	got, err := chart.ImportLabResults(p.ID, "loinc,value,unit,low,high,observed\r\n"+
		"2823-3,5.9,mmol/L,3.5,5.1,2026-03-09T07:45:00Z\r\n"+
		"\r\n"+
		"2160-0,88,umol/L,,,2026-03-09\r\n"+
		"5802-4,Positive,,,,2026-03-09\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.Imported != 3 {
		t.Fatalf("imported %d", got.Imported)
	}
	k, creat, nitrite := got.Results[0], got.Results[1], got.Results[2]
	if k.Flag != "H" || k.RangeSource != "lab" || k.Source != "imported" || k.OrderID != order.ID {
		t.Errorf("potassium %+v", k)
	}
	if creat.Flag != "N" || creat.Unit != "umol/L" || creat.RangeSource != "default" {
		t.Errorf("creatinine %+v (88 umol/L is 1.0 mg/dL)", creat)
	}
	if nitrite.Flag != "A" || nitrite.ValueText != "Positive" {
		t.Errorf("nitrite %+v", nitrite)
	}
	after := ta.labCounts(t)
	if after.results != before.results+3 || after.orders != before.orders {
		t.Errorf("counts %+v after %+v", after, before)
	}
	orders, err := chart.LabOrders(p.ID)
	if err != nil || orders[0].Status != "resulted" {
		t.Errorf("the open potassium order: %+v, %v", orders, err)
	}
}

func TestRetractLabResultKeepsRevision(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	r, err := chart.RecordLabResult(p.ID, sampleLabResult("2823-3", "6.1"))
	if err != nil {
		t.Fatal(err)
	}
	before := ta.labCounts(t)
	_, err = chart.RetractLabResult(r.ID, "", r.Version)
	wantKind(t, err, app.Invalid)
	_, err = chart.RetractLabResult(r.ID, "wrong patient", r.Version+1)
	wantKind(t, err, app.Conflict)
	if after := ta.labCounts(t); after != before {
		t.Errorf("refused, yet written: before %+v, after %+v", before, after)
	}
	retracted, err := chart.RetractLabResult(r.ID, "wrong patient", r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if retracted.Status != "entered_in_error" || retracted.RetractReason != "wrong patient" || retracted.Version != 2 {
		t.Errorf("retracted %+v", retracted)
	}
	after := ta.labCounts(t)
	if after.results != before.results || after.revisions != before.revisions+1 {
		t.Errorf("a retraction deletes nothing and keeps one revision: before %+v, after %+v", before, after)
	}
	var kept []db.LabResultRevision
	err = ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		kept, err = tx.LabResultRevisions(r.ID)
		return err
	})
	if err != nil || len(kept) != 1 || kept[0].Result.Version != 1 || kept[0].Reason != "wrong patient" ||
		kept[0].Result.Status != "final" || *kept[0].Result.Value != 6.1 {
		t.Errorf("kept revisions %+v, %v", kept, err)
	}
	_, err = chart.RetractLabResult(r.ID, "again", retracted.Version)
	wantKind(t, err, app.Conflict)
	items, err := chart.LabReviewQueue()
	if err != nil || len(items) != 0 {
		t.Errorf("a retracted result stays on the review list: %+v, %v", items, err)
	}
	s, err := chart.LabSeries(p.ID, "2823-3")
	if err != nil || len(s.Points) != 0 {
		t.Errorf("a retracted result stays on the chart: %+v, %v", s, err)
	}
	results, err := chart.LabResults(p.ID)
	if err != nil || len(results) != 1 || results[0].Status != "entered_in_error" {
		t.Errorf("the retracted result is no longer listed: %+v, %v", results, err)
	}
}

func TestLabSeries(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	for i, in := range []app.LabResultInput{
		{LOINC: "2160-0", Value: "0.9", ObservedAt: "2025-01-10"},
		{LOINC: "2160-0", Value: "106", Unit: "umol/L", ObservedAt: "2025-06-10"},
		{LOINC: "2160-0", Value: "1.4", ObservedAt: "2026-01-10"},
		{LOINC: "2160-0", Value: "3", Unit: "mg/100mL", High: ptr(1.1), ObservedAt: "2026-02-10"},
	} {
		if _, err := chart.RecordLabResult(p.ID, in); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
	}
	s, err := chart.LabSeries(p.ID, "2160-0")
	if err != nil {
		t.Fatal(err)
	}
	if s.Measure != "Creatinine" || s.Unit != "mg/dL" || *s.Low != 0.6 || *s.High != 1.1 || s.Omitted != 1 {
		t.Fatalf("series %+v", s)
	}
	var values []float64
	for _, pt := range s.Points {
		values = append(values, pt.Value)
	}
	if len(values) != 3 || values[0] != 0.9 || values[1] != 1.1991 || values[2] != 1.4 || s.Points[2].Flag != "H" {
		t.Errorf("points %v (%+v)", values, s.Points)
	}
	if at, _ := time.Parse(time.RFC3339, s.Points[0].At); at.IsZero() {
		t.Errorf("point time %q", s.Points[0].At)
	}
	_, err = chart.LabSeries(p.ID, "creatinine")
	wantKind(t, err, app.Invalid)
}

func TestMergeMovesLabs(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	survivor := ta.register(t, samplePatient())
	duplicate := ta.register(t, samplePatient())
	order, err := chart.OrderLab(duplicate.ID, app.LabOrderInput{LOINC: "3016-3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chart.RecordLabResult(duplicate.ID, app.LabResultInput{OrderID: order.ID, Value: "7.9"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	results, err := chart.LabResults(survivor.ID)
	if err != nil || len(results) != 1 || results[0].PatientID != survivor.ID || results[0].Flag != "H" {
		t.Fatalf("the survivor's results: %+v, %v", results, err)
	}
	orders, err := chart.LabOrders(duplicate.ID) // the merged chart's id opens the survivor's
	if err != nil || len(orders) != 1 || orders[0].PatientID != survivor.ID || orders[0].Status != "resulted" {
		t.Fatalf("the survivor's orders: %+v, %v", orders, err)
	}
	items, err := chart.LabReviewQueue()
	if err != nil || len(items) != 1 || items[0].PatientID != survivor.ID {
		t.Errorf("review list after the merge: %+v, %v", items, err)
	}
}

// lipidRows are a lipid panel's four results as typed from a report, each
// answering its order when orders are given.
func lipidRows(orders []app.LabOrder, values ...string) []app.LabResultInput {
	codes := []string{"2093-3", "2571-8", "2085-9", "18262-6"}
	rows := make([]app.LabResultInput, len(codes))
	for i, code := range codes {
		rows[i] = app.LabResultInput{LOINC: code, Value: values[i]}
		for _, o := range orders {
			if o.LOINC == code {
				rows[i].OrderID = o.ID
			}
		}
	}
	return rows
}

// Two panels ordered at the same instant (the test clock stands still) stay
// two panels: the orders keep the placement they were made in, not a guess
// from their times.
func TestLabPanelsOrderedAtOneInstantStayApart(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	first, err := chart.OrderLabPanel(p.ID, app.LabPanelOrderInput{Panel: "lipid"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := chart.OrderLabPanel(p.ID, app.LabPanelOrderInput{Panel: "lipid"})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := chart.LabOrders(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	byPanel := map[string]int{}
	for _, o := range listed {
		if o.Panel != "lipid" || o.PanelName != "Lipid panel" {
			t.Errorf("order %s: panel %q %q, want the lipid panel", o.LOINC, o.Panel, o.PanelName)
		}
		byPanel[o.PanelOrderID]++
	}
	if len(byPanel) != 2 || byPanel[first[0].PanelOrderID] != 4 || byPanel[second[0].PanelOrderID] != 4 {
		t.Errorf("orders by panel = %v, want two panels of 4 (%s, %s)", byPanel, first[0].PanelOrderID, second[0].PanelOrderID)
	}
}

func TestLabPanelOrderedAndEntered(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	panels, err := chart.LabPanels()
	if err != nil || len(panels) < 7 {
		t.Fatalf("LabPanels = %d panels, %v", len(panels), err)
	}

	// Ordering a panel orders each of its tests, placed together.
	before := ta.labCounts(t)
	orders, err := chart.OrderLabPanel(p.ID, app.LabPanelOrderInput{Panel: "lipid", Note: "fasting"})
	if err != nil {
		t.Fatal(err)
	}
	if after := ta.labCounts(t); len(orders) != 4 || after.orders != before.orders+4 || after.audit != before.audit+4 {
		t.Fatalf("ordered %d; counts %+v -> %+v; want 4 orders, each audited", len(orders), before, after)
	}
	ta.Clock.Advance(time.Second)
	single, err := chart.OrderLab(p.ID, app.LabOrderInput{LOINC: "2823-3"})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := chart.LabOrders(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range listed {
		want := "lipid"
		if o.ID == single.ID {
			want = ""
		}
		if o.Panel != want || (want != "" && (o.PanelName != "Lipid panel" || o.PanelOrderID == "" ||
			o.PanelOrderID != orders[0].PanelOrderID || o.Note != "fasting")) {
			t.Errorf("order %s %s: panel %q %q %q, want %q", o.LOINC, o.TestName, o.Panel, o.PanelName, o.PanelOrderID, want)
		}
	}

	// Entering it: one form, every result flagged against its range and
	// answering its order, the orders resulted, the results to review.
	results, err := chart.RecordLabPanel(p.ID, app.LabPanelResultInput{Panel: "lipid", ObservedAt: "2026-03-09T08:30",
		Results: lipidRows(orders, "242", "188", "38", "165")})
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]string{}
	for _, r := range results {
		flags[r.LOINC] = r.Flag + " " + r.Unit
		if r.OrderID == "" || r.ObservedAt != "2026-03-09T08:30:00Z" {
			t.Errorf("result %s: order %q, observed %s", r.LOINC, r.OrderID, r.ObservedAt)
		}
	}
	want := map[string]string{"2093-3": "H mg/dL", "2571-8": "H mg/dL", "2085-9": "L mg/dL", "18262-6": "H mg/dL"}
	if len(results) != 4 || !maps.Equal(flags, want) {
		t.Errorf("flags %v, want %v", flags, want)
	}
	listed, _ = chart.LabOrders(p.ID)
	for _, o := range listed {
		if o.Panel == "lipid" && o.Status != "resulted" {
			t.Errorf("order %s is %s, want resulted", o.LOINC, o.Status)
		}
	}
	queue, err := chart.LabReviewQueue()
	if err != nil || len(queue) != 4 {
		t.Errorf("review queue: %d items, %v; want the 4 results", len(queue), err)
	}
	for _, code := range []string{"2093-3", "2085-9"} {
		s, err := chart.LabSeries(p.ID, code)
		if err != nil || len(s.Points) != 1 {
			t.Errorf("series of %s: %+v, %v", code, s, err)
		}
	}

	// A report without the LDL: the three are written, the LDL order waits.
	ta.Clock.Advance(time.Second)
	again, err := chart.OrderLabPanel(p.ID, app.LabPanelOrderInput{Panel: "lipid"})
	if err != nil {
		t.Fatal(err)
	}
	partial, err := chart.RecordLabPanel(p.ID, app.LabPanelResultInput{Panel: "lipid", ObservedAt: "2026-03-10",
		Results: lipidRows(again, "180", "120", "55", "")})
	if err != nil || len(partial) != 3 {
		t.Fatalf("partial panel: %d results, %v", len(partial), err)
	}
	listed, _ = chart.LabOrders(p.ID)
	for _, o := range listed {
		if o.PanelOrderID == again[0].ID && (o.Status == "ordered") != (o.LOINC == "18262-6") {
			t.Errorf("after a partial report, order %s is %s", o.LOINC, o.Status)
		}
	}

	// A panel typed in with no order: the units preset from the list are
	// the tests' own; a lab's range replaces the default.
	standalone, err := chart.RecordLabPanel(p.ID, app.LabPanelResultInput{Panel: "thyroid", ObservedAt: "2026-03-10",
		Results: []app.LabResultInput{{LOINC: "3016-3", Value: "6.2", Unit: "mIU/L"},
			{LOINC: "3024-7", Value: "0.8", Low: ptr(0.7), High: ptr(1.5)}}})
	if err != nil || len(standalone) != 2 || standalone[0].Flag != "H" || standalone[1].Flag != "N" ||
		standalone[1].RangeSource != "lab" {
		t.Errorf("thyroid panel: %+v, %v", standalone, err)
	}
}

func TestLabPanelBadInputWritesNothing(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	orders, err := chart.OrderLabPanel(p.ID, app.LabPanelOrderInput{Panel: "lipid"})
	if err != nil {
		t.Fatal(err)
	}
	withUnit := func(rows []app.LabResultInput, i int, unit string) []app.LabResultInput {
		rows[i].Unit = unit
		return rows
	}
	for _, tc := range []struct {
		name   string
		in     app.LabPanelResultInput
		fields []string // every field that must be named
	}{
		{"one value not a number", app.LabPanelResultInput{Panel: "lipid", ObservedAt: "2026-03-09",
			Results: lipidRows(orders, "242", "188", "3 8", "165")}, []string{"2085-9.value"}},
		{"two rows wrong", app.LabPanelResultInput{Panel: "lipid", ObservedAt: "2026-03-09",
			Results: withUnit(lipidRows(orders, "x", "188", "38", "165"), 3, "furlongs")}, []string{"2093-3.value", "18262-6.unit"}},
		{"the panel's time in the future", app.LabPanelResultInput{Panel: "lipid", ObservedAt: "2026-04-01",
			Results: lipidRows(orders, "242", "188", "38", "165")}, []string{"observedAt"}},
		{"nothing entered", app.LabPanelResultInput{Panel: "lipid", Results: lipidRows(orders, "", " ", "", "")}, []string{"panel"}},
		{"no such panel", app.LabPanelResultInput{Panel: "liver", Results: lipidRows(nil, "1", "2", "3", "4")}, []string{"panel"}},
		{"a test not of the panel", app.LabPanelResultInput{Panel: "thyroid",
			Results: []app.LabResultInput{{LOINC: "2823-3", Value: "4.1"}}}, []string{"panel"}},
		{"a test twice", app.LabPanelResultInput{Panel: "thyroid",
			Results: []app.LabResultInput{{LOINC: "3016-3", Value: "4.1"}, {LOINC: "3016-3", Value: "4.2"}}}, []string{"3016-3.value"}},
		{"an order of another test", app.LabPanelResultInput{Panel: "thyroid",
			Results: []app.LabResultInput{{LOINC: "3016-3", Value: "4.1", OrderID: orders[0].ID}}}, []string{"3016-3.loinc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ta.labCounts(t)
			_, err := chart.RecordLabPanel(p.ID, tc.in)
			e := wantKind(t, err, app.Invalid)
			for _, f := range tc.fields {
				if e.Fields[f] == "" {
					t.Errorf("fields %v, want one for %s", e.Fields, f)
				}
			}
			if after := ta.labCounts(t); after != before {
				t.Errorf("refused, yet written: before %+v, after %+v", before, after)
			}
		})
	}
	before := ta.labCounts(t)
	_, err = chart.OrderLabPanel(p.ID, app.LabPanelOrderInput{Panel: "everything"})
	if e := wantKind(t, err, app.Invalid); e.Fields["panel"] == "" {
		t.Errorf("order of no such panel: %v", e.Fields)
	}
	if after := ta.labCounts(t); after != before {
		t.Errorf("refused order wrote: %+v -> %+v", before, after)
	}
}
