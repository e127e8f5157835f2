package app_test

import (
	"slices"
	"strings"
	"testing"

	"folio/app"
)

func TestParseSearch(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"garcia maria", []string{"garcia", "maria"}},
		{"Maria Garcia", []string{"maria", "garcia"}},
		{"García, María", []string{"garcia", "maria"}},
		{"Núñez", []string{"nunez"}},
		{"O'Brien", []string{"obrien"}},
		{"Mary-Kate", []string{"mary", "kate"}},
		{"  smith\tjohn  ", []string{"smith", "john"}},
		{"1980-03-04", []string{"19800304"}},
		{"1980-3-4", []string{"19800304"}},
		{"3/4/1980", []string{"19800304"}},   // month first
		{"03/04/1980", []string{"19800304"}}, // month first
		{"04.03.1980", []string{"19800304"}}, // day first
		{"4.3.1980", []string{"19800304"}},
		{"smith 3/4/1980", []string{"smith", "19800304"}},
		{"555-201-3344", []string{"5552013344"}},
		{"(555)201-3344", []string{"5552013344"}},
		{"555.201.3344", []string{"5552013344"}},
		{"+15552013344", []string{"15552013344"}},
		{"2013344", []string{"2013344"}},
		{"0000018", []string{"0000018"}}, // an MRN
		{"", nil},
		{"   ,, ", nil},
		{"-- '", nil},
	}
	for _, tt := range tests {
		if got := app.ParseSearch(tt.text).Tokens; !slices.Equal(got, tt.want) {
			t.Errorf("ParseSearch(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// searchClinic registers a few patients whose names, dates and phones
// overlap in the ways a real list does.
func searchClinic(t *testing.T, ta *testApp) map[string]app.Patient {
	t.Helper()
	patients := map[string]app.Patient{}
	for _, in := range []app.PatientInput{
		{FamilyName: "Núñez", GivenNames: "José Luis", BirthDate: "1980-03-04", Sex: "male", Phone: "555-201-3344"},
		{FamilyName: "García López", GivenNames: "María", BirthDate: "1975-12-01", Sex: "female", Phone: "(217) 555-0199"},
		{FamilyName: "Smith", GivenNames: "John", BirthDate: "1990-07-15", Sex: "male", Phone: "+44 20 7946 0958"},
		{FamilyName: "Smithson", GivenNames: "Anna", BirthDate: "1980-03-04", Sex: "female", Phone: "555-777-1234"},
		{FamilyName: "O'Brien", GivenNames: "Mary-Kate", BirthDate: "2001-01-31", Sex: "female"},
		{FamilyName: "Müller", GivenNames: "Jürgen", BirthDate: "1955-05-05", Sex: "male", Phone: "555 300 4000"},
		{FamilyName: "Johnson", GivenNames: "Smith", BirthDate: "1966-06-06", Sex: "male"},
		{FamilyName: "Søndergaard", GivenNames: "Søren", BirthDate: "1944-04-04", Sex: "male"},
	} {
		p := ta.register(t, in)
		patients[p.FamilyName] = p
	}
	return patients
}

func TestSearch(t *testing.T) {
	ta := newTestApp(t)
	ps := searchClinic(t, ta)
	tests := []struct {
		query string
		want  string // family names, in name order
	}{
		{"Núñez", "Núñez"},
		{"nunez", "Núñez"},               // accents folded
		{"NUNEZ", "Núñez"},               // any case
		{"nun", "Núñez"},                 // partial family name
		{"jose", "Núñez"},                // given name alone
		{"jos", "Núñez"},                 // partial given name
		{"luis", "Núñez"},                // second given name
		{"jose nunez", "Núñez"},          // given family order
		{"nunez jose", "Núñez"},          // family given order
		{"Núñez, José", "Núñez"},         // as written on a form
		{"nu jo", "Núñez"},               // partial both
		{"maria garcia", "García López"}, //
		{"lopez", "García López"},        // second family name
		{"garcia lopez maria", "García López"},
		{"muller", "Müller"},
		{"jurgen", "Müller"},
		{"søndergaard", "Søndergaard"},
		{"sondergaard", "Søndergaard"}, // ø typed as o, as on a US keyboard
		{"soren", "Søndergaard"},
		{"obrien", "O'Brien"},
		{"o'brien", "O'Brien"},
		{"mary kate", "O'Brien"},
		{"Mary-Kate O'Brien", "O'Brien"},
		{"smith", "Smith Smithson Johnson"}, // family names first, then given names
		{"smith john", "Johnson Smith"},     // either order
		{"smithson", "Smithson"},            //
		{ps["Smith"].MRN, "Smith"},          // MRN
		{ps["O'Brien"].MRN, "O'Brien"},      // MRN
		{"1980-03-04", "Núñez Smithson"},    // birth date, ISO
		{"3/4/1980", "Núñez Smithson"},      // birth date, month first
		{"04.03.1980", "Núñez Smithson"},    // birth date, day first
		{"1980-03-04 anna", "Smithson"},     // date and name
		{"smith 3/4/1980", "Smithson"},      // name and date
		{"555-201-3344", "Núñez"},           // phone as written
		{"5552013344", "Núñez"},             // phone digits
		{"2013344", "Núñez"},                // last 7 digits
		{"201-3344", "Núñez"},               // last 7 digits as written
		{"(217) 555-0199", "García López"},  // phone with area code in brackets
		{"5550199", "García López"},         //
		{"442079460958", "Smith"},           // international digits
		{"555 300 4000", "Müller"},          // phone with spaces, as it was registered
		{"+44 20 7946 0958", "Smith"},       // phone with spaces, as it was registered
		{"zzz", ""},                         // unrelated
		{"smith maria", ""},                 // both words must match
		{"1999-01-01", ""},                  //
		{"555-999-0000", ""},                //
		{"nunez 1975-12-01", ""},            //
		{"   ", ""},                         //
	}
	for _, tt := range tests {
		hits, err := ta.FrontDesk.Patients.Search(tt.query, 20)
		if err != nil {
			t.Errorf("Search(%q): %v", tt.query, err)
			continue
		}
		if hits == nil {
			t.Errorf("Search(%q) returned null, want an empty list", tt.query)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.FamilyName)
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("Search(%q) = %q, want %q", tt.query, s, tt.want)
		}
	}
}

func TestSearchHitFields(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	hits, err := ta.Clinician.Patients.Search(p.MRN, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := app.PatientHit{ID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames,
		BirthDate: p.BirthDate, Sex: p.Sex, Phone: p.Phone}
	if len(hits) != 1 || hits[0] != want {
		t.Errorf("hits = %+v, want %+v", hits, want)
	}
}

func TestSearchLimit(t *testing.T) {
	ta := newTestApp(t)
	for range 30 {
		ta.register(t, samplePatient())
	}
	tests := []struct {
		query string
		limit int
		want  int
	}{
		{"rivera", 5, 5},
		{"rivera", 0, 20},   // default
		{"rivera", -1, 20},  // default
		{"rivera", 101, 20}, // over the maximum: default
		{"rivera", 100, 30},
		{"1984-06-21", 3, 3},
		{"ana rivera", 7, 7},
	}
	for _, tt := range tests {
		hits, err := ta.FrontDesk.Patients.Search(tt.query, tt.limit)
		if err != nil || len(hits) != tt.want {
			t.Errorf("Search(%q, %d): %d hits, %v; want %d", tt.query, tt.limit, len(hits), err, tt.want)
		}
	}
}

func TestSearchAfterCorrect(t *testing.T) {
	ta := newTestApp(t)
	ps := searchClinic(t, ta)
	p := ps["Smith"]
	in := p.PatientInput
	in.FamilyName, in.BirthDate, in.Phone = "Smyth", "1990-07-16", "555-888-9999"
	if _, err := ta.FrontDesk.Patients.Correct(p.ID, in, "spelling", p.Version); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ query, want string }{
		{"smyth", "Smyth"},
		{"smyth john", "Smyth"},
		{"smith john", "Johnson"}, // Smith Johnson
		{"smith", "Smithson Johnson"},
		{"1990-07-16", "Smyth"},
		{"1990-07-15", ""},
		{"555-888-9999", "Smyth"},
		{"442079460958", ""},
		{p.MRN, "Smyth"}, // the MRN never changes
	}
	for _, tt := range tests {
		hits, err := ta.FrontDesk.Patients.Search(tt.query, 20)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.FamilyName)
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("after correction, Search(%q) = %q, want %q", tt.query, s, tt.want)
		}
	}
}

func TestSearchAudit(t *testing.T) {
	ta := newTestApp(t)
	searchClinic(t, ta)
	if _, err := ta.FrontDesk.Patients.Search("  smith ", 20); err != nil {
		t.Fatal(err)
	}
	e := ta.lastAudit(t)
	if e.Action != "patient.search" || e.Username != frontDeskUsername || e.Workstation != "desk-1" ||
		e.Detail != `"smith": 3 found` {
		t.Errorf("search audit entry: %+v", e.AuditEntry)
	}
	// An empty search box asks nothing and records nothing.
	n := ta.counts(t).Audit
	if hits, err := ta.FrontDesk.Patients.Search(" ", 20); err != nil || len(hits) != 0 || ta.counts(t).Audit != n {
		t.Errorf("empty search: %v, %v, audit %d -> %d", hits, err, n, ta.counts(t).Audit)
	}
}
