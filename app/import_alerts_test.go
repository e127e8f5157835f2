package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// reasonForEveryAlert is what a clinician sends who continues past every
// alert of an import with the same reason, keeping each item's choice.
func reasonForEveryAlert(r app.ImportReview, reason string) []app.ItemDecision {
	var out []app.ItemDecision
	for _, it := range allItems(r) {
		if len(it.Alerts) == 0 {
			continue
		}
		d := app.ItemDecision{ItemID: it.ID, Decision: it.Chosen}
		for _, a := range it.Alerts {
			d.Overrides = append(d.Overrides, app.Override{AlertKey: a.Key, Reason: reason})
		}
		out = append(out, d)
	}
	return out
}

// alertBundle is a FHIR collection about Ana Sofia Rivera (samplePatient)
// with the allergies and drugs named: "drug" is taken, "drug:stopped" was.
func alertBundle(allergies, drugs []string) []byte {
	entries := []string{`{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p",
		"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"female"}}`}
	for i, a := range allergies {
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:a%d","resource":{"resourceType":"AllergyIntolerance","id":"a%d",
			"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
			"category":["medication"],"code":{"text":%q},"patient":{"reference":"urn:uuid:p"}}}`, i, i, a))
	}
	for i, d := range drugs {
		name, status, _ := strings.Cut(d, ":")
		if status == "" {
			status = "active"
		}
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:m%d","resource":{"resourceType":"MedicationStatement","id":"m%d",
			"status":%q,"medicationCodeableConcept":{"text":%q},"subject":{"reference":"urn:uuid:p"},
			"effectivePeriod":{"start":"2025-01-0%d"},"dosage":[{"text":"once a day"}]}}`, i, i, status, name, i+1))
	}
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",\n") + `]}`)
}

// importInto starts importing data and matches it to patientID.
func importInto(t *testing.T, c *caller, data []byte, patientID string) app.ImportReview {
	t.Helper()
	r, err := c.Chart.StartImport("referral.json", b64(data), "")
	if err != nil {
		t.Fatalf("start import: %v", err)
	}
	if r, err = c.Chart.MatchImport(r.ID, patientID); err != nil {
		t.Fatalf("match import: %v", err)
	}
	return r
}

// importItem is the item of the review whose display starts with display.
func importItem(t *testing.T, r app.ImportReview, kind, display string) app.ImportItem {
	t.Helper()
	for _, it := range allItems(r) {
		if it.Kind == kind && strings.HasPrefix(strings.ToLower(it.Display), strings.ToLower(display)) {
			return it
		}
	}
	t.Fatalf("no %s item %q in %+v", kind, display, allItems(r))
	return app.ImportItem{}
}

func alertKeys(alerts []app.Alert) []string {
	var keys []string
	for _, a := range alerts {
		keys = append(keys, a.Key)
	}
	return keys
}

// TestImportedWarfarinAlertsAgainstTheChart sends a Folio referral for a
// patient on warfarin to a clinic where the same patient takes ibuprofen:
// the warfarin item shows the interaction, finishing without a reason is
// refused and writes nothing, and with a reason the warfarin is charted
// with the override recorded against it and audited.
func TestImportedWarfarinAlertsAgainstTheChart(t *testing.T) {
	sender := newTestApp(t)
	ap := sender.register(t, samplePatient())
	if _, err := sender.Clinician.Chart.AddMedication(ap.ID, sampleMedication("warfarin"), nil); err != nil {
		t.Fatal(err)
	}
	preview, err := sender.Clinician.Chart.ReferralPreview(ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range preview.Sections {
		for _, it := range s.Items {
			ids = append(ids, it.ID)
		}
	}
	file, err := sender.Clinician.Chart.ExportReferral(ap.ID, app.ReferralRequest{IncludedIDs: ids, Recipient: "Dr Haddad",
		Purpose: "referral", Reason: "anticoagulation"})
	if err != nil {
		t.Fatal(err)
	}

	ta := newTestAppAt(t, testStart.Add(24*time.Hour))
	c := ta.Clinician
	p := ta.register(t, samplePatient())
	ibuprofen := ta.addMed(t, p.ID, "ibuprofen")
	r, err := c.Chart.StartImport(file.FileName, file.Data, "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = c.Chart.MatchImport(r.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	warfarin := importItem(t, r, "medication", "warfarin")
	if warfarin.Suggested != "accept" || len(warfarin.Alerts) != 1 || !strings.Contains(warfarin.Alerts[0].Key, ":vka-nsaid:") {
		t.Fatalf("warfarin item %+v", warfarin)
	}
	a := warfarin.Alerts[0]
	if a.Severity == "" || a.What == "" || a.Why == "" || a.Source == "" {
		t.Errorf("alert %+v: the review shows severity, what, why and source", a)
	}

	// Without a reason (or with a blank one), nothing is written.
	before := ta.importCounts(t)
	_, overridesBefore, _ := ta.medicationCounts(t)
	for _, decisions := range [][]app.ItemDecision{nil, {{ItemID: warfarin.ID, Overrides: []app.Override{{AlertKey: a.Key, Reason: "  "}}}}} {
		_, err = c.Chart.FinishImport(r.ID, decisions)
		e := wantKind(t, err, app.Invalid)
		if !strings.Contains(e.Fields[warfarin.ID], "alert") || len(e.Fields) != 1 || len(e.Alerts) != 1 {
			t.Errorf("fields %v, alerts %+v", e.Fields, e.Alerts)
		}
		if after := ta.importCounts(t); after != before {
			t.Errorf("a refused finish wrote: before %+v, after %+v", before, after)
		}
		if _, overrides, _ := ta.medicationCounts(t); overrides != overridesBefore {
			t.Errorf("a refused finish wrote %d overrides", overrides-overridesBefore)
		}
	}
	if r, err = c.Chart.ImportReview(r.ID); err != nil || r.Status != "reviewing" {
		t.Fatalf("after a refused finish: %s, %v", r.Status, err)
	}

	// A reason too long is refused too, on the item.
	long := []app.ItemDecision{{ItemID: warfarin.ID, Overrides: []app.Override{{AlertKey: a.Key, Reason: strings.Repeat("x", 201)}}}}
	if e := wantKind(t, func() error { _, err := c.Chart.FinishImport(r.ID, long); return err }(), app.Invalid); !strings.Contains(e.Fields[warfarin.ID], "at most") {
		t.Errorf("fields %v", e.Fields)
	}

	reason := "INR monitored weekly by the anticoagulation clinic"
	done, err := c.Chart.FinishImport(r.ID, reasonForEveryAlert(r, reason))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, done)
	meds, err := c.Chart.Medications(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var charted app.Medication
	for _, m := range meds {
		if m.Drug == "warfarin" {
			charted = m
		}
		if m.ID == ibuprofen.ID && len(m.Overrides) != 0 {
			t.Errorf("ibuprofen has overrides %+v; the override belongs to the drug imported", m.Overrides)
		}
	}
	if charted.Status != "active" || len(charted.Overrides) != 1 || charted.Overrides[0].Reason != reason ||
		charted.Overrides[0].AlertKey != a.Key || charted.Overrides[0].By != c.User.ID {
		t.Fatalf("warfarin charted as %+v", charted)
	}
	audited := 0
	for _, e := range ta.audit(t) {
		if e.Action == "medication.override" && e.Record == "medication/"+charted.ID && strings.Contains(e.Detail, reason) &&
			strings.Contains(e.Detail, "import/"+r.ID) && e.PatientID == p.ID {
			audited++
		}
	}
	if audited != 1 {
		t.Errorf("%d override audit entries, want 1", audited)
	}
}

// TestImportedAllergyAlertsAgainstChartMedications: an allergy that comes
// in conflicts with a drug the chart lists; the allergy item shows the
// alert, needs a reason, and the override is recorded against the chart's
// medication, the audit naming the allergy.
func TestImportedAllergyAlertsAgainstChartMedications(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician
	p := ta.register(t, samplePatient())
	amoxicillin := ta.addMed(t, p.ID, "amoxicillin")
	r := importInto(t, c, alertBundle([]string{"Penicillin"}, nil), p.ID)
	allergy := importItem(t, r, "allergy", "penicillin")
	if len(allergy.Alerts) != 1 || !strings.Contains(allergy.Alerts[0].Key, "penicillin") ||
		allergy.Alerts[0].Kind != "drug-allergy" || allergy.Alerts[0].Drugs[0] != "amoxicillin" {
		t.Fatalf("allergy item %+v", allergy)
	}
	before := ta.importCounts(t)
	_, err := c.Chart.FinishImport(r.ID, nil)
	if e := wantKind(t, err, app.Invalid); e.Fields[allergy.ID] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	if after := ta.importCounts(t); after != before {
		t.Errorf("a refused finish wrote: before %+v, after %+v", before, after)
	}
	reason := "tolerated amoxicillin for a week without reaction"
	if _, err := c.Chart.FinishImport(r.ID, reasonForEveryAlert(r, reason)); err != nil {
		t.Fatal(err)
	}
	allergies, err := c.Chart.Allergies(p.ID)
	if err != nil || len(allergies.Allergies) != 1 {
		t.Fatalf("allergies %+v, %v", allergies, err)
	}
	meds, err := c.Chart.Medications(p.ID)
	if err != nil || len(meds) != 1 || meds[0].ID != amoxicillin.ID || len(meds[0].Overrides) != 1 ||
		meds[0].Overrides[0].Reason != reason {
		t.Fatalf("medications %+v, %v", meds, err)
	}
	found := false
	for _, e := range ta.audit(t) {
		found = found || (e.Action == "medication.override" && e.Record == "medication/"+amoxicillin.ID &&
			strings.Contains(e.Detail, "allergy/"+allergies.Allergies[0].ID) && strings.Contains(e.Detail, reason))
	}
	if !found {
		t.Error("the override is not audited with the allergy named")
	}
}

// TestImportAlerts checks which items of an import alert, against the
// chart and against each other, and that an item not accepted needs no
// reason.
func TestImportAlerts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		chart     []string          // drugs the chart lists
		allergies []string          // the file's
		drugs     []string          // the file's
		want      map[string]string // item display -> rule in its alert's key; items not named have none
		// whether finishing as Folio suggests needs reasons: an item
		// suggested "already present" shows what accepting it would
		// raise, but is not accepted
		needsReasons bool
	}{
		{"unrelated drugs", []string{"metformin"}, nil, []string{"levothyroxine", "amlodipine"}, nil, false},
		{"imported allergy, imported drug", nil, []string{"Penicillin"}, []string{"amoxicillin"},
			map[string]string{"amoxicillin": "penicillin"}, true},
		{"two imported drugs: the later one alerts", nil, nil, []string{"warfarin", "naproxen"},
			map[string]string{"naproxen": "vka-nsaid"}, true},
		{"an imported drug stopped: nothing", []string{"ibuprofen"}, nil, []string{"warfarin:stopped"}, nil, false},
		{"the chart's drug again", []string{"warfarin"}, nil, []string{"warfarin"}, map[string]string{"warfarin": "same-drug"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := newTestApp(t)
			c := ta.Clinician
			p := ta.register(t, samplePatient())
			for _, d := range tc.chart {
				ta.addMed(t, p.ID, d)
			}
			r := importInto(t, c, alertBundle(tc.allergies, tc.drugs), p.ID)
			for _, it := range allItems(r) {
				rule, want := tc.want[strings.ToLower(it.Display[:strings.IndexAny(it.Display+" ", " ;:")])]
				switch {
				case !want && len(it.Alerts) > 0:
					t.Errorf("%s: alerts %v, want none", it.Display, alertKeys(it.Alerts))
				case want && (len(it.Alerts) != 1 || !strings.Contains(it.Alerts[0].Key, rule)):
					t.Errorf("%s: alerts %v, want one of %s", it.Display, alertKeys(it.Alerts), rule)
				}
			}
			if !tc.needsReasons {
				if _, err := c.Chart.FinishImport(r.ID, nil); err != nil {
					t.Fatalf("finish without alerts: %v", err)
				}
				return
			}
			if _, err := c.Chart.FinishImport(r.ID, nil); kindOf(err) != app.Invalid {
				t.Fatalf("finish without reasons: %v", err)
			}
			if _, err := c.Chart.FinishImport(r.ID, reasonForEveryAlert(r, "specialist advice")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSkippedOrPresentNeedNoReason: an item with an alert that is skipped,
// or marked already present, is not written and needs no reason.
func TestSkippedOrPresentNeedNoReason(t *testing.T) {
	for _, choice := range []string{"skip", "already_present"} {
		t.Run(choice, func(t *testing.T) {
			ta := newTestApp(t)
			c := ta.Clinician
			p := ta.register(t, samplePatient())
			ta.addMed(t, p.ID, "ibuprofen")
			r := importInto(t, c, alertBundle(nil, []string{"warfarin", "levothyroxine"}), p.ID)
			warfarin := importItem(t, r, "medication", "warfarin")
			if len(warfarin.Alerts) != 1 {
				t.Fatalf("warfarin item %+v", warfarin)
			}
			done, err := c.Chart.FinishImport(r.ID, []app.ItemDecision{{ItemID: warfarin.ID, Decision: choice}})
			if err != nil {
				t.Fatal(err)
			}
			checkAccounted(t, done)
			if done.Tally.Written != 1 {
				t.Errorf("tally %+v, want levothyroxine written", done.Tally)
			}
			meds, _, _ := ta.medicationCounts(t)
			if meds != 2 {
				t.Errorf("%d medications, want ibuprofen and levothyroxine", meds)
			}
		})
	}
	// Choosing it through DecideImportItems first is the same.
	ta := newTestApp(t)
	c := ta.Clinician
	p := ta.register(t, samplePatient())
	ta.addMed(t, p.ID, "ibuprofen")
	r := importInto(t, c, alertBundle(nil, []string{"warfarin"}), p.ID)
	warfarin := importItem(t, r, "medication", "warfarin")
	if _, err := c.Chart.DecideImportItems(r.ID, []app.ItemDecision{{ItemID: warfarin.ID, Decision: "skip"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chart.FinishImport(r.ID, nil); err != nil {
		t.Fatal(err)
	}
}

// TestImportAlertsBeforeMatching: before a chart is chosen, the file's
// own items are checked against each other.
func TestImportAlertsBeforeMatching(t *testing.T) {
	ta := newTestApp(t)
	r, err := ta.Clinician.Chart.StartImport("referral.json", b64(alertBundle([]string{"Penicillin"}, []string{"amoxicillin"})), "")
	if err != nil {
		t.Fatal(err)
	}
	amoxicillin := importItem(t, r, "medication", "amoxicillin")
	if len(amoxicillin.Alerts) != 1 {
		t.Errorf("amoxicillin item %+v", amoxicillin)
	}
}
