// Package terminology holds the clinical code lists Folio embeds (see
// SOURCES.md) and finds codes in them as a clinician types.
package terminology

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"folio/db"
)

//go:embed icd10cm-2018.csv
var icd10File []byte

// Code is one entry of a code list. Code is written as clinicians read it:
// ICD-10-CM with its dot (E11.9).
type Code struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// ICD10 is the ICD-10-CM list with an in-memory index: every folded title
// word with the codes it appears in, and the codes in order. Build one with
// LoadICD10; it is read-only and safe for concurrent use.
type ICD10 struct {
	codes []Code   // in code order
	keys  []string // codes[i] without its dot, upper case: the sorted search key
	words []string // the folded title words, sorted
	posts [][]int  // posts[w]: the indexes of the codes whose title has words[w]
}

// LoadICD10 reads the embedded ICD-10-CM list and indexes it (~50 ms).
func LoadICD10() (*ICD10, error) {
	rows, err := csv.NewReader(bytes.NewReader(icd10File)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read ICD-10-CM list: %w", err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })
	x := &ICD10{codes: make([]Code, 0, len(rows)), keys: make([]string, 0, len(rows))}
	byWord := map[string][]int{}
	for i, row := range rows {
		if len(row) != 2 {
			return nil, fmt.Errorf("read ICD-10-CM list: row %d has %d columns", i+1, len(row))
		}
		key := strings.ToUpper(row[0])
		x.keys = append(x.keys, key)
		x.codes = append(x.codes, Code{Code: dotted(key), Title: row[1]})
		for _, w := range titleWords(row[1]) {
			if post := byWord[w]; len(post) == 0 || post[len(post)-1] != i { // a word twice in one title
				byWord[w] = append(post, i)
			}
		}
	}
	for w := range byWord {
		x.words = append(x.words, w)
	}
	sort.Strings(x.words)
	for _, w := range x.words {
		x.posts = append(x.posts, byWord[w])
	}
	return x, nil
}

// titleWords are the folded words of a title, as db.Fold splits them; the
// list is plain ASCII but for a few titles, which take the slower way.
func titleWords(title string) []string {
	for i := 0; i < len(title); i++ {
		if title[i] >= 0x80 || title[i] == '\'' {
			return strings.Fields(db.Fold(title))
		}
	}
	return strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
}

// dotted writes a dotless code with its dot after the category.
func dotted(key string) string {
	if len(key) <= 3 {
		return key
	}
	return key[:3] + "." + key[3:]
}

// CodeKey is code as the list keys it: upper case, without the dot.
func CodeKey(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), ".", ""))
}

// Lookup finds one code, written with or without its dot.
func (x *ICD10) Lookup(code string) (Code, bool) {
	key := CodeKey(code)
	i := sort.SearchStrings(x.keys, key)
	if i < len(x.keys) && x.keys[i] == key {
		return x.codes[i], true
	}
	return Code{}, false
}

// Len is how many codes the list has.
func (x *ICD10) Len() int { return len(x.codes) }

// Search finds at most limit codes for what a clinician typed: a code or
// its beginning, with or without the dot ("E11.9", "e119", "E11"), or words
// of the title in any order, each matching the start of a title word, with
// accents and case ignored ("diab typ 2"). Codes come in code order, so a
// category comes before its subdivisions.
func (x *ICD10) Search(query string, limit int) []Code {
	out := []Code{}
	if limit <= 0 {
		return out
	}
	if key := CodeKey(query); looksLikeCode(key) {
		i := sort.SearchStrings(x.keys, key)
		for ; i < len(x.keys) && len(out) < limit && strings.HasPrefix(x.keys[i], key); i++ {
			out = append(out, x.codes[i])
		}
		if len(out) > 0 {
			return out
		}
	}
	words := strings.Fields(db.Fold(query))
	if len(words) == 0 {
		return out
	}
	var hits []uint64
	for _, w := range words {
		set := x.prefixSet(w)
		if hits == nil {
			hits = set
			continue
		}
		for i := range hits {
			hits[i] &= set[i]
		}
	}
	for block, b := range hits {
		for b != 0 && len(out) < limit {
			bit := bits.TrailingZeros64(b)
			out = append(out, x.codes[block*64+bit])
			b &^= 1 << bit
		}
	}
	return out
}

// looksLikeCode tells whether key could begin an ICD-10-CM code: a letter
// then a digit, then letters and digits.
func looksLikeCode(key string) bool {
	if len(key) < 2 || key[0] < 'A' || key[0] > 'Z' || key[1] < '0' || key[1] > '9' {
		return false
	}
	for i := 2; i < len(key); i++ {
		c := key[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// prefixSet is the set of codes (a bitmap over codes) whose title has a
// word beginning with prefix.
func (x *ICD10) prefixSet(prefix string) []uint64 {
	set := make([]uint64, (len(x.codes)+63)/64)
	for w := sort.SearchStrings(x.words, prefix); w < len(x.words) && strings.HasPrefix(x.words[w], prefix); w++ {
		for _, i := range x.posts[w] {
			set[i/64] |= 1 << (i % 64)
		}
	}
	return set
}
