package app

// Interaction and allergy alerts on an import: a medication or allergy that
// comes in a referral is checked as if it were typed in, by the same rules
// (see drugAlerts), against the chart it goes to and the other items of the
// file that are being accepted with it. Continuing past an alert needs a
// reason, as on the medication form; the reasons travel with FinishImport.

import (
	"fmt"
	"slices"

	"folio/app/cds"
	"folio/db"
)

// importAlert is an alert an item raises. For an imported allergy it names
// the chart's medications it conflicts with, which the override is
// recorded against (an allergy has no alert overrides of its own).
type importAlert struct {
	Alert
	medicationIDs []string
}

// importAlerts are the alerts each pending medication and allergy item of
// an import would raise if accepted, by item id, gravest first. A
// medication is checked against the chart's active medications and
// allergies, the active allergies accepted from the file, and the active
// medications accepted from the file before it (so an interaction between
// two of the file's drugs is asked about once, on the later one). An
// allergy is checked against the chart's active medications (the file's
// own are checked against it above). A medication or allergy that is not
// active (stopped, resolved) raises nothing. patientID is the matched
// chart; "" checks the file's items only. checks, when not nil, is given
// whether each medication and allergy item is read by the check at all.
func (o *op) importAlerts(patientID string, items []db.ImportItem, src importSource, checks map[string]DrugCheck) (map[string][]importAlert, error) {
	var chartMeds []chartDrug
	var chartAllergies []cds.AllergySubstance
	if patientID != "" {
		list, err := o.checkList(patientID, "")
		if err != nil {
			return nil, err
		}
		chartMeds, chartAllergies = list.meds, list.allergies
	}
	type candidate struct {
		item     db.ImportItem
		accepted bool
		drug     cds.Drug
		allergy  cds.AllergySubstance
	}
	var meds, allergies []candidate
	p := db.Patient{ID: patientID}
	for _, it := range items {
		if it.Decision != db.ItemPending || (it.Kind != itemMedication && it.Kind != itemAllergy) ||
			it.Suggested == db.ItemKeptOriginal || it.Suggested == db.ItemSkipped {
			continue
		}
		rec, err := o.record(p, it, src)
		if err != nil {
			return nil, err
		}
		c := candidate{item: it, accepted: orDefault(it.Chosen, it.Suggested) == db.ItemAccept}
		var check DrugCheck
		switch row := rec.row.(type) {
		case db.Medication:
			c.drug, check = o.app.medicationDrug(row)
			if row.Status == db.MedActive {
				meds = append(meds, c)
			}
		case db.Allergy:
			c.allergy, check = o.app.allergySubstance(row)
			if row.Status == db.AllergyActive {
				allergies = append(allergies, c)
			}
		default:
			continue
		}
		if checks != nil {
			checks[it.ID] = check
		}
	}
	out := map[string][]importAlert{}
	// add gives item an alert once, however many of the chart's
	// medications raise it (the same drug listed twice).
	add := func(itemID string, alert Alert, medicationID string) {
		for i, had := range out[itemID] {
			if had.Key == alert.Key {
				if medicationID != "" {
					out[itemID][i].medicationIDs = append(out[itemID][i].medicationIDs, medicationID)
				}
				return
			}
		}
		a := importAlert{Alert: alert}
		if medicationID != "" {
			a.medicationIDs = []string{medicationID}
		}
		out[itemID] = append(out[itemID], a)
	}
	withAllergies := chartAllergies
	for _, a := range allergies {
		for _, m := range chartMeds {
			for _, alert := range o.app.drugAlerts(m.Drug, nil, []cds.AllergySubstance{a.allergy}) {
				add(a.item.ID, alert, m.medicationID)
			}
		}
		if a.accepted {
			withAllergies = append(withAllergies, a.allergy)
		}
	}
	before := chartMeds
	for _, m := range meds {
		for _, alert := range o.app.drugAlerts(m.drug, before, withAllergies) {
			add(m.item.ID, alert, "")
		}
		if m.accepted {
			before = append(before, chartDrug{Drug: m.drug})
		}
	}
	for _, alerts := range out {
		slices.SortStableFunc(alerts, func(x, y importAlert) int {
			return cds.SeverityRank(x.Severity) - cds.SeverityRank(y.Severity)
		})
	}
	return out, nil
}

// plainAlerts are the alerts as the review shows them.
func plainAlerts(alerts []importAlert) []Alert {
	out := make([]Alert, len(alerts))
	for i, a := range alerts {
		out[i] = a.Alert
	}
	return out
}

// unreasonedImport checks the reasons given for an accepted item's alerts:
// it returns them by alert key, or what is missing, in the clinician's
// words, with the alerts that have no reason.
func unreasonedImport(it db.ImportItem, alerts []importAlert, overrides []Override) (map[string]string, string, []Alert) {
	reasons, err := overrideReasons(overrides)
	if err != nil {
		return nil, fmt.Sprintf("%s: a reason can have at most %d characters.", it.Display, maxReasonLength), nil
	}
	missing := unreasoned(plainAlerts(alerts), reasons)
	if len(missing) == 0 {
		return reasons, "", nil
	}
	return nil, fmt.Sprintf("%s raises %s. Give a reason to continue past each, or skip it.", it.Display, alertCount(missing)), missing
}

// recordImportOverrides records the overrides of an accepted item's
// alerts, each audited: a medication's against the medication written; an
// allergy's against each chart medication it conflicts with (the audit
// names the allergy).
func (w *importWriter) recordImportOverrides(it *db.ImportItem, alerts []importAlert, reasons map[string]string) error {
	note := fmt.Sprintf("on importing %s/%s, %s", it.ResourceType, it.ResourceID, w.provenance(it))
	if it.Kind == itemMedication {
		_, err := w.o.recordOverrides(w.p.ID, it.RecordID, plainAlerts(alerts), reasons, note)
		return err
	}
	note = fmt.Sprintf("the imported allergy/%s (%s); %s", it.RecordID, it.Display, note)
	for _, a := range alerts {
		for _, medID := range a.medicationIDs {
			if _, err := w.o.recordOverrides(w.p.ID, medID, []Alert{a.Alert}, reasons, note); err != nil {
				return err
			}
		}
	}
	return nil
}
