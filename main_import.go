package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"folio/app"
)

// runImport is `folio import FILE`: a Folio archive or a FHIR bundle
// imported into one chart, every suggestion accepted, with a report. The
// clinician named by --as answers for it (the clinic's one clinician when
// it has only one): an import writes clinical records, which an admin may
// not. The audit names them and this PC's command line and OS user. A
// refused file exits non-zero and writes nothing: one about someone else
// than --patient's chart (both named), --new for a person registered
// already (their chart named), or one whose items raise interaction or
// allergy alerts (each named). --mismatch-reason and --reason say why to
// go ahead all the same; they are recorded and audited as the import
// screen's confirmations are. The flag for a mismatch is there because a
// clinic migrating its charts meets real ones (a name changed by marriage
// with no phone in the file, a birth date the old system had wrong) and
// must not need the screen for each; it takes a reason, never a yes, and
// names the differences it passes over in the report.
func runImport(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dataFlag := newFlags("import",
		"import FILE (--patient MRN [--mismatch-reason TEXT] | --new) [--reason TEXT] [--passphrase-file F] [--as USER] [--data DIR]", stdout)
	mrn := fs.String("patient", "", "the MRN of the chart the record goes to; refused when the file's patient is someone else\n"+
		"(birth date, sex or name differ; both are named)")
	newPatient := fs.Bool("new", false, "register the patient the file describes as a new chart; refused when they have a chart\n"+
		"here already (the same file or identifier imported before, or the same person), which is named")
	mismatchReason := fs.String("mismatch-reason", "", "with --patient: import although the file's patient details differ from the chart's,\n"+
		"for this reason (recorded with the import and audited); check the differences first")
	alertReason := fs.String("reason", "", "continue past every interaction and allergy alert the file's items raise, recording\n"+
		"this reason with each override (audited as on the import screen); without it such a file is refused")
	passphraseFile := fs.String("passphrase-file", "", "open an encrypted archive with the passphrase on this file's first line")
	as := fs.String("as", "", "the clinician who answers for the import (default: the clinic's only clinician)")
	// The file comes first, as the usage shows; the options follow it.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case file == "":
		return &exitError{2, errors.New("import: name the file to import (see --help)")}
	case (*mrn == "") == !*newPatient:
		return &exitError{2, errors.New("import: say which chart the record goes to: --patient MRN, or --new to register the patient")}
	case *newPatient && *mismatchReason != "":
		return &exitError{2, errors.New("import: --mismatch-reason goes with --patient MRN: a new chart is registered from the file itself")}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	passphrase := ""
	if *passphraseFile != "" {
		if passphrase, err = readPassphrase(*passphraseFile); err != nil {
			return err
		}
	}
	a, closeApp, err := openClinic(ctx, resolveDataDir(*dataFlag))
	if err != nil {
		return err
	}
	defer closeApp()
	r, err := a.ImportFile(app.CommandLineImport{FileName: filepath.Base(file), Data: data, Passphrase: passphrase,
		PatientMRN: *mrn, NewPatient: *newPatient, Username: *as, MismatchReason: *mismatchReason, AlertReason: *alertReason})
	if err != nil {
		return describe(err)
	}
	printImport(stdout, r)
	return nil
}

func printImport(w io.Writer, r app.ImportReview) {
	fmt.Fprintf(w, "Imported %s into MRN %s (%s, %s).\n", r.FileName, r.Patient.MRN, r.Patient.FamilyName, r.Patient.GivenNames)
	if r.MatchNote != "" {
		fmt.Fprintf(w, "Patient: %s\n", r.MatchNote)
	}
	fmt.Fprintf(w, "Verification: %s\n", r.Verification.Summary)
	fmt.Fprintf(w, "Source: %s", r.Source.Organization)
	if r.Source.Date != "" {
		fmt.Fprintf(w, ", %s", r.Source.Date)
	}
	fmt.Fprintln(w, ".")
	t := r.Tally
	fmt.Fprintf(w, "Resources in the file: %d: %d written, %d already present, %d skipped, %d kept as original.\n",
		r.Found.In, t.Written, t.AlreadyPresent, t.Skipped, t.KeptOriginal)
	for _, s := range r.Sections {
		written := 0
		for _, it := range s.Items {
			if it.Decision == "accepted" {
				written++
			}
		}
		fmt.Fprintf(w, "  %-14s %d of %d written\n", s.Title, written, len(s.Items))
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "Note: %s\n", warning)
	}
}
