package app

import (
	"fmt"
	"math"
	"strings"
	"time"

	"folio/app/terminology"
	"folio/db"
)

// The units a clinic may enter and read vitals in. Folio stores kg, cm and
// °C whatever the clinic prefers.
const (
	UnitKg = "kg"
	UnitLb = "lb"
	UnitCm = "cm"
	UnitIn = "in"
	UnitC  = "C"
	UnitF  = "F"
)

const (
	kgPerLb = 0.45359237 // exact, by the international yard and pound agreement
	cmPerIn = 2.54       // exact
)

// vitalUnits are the clinic's preferred units.
type vitalUnits struct {
	weight, height, temperature string
}

// vitalUnits reads the clinic's preferred units; metric until an admin
// chooses otherwise.
func (o *op) vitalUnits() (vitalUnits, error) { return clinicVitalUnits(o.Tx) }

// clinicVitalUnits is vitalUnits in any transaction (the sign-in status
// reads them outside a use-case).
func clinicVitalUnits(tx *db.Tx) (vitalUnits, error) {
	u := vitalUnits{weight: UnitKg, height: UnitCm, temperature: UnitC}
	for _, s := range []struct {
		key    string
		target *string
		valid  func(string) bool
	}{
		{settingWeightUnit, &u.weight, validWeightUnit},
		{settingHeightUnit, &u.height, validHeightUnit},
		{settingTempUnit, &u.temperature, validTemperatureUnit},
	} {
		v, _, err := tx.Setting(s.key)
		if err != nil {
			return u, err
		}
		if s.valid(v) {
			*s.target = v
		}
	}
	return u, nil
}

func validWeightUnit(u string) bool      { return u == UnitKg || u == UnitLb }
func validHeightUnit(u string) bool      { return u == UnitCm || u == UnitIn }
func validTemperatureUnit(u string) bool { return u == UnitC || u == UnitF }

// toCanonical turns a value entered in unit into kg, cm or °C; other units
// pass through.
func toCanonical(value float64, unit string) float64 {
	switch unit {
	case UnitLb:
		return value * kgPerLb
	case UnitIn:
		return value * cmPerIn
	case UnitF:
		return (value - 32) * 5 / 9
	}
	return value
}

// fromCanonical turns a value in kg, cm or °C into unit.
func fromCanonical(value float64, unit string) float64 {
	switch unit {
	case UnitLb:
		return value / kgPerLb
	case UnitIn:
		return value / cmPerIn
	case UnitF:
		return value*9/5 + 32
	}
	return value
}

func round(value float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(value*p) / p
}

// A measure of a vitals set: its key (the field of the form and of the
// range table), canonical unit, and the decimals it is stored and shown with.
type measure struct {
	key            string
	unit           string // canonical
	storedDecimals int
	shownDecimals  int
	whole          bool // counted, not measured: entered as a whole number
}

var (
	measureHeight    = measure{key: "height", unit: UnitCm, storedDecimals: 2, shownDecimals: 1}
	measureWeight    = measure{key: "weight", unit: UnitKg, storedDecimals: 3, shownDecimals: 1}
	measureBMI       = measure{key: "bmi", unit: "kg/m2", shownDecimals: 1}
	measureSystolic  = measure{key: "systolic", unit: "mmHg", whole: true}
	measureDiastolic = measure{key: "diastolic", unit: "mmHg", whole: true}
	measurePulse     = measure{key: "pulse", unit: "/min", whole: true}
	measureResp      = measure{key: "resp", unit: "/min", whole: true}
	measureTemp      = measure{key: "temp", unit: UnitC, storedDecimals: 2, shownDecimals: 1}
	measureSpO2      = measure{key: "spo2", unit: "%", whole: true}
	measurePain      = measure{key: "pain", unit: "/10", whole: true}
	measureHead      = measure{key: "head", unit: UnitCm, storedDecimals: 2, shownDecimals: 1}
)

// VitalsInput is the vitals form. A nil value was not measured; at least
// one must be given. Height, weight and temperature are in the unit the
// form names, or the clinic's when it names none.
type VitalsInput struct {
	TakenAt         string   `json:"takenAt"`     // RFC 3339; "" for now
	EncounterID     string   `json:"encounterId"` // the visit they were taken at, or ""
	Height          *float64 `json:"height"`
	HeightUnit      string   `json:"heightUnit"` // cm or in
	Weight          *float64 `json:"weight"`
	WeightUnit      string   `json:"weightUnit"` // kg or lb
	Systolic        *float64 `json:"systolic"`   // mmHg
	Diastolic       *float64 `json:"diastolic"`  // mmHg
	Pulse           *float64 `json:"pulse"`      // beats per minute
	RespRate        *float64 `json:"respRate"`   // breaths per minute
	Temperature     *float64 `json:"temperature"`
	TemperatureUnit string   `json:"temperatureUnit"` // C or F
	SpO2            *float64 `json:"spo2"`            // %
	Pain            *float64 `json:"pain"`            // 0 to 10
	// HeadCircumference is a child's, in the height's unit.
	HeadCircumference *float64 `json:"headCircumference"`
}

// Measurement is one measured (or, for BMI, computed) value: in the
// canonical unit, and in the clinic's for display, with its flag against
// the reference range of the patient's age when it was taken.
type Measurement struct {
	Value       float64 `json:"value"`           // canonical unit
	Unit        string  `json:"unit"`            // cm, kg, kg/m2, mmHg, /min, C, %, /10
	Display     float64 `json:"display"`         // the clinic's unit, rounded for showing
	DisplayUnit string  `json:"displayUnit"`     // e.g. lb, in, F
	Flag        string  `json:"flag"`            // "" in range, low or high
	Critical    bool    `json:"critical"`        // the flag is critically low or high
	Trend       string  `json:"trend,omitempty"` // chart summary only: up, down or same vs the previous value

	// A child's weight, height, BMI or head circumference: its percentile
	// (0-100) on the growth chart of their age and sex, and that chart
	// ("WHO weight-for-age"); nil and "" for anyone else.
	Percentile  *float64 `json:"percentile,omitempty"`
	GrowthChart string   `json:"growthChart,omitempty"`
}

// VitalsSet is one set of vital signs taken together. A nil measurement
// was not taken; BMI is computed from the weight and this set's height or
// the latest earlier one. Status is final or entered_in_error (retracted,
// with RetractReason).
type VitalsSet struct {
	ID          string       `json:"id"`
	PatientID   string       `json:"patientId"`
	TakenAt     string       `json:"takenAt"`
	EncounterID string       `json:"encounterId"`
	Height      *Measurement `json:"height"`
	Weight      *Measurement `json:"weight"`
	BMI         *Measurement `json:"bmi"`
	Systolic    *Measurement `json:"systolic"`
	Diastolic   *Measurement `json:"diastolic"`
	Pulse       *Measurement `json:"pulse"`
	RespRate    *Measurement `json:"respRate"`
	Temperature *Measurement `json:"temperature"`
	SpO2        *Measurement `json:"spo2"`
	Pain        *Measurement `json:"pain"`
	// HeadCircumference is a child's, in the clinic's height unit.
	HeadCircumference *Measurement `json:"headCircumference"`
	// Ranges names the ages the flags were judged for: "3 to 4 years",
	// "adult", or "adult: no birth date on the chart".
	Ranges        string `json:"ranges"`
	Status        string `json:"status"`
	RetractReason string `json:"retractReason"`
	Version       int    `json:"version"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
}

// vitalsReader turns one patient's stored sets into what the UI shows,
// judging each value against the ranges of the patient's age when it was
// taken.
type vitalsReader struct {
	units   vitalUnits
	ranges  *terminology.VitalRanges
	subject terminology.Subject // zero birth date: unknown age
}

// noBirthDate names the ranges of a patient whose age is unknown.
const noBirthDate = terminology.AdultAges + ": no birth date on the chart"

func (o *op) vitalsReader(p db.Patient) (vitalsReader, error) {
	units, err := o.vitalUnits()
	return vitalsReader{units: units, ranges: o.app.vitalRanges, subject: vitalsSubject(p)}, err
}

// vitalsSubject is who a patient's vitals are judged for: their birth date
// (zero when the chart has none) and sex.
func vitalsSubject(p db.Patient) terminology.Subject {
	born, err := time.Parse("2006-01-02", p.BirthDate)
	if err != nil {
		born = time.Time{}
	}
	return terminology.Subject{BirthDate: born, Sex: p.Sex}
}

// rangeAt is the range a measure taken at is judged against; heightCm is
// the height then, for blood pressure (nil when unknown). Without a birth
// date it is the adult range, with the plausibility of any age, so that a
// baby's real weight is never refused as a typing error.
func (r vitalsReader) rangeAt(key string, at time.Time, heightCm *float64) terminology.VitalRange {
	if r.subject.BirthDate.IsZero() {
		return r.ranges.Widest(key)
	}
	height := math.NaN()
	if heightCm != nil {
		height = *heightCm
	}
	return r.ranges.For(key, r.subject, at, height)
}

// rangesWords names the ranges the flags of a set taken at were judged
// by: "adult", or a child's with their age then ("age 3 y").
func (r vitalsReader) rangesWords(at time.Time) string {
	if r.subject.BirthDate.IsZero() {
		return noBirthDate
	}
	// BMI-for-age runs longest (to 20 years) of the children's ranges.
	if r.ranges.For("bmi", r.subject, at, math.NaN()).Ages == terminology.AdultAges {
		return terminology.AdultAges
	}
	return "age " + Age(r.subject.BirthDate.Format("2006-01-02"), at)
}

// displayUnit is the unit the clinic reads m in.
func (r vitalsReader) displayUnit(m measure) string {
	switch m {
	case measureHeight, measureHead:
		return r.units.height
	case measureWeight:
		return r.units.weight
	case measureTemp:
		return r.units.temperature
	}
	return m.unit
}

// growthMeasures are the measures a child's growth charts read.
var growthMeasures = map[string]bool{"weight": true, "height": true, "bmi": true, "head": true}

func (r vitalsReader) measurement(m measure, value *float64, at time.Time, heightCm *float64) *Measurement {
	if value == nil {
		return nil
	}
	unit := r.displayUnit(m)
	out := &Measurement{Value: *value, Unit: m.unit, DisplayUnit: unit,
		Display: round(fromCanonical(*value, unit), m.shownDecimals)}
	out.Flag, out.Critical = r.rangeAt(m.key, at, heightCm).Flag(*value)
	if growthMeasures[m.key] && !r.subject.BirthDate.IsZero() {
		age := terminology.AgeDays(r.subject.BirthDate, at)
		if c := r.ranges.Growth().ForAge(m.key, r.subject.Sex, age); c != nil {
			if z, ok := c.Z(age, *value); ok {
				p := round(terminology.Percentile(z), 1)
				out.Percentile, out.GrowthChart = &p, c.Family+" "+strings.ToLower(c.Title)
			}
		}
	}
	return out
}

// bmi is weight / height² in kg/m², to one decimal; nil without both.
func bmi(weightKg, heightCm *float64) *float64 {
	if weightKg == nil || heightCm == nil || *heightCm <= 0 {
		return nil
	}
	m := *heightCm / 100
	v := round(*weightKg/(m*m), 1)
	return &v
}

func (r vitalsReader) view(v db.Vitals) VitalsSet {
	at, h := v.TakenAt, v.BMIHeightCm
	return VitalsSet{ID: v.ID, PatientID: v.PatientID, TakenAt: v.TakenAt.Format(time.RFC3339), EncounterID: v.EncounterID,
		Height: r.measurement(measureHeight, v.HeightCm, at, h), Weight: r.measurement(measureWeight, v.WeightKg, at, h),
		BMI:      r.measurement(measureBMI, bmi(v.WeightKg, v.BMIHeightCm), at, h),
		Systolic: r.measurement(measureSystolic, v.Systolic, at, h), Diastolic: r.measurement(measureDiastolic, v.Diastolic, at, h),
		Pulse: r.measurement(measurePulse, v.Pulse, at, h), RespRate: r.measurement(measureResp, v.RespRate, at, h),
		Temperature: r.measurement(measureTemp, v.TempC, at, h), SpO2: r.measurement(measureSpO2, v.SpO2, at, h),
		Pain: r.measurement(measurePain, v.Pain, at, h), HeadCircumference: r.measurement(measureHead, v.HeadCm, at, h),
		Ranges: r.rangesWords(at), Status: v.Status, RetractReason: v.RetractReason, Version: v.Version,
		CreatedAt: v.CreatedAt.Format(time.RFC3339), UpdatedAt: v.UpdatedAt.Format(time.RFC3339)}
}

// vitalsForm is a checked vitals form, in canonical units.
type vitalsForm struct {
	takenAt     time.Time
	encounterID string
	values      map[string]*float64 // by measure key; nil when not taken
}

// measureWords name each measure in a field error.
var measureWords = map[string]string{
	"height": "height", "weight": "weight", "systolic": "systolic pressure", "diastolic": "diastolic pressure",
	"pulse": "pulse", "resp": "respiratory rate", "temp": "temperature", "spo2": "SpO2", "pain": "pain score",
	"head": "head circumference",
}

// check tidies the form and collects its wrong fields; with none, it
// returns the values in canonical units.
func (in *VitalsInput) check(r vitalsReader, now time.Time) (vitalsForm, fieldErrors) {
	units := r.units
	fields := fieldErrors{}
	form := vitalsForm{takenAt: now, values: map[string]*float64{}}
	in.TakenAt, in.EncounterID = strings.TrimSpace(in.TakenAt), strings.TrimSpace(in.EncounterID)
	if in.TakenAt != "" {
		at, err := time.Parse(time.RFC3339, in.TakenAt)
		switch {
		case err != nil:
			fields.add("takenAt", "Enter when the vitals were taken as a date and time.")
		case at.After(now.Add(5 * time.Minute)):
			fields.add("takenAt", "Vitals cannot be taken in the future.")
		case at.Year() < 1900:
			fields.add("takenAt", "The date cannot be before 1900.")
		default:
			form.takenAt = at
		}
	}
	if len(in.EncounterID) > maxIDLength {
		fields.add("encounterId", "No such visit.")
	}
	in.HeightUnit = strings.ToLower(strings.TrimSpace(in.HeightUnit))
	in.WeightUnit = strings.ToLower(strings.TrimSpace(in.WeightUnit))
	in.TemperatureUnit = strings.ToUpper(strings.TrimSpace(in.TemperatureUnit))
	unitOf := func(field, given, clinic string, valid func(string) bool, choices string) string {
		switch {
		case given == "":
			return clinic
		case !valid(given):
			fields.add(field, "Choose the unit: "+choices+".")
		}
		return given
	}
	heightUnit := unitOf("heightUnit", in.HeightUnit, units.height, validHeightUnit, "cm or in")
	weightUnit := unitOf("weightUnit", in.WeightUnit, units.weight, validWeightUnit, "kg or lb")
	tempUnit := unitOf("temperatureUnit", in.TemperatureUnit, units.temperature, validTemperatureUnit, "C or F")
	entries := []struct {
		field string
		m     measure
		value *float64
		unit  string
	}{
		{"height", measureHeight, in.Height, heightUnit},
		{"weight", measureWeight, in.Weight, weightUnit},
		{"systolic", measureSystolic, in.Systolic, ""},
		{"diastolic", measureDiastolic, in.Diastolic, ""},
		{"pulse", measurePulse, in.Pulse, ""},
		{"respRate", measureResp, in.RespRate, ""},
		{"temperature", measureTemp, in.Temperature, tempUnit},
		{"spo2", measureSpO2, in.SpO2, ""},
		{"pain", measurePain, in.Pain, ""},
		{"headCircumference", measureHead, in.HeadCircumference, heightUnit},
	}
	for _, e := range entries {
		if e.value == nil {
			continue
		}
		if msg := e.m.problem(*e.value, e.unit, r.rangeAt(e.m.key, form.takenAt, nil)); msg != "" {
			fields.add(e.field, msg)
			continue
		}
		v := round(toCanonical(*e.value, e.unit), e.m.storedDecimals)
		form.values[e.m.key] = &v
	}
	if len(form.values) == 0 && len(fields) == 0 {
		fields.add("vitals", "Enter at least one measurement.")
	}
	if (in.Systolic == nil) != (in.Diastolic == nil) {
		field := "diastolic"
		if in.Systolic == nil {
			field = "systolic"
		}
		fields.add(field, "Enter both the systolic and the diastolic pressure.")
	}
	s, d := form.values["systolic"], form.values["diastolic"]
	if s != nil && d != nil && *s <= *d {
		fields.add("diastolic", "The diastolic pressure must be lower than the systolic.")
	}
	return form, fields
}

// problem says what is wrong with a value entered in unit, or "".
func (m measure) problem(value float64, unit string, r terminology.VitalRange) string {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return fmt.Sprintf("Enter the %s as a number.", measureWords[m.key])
	}
	if m.whole && value != math.Trunc(value) {
		return fmt.Sprintf("Enter the %s as a whole number.", measureWords[m.key])
	}
	if r.Plausible(round(toCanonical(value, unit), m.storedDecimals)) {
		return ""
	}
	low, high := fromCanonical(r.PlausibleMin, unit), fromCanonical(r.PlausibleMax, unit)
	shown := unit
	if shown == "" {
		shown = m.unit
	}
	// Whole units, except below 1 (a premature baby's 0.3 kg).
	step := 1.0
	if low < 1 {
		step = 0.1
	}
	return fmt.Sprintf("A %s of %s %s cannot be right: enter a value from %s to %s %s.", measureWords[m.key],
		formatNumber(value), shown, formatNumber(math.Ceil(low/step)*step), formatNumber(math.Floor(high)), shown)
}

func formatNumber(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func (f vitalsForm) row(patientID string, o *op) db.Vitals {
	return db.Vitals{ID: newID(), PatientID: patientID, TakenAt: f.takenAt, EncounterID: f.encounterID,
		HeightCm: f.values["height"], WeightKg: f.values["weight"], Systolic: f.values["systolic"],
		Diastolic: f.values["diastolic"], Pulse: f.values["pulse"], RespRate: f.values["resp"],
		TempC: f.values["temp"], SpO2: f.values["spo2"], Pain: f.values["pain"], HeadCm: f.values["head"], Status: db.VitalsFinal,
		Version: 1, CreatedAt: o.now, CreatedBy: o.actor.userID, UpdatedAt: o.now, UpdatedBy: o.actor.userID}
}

// vitalsDetail is a set in one line for the audit trail: "BP 120/80; pulse 72".
func vitalsDetail(v db.Vitals) string {
	var parts []string
	add := func(label string, value *float64, unit string) {
		if value != nil {
			parts = append(parts, label+" "+formatNumber(*value)+unit)
		}
	}
	if v.Systolic != nil && v.Diastolic != nil {
		parts = append(parts, "BP "+formatNumber(*v.Systolic)+"/"+formatNumber(*v.Diastolic))
	}
	add("height", v.HeightCm, " cm")
	add("weight", v.WeightKg, " kg")
	add("pulse", v.Pulse, "")
	add("resp", v.RespRate, "")
	add("temp", v.TempC, " C")
	add("SpO2", v.SpO2, "%")
	add("pain", v.Pain, "/10")
	add("head", v.HeadCm, " cm")
	return "taken " + v.TakenAt.Format(time.RFC3339) + "; " + strings.Join(parts, "; ")
}

// RecordVitals records a set of vital signs on a patient's chart. Values
// are entered in the units the form names (or the clinic's) and stored in
// kg, cm and °C; a value no living adult could have is refused as a typing
// error, with nothing written.
func (s *Chart) RecordVitals(patientID string, in VitalsInput) (VitalsSet, error) {
	var out VitalsSet
	err := s.app.act(s.session, permClinical, func(o *op) error {
		// The patient first: what is plausible depends on their age.
		p, err := o.chartPatient(patientID)
		if err != nil {
			return err
		}
		r, err := o.vitalsReader(p)
		if err != nil {
			return err
		}
		form, fields := in.check(r, o.now)
		if err := fields.err(); err != nil {
			return err
		}
		form.encounterID = in.EncounterID
		row := form.row(p.ID, o)
		if err := o.InsertVitals(row); err != nil {
			return err
		}
		saved, err := o.VitalsByID(row.ID)
		if err != nil {
			return err
		}
		out = r.view(saved)
		return o.audit("vitals.record", p.ID, "vitals/"+row.ID, vitalsDetail(row))
	})
	return out, err
}

// Limits of a vitals listing.
const (
	defaultVitalsLimit = 20
	maxVitalsLimit     = 500
)

// Vitals lists a patient's vitals sets, newest first, retracted ones too
// (marked so). limit is at most 500; 0 means 20. A merged chart lists the
// surviving chart's.
func (s *Chart) Vitals(patientID string, limit int) ([]VitalsSet, error) {
	if limit <= 0 {
		limit = defaultVitalsLimit
	}
	out := []VitalsSet{}
	err := s.app.look(s.session, permClinical, func(o *op) error {
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		r, err := o.vitalsReader(p)
		if err != nil {
			return err
		}
		rows, err := o.VitalsList(p.ID, min(limit, maxVitalsLimit))
		if err != nil {
			return err
		}
		for _, v := range rows {
			out = append(out, r.view(v))
		}
		return o.audit("vitals.read", p.ID, "patient/"+p.ID, fmt.Sprintf("%d sets", len(out)))
	})
	return answer(out, err)
}

// SeriesPoint is one point of a vitals chart, in the clinic's unit. Value2
// is the diastolic pressure of a blood pressure point.
type SeriesPoint struct {
	At     string   `json:"at"`
	Value  float64  `json:"value"`
	Value2 *float64 `json:"value2,omitempty"`
	Flag   string   `json:"flag"` // "", low or high (the systolic's, or else the diastolic's, for bp)
}

// Series is one measure over time, oldest first, for a chart. Each point is
// flagged against the range of the patient's age when it was taken; Low and
// High bound the range of their age at the latest point, in Unit (nil where
// there is no bound), and Ranges names it ("adult", "3 to 4 years").
type Series struct {
	Measure string        `json:"measure"`
	Unit    string        `json:"unit"`
	Low     *float64      `json:"low"`
	High    *float64      `json:"high"`
	Ranges  string        `json:"ranges"`
	Points  []SeriesPoint `json:"points"`
}

// seriesMeasures are the measures a chart can show, and what each reads.
var seriesMeasures = map[string]measure{
	"weight": measureWeight, "height": measureHeight, "bmi": measureBMI, "bp": measureSystolic,
	"pulse": measurePulse, "resp": measureResp, "temp": measureTemp, "spo2": measureSpO2, "pain": measurePain,
	"head": measureHead,
}

// VitalsSeries is one measure of a patient's vitals over time, for a chart:
// weight, height, bmi, bp (systolic with diastolic as value2), pulse,
// resp, temp, spo2, pain or head. Retracted sets are left out.
func (s *Chart) VitalsSeries(patientID, measureKey string) (Series, error) {
	measureKey = strings.ToLower(strings.TrimSpace(measureKey))
	m, ok := seriesMeasures[measureKey]
	var out Series
	err := s.app.look(s.session, permClinical, func(o *op) error {
		if !ok {
			return (fieldErrors{"measure": "Choose weight, height, bmi, bp, pulse, resp, temp, spo2, pain or head."}).err()
		}
		p, _, err := o.livePatient(patientID)
		if err != nil {
			return err
		}
		r, err := o.vitalsReader(p)
		if err != nil {
			return err
		}
		points, err := o.Tx.VitalsSeries(p.ID, measureKey)
		if err != nil {
			return err
		}
		// A child's blood pressure is judged for their height then (to 13
		// years; from then as an adult's).
		var heights []db.VitalsPoint
		if measureKey == "bp" && !r.subject.BirthDate.IsZero() && len(points) > 0 &&
			points[0].At < r.subject.BirthDate.AddDate(13, 0, 0).Format(time.RFC3339) {
			if heights, err = o.Tx.VitalsSeries(p.ID, "height"); err != nil {
				return err
			}
		}
		out = r.series(measureKey, m, points, heights)
		return o.audit("vitals.chart", p.ID, "patient/"+p.ID, fmt.Sprintf("%s; %d points", measureKey, len(out.Points)))
	})
	return answer(out, err)
}

// series makes a chart's points; heights (oldest first) are the patient's
// heights for a child's blood pressure, nil otherwise.
func (r vitalsReader) series(key string, m measure, points []db.VitalsPoint, heights []db.VitalsPoint) Series {
	unit := r.displayUnit(m)
	out := Series{Measure: key, Unit: unit, Points: make([]SeriesPoint, 0, len(points))}
	// Points from the 20th birthday on (or all, with no birth date) are
	// judged against one range: found once, and no time parsed per point.
	grownUp, adultFrom := map[string]terminology.VitalRange{}, ""
	if !r.subject.BirthDate.IsZero() {
		adultFrom = r.subject.BirthDate.AddDate(terminology.ChildUntilYears, 0, 0).Format(time.RFC3339)
	}
	for _, k := range []string{m.key, measureDiastolic.key} {
		grownUp[k] = r.ranges.Adult(k)
		if adultFrom == "" {
			grownUp[k] = r.ranges.Widest(k)
		}
	}
	rangeOf := func(key, at string, height *float64) terminology.VitalRange {
		if adultFrom == "" || at >= adultFrom {
			return grownUp[key]
		}
		t, _ := time.Parse(time.RFC3339, at)
		return r.rangeAt(key, t, height)
	}
	last := ""
	var height, heightThen *float64
	next := 0
	for i, p := range points {
		value, ok := p.Value, p.HasValue
		if key == "bmi" {
			if p.HasValue {
				height = &points[i].Value
			}
			var weight *float64
			if p.HasValue2 {
				weight = &points[i].Value2
			}
			b := bmi(weight, height)
			if ok = b != nil; ok {
				value = *b
			}
		}
		if !ok {
			continue
		}
		for ; next < len(heights) && heights[next].At <= p.At; next++ {
			heightThen = &heights[next].Value
		}
		point := SeriesPoint{At: p.At, Value: round(fromCanonical(value, unit), m.shownDecimals)}
		point.Flag, _ = rangeOf(m.key, p.At, heightThen).Flag(value)
		if key == "bp" && p.HasValue2 {
			point.Value2 = &points[i].Value2 // shares the read points: no allocation per point
			if point.Flag == "" {
				point.Flag, _ = rangeOf(measureDiastolic.key, p.At, heightThen).Flag(p.Value2)
			}
		}
		out.Points = append(out.Points, point)
		last = p.At
	}
	if last == "" {
		last = time.Now().UTC().Format(time.RFC3339)
	}
	rng := rangeOf(m.key, last, heightThen)
	out.Low, out.High, out.Ranges = r.bound(rng.LowBelow, unit), r.bound(rng.HighAbove, unit), rng.Ages
	if adultFrom == "" {
		out.Ranges = noBirthDate
	}
	return out
}

func (r vitalsReader) bound(v float64, unit string) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	b := round(fromCanonical(v, unit), 1)
	return &b
}

// RetractVitals marks a set of vital signs entered in error, saying why. It
// stays readable in the list, marked so, and leaves the charts and the
// summary; nothing is deleted.
func (s *Chart) RetractVitals(id, reason string, version int) (VitalsSet, error) {
	var out VitalsSet
	err := s.app.act(s.session, permClinical, func(o *op) error {
		reason = strings.TrimSpace(reason)
		if err := reasonFields(reason, "Say why these vitals were entered in error.").err(); err != nil {
			return err
		}
		old, err := o.VitalsByID(id)
		if err != nil {
			return err
		}
		if err := o.checkRetractable("this set of vitals", old.PatientID, old.Status, old.Version, version); err != nil {
			return err
		}
		next := old
		next.Status, next.RetractReason = db.EnteredInError, reason
		next.UpdatedAt, next.UpdatedBy = o.now, o.actor.userID
		if _, err := o.UpdateVitals(next, reason); err != nil {
			return err
		}
		saved, err := o.VitalsByID(id)
		if err != nil {
			return err
		}
		p, err := o.PatientByID(old.PatientID)
		if err != nil {
			return err
		}
		r, err := o.vitalsReader(p)
		if err != nil {
			return err
		}
		out = r.view(saved)
		return o.audit("vitals.retract", old.PatientID, "vitals/"+id,
			fmt.Sprintf("version %d; %s; reason: %s", saved.Version, vitalsDetail(old), reason))
	})
	return out, err
}

// summaryVitalsDepth is how many recent sets the chart summary reads to
// find each measure's previous value for its trend arrow.
const summaryVitalsDepth = 20

// summarizeVitals fills the summary's last vitals, each measure with its
// trend against the latest earlier set that has it, flagged for the
// patient's age when it was taken.
func (o *op) summarizeVitals(p db.Patient, out *ChartSummary) error {
	rows, err := o.LatestVitals(p.ID, summaryVitalsDepth)
	if err != nil || len(rows) == 0 {
		return err
	}
	r, err := o.vitalsReader(p)
	if err != nil {
		return err
	}
	sets := make([]VitalsSet, len(rows))
	for i, v := range rows {
		sets[i] = r.view(v)
	}
	last := sets[0]
	pick := []func(*VitalsSet) *Measurement{
		func(v *VitalsSet) *Measurement { return v.Height }, func(v *VitalsSet) *Measurement { return v.Weight },
		func(v *VitalsSet) *Measurement { return v.BMI }, func(v *VitalsSet) *Measurement { return v.Systolic },
		func(v *VitalsSet) *Measurement { return v.Diastolic }, func(v *VitalsSet) *Measurement { return v.Pulse },
		func(v *VitalsSet) *Measurement { return v.RespRate }, func(v *VitalsSet) *Measurement { return v.Temperature },
		func(v *VitalsSet) *Measurement { return v.SpO2 }, func(v *VitalsSet) *Measurement { return v.Pain },
		func(v *VitalsSet) *Measurement { return v.HeadCircumference },
	}
	for _, get := range pick {
		now := get(&last)
		if now == nil {
			continue
		}
		for i := 1; i < len(sets); i++ {
			if before := get(&sets[i]); before != nil {
				now.Trend = trend(now.Display, before.Display)
				break
			}
		}
	}
	out.LastVitals = &last
	return nil
}

// trend compares two values as shown: up, down or same.
func trend(now, before float64) string {
	switch {
	case now > before:
		return "up"
	case now < before:
		return "down"
	}
	return "same"
}
