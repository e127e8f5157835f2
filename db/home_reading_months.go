package db

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// A patient's home readings kept as the chart draws them, a month to a
// row (schema 32): see app/home_reading_months.go.

// ReadingMonth is a month (of taken_at) of a patient's readings as they
// are: how many times a reading of it was added, changed or moved, as the
// database counts (home_reading_changes).
type ReadingMonth struct {
	Month   string // YYYY-MM
	Changes int
}

// Key is the month as a kept month names what it was made from.
func (m ReadingMonth) Key() string {
	return m.Month + "/" + strconv.Itoa(m.Changes)
}

// ReadingMonths lists the months of the patient's readings from since's
// month on, oldest first.
func (t *Tx) ReadingMonths(patientID string, since time.Time) ([]ReadingMonth, error) {
	return queryList(t, "months of home readings", func(r scanner) (ReadingMonth, error) {
		var m ReadingMonth
		return m, r.Scan(&m.Month, &m.Changes)
	}, `SELECT month, changes FROM home_reading_changes WHERE patient_id = ? AND month >= ? ORDER BY month`,
		patientID, since.UTC().Format("2006-01"))
}

// KeptReadingMonth is a month of a patient's readings as the chart is
// sent them, as kept.
type KeptReadingMonth struct {
	PatientID string
	Month     string // YYYY-MM
	MadeFrom  string
	Shown     int    // readings in Readings
	Readings  string // JSON array, oldest first
}

// KeptReadingMonths reads the patient's kept months from since's month on,
// oldest first; with withReadings false, without their JSON (what they
// were made from is enough to tell which to make again).
func (t *Tx) KeptReadingMonths(patientID string, since time.Time, withReadings bool) ([]KeptReadingMonth, error) {
	return queryList(t, "kept months of home readings", func(r scanner) (KeptReadingMonth, error) {
		k := KeptReadingMonth{PatientID: patientID}
		return k, r.Scan(&k.Month, &k.MadeFrom, &k.Shown, &k.Readings)
	}, `SELECT month, made_from, shown, CASE WHEN ? THEN readings ELSE '' END FROM home_reading_months
		WHERE patient_id = ? AND month >= ? ORDER BY month`, withReadings, patientID, since.UTC().Format("2006-01"))
}

// PutReadingMonth writes a kept month, replacing the one there (derived
// data: no revision).
func (t *Tx) PutReadingMonth(k KeptReadingMonth) error {
	_, err := t.exec(`INSERT INTO home_reading_months (patient_id, month, made_from, shown, readings)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (patient_id, month) DO UPDATE SET made_from = excluded.made_from, shown = excluded.shown,
			readings = excluded.readings`, k.PatientID, k.Month, k.MadeFrom, k.Shown, k.Readings)
	if err != nil {
		return fmt.Errorf("keep the home readings of %s in %s: %w", k.PatientID, k.Month, err)
	}
	return nil
}

// ClearReadingMonths removes the patient's kept months but those named in
// keep: months the chart no longer shows, or with no reading left; a
// merged chart keeps none.
func (t *Tx) ClearReadingMonths(patientID string, keep []string) error {
	list, err := json.Marshal(append([]string{}, keep...))
	if err != nil {
		return fmt.Errorf("clear kept months of home readings of %s: %w", patientID, err)
	}
	_, err = t.exec(`DELETE FROM home_reading_months WHERE patient_id = ? AND month NOT IN (SELECT value FROM json_each(?))`,
		patientID, string(list))
	if err != nil {
		return fmt.Errorf("clear kept months of home readings of %s: %w", patientID, err)
	}
	return nil
}

// EnrolledWithoutKeptMonths lists the actively enrolled patients with
// readings but no kept month: a database upgraded from schema 31, or
// readings written straight into the database.
func (t *Tx) EnrolledWithoutKeptMonths() ([]string, error) {
	return queryList(t, "enrolled charts without kept months", func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT e.patient_id FROM rpm_enrolments e WHERE e.status = 'active'
		AND EXISTS (SELECT 1 FROM home_readings h WHERE h.patient_id = e.patient_id)
		AND NOT EXISTS (SELECT 1 FROM home_reading_months m WHERE m.patient_id = e.patient_id)`)
}
