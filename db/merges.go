package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Merge is one merge of two charts of the same person: the duplicate was
// merged into the survivor, whose chart now holds its records.
type Merge struct {
	ID                int64
	SurvivorID        string
	DuplicateID       string
	SurvivorMRN       string
	DuplicateMRN      string
	MergedAt          time.Time
	MergedBy          string // user id
	MergedByName      string // user name, when read back
	SurvivorName      string // "Family, Given", when read back
	DuplicateName     string // "Family, Given", when read back
	Reason            string
	AppointmentsMoved int
}

// MergePatients merges the chart duplicate into survivor, both as the
// caller read them: ErrConflict if either has changed since or is already
// merged. The duplicate's row is kept, marked merged and taken out of search
// and the duplicate check; its appointments, encounters (with their notes),
// problems, allergies, vital signs, medications, immunizations, documents, lab orders and results and telehealth consents move to the survivor, each keeping its replaced
// version (see moveAllergies for "no known allergies"); both patients keep a
// revision; and the duplicate's MRN (and those merged into it before) become search terms of
// the survivor. The merge is logged with who, when and why.
func (t *Tx) MergePatients(survivor, duplicate Patient, by string, at time.Time, reason string) (Merge, error) {
	m := Merge{SurvivorID: survivor.ID, DuplicateID: duplicate.ID, SurvivorMRN: survivor.MRN,
		DuplicateMRN: duplicate.MRN, MergedAt: at, MergedBy: by, Reason: reason}
	if survivor.ID == duplicate.ID {
		return Merge{}, fmt.Errorf("merge patient %s into itself", survivor.MRN)
	}
	if survivor.Merged() || duplicate.Merged() {
		return Merge{}, ErrConflict
	}
	dupRow, err := t.markMerged(duplicate, survivor, by, at, reason)
	if err != nil {
		return Merge{}, err
	}
	if _, err := t.exec(`UPDATE patient_search SET terms = '' WHERE rowid = ?`, dupRow); err != nil {
		return Merge{}, fmt.Errorf("unindex patient %s: %w", duplicate.MRN, err)
	}
	duplicate.Status = PatientMerged
	if err := t.indexIdentifiers(duplicate); err != nil {
		return Merge{}, err
	}
	if m.AppointmentsMoved, err = t.moveAppointments(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveEncounters(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveProblems(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveAllergies(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveVitals(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveMedications(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveImmunizations(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveDocuments(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveCareRecords(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveCareReminders(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveTelehealthConsents(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveCareOutreach(duplicate, survivor); err != nil {
		return Merge{}, err
	}
	if err := t.moveLabs(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveMonitoring(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.moveDisclosures(duplicate, survivor); err != nil {
		return Merge{}, err
	}
	if err := t.moveImports(duplicate, survivor); err != nil {
		return Merge{}, err
	}
	if err := t.moveHomeReadings(duplicate, survivor, by, at, reason); err != nil {
		return Merge{}, err
	}
	if err := t.copyExternalIDs(duplicate, survivor); err != nil {
		return Merge{}, err
	}
	res, err := t.exec(`INSERT INTO patient_merges (survivor_id, duplicate_id, survivor_mrn, duplicate_mrn,
		merged_at, merged_by, reason, appointments_moved) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.SurvivorID, m.DuplicateID, m.SurvivorMRN, m.DuplicateMRN, formatTime(at), by, reason, m.AppointmentsMoved)
	if isUnique(err) {
		return Merge{}, ErrConflict
	}
	if err != nil {
		return Merge{}, fmt.Errorf("log merge of %s into %s: %w", duplicate.MRN, survivor.MRN, err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return Merge{}, fmt.Errorf("log merge: %w", err)
	}
	if err := t.touchSurvivor(survivor, duplicate, by, at, reason); err != nil {
		return Merge{}, err
	}
	return m, nil
}

// markMerged marks duplicate merged into survivor, keeping the version it
// replaces, and returns its rowid.
func (t *Tx) markMerged(duplicate, survivor Patient, by string, at time.Time, reason string) (int64, error) {
	why := fmt.Sprintf("Merged into MRN %s: %s", survivor.MRN, reason)
	if err := t.keepRevision("patient", duplicate.ID, duplicate.Version, duplicate, by, at, why); err != nil {
		return 0, err
	}
	var rowid int64
	err := t.queryRow(`UPDATE patients SET status = 'merged', merged_into = ?, merged_at = ?, merged_by = ?,
		merge_reason = ?, sort_key = '', version = version + 1, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ? AND status = 'active' RETURNING rowid`,
		survivor.ID, formatTime(at), by, reason, formatTime(at), by, duplicate.ID, duplicate.Version).Scan(&rowid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("mark patient %s merged: %w", duplicate.MRN, err)
	}
	return rowid, nil
}

// touchSurvivor gives the survivor a new version, whose kept revision
// records the merge in its history, and adds the merged MRNs to its search
// terms.
func (t *Tx) touchSurvivor(survivor, duplicate Patient, by string, at time.Time, reason string) error {
	why := fmt.Sprintf("Merged MRN %s into this chart: %s", duplicate.MRN, reason)
	if err := t.keepRevision("patient", survivor.ID, survivor.Version, survivor, by, at, why); err != nil {
		return err
	}
	var rowid int64
	err := t.queryRow(`UPDATE patients SET version = version + 1, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ? AND status = 'active' RETURNING rowid`,
		formatTime(at), by, survivor.ID, survivor.Version).Scan(&rowid)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("update patient %s: %w", survivor.MRN, err)
	}
	return t.reindexPatient(rowid, survivor)
}

// moveAppointments gives every appointment of from to to, keeping the
// version each replaces, and tells how many moved.
func (t *Tx) moveAppointments(from, to Patient, by string, at time.Time, reason string) (int, error) {
	rows, err := t.query(`SELECT id FROM appointments WHERE patient_id = ?`, from.ID)
	if err != nil {
		return 0, fmt.Errorf("list appointments of %s: %w", from.MRN, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list appointments of %s: %w", from.MRN, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("list appointments of %s: %w", from.MRN, err)
	}
	why := mergeWhy(from, to, reason)
	for _, id := range ids {
		old, err := t.AppointmentByID(id)
		if err != nil {
			return 0, err
		}
		if err := t.moveRow("appointments", "appointment", old.ID, old.Version, old, to, by, at, why); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// mergeWhy is the reason kept with each row a merge moves.
func mergeWhy(from, to Patient, reason string) string {
	return fmt.Sprintf("Moved from MRN %s to MRN %s by a merge: %s", from.MRN, to.MRN, reason)
}

// moveRow gives one row of table to the surviving chart, keeping the version
// it replaces in revisions (as entity), which the clinical tables' triggers
// require of every update.
func (t *Tx) moveRow(table, entity, id string, version int, old any, to Patient, by string, at time.Time, why string) error {
	if err := t.keepRevision(entity, id, version, old, by, at, why); err != nil {
		return err
	}
	_, err := t.exec(`UPDATE `+table+` SET patient_id = ?, version = version + 1, updated_at = ?, updated_by = ?
		WHERE id = ? AND version = ?`, to.ID, formatTime(at), by, id, version)
	if err != nil {
		return fmt.Errorf("move %s %s: %w", entity, id, err)
	}
	return nil
}

// MergedMRNs lists the MRNs of the charts merged into the patient, and of
// those merged into them in turn, in MRN order.
func (t *Tx) MergedMRNs(patientID string) ([]string, error) {
	rows, err := t.query(`WITH RECURSIVE merged (id, mrn) AS (
			SELECT duplicate_id, duplicate_mrn FROM patient_merges WHERE survivor_id = ?
			UNION
			SELECT m.duplicate_id, m.duplicate_mrn FROM patient_merges m JOIN merged ON m.survivor_id = merged.id
		) SELECT mrn FROM merged ORDER BY mrn`, patientID)
	if err != nil {
		return nil, fmt.Errorf("list merged MRNs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var mrn string
		if err := rows.Scan(&mrn); err != nil {
			return nil, fmt.Errorf("list merged MRNs: %w", err)
		}
		out = append(out, mrn)
	}
	return out, rows.Err()
}

// Merges lists up to limit merges, newest first.
func (t *Tx) Merges(limit int) ([]Merge, error) {
	rows, err := t.query(`SELECT m.id, m.survivor_id, m.duplicate_id, m.survivor_mrn, m.duplicate_mrn, m.merged_at,
		m.merged_by, u.username, m.reason, m.appointments_moved,
		s.family_name || ', ' || s.given_names, d.family_name || ', ' || d.given_names
		FROM patient_merges m
		JOIN users u ON u.id = m.merged_by
		JOIN patients s ON s.id = m.survivor_id
		JOIN patients d ON d.id = m.duplicate_id
		ORDER BY m.merged_at DESC, m.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list merges: %w", err)
	}
	defer rows.Close()
	var out []Merge
	for rows.Next() {
		var m Merge
		var at string
		if err := rows.Scan(&m.ID, &m.SurvivorID, &m.DuplicateID, &m.SurvivorMRN, &m.DuplicateMRN, &at,
			&m.MergedBy, &m.MergedByName, &m.Reason, &m.AppointmentsMoved, &m.SurvivorName, &m.DuplicateName); err != nil {
			return nil, fmt.Errorf("read merge: %w", err)
		}
		m.MergedAt = parseTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountPatientAppointments tells how many appointments a patient has,
// cancelled ones too.
func (t *Tx) CountPatientAppointments(patientID string) (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM appointments WHERE patient_id = ?`, patientID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count appointments: %w", err)
	}
	return n, nil
}

// CountMerges tells how many merges were done.
func (t *Tx) CountMerges() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM patient_merges`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count merges: %w", err)
	}
	return n, nil
}

// PatientByMRN reads the patient whose MRN is mrn, or, when mrn is the MRN
// of a merged chart, that chart (whose MergedInto leads on).
func (t *Tx) PatientByMRN(mrn string) (Patient, error) {
	return scanPatient(t.queryRow(`SELECT `+patientColumns+` FROM patients WHERE mrn = ?`, mrn))
}
