-- Folio chart database, schema 15: disclosures.
--
-- A disclosure is one time part of a chart left the clinic: a referral
-- archive for a specialist, or the patient's own copy. It says about whom,
-- when, by whom, to whom and why, what was in it (how many items of each
-- section and which documents, as JSON), and which file it was: the
-- archive's SHA-256 and the fingerprint of the clinic key that signed it,
-- so a file that turns up later can be traced to the disclosure that made
-- it. The row is written once, in the same transaction as its audit entry.
--
-- Nothing is deleted or changed, with one exception: a merge moves a
-- disclosure to the surviving chart (the chart the row's patient was merged
-- into), changing its patient and nothing else. The MRN the file named is
-- kept in its own column, so the row still says what was sent.

CREATE TABLE disclosures (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    mrn             TEXT NOT NULL,              -- the chart number the file named
    disclosed_at    TEXT NOT NULL,
    disclosed_by    TEXT NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL CHECK (kind IN ('referral', 'patient_copy', 'export')),
    recipient       TEXT NOT NULL CHECK (recipient <> ''),
    purpose         TEXT NOT NULL CHECK (purpose <> ''),
    what            TEXT NOT NULL,              -- JSON: {"counts": {...}, "documents": [...]}
    file_name       TEXT NOT NULL,
    archive_sha256  TEXT NOT NULL CHECK (length(archive_sha256) = 64 AND archive_sha256 NOT GLOB '*[^0-9a-f]*'),
    key_fingerprint TEXT NOT NULL,
    encrypted       INTEGER NOT NULL CHECK (encrypted IN (0, 1))
) STRICT;

CREATE INDEX disclosures_patient ON disclosures (patient_id, disclosed_at);

CREATE TRIGGER disclosures_no_delete BEFORE DELETE ON disclosures
BEGIN
    SELECT RAISE(ABORT, 'disclosures are kept');
END;

CREATE TRIGGER disclosures_no_update BEFORE UPDATE ON disclosures
WHEN NEW.id IS NOT OLD.id OR NEW.mrn IS NOT OLD.mrn OR NEW.disclosed_at IS NOT OLD.disclosed_at
    OR NEW.disclosed_by IS NOT OLD.disclosed_by OR NEW.kind IS NOT OLD.kind OR NEW.recipient IS NOT OLD.recipient
    OR NEW.purpose IS NOT OLD.purpose OR NEW.what IS NOT OLD.what OR NEW.file_name IS NOT OLD.file_name
    OR NEW.archive_sha256 IS NOT OLD.archive_sha256 OR NEW.key_fingerprint IS NOT OLD.key_fingerprint
    OR NEW.encrypted IS NOT OLD.encrypted
    OR NEW.patient_id IS NOT (SELECT merged_into FROM patients WHERE id = OLD.patient_id AND status = 'merged')
BEGIN
    SELECT RAISE(ABORT, 'disclosures are kept as written; only a merge moves one to the surviving chart');
END;
