-- Folio chart database, schema 12: a visit's diagnoses, each a link from the
-- encounter to an entry of the patient's problem list (issue 4, item 2).
--
-- The link carries no patient of its own: the encounter and the problem
-- both belong to the patient (a trigger checks it), and a merge moves both.
-- Rank 1 is the visit's primary diagnosis; later ones follow in the order
-- they were added.
--
-- While the note is a draft a diagnosis may be removed, which retracts the
-- link with a reason (kept, readable). Once the note is signed its
-- diagnoses are locked as the note is: SQLite refuses new links, changes
-- and deletions, whatever the program asks.

CREATE TABLE encounter_diagnoses (
    id             TEXT PRIMARY KEY,
    encounter_id   TEXT NOT NULL REFERENCES encounters(id),
    problem_id     TEXT NOT NULL REFERENCES problems(id),
    rank           INTEGER NOT NULL CHECK (rank >= 1),
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL REFERENCES users(id),
    retracted_at   TEXT NOT NULL DEFAULT '',
    retracted_by   TEXT NOT NULL DEFAULT '',
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    CHECK ((retracted_at = '') = (retracted_by = '') AND (retracted_at = '') = (retract_reason = ''))
) STRICT;

-- A problem is a diagnosis of a visit once, unless that link was retracted.
CREATE UNIQUE INDEX encounter_diagnoses_once ON encounter_diagnoses (encounter_id, problem_id) WHERE retracted_at = '';
CREATE INDEX encounter_diagnoses_problem ON encounter_diagnoses (problem_id);

CREATE TRIGGER encounter_diagnoses_no_delete BEFORE DELETE ON encounter_diagnoses
BEGIN
    SELECT RAISE(ABORT, 'diagnoses are retracted, not deleted');
END;

CREATE TRIGGER encounter_diagnoses_same_patient BEFORE INSERT ON encounter_diagnoses
WHEN (SELECT patient_id FROM problems WHERE id = NEW.problem_id)
    IS NOT (SELECT patient_id FROM encounters WHERE id = NEW.encounter_id)
BEGIN
    SELECT RAISE(ABORT, 'a diagnosis links a visit to a problem of the same patient');
END;

-- A signed (or retracted) note's diagnoses are as signed.
CREATE TRIGGER encounter_diagnoses_signed_insert BEFORE INSERT ON encounter_diagnoses
WHEN coalesce((SELECT signed_at FROM notes WHERE encounter_id = NEW.encounter_id), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'a signed visit''s diagnoses cannot be changed: add an addendum');
END;

CREATE TRIGGER encounter_diagnoses_signed_update BEFORE UPDATE ON encounter_diagnoses
WHEN coalesce((SELECT signed_at FROM notes WHERE encounter_id = OLD.encounter_id), '') <> ''
BEGIN
    SELECT RAISE(ABORT, 'a signed visit''s diagnoses cannot be changed: add an addendum');
END;

-- The only change a link takes is its retraction, once, with a reason.
CREATE TRIGGER encounter_diagnoses_retract_only BEFORE UPDATE ON encounter_diagnoses
WHEN NEW.id IS NOT OLD.id OR NEW.encounter_id IS NOT OLD.encounter_id OR NEW.problem_id IS NOT OLD.problem_id
    OR NEW.rank IS NOT OLD.rank OR NEW.added_at IS NOT OLD.added_at OR NEW.added_by IS NOT OLD.added_by
    OR OLD.retracted_at <> '' OR NEW.retracted_at = ''
BEGIN
    SELECT RAISE(ABORT, 'a diagnosis is only retracted, once, with a reason');
END;

CREATE TRIGGER encounter_diagnoses_update_needs_revision BEFORE UPDATE ON encounter_diagnoses
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'diagnosis' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'diagnosis update without a kept revision');
END;
