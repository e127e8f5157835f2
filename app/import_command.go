package app

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"folio/db"
)

// CommandLineImport is `folio import FILE`: a file imported on this PC's
// command line, every suggestion accepted, into the chart of PatientMRN or
// a new chart (NewPatient).
type CommandLineImport struct {
	FileName   string
	Data       []byte
	Passphrase string
	PatientMRN string
	NewPatient bool
	// Username is the clinician answerable for the import: imports write
	// clinical records, which only a clinician may. "" is the clinic's one
	// active clinician, when it has exactly one.
	Username string
}

// ImportFile imports a file from the command line in one transaction:
// read and checked as StartImport does, matched to the chart named (or a
// new one registered from the file), every item decided as Folio suggests
// and the accepted ones written. A refusal at any step writes nothing. The
// audit names the clinician and, as the workstation, this PC's command
// line and the operating-system user.
func (a *App) ImportFile(req CommandLineImport) (ImportReview, error) {
	req.PatientMRN = strings.TrimSpace(req.PatientMRN)
	if (req.PatientMRN == "") == !req.NewPatient {
		return ImportReview{}, errorf(Invalid, "Say which chart the record goes to: --patient MRN, or --new to register the patient.")
	}
	if req.Username == "" {
		name, err := a.onlyClinician()
		if err != nil {
			return ImportReview{}, err
		}
		req.Username = name
	}
	who, err := a.commandLineActor(req.Username)
	if err != nil {
		return ImportReview{}, err
	}
	if who.role != RoleClinician {
		return ImportReview{}, errorf(Forbidden, "%s is not a clinician; an import writes to the chart, so a clinician must answer for it (--as).", who.username)
	}
	f, err := readImportFile(base64.StdEncoding.EncodeToString(req.Data), req.Passphrase)
	if err != nil {
		return ImportReview{}, err
	}
	var out ImportReview
	err = a.actAs(who, func(o *op) error {
		id, err := o.stageImport(cleanFileName(req.FileName), f)
		if err != nil {
			return err
		}
		im, err := o.ImportByID(id)
		if err != nil {
			return err
		}
		var p db.Patient
		if req.NewPatient {
			if p, err = o.createPatientFromImport(im); err != nil {
				return err
			}
		} else {
			if p, err = o.PatientByMRN(req.PatientMRN); err != nil {
				return errorf(NotFound, "No patient has the MRN %s.", req.PatientMRN)
			}
			if p.Merged() {
				return o.mergedError(p)
			}
			if err := o.matchImport(im, p); err != nil {
				return err
			}
		}
		if im, err = o.ImportByID(id); err != nil {
			return err
		}
		tally, err := o.finishImport(im, p, nil)
		var refused *Error
		if errors.As(err, &refused) && len(refused.Alerts) > 0 {
			// The command line takes no reasons, so an alert refuses the import.
			refused.Message = "Nothing was imported: the file's medications or allergies raise interaction or allergy alerts, " +
				"and continuing past one needs a reason. Import it on Folio's import screen, where each alert is shown and a reason can be given."
		}
		if err != nil {
			return err
		}
		if err := o.CloseImport(id, db.ImportDone, o.actor.userID, o.now); err != nil {
			return err
		}
		if out, err = o.importReview(id); err != nil {
			return err
		}
		return o.audit("import.finish", p.ID, "import/"+id,
			fmt.Sprintf("%s from %s, on the command line, every suggestion accepted: %d written, %d already present, %d skipped, %d kept as original",
				im.FileName, im.SourceOrg, tally.Written, tally.AlreadyPresent, tally.Skipped, tally.KeptOriginal))
	})
	return out, err
}

// onlyClinician names the clinic's one active clinician, or says to
// choose one with --as.
func (a *App) onlyClinician() (string, error) {
	var names []string
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		users, err := tx.Users()
		for _, u := range users {
			if u.Role == RoleClinician && u.Active {
				names = append(names, u.Username)
			}
		}
		return err
	})
	switch {
	case err != nil:
		return "", a.userError(err)
	case len(names) == 0:
		return "", errorf(Invalid, "This clinic has no active clinician to answer for the import.")
	case len(names) > 1:
		return "", errorf(Invalid, "Name the clinician who answers for the import with --as (one of: %s).", strings.Join(names, ", "))
	}
	return names[0], nil
}
