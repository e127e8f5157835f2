-- Folio chart database, schema 6: the problem list (ICD-10-CM coded) and the
-- allergy list, with "no known allergies" recorded explicitly.
--
-- Rows are never deleted: a row entered in error is retracted (status
-- 'entered_in_error' with a reason) and stays readable. Every update keeps
-- the row it replaced in revisions, as patients do.

CREATE TABLE problems (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    icd10          TEXT NOT NULL,              -- with its dot: E11.9
    title          TEXT NOT NULL,
    onset          TEXT NOT NULL DEFAULT '',   -- YYYY, YYYY-MM or YYYY-MM-DD, '' unknown
    status         TEXT NOT NULL CHECK (status IN ('active', 'resolved', 'entered_in_error')),
    resolved_on    TEXT NOT NULL DEFAULT '',   -- a partial date like onset
    note           TEXT NOT NULL DEFAULT '',
    -- the visit it was diagnosed at; no foreign key, so that this step does
    -- not depend on the encounters table
    encounter_id   TEXT,
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(id),
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX problems_patient ON problems (patient_id, status);

CREATE TRIGGER problems_no_delete BEFORE DELETE ON problems
BEGIN
    SELECT RAISE(ABORT, 'problems are retracted, not deleted');
END;

CREATE TRIGGER problems_update_needs_revision BEFORE UPDATE ON problems
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'problem' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'problem update without a kept revision');
END;

CREATE TABLE allergies (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    substance      TEXT NOT NULL,
    substance_kind TEXT NOT NULL CHECK (substance_kind IN ('drug', 'drug_class', 'food', 'environment', 'other')),
    code           TEXT NOT NULL DEFAULT '',   -- e.g. an RxNorm code, '' if none
    reaction       TEXT NOT NULL DEFAULT '',
    severity       TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'unknown')),
    status         TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'entered_in_error')),
    onset          TEXT NOT NULL DEFAULT '',   -- a partial date like problems.onset
    note           TEXT NOT NULL DEFAULT '',
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(id),
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX allergies_patient ON allergies (patient_id, status);

CREATE TRIGGER allergies_no_delete BEFORE DELETE ON allergies
BEGIN
    SELECT RAISE(ABORT, 'allergies are retracted, not deleted');
END;

CREATE TRIGGER allergies_update_needs_revision BEFORE UPDATE ON allergies
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'allergy' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'allergy update without a kept revision');
END;

-- Each "no known allergies" statement: who recorded it and when, and when
-- recording an allergy cleared it. A patient has at most one in force
-- (cleared_at = ''); cleared statements are kept.
CREATE TABLE no_known_allergies (
    id          INTEGER PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patients(id),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    cleared_at  TEXT NOT NULL DEFAULT '',
    cleared_by  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE UNIQUE INDEX no_known_allergies_current ON no_known_allergies (patient_id) WHERE cleared_at = '';

CREATE TRIGGER no_known_allergies_no_delete BEFORE DELETE ON no_known_allergies
BEGIN
    SELECT RAISE(ABORT, 'allergy statements are kept');
END;

CREATE TRIGGER no_known_allergies_clear_only BEFORE UPDATE ON no_known_allergies
WHEN OLD.cleared_at <> '' OR NEW.patient_id <> OLD.patient_id OR NEW.recorded_at <> OLD.recorded_at
    OR NEW.recorded_by <> OLD.recorded_by
BEGIN
    SELECT RAISE(ABORT, 'an allergy statement is only cleared');
END;
