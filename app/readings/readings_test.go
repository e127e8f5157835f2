package readings

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// berlin is a zone with summer time, so that a wall clock's UTC instant
// depends on the day.
func berlin(t *testing.T) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("zone: %v", err)
	}
	return z
}

var december = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func f(v float64) *float64 { return &v }

func TestParseKnownExports(t *testing.T) {
	zone := berlin(t)
	tests := []struct {
		file      string
		format    string
		rows      int
		first     Reading // the file's first reading
		refused   int
		kinds     string
		takenAtOf string // the first reading's UTC instant
	}{
		{file: "withings-bp.csv", format: FormatWithingsBP, rows: 61,
			first: Reading{Row: 2, Kind: KindBP, TakenLocal: "2026-11-30T07:56", Systolic: f(123), Diastolic: f(82), Pulse: f(65)},
			kinds: "bp,pulse", takenAtOf: "2026-11-30T06:56:00Z"}, // row 9 is a heart rate alone
		{file: "withings-weight.csv", format: FormatWithingsWeight, rows: 30,
			first: Reading{Row: 2, Kind: KindWeight, TakenLocal: "2026-11-30T06:17", WeightKg: f(84.09)},
			kinds: "weight", takenAtOf: "2026-11-30T05:17:00Z"},
		// Beurer's times like 02:31 are the scale's real wall clock.
		{file: "beurer-weight.csv", format: FormatBeurerWeight, rows: 30,
			first: Reading{Row: 2, Kind: KindWeight, TakenLocal: "2026-11-30T02:31", WeightKg: f(70.5)},
			kinds: "weight", takenAtOf: "2026-11-30T01:31:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := Parse(readFile(t, tt.file), Options{Zone: zone, Now: december})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tt.format || res.RowsRead != tt.rows || len(res.Refused) != tt.refused {
				t.Fatalf("format %s, %d rows, refused %v; want %s, %d, %d", res.Format, res.RowsRead, res.Refused,
					tt.format, tt.rows, tt.refused)
			}
			if len(res.Readings) != tt.rows {
				t.Fatalf("%d readings, want %d", len(res.Readings), tt.rows)
			}
			got := res.Readings[0]
			checkReading(t, got, tt.first)
			if at := got.TakenAt.Format(time.RFC3339); at != tt.takenAtOf {
				t.Errorf("taken at %s, want %s", at, tt.takenAtOf)
			}
			var kinds []string
			for _, k := range res.Kinds() {
				kinds = append(kinds, k.Kind)
			}
			if strings.Join(kinds, ",") != tt.kinds {
				t.Errorf("kinds %v, want %s", kinds, tt.kinds)
			}
			seen := map[string]bool{}
			for _, r := range res.Readings {
				if r.DedupKey == "" || seen[r.DedupKey] {
					t.Errorf("row %d: dedup key %q empty or repeated", r.Row, r.DedupKey)
				}
				seen[r.DedupKey] = true
			}
		})
	}
}

func checkReading(t *testing.T, got, want Reading) {
	t.Helper()
	if got.Row != want.Row || got.Kind != want.Kind || got.TakenLocal != want.TakenLocal {
		t.Errorf("row %d %s at %s, want row %d %s at %s", got.Row, got.Kind, got.TakenLocal, want.Row, want.Kind, want.TakenLocal)
	}
	for _, v := range []struct {
		name      string
		got, want *float64
	}{{"systolic", got.Systolic, want.Systolic}, {"diastolic", got.Diastolic, want.Diastolic},
		{"pulse", got.Pulse, want.Pulse}, {"weight", got.WeightKg, want.WeightKg}, {"spo2", got.SpO2, want.SpO2},
		{"glucose", got.GlucoseMgDl, want.GlucoseMgDl}} {
		switch {
		case (v.got == nil) != (v.want == nil):
			t.Errorf("%s: got %v, want %v", v.name, v.got, v.want)
		case v.got != nil && *v.got != *v.want:
			t.Errorf("%s: got %v, want %v", v.name, *v.got, *v.want)
		}
	}
}

// TestParseRows: what a row may hold and what makes Folio refuse it, row named.
func TestParseRows(t *testing.T) {
	zone := berlin(t)
	withingsHeader := "Date,\"Heart rate\",Systolic,Diastolic,Comments\n"
	tests := []struct {
		name    string
		content string
		spec    *Spec
		want    []Reading
		refused []string // "row N: message"
		format  string
	}{
		{name: "a BP row without heart rate is fine",
			content: withingsHeader + "\"2026-11-30 07:56:00\",,123,82,after coffee\n",
			want:    []Reading{{Row: 2, Kind: KindBP, TakenLocal: "2026-11-30T07:56", Systolic: f(123), Diastolic: f(82)}}},
		{name: "BOM and CRLF",
			content: "\ufeff" + strings.ReplaceAll(withingsHeader+"\"2026-11-30 07:56:00\",65,123,82,\n", "\n", "\r\n"),
			want:    []Reading{{Row: 2, Kind: KindBP, TakenLocal: "2026-11-30T07:56", Systolic: f(123), Diastolic: f(82), Pulse: f(65)}}},
		{name: "impossible systolic names its row",
			content: withingsHeader + "\"2026-11-30 07:56:00\",65,123,82,\n\"2026-11-29 07:56:00\",65,420,82,\n",
			refused: []string{"row 3: systolic 420 mmHg is not possible (20–300)"}},
		{name: "systolic must exceed diastolic",
			content: withingsHeader + "\"2026-11-30 07:56:00\",65,80,82,\n",
			refused: []string{"row 2: systolic 80 must be above diastolic 82"}},
		{name: "a date that is not one",
			content: withingsHeader + "\"30/11/2026 07:56\",65,120,82,\n",
			refused: []string{`row 2: the date "30/11/2026 07:56" is not a date written YYYY-MM-DD`}},
		{name: "the future, more than a day ahead",
			content: withingsHeader + "\"2027-01-30 07:56:00\",65,120,82,\n",
			refused: []string{"row 2: 2027-01-30 07:56 is in the future: is the device's clock right?"}},
		{name: "a value that is not a number",
			content: withingsHeader + "\"2026-11-30 07:56:00\",65,12O,82,\n",
			refused: []string{`row 2: systolic "12O" is not a number`}},
		{name: "half a blood pressure",
			content: withingsHeader + "\"2026-11-30 07:56:00\",65,120,,\n",
			refused: []string{"row 2: a blood pressure needs both systolic and diastolic"}},
		{name: "Beurer blood pressure (assumed layout), quoted, semicolons",
			content: "Date;Time;Systolic;Diastolic;Pulse;Comment\n\"29.11.2026\";\"21:05\";\"131\";\"84\";\"70\";\"\"\n",
			format:  FormatBeurerBP,
			want:    []Reading{{Row: 2, Kind: KindBP, TakenLocal: "2026-11-29T21:05", Systolic: f(131), Diastolic: f(84), Pulse: f(70)}}},
		{name: "Omron Connect",
			content: "Date,Time,Systolic (mmHg),Diastolic (mmHg),Pulse (bpm),Symptoms,Consumed,TruRead,Notes\n" +
				"\"Nov 28 2026\",\"8:15 PM\",128,79,66,,,Off,\"left arm\"\n",
			format: FormatOmron,
			want:   []Reading{{Row: 2, Kind: KindBP, TakenLocal: "2026-11-28T20:15", Systolic: f(128), Diastolic: f(79), Pulse: f(66)}}},
		{name: "a mapped glucose meter in mmol/L with its context",
			content: "when;mmol;note\n28/11/2026 07:10;5.5;fasting\n",
			spec: &Spec{Delimiter: ";", Header: true, DateColumn: 1, DateLayout: "DD/MM/YYYY", Glucose: 2,
				GlucoseUnit: "mmol/L", GlucoseContext: 3},
			format: FormatMapped,
			want:   []Reading{{Row: 2, Kind: KindGlucose, TakenLocal: "2026-11-28T07:10", GlucoseMgDl: f(99.1)}}},
		{name: "a mapped scale in lb, no header, tab-separated, date and time apart",
			content: "11/28/2026\t06:30\t185.2\n",
			spec:    &Spec{Delimiter: "\t", DateColumn: 1, DateLayout: "MM/DD/YYYY", TimeColumn: 2, Weight: 3, WeightUnit: "lb"},
			format:  FormatMapped,
			want:    []Reading{{Row: 1, Kind: KindWeight, TakenLocal: "2026-11-28T06:30", WeightKg: f(84.005)}}},
		{name: "a mapped oximeter row gives its SpO2 with the pulse",
			content: "date,spo2,pr\n2026-11-28 22:00,97,58\n",
			spec:    &Spec{Delimiter: ",", Header: true, DateColumn: 1, DateLayout: "YYYY-MM-DD", SpO2: 2, Pulse: 3},
			format:  FormatMapped,
			want:    []Reading{{Row: 2, Kind: KindSpO2, TakenLocal: "2026-11-28T22:00", SpO2: f(97), Pulse: f(58)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.content), Options{Zone: zone, Now: december, Spec: tt.spec})
			if err != nil {
				t.Fatal(err)
			}
			if tt.format != "" && res.Format != tt.format {
				t.Errorf("format %s, want %s", res.Format, tt.format)
			}
			var refused []string
			for _, p := range res.Refused {
				refused = append(refused, p.String())
			}
			if strings.Join(refused, "\n") != strings.Join(tt.refused, "\n") {
				t.Errorf("refused %q, want %q", refused, tt.refused)
			}
			if len(tt.refused) > 0 {
				return
			}
			if len(res.Readings) != len(tt.want) {
				t.Fatalf("%d readings, want %d", len(res.Readings), len(tt.want))
			}
			for i := range tt.want {
				checkReading(t, res.Readings[i], tt.want[i])
			}
		})
	}
}

func TestUnknownLayoutIsSaidSo(t *testing.T) {
	res, err := Parse([]byte("when;sys;dia\n28.11.2026 07:10;120;80\n"), Options{Now: december})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("error %v, want ErrUnknownFormat", err)
	}
	if strings.Join(res.Columns, "|") != "when|sys|dia" {
		t.Errorf("columns %q, for the mapping step", res.Columns)
	}
}

// TestSameReadingSameKey: the dedup key is the same for the same reading
// from a file and from a hub, and differs for another minute or value.
func TestSameReadingSameKey(t *testing.T) {
	zone := berlin(t)
	file, err := Parse([]byte("Date,\"Heart rate\",Systolic,Diastolic,Comments\n\"2026-11-30 07:56:00\",64,107,60,\n"),
		Options{Zone: zone, Now: december})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := Parse(readFile(t, "home-bundle.json"), Options{Zone: zone, Now: december})
	if err != nil {
		t.Fatal(err)
	}
	if file.Readings[0].DedupKey != hub.Readings[0].DedupKey {
		t.Errorf("file %q, hub %q", file.Readings[0].DedupKey, hub.Readings[0].DedupKey)
	}
	other := file.Readings[0]
	other.Systolic = f(108)
	if DedupKey(other) == file.Readings[0].DedupKey {
		t.Error("another value, the same key")
	}
}

func TestParseFHIRBundle(t *testing.T) {
	res, err := Parse(readFile(t, "home-bundle.json"), Options{Zone: berlin(t), Now: december})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatFHIR || res.RowsRead != 6 || len(res.Refused) != 0 {
		t.Fatalf("format %s, %d read, refused %v", res.Format, res.RowsRead, res.Refused)
	}
	want := []Reading{
		{Row: 1, Kind: KindBP, TakenLocal: "2026-11-30T07:56", Systolic: f(107), Diastolic: f(60), Pulse: f(64)},
		{Row: 2, Kind: KindWeight, TakenLocal: "2026-11-30T06:10", WeightKg: f(83.915)},
		{Row: 3, Kind: KindSpO2, TakenLocal: "2026-11-30T08:00", SpO2: f(95)},
		{Row: 4, Kind: KindGlucose, TakenLocal: "2026-11-30T07:30", GlucoseMgDl: f(113.5)},
		{Row: 5, Kind: KindPulse, TakenLocal: "2026-11-30T09:00", Pulse: f(44)},
	}
	if len(res.Readings) != len(want) {
		t.Fatalf("%d readings, want %d", len(res.Readings), len(want))
	}
	for i := range want {
		checkReading(t, res.Readings[i], want[i])
	}
	if len(res.Skipped) != 1 || res.Skipped[0].String() != "entry 6: skipped: the sender marked it entered-in-error" {
		t.Errorf("skipped %v", res.Skipped)
	}
	bp := res.Readings[0]
	if bp.Device != "Omron HEM-7155T" || bp.TakenAt.Format(time.RFC3339) != "2026-11-30T06:56:00Z" {
		t.Errorf("device %q, taken at %s", bp.Device, bp.TakenAt)
	}
	var codes []fhirCoding
	if err := json.Unmarshal([]byte(bp.Codes), &codes); err != nil || len(codes) != 4 || codes[0].Code != "85354-9" {
		t.Errorf("codes %s (%v)", bp.Codes, err)
	}
	if !strings.Contains(bp.Received, `"id": "blood-pressure"`) {
		t.Errorf("received %s", bp.Received)
	}
	if len(res.Readings[2].Codes) < 10 || !strings.Contains(res.Readings[2].Codes, "59408-5") {
		t.Errorf("both SpO2 codings kept: %s", res.Readings[2].Codes)
	}
}

func TestParseFHIRRefusals(t *testing.T) {
	obs := func(code, value, unit, when string) string {
		return `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"` +
			code + `"}]},"effectiveDateTime":"` + when + `","valueQuantity":{"value":` + value + `,"code":"` + unit + `"}}`
	}
	tests := []struct {
		name, content, refused string
	}{
		{"steps are not a reading Folio takes", obs("55423-8", "4000", "{steps}", "2026-11-30T08:00:00Z"),
			"the observation: LOINC 55423-8 is not a home reading Folio takes (blood pressure, weight, heart rate, SpO2, glucose)"},
		{"a weight in stones", obs("29463-7", "13", "[stone_av]", "2026-11-30T08:00:00Z"),
			`the observation: a weight in "[stone_av]" is not one Folio reads (kg, [lb_av], g)`},
		{"a date with no time", obs("29463-7", "80", "kg", "2026-11-30"),
			`the observation: the time "2026-11-30" is not a FHIR dateTime with a time of day`},
		{"an SpO2 over 100", obs("59408-5", "140", "%", "2026-11-30T08:00:00Z"),
			"the observation: SpO2 140 % is not possible (50–100)"},
		{"a weight in grams is read", obs("29463-7", "80000", "g", "2026-11-30T08:00:00Z"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse([]byte(tt.content), Options{Now: december})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(res.Refused) > 0 {
				got = res.Refused[0].String()
			}
			if got != tt.refused {
				t.Errorf("refused %q, want %q", got, tt.refused)
			}
		})
	}
	if _, err := Parse([]byte(`{"resourceType":"Patient"}`), Options{}); err == nil {
		t.Error("a Patient read as readings")
	}
}

func TestSpecCheck(t *testing.T) {
	tests := []struct {
		name   string
		spec   Spec
		fields string
	}{
		{"fine", Spec{DateColumn: 1, DateLayout: "YYYY-MM-DD", Weight: 2, WeightUnit: "kg"}, ""},
		{"nothing chosen", Spec{}, "dateColumn,dateLayout,systolic"},
		{"half a BP, no unit", Spec{DateColumn: 1, DateLayout: "DD.MM.YYYY", Systolic: 2, Glucose: 3},
			"diastolic,glucoseUnit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for k := range tt.spec.Check() {
				got = append(got, k)
			}
			sortStrings(got)
			if strings.Join(got, ",") != tt.fields {
				t.Errorf("fields %v, want %s", got, tt.fields)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}
