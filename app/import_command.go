package app

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

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
	// MismatchReason, when given, says why the file goes into PatientMRN's
	// chart although its patient's details differ (see import_identity.go);
	// without it such a file is refused.
	MismatchReason string
	// AlertReason, when given, continues past every interaction and allergy
	// alert the file's items raise, each override recorded with this reason
	// and audited as the import screen's are; without it a file that raises
	// one is refused, each alert named.
	AlertReason string
}

// ImportFile imports a file from the command line in one transaction:
// read and checked as StartImport does, matched to the chart named (or a
// new one registered from the file), every item decided as Folio suggests
// and the accepted ones written. A refusal at any step writes nothing:
// a chart whose patient is not the file's (both named; see
// import_identity.go) unless MismatchReason says why it is all the same,
// a new chart for a person who has one here already (named), and a file
// whose items raise alerts (each named) unless AlertReason is given. The
// audit names the clinician and, as the workstation, this PC's command
// line and the operating-system user.
func (a *App) ImportFile(req CommandLineImport) (ImportReview, error) {
	req.PatientMRN = strings.TrimSpace(req.PatientMRN)
	req.MismatchReason, req.AlertReason = strings.TrimSpace(req.MismatchReason), strings.TrimSpace(req.AlertReason)
	if (req.PatientMRN == "") == !req.NewPatient {
		return ImportReview{}, errorf(Invalid, "Say which chart the record goes to: --patient MRN, or --new to register the patient.")
	}
	if req.NewPatient && req.MismatchReason != "" {
		return ImportReview{}, errorf(Invalid, "--mismatch-reason is for a file going into an existing chart (--patient MRN), not a new one.")
	}
	for _, reason := range []string{req.MismatchReason, req.AlertReason} {
		if utf8.RuneCountInString(reason) > maxReasonLength-len(commandLineReason) {
			return ImportReview{}, errorf(Invalid, "A reason can have at most %d characters.", maxReasonLength-len(commandLineReason))
		}
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
		var check identityCheck
		if req.NewPatient {
			p, err = o.createPatientFromImport(im, func(mrn string) string {
				return fmt.Sprintf("Import the record into that chart instead: folio import %s --patient %s", req.FileName, mrn)
			})
			if err != nil {
				return err
			}
		} else {
			if p, err = o.PatientByMRN(req.PatientMRN); err != nil {
				return errorf(NotFound, "No patient has the MRN %s.", req.PatientMRN)
			}
			if p.Merged() {
				return o.mergedError(p)
			}
			reason := req.MismatchReason
			if reason != "" {
				reason += commandLineReason
			}
			check, err = o.matchChecked(im, p, reason, "Nothing was imported. Check the MRN. If the file is about this patient all the same, "+
				"import it on Folio's import screen, or give the reason with --mismatch-reason.")
			if err != nil {
				return err
			}
			if err := o.audit("import.match", p.ID, "import/"+id, matchAudit(im, p, check, reason)); err != nil {
				return err
			}
		}
		if im, err = o.ImportByID(id); err != nil {
			return err
		}
		overrides, overridden, err := o.commandLineOverrides(im, p, req.AlertReason)
		if err != nil {
			return err
		}
		tally, err := o.finishImport(im, p, overrides)
		if err != nil {
			return err
		}
		if err := o.CloseImport(id, db.ImportDone, o.actor.userID, o.now); err != nil {
			return err
		}
		if out, err = o.importReview(id); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s from %s, on the command line, every suggestion accepted: %d written, %d already present, %d skipped, %d kept as original",
			im.FileName, im.SourceOrg, tally.Written, tally.AlreadyPresent, tally.Skipped, tally.KeptOriginal)
		if overridden > 0 {
			detail += fmt.Sprintf("; %d alerts overridden with --reason: %s", overridden, req.AlertReason)
		}
		return o.audit("import.finish", p.ID, "import/"+id, detail)
	})
	var refused *Error
	if errors.As(err, &refused) {
		// The message names both people or the charts; the fields only
		// repeat it for the import screen.
		delete(refused.Fields, "mismatch")
		delete(refused.Fields, "registered")
	}
	return out, err
}

// commandLineReason ends every reason given on the command line, so the
// override or match it is recorded with says where it was given.
const commandLineReason = " (given on the command line)"

// commandLineOverrides are the overrides of every alert the import's items
// raise against chart p (see importAlerts), each with reason, by item id,
// and how many there are. Without a reason, an import with alerts is
// refused, each alert named with its drugs and severity.
func (o *op) commandLineOverrides(im db.Import, p db.Patient, reason string) (map[string][]Override, int, error) {
	items, err := o.ImportItems(im.ID)
	if err != nil {
		return nil, 0, err
	}
	src := importSource{org: im.SourceOrg, date: im.SourceDate}
	all, err := o.importAlerts(p.ID, items, src, nil)
	if err != nil {
		return nil, 0, err
	}
	// Only the items to be written need reasons: importAlerts also says
	// what an item suggested "already present" would raise if accepted.
	alerts := map[string][]importAlert{}
	for _, it := range items {
		if it.Decision == db.ItemPending && orDefault(it.Chosen, it.Suggested) == db.ItemAccept && len(all[it.ID]) > 0 {
			alerts[it.ID] = all[it.ID]
		}
	}
	if len(alerts) == 0 {
		return nil, 0, nil
	}
	if reason == "" {
		named, err := o.nameImportAlerts(p, items, alerts, src)
		if err != nil {
			return nil, 0, err
		}
		what := "an interaction or allergy alert"
		if len(named) > 1 {
			what = fmt.Sprintf("%d interaction or allergy alerts", len(named))
		}
		return nil, 0, &Error{Kind: Invalid, Message: fmt.Sprintf("Nothing was imported: the file's medications or allergies raise %s:\n  %s\n"+
			"Continuing past an alert needs a reason: give one with --reason (it is recorded for every alert of this import), "+
			"or import the file on Folio's import screen, where each alert can be decided on its own.",
			what, strings.Join(named, "\n  "))}
	}
	overrides := map[string][]Override{}
	n := 0
	for itemID, list := range alerts {
		for _, a := range list {
			overrides[itemID] = append(overrides[itemID], Override{AlertKey: a.Key, Reason: reason + commandLineReason})
			n++
		}
	}
	return overrides, n, nil
}

// nameImportAlerts says each alert of an import in a line: the drugs or
// the allergy, where each comes from, the severity and what it is:
// "warfarin (imported) with ibuprofen (on the chart): MAJOR — Warfarin
// with an NSAID".
func (o *op) nameImportAlerts(p db.Patient, items []db.ImportItem, alerts map[string][]importAlert, src importSource) ([]string, error) {
	onChart := map[string]bool{}
	meds, err := o.ActiveMedications(p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range meds {
		onChart[db.Fold(m.DrugName)] = true
	}
	allergies, err := o.ActiveAllergies(p.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range allergies {
		onChart["allergy "+db.Fold(a.Substance)] = true
	}
	from := func(key string) string {
		if onChart[key] {
			return "on the chart"
		}
		return "imported"
	}
	var out []string
	for _, it := range items {
		list := alerts[it.ID]
		if len(list) == 0 {
			continue
		}
		rec, err := o.record(p, it, src)
		if err != nil {
			return nil, err
		}
		var self string
		switch row := rec.row.(type) {
		case db.Medication:
			self = row.DrugName + " (imported)"
		case db.Allergy:
			self = "the allergy to " + row.Substance + " (imported)"
		}
		for _, a := range list {
			var other string
			switch {
			case a.Allergy != "" && it.Kind == itemMedication:
				other = fmt.Sprintf("the allergy to %s (%s)", a.Allergy, from("allergy "+db.Fold(a.Allergy)))
			default:
				name := otherDrug(a.Drugs, rec.row)
				other = fmt.Sprintf("%s (%s)", name, from(db.Fold(name)))
			}
			out = append(out, fmt.Sprintf("%s with %s: %s — %s", self, other, strings.ToUpper(a.Severity), a.What))
		}
	}
	return out, nil
}

// otherDrug is the drug of an alert that is not the item's own (the
// item's own when the alert names it twice, as a duplicate does).
func otherDrug(drugs []string, row any) string {
	own := ""
	if m, ok := row.(db.Medication); ok {
		own = db.Fold(m.DrugName)
	}
	for _, d := range drugs {
		if db.Fold(d) != own {
			return d
		}
	}
	if len(drugs) > 0 {
		return drugs[0]
	}
	return "another drug"
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
