package readings

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Spec is a CSV layout: its delimiter, whether its first line names the
// columns, where the date (and time) is and how it is written, and which
// column holds which measure in which unit. Columns are counted from 1; 0
// is none. The clinic saves one under a name (reading_formats) for a
// device Folio does not know; the known exports are Specs too (detect).
type Spec struct {
	Delimiter      string `json:"delimiter"` // ",", ";" or "\t"; "" is ","
	Header         bool   `json:"header"`    // the first line names the columns
	DateColumn     int    `json:"dateColumn"`
	DateLayout     string `json:"dateLayout"` // see dateLayouts; a time may follow in the same cell
	TimeColumn     int    `json:"timeColumn"`
	Systolic       int    `json:"systolic"`
	Diastolic      int    `json:"diastolic"`
	Pulse          int    `json:"pulse"`
	Weight         int    `json:"weight"`
	WeightUnit     string `json:"weightUnit"` // kg or lb
	SpO2           int    `json:"spo2"`
	Glucose        int    `json:"glucose"`
	GlucoseUnit    string `json:"glucoseUnit"` // mg/dL or mmol/L
	GlucoseContext int    `json:"glucoseContext"`
	Comment        int    `json:"comment"`
	Device         string `json:"device"` // what the clinic calls the device, kept with each reading
}

// dateLayouts are the ways a Spec's date may be written, in the words of
// the mapping step; "auto" tries the unambiguous ones (for Omron).
var dateLayouts = map[string][]string{
	"YYYY-MM-DD": {"2006-01-02"},
	"DD.MM.YYYY": {"02.01.2006", "2.1.2006"},
	"DD/MM/YYYY": {"02/01/2006", "2/1/2006"},
	"MM/DD/YYYY": {"01/02/2006", "1/2/2006"},
	"YYYY/MM/DD": {"2006/01/02"},
	"auto":       {"2006-01-02", "2006/01/02", "Jan 2 2006", "Jan 2, 2006", "2 Jan 2006", "01/02/2006", "1/2/2006"},
}

// DateLayouts are the date layouts a Spec may name.
func DateLayouts() []string {
	return []string{"YYYY-MM-DD", "DD.MM.YYYY", "DD/MM/YYYY", "MM/DD/YYYY", "YYYY/MM/DD"}
}

var timeLayouts = []string{"15:04:05", "15:04", "3:04:05 PM", "3:04 PM", "3:04PM", "3:04:05PM"}

// Check says what is wrong with a Spec, by field; nil when it can be used.
func (s Spec) Check() map[string]string {
	fields := map[string]string{}
	switch s.Delimiter {
	case "", ",", ";", "\t":
	default:
		fields["delimiter"] = "Choose comma, semicolon or tab."
	}
	if s.DateColumn < 1 {
		fields["dateColumn"] = "Choose the column that holds the date."
	}
	if _, ok := dateLayouts[s.DateLayout]; !ok || s.DateLayout == "auto" {
		fields["dateLayout"] = "Choose how the date is written."
	}
	if (s.Systolic > 0) != (s.Diastolic > 0) {
		fields["diastolic"] = "A blood pressure needs both its systolic and its diastolic column."
	}
	if s.Systolic == 0 && s.Pulse == 0 && s.Weight == 0 && s.SpO2 == 0 && s.Glucose == 0 {
		fields["systolic"] = "Choose at least one column with a measure."
	}
	if s.Weight > 0 && s.WeightUnit != "kg" && s.WeightUnit != "lb" {
		fields["weightUnit"] = "Say whether the weight is in kg or lb."
	}
	if s.Glucose > 0 && s.GlucoseUnit != "mg/dL" && s.GlucoseUnit != "mmol/L" {
		fields["glucoseUnit"] = "Say whether the glucose is in mg/dL or mmol/L."
	}
	for name, col := range map[string]int{"dateColumn": s.DateColumn, "timeColumn": s.TimeColumn, "systolic": s.Systolic,
		"diastolic": s.Diastolic, "pulse": s.Pulse, "weight": s.Weight, "spo2": s.SpO2, "glucose": s.Glucose,
		"glucoseContext": s.GlucoseContext, "comment": s.Comment} {
		if col < 0 || col > 200 {
			if _, ok := fields[name]; !ok {
				fields[name] = "Choose a column of the file."
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return fields
}

// detect tells a known export by its header line.
func detect(header string) (string, Spec, bool) {
	cells := splitHeader(header)
	col := func(names ...string) int {
		for i, c := range cells {
			for _, n := range names {
				if strings.EqualFold(c, n) {
					return i + 1
				}
			}
		}
		return 0
	}
	delim := guessDelimiter(header)
	switch {
	// Withings Health Mate's data export: bp.csv is
	// Date,"Heart rate",Systolic,Diastolic,Comments and weight.csv is
	// Date,"Weight (kg)","Fat mass (kg)",...,Comments, dates
	// "YYYY-MM-DD HH:MM:SS" in the account's wall clock (the export's
	// README.txt names the units: bpm, mmHg, kg).
	case delim == "," && col("Date") == 1 && col("Systolic") > 0 && col("Diastolic") > 0 && col("Heart rate") > 0:
		return FormatWithingsBP, Spec{Delimiter: ",", Header: true, DateColumn: 1, DateLayout: "YYYY-MM-DD",
			Systolic: col("Systolic"), Diastolic: col("Diastolic"), Pulse: col("Heart rate"), Comment: col("Comments"),
			Device: "Withings"}, true
	case delim == "," && col("Date") == 1 && col("Weight (kg)") > 0:
		return FormatWithingsWeight, Spec{Delimiter: ",", Header: true, DateColumn: 1, DateLayout: "YYYY-MM-DD",
			Weight: col("Weight (kg)"), WeightUnit: "kg", Comment: col("Comments"), Device: "Withings"}, true
	// Beurer HealthManager's export: semicolon-separated and quoted, dates
	// DD.MM.YYYY with the time in its own column. The weight file is
	// WeightDate;Time;kg;BMI;Body fat;Water;Muscles;Bones;Medication;Comment
	// (a real export, /work/shared/data/devices/beurer-weight.csv).
	case delim == ";" && col("WeightDate") == 1 && col("kg") > 0:
		return FormatBeurerWeight, Spec{Delimiter: ";", Header: true, DateColumn: 1, DateLayout: "DD.MM.YYYY",
			TimeColumn: col("Time"), Weight: col("kg"), WeightUnit: "kg", Comment: col("Comment"),
			Device: "Beurer"}, true
	// Beurer's blood-pressure file: no export of it could be found to
	// check, so this ASSUMES the weight file's conventions with
	// Date;Time;Systolic;Diastolic;Pulse;... (German exports say Datum,
	// Uhrzeit, Sys, Dia, Puls), DD.MM.YYYY. A file that differs is read
	// through a saved mapping.
	case delim == ";" && col("Date", "Datum") == 1 && col("Time", "Uhrzeit") > 0 &&
		col("Systolic", "Sys", "Systole") > 0 && col("Diastolic", "Dia", "Diastole") > 0:
		return FormatBeurerBP, Spec{Delimiter: ";", Header: true, DateColumn: 1, DateLayout: "DD.MM.YYYY",
			TimeColumn: col("Time", "Uhrzeit"), Systolic: col("Systolic", "Sys", "Systole"),
			Diastolic: col("Diastolic", "Dia", "Diastole"), Pulse: col("Pulse", "Puls"),
			Comment: col("Comment", "Kommentar"), Device: "Beurer"}, true
	// Omron Connect's CSV export ("Your Requested OMRON Report from ...
	// .csv"): Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),
	// Symptoms,Consumed,TruRead,Notes — the header as checked by a public
	// script that reads these exports (github.com/jhanley634, "OMRON
	// Report" converter, 2023). The date's layout follows the phone's
	// locale, so the unambiguous ones are tried (a US month/day last).
	case delim == "," && col("Date") > 0 && col("Time") > 0 && col("Systolic (mmHg)") > 0:
		return FormatOmron, Spec{Delimiter: ",", Header: true, DateColumn: col("Date"), DateLayout: "auto",
			TimeColumn: col("Time"), Systolic: col("Systolic (mmHg)"), Diastolic: col("Diastolic (mmHg)"),
			Pulse: col("Pulse (bpm)"), Comment: col("Notes"), Device: "Omron"}, true
	}
	return "", Spec{}, false
}

// parseCSV reads every data row of content as spec says.
func parseCSV(content []byte, spec Spec, format string, opt Options) (Result, error) {
	res := Result{Format: format, Device: spec.Device}
	delim := ','
	if spec.Delimiter != "" {
		delim = []rune(spec.Delimiter)[0]
	}
	r := csv.NewReader(bytes.NewReader(content))
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	row := 0
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = pe.Line
			}
			res.RowsRead++
			res.Refused = append(res.Refused, Problem{Row: row, Where: fmt.Sprintf("row %d", row),
				Message: "this line cannot be read as CSV"})
			continue
		}
		row, _ = r.FieldPos(0)
		if row == 1 && spec.Header {
			for _, c := range record {
				res.Columns = append(res.Columns, strings.TrimSpace(c))
			}
			continue
		}
		if blank(record) {
			continue
		}
		res.RowsRead++
		readings, problem := readRow(record, spec, opt)
		if problem != "" {
			res.Refused = append(res.Refused, Problem{Row: row, Where: fmt.Sprintf("row %d", row), Message: problem})
			continue
		}
		received := strings.Join(record, string(delim))
		for _, x := range readings {
			x.Row, x.Received, x.Codes, x.Device = row, received, "[]", spec.Device
			res.Readings = append(res.Readings, x)
		}
	}
	return res, nil
}

func blank(record []string) bool {
	for _, c := range record {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readRow turns one row into its readings: a blood pressure (with the
// pulse taken with it), and each other measure the row holds.
func readRow(record []string, spec Spec, opt Options) ([]Reading, string) {
	cell := func(col int) string {
		if col < 1 || col > len(record) {
			return ""
		}
		return strings.TrimSpace(record[col-1])
	}
	local, problem := readWhen(cell(spec.DateColumn), cell(spec.TimeColumn), spec.DateLayout, spec.TimeColumn > 0)
	if problem != "" {
		return nil, problem
	}
	values := map[string]*float64{}
	for _, m := range []struct {
		name string
		col  int
	}{{"systolic", spec.Systolic}, {"diastolic", spec.Diastolic}, {"pulse", spec.Pulse}, {"weight", spec.Weight},
		{"SpO2", spec.SpO2}, {"glucose", spec.Glucose}} {
		text := cell(m.col)
		if m.col == 0 || text == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.Replace(strings.TrimSuffix(text, "%"), ",", ".", 1), 64)
		if err != nil {
			return nil, fmt.Sprintf("%s %q is not a number", m.name, text)
		}
		values[m.name] = &v
	}
	if w := values["weight"]; w != nil && spec.WeightUnit == "lb" {
		values["weight"] = ptr(round(*w*KgPerLb, 3))
	}
	if g := values["glucose"]; g != nil && spec.GlucoseUnit == "mmol/L" {
		values["glucose"] = ptr(round(*g*MgDlPerMmolL, 1))
	}
	takenAt := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), 0, 0, opt.zone()).UTC()
	base := Reading{TakenAt: takenAt, TakenLocal: local.Format("2006-01-02T15:04"), Comment: cell(spec.Comment)}
	var out []Reading
	sys, dia, pulse := values["systolic"], values["diastolic"], values["pulse"]
	switch {
	case sys != nil && dia != nil:
		r := base
		r.Kind, r.Systolic, r.Diastolic, r.Pulse = KindBP, sys, dia, pulse
		out = append(out, r)
		pulse = nil
	case sys != nil || dia != nil:
		return nil, "a blood pressure needs both systolic and diastolic"
	}
	if s := values["SpO2"]; s != nil {
		r := base
		r.Kind, r.SpO2, r.Pulse = KindSpO2, s, pulse
		out = append(out, r)
		pulse = nil
	}
	if pulse != nil {
		r := base
		r.Kind, r.Pulse = KindPulse, pulse
		out = append(out, r)
	}
	if w := values["weight"]; w != nil {
		r := base
		r.Kind, r.WeightKg = KindWeight, w
		out = append(out, r)
	}
	if g := values["glucose"]; g != nil {
		r := base
		r.Kind, r.GlucoseMgDl, r.GlucoseContext = KindGlucose, g, GlucoseContext(cell(spec.GlucoseContext))
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, "no measurement in this row"
	}
	for i := range out {
		if problem := finish(&out[i], opt.Now); problem != "" {
			return nil, problem
		}
	}
	return out, ""
}

// readWhen reads a row's wall clock: a date (in layout), and a time in its
// own column or after the date in the same cell.
func readWhen(date, clock, layout string, timeColumn bool) (time.Time, string) {
	if date == "" {
		return time.Time{}, "the date is missing"
	}
	text := date
	if timeColumn {
		if clock == "" {
			return time.Time{}, "the time is missing"
		}
		text = date + " " + clock
	}
	for _, d := range dateLayouts[layout] {
		for _, t := range timeLayouts {
			if v, err := time.Parse(d+" "+t, text); err == nil {
				return v, ""
			}
		}
		if v, err := time.Parse(d, text); err == nil && !timeColumn {
			return v, "" // a day with no time: taken at midnight, as the device says
		}
	}
	return time.Time{}, fmt.Sprintf("the date %q is not a date written %s", strings.TrimSpace(text), layoutWords(layout))
}

func layoutWords(layout string) string {
	if layout == "auto" || layout == "" {
		return "as Folio knows"
	}
	return layout
}

// GlucoseContext reads a meter's note of when glucose was measured into
// schema 28's words: fasting, before-meal, after-meal, bedtime, or "".
func GlucoseContext(text string) string {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "fast") || strings.Contains(t, "nüchtern"):
		return "fasting"
	case strings.Contains(t, "before") || strings.Contains(t, "pre") || t == "ac":
		return "before-meal"
	case strings.Contains(t, "after") || strings.Contains(t, "post") || t == "pc":
		return "after-meal"
	case strings.Contains(t, "bed") || strings.Contains(t, "night"):
		return "bedtime"
	}
	return ""
}
