package fhir

import (
	"bytes"
	_ "embed"
	"errors"
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// What a person reads: each section of the summary as a table of words.
// The document's narratives and the HTML summary are both drawn from these
// views, so the two say the same thing.

type sectionView struct {
	Kind      sectionKind
	Title     string
	Statement string // a "none known" statement made by the clinician, or ""
	Empty     string // said when the section has no rows and no statement
	Columns   []string
	Rows      [][]string
	Letter    []labeledText // the referral letter's parts
}

type labeledText struct {
	Label string
	Lines []string
}

// sectionViews are rec's sections in the summary's order: the three the
// IPS requires always, the others when they have something to say.
func sectionViews(rec *Record) []sectionView {
	views := []sectionView{problemsView(rec), allergiesView(rec), medicationsView(rec)}
	if len(rec.Immunizations) > 0 {
		views = append(views, immunizationsView(rec))
	}
	if len(rec.LabResults) > 0 {
		views = append(views, resultsView(rec))
	}
	if len(rec.Vitals) > 0 {
		views = append(views, vitalsView(rec))
	}
	if len(rec.Visits) > 0 {
		views = append(views, notesView(rec))
	}
	if rec.Referral != nil {
		views = append(views, referralView(rec.Referral))
	}
	return views
}

// notesView is the visit notes a referral carries, each as its text.
func notesView(rec *Record) sectionView {
	v := sectionView{Kind: sectionNotes, Title: "Visit notes"}
	for i := range rec.Visits {
		visit := &rec.Visits[i]
		text, err := noteText(visit)
		if err != nil {
			// The bundle's own check of the note (noteReference) says why.
			text = visit.Note.Assessment + "\n" + visit.Note.Plan
		}
		v.Letter = append(v.Letter, labeledText{Label: "Visit of " + humanDate(visit.StartedAt), Lines: lines(text)})
	}
	return v
}

func problemsView(rec *Record) sectionView {
	v := sectionView{Kind: sectionProblems, Title: "Problems",
		Empty:   "There is no information available about the patient's problems.",
		Columns: []string{"Problem", "Code", "Status", "Onset", "Note"}}
	if rec.saysNoKnownProblems() {
		v.Statement = "No known problems."
	}
	for _, p := range rec.Problems {
		status := statusWord(p.Status)
		if p.Status == "resolved" && p.ResolvedOn != "" {
			status += " " + humanDate(p.ResolvedOn)
		}
		v.Rows = append(v.Rows, []string{p.Title, codeWords(p.Code, SystemICD10CM, p.Codings), status, humanDate(p.Onset), p.Note})
	}
	return v
}

func allergiesView(rec *Record) sectionView {
	v := sectionView{Kind: sectionAllergies, Title: "Allergies and intolerances",
		Empty:   "There is no information available about the patient's allergies.",
		Columns: []string{"Substance", "Kind", "Reaction", "Severity", "Status", "Onset", "Note"}}
	if rec.saysNoKnownAllergies() {
		v.Statement = "No known allergies."
	}
	for _, a := range rec.Allergies {
		v.Rows = append(v.Rows, []string{a.Substance, words(a.SubstanceKind), a.Reaction, words(a.Severity),
			statusWord(a.Status), humanDate(a.Onset), a.Note})
	}
	return v
}

func medicationsView(rec *Record) sectionView {
	v := sectionView{Kind: sectionMedications, Title: "Medications",
		Empty:   "There is no information available about the patient's medications.",
		Columns: []string{"Medication", "Code", "Dose and how often", "Status", "Note"}}
	if rec.saysNoKnownMedications() {
		v.Statement = "No known medications."
	}
	for _, m := range rec.Medications {
		status := statusWord(m.Status)
		switch {
		case m.Status == "stopped" && m.StopDate != "":
			status += " " + humanDate(m.StopDate)
			if m.StopReason != "" {
				status += " (" + m.StopReason + ")"
			}
		case m.Status == statusActive && m.StartDate != "":
			status += " since " + humanDate(m.StartDate)
		}
		note := m.Note
		if m.Source == "elsewhere" {
			note = joinNonEmpty([]string{prescribedElsewhere(m), m.Note}, " ")
		}
		v.Rows = append(v.Rows, []string{m.Drug, codeWords(m.RxNorm, SystemRxNorm, m.Codings), dosageText(m), status, note})
	}
	return v
}

func immunizationsView(rec *Record) sectionView {
	v := sectionView{Kind: sectionImmunizations, Title: "Immunizations",
		Columns: []string{"Vaccine", "CVX", "Date", "Lot", "Site and route", "Given by", "Note"}}
	for _, im := range rec.Immunizations {
		given := im.Performer
		if im.Source == "elsewhere" {
			given = joinNonEmpty([]string{"Elsewhere", im.Performer}, ": ")
		}
		if im.Status == statusRetracted {
			given = joinNonEmpty([]string{given, "(entered in error)"}, " ")
		}
		v.Rows = append(v.Rows, []string{im.Vaccine, im.CVX, humanDate(im.OccurredOn), im.LotNumber,
			joinNonEmpty([]string{words(im.Site), words(im.Route)}, ", "), given, im.Note})
	}
	return v
}

var flagWords = map[string]string{"N": "normal", "L": "low", "H": "high", "LL": "critically low",
	"HH": "critically high", "A": "abnormal"}

func resultsView(rec *Record) sectionView {
	v := sectionView{Kind: sectionResults, Title: "Results",
		Columns: []string{"Date", "Test", "LOINC", "Result", "Reference range", "Flag"}}
	for _, r := range rec.LabResults {
		result := r.ValueText
		if r.Value != nil {
			result = joinNonEmpty([]string{number(*r.Value), r.Unit}, " ")
		}
		flag := flagWords[r.Flag]
		if r.Status == statusRetracted {
			flag = joinNonEmpty([]string{flag, "entered in error"}, "; ")
		}
		v.Rows = append(v.Rows, []string{humanDate(r.ObservedAt), r.Name, r.LOINC, result, referenceRange(r), flag})
	}
	return v
}

func referenceRange(r LabResult) string {
	if r.RangeText != "" {
		return r.RangeText
	}
	switch {
	case r.Low != nil && r.High != nil:
		return joinNonEmpty([]string{number(*r.Low) + "–" + number(*r.High), r.Unit}, " ")
	case r.Low != nil:
		return joinNonEmpty([]string{"≥ " + number(*r.Low), r.Unit}, " ")
	case r.High != nil:
		return joinNonEmpty([]string{"≤ " + number(*r.High), r.Unit}, " ")
	}
	return ""
}

func vitalsView(rec *Record) sectionView {
	v := sectionView{Kind: sectionVitals, Title: "Vital signs",
		Columns: []string{"Taken", "Blood pressure", "Heart rate", "Resp. rate", "Temperature", "SpO2", "Height",
			"Weight", "BMI", "Pain"}}
	for _, s := range rec.Vitals {
		bp := ""
		if s.Systolic != nil || s.Diastolic != nil {
			bp = orDash(optNumber(s.Systolic, "")) + "/" + orDash(optNumber(s.Diastolic, "")) + " mmHg"
		}
		taken := humanDate(s.TakenAt)
		if s.Status == statusRetracted {
			taken += " (entered in error)"
		}
		v.Rows = append(v.Rows, []string{taken, bp, optNumber(s.Pulse, " /min"), optNumber(s.RespRate, " /min"),
			optNumber(s.Temperature, " °C"), optNumber(s.SpO2, " %"), optNumber(s.Height, " cm"),
			optNumber(s.Weight, " kg"), optNumber(s.BMI, " kg/m²"), optNumber(s.Pain, "/10")})
	}
	return v
}

func referralView(r *Referral) sectionView {
	v := sectionView{Kind: sectionReferral, Title: "Referral"}
	for _, part := range []labeledText{{"To", lines(r.Recipient)}, {"Reason for referral", lines(r.Reason)},
		{"Question to the specialist", lines(r.Question)}, {"Letter", lines(r.Text)}} {
		if len(part.Lines) > 0 {
			v.Letter = append(v.Letter, part)
		}
	}
	if len(v.Letter) == 0 {
		v.Empty = "No referral letter was written."
	}
	return v
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func statusWord(status string) string {
	switch status {
	case statusRetracted:
		return "Entered in error"
	case "":
		return ""
	}
	return strings.ToUpper(status[:1]) + status[1:]
}

// codeWords are an item's codes as a reader sees them: Folio's own code
// (of system own) alone, then each other code received with its system's
// name, e.g. "E11.9; SNOMED CT 44054006".
func codeWords(code, own string, received []Coding) string {
	parts := []string{code}
	for _, c := range received {
		if c.Code == "" || (c.System == own && c.Code == code) {
			continue
		}
		parts = append(parts, SystemName(c.System)+" "+c.Code)
	}
	return joinNonEmpty(parts, "; ")
}

// words turns a stored word ("drug_class", "left_deltoid") into people's.
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func optNumber(v *float64, unit string) string {
	if v == nil {
		return ""
	}
	return number(*v) + unit
}

// humanDate writes a date or time as people read it: "2019", "Apr 2019",
// "3 Apr 2019", "3 Apr 2019 14:05" (in the time's own zone). Anything else
// is shown as given.
func humanDate(s string) string {
	in, out := time.RFC3339, "2 Jan 2006 15:04"
	switch len(s) {
	case 4:
		in, out = "2006", "2006"
	case 7:
		in, out = "2006-01", "Jan 2006"
	case 10:
		in, out = "2006-01-02", "2 Jan 2006"
	}
	t, err := time.Parse(in, s)
	if err != nil {
		return s
	}
	return t.Format(out)
}

// xhtml is the view as a FHIR narrative: XHTML in one div, every word
// escaped, only the elements FHIR's narrative rules allow.
func (v sectionView) xhtml() string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	for _, part := range v.Letter {
		b.WriteString("<p><b>")
		b.WriteString(html.EscapeString(part.Label))
		b.WriteString(":</b></p>")
		for _, l := range part.Lines {
			b.WriteString("<p>")
			b.WriteString(html.EscapeString(l))
			b.WriteString("</p>")
		}
	}
	if v.Statement != "" {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(v.Statement))
		b.WriteString("</p>")
	}
	if len(v.Rows) == 0 && v.Statement == "" && v.Empty != "" {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(v.Empty))
		b.WriteString("</p>")
	}
	if len(v.Rows) > 0 {
		b.WriteString("<table><thead><tr>")
		for _, c := range v.Columns {
			b.WriteString("<th>")
			b.WriteString(html.EscapeString(c))
			b.WriteString("</th>")
		}
		b.WriteString("</tr></thead><tbody>")
		for _, row := range v.Rows {
			b.WriteString("<tr>")
			for _, cell := range row {
				b.WriteString("<td>")
				b.WriteString(html.EscapeString(cell))
				b.WriteString("</td>")
			}
			b.WriteString("</tr>")
		}
		b.WriteString("</tbody></table>")
	}
	b.WriteString("</div>")
	return b.String()
}

//go:embed summary.html.tmpl
var summarySource string

var summaryTemplate = template.Must(template.New("summary").Parse(summarySource))

type summaryPage struct {
	Title     string
	Patient   Patient
	Sex       string
	Born      string
	Address   string
	Author    Author
	Clinic    Clinic
	ClinicLns []string
	Made      string
	Sections  []sectionView
}

// SummaryHTML is rec as one self-contained HTML page a person reads or
// prints (A4): the patient, the author and clinic, the referral letter and
// every section of the IPS document, in the same words as its narratives.
// It has no scripts and loads nothing.
func SummaryHTML(rec Record, opts Options) ([]byte, error) {
	if opts.Now.IsZero() {
		return nil, errors.New("summary: no time given")
	}
	p := rec.Patient
	page := summaryPage{Title: documentTitle(&rec), Patient: p, Sex: words(p.Sex), Born: humanDate(p.BirthDate),
		// As the chart writes it: "3793 Lake Ln, Salem, OR 97379".
		Address: joinNonEmpty([]string{strings.ReplaceAll(p.AddressLine, "\n", ", "), p.City,
			strings.TrimSpace(p.Region + " " + p.PostalCode)}, ", "),
		Author: rec.Author, Clinic: rec.Clinic, ClinicLns: lines(rec.Clinic.Address),
		Made: humanDate(opts.Now.Format(time.RFC3339)), Sections: sectionViews(&rec)}
	// The letter comes first: it is what the specialist reads first.
	if n := len(page.Sections); n > 0 && page.Sections[n-1].Kind == sectionReferral {
		page.Sections = append([]sectionView{page.Sections[n-1]}, page.Sections[:n-1]...)
	}
	var out bytes.Buffer
	if err := summaryTemplate.Execute(&out, page); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
