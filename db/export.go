package db

import "fmt"

// ExportBatch is the clinical record of a run of consecutive charts in id
// order, read in one transaction for a whole-clinic export. Each list holds
// the rows of every chart in the run, ordered by patient (then as the
// chart lists them), retracted rows included: the caller decides what
// leaves. Reading a table once per run, rather than once per chart, is
// what keeps an export of 100,000 charts in seconds.
type ExportBatch struct {
	Patients         []Patient
	Problems         []Problem
	Allergies        []Allergy
	NoKnownAllergies map[string]bool // patient id → "no known allergies" is in force
	Medications      []Medication
	Immunizations    []Immunization
	LabResults       []LabResult
	Vitals           []Vitals
}

// ExportBatch reads up to limit charts in use (merged ones are skipped:
// their records live on the survivor) whose ids come after afterID, with
// their records. An empty Patients means there are no more.
func (t *Tx) ExportBatch(afterID string, limit int) (ExportBatch, error) {
	var b ExportBatch
	var err error
	b.Patients, err = t.patients(`SELECT `+patientColumns+` FROM patients WHERE id > ? AND status = 'active'
		ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil || len(b.Patients) == 0 {
		return b, err
	}
	// Every row of a chart in the run has a patient id in [first, last];
	// ids between them belong to the run or to merged charts, which hold
	// no records once merged.
	first, last := b.Patients[0].ID, b.Patients[len(b.Patients)-1].ID
	if b.Problems, err = t.problems(`SELECT `+problemColumns+` FROM problems
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, status <> 'active', onset, id`, first, last); err != nil {
		return b, err
	}
	if b.Allergies, err = t.allergies(`SELECT `+allergyColumns+` FROM allergies
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, status <> 'active', substance COLLATE NOCASE`, first, last); err != nil {
		return b, err
	}
	if b.NoKnownAllergies, err = t.noKnownAllergiesBetween(first, last); err != nil {
		return b, err
	}
	if b.Medications, err = t.medications(`SELECT `+medicationColumns+` FROM medications
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, status <> 'active', start_date, id`, first, last); err != nil {
		return b, err
	}
	if b.Immunizations, err = queryList(t, "immunizations", scanImmunization, `SELECT `+immunizationColumns+immunizationFrom+`
		WHERE i.patient_id BETWEEN ? AND ? ORDER BY i.patient_id, i.occurred_on, i.id`, first, last); err != nil {
		return b, err
	}
	if b.LabResults, err = queryList(t, "lab results", scanLabResult, `SELECT `+labResultColumns+` FROM lab_results r
		WHERE r.patient_id BETWEEN ? AND ? ORDER BY r.patient_id, r.observed_at, r.id`, first, last); err != nil {
		return b, err
	}
	b.Vitals, err = t.vitalsList(`SELECT `+vitalsColumns+` FROM vitals v
		WHERE v.patient_id BETWEEN ? AND ? ORDER BY v.patient_id, v.taken_at, v.id`, first, last)
	return b, err
}

func (t *Tx) noKnownAllergiesBetween(first, last string) (map[string]bool, error) {
	rows, err := t.query(`SELECT patient_id FROM no_known_allergies WHERE cleared_at = '' AND patient_id BETWEEN ? AND ?`,
		first, last)
	if err != nil {
		return nil, fmt.Errorf("list no known allergies: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read no known allergies: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// CountActivePatients tells how many charts are in use (not merged away):
// how many a whole-clinic export writes.
func (t *Tx) CountActivePatients() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM patients WHERE status = 'active'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count patients: %w", err)
	}
	return n, nil
}
