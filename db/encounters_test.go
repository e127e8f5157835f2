package db

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// newTestEncounter opens a walk-in for a new patient and returns it with its note.
func newTestEncounter(t *testing.T, d *DB) (User, Encounter, Note) {
	t.Helper()
	doc := addTestUser(t, d, "doc", "clinician")
	p := addTestPatient(t, d, doc, 1, "Rivera", "Ana")
	e := Encounter{ID: "enc-1", PatientID: p.ID, ClinicianID: doc.ID, Kind: EncounterWalkIn, StartedAt: testTime,
		Status: EncounterOpen, Version: 1, CreatedAt: testTime, CreatedBy: doc.ID, UpdatedAt: testTime, UpdatedBy: doc.ID}
	var n Note
	mustUpdate(t, d, func(tx *Tx) (err error) {
		if err := tx.InsertEncounter(e, "note-1"); err != nil {
			return err
		}
		n, err = tx.NoteOf(e.ID)
		return err
	})
	return doc, e, n
}

func TestDraftsKeepHistory(t *testing.T) {
	d := openTestDB(t)
	doc, _, n := newTestEncounter(t, d)
	for i, text := range []string{"cough", "cough for 3 days"} {
		mustUpdate(t, d, func(tx *Tx) error {
			next := n
			next.Subjective, next.SavedAt, next.SavedBy = text, testTime, doc.ID
			saved, err := tx.SaveDraft(next)
			if err != nil {
				return err
			}
			if saved.DraftVersion != i+2 {
				t.Errorf("draft version = %d, want %d", saved.DraftVersion, i+2)
			}
			n = saved
			return nil
		})
	}
	stale := n
	stale.DraftVersion = 1
	err := d.Update(context.Background(), func(tx *Tx) error { _, err := tx.SaveDraft(stale); return err })
	if !errors.Is(err, ErrConflict) {
		t.Errorf("stale draft: err = %v, want ErrConflict", err)
	}
	mustUpdate(t, d, func(tx *Tx) error {
		drafts, err := tx.NoteDrafts(n.ID)
		if err != nil {
			return err
		}
		if len(drafts) != 2 || drafts[0].Subjective != "cough" || drafts[1].Subjective != "" {
			t.Errorf("drafts = %+v, want the two replaced drafts, newest first", drafts)
		}
		return nil
	})
	err = d.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.exec(`UPDATE notes SET plan = 'skipped history', draft_version = draft_version + 1 WHERE id = ?`, n.ID)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "without a kept revision") {
		t.Errorf("draft update without revision: err = %v, want refused by the trigger", err)
	}
}

// TestSignedNoteIsLockedInTheFile: whatever SQL runs against the file, a
// signed note's text and signature never change, and nothing is deleted.
func TestSignedNoteIsLockedInTheFile(t *testing.T) {
	d := openTestDB(t)
	doc, e, n := newTestEncounter(t, d)
	mustUpdate(t, d, func(tx *Tx) error {
		next := n
		next.Assessment, next.SavedAt, next.SavedBy = "viral URI", testTime, doc.ID
		if _, err := tx.SaveDraft(next); err != nil {
			return err
		}
		return tx.SignNote(n.ID, doc.ID, testTime)
	})
	err := d.Update(context.Background(), func(tx *Tx) error {
		return tx.InsertAddendum(Addendum{ID: "add-1", NoteID: n.ID, Text: "results normal", Author: doc.ID, At: testTime})
	})
	if err != nil {
		t.Fatalf("addendum to a signed note: %v", err)
	}
	raw := rawConn(t, d.Path())
	for _, stmt := range []string{
		`UPDATE notes SET subjective = 'changed'`,
		`UPDATE notes SET objective = 'changed'`,
		`UPDATE notes SET assessment = 'changed'`,
		`UPDATE notes SET plan = 'changed'`,
		`UPDATE notes SET draft_version = 99`,
		`UPDATE notes SET signed_at = '', signed_by = ''`,
		`UPDATE notes SET signed_by = 'u-other'`,
		`UPDATE notes SET encounter_id = 'other'`,
		`UPDATE notes SET retracted_at = '2026-03-10T10:00:00.000000Z', retracted_by = 'u-doc', retract_reason = ''`,
		`DELETE FROM notes`,
		`UPDATE note_addenda SET text = 'changed'`,
		`DELETE FROM note_addenda`,
		`DELETE FROM encounters`,
		`INSERT INTO revisions (entity, entity_id, version, data, changed_at, changed_by, reason)
			VALUES ('note', 'note-1', 2, '{}', '2026-03-10T10:00:00.000000Z', 'u-doc', 'x');
		 UPDATE notes SET assessment = 'changed with a revision'`,
	} {
		if _, err := raw.Exec(stmt); err == nil {
			t.Errorf("allowed on a signed note: %s", stmt)
		}
	}
	mustUpdate(t, d, func(tx *Tx) error {
		got, err := tx.NoteOf(e.ID)
		if err != nil {
			return err
		}
		if got.Assessment != "viral URI" || got.Subjective != "" || !got.Signed() || got.SignedBy != doc.ID {
			t.Errorf("signed note changed: %+v", got)
		}
		addenda, err := tx.Addenda(n.ID)
		if err != nil || len(addenda) != 1 || addenda[0].Text != "results normal" {
			t.Errorf("addenda = %+v, %v", addenda, err)
		}
		return nil
	})
}

func TestRetractionOnceWithReason(t *testing.T) {
	d := openTestDB(t)
	doc, e, n := newTestEncounter(t, d)
	raw := rawConn(t, d.Path())
	retract := `UPDATE notes SET retracted_at = '2026-03-10T10:00:00.000000Z', retracted_by = 'u-doc', retract_reason = ?`
	if _, err := raw.Exec(retract, "wrong patient"); err == nil {
		t.Error("a draft was retracted")
	}
	err := d.Update(context.Background(), func(tx *Tx) error {
		return tx.InsertAddendum(Addendum{ID: "add-1", NoteID: n.ID, Text: "x", Author: doc.ID, At: testTime})
	})
	if err == nil {
		t.Error("an addendum was added to a draft")
	}
	mustUpdate(t, d, func(tx *Tx) error { return tx.SignNote(n.ID, doc.ID, testTime) })
	if _, err := raw.Exec(retract, ""); err == nil {
		t.Error("a note was retracted without a reason")
	}
	if _, err := raw.Exec(retract, "wrong patient"); err != nil {
		t.Fatalf("retract a signed note: %v", err)
	}
	if _, err := raw.Exec(retract, "another reason"); err == nil {
		t.Error("a note was retracted twice")
	}
	mustUpdate(t, d, func(tx *Tx) error {
		got, err := tx.NoteOf(e.ID)
		if err != nil {
			return err
		}
		if got.RetractReason != "wrong patient" || got.RetractedAt.IsZero() {
			t.Errorf("retraction = %+v", got)
		}
		return nil
	})
}
