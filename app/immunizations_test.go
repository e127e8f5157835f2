package app_test

import (
	"context"
	"strings"
	"testing"

	"folio/app"
	"folio/db"
)

// sampleImmunization is a dose of Tdap given here today.
func sampleImmunization() app.ImmunizationInput {
	return app.ImmunizationInput{CVX: "115", LotNumber: "TD4471", ExpirationDate: "2027-06-30", Manufacturer: "GSK",
		Site: "left_deltoid", Route: "intramuscular", Dose: "0.5 mL"}
}

func (f *roleFixture) immunization(t *testing.T) app.Immunization {
	t.Helper()
	m, err := f.chart.RecordImmunization(f.patient.ID, sampleImmunization())
	if err != nil {
		t.Fatalf("record immunization: %v", err)
	}
	return m
}

// immunizationCounts is how many doses, revisions and audit entries the
// chart holds, to check that nothing was written.
func (ta *testApp) immunizationCounts(t testing.TB) (doses, revisions, audit int) {
	t.Helper()
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		if doses, err = tx.CountImmunizations(); err != nil {
			return err
		}
		revisions, err = tx.CountRevisions()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return doses, revisions, len(ta.audit(t))
}

func TestRecordImmunizationGivenHere(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	in := sampleImmunization()
	in.CVX, in.Site, in.Route = " 8 ", "Right_Thigh", "intramuscular"
	m, err := chart.RecordImmunization(p.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	today := testStart.Format("2006-01-02")
	if m.CVX != "08" || m.Vaccine != "Hep B, adolescent or pediatric" || m.OccurredOn != today ||
		m.Source != "given_here" || m.Site != "right_thigh" || m.Status != "completed" || m.Version != 1 {
		t.Errorf("recorded %+v", m)
	}
	if m.AdministeredBy != ta.Clinician.User.ID || m.AdministeredByName != "Dr. Jordan Lee" || m.Performer != "" {
		t.Errorf("given by %q %q, performer %q; want the clinician signed in", m.AdministeredBy, m.AdministeredByName, m.Performer)
	}
	if e := ta.lastAudit(t); e.Action != "immunization.record" || e.PatientID != p.ID ||
		!strings.Contains(e.Detail, "CVX 08") || !strings.Contains(e.Detail, "lot TD4471") {
		t.Errorf("audit %+v", e)
	}
	// A lot that expires at the end of this month is still good today.
	in = sampleImmunization()
	in.ExpirationDate = testStart.Format("2006-01")
	if _, err := chart.RecordImmunization(p.ID, in); err != nil {
		t.Errorf("lot expiring this month: %v", err)
	}

	list, err := chart.Immunizations(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].AdministeredByName != "Dr. Jordan Lee" {
		t.Errorf("list %+v", list)
	}
	if e := ta.lastAudit(t); e.Action != "immunization.list" || e.PatientID != p.ID {
		t.Errorf("reading the list is not audited: %+v", e)
	}
}

func TestRecordImmunizationFromElsewhere(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	for _, in := range []app.ImmunizationInput{
		// A card that names neither product nor day: history-only codes and partial dates.
		{CVX: "88", OccurredOn: "2019", Source: "elsewhere", Performer: "County flu clinic"},
		{CVX: "03", OccurredOn: "1985-09", Source: "elsewhere"},
		{CVX: "187", OccurredOn: "2025-11-02", Source: "elsewhere", LotNumber: "SZ21", Site: "left_deltoid",
			Route: "intramuscular", Performer: "Main St Pharmacy"},
	} {
		m, err := chart.RecordImmunization(p.ID, in)
		if err != nil {
			t.Fatalf("record %s: %v", in.CVX, err)
		}
		if m.Source != "elsewhere" || m.AdministeredBy != "" || m.Performer != in.Performer || m.OccurredOn != in.OccurredOn {
			t.Errorf("recorded %+v", m)
		}
	}
	list, err := chart.Immunizations(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, m := range list {
		order = append(order, m.OccurredOn)
	}
	if strings.Join(order, " ") != "2025-11-02 2019 1985-09" {
		t.Errorf("listed %v, want the latest first", order)
	}
}

// TestImmunizationBadInputWritesNothing: every wrong form is refused with
// the field and a message that says what to do, and writes nothing, not
// even an audit entry.
func TestImmunizationBadInputWritesNothing(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient()) // born 1984-06-21
	here := func(change func(*app.ImmunizationInput)) app.ImmunizationInput {
		in := sampleImmunization()
		change(&in)
		return in
	}
	elsewhere := func(change func(*app.ImmunizationInput)) app.ImmunizationInput {
		in := app.ImmunizationInput{CVX: "03", OccurredOn: "1990", Source: "elsewhere"}
		change(&in)
		return in
	}
	for _, tc := range []struct {
		name  string
		in    app.ImmunizationInput
		field string
		says  string
	}{
		{"no vaccine", here(func(in *app.ImmunizationInput) { in.CVX = "" }), "cvx", "Choose the vaccine"},
		{"unknown CVX code", here(func(in *app.ImmunizationInput) { in.CVX = "999" }), "cvx", "CVX code 999 is not on"},
		{"CVX code that is not a number", here(func(in *app.ImmunizationInput) { in.CVX = "tdap" }), "cvx", "not on Folio's vaccine list"},
		{"unspecified formulation given here", here(func(in *app.ImmunizationInput) { in.CVX = "88" }), "cvx", "only records a dose given elsewhere"},
		{"date in the future", here(func(in *app.ImmunizationInput) { in.OccurredOn = "2026-03-11" }), "occurredOn", "future"},
		{"future year from elsewhere", elsewhere(func(in *app.ImmunizationInput) { in.OccurredOn = "2027" }), "occurredOn", "future"},
		{"before birth", elsewhere(func(in *app.ImmunizationInput) { in.OccurredOn = "1984-05" }), "occurredOn", "before the patient's birth (1984-06-21)"},
		{"before birth, given here", here(func(in *app.ImmunizationInput) { in.OccurredOn = "1984-06-20"; in.ExpirationDate = "" }), "occurredOn", "before the patient's birth"},
		{"partial date given here", here(func(in *app.ImmunizationInput) { in.OccurredOn = "2026-03" }), "occurredOn", "YYYY-MM-DD"},
		{"no date from elsewhere", elsewhere(func(in *app.ImmunizationInput) { in.OccurredOn = "" }), "occurredOn", "at least its year"},
		{"unreadable date", elsewhere(func(in *app.ImmunizationInput) { in.OccurredOn = "3/4/1990" }), "occurredOn", "YYYY"},
		{"given here without lot", here(func(in *app.ImmunizationInput) { in.LotNumber = "  " }), "lotNumber", "lot number"},
		{"given here without site", here(func(in *app.ImmunizationInput) { in.Site = "" }), "site", "where the dose was given"},
		{"given here without route", here(func(in *app.ImmunizationInput) { in.Route = "" }), "route", "Choose the route"},
		{"unknown site", here(func(in *app.ImmunizationInput) { in.Site = "left knee" }), "site", "deltoid"},
		{"unknown route", here(func(in *app.ImmunizationInput) { in.Route = "IV" }), "route", "intramuscular"},
		{"oral site, injected", here(func(in *app.ImmunizationInput) { in.Site = "oral" }), "route", "oral dose"},
		{"nasal route, arm site", here(func(in *app.ImmunizationInput) { in.Route = "nasal" }), "route", "nasal dose"},
		{"expired lot", here(func(in *app.ImmunizationInput) { in.ExpirationDate = "2026-03-09" }), "expirationDate", "this lot had expired on 2026-03-09"},
		{"lot expired last month", here(func(in *app.ImmunizationInput) { in.ExpirationDate = "2026-02" }), "expirationDate", "expired on 2026-02-28"},
		{"expired before a dose elsewhere", elsewhere(func(in *app.ImmunizationInput) { in.ExpirationDate = "1989-12" }), "expirationDate", "expired on 1989-12-31"},
		{"unreadable expiry", here(func(in *app.ImmunizationInput) { in.ExpirationDate = "June 2027" }), "expirationDate", "YYYY-MM-DD or YYYY-MM"},
		{"unknown source", here(func(in *app.ImmunizationInput) { in.Source = "pharmacy" }), "source", "given here or elsewhere"},
		{"lot number too long", here(func(in *app.ImmunizationInput) { in.LotNumber = strings.Repeat("A", 51) }), "lotNumber", "at most 50"},
		{"note too long", here(func(in *app.ImmunizationInput) { in.Note = strings.Repeat("a", 2001) }), "note", "at most 2000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doses, revisions, audit := ta.immunizationCounts(t)
			_, err := chart.RecordImmunization(p.ID, tc.in)
			e := wantKind(t, err, app.Invalid)
			if msg := e.Fields[tc.field]; !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.says)) {
				t.Errorf("field %s: %q, want it to say %q (all: %v)", tc.field, msg, tc.says, e.Fields)
			}
			if d, r, a := ta.immunizationCounts(t); d != doses || r != revisions || a != audit {
				t.Errorf("written: doses %d→%d, revisions %d→%d, audit %d→%d", doses, d, revisions, r, audit, a)
			}
		})
	}
	_, err := chart.RecordImmunization("no-such-patient", sampleImmunization())
	wantKind(t, err, app.NotFound)
}

func TestRetractImmunization(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	m, err := chart.RecordImmunization(p.ID, sampleImmunization())
	if err != nil {
		t.Fatal(err)
	}
	later := sampleImmunization()
	later.CVX, later.OccurredOn = "187", "2026-03-09"
	if _, err := chart.RecordImmunization(p.ID, later); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		reason  string
		version int
		kind    app.Kind
	}{
		{"no reason", "  ", m.Version, app.Invalid},
		{"reason too long", strings.Repeat("x", 201), m.Version, app.Invalid},
		{"stale version", "wrong patient", m.Version + 1, app.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doses, revisions, audit := ta.immunizationCounts(t)
			_, err := chart.RetractImmunization(m.ID, tc.reason, tc.version)
			wantKind(t, err, tc.kind)
			if d, r, a := ta.immunizationCounts(t); d != doses || r != revisions || a != audit {
				t.Errorf("written: doses %d→%d, revisions %d→%d, audit %d→%d", doses, d, revisions, r, audit, a)
			}
		})
	}
	doses, revisions, _ := ta.immunizationCounts(t)
	retracted, err := chart.RetractImmunization(m.ID, "wrong patient", m.Version)
	if err != nil {
		t.Fatal(err)
	}
	if retracted.Status != "entered_in_error" || retracted.RetractReason != "wrong patient" || retracted.Version != 2 ||
		retracted.LotNumber != m.LotNumber || retracted.AdministeredByName != "Dr. Jordan Lee" {
		t.Errorf("retracted %+v", retracted)
	}
	if d, r, _ := ta.immunizationCounts(t); d != doses || r != revisions+1 {
		t.Errorf("after retraction: doses %d→%d, revisions %d→%d; want the dose kept and one revision", doses, d, revisions, r)
	}
	if e := ta.lastAudit(t); e.Action != "immunization.retract" || !strings.Contains(e.Detail, "reason: wrong patient") {
		t.Errorf("audit %+v", e)
	}
	_, err = chart.RetractImmunization(m.ID, "again", retracted.Version)
	wantKind(t, err, app.Conflict)

	list, err := chart.Immunizations(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].CVX != "187" || list[1].ID != m.ID || list[1].Status != "entered_in_error" {
		t.Errorf("list %+v; want the retracted dose kept, last", list)
	}
}

func TestMergeMovesImmunizations(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	survivor, dup := ta.register(t, samplePatient()), ta.register(t, samplePatient())
	if _, err := chart.RecordImmunization(dup.ID, sampleImmunization()); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, dup.ID, "same person", survivor.Version, dup.Version); err != nil {
		t.Fatal(err)
	}
	list, err := chart.Immunizations(survivor.ID)
	if err != nil || len(list) != 1 || list[0].PatientID != survivor.ID || list[0].Version != 2 {
		t.Errorf("survivor's immunizations %+v, %v", list, err)
	}
	// The merged chart reads the survivor's, and takes no new dose.
	if list, err := chart.Immunizations(dup.ID); err != nil || len(list) != 1 {
		t.Errorf("merged chart's immunizations %+v, %v", list, err)
	}
	_, err = chart.RecordImmunization(dup.ID, sampleImmunization())
	wantKind(t, err, app.Conflict)
}

func TestSearchVaccines(t *testing.T) {
	ta := newTestApp(t)
	chart := ta.Clinician.Chart
	for _, tc := range []struct {
		query string
		limit int
		first string
	}{
		{"shingrix", 10, "187"},
		{"tdap", 0, "115"},
		{"133", 10, "133"},
	} {
		got, err := chart.SearchVaccines(tc.query, tc.limit)
		if err != nil || len(got) == 0 || got[0].Code != tc.first {
			t.Errorf("SearchVaccines(%q) = %+v, %v; want %s first", tc.query, got, err, tc.first)
		}
	}
	if got, err := chart.SearchVaccines("flu", 3); err != nil || len(got) != 3 {
		t.Errorf("limit 3: %d vaccines, %v", len(got), err)
	}
	if got, err := chart.SearchVaccines("", 500); err != nil || len(got) > 100 {
		t.Errorf("limit over 100: %d vaccines, %v", len(got), err)
	}
}
