package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"folio/app"
	"folio/app/archive"
	"folio/db"
)

// referralChart is a chart with something in every section: two active
// problems (one to leave out), a resolved one, a retracted one, an allergy,
// a medication, a dose, a recent and an old result, vitals and a document.
type referralChart struct {
	patient                  app.Patient
	keep, leaveOut, resolved app.Problem
	retracted                app.Problem
	allergy                  app.Allergy
	medication               app.Medication
	dose                     app.Immunization
	recentResult, oldResult  app.LabResult
	vitals                   app.VitalsSet
	document                 app.Document
	documentBytes            []byte
}

func newReferralChart(t *testing.T, ta *testApp) referralChart {
	t.Helper()
	c := ta.Clinician.Chart
	rc := referralChart{patient: ta.register(t, samplePatient())}
	id := rc.patient.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	rc.keep, err = c.AddProblem(id, app.ProblemInput{Code: "E11.9", Onset: "2014"})
	must(err)
	rc.leaveOut, err = c.AddProblem(id, app.ProblemInput{Code: "F32.9", Onset: "2021-09"})
	must(err)
	rc.resolved, err = c.AddProblem(id, app.ProblemInput{Code: "J45.90", Onset: "2005", Status: "resolved", ResolvedOn: "2010"})
	must(err)
	rc.retracted, err = c.AddProblem(id, app.ProblemInput{Code: "I10", Onset: "2011"})
	must(err)
	rc.retracted, err = c.RetractProblem(rc.retracted.ID, "wrong patient", rc.retracted.Version)
	must(err)
	rc.allergy, err = c.AddAllergy(id, app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class",
		Reaction: "hives", Severity: "moderate"})
	must(err)
	rc.medication, err = c.AddMedication(id, sampleMedication("metformin"), nil)
	must(err)
	rc.dose, err = c.RecordImmunization(id, sampleImmunization())
	must(err)
	rc.recentResult, err = c.RecordLabResult(id, sampleLabResult("4548-4", "7.1"))
	must(err)
	old := sampleLabResult("4548-4", "6.4")
	old.ObservedAt = "2022-01-10T08:30:00Z"
	rc.oldResult, err = c.RecordLabResult(id, old)
	must(err)
	rc.vitals, err = c.RecordVitals(id, sampleVitals())
	must(err)
	rc.documentBytes = minimalPDF(7)
	rc.document, err = c.AddDocument(id, app.DocumentInput{Title: "Echo report", Kind: "imaging_report",
		DocumentDate: "2026-03-02", FileName: "echo report.pdf", Data: b64(rc.documentBytes)})
	must(err)
	return rc
}

// defaults is the ids the preview ticks.
func defaults(p app.ReferralPreview) []string {
	var ids []string
	for _, s := range p.Sections {
		for _, it := range s.Items {
			if it.Included {
				ids = append(ids, it.ID)
			}
		}
	}
	return ids
}

func section(p app.ReferralPreview, key string) app.ReferralSection {
	for _, s := range p.Sections {
		if s.Key == key {
			return s
		}
	}
	return app.ReferralSection{}
}

func TestReferralPreview(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	p, err := ta.Clinician.Chart.ReferralPreview(rc.patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	ticked := map[string]bool{}
	listed := map[string]bool{}
	for _, s := range p.Sections {
		for _, it := range s.Items {
			listed[it.ID], ticked[it.ID] = true, it.Included
		}
	}
	for _, tc := range []struct {
		what           string
		id             string
		listed, ticked bool
	}{
		{"active problem", rc.keep.ID, true, true},
		{"resolved problem", rc.resolved.ID, true, false},
		{"retracted problem", rc.retracted.ID, false, false},
		{"active allergy", rc.allergy.ID, true, true},
		{"active medication", rc.medication.ID, true, true},
		{"immunization", rc.dose.ID, true, true},
		{"recent result", rc.recentResult.ID, true, true},
		{"result older than 24 months", rc.oldResult.ID, true, false},
		{"vitals", rc.vitals.ID, true, true},
		{"document", rc.document.ID, true, false},
	} {
		if listed[tc.id] != tc.listed || ticked[tc.id] != tc.ticked {
			t.Errorf("%s: listed %v ticked %v, want %v %v", tc.what, listed[tc.id], ticked[tc.id], tc.listed, tc.ticked)
		}
	}
	if len(p.Sections) != 8 || p.Sections[0].Key != app.SectionProblems || p.Sections[6].Key != app.SectionNotes ||
		p.Sections[7].Key != app.SectionDocuments {
		t.Errorf("sections %+v", p.Sections)
	}
	if p.From.AuthorName != "Dr. Jordan Lee" || p.From.ClinicName != clinicName || len(p.From.KeyFingerprint) != 39 {
		t.Errorf("from %+v", p.From)
	}
	if e := ta.lastAudit(t); e.Action != "chart.read" || e.Detail != "referral preview" || e.PatientID != rc.patient.ID {
		t.Errorf("audit %+v", e)
	}
}

func TestNoKnownAllergiesLeavesAsAnItem(t *testing.T) {
	ta := newTestApp(t)
	patient := ta.register(t, samplePatient())
	if _, err := ta.Clinician.Chart.RecordNoKnownAllergies(patient.ID); err != nil {
		t.Fatal(err)
	}
	p, err := ta.Clinician.Chart.ReferralPreview(patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	items := section(p, app.SectionAllergies).Items
	if len(items) != 1 || !items[0].Included || items[0].Display != "No known allergies" {
		t.Fatalf("allergies %+v", items)
	}
	out, err := ta.Clinician.Chart.ExportReferral(patient.ID, app.ReferralRequest{IncludedIDs: defaults(p),
		Recipient: "Dr. Amira Haddad, Cardiology", Purpose: "referral", Reason: "Palpitations"})
	if err != nil {
		t.Fatal(err)
	}
	bundle := openExport(t, out, "")["bundle.json"]
	if out.Counts.Allergies != 1 || !bytes.Contains(bundle, []byte("716186003")) && !bytes.Contains(bundle, []byte("no-known-allergies")) {
		t.Errorf("counts %+v; the bundle does not state no known allergies", out.Counts)
	}
}

// openExport opens an exported archive, checking its signature, and
// returns its files by path.
func openExport(t *testing.T, out app.ExportedFile, passphrase string) map[string][]byte {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(out.Data)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := archive.Open(data, passphrase)
	if err != nil {
		t.Fatalf("open the exported archive: %v", err)
	}
	v := opened.Verification
	if !v.SignatureValid || !v.Intact || v.Sender.Fingerprint != out.Fingerprint || v.Encrypted != out.Encrypted {
		t.Errorf("verification %+v, exported with %s", v, out.Fingerprint)
	}
	files := map[string][]byte{}
	for _, f := range opened.Files {
		files[f.Path] = f.Data
	}
	return files
}

func TestExportReferral(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	p, err := ta.Clinician.Chart.ReferralPreview(rc.patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	var include []string
	for _, id := range defaults(p) {
		if id != rc.leaveOut.ID {
			include = append(include, id)
		}
	}
	req := app.ReferralRequest{IncludedIDs: include, DocumentIDs: []string{rc.document.ID},
		Recipient: "Dr. Amira Haddad, Endocrinology, St Mary's", Purpose: "referral",
		Reason: "Diabetes poorly controlled", Question: "Insulin?", Letter: "Thank you for seeing her.\nShe is anxious."}
	out, err := ta.Clinician.Chart.ExportReferral(rc.patient.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.FileName, "Rivera_Ana_2026-03-10_referral") || !strings.HasSuffix(out.FileName, ".folio") {
		t.Errorf("file name %q", out.FileName)
	}
	want := app.SectionCounts{Problems: 1, Allergies: 1, Medications: 1, Immunizations: 1, Results: 1, Vitals: 1, Documents: 1}
	if out.Counts != want {
		t.Errorf("counts %+v, want %+v", out.Counts, want)
	}
	files := openExport(t, out, "")
	bundle := files["bundle.json"]
	for _, s := range []string{"E11.9", "Insulin?", "Diabetes poorly controlled", "4548-4", "Penicillin", "metformin"} {
		if !bytes.Contains(bundle, []byte(s)) {
			t.Errorf("the bundle lacks %q", s)
		}
	}
	for _, s := range []string{"F32.9", "J45.90", "I10", "6.4"} {
		if bytes.Contains(bundle, []byte(s)) {
			t.Errorf("the bundle has %q, which was not chosen", s)
		}
	}
	var doc struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
			} `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &doc); err != nil || doc.Type != "document" || doc.Entry[0].Resource.ResourceType != "Composition" {
		t.Errorf("bundle %s %s, first %+v, %v", doc.ResourceType, doc.Type, doc.Entry, err)
	}
	if !bytes.Contains(files["summary.html"], []byte("Rivera")) {
		t.Error("the summary does not name the patient")
	}
	if got := files["documents/01-echo_report.pdf"]; !bytes.Equal(got, rc.documentBytes) {
		t.Errorf("document in the archive: %d bytes, want %d (files %v)", len(got), len(rc.documentBytes), keys(files))
	}

	e := ta.lastAudit(t)
	if e.Action != "disclosure" || e.PatientID != rc.patient.ID || !strings.Contains(e.Detail, "St Mary's") ||
		!strings.Contains(e.Detail, "purpose: referral") || !strings.Contains(e.Detail, out.SHA256) ||
		!strings.Contains(e.Detail, rc.document.ID) {
		t.Errorf("audit %+v", e)
	}
	list, err := ta.Clinician.Chart.Disclosures(rc.patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Recipient != req.Recipient || list[0].Counts != want || list[0].SHA256 != out.SHA256 ||
		list[0].By != "Dr. Jordan Lee" || list[0].Kind != "referral" || len(list[0].DocumentIDs) != 1 {
		t.Errorf("disclosures %+v", list)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestExportReferralEncrypted(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	out, err := ta.Clinician.Chart.ExportReferral(rc.patient.ID, app.ReferralRequest{IncludedIDs: []string{rc.keep.ID},
		Recipient: "Cardiology", Purpose: "referral", Reason: "Chest pain", Passphrase: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Encrypted || !strings.HasSuffix(out.FileName, ".folio.age") {
		t.Errorf("encrypted %v, file %s", out.Encrypted, out.FileName)
	}
	files := openExport(t, out, "correct horse battery")
	if !bytes.Contains(files["bundle.json"], []byte("E11.9")) {
		t.Error("the encrypted archive lacks the problem")
	}
}

// disclosureCount is how many disclosures the clinic has recorded.
func (ta *testApp) disclosureCount(t testing.TB) int {
	t.Helper()
	var n int
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.CountDisclosures()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportReferralRefusesBadRequests(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	// The first preview makes the clinic's key; every refusal below must
	// write nothing after it.
	if _, err := ta.Clinician.Chart.ReferralPreview(rc.patient.ID); err != nil {
		t.Fatal(err)
	}
	good := app.ReferralRequest{IncludedIDs: []string{rc.keep.ID}, Recipient: "Cardiology", Purpose: "referral",
		Reason: "Chest pain"}
	for _, tc := range []struct {
		name  string
		edit  func(*app.ReferralRequest)
		field string
	}{
		{"no recipient", func(r *app.ReferralRequest) { r.Recipient = "  " }, "recipient"},
		{"no purpose", func(r *app.ReferralRequest) { r.Purpose = "" }, "purpose"},
		{"no reason", func(r *app.ReferralRequest) { r.Reason = "" }, "reason"},
		{"short passphrase", func(r *app.ReferralRequest) { r.Passphrase = "short" }, "passphrase"},
		{"unknown item", func(r *app.ReferralRequest) { r.IncludedIDs = append(r.IncludedIDs, "nope") }, "includedIds"},
		{"retracted item", func(r *app.ReferralRequest) { r.IncludedIDs = []string{rc.retracted.ID} }, "includedIds"},
		{"another chart's item", func(r *app.ReferralRequest) {
			other := ta.register(t, samplePatient())
			pr, err := ta.Clinician.Chart.AddProblem(other.ID, app.ProblemInput{Code: "I10"})
			if err != nil {
				t.Fatal(err)
			}
			r.IncludedIDs = []string{pr.ID}
		}, "includedIds"},
		{"unknown document", func(r *app.ReferralRequest) { r.DocumentIDs = []string{rc.keep.ID} }, "documentIds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := good
			req.IncludedIDs = append([]string(nil), good.IncludedIDs...)
			tc.edit(&req)
			before, disclosures := ta.counts(t), ta.disclosureCount(t)
			_, err := ta.Clinician.Chart.ExportReferral(rc.patient.ID, req)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tc.field] == "" {
				t.Errorf("fields %v, want %s", e.Fields, tc.field)
			}
			if after := ta.counts(t); after != before || ta.disclosureCount(t) != disclosures {
				t.Errorf("a refused export wrote: before %+v, after %+v", before, after)
			}
		})
	}
}

func TestPatientCopy(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	out, err := ta.Clinician.Chart.PatientCopy(rc.patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Everything in force: the resolved problem and the old result too,
	// never the retracted problem; no document.
	want := app.SectionCounts{Problems: 3, Allergies: 1, Medications: 1, Immunizations: 1, Results: 2, Vitals: 1}
	if out.Counts != want || out.Encrypted {
		t.Errorf("counts %+v encrypted %v, want %+v", out.Counts, out.Encrypted, want)
	}
	if !strings.Contains(out.HTML, "Rivera") || !strings.HasSuffix(out.HTMLFileName, "patient-copy.html") {
		t.Errorf("html file %s: %.200s", out.HTMLFileName, out.HTML)
	}
	files := openExport(t, out.ExportedFile, "")
	if string(files["summary.html"]) != out.HTML || bytes.Contains(files["bundle.json"], []byte("I10")) {
		t.Error("the archive's summary differs from the one shown, or the retracted problem left")
	}
	e := ta.lastAudit(t)
	if e.Action != "disclosure" || !strings.Contains(e.Detail, "patient copy to the patient") {
		t.Errorf("audit %+v", e)
	}
}

func TestExportPatientFromCommandLine(t *testing.T) {
	ta := newTestApp(t)
	rc := newReferralChart(t, ta)
	_, err := ta.ExportPatient(app.CommandLineExport{MRN: rc.patient.MRN, Recipient: "", Purpose: "migration"})
	if e := wantKind(t, err, app.Invalid); e.Fields["recipient"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	_, err = ta.ExportPatient(app.CommandLineExport{MRN: "nope", Recipient: "x", Purpose: "y"})
	wantKind(t, err, app.NotFound)
	out, err := ta.ExportPatient(app.CommandLineExport{MRN: rc.patient.MRN, Recipient: "Northside Clinic",
		Purpose: "patient moved"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Counts.Problems != 3 || !strings.HasSuffix(out.FileName, "_export.folio") {
		t.Errorf("%+v", out)
	}
	e := ta.lastAudit(t)
	if e.Action != "disclosure" || e.Username != adminUsername || !strings.Contains(e.Workstation, "command line, OS user") {
		t.Errorf("audit %+v", e)
	}
}

// TestDisclosuresFollowAMerge: a merge moves the duplicate's disclosures
// to the survivor, each keeping the MRN its file named.
func TestDisclosuresFollowAMerge(t *testing.T) {
	ta := newTestApp(t)
	survivor := ta.register(t, samplePatient())
	duplicate := ta.register(t, samplePatient())
	if _, err := ta.Clinician.Chart.PatientCopy(duplicate.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Patients.Merge(survivor.ID, duplicate.ID, "same person", survivor.Version, duplicate.Version); err != nil {
		t.Fatal(err)
	}
	list, err := ta.Clinician.Chart.Disclosures(survivor.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].MRN != duplicate.MRN {
		t.Errorf("survivor's disclosures %+v", list)
	}
}
