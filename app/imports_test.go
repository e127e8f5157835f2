package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"folio/app"
	"folio/app/archive"
	"folio/db"
)

// The example files the parser's tests keep; their sources are named in
// app/fhir/testdata/SOURCES.md.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"synthea", "ips"} {
		found, err := filepath.Glob(filepath.Join("fhir", "testdata", dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	if len(files) != 14 {
		t.Fatalf("found %d example files, want 10 Synthea and 4 IPS", len(files))
	}
	return files
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// importCounts is how many rows an import can touch, to prove that a
// refused one wrote nothing.
type importCounts struct {
	counts
	Imports, ImportItems, Problems, Medications, Immunizations, LabResults, Documents int
}

func (ta *testApp) importCounts(t testing.TB) importCounts {
	t.Helper()
	c := importCounts{counts: ta.counts(t)}
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		if c.Imports, c.ImportItems, err = tx.CountImports(); err != nil {
			return err
		}
		if c.Problems, err = tx.CountProblems(); err != nil {
			return err
		}
		if c.Medications, _, err = tx.CountMedications(); err != nil {
			return err
		}
		if c.Immunizations, err = tx.CountImmunizations(); err != nil {
			return err
		}
		if _, c.LabResults, err = tx.CountLabs(); err != nil {
			return err
		}
		c.Documents, _, err = tx.CountDocuments()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func itemCount(r app.ImportReview) int {
	n := len(r.Unmapped)
	for _, s := range r.Sections {
		n += len(s.Items)
	}
	return n
}

func allItems(r app.ImportReview) []app.ImportItem {
	out := append([]app.ImportItem{}, r.Unmapped...)
	for _, s := range r.Sections {
		out = append(out, s.Items...)
	}
	return out
}

// startExample starts importing a file as the clinician.
func startExample(t testing.TB, c *caller, path string) app.ImportReview {
	t.Helper()
	r, err := c.Chart.StartImport(filepath.Base(path), b64(readFile(t, path)), "")
	if err != nil {
		t.Fatalf("start import of %s: %v", path, err)
	}
	return r
}

// checkAccounted fails unless every resource of the file is one item and
// every item is decided: in = written + already present + skipped + kept.
func checkAccounted(t *testing.T, r app.ImportReview) {
	t.Helper()
	tl := r.Tally
	if r.Found.In != itemCount(r) || tl.Pending != 0 ||
		r.Found.In != tl.Written+tl.AlreadyPresent+tl.Skipped+tl.KeptOriginal {
		t.Errorf("found %+v, %d items, tally %+v: not every resource is accounted for", r.Found, itemCount(r), tl)
	}
	for _, it := range allItems(r) {
		if (it.Decision == "accepted") != (it.RecordID != "") {
			t.Errorf("item %s %s/%s decided %s names record %q", it.Kind, it.ResourceType, it.ResourceID, it.Decision, it.RecordID)
		}
	}
}

// TestImportExamples imports each example file into a fresh clinic,
// accepting every suggestion: nothing is dropped, the figures are pinned
// (they were read off the files: Synthea's BMI-only observations and
// billing resources, procedures and reports no care rule reads, IPS's
// document header and practitioners, are kept as originals; the
// colonoscopies and the bone density scan are written as care records; every episode of a condition and every prescription is
// written, none folded into another of the same code), the written records
// show their source, and importing the same file again into the same chart
// finds everything already present.
func TestImportExamples(t *testing.T) {
	tests := []struct {
		file  string
		found app.ImportFound
		tally app.ImportTally
	}{
		{"synthea-Adolfo_Marquardt", app.ImportFound{In: 246, Mapped: 126, Unmapped: 119}, app.ImportTally{Written: 117, KeptOriginal: 129}},
		{"synthea-Alexis_Toy", app.ImportFound{In: 176, Mapped: 115, Unmapped: 60}, app.ImportTally{Written: 115, KeptOriginal: 61}},
		{"synthea-Asa_Hermiston", app.ImportFound{In: 175, Mapped: 90, Unmapped: 84}, app.ImportTally{Written: 86, KeptOriginal: 89}},
		{"synthea-Beatrice_Hagenes", app.ImportFound{In: 189, Mapped: 116, Unmapped: 72}, app.ImportTally{Written: 114, KeptOriginal: 75}},
		{"synthea-Blair_Conroy", app.ImportFound{In: 143, Mapped: 84, Unmapped: 58}, app.ImportTally{Written: 80, KeptOriginal: 63}},
		{"synthea-Brant_Jacobson", app.ImportFound{In: 293, Mapped: 153, Unmapped: 139}, app.ImportTally{Written: 141, KeptOriginal: 152}},
		{"synthea-Catina_Witting", app.ImportFound{In: 221, Mapped: 129, Unmapped: 91}, app.ImportTally{Written: 119, KeptOriginal: 102}},
		{"synthea-Chad_Quigley", app.ImportFound{In: 193, Mapped: 123, Unmapped: 69}, app.ImportTally{Written: 114, KeptOriginal: 79}},
		{"synthea-Lavelle_Kuvalis", app.ImportFound{In: 225, Mapped: 143, Unmapped: 81}, app.ImportTally{Written: 134, KeptOriginal: 91}},
		{"synthea-Malcom_Harris", app.ImportFound{In: 177, Mapped: 110, Unmapped: 66}, app.ImportTally{Written: 102, KeptOriginal: 75}},
		{"Bundle-IPS-examples-Bundle-01", app.ImportFound{In: 20, Mapped: 12, Unmapped: 7}, app.ImportTally{Written: 12, KeptOriginal: 8}},
		{"Bundle-IPS-examples-Bundle-with-immunization", app.ImportFound{In: 21, Mapped: 13, Unmapped: 7}, app.ImportTally{Written: 12, KeptOriginal: 9}},
		{"Bundle-bundle-minimal", app.ImportFound{In: 8, Mapped: 3, Unmapped: 4}, app.ImportTally{Written: 4, KeptOriginal: 4}},
		{"Bundle-bundle-no-info-required-sections", app.ImportFound{In: 8, Mapped: 2, Unmapped: 5}, app.ImportTally{Written: 3, KeptOriginal: 5}},
	}
	files := exampleFiles(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var path string
			for _, f := range files {
				if strings.HasPrefix(filepath.Base(f), tt.file) {
					path = f
				}
			}
			ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
			c := ta.Clinician
			start := startExample(t, c, path)
			if start.Verification.Signature != "unsigned" || start.Incoming == nil || start.Status != "reviewing" {
				t.Errorf("review %+v %+v", start.Verification, start.Incoming)
			}
			r, err := c.Chart.CreatePatientFromImport(start.ID)
			if err != nil {
				t.Fatal(err)
			}
			done, err := c.Chart.FinishImport(r.ID, reasonForEveryAlert(r, "as the sender prescribed"))
			if err != nil {
				t.Fatal(err)
			}
			checkAccounted(t, done)
			if done.Found != tt.found || done.Tally != tt.tally {
				t.Errorf("found %+v, tally %+v; want %+v, %+v", done.Found, done.Tally, tt.found, tt.tally)
			}
			patientID := done.Patient.ID
			sources, err := c.Chart.ImportSources(patientID)
			if err != nil || len(sources) != done.Tally.Written {
				t.Fatalf("%d sources, %v; want one per written record (%d)", len(sources), err, done.Tally.Written)
			}
			for _, s := range sources {
				if s.SourceOrg == "" || s.ResourceType == "" || s.RecordID == "" || s.ImportID != done.ID {
					t.Errorf("source %+v", s)
				}
			}
			history, err := c.Chart.Imports(patientID)
			if err != nil || len(history.Imports) != 1 || len(history.Originals) != done.Tally.KeptOriginal {
				t.Fatalf("history: %d imports, %d originals, %v", len(history.Imports), len(history.Originals), err)
			}

			// The same file again, into the same chart, writes nothing.
			again := startExample(t, c, path)
			if len(again.Candidates) == 0 || again.Candidates[0].Patient.ID != patientID {
				t.Errorf("candidates %+v, want the chart imported into first", again.Candidates)
			}
			before := ta.importCounts(t)
			if _, err := c.Chart.MatchImport(again.ID, patientID); err != nil {
				t.Fatal(err)
			}
			second, err := c.Chart.FinishImport(again.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkAccounted(t, second)
			want := app.ImportTally{AlreadyPresent: done.Tally.Written + done.Tally.AlreadyPresent,
				Skipped: done.Tally.Skipped, KeptOriginal: done.Tally.KeptOriginal}
			if second.Tally != want {
				t.Errorf("second import: tally %+v, want %+v", second.Tally, want)
			}
			after := ta.importCounts(t)
			if after.Problems != before.Problems || after.Medications != before.Medications ||
				after.LabResults != before.LabResults || after.Vitals != before.Vitals ||
				after.Immunizations != before.Immunizations || after.Patients != before.Patients {
				t.Errorf("the second import wrote records: before %+v, after %+v", before, after)
			}
		})
	}
}

// testSigner is a clinic's signing key, made once.
var testSigner = func() archive.Signer {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return archive.Signer{Clinic: "Hillside Clinic", Key: key, Time: time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)}
}()

// referralArchive packs an IPS example as a Folio archive would carry it,
// with a readable summary and a picture.
func referralArchive(t testing.TB, passphrase string) []byte {
	t.Helper()
	files := []archive.File{
		{Path: "bundle.json", MediaType: "application/fhir+json", Data: readFile(t, filepath.Join("fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-01.json"))},
		{Path: "summary.html", MediaType: "text/html", Data: []byte("<html><body><h1>Patient summary</h1></body></html>")},
		{Path: "documents/wound.png", MediaType: "image/png", Data: pngBytes(t)},
	}
	data, err := archive.Pack(files, testSigner, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rezip rebuilds an archive's zip, changing each file's bytes with edit
// (nil drops the file).
func rezip(t testing.TB, data []byte, edit func(name string, b []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b = edit(f.Name, b); b == nil {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestImportArchive imports a signed Folio archive: its verification is
// shown, its picture becomes a document item, its summary is kept as the
// original, and the records show the signing clinic as their source.
func TestImportArchive(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	r, err := c.Chart.StartImport("referral.folio", b64(referralArchive(t, "")), "")
	if err != nil {
		t.Fatal(err)
	}
	v := r.Verification
	if v.Signature != "valid" || !v.Intact || v.SignerClinic != "Hillside Clinic" || v.SignerFingerprint == "" ||
		!strings.Contains(v.Summary, v.SignerFingerprint) || r.Kind != "folio_archive" {
		t.Errorf("verification %+v, kind %s", v, r.Kind)
	}
	if r.Found.In != 22 || r.Found.Mapped != 13 { // the bundle's 20 resources, the summary and the picture
		t.Errorf("found %+v", r.Found)
	}
	r, err = c.Chart.CreatePatientFromImport(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, done)
	docs, err := c.Chart.Documents(done.Patient.ID)
	if err != nil || len(docs) != 1 || docs[0].FileName != "wound.png" {
		t.Fatalf("documents %+v, %v", docs, err)
	}
	history, err := c.Chart.Imports(done.Patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	var summary *app.KeptOriginal
	for i, o := range history.Originals {
		if o.ResourceType == "" {
			summary = &history.Originals[i]
		}
	}
	if summary == nil || summary.Display != "summary.html" {
		t.Fatalf("the summary is not kept: %+v", history.Originals)
	}
	original, err := c.Chart.ImportOriginal(summary.ItemID)
	if err != nil || !strings.Contains(original.JSON, `"mediaType": "text/html"`) || strings.Contains(original.JSON, `"data"`) {
		t.Errorf("original %+v, %v", original, err)
	}
}

// TestImportArchivePolyglotNotAttached: a referral archive whose picture
// carries a web page after it (a polyglot) still imports, but the file is
// not attached to the chart: it is kept as the original, saying why.
func TestImportArchivePolyglotNotAttached(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	data, err := archive.Pack([]archive.File{
		{Path: "bundle.json", MediaType: "application/fhir+json", Data: readFile(t, filepath.Join("fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-01.json"))},
		{Path: "documents/wound.png", MediaType: "image/png", Data: append(pngBytes(t), webPage...)},
	}, testSigner, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Chart.StartImport("referral.folio", b64(data), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = c.Chart.CreatePatientFromImport(r.ID); err != nil {
		t.Fatal(err)
	}
	done, err := c.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, done)
	if docs, err := c.Chart.Documents(done.Patient.ID); err != nil || len(docs) != 0 {
		t.Errorf("documents %+v, %v; want the polyglot not attached", docs, err)
	}
	history, err := c.Chart.Imports(done.Patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, o := range history.Originals {
		kept = kept || o.Display == "documents/wound.png"
	}
	if !kept {
		t.Errorf("the file is not kept as the original: %+v", history.Originals)
	}
}

// TestImportRefusals checks that a file Folio will not import is refused
// with a reason, on the right field, and nothing at all is written.
func TestImportRefusals(t *testing.T) {
	good := referralArchive(t, "")
	other := testSigner
	_, other.Key, _ = ed25519.GenerateKey(nil)
	otherArchive, err := archive.Pack([]archive.File{{Path: "bundle.json", MediaType: "application/fhir+json", Data: []byte(`{}`)}}, other, "")
	if err != nil {
		t.Fatal(err)
	}
	var otherSig []byte
	rezip(t, otherArchive, func(name string, b []byte) []byte {
		if name == "manifest.sig" {
			otherSig = b
		}
		return b
	})
	encrypted := referralArchive(t, "correct horse battery staple")
	twoPatients := `{"resourceType":"Bundle","type":"collection","entry":[
		{"resource":{"resourceType":"Patient","id":"a","name":[{"family":"Ng","given":["Ann"]}],"birthDate":"1980-01-01"}},
		{"resource":{"resourceType":"Patient","id":"b","name":[{"family":"Ng","given":["Bo"]}],"birthDate":"1982-01-01"}}]}`
	tests := []struct {
		name, data, passphrase, field, says string
	}{
		{"garbage", b64([]byte("\x00\x01 not a file Folio knows")), "", "file", "not JSON"},
		{"not base64", "%%%", "", "file", "Choose the file"},
		{"empty", "", "", "file", "Choose the file"},
		{"html", b64([]byte("<html><body>hello</body></html>")), "", "file", "XML or HTML"},
		{"not a bundle", b64([]byte(`{"resourceType":"Observation","id":"x"}`)), "", "file", "not a Bundle"},
		{"cut short", b64(readFile(t, exampleFiles(t)[0])[:5000]), "", "file", "ends too early"},
		{"two patients", b64([]byte(twoPatients)), "", "file", "2 patients"},
		{"changed byte", b64(rezip(t, good, func(name string, b []byte) []byte {
			if name == "bundle.json" {
				b = bytes.Replace(b, []byte("DeLarosa"), []byte("DeLarosb"), 1)
			}
			return b
		})), "", "file", "changed"},
		{"removed file", b64(rezip(t, good, func(name string, b []byte) []byte {
			if name == "documents/wound.png" {
				return nil
			}
			return b
		})), "", "file", "missing"},
		{"wrong signature", b64(rezip(t, good, func(name string, b []byte) []byte {
			if name == "manifest.sig" {
				return otherSig
			}
			return b
		})), "", "file", "signature does not match"},
		{"truncated archive", b64(good[:len(good)/2]), "", "file", "damaged"},
		{"wrong passphrase", b64(encrypted), "Tr0ub4dor&3", "passphrase", "passphrase does not open"},
		{"no passphrase", b64(encrypted), "", "passphrase", "protected by a passphrase"},
	}
	ta := newTestApp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.importCounts(t)
			_, err := ta.Clinician.Chart.StartImport(tt.name+".json", tt.data, tt.passphrase)
			e := wantKind(t, err, app.Invalid)
			if !strings.Contains(e.Fields[tt.field], tt.says) {
				t.Errorf("fields %v, want %s to say %q", e.Fields, tt.field, tt.says)
			}
			if after := ta.importCounts(t); after != before {
				t.Errorf("a refused import wrote: before %+v, after %+v", before, after)
			}
		})
	}
	t.Run("right passphrase", func(t *testing.T) {
		r, err := ta.Clinician.Chart.StartImport("referral.folio", b64(encrypted), "correct horse battery staple")
		if err != nil || !r.Verification.Encrypted || r.Verification.Signature != "valid" {
			t.Fatalf("%+v, %v", r.Verification, err)
		}
	})
}

// TestImportReconcile walks the review as a clinician does: the duplicate
// screen finds the chart registered at the desk, one problem is skipped,
// an item that cannot be charted cannot be accepted, and finishing writes
// exactly what was accepted, with its source.
func TestImportReconcile(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	martha := ta.register(t, app.PatientInput{FamilyName: "DeLarosa", GivenNames: "Martha", BirthDate: "1972-05-01", Sex: "female"})
	path := filepath.Join("fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-with-immunization.json")
	r := startExample(t, c, path)
	if len(r.Candidates) != 1 || r.Candidates[0].Patient.ID != martha.ID || r.Candidates[0].Score < 70 {
		t.Fatalf("candidates %+v", r.Candidates)
	}
	if r.Source.Organization == "" || r.Source.Organization == "Unknown source" {
		t.Errorf("source %+v", r.Source)
	}
	if r, err := c.Chart.FinishImport(r.ID, nil); kindOf(err) != app.Invalid || r.ID != "" {
		t.Fatalf("finish before matching: %v", err)
	}
	r, err := c.Chart.MatchImport(r.ID, martha.ID)
	if err != nil {
		t.Fatal(err)
	}
	var problem, vaccine app.ImportItem
	for _, it := range allItems(r) {
		switch {
		case it.Kind == "problem" && strings.Contains(it.Display, "Malignant"):
			problem = it
		case it.Kind == "immunization":
			vaccine = it
		}
	}
	if vaccine.Suggested != "kept_original" || problem.Suggested != "accept" {
		t.Fatalf("problem %+v, vaccine %+v", problem, vaccine)
	}
	before := ta.importCounts(t)
	_, err = c.Chart.DecideImportItems(r.ID, []app.ItemDecision{{ItemID: problem.ID, Decision: "skip"}, {ItemID: vaccine.ID, Decision: "accept"}})
	if e := wantKind(t, err, app.Invalid); e.Fields[vaccine.ID] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	if after := ta.importCounts(t); after != before {
		t.Errorf("a refused decision wrote: %+v, %+v", before, after)
	}
	if _, err := c.Chart.DecideImportItems(r.ID, []app.ItemDecision{{ItemID: problem.ID, Decision: "skip"}}); err != nil {
		t.Fatal(err)
	}
	done, err := c.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, done)
	if done.Tally != (app.ImportTally{Written: 10, AlreadyPresent: 1, Skipped: 1, KeptOriginal: 9}) {
		t.Errorf("tally %+v", done.Tally)
	}
	problems, err := c.Chart.Problems(martha.ID)
	// The source's ICD-10 N95.1 is also an ICD-10-CM code of the FY2026 list: charted coded, and
	// the codings it came with are kept beside it.
	if err != nil || len(problems) != 1 || problems[0].Code != "N95.1" || !strings.Contains(problems[0].Title, "Menopausal") ||
		problems[0].Note != "" || len(problems[0].Codes) != 2 || problems[0].Codes[0].Code != "198436008" ||
		problems[0].Codes[1] != (db.Coding{System: "http://hl7.org/fhir/sid/icd-10", Code: "N95.1", Display: "Menopausal and female climacteric states"}) {
		t.Errorf("problems %+v, %v", problems, err)
	}
	meds, err := c.Chart.Medications(martha.ID)
	if err != nil || len(meds) != 2 || meds[0].Source != "elsewhere" || meds[0].Prescriber == "" {
		t.Errorf("medications %+v, %v", meds, err)
	}
	results, err := c.Chart.LabResults(martha.ID)
	if err != nil || len(results) != 6 || results[0].Source != "imported" {
		t.Errorf("results %d, %v", len(results), err)
	}
	if _, err := c.Chart.FinishImport(r.ID, nil); kindOf(err) != app.Conflict {
		t.Errorf("finishing twice: %v", err)
	}
	actions := map[string]int{}
	for _, e := range ta.audit(t) {
		if e.PatientID == martha.ID {
			actions[e.Action]++
		}
	}
	if actions["import.finish"] != 1 || actions["import.match"] != 1 || actions["problem.import"] != 1 ||
		actions["medication.import"] != 2 || actions["lab_result.import"] != 6 {
		t.Errorf("audited %v", actions)
	}
}

// TestFinishImportWritesAllOrNothing: an accepted item that can no longer
// be charted when the import is finished (here a dose before the birth of
// the chart chosen after accepting it, matched although the birth dates
// differ) refuses the whole import.
func TestFinishImportWritesAllOrNothing(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	path := exampleFiles(t)[1] // Alexis Toy, born 2018, vaccinated from 2018
	r := startExample(t, c, path)
	var dose app.ImportItem
	for _, it := range allItems(r) {
		if it.Kind == "immunization" && it.Suggested == "accept" {
			dose = it
			break
		}
	}
	if _, err := c.Chart.DecideImportItems(r.ID, []app.ItemDecision{{ItemID: dose.ID, Decision: "accept"}}); err != nil {
		t.Fatal(err)
	}
	younger := ta.register(t, app.PatientInput{FamilyName: "Toy", GivenNames: "Alexis", BirthDate: "2025-01-01", Sex: "male"})
	if _, err := c.Chart.MatchImportDespiteMismatch(r.ID, younger.ID, "the sender had the birth year wrong"); err != nil {
		t.Fatal(err)
	}
	before := ta.importCounts(t)
	_, err := c.Chart.FinishImport(r.ID, nil)
	if e := wantKind(t, err, app.Invalid); !strings.Contains(e.Fields[dose.ID], "before the patient's birth") {
		t.Errorf("fields %v", e.Fields)
	}
	if after := ta.importCounts(t); after != before {
		t.Errorf("a refused finish wrote: before %+v, after %+v", before, after)
	}
	if r, err = c.Chart.ImportReview(r.ID); err != nil || r.Status != "reviewing" {
		t.Errorf("after a refused finish: %s, %v", r.Status, err)
	}
}

// TestCreatePatientFromImportNeedsTheFrontDeskFields: a file without a
// birth date cannot register the patient; the field is named and nothing
// is written.
func TestCreatePatientFromImportNeedsTheFrontDeskFields(t *testing.T) {
	ta := newTestApp(t)
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
		{"resource":{"resourceType":"Patient","id":"p","name":[{"family":"Okafor","given":["Chidi"]}],"gender":"male"}},
		{"resource":{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},
		 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}],"text":"Type 2 diabetes"}}}]}`
	r, err := ta.Clinician.Chart.StartImport("okafor.json", b64([]byte(bundle)), "")
	if err != nil {
		t.Fatal(err)
	}
	before := ta.importCounts(t)
	_, err = ta.Clinician.Chart.CreatePatientFromImport(r.ID)
	if e := wantKind(t, err, app.Invalid); e.Fields["birthDate"] == "" {
		t.Errorf("fields %v", e.Fields)
	}
	if after := ta.importCounts(t); after != before {
		t.Errorf("wrote: %+v, %+v", before, after)
	}
	// Registered at the desk instead, and matched: the coded problem is charted coded.
	p := ta.register(t, app.PatientInput{FamilyName: "Okafor", GivenNames: "Chidi", BirthDate: "1970-02-03", Sex: "male"})
	if _, err := ta.Clinician.Chart.MatchImport(r.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Clinician.Chart.FinishImport(r.ID, nil); err != nil {
		t.Fatal(err)
	}
	problems, err := ta.Clinician.Chart.Problems(p.ID)
	if err != nil || len(problems) != 1 || problems[0].Code != "E11.9" || problems[0].Title != "Type 2 diabetes" {
		t.Errorf("problems %+v, %v", problems, err)
	}
}

// TestMergeMovesImports: merging a chart brings its imports, their
// sources and kept originals, to the surviving chart.
func TestMergeMovesImports(t *testing.T) {
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	c := ta.Clinician
	path := filepath.Join("fhir", "testdata", "ips", "Bundle-bundle-minimal.json")
	r := startExample(t, c, path)
	r, err := c.Chart.CreatePatientFromImport(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	dup, err := ta.FrontDesk.Patients.Open(done.Patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	survivor := ta.register(t, samplePatient())
	if _, err := ta.Admin.Patients.Merge(survivor.ID, dup.ID, "same person", survivor.Version, dup.Version); err != nil {
		t.Fatal(err)
	}
	history, err := c.Chart.Imports(survivor.ID)
	if err != nil || len(history.Imports) != 1 || len(history.Originals) != done.Tally.KeptOriginal {
		t.Fatalf("survivor's imports %+v, %v", history, err)
	}
	sources, err := c.Chart.ImportSources(survivor.ID)
	if err != nil || len(sources) != done.Tally.Written {
		t.Errorf("survivor's sources %d, %v", len(sources), err)
	}
	if r, err := c.Chart.ImportReview(done.ID); err != nil || r.Patient.ID != survivor.ID {
		t.Errorf("review after merge: %+v, %v", r.Patient, err)
	}
}

// Small bundles for the role table: about someone not registered (Ngozi
// Abara, to register), and about the fixture's patient (to match).
const roleBundle = `{"resourceType":"Bundle","type":"collection","entry":[
	{"resource":{"resourceType":"Patient","id":"p","name":[{"family":"Abara","given":["Ngozi"]}],"birthDate":"1990-04-05","gender":"female"}},
	{"resource":{"resourceType":"Condition","id":"c","subject":{"reference":"Patient/p"},
	 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"J45.909"}],"text":"Asthma"}}},
	{"resource":{"resourceType":"Encounter","id":"e","subject":{"reference":"Patient/p"},"status":"finished"}}]}`

var roleBundleOfThePatient = strings.Replace(strings.Replace(roleBundle, `"name":[{"family":"Abara","given":["Ngozi"]}],"birthDate":"1990-04-05"`,
	`"name":[{"family":"Rivera","given":["Ana","Sofia"]}],"birthDate":"1984-06-21"`, 1), "Abara", "Rivera", 1)

// startedImport starts a fresh import for a method of the role table: of
// the fixture's patient, matched to their chart when matched says.
func (f *roleFixture) startedImport(t *testing.T, matched bool) app.ImportReview {
	t.Helper()
	bundle := roleBundle
	if matched {
		bundle = roleBundleOfThePatient
	}
	r, err := f.chart.StartImport("role.json", b64([]byte(bundle)), "")
	if err != nil {
		t.Fatal(err)
	}
	if matched {
		if r, err = f.chart.MatchImport(r.ID, f.patient.ID); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (f *roleFixture) importArgs(t *testing.T, method string) []any {
	switch method {
	case "Chart.StartImport":
		return []any{"role.json", b64([]byte(roleBundle)), ""}
	case "Chart.ImportReview", "Chart.AbandonImport", "Chart.CreatePatientFromImport":
		return []any{f.startedImport(t, false).ID}
	case "Chart.MatchImport":
		r, err := f.chart.StartImport("role.json", b64([]byte(roleBundleOfThePatient)), "")
		if err != nil {
			t.Fatal(err)
		}
		return []any{r.ID, f.patient.ID}
	case "Chart.MatchImportDespiteMismatch":
		return []any{f.startedImport(t, false).ID, f.patient.ID, "her name and birth date were changed by a court order"}
	case "Chart.DecideImportItems":
		r := f.startedImport(t, false)
		return []any{r.ID, []app.ItemDecision{{ItemID: r.Sections[1].Items[0].ID, Decision: "skip"}}}
	case "Chart.FinishImport":
		return []any{f.startedImport(t, true).ID, []app.ItemDecision(nil)}
	case "Chart.ImportSources", "Chart.Imports":
		return []any{f.patient.ID}
	case "Chart.ImportOriginal":
		return []any{f.startedImport(t, false).Unmapped[0].ID}
	}
	return nil
}

// importBundle is a bundle of n resources about one patient, as an EHR
// exports a long history: results, vital signs, problems, medications,
// immunizations, and visits (kept as originals).
func importBundle(n int) []byte {
	entries := []string{`{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","identifier":[{"system":"urn:example:mrn","value":"X1"}],
		"name":[{"family":"Benchmark","given":["Beatrix"]}],"birthDate":"1950-03-04","gender":"female"}}`}
	loincs := []struct{ code, unit string }{{"2345-7", "mg/dL"}, {"4548-4", "%"}, {"2160-0", "mg/dL"}, {"718-7", "g/dL"}}
	cvx := []string{"140", "08", "03", "115", "133"}
	day := time.Date(2005, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := 1; len(entries) < n; i++ {
		at := day.AddDate(0, 0, 7*i).Format(time.RFC3339)
		var r string
		switch i % 8 {
		case 0, 1, 2:
			l := loincs[i%len(loincs)]
			r = fmt.Sprintf(`{"resourceType":"Observation","id":"o%d","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
				"code":{"coding":[{"system":"http://loinc.org","code":"%s"}],"text":"Test %s"},"subject":{"reference":"urn:uuid:p"},"effectiveDateTime":"%s",
				"valueQuantity":{"value":%d.%d,"unit":"%s","system":"http://unitsofmeasure.org","code":"%s"}}`, i, l.code, l.code, at, 5+i%3, i%10, l.unit, l.unit)
		case 3:
			r = fmt.Sprintf(`{"resourceType":"Observation","id":"o%d","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
				"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"subject":{"reference":"urn:uuid:p"},"effectiveDateTime":"%s",
				"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":%d,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
				{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`, i, at, 120+i%20)
		case 4:
			r = fmt.Sprintf(`{"resourceType":"Condition","id":"c%d","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]},
				"code":{"coding":[{"system":"http://snomed.info/sct","code":"%d"}],"text":"Condition %d"},"subject":{"reference":"urn:uuid:p"},"onsetDateTime":"%s"}`, i, 100000+i, i, at)
		case 5:
			r = fmt.Sprintf(`{"resourceType":"MedicationRequest","id":"m%d","status":"stopped","intent":"order","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"%d"}],"text":"Drug %d"},
				"subject":{"reference":"urn:uuid:p"},"authoredOn":"%s"}`, i, 200000+i, i, at)
		case 6:
			r = fmt.Sprintf(`{"resourceType":"Immunization","id":"i%d","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"%s"}]},
				"patient":{"reference":"urn:uuid:p"},"occurrenceDateTime":"%s","primarySource":true}`, i, cvx[i%len(cvx)], at)
		default:
			r = fmt.Sprintf(`{"resourceType":"Encounter","id":"e%d","status":"finished","class":{"code":"AMB"},"subject":{"reference":"urn:uuid:p"},"period":{"start":"%s"}}`, i, at)
		}
		entries = append(entries, fmt.Sprintf(`{"fullUrl":"urn:uuid:r%d","resource":%s}`, i, r))
	}
	return []byte(`{"resourceType":"Bundle","type":"collection","entry":[` + strings.Join(entries, ",\n") + `]}`)
}

// BenchmarkImport1000 imports a 1,000-resource bundle: StartImport (read,
// stage, suggest), registering the patient, and FinishImport (write every
// accepted item with its audit entry). The target is under 500 ms.
func BenchmarkImport1000(b *testing.B) {
	ta := newTestAppAt(b, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	bundle := importBundle(1000)
	b.ResetTimer()
	for i := range b.N {
		// Each round is another patient (born a day later, with another
		// identifier): registering the same one twice is refused.
		b.StopTimer()
		born := time.Date(1950, 3, 4, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format("2006-01-02")
		data := bytes.Replace(bundle, []byte(`"birthDate":"1950-03-04"`), []byte(`"birthDate":"`+born+`"`), 1)
		data = bytes.Replace(data, []byte(`"value":"X1"`), []byte(fmt.Sprintf(`"value":"X%d"`, i+1)), 1)
		b.StartTimer()
		r, err := ta.Clinician.Chart.StartImport("history.json", b64(data), "")
		if err != nil {
			b.Fatal(err)
		}
		if r.Found.In != 1000 {
			b.Fatalf("found %+v", r.Found)
		}
		if r, err = ta.Clinician.Chart.CreatePatientFromImport(r.ID); err != nil {
			b.Fatal(err)
		}
		done, err := ta.Clinician.Chart.FinishImport(r.ID, nil)
		if err != nil {
			b.Fatal(err)
		}
		if done.Tally.Written < 700 {
			b.Fatalf("tally %+v", done.Tally)
		}
	}
}

// TestImportBundleOfAThousand checks the benchmark's bundle imports as
// meant, so the benchmark measures real work.
func TestImportBundleOfAThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 1,000 resources")
	}
	ta := newTestAppAt(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	r, err := ta.Clinician.Chart.StartImport("history.json", b64(importBundle(1000)), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = ta.Clinician.Chart.CreatePatientFromImport(r.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done, err := ta.Clinician.Chart.FinishImport(r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("finish: %v; tally %+v", time.Since(start), done.Tally)
	checkAccounted(t, done)
	if done.Tally.KeptOriginal != 125 { // the visits
		t.Errorf("tally %+v", done.Tally)
	}
	var _ = json.Valid
}

// TestReferralRoundTrip sends a referral from one Folio to another: every
// item that left the first clinic arrives in the second, coded as it was,
// signed by the first clinic, with the first clinic as its source; the
// problem left out of the referral does not.
func TestReferralRoundTrip(t *testing.T) {
	sender := newTestApp(t)
	dr := sender.Clinician.Chart
	p := sender.register(t, samplePatient())
	blank := app.ProblemInput{Status: "active"}
	diabetes := blank
	diabetes.Code, diabetes.Onset = "E11.9", "2014"
	depression := blank
	depression.Code = "F32.9"
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := dr.AddProblem(p.ID, diabetes)
	mustDo(err)
	left, err := dr.AddProblem(p.ID, depression)
	mustDo(err)
	_, err = dr.AddAllergy(p.ID, app.AllergyInput{Substance: "Penicillin", SubstanceKind: "drug_class", Reaction: "hives", Severity: "moderate"})
	mustDo(err)
	_, err = dr.AddMedication(p.ID, sampleMedication("metformin"), nil)
	mustDo(err)
	_, err = dr.RecordImmunization(p.ID, sampleImmunization())
	mustDo(err)
	_, err = dr.RecordLabResult(p.ID, sampleLabResult("4548-4", "7.4"))
	mustDo(err)
	_, err = dr.RecordVitals(p.ID, sampleVitals())
	mustDo(err)
	preview, err := dr.ReferralPreview(p.ID)
	mustDo(err)
	var ids []string
	for _, s := range preview.Sections {
		for _, it := range s.Items {
			if it.ID != left.ID {
				ids = append(ids, it.ID)
			}
		}
	}
	file, err := dr.ExportReferral(p.ID, app.ReferralRequest{IncludedIDs: ids, Recipient: "Dr Haddad", Purpose: "referral",
		Reason: "diabetes"})
	mustDo(err)

	receiver := newTestAppAt(t, testStart.Add(24*time.Hour))
	rc := receiver.Clinician.Chart
	r, err := rc.StartImport(file.FileName, file.Data, "")
	mustDo(err)
	if r.Verification.Signature != "valid" || r.Verification.SignerFingerprint != file.Fingerprint ||
		r.Source.Organization != clinicName {
		t.Errorf("verification %+v, source %+v", r.Verification, r.Source)
	}
	r, err = rc.CreatePatientFromImport(r.ID)
	mustDo(err)
	done, err := rc.FinishImport(r.ID, nil)
	mustDo(err)
	checkAccounted(t, done)
	for _, s := range done.Sections {
		for _, it := range s.Items {
			// Folio computes BMI rather than storing it: the BMI it sent is kept as the original.
			bmi := it.Kind == "vitals" && strings.HasPrefix(it.Display, "BMI") && it.Decision == "kept_original"
			if it.Decision != "accepted" && !bmi {
				t.Errorf("%s %q: %s (%s)", it.Kind, it.Display, it.Decision, it.Detail)
			}
		}
	}
	q := done.Patient.ID
	problems, _ := rc.Problems(q)
	allergies, _ := rc.Allergies(q)
	meds, _ := rc.Medications(q)
	doses, _ := rc.Immunizations(q)
	results, _ := rc.LabResults(q)
	vitals, _ := rc.Vitals(q, 10)
	if len(problems) != 1 || problems[0].Code != "E11.9" || problems[0].Onset != "2014" ||
		len(allergies.Allergies) != 1 || allergies.Allergies[0].Substance != "Penicillin" ||
		len(meds) != 1 || meds[0].RxNorm == "" || meds[0].Source != "elsewhere" ||
		len(doses) != 1 || doses[0].Source != "elsewhere" || len(results) != 1 || results[0].LOINC != "4548-4" ||
		len(vitals) != 1 {
		t.Errorf("arrived: problems %+v\nallergies %+v\nmeds %+v\ndoses %+v\nresults %d, vitals %d",
			problems, allergies.Allergies, meds, doses, len(results), len(vitals))
	}
	sources, err := rc.ImportSources(q)
	mustDo(err)
	for _, s := range sources {
		if s.SourceOrg != clinicName {
			t.Errorf("source %+v", s)
		}
	}
}

// TestReferralComesBack imports a clinic's own referral back into it: the
// clinic's MRN in the file finds the chart it came from, and every item is
// already present there.
func TestReferralComesBack(t *testing.T) {
	ta := newTestApp(t)
	dr := ta.Clinician.Chart
	p := ta.register(t, samplePatient())
	if _, err := dr.AddProblem(p.ID, app.ProblemInput{Code: "E11.9", Status: "active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := dr.AddMedication(p.ID, sampleMedication("metformin"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := dr.RecordImmunization(p.ID, sampleImmunization()); err != nil {
		t.Fatal(err)
	}
	if _, err := dr.RecordLabResult(p.ID, sampleLabResult("4548-4", "7.4")); err != nil {
		t.Fatal(err)
	}
	if _, err := dr.RecordVitals(p.ID, sampleVitals()); err != nil {
		t.Fatal(err)
	}
	preview, err := dr.ReferralPreview(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range preview.Sections {
		for _, it := range s.Items {
			ids = append(ids, it.ID)
		}
	}
	file, err := dr.ExportReferral(p.ID, app.ReferralRequest{IncludedIDs: ids, Recipient: "Dr Haddad", Purpose: "referral", Reason: "r"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := dr.StartImport(file.FileName, file.Data, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Candidates) == 0 || r.Candidates[0].Patient.ID != p.ID || !strings.Contains(r.Candidates[0].Reasons[0], "own MRN") {
		t.Fatalf("candidates %+v", r.Candidates)
	}
	r, err = dr.MatchImport(r.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Sections {
		for _, it := range s.Items {
			bmi := strings.HasPrefix(it.Display, "BMI") && it.Suggested == "kept_original"
			if it.Kind != "patient" && it.Suggested != "already_present" && !bmi {
				t.Errorf("%s %q suggested %s (%s)", it.Kind, it.Display, it.Suggested, it.Detail)
			}
		}
	}
}
