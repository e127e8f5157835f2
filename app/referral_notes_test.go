package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/app/fhir"
)

// A referral's preview lists the chart's signed visit notes, the latest
// three ticked; the ones ticked travel in the IPS bundle as an Encounter
// and its note's DocumentReference each, in a Visit notes section, and the
// bundle still passes the external validator. Another Folio reading the
// bundle keeps each note as received, with its text.
func TestReferralCarriesChosenNotes(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	c := ta.Clinician.Chart
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Four signed visits, oldest first, and one retracted.
	var visits []app.Encounter
	for i := range 5 {
		later(t, ta, 24*time.Hour)
		e, err := c.OpenEncounter(rc.patient.ID, "")
		must(err)
		if i == 2 {
			e, err = c.AddDiagnosis(e.ID, app.DiagnosisInput{ProblemID: rc.keep.ID})
			must(err)
			e, err = c.AddDiagnosis(e.ID, app.DiagnosisInput{ProblemID: rc.leaveOut.ID})
			must(err)
		}
		e, err = c.SaveDraft(e.ID, app.NoteText{Subjective: fmt.Sprintf("Visit %d.", i),
			Assessment: fmt.Sprintf("Assessment of visit %d", i), Plan: "Review."}, e.Note.DraftVersion)
		must(err)
		e, err = c.SignNote(e.ID, e.Version)
		must(err)
		visits = append(visits, e)
	}
	_, err := c.AddAddendum(visits[2].ID, "Addendum to visit 2: HbA1c back, 7.9%.")
	must(err)
	_, err = c.RetractNote(visits[4].ID, "wrong patient", visits[4].Version)
	must(err)

	p, err := c.ReferralPreview(rc.patient.ID)
	must(err)
	notes := section(p, app.SectionNotes)
	var listed, ticked []string
	for _, it := range notes.Items {
		listed = append(listed, it.ID)
		if it.Included {
			ticked = append(ticked, it.ID)
		}
	}
	wantListed := []string{visits[3].ID, visits[2].ID, visits[1].ID, visits[0].ID}
	if fmt.Sprint(listed) != fmt.Sprint(wantListed) || fmt.Sprint(ticked) != fmt.Sprint(wantListed[:3]) {
		t.Fatalf("notes listed %v ticked %v; want the signed ones newest first %v, the latest three ticked", listed, ticked, wantListed)
	}
	if notes.Items[1].Display != "Dr. Jordan Lee, walk-in: Assessment of visit 2" {
		t.Errorf("display %q", notes.Items[1].Display)
	}

	// The clinician sends visit 2 and the oldest, not visits 3 and 1; the
	// depression problem stays home, so visit 2's link to it does too.
	var include []string
	for _, id := range defaults(p) {
		if id != visits[3].ID && id != visits[1].ID && id != rc.leaveOut.ID {
			include = append(include, id)
		}
	}
	include = append(include, visits[0].ID)
	out, err := c.ExportReferral(rc.patient.ID, app.ReferralRequest{IncludedIDs: include, Recipient: "Dr. Amira Haddad",
		Purpose: "referral", Reason: "Diabetes poorly controlled"})
	must(err)
	if out.Counts.Notes != 2 {
		t.Errorf("counts %+v, want 2 notes", out.Counts)
	}
	bundle := openExport(t, out, "")["bundle.json"]
	for _, s := range []string{"46240-8", "Assessment of visit 2", "Addendum to visit 2: HbA1c back, 7.9%."} {
		if !bytes.Contains(bundle, []byte(s)) && !strings.Contains(decodedNotes(t, bundle), s) {
			t.Errorf("the bundle lacks %q", s)
		}
	}
	for _, s := range []string{"Assessment of visit 3", "Assessment of visit 1", "Assessment of visit 4"} {
		if strings.Contains(decodedNotes(t, bundle), s) || bytes.Contains(bundle, []byte(s)) {
			t.Errorf("the bundle has %q, which was not chosen", s)
		}
	}
	counts := map[string]int{}
	var doc struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	must(json.Unmarshal(bundle, &doc))
	for _, e := range doc.Entry {
		var r struct {
			ResourceType string `json:"resourceType"`
			Diagnosis    []any  `json:"diagnosis"`
		}
		must(json.Unmarshal(e.Resource, &r))
		counts[r.ResourceType]++
		counts["diagnosis"] += len(r.Diagnosis)
	}
	if counts["Encounter"] != 2 || counts["DocumentReference"] != 2 || counts["diagnosis"] != 1 {
		t.Errorf("resources %v: want 2 visits with their notes, one diagnosis linked (the problem sent)", counts)
	}
	if e := ta.lastAudit(t); !strings.Contains(e.Detail, "visit notes 2") {
		t.Errorf("disclosure audit %q does not count the notes", e.Detail)
	}
	path := filepath.Join(t.TempDir(), "referral-with-notes.json")
	must(os.WriteFile(path, bundle, 0o600))
	if report, ok := validateFHIR(t, path); !ok || !strings.Contains(report, "0 problem(s)") {
		t.Errorf("the external validator refuses the referral with notes:\n%s", report)
	}

	// Read by another Folio: each note kept as received, with its text.
	imp, err := fhir.Parse(bundle)
	must(err)
	var received []string
	for _, u := range imp.Unmapped {
		if u.Origin.ResourceType == "DocumentReference" {
			received = append(received, u.Text)
		}
	}
	if len(received) != 2 || !strings.Contains(received[0]+received[1], "Assessment of visit 2") ||
		!strings.Contains(received[0]+received[1], "Assessment of visit 0") {
		t.Errorf("notes received: %q", received)
	}
}

// decodedNotes is the text of every note a bundle carries inline.
func decodedNotes(t *testing.T, bundle []byte) string {
	t.Helper()
	imp, err := fhir.Parse(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range imp.Unmapped {
		if u.Origin.ResourceType == "DocumentReference" {
			b.WriteString(u.Text)
		}
	}
	return b.String()
}
