package terminology

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"folio/db"
)

//go:embed cvx.tsv
var cvxFile []byte

// Vaccine is one CVX code of Folio's vaccine list. Name is CDC's short
// description. HistoryOnly marks a code that records a dose given elsewhere
// but never one given here: an unspecified formulation (for a vaccination
// card that does not name the product) or a product no longer distributed.
// OtherNames are product names and abbreviations clinicians type.
type Vaccine struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	HistoryOnly bool   `json:"historyOnly"`
	OtherNames  string `json:"otherNames"`
}

// CVX is the vaccine list, read-only and safe for concurrent use. Build it
// with LoadCVX.
type CVX struct {
	vaccines []Vaccine  // in the order Search returns them
	words    [][]string // words[i]: the folded words of vaccines[i]'s names
	byCode   map[string]int
}

// LoadCVX reads the embedded vaccine list (see SOURCES.md).
func LoadCVX() (*CVX, error) {
	x := &CVX{byCode: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(cvxFile))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 4 || (cols[2] != "any" && cols[2] != "history") {
			return nil, fmt.Errorf("read CVX list: line %d: want code, name, any or history, other names", line)
		}
		code := CVXKey(cols[0])
		if _, dup := x.byCode[code]; dup || code == "" {
			return nil, fmt.Errorf("read CVX list: line %d: code %q is empty or listed twice", line, cols[0])
		}
		x.byCode[code] = len(x.vaccines)
		x.vaccines = append(x.vaccines, Vaccine{Code: code, Name: cols[1], HistoryOnly: cols[2] == "history", OtherNames: cols[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read CVX list: %w", err)
	}
	// Vaccines given here first, then history-only codes; alphabetical
	// within each, so that the formulations of one vaccine stand together.
	sort.SliceStable(x.vaccines, func(i, j int) bool {
		a, b := x.vaccines[i], x.vaccines[j]
		if a.HistoryOnly != b.HistoryOnly {
			return !a.HistoryOnly
		}
		return db.Fold(a.Name) < db.Fold(b.Name)
	})
	for i, v := range x.vaccines {
		x.byCode[v.Code] = i
		x.words = append(x.words, strings.Fields(db.Fold(v.Name+" "+v.OtherNames)))
	}
	return x, nil
}

// CVXKey is a CVX code as the list keys it: digits only, at least two, so
// that "8" and "08" are the same code.
func CVXKey(code string) string {
	code = strings.TrimSpace(code)
	if len(code) == 1 {
		code = "0" + code
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return code
}

// Len is how many vaccines the list has.
func (x *CVX) Len() int { return len(x.vaccines) }

// Lookup finds a vaccine by its CVX code ("08" or "8").
func (x *CVX) Lookup(code string) (Vaccine, bool) {
	i, ok := x.byCode[CVXKey(code)]
	if !ok {
		return Vaccine{}, false
	}
	return x.vaccines[i], true
}

// Search finds at most limit vaccines for what a clinician typed: a CVX
// code ("115", "8"), or words of the name, product or abbreviation in any
// order, each matching the start of a word, accents and case ignored
// ("tdap", "shingrix", "flu high"). An empty query lists the vaccines given
// here, first ones first.
func (x *CVX) Search(query string, limit int) []Vaccine {
	out := []Vaccine{}
	if limit <= 0 {
		return out
	}
	if v, ok := x.Lookup(query); ok {
		return append(out, v)
	}
	words := strings.Fields(db.Fold(query))
	for i, v := range x.vaccines {
		if len(out) == limit {
			break
		}
		if len(words) == 0 && v.HistoryOnly {
			break
		}
		if hasEveryPrefix(x.words[i], words) {
			out = append(out, v)
		}
	}
	return out
}

// hasEveryPrefix tells whether each of prefixes begins one of words.
func hasEveryPrefix(words, prefixes []string) bool {
	for _, p := range prefixes {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, p) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
