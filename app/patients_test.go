package app_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"folio/app"
)

func TestRegister(t *testing.T) {
	ta := newTestApp(t)
	in := app.PatientInput{FamilyName: "  García   López ", GivenNames: "María", BirthDate: "1975-12-01", Sex: "Female",
		Phone: "(217) 555-0199", AddressLine: " 4  Oak   Ave ", City: "Springfield", Region: "IL", PostalCode: "62704"}
	p, err := ta.FrontDesk.Patients.Register(in)
	if err != nil {
		t.Fatal(err)
	}
	want := app.PatientInput{FamilyName: "García López", GivenNames: "María", BirthDate: "1975-12-01", Sex: "female",
		Phone: "(217) 555-0199", AddressLine: "4 Oak Ave", City: "Springfield", Region: "IL", PostalCode: "62704"}
	if p.PatientInput != want {
		t.Errorf("registered %+v, want %+v", p.PatientInput, want)
	}
	if p.ID == "" || p.MRN != app.MRN(1) || p.Version != 1 || p.CreatedAt != testStart.Format(time.RFC3339) {
		t.Errorf("registered %+v", p)
	}
	second := ta.register(t, samplePatient())
	if second.MRN != app.MRN(2) || second.ID == p.ID {
		t.Errorf("second patient: MRN %s, id %s", second.MRN, second.ID)
	}
	// Clinicians register too.
	third, err := registerAnyway(ta.Clinician.Patients, samplePatient())
	if err != nil || third.MRN != app.MRN(3) {
		t.Fatalf("clinician registers: %+v, %v", third, err)
	}
	opened, err := ta.FrontDesk.Patients.Open(p.ID)
	if err != nil || opened != p {
		t.Errorf("Open = %+v, %v; want %+v", opened, err, p)
	}
}

// TestRegisterRejectsBadInput: each wrong field is named, and nothing is
// written, not even an audit entry.
func TestRegisterRejectsBadInput(t *testing.T) {
	ta := newTestApp(t)
	ta.register(t, samplePatient())
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name  string
		edit  func(*app.PatientInput)
		field string
	}{
		{"empty family name", func(p *app.PatientInput) { p.FamilyName = "" }, "familyName"},
		{"blank family name", func(p *app.PatientInput) { p.FamilyName = "   " }, "familyName"},
		{"family name of punctuation", func(p *app.PatientInput) { p.FamilyName = "--'" }, "familyName"},
		{"family name of digits", func(p *app.PatientInput) { p.FamilyName = "1234" }, "familyName"},
		{"family name too long", func(p *app.PatientInput) { p.FamilyName = long(101) }, "familyName"},
		{"empty given names", func(p *app.PatientInput) { p.GivenNames = "" }, "givenNames"},
		{"given names too long", func(p *app.PatientInput) { p.GivenNames = long(101) }, "givenNames"},
		{"no birth date", func(p *app.PatientInput) { p.BirthDate = "" }, "birthDate"},
		{"impossible birth date", func(p *app.PatientInput) { p.BirthDate = "2023-02-30" }, "birthDate"},
		{"month 13", func(p *app.PatientInput) { p.BirthDate = "1980-13-01" }, "birthDate"},
		{"birth date tomorrow", func(p *app.PatientInput) { p.BirthDate = "2026-03-11" }, "birthDate"},
		{"birth date far future", func(p *app.PatientInput) { p.BirthDate = "2099-01-01" }, "birthDate"},
		{"birth date before 1900", func(p *app.PatientInput) { p.BirthDate = "1899-12-31" }, "birthDate"},
		{"birth date month first", func(p *app.PatientInput) { p.BirthDate = "03/04/1980" }, "birthDate"},
		{"birth date unpadded", func(p *app.PatientInput) { p.BirthDate = "1980-3-4" }, "birthDate"},
		{"no sex", func(p *app.PatientInput) { p.Sex = "" }, "sex"},
		{"bad sex", func(p *app.PatientInput) { p.Sex = "f" }, "sex"},
		{"phone with letters", func(p *app.PatientInput) { p.Phone = "555-CALL-NOW" }, "phone"},
		{"phone too short", func(p *app.PatientInput) { p.Phone = "555-123" }, "phone"},
		{"phone too long", func(p *app.PatientInput) { p.Phone = "+1 555 201 3344 5566 7" }, "phone"},
		{"phone with a plus inside", func(p *app.PatientInput) { p.Phone = "555+201+3344" }, "phone"},
		{"address too long", func(p *app.PatientInput) { p.AddressLine = long(201) }, "addressLine"},
		{"city too long", func(p *app.PatientInput) { p.City = long(101) }, "city"},
		{"region too long", func(p *app.PatientInput) { p.Region = long(101) }, "region"},
		{"postal code too long", func(p *app.PatientInput) { p.PostalCode = long(21) }, "postalCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			in := samplePatient()
			tt.edit(&in)
			p, err := ta.FrontDesk.Patients.Register(in)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("fields = %v, want only %q", e.Fields, tt.field)
			}
			if p != (app.Patient{}) {
				t.Errorf("a refused registration returned %+v", p)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused registration wrote: %+v -> %+v", before, after)
			}
		})
	}
	// Every wrong field at once is reported at once.
	_, err := ta.FrontDesk.Patients.Register(app.PatientInput{Phone: "x"})
	e := wantKind(t, err, app.Invalid)
	for _, f := range []string{"familyName", "givenNames", "birthDate", "sex", "phone"} {
		if e.Fields[f] == "" {
			t.Errorf("empty form: no message for %s (%v)", f, e.Fields)
		}
	}
	// The limits themselves are allowed.
	ok := samplePatient()
	ok.FamilyName, ok.AddressLine, ok.PostalCode, ok.BirthDate, ok.Phone = long(100), long(200), long(20), "1900-01-01", "+44 20 7946 0958"
	ta.register(t, ok)
	ok.BirthDate, ok.Phone = testStart.Format("2006-01-02"), "5552013"
	ta.register(t, ok)
}

// TestBirthDateIsTheClinicsDay: "today" and "the future" are the clinic's
// local calendar day, not the UTC one.
func TestBirthDateIsTheClinicsDay(t *testing.T) {
	tests := []struct {
		name    string
		now     time.Time
		birth   string
		allowed bool
	}{
		// 07:00 in Sydney on 11 March is still 10 March in UTC.
		{"newborn at dawn, east of UTC", time.Date(2026, 3, 11, 7, 0, 0, 0, time.FixedZone("AEDT", 11*3600)), "2026-03-11", true},
		// 20:00 in California on 10 March is already 11 March in UTC.
		{"tomorrow in the evening, west of UTC", time.Date(2026, 3, 10, 20, 0, 0, 0, time.FixedZone("PDT", -7*3600)), "2026-03-11", false},
		{"today in the evening, west of UTC", time.Date(2026, 3, 10, 20, 0, 0, 0, time.FixedZone("PDT", -7*3600)), "2026-03-10", true},
	}
	ta := newTestApp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta.Clock.Set(tt.now) // the clinic's clock is in local time
			desk := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-1")
			in := samplePatient()
			in.BirthDate = tt.birth
			_, err := registerAnyway(desk.Patients, in)
			if tt.allowed && err != nil {
				t.Errorf("born %s, now %s: %v", tt.birth, tt.now, err)
			}
			if !tt.allowed && kindOf(err) != app.Invalid {
				t.Errorf("born %s, now %s: err = %v, want invalid", tt.birth, tt.now, err)
			}
		})
	}
}

func TestCorrectAndHistory(t *testing.T) {
	ta := newTestApp(t)
	if _, err := ta.Admin.Admin.SaveSettings(app.Settings{ClinicName: clinicName, IdleMinutes: 240}); err != nil {
		t.Fatal(err)
	}
	p := ta.register(t, samplePatient())

	ta.Clock.Advance(time.Hour)
	in := p.PatientInput
	in.FamilyName, in.Phone = "Rivera-Cruz", "555-777-1234"
	v2, err := ta.FrontDesk.Patients.Correct(p.ID, in, "  Married name  ", p.Version)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.FamilyName != "Rivera-Cruz" || v2.MRN != p.MRN || v2.CreatedAt != p.CreatedAt ||
		v2.UpdatedAt != testStart.Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("corrected: %+v", v2)
	}
	e := ta.lastAudit(t)
	if e.Action != "patient.correct" || e.PatientID != p.ID || e.Username != frontDeskUsername ||
		!strings.Contains(e.Detail, "familyName, phone") || !strings.Contains(e.Detail, "Married name") {
		t.Errorf("correct audit entry: %+v", e.AuditEntry)
	}

	ta.Clock.Advance(time.Hour)
	in2 := v2.PatientInput
	in2.BirthDate = "1984-06-12"
	v3, err := ta.Clinician.Patients.Correct(p.ID, in2, "Typo in birth date", v2.Version)
	if err != nil {
		t.Fatal(err)
	}

	hist, err := ta.FrontDesk.Patients.History(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.PatientRevision{
		{Version: 3, ChangedAt: testStart.Add(2 * time.Hour).Format(time.RFC3339), ChangedBy: clinicianUsername,
			Reason: "Typo in birth date", Changes: []app.FieldChange{{Field: "birthDate", Before: "1984-06-21", After: "1984-06-12"}}},
		{Version: 2, ChangedAt: testStart.Add(time.Hour).Format(time.RFC3339), ChangedBy: frontDeskUsername,
			Reason: "Married name", Changes: []app.FieldChange{
				{Field: "familyName", Before: "Rivera", After: "Rivera-Cruz"},
				{Field: "phone", Before: "555-201-3344", After: "555-777-1234"}}},
	}
	if fmt.Sprintf("%+v", hist) != fmt.Sprintf("%+v", want) {
		t.Errorf("History =\n%+v\nwant\n%+v", hist, want)
	}
	if opened, _ := ta.FrontDesk.Patients.Open(p.ID); opened != v3 {
		t.Errorf("Open after corrections = %+v, want %+v", opened, v3)
	}
	// A patient never corrected has an empty history, not null.
	other := ta.register(t, samplePatient())
	if h, err := ta.FrontDesk.Patients.History(other.ID); err != nil || h == nil || len(h) != 0 {
		t.Errorf("history of an uncorrected patient: %#v, %v", h, err)
	}
}

func TestCorrectRefusals(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	changed := p.PatientInput
	changed.City = "Madison"
	tests := []struct {
		name    string
		id      string
		in      app.PatientInput
		reason  string
		version int
		kind    app.Kind
		fields  []string
	}{
		{"no reason", p.ID, changed, "", 1, app.Invalid, []string{"reason"}},
		{"blank reason", p.ID, changed, "   ", 1, app.Invalid, []string{"reason"}},
		{"no reason and a bad field", p.ID, app.PatientInput{FamilyName: "X", GivenNames: "Y", BirthDate: "1980-02-30", Sex: "male"},
			"", 1, app.Invalid, []string{"reason", "birthDate"}},
		{"bad field", p.ID, app.PatientInput{FamilyName: "", GivenNames: "Y", BirthDate: "1980-01-30", Sex: "male"},
			"why", 1, app.Invalid, []string{"familyName"}},
		{"nothing changed", p.ID, p.PatientInput, "why", 1, app.Invalid, nil},
		{"stale version", p.ID, changed, "why", 0, app.Conflict, nil},
		{"future version", p.ID, changed, "why", 2, app.Conflict, nil},
		{"unknown patient", "no-such-id", changed, "why", 1, app.NotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.counts(t)
			out, err := ta.FrontDesk.Patients.Correct(tt.id, tt.in, tt.reason, tt.version)
			e := wantKind(t, err, tt.kind)
			for _, f := range tt.fields {
				if e.Fields[f] == "" {
					t.Errorf("no message for %s: %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tt.fields) {
				t.Errorf("fields = %v, want %v", e.Fields, tt.fields)
			}
			if out != (app.Patient{}) {
				t.Errorf("a refused correction returned %+v", out)
			}
			if after := ta.counts(t); after != before {
				t.Errorf("a refused correction wrote: %+v -> %+v", before, after)
			}
		})
	}
	cur, _ := ta.FrontDesk.Patients.Open(p.ID)
	if cur.Version != 1 || cur.City != p.City {
		t.Errorf("after refused corrections: %+v", cur)
	}
	if h, _ := ta.FrontDesk.Patients.History(p.ID); len(h) != 0 {
		t.Errorf("refused corrections left history: %+v", h)
	}
}

func TestOpenUnknownPatient(t *testing.T) {
	ta := newTestApp(t)
	before := ta.counts(t)
	for _, call := range []func() error{
		func() error { _, err := ta.FrontDesk.Patients.Open("no-such-id"); return err },
		func() error { _, err := ta.FrontDesk.Patients.History("no-such-id"); return err },
		func() error { _, err := ta.Clinician.Chart.Summary("no-such-id"); return err },
	} {
		wantKind(t, call(), app.NotFound)
	}
	if after := ta.counts(t); after != before {
		t.Errorf("lookups of an unknown patient wrote: %+v -> %+v", before, after)
	}
}

func TestChartSummary(t *testing.T) {
	ta := newTestApp(t)
	in := samplePatient()
	in.BirthDate = "1984-03-11" // birthday tomorrow
	p := ta.register(t, in)
	s, err := ta.Clinician.Chart.Summary(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Patient != p || s.Age != "41 y" || s.Problems == nil || s.Allergies == nil || s.Medications == nil {
		t.Errorf("summary = %+v", s)
	}
}

// luhnValid is the standard Luhn check over a whole number, check digit last.
func luhnValid(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestMRN(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{1, "0000018"},
		{2, "0000026"},
		{9, "0000091"},
		{10, "0000109"},
		{42, "0000422"},
		{123456, "1234566"},
		{999999, "9999996"},
		{1000000, "10000008"}, // past six digits the number grows
	}
	for _, tt := range tests {
		if got := app.MRN(tt.n); got != tt.want {
			t.Errorf("MRN(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
	for n := int64(1); n <= 3000; n += 7 {
		mrn := app.MRN(n)
		if len(mrn) != 7 || !luhnValid(mrn) {
			t.Fatalf("MRN(%d) = %s does not pass the Luhn check", n, mrn)
		}
		if base, _ := strconv.ParseInt(mrn[:6], 10, 64); base != n {
			t.Fatalf("MRN(%d) = %s does not start with the number", n, mrn)
		}
		// Any single mistyped digit makes the number fail its check.
		for i := range len(mrn) {
			for d := byte('0'); d <= '9'; d++ {
				if d == mrn[i] {
					continue
				}
				typo := mrn[:i] + string(d) + mrn[i+1:]
				if luhnValid(typo) {
					t.Fatalf("typo %s of MRN %s passes the check", typo, mrn)
				}
			}
		}
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	tests := []struct {
		birth, want string
	}{
		{"2026-03-10", "0 d"},
		{"2026-03-09", "1 d"},
		{"2026-02-11", "27 d"},
		{"2026-02-10", "1 mo"},
		{"2025-03-11", "11 mo"},
		{"2025-03-10", "12 mo"},
		{"2024-03-11", "23 mo"},
		{"2024-03-10", "2 y"},
		{"1980-03-11", "45 y"}, // birthday tomorrow
		{"1980-03-10", "46 y"}, // birthday today
		{"1980-02-28", "46 y"},
		{"1900-01-01", "126 y"},
		{"2026-03-11", ""}, // not born yet
		{"not a date", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := app.Age(tt.birth, now); got != tt.want {
			t.Errorf("Age(%s) on %s = %q, want %q", tt.birth, now.Format("2006-01-02"), got, tt.want)
		}
	}
	leap := []struct {
		birth string
		now   time.Time
		want  string
	}{
		{"2024-02-29", time.Date(2025, 2, 28, 12, 0, 0, 0, time.UTC), "11 mo"},
		{"2024-02-29", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), "12 mo"},
		{"2024-02-29", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), "2 y"},
		// The clinic's own day counts: 23:30 on 9 March in Chicago is 10 March in UTC.
		{"2026-03-10", time.Date(2026, 3, 9, 23, 30, 0, 0, time.FixedZone("CDT", -5*3600)), ""},
	}
	for _, tt := range leap {
		if got := app.Age(tt.birth, tt.now); got != tt.want {
			t.Errorf("Age(%s) on %s = %q, want %q", tt.birth, tt.now, got, tt.want)
		}
	}
}
