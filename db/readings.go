package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HomeReading is one reading a patient's own device took, kept apart from
// the clinic's vitals (schema 28). Values are in canonical units; a nil
// one was not part of the reading.
type HomeReading struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patientId"`
	TakenAt        time.Time `json:"takenAt"`
	TakenLocal     string    `json:"takenLocal"` // the device's wall clock, 'YYYY-MM-DDTHH:MM'
	Kind           string    `json:"kind"`       // bp, weight, pulse, spo2, glucose
	Systolic       *float64  `json:"systolic"`
	Diastolic      *float64  `json:"diastolic"`
	Pulse          *float64  `json:"pulse"`
	WeightKg       *float64  `json:"weightKg"`
	SpO2           *float64  `json:"spo2"`
	GlucoseMgDl    *float64  `json:"glucoseMgDl"`
	GlucoseContext string    `json:"glucoseContext"`
	Source         string    `json:"source"` // file, gateway, entered
	ImportID       string    `json:"importId"`
	TokenID        string    `json:"tokenId"`
	Device         string    `json:"device"`
	Comment        string    `json:"comment"`
	Codes          string    `json:"codes"` // JSON array of the codings received
	Received       string    `json:"-"`     // the row or resource as received
	DedupKey       string    `json:"-"`
	Status         string    `json:"status"`
	RetractReason  string    `json:"retractReason"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"createdAt"`
	CreatedBy      string    `json:"createdBy"`
	UpdatedAt      time.Time `json:"updatedAt"`
	UpdatedBy      string    `json:"updatedBy"`
}

const homeReadingColumns = `id, patient_id, taken_at, taken_local, kind, systolic, diastolic, pulse, weight_kg, spo2,
	glucose_mg_dl, glucose_context, source, import_id, token_id, device, comment, codes, received, dedup_key, status,
	retract_reason, version, created_at, created_by, updated_at, updated_by`

func scanHomeReading(row scanner) (HomeReading, error) {
	var r HomeReading
	var taken, created, updated string
	var values [6]sql.NullFloat64
	err := row.Scan(&r.ID, &r.PatientID, &taken, &r.TakenLocal, &r.Kind, &values[0], &values[1], &values[2],
		&values[3], &values[4], &values[5], &r.GlucoseContext, &r.Source, &r.ImportID, &r.TokenID, &r.Device,
		&r.Comment, &r.Codes, &r.Received, &r.DedupKey, &r.Status, &r.RetractReason, &r.Version, &created,
		&r.CreatedBy, &updated, &r.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read home reading: %w", err)
	}
	for i, target := range []**float64{&r.Systolic, &r.Diastolic, &r.Pulse, &r.WeightKg, &r.SpO2, &r.GlucoseMgDl} {
		if values[i].Valid {
			f := values[i].Float64
			*target = &f
		}
	}
	r.TakenAt, r.CreatedAt, r.UpdatedAt = parseTime(taken), parseTime(created), parseTime(updated)
	return r, nil
}

// InsertHomeReading adds r unless the patient already has a reading with
// its dedup key (the same reading sent again); added says which.
func (t *Tx) InsertHomeReading(r HomeReading) (added bool, err error) {
	if r.Codes == "" {
		r.Codes = "[]"
	}
	res, err := t.exec(`INSERT INTO home_readings (`+homeReadingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (patient_id, dedup_key) DO NOTHING`,
		r.ID, r.PatientID, formatTime(r.TakenAt), r.TakenLocal, r.Kind, nullableFloat(r.Systolic),
		nullableFloat(r.Diastolic), nullableFloat(r.Pulse), nullableFloat(r.WeightKg), nullableFloat(r.SpO2),
		nullableFloat(r.GlucoseMgDl), r.GlucoseContext, r.Source, r.ImportID, r.TokenID, r.Device, r.Comment,
		r.Codes, r.Received, r.DedupKey, r.Status, r.RetractReason, r.Version, formatTime(r.CreatedAt), r.CreatedBy,
		formatTime(r.UpdatedAt), r.UpdatedBy)
	if err != nil {
		return false, fmt.Errorf("insert home reading: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert home reading: %w", err)
	}
	return n == 1, nil
}

// HomeReadingByID reads one home reading.
func (t *Tx) HomeReadingByID(id string) (HomeReading, error) {
	return scanHomeReading(t.queryRow(`SELECT `+homeReadingColumns+` FROM home_readings WHERE id = ?`, id))
}

// HomeReadings lists a patient's readings taken in [from, to), oldest
// first, retracted ones too (marked so). A zero to is no end.
func (t *Tx) HomeReadings(patientID string, from, to time.Time) ([]HomeReading, error) {
	end := "9999"
	if !to.IsZero() {
		end = formatTime(to)
	}
	return queryList(t, "home readings", scanHomeReading, `SELECT `+homeReadingColumns+` FROM home_readings
		WHERE patient_id = ? AND taken_at >= ? AND taken_at < ? ORDER BY taken_at, id`,
		patientID, formatTime(from), end)
}
