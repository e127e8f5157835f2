package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"folio/db"
)

func TestImport(t *testing.T) {
	data := dataDir(t)
	mustFolio(t, "demo", "--patients", "5", "--charts", "1", "--seed", "3", "--data", data)
	ips := filepath.Join("app", "fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-01.json")

	// The demo clinic has one clinician, who answers for the import.
	out := mustFolio(t, "import", ips, "--new", "--data", data)
	m := regexp.MustCompile(`into MRN (\S+) \(DeLarosa, Martha\)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Not signed") ||
		!strings.Contains(out, "Resources in the file: 20: 12 written, 0 already present, 0 skipped, 8 kept as original.") {
		t.Fatalf("import printed %q", out)
	}
	mrn := m[1]
	// Again, into the same chart: all there already.
	out = mustFolio(t, "import", ips, "--patient", mrn, "--data", data)
	if !strings.Contains(out, "0 written, 12 already present") {
		t.Errorf("second import printed %q", out)
	}
	info, err := db.Verify(context.Background(), filepath.Join(data, db.FileName))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no file", []string{"--new"}, 2, "name the file"},
		{"no chart", []string{ips}, 2, "--patient MRN, or --new"},
		{"both", []string{ips, "--new", "--patient", mrn}, 2, "--patient MRN, or --new"},
		{"missing file", []string{"nowhere.json", "--new"}, 1, "read nowhere.json"},
		{"not FHIR", []string{writeFile(t, "name,dob\nAna,1980\n"), "--new"}, 1, "not JSON"},
		{"a bare Patient", []string{writeFile(t, `{"resourceType":"Patient","id":"p","identifier":[{"system":"urn:x","value":"1"}],`+
			`"name":[{"family":"Doe","given":["Jane"]}]}`), "--new"}, 1,
			"Folio expects a FHIR Bundle (a document or a collection) or a Folio archive; this file is a single Patient resource"},
		{"unknown MRN", []string{ips, "--patient", "9999999"}, 1, "No patient has the MRN"},
		{"an admin", []string{ips, "--new", "--as", "admin"}, 1, "not a clinician"},
		{"a new chart again", []string{ips, "--new"}, 1, "this patient has a chart here already: MRN " + mrn +
			", Martha DeLarosa, F, born 1972-05-01 (The same file was imported into this chart before). " +
			"Import the record into that chart instead: folio import Bundle-IPS-examples-Bundle-01.json --patient " + mrn},
		{"a mismatch reason for a new chart", []string{ips, "--new", "--mismatch-reason", "x"}, 2, "goes with --patient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := folio(t, append(append([]string{"import"}, tc.args...), "--data", data)...)
			if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("exit %d (%v), want %d saying %q", exitCode(err), err, tc.code, tc.says)
			}
		})
	}
	after, err := db.Verify(context.Background(), filepath.Join(data, db.FileName))
	if err != nil || after.Patients != info.Patients {
		t.Errorf("refused imports changed the clinic: %+v, then %+v (%v)", info, after, err)
	}
}

// importedMRN is the MRN an import printed it went into.
func importedMRN(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`into MRN (\S+) `).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("import printed %q", out)
	}
	return m[1]
}

// clinicCounts is how many patients and imports the clinic holds.
func clinicCounts(t *testing.T, data string) (patients, imports int) {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(data, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.View(context.Background(), func(tx *db.Tx) (err error) {
		if patients, err = tx.CountPatients(); err != nil {
			return err
		}
		imports, _, err = tx.CountImports()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return patients, imports
}

// TestImportRefusesTheWrongPatient: the Synthea record of a girl born 2017
// is refused for the chart of a man born 1949, both named, nothing
// written; --mismatch-reason imports it all the same and says so.
func TestImportRefusesTheWrongPatient(t *testing.T) {
	data := dataDir(t)
	mustFolio(t, "demo", "--patients", "5", "--charts", "1", "--seed", "3", "--data", data)
	synthea := filepath.Join("app", "fhir", "testdata", "synthea")
	adolfo := importedMRN(t, mustFolio(t, "import", filepath.Join(synthea, "synthea-Adolfo_Marquardt_50635536-8051-4085-bfd4-511a05062ac2.json"), "--new", "--data", data))
	girl := filepath.Join(synthea, "synthea-Beatrice_Hagenes_c2a1f46c-7072-40cb-814b-6acf5b96aadf.json")
	patients, imports := clinicCounts(t, data)

	_, err := folio(t, "import", girl, "--patient", adolfo, "--data", data)
	both := fmt.Sprintf("The file is about Beatrice Hagenes, F, born 2017-06-28; MRN %s is Adolfo Marquardt, M, born 1949-08-02. The birth date, sex and name differ.", adolfo)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), both) || !strings.Contains(err.Error(), "Nothing was imported") ||
		!strings.Contains(err.Error(), "--mismatch-reason") || strings.Contains(err.Error(), "mismatch:") {
		t.Fatalf("exit %d: %v\nwant it to say %q", exitCode(err), err, both)
	}
	if p, i := clinicCounts(t, data); p != patients || i != imports {
		t.Errorf("a refused import wrote: %d patients, %d imports; then %d, %d", patients, imports, p, i)
	}

	out := mustFolio(t, "import", girl, "--patient", adolfo, "--mismatch-reason", "the sender filed her under her grandfather", "--data", data)
	if !strings.Contains(out, "into MRN "+adolfo) || !strings.Contains(out, "Patient: Matched to MRN "+adolfo+" although the details differ: "+both+
		" Confirmed by drlee: the sender filed her under her grandfather (given on the command line)") {
		t.Errorf("import printed %q", out)
	}
}

// TestImportAlertsOnTheCommandLine: a file whose drug interacts with the
// chart's is refused with the drugs, their origin and the severity named;
// --reason imports it, the override recorded and audited as from the
// command line. The files are hand-made: one patient, one drug each.
func TestImportAlertsOnTheCommandLine(t *testing.T) {
	data := dataDir(t)
	mustFolio(t, "demo", "--patients", "5", "--charts", "1", "--seed", "3", "--data", data)
	file := func(drug string) string {
		return writeFile(t, `{"resourceType":"Bundle","type":"collection","entry":[
			{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","name":[{"family":"Quispe","given":["Rosa"]}],
			 "birthDate":"1950-07-09","gender":"female"}},
			{"fullUrl":"urn:uuid:m","resource":{"resourceType":"MedicationStatement","id":"m","status":"active",
			 "medicationCodeableConcept":{"text":"`+drug+`"},"subject":{"reference":"urn:uuid:p"},"effectivePeriod":{"start":"2025-01-02"}}}]}`)
	}
	mrn := importedMRN(t, mustFolio(t, "import", file("ibuprofen"), "--new", "--data", data))
	warfarin := file("warfarin")
	_, imports := clinicCounts(t, data)

	_, err := folio(t, "import", warfarin, "--patient", mrn, "--data", data)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "warfarin (imported) with ibuprofen (on the chart): MAJOR — Warfarin with an NSAID") ||
		!strings.Contains(err.Error(), "--reason") || !strings.Contains(err.Error(), "import screen") {
		t.Fatalf("exit %d: %v", exitCode(err), err)
	}
	if _, i := clinicCounts(t, data); i != imports {
		t.Errorf("a refused import wrote: %d imports, then %d", imports, i)
	}

	const why = "INR checked weekly at the anticoagulation clinic"
	out := mustFolio(t, "import", warfarin, "--patient", mrn, "--reason", why, "--data", data)
	if !strings.Contains(out, "1 written") {
		t.Errorf("import printed %q", out)
	}
	d, err := db.Open(context.Background(), filepath.Join(data, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var entries []db.AuditEntryView
	err = d.View(context.Background(), func(tx *db.Tx) (err error) {
		entries, err = tx.Audit(db.AuditFilter{Action: "medication.override", Limit: 10})
		return err
	})
	if err != nil || len(entries) != 1 {
		t.Fatalf("override audit entries %+v, %v", entries, err)
	}
	if e := entries[0]; e.PatientMRN != mrn || !strings.Contains(e.Detail, "major: Warfarin with an NSAID; reason: "+why+" (given on the command line)") ||
		!strings.Contains(e.Workstation, "command line") || e.Username != "drlee" {
		t.Errorf("override audited as %+v", e)
	}
}
