package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The clinicians' Readings to review list, kept (schema 31): one row per
// actively enrolled patient, made by the app from the patient's readings,
// enrolment and reviews in every transaction that changes them, so that
// opening the list reads one small table instead of every new reading of
// every enrolled patient.

// ReviewRow is a patient's row of the Readings to review list.
type ReviewRow struct {
	PatientID   string
	EnrolmentID string
	Device      string
	TargetsText string
	NewReadings int // readings added since the last review; 0 is not listed
	OutOfTarget int
	// UrgencyPeaks, Flags and Latest are JSON, as the app wrote them.
	UrgencyPeaks   string
	Flags          string
	Latest         string
	LastReviewAt   time.Time // zero: never reviewed
	LastReviewedBy string
	MadeAt         time.Time

	// When read back for the list.
	PatientName  string // "Family, Given"
	MRN          string
	LastReviewer string // the reviewer's full name
}

// PutReviewRow writes the patient's row of the list, replacing the one
// there (derived data: no revision).
func (t *Tx) PutReviewRow(r ReviewRow) error {
	last := ""
	if !r.LastReviewAt.IsZero() {
		last = formatTime(r.LastReviewAt)
	}
	_, err := t.exec(`INSERT INTO readings_to_review (patient_id, enrolment_id, device, targets_text, new_readings,
			out_of_target, urgency_peaks, flags, latest, last_review_at, last_reviewed_by, made_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (patient_id) DO UPDATE SET enrolment_id = excluded.enrolment_id, device = excluded.device,
			targets_text = excluded.targets_text, new_readings = excluded.new_readings,
			out_of_target = excluded.out_of_target, urgency_peaks = excluded.urgency_peaks, flags = excluded.flags,
			latest = excluded.latest, last_review_at = excluded.last_review_at,
			last_reviewed_by = excluded.last_reviewed_by, made_at = excluded.made_at`,
		r.PatientID, r.EnrolmentID, r.Device, r.TargetsText, r.NewReadings, r.OutOfTarget, r.UrgencyPeaks, r.Flags,
		r.Latest, last, r.LastReviewedBy, formatTime(r.MadeAt))
	if err != nil {
		return fmt.Errorf("write the readings to review of %s: %w", r.PatientID, err)
	}
	return nil
}

// ClearReviewRow removes the patient's row of the list: they are not
// enrolled (any more), or their chart was merged into another.
func (t *Tx) ClearReviewRow(patientID string) error {
	if _, err := t.exec(`DELETE FROM readings_to_review WHERE patient_id = ?`, patientID); err != nil {
		return fmt.Errorf("clear the readings to review of %s: %w", patientID, err)
	}
	return nil
}

const reviewRowColumns = `r.patient_id, r.enrolment_id, r.device, r.targets_text, r.new_readings, r.out_of_target,
	r.urgency_peaks, r.flags, r.latest, r.last_review_at, r.last_reviewed_by, r.made_at,
	p.family_name || ', ' || p.given_names, p.mrn, coalesce(u.full_name, '')`

const reviewRowFrom = ` FROM readings_to_review r JOIN patients p ON p.id = r.patient_id
	LEFT JOIN users u ON u.id = r.last_reviewed_by`

func scanReviewRow(row scanner) (ReviewRow, error) {
	var r ReviewRow
	var last, made string
	err := row.Scan(&r.PatientID, &r.EnrolmentID, &r.Device, &r.TargetsText, &r.NewReadings, &r.OutOfTarget,
		&r.UrgencyPeaks, &r.Flags, &r.Latest, &last, &r.LastReviewedBy, &made, &r.PatientName, &r.MRN,
		&r.LastReviewer)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read readings to review: %w", err)
	}
	if last != "" {
		r.LastReviewAt = parseTime(last)
	}
	r.MadeAt = parseTime(made)
	return r, nil
}

// ReviewRows reads the list: the rows of the enrolled patients with
// readings added since their last review (readings_to_review_listed), with
// each patient's name and MRN and the last reviewer's name.
func (t *Tx) ReviewRows() ([]ReviewRow, error) {
	return queryList(t, "readings to review", scanReviewRow, `SELECT `+reviewRowColumns+reviewRowFrom+`
		WHERE r.new_readings > 0 ORDER BY r.patient_id`)
}

// ReviewRowFor reads the patient's row of the list (ErrNotFound: none).
func (t *Tx) ReviewRowFor(patientID string) (ReviewRow, error) {
	return scanReviewRow(t.queryRow(`SELECT `+reviewRowColumns+reviewRowFrom+` WHERE r.patient_id = ?`, patientID))
}

// ReviewRowsToMake lists the patients whose row of the list is to be made:
// every actively enrolled patient without one (all: every one), and every
// patient with one who is no longer enrolled.
func (t *Tx) ReviewRowsToMake(all bool) ([]string, error) {
	return queryList(t, "readings to review to make", func(row scanner) (string, error) {
		var id string
		return id, row.Scan(&id)
	}, `SELECT e.patient_id FROM rpm_enrolments e WHERE e.status = 'active'
			AND (?1 OR NOT EXISTS (SELECT 1 FROM readings_to_review r WHERE r.patient_id = e.patient_id))
		UNION
		SELECT r.patient_id FROM readings_to_review r WHERE NOT EXISTS (SELECT 1 FROM rpm_enrolments e
			WHERE e.patient_id = r.patient_id AND e.status = 'active')`, all)
}

// LastReadingReview is the patient's review through the newest reading
// (their own, or one of a chart merged into theirs): through what it saw,
// when and by whom. Zero times: never reviewed.
func (t *Tx) LastReadingReview(patientID string) (through, at time.Time, by string, err error) {
	var throughAt, reviewedAt string
	err = t.queryRow(`SELECT r.through_at, r.reviewed_at, r.reviewed_by FROM reading_reviews r
		WHERE r.patient_id IN `+chartReviews+` ORDER BY r.through_at DESC LIMIT 1`, patientID).
		Scan(&throughAt, &reviewedAt, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, time.Time{}, "", fmt.Errorf("last review of %s: %w", patientID, err)
	}
	return parseTime(throughAt), parseTime(reviewedAt), by, nil
}

// HomeReadingsAddedAfter lists the patient's readings in force added to
// the chart after after (zero: all), oldest first by when taken, with the
// columns the lists show.
func (t *Tx) HomeReadingsAddedAfter(patientID string, after time.Time) ([]HomeReading, error) {
	since := ""
	if !after.IsZero() {
		since = formatTime(after)
	}
	return chartReadings(t, patientID, 0, `SELECT `+chartReadingColumns+` FROM home_readings
		WHERE patient_id = ? AND created_at > ? AND status = 'final' ORDER BY taken_at, id`, patientID, since)
}
