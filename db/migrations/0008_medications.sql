-- Folio chart database, schema 8: the medication list and interaction
-- alert overrides.
--
-- A medication is one drug a patient takes: prescribed here or elsewhere,
-- with the classes it had when charted (the interaction check reads them, so
-- a later change of the drug list never changes what was checked). Rows are
-- never deleted: a medication is stopped (with a date and reason) or
-- retracted as entered in error. Every update keeps the row it replaced in
-- revisions.

CREATE TABLE medications (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    drug_name      TEXT NOT NULL,
    rxnorm         TEXT NOT NULL DEFAULT '',   -- '' for a drug not on Folio's list
    classes        TEXT NOT NULL DEFAULT '',   -- ';'-separated snapshot of the drug's classes
    dose           TEXT NOT NULL DEFAULT '',   -- e.g. "500 mg"
    route          TEXT NOT NULL DEFAULT '',   -- e.g. "oral"
    frequency      TEXT NOT NULL DEFAULT '',   -- e.g. "three times a day"
    quantity       TEXT NOT NULL DEFAULT '',   -- e.g. "21 tablets"
    refills        INTEGER NOT NULL DEFAULT 0 CHECK (refills >= 0),
    start_date     TEXT NOT NULL,              -- YYYY-MM-DD
    stop_date      TEXT NOT NULL DEFAULT '',   -- YYYY-MM-DD, '' while active
    stop_reason    TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL CHECK (source IN ('prescribed_here', 'elsewhere')),
    prescriber     TEXT NOT NULL DEFAULT '',   -- the prescriber's name
    note           TEXT NOT NULL DEFAULT '',
    -- the medication this one renews, if any; no foreign key, as for problems
    renews_id      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'entered_in_error')),
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(id),
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX medications_patient ON medications (patient_id, status);

CREATE TRIGGER medications_no_delete BEFORE DELETE ON medications
BEGIN
    SELECT RAISE(ABORT, 'medications are stopped or retracted, not deleted');
END;

CREATE TRIGGER medications_update_needs_revision BEFORE UPDATE ON medications
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'medication' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'medication update without a kept revision');
END;

-- Each alert a clinician continued past, with the reason; append-only.
CREATE TABLE alert_overrides (
    id            INTEGER PRIMARY KEY,
    medication_id TEXT NOT NULL REFERENCES medications(id),
    alert_key     TEXT NOT NULL,
    severity      TEXT NOT NULL,
    what          TEXT NOT NULL,
    reason        TEXT NOT NULL CHECK (reason <> ''),
    overridden_by TEXT NOT NULL REFERENCES users(id),
    overridden_at TEXT NOT NULL
) STRICT;

CREATE INDEX alert_overrides_medication ON alert_overrides (medication_id);

CREATE TRIGGER alert_overrides_no_delete BEFORE DELETE ON alert_overrides
BEGIN
    SELECT RAISE(ABORT, 'alert overrides are kept');
END;

CREATE TRIGGER alert_overrides_no_update BEFORE UPDATE ON alert_overrides
BEGIN
    SELECT RAISE(ABORT, 'alert overrides are kept as written');
END;
