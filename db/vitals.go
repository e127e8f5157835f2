package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Vitals is one set of vital signs taken together, in canonical units. A
// nil value was not measured.
type Vitals struct {
	ID            string    `json:"id"`
	PatientID     string    `json:"patientId"`
	TakenAt       time.Time `json:"takenAt"`
	EncounterID   string    `json:"encounterId"` // "" for none (stored as NULL)
	HeightCm      *float64  `json:"heightCm"`
	WeightKg      *float64  `json:"weightKg"`
	Systolic      *float64  `json:"systolic"`  // mmHg
	Diastolic     *float64  `json:"diastolic"` // mmHg
	Pulse         *float64  `json:"pulse"`     // beats/min
	RespRate      *float64  `json:"respRate"`  // breaths/min
	TempC         *float64  `json:"tempC"`
	SpO2          *float64  `json:"spo2"`   // %
	Pain          *float64  `json:"pain"`   // 0-10
	HeadCm        *float64  `json:"headCm"` // head circumference, a child's
	Status        string    `json:"status"`
	RetractReason string    `json:"retractReason"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     string    `json:"createdBy"`
	UpdatedAt     time.Time `json:"updatedAt"`
	UpdatedBy     string    `json:"updatedBy"`

	// BMIHeightCm is, when read back, the height a BMI is computed with:
	// this set's, or the latest earlier one of the patient's live sets.
	BMIHeightCm *float64 `json:"-"`
}

// VitalsFinal is the status of a set in force; a retracted one is EnteredInError.
const VitalsFinal = "final"

const vitalsColumns = `v.id, v.patient_id, v.taken_at, coalesce(v.encounter_id, ''), v.height_cm, v.weight_kg,
	v.systolic, v.diastolic, v.pulse, v.resp_rate, v.temp_c, v.spo2, v.pain, v.status, v.retract_reason,
	v.version, v.created_at, v.created_by, v.updated_at, v.updated_by, v.head_cm,
	coalesce(v.height_cm, (SELECT e.height_cm FROM vitals e WHERE e.patient_id = v.patient_id
		AND e.status = 'final' AND e.height_cm IS NOT NULL AND e.taken_at <= v.taken_at
		ORDER BY e.taken_at DESC, e.id DESC LIMIT 1))`

func scanVitals(row scanner) (Vitals, error) {
	var v Vitals
	var taken, created, updated string
	var values [11]sql.NullFloat64
	err := row.Scan(&v.ID, &v.PatientID, &taken, &v.EncounterID, &values[0], &values[1], &values[2], &values[3],
		&values[4], &values[5], &values[6], &values[7], &values[8], &v.Status, &v.RetractReason, &v.Version,
		&created, &v.CreatedBy, &updated, &v.UpdatedBy, &values[10], &values[9])
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("read vitals: %w", err)
	}
	targets := []**float64{&v.HeightCm, &v.WeightKg, &v.Systolic, &v.Diastolic, &v.Pulse, &v.RespRate, &v.TempC,
		&v.SpO2, &v.Pain, &v.BMIHeightCm, &v.HeadCm}
	for i, target := range targets {
		if values[i].Valid {
			f := values[i].Float64
			*target = &f
		}
	}
	v.TakenAt, v.CreatedAt, v.UpdatedAt = parseTime(taken), parseTime(created), parseTime(updated)
	return v, nil
}

// nullableFloat stores nil as NULL.
func nullableFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// InsertVitals adds a set of vital signs to its patient's chart.
func (t *Tx) InsertVitals(v Vitals) error {
	_, err := t.exec(`INSERT INTO vitals (id, patient_id, taken_at, encounter_id, height_cm, weight_kg, systolic,
		diastolic, pulse, resp_rate, temp_c, spo2, pain, status, retract_reason, version, created_at, created_by,
		updated_at, updated_by, head_cm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.PatientID, formatTime(v.TakenAt), nullable(v.EncounterID), nullableFloat(v.HeightCm),
		nullableFloat(v.WeightKg), nullableFloat(v.Systolic), nullableFloat(v.Diastolic), nullableFloat(v.Pulse),
		nullableFloat(v.RespRate), nullableFloat(v.TempC), nullableFloat(v.SpO2), nullableFloat(v.Pain),
		v.Status, v.RetractReason, v.Version, formatTime(v.CreatedAt), v.CreatedBy, formatTime(v.UpdatedAt), v.UpdatedBy,
		nullableFloat(v.HeadCm))
	if err != nil {
		return fmt.Errorf("insert vitals: %w", err)
	}
	return nil
}

// VitalsByID reads one set of vital signs.
func (t *Tx) VitalsByID(id string) (Vitals, error) {
	return scanVitals(t.queryRow(`SELECT `+vitalsColumns+` FROM vitals v WHERE v.id = ?`, id))
}

// VitalsList lists up to limit of a patient's sets, newest first, retracted
// ones too (marked so).
func (t *Tx) VitalsList(patientID string, limit int) ([]Vitals, error) {
	return t.vitalsList(`SELECT `+vitalsColumns+` FROM vitals v WHERE v.patient_id = ?
		ORDER BY v.taken_at DESC, v.id DESC LIMIT ?`, patientID, limit)
}

// VitalsAtEncounter lists the sets taken at a visit, in force or
// retracted, in the order taken.
func (t *Tx) VitalsAtEncounter(patientID, encounterID string) ([]Vitals, error) {
	return t.vitalsList(`SELECT `+vitalsColumns+` FROM vitals v WHERE v.patient_id = ? AND v.encounter_id = ?
		ORDER BY v.taken_at, v.id`, patientID, encounterID)
}

// VitalsWithIDs reads those of a patient's sets whose ids are listed,
// newest first.
func (t *Tx) VitalsWithIDs(patientID string, ids []string) ([]Vitals, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return t.vitalsList(`SELECT `+vitalsColumns+` FROM vitals v WHERE v.id IN (SELECT value FROM json_each(?))
		AND v.patient_id = ? ORDER BY v.taken_at DESC, v.id DESC`, string(list), patientID)
}

// LatestVitals lists up to limit of a patient's sets in force, newest first.
func (t *Tx) LatestVitals(patientID string, limit int) ([]Vitals, error) {
	return t.vitalsList(`SELECT `+vitalsColumns+` FROM vitals v WHERE v.patient_id = ? AND v.status = 'final'
		ORDER BY v.taken_at DESC, v.id DESC LIMIT ?`, patientID, limit)
}

func (t *Tx) vitalsList(query string, args ...any) ([]Vitals, error) {
	return queryList(t, "vitals", scanVitals, query, args...)
}

// LatestHeight is the height of the patient's latest set in force taken at
// or before at that has one; ok is false when none has.
func (t *Tx) LatestHeight(patientID string, at time.Time) (heightCm float64, ok bool, err error) {
	err = t.queryRow(`SELECT height_cm FROM vitals WHERE patient_id = ? AND status = 'final'
		AND height_cm IS NOT NULL AND taken_at <= ? ORDER BY taken_at DESC, id DESC LIMIT 1`, patientID, formatTime(at)).Scan(&heightCm)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read latest height: %w", err)
	}
	return heightCm, true, nil
}

// VitalsPoint is one point of a series: when (RFC 3339, UTC, to the
// second) and up to two values in canonical units; HasValue and HasValue2
// say which were measured.
type VitalsPoint struct {
	At                  string
	Value, Value2       float64
	HasValue, HasValue2 bool
}

// The measures a series is read for, and the two columns each reads.
var seriesQueries = map[string]string{
	"height": seriesQuery("height_cm", "NULL", "height_cm IS NOT NULL"),
	"weight": seriesQuery("weight_kg", "NULL", "weight_kg IS NOT NULL"),
	"bmi":    seriesQuery("height_cm", "weight_kg", "(height_cm IS NOT NULL OR weight_kg IS NOT NULL)"),
	"bp":     seriesQuery("systolic", "diastolic", "(systolic IS NOT NULL OR diastolic IS NOT NULL)"),
	"pulse":  seriesQuery("pulse", "NULL", "pulse IS NOT NULL"),
	"resp":   seriesQuery("resp_rate", "NULL", "resp_rate IS NOT NULL"),
	"temp":   seriesQuery("temp_c", "NULL", "temp_c IS NOT NULL"),
	"spo2":   seriesQuery("spo2", "NULL", "spo2 IS NOT NULL"),
	"pain":   seriesQuery("pain", "NULL", "pain IS NOT NULL"),
	"head":   seriesQuery("head_cm", "NULL", "head_cm IS NOT NULL"),
}

// seriesQuery reads a series in the table's own (patient, time) order, so
// without a sort; taken_at is cut to the second in SQL, saving an
// allocation per point in Go.
func seriesQuery(first, second, where string) string {
	return `SELECT substr(taken_at, 1, 19) || 'Z', ` + first + `, ` + second + ` FROM vitals
		WHERE patient_id = ? AND status = 'final' AND ` + where + ` ORDER BY taken_at, id`
}

// VitalsSeries reads one measure of a patient's sets in force, oldest
// first: "bp" gives systolic and diastolic, "bmi" height and weight (for the
// caller to carry the height forward); every other measure one value.
func (t *Tx) VitalsSeries(patientID, measure string) ([]VitalsPoint, error) {
	query, ok := seriesQueries[measure]
	if !ok {
		return nil, fmt.Errorf("vitals series: no measure %q", measure)
	}
	rows, err := t.query(query, patientID)
	if err != nil {
		return nil, fmt.Errorf("read %s series: %w", measure, err)
	}
	defer rows.Close()
	out := []VitalsPoint{}
	var a, b sql.NullFloat64
	for rows.Next() {
		var p VitalsPoint
		if err := rows.Scan(&p.At, &a, &b); err != nil {
			return nil, fmt.Errorf("read %s series: %w", measure, err)
		}
		p.Value, p.HasValue, p.Value2, p.HasValue2 = a.Float64, a.Valid, b.Float64, b.Valid
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdateVitals replaces a set with v, keeping the version it replaces in
// revisions. v.Version must be the version the caller read; ErrConflict if
// the row has changed since. The patient and creation fields never change.
func (t *Tx) UpdateVitals(v Vitals, reason string) (Vitals, error) {
	old, err := t.VitalsByID(v.ID)
	if err != nil {
		return Vitals{}, err
	}
	if old.Version != v.Version {
		return Vitals{}, ErrConflict
	}
	if err := t.keepRevision("vitals", old.ID, old.Version, old, v.UpdatedBy, v.UpdatedAt, reason); err != nil {
		return Vitals{}, err
	}
	v.PatientID, v.CreatedAt, v.CreatedBy = old.PatientID, old.CreatedAt, old.CreatedBy
	v.Version = old.Version + 1
	_, err = t.exec(`UPDATE vitals SET taken_at = ?, encounter_id = ?, height_cm = ?, weight_kg = ?, systolic = ?,
		diastolic = ?, pulse = ?, resp_rate = ?, temp_c = ?, spo2 = ?, pain = ?, status = ?, retract_reason = ?,
		version = ?, updated_at = ?, updated_by = ?, head_cm = ? WHERE id = ? AND version = ?`,
		formatTime(v.TakenAt), nullable(v.EncounterID), nullableFloat(v.HeightCm), nullableFloat(v.WeightKg),
		nullableFloat(v.Systolic), nullableFloat(v.Diastolic), nullableFloat(v.Pulse), nullableFloat(v.RespRate),
		nullableFloat(v.TempC), nullableFloat(v.SpO2), nullableFloat(v.Pain), v.Status, v.RetractReason,
		v.Version, formatTime(v.UpdatedAt), v.UpdatedBy, nullableFloat(v.HeadCm), v.ID, old.Version)
	if err != nil {
		return Vitals{}, fmt.Errorf("update vitals %s: %w", v.ID, err)
	}
	return v, nil
}

// CountVitals tells how many sets of vital signs the clinic's charts hold,
// retracted ones included.
func (t *Tx) CountVitals() (int, error) {
	var n int
	if err := t.queryRow("SELECT count(*) FROM vitals").Scan(&n); err != nil {
		return 0, fmt.Errorf("count vitals: %w", err)
	}
	return n, nil
}

// moveVitals gives every set of vital signs of from to to, keeping the
// version each replaces.
func (t *Tx) moveVitals(from, to Patient, by string, at time.Time, reason string) error {
	rows, err := t.VitalsList(from.ID, -1)
	if err != nil {
		return err
	}
	why := mergeWhy(from, to, reason)
	for _, old := range rows {
		if err := t.moveRow("vitals", "vitals", old.ID, old.Version, old, to, by, at, why); err != nil {
			return err
		}
	}
	return nil
}
