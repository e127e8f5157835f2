package app

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"folio/db"
)

// DuplicateMatch is an existing chart that may be the patient being
// registered: how likely (Score, 1 to 100) and why, in the desk's words.
type DuplicateMatch struct {
	Patient PatientHit `json:"patient"`
	Score   int        `json:"score"`
	// Reasons are sentences such as "Same birth date and a similar name".
	Reasons []string `json:"reasons"`
	// MatchedOn names what matched, for the form to highlight: any of
	// "name", "birthDate", "phone", "insuranceMemberId".
	MatchedOn []string `json:"matchedOn"`
}

// How much each kind of evidence adds to a match's score.
const (
	scoreSameNameAndBirth    = 70 // same birth date and the same name
	scoreSimilarNameAndBirth = 55 // same birth date and a name one slip away
	scoreSamePhone           = 35
	scoreSameMemberID        = 60 // same member id with the same insurer
	scoreMemberIDNoPayer     = 40 // same member id, an insurer not given on one side
	scoreAlsoBirthDate       = 15 // besides a phone or member id
	scoreAlsoName            = 20 // besides a phone or member id
	scoreAlsoSimilarName     = 15 // besides a phone or member id
)

// Bounds on what one check reads, so that a birth date or phone shared by
// many (a care home's number) cannot make it slow.
const (
	maxSameBirthDate  = 500
	maxSameIdentifier = 50
	maxDuplicates     = 10
	minPhoneDigits    = 7
	minMemberIDLength = 4
)

// LikelyDuplicates lists existing charts that may be the patient on the
// registration form, most likely first: the same birth date and a similar
// name (one typo, given and family names swapped, an initial for the given
// name, a missing middle name), the same phone number (either of the
// form's against either of a chart's), or the same insurance member id
// with the same insurer. The form need not be complete or valid; what is
// filled in is used. Merged charts are never listed. Each check that looks
// anything up is audited.
func (s *Patients) LikelyDuplicates(in PatientInput) ([]DuplicateMatch, error) {
	out := []DuplicateMatch{}
	err := s.app.look(s.session, permDemographics, func(o *op) error {
		in.tidy()
		q := duplicateQuery(in)
		if q.empty() {
			return nil // nothing to look up, so nothing to audit
		}
		found, err := o.likelyDuplicates(q)
		if err != nil {
			return err
		}
		out = found
		return o.audit("patient.duplicate_check", "", "", fmt.Sprintf("%d likely duplicates", len(out)))
	})
	return answer(out, err)
}

// confirmScore is how likely a match must be for registering to stop and
// ask: the same or a similar name with the same birth date, the same
// member id with the same insurer, or a phone number or member id with the
// birth date or the name agreeing too (twins share a phone and a birthday:
// the desk confirms they are two). A phone number alone (a household's
// shared line) or a member id alone, its insurer not given, is only shown
// beside the form: a question asked for every child of a family would
// teach the desk to click through it.
const confirmScore = 50

// refuseLikelyDuplicates refuses to register in while a chart in use is
// likely the same person and is not among differentFrom, the charts the
// person confirmed to be someone else: the error (kind conflict) carries
// every likely duplicate, for the form to show. It answers the MRNs of
// the likely duplicates that were confirmed.
func (o *op) refuseLikelyDuplicates(in PatientInput, differentFrom []string) ([]string, error) {
	q := duplicateQuery(in)
	if q.empty() {
		return nil, nil
	}
	found, err := o.likelyDuplicates(q)
	if err != nil {
		return nil, err
	}
	var likely []DuplicateMatch
	var confirmed []string
	unconfirmed := 0
	for _, m := range found {
		if m.Score < confirmScore {
			continue
		}
		likely = append(likely, m)
		if slices.Contains(differentFrom, m.Patient.ID) {
			confirmed = append(confirmed, m.Patient.MRN)
		} else {
			unconfirmed++
		}
	}
	if unconfirmed == 0 {
		return confirmed, nil
	}
	return nil, duplicateError(likely)
}

// duplicateError tells the desk, in its words, which charts stopped a
// registration.
func duplicateError(likely []DuplicateMatch) *Error {
	p := likely[0].Patient
	msg := fmt.Sprintf("This patient may already have a chart: %s, %s, born %s, MRN %s. "+
		"Open that chart, or confirm that this is a different person.",
		strings.ToUpper(p.FamilyName), p.GivenNames, p.BirthDate, p.MRN)
	if len(likely) > 1 {
		msg = fmt.Sprintf("This patient may already have a chart: %d charts look like the same person. "+
			"Open the right one, or confirm that this is a different person.", len(likely))
	}
	return &Error{Kind: Conflict, Message: msg, Duplicates: likely}
}

// dupQuery is what a registration form is checked by.
type dupQuery struct {
	family, given, preferred string   // folded
	birthDate                string   // a valid YYYY-MM-DD, or ""
	phoneKeys                []string // db.PhoneKey of each phone given
	memberKey, payer         string   // db.MemberKey of the member id; payerKey of the insurer
}

func duplicateQuery(in PatientInput) dupQuery {
	q := dupQuery{family: db.Fold(in.FamilyName), given: db.Fold(in.GivenNames), preferred: db.Fold(in.PreferredName)}
	if _, err := time.Parse("2006-01-02", in.BirthDate); err == nil {
		q.birthDate = in.BirthDate
	}
	for _, phone := range []string{in.Phone, in.Phone2} {
		if key := db.PhoneKey(phone); len(key) >= minPhoneDigits && !slices.Contains(q.phoneKeys, key) {
			q.phoneKeys = append(q.phoneKeys, key)
		}
	}
	if key := db.MemberKey(in.InsuranceMemberID); len(key) >= minMemberIDLength {
		q.memberKey, q.payer = key, payerKey(in.InsurancePayer)
	}
	return q
}

// empty tells whether q has nothing that could find a chart: a birth date
// needs a name beside it.
func (q dupQuery) empty() bool {
	return (q.birthDate == "" || q.family == "" && q.given == "") && len(q.phoneKeys) == 0 && q.memberKey == ""
}

// payerKey is how insurers' names are compared: folded, without spaces.
func payerKey(payer string) string { return strings.ReplaceAll(db.Fold(payer), " ", "") }

// dupCandidate gathers the evidence that one chart is the form's patient.
type dupCandidate struct {
	patient   db.Patient
	score     int
	reasons   []string
	matchedOn []string
	primary   bool // found by name and birth date, phone or member id, not only helped by them
}

func (c *dupCandidate) add(score int, matchedOn, reason string) {
	c.score += score
	c.reasons = append(c.reasons, reason)
	if !slices.Contains(c.matchedOn, matchedOn) {
		c.matchedOn = append(c.matchedOn, matchedOn)
	}
}

// likelyDuplicates looks q up in the birth date index and the identifier
// index and scores what it finds.
func (o *op) likelyDuplicates(q dupQuery) ([]DuplicateMatch, error) {
	found := map[string]*dupCandidate{}
	candidate := func(p db.Patient) *dupCandidate {
		c, ok := found[p.ID]
		if !ok {
			c = &dupCandidate{patient: p}
			found[p.ID] = c
		}
		return c
	}
	if q.birthDate != "" && (q.family != "" || q.given != "") {
		born, err := o.ActivePatientsBornOn(q.birthDate, maxSameBirthDate)
		if err != nil {
			return nil, err
		}
		for _, p := range born {
			switch match, how := q.nameMatch(p); match {
			case nameSame:
				c := candidate(p)
				c.primary = true
				c.add(scoreSameNameAndBirth, "name", "Same name and birth date")
				c.matchedOn = append(c.matchedOn, "birthDate")
			case nameSimilar:
				c := candidate(p)
				c.primary = true
				c.add(scoreSimilarNameAndBirth, "name", "Same birth date and a similar name"+parenthesised(how))
				c.matchedOn = append(c.matchedOn, "birthDate")
			}
		}
	}
	for _, key := range q.phoneKeys {
		same, err := o.PatientsByPhoneKey(key, maxSameIdentifier)
		if err != nil {
			return nil, err
		}
		for _, p := range same {
			c := candidate(p)
			if !slices.Contains(c.matchedOn, "phone") {
				c.primary = true
				c.add(scoreSamePhone, "phone", "Same phone number")
			}
		}
	}
	if q.memberKey != "" {
		same, err := o.PatientsByMemberKey(q.memberKey, maxSameIdentifier)
		if err != nil {
			return nil, err
		}
		for _, p := range same {
			theirs := payerKey(p.InsurancePayer)
			switch {
			case q.payer != "" && theirs != "" && q.payer == theirs:
				c := candidate(p)
				c.primary = true
				c.add(scoreSameMemberID, "insuranceMemberId", "Same insurance member ID with "+p.InsurancePayer)
			case q.payer == "" || theirs == "":
				c := candidate(p)
				c.primary = true
				c.add(scoreMemberIDNoPayer, "insuranceMemberId", "Same insurance member ID")
			}
		}
	}
	out := []DuplicateMatch{}
	for _, c := range found {
		if !c.primary {
			continue
		}
		q.corroborate(c)
		out = append(out, DuplicateMatch{Patient: hitView(c.patient, false), Score: min(c.score, 100),
			Reasons: c.reasons, MatchedOn: c.matchedOn})
	}
	slices.SortFunc(out, func(a, b DuplicateMatch) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return strings.Compare(db.Fold(a.Patient.FamilyName+" "+a.Patient.GivenNames+" "+a.Patient.MRN),
			db.Fold(b.Patient.FamilyName+" "+b.Patient.GivenNames+" "+b.Patient.MRN))
	})
	return out[:min(len(out), maxDuplicates)], nil
}

// corroborate adds what else agrees to a chart found by phone or member
// id: the same birth date, a similar name.
func (q dupQuery) corroborate(c *dupCandidate) {
	if slices.Contains(c.matchedOn, "name") {
		return // found by name and birth date: both already count
	}
	if q.birthDate != "" && q.birthDate == c.patient.BirthDate {
		c.add(scoreAlsoBirthDate, "birthDate", "Same birth date")
	}
	if match, how := q.nameMatch(c.patient); match == nameSame {
		c.add(scoreAlsoName, "name", "Same name")
	} else if match == nameSimilar {
		c.add(scoreAlsoSimilarName, "name", "Similar name"+parenthesised(how))
	}
}

// How alike two names are.
type nameLikeness int

const (
	nameDifferent nameLikeness = iota
	nameSimilar
	nameSame
)

// nameMatch compares the form's name with p's, and says how they differ
// when they are similar.
func (q dupQuery) nameMatch(p db.Patient) (nameLikeness, string) {
	family, given := db.Fold(p.FamilyName), db.Fold(p.GivenNames)
	if q.family == "" || q.given == "" {
		return nameDifferent, ""
	}
	if q.family == family && q.given == given {
		return nameSame, ""
	}
	if famHow, ok := familyLike(q.family, family); ok {
		if how, ok := givenLike(q.given, given); ok {
			return nameSimilar, joinHow(famHow, how)
		}
		// A preferred name on either side may stand for the given name.
		theirPreferred := db.Fold(p.PreferredName)
		for _, pair := range [][2]string{{q.given, theirPreferred}, {q.preferred, given}, {q.preferred, theirPreferred}} {
			if how, ok := givenLike(pair[0], pair[1]); ok {
				return nameSimilar, joinHow(famHow, joinHow("the preferred name", how))
			}
		}
	}
	if _, ok := familyLike(q.family, given); ok {
		if _, ok := familyLike(q.given, family); ok {
			return nameSimilar, "given and family names swapped"
		}
	}
	return nameDifferent, ""
}

func parenthesised(how string) string {
	if how == "" {
		return ""
	}
	return " (" + how + ")"
}

func joinHow(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// familyLike tells whether two folded family names may be one: the same
// but for spaces, one typo, or one of a double name.
func familyLike(a, b string) (string, bool) {
	switch {
	case a == "" || b == "":
		return "", false
	case a == b || strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", ""):
		return "", true
	case typoApart(a, b):
		return "one letter differs in the family name", true
	case wordsWithin(a, b) || wordsWithin(b, a):
		return "part of a double family name", true
	}
	return "", false
}

// givenLike tells whether two folded given names may be one person's: the
// same first name (a middle name missing), one typo in it, an initial, or
// a short form of it ("alex", "alexander").
func givenLike(a, b string) (string, bool) {
	if a == "" || b == "" {
		return "", false
	}
	if a == b {
		return "", true
	}
	first := func(s string) string { f, _, _ := strings.Cut(s, " "); return f }
	fa, fb := first(a), first(b)
	switch {
	case fa == fb:
		return "a middle name differs", true
	case typoApart(fa, fb):
		return "one letter differs in the given name", true
	case utf8.RuneCountInString(fa) == 1 && strings.HasPrefix(fb, fa), utf8.RuneCountInString(fb) == 1 && strings.HasPrefix(fa, fb):
		return "an initial for the given name", true
	case len(fa) >= 3 && strings.HasPrefix(fb, fa), len(fb) >= 3 && strings.HasPrefix(fa, fb):
		return "a short form of the given name", true
	}
	return "", false
}

// wordsWithin tells whether every word of a is a word of b.
func wordsWithin(a, b string) bool {
	words := strings.Fields(b)
	for _, w := range strings.Fields(a) {
		if !slices.Contains(words, w) {
			return false
		}
	}
	return true
}

// minTypoLength is the shortest name a typo is forgiven in: between short
// names one letter is the whole difference ("li", "lu").
const minTypoLength = 4

// typoApart tells whether a and b differ by one letter left out, added or
// changed, or two neighbouring letters swapped (a Damerau-Levenshtein
// distance of 1, the optimal string alignment kind), and are long enough
// for that to be a slip.
func typoApart(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if min(len(x), len(y)) < minTypoLength-1 || max(len(x), len(y)) < minTypoLength {
		return false
	}
	return editDistance(x, y, 1) == 1
}

// editDistance is the optimal string alignment distance between a and b,
// or limit+1 when it is more than limit.
func editDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	// Three rows of the dynamic programme: two back, one back, this one.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
