-- Folio chart database, schema 26: procedures and reports are imported,
-- and a care record keeps the codes it came with.
--
-- A procedure or report imported from another system (a colonoscopy coded
-- in SNOMED CT and CPT, a mammogram report in LOINC) becomes a care record
-- (source 'imported'); like every other imported record it keeps every
-- coding it arrived with, as received, beside the one code the care rules
-- read. SQLite cannot widen a CHECK in place, so the codings table is made
-- again with 'care_record' among its entities, its rows and guards as they
-- were.
--
-- An import's items may now be procedures and diagnostic reports (kinds
-- 'procedure' and 'report'): those a care rule reads become care records;
-- the others are kept only as originals, as before. The import_items
-- table is made again the same way for its wider CHECK.

CREATE TABLE codings_next (
    entity    TEXT NOT NULL CHECK (entity IN ('problem', 'allergy', 'medication', 'immunization', 'lab_result',
                  'care_record')),
    entity_id TEXT NOT NULL,
    -- the element of the record it codes: 'code' (what the record is),
    -- 'value' (a result's coded value), 'site' and 'route' (a vaccine's)
    element   TEXT NOT NULL CHECK (element IN ('code', 'value', 'site', 'route')),
    seq       INTEGER NOT NULL,                  -- its place among the element's codings, as received
    system    TEXT NOT NULL,                     -- the code system's URI as received, e.g. http://snomed.info/sct
    code      TEXT NOT NULL,
    display   TEXT NOT NULL DEFAULT '',
    CHECK (code <> '' OR display <> ''),
    PRIMARY KEY (entity, entity_id, element, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO codings_next (entity, entity_id, element, seq, system, code, display)
SELECT entity, entity_id, element, seq, system, code, display FROM codings;

DROP TRIGGER codings_no_update;
DROP TRIGGER codings_no_delete;
DROP TABLE codings;
ALTER TABLE codings_next RENAME TO codings;

CREATE TRIGGER codings_no_update BEFORE UPDATE ON codings
BEGIN
    SELECT RAISE(ABORT, 'codings are kept as received');
END;

CREATE TRIGGER codings_no_delete BEFORE DELETE ON codings
BEGIN
    SELECT RAISE(ABORT, 'codings are kept as received');
END;

CREATE TABLE import_items_next (
    id             TEXT PRIMARY KEY,
    import_id      TEXT NOT NULL REFERENCES imports(id),
    seq            INTEGER NOT NULL,           -- its place in the file, for a stable review order
    -- what it would become here; 'patient' is the person it is about,
    -- 'unmapped' a resource Folio keeps only as the original
    kind           TEXT NOT NULL CHECK (kind IN ('patient', 'problem', 'allergy', 'medication', 'immunization',
                       'result', 'vitals', 'document', 'procedure', 'report', 'unmapped')),
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

INSERT INTO import_items_next (id, import_id, seq, kind, resource_type, resource_id, display, detail, raw, mapped,
    suggested, chosen, decision, record_entity, record_id, decided_at, decided_by, note)
SELECT id, import_id, seq, kind, resource_type, resource_id, display, detail, raw, mapped,
    suggested, chosen, decision, record_entity, record_id, decided_at, decided_by, note FROM import_items;

DROP TRIGGER import_items_no_delete;
DROP TRIGGER import_items_decided_once;
DROP TABLE import_items;
ALTER TABLE import_items_next RENAME TO import_items;

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
