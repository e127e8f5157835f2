-- Folio chart database, schema 3: complete registration, the keys that find
-- likely duplicates, and merging two charts of one person.
--
-- The new demographics are plain columns of patients, '' when not given; the
-- existing sex column is the sex at birth. A photo lives in its own
-- append-only table, so that search never reads image bytes and a replaced
-- photo is kept: patients.photo_id names the current one (0 = none), and the
-- revisions of a patient name the photos it had.

ALTER TABLE patients ADD COLUMN preferred_name         TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN gender_identity        TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN phone2                 TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN email                  TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN language               TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN emergency_name         TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN emergency_relationship TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN emergency_phone        TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN insurance_payer        TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN insurance_member_id    TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN insurance_group        TEXT NOT NULL DEFAULT '';
-- a user id of a clinician, '' for none; checked by Folio when chosen (an
-- ALTER TABLE cannot add a foreign key with a non-NULL default)
ALTER TABLE patients ADD COLUMN primary_clinician_id   TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN photo_id               INTEGER NOT NULL DEFAULT 0;
ALTER TABLE patients ADD COLUMN desk_note              TEXT NOT NULL DEFAULT '';

-- A chart merged into another is kept whole, marked merged and pointing at
-- the chart that survived. A merged chart has no sort key and no search
-- terms, so neither search nor the duplicate check lists it, and it is never
-- changed again.
ALTER TABLE patients ADD COLUMN status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'merged'));
ALTER TABLE patients ADD COLUMN merged_into  TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN merged_at    TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN merged_by    TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN merge_reason TEXT NOT NULL DEFAULT '';

CREATE TRIGGER patients_merged_are_final BEFORE UPDATE ON patients
WHEN OLD.status = 'merged'
BEGIN
    SELECT RAISE(ABORT, 'a merged patient is not changed');
END;

CREATE TABLE patient_photos (
    id           INTEGER PRIMARY KEY,
    patient_id   TEXT NOT NULL REFERENCES patients(id) DEFERRABLE INITIALLY DEFERRED,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         BLOB NOT NULL CHECK (length(data) <= 524288),
    added_at     TEXT NOT NULL,
    added_by     TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX patient_photos_patient ON patient_photos (patient_id);

CREATE TRIGGER patient_photos_no_update BEFORE UPDATE ON patient_photos
BEGIN
    SELECT RAISE(ABORT, 'photos are kept as taken');
END;

CREATE TRIGGER patient_photos_no_delete BEFORE DELETE ON patient_photos
BEGIN
    SELECT RAISE(ABORT, 'photos are kept as taken');
END;

-- The keys the duplicate check looks patients up by, besides the birth date
-- index: 'phone' is the last 10 digits of each of the patient's own phones,
-- 'member' the insurance member id in capitals without punctuation. Derived
-- from the patient row, rewritten with it; a merged chart has none.
CREATE TABLE patient_identifiers (
    kind       TEXT NOT NULL CHECK (kind IN ('phone', 'member')),
    value      TEXT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    PRIMARY KEY (kind, value, patient_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX patient_identifiers_patient ON patient_identifiers (patient_id);

-- The phones of the charts already registered. Folio accepts only digits,
-- spaces and ( ) . - / + in a phone, so removing those leaves its digits.
INSERT OR IGNORE INTO patient_identifiers (kind, value, patient_id)
SELECT 'phone', substr(digits, -10), id FROM (
    SELECT id, replace(replace(replace(replace(replace(replace(replace(phone,
        ' ', ''), '(', ''), ')', ''), '.', ''), '-', ''), '/', ''), '+', '') AS digits
    FROM patients WHERE phone <> ''
) WHERE digits <> '';

-- Every merge: which chart survived, which was merged into it, both MRNs as
-- they were, who, when and why. The merged chart's MRN stays an alias of
-- the survivor: search by it finds the survivor.
CREATE TABLE patient_merges (
    id                  INTEGER PRIMARY KEY,
    survivor_id         TEXT NOT NULL REFERENCES patients(id),
    duplicate_id        TEXT NOT NULL UNIQUE REFERENCES patients(id),
    survivor_mrn        TEXT NOT NULL,
    duplicate_mrn       TEXT NOT NULL UNIQUE,
    merged_at           TEXT NOT NULL,
    merged_by           TEXT NOT NULL REFERENCES users(id),
    reason              TEXT NOT NULL,
    appointments_moved  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX patient_merges_survivor ON patient_merges (survivor_id);
CREATE INDEX patient_merges_at ON patient_merges (merged_at);

CREATE TRIGGER patient_merges_no_update BEFORE UPDATE ON patient_merges
BEGIN
    SELECT RAISE(ABORT, 'the merge log is append-only');
END;

CREATE TRIGGER patient_merges_no_delete BEFORE DELETE ON patient_merges
BEGIN
    SELECT RAISE(ABORT, 'the merge log is append-only');
END;

-- Nothing new is booked for a merged chart; its appointments moved to the survivor.
CREATE TRIGGER appointments_not_for_merged BEFORE INSERT ON appointments
WHEN (SELECT status FROM patients WHERE id = NEW.patient_id) = 'merged'
BEGIN
    SELECT RAISE(ABORT, 'this patient was merged into another chart');
END;
