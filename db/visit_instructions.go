package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// VisitInstructions are what a visit's patient is told to do afterwards, in
// their words, for the after-visit summary (schema 30). Version 0: none
// written yet.
type VisitInstructions struct {
	EncounterID string    `json:"encounterId"`
	Text        string    `json:"text"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updatedAt"`
	UpdatedBy   string    `json:"updatedBy"`
}

// VisitInstructionsOf reads a visit's instructions; version 0 and no text
// when none were written.
func (t *Tx) VisitInstructionsOf(encounterID string) (VisitInstructions, error) {
	v := VisitInstructions{EncounterID: encounterID}
	var at string
	err := t.queryRow(`SELECT text, version, updated_at, updated_by FROM visit_instructions WHERE encounter_id = ?`,
		encounterID).Scan(&v.Text, &v.Version, &at, &v.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("read instructions of visit %s: %w", encounterID, err)
	}
	v.UpdatedAt = parseTime(at)
	return v, nil
}

// SaveVisitInstructions writes v over the version the caller read
// (v.Version: 0 for none yet), keeping the text it replaces in revisions;
// ErrConflict when they changed since.
func (t *Tx) SaveVisitInstructions(v VisitInstructions) (VisitInstructions, error) {
	old, err := t.VisitInstructionsOf(v.EncounterID)
	if err != nil {
		return v, err
	}
	if old.Version != v.Version {
		return v, ErrConflict
	}
	if old.Version == 0 {
		v.Version = 1
		_, err := t.exec(`INSERT INTO visit_instructions (encounter_id, text, version, updated_at, updated_by)
			VALUES (?, ?, 1, ?, ?)`, v.EncounterID, v.Text, formatTime(v.UpdatedAt), v.UpdatedBy)
		if err != nil {
			return v, fmt.Errorf("write instructions of visit %s: %w", v.EncounterID, err)
		}
		return v, nil
	}
	if err := t.keepRevision("visit_instructions", old.EncounterID, old.Version, old, v.UpdatedBy, v.UpdatedAt, "edit"); err != nil {
		return v, err
	}
	v.Version = old.Version + 1
	_, err = t.exec(`UPDATE visit_instructions SET text = ?, version = ?, updated_at = ?, updated_by = ?
		WHERE encounter_id = ? AND version = ?`, v.Text, v.Version, formatTime(v.UpdatedAt), v.UpdatedBy,
		v.EncounterID, old.Version)
	if err != nil {
		return v, fmt.Errorf("update instructions of visit %s: %w", v.EncounterID, err)
	}
	return v, nil
}
