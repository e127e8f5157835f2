package app

import (
	"regexp"
	"strings"
	"time"

	"folio/db"
)

// SearchQuery is what was typed into the patient search box, read as index
// tokens: folded name words, birth dates as YYYYMMDD, and digit strings
// (MRNs, phone numbers).
type SearchQuery struct {
	Tokens   []string
	nameOnly bool // every token is a name word
}

func (q SearchQuery) empty() bool { return len(q.Tokens) == 0 }

var (
	isoDate    = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	slashDate  = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)   // month/day/year
	dottedDate = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})$`) // day.month.year
	phoneish   = regexp.MustCompile(`^[+(]?\d[\d ().\-]*$`)
)

// ParseSearch reads a search box's text. Dates are understood as
// 1980-03-04, 3/4/1980 (month first) or 04.03.1980 (day first). Numbers
// written in groups, as phone numbers are ("555 300 4000",
// "+44 20 7946 0958"), are read as one number; a comma ends a group.
func ParseSearch(text string) SearchQuery {
	q := SearchQuery{nameOnly: true}
	for _, part := range strings.Split(text, ",") {
		number := "" // the digits of the number being read, group by group
		for _, word := range strings.Fields(part) {
			date, isDate := parseDate(word)
			if !isDate && phoneish.MatchString(word) {
				number += db.Digits(word)
				continue
			}
			q.addNumber(number)
			number = ""
			if isDate {
				q.Tokens = append(q.Tokens, date)
				q.nameOnly = false
				continue
			}
			q.Tokens = append(q.Tokens, strings.Fields(db.Fold(word))...)
		}
		q.addNumber(number)
	}
	return q
}

func (q *SearchQuery) addNumber(digits string) {
	if digits != "" {
		q.Tokens = append(q.Tokens, digits)
		q.nameOnly = false
	}
}

func parseDate(word string) (string, bool) {
	var y, m, d string
	if g := isoDate.FindStringSubmatch(word); g != nil {
		y, m, d = g[1], g[2], g[3]
	} else if g := slashDate.FindStringSubmatch(word); g != nil {
		m, d, y = g[1], g[2], g[3]
	} else if g := dottedDate.FindStringSubmatch(word); g != nil {
		d, m, y = g[1], g[2], g[3]
	} else {
		return "", false
	}
	t, err := time.Parse("2006-1-2", y+"-"+m+"-"+d)
	if err != nil {
		return "", false
	}
	return t.Format("20060102"), true
}
