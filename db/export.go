package db

import (
	"database/sql"
	"fmt"
)

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
	Visits           []ExportVisit
	Addenda          map[string][]AddendumLine // note id → its addenda, oldest first
	Diagnoses        map[string][]Diagnosis    // encounter id → its diagnoses in force, by rank
	Documents        []Document                // without their files: ExportDocumentFiles copies those
	// Appointments are the charts' bookings, kept, missed and cancelled,
	// by patient and start, with their clinicians' and types' names.
	Appointments []AppointmentRow
	// CareRecords are the charts' procedures and screenings done (care
	// records of kind done), by patient and date.
	CareRecords []CareRecord
}

// ExportVisit is an encounter with its note, as a whole-clinic export
// writes them.
type ExportVisit struct {
	Encounter Encounter
	Note      Note
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
	if b.CareRecords, err = queryList(t, "care records", scanCareRecord, `SELECT `+careColumns+` FROM care_records
		WHERE patient_id BETWEEN ? AND ? AND kind = 'done' ORDER BY patient_id, performed_on, id`, first, last); err != nil {
		return b, err
	}
	if b.Immunizations, err = t.immunizations(`SELECT `+immunizationColumns+immunizationFrom+`
		WHERE i.patient_id BETWEEN ? AND ? ORDER BY i.patient_id, i.occurred_on, i.id`, first, last); err != nil {
		return b, err
	}
	if b.LabResults, err = queryList(t, "lab results", scanLabResult, `SELECT `+labResultColumns+` FROM lab_results r
		WHERE r.patient_id BETWEEN ? AND ? ORDER BY r.patient_id, r.observed_at, r.id`, first, last); err != nil {
		return b, err
	}
	if b.Vitals, err = t.vitalsList(`SELECT `+vitalsColumns+` FROM vitals v
		WHERE v.patient_id BETWEEN ? AND ? ORDER BY v.patient_id, v.taken_at, v.id`, first, last); err != nil {
		return b, err
	}
	if err := t.exportVisits(&b, first, last); err != nil {
		return b, err
	}
	b.Documents, err = queryList(t, "documents", scanDocument, `SELECT `+documentColumns+` FROM documents
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, document_date, added_at, id`, first, last)
	if err != nil {
		return b, err
	}
	// appointments_patient_start serves the range in this order.
	b.Appointments, err = t.appointmentRows("appointments for the export", appointmentRowFrom+`
		WHERE a.patient_id BETWEEN ? AND ? ORDER BY a.patient_id, a.starts_at, a.id`, first, last)
	return b, err
}

// exportVisits reads the run's encounters with their notes, and the notes'
// addenda and the visits' diagnoses in force (a diagnosis removed from a
// draft is no diagnosis of the visit).
func (t *Tx) exportVisits(b *ExportBatch, first, last string) error {
	var err error
	b.Visits, err = queryList(t, "visits", scanExportVisit, `SELECT e.id, e.patient_id, e.clinician_id,
		coalesce(e.appointment_id, ''), e.kind, e.started_at, e.status, e.version, e.created_at, e.created_by,
		e.updated_at, e.updated_by, n.id, n.encounter_id, n.subjective, n.objective, n.assessment, n.plan,
		n.draft_version, n.saved_at, n.saved_by, n.signed_at, n.signed_by, n.retracted_at, n.retracted_by,
		n.retract_reason, e.class
		FROM encounters e JOIN notes n ON n.encounter_id = e.id
		WHERE e.patient_id BETWEEN ? AND ? ORDER BY e.patient_id, e.started_at, e.id`, first, last)
	if err != nil || len(b.Visits) == 0 {
		return err
	}
	addenda, err := queryList(t, "addenda", func(row scanner) (AddendumLine, error) {
		var a AddendumLine
		var at string
		err := row.Scan(&a.ID, &a.NoteID, &a.Text, &a.Author, &at, &a.AuthorName)
		a.At = parseTime(at)
		return a, err
	}, `SELECT a.id, a.note_id, a.text, a.author, a.at, u.full_name
		FROM note_addenda a JOIN notes n ON n.id = a.note_id JOIN encounters e ON e.id = n.encounter_id
		JOIN users u ON u.id = a.author
		WHERE e.patient_id BETWEEN ? AND ? ORDER BY a.note_id, a.at, a.rowid`, first, last)
	if err != nil {
		return err
	}
	b.Addenda = make(map[string][]AddendumLine)
	for _, a := range addenda {
		b.Addenda[a.NoteID] = append(b.Addenda[a.NoteID], a)
	}
	diagnoses, err := queryList(t, "diagnoses", func(row scanner) (Diagnosis, error) { return scanDiagnosis(row) },
		`SELECT `+diagnosisColumns+` FROM encounter_diagnoses d JOIN encounters e ON e.id = d.encounter_id
		WHERE e.patient_id BETWEEN ? AND ? AND d.retracted_at = '' ORDER BY d.encounter_id, d.rank`, first, last)
	if err != nil {
		return err
	}
	b.Diagnoses = make(map[string][]Diagnosis)
	for _, d := range diagnoses {
		b.Diagnoses[d.EncounterID] = append(b.Diagnoses[d.EncounterID], d)
	}
	return nil
}

func scanExportVisit(row scanner) (ExportVisit, error) {
	var v ExportVisit
	e, n := &v.Encounter, &v.Note
	var started, created, updated, saved, signed, retracted string
	err := row.Scan(&e.ID, &e.PatientID, &e.ClinicianID, &e.AppointmentID, &e.Kind, &started, &e.Status, &e.Version,
		&created, &e.CreatedBy, &updated, &e.UpdatedBy, &n.ID, &n.EncounterID, &n.Subjective, &n.Objective,
		&n.Assessment, &n.Plan, &n.DraftVersion, &saved, &n.SavedBy, &signed, &n.SignedBy, &retracted,
		&n.RetractedBy, &n.RetractReason, &e.Class)
	if err != nil {
		return v, fmt.Errorf("read visit: %w", err)
	}
	e.StartedAt, e.CreatedAt, e.UpdatedAt = parseTime(started), parseTime(created), parseTime(updated)
	n.SavedAt, n.SignedAt, n.RetractedAt = parseTime(saved), parseOptionalTime(signed), parseOptionalTime(retracted)
	return v, nil
}

// ExportDocumentFiles hands each document of the charts with ids from
// first to last, with its file's bytes, to each, one at a time: a run's
// files are never all in memory. (The order is the index's, so that no
// sort ever holds the files.)
// data is only valid during the call. A document whose file is missing is
// an error: the export must not leave it behind unnoticed.
func (t *Tx) ExportDocumentFiles(first, last string, each func(d Document, data []byte) error) error {
	rows, err := t.query(`SELECT d.id, d.patient_id, coalesce(d.encounter_id, ''), d.title, d.kind, d.document_date,
		d.file_name, d.media_type, d.size_bytes, d.sha256, d.status, d.retract_reason, d.version, d.added_at,
		d.added_by, d.updated_at, d.updated_by, c.data
		FROM documents d LEFT JOIN document_contents c ON c.document_id = d.id
		WHERE d.patient_id BETWEEN ? AND ? ORDER BY d.patient_id, d.document_date`, first, last)
	if err != nil {
		return fmt.Errorf("list document files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Document
		var added, updated string
		var data sql.RawBytes
		if err := rows.Scan(&d.ID, &d.PatientID, &d.EncounterID, &d.Title, &d.Kind, &d.DocumentDate, &d.FileName,
			&d.MediaType, &d.SizeBytes, &d.SHA256, &d.Status, &d.RetractReason, &d.Version, &added, &d.AddedBy,
			&updated, &d.UpdatedBy, &data); err != nil {
			return fmt.Errorf("read document file: %w", err)
		}
		d.AddedAt, d.UpdatedAt = parseTime(added), parseTime(updated)
		if data == nil {
			return fmt.Errorf("document %s (%q) has no stored file", d.ID, d.Title)
		}
		if err := each(d, data); err != nil {
			return err
		}
	}
	return rows.Err()
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
