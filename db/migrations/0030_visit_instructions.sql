-- Folio chart database, schema 30: a visit's instructions for the patient.
--
-- What the clinician tells the patient to do after a visit, in the
-- patient's words, printed on the after-visit summary. They are the
-- patient's handout, not the signed clinical record, so they stay editable
-- after the note is signed (a clinician corrects a handout before
-- printing it again); every change keeps the row it replaced in revisions,
-- and a row is never deleted (emptied text is a change like any other).
-- The patient is the visit's: a merge moves the encounter, and its
-- instructions follow it.

CREATE TABLE visit_instructions (
    encounter_id TEXT PRIMARY KEY REFERENCES encounters(id),
    text         TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE TRIGGER visit_instructions_no_delete BEFORE DELETE ON visit_instructions
BEGIN
    SELECT RAISE(ABORT, 'visit instructions are changed, not deleted');
END;

CREATE TRIGGER visit_instructions_update_needs_revision BEFORE UPDATE ON visit_instructions
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'visit_instructions' AND entity_id = OLD.encounter_id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'visit instructions update without a kept revision');
END;
