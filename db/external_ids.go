package db

import (
	"fmt"
	"time"
)

// ExternalID is an identifier another system gave a patient (its MRN, a
// national number), as received with a record imported into the chart: the
// identifier's system and value, FHIR's use, and its type as a coding and
// in words. Kept as received: never changed or deleted.
type ExternalID struct {
	System      string    `json:"system"`
	Value       string    `json:"value"`
	Use         string    `json:"use"` // usual, official, temp, secondary, old or ""
	TypeSystem  string    `json:"typeSystem"`
	TypeCode    string    `json:"typeCode"` // e.g. MR (HL7 v2-0203)
	TypeDisplay string    `json:"typeDisplay"`
	TypeText    string    `json:"typeText"` // e.g. "Medical Record Number"
	RecordedAt  time.Time `json:"recordedAt"`
	RecordedBy  string    `json:"recordedBy"`
	ImportID    string    `json:"importId"`
}

// externalIDUses are the uses the table accepts (FHIR's identifier-use).
var externalIDUses = map[string]bool{"": true, "usual": true, "official": true, "temp": true, "secondary": true, "old": true}

// AddExternalIDs records identifiers other systems gave a patient, after
// those the chart has; one it has already (same system and value) is
// skipped, as is one with no value. A use FHIR does not know is left out.
func (t *Tx) AddExternalIDs(patientID string, ids []ExternalID) error {
	var next int
	if err := t.queryRow(`SELECT coalesce(max(seq) + 1, 0) FROM patient_external_ids WHERE patient_id = ?`,
		patientID).Scan(&next); err != nil {
		return fmt.Errorf("add identifiers: %w", err)
	}
	for _, id := range ids {
		if id.Value == "" {
			continue
		}
		if !externalIDUses[id.Use] {
			id.Use = ""
		}
		res, err := t.exec(`INSERT INTO patient_external_ids (patient_id, seq, system, value, use, type_system, type_code,
			type_display, type_text, recorded_at, recorded_by, import_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id, system, value) DO NOTHING`,
			patientID, next, id.System, id.Value, id.Use, id.TypeSystem, id.TypeCode, id.TypeDisplay, id.TypeText,
			formatTime(id.RecordedAt), id.RecordedBy, id.ImportID)
		if err != nil {
			return fmt.Errorf("add identifier of patient %s: %w", patientID, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			next++
		}
	}
	return nil
}

const externalIDColumns = `patient_id, system, value, use, type_system, type_code, type_display, type_text,
	recorded_at, recorded_by, import_id`

func scanExternalID(row scanner) (string, ExternalID, error) {
	var patientID, at string
	var id ExternalID
	err := row.Scan(&patientID, &id.System, &id.Value, &id.Use, &id.TypeSystem, &id.TypeCode, &id.TypeDisplay,
		&id.TypeText, &at, &id.RecordedBy, &id.ImportID)
	if err != nil {
		return "", id, fmt.Errorf("read identifier: %w", err)
	}
	id.RecordedAt = parseTime(at)
	return patientID, id, nil
}

// ExternalIDs lists the identifiers other systems gave a patient, in the
// order received.
func (t *Tx) ExternalIDs(patientID string) ([]ExternalID, error) {
	byPatient, err := t.externalIDs(`SELECT `+externalIDColumns+` FROM patient_external_ids
		WHERE patient_id = ? ORDER BY seq`, patientID)
	if err != nil {
		return nil, err
	}
	out := byPatient[patientID]
	if out == nil {
		out = []ExternalID{}
	}
	return out, nil
}

// ExternalIDsBetween reads the identifiers of the patients whose ids are
// from first to last, by patient id: a whole-clinic export reads a run of
// charts at once.
func (t *Tx) ExternalIDsBetween(first, last string) (map[string][]ExternalID, error) {
	return t.externalIDs(`SELECT `+externalIDColumns+` FROM patient_external_ids
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, seq`, first, last)
}

func (t *Tx) externalIDs(query string, args ...any) (map[string][]ExternalID, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list identifiers: %w", err)
	}
	defer rows.Close()
	out := map[string][]ExternalID{}
	for rows.Next() {
		patientID, id, err := scanExternalID(rows)
		if err != nil {
			return nil, err
		}
		out[patientID] = append(out[patientID], id)
	}
	return out, rows.Err()
}

// PatientsWithExternalID lists the charts (in use or merged) that hold an
// identifier another system gave, by its system and value.
func (t *Tx) PatientsWithExternalID(system, value string) ([]string, error) {
	rows, err := t.query(`SELECT patient_id FROM patient_external_ids WHERE system = ? AND value = ?
		ORDER BY recorded_at DESC`, system, value)
	if err != nil {
		return nil, fmt.Errorf("find patient by identifier: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find patient by identifier: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// copyExternalIDs gives survivor the identifiers of the chart merged into
// it; the merged chart keeps its own, as it keeps everything.
func (t *Tx) copyExternalIDs(from, to Patient) error {
	ids, err := t.ExternalIDs(from.ID)
	if err != nil {
		return err
	}
	return t.AddExternalIDs(to.ID, ids)
}
