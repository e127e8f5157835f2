package app

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"folio/db"
)

// DateOrder is how the clinic writes a date as numbers: which of the two
// comes first in 3/4/1980, 3.4.1980 or 3-4-1980. An ISO date (1980-03-04)
// is read as ISO whatever the order.
type DateOrder string

const (
	MonthFirst DateOrder = "mdy" // 3/4/1980 is March 4
	DayFirst   DateOrder = "dmy" // 3/4/1980 is 3 April
)

// defaultDateOrder is the order of a clinic that has not chosen one.
const defaultDateOrder = MonthFirst

func (d DateOrder) valid() bool { return d == MonthFirst || d == DayFirst }

// SearchQuery is what was typed into the patient search box, read as index
// terms: folded name words and digit strings (MRNs, phone numbers) match
// the index words they start, birth dates (as YYYYMMDD) match exactly.
type SearchQuery struct {
	Terms []db.SearchTerm
	// Unfinished is set when a word is a date not yet whole, or one that
	// cannot be: 3/4/ or 3/4/19 while typing, 3/4/80 (a two-digit year is
	// never guessed), 31/2/1980. Such a query finds nobody.
	Unfinished bool
	nameOnly   bool // every term is a name word
}

func (q SearchQuery) empty() bool { return len(q.Terms) == 0 || q.Unfinished }

var (
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	// numericDate is two numbers and a year (perhaps not yet typed), with
	// one separator: 3/4/1980, 04.03.1980, 3-4-1980, 3/4/.
	numericDate = regexp.MustCompile(`^(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d*)$`)
	// slashed is a date being typed: a slash is in no name or phone number.
	slashed  = regexp.MustCompile(`^[\d/]*/[\d/]*$`)
	phoneish = regexp.MustCompile(`^[+(]?\d[\d ().\-]*$`)
	// yearFirstDate is a date written year first with slashes or dots,
	// 1976/07/17 or 1976.7.17: year, month, day, as ISO, in every clinic.
	yearFirstDate = regexp.MustCompile(`^(\d{4})([/.])(\d{1,2})([/.])(\d{1,2})$`)
)

// monthNames are the English month names and their abbreviations, longest
// first where one begins another, as a date typed in words has them.
const monthNames = `(january|february|march|april|may|june|july|august|september|october|november|december|` +
	`jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?`

var (
	// dayMonthYear is "17 July 1976", "17th of Jul, 1976" or "17-Jul-1976".
	dayMonthYear = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s\-]+` + monthNames +
		`[\s\-,]+(\d{4})\b`)
	// monthDayYear is "July 17 1976", "Jul 17, 1976" or "Jul-17-1976".
	monthDayYear = regexp.MustCompile(`(?i)\b` + monthNames + `[\s\-]+(\d{1,2})(?:st|nd|rd|th)?[\s\-,]+(\d{4})\b`)
)

// monthNumber is the number of a month's name or abbreviation.
func monthNumber(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for i, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.HasPrefix(name, m) {
			return strconv.Itoa(i + 1)
		}
	}
	return ""
}

// wordDates takes the dates written with the month's name out of text
// ("July 17 1976", "17 July 1976", "Jul 17, 1976"), which the words
// around them (a comma inside one, the name a word of its own) would
// otherwise split: it answers them as YYYYMMDD, with ok false for one that
// names no day (31 June 1976), and the text left.
func wordDates(text string) (dates []string, ok bool, rest string) {
	ok = true
	take := func(re *regexp.Regexp, year, month, day int) {
		text = re.ReplaceAllStringFunc(text, func(match string) string {
			g := re.FindStringSubmatch(match)
			date, valid := toDate(g[year], monthNumber(g[month]), g[day])
			if valid {
				dates = append(dates, date)
			} else {
				ok = false
			}
			return "," // a date ends the number before it
		})
	}
	take(dayMonthYear, 3, 2, 1)
	take(monthDayYear, 3, 1, 2)
	return dates, ok, text
}

// ParseSearch reads a search box's text. Dates are understood as
// 1980-03-04, 1980/03/04 or 1980.3.4 (year, month, day), as two numbers
// and a four-digit year separated by slashes, dots or dashes (3/4/1980,
// 04.03.1980, 3-4-1980) in the clinic's order, or the other way round when
// only that makes a date (25/12/1980 in a month-first clinic), and with
// the month's English name or abbreviation, day first or month first
// ("4 March 1980", "March 4 1980", "Mar 4, 1980", "4-Mar-1980"). Eight
// digits typed together (03041980) may also be such a date, and then find
// both that birth date and the digits. Numbers written in groups, as phone
// numbers are ("555 300 4000", "+44 20 7946 0958"), are read as one
// number; a comma ends a group.
func ParseSearch(text string, order DateOrder) SearchQuery {
	q := SearchQuery{nameOnly: true}
	dates, ok, text := wordDates(text)
	for _, date := range dates {
		q.add(db.SearchTerm{Words: []string{date}})
	}
	if !ok {
		q.Unfinished = true // 31 June 1976 is no date, and nothing else either
		q.nameOnly = false
	}
	for _, part := range strings.Split(text, ",") {
		number := "" // the digits of the number being read, group by group
		for _, word := range strings.Fields(part) {
			date, kind := readDate(word, order)
			if kind == notADate && phoneish.MatchString(word) {
				number += db.Digits(word)
				continue
			}
			q.addNumber(number, order)
			number = ""
			switch kind {
			case wholeDate:
				q.add(db.SearchTerm{Words: []string{date}})
			case unfinishedDate:
				q.Unfinished = true
				q.nameOnly = false
			default:
				for _, w := range strings.Fields(db.Fold(word)) {
					q.Terms = append(q.Terms, db.SearchTerm{Prefix: w})
				}
			}
		}
		q.addNumber(number, order)
	}
	return q
}

func (q *SearchQuery) add(t db.SearchTerm) {
	q.Terms = append(q.Terms, t)
	q.nameOnly = false
}

// addNumber adds the digits of a number: what they start, or, for eight
// digits that spell a date, that birth date too.
func (q *SearchQuery) addNumber(digits string, order DateOrder) {
	if digits == "" {
		return
	}
	t := db.SearchTerm{Prefix: digits}
	if len(digits) == 8 {
		if date, ok := numbersToDate(digits[:2], digits[2:4], digits[4:], order); ok && plausibleYear(date) {
			t.Words = []string{date}
		}
	}
	q.add(t)
}

type dateKind int

const (
	notADate dateKind = iota
	wholeDate
	unfinishedDate
)

// readDate reads word as a date, as YYYYMMDD.
func readDate(word string, order DateOrder) (string, dateKind) {
	if g := isoDate.FindStringSubmatch(word); g != nil {
		if date, ok := toDate(g[1], g[2], g[3]); ok {
			return date, wholeDate
		}
		return "", notADate
	}
	if g := yearFirstDate.FindStringSubmatch(word); g != nil && g[2] == g[4] {
		if date, ok := toDate(g[1], g[3], g[5]); ok {
			return date, wholeDate
		}
		// No date: with slashes nothing else either (below), with dots
		// perhaps a phone number.
	}
	if g := numericDate.FindStringSubmatch(word); g != nil && g[2] == g[4] && dayAndMonth(g[1], g[3]) {
		if len(g[5]) != 4 {
			return "", unfinishedDate
		}
		if date, ok := numbersToDate(g[1], g[3], g[5], order); ok {
			return date, wholeDate
		}
		return "", unfinishedDate // 31/2/1980 is no date, and nothing else either
	}
	if slashed.MatchString(word) {
		return "", unfinishedDate
	}
	return "", notADate
}

// dayAndMonth tells whether two numbers could be a day and a month, in
// either order: 12-34-5678 is no date but may be part of a phone number.
func dayAndMonth(a, b string) bool {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	if x > y {
		x, y = y, x
	}
	return x >= 1 && x <= 12 && y >= 1 && y <= 31
}

// numbersToDate reads two numbers and a four-digit year in the clinic's
// order, or in the other when only that makes a date.
func numbersToDate(first, second, year string, order DateOrder) (string, bool) {
	month, day := first, second
	if order == DayFirst {
		month, day = second, first
	}
	if date, ok := toDate(year, month, day); ok {
		return date, true
	}
	return toDate(year, day, month)
}

func toDate(year, month, day string) (string, bool) {
	if len(year) != 4 {
		return "", false
	}
	t, err := time.Parse("2006-1-2", year+"-"+strings.TrimLeft(month, "0")+"-"+strings.TrimLeft(day, "0"))
	if err != nil {
		return "", false
	}
	return t.Format("20060102"), true
}

// plausibleYear keeps eight digits from being read as a date of a year
// nobody alive was born in: 12345678 is more likely a phone number.
func plausibleYear(date string) bool { return date[:4] >= oldestBirth[:4] && date[:4] < "2100" }

// PatientHit is one search result. Similar marks a patient found only by
// a name spelled one letter differently from what was typed; they are
// listed after those that match as typed.
type PatientHit struct {
	ID         string `json:"id"`
	MRN        string `json:"mrn"`
	FamilyName string `json:"familyName"`
	GivenNames string `json:"givenNames"`
	BirthDate  string `json:"birthDate"`
	Sex        string `json:"sex"`
	Phone      string `json:"phone"`
	Similar    bool   `json:"similar"`
}

func hitView(p db.Patient, similar bool) PatientHit {
	return PatientHit{ID: p.ID, MRN: p.MRN, FamilyName: p.FamilyName, GivenNames: p.GivenNames,
		BirthDate: p.BirthDate, Sex: p.Sex, Phone: p.Phone, Similar: similar}
}

func searchHitView(h db.PatientHit, similar bool) PatientHit {
	return PatientHit{ID: h.ID, MRN: h.MRN, FamilyName: h.FamilyName, GivenNames: h.GivenNames,
		BirthDate: h.BirthDate, Sex: h.Sex, Phone: h.Phone, Similar: similar}
}

const (
	defaultSearchResults = 20
	maxSearchResults     = 100
)

func searchLimit(limit int) int {
	if limit <= 0 || limit > maxSearchResults {
		return defaultSearchResults
	}
	return limit
}

// maxSearchText is the longest search looked up: a name, a date and a phone
// number together fit many times over, and a pasted page is refused before
// it costs anything.
const maxSearchText = 200

// Search finds patients by any mix of name parts (in any order, whole or
// begun), MRN, birth date and phone digits, as typed into the search box;
// a name typed with one typo still finds its patients, after those that
// match as typed. Dates with slashes or dots are read in the clinic's date
// order (Settings.DateOrder).
func (s *Patients) Search(query string, limit int) ([]PatientHit, error) {
	limit = searchLimit(limit)
	if utf8.RuneCountInString(query) > maxSearchText {
		words := fmt.Sprintf("Type at most %d characters: a name, a birth date, an MRN or a phone number.", maxSearchText)
		return nil, &Error{Kind: Invalid, Message: "That search is too long. " + words, Fields: map[string]string{"query": words}}
	}
	hits := []PatientHit{}
	err := s.app.look(s.session, permDemographics, func(o *op) error {
		order, err := o.dateOrder()
		if err != nil {
			return err
		}
		q := ParseSearch(query, order)
		if q.empty() {
			return nil // nothing was looked up, so nothing to audit
		}
		found, exact, err := o.searchPatients(q, limit)
		if err != nil {
			return err
		}
		for i, p := range found {
			hits = append(hits, searchHitView(p, i >= exact))
		}
		return o.audit("patient.search", "", "", fmt.Sprintf("%q: %d found", strings.TrimSpace(query), len(hits)))
	})
	return answer(hits, err)
}

// searchPatients finds the patients q names: first those matching every
// term as typed; then, when they are fewer than limit, those matching with
// a name word one typo away. Each kind is in name order, family names
// first for a single word. The first exact of found are the first kind.
func (o *op) searchPatients(q SearchQuery, limit int) (found []db.PatientHit, exact int, err error) {
	found, err = o.matchesAsTyped(q, limit)
	exact = len(found)
	if err != nil || exact >= limit {
		return found, exact, err
	}
	terms, widened, err := o.withNearNames(q.Terms)
	if err != nil || !widened {
		return found, exact, err
	}
	scan := 500
	if len(terms) == 1 {
		// One mistyped name: the family names it may mean come from the
		// name index, fast and in order; given names need the full text,
		// as few as for a single word typed right.
		family, err := o.PatientsByFamilyWords(terms[0].Words, limit)
		if err != nil {
			return nil, 0, err
		}
		if found = mergeHits(found, family, limit); len(found) >= limit {
			return found, exact, nil
		}
		scan = limit * 4
	}
	more, err := o.SearchPatients(terms, scan, limit+len(found))
	if err != nil {
		return nil, 0, err
	}
	return mergeHits(found, more, limit), exact, nil
}

// matchesAsTyped answers a single word from the name index, in name order,
// and anything else from the full-text index.
func (o *op) matchesAsTyped(q SearchQuery, limit int) ([]db.PatientHit, error) {
	if len(q.Terms) == 1 && q.nameOnly {
		found, err := o.PatientsByNamePrefix(q.Terms[0].Prefix, limit)
		if err != nil || len(found) == limit {
			return found, err
		}
		// found holds every name starting so, and more may repeat them all.
		more, err := o.SearchPatients(q.Terms, limit*4, limit)
		if err != nil {
			return nil, err
		}
		return mergeHits(found, more, limit), nil
	}
	return o.SearchPatients(q.Terms, 500, limit)
}

// withNearNames widens each name word of terms to the patients' name words
// one typo away from it; widened tells whether any had such neighbours.
func (o *op) withNearNames(terms []db.SearchTerm) (out []db.SearchTerm, widened bool, err error) {
	out = make([]db.SearchTerm, len(terms))
	for i, t := range terms {
		out[i] = t
		if len(t.Words) > 0 || !strings.ContainsFunc(t.Prefix, unicode.IsLetter) {
			continue // a date or a number
		}
		near, err := o.NameWordsNear(t.Prefix)
		if err != nil {
			return nil, false, err
		}
		if len(near) > 0 {
			out[i].Words, widened = near, true
		}
	}
	return out, widened, nil
}

func mergeHits(first, more []db.PatientHit, limit int) []db.PatientHit {
	seen := make(map[string]bool, len(first))
	out := first
	for _, p := range first {
		seen[p.ID] = true
	}
	for _, p := range more {
		if len(out) >= limit {
			break
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

// Recent lists the patients the signed-in person opened most recently,
// newest first, each once: what the search box offers before anything is
// typed in it.
func (s *Patients) Recent(limit int) ([]PatientHit, error) {
	limit = searchLimit(limit)
	hits := []PatientHit{}
	err := s.app.look(s.session, permDemographics, func(o *op) error {
		found, err := o.RecentlyOpened(o.actor.userID, limit)
		if err != nil {
			return err
		}
		for _, p := range found {
			hits = append(hits, searchHitView(p, false))
		}
		return o.audit("patient.recent", "", "", fmt.Sprintf("%d listed", len(hits)))
	})
	return answer(hits, err)
}

// dateOrder is the clinic's date order setting.
func (o *op) dateOrder() (DateOrder, error) {
	v, _, err := o.Setting(settingDateOrder)
	if order := DateOrder(v); order.valid() {
		return order, err
	}
	return defaultDateOrder, err
}
