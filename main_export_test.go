package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"folio/app/archive"
)

func TestExportPatient(t *testing.T) {
	data := dataDir(t)
	out := mustFolio(t, "demo", "--patients", "30", "--charts", "2", "--seed", "3", "--data", data)
	m := regexp.MustCompile(`Charted patients \(MRN\): (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("demo printed %q", out)
	}
	mrn := m[1]
	file := filepath.Join(t.TempDir(), "referral.folio")
	out = mustFolio(t, "export", "--patient", mrn, "--out", file, "--recipient", "Northside Clinic",
		"--purpose", "patient moved", "--data", data)
	if !strings.Contains(out, "Wrote "+file) || !strings.Contains(out, "Recorded as a disclosure to Northside Clinic") ||
		!regexp.MustCompile(`problems [1-9]`).MatchString(out) {
		t.Errorf("export printed %q", out)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := archive.Open(raw, "")
	if err != nil || !opened.Verification.SignatureValid {
		t.Fatalf("the exported archive does not open: %v", err)
	}
	if _, ok := opened.File("bundle.json"); !ok {
		t.Error("no bundle.json in the archive")
	}

	// A folder as --out names the file after the patient; a passphrase
	// file encrypts it.
	folder := t.TempDir()
	pass := filepath.Join(t.TempDir(), "pass.txt")
	os.WriteFile(pass, []byte("a long enough passphrase\n"), 0o600)
	out = mustFolio(t, "export", "--patient", mrn, "--out", folder, "--recipient", "Dr. Haddad", "--purpose", "referral",
		"--passphrase-file", pass, "--data", data)
	written, _ := filepath.Glob(filepath.Join(folder, "*_export.folio.age"))
	if len(written) != 1 || !strings.Contains(out, "encrypted") {
		t.Errorf("export into a folder wrote %v, printed %q", written, out)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no recipient", []string{"--patient", mrn, "--out", filepath.Join(folder, "x"), "--purpose", "p"}, 2, "--recipient"},
		{"neither patient nor all", []string{"--out", folder}, 2, "--patient MRN or --all"},
		{"both", []string{"--all", "--patient", mrn, "--out", folder}, 2, "--patient MRN or --all"},
		{"file exists", []string{"--patient", mrn, "--out", file, "--recipient", "r", "--purpose", "p"}, 1, "exists"},
		{"unknown MRN", []string{"--patient", "999", "--out", filepath.Join(folder, "y"), "--recipient", "r", "--purpose", "p"}, 1, "No patient"},
		{"short passphrase", []string{"--patient", mrn, "--out", filepath.Join(folder, "z"), "--recipient", "r",
			"--purpose", "p", "--passphrase-file", writeFile(t, "short\n")}, 1, "at least 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := folio(t, append([]string{"export", "--data", data}, tc.args...)...)
			if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("exit %d (%v), want %d saying %q", exitCode(err), err, tc.code, tc.says)
			}
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportAll(t *testing.T) {
	data := dataDir(t)
	mustFolio(t, "demo", "--patients", "40", "--charts", "3", "--seed", "5", "--data", data)
	dir := filepath.Join(t.TempDir(), "bulk")
	out := mustFolio(t, "export", "--all", "--out", dir, "--data", data)
	// The three demo charts each have a signed visit: its Encounter and its note.
	if !strings.Contains(out, "Exported 40 patients to "+dir) || !regexp.MustCompile(`Patient\.ndjson\s+40`).MatchString(out) ||
		!regexp.MustCompile(`Encounter\.ndjson\s+3\n`).MatchString(out) ||
		!regexp.MustCompile(`DocumentReference\.ndjson\s+3\n`).MatchString(out) {
		t.Errorf("export --all printed %q", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "Patient.ndjson"))
	if err != nil || strings.Count(string(raw), "\n") != 40 {
		t.Errorf("Patient.ndjson: %d lines, %v", strings.Count(string(raw), "\n"), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "export.json")); err != nil {
		t.Error(err)
	}
	_, err = folio(t, "export", "--all", "--out", dir, "--data", data)
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a used folder: %v", err)
	}
}
