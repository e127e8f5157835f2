package db

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// QualityRow is where one patient stands with one quality measure, as the
// dashboard keeps it (see schema 26).
type QualityRow struct {
	PatientID   string
	MeasureID   string
	ClinicianID string
	Status      string // met, not_met, excluded, or QualityOut
	Why         string
	// TrendMonth (YYYY-MM) and the masks: bit k says where the patient
	// stood at the end of the (k+1)th month before TrendMonth.
	TrendMonth                             string
	DenominatorMask, MetMask, ExcludedMask int
}

// QualityOut is the status of a patient in a measure's trend but not in
// its denominator today (a patient grown out of its ages, say).
const QualityOut = "out"

const qualityColumns = `patient_id, measure_id, clinician_id, status, why, trend_month, denominator_mask, met_mask,
	excluded_mask`

func scanQuality(row scanner) (QualityRow, error) {
	var q QualityRow
	err := row.Scan(&q.PatientID, &q.MeasureID, &q.ClinicianID, &q.Status, &q.Why, &q.TrendMonth, &q.DenominatorMask,
		&q.MetMask, &q.ExcludedMask)
	if err != nil {
		return q, fmt.Errorf("read the quality measures: %w", err)
	}
	return q, nil
}

// ReplaceQuality makes a patient's rows of the quality measures rows (none:
// in no measure's denominator, or merged).
func (t *Tx) ReplaceQuality(patientID string, rows []QualityRow) error {
	if _, err := t.exec(`DELETE FROM quality_patient WHERE patient_id = ?`, patientID); err != nil {
		return fmt.Errorf("clear the quality measures of a patient: %w", err)
	}
	for _, q := range rows {
		if _, err := t.exec(`INSERT INTO quality_patient (`+qualityColumns+`, sort_key)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT sort_key FROM patients WHERE id = ?1))`,
			patientID, q.MeasureID, q.ClinicianID, q.Status, q.Why, q.TrendMonth, q.DenominatorMask, q.MetMask,
			q.ExcludedMask); err != nil {
			return fmt.Errorf("write the quality measures: %w", err)
		}
	}
	return nil
}

// QualityFor reads a patient's rows of the quality measures, by measure.
func (t *Tx) QualityFor(patientID string) ([]QualityRow, error) {
	return queryList(t, "quality measures", scanQuality, `SELECT `+qualityColumns+` FROM quality_patient
		WHERE patient_id = ? ORDER BY measure_id`, patientID)
}

// QualityBetween reads the quality rows of the patients whose ids are from
// first to last, by patient (the daily making compares them).
func (t *Tx) QualityBetween(first, last string) (map[string][]QualityRow, error) {
	rows, err := queryList(t, "quality measures", scanQuality, `SELECT `+qualityColumns+` FROM quality_patient
		WHERE patient_id BETWEEN ? AND ? ORDER BY patient_id, measure_id`, first, last)
	if err != nil {
		return nil, err
	}
	out := map[string][]QualityRow{}
	for _, q := range rows {
		out[q.PatientID] = append(out[q.PatientID], q)
	}
	return out, nil
}

// QualityCount is how many patients of a clinician stand so with a measure.
type QualityCount struct {
	MeasureID, ClinicianID, Status string
	Patients                       int
}

// QualityCounts counts today's standings by measure, clinician and status
// (from the index alone).
func (t *Tx) QualityCounts() ([]QualityCount, error) {
	return queryList(t, "quality counts", func(row scanner) (QualityCount, error) {
		var c QualityCount
		return c, row.Scan(&c.MeasureID, &c.ClinicianID, &c.Status, &c.Patients)
	}, `SELECT measure_id, clinician_id, status, count(*) FROM quality_patient WHERE status <> 'out'
		GROUP BY measure_id, clinician_id, status`)
}

// QualityMonth is a month of the trend: a measure's counts for a clinician.
type QualityMonth struct {
	Month, MeasureID, ClinicianID string
	Denominator, Met, Excluded    int
}

// QualityTrendSums sums the masks of the rows counted back from
// trendMonth into the months (months[k] is bit k's).
func (t *Tx) QualityTrendSums(trendMonth string, months []string) ([]QualityMonth, error) {
	list, err := json.Marshal(months)
	if err != nil {
		return nil, err
	}
	return queryList(t, "quality trend", func(row scanner) (QualityMonth, error) {
		var m QualityMonth
		return m, row.Scan(&m.Month, &m.MeasureID, &m.ClinicianID, &m.Denominator, &m.Met, &m.Excluded)
	}, `SELECT m.value, q.measure_id, q.clinician_id, sum((q.denominator_mask >> m.key) & 1),
			sum((q.met_mask >> m.key) & 1), sum((q.excluded_mask >> m.key) & 1)
		FROM quality_patient q, json_each(?) m
		WHERE q.trend_month = ? AND q.denominator_mask <> 0
		GROUP BY m.value, q.measure_id, q.clinician_id
		HAVING sum((q.denominator_mask >> m.key) & 1) > 0`, string(list), trendMonth)
}

// ReplaceQualityMonths makes the trend rows.
func (t *Tx) ReplaceQualityMonths(rows []QualityMonth) error {
	if _, err := t.exec(`DELETE FROM quality_month`); err != nil {
		return fmt.Errorf("clear the quality trend: %w", err)
	}
	for _, m := range rows {
		if _, err := t.exec(`INSERT INTO quality_month (month, measure_id, clinician_id, denominator, met, excluded)
			VALUES (?, ?, ?, ?, ?, ?)`, m.Month, m.MeasureID, m.ClinicianID, m.Denominator, m.Met, m.Excluded); err != nil {
			return fmt.Errorf("write the quality trend: %w", err)
		}
	}
	return nil
}

// QualityMonths reads the trend rows.
func (t *Tx) QualityMonths() ([]QualityMonth, error) {
	return queryList(t, "quality trend", func(row scanner) (QualityMonth, error) {
		var m QualityMonth
		return m, row.Scan(&m.Month, &m.MeasureID, &m.ClinicianID, &m.Denominator, &m.Met, &m.Excluded)
	}, `SELECT month, measure_id, clinician_id, denominator, met, excluded FROM quality_month
		ORDER BY measure_id, month, clinician_id`)
}

// QualityFilter chooses the patients of a drill-down.
type QualityFilter struct {
	MeasureID string
	// ClinicianID: the primary clinician's patients ('' those with none),
	// unless AnyClinician.
	ClinicianID  string
	AnyClinician bool
	Status       string // met, not_met or excluded; '' all
	Limit        int
	Offset       int
}

// QualityPatient is a patient of a drill-down.
type QualityPatient struct {
	PatientID, MRN, FamilyName, GivenNames, BirthDate, Sex, ClinicianID, Status, Why string
}

// QualityPatients lists a measure's patients in name order, with how many
// there are. Each choice of filter reads a range of an index in name order
// (schema 26); only the page's patients are read.
func (t *Tx) QualityPatients(f QualityFilter) ([]QualityPatient, int, error) {
	where, args := "q.measure_id = ?", []any{f.MeasureID}
	if !f.AnyClinician {
		where += " AND q.clinician_id = ?"
		args = append(args, f.ClinicianID)
	}
	if f.Status != "" {
		where += " AND q.status = ?"
		args = append(args, f.Status)
	} else {
		where += " AND q.status <> 'out'"
	}
	var total int
	if err := t.queryRow(`SELECT count(*) FROM quality_patient q WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count a measure's patients: %w", err)
	}
	list, err := queryList(t, "a measure's patients", func(row scanner) (QualityPatient, error) {
		var p QualityPatient
		return p, row.Scan(&p.PatientID, &p.MRN, &p.FamilyName, &p.GivenNames, &p.BirthDate, &p.Sex, &p.ClinicianID,
			&p.Status, &p.Why)
	}, `SELECT p.id, p.mrn, p.family_name, p.given_names, p.birth_date, p.sex, q.clinician_id, q.status, q.why
		FROM (SELECT q.* FROM quality_patient q WHERE `+where+` ORDER BY q.sort_key, q.patient_id LIMIT ? OFFSET ?) q
		JOIN patients p ON p.id = q.patient_id
		ORDER BY q.sort_key, q.patient_id`, append(args, f.Limit, f.Offset)...)
	return list, total, err
}

// LabsSince reads the patient's results in force of the LOINC codes given,
// observed since since (the quality measures' history).
func (t *Tx) LabsSince(patientID string, loincs []string, since time.Time) ([]LabLatest, error) {
	codes, err := json.Marshal(loincs)
	if err != nil {
		return nil, err
	}
	return queryList(t, "results", func(row scanner) (LabLatest, error) {
		var l LabLatest
		var at string
		var v sql.NullFloat64
		if err := row.Scan(&l.LOINC, &at, &v); err != nil {
			return l, err
		}
		l.ObservedAt, l.Value = parseTime(at), floatPtr(v)
		return l, nil
	}, `SELECT loinc, observed_at, value_num FROM lab_results
		WHERE patient_id = ? AND observed_at >= ? AND status = 'final' AND loinc IN (SELECT value FROM json_each(?))`,
		patientID, formatTime(since), string(codes))
}

// BloodPressuresSince reads the patient's blood pressures in force taken
// since since.
func (t *Tx) BloodPressuresSince(patientID string, since time.Time) ([]BloodPressure, error) {
	return queryList(t, "blood pressures", func(row scanner) (BloodPressure, error) {
		var bp BloodPressure
		var at string
		var dia sql.NullFloat64
		if err := row.Scan(&at, &bp.Systolic, &dia); err != nil {
			return bp, err
		}
		bp.TakenAt, bp.Diastolic = parseTime(at), dia.Float64
		return bp, nil
	}, `SELECT taken_at, systolic, diastolic FROM vitals WHERE patient_id = ? AND taken_at >= ? AND status = 'final'
		AND systolic IS NOT NULL`, patientID, formatTime(since))
}

// VisitsSince reads when the patient's visits (not retracted) since since
// began.
func (t *Tx) VisitsSince(patientID string, since time.Time) ([]time.Time, error) {
	return queryList(t, "visits", func(row scanner) (time.Time, error) {
		var at string
		err := row.Scan(&at)
		return parseTime(at), err
	}, `SELECT started_at FROM encounters WHERE patient_id = ? AND started_at >= ? AND status <> 'retracted'`,
		patientID, formatTime(since))
}
