package app

// Whom an imported file is about. A file is charted into an existing chart
// only when the patient it describes is that chart's patient by the rule
// below; otherwise matching it is refused with both people named, and only
// a clinician who confirms it is the same person all the same, saying why,
// may go ahead (the reason is kept with the import and audited). The same
// rule says when "register as new" would register a person a second time.
//
// The rule. The file's patient is the chart's patient when nothing of
// theirs contradicts and the name agrees:
//   - Birth date: when the file gives one, the chart's is the same. A file
//     that gives only a year, or a year and month, agrees with a chart born
//     in it.
//   - Sex: female and male contradict each other; "other", "unknown" or
//     nothing on either side contradicts nothing, since systems record
//     those differently.
//   - Name, compared as the front desk compares names (case, accents and
//     punctuation aside): the same words in any order (given and family
//     names swapped, given names reordered, "De Larosa" for "DeLarosa"); or,
//     when both give the same full birth date, a name the desk's duplicate
//     check calls similar (one typo, an initial, a missing middle name, a
//     short form, one part of a double family name); or, when both give
//     the same full birth date and the given names agree so, another family
//     name (a marriage), provided another identifier agrees too: a phone
//     number, the email, this clinic's own MRN for the chart (a referral
//     coming back), or the sender's identifier that an earlier import
//     matched to this chart. Without a birth date in the file, only the
//     same words will do.
//   - A file that names no patient, or whose Patient Folio kept as the
//     original, cannot be checked: it counts as a mismatch.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"folio/db"
)

// identityCheck is what comparing an import's patient with a chart found.
type identityCheck struct {
	file, chart string   // each person in words: "Emma Rossi, F, born 2019-03-02"
	mrn         string   // the chart's
	differ      []string // what contradicts: "birth date", "sex", "name"; none when they agree
	unknown     bool     // the file names no patient Folio could read
	how         string   // how an agreeing name differs, when it does
}

func (c identityCheck) agrees() bool { return len(c.differ) == 0 && !c.unknown }

// sentence names both people and what differs: "The file is about Emma
// Rossi, F, born 2019-03-02; MRN 000123 is John Smith, M, born 1949-07-10.
// The birth date, sex and name differ."
func (c identityCheck) sentence() string {
	if c.unknown {
		return fmt.Sprintf("The file does not say whom it is about, so Folio cannot check it is about MRN %s, %s.", c.mrn, c.chart)
	}
	what := c.differ[0]
	switch n := len(c.differ); {
	case n == 2:
		what = c.differ[0] + " and " + c.differ[1]
	case n > 2:
		what = strings.Join(c.differ[:n-1], ", ") + " and " + c.differ[n-1]
	}
	verb := "differs"
	if len(c.differ) > 1 {
		verb = "differ"
	}
	return fmt.Sprintf("The file is about %s; MRN %s is %s. The %s %s.", c.file, c.mrn, c.chart, what, verb)
}

// personWords is a person as both sentences name them.
func personWords(given, family, sex, birthDate string) string {
	name := strings.TrimSpace(strings.TrimSpace(given) + " " + strings.TrimSpace(family))
	if name == "" {
		name = "no name given"
	}
	sexWord := map[string]string{"female": "F", "male": "M", "other": "sex other"}[strings.ToLower(sex)]
	if sexWord == "" {
		sexWord = "sex not given"
	}
	born := "birth date not given"
	if birthDate != "" {
		born = "born " + birthDate
	}
	return name + ", " + sexWord + ", " + born
}

// incomingOf is the patient an import's file describes, nil when it names
// none Folio could read.
func incomingOf(im db.Import) (*IncomingPatient, error) {
	var received importReceived
	if err := json.Unmarshal([]byte(im.Received), &received); err != nil {
		return nil, fmt.Errorf("read import %s: %w", im.ID, err)
	}
	return received.Patient, nil
}

// checkIdentity compares the patient a file describes (in, nil when it
// names none) with chart p's by the rule above.
func (o *op) checkIdentity(in *IncomingPatient, p db.Patient) (identityCheck, error) {
	c := identityCheck{mrn: p.MRN, chart: personWords(p.GivenNames, p.FamilyName, p.Sex, p.BirthDate)}
	if in == nil {
		c.unknown = true
		return c, nil
	}
	c.file = personWords(in.GivenNames, in.FamilyName, in.Sex, in.BirthDate)
	fileBirth := strings.TrimSpace(in.BirthDate)
	if !birthAgrees(fileBirth, p.BirthDate) {
		c.differ = append(c.differ, "birth date")
	}
	if sexContradicts(in.Sex, p.Sex) {
		c.differ = append(c.differ, "sex")
	}
	sameBirth := fileBirth != "" && fileBirth == p.BirthDate
	how, agrees, err := o.nameAgrees(*in, p, sameBirth)
	if err != nil {
		return c, err
	}
	if !agrees {
		c.differ = append(c.differ, "name")
	}
	c.how = how
	return c, nil
}

// birthAgrees tells whether a file's birth date (YYYY, YYYY-MM or
// YYYY-MM-DD, or "") agrees with a chart's.
func birthAgrees(file, chart string) bool {
	switch {
	case file == "" || chart == "" || file == chart:
		return true
	case len(file) == 4 || len(file) == 7:
		return strings.HasPrefix(chart, file+"-")
	}
	return false
}

func sexContradicts(a, b string) bool {
	known := func(s string) bool { return s == "female" || s == "male" }
	a, b = strings.ToLower(a), strings.ToLower(b)
	return known(a) && known(b) && a != b
}

// nameAgrees compares the file's name with the chart's by the rule above,
// and says how they differ when they agree without being the same.
func (o *op) nameAgrees(in IncomingPatient, p db.Patient, sameBirth bool) (string, bool, error) {
	if sameNameWords(in.GivenNames+" "+in.FamilyName, p.GivenNames+" "+p.FamilyName) {
		return "", true, nil
	}
	if !sameBirth {
		return "", false, nil
	}
	q := dupQuery{family: db.Fold(in.FamilyName), given: db.Fold(in.GivenNames)}
	if match, how := q.nameMatch(p); match != nameDifferent {
		return orDefault(how, "the same name"), true, nil
	}
	givenHow, givenAgrees := givenLike(q.given, db.Fold(p.GivenNames))
	if !givenAgrees {
		return "", false, nil
	}
	also, err := o.otherIdentifierAgrees(in, p)
	if err != nil || also == "" {
		return "", false, err
	}
	return joinHow("another family name", joinHow(givenHow, "the same birth date and "+also)), true, nil
}

// sameNameWords tells whether two names are the same words in any order,
// or the same letters but for the spaces between them.
func sameNameWords(a, b string) bool {
	x, y := strings.Fields(db.Fold(a)), strings.Fields(db.Fold(b))
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	if strings.Join(x, "") == strings.Join(y, "") {
		return true
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// otherIdentifierAgrees names an identifier the file and the chart share
// besides name and birth date, or says "" when there is none.
func (o *op) otherIdentifierAgrees(in IncomingPatient, p db.Patient) (string, error) {
	if key := db.PhoneKey(in.Phone); len(key) >= minPhoneDigits && (key == db.PhoneKey(p.Phone) || key == db.PhoneKey(p.Phone2)) {
		return "phone number", nil
	}
	if email := strings.TrimSpace(in.Email); email != "" && strings.EqualFold(email, strings.TrimSpace(p.Email)) {
		return "email", nil
	}
	ownSystem, err := o.ownMRNSystem()
	if err != nil {
		return "", err
	}
	for _, id := range in.Identifiers {
		if id.System == "" || id.Value == "" {
			continue
		}
		if id.System == ownSystem {
			if id.Value == p.MRN {
				return "this clinic's MRN", nil
			}
			continue
		}
		charts, err := o.PatientsImportedAs(id.System, id.Value)
		if err != nil {
			return "", err
		}
		if slices.Contains(charts, p.ID) {
			return orDefault(id.Type, "identifier") + " an earlier import matched to this chart", nil
		}
	}
	return "", nil
}

// mismatchError refuses to match an import to a chart whose patient is not
// the file's: both people named, in Fields["mismatch"] too, so the import
// screen can ask for a confirmation and a reason.
func mismatchError(c identityCheck, then string) *Error {
	return &Error{Kind: Conflict, Message: c.sentence() + " " + then, Fields: map[string]string{"mismatch": c.sentence()}}
}

// mismatchNote is what the file's patient item keeps of a match confirmed
// despite a mismatch, for the import's history.
func mismatchNote(c identityCheck, username, reason string) string {
	return fmt.Sprintf("Matched to MRN %s although the details differ: %s Confirmed by %s: %s", c.mrn, c.sentence(), username, reason)
}

// alreadyRegistered are this clinic's charts of the import's patient:
// those an earlier import of the same file or of the same sender's
// identifier went into, this clinic's own MRN in the file, and the likely
// duplicates that are the same person by the rule above.
func (o *op) alreadyRegistered(im db.Import, in IncomingPatient) ([]DuplicateMatch, error) {
	candidates, err := o.importCandidates(in, im.FileSHA256)
	if err != nil {
		return nil, err
	}
	var out []DuplicateMatch
	for _, c := range candidates {
		if slices.ContainsFunc(c.MatchedOn, func(on string) bool { return on == "mrn" || on == "identifier" || on == "file" }) {
			out = append(out, c)
			continue
		}
		p, _, err := o.livePatient(c.Patient.ID)
		if err != nil {
			return nil, err
		}
		check, err := o.checkIdentity(&in, p)
		if err != nil {
			return nil, err
		}
		if check.agrees() {
			out = append(out, c)
		}
	}
	return out, nil
}

// registeredError refuses to register a person who has a chart here,
// naming each chart; instead says what to do.
func registeredError(charts []DuplicateMatch, instead func(mrn string) string) *Error {
	var named []string
	for _, c := range charts {
		p := c.Patient
		named = append(named, fmt.Sprintf("MRN %s, %s (%s)", p.MRN, personWords(p.GivenNames, p.FamilyName, p.Sex, p.BirthDate),
			strings.Join(c.Reasons, "; ")))
	}
	which := "a chart"
	if len(charts) > 1 {
		which = fmt.Sprintf("%d charts", len(charts))
	}
	return &Error{Kind: Conflict, Message: fmt.Sprintf("Nothing was registered: this patient has %s here already: %s. %s",
		which, strings.Join(named, "; "), instead(charts[0].Patient.MRN)),
		Fields: map[string]string{"registered": charts[0].Patient.MRN}}
}
