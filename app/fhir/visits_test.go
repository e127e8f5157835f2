package fhir

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// withVisits is rec with a signed visit that diagnosed two of its
// problems and has an addendum, a draft, a retracted note, and two
// documents (one retracted).
func withVisits(rec Record) Record {
	clinician := Author{ID: "u-lee", Name: "Dr. Jordan Lee", LicenceNumber: "GMC 7654321"}
	other := Author{ID: "u-kaur", Name: "Dr. Priya Kaur"}
	rec.Visits = []Visit{
		{ID: "e1", Kind: "visit", StartedAt: "2026-03-02T09:15:00Z", Status: "signed", Clinician: clinician,
			DiagnosisProblemIDs: []string{rec.Problems[1].ID, rec.Problems[0].ID},
			Note: VisitNote{ID: "n1", Subjective: "Headaches for two weeks.", Objective: "BP 162/98.",
				Assessment: "Hypertension, poorly controlled.", Plan: "Increase lisinopril to 20 mg.\nReview in 2 weeks.",
				SavedAt: "2026-03-02T09:40:00Z", SignedAt: "2026-03-02T09:41:07Z", SignedBy: clinician,
				Addenda: []Addendum{{Text: "Potassium normal.", Author: "Dr. Priya Kaur", At: "2026-03-04T15:00:00Z"}}}},
		{ID: "e2", Kind: "walk_in", StartedAt: "2026-03-10T11:00:00Z", Status: "open", Clinician: other,
			Note: VisitNote{ID: "n2", Subjective: "Cough.", SavedAt: "2026-03-10T11:05:00Z"}},
		{ID: "e3", Kind: "walk_in", StartedAt: "2026-01-05T08:00:00Z", Status: "retracted", Clinician: clinician,
			Note: VisitNote{ID: "n3", Assessment: "Wrong chart.", SavedAt: "2026-01-05T08:10:00Z",
				SignedAt: "2026-01-05T08:11:00Z", SignedBy: clinician, RetractedAt: "2026-01-06T10:00:00Z",
				RetractedBy: "Dr. Jordan Lee", RetractReason: "written in the wrong patient's chart"}},
	}
	rec.Documents = []Document{
		{ID: "d1", VisitID: "e1", Title: "Cardiology letter", Kind: "referral_letter", Date: "2026-03-01",
			MediaType: "application/pdf", Size: 1234, SHA1: "qUqP5cyxm6YcTAhz05Hph5gvu9M=", URL: "documents/d1.pdf",
			Status: "active", AddedAt: "2026-03-02T09:20:00Z", AddedBy: clinician},
		{ID: "d2", Title: "Wound photo", Kind: "image", Date: "2026-02-11", MediaType: "image/png", Size: 99,
			SHA1: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", URL: "documents/d2.png", Status: "entered_in_error",
			RetractReason: "another patient", AddedAt: "2026-02-11T10:00:00Z", AddedBy: other},
	}
	return rec
}

func TestVisitsAsEncountersAndDocumentReferences(t *testing.T) {
	rec := withVisits(fullRecord())
	resources, err := Resources(rec)
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string][]map[string]any{}
	for _, r := range resources {
		var v map[string]any
		if err := json.Unmarshal(r.JSON, &v); err != nil {
			t.Fatal(err)
		}
		byType[r.Type] = append(byType[r.Type], v)
	}
	if n := len(byType["Encounter"]); n != 3 {
		t.Fatalf("%d encounters", n)
	}
	if n := len(byType["DocumentReference"]); n != 5 {
		t.Fatalf("%d document references", n)
	}
	// Each user named once, whoever names them: the summary's author, the
	// two clinicians.
	if n := len(byType["Practitioner"]); n != 3 {
		t.Errorf("%d practitioners: %v", n, byType["Practitioner"])
	}
	statuses := map[string]string{}
	for _, e := range byType["Encounter"] {
		statuses[e["identifier"].([]any)[0].(map[string]any)["value"].(string)] = e["status"].(string)
	}
	want := map[string]string{"urn:uuid:e1": "finished", "urn:uuid:e2": "in-progress", "urn:uuid:e3": "entered-in-error"}
	for id, s := range want {
		if statuses[id] != s {
			t.Errorf("encounter %s status %q, want %q", id, statuses[id], s)
		}
	}
	signed := byType["Encounter"][0]
	diagnoses := signed["diagnosis"].([]any)
	first := diagnoses[0].(map[string]any)
	if len(diagnoses) != 2 || first["condition"].(map[string]any)["reference"] != "Condition/"+resourceID("problem", "p2") ||
		first["rank"] != float64(1) {
		t.Errorf("diagnoses %v", diagnoses)
	}

	tests := []struct {
		folioID, status, docStatus string
		text                       []string
	}{
		{"urn:uuid:n1", "current", "final", []string{"Subjective\nHeadaches for two weeks.\n", "Objective\nBP 162/98.\n",
			"Assessment\nHypertension, poorly controlled.\n", "Plan\nIncrease lisinopril to 20 mg.\nReview in 2 weeks.\n",
			"Signed: 2026-03-02 09:41 UTC by Dr. Jordan Lee", "Addendum, 2026-03-04 15:00 UTC, by Dr. Priya Kaur\nPotassium normal.\n"}},
		{"urn:uuid:n2", "current", "preliminary", []string{"draft, not signed", "Subjective\nCough.\n"}},
		{"urn:uuid:n3", "entered-in-error", "final", []string{"Assessment\nWrong chart.\n",
			"Retracted as entered in error, 2026-01-06 10:00 UTC, by Dr. Jordan Lee\nReason: written in the wrong patient's chart\n"}},
	}
	notes := map[string]map[string]any{}
	for _, d := range byType["DocumentReference"] {
		notes[d["identifier"].([]any)[0].(map[string]any)["value"].(string)] = d
	}
	for _, tt := range tests {
		d := notes[tt.folioID]
		if d == nil || d["status"] != tt.status || d["docStatus"] != tt.docStatus {
			t.Errorf("%s: %v", tt.folioID, d)
			continue
		}
		att := d["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
		data, err := base64.StdEncoding.DecodeString(att["data"].(string))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(data)
		if att["contentType"] != NoteContentType || att["size"] != float64(len(data)) ||
			att["hash"] != base64.StdEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s: attachment %v", tt.folioID, att)
		}
		for _, w := range tt.text {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s: the text does not say %q:\n%s", tt.folioID, w, data)
			}
		}
	}
	letter := notes["urn:uuid:d1"]
	att := letter["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	if letter["type"].(map[string]any)["coding"].([]any)[0].(map[string]any)["code"] != "57133-1" ||
		att["url"] != "documents/d1.pdf" || att["data"] != nil || att["size"] != float64(1234) ||
		letter["context"].(map[string]any)["encounter"].([]any)[0].(map[string]any)["reference"] != "Encounter/"+resourceID("encounter", "e1") {
		t.Errorf("letter %v", letter)
	}
	photo := notes["urn:uuid:d2"]
	if photo["status"] != "entered-in-error" || photo["type"].(map[string]any)["text"] != "image" ||
		!strings.Contains(photo["description"].(string), "another patient") {
		t.Errorf("photo %v", photo)
	}
}

func TestVisitDiagnosingAnUnknownProblemIsRefused(t *testing.T) {
	rec := withVisits(fullRecord())
	rec.Visits[0].DiagnosisProblemIDs = []string{"not-a-problem"}
	if _, err := Resources(rec); err == nil || !strings.Contains(err.Error(), "no problem of the chart") {
		t.Errorf("err = %v", err)
	}
}
