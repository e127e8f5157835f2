package fhir

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

type inObservation struct {
	Identifier           []inIdentifier `json:"identifier"`
	Status               string         `json:"status"`
	Category             []inConcept    `json:"category"`
	Code                 inConcept      `json:"code"`
	Subject              inRef          `json:"subject"`
	Encounter            inRef          `json:"encounter"`
	EffectiveDateTime    string         `json:"effectiveDateTime"`
	EffectivePeriod      *inPeriod      `json:"effectivePeriod"`
	EffectiveInstant     string         `json:"effectiveInstant"`
	Issued               string         `json:"issued"`
	Performer            []inRef        `json:"performer"`
	ValueQuantity        *inQuantity    `json:"valueQuantity"`
	ValueCodeableConcept *inConcept     `json:"valueCodeableConcept"`
	ValueString          *string        `json:"valueString"`
	ValueBoolean         *bool          `json:"valueBoolean"`
	ValueInteger         *float64       `json:"valueInteger"`
	DataAbsentReason     *inConcept     `json:"dataAbsentReason"`
	Interpretation       []inConcept    `json:"interpretation"`
	Note                 []inAnnotation `json:"note"`
	ReferenceRange       []struct {
		Low  *inQuantity `json:"low"`
		High *inQuantity `json:"high"`
		Text string      `json:"text"`
	} `json:"referenceRange"`
	HasMember []inRef `json:"hasMember"`
	Component []struct {
		Code          inConcept   `json:"code"`
		ValueQuantity *inQuantity `json:"valueQuantity"`
	} `json:"component"`
	// Value types Folio does not read, seen only to say so.
	ValueRange       json.RawMessage `json:"valueRange"`
	ValueRatio       json.RawMessage `json:"valueRatio"`
	ValueSampledData json.RawMessage `json:"valueSampledData"`
	ValueTime        json.RawMessage `json:"valueTime"`
	ValueDateTime    json.RawMessage `json:"valueDateTime"`
	ValuePeriod      json.RawMessage `json:"valuePeriod"`
}

// The vital signs Folio records, by LOINC code (the FHIR vital signs
// profile's codes and their common variants).
var inVitalCodes = map[string]string{
	"8302-2": "height", "8306-3": "height", "8308-9": "height",
	"29463-7": "weight", "3141-9": "weight",
	"39156-5": "bmi",
	"8480-6":  "systolic", "8462-4": "diastolic",
	"8867-4": "pulse", "9279-1": "resp",
	"8310-5": "temp", "8331-1": "temp", "8328-7": "temp", "8332-9": "temp", "8333-7": "temp",
	"59408-5": "spo2", "2708-6": "spo2",
	"72514-3": "pain", "38208-5": "pain",
	"9843-4": "head", "8287-5": "head",
}

// Blood pressure panels: the pressures are components.
var inBloodPressurePanels = map[string]bool{"85354-9": true, "55284-4": true, "35094-2": true}

// inMeasureOrder is the order a vitals form shows measurements in.
var inMeasureOrder = map[string]int{"height": 0, "weight": 1, "bmi": 2, "systolic": 3, "diastolic": 4, "pulse": 5,
	"resp": 6, "temp": 7, "spo2": 8, "pain": 9, "head": 10}

// inWholeMeasures are counted, not measured: shown without decimals.
var inWholeMeasures = map[string]bool{"systolic": true, "diastolic": true, "pulse": true, "resp": true, "spo2": true, "pain": true}

func inShownValue(m ImportMeasurement) string {
	if inWholeMeasures[m.Measure] {
		return inFormatNumber(math.Round(m.Value))
	}
	return inFormatNumber(math.Round(m.Value*10) / 10)
}

var inMeasureWords = map[string]string{
	"height": "Height", "weight": "Weight", "bmi": "BMI", "systolic": "Systolic pressure",
	"diastolic": "Diastolic pressure", "pulse": "Pulse", "resp": "Respiratory rate", "temp": "Temperature",
	"spo2": "SpO2", "pain": "Pain", "head": "Head circumference",
}

// inUnits turns a unit (UCUM code or what sources write) into Folio's
// canonical unit for a measure: the factor and offset to apply.
type inUnitRule struct {
	canonical      string
	factor, offset float64
}

var inUnits = map[string]map[string]inUnitRule{
	"height":    {"cm": {"cm", 1, 0}, "m": {"cm", 100, 0}, "mm": {"cm", 0.1, 0}, "[in_i]": {"cm", 2.54, 0}, "in": {"cm", 2.54, 0}},
	"head":      {"cm": {"cm", 1, 0}, "m": {"cm", 100, 0}, "mm": {"cm", 0.1, 0}, "[in_i]": {"cm", 2.54, 0}, "in": {"cm", 2.54, 0}},
	"weight":    {"kg": {"kg", 1, 0}, "g": {"kg", 0.001, 0}, "[lb_av]": {"kg", 0.45359237, 0}, "lb": {"kg", 0.45359237, 0}, "lbs": {"kg", 0.45359237, 0}},
	"bmi":       {"kg/m2": {"kg/m2", 1, 0}, "kg/m^2": {"kg/m2", 1, 0}},
	"systolic":  {"mm[Hg]": {"mmHg", 1, 0}, "mmHg": {"mmHg", 1, 0}},
	"diastolic": {"mm[Hg]": {"mmHg", 1, 0}, "mmHg": {"mmHg", 1, 0}},
	"pulse":     {"/min": {"/min", 1, 0}, "{beats}/min": {"/min", 1, 0}, "beats/min": {"/min", 1, 0}, "bpm": {"/min", 1, 0}},
	"resp":      {"/min": {"/min", 1, 0}, "{breaths}/min": {"/min", 1, 0}, "breaths/min": {"/min", 1, 0}},
	"temp": {"Cel": {"C", 1, 0}, "C": {"C", 1, 0}, "°C": {"C", 1, 0}, "[degF]": {"C", 5.0 / 9, -32 * 5.0 / 9},
		"F": {"C", 5.0 / 9, -32 * 5.0 / 9}, "°F": {"C", 5.0 / 9, -32 * 5.0 / 9}, "degF": {"C", 5.0 / 9, -32 * 5.0 / 9}},
	"spo2": {"%": {"%", 1, 0}},
	"pain": {"{score}": {"/10", 1, 0}, "/10": {"/10", 1, 0}, "1": {"/10", 1, 0}, "": {"/10", 1, 0}, "{Score}": {"/10", 1, 0}},
}

func (b *inBundle) mapObservation(i int) {
	var o inObservation
	if err := json.Unmarshal(b.resources[i].raw, &o); err != nil {
		b.unmapped(i, "", inMisunderstood(err), false)
		return
	}
	name := o.Code.words()
	switch o.Status {
	case "entered-in-error":
		b.skipped(i, name, SkipEnteredInError, "The source marked this observation as entered in error.")
		return
	case "cancelled":
		b.skipped(i, name, SkipCancelled, "The source records that this observation was cancelled, so it has no result.")
		return
	}
	codes := o.Code.codes()
	loinc := inCodeIn(codes, inSysLOINC)
	categories := map[string]bool{}
	var categoryCodes []string
	for _, c := range o.Category {
		if s := c.status(); s != "" {
			categories[s] = true
			categoryCodes = append(categoryCodes, s)
		}
	}
	vital := inVitalCodes[loinc] != "" || inBloodPressurePanels[loinc]
	switch {
	case vital:
		b.mapVital(i, o, loinc)
	case categories["vital-signs"]:
		b.unmapped(i, name, "A vital sign Folio does not record; kept as the original.", false)
	case categories["laboratory"] || categories["LAB"] || (len(o.Category) == 0 && loinc != "") || b.alsoResults[loinc]:
		b.mapResult(i, o, codes, loinc, strings.Join(categoryCodes, ", "))
	case len(categoryCodes) > 0:
		b.unmapped(i, name, fmt.Sprintf("An observation of category %s: not a lab result or vital sign; kept as the original.", inClip(strings.Join(categoryCodes, ", "), 60)), false)
	default:
		b.unmapped(i, name, "An observation Folio cannot tell is a lab result or vital sign; kept as the original.", false)
	}
}

func (o inObservation) effective() string {
	switch {
	case o.EffectiveDateTime != "":
		return o.EffectiveDateTime
	case o.EffectivePeriod != nil && o.EffectivePeriod.Start != "":
		return o.EffectivePeriod.Start
	case o.EffectiveInstant != "":
		return o.EffectiveInstant
	}
	return o.Issued
}

func (b *inBundle) mapVital(i int, o inObservation, loinc string) {
	name := o.Code.words()
	var ms []ImportMeasurement
	if inBloodPressurePanels[loinc] || len(o.Component) > 0 {
		for _, c := range o.Component {
			code := inCodeIn(c.Code.codes(), inSysLOINC)
			measure := inVitalCodes[code]
			if measure == "" || c.ValueQuantity == nil {
				continue
			}
			m, problem := inMeasurement(measure, code, *c.ValueQuantity)
			if problem != "" {
				b.unmapped(i, name, problem, false)
				return
			}
			ms = append(ms, m)
		}
	}
	if measure := inVitalCodes[loinc]; measure != "" && o.ValueQuantity != nil {
		m, problem := inMeasurement(measure, loinc, *o.ValueQuantity)
		if problem != "" {
			b.unmapped(i, name, problem, false)
			return
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		b.unmapped(i, name, "A vital sign with no value Folio can read; kept as the original.", false)
		return
	}
	sort.SliceStable(ms, func(a, b int) bool { return inMeasureOrder[ms[a].Measure] < inMeasureOrder[ms[b].Measure] })
	v := ImportVital{Origin: b.origin(i, o.Identifier, b.recordedBy(o.Encounter, o.Performer...)),
		Subject: b.subject(o.Subject), TakenAt: o.effective(), Measurements: ms, Status: o.Status, Date: o.effective()}
	v.Text = inVitalWords(ms)
	if d := inPartialDate(v.TakenAt); d != "" {
		v.Text += ", " + d
	}
	b.imp.Vitals = append(b.imp.Vitals, v)
}

// measurement converts a quantity to Folio's unit for the measure; the
// problem is the Unmapped reason when it cannot.
func inMeasurement(measure, loinc string, q inQuantity) (ImportMeasurement, string) {
	if q.Value == nil || math.IsNaN(*q.Value) || math.IsInf(*q.Value, 0) {
		return ImportMeasurement{}, fmt.Sprintf("%s with no value; kept as the original.", inMeasureWords[measure])
	}
	unit := q.Code
	if unit == "" || (q.System != "" && q.System != inSysUCUM) {
		unit = q.Unit
	}
	rule, ok := inUnits[measure][unit]
	if !ok {
		rule, ok = inUnits[measure][q.Unit]
	}
	if !ok {
		return ImportMeasurement{}, fmt.Sprintf("%s in a unit Folio does not convert (%q); kept as the original.", inMeasureWords[measure], inClip(inOrWord(q.Code, q.Unit), 30))
	}
	m := ImportMeasurement{Measure: measure, LOINC: loinc, Original: *q.Value, OriginalUnit: inOrWord(q.Code, q.Unit),
		Value: *q.Value*rule.factor + rule.offset, Unit: rule.canonical}
	if math.IsInf(m.Value, 0) || math.Abs(m.Value) > 1e9 {
		return ImportMeasurement{}, fmt.Sprintf("%s with an impossible value; kept as the original.", inMeasureWords[measure])
	}
	if rule.factor != 1 || rule.offset != 0 {
		m.Value = math.Round(m.Value*1000) / 1000
		m.Converted = fmt.Sprintf("%s %s → %s %s", inFormatNumber(m.Original), m.OriginalUnit, inFormatNumber(math.Round(m.Value*10)/10), m.Unit)
	}
	return m, ""
}

func inVitalWords(ms []ImportMeasurement) string {
	var sys, dia *ImportMeasurement
	var parts []string
	for j := range ms {
		switch ms[j].Measure {
		case "systolic":
			sys = &ms[j]
		case "diastolic":
			dia = &ms[j]
		}
	}
	if sys != nil && dia != nil {
		parts = append(parts, fmt.Sprintf("Blood pressure %s/%s mmHg", inShownValue(*sys), inShownValue(*dia)))
	}
	for _, m := range ms {
		if sys != nil && dia != nil && (m.Measure == "systolic" || m.Measure == "diastolic") {
			continue
		}
		s := fmt.Sprintf("%s %s %s", inMeasureWords[m.Measure], inShownValue(m), m.Unit)
		if m.Converted != "" {
			s += fmt.Sprintf(" (from %s %s)", inFormatNumber(m.Original), m.OriginalUnit)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func (b *inBundle) mapResult(i int, o inObservation, codes []ImportCode, loinc, category string) {
	name := o.Code.words()
	if name == "" {
		b.unmapped(i, "", "A result that names no test; kept as the original.", false)
		return
	}
	r := ImportResult{Origin: b.origin(i, o.Identifier, b.recordedBy(o.Encounter, o.Performer...)),
		Subject: b.subject(o.Subject), Name: name, LOINC: loinc, Codes: codes, Code: inPreferred(codes, inSysLOINC),
		ObservedAt: o.effective(), Status: o.Status, Category: category, Note: inNotes(o.Note), Date: o.effective()}
	switch {
	case o.ValueQuantity != nil && o.ValueQuantity.Value != nil:
		q := o.ValueQuantity
		v := *q.Value
		r.Number, r.Comparator, r.Value = &v, q.Comparator, q.Comparator+inFormatNumber(v)
		r.Unit = inOrWord(q.Unit, q.Code)
		if q.System == inSysUCUM {
			r.UCUM = q.Code
		}
	case o.ValueCodeableConcept != nil && o.ValueCodeableConcept.words() != "":
		r.Value, r.ValueCodes = o.ValueCodeableConcept.words(), o.ValueCodeableConcept.codes()
	case o.ValueString != nil && strings.TrimSpace(*o.ValueString) != "":
		r.Value = strings.TrimSpace(*o.ValueString)
	case o.ValueBoolean != nil:
		r.Value = map[bool]string{true: "Yes", false: "No"}[*o.ValueBoolean]
	case o.ValueInteger != nil:
		v := *o.ValueInteger
		r.Number, r.Value = &v, inFormatNumber(v)
	default:
		b.unmapped(i, name, inNoValueReason(o), false)
		return
	}
	if len(o.ReferenceRange) > 0 {
		rr := o.ReferenceRange[0]
		if rr.Low != nil && rr.Low.Value != nil {
			low := *rr.Low.Value
			r.Low = &low
		}
		if rr.High != nil && rr.High.Value != nil {
			high := *rr.High.Value
			r.High = &high
		}
		r.RangeText = rr.Text
	}
	if len(o.Interpretation) > 0 {
		r.Interpretation = inOrWord(o.Interpretation[0].status(), o.Interpretation[0].words())
	}
	shown := r.Value
	if r.Number != nil {
		shown = r.Comparator + inFormatNumber(math.Round(*r.Number*100)/100)
	}
	r.Text = inCodeWords(name, r.Code) + ": " + inJoinNonEmpty(" ", shown, r.Unit)
	if rng := inRangeWords(r); rng != "" {
		r.Text += " (range " + rng + ")"
	}
	if r.Interpretation != "" {
		r.Text += " " + r.Interpretation
	}
	if d := inPartialDate(r.ObservedAt); d != "" {
		r.Text += ", " + d
	}
	b.imp.Results = append(b.imp.Results, r)
}

func inRangeWords(r ImportResult) string {
	switch {
	case r.RangeText != "":
		return r.RangeText
	case r.Low != nil && r.High != nil:
		return inFormatNumber(*r.Low) + "–" + inFormatNumber(*r.High)
	case r.Low != nil:
		return "≥ " + inFormatNumber(*r.Low)
	case r.High != nil:
		return "≤ " + inFormatNumber(*r.High)
	}
	return ""
}

func inNoValueReason(o inObservation) string {
	switch {
	case len(o.HasMember) > 0:
		return "A panel grouping other results (they are listed on their own); kept as the original."
	case len(o.Component) > 0:
		return "A result given as components, which Folio does not import as one result; kept as the original."
	case o.DataAbsentReason != nil:
		return "A result with no value (" + inClip(o.DataAbsentReason.words(), 60) + "); kept as the original."
	case o.ValueRange != nil || o.ValueRatio != nil || o.ValueSampledData != nil || o.ValueTime != nil || o.ValueDateTime != nil || o.ValuePeriod != nil:
		return "A result whose value is of a kind Folio does not read (a range, ratio, time or series); kept as the original."
	}
	return "A result with no value; kept as the original."
}

// describe names an unmapped resource as well as Folio can: its code, type
// or name. It is best effort: "" when nothing fits.
func inDescribe(raw json.RawMessage) string {
	var r struct {
		Code        inConcept       `json:"code"`
		Type        json.RawMessage `json:"type"`
		Name        json.RawMessage `json:"name"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	if w := r.Code.words(); w != "" {
		return w
	}
	var types []inConcept
	if json.Unmarshal(r.Type, &types) == nil && len(types) > 0 {
		return types[0].words()
	}
	var one inConcept
	if json.Unmarshal(r.Type, &one) == nil && one.words() != "" {
		return one.words()
	}
	var names []inHumanName
	if json.Unmarshal(r.Name, &names) == nil && len(names) > 0 {
		return names[0].words()
	}
	var name string
	if json.Unmarshal(r.Name, &name) == nil && name != "" {
		return name
	}
	return inClip(r.Description, 120)
}
