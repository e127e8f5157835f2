package main

import (
	"context"
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
		{"unknown MRN", []string{ips, "--patient", "9999999"}, 1, "No patient has the MRN"},
		{"an admin", []string{ips, "--new", "--as", "admin"}, 1, "not a clinician"},
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
