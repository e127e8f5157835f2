package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// episodesBundle is a file about one patient: each condition an entry
// (code system and code, onset, abatement) and each prescription (RxNorm
// code, start, status).
func episodesBundle(conditions [][4]string, prescriptions [][3]string) string {
	entries := []string{`{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","name":[{"family":"Harris","given":["Malcom"]}],
		"birthDate":"1980-02-03","gender":"male"}}`}
	for i, c := range conditions {
		status, abatement := "active", ""
		if c[3] != "" {
			status, abatement = "resolved", fmt.Sprintf(`,"abatementDateTime":%q`, c[3])
		}
		onset := ""
		if c[2] != "" {
			onset = fmt.Sprintf(`,"onsetDateTime":%q`, c[2])
		}
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:c%d","resource":{"resourceType":"Condition","id":"c%d",
			"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":%q}]},
			"code":{"coding":[{"system":%q,"code":%q}],"text":"Condition %s"},"subject":{"reference":"urn:uuid:p"}%s%s}}`,
			i, i, status, c[0], c[1], c[1], onset, abatement))
	}
	for i, m := range prescriptions {
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:m%d","resource":{"resourceType":"MedicationRequest","id":"m%d",
			"status":%q,"intent":"order","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm",
			"code":%q,"display":"Acetaminophen 325 MG Oral Tablet"}],"text":"Acetaminophen 325 MG Oral Tablet"},
			"subject":{"reference":"urn:uuid:p"},"authoredOn":%q}}`, i, i, m[2], m[0], m[1]))
	}
	return `{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",\n") + `]}`
}

const snomed = "http://snomed.info/sct"

// TestImportKeepsEpisodesApart: the episodes of a condition (sinusitis in
// 2013, 2016 and 2017, as Synthea has them) and the courses of a drug are
// each their own record; a later file's item is "already present" only
// when the chart has that episode (its code and dates agree as far as both
// go), also when its only code is a SNOMED CT one, and a new episode is
// suggested for charting.
func TestImportKeepsEpisodesApart(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician.Chart
	first := episodesBundle([][4]string{
		{snomed, "444814009", "2013-09-10", "2013-10-22"},
		{snomed, "444814009", "2016-05-23", "2016-06-06"},
		{snomed, "444814009", "2017-01-17", "2017-01-30"},
		{"http://hl7.org/fhir/sid/icd-10-cm", "E11.9", "2014", ""},
	}, [][3]string{{"313782", "2016-08-26", "stopped"}, {"313782", "2018-10-17", "stopped"}})
	r, err := c.StartImport("first.json", b64([]byte(first)), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = c.CreatePatientFromImport(r.ID); err != nil {
		t.Fatal(err)
	}
	done, err := c.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Tally.Written != 7 || done.Tally.AlreadyPresent != 0 { // the patient and six records
		t.Fatalf("tally %+v: every episode is its own record", done.Tally)
	}
	patientID := done.Patient.ID
	problems, err := c.Problems(patientID)
	if err != nil {
		t.Fatal(err)
	}
	var onsets []string
	for _, p := range problems {
		if p.Title == "Condition 444814009" {
			onsets = append(onsets, p.Onset+"/"+p.ResolvedOn)
			if len(p.Codes) != 1 || p.Codes[0].Code != "444814009" || p.Code != "" || p.Note != "" {
				t.Errorf("problem %+v", p)
			}
		}
	}
	if strings.Join(onsets, " ") != "2017-01-17/2017-01-30 2016-05-23/2016-06-06 2013-09-10/2013-10-22" {
		t.Errorf("sinusitis episodes %v", onsets)
	}

	// A later file: what the chart has is present, by its SNOMED CT code
	// and dates; another episode of the same code is not.
	second := episodesBundle([][4]string{
		{snomed, "444814009", "2016-05-23", "2016-06-06"},                // the same episode
		{snomed, "444814009", "2016", ""},                                // known less precisely: the same
		{snomed, "444814009", "", ""},                                    // no dates: any episode of it
		{snomed, "444814009", "2018-10-12", "2018-11-02"},                // a new episode
		{"http://hl7.org/fhir/sid/icd-10-cm", "E11.9", "2014-03-05", ""}, // the chart's, known more precisely
		{"http://hl7.org/fhir/sid/icd-10-cm", "E11.9", "2019", ""},       // diabetes again from 2019: another record
	}, [][3]string{{"313782", "2016-08-26", "stopped"}, {"313782", "2020-02-04", "stopped"}, {"313782", "2021-01-01", "active"}})
	r, err = c.StartImport("second.json", b64([]byte(second)), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = c.MatchImport(r.ID, patientID); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range r.Sections {
		if s.Kind == "problem" || s.Kind == "medication" {
			for _, it := range s.Items {
				got = append(got, it.Suggested)
			}
		}
	}
	want := []string{"already_present", "already_present", "already_present", "accept", "already_present", "accept",
		"already_present", "accept", "accept"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("suggested %v\nwant      %v", got, want)
	}
	// An active course of a drug the chart has active is the one taken.
	third := episodesBundle(nil, [][3]string{{"313782", "2022-05-05", "active"}})
	r, err = c.StartImport("third.json", b64([]byte(third)), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinishImport(mustMatch(t, c, r.ID, patientID).ID, nil); err != nil {
		t.Fatal(err)
	}
	r, err = c.StartImport("third-again.json", b64([]byte(third)), "")
	if err != nil {
		t.Fatal(err)
	}
	r = mustMatch(t, c, r.ID, patientID)
	if it := r.Sections[1].Items[0]; it.Suggested != "already_present" {
		t.Errorf("the same course again: %s (%s)", it.Suggested, it.Detail)
	}
}

func mustMatch(t *testing.T, c *app.Chart, importID, patientID string) app.ImportReview {
	t.Helper()
	r, err := c.MatchImport(importID, patientID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestImportedPatientKeepsIdentifiersAndAddress: a patient registered from
// a file keeps the identifiers other systems gave them and their address
// as structured (three lines, a district, the country, its use), also when
// the front desk corrects another of their details.
func TestImportedPatientKeepsIdentifiersAndAddress(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician.Chart
	r := startExample(t, ta.Clinician, filepath.Join("fhir", "testdata", "ips", "Bundle-bundle-no-info-required-sections.json"))
	r, err := c.CreatePatientFromImport(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := r.Patient.ID
	p, err := ta.FrontDesk.Patients.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	in := p.PatientInput
	in.Phone = "07 853 2279"
	if _, err := ta.FrontDesk.Patients.Correct(id, in, "new phone", p.Version); err != nil {
		t.Fatal(err)
	}
	err = ta.DB().View(context.Background(), func(tx *db.Tx) error {
		row, err := tx.PatientByID(id)
		if err != nil {
			return err
		}
		if row.AddressLine != "Bleak House\n3 Worcester Drive\nRototuna North" || row.City != "Hamilton" ||
			row.PostalCode != "3210" || row.Country != "NZ" || row.AddressUse != "home" || row.Phone != "07 853 2279" {
			t.Errorf("patient %+v", row)
		}
		ids, err := tx.ExternalIDs(id)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0].System != "https://standards.digital.health.nz/ns/nhi-id" || ids[0].Value != "AAA1234" ||
			ids[0].ImportID != r.ID {
			t.Errorf("identifiers %+v", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
