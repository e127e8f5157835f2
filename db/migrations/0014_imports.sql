-- Folio chart database, schema 14: records imported from another system.
--
-- An import is one file a clinician brought in (a Folio archive or a FHIR
-- bundle from another system): what it was (name, SHA-256), what its
-- verification said, whom it was about once matched to a chart here, and
-- what became of each thing in it. Each resource of the file is one import
-- item, with the original resource kept as it came, forever: anything Folio
-- does not understand is kept as an attached original, never silently
-- dropped. A clinician decides each item once (accepted, skipped, already
-- present); an accepted item names the Folio record it became.
--
-- Nothing is deleted. An import changes only while it is being reviewed
-- (matching a patient, then done or abandoned) and when a merge moves its
-- patient; an item's decision changes only from pending, once.

CREATE TABLE imports (
    id                 TEXT PRIMARY KEY,
    -- the chart it was matched to; NULL while the clinician has not chosen
    patient_id         TEXT REFERENCES patients(id),
    file_name          TEXT NOT NULL,
    file_sha256        TEXT NOT NULL CHECK (length(file_sha256) = 64 AND file_sha256 NOT GLOB '*[^0-9a-f]*'),
    kind               TEXT NOT NULL CHECK (kind IN ('folio_archive', 'fhir_json')),
    -- 'valid' for a Folio archive (one whose signature fails is refused,
    -- not stored), 'unsigned' for plain FHIR JSON; 'invalid' is reserved for
    -- a file imported despite a failed signature, which Folio does not do
    signature          TEXT NOT NULL CHECK (signature IN ('valid', 'invalid', 'unsigned')),
    signer_fingerprint TEXT NOT NULL DEFAULT '',
    signer_clinic      TEXT NOT NULL DEFAULT '',
    intact             INTEGER NOT NULL CHECK (intact IN (0, 1)),
    source_org         TEXT NOT NULL DEFAULT '',   -- who sent it, as the file says
    source_date        TEXT NOT NULL DEFAULT '',   -- when the file was made, as it says
    -- what the file says besides its items (JSON): the incoming patient as
    -- it describes them (for the match screen), its source, its warnings
    received           TEXT NOT NULL DEFAULT '{}',
    -- {"in":n,"mapped":n,"unmapped":n,"skipped":n}: what was found in the file
    counts             TEXT NOT NULL DEFAULT '{}',
    status             TEXT NOT NULL CHECK (status IN ('reviewing', 'done', 'abandoned')),
    imported_at        TEXT NOT NULL,
    imported_by        TEXT NOT NULL REFERENCES users(id),
    decided_at         TEXT NOT NULL DEFAULT '',   -- when it was finished or abandoned
    decided_by         TEXT NOT NULL DEFAULT '',
    CHECK (status = 'reviewing' OR decided_at <> ''),
    CHECK (status <> 'done' OR patient_id IS NOT NULL)
) STRICT;

CREATE INDEX imports_patient ON imports (patient_id, imported_at) WHERE patient_id IS NOT NULL;
CREATE INDEX imports_sha256 ON imports (file_sha256);

CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports
BEGIN
    SELECT RAISE(ABORT, 'imports are kept');
END;

-- What the file was and what its verification said never change.
CREATE TRIGGER imports_file_fixed BEFORE UPDATE ON imports
WHEN NEW.file_name IS NOT OLD.file_name OR NEW.file_sha256 IS NOT OLD.file_sha256 OR NEW.kind IS NOT OLD.kind
    OR NEW.signature IS NOT OLD.signature OR NEW.signer_fingerprint IS NOT OLD.signer_fingerprint
    OR NEW.signer_clinic IS NOT OLD.signer_clinic OR NEW.intact IS NOT OLD.intact
    OR NEW.source_org IS NOT OLD.source_org OR NEW.source_date IS NOT OLD.source_date
    OR NEW.received IS NOT OLD.received OR NEW.counts IS NOT OLD.counts
    OR NEW.imported_at IS NOT OLD.imported_at OR NEW.imported_by IS NOT OLD.imported_by
BEGIN
    SELECT RAISE(ABORT, 'an import''s file and verification are kept as received');
END;

-- A finished or abandoned import is decided: only a merge still moves it
-- (its patient, from a chart that is merged away).
CREATE TRIGGER imports_decided_once BEFORE UPDATE ON imports
WHEN OLD.status <> 'reviewing' AND (NEW.status IS NOT OLD.status OR NEW.decided_at IS NOT OLD.decided_at
    OR NEW.decided_by IS NOT OLD.decided_by
    OR (NEW.patient_id IS NOT OLD.patient_id
        AND NOT EXISTS (SELECT 1 FROM patients WHERE id = OLD.patient_id AND status = 'merged')))
BEGIN
    SELECT RAISE(ABORT, 'a finished import is kept as decided');
END;

CREATE TABLE import_items (
    id             TEXT PRIMARY KEY,
    import_id      TEXT NOT NULL REFERENCES imports(id),
    seq            INTEGER NOT NULL,           -- its place in the file, for a stable review order
    -- what it would become here; 'patient' is the person it is about,
    -- 'unmapped' a resource Folio keeps only as the original
    kind           TEXT NOT NULL CHECK (kind IN ('patient', 'problem', 'allergy', 'medication', 'immunization',
                       'result', 'vitals', 'document', 'unmapped')),
    resource_type  TEXT NOT NULL DEFAULT '',   -- the original FHIR resource type, e.g. 'Condition'
    resource_id    TEXT NOT NULL DEFAULT '',   -- its id in the sender's system
    display        TEXT NOT NULL,              -- what the review screen shows
    detail         TEXT NOT NULL DEFAULT '',   -- why unmapped, or what the match found
    raw            TEXT NOT NULL,              -- the original resource, as received
    -- what Folio read from it (JSON), written into the chart if accepted
    mapped         TEXT NOT NULL DEFAULT '',
    -- what Folio suggests: accept, already_present (the chart has it),
    -- kept_original (it cannot become a chart record here) or skipped (the
    -- sender retracted or repeated it)
    suggested      TEXT NOT NULL CHECK (suggested IN ('accept', 'already_present', 'kept_original', 'skipped')),
    -- what the clinician chose while reviewing ('' follows the suggestion);
    -- applied, as decision, when the import is finished
    chosen         TEXT NOT NULL DEFAULT '' CHECK (chosen IN ('', 'accept', 'skip', 'already_present')),
    decision       TEXT NOT NULL CHECK (decision IN ('pending', 'accepted', 'skipped', 'already_present',
                       'kept_original')),
    record_entity  TEXT NOT NULL DEFAULT '',   -- the Folio record it became when accepted, e.g. 'problem'
    record_id      TEXT NOT NULL DEFAULT '',
    decided_at     TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    UNIQUE (import_id, seq),
    CHECK (decision <> 'accepted' OR (record_entity <> '' AND record_id <> '')),
    CHECK (decision = 'pending' OR decided_at <> '')
) STRICT;

CREATE INDEX import_items_import ON import_items (import_id, seq);
CREATE INDEX import_items_record ON import_items (record_entity, record_id) WHERE record_id <> '';

CREATE TRIGGER import_items_no_delete BEFORE DELETE ON import_items
BEGIN
    SELECT RAISE(ABORT, 'import items are kept');
END;

-- An item is decided once: only a pending item changes, and only Folio's
-- suggestion (once the chart is known), what the clinician chooses, and
-- the decision that follows. What was received never changes.
CREATE TRIGGER import_items_decided_once BEFORE UPDATE ON import_items
WHEN OLD.decision <> 'pending'
    OR NEW.id IS NOT OLD.id OR NEW.import_id IS NOT OLD.import_id OR NEW.seq IS NOT OLD.seq
    OR NEW.kind IS NOT OLD.kind OR NEW.resource_type IS NOT OLD.resource_type
    OR NEW.resource_id IS NOT OLD.resource_id OR NEW.display IS NOT OLD.display
    OR NEW.raw IS NOT OLD.raw OR NEW.mapped IS NOT OLD.mapped
BEGIN
    SELECT RAISE(ABORT, 'an import item is decided once');
END;
