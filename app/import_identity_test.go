package app_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
)

// personBundle is a hand-made FHIR collection about one patient (patient
// is the Patient resource's fields besides its type and id) with the
// resources given, each about them.
func personBundle(patient string, resources ...string) []byte {
	entries := []string{`{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p"` + patient + `}}`}
	for i, r := range resources {
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:r%d","resource":%s}`, i, r))
	}
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",\n") + `]}`)
}

// riveraFields is samplePatient as a file describes her.
const riveraFields = `,"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"female"`

func statement(id, drug string) string {
	return fmt.Sprintf(`{"resourceType":"MedicationStatement","id":%q,"status":"active","medicationCodeableConcept":{"text":%q},
		"subject":{"reference":"urn:uuid:p"},"effectivePeriod":{"start":"2025-01-02"},"dosage":[{"text":"once a day"}]}`, id, drug)
}

// TestImportIdentityRule walks the rule of import_identity.go: a file is
// matched to samplePatient's chart when it is about her, allowing for the
// order, case and accents of her names, a typo or a married name when the
// birth date (and, for the married name, her phone) agree; otherwise the
// match is refused, both people named with what differs, and nothing is
// written.
func TestImportIdentityRule(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	chart := ta.register(t, samplePatient())
	she := fmt.Sprintf("MRN %s is Ana Sofia Rivera, F, born 1984-06-21.", chart.MRN)
	tests := []struct {
		name, patient string
		differ        string // "" when the file is about her
	}{
		{"the same", riveraFields, ""},
		{"names reordered, in capitals, with accents", `,"name":[{"family":"RIVERA","given":["Sofía","Ána"]}],"birthDate":"1984-06-21","gender":"female"`, ""},
		{"given and family swapped", `,"name":[{"family":"Ana Sofia","given":["Rivera"]}],"birthDate":"1984-06-21","gender":"female"`, ""},
		{"a typo, the same birth date", `,"name":[{"family":"Riviera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"female"`, ""},
		{"the year of birth only", `,"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984","gender":"female"`, ""},
		{"sex other", `,"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"other"`, ""},
		{"married, the same birth date and phone", `,"name":[{"family":"Okafor","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"female",
			"telecom":[{"system":"phone","value":"(555) 201-3344"}]`, ""},
		{"a typo and no birth date", `,"name":[{"family":"Riviera","given":["Ana","Sofia"]}],"gender":"female"`, "The name differs."},
		{"married, nothing else shared", `,"name":[{"family":"Okafor","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"female"`, "The name differs."},
		{"another birth date", `,"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-12","gender":"female"`, "The birth date differs."},
		{"another year of birth", `,"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1948","gender":"female"`, "The birth date differs."},
		{"another sex", `,"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21","gender":"male"`, "The sex differs."},
		{"no name", `,"birthDate":"1984-06-21","gender":"female"`, "The name differs."},
		{"someone else", `,"name":[{"family":"Rossi","given":["Emma"]}],"birthDate":"2019-03-02","gender":"female"`,
			"The file is about Emma Rossi, F, born 2019-03-02; " + she + " The birth date and name differ."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.StartImport("file.json", b64(personBundle(tt.patient, statement("m", "metformin"))), "")
			if err != nil {
				t.Fatal(err)
			}
			before := ta.importCounts(t)
			matched, err := c.MatchImport(r.ID, chart.ID)
			if tt.differ == "" {
				if err != nil || matched.Patient == nil || matched.Patient.ID != chart.ID || matched.MatchNote != "" {
					t.Fatalf("matched %+v, note %q, %v; want her chart", matched.Patient, matched.MatchNote, err)
				}
				return
			}
			e := wantKind(t, err, app.Conflict)
			if !strings.Contains(e.Fields["mismatch"], she) || !strings.HasSuffix(e.Fields["mismatch"], tt.differ) ||
				!strings.HasPrefix(e.Message, e.Fields["mismatch"]) {
				t.Errorf("refused with %q (mismatch %q), want both named and %q", e.Message, e.Fields["mismatch"], tt.differ)
			}
			if after := ta.importCounts(t); after != before {
				t.Errorf("a refused match wrote: %+v, %+v", before, after)
			}
			if r, err = c.ImportReview(r.ID); err != nil || r.Patient != nil {
				t.Errorf("after a refused match the import is matched to %+v (%v)", r.Patient, err)
			}
		})
	}
}

// TestImportThatNamesNoPatient: a file that names no patient Folio can
// read (none at all, or one carrying a modifier extension, kept as the
// original) cannot be checked against a chart, so it is matched only with
// a reason.
func TestImportThatNamesNoPatient(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	chart := ta.register(t, samplePatient())
	condition := `{"resourceType":"Condition","id":"c","code":{"text":"Asthma"}}`
	for name, data := range map[string][]byte{
		"no patient": []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + condition + `}]}`),
		"a patient with a modifier extension": personBundle(`,"modifierExtension":[{"url":"https://example.org/not-a-person"}]`+riveraFields,
			strings.Replace(condition, `"id":"c"`, `"id":"c","subject":{"reference":"urn:uuid:p"}`, 1)),
	} {
		t.Run(name, func(t *testing.T) {
			r, err := c.StartImport("file.json", b64(data), "")
			if err != nil || r.Incoming != nil {
				t.Fatalf("incoming %+v, %v", r.Incoming, err)
			}
			_, err = c.MatchImport(r.ID, chart.ID)
			if e := wantKind(t, err, app.Conflict); !strings.HasPrefix(e.Fields["mismatch"], "The file does not say whom it is about, so Folio cannot check it is about MRN "+chart.MRN+", Ana Sofia Rivera") {
				t.Errorf("refused with %q", e.Message)
			}
			if r, err = c.MatchImportDespiteMismatch(r.ID, chart.ID, "the covering letter names her"); err != nil || r.Patient == nil {
				t.Errorf("matched %+v, %v", r.Patient, err)
			}
		})
	}
}

// TestImportKeepsModifierExtensions imports the IPS example with modifier
// extensions added by hand (fhir/testdata/SOURCES.md): the allergy that
// carries one, the medication whose dosage carries one and the medication
// naming a Medication that carries one are kept as originals, with the
// reason, and listed with the chart's imported originals; the rest is
// charted as from the original file.
func TestImportKeepsModifierExtensions(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	r := startExample(t, ta.Clinician, filepath.Join("fhir", "testdata", "handmade", "Bundle-IPS-examples-Bundle-01-modifier-extensions.json"))
	r, err := c.CreatePatientFromImport(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, done)
	if done.Tally != (app.ImportTally{Written: 9, KeptOriginal: 11}) { // the original file: 12 written, 8 kept
		t.Errorf("tally %+v", done.Tally)
	}
	history, err := c.Imports(done.Patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{}
	for _, o := range history.Originals {
		kept[o.ResourceType+"/"+o.ResourceID] = o.Detail
	}
	for id, url := range map[string]string{
		"AllergyIntolerance/72884cad-ebe6-4f43-a51a-2f978275f132":  "handmade-allergy-ruled-out (at the resource)",
		"MedicationStatement/c220e36c-eb67-4fc4-9ba1-2fabc52acec6": "handmade-dose-withheld (at dosage[0])",
		"MedicationStatement/47524493-846a-4a26-bae2-4ab03e60f02e": "handmade-placebo (at the resource)",
	} {
		if !strings.Contains(kept[id], "modifier extension Folio does not understand: https://example.org/fhir/StructureDefinition/"+url) {
			t.Errorf("%s kept as %q", id, kept[id])
		}
	}
	allergies, err := c.Allergies(done.Patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allergies.Allergies {
		if strings.Contains(strings.ToLower(a.Substance), "penicillin") {
			t.Errorf("the allergy carrying the extension was charted: %+v", a)
		}
	}
	meds, err := c.Medications(done.Patient.ID)
	if err != nil || len(meds) != 0 {
		t.Errorf("medications %+v, %v: none", meds, err)
	}
}

// TestWrongPatientFileRefused: the Synthea record of a girl born 2017
// cannot be matched to the chart of a man born 1949 without a written
// reason; with one, the reason is kept with the import, shown in its
// history and audited, and matching the right chart afterwards forgets it.
func TestWrongPatientFileRefused(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician.Chart
	synthea := func(name string) string {
		for _, f := range exampleFiles(t) {
			if strings.Contains(f, name) {
				return f
			}
		}
		t.Fatalf("no example %s", name)
		return ""
	}
	r, err := c.CreatePatientFromImport(startExample(t, ta.Clinician, synthea("Adolfo_Marquardt")).ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinishImport(r.ID, reasonForEveryAlert(r, "as the sender prescribed")); err != nil {
		t.Fatal(err)
	}
	adolfo := r.Patient

	girl := startExample(t, ta.Clinician, synthea("Beatrice_Hagenes"))
	before := ta.importCounts(t)
	_, err = c.MatchImport(girl.ID, adolfo.ID)
	e := wantKind(t, err, app.Conflict)
	want := fmt.Sprintf("The file is about Beatrice Hagenes, F, born 2017-06-28; MRN %s is Adolfo Marquardt, M, born 1949-08-02. The birth date, sex and name differ.", adolfo.MRN)
	if e.Fields["mismatch"] != want || !strings.HasPrefix(e.Message, want) {
		t.Errorf("refused with %q\nwant %q", e.Message, want)
	}
	for _, reason := range []string{"", "   ", strings.Repeat("x", 2001)} {
		_, err = c.MatchImportDespiteMismatch(girl.ID, adolfo.ID, reason)
		if e := wantKind(t, err, app.Invalid); e.Fields["reason"] == "" {
			t.Errorf("reason %q: fields %v", reason, e.Fields)
		}
	}
	if after := ta.importCounts(t); after != before {
		t.Errorf("refused matches wrote: %+v, %+v", before, after)
	}

	const why = "Her record was filed under her grandfather's MRN by the sender; confirmed by phone with Dr Okoye"
	r, err = c.MatchImportDespiteMismatch(girl.ID, adolfo.ID, why)
	if err != nil || r.Patient == nil || r.Patient.ID != adolfo.ID {
		t.Fatalf("matched %+v, %v", r.Patient, err)
	}
	if !strings.Contains(r.MatchNote, want) || !strings.Contains(r.MatchNote, "Confirmed by drlee: "+why) {
		t.Errorf("match note %q", r.MatchNote)
	}
	last := ta.lastAudit(t)
	if last.Action != "import.match" || last.PatientID != adolfo.ID || !strings.Contains(last.Detail, "despite a mismatch: "+want) ||
		!strings.Contains(last.Detail, why) {
		t.Errorf("audited %+v", last)
	}

	// The right chart after all: the note goes.
	beatrice := ta.register(t, app.PatientInput{FamilyName: "Hagenes", GivenNames: "Beatrice", BirthDate: "2017-06-28", Sex: "female"})
	if r, err = c.MatchImport(girl.ID, beatrice.ID); err != nil || r.MatchNote != "" {
		t.Fatalf("matched to her own chart: note %q, %v", r.MatchNote, err)
	}

	// Back to his, and finished: the history says why.
	if _, err = c.MatchImportDespiteMismatch(girl.ID, adolfo.ID, why); err != nil {
		t.Fatal(err)
	}
	if r, err = c.ImportReview(girl.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinishImport(girl.ID, reasonForEveryAlert(r, "as the sender prescribed")); err != nil {
		t.Fatal(err)
	}
	history, err := c.Imports(adolfo.ID)
	if err != nil || len(history.Imports) != 2 {
		t.Fatalf("history %+v, %v", history, err)
	}
	if note := history.Imports[0].MatchNote; !strings.Contains(note, want) || !strings.Contains(note, why) {
		t.Errorf("history of the second import: %q", note)
	}
	if note := history.Imports[1].MatchNote; note != "Registered as MRN "+adolfo.MRN {
		t.Errorf("history of the first import: %q", note)
	}
}

// TestReturningRecordsAreChecked: a chart proposed because the file
// carries this clinic's own MRN (a referral coming back), or a sender's
// identifier imported into it before, is still matched only when the file
// is about its patient.
func TestReturningRecordsAreChecked(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	if _, err := c.AddProblem(p.ID, app.ProblemInput{Code: "E11.9", Status: "active"}); err != nil {
		t.Fatal(err)
	}
	preview, err := c.ReferralPreview(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	file, err := c.ExportReferral(p.ID, app.ReferralRequest{IncludedIDs: []string{preview.Sections[0].Items[0].ID},
		Recipient: "Dr Haddad", Purpose: "referral", Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	other := ta.register(t, app.PatientInput{FamilyName: "Rossi", GivenNames: "Emma", BirthDate: "2019-03-02", Sex: "female"})
	back, err := c.StartImport(file.FileName, file.Data, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Candidates) == 0 || back.Candidates[0].Patient.ID != p.ID || back.Candidates[0].MatchedOn[0] != "mrn" {
		t.Fatalf("candidates %+v", back.Candidates)
	}
	_, err = c.MatchImport(back.ID, other.ID)
	if e := wantKind(t, err, app.Conflict); !strings.Contains(e.Message, "The file is about Ana Sofia Rivera, F, born 1984-06-21; MRN "+other.MRN+" is Emma Rossi") {
		t.Errorf("refused with %q", e.Message)
	}

	// Martha DeLarosa's IPS record, imported once; then a file about
	// someone else that carries her identifier at the sender.
	first := startExample(t, ta.Clinician, filepath.Join("fhir", "testdata", "ips", "Bundle-bundle-minimal.json"))
	r, err := c.CreatePatientFromImport(first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinishImport(r.ID, nil); err != nil {
		t.Fatal(err)
	}
	martha := r.Patient
	impostor := personBundle(`,"identifier":[{"system":"urn:oid:2.16.840.1.113883.2.4.6.3","value":"574687583"}],
		"name":[{"family":"Judge","given":["James"]}],"birthDate":"1985-04-25","gender":"male"`, statement("m", "metformin"))
	next, err := c.StartImport("judge.json", b64(impostor), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Candidates) == 0 || next.Candidates[0].Patient.ID != martha.ID || next.Candidates[0].MatchedOn[0] != "identifier" {
		t.Fatalf("candidates %+v", next.Candidates)
	}
	_, err = c.MatchImport(next.ID, martha.ID)
	if e := wantKind(t, err, app.Conflict); !strings.Contains(e.Message, "The file is about James Judge, M, born 1985-04-25; MRN "+martha.MRN+" is Martha DeLarosa, F, born 1972-05-01.") {
		t.Errorf("refused with %q", e.Message)
	}
}

// TestRegisterFromImportRefusesRegistered: "register as new" is refused
// for a person who has a chart here, naming it (the same file imported
// again, or the same person registered at the desk with a typo), and
// nothing is registered; a relative who shares only the phone number is
// registered.
func TestRegisterFromImportRefusesRegistered(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician.Chart
	path := filepath.Join("fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-01.json")
	r, err := c.CreatePatientFromImport(startExample(t, ta.Clinician, path).ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FinishImport(r.ID, nil); err != nil {
		t.Fatal(err)
	}
	martha := r.Patient

	before := ta.importCounts(t)
	again := startExample(t, ta.Clinician, path)
	_, err = c.CreatePatientFromImport(again.ID)
	e := wantKind(t, err, app.Conflict)
	if !strings.Contains(e.Message, "this patient has a chart here already: MRN "+martha.MRN+", Martha DeLarosa, F, born 1972-05-01 (The same file was imported into this chart before") ||
		e.Fields["registered"] != martha.MRN {
		t.Errorf("refused with %q, fields %v", e.Message, e.Fields)
	}
	if after := ta.importCounts(t); after.Patients != before.Patients {
		t.Errorf("patients %d, then %d", before.Patients, after.Patients)
	}

	// Registered at the desk with a typo, never imported: still her.
	fresh := newTestApp(t)
	desk := fresh.register(t, app.PatientInput{FamilyName: "DeLarossa", GivenNames: "Martha", BirthDate: "1972-05-01", Sex: "female"})
	r = startExample(t, fresh.Clinician, path)
	_, err = fresh.Clinician.Chart.CreatePatientFromImport(r.ID)
	if e := wantKind(t, err, app.Conflict); e.Fields["registered"] != desk.MRN {
		t.Errorf("refused with %q, fields %v", e.Message, e.Fields)
	}

	// Her husband, who shares her phone, is not her.
	other := newTestApp(t)
	husband := other.register(t, app.PatientInput{FamilyName: "DeLarosa", GivenNames: "Luis", BirthDate: "1970-01-01", Sex: "male", Phone: "+31788700800"})
	r = startExample(t, other.Clinician, path)
	if len(r.Candidates) != 1 || r.Candidates[0].Patient.ID != husband.ID {
		t.Fatalf("candidates %+v: the husband, by phone", r.Candidates)
	}
	if r, err = other.Clinician.Chart.CreatePatientFromImport(r.ID); err != nil || r.Patient.ID == husband.ID {
		t.Errorf("registered %+v, %v", r.Patient, err)
	}
}

// TestCommandLineImportAlerts: the command line names each alert an
// import raises, with its drugs, where each comes from and its severity,
// and no internal id; --reason overrides every alert of the import,
// recorded and audited as the screen's overrides are, saying it came from
// the command line.
func TestCommandLineImportAlerts(t *testing.T) {
	ta := newTestApp(t)
	p := ta.register(t, samplePatient())
	ta.addMed(t, p.ID, "ibuprofen")
	ta.addMed(t, p.ID, "amoxicillin")
	allergy := `{"resourceType":"AllergyIntolerance","id":"a","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
		"category":["medication"],"code":{"text":"Penicillin"},"patient":{"reference":"urn:uuid:p"}}`
	file := personBundle(riveraFields, statement("w", "warfarin"), allergy)
	req := app.CommandLineImport{FileName: "referral.json", Data: file, PatientMRN: p.MRN, Username: clinicianUsername}

	before := ta.importCounts(t)
	_, err := ta.ImportFile(req)
	e := wantKind(t, err, app.Invalid)
	for _, says := range []string{
		"raise 2 interaction or allergy alerts:",
		"\n  warfarin (imported) with ibuprofen (on the chart): MAJOR — Warfarin with an NSAID\n",
		"\n  the allergy to Penicillin (imported) with amoxicillin (on the chart): CONTRAINDICATED — ",
		"give one with --reason", "import screen",
	} {
		if !strings.Contains(e.Message, says) {
			t.Errorf("refusal %q does not say %q", e.Message, says)
		}
	}
	if len(e.Fields) != 0 {
		t.Errorf("fields %v: the command line shows the message only", e.Fields)
	}
	if after := ta.importCounts(t); after != before {
		t.Errorf("a refused import wrote: %+v, %+v", before, after)
	}

	const why = "Migrating from the old system; interactions reviewed by Dr Lee"
	req.AlertReason = why
	r, err := ta.ImportFile(req)
	if err != nil || r.Tally.Written != 2 {
		t.Fatalf("import with --reason: %+v, %v", r.Tally, err)
	}
	meds, err := ta.Clinician.Chart.Medications(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	overridden := map[string]string{}
	for _, m := range meds {
		for _, o := range m.Overrides {
			overridden[m.Drug+" "+o.Severity] = o.Reason
		}
	}
	if len(overridden) != 2 || overridden["warfarin major"] != why+" (given on the command line)" ||
		overridden["amoxicillin contraindicated"] != why+" (given on the command line)" {
		t.Errorf("overrides %v", overridden)
	}
	var audited int
	for _, a := range ta.audit(t) {
		switch a.Action {
		case "medication.override":
			if !strings.Contains(a.Detail, why) || !strings.Contains(a.Workstation, "command line") {
				t.Errorf("override audited as %+v", a)
			}
			audited++
		case "import.finish":
			if !strings.Contains(a.Detail, "2 alerts overridden with --reason: "+why) {
				t.Errorf("finish audited as %q", a.Detail)
			}
		}
	}
	if audited != 2 {
		t.Errorf("%d overrides audited, want 2", audited)
	}
}
