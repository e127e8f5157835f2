package readings

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// LOINC codes of the FHIR R4 vital-signs profiles
// (https://hl7.org/fhir/R4/observation-vitalsigns.html) and of home glucose
// that a hub may send. Folio takes these and refuses any other.
const (
	loincBPPanel       = "85354-9" // Blood pressure panel with all children optional
	loincSystolic      = "8480-6"  // Systolic blood pressure
	loincDiastolic     = "8462-4"  // Diastolic blood pressure
	loincWeight        = "29463-7" // Body weight
	loincHeartRate     = "8867-4"  // Heart rate
	loincSpO2          = "59408-5" // Oxygen saturation in Arterial blood by Pulse oximetry
	loincSpO2Arterial  = "2708-6"  // Oxygen saturation in Arterial blood
	loincGlucose       = "2339-0"  // Glucose [Mass/volume] in Blood
	loincGlucoseMeter  = "41653-7" // Glucose [Mass/volume] in Capillary blood by Glucometer
	loincSystem        = "http://loinc.org"
	maxBundleResources = 5000
)

type fhirCoding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

type fhirQuantity struct {
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
	Code  string   `json:"code"`
}

type fhirObservation struct {
	ResourceType string `json:"resourceType"`
	Status       string `json:"status"`
	Code         struct {
		Coding []fhirCoding `json:"coding"`
	} `json:"code"`
	EffectiveDateTime string `json:"effectiveDateTime"`
	EffectiveInstant  string `json:"effectiveInstant"`
	EffectivePeriod   *struct {
		Start string `json:"start"`
	} `json:"effectivePeriod"`
	ValueQuantity *fhirQuantity `json:"valueQuantity"`
	Component     []struct {
		Code struct {
			Coding []fhirCoding `json:"coding"`
		} `json:"code"`
		ValueQuantity *fhirQuantity `json:"valueQuantity"`
	} `json:"component"`
	Device *struct {
		Display string `json:"display"`
	} `json:"device"`
	Note []struct {
		Text string `json:"text"`
	} `json:"note"`
}

// ParseFHIR reads a FHIR R4 Observation, or a Bundle of them (each entry
// numbered from 1). Every coding received is kept with the reading, and
// the resource as received; one marked entered-in-error or cancelled is
// skipped and said so.
func ParseFHIR(content []byte, opt Options) (Result, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	res := Result{Format: FormatFHIR}
	var head struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(content, &head); err != nil {
		return res, fmt.Errorf("this is not FHIR JSON: %v", err)
	}
	var resources []json.RawMessage
	switch head.ResourceType {
	case "Observation":
		resources = []json.RawMessage{content}
	case "Bundle":
		if len(head.Entry) > maxBundleResources {
			return res, fmt.Errorf("the bundle has %d entries; send at most %d at a time", len(head.Entry), maxBundleResources)
		}
		for _, e := range head.Entry {
			resources = append(resources, e.Resource)
		}
	default:
		return res, fmt.Errorf("Folio takes FHIR Observations or a Bundle of them, not %q", head.ResourceType)
	}
	for i, raw := range resources {
		entry := i + 1
		where := fmt.Sprintf("entry %d", entry)
		if head.ResourceType == "Observation" {
			where = "the observation"
		}
		res.RowsRead++
		r, skip, problem := readObservation(raw, opt)
		switch {
		case skip != "":
			res.Skipped = append(res.Skipped, Problem{Row: entry, Where: where, Message: skip})
		case problem != "":
			res.Refused = append(res.Refused, Problem{Row: entry, Where: where, Message: problem})
		default:
			r.Row = entry
			res.Readings = append(res.Readings, r)
			if res.Device == "" {
				res.Device = r.Device
			}
		}
	}
	return res, nil
}

func readObservation(raw json.RawMessage, opt Options) (r Reading, skip, problem string) {
	var o fhirObservation
	if err := json.Unmarshal(raw, &o); err != nil {
		return r, "", "this entry is not an Observation Folio can read"
	}
	if o.ResourceType != "Observation" {
		return r, "", fmt.Sprintf("a %s is not an Observation", o.ResourceType)
	}
	switch o.Status {
	case "entered-in-error", "cancelled":
		return r, fmt.Sprintf("skipped: the sender marked it %s", o.Status), ""
	case "final", "amended", "corrected", "preliminary", "registered":
	default:
		return r, "", fmt.Sprintf("the status %q is not a FHIR observation status", o.Status)
	}
	codes := append([]fhirCoding{}, o.Code.Coding...)
	for _, c := range o.Component {
		codes = append(codes, c.Code.Coding...)
	}
	encoded, _ := json.Marshal(codes)
	r.Codes, r.Received = string(encoded), string(raw)
	if o.Device != nil {
		r.Device = o.Device.Display
	}
	if len(o.Note) > 0 {
		r.Comment = o.Note[0].Text
	}
	when := o.EffectiveDateTime
	if when == "" {
		when = o.EffectiveInstant
	}
	if when == "" && o.EffectivePeriod != nil {
		when = o.EffectivePeriod.Start
	}
	at, local, msg := fhirTime(when, opt.zone())
	if msg != "" {
		return r, "", msg
	}
	r.TakenAt, r.TakenLocal = at, local
	code := loincOf(o.Code.Coding)
	switch code {
	case loincBPPanel:
		r.Kind = KindBP
		for _, c := range o.Component {
			q := c.ValueQuantity
			switch loincOf(c.Code.Coding) {
			case loincSystolic:
				if r.Systolic, problem = quantity(q, "systolic", "mm[Hg]", "mmHg"); problem != "" {
					return r, "", problem
				}
			case loincDiastolic:
				if r.Diastolic, problem = quantity(q, "diastolic", "mm[Hg]", "mmHg"); problem != "" {
					return r, "", problem
				}
			case loincHeartRate:
				if r.Pulse, problem = quantity(q, "heart rate", "/min", "beats/min", "{beats}/min"); problem != "" {
					return r, "", problem
				}
			}
		}
		if r.Systolic == nil || r.Diastolic == nil {
			return r, "", "a blood pressure needs both its systolic (8480-6) and diastolic (8462-4) components"
		}
	case loincWeight:
		r.Kind = KindWeight
		q := o.ValueQuantity
		if q == nil || q.Value == nil {
			return r, "", "the weight has no value"
		}
		switch unitOf(q) {
		case "kg":
			r.WeightKg = ptr(*q.Value)
		case "[lb_av]", "lb", "lbs":
			r.WeightKg = ptr(round(*q.Value*KgPerLb, 3))
		case "g":
			r.WeightKg = ptr(round(*q.Value/1000, 3))
		default:
			return r, "", fmt.Sprintf("a weight in %q is not one Folio reads (kg, [lb_av], g)", unitOf(q))
		}
	case loincHeartRate:
		r.Kind = KindPulse
		if r.Pulse, problem = quantity(o.ValueQuantity, "heart rate", "/min", "beats/min", "{beats}/min"); problem != "" {
			return r, "", problem
		}
	case loincSpO2, loincSpO2Arterial:
		r.Kind = KindSpO2
		if r.SpO2, problem = quantity(o.ValueQuantity, "SpO2", "%"); problem != "" {
			return r, "", problem
		}
	case loincGlucose, loincGlucoseMeter:
		r.Kind = KindGlucose
		q := o.ValueQuantity
		if q == nil || q.Value == nil {
			return r, "", "the glucose has no value"
		}
		switch unitOf(q) {
		case "mg/dL":
			r.GlucoseMgDl = ptr(*q.Value)
		case "mmol/L":
			r.GlucoseMgDl = ptr(round(*q.Value*MgDlPerMmolL, 1))
		default:
			return r, "", fmt.Sprintf("a glucose in %q is not one Folio reads (mg/dL, mmol/L)", unitOf(q))
		}
	case "":
		return r, "", "the observation has no LOINC code"
	default:
		return r, "", fmt.Sprintf("LOINC %s is not a home reading Folio takes (blood pressure, weight, heart rate, SpO2, glucose)", code)
	}
	if msg := finish(&r, opt.Now); msg != "" {
		return r, "", msg
	}
	return r, "", ""
}

func loincOf(codings []fhirCoding) string {
	for _, c := range codings {
		if c.System == loincSystem {
			return c.Code
		}
	}
	return ""
}

func unitOf(q *fhirQuantity) string {
	if q.Code != "" {
		return q.Code
	}
	return q.Unit
}

// quantity reads a value in one of the units given.
func quantity(q *fhirQuantity, name string, units ...string) (*float64, string) {
	if q == nil || q.Value == nil {
		return nil, fmt.Sprintf("the %s has no value", name)
	}
	u := unitOf(q)
	for _, want := range units {
		if u == want {
			return ptr(*q.Value), ""
		}
	}
	return nil, fmt.Sprintf("a %s in %q is not one Folio reads (%s)", name, u, strings.Join(units, ", "))
}

// fhirTime reads a FHIR dateTime with its time of day: the UTC instant,
// and the wall clock as the device wrote it. One without an offset is
// taken in the clinic's zone.
func fhirTime(text string, zone *time.Location) (time.Time, string, string) {
	if text == "" {
		return time.Time{}, "", "the observation has no effectiveDateTime"
	}
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t.UTC(), t.Format("2006-01-02T15:04"), ""
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, text, zone); err == nil {
			return t.UTC(), t.Format("2006-01-02T15:04"), ""
		}
	}
	return time.Time{}, "", fmt.Sprintf("the time %q is not a FHIR dateTime with a time of day", text)
}
