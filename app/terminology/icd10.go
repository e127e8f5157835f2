// Package terminology holds the clinical code lists Folio embeds (see
// SOURCES.md) and finds codes in them as a clinician types.
package terminology

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"

	"folio/db"
)

// The ICD-10-CM FY2026 order file as NCHS publishes it, gzipped unchanged;
// the Alphabetic Index's entry terms for its codes; the abbreviations and
// everyday words clinicians type; the codes a primary-care clinic uses most.
var (
	//go:embed icd10cm-order-2026.txt.gz
	icd10OrderFile []byte
	//go:embed icd10cm-index-terms.tsv.gz
	icd10IndexTermsFile []byte
	//go:embed icd10cm-abbreviations.tsv
	icd10AbbreviationsFile []byte
	//go:embed icd10cm-common.tsv
	icd10CommonFile []byte
)

// ICD10Version names the embedded ICD-10-CM release.
const ICD10Version = "ICD-10-CM FY2026 (NCHS, effective 2025-10-01)"

// Code is one entry of a code list. Code is written as clinicians read it:
// ICD-10-CM with its dot (E11.9). Billable tells an ICD-10-CM code valid
// for HIPAA-covered transactions (a claim) from a category or subcategory
// that only heads more specific codes (E11, M17.1).
type Code struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Billable bool   `json:"billable"`
}

// ICD10 is the ICD-10-CM list with an in-memory index: every folded word
// of the titles and of the synonyms, with the codes it belongs to. Build
// one with LoadICD10; it is read-only and safe for concurrent use.
//
// Codes are indexed by rank, the order a search lists them in when nothing
// else tells them apart: the clinic's common codes first, then billable
// codes before the categories that head them, shorter (more general)
// titles first. A search's bitmaps are over ranks, so reading the first
// set bits gives the best codes without sorting.
type ICD10 struct {
	codes    []Code   // in code order
	keys     []string // codes[i] without its dot, upper case: the sorted search key
	rank     []int32  // rank[i]: codes[i]'s rank
	byRank   []int32  // byRank[r]: the code index of rank r
	common   int      // ranks [0, common) are the common codes
	billable int      // ranks [common, billable) are the other billable codes
	words    []string // every folded word, sorted
	titles   [][]int32
	synonyms [][]int32 // synonyms[w]: the ranks of codes that have words[w] only from a synonym
	terms    int       // synonym entries read: index terms and abbreviations
	// titleRank: a billable code's title, its folded words joined by a
	// space, to the best rank of the codes with that title
	titleRank map[string]int32
	// oneLetter caches prefixSets of each one-letter prefix: the first
	// keystroke of a search, which matches the most words by far
	oneLetter map[string][2][]uint64
	scratch   sync.Pool // of *searchSets
}

// LoadICD10 reads the embedded ICD-10-CM list and its synonyms and indexes
// them (~0.5 s; Folio does it at the first search).
func LoadICD10() (*ICD10, error) {
	x := &ICD10{}
	if err := x.readOrderFile(); err != nil {
		return nil, fmt.Errorf("read ICD-10-CM list: %w", err)
	}
	common, err := x.readCommon()
	if err != nil {
		return nil, fmt.Errorf("read ICD-10-CM common codes: %w", err)
	}
	x.rankCodes(common)
	titleWords := make([][]string, len(x.codes))
	for i, c := range x.codes {
		titleWords[i] = codeWords(c.Title)
	}
	synonymWords := make([][]string, len(x.codes))
	if err := x.readTerms(icd10IndexTermsFile, true, synonymWords); err != nil {
		return nil, fmt.Errorf("read ICD-10-CM index terms: %w", err)
	}
	if err := x.readTerms(icd10AbbreviationsFile, false, synonymWords); err != nil {
		return nil, fmt.Errorf("read ICD-10-CM abbreviations: %w", err)
	}
	x.index(titleWords, synonymWords)
	return x, nil
}

// readOrderFile reads NCHS's order file: fixed columns, the code at 6-13,
// 1 at 14 for a code valid for HIPAA-covered transactions, the long title
// from 77.
func (x *ICD10) readOrderFile() error {
	data, err := gunzip(icd10OrderFile)
	if err != nil {
		return err
	}
	x.codes = make([]Code, 0, 100_000)
	x.keys = make([]string, 0, 100_000)
	for n, line := range strings.Split(strings.TrimRight(string(data), "\r\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if len(line) < 78 || (line[14] != '0' && line[14] != '1') {
			return fmt.Errorf("line %d is not an order-file row", n+1)
		}
		key := strings.TrimSpace(line[6:13])
		x.keys = append(x.keys, key)
		x.codes = append(x.codes, Code{Code: dotted(key), Title: line[77:], Billable: line[14] == '1'})
	}
	// The file is in the Tabular List's order (C43, C4A, C44): sort by code.
	sort.Sort(byKey{x})
	for i := 1; i < len(x.keys); i++ {
		if x.keys[i] == x.keys[i-1] {
			return fmt.Errorf("%s is listed twice", x.keys[i])
		}
	}
	return nil
}

// byKey sorts the codes by their key.
type byKey struct{ x *ICD10 }

func (s byKey) Len() int           { return len(s.x.keys) }
func (s byKey) Less(i, j int) bool { return s.x.keys[i] < s.x.keys[j] }
func (s byKey) Swap(i, j int) {
	s.x.keys[i], s.x.keys[j] = s.x.keys[j], s.x.keys[i]
	s.x.codes[i], s.x.codes[j] = s.x.codes[j], s.x.codes[i]
}

// readCommon reads the clinic's common codes, most used first, each a
// billable code of the list.
func (x *ICD10) readCommon() ([]int, error) {
	var out []int
	seen := map[int]bool{}
	err := eachRow(icd10CommonFile, 2, func(line int, cols []string) error {
		i, ok := x.find(cols[0])
		switch {
		case !ok:
			return fmt.Errorf("line %d: %s is not in the list", line, cols[0])
		case !x.codes[i].Billable:
			return fmt.Errorf("line %d: %s is not billable", line, cols[0])
		case seen[i]:
			return fmt.Errorf("line %d: %s is listed twice", line, cols[0])
		}
		seen[i] = true
		out = append(out, i)
		return nil
	})
	return out, err
}

// readTerms adds each synonym's words to its codes: a term and a code a
// row (the index terms), or a term, its codes and its source (the
// abbreviations).
func (x *ICD10) readTerms(file []byte, gzipped bool, words [][]string) error {
	if gzipped {
		var err error
		if file, err = gunzip(file); err != nil {
			return err
		}
	}
	columns := 3
	if gzipped {
		columns = 2
	}
	return eachRow(file, columns, func(line int, cols []string) error {
		termWords := codeWords(cols[0])
		for _, code := range strings.Fields(cols[1]) {
			i, ok := x.find(code)
			if !ok {
				return fmt.Errorf("line %d: %s is not in the list", line, code)
			}
			words[i] = append(words[i], termWords...)
			x.terms++
		}
		return nil
	})
}

// gunzip expands a gzipped file into a buffer of the size its trailer
// records, read in one go.
func gunzip(file []byte) ([]byte, error) {
	gz, err := gzip.NewReader(bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if len(file) >= 4 {
		buf.Grow(int(binary.LittleEndian.Uint32(file[len(file)-4:])) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(gz)
	return buf.Bytes(), err
}

// eachRow calls row with each tab-separated row of a data file but its
// comments (#) and its header line.
func eachRow(file []byte, columns int, row func(line int, cols []string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(file))
	header := true
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != columns {
			return fmt.Errorf("line %d has %d columns, want %d", line, len(cols), columns)
		}
		if err := row(line, cols); err != nil {
			return err
		}
	}
	return sc.Err()
}

// rankCodes orders the codes for search results: the common codes in their
// list's order, then the other billable codes, then the rest, each by the
// length of its title (the shorter, the more general), then by code.
func (x *ICD10) rankCodes(common []int) {
	isCommon := make([]bool, len(x.codes))
	order := make([]int32, 0, len(x.codes))
	for _, i := range common {
		isCommon[i] = true
		order = append(order, int32(i))
	}
	var rest []int32
	for i := range x.codes {
		if !isCommon[i] {
			rest = append(rest, int32(i))
		}
	}
	sort.SliceStable(rest, func(a, b int) bool {
		ca, cb := x.codes[rest[a]], x.codes[rest[b]]
		if ca.Billable != cb.Billable {
			return ca.Billable
		}
		return len(ca.Title) < len(cb.Title) // stable: code order among equals
	})
	order = append(order, rest...)
	x.byRank, x.rank = order, make([]int32, len(order))
	for r, i := range order {
		x.rank[i] = int32(r)
	}
	x.common, x.billable = len(common), len(common)
	for _, i := range rest {
		if x.codes[i].Billable {
			x.billable++
		}
	}
}

// index builds the word lists: each code's title words, and the words its
// synonyms add.
func (x *ICD10) index(titleWords, synonymWords [][]string) {
	type posts struct{ title, synonym []int32 }
	byWord := map[string]*posts{}
	get := func(w string) *posts {
		p := byWord[w]
		if p == nil {
			p = &posts{}
			byWord[w] = p
		}
		return p
	}
	x.titleRank = make(map[string]int32, len(x.codes))
	for r, i := range x.byRank {
		rank := int32(r)
		if joined := strings.Join(titleWords[i], " "); x.codes[i].Billable {
			if _, seen := x.titleRank[joined]; !seen {
				x.titleRank[joined] = rank
			}
		}
		for _, w := range titleWords[i] {
			if p := get(w); len(p.title) == 0 || p.title[len(p.title)-1] != rank { // a word twice in one title
				p.title = append(p.title, rank)
			}
		}
		for _, w := range synonymWords[i] {
			p := get(w)
			inTitle := len(p.title) > 0 && p.title[len(p.title)-1] == rank
			if !inTitle && (len(p.synonym) == 0 || p.synonym[len(p.synonym)-1] != rank) {
				p.synonym = append(p.synonym, rank)
			}
		}
	}
	for w := range byWord {
		x.words = append(x.words, w)
	}
	sort.Strings(x.words)
	x.titles, x.synonyms = make([][]int32, len(x.words)), make([][]int32, len(x.words))
	for n, w := range x.words {
		x.titles[n], x.synonyms[n] = byWord[w].title, byWord[w].synonym
	}
	x.oneLetter = map[string][2][]uint64{}
	for _, c := range "abcdefghijklmnopqrstuvwxyz0123456789" {
		n := (len(x.codes) + 63) / 64
		title, any := make([]uint64, n), make([]uint64, n)
		x.prefixSets(string(c), title, any)
		x.oneLetter[string(c)] = [2][]uint64{title, any}
	}
	x.scratch.New = x.newSearchSets
}

// codeWords are the folded words of a title or term, as db.Fold splits
// them; the lists are plain ASCII but for a few, which take the slower way.
func codeWords(text string) []string {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 || text[i] == '\'' {
			return strings.Fields(db.Fold(text))
		}
	}
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
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

func (x *ICD10) find(code string) (int, bool) {
	key := CodeKey(code)
	i := sort.SearchStrings(x.keys, key)
	return i, i < len(x.keys) && x.keys[i] == key
}

// Lookup finds one code, written with or without its dot.
func (x *ICD10) Lookup(code string) (Code, bool) {
	if i, ok := x.find(code); ok {
		return x.codes[i], true
	}
	return Code{}, false
}

// Len is how many codes the list has; Billable how many of them are
// billable; Terms how many synonym entries (index terms and abbreviations,
// one per code they name) it read.
func (x *ICD10) Len() int      { return len(x.codes) }
func (x *ICD10) Billable() int { return x.billable }
func (x *ICD10) Terms() int    { return x.terms }

// BillableUnder lists at most limit billable codes that code heads (code
// itself when billable), best first: the common codes, then the most
// general. It is what to suggest when a category such as E11 is chosen.
func (x *ICD10) BillableUnder(code string, limit int) []Code {
	out := []Code{}
	key := CodeKey(code)
	if key == "" || limit <= 0 {
		return out
	}
	var ranks []int32
	for i := sort.SearchStrings(x.keys, key); i < len(x.keys) && strings.HasPrefix(x.keys[i], key); i++ {
		if x.codes[i].Billable {
			ranks = append(ranks, x.rank[i])
		}
	}
	sort.Slice(ranks, func(a, b int) bool { return ranks[a] < ranks[b] })
	for _, r := range ranks[:min(limit, len(ranks))] {
		out = append(out, x.codes[x.byRank[r]])
	}
	return out
}

// Search finds at most limit codes for what a clinician typed: a code or
// its beginning, with or without the dot ("E11.9", "e119", "E11"), the
// code itself first and then the codes it heads, billable ones first and
// the common and most general of them before the others; or words in
// any order, each matching the start of a word of the title or of a
// synonym (the Alphabetic Index's terms, abbreviations such as "GERD" or
// "HTN"), with accents and case ignored ("diab typ 2"). Words list the
// clinic's common codes first, then billable codes, then the categories;
// among those, codes whose title has every word come before codes found
// through a synonym, and shorter titles before longer.
func (x *ICD10) Search(query string, limit int) []Code {
	out := []Code{}
	if limit <= 0 {
		return out
	}
	if key := CodeKey(query); looksLikeCode(key) {
		if out = x.underCode(key, limit); len(out) > 0 {
			return out
		}
	}
	words := strings.Fields(db.Fold(query))
	if len(words) == 0 {
		return out
	}
	exact := x.exactTitle(words)
	sets := x.scratch.Get().(*searchSets)
	defer x.scratch.Put(sets)
	// found: codes with every word at the start of a word of their title or
	// of a synonym; inTitle: of their title; whole: every word typed whole.
	found, inTitle, whole := sets.found, sets.inTitle, sets.whole
	for n, w := range words {
		if n == 0 {
			x.prefixSets(w, inTitle, found)
			x.wordSet(w, whole)
			continue
		}
		x.prefixSets(w, sets.title, sets.any)
		x.wordSet(w, sets.full)
		for i := range found {
			found[i] &= sets.any[i]
			inTitle[i] &= sets.title[i]
			whole[i] &= sets.full[i]
		}
	}
	strong, partTitle, partSynonym := sets.title, sets.any, sets.full // reused: the word's sets are done with
	for i := range found {
		strong[i] = whole[i] | inTitle[i]
		partTitle[i] = inTitle[i] &^ whole[i]
		partSynonym[i] = found[i] &^ inTitle[i] &^ whole[i]
	}
	if exact >= 0 {
		out = append(out, x.codes[x.byRank[exact]])
		for _, set := range [][]uint64{strong, whole, partTitle, partSynonym} {
			set[exact/64] &^= 1 << (exact % 64)
		}
	}
	n := len(x.codes)
	for _, pass := range []struct {
		set      []uint64
		from, to int
	}{
		{strong, 0, x.common}, // a common code the words name, not one a synonym's prefix reaches
		{whole, x.common, x.billable}, {partTitle, x.common, x.billable}, {partSynonym, 0, x.billable},
		{whole, x.billable, n}, {partTitle, x.billable, n}, {partSynonym, x.billable, n},
	} {
		out = x.appendRanks(out, pass.set, pass.from, pass.to, limit)
	}
	return out
}

// searchSets are a search's bitmaps over ranks, kept in a pool between
// searches: a search builds several per word it is typed, and allocating
// them each time was most of its cost.
type searchSets struct{ found, inTitle, whole, title, any, full []uint64 }

func (x *ICD10) newSearchSets() any {
	n := (len(x.codes) + 63) / 64
	return &searchSets{found: make([]uint64, n), inTitle: make([]uint64, n), whole: make([]uint64, n),
		title: make([]uint64, n), any: make([]uint64, n), full: make([]uint64, n)}
}

// exactTitle is the best rank of the billable codes whose title is exactly
// the words typed ("heartburn" is R12 Heartburn), or -1.
func (x *ICD10) exactTitle(words []string) int {
	if r, ok := x.titleRank[strings.Join(words, " ")]; ok {
		return int(r)
	}
	return -1
}

// wordSet makes set the set of codes (a bitmap over ranks) that have word itself
// in their title or a synonym.
func (x *ICD10) wordSet(word string, set []uint64) {
	clear(set)
	if w := sort.SearchStrings(x.words, word); w < len(x.words) && x.words[w] == word {
		for _, posts := range [][]int32{x.titles[w], x.synonyms[w]} {
			for _, r := range posts {
				set[r/64] |= 1 << (r % 64)
			}
		}
	}
}

// underCode lists the code key and then the codes it heads, best first.
func (x *ICD10) underCode(key string, limit int) []Code {
	out := []Code{}
	lo := sort.SearchStrings(x.keys, key)
	hi := lo
	for hi < len(x.keys) && strings.HasPrefix(x.keys[hi], key) {
		hi++
	}
	if lo == hi {
		return out
	}
	set := make([]uint64, (len(x.codes)+63)/64)
	for i := lo; i < hi; i++ {
		r := x.rank[i]
		set[r/64] |= 1 << (r % 64)
	}
	if x.keys[lo] == key {
		out = append(out, x.codes[lo])
		r := x.rank[lo]
		set[r/64] &^= 1 << (r % 64)
	}
	return x.appendRanks(out, set, 0, len(x.codes), limit)
}

// appendRanks appends the codes of set's ranks in [from, to), best first,
// until out holds limit.
func (x *ICD10) appendRanks(out []Code, set []uint64, from, to, limit int) []Code {
	for r := from; r < to && len(out) < limit; {
		block := set[r/64] >> (r % 64)
		if block == 0 {
			r = (r/64 + 1) * 64
			continue
		}
		r += bits.TrailingZeros64(block)
		if r < to {
			out = append(out, x.codes[x.byRank[r]])
		}
		r++
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

// prefixSets makes title and any the sets of codes (bitmaps over ranks)
// that have a word beginning with prefix: in the title, and in the title or
// a synonym.
func (x *ICD10) prefixSets(prefix string, title, any []uint64) {
	if cached, ok := x.oneLetter[prefix]; ok {
		copy(title, cached[0])
		copy(any, cached[1])
		return
	}
	clear(title)
	clear(any)
	for w := sort.SearchStrings(x.words, prefix); w < len(x.words) && strings.HasPrefix(x.words[w], prefix); w++ {
		for _, r := range x.titles[w] {
			title[r/64] |= 1 << (r % 64)
		}
		for _, r := range x.synonyms[w] {
			any[r/64] |= 1 << (r % 64)
		}
	}
	for i := range any {
		any[i] |= title[i]
	}
}
