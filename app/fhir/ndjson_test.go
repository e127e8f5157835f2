package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestResourcesStandAlone(t *testing.T) {
	rec := fullRecord()
	rec.NoKnownProblems = true // a summary's statement, not bulk data
	resources, err := Resources(rec)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	last := -1
	for _, r := range resources {
		counts[r.Type]++
		at := strings.Index(strings.Join(BulkTypes, " "), r.Type)
		if at < last {
			t.Errorf("%s comes after a later type: resources are not grouped in BulkTypes order", r.Type)
		}
		last = at
		if bytes.ContainsRune(r.JSON, '\n') {
			t.Errorf("%s line holds a newline", r.Type)
		}
		var v map[string]any
		if err := json.Unmarshal(r.JSON, &v); err != nil || v["resourceType"] != r.Type {
			t.Errorf("line %s is no %s: %v", r.JSON, r.Type, err)
		}
		for _, ref := range allReferences(decoded{Entry: []struct {
			FullURL  string         `json:"fullUrl"`
			Resource map[string]any `json:"resource"`
		}{{Resource: v}}}) {
			if !strings.HasPrefix(ref, "Patient/") && !strings.HasPrefix(ref, "Organization/") {
				t.Errorf("%s: reference %s is not relative", r.Type, ref)
			}
		}
	}
	want := map[string]int{"Organization": 1, "Practitioner": 1, "Patient": 1, "Condition": 3, "AllergyIntolerance": 3,
		"MedicationStatement": 3, "Immunization": 2, "Observation": 3 + 10}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
}

func TestNDJSONWritesTheClinicOnce(t *testing.T) {
	streams := map[string]*bytes.Buffer{}
	bulk := NewNDJSON(func(resourceType string) (io.Writer, error) {
		streams[resourceType] = &bytes.Buffer{}
		return streams[resourceType], nil
	})
	for i := range 3 {
		rec := emptyRecord()
		rec.Patient.ID = fmt.Sprintf("patient-%d", i)
		rec.Author = Author{ID: "u1", Name: "Dr. Lena Hart"}
		if err := bulk.Add(rec); err != nil {
			t.Fatal(err)
		}
	}
	got := bulk.Counts()
	if got["Patient"] != 3 || got["Organization"] != 1 || got["Practitioner"] != 1 || len(got) != 3 {
		t.Errorf("counts %v", got)
	}
	if n := bytes.Count(streams["Patient"].Bytes(), []byte("\n")); n != 3 {
		t.Errorf("%d Patient lines", n)
	}
	if _, ok := streams["Condition"]; ok {
		t.Error("a type with no resource got a stream")
	}
}

// BenchmarkResources is one typical patient of the whole-clinic export: 3
// problems, 3 allergies, 3 medications, 2 immunizations, 12 lab results
// and 12 sets of vitals (about 130 resources), written as NDJSON.
func BenchmarkResources(b *testing.B) {
	rec := fullRecord()
	for i := range 9 {
		l := rec.LabResults[i%2]
		l.ID = fmt.Sprintf("l%d", i+10)
		rec.LabResults = append(rec.LabResults, l)
	}
	for i := range 10 {
		v := rec.Vitals[0]
		v.ID = fmt.Sprintf("v%d", i+10)
		rec.Vitals = append(rec.Vitals, v)
	}
	bulk := NewNDJSON(func(string) (io.Writer, error) { return io.Discard, nil })
	b.ReportAllocs()
	for b.Loop() {
		if err := bulk.Add(rec); err != nil {
			b.Fatal(err)
		}
	}
	total := 0
	for _, n := range bulk.Counts() {
		total += n
	}
	b.ReportMetric(float64(total-2)/float64(b.N), "resources/op") // the clinic and author once
}

func BenchmarkIPSDocument(b *testing.B) {
	rec := fullRecord()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IPSDocument(rec, Options{Now: exportTime}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestResourceIDIsUUIDv5(t *testing.T) {
	for _, tt := range []struct{ kind, id string }{{"problem", "0193a0c4-0000-7000-8000-000000000001"}, {"vitals/8302-2", "v1"},
		{"clinic", ""}, {"user", strings.Repeat("x", 300)}} {
		want := uuid.NewSHA1(folioNamespace, []byte(tt.kind+"/"+tt.id)).String()
		if got := resourceID(tt.kind, tt.id); got != want {
			t.Errorf("resourceID(%q, %q) = %s, want %s", tt.kind, tt.id[:min(len(tt.id), 20)], got, want)
		}
	}
}

// The hand-written Observation lines are what encoding/json writes.
func TestAppendObservationMatchesEncodingJSON(t *testing.T) {
	rec := fullRecord()
	rec.LabResults = append(rec.LabResults,
		LabResult{ID: "odd", Name: "quote \" backslash \\ tab \t nl \n ctrl \x01 \u2028 <&> bad \xff ünï 漢", ValueText: "x",
			RangeText: "<5", ObservedAt: "2025"},
		LabResult{ID: "tiny", LOINC: "1-8", Name: "tiny", Value: ptr(1e-7), Unit: "g", Low: ptr(-0.5), High: ptr(1e21), ObservedAt: "2025"},
		LabResult{ID: "big", Name: "big", Value: ptr(123456789.125), Flag: "HH", ObservedAt: "2025-01"})
	m := newMapper(&rec, false)
	var all []outObservation
	for _, l := range rec.LabResults {
		o, err := m.labObservation(l)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, o)
	}
	for i := range rec.Vitals {
		var err error
		if all, err = m.vitalObservations(all, &rec.Vitals[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range all {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&all[i]); err != nil {
			t.Fatal(err)
		}
		got, err := appendObservation(nil, &all[i])
		if err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" != want.String() {
			t.Errorf("observation %d:\n got %s\nwant %s", i, got, want.String())
		}
	}
	nan := math.NaN()
	if _, err := appendObservation(nil, &outObservation{ValueQuantity: &outQuantity{Value: &nan}}); err == nil {
		t.Error("NaN written as a FHIR number")
	}
}

// BenchmarkIPSDocument20Years is a long chart's referral: 20 years of
// quarterly vitals (80 sets), 400 lab results, 40 immunizations, 30
// problems and 60 medications, about 1,300 resources.
func BenchmarkIPSDocument20Years(b *testing.B) {
	rec := fullRecord()
	base := rec
	rec.Problems, rec.Medications, rec.Immunizations, rec.LabResults, rec.Vitals = nil, nil, nil, nil, nil
	for i := range 30 {
		p := base.Problems[i%len(base.Problems)]
		p.ID = fmt.Sprintf("p%d", i)
		rec.Problems = append(rec.Problems, p)
	}
	for i := range 60 {
		m := base.Medications[i%len(base.Medications)]
		m.ID = fmt.Sprintf("m%d", i)
		rec.Medications = append(rec.Medications, m)
	}
	for i := range 40 {
		im := base.Immunizations[i%len(base.Immunizations)]
		im.ID = fmt.Sprintf("i%d", i)
		rec.Immunizations = append(rec.Immunizations, im)
	}
	for i := range 400 {
		l := base.LabResults[i%len(base.LabResults)]
		l.ID = fmt.Sprintf("l%d", i)
		rec.LabResults = append(rec.LabResults, l)
	}
	for i := range 80 {
		v := base.Vitals[0]
		v.ID = fmt.Sprintf("v%d", i)
		rec.Vitals = append(rec.Vitals, v)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IPSDocument(rec, Options{Now: exportTime}); err != nil {
			b.Fatal(err)
		}
	}
}
