package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/app/archive"
	"folio/app/fhir"
)

// The round trip of issue 9: another system's file is imported into Folio
// A (every suggestion accepted), A sends everything as a referral to a
// fresh Folio B, which imports it the same way; B's record, as B sends it
// on, is compared with the original file item by item: codes, dates and
// counts of the problems, allergies, medications, immunizations, results
// and vital signs, and the patient's identifiers and address. B sends it on
// to C, whose record must differ from the original in nothing more.

// roundTripDiff is one way a record that went round differs from the file
// it started as.
type roundTripDiff struct {
	kind  string // problem, allergy, medication, immunization, result, vital, patient
	item  string // which item, in words
	field string // what differs: "missing", "extra", or the field
	want  string // as the original said it
	got   string // as the record that went round says it
}

func (d roundTripDiff) String() string {
	return fmt.Sprintf("%s %q: %s: %q → %q", d.kind, d.item, d.field, d.want, d.got)
}

// knownDifference is a way a record may differ after going round, and
// why that is right (or why Folio cannot do better). kind "vital" matches
// every vital sign ("vital bmi"); an item, want or got of "" matches any.
type knownDifference struct {
	kind, item, field, want, got string
	why                          string
}

func (k knownDifference) matches(d roundTripDiff) bool {
	return (k.kind == d.kind || strings.HasPrefix(d.kind, k.kind+" ")) && k.field == d.field &&
		(k.item == "" || k.item == d.item) && (k.want == "" || k.want == d.want) && (k.got == "" || k.got == d.got)
}

// knownDifferences are every difference the round trip may show; any
// other fails the test, and one that no file shows any more must be taken
// out of the list.
var knownDifferences = []knownDifference{
	{kind: "vital", field: "rounded",
		why: "Folio keeps a vital sign to its vitals form's precision: whole mmHg, beats, breaths, % and pain points, " +
			"0.01 cm, 1 g and 0.01 °C, and a BMI to 0.1; Synthea writes 15 digits no instrument measures"},
	{kind: "vital bmi", field: "extra",
		why: "Folio computes BMI from each weight and the latest height rather than storing one, and sends the BMI it computed, " +
			"also at a weighing where the source sent none"},
	{kind: "vital bmi", field: "value",
		why: "the BMI Folio sends is computed from the weight and the latest height measured before it; the source's from a height it did not send"},
	{kind: "allergy", item: "No known food allergy (situation)", field: "missing", want: "present",
		why: "Folio records \"no known allergies\" of every kind only; a statement about foods alone is kept as the original"},
	{kind: "immunization", item: "Vaccin anti diphtérie-coqueluche-tétanos-poliomyélite 1998-06-04", field: "missing", want: "present",
		why: "Folio charts a dose by its CVX code, which its due list reads; a vaccine coded only in SNOMED CT and ATC is kept as the original"},
	{kind: "medication", field: "prescriber", want: "",
		why: "a drug from elsewhere names who prescribed it; where the source names no one, Folio names the organization that " +
			"recorded it (its encounter's, else the sender), and sends that on as the statement's information source"},
	{kind: "immunization", field: "performer", want: "",
		why: "a dose from elsewhere names who gave it; where the source names no one, Folio names the organization of the " +
			"encounter it was given at (else the sender)"},
	{kind: "immunization", field: "given by", got: "elsewhere",
		why: "FHIR's primarySource says whether the sender gave the dose itself: a clinic sending on a dose it recorded from " +
			"elsewhere did not (the performer still names who did)"},
	{kind: "immunization", field: "note", want: "", got: "Site: Entire left upper arm",
		why: "a site not on Folio's list is said in the note, so the chart shows it; its codes leave as received"},
}

// roundTrip is what a record that went round holds: its patient and the
// FHIR resources of the bundle it was sent on in, as the importer reads
// them.
func roundTripImport(t *testing.T, ta *testApp, fileName, dataBase64 string) string {
	t.Helper()
	c := ta.Clinician.Chart
	r, err := c.StartImport(fileName, dataBase64, "")
	if err != nil {
		t.Fatalf("import %s: %v", fileName, err)
	}
	if r, err = c.CreatePatientFromImport(r.ID); err != nil {
		t.Fatalf("register the patient of %s: %v", fileName, err)
	}
	done, err := c.FinishImport(r.ID, reasonForEveryAlert(r, "as the sender prescribed"))
	if err != nil {
		t.Fatalf("finish importing %s: %v", fileName, err)
	}
	for _, it := range allItems(done) {
		if it.Suggested == "already_present" {
			t.Errorf("%s: %s %q suggested already present on a fresh chart: %s", fileName, it.Kind, it.Display, it.Detail)
		}
	}
	return done.Patient.ID
}

// roundTripSend sends everything on the chart as a referral and returns
// the archive and the bundle in it.
func roundTripSend(t *testing.T, ta *testApp, patientID string) (app.ExportedFile, []byte) {
	t.Helper()
	c := ta.Clinician.Chart
	preview, err := c.ReferralPreview(patientID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range preview.Sections {
		if s.Key == app.SectionDocuments {
			continue
		}
		for _, it := range s.Items {
			ids = append(ids, it.ID)
		}
	}
	file, err := c.ExportReferral(patientID, app.ReferralRequest{IncludedIDs: ids, Recipient: "Dr Haddad, next clinic",
		Purpose: "round trip", Reason: "continuing care"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(file.Data)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := archive.Open(data, "")
	if err != nil {
		t.Fatal(err)
	}
	bundle, ok := opened.File("bundle.json")
	if !ok {
		t.Fatal("the referral archive holds no bundle.json")
	}
	return file, bundle.Data
}

func mustParse(t *testing.T, data []byte) *fhir.Import {
	t.Helper()
	imp, err := fhir.Parse(data, app.CareLOINCs...)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

// TestRoundTripKeepsWhatArrived runs the round trip on every example file
// (10 Synthea patients, 4 IPS documents).
func TestRoundTripKeepsWhatArrived(t *testing.T) {
	if testing.Short() {
		t.Skip("imports and sends 14 records three times")
	}
	used := map[int]int{}
	var figures []string
	dir := t.TempDir()
	var bundles []string
	for _, path := range exampleFiles(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data := readFile(t, path)
			original := mustParse(t, data)
			at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

			// Three clinics, each with a key of its own.
			a := newOwnClinicAt(t, at)
			patientA := roundTripImport(t, a, filepath.Base(path), b64(data))
			fileA, bundleA := roundTripSend(t, a, patientA)

			b := newOwnClinicAt(t, at.Add(24*time.Hour))
			patientB := roundTripImport(t, b, fileA.FileName, fileA.Data)
			fileB, bundleB := roundTripSend(t, b, patientB)

			c := newOwnClinicAt(t, at.Add(48*time.Hour))
			patientC := roundTripImport(t, c, fileB.FileName, fileB.Data)
			fileC, bundleC := roundTripSend(t, c, patientC)

			// The identifiers each Folio gives the patient (its MRN, its
			// record's id) are added by the hop that sends them; they are
			// no difference from the original.
			folio := map[string]bool{}
			for _, hop := range []struct {
				file      app.ExportedFile
				patientID string
			}{{fileA, patientA}, {fileB, patientB}, {fileC, patientC}} {
				folio[fhir.MRNSystem(hop.file.Fingerprint)], folio["urn:uuid:"+hop.patientID] = true, true
			}
			passing := func(id fhir.ImportIdentifier) bool { return folio[id.System] || folio[id.Value] }

			atB, compared := compareRoundTrip(original, mustParse(t, bundleB), passing)
			atC, _ := compareRoundTrip(original, mustParse(t, bundleC), passing)
			left := map[int]int{}
			for _, d := range atB {
				k := slices.IndexFunc(knownDifferences, func(k knownDifference) bool { return k.matches(d) })
				if k < 0 {
					t.Errorf("after one hop: %s", d)
					continue
				}
				used[k]++
				left[k]++
			}
			// A second hop changes nothing more: C differs from the
			// original exactly as B does.
			if b, c := diffStrings(atB), diffStrings(atC); !slices.Equal(b, c) {
				t.Errorf("the second hop changed more:\nafter one hop:\n  %s\nafter two:\n  %s",
					strings.Join(b, "\n  "), strings.Join(c, "\n  "))
			}
			// And B's record and C's are the same, item for item, notes and all.
			if again, _ := compareRoundTrip(mustParse(t, bundleB), mustParse(t, bundleC), passing); len(again) > 0 {
				t.Errorf("B → C changed the record:\n  %s", strings.Join(diffStrings(again), "\n  "))
			}
			// The whole-clinic export carries the same: C's NDJSON names
			// the patient's identifiers and every code of the problems,
			// allergies and medications as they were sent.
			bulk := filepath.Join(dir, name+"-bulk")
			if _, err := c.ExportAll(context.Background(), bulk, nil); err != nil {
				t.Fatal(err)
			}
			ndjson := func(resourceType string) string {
				if b, err := os.ReadFile(filepath.Join(bulk, resourceType+".ndjson")); err == nil {
					bundles = append(bundles, filepath.Join(bulk, resourceType+".ndjson"))
					return string(b)
				}
				return ""
			}
			patients := ndjson("Patient")
			for _, id := range original.Patients[0].Identifiers {
				if !strings.Contains(patients, fmt.Sprintf(`"system":%q,"value":%q`, id.System, id.Value)) {
					t.Errorf("the bulk export lost the identifier %s|%s", id.System, id.Value)
				}
			}
			for resourceType, codes := range map[string][]fhir.ImportCode{"Condition": codesOf(original.Problems, func(x fhir.ImportProblem) []fhir.ImportCode { return x.Codes }),
				"AllergyIntolerance":  codesOf(original.Allergies, func(x fhir.ImportAllergy) []fhir.ImportCode { return x.Codes }),
				"MedicationStatement": codesOf(original.Medications, func(x fhir.ImportMedication) []fhir.ImportCode { return x.Codes })} {
				lines := ndjson(resourceType)
				for _, cd := range codes {
					if !strings.Contains(lines, fmt.Sprintf(`"system":%q,"code":%q`, cd.System, cd.Code)) &&
						!slices.ContainsFunc(knownDifferences, func(k knownDifference) bool { return k.field == "missing" && strings.HasPrefix(k.item, cd.Display) }) {
						t.Errorf("the bulk export's %s lost the code %s|%s", resourceType, cd.System, cd.Code)
					}
				}
			}
			for _, resourceType := range []string{"Organization", "Practitioner", "Immunization", "Observation"} {
				ndjson(resourceType)
			}
			figures = append(figures, fmt.Sprintf("%s: compared %s; known differences %s", name, countWords(compared, nil),
				countWords(nil, left)))
			for i, bundle := range [][]byte{bundleA, bundleB, bundleC} {
				bundles = append(bundles, writeTemp(t, dir, fmt.Sprintf("%s-%c.json", name, 'A'+i), bundle))
			}
		})
	}
	if t.Failed() {
		return
	}
	for k, known := range knownDifferences {
		if used[k] == 0 {
			t.Errorf("no file differs as %+v any more: take it out of knownDifferences", known)
		}
	}
	t.Log("\n" + strings.Join(figures, "\n") + "\nin all, known differences " + countWords(nil, used))
	if report, ok := validateFHIR(t, bundles...); !ok {
		t.Errorf("the external validator refused what Folio sent on:\n%s", report)
	}
}

// countWords says counts by kind ("problem 7, vital 120"), or those of
// knownDifferences by their place in the list ("#0 45").
func countWords(byKind map[string]int, byKnown map[int]int) string {
	var parts []string
	for kind, n := range byKind {
		parts = append(parts, fmt.Sprintf("%s %d", kind, n))
	}
	for k, n := range byKnown {
		parts = append(parts, fmt.Sprintf("%s/%s %d", knownDifferences[k].kind, knownDifferences[k].field, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func codesOf[T any](items []T, codes func(T) []fhir.ImportCode) []fhir.ImportCode {
	var out []fhir.ImportCode
	for _, it := range items {
		out = append(out, codes(it)...)
	}
	return out
}

func diffStrings(diffs []roundTripDiff) []string {
	out := make([]string, len(diffs))
	for i, d := range diffs {
		out[i] = d.String()
	}
	sort.Strings(out)
	return out
}

// compareRoundTrip compares got (a record that went round) with want (the
// original) item by item, and counts the items compared. Items are matched
// by their codes and dates; the differences are what the original said and
// the record does not say the same way.
func compareRoundTrip(want, got *fhir.Import, passing func(fhir.ImportIdentifier) bool) ([]roundTripDiff, map[string]int) {
	var diffs []roundTripDiff
	n := map[string]int{}
	add := func(kind, item, field, w, g string) {
		if w != g {
			diffs = append(diffs, roundTripDiff{kind, item, field, w, g})
		}
	}
	if len(want.Patients) == 1 && len(got.Patients) == 1 {
		n["patient"]++
		comparePatient(want.Patients[0], got.Patients[0], passing, add)
	}

	n["problem"] += len(want.Problems)
	matchItems(want.Problems, got.Problems, "problem",
		func(x fhir.ImportProblem) string { return x.Title + " " + x.Onset },
		func(w, g fhir.ImportProblem) bool {
			return shareCode(w.Codes, g.Codes, w.Title, g.Title) && w.Onset == g.Onset
		},
		func(item string, w, g fhir.ImportProblem) {
			compareCodes("problem", item, w.Codes, g.Codes, add)
			add("problem", item, "resolved", w.ResolvedOn, g.ResolvedOn)
			add("problem", item, "status", w.Status, g.Status)
			add("problem", item, "clinical status", w.ClinicalStatus, g.ClinicalStatus)
			add("problem", item, "note", w.Note, g.Note)
		}, add)

	n["allergy"] += len(want.Allergies)
	matchItems(want.Allergies, got.Allergies, "allergy",
		func(x fhir.ImportAllergy) string { return x.Substance },
		func(w, g fhir.ImportAllergy) bool {
			return w.NoneKnown == g.NoneKnown && (w.NoneKnown || shareCode(w.Codes, g.Codes, w.Substance, g.Substance))
		},
		func(item string, w, g fhir.ImportAllergy) {
			if !w.NoneKnown {
				compareCodes("allergy", item, w.Codes, g.Codes, add)
			}
			add("allergy", item, "criticality", w.Criticality, g.Criticality)
			add("allergy", item, "type", w.Type, g.Type)
			add("allergy", item, "category", w.Category, g.Category)
			add("allergy", item, "verification", w.Verification, g.Verification)
			add("allergy", item, "clinical status", w.ClinicalStatus, g.ClinicalStatus)
			add("allergy", item, "onset", w.Onset, g.Onset)
			add("allergy", item, "reaction", w.Reaction, g.Reaction)
			add("allergy", item, "reactions", reactionWords(w.Reactions), reactionWords(g.Reactions))
			add("allergy", item, "note", w.Note, g.Note)
		}, add)

	n["medication"] += len(want.Medications)
	matchItems(want.Medications, got.Medications, "medication",
		func(x fhir.ImportMedication) string { return x.Drug + " " + x.Start },
		func(w, g fhir.ImportMedication) bool {
			return shareCode(w.Codes, g.Codes, w.Drug, g.Drug) && w.Start == g.Start
		},
		func(item string, w, g fhir.ImportMedication) {
			compareCodes("medication", item, w.Codes, g.Codes, add)
			add("medication", item, "drug", w.Drug, g.Drug)
			add("medication", item, "end", w.End, g.End)
			add("medication", item, "status", medicationState(w.Status), medicationState(g.Status))
			add("medication", item, "status reason", w.StatusReason, g.StatusReason)
			add("medication", item, "prescriber", w.Prescriber, g.Prescriber)
			add("medication", item, "dosage", dosageWords(w.Dosages), dosageWords(g.Dosages))
			add("medication", item, "note", w.Note, g.Note)
		}, add)

	n["immunization"] += len(want.Immunizations)
	matchItems(want.Immunizations, got.Immunizations, "immunization",
		func(x fhir.ImportImmunization) string { return x.Vaccine + " " + x.OccurredOn },
		func(w, g fhir.ImportImmunization) bool {
			return shareCode(w.Codes, g.Codes, w.Vaccine, g.Vaccine) && w.OccurredOn == g.OccurredOn
		},
		func(item string, w, g fhir.ImportImmunization) {
			compareCodes("immunization", item, w.Codes, g.Codes, add)
			add("immunization", item, "lot", w.LotNumber, g.LotNumber)
			add("immunization", item, "expiry", w.ExpirationDate, g.ExpirationDate)
			add("immunization", item, "site", codesOrWords(w.SiteCodes, w.Site), codesOrWords(g.SiteCodes, g.Site))
			add("immunization", item, "route", codesOrWords(w.RouteCodes, w.Route), codesOrWords(g.RouteCodes, g.Route))
			add("immunization", item, "dose", w.Dose, g.Dose)
			add("immunization", item, "manufacturer", w.Manufacturer, g.Manufacturer)
			add("immunization", item, "performer", w.Performer, g.Performer)
			add("immunization", item, "given by", w.GivenBy, g.GivenBy)
			add("immunization", item, "note", w.Note, g.Note)
		}, add)

	n["result"] += len(want.Results)
	matchItems(want.Results, got.Results, "result",
		func(x fhir.ImportResult) string { return x.Name + " " + x.ObservedAt },
		func(w, g fhir.ImportResult) bool {
			return shareCode(w.Codes, g.Codes, w.Name, g.Name) && sameInstant(w.ObservedAt, g.ObservedAt)
		},
		func(item string, w, g fhir.ImportResult) {
			compareCodes("result", item, w.Codes, g.Codes, add)
			add("result", item, "value", w.Value, g.Value)
			add("result", item, "unit", orWord(w.UCUM, w.Unit), orWord(g.UCUM, g.Unit))
			add("result", item, "value codes", codesWords(w.ValueCodes), codesWords(g.ValueCodes))
			add("result", item, "range", optWords(w.Low)+"–"+optWords(w.High)+" "+w.RangeText,
				optWords(g.Low)+"–"+optWords(g.High)+" "+g.RangeText)
			add("result", item, "interpretation", w.Interpretation, g.Interpretation)
			add("result", item, "status", w.Status, g.Status)
			add("result", item, "note", w.Note, g.Note)
		}, add)

	// Vital signs by measure ("vital height"), each matched by its time.
	wantVitals, gotVitals := measurements(want.Vitals), measurements(got.Vitals)
	for _, measure := range []string{"height", "weight", "bmi", "systolic", "diastolic", "pulse", "resp", "temp", "spo2", "pain"} {
		n["vital"] += len(wantVitals[measure])
		matchItems(wantVitals[measure], gotVitals[measure], "vital "+measure, func(m vitalMeasurement) string { return m.at },
			func(w, g vitalMeasurement) bool { return w.at == g.at },
			func(item string, w, g vitalMeasurement) {
				switch {
				case math.Abs(w.value-g.value) < 1e-9:
				case math.Abs(math.Round(w.value*stored[measure])/stored[measure]-g.value) < 1e-9:
					add("vital "+measure, item, "rounded", fmt.Sprint(w.value), fmt.Sprint(g.value))
				default:
					add("vital "+measure, item, "value", fmt.Sprint(w.value), fmt.Sprint(g.value))
				}
			}, add)
	}
	return diffs, n
}

// stored is the precision Folio keeps each vital sign to (the vitals
// form's, and a computed BMI's), as the factor of its last decimal.
var stored = map[string]float64{"height": 100, "weight": 1000, "temp": 100, "bmi": 10,
	"systolic": 1, "diastolic": 1, "pulse": 1, "resp": 1, "spo2": 1, "pain": 1}

// matchItems pairs each wanted item with a got one that is the same (same
// codes and dates), compares each pair, and says which are missing or extra.
func matchItems[T any](want, got []T, kind string, words func(T) string, same func(w, g T) bool,
	compare func(item string, w, g T), add func(kind, item, field, w, g string)) {
	used := make([]bool, len(got))
	for _, w := range want {
		j := -1
		for k, g := range got {
			if !used[k] && same(w, g) {
				j = k
				break
			}
		}
		if j < 0 {
			add(kind, words(w), "missing", "present", "")
			continue
		}
		used[j] = true
		compare(words(w), w, got[j])
	}
	for k, g := range got {
		if !used[k] {
			add(kind, words(g), "extra", "", "present")
		}
	}
}

func comparePatient(w, g fhir.ImportPatient, passing func(fhir.ImportIdentifier) bool, add func(kind, item, field, w, g string)) {
	item := w.Text
	add("patient", item, "name", w.FamilyName+", "+w.GivenNames, g.FamilyName+", "+g.GivenNames)
	add("patient", item, "birth date", w.BirthDate, g.BirthDate)
	add("patient", item, "sex", w.Sex, g.Sex)
	add("patient", item, "address", addressWords(w.PostalAddress), addressWords(g.PostalAddress))
	idWords := func(id fhir.ImportIdentifier) string {
		return fmt.Sprintf("%s|%s use=%s type=%s", id.System, id.Value, id.Use, codesWords(id.TypeCodes))
	}
	var ws, gs []string
	for _, id := range w.Identifiers {
		if !passing(id) {
			ws = append(ws, idWords(id))
		}
	}
	for _, id := range g.Identifiers {
		if !passing(id) {
			gs = append(gs, idWords(id))
		}
	}
	sort.Strings(ws)
	sort.Strings(gs)
	add("patient", item, "identifiers", strings.Join(ws, "; "), strings.Join(gs, "; "))
}

// shareCode tells two items are of the same thing: a code they share (by
// its system's name, so that two URIs of one system agree), else, without
// codes, the same words.
func shareCode(a, b []fhir.ImportCode, aWords, bWords string) bool {
	coded := false
	for _, x := range a {
		if x.Code == "" {
			continue
		}
		coded = true
		for _, y := range b {
			if y.Code == x.Code && fhir.SystemName(y.System) == fhir.SystemName(x.System) {
				return true
			}
		}
	}
	return !coded && strings.EqualFold(aWords, bWords)
}

// compareCodes wants every coding of the original, with its system, code
// and display as sent; a coding the record has besides is a difference
// unless it is Folio's own code of the chart (ICD-10-CM, RxNorm, CVX, LOINC).
func compareCodes(kind, item string, want, got []fhir.ImportCode, add func(kind, item, field, w, g string)) {
	has := func(list []fhir.ImportCode, c fhir.ImportCode) bool {
		return slices.ContainsFunc(list, func(x fhir.ImportCode) bool {
			return x.System == c.System && x.Code == c.Code && x.Display == c.Display
		})
	}
	for _, c := range want {
		if !has(got, c) {
			add(kind, item, "coding", codesWords([]fhir.ImportCode{c}), "")
		}
	}
	for _, c := range got {
		if !has(want, c) && !slices.Contains([]string{"ICD-10-CM", "RxNorm", "CVX", "LOINC"}, c.SystemName) {
			add(kind, item, "extra coding", "", codesWords([]fhir.ImportCode{c}))
		}
	}
}

// codesOrWords are a concept's codes as sent, else its words.
func codesOrWords(codes []fhir.ImportCode, words string) string {
	if len(codes) == 0 {
		return words
	}
	return codesWords(codes)
}

func codesWords(codes []fhir.ImportCode) string {
	var out []string
	for _, c := range codes {
		out = append(out, fmt.Sprintf("%s|%s|%s", c.System, c.Code, c.Display))
	}
	return strings.Join(out, ", ")
}

func addressWords(a *fhir.ImportAddress) string {
	if a == nil {
		return ""
	}
	return fmt.Sprintf("use=%s lines=%s city=%s district=%s state=%s postal=%s country=%s", a.Use,
		strings.Join(a.Lines, " / "), a.City, a.District, a.State, a.PostalCode, a.Country)
}

func reactionWords(rs []fhir.Reaction) string {
	var out []string
	for _, r := range rs {
		var ms []string
		for _, m := range r.Manifestations {
			ms = append(ms, conceptWords(&m))
		}
		out = append(out, fmt.Sprintf("[%s] severity=%s onset=%s substance=%s description=%s note=%s",
			strings.Join(ms, "; "), r.Severity, r.Onset, conceptWords(r.Substance), r.Description, r.Note))
	}
	return strings.Join(out, " ")
}

func conceptWords(c *fhir.Concept) string {
	if c == nil {
		return ""
	}
	var codes []string
	for _, cd := range c.Codings {
		codes = append(codes, cd.System+"|"+cd.Code+"|"+cd.Display)
	}
	return strings.Join(codes, ",") + " " + c.Text
}

func dosageWords(ds []fhir.Dosage) string {
	var out []string
	for _, d := range ds {
		s := fmt.Sprintf("seq=%d text=%q instruction=%q asNeeded=%v for=%s route=%s", d.Sequence, d.Text,
			d.PatientInstruction, d.AsNeeded, conceptWords(d.AsNeededFor), conceptWords(d.Route))
		for _, q := range []struct {
			name string
			q    *fhir.Quantity
		}{{"dose", d.Dose}, {"low", d.DoseLow}, {"high", d.DoseHigh}} {
			if q.q != nil {
				s += fmt.Sprintf(" %s=%v %s (%s %s)", q.name, q.q.Value, q.q.Unit, q.q.System, q.q.Code)
			}
		}
		if t := d.Timing; t != nil {
			s += fmt.Sprintf(" timing=%s count=%s frequency=%s period=%s %s when=%v", conceptWords(t.Code),
				optInt(t.Count), optInt(t.Frequency), optWords(t.Period), t.PeriodUnit, t.When)
		}
		out = append(out, s)
	}
	return strings.Join(out, " | ")
}

// medicationState is whether a medication is taken, by FHIR's status.
func medicationState(status string) string {
	switch status {
	case "", "active", "on-hold", "intended", "draft", "unknown":
		return "taken"
	}
	return "ended"
}

func optInt(v *int) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

func optWords(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

func orWord(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ta.Equal(tb)
}

// vitalMeasurement is one vital sign at one time (in UTC), in Folio's
// unit.
type vitalMeasurement struct {
	at, measure string
	value       float64
}

func measurements(vitals []fhir.ImportVital) map[string][]vitalMeasurement {
	out := map[string][]vitalMeasurement{}
	for _, v := range vitals {
		at := v.TakenAt
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			at = t.UTC().Format(time.RFC3339)
		}
		for _, m := range v.Measurements {
			out[m.Measure] = append(out[m.Measure], vitalMeasurement{at: at, measure: m.Measure, value: m.Value})
		}
	}
	return out
}

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
