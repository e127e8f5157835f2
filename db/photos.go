package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Photo is a patient's picture as taken at the front desk. Photos are never
// changed or deleted: a new one replaces the old as the patient's current
// photo (Patient.PhotoID), and the patient's revisions name the old.
type Photo struct {
	ID          int64
	PatientID   string
	ContentType string // image/jpeg or image/png
	Data        []byte
	AddedAt     time.Time
	AddedBy     string
}

// MaxPhotoBytes bounds a photo: a face for the chart header, not a scan.
const MaxPhotoBytes = 512 << 10

// InsertPhoto stores ph and returns its id, for the patient row to name.
// The patient may be inserted later in the same transaction.
func (t *Tx) InsertPhoto(ph Photo) (int64, error) {
	res, err := t.exec(`INSERT INTO patient_photos (patient_id, content_type, data, added_at, added_by)
		VALUES (?, ?, ?, ?, ?)`, ph.PatientID, ph.ContentType, ph.Data, formatTime(ph.AddedAt), ph.AddedBy)
	if err != nil {
		return 0, fmt.Errorf("store photo: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store photo: %w", err)
	}
	return id, nil
}

// PhotoByID reads one photo.
func (t *Tx) PhotoByID(id int64) (Photo, error) {
	var ph Photo
	var added string
	err := t.queryRow(`SELECT id, patient_id, content_type, data, added_at, added_by FROM patient_photos WHERE id = ?`, id).
		Scan(&ph.ID, &ph.PatientID, &ph.ContentType, &ph.Data, &added, &ph.AddedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return ph, ErrNotFound
	}
	if err != nil {
		return ph, fmt.Errorf("read photo %d: %w", id, err)
	}
	ph.AddedAt = parseTime(added)
	return ph, nil
}

// CountPhotos tells how many photos are kept, replaced ones too.
func (t *Tx) CountPhotos() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM patient_photos`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count photos: %w", err)
	}
	return n, nil
}
