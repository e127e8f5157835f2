package db

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// prefixes makes a search of words that must each start an index word.
func prefixes(words ...string) []SearchTerm {
	var terms []SearchTerm
	for _, w := range words {
		terms = append(terms, SearchTerm{Prefix: w})
	}
	return terms
}

func TestSearchPatients(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Núñez", "José")
	addTestPatient(t, d, u, 2, "O'Brien", "Mary-Kate")
	addTestPatient(t, d, u, 3, "Nunn", "Adam")
	addTestPatient(t, d, u, 4, "Smith", "Anna")
	tests := []struct {
		terms []SearchTerm
		want  string // family names in name order
	}{
		{prefixes("nunez"), "Núñez"},
		{prefixes("Núñez"), "Núñez"},
		{prefixes("nun"), "Núñez Nunn"},
		{prefixes("obrien"), "O'Brien"},
		{prefixes("mary", "kate"), "O'Brien"},
		{prefixes("jos", "nu"), "Núñez"},
		{prefixes("0000004"), "Smith"},
		{prefixes("19800304", "smith"), "Smith"},
		{prefixes("2013344"), "Núñez Nunn O'Brien Smith"},
		{prefixes("smith", "adam"), ""},
		{prefixes(`"`), ""},
		{nil, ""},
		// Exact words: a birth date, and names one typo away.
		{[]SearchTerm{{Words: []string{"19800304"}}}, "Núñez Nunn O'Brien Smith"},
		{[]SearchTerm{{Words: []string{"1980030"}}}, ""}, // a word is not a prefix
		{[]SearchTerm{{Prefix: "nunz", Words: []string{"nunez", "nunn"}}}, "Núñez Nunn"},
		{[]SearchTerm{{Prefix: "smiht", Words: []string{"smith"}}, {Prefix: "ann"}}, "Smith"},
		{[]SearchTerm{{Prefix: "03041980", Words: []string{"19800304"}}, {Prefix: "ada"}}, "Nunn"},
		{[]SearchTerm{{Words: []string{`"smith" OR *`}}}, ""}, // typed text is never query syntax
	}
	for _, tt := range tests {
		var found []PatientHit
		err := d.View(context.Background(), func(tx *Tx) (err error) {
			found, err = tx.SearchPatients(tt.terms, 100, 100)
			return err
		})
		if err != nil {
			t.Errorf("SearchPatients(%v): %v", tt.terms, err)
			continue
		}
		if got := hitNames(found); got != tt.want {
			t.Errorf("SearchPatients(%v) = %q, want %q", tt.terms, got, tt.want)
		}
	}
}

// SearchPatients returns the first limit matches in name order, whatever
// order the index found them in.
func TestSearchPatientsLimit(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Smith", "Anna")
	addTestPatient(t, d, u, 2, "O'Brien", "Mary-Kate")
	addTestPatient(t, d, u, 3, "Núñez", "José")
	addTestPatient(t, d, u, 4, "Nunn", "Adam")
	var found []PatientHit
	err := d.View(context.Background(), func(tx *Tx) (err error) {
		found, err = tx.SearchPatients(prefixes("2013344"), 100, 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hitNames(found), "Núñez Nunn"; got != want {
		t.Errorf("SearchPatients(limit 2) = %q, want %q", got, want)
	}
}

func TestSearchTermString(t *testing.T) {
	tests := []struct {
		term SearchTerm
		want string
	}{
		{SearchTerm{Prefix: "smith"}, "smith*"},
		{SearchTerm{Words: []string{"19800304"}}, "19800304"},
		{SearchTerm{Prefix: "smiht", Words: []string{"smith", "smit"}}, "smiht* OR smith OR smit"},
	}
	for _, tt := range tests {
		if got := tt.term.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.term, got, tt.want)
		}
	}
}

// A phone is found by its digits in full, by its last four or more, and by
// any run of four or more digits in it.
func TestSearchByPhoneDigits(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	p := addTestPatient(t, d, u, 1, "Okafor", "Chidi") // phone 555-201-3344
	p.Phone = "+44 20 7946 0958"
	mustUpdate(t, d, func(tx *Tx) error { _, err := tx.UpdatePatient(p, "new phone"); return err })
	addTestPatient(t, d, u, 2, "Ade", "Bola")
	tests := []struct{ digits, want string }{
		{"442079460958", "Okafor"},
		{"2079460958", "Okafor"}, // without the country code
		{"79460958", "Okafor"},   // without the area code
		{"0958", "Okafor"},       // the last four
		{"7946", "Okafor"},       // four in the middle
		{"794", "Okafor"},        // fewer, where four or more follow
		{"9999", ""},
		{"3344", "Ade"}, // the old number is gone; the other patient has it
		{"5552013344", "Ade"},
	}
	for _, tt := range tests {
		var found []PatientHit
		err := d.View(context.Background(), func(tx *Tx) (err error) {
			found, err = tx.SearchPatients(prefixes(tt.digits), 100, 100)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitNames(found); got != tt.want {
			t.Errorf("search %q = %q, want %q", tt.digits, got, tt.want)
		}
	}
}

func TestPhoneTerms(t *testing.T) {
	tests := []struct {
		digits string
		want   []string
	}{
		{"", nil},
		{"123", []string{"123"}},
		{"1234", []string{"1234"}},
		{"2013344", []string{"2013344", "013344", "13344", "3344"}},
	}
	for _, tt := range tests {
		if got := phoneTerms(tt.digits); !slices.Equal(got, tt.want) {
			t.Errorf("phoneTerms(%q) = %q, want %q", tt.digits, got, tt.want)
		}
	}
}

func TestPatientsByNamePrefix(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Núñez", "José")
	addTestPatient(t, d, u, 2, "Nunn", "Adam")
	addTestPatient(t, d, u, 3, "Smith", "Anna")
	tests := []struct{ prefix, want string }{
		{"nu", "Núñez Nunn"},
		{"NÚÑE", "Núñez"},
		{"nunez jo", "Núñez"},
		{"smith anna", "Smith"},
		{"anna", ""},
		{"", ""},
		{"  ", ""},
	}
	for _, tt := range tests {
		var found []PatientHit
		err := d.View(context.Background(), func(tx *Tx) (err error) {
			found, err = tx.PatientsByNamePrefix(tt.prefix, 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitNames(found); got != tt.want {
			t.Errorf("PatientsByNamePrefix(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func TestPatientsByFamilyWords(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Johnson", "Mary")
	addTestPatient(t, d, u, 2, "Jonson", "Al")
	addTestPatient(t, d, u, 3, "Johnsons", "Bea")   // another word
	addTestPatient(t, d, u, 4, "Smith", "Johnson")  // a given name
	addTestPatient(t, d, u, 5, "Johnson", "Adam")   //
	addTestPatient(t, d, u, 6, "Jonson-Hale", "Cy") // the first of two family names
	tests := []struct {
		words []string
		limit int
		want  string
	}{
		{[]string{"johnson"}, 10, "Johnson Johnson"},
		{[]string{"johnson", "jonson"}, 10, "Johnson Johnson Jonson Jonson-Hale"},
		{[]string{"jonson", "johnson"}, 3, "Johnson Johnson Jonson"},
		{[]string{"hale"}, 10, ""},
		{nil, 10, ""},
	}
	for _, tt := range tests {
		var found []PatientHit
		err := d.View(context.Background(), func(tx *Tx) (err error) {
			found, err = tx.PatientsByFamilyWords(tt.words, tt.limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := hitNames(found); got != tt.want {
			t.Errorf("PatientsByFamilyWords(%q, %d) = %q, want %q", tt.words, tt.limit, got, tt.want)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abd"},
		{"ab\xff", "ac"},
		{"\xff", "\xff\xff"},
	}
	for _, tt := range tests {
		if got := prefixEnd(tt.in); got != tt.want {
			t.Errorf("prefixEnd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOneEditApart(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"okonkwo", "okonkow", true}, // neighbours swapped
		{"okonkwo", "okonkw", true},  // one left out
		{"okonkwo", "okonkwoo", true},
		{"okonkwo", "okonkwa", true}, // one changed
		{"smith", "smyth", true},
		{"nunez", "nunes", true},
		{"nunez", "xnunez", true}, // one added in front
		{"nunez", "nunez", false}, // the same
		{"nunez", "nuenz", true},
		{"abcd", "bcda", false}, // two edits, though they share a deletion
		{"smith", "smiths", true},
		{"smith", "smithson", false},
		{"jose", "josie", true},
		{"sondergaard", "sondergard", true},
		{"müller", "muller", true}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := oneEditApart(tt.a, tt.b); got != tt.want {
			t.Errorf("oneEditApart(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := oneEditApart(tt.b, tt.a); got != tt.want {
			t.Errorf("oneEditApart(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestDeletions(t *testing.T) {
	tests := []struct {
		word string
		want []string
	}{
		{"anna", []string{"nna", "ana", "ann"}},
		{"lee", nil}, // two letters say too little
		{"josé", []string{"osé", "jsé", "joé", "jos"}},
	}
	for _, tt := range tests {
		if got := deletions(tt.word); !slices.Equal(got, tt.want) {
			t.Errorf("deletions(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func hitNames(hits []PatientHit) string {
	var names []string
	for _, h := range hits {
		names = append(names, h.FamilyName)
	}
	return strings.Join(names, " ")
}

func nearWords(t *testing.T, d *DB, word string) string {
	t.Helper()
	var near []string
	err := d.View(context.Background(), func(tx *Tx) (err error) {
		near, err = tx.NameWordsNear(word)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(near)
	return strings.Join(near, " ")
}

// The name-word index learns the names of patients as they are registered
// and corrected.
func TestNameWordsNear(t *testing.T) {
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Okonkwo", "Adaeze")
	p := addTestPatient(t, d, u, 2, "Smith", "Anna-Lee")
	addTestPatient(t, d, u, 3, "Smyth", "Ann")
	tests := []struct{ typed, want string }{
		{"okonkow", "okonkwo"},
		{"okonkwoo", "okonkwo"},
		{"adaze", "adaeze"},
		{"smith", "smyth"},      // not itself
		{"smiht", "smith"},      // smyth is two away
		{"smth", "smith smyth"}, //
		{"annaa", "anna"},
		{"anne", "ann anna"},
		{"lea", ""}, // too short to look up
		{"okafor", ""},
		{strings.Repeat("okonkwo", 200_000), ""}, // a pasted page: not looked up (it took minutes and gigabytes)
	}
	for _, tt := range tests {
		if got := nearWords(t, d, tt.typed); got != tt.want {
			t.Errorf("NameWordsNear(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}

	// A corrected name is learnt; the old one stays known.
	p.FamilyName, p.PreferredName = "Okafor", "Nneka"
	mustUpdate(t, d, func(tx *Tx) error { _, err := tx.UpdatePatient(p, "married"); return err })
	for _, tt := range []struct{ typed, want string }{
		{"okafro", "okafor"},
		{"nneak", "nneka"}, // preferred names too
		{"smiht", "smith"},
	} {
		if got := nearWords(t, d, tt.typed); got != tt.want {
			t.Errorf("after correction, NameWordsNear(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

// searchIndexSnapshot is every search term and name key, to compare two
// builds of the indexes.
func searchIndexSnapshot(t *testing.T, d *DB) string {
	t.Helper()
	var b strings.Builder
	err := d.View(context.Background(), func(tx *Tx) error {
		for _, q := range []string{
			`SELECT rowid || ':' || terms FROM patient_search ORDER BY rowid`,
			`SELECT key || '>' || word FROM name_keys ORDER BY key, word`,
		} {
			rows, err := tx.tx.Query(q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					rows.Close()
					return err
				}
				b.WriteString(s + "\n")
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Open rebuilds search indexes built by an older Folio, exactly as
// registering the patients would have built them.
func TestOpenRebuildsOldSearchIndex(t *testing.T) {
	ctx := context.Background()
	d := openTestDB(t)
	u := addTestUser(t, d, "desk", "frontdesk")
	addTestPatient(t, d, u, 1, "Okonkwo", "Adaeze")
	p := addTestPatient(t, d, u, 2, "Núñez", "José Luis")
	p.Phone = "020 7946 0958"
	mustUpdate(t, d, func(tx *Tx) error { _, err := tx.UpdatePatient(p, "new phone"); return err })
	want := searchIndexSnapshot(t, d)
	path := d.Path()
	d.Close()

	// As an older Folio left it: other terms, no name keys.
	raw := rawConn(t, path)
	for _, q := range []string{
		`UPDATE patient_search SET terms = 'stale'`,
		`DELETE FROM name_keys`,
		`UPDATE settings SET value = '0' WHERE key = 'search.index_version'`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := searchIndexSnapshot(t, d); got != want {
		t.Errorf("rebuilt index:\n%s\nwant:\n%s", got, want)
	}
}

// A chart file of schema 3 (before the name-word index) gets its patients'
// name words when opened.
func TestSearchIndexBuiltAfterMigrating(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(ctx, path, migrations[:3])
	if err != nil {
		t.Fatal(err)
	}
	u := addTestUser(t, old, "desk", "frontdesk")
	// The patient as schema 3 stores one.
	mustUpdate(t, old, func(tx *Tx) error {
		_, err := tx.tx.Exec(`INSERT INTO patients (id, mrn, family_name, given_names, preferred_name, birth_date, sex,
			phone, sort_key, created_at, created_by, updated_at, updated_by)
			VALUES ('p-1', '0000001', 'Okonkwo', 'Adaeze', 'Dazy', '1980-03-04', 'female', '555-201-3344',
			'okonkwo adaeze', ?, ?, ?, ?)`, formatTime(testTime), u.ID, formatTime(testTime), u.ID)
		if err != nil {
			return err
		}
		_, err = tx.tx.Exec(`INSERT INTO patient_search (rowid, terms)
			SELECT rowid, 'okonkwo adaeze 0000001 19800304 5552013344 2013344' FROM patients`)
		return err
	})
	old.Close()

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tt := range []struct{ typed, want string }{{"okonkow", "okonkwo"}, {"adeaze", "adaeze"}, {"dazzy", "dazy"}} {
		if got := nearWords(t, d, tt.typed); got != tt.want {
			t.Errorf("NameWordsNear(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
	var found []PatientHit
	err = d.View(ctx, func(tx *Tx) (err error) {
		found, err = tx.SearchPatients(prefixes("3344"), 10, 10) // a term only this Folio writes
		return err
	})
	if err != nil || hitNames(found) != "Okonkwo" {
		t.Errorf("search by the last four digits after migrating: %q, %v", hitNames(found), err)
	}
}

// openPatient records that user opened patient, as Patients.Open does.
func openPatient(t *testing.T, d *DB, user User, patientID string, at time.Time) {
	t.Helper()
	mustUpdate(t, d, func(tx *Tx) error {
		return tx.AppendAudit(AuditEntry{At: at, UserID: user.ID, Username: user.Username, Action: "patient.open",
			PatientID: patientID, Record: "patient/" + patientID})
	})
}

func TestRecentlyOpened(t *testing.T) {
	d := openTestDB(t)
	desk := addTestUser(t, d, "desk", "frontdesk")
	doc := addTestUser(t, d, "drlee", "clinician")
	var ps []Patient
	for i, name := range []string{"Adams", "Baker", "Clark", "Davis", "Evans"} {
		ps = append(ps, addTestPatient(t, d, desk, i+1, name, "Pat"))
	}
	at := testTime
	open := func(u User, p Patient) {
		at = at.Add(time.Minute)
		openPatient(t, d, u, p.ID, at)
	}
	open(desk, ps[0])
	open(desk, ps[1])
	open(doc, ps[4])
	open(desk, ps[2])
	open(desk, ps[0])                     // again: listed once, as of now
	mustUpdate(t, d, func(tx *Tx) error { // other entries of the same patient are no openings
		return tx.AppendAudit(AuditEntry{At: at, UserID: desk.ID, Username: desk.Username, Action: "patient.history",
			PatientID: ps[3].ID})
	})

	recent := func(u User, limit int) string {
		var found []PatientHit
		err := d.View(context.Background(), func(tx *Tx) (err error) {
			found, err = tx.RecentlyOpened(u.ID, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return hitNames(found)
	}
	tests := []struct {
		user  User
		limit int
		want  string
	}{
		{desk, 10, "Adams Clark Baker"},
		{desk, 2, "Adams Clark"},
		{doc, 10, "Evans"},
		{User{ID: "nobody"}, 10, ""},
	}
	for _, tt := range tests {
		if got := recent(tt.user, tt.limit); got != tt.want {
			t.Errorf("RecentlyOpened(%s, %d) = %q, want %q", tt.user.Username, tt.limit, got, tt.want)
		}
	}

	// A chart merged since stands for the chart it was merged into, once.
	mustUpdate(t, d, func(tx *Tx) error {
		survivor, err := tx.PatientByID(ps[0].ID)
		if err != nil {
			return err
		}
		dup, err := tx.PatientByID(ps[2].ID)
		if err != nil {
			return err
		}
		_, err = tx.MergePatients(survivor, dup, desk.ID, at, "same person")
		return err
	})
	if got, want := recent(desk, 10), "Adams Baker"; got != want {
		t.Errorf("after merging Clark into Adams, RecentlyOpened = %q, want %q", got, want)
	}
}

// The recent list reads the partial index of openings, not the whole trail.
func TestRecentlyOpenedUsesIndex(t *testing.T) {
	d := openTestDB(t)
	plan := queryPlan(t, d, recentlyOpenedQuery, "u", 200, 20, 10)
	if got := strings.Join(plan, "; "); !strings.Contains(got, "SEARCH audit USING COVERING INDEX audit_patient_opens") ||
		strings.Contains(got, "SCAN audit") {
		t.Errorf("query plan: %s", got)
	}
}
