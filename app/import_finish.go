package app

// Finishing an import: every item decided, and the accepted ones written
// to the chart in the one transaction, each linked to its item.

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"folio/db"
)

// FinishImport decides every item of an import under review, as the
// clinician chose or else as Folio suggests, and writes the accepted ones
// to the matched chart, each checked as its form checks it and linked to
// its item: all in one transaction, so that if any accepted item cannot be
// written nothing is, and the error names each such item (field: its id).
// Skipped and already-present items write nothing but their decision; what
// cannot be charted is kept as the original.
//
// decisions, if any, are the clinician's last choices, applied first as
// DecideImportItems applies them, with the reasons for continuing past
// each accepted item's interaction and allergy alerts (ImportItem.Alerts,
// checked again here against the chart as it is now). An accepted item
// with an alert that has no reason refuses the import like an item that
// cannot be charted; the overrides are recorded and audited as the
// medication form records them.
func (s *Chart) FinishImport(importID string, decisions []ItemDecision) (ImportReview, error) {
	var out ImportReview
	err := s.app.act(s.session, permClinical, func(o *op) error {
		im, err := o.reviewing(importID)
		if err != nil {
			return err
		}
		if im.PatientID == "" {
			return errorf(Invalid, "Choose the patient this record is about, or register them, before finishing.")
		}
		p, err := o.chartPatient(im.PatientID)
		if err != nil {
			return err
		}
		if _, err := o.chooseItems(im, decisions); err != nil {
			return err
		}
		overrides := map[string][]Override{}
		for _, d := range decisions {
			overrides[d.ItemID] = append(overrides[d.ItemID], d.Overrides...)
		}
		tally, err := o.finishImport(im, p, overrides)
		if err != nil {
			return err
		}
		if err := o.CloseImport(im.ID, db.ImportDone, o.actor.userID, o.now); err != nil {
			return err
		}
		if out, err = o.importReview(im.ID); err != nil {
			return err
		}
		return o.audit("import.finish", p.ID, "import/"+im.ID,
			fmt.Sprintf("%s from %s: %d written, %d already present, %d skipped, %d kept as original",
				im.FileName, im.SourceOrg, tally.Written, tally.AlreadyPresent, tally.Skipped, tally.KeptOriginal))
	})
	return out, err
}

// finishImport decides and writes the items (see FinishImport), with the
// overrides of their alerts by item id.
func (o *op) finishImport(im db.Import, p db.Patient, overrides map[string][]Override) (ImportTally, error) {
	if err := o.decidePatientItem(im.ID, db.ItemAlreadyPresent, p); err != nil {
		return ImportTally{}, err
	}
	items, err := o.ImportItems(im.ID)
	if err != nil {
		return ImportTally{}, err
	}
	chart, err := o.chartKeys(p.ID)
	if err != nil {
		return ImportTally{}, err
	}
	src := importSource{org: im.SourceOrg, date: im.SourceDate}
	if err := o.suggest(items, p, chart, src); err != nil {
		return ImportTally{}, err
	}
	alerts, err := o.importAlerts(p.ID, items, src, nil)
	if err != nil {
		return ImportTally{}, err
	}
	w := &importWriter{o: o, p: p, im: im, sets: map[string][]*vitalsGroup{}}
	fields := fieldErrors{}
	var unreasonedAlerts []Alert
	unreasonedItems := 0
	pending := make([]bool, len(items))
	var nka []int
	for i := range items {
		it := &items[i]
		if pending[i] = it.Decision == db.ItemPending; !pending[i] {
			continue
		}
		choice := it.Chosen
		if choice == "" {
			choice = it.Suggested
		}
		it.DecidedAt, it.DecidedBy = o.now, o.actor.userID
		switch choice {
		case db.ItemSkip:
			it.Decision = db.ItemSkipped
			continue
		case db.ItemAlreadyPresent, db.ItemKeptOriginal, db.ItemSkipped:
			it.Decision = choice
			continue
		}
		rec, err := o.record(p, *it, src)
		if err != nil {
			return ImportTally{}, err
		}
		if rec.problem != "" {
			fields.add(it.ID, it.Display+": "+rec.problem)
			continue
		}
		if rec.entity == "no_known_allergies" {
			nka = append(nka, i) // after the allergies, which it must not contradict
			continue
		}
		var reasons map[string]string
		if len(alerts[it.ID]) > 0 {
			var problem string
			var missing []Alert
			if reasons, problem, missing = unreasonedImport(*it, alerts[it.ID], overrides[it.ID]); problem != "" {
				fields.add(it.ID, problem)
				unreasonedItems++
				unreasonedAlerts = append(unreasonedAlerts, missing...)
				continue
			}
		}
		if err := w.write(it, rec); err != nil {
			return ImportTally{}, err
		}
		if reasons != nil {
			if err := w.recordImportOverrides(it, alerts[it.ID], reasons); err != nil {
				return ImportTally{}, err
			}
		}
	}
	if len(fields) > 0 {
		return ImportTally{}, &Error{Kind: Invalid, Fields: fields, Alerts: unreasonedAlerts,
			Message: finishRefusal(len(fields)-unreasonedItems, unreasonedItems)}
	}
	if err := w.flushVitals(); err != nil {
		return ImportTally{}, err
	}
	for _, i := range nka {
		if err := w.noKnownAllergies(&items[i]); err != nil {
			return ImportTally{}, err
		}
	}
	var tally ImportTally
	for i, it := range items {
		if pending[i] {
			if err := o.DecideImportItem(it); err != nil {
				return ImportTally{}, err
			}
		}
		tally.count(it)
	}
	return tally, nil
}

// finishRefusal says why finishing wrote nothing: accepted items that
// cannot be charted, and accepted items whose alerts have no reason.
func finishRefusal(uncharted, unreasoned int) string {
	var parts []string
	if uncharted == 1 {
		parts = append(parts, "an accepted item cannot be charted as it is: skip it (it is kept as the original)")
	} else if uncharted > 1 {
		parts = append(parts, fmt.Sprintf("%d accepted items cannot be charted as they are: skip them (they are kept as originals)", uncharted))
	}
	if unreasoned == 1 {
		parts = append(parts, "an accepted item raises interaction or allergy alerts: give a reason for each alert, or skip the item")
	} else if unreasoned > 1 {
		parts = append(parts, fmt.Sprintf("%d accepted items raise interaction or allergy alerts: give a reason for each alert, or skip the items", unreasoned))
	}
	why := strings.Join(parts, "; ")
	return "Nothing was imported. " + strings.ToUpper(why[:1]) + why[1:] + ". Then finish again."
}

// importWriter writes accepted items to one chart.
type importWriter struct {
	o    *op
	p    db.Patient
	im   db.Import
	sets map[string][]*vitalsGroup // by time taken
}

// vitalsGroup is one vitals set being gathered from several items taken
// at the same time (a source sends each measure on its own).
type vitalsGroup struct {
	row   db.Vitals
	items []*db.ImportItem
}

func (w *importWriter) provenance(it *db.ImportItem) string {
	return fmt.Sprintf("from %s (%s/%s), import/%s", w.im.SourceOrg, it.ResourceType, it.ResourceID, w.im.ID)
}

// write charts one accepted item.
func (w *importWriter) write(it *db.ImportItem, rec chartRecord) error {
	o := w.o
	var id, detail string
	switch row := rec.row.(type) {
	case db.Problem:
		if err := o.InsertProblem(row); err != nil {
			return err
		}
		id, detail = row.ID, strings.TrimSpace(row.ICD10+" "+row.Title)
	case db.Allergy:
		if err := o.InsertAllergy(row); err != nil {
			return err
		}
		id, detail = row.ID, fmt.Sprintf("%s (%s); %s", row.Substance, row.SubstanceKind, row.Severity)
		if row.Status == db.AllergyActive {
			if err := o.clearNoKnownAllergies(row.PatientID, &detail); err != nil {
				return err
			}
		}
	case db.Medication:
		if err := o.InsertMedication(row); err != nil {
			return err
		}
		id, detail = row.ID, fmt.Sprintf("%s %s; %s; %s", row.DrugName, row.Dose, row.Source, row.Status)
	case db.Immunization:
		if err := o.InsertImmunization(row); err != nil {
			return err
		}
		id, detail = row.ID, fmt.Sprintf("CVX %s %s; %s %s", row.CVX, row.Vaccine, row.Source, row.OccurredOn)
	case db.LabResult:
		if err := o.InsertLabResult(row); err != nil {
			return err
		}
		if err := rec.writeCodings(o, row.ID); err != nil {
			return err
		}
		id, detail = row.ID, labDetail(row)
	case db.Document:
		var d documentFile
		if err := json.Unmarshal([]byte(it.Mapped), &d); err != nil {
			return fmt.Errorf("read staged document %s: %w", it.ID, err)
		}
		if err := o.InsertDocument(row, d.Data); err != nil {
			return err
		}
		id, detail = row.ID, fmt.Sprintf("%s (%s, %d bytes)", row.Title, row.MediaType, row.SizeBytes)
	case db.CareRecord:
		if err := o.InsertCareRecord(row); err != nil {
			return err
		}
		if err := rec.writeCodings(o, row.ID); err != nil {
			return err
		}
		id, detail = row.ID, fmt.Sprintf("%s %s %s; %s %s|%s", row.Kind, row.RuleID, row.PerformedOn, row.Display,
			row.CodeSystem, row.Code)
	case db.Vitals:
		w.addVitals(it, row)
		return nil
	default:
		return fmt.Errorf("import item %s: nothing to write for %T", it.ID, rec.row)
	}
	it.Decision, it.RecordEntity, it.RecordID = db.ItemAccepted, rec.entity, id
	return o.audit(rec.entity+".import", w.p.ID, rec.entity+"/"+id, detail+"; "+w.provenance(it))
}

// addVitals gathers a vitals item into the set taken at its time, or a
// new set when that one has its measure already.
func (w *importWriter) addVitals(it *db.ImportItem, row db.Vitals) {
	key := row.TakenAt.UTC().Format(time.RFC3339)
	for _, g := range w.sets[key] {
		if mergeVitals(&g.row, row) {
			g.items = append(g.items, it)
			return
		}
	}
	w.sets[key] = append(w.sets[key], &vitalsGroup{row: row, items: []*db.ImportItem{it}})
}

// mergeVitals adds next's measures to set when set has none of them.
func mergeVitals(set *db.Vitals, next db.Vitals) bool {
	pairs := []struct{ to, from **float64 }{{&set.HeightCm, &next.HeightCm}, {&set.WeightKg, &next.WeightKg},
		{&set.Systolic, &next.Systolic}, {&set.Diastolic, &next.Diastolic}, {&set.Pulse, &next.Pulse},
		{&set.RespRate, &next.RespRate}, {&set.TempC, &next.TempC}, {&set.SpO2, &next.SpO2}, {&set.Pain, &next.Pain},
		{&set.HeadCm, &next.HeadCm}}
	for _, pr := range pairs {
		if *pr.from != nil && *pr.to != nil {
			return false
		}
	}
	for _, pr := range pairs {
		if *pr.from != nil {
			*pr.to = *pr.from
		}
	}
	return true
}

// flushVitals writes the gathered vitals sets, in time order.
func (w *importWriter) flushVitals() error {
	times := make([]string, 0, len(w.sets))
	for at := range w.sets {
		times = append(times, at)
	}
	slices.Sort(times)
	for _, at := range times {
		for _, g := range w.sets[at] {
			if err := w.o.InsertVitals(g.row); err != nil {
				return err
			}
			for _, it := range g.items {
				it.Decision, it.RecordEntity, it.RecordID = db.ItemAccepted, "vitals", g.row.ID
			}
			if err := w.o.audit("vitals.import", w.p.ID, "vitals/"+g.row.ID, vitalsDetail(g.row)+"; "+w.provenance(g.items[0])); err != nil {
				return err
			}
		}
	}
	return nil
}

// noKnownAllergies records an accepted "no known allergies" statement,
// unless the chart has an active allergy (then the statement is kept as
// the original, and the clinician told) or says so already.
func (w *importWriter) noKnownAllergies(it *db.ImportItem) error {
	active, err := w.o.ActiveAllergies(w.p.ID)
	if err != nil {
		return err
	}
	if len(active) > 0 {
		it.Decision = db.ItemKeptOriginal
		it.Note = "The chart lists an active allergy, so \"no known allergies\" was not recorded; kept as the original."
		return nil
	}
	err = w.o.RecordNoKnownAllergies(w.p.ID, w.o.actor.userID, w.o.now)
	if errors.Is(err, db.ErrDuplicate) {
		it.Decision = db.ItemAlreadyPresent
		return nil
	}
	if err != nil {
		return err
	}
	it.Decision, it.RecordEntity, it.RecordID = db.ItemAccepted, "no_known_allergies", w.p.ID
	return w.o.audit("allergy.nka", w.p.ID, "patient/"+w.p.ID, "no known allergies; "+w.provenance(it))
}
