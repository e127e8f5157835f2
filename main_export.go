package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"folio/app"
)

// runExport is `folio export`: one chart as a signed archive (--patient),
// recorded as a disclosure, or the whole clinic as FHIR NDJSON (--all).
// Both act as the clinic's first admin (or --as USER), and the audit names
// this PC's command line and the operating-system user who ran it.
func runExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("export",
		"export --patient MRN --out FILE --recipient WHO --purpose WHY [--passphrase-file F] [--as USER] [--data DIR]\n"+
			"       folio export --all --out DIR [--data DIR]", stdout)
	mrn := fs.String("patient", "", "the MRN of the chart to export")
	all := fs.Bool("all", false, "export every chart as FHIR NDJSON (FHIR Bulk Data files) into --out DIR")
	out := fs.String("out", "", "the archive file to write (--patient; a folder names a file in it), or the folder (--all; new or empty)")
	recipient := fs.String("recipient", "", "who the archive goes to (recorded as a disclosure)")
	purpose := fs.String("purpose", "", "why it leaves the clinic (recorded as a disclosure)")
	passphraseFile := fs.String("passphrase-file", "", "encrypt the archive with the passphrase on this file's first line (at least 10 characters)")
	as := fs.String("as", "", "the Folio account answerable for a --patient export (default: the clinic's first admin)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *all == (*mrn != ""):
		return &exitError{2, errors.New("export: say what to export: --patient MRN or --all (see --help)")}
	case *out == "":
		return &exitError{2, errors.New("export: say where to write it with --out")}
	case *all && (*recipient != "" || *purpose != "" || *passphraseFile != "" || *as != ""):
		return &exitError{2, errors.New("export: --recipient, --purpose, --passphrase-file and --as go with --patient, not --all")}
	case !*all && (*recipient == "" || *purpose == ""):
		return &exitError{2, errors.New("export: say to whom with --recipient and why with --purpose; the export is recorded as a disclosure")}
	}
	passphrase := ""
	if *passphraseFile != "" {
		var err error
		if passphrase, err = readPassphrase(*passphraseFile); err != nil {
			return err
		}
	}
	a, closeApp, err := openClinic(ctx, resolveDataDir(*dataFlag))
	if err != nil {
		return err
	}
	defer closeApp()
	if *all {
		return exportAll(ctx, a, *out, stdout)
	}
	return exportPatient(a, app.CommandLineExport{MRN: *mrn, Recipient: *recipient, Purpose: *purpose,
		Passphrase: passphrase, Username: *as}, *out, stdout)
}

func readPassphrase(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the passphrase: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the passphrase: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("the passphrase file %s is empty", path)
	}
	return line, nil
}

func exportPatient(a *app.App, req app.CommandLineExport, out string, stdout io.Writer) error {
	// Check the destination before the export is made and recorded: a
	// disclosure must not be recorded for a file that was never written.
	path := out
	if info, err := os.Stat(out); err == nil && info.IsDir() {
		path = "" // named after the patient, once known
	} else if err == nil {
		return fmt.Errorf("%s exists already; choose another file name", out)
	}
	if path != "" {
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	res, err := a.ExportPatient(req)
	if err != nil {
		return describe(err)
	}
	if path == "" {
		path = filepath.Join(out, res.FileName)
	}
	data, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the archive (its disclosure %s is recorded): %w", res.DisclosureID, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	n := res.Counts
	fmt.Fprintf(stdout, "Wrote %s (%d bytes%s).\n", path, len(data), map[bool]string{true: ", encrypted"}[res.Encrypted])
	fmt.Fprintf(stdout, "Contents: problems %d, allergies %d, medications %d, immunizations %d, results %d, vitals %d.\n",
		n.Problems, n.Allergies, n.Medications, n.Immunizations, n.Results, n.Vitals)
	fmt.Fprintf(stdout, "SHA-256 %s\nSigned with the clinic key %s.\nRecorded as a disclosure to %s (%s).\n",
		res.SHA256, res.Fingerprint, req.Recipient, req.Purpose)
	return nil
}

func exportAll(ctx context.Context, a *app.App, dir string, stdout io.Writer) error {
	progress := func(done, total int) {
		fmt.Fprintf(os.Stderr, "\rExported %d of %d patients", done, total)
	}
	counts, err := a.ExportAll(ctx, dir, progress)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "Exported %d patients to %s in %.1fs:\n", counts.Patients, dir, counts.Seconds)
	for _, name := range counts.Files {
		fmt.Fprintf(stdout, "  %-28s %d\n", name, counts.Resources[strings.TrimSuffix(name, ".ndjson")])
	}
	if counts.DocumentFiles > 0 {
		fmt.Fprintf(stdout, "  %-28s %d files of the charts' documents\n", "documents/", counts.DocumentFiles)
	}
	fmt.Fprintf(stdout, "  %-28s what, when and by which Folio\n", "export.json")
	return nil
}
