-- Folio chart database, schema 5: encounters (visits) with their SOAP note,
-- the note's addenda, and the clinic's note templates and quick phrases.
--
-- What a clinician signed stays exactly as signed, and SQLite itself
-- enforces it: the triggers below refuse any change to a signed note's text,
-- any deletion, and any change to an addendum. The only change a signed
-- note takes is its retraction, once, with a reason. Every autosave of a
-- draft keeps the draft it replaced in revisions (entity 'note', keyed by
-- the note id and its draft_version), so a crash or a bad save loses
-- nothing.

CREATE TABLE encounters (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    clinician_id   TEXT NOT NULL REFERENCES users(id),
    -- the appointment the visit was opened from; NULL for a walk-in
    appointment_id TEXT UNIQUE REFERENCES appointments(id),
    kind           TEXT NOT NULL CHECK (kind IN ('visit', 'walk_in')),
    started_at     TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'signed', 'retracted')),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(id),
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id),
    CHECK ((kind = 'visit') = (appointment_id IS NOT NULL))
) STRICT;

CREATE INDEX encounters_patient_started ON encounters (patient_id, started_at);

CREATE TRIGGER encounters_no_delete BEFORE DELETE ON encounters
BEGIN
    SELECT RAISE(ABORT, 'encounters are never deleted');
END;

CREATE TRIGGER encounters_update_needs_revision BEFORE UPDATE ON encounters
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'encounter' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'encounter update without a kept revision');
END;

-- Who saw the patient and when never change; the status only moves on. (The
-- patient may change: a merge moves a chart's records to the survivor.)
CREATE TRIGGER encounters_fixed_facts BEFORE UPDATE ON encounters
WHEN NEW.clinician_id IS NOT OLD.clinician_id
    OR NEW.appointment_id IS NOT OLD.appointment_id OR NEW.kind IS NOT OLD.kind
    OR NEW.started_at IS NOT OLD.started_at
    OR (OLD.status = 'signed' AND NEW.status NOT IN ('signed', 'retracted'))
    OR (OLD.status = 'retracted' AND NEW.status <> 'retracted')
BEGIN
    SELECT RAISE(ABORT, 'an encounter''s clinician and start are fixed, and its status only moves on');
END;

-- One SOAP note per encounter. signed_at, retracted_at are '' until then.
CREATE TABLE notes (
    id             TEXT PRIMARY KEY,
    encounter_id   TEXT NOT NULL UNIQUE REFERENCES encounters(id),
    subjective     TEXT NOT NULL DEFAULT '',
    objective      TEXT NOT NULL DEFAULT '',
    assessment     TEXT NOT NULL DEFAULT '',
    plan           TEXT NOT NULL DEFAULT '',
    draft_version  INTEGER NOT NULL DEFAULT 1,
    saved_at       TEXT NOT NULL,
    saved_by       TEXT NOT NULL REFERENCES users(id),
    signed_at      TEXT NOT NULL DEFAULT '',
    signed_by      TEXT NOT NULL DEFAULT '',
    retracted_at   TEXT NOT NULL DEFAULT '',
    retracted_by   TEXT NOT NULL DEFAULT '',
    retract_reason TEXT NOT NULL DEFAULT '',
    CHECK ((signed_at = '') = (signed_by = '')),
    CHECK ((retracted_at = '') = (retracted_by = '') AND (retracted_at = '') = (retract_reason = '')),
    CHECK (retracted_at = '' OR signed_at <> '')
) STRICT;

CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are never deleted');
END;

-- A signed note's text, and its signature, never change.
CREATE TRIGGER notes_signed_are_locked BEFORE UPDATE OF
    id, encounter_id, subjective, objective, assessment, plan, draft_version, saved_at, saved_by, signed_at, signed_by
ON notes
WHEN OLD.signed_at <> ''
BEGIN
    SELECT RAISE(ABORT, 'a signed note cannot be changed: add an addendum');
END;

-- Retraction: only of a signed note, once, with a reason.
CREATE TRIGGER notes_retract_once BEFORE UPDATE OF retracted_at, retracted_by, retract_reason ON notes
WHEN OLD.signed_at = '' OR OLD.retracted_at <> '' OR NEW.retract_reason = '' OR NEW.retracted_at = ''
BEGIN
    SELECT RAISE(ABORT, 'only a signed note is retracted, once, with a reason');
END;

-- Every change to a draft keeps the draft it replaced.
CREATE TRIGGER notes_draft_needs_revision BEFORE UPDATE OF subjective, objective, assessment, plan, draft_version ON notes
WHEN OLD.signed_at = '' AND NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'note' AND entity_id = OLD.id AND version = OLD.draft_version
)
BEGIN
    SELECT RAISE(ABORT, 'note draft update without a kept revision');
END;

-- What a clinician adds to a signed note: append-only.
CREATE TABLE note_addenda (
    id        TEXT PRIMARY KEY,
    note_id   TEXT NOT NULL REFERENCES notes(id),
    text      TEXT NOT NULL CHECK (text <> ''),
    author    TEXT NOT NULL REFERENCES users(id),
    at        TEXT NOT NULL
) STRICT;

CREATE INDEX note_addenda_note ON note_addenda (note_id, at);

CREATE TRIGGER note_addenda_only_signed BEFORE INSERT ON note_addenda
WHEN coalesce((SELECT signed_at FROM notes WHERE id = NEW.note_id), '') = ''
BEGIN
    SELECT RAISE(ABORT, 'an addendum is added to a signed note only');
END;

CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are append-only');
END;

CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are append-only');
END;

-- The clinic's note templates; retired (active = 0), never deleted.
CREATE TABLE note_templates (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    subjective TEXT NOT NULL DEFAULT '',
    objective  TEXT NOT NULL DEFAULT '',
    assessment TEXT NOT NULL DEFAULT '',
    plan       TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE TRIGGER note_templates_no_delete BEFORE DELETE ON note_templates
BEGIN
    SELECT RAISE(ABORT, 'templates are retired, not deleted');
END;

-- Abbreviations a clinician types that expand to text (".sob" -> ...).
CREATE TABLE quick_phrases (
    id           TEXT PRIMARY KEY,
    abbreviation TEXT NOT NULL UNIQUE COLLATE NOCASE,
    text         TEXT NOT NULL CHECK (text <> ''),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version      INTEGER NOT NULL DEFAULT 1,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE TRIGGER quick_phrases_no_delete BEFORE DELETE ON quick_phrases
BEGIN
    SELECT RAISE(ABORT, 'quick phrases are retired, not deleted');
END;
