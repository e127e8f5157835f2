// Package readings reads a patient's home device readings (blood-pressure
// cuff, scale, glucose meter, pulse oximeter) out of the files their apps
// export and the FHIR Observations their hubs send: Withings Health Mate,
// Beurer HealthManager and Omron Connect CSV exports, any other CSV through
// a column mapping the clinic saves (Spec), and FHIR R4 Observations and
// Bundles. It knows nothing of the database or of who asks: it turns bytes
// into readings in canonical units, each with the row it came from, and
// names every row it refuses and why.
package readings

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kinds of reading, as schema 28 stores them.
const (
	KindBP      = "bp"
	KindWeight  = "weight"
	KindPulse   = "pulse"
	KindSpO2    = "spo2"
	KindGlucose = "glucose"
)

// Formats Folio recognizes by their header (or, for FHIR, their JSON).
const (
	FormatWithingsBP     = "withings-bp"
	FormatWithingsWeight = "withings-weight"
	FormatBeurerBP       = "beurer-bp"
	FormatBeurerWeight   = "beurer-weight"
	FormatOmron          = "omron"
	FormatFHIR           = "fhir"
	FormatMapped         = "mapped" // a Spec the clinic saved
)

// formatNames are the formats in the words shown on the preview.
var formatNames = map[string]string{
	FormatWithingsBP:     "Withings Health Mate blood pressure (bp.csv)",
	FormatWithingsWeight: "Withings Health Mate weight (weight.csv)",
	FormatBeurerBP:       "Beurer HealthManager blood pressure",
	FormatBeurerWeight:   "Beurer HealthManager weight",
	FormatOmron:          "Omron Connect",
	FormatFHIR:           "FHIR Observations",
	FormatMapped:         "Mapped CSV",
}

// FormatName is a format in words.
func FormatName(format string) string {
	if n, ok := formatNames[format]; ok {
		return n
	}
	return format
}

// Reading is one reading read from a file or a resource, in canonical units
// (mmHg, kg, /min, %, mg/dL); nil values were not part of it.
type Reading struct {
	Row            int       // the file's row (1 is the first line) or the bundle's entry (from 1)
	Kind           string    // bp, weight, pulse, spo2, glucose
	TakenAt        time.Time // UTC
	TakenLocal     string    // the device's wall clock, 'YYYY-MM-DDTHH:MM'
	Systolic       *float64
	Diastolic      *float64
	Pulse          *float64
	WeightKg       *float64
	SpO2           *float64
	GlucoseMgDl    *float64
	GlucoseContext string
	Device         string
	Comment        string
	Codes          string // JSON array of the codings received ("[]" for a CSV)
	Received       string // the row or the resource as received
	DedupKey       string
}

// Problem is a row refused (or, for a FHIR resource marked entered in
// error or cancelled, skipped), with why, in words for the person importing.
type Problem struct {
	Row     int    `json:"row"`
	Where   string `json:"where"`   // "row 14" or "entry 3"
	Message string `json:"message"` // "systolic 420 mmHg is not possible (20–300)"
}

func (p Problem) String() string { return p.Where + ": " + p.Message }

// Result is what a file held.
type Result struct {
	Format   string
	Device   string // as the format or the file names it
	RowsRead int    // data rows (or resources), header not counted
	Columns  []string
	Readings []Reading
	Refused  []Problem
	Skipped  []Problem
}

// Options are what reading a file depends on besides its bytes.
type Options struct {
	// Zone is the clinic's time zone: a CSV's wall-clock times are taken
	// there. nil is time.Local (the host's).
	Zone *time.Location
	// Now is when the file is read; a reading more than a day after it is
	// refused (a device clock set wrong).
	Now time.Time
	// Spec reads the file as a saved mapping, whatever its header says.
	Spec *Spec
}

func (o Options) zone() *time.Location {
	if o.Zone == nil {
		return time.Local
	}
	return o.Zone
}

// ErrUnknownFormat is returned for a file whose layout Folio cannot tell.
var ErrUnknownFormat = fmt.Errorf("Folio does not know this file's layout: choose Other CSV and say which column holds what")

// Parse reads a file: FHIR JSON or one of the CSV layouts, told by its
// header, or by opt.Spec. It fails only when the file is not one it can
// read at all; rows it cannot take are in Refused.
func Parse(content []byte, opt Options) (Result, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return Result{}, fmt.Errorf("the file is empty")
	}
	if opt.Spec == nil && trimmed[0] == '{' {
		return ParseFHIR(trimmed, opt)
	}
	if opt.Spec != nil {
		return parseCSV(content, *opt.Spec, FormatMapped, opt)
	}
	header := firstLine(content)
	format, spec, ok := detect(header)
	if !ok {
		return Result{Columns: splitHeader(header)}, ErrUnknownFormat
	}
	return parseCSV(content, spec, format, opt)
}

// Columns reads a CSV file's header cells, for the mapping step.
func Columns(content []byte) []string {
	return splitHeader(firstLine(bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))))
}

func firstLine(content []byte) string {
	line, _, _ := bytes.Cut(content, []byte("\n"))
	return strings.TrimRight(string(line), "\r")
}

// splitHeader splits a header on its likely delimiter, unquoting cells.
func splitHeader(header string) []string {
	delim := guessDelimiter(header)
	cells := strings.Split(header, delim)
	for i, c := range cells {
		cells[i] = strings.Trim(strings.TrimSpace(c), `"`)
	}
	return cells
}

func guessDelimiter(header string) string {
	best, count := ",", strings.Count(header, ",")
	for _, d := range []string{";", "\t"} {
		if n := strings.Count(header, d); n > count {
			best, count = d, n
		}
	}
	return best
}

// Plausibility limits for import. They are not clinical targets or reference
// ranges: they only refuse what no living person's device can have read
// (a typing error, a unit mistaken, a column shifted), so that a file with
// such a row is looked at before anything of it enters the chart. They are
// deliberately wide; the clinic's own vitals ranges (app/terminology) judge
// what is high or low.
type limit struct {
	name, unit string
	low, high  float64
}

var (
	limitSystolic  = limit{"systolic", "mmHg", 20, 300}
	limitDiastolic = limit{"diastolic", "mmHg", 10, 200}
	limitPulse     = limit{"pulse", "/min", 20, 250}
	limitWeight    = limit{"weight", "kg", 0.5, 400}
	limitSpO2      = limit{"SpO2", "%", 50, 100}
	limitGlucose   = limit{"glucose", "mg/dL", 10, 1000}
)

func (l limit) check(v float64) string {
	if v < l.low || v > l.high || math.IsNaN(v) {
		return fmt.Sprintf("%s %s %s is not possible (%s–%s)", l.name, number(v), l.unit, number(l.low), number(l.high))
	}
	return ""
}

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Unit conversions.
const (
	// KgPerLb is exact, by the international yard and pound agreement (1959).
	KgPerLb = 0.45359237
	// MgDlPerMmolL turns glucose mmol/L into mg/dL: the molar mass of
	// glucose, C6H12O6, 180.156 g/mol (from the IUPAC standard atomic
	// weights), so 1 mmol/L = 18.0156 mg/dL, used rounded as 18.016 (as in
	// the SI unit conversion tables, e.g. AMA Manual of Style, SI conversion).
	MgDlPerMmolL = 18.016
)

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func ptr(v float64) *float64 { return &v }

// finish checks a reading's values and time, and gives it its dedup key:
// "" when it is fine, else why it is refused.
func finish(r *Reading, now time.Time) string {
	checks := []struct {
		v *float64
		l limit
	}{{r.Systolic, limitSystolic}, {r.Diastolic, limitDiastolic}, {r.Pulse, limitPulse}, {r.WeightKg, limitWeight},
		{r.SpO2, limitSpO2}, {r.GlucoseMgDl, limitGlucose}}
	for _, c := range checks {
		if c.v == nil {
			continue
		}
		if msg := c.l.check(*c.v); msg != "" {
			return msg
		}
	}
	if r.Kind == KindBP && *r.Systolic <= *r.Diastolic {
		return fmt.Sprintf("systolic %s must be above diastolic %s", number(*r.Systolic), number(*r.Diastolic))
	}
	if r.TakenAt.After(now.Add(24 * time.Hour)) {
		return fmt.Sprintf("%s is in the future: is the device's clock right?", strings.Replace(r.TakenLocal, "T", " ", 1))
	}
	r.DedupKey = DedupKey(*r)
	return ""
}

// DedupKey is what makes two readings the same reading: the kind, the
// minute it was taken (UTC) and its values. The same file imported again,
// or a hub sending again, adds nothing.
func DedupKey(r Reading) string {
	var b strings.Builder
	b.WriteString(r.Kind)
	b.WriteByte('|')
	b.WriteString(r.TakenAt.UTC().Format("2006-01-02T15:04Z"))
	for _, v := range []struct {
		v        *float64
		decimals int
	}{{r.Systolic, 0}, {r.Diastolic, 0}, {r.Pulse, 0}, {r.WeightKg, 2}, {r.SpO2, 0}, {r.GlucoseMgDl, 0}} {
		b.WriteByte('|')
		if v.v != nil {
			b.WriteString(strconv.FormatFloat(round(*v.v, v.decimals), 'f', -1, 64))
		}
	}
	return b.String()
}

// Range is the first and last wall clock of the readings, 'YYYY-MM-DDTHH:MM'.
func (r Result) Range() (from, to string) {
	for _, x := range r.Readings {
		if from == "" || x.TakenLocal < from {
			from = x.TakenLocal
		}
		if x.TakenLocal > to {
			to = x.TakenLocal
		}
	}
	return from, to
}

// Kinds counts the readings of each kind, in kind order.
func (r Result) Kinds() []KindCount {
	counts := map[string]int{}
	for _, x := range r.Readings {
		counts[x.Kind]++
	}
	out := []KindCount{}
	for k, n := range counts {
		out = append(out, KindCount{Kind: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// KindCount is how many readings of a kind a file holds.
type KindCount struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}
