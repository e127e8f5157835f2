-- Folio chart database, schema 11: documents attached to the chart.
--
-- A document is a file a clinician attaches to a patient's chart: a
-- referral letter, a lab report, a scanned consent, a photo of a wound. Its
-- bytes are kept in the chart database itself, so a backup carries them,
-- in a table of their own, so that listing a chart's documents never reads
-- a file. The SHA-256 of the bytes is kept with the document and checked
-- each time they are read back. Nothing is deleted: a document attached by
-- mistake is retracted as entered in error, with a reason, and its file
-- stays; every update keeps the row it replaced in revisions. The file
-- itself, and what the row says about it, never changes.

CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    -- the visit the document belongs to; NULL when it came on its own
    encounter_id   TEXT REFERENCES encounters(id),
    title          TEXT NOT NULL CHECK (title <> ''),
    kind           TEXT NOT NULL CHECK (kind IN ('referral_letter', 'lab_report', 'imaging_report',
                       'discharge_summary', 'consent', 'image', 'correspondence', 'other')),
    document_date  TEXT NOT NULL,              -- YYYY-MM-DD: the date of the document itself
    file_name      TEXT NOT NULL,              -- as it was on the computer it came from
    media_type     TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg', 'image/webp')),
    size_bytes     INTEGER NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 26214400),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    status         TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL REFERENCES users(id),
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX documents_patient ON documents (patient_id, document_date);
CREATE INDEX documents_encounter ON documents (encounter_id) WHERE encounter_id IS NOT NULL;

CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are retracted, not deleted');
END;

CREATE TRIGGER documents_update_needs_revision BEFORE UPDATE ON documents
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'document' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'document update without a kept revision');
END;

-- What the row says about the file stays true of the file it names.
CREATE TRIGGER documents_file_fixed BEFORE UPDATE ON documents
WHEN NEW.file_name IS NOT OLD.file_name OR NEW.media_type IS NOT OLD.media_type
    OR NEW.size_bytes IS NOT OLD.size_bytes OR NEW.sha256 IS NOT OLD.sha256
    OR NEW.added_at IS NOT OLD.added_at OR NEW.added_by IS NOT OLD.added_by
BEGIN
    SELECT RAISE(ABORT, 'a document''s file is kept as attached');
END;

-- The bytes of each document, one row per document, written once.
CREATE TABLE document_contents (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    data        BLOB NOT NULL
) STRICT;

CREATE TRIGGER document_contents_size BEFORE INSERT ON document_contents
WHEN length(NEW.data) IS NOT (SELECT size_bytes FROM documents WHERE id = NEW.document_id)
BEGIN
    SELECT RAISE(ABORT, 'a document''s file must have the size its document records');
END;

CREATE TRIGGER document_contents_no_update BEFORE UPDATE ON document_contents
BEGIN
    SELECT RAISE(ABORT, 'a document''s file is kept as attached');
END;

CREATE TRIGGER document_contents_no_delete BEFORE DELETE ON document_contents
BEGIN
    SELECT RAISE(ABORT, 'a document''s file is kept as attached');
END;
