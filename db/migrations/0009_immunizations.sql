-- Folio chart database, schema 9: immunizations.
--
-- One row is one dose of a vaccine, CVX coded: given here (with its lot,
-- site and route, by a Folio user) or recorded from elsewhere (a vaccination
-- card, another clinic), where the date may be partial and the details
-- unknown. The vaccine name is kept as charted, so a later change of the CVX
-- list never changes a record. Rows are never deleted: a dose entered in
-- error is retracted with a reason. Every update keeps the row it replaced
-- in revisions.

CREATE TABLE immunizations (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    cvx             TEXT NOT NULL,              -- CDC CVX code, e.g. '140', '08'
    vaccine         TEXT NOT NULL,              -- the CVX short description when charted
    occurred_on     TEXT NOT NULL,              -- YYYY-MM-DD; YYYY or YYYY-MM only from elsewhere
    lot_number      TEXT NOT NULL DEFAULT '',
    expiration_date TEXT NOT NULL DEFAULT '',   -- the lot's, YYYY-MM or YYYY-MM-DD; '' unknown
    manufacturer    TEXT NOT NULL DEFAULT '',
    site            TEXT NOT NULL DEFAULT '' CHECK (site IN ('', 'left_deltoid', 'right_deltoid', 'left_thigh',
                        'right_thigh', 'oral', 'nasal', 'other')),
    route           TEXT NOT NULL DEFAULT '' CHECK (route IN ('', 'intramuscular', 'subcutaneous', 'intradermal',
                        'oral', 'nasal')),
    dose            TEXT NOT NULL DEFAULT '',   -- e.g. "0.5 mL"
    source          TEXT NOT NULL CHECK (source IN ('given_here', 'elsewhere')),
    administered_by TEXT REFERENCES users(id),  -- the user who gave a dose here; NULL from elsewhere
    performer       TEXT NOT NULL DEFAULT '',   -- from elsewhere: who or where gave it
    note            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('completed', 'entered_in_error')),
    retract_reason  TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users(id),
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL REFERENCES users(id),
    CHECK (source = 'elsewhere' OR (administered_by IS NOT NULL AND lot_number <> '' AND site <> '')),
    CHECK (status = 'completed' OR retract_reason <> '')
) STRICT;

CREATE INDEX immunizations_patient ON immunizations (patient_id, occurred_on);

CREATE TRIGGER immunizations_no_delete BEFORE DELETE ON immunizations
BEGIN
    SELECT RAISE(ABORT, 'immunizations are retracted, not deleted');
END;

CREATE TRIGGER immunizations_update_needs_revision BEFORE UPDATE ON immunizations
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'immunization' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'immunization update without a kept revision');
END;
