package app

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/terminology"
	"folio/db"
)

// LabTest is a test of Folio's list of common lab tests (see package
// terminology): its LOINC code and name, unit, adult ranges and critical
// limits.
type LabTest = terminology.LabTest

// LabPanel is a panel of Folio's list (lipid panel, CBC, BMP, CMP, TSH with
// free T4, urinalysis, HbA1c) with its LOINC-coded tests.
type LabPanel = terminology.LabPanel

// A panel is ordered as one order per test: each test's result answers its
// own order, trends on its own chart and waits on the review list on its
// own, and a test the lab reports late or not at all leaves only its own
// order open. The orders of one panel are written in one transaction and
// keep the panel's key and one id shared by them (db.LabOrder.Panel,
// PanelID), so the chart shows them as the panel again.

// LabOrderInput is the order form: a test of the list, for the visit it is
// ordered at (optional), with a note for the lab.
type LabOrderInput struct {
	LOINC       string `json:"loinc"`
	EncounterID string `json:"encounterId"`
	Note        string `json:"note"`
}

// LabOrder is one test a clinician asked for. Status is ordered, resulted
// or cancelled (with CancelReason).
type LabOrder struct {
	ID            string `json:"id"`
	PatientID     string `json:"patientId"`
	EncounterID   string `json:"encounterId"`
	LOINC         string `json:"loinc"`
	TestName      string `json:"testName"`
	OrderedAt     string `json:"orderedAt"`
	OrderedBy     string `json:"orderedBy"` // user id
	OrderedByName string `json:"orderedByName"`
	Status        string `json:"status"`
	CancelReason  string `json:"cancelReason"`
	Note          string `json:"note"`
	Version       int    `json:"version"`
	// Panel is the key of the panel this order was placed with ("" for a
	// test ordered alone), PanelName its name, PanelOrderID the id shared
	// by every order of that panel.
	Panel        string `json:"panel"`
	PanelName    string `json:"panelName"`
	PanelOrderID string `json:"panelOrderId"`
}

func (a *App) labOrderView(o db.LabOrder) LabOrder {
	out := LabOrder{ID: o.ID, PatientID: o.PatientID, EncounterID: o.EncounterID, LOINC: o.LOINC, TestName: o.TestName,
		OrderedAt: o.OrderedAt.Format(time.RFC3339), OrderedBy: o.OrderedBy, OrderedByName: o.OrderedByName,
		Status: o.Status, CancelReason: o.CancelReason, Note: o.Note, Version: o.Version,
		Panel: o.Panel, PanelName: o.Panel, PanelOrderID: o.PanelID}
	if panel, ok := a.labTests.Panel(o.Panel); ok {
		out.PanelName = panel.Name
	}
	return out
}

// LabResultInput is one result, typed in or read from an import. Value is
// as the lab reports it: a number for a numeric test, a word ("Negative")
// for a text one. Unit is UCUM ("" for the test's own unit); a unit other
// than the test's is accepted when Folio knows it for the test, or when the
// result comes with the lab's own range (Low, High), which then judges it.
type LabResultInput struct {
	OrderID    string   `json:"orderId"`    // the order it answers, or ""
	LOINC      string   `json:"loinc"`      // "" for the order's test
	Name       string   `json:"name"`       // only for a test not on Folio's list
	Value      string   `json:"value"`      // "7.2", "Negative"
	Unit       string   `json:"unit"`       // e.g. mg/dL
	Low        *float64 `json:"low"`        // the lab's reference range, if it gave one
	High       *float64 `json:"high"`       //
	RangeText  string   `json:"rangeText"`  // the lab's range as written, e.g. "<200" or "Negative"
	ObservedAt string   `json:"observedAt"` // when collected: RFC 3339, YYYY-MM-DDTHH:MM or YYYY-MM-DD; "" now
}

// LabResult is one result on a chart. Flag is what its range gave when it
// was recorded: N normal, L or H outside the range, LL or HH critical, A an
// abnormal text result, "" when there was no range to judge by.
// RangeSource says whose range that was: lab (given with the result),
// default (Folio's list, for the patient's sex) or none.
type LabResult struct {
	ID             string   `json:"id"`
	PatientID      string   `json:"patientId"`
	OrderID        string   `json:"orderId"`
	LOINC          string   `json:"loinc"`
	Name           string   `json:"name"`
	Value          *float64 `json:"value"` // nil for a text result
	ValueText      string   `json:"valueText"`
	Unit           string   `json:"unit"`
	Low            *float64 `json:"low"`
	High           *float64 `json:"high"`
	RangeText      string   `json:"rangeText"`
	RangeSource    string   `json:"rangeSource"`
	Flag           string   `json:"flag"`
	ObservedAt     string   `json:"observedAt"`
	EnteredAt      string   `json:"enteredAt"`
	Source         string   `json:"source"` // entered or imported
	ReviewedAt     string   `json:"reviewedAt"`
	ReviewedByName string   `json:"reviewedByName"`
	ReviewNote     string   `json:"reviewNote"`
	Status         string   `json:"status"` // final or entered_in_error
	RetractReason  string   `json:"retractReason"`
	Version        int      `json:"version"`
}

func labResultView(r db.LabResult) LabResult {
	return LabResult{ID: r.ID, PatientID: r.PatientID, OrderID: r.OrderID, LOINC: r.LOINC, Name: r.Name, Value: r.Value,
		ValueText: r.ValueText, Unit: r.Unit, Low: r.Low, High: r.High, RangeText: r.RangeText,
		RangeSource: r.RangeSource, Flag: r.Flag, ObservedAt: r.ObservedAt.Format(time.RFC3339),
		EnteredAt: r.EnteredAt.Format(time.RFC3339), Source: r.Source, ReviewedAt: r.ReviewedAt,
		ReviewedByName: r.ReviewedByName, ReviewNote: r.ReviewNote, Status: r.Status, RetractReason: r.RetractReason,
		Version: r.Version}
}

// LabImport is what an import wrote: every line's result, in file order.
type LabImport struct {
	Imported int         `json:"imported"`
	Results  []LabResult `json:"results"`
}

// LabSeries is one test's numeric results over time, oldest first, in the
// test's unit, for a trend chart; it has the shape of a vitals Series, so
// the same chart draws it. Low and High are the default adult range for the
// patient's sex. Omitted counts results in a unit that cannot be put on the
// test's scale (a lab's own unit with its own range).
type LabSeries struct {
	Measure string        `json:"measure"` // the test's name
	LOINC   string        `json:"loinc"`
	Unit    string        `json:"unit"`
	Low     *float64      `json:"low"`
	High    *float64      `json:"high"`
	Points  []SeriesPoint `json:"points"`
	Omitted int           `json:"omitted"`
}

// LabReviewItem is a result waiting for a clinician's review, with whose
// chart it is on and who ordered it ("" for a result nobody ordered).
type LabReviewItem struct {
	LabResult
	PatientName   string `json:"patientName"` // "Family, Given"
	MRN           string `json:"mrn"`
	OrderedByName string `json:"orderedByName"`
}

// Limits of the lab lists and forms.
const (
	defaultLabTestLimit = 20
	maxLabTestLimit     = 100
	maxLabResultsListed = 500
	maxLabReviewListed  = 500
	maxLabImportLines   = 2000
	maxLabImportErrors  = 10
	maxLabValueLength   = 100
)

// Sources of a lab result.
const (
	labEntered  = "entered"
	labImported = "imported"
)

// SearchLabTests finds tests of Folio's list as the clinician types: words
// of the name in any order, each matching the start of a word ("hem a1c"),
// or the start of the LOINC code. limit is at most 100; 0 means 20. Nothing
// is audited: it reads no chart.
func (s *Chart) SearchLabTests(query string, limit int) ([]LabTest, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return nil, err
	}
	if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) error { return checkActive(tx, who) }); err != nil {
		return nil, s.app.userError(err)
	}
	if limit <= 0 {
		limit = defaultLabTestLimit
	}
	return s.app.labTests.Search(query, min(limit, maxLabTestLimit)), nil
}

// checkOrderFields checks what a test order and a panel order share: the
// visit it is ordered at and the note for the lab.
func checkOrderFields(fields fieldErrors, encounterID, note string) {
	if len(encounterID) > maxIDLength {
		fields.add("encounterId", "No such visit.")
	}
	if utf8.RuneCountInString(note) > maxClinicalNoteLength {
		fields.add("note", fmt.Sprintf("The note can have at most %d characters.", maxClinicalNoteLength))
	}
}

// OrderLab orders a test of Folio's list for a patient.
func (s *Chart) OrderLab(patientID string, in LabOrderInput) (LabOrder, error) {
	var out LabOrder
	err := s.app.act(s.session, permClinical, func(o *op) error {
		in.LOINC, in.EncounterID = strings.TrimSpace(in.LOINC), strings.TrimSpace(in.EncounterID)
		in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
		fields := fieldErrors{}
		test, ok := o.app.labTests.Lookup(in.LOINC)
		if !ok {
			fields.add("loinc", "Choose the test from the list.")
		}
		checkOrderFields(fields, in.EncounterID, in.Note)
		if err := fields.err(); err != nil {
			return err
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		row := db.LabOrder{ID: newID(), PatientID: p.ID, EncounterID: in.EncounterID, LOINC: test.LOINC,
			TestName: test.Name, OrderedAt: o.now, OrderedBy: o.actor.userID, Status: db.LabOrdered, Note: in.Note,
			Version: 1, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
		if err := o.InsertLabOrder(row); err != nil {
			return err
		}
		saved, err := o.LabOrderByID(row.ID)
		if err != nil {
			return err
		}
		out = o.app.labOrderView(saved)
		return o.audit("lab.order", p.ID, "lab_order/"+row.ID, test.LOINC+" "+test.Name)
	})
	return out, err
}

// LabPanels lists the panels a clinician can order and enter as one. Nothing
// is audited: it reads no chart.
func (s *Chart) LabPanels() ([]LabPanel, error) {
	who, err := s.app.authorize(s.session, permClinical)
	if err != nil {
		return nil, err
	}
	if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) error { return checkActive(tx, who) }); err != nil {
		return nil, s.app.userError(err)
	}
	return s.app.labTests.Panels(), nil
}

// LabPanelOrderInput is the panel order form: a panel of the list by its
// key, for the visit it is ordered at (optional), with a note for the lab.
type LabPanelOrderInput struct {
	Panel       string `json:"panel"`
	EncounterID string `json:"encounterId"`
	Note        string `json:"note"`
}

// OrderLabPanel orders every test of a panel for a patient, one order per
// test placed together (see LabPanel), and answers them in the panel's order.
func (s *Chart) OrderLabPanel(patientID string, in LabPanelOrderInput) ([]LabOrder, error) {
	var out []LabOrder
	err := s.app.act(s.session, permClinical, func(o *op) error {
		in.EncounterID = strings.TrimSpace(in.EncounterID)
		in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
		fields := fieldErrors{}
		panel, ok := o.app.labTests.Panel(in.Panel)
		if !ok {
			fields.add("panel", "Choose the panel from the list.")
		}
		checkOrderFields(fields, in.EncounterID, in.Note)
		if err := fields.err(); err != nil {
			return err
		}
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		out = make([]LabOrder, 0, len(panel.Tests))
		panelID := newID()
		for _, test := range panel.Tests {
			row := db.LabOrder{ID: newID(), PatientID: p.ID, EncounterID: in.EncounterID, LOINC: test.LOINC,
				TestName: test.Name, OrderedAt: o.now, OrderedBy: o.actor.userID, Status: db.LabOrdered, Note: in.Note,
				Version: 1, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
			if len(panel.Tests) > 1 { // HbA1c, the panel of one, is entered as a test
				row.Panel, row.PanelID = panel.Key, panelID
			}
			if err := o.InsertLabOrder(row); err != nil {
				return err
			}
			saved, err := o.LabOrderByID(row.ID)
			if err != nil {
				return err
			}
			out = append(out, o.app.labOrderView(saved))
			if err := o.audit("lab.order", p.ID, "lab_order/"+row.ID,
				fmt.Sprintf("%s %s; panel %s %s", test.LOINC, test.Name, panel.Name, panel.LOINC)); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// CancelLabOrder cancels an order not yet resulted, saying why. It stays on
// the list, marked so.
func (s *Chart) CancelLabOrder(id, reason string, version int) (LabOrder, error) {
	var out LabOrder
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this order is cancelled.").err(); err != nil {
			return err
		}
		old, err := o.LabOrderByID(id)
		if err != nil {
			return err
		}
		switch old.Status {
		case db.LabCancelled:
			return errorf(Conflict, "This order was already cancelled.")
		case db.LabResulted:
			return errorf(Conflict, "This order has a result; retract the result if it was entered in error.")
		}
		if _, err := o.chartPatient(old.PatientID); err != nil {
			return err
		}
		if old.Version != version {
			return errorf(Conflict, "Someone else changed this order meanwhile. Reload the chart and try again.")
		}
		next := old
		next.Status, next.CancelReason, next.UpdatedAt, next.UpdatedBy = db.LabCancelled, reason, o.now, o.actor.userID
		saved, err := o.UpdateLabOrder(next, reason)
		if err != nil {
			return err
		}
		out = o.app.labOrderView(saved)
		return o.audit("lab.cancel", old.PatientID, "lab_order/"+id,
			fmt.Sprintf("version %d; %s %s; reason: %s", saved.Version, old.LOINC, old.TestName, reason))
	})
	return out, err
}

// LabOrders lists a patient's lab orders, newest first, cancelled ones
// too. A merged chart lists the survivor's.
func (s *Chart) LabOrders(patientID string) ([]LabOrder, error) {
	out := []LabOrder{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Tx.LabOrders(p.ID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, o.app.labOrderView(r))
		}
		return o.audit("lab.orders", p.ID, "patient/"+p.ID, fmt.Sprintf("%d orders", len(out)))
	})
	return answer(out, err)
}

// labForm is a checked result, ready to write but for its ids.
type labForm struct {
	row   db.LabResult
	order *db.LabOrder // the order it answers, if any
}

// checkResult tidies and checks one result for patient p, judging it
// against its range; with no wrong field it returns the row to write.
func (o *op) checkResult(p db.Patient, in LabResultInput) (labForm, fieldErrors) {
	fields := fieldErrors{}
	var form labForm
	in.OrderID, in.LOINC, in.Unit = strings.TrimSpace(in.OrderID), strings.TrimSpace(in.LOINC), strings.TrimSpace(in.Unit)
	in.Name, in.Value = strings.Join(strings.Fields(in.Name), " "), strings.TrimSpace(in.Value)
	in.RangeText, in.ObservedAt = strings.TrimSpace(in.RangeText), strings.TrimSpace(in.ObservedAt)
	if in.OrderID != "" {
		order, err := o.LabOrderByID(in.OrderID)
		switch {
		case err != nil || order.PatientID != p.ID:
			fields.add("orderId", "No such order on this chart.")
		case order.Status == db.LabCancelled:
			fields.add("orderId", "This order was cancelled.")
		case in.LOINC != "" && in.LOINC != order.LOINC:
			fields.add("loinc", fmt.Sprintf("The order is for %s (%s).", order.TestName, order.LOINC))
		default:
			in.LOINC, form.order = order.LOINC, &order
		}
	}
	test, listed := o.app.labTests.Lookup(in.LOINC)
	switch {
	case in.LOINC == "" && fields["orderId"] == "":
		fields.add("loinc", "Choose the test.")
	case in.LOINC != "" && !terminology.ValidLOINC(in.LOINC):
		fields.add("loinc", fmt.Sprintf("%q is not a LOINC code (e.g. 718-7).", in.LOINC))
	case !listed && in.Name == "":
		fields.add("name", "Name the test: it is not on Folio's list.")
	}
	if !listed {
		test = terminology.LabTest{LOINC: in.LOINC, Name: in.Name, Kind: terminology.LabNumeric}
		if _, err := strconv.ParseFloat(in.Value, 64); err != nil {
			test.Kind = terminology.LabText
		}
	}
	row := db.LabResult{PatientID: p.ID, LOINC: test.LOINC, Name: test.Name, Status: db.LabFinal, Version: 1,
		EnteredAt: o.now, EnteredBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID,
		Source: labEntered, RangeText: in.RangeText, Low: in.Low, High: in.High}
	if form.order != nil {
		row.OrderID = form.order.ID
	}
	row.ObservedAt = o.observedAt(in.ObservedAt, fields)
	for _, f := range []struct {
		field, value, what string
		max                int
	}{{"value", in.Value, "result", maxLabValueLength}, {"rangeText", in.RangeText, "range", maxLabValueLength},
		{"unit", in.Unit, "unit", 30}, {"name", in.Name, "test name", maxTitleLength}} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields.add(f.field, fmt.Sprintf("The %s can have at most %d characters.", f.what, f.max))
		}
	}
	for _, b := range []struct {
		field string
		v     *float64
	}{{"low", in.Low}, {"high", in.High}} {
		if b.v != nil && (math.IsNaN(*b.v) || math.IsInf(*b.v, 0)) {
			fields.add(b.field, "Enter the bound as a number.")
		}
	}
	if in.Low != nil && in.High != nil && *in.Low > *in.High {
		fields.add("high", "The upper bound of the range must not be below the lower one.")
	}
	if in.Value == "" {
		fields.add("value", "Enter the result.")
	}
	if len(fields) > 0 {
		return form, fields
	}
	if test.Kind == terminology.LabText {
		judgeText(&row, in.Value, test)
	} else if !judgeNumber(&row, in.Value, in.Unit, test, p.Sex, fields) {
		return form, fields
	}
	form.row = row
	return form, fields
}

// observedAt reads when a sample was taken: a full RFC 3339 time, or a
// local date and time, or a date (taken at midnight); "" is now.
func (o *op) observedAt(s string, fields fieldErrors) time.Time {
	if s == "" {
		return o.now
	}
	var at time.Time
	var err error
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if at, err = time.ParseInLocation(layout, s, o.now.Location()); err == nil {
			break
		}
	}
	switch {
	case err != nil:
		fields.add("observedAt", "Enter when the sample was taken as a date (2026-03-10) or date and time.")
	case at.After(o.now.Add(5 * time.Minute)):
		fields.add("observedAt", "A sample cannot be taken in the future.")
	case at.Year() < 1900:
		fields.add("observedAt", "The date cannot be before 1900.")
	}
	return at
}

// judgeText records a text result and flags it against the lab's range
// text when given, else the test's normal result.
func judgeText(row *db.LabResult, value string, test terminology.LabTest) {
	row.ValueText, row.Unit, row.Low, row.High = value, "", nil, nil
	normal, source := test.NormalText, "default"
	if row.RangeText != "" {
		normal, source = row.RangeText, "lab"
	}
	row.Flag, row.RangeSource, row.RangeText = terminology.TextFlag(value, normal), source, normal
	if normal == "" {
		row.RangeSource = "none"
	}
}

// judgeNumber records a numeric result in its unit and flags it: against
// the lab's range when the result has one, else against the list's range
// for the patient's sex; critical limits apply whenever the unit is one the
// list knows. It adds to fields and returns false when the value or unit
// cannot be accepted.
func judgeNumber(row *db.LabResult, value, unit string, test terminology.LabTest, sex string, fields fieldErrors) bool {
	v, err := strconv.ParseFloat(value, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		fields.add("value", fmt.Sprintf("Enter the %s result as a number, e.g. 7.2.", test.Name))
		return false
	}
	row.Value = &v
	ownRange := row.Low != nil || row.High != nil
	if test.Unit == "" { // a test not on the list: its own unit and range, or none
		row.Unit = unit
		row.RangeSource = "none"
		if ownRange {
			row.RangeSource = "lab"
		}
		row.Flag = terminology.LabFlag(v, row.Low, row.High, nil, nil)
		row.RangeText = rangeText(row)
		return true
	}
	if unit == "" {
		unit = test.Unit
	}
	factor, spelled, known := test.Factor(unit)
	if !known && !ownRange {
		fields.add("unit", fmt.Sprintf("Folio does not know %s for %s (use %s), unless the lab's range is entered with it.",
			unit, test.Name, strings.Join(test.Units(), " or ")))
		return false
	}
	row.Unit = unit
	var critLow, critHigh *float64
	if known {
		row.Unit = spelled
		def := test.RangeFor(sex)
		low, high := inUnit(def.Low, factor), inUnit(def.High, factor)
		critLow, critHigh = inUnit(test.CriticalLow, factor), inUnit(test.CriticalHigh, factor)
		switch {
		case !ownRange:
			row.Low, row.High, row.RangeSource = low, high, "default"
		case sameBound(row.Low, low) && sameBound(row.High, high):
			row.RangeSource = "default" // the form's prefilled default, left as it was
		default:
			row.RangeSource = "lab"
		}
	} else {
		row.RangeSource = "lab"
	}
	if row.Low == nil && row.High == nil {
		row.RangeSource = "none"
	}
	row.Flag = terminology.LabFlag(v, row.Low, row.High, critLow, critHigh)
	if row.RangeText == "" {
		row.RangeText = rangeText(row)
	}
	return true
}

// inUnit turns a bound in the test's unit into the unit whose factor is given.
func inUnit(b *float64, factor float64) *float64 {
	if b == nil {
		return nil
	}
	v := round(*b/factor, 4)
	return &v
}

func sameBound(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

// rangeText writes a range as a lab report does: "12.1–15.1 g/dL", "≤ 199 mg/dL".
func rangeText(r *db.LabResult) string {
	unit := ""
	if r.Unit != "" {
		unit = " " + r.Unit
	}
	switch {
	case r.Low != nil && r.High != nil:
		return formatNumber(*r.Low) + "–" + formatNumber(*r.High) + unit
	case r.Low != nil:
		return "≥ " + formatNumber(*r.Low) + unit
	case r.High != nil:
		return "≤ " + formatNumber(*r.High) + unit
	}
	return ""
}

// labDetail is a result in one line for the audit trail.
func labDetail(r db.LabResult) string {
	value := r.ValueText
	if r.Value != nil {
		value = formatNumber(*r.Value) + " " + r.Unit
	}
	flag := r.Flag
	if flag == "" {
		flag = "no range"
	}
	return fmt.Sprintf("%s %s: %s (%s, range %s); observed %s", r.LOINC, r.Name, strings.TrimSpace(value), flag,
		r.RangeSource, r.ObservedAt.Format(time.RFC3339))
}

// insertResult writes a checked result, marks the order it answers
// resulted, and audits both.
func (o *op) insertResult(form labForm, action string) (db.LabResult, error) {
	row := form.row
	row.ID = newID()
	if err := o.InsertLabResult(row); err != nil {
		return db.LabResult{}, err
	}
	if form.order != nil && form.order.Status == db.LabOrdered {
		next := *form.order
		next.Status, next.UpdatedAt, next.UpdatedBy = db.LabResulted, o.now, o.actor.userID
		if _, err := o.UpdateLabOrder(next, "Resulted"); err != nil {
			return db.LabResult{}, err
		}
		if err := o.audit("lab.resulted", row.PatientID, "lab_order/"+next.ID, "by lab_result/"+row.ID); err != nil {
			return db.LabResult{}, err
		}
	}
	return row, o.audit(action, row.PatientID, "lab_result/"+row.ID, labDetail(row))
}

// RecordLabResult records a result typed in from a lab report, answering
// one of the patient's orders (which is then marked resulted) or standing
// alone. It is flagged against its range (see LabResultInput) and waits on
// the ordering clinician's review list, or every clinician's if nobody
// ordered it. A value that is not a number, or a unit Folio cannot judge
// the result in, is refused with nothing written.
func (s *Chart) RecordLabResult(patientID string, in LabResultInput) (LabResult, error) {
	var out LabResult
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		form, fields := o.checkResult(p, in)
		if err := fields.err(); err != nil {
			return err
		}
		row, err := o.insertResult(form, "lab.result")
		if err != nil {
			return err
		}
		saved, err := o.LabResultByID(row.ID)
		out = labResultView(saved)
		return err
	})
	return out, err
}

// LabPanelResultInput is a panel's results typed in from one lab report:
// one row per test of the panel (LOINC set, the order it answers if the
// panel was ordered), collected at ObservedAt. A row with no value is a
// test the report does not give: it is skipped, and its order stays open.
type LabPanelResultInput struct {
	Panel      string           `json:"panel"`
	ObservedAt string           `json:"observedAt"` // as for LabResultInput; a row's own time, if given, wins
	Results    []LabResultInput `json:"results"`
}

// RecordLabPanel records a panel's results in one go: each row is checked
// and flagged as RecordLabResult does, and all are written in one
// transaction, or, if any row is wrong, none. A wrong row's fields are
// named with its test's LOINC code ("2093-3.value").
func (s *Chart) RecordLabPanel(patientID string, in LabPanelResultInput) ([]LabResult, error) {
	var out []LabResult
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		forms, err := o.checkPanelResults(p, in)
		if err != nil {
			return err
		}
		out = make([]LabResult, 0, len(forms))
		for _, form := range forms {
			row, err := o.insertResult(form, "lab.result")
			if err != nil {
				return err
			}
			saved, err := o.LabResultByID(row.ID)
			if err != nil {
				return err
			}
			out = append(out, labResultView(saved))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkPanelResults checks every row of a panel's results; any wrong row
// makes it an invalid-input error naming each wrong field by its test.
func (o *op) checkPanelResults(p db.Patient, in LabPanelResultInput) ([]labForm, error) {
	fields := fieldErrors{}
	panel, ok := o.app.labTests.Panel(in.Panel)
	if !ok {
		fields.add("panel", "Choose the panel from the list.")
		return nil, fields.err()
	}
	if len(in.Results) > len(panel.Tests) {
		fields.add("panel", fmt.Sprintf("A %s has %d tests.", panel.Name, len(panel.Tests)))
		return nil, fields.err()
	}
	var forms []labForm
	seen := map[string]bool{}
	for _, row := range in.Results {
		row.LOINC = strings.TrimSpace(row.LOINC)
		switch {
		case !panel.Has(row.LOINC):
			fields.add("panel", fmt.Sprintf("%q is not a test of the %s.", row.LOINC, panel.Name))
			continue
		case seen[row.LOINC]:
			fields.add(row.LOINC+".value", "This test is in the form twice.")
			continue
		}
		seen[row.LOINC] = true
		if strings.TrimSpace(row.Value) == "" {
			continue // not on this report
		}
		inherited := strings.TrimSpace(row.ObservedAt) == ""
		if inherited {
			row.ObservedAt = in.ObservedAt
		}
		form, rowFields := o.checkResult(p, row)
		for field, msg := range rowFields {
			if field == "observedAt" && inherited {
				fields.add(field, msg) // the panel's time, once
				continue
			}
			fields.add(row.LOINC+"."+field, msg)
		}
		if len(rowFields) == 0 {
			forms = append(forms, form)
		}
	}
	if len(forms) == 0 && len(fields) == 0 {
		fields.add("panel", "Enter at least one result of the panel.")
	}
	if err := fields.err(); err != nil {
		return nil, err
	}
	return forms, nil
}

// ImportLabResults records the results of a lab's CSV export for one
// patient: one result a line, the columns
//
//	loinc,value,unit,low,high,observed
//
// (a header line naming them is skipped; low and high may be empty; observed
// as for LabResultInput). Each result is checked as RecordLabResult checks
// it and answers the patient's oldest open order of its test, if any. It is
// all or nothing: if any line is wrong, nothing is written and the error
// names each wrong line (the first ten).
func (s *Chart) ImportLabResults(patientID, csvText string) (LabImport, error) {
	out := LabImport{Results: []LabResult{}}
	err := s.app.act(s.session, permClinical, func(o *op) error {
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		forms, err := o.checkImport(p, csvText)
		if err != nil {
			return err
		}
		for _, form := range forms {
			row, err := o.insertResult(form, "lab.import")
			if err != nil {
				return err
			}
			saved, err := o.LabResultByID(row.ID)
			if err != nil {
				return err
			}
			out.Results = append(out.Results, labResultView(saved))
		}
		out.Imported = len(out.Results)
		return nil
	})
	if err != nil {
		return LabImport{Results: []LabResult{}}, err
	}
	return out, nil
}

// importColumns are the columns of an import line, in order.
var importColumns = []string{"loinc", "value", "unit", "low", "high", "observed"}

// checkImport reads and checks every line of an import; any wrong line
// makes it an invalid-input error naming the lines.
func (o *op) checkImport(p db.Patient, csvText string) ([]labForm, error) {
	r := csv.NewReader(strings.NewReader(csvText))
	r.FieldsPerRecord, r.TrimLeadingSpace = -1, true
	var problems []string
	var forms []labForm
	openOrders, err := o.openOrders(p.ID)
	if err != nil {
		return nil, err
	}
	for n := 0; ; n++ {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Line %d: this is not a CSV line (%s).", line, csvProblem(err)))
			break
		}
		if n == 0 && strings.EqualFold(strings.TrimSpace(record[0]), "loinc") {
			continue
		}
		if len(forms)+len(problems) >= maxLabImportLines {
			problems = append(problems, fmt.Sprintf("Line %d: an import holds at most %d results.", line, maxLabImportLines))
			break
		}
		if len(record) != len(importColumns) {
			problems = append(problems, fmt.Sprintf("Line %d: %d columns, want 6 (%s).", line, len(record),
				strings.Join(importColumns, ",")))
			continue
		}
		in, msg := importInput(record)
		if msg != "" {
			problems = append(problems, fmt.Sprintf("Line %d: %s", line, msg))
			continue
		}
		if _, listed := o.app.labTests.Lookup(in.LOINC); !listed && terminology.ValidLOINC(in.LOINC) {
			problems = append(problems, fmt.Sprintf("Line %d: %s is not on Folio's list of tests; enter it by hand with its name.", line, in.LOINC))
			continue
		}
		form, fields := o.checkResult(p, in)
		if len(fields) > 0 {
			problems = append(problems, fmt.Sprintf("Line %d: %s", line, firstProblem(fields)))
			continue
		}
		form.row.Source = labImported
		if order, ok := openOrders[form.row.LOINC]; ok && len(order) > 0 {
			form.order, openOrders[form.row.LOINC] = &order[0], order[1:]
			form.row.OrderID = order[0].ID
		}
		forms = append(forms, form)
	}
	if len(problems) == 0 && len(forms) == 0 {
		problems = append(problems, "The file holds no results: one line a result, "+strings.Join(importColumns, ",")+".")
	}
	if len(problems) == 0 {
		return forms, nil
	}
	shown := problems[:min(len(problems), maxLabImportErrors)]
	msg := strings.Join(shown, "\n")
	if len(problems) > len(shown) {
		msg += fmt.Sprintf("\n… and %d more.", len(problems)-len(shown))
	}
	what := "1 line needs"
	if len(problems) > 1 {
		what = fmt.Sprintf("%d lines need", len(problems))
	}
	return nil, &Error{Kind: Invalid, Message: "Nothing was imported: " + what + " correcting.",
		Fields: map[string]string{"csv": msg}}
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// importInput reads an import line's columns into a result.
func importInput(record []string) (LabResultInput, string) {
	in := LabResultInput{LOINC: record[0], Value: record[1], Unit: record[2], ObservedAt: record[5]}
	for i, target := range []**float64{&in.Low, &in.High} {
		s := strings.TrimSpace(record[3+i])
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return in, fmt.Sprintf("the %s bound %q is not a number.", importColumns[3+i], s)
		}
		*target = &v
	}
	return in, ""
}

// firstProblem is one field error of a line, in column order.
func firstProblem(fields fieldErrors) string {
	for _, f := range []string{"loinc", "name", "orderId", "value", "unit", "low", "high", "rangeText", "observedAt"} {
		if msg, ok := fields[f]; ok {
			return msg
		}
	}
	for _, msg := range fields {
		return msg
	}
	return ""
}

// openOrders are a patient's orders waiting for a result, oldest first, by test.
func (o *op) openOrders(patientID string) (map[string][]db.LabOrder, error) {
	rows, err := o.Tx.LabOrders(patientID)
	if err != nil {
		return nil, err
	}
	out := map[string][]db.LabOrder{}
	for i := len(rows) - 1; i >= 0; i-- { // listed newest first
		if rows[i].Status == db.LabOrdered {
			out[rows[i].LOINC] = append(out[rows[i].LOINC], rows[i])
		}
	}
	return out, nil
}

// LabResults lists a patient's latest 500 results, newest first, retracted
// ones too (marked so). A merged chart lists the survivor's.
func (s *Chart) LabResults(patientID string) ([]LabResult, error) {
	out := []LabResult{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		rows, err := o.Tx.LabResults(p.ID, maxLabResultsListed)
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, labResultView(r))
		}
		return o.audit("lab.results", p.ID, "patient/"+p.ID, fmt.Sprintf("%d results", len(out)))
	})
	return answer(out, err)
}

// LabSeries is one test's numeric results for a patient over time, for a
// trend chart (see the type). Retracted results are left out.
func (s *Chart) LabSeries(patientID, loinc string) (LabSeries, error) {
	loinc = strings.TrimSpace(loinc)
	var out LabSeries
	err := s.app.look(s.session, permClinical, func(o *op) error {
		if !terminology.ValidLOINC(loinc) {
			return (fieldErrors{"loinc": "Choose the test to chart."}).err()
		}
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		points, err := o.Tx.LabSeries(p.ID, loinc)
		if err != nil {
			return err
		}
		test, listed := o.app.labTests.Lookup(loinc)
		out = labSeries(test, listed, p.Sex, points)
		out.LOINC = loinc
		return o.audit("lab.chart", p.ID, "patient/"+p.ID, fmt.Sprintf("%s; %d points", loinc, len(out.Points)))
	})
	return answer(out, err)
}

func labSeries(test terminology.LabTest, listed bool, sex string, points []db.LabPoint) LabSeries {
	out := LabSeries{Measure: test.Name, Unit: test.Unit, Points: make([]SeriesPoint, 0, len(points))}
	if listed {
		r := test.RangeFor(sex)
		out.Low, out.High = r.Low, r.High
	} else if len(points) > 0 {
		out.Unit = points[0].Unit
	}
	type unitFactor struct {
		factor float64
		ok     bool
	}
	factors := map[string]unitFactor{} // a few units at most: each judged once, not per point
	for _, p := range points {
		f, seen := factors[p.Unit]
		if !seen {
			f.factor, f.ok = 1, p.Unit == out.Unit
			if listed && !f.ok {
				f.factor, _, f.ok = test.Factor(p.Unit)
			}
			factors[p.Unit] = f
		}
		if !f.ok {
			out.Omitted++
			continue
		}
		value := p.Value
		if f.factor != 1 {
			value = round(value*f.factor, 4)
		}
		out.Points = append(out.Points, SeriesPoint{At: p.At, Value: value, Flag: p.Flag})
	}
	return out
}

// LabReviewQueue lists the results waiting for the signed-in clinician's
// review: those of the tests they ordered, and those nobody ordered (for
// any clinician), oldest first, with the patient's name. Reading it is
// audited on each patient's chart listed.
func (s *Chart) LabReviewQueue() ([]LabReviewItem, error) {
	out := []LabReviewItem{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		rows, err := o.Tx.LabReviewQueue(o.actor.userID, maxLabReviewListed)
		if err != nil {
			return err
		}
		perPatient := map[string]int{}
		var patients []string
		for _, r := range rows {
			out = append(out, LabReviewItem{LabResult: labResultView(r.LabResult), PatientName: r.PatientName,
				MRN: r.MRN, OrderedByName: r.OrderedByName})
			if perPatient[r.PatientID] == 0 {
				patients = append(patients, r.PatientID)
			}
			perPatient[r.PatientID]++
		}
		for _, id := range patients {
			if err := o.audit("lab.review_list", id, "patient/"+id, fmt.Sprintf("%d results to review", perPatient[id])); err != nil {
				return err
			}
		}
		return nil
	})
	return answer(out, err)
}

// ReviewLabResult marks a result reviewed by the signed-in clinician, with
// an optional note (e.g. "repeat in 3 months"); it leaves the review list.
func (s *Chart) ReviewLabResult(id, note string, version int) (LabResult, error) {
	var out LabResult
	err := s.app.act(s.session, permClinical, func(o *op) error {
		note = strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
		if utf8.RuneCountInString(note) > maxClinicalNoteLength {
			return (fieldErrors{"note": fmt.Sprintf("The note can have at most %d characters.", maxClinicalNoteLength)}).err()
		}
		old, err := o.LabResultByID(id)
		if err != nil {
			return err
		}
		switch {
		case old.Status == db.EnteredInError:
			return errorf(Conflict, "This result was retracted as entered in error.")
		case old.ReviewedAt != "":
			return errorf(Conflict, "This result was already reviewed by %s.", old.ReviewedByName)
		}
		if _, err := o.chartPatient(old.PatientID); err != nil {
			return err
		}
		if old.Version != version {
			return errorf(Conflict, "Someone else changed this result meanwhile. Reload it and try again.")
		}
		next := old
		next.ReviewedAt, next.ReviewedBy, next.ReviewNote = o.now.UTC().Format(time.RFC3339), o.actor.userID, note
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		saved, err := o.UpdateLabResult(next, "Reviewed")
		if err != nil {
			return err
		}
		out = labResultView(saved)
		detail := fmt.Sprintf("version %d; %s %s", saved.Version, old.LOINC, old.Name)
		if note != "" {
			detail += "; note: " + note
		}
		return o.audit("lab.review", old.PatientID, "lab_result/"+id, detail)
	})
	return out, err
}

// RetractLabResult marks a result entered in error, saying why. It stays
// readable, marked so, and leaves the trend chart and the review list;
// nothing is deleted.
func (s *Chart) RetractLabResult(id, reason string, version int) (LabResult, error) {
	var out LabResult
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why this result was entered in error.").err(); err != nil {
			return err
		}
		old, err := o.LabResultByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this result", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason, next.UpdatedAt, next.UpdatedBy = db.EnteredInError, reason, o.now, o.actor.userID
		saved, err := o.UpdateLabResult(next, reason)
		if err != nil {
			return err
		}
		out = labResultView(saved)
		return o.audit("lab.retract", old.PatientID, "lab_result/"+id,
			fmt.Sprintf("version %d; %s; reason: %s", saved.Version, labDetail(old), reason))
	})
	return out, err
}
