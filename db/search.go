package db

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The patient search box asks three indexes: patients.sort_key for the
// first letters of a name, the full-text table patient_search for every
// other word (see searchTerms), and name_keys for a name typed with a typo.

// PatientHit is a patient as a search lists them: enough to tell one from
// another and open the right chart.
type PatientHit struct {
	ID         string
	MRN        string
	FamilyName string
	GivenNames string
	BirthDate  string
	Sex        string
	Phone      string
}

const hitColumns = `id, mrn, family_name, given_names, birth_date, sex, phone`

// hits runs a query of hitColumns.
func (t *Tx) hits(query string, args ...any) ([]PatientHit, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("search patients: %w", err)
	}
	defer rows.Close()
	var out []PatientHit
	for rows.Next() {
		var h PatientHit
		if err := rows.Scan(&h.ID, &h.MRN, &h.FamilyName, &h.GivenNames, &h.BirthDate, &h.Sex, &h.Phone); err != nil {
			return nil, fmt.Errorf("search patients: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// SearchTerm is one word of a search and the index words it matches: any
// that starts with Prefix, or any that is exactly one of Words.
type SearchTerm struct {
	Prefix string
	Words  []string
}

// String writes the term as the full-text query it becomes, without
// quotes: "smith* OR smyth".
func (s SearchTerm) String() string {
	var alts []string
	if s.Prefix != "" {
		alts = append(alts, s.Prefix+"*")
	}
	alts = append(alts, s.Words...)
	return strings.Join(alts, " OR ")
}

// match is the term as an FTS5 query expression, every word quoted so that
// nothing typed is read as query syntax.
func (s SearchTerm) match() string {
	var alts []string
	if p := Fold(s.Prefix); p != "" {
		alts = append(alts, ftsQuote(p)+"*")
	}
	for _, w := range s.Words {
		if w = Fold(w); w != "" {
			alts = append(alts, ftsQuote(w))
		}
	}
	if len(alts) > 1 {
		return "(" + strings.Join(alts, " OR ") + ")"
	}
	return strings.Join(alts, "")
}

func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// PatientsByNamePrefix lists patients whose folded "family given" name starts
// with prefix, in name order: the index range that answers the first letters
// typed into a search box.
func (t *Tx) PatientsByNamePrefix(prefix string, limit int) ([]PatientHit, error) {
	prefix = Fold(prefix)
	if prefix == "" {
		return nil, nil
	}
	return t.hits(`SELECT `+hitColumns+` FROM patients WHERE sort_key >= ? AND sort_key < ?
		ORDER BY sort_key, rowid LIMIT ?`, prefix, prefixEnd(prefix), limit)
}

// PatientsByFamilyWords lists patients whose folded "family given" name
// begins with one of words as a whole word, in name order: the family names
// a mistyped one may have meant. The name index alone orders them, so only
// the patients listed are read.
func (t *Tx) PatientsByFamilyWords(words []string, limit int) ([]PatientHit, error) {
	if len(words) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(words)
	if err != nil {
		return nil, err
	}
	return t.hits(`SELECT `+hitColumns+` FROM patients WHERE rowid IN (
			SELECT p.rowid FROM json_each(?) AS w CROSS JOIN patients AS p
			ON p.sort_key >= w.value || ' ' AND p.sort_key < w.value || '!'
			ORDER BY p.sort_key, p.rowid LIMIT ?)
		ORDER BY sort_key, rowid`, string(list), limit)
}

// SearchPatients finds the patients matched by every one of terms and
// returns the first limit of them in name order. At most scan index matches
// are considered, so a broad query stays fast.
func (t *Tx) SearchPatients(terms []SearchTerm, scan, limit int) ([]PatientHit, error) {
	var parts []string
	for _, term := range terms {
		if m := term.match(); m != "" {
			parts = append(parts, m)
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return t.hits(`SELECT `+hitColumns+` FROM patients WHERE rowid IN (
		SELECT rowid FROM patient_search WHERE patient_search MATCH ? LIMIT ?)
		ORDER BY sort_key, rowid LIMIT ?`,
		strings.Join(parts, " AND "), scan, limit)
}

// prefixEnd is the smallest string greater than every string starting with prefix.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return string(b) + "\xff"
}

// phoneTerms are the search terms of a phone number's digits: the whole
// number, and every ending of it four digits or longer, so that the last
// digits, the number without its area or country code, or any run of four
// or more digits in it finds it.
func phoneTerms(digits string) []string {
	if digits == "" {
		return nil
	}
	terms := []string{digits}
	for i := 1; len(digits)-i >= 4; i++ {
		terms = append(terms, digits[i:])
	}
	return terms
}

// Typo tolerance is a deletion neighbourhood (as in SymSpell) over the
// vocabulary of name words, kept in name_keys: each folded name word of any
// patient, under itself and under every string left by deleting one of its
// letters. Two words one typo apart (a letter left out, added or changed,
// or two neighbours swapped) share a key, so the words near a typed one
// are found by looking up its own keys, and then checked.

// minNameKey is the shortest key kept: shorter names have too many
// neighbours for a typo in them to say anything.
const minNameKey = 3

// MinTypoWord is the shortest typed word looked up for typos.
const MinTypoWord = minNameKey + 1

// MaxTypoWord is the longest: a word has as many keys as letters, each as
// long as the word, so a pasted page would cost the square of its length;
// no name word comes near this.
const MaxTypoWord = 40

// nameWords are the folded words of a patient's names that go into the
// name-word index.
func nameWords(p Patient) []string {
	var words []string
	for _, w := range strings.Fields(Fold(p.FamilyName + " " + p.GivenNames + " " + p.PreferredName)) {
		if utf8.RuneCountInString(w) >= minNameKey && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

// deletions are the distinct strings left by deleting one letter of word,
// those of minNameKey letters or more.
func deletions(word string) []string {
	r := []rune(word)
	if len(r)-1 < minNameKey {
		return nil
	}
	var out []string
	for i := range r {
		d := string(r[:i]) + string(r[i+1:])
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// indexNameWords adds the words of p's names to the name-word index. A
// word already there is left as it is; words a patient no longer has stay
// too, and only cost a look-up that finds nobody by them.
func (t *Tx) indexNameWords(p Patient) error {
	for _, w := range nameWords(p) {
		res, err := t.exec(`INSERT OR IGNORE INTO name_keys (key, word) VALUES (?, ?)`, w, w)
		if err != nil {
			return fmt.Errorf("index name %q: %w", w, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue // a known word: its keys went in with it
		}
		for _, key := range deletions(w) {
			if _, err := t.exec(`INSERT OR IGNORE INTO name_keys (key, word) VALUES (?, ?)`, key, w); err != nil {
				return fmt.Errorf("index name %q: %w", w, err)
			}
		}
	}
	return nil
}

// NameWordsNear lists the name words of the index one typo away from word
// (a folded name word), not word itself. Words shorter than MinTypoWord
// have none.
func (t *Tx) NameWordsNear(word string) ([]string, error) {
	if n := utf8.RuneCountInString(word); n < MinTypoWord || n > MaxTypoWord {
		return nil, nil
	}
	keys, err := json.Marshal(append([]string{word}, deletions(word)...))
	if err != nil {
		return nil, err
	}
	rows, err := t.query(`SELECT DISTINCT word FROM name_keys WHERE key IN (SELECT value FROM json_each(?))`, string(keys))
	if err != nil {
		return nil, fmt.Errorf("look up names near %q: %w", word, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("look up names near %q: %w", word, err)
		}
		if w != word && oneEditApart(word, w) {
			out = append(out, w)
		}
	}
	return out, rows.Err()
}

// oneEditApart tells whether a and b differ by exactly one deleted, added
// or changed letter, or one swap of neighbouring letters.
func oneEditApart(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	if len(y)-len(x) > 1 {
		return false
	}
	i := 0
	for i < len(x) && x[i] == y[i] {
		i++
	}
	if len(x) < len(y) { // one letter added to x gives y
		return string(x[i:]) == string(y[i+1:])
	}
	if i == len(x) {
		return false // the same word
	}
	if string(x[i+1:]) == string(y[i+1:]) { // one letter changed
		return true
	}
	return i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && string(x[i+2:]) == string(y[i+2:])
}

// searchIndexVersion numbers what the search indexes hold: the terms
// searchTerms writes and the name-word keys. Raise it whenever either
// changes; Open then rebuilds both from the patient rows.
const searchIndexVersion = 1

const settingSearchIndex = "search.index_version"

// rebuildSearchIndex rebuilds the search indexes of every patient, in one
// transaction, when they were built by an older Folio (or never). It runs
// right after migrating: the indexes hold what only Go computes (Fold), so
// a migration's SQL cannot fill them.
func (t *Tx) rebuildSearchIndex() error {
	v, _, err := t.Setting(settingSearchIndex)
	if err != nil || v == fmt.Sprint(searchIndexVersion) {
		return err
	}
	rows, err := t.query(`SELECT rowid, id FROM patients`)
	if err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	type row struct {
		rowid int64
		id    string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.rowid, &r.id); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild search index: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	if _, err := t.exec(`DELETE FROM patient_search`); err != nil {
		return fmt.Errorf("rebuild search index: %w", err)
	}
	for _, r := range all {
		p, err := t.PatientByID(r.id)
		if err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
		former, err := t.MergedMRNs(r.id)
		if err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO patient_search (rowid, terms) VALUES (?, ?)`, r.rowid, searchTerms(p, former)); err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
		if err := t.indexNameWords(p); err != nil {
			return err
		}
	}
	return t.SetSetting(settingSearchIndex, fmt.Sprint(searchIndexVersion))
}

// RecentlyOpened lists the patients userID opened most recently, newest
// first, each once, as the audit trail's "patient.open" entries tell: the
// last 200 of them, or ten for each patient asked for if more. A chart
// merged since stands for the chart it was merged into.
func (t *Tx) RecentlyOpened(userID string, limit int) ([]PatientHit, error) {
	if err := t.flushAudit(); err != nil { // an opening audited in this transaction counts
		return nil, err
	}
	return t.hits(recentlyOpenedQuery, userID, max(200, 10*limit), 2*limit, limit)
}

// recentlyOpenedQuery reads the newest openings from the partial index
// audit_patient_opens, keeps each patient's last, and only then looks the
// few patients up: twice as many as asked for, as merges may join some.
const recentlyOpenedQuery = `WITH opens AS (
		SELECT patient_id, seq FROM audit WHERE user_id = ? AND action = 'patient.open'
		ORDER BY seq DESC LIMIT ?
	), opened AS (
		SELECT patient_id, max(seq) AS last_seq FROM opens GROUP BY patient_id ORDER BY last_seq DESC LIMIT ?
	), charts AS (
		SELECT CASE WHEN p.merged_into <> '' THEN p.merged_into ELSE p.id END AS chart_id, max(o.last_seq) AS last_seq
		FROM opened o JOIN patients p ON p.id = o.patient_id
		GROUP BY chart_id ORDER BY last_seq DESC LIMIT ?
	)
	SELECT ` + hitColumns + ` FROM charts JOIN patients ON id = chart_id
	WHERE status = 'active' ORDER BY last_seq DESC`
