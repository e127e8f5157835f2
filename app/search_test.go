package app_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"folio/app"
)

func TestParseSearch(t *testing.T) {
	const mdy, dmy = app.MonthFirst, app.DayFirst
	tests := []struct {
		text       string
		order      app.DateOrder
		want       []string // each term as its full-text query
		unfinished bool
	}{
		{"garcia maria", mdy, []string{"garcia*", "maria*"}, false},
		{"Maria Garcia", mdy, []string{"maria*", "garcia*"}, false},
		{"García, María", mdy, []string{"garcia*", "maria*"}, false},
		{"Núñez", mdy, []string{"nunez*"}, false},
		{"O'Brien", mdy, []string{"obrien*"}, false},
		{"Mary-Kate", mdy, []string{"mary*", "kate*"}, false},
		{"  smith\tjohn  ", mdy, []string{"smith*", "john*"}, false},
		{"okonkwo a", mdy, []string{"okonkwo*", "a*"}, false},

		// ISO dates are ISO in every clinic.
		{"1980-03-04", mdy, []string{"19800304"}, false},
		{"1980-03-04", dmy, []string{"19800304"}, false},
		{"1980-3-4", dmy, []string{"19800304"}, false},
		// Slashes, dots and dashes follow the clinic's order.
		{"3/4/1980", mdy, []string{"19800304"}, false},
		{"03/04/1980", mdy, []string{"19800304"}, false},
		{"3/4/1980", dmy, []string{"19800403"}, false},
		{"04.03.1980", dmy, []string{"19800304"}, false},
		{"04.03.1980", mdy, []string{"19800403"}, false},
		{"4.3.1980", dmy, []string{"19800304"}, false},
		{"3-4-1980", mdy, []string{"19800304"}, false},
		{"3-4-1980", dmy, []string{"19800403"}, false},
		// The other order only when the clinic's makes no date.
		{"25/12/1980", mdy, []string{"19801225"}, false},
		{"12/25/1980", dmy, []string{"19801225"}, false},
		{"29/2/1988", mdy, []string{"19880229"}, false},
		{"smith 3/4/1980", mdy, []string{"smith*", "19800304"}, false},
		// Eight digits: the digits, and the date they spell if they spell one.
		{"03041980", mdy, []string{"03041980* OR 19800304"}, false},
		{"03041980", dmy, []string{"03041980* OR 19800403"}, false},
		{"25121980", mdy, []string{"25121980* OR 19801225"}, false},
		{"19800304", mdy, []string{"19800304*"}, false}, // YYYYMMDD is how birth dates are indexed
		{"12345678", mdy, []string{"12345678*"}, false},
		{"13131980", mdy, []string{"13131980*"}, false},
		{"03041880", mdy, []string{"03041880*"}, false}, // nobody alive was born then
		// Dates not yet whole, or never: nothing is guessed.
		{"3/4/80", mdy, nil, true},
		{"3.4.80", dmy, nil, true},
		{"3-4-80", mdy, nil, true},
		{"3/4/", mdy, nil, true},
		{"3/4", mdy, nil, true},
		{"3/4/198", mdy, nil, true},
		{"31/2/1980", dmy, nil, true},
		{"smith 3/4/19", mdy, []string{"smith*"}, true},
		// Phones.
		{"555-201-3344", mdy, []string{"5552013344*"}, false},
		{"(555)201-3344", mdy, []string{"5552013344*"}, false},
		{"555.201.3344", dmy, []string{"5552013344*"}, false},
		{"+15552013344", mdy, []string{"15552013344*"}, false},
		{"555 300 4000", mdy, []string{"5553004000*"}, false},
		{"12-34-5678", mdy, []string{"12345678*"}, false}, // no day and month: phone digits
		{"2013344", mdy, []string{"2013344*"}, false},
		{"3344", mdy, []string{"3344*"}, false},
		{"0000018", mdy, []string{"0000018*"}, false}, // an MRN
		{"", mdy, nil, false},
		{"   ,, ", mdy, nil, false},
		{"-- '", mdy, nil, false},
	}
	for _, tt := range tests {
		q := app.ParseSearch(tt.text, tt.order)
		var got []string
		for _, term := range q.Terms {
			got = append(got, term.String())
		}
		if !slices.Equal(got, tt.want) || q.Unfinished != tt.unfinished {
			t.Errorf("ParseSearch(%q, %s) = %q, unfinished %v; want %q, %v", tt.text, tt.order, got, q.Unfinished,
				tt.want, tt.unfinished)
		}
	}
}

// TestSearchBirthDateForms: a birth date is found however the desk types
// it: year first with slashes or dots, day or month first (the clinic's
// order, or the one that makes a date), and with the month in words; a
// date that names no day finds nobody, and numbers that are no date stay
// numbers.
func TestSearchBirthDateForms(t *testing.T) {
	const mdy, dmy = app.MonthFirst, app.DayFirst
	tests := []struct {
		text       string
		order      app.DateOrder
		want       []string // each term as its full-text query
		unfinished bool
	}{
		{"1976/07/17", mdy, []string{"19760717"}, false},
		{"1976/7/17", dmy, []string{"19760717"}, false},
		{"1976.07.17", dmy, []string{"19760717"}, false},
		{"1976-07-17", dmy, []string{"19760717"}, false},
		{"17/07/1976", mdy, []string{"19760717"}, false}, // no 17th month: day first
		{"17/07/1976", dmy, []string{"19760717"}, false},
		{"07/17/1976", dmy, []string{"19760717"}, false},
		{"07/08/1976", mdy, []string{"19760708"}, false}, // either: the clinic's order
		{"07/08/1976", dmy, []string{"19760807"}, false},
		{"July 17 1976", dmy, []string{"19760717"}, false},
		{"july 17, 1976", mdy, []string{"19760717"}, false},
		{"17 July 1976", mdy, []string{"19760717"}, false},
		{"17 July, 1976", mdy, []string{"19760717"}, false},
		{"Jul 17, 1976", mdy, []string{"19760717"}, false},
		{"Jul. 17 1976", mdy, []string{"19760717"}, false},
		{"17th of July 1976", mdy, []string{"19760717"}, false},
		{"17-Jul-1976", dmy, []string{"19760717"}, false},
		{"Sept 3 1976", mdy, []string{"19760903"}, false},
		{"3 sep 1976", mdy, []string{"19760903"}, false},
		{"MAY 1 1950", mdy, []string{"19500501"}, false},
		{"rivera Jul 17, 1976", mdy, []string{"19760717", "rivera*"}, false},
		{"Jul 17, 1976 rivera", mdy, []string{"19760717", "rivera*"}, false},
		{"June 31 1976", mdy, nil, true}, // no such day
		{"1976/02/30", mdy, nil, true},
		{"1976/07/", mdy, nil, true}, // still being typed
		// Not dates: a name that is a month, numbers with dots.
		{"May Chen", mdy, []string{"may*", "chen*"}, false},
		{"july 17", mdy, []string{"july*", "17*"}, false},
		{"2013.34.44", mdy, []string{"20133444*"}, false},
	}
	for _, tt := range tests {
		q := app.ParseSearch(tt.text, tt.order)
		var got []string
		for _, term := range q.Terms {
			got = append(got, term.String())
		}
		if !slices.Equal(got, tt.want) || q.Unfinished != tt.unfinished {
			t.Errorf("ParseSearch(%q, %s) = %q, unfinished %v; want %q, %v", tt.text, tt.order, got, q.Unfinished,
				tt.want, tt.unfinished)
		}
	}

	// And through the search itself, in a month-first clinic.
	ta := newTestApp(t)
	p := ta.register(t, app.PatientInput{FamilyName: "Kowalski", GivenNames: "Marta", BirthDate: "1976-07-17", Sex: "female"})
	ta.register(t, app.PatientInput{FamilyName: "Kowalski", GivenNames: "Jan", BirthDate: "1976-07-18", Sex: "male"})
	for _, query := range []string{"1976/07/17", "17/07/1976", "1976-07-17", "July 17 1976", "17 July 1976",
		"Jul 17, 1976", "kowalski 17 Jul 1976"} {
		if got := searchNames(t, ta.FrontDesk, query); got != p.FamilyName {
			t.Errorf("Search(%q) found %q, want only %s", query, got, p.FamilyName)
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
		{FamilyName: "Okonkwo", GivenNames: "Adaeze", BirthDate: "1992-11-23", Sex: "female", Phone: "+234 803 555 0142"},
		{FamilyName: "Okafor", GivenNames: "Adaeze", BirthDate: "1988-02-29", Sex: "female"},
	} {
		p := ta.register(t, in)
		patients[p.FamilyName] = p
	}
	return patients
}

// searchNames runs a search as c and lists the family names found, in
// order, those found by a similar spelling marked "~".
func searchNames(t *testing.T, c *caller, query string) string {
	t.Helper()
	hits, err := c.Patients.Search(query, 20)
	if err != nil {
		t.Fatalf("Search(%q): %v", query, err)
	}
	if hits == nil {
		t.Errorf("Search(%q) returned null, want an empty list", query)
	}
	var got []string
	for _, h := range hits {
		if h.Similar {
			got = append(got, "~"+h.FamilyName)
		} else {
			got = append(got, h.FamilyName)
		}
	}
	return strings.Join(got, " ")
}

func TestSearch(t *testing.T) {
	ta := newTestApp(t)
	ps := searchClinic(t, ta)
	tests := []struct {
		query string
		want  string // family names, in name order; "~" before those of a similar spelling
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
		{"adaeze okon", "Okonkwo"},          // whole given, partial family
		{"okonkwo a", "Okonkwo"},            // whole family, given begun
		{"okon adaeze", "Okonkwo"},          //
		{"a okonkwo", "Okonkwo"},            //
		{"adaeze", "Okafor Okonkwo"},        //
		{"oka ada", "Okafor"},               //
		{ps["Smith"].MRN, "Smith"},          // MRN
		{ps["O'Brien"].MRN, "O'Brien"},      // MRN
		{"1980-03-04", "Núñez Smithson"},    // birth date, ISO
		{"3/4/1980", "Núñez Smithson"},      // birth date, month first (the default)
		{"3-4-1980", "Núñez Smithson"},      //
		{"03041980", "Núñez Smithson"},      // birth date, digits only
		{"2/29/1988", "Okafor"},             //
		{"29/2/1988", "Okafor"},             // day first, as only that is a date
		{"12/1/1975", "García López"},       // December 1
		{"1980-03-04 anna", "Smithson"},     // date and name
		{"smith 3/4/1980", "Smithson"},      // name and date
		{"3/4/80", ""},                      // a two-digit year is not guessed
		{"smith 3/4/19", ""},                // a date still being typed
		{"555-201-3344", "Núñez"},           // phone as written
		{"5552013344", "Núñez"},             // phone digits
		{"2013344", "Núñez"},                // last 7 digits
		{"201-3344", "Núñez"},               // last 7 digits as written
		{"3344", "Núñez"},                   // last 4 digits
		{"13344", "Núñez"},                  // last 5 digits
		{"(217) 555-0199", "García López"},  // phone with area code in brackets
		{"5550199", "García López"},         //
		{"0199", "García López"},            //
		{"442079460958", "Smith"},           // international digits
		{"2079460958", "Smith"},             // without the country code
		{"7946 0958", "Smith"},              // without the area code, as written
		{"8035550142", "Okonkwo"},           //
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
		if got := searchNames(t, ta.FrontDesk, tt.query); got != tt.want {
			t.Errorf("Search(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

// Dates written with slashes, dots or dashes are read in the clinic's order.
func TestSearchDateOrder(t *testing.T) {
	ta := newTestApp(t)
	searchClinic(t, ta)
	tests := []struct {
		order app.DateOrder
		query string
		want  string
	}{
		{app.MonthFirst, "3/4/1980", "Núñez Smithson"},
		{app.MonthFirst, "04.03.1980", ""}, // April 3
		{app.MonthFirst, "4/3/1980", ""},
		{app.MonthFirst, "12/1/1975", "García López"},
		{app.MonthFirst, "01121975", ""},
		{app.MonthFirst, "12011975", "García López"},
		{app.DayFirst, "04.03.1980", "Núñez Smithson"},
		{app.DayFirst, "4.3.1980", "Núñez Smithson"},
		{app.DayFirst, "4/3/1980", "Núñez Smithson"},
		{app.DayFirst, "4-3-1980", "Núñez Smithson"},
		{app.DayFirst, "04031980", "Núñez Smithson"},
		{app.DayFirst, "3/4/1980", ""}, // 3 April
		{app.DayFirst, "12/1/1975", ""},
		{app.DayFirst, "1/12/1975", "García López"},
		{app.DayFirst, "01121975", "García López"},
		{app.DayFirst, "2/29/1988", "Okafor"}, // only that is a date
		{app.DayFirst, "1980-03-04", "Núñez Smithson"},
		{app.DayFirst, "23.11.1992 adaeze", "Okonkwo"},
	}
	for _, tt := range tests {
		s, err := ta.Admin.Admin.Settings()
		if err != nil {
			t.Fatal(err)
		}
		if s.DateOrder != tt.order {
			s.DateOrder = tt.order
			if _, err := ta.Admin.Admin.SaveSettings(s); err != nil {
				t.Fatal(err)
			}
		}
		if got := searchNames(t, ta.FrontDesk, tt.query); got != tt.want {
			t.Errorf("in a %s clinic, Search(%q) = %q, want %q", tt.order, tt.query, got, tt.want)
		}
	}
}

// A name with one typo (a letter left out, added or changed, or two
// swapped) finds its patients, marked similar.
func TestSearchTypos(t *testing.T) {
	ta := newTestApp(t)
	searchClinic(t, ta)
	tests := []struct{ query, want string }{
		{"okonkow", "~Okonkwo"},        // swapped
		{"okonkwoo", "~Okonkwo"},       // added
		{"okonkw", "Okonkwo"},          // a begun name is no typo
		{"okonkwa", "~Okonkwo"},        // changed
		{"adaeze okonkow", "~Okonkwo"}, // with a name right
		{"okonkow adaeze", "~Okonkwo"}, // in either order
		{"adaze okonkow", "~Okonkwo"},  // a typo in each
		{"adaeze okonkow 1992", "~Okonkwo"},
		{"nunes", "~Núñez"},
		{"garsia", "~García López"},
		{"maria garsia", "~García López"},
		{"mueller", "~Müller"}, // ü typed as ue
		{"sondergard", "~Søndergaard"},
		{"smiht", "~Smith ~Johnson"}, // family names first, then given names
		{"smithsno", "~Smithson"},
		{"obrein", "~O'Brien"},
		{"okokwno", ""},       // two typos
		{"jhn", ""},           // too short to guess at
		{"okonkow 1980", ""},  // the rest must still match
		{"nunes jurgen", ""},  //
		{"okafro", "~Okafor"}, //
	}
	for _, tt := range tests {
		if got := searchNames(t, ta.FrontDesk, tt.query); got != tt.want {
			t.Errorf("Search(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

// Patients whose names match as typed come first; those of a similar
// spelling fill the rest of the list.
func TestSearchExactBeforeSimilar(t *testing.T) {
	ta := newTestApp(t)
	for _, in := range []app.PatientInput{
		{FamilyName: "Nunes", GivenNames: "Maria", BirthDate: "1970-01-01", Sex: "female"},
		{FamilyName: "Nunez", GivenNames: "Jose", BirthDate: "1971-01-01", Sex: "male"},
		{FamilyName: "Nuñez", GivenNames: "Ana", BirthDate: "1972-01-01", Sex: "female"},
		{FamilyName: "Munez", GivenNames: "Nunes", BirthDate: "1973-01-01", Sex: "male"},
	} {
		ta.register(t, in)
	}
	tests := []struct {
		query string
		limit int
		want  string
	}{
		{"nunez", 20, "Nuñez Nunez ~Munez ~Nunes"},
		{"nunes", 20, "Nunes Munez ~Nuñez ~Nunez"},
		{"nunez", 2, "Nuñez Nunez"}, // the list is full: no similar ones
		{"nunez", 3, "Nuñez Nunez ~Munez"},
		{"nunez ana", 20, "Nuñez"},
		{"nunes ana", 20, "~Nuñez"},
	}
	for _, tt := range tests {
		hits, err := ta.FrontDesk.Patients.Search(tt.query, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			name := h.FamilyName
			if h.Similar {
				name = "~" + name
			}
			got = append(got, name)
		}
		if s := strings.Join(got, " "); s != tt.want {
			t.Errorf("Search(%q, %d) = %q, want %q", tt.query, tt.limit, s, tt.want)
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
		{"rivear", 100, 30}, // similar ones are limited alike
		{"rivear", 4, 4},
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
		{"smyth", "Smyth ~Johnson"}, // Smith Johnson is one letter away
		{"smyth john", "Smyth ~Johnson"},
		{"smith john", "Johnson ~Smyth"}, // Smith Johnson; Smyth is one letter away
		{"smith", "Smithson Johnson ~Smyth"},
		{"smyht", "~Smyth"}, // the new name is known to the typo index
		{"1990-07-16", "Smyth"},
		{"1990-07-15", ""},
		{"555-888-9999", "Smyth"},
		{"9999", "Smyth"},
		{"442079460958", ""},
		{"0958", ""},
		{p.MRN, "Smyth"}, // the MRN never changes
	}
	for _, tt := range tests {
		if got := searchNames(t, ta.FrontDesk, tt.query); got != tt.want {
			t.Errorf("after correction, Search(%q) = %q, want %q", tt.query, got, tt.want)
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
	// An empty search box, or a date still being typed, asks nothing and
	// records nothing.
	for _, query := range []string{" ", "3/4/", "3/4/80"} {
		n := ta.counts(t).Audit
		if hits, err := ta.FrontDesk.Patients.Search(query, 20); err != nil || len(hits) != 0 || ta.counts(t).Audit != n {
			t.Errorf("search %q: %v, %v, audit %d -> %d", query, hits, err, n, ta.counts(t).Audit)
		}
	}
}

// recentNames lists the family names c's recent list holds, in order.
func recentNames(t *testing.T, c *caller, limit int) string {
	t.Helper()
	hits, err := c.Patients.Recent(limit)
	if err != nil {
		t.Fatalf("Recent(%d): %v", limit, err)
	}
	if hits == nil {
		t.Error("Recent returned null, want an empty list")
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.FamilyName)
	}
	return strings.Join(got, " ")
}

func TestRecent(t *testing.T) {
	ta := newTestApp(t)
	ps := searchClinic(t, ta)
	open := func(c *caller, family string) {
		t.Helper()
		if _, err := c.Patients.Open(ps[family].ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := recentNames(t, ta.FrontDesk, 10); got != "" {
		t.Errorf("before opening anyone, Recent = %q", got)
	}
	open(ta.FrontDesk, "Smith")
	open(ta.FrontDesk, "Müller")
	open(ta.Clinician, "Okafor")
	open(ta.FrontDesk, "O'Brien")
	open(ta.FrontDesk, "Smith") // again: moves to the top, listed once
	open(ta.Clinician, "Müller")
	if _, err := ta.FrontDesk.Patients.Search("okonkwo", 20); err != nil { // found, not opened
		t.Fatal(err)
	}
	// Another window of the same person shares their list.
	desk2 := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-2")
	open(desk2, "Núñez")

	tests := []struct {
		who   *caller
		limit int
		want  string
	}{
		{ta.FrontDesk, 10, "Núñez Smith O'Brien Müller"},
		{ta.FrontDesk, 2, "Núñez Smith"},
		{ta.FrontDesk, 0, "Núñez Smith O'Brien Müller"}, // the default
		{desk2, 10, "Núñez Smith O'Brien Müller"},
		{ta.Clinician, 10, "Müller Okafor"},
	}
	for _, tt := range tests {
		if got := recentNames(t, tt.who, tt.limit); got != tt.want {
			t.Errorf("%s: Recent(%d) = %q, want %q", tt.who.User.Username, tt.limit, got, tt.want)
		}
	}

	// The list is a read of the audit trail, and audited itself.
	e := ta.lastAudit(t)
	if e.Action != "patient.recent" || e.Username != clinicianUsername || e.Detail != "2 listed" || e.PatientID != "" {
		t.Errorf("recent audit entry: %+v", e.AuditEntry)
	}
	// Opening the chart from the list puts nothing else on it.
	n := len(ta.audit(t))
	if got := recentNames(t, ta.Clinician, 10); got != "Müller Okafor" || len(ta.audit(t)) != n+1 {
		t.Errorf("listing again: %q, audit %d -> %d", got, n, len(ta.audit(t)))
	}
}

// Recent is the front desk's and clinicians' list; an admin opens no charts.
func TestRecentRoles(t *testing.T) {
	ta := newTestApp(t)
	if _, err := ta.Admin.Patients.Recent(10); kindOf(err) != app.Forbidden {
		t.Errorf("admin: %v, want forbidden", err)
	}
	if _, err := ta.SignedOut.Patients.Recent(10); kindOf(err) != app.Unauthenticated {
		t.Errorf("signed out: %v, want unauthenticated", err)
	}
}

// TestSearchTooLong: a pasted page is refused at once, saying how long a
// search may be, and nothing is looked up or audited.
func TestSearchTooLong(t *testing.T) {
	ta := newTestApp(t)
	desk := ta.FrontDesk
	before := len(ta.audit(t))
	_, err := desk.Patients.Search(strings.Repeat("okonkwo ", 130_000), 10)
	var e *app.Error
	if !errors.As(err, &e) || e.Kind != app.Invalid || !strings.Contains(e.Fields["query"], "at most 200 characters") {
		t.Fatalf("Search(1 MB) = %v, want a field error on query", err)
	}
	if after := len(ta.audit(t)); after != before {
		t.Errorf("a refused search wrote %d audit entries", after-before)
	}
	if hits, err := desk.Patients.Search(strings.Repeat("a", 200), 10); err != nil || len(hits) != 0 {
		t.Fatalf("Search(200 letters) = %v, %v; want no hits, no error", hits, err)
	}
}
