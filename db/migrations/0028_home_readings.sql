-- Folio chart database, schema 28: home readings and remote monitoring.
--
-- A patient's home blood-pressure cuff, scale, glucose meter or pulse
-- oximeter sends readings that are not the clinic's measurements: they are
-- kept apart from vitals, each with where it came from (a file brought in,
-- or a device hub posting to the gateway), so the chart can show them
-- beside clinic vitals without ever passing one off as the other.
--
-- Nothing here is deleted. A reading entered in error is retracted with a
-- reason (the update keeps its revision). A remote-monitoring enrolment
-- and a saved file format keep every version in revisions. An import and
-- a review are written once and never changed.

-- One file brought in (or one FHIR bundle received), as it was read.
CREATE TABLE reading_imports (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    format         TEXT NOT NULL,               -- withings-bp, withings-weight, beurer, omron, fhir, or a saved format's id
    file_name      TEXT NOT NULL DEFAULT '',
    file_sha256    TEXT NOT NULL DEFAULT '',
    device         TEXT NOT NULL DEFAULT '',    -- as the file or the person importing names it
    rows_read      INTEGER NOT NULL,
    rows_added     INTEGER NOT NULL,
    rows_duplicate INTEGER NOT NULL,
    imported_at    TEXT NOT NULL,
    imported_by    TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX reading_imports_patient ON reading_imports (patient_id, imported_at);

-- One reading. A blood pressure is one row (systolic, diastolic and the
-- pulse taken with it); a weight, a pulse alone, an SpO2 or a glucose is
-- one row each. Values are in canonical units (mmHg, kg, /min, %, mg/dL);
-- what was received, in its own units, is kept in received.
CREATE TABLE home_readings (
    id              TEXT NOT NULL UNIQUE,
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    taken_at        TEXT NOT NULL,                   -- UTC, as vitals.taken_at
    taken_local     TEXT NOT NULL DEFAULT '',        -- the device's wall clock as received, 'YYYY-MM-DDTHH:MM' (morning or evening)
    kind            TEXT NOT NULL CHECK (kind IN ('bp', 'weight', 'pulse', 'spo2', 'glucose')),
    systolic        REAL CHECK (systolic > 0),       -- mmHg
    diastolic       REAL CHECK (diastolic > 0),      -- mmHg
    pulse           REAL CHECK (pulse > 0),          -- beats/min
    weight_kg       REAL CHECK (weight_kg > 0),
    spo2            REAL CHECK (spo2 BETWEEN 0 AND 100),
    glucose_mg_dl   REAL CHECK (glucose_mg_dl > 0),
    glucose_context TEXT NOT NULL DEFAULT '',        -- fasting, before-meal, after-meal, bedtime, or ''
    source          TEXT NOT NULL CHECK (source IN ('file', 'gateway', 'entered')),
    import_id       TEXT NOT NULL DEFAULT '',        -- reading_imports.id for a file
    token_id        TEXT NOT NULL DEFAULT '',        -- device_tokens.id for the gateway
    device          TEXT NOT NULL DEFAULT '',
    comment         TEXT NOT NULL DEFAULT '',        -- the patient's, as the file has it
    codes           TEXT NOT NULL DEFAULT '[]',      -- every coding received (JSON), e.g. LOINC 85354-9
    received        TEXT NOT NULL DEFAULT '',        -- the row or resource as received
    -- The same reading sent twice is one reading: kind, minute and values.
    dedup_key       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('final', 'entered_in_error')),
    retract_reason  TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    -- Who brought it in; for the gateway, the clinician who enrolled the
    -- device (the token's created_by), with token_id naming the device.
    created_by      TEXT NOT NULL REFERENCES users(id),
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL REFERENCES users(id),
    CHECK (kind <> 'bp' OR (systolic IS NOT NULL AND diastolic IS NOT NULL)),
    CHECK (kind <> 'weight' OR weight_kg IS NOT NULL),
    CHECK (kind <> 'pulse' OR pulse IS NOT NULL),
    CHECK (kind <> 'spo2' OR spo2 IS NOT NULL),
    CHECK (kind <> 'glucose' OR glucose_mg_dl IS NOT NULL),
    CHECK (status <> 'entered_in_error' OR retract_reason <> ''),
    -- As vitals: a year's chart reads one contiguous run of the table.
    PRIMARY KEY (patient_id, taken_at, id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX home_readings_dedup ON home_readings (patient_id, dedup_key);
CREATE INDEX home_readings_import ON home_readings (import_id) WHERE import_id <> '';
CREATE INDEX home_readings_created ON home_readings (created_at);

CREATE TRIGGER home_readings_no_delete BEFORE DELETE ON home_readings
BEGIN
    SELECT RAISE(ABORT, 'home readings are retracted, not deleted');
END;

CREATE TRIGGER home_readings_update_needs_revision BEFORE UPDATE ON home_readings
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'home_reading' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'home reading update without a kept revision');
END;

-- A CSV layout the clinic named and saved ("Clinic glucose meter"): its
-- delimiter, date and time columns and formats, and which column holds
-- which measure in which unit, as JSON.
CREATE TABLE reading_formats (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    spec       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE UNIQUE INDEX reading_formats_name ON reading_formats (lower(name)) WHERE status = 'active';

CREATE TRIGGER reading_formats_no_delete BEFORE DELETE ON reading_formats
BEGIN
    SELECT RAISE(ABORT, 'reading formats are retired, not deleted');
END;

CREATE TRIGGER reading_formats_update_needs_revision BEFORE UPDATE ON reading_formats
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'reading_format' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'reading format update without a kept revision');
END;

-- A per-patient enrolment token a device hub presents to the gateway. Only
-- its SHA-256 is kept; the token itself is shown once, when it is made.
CREATE TABLE device_tokens (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    token_sha256  TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL DEFAULT '',
    device        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users(id),
    revoked_at    TEXT NOT NULL DEFAULT '',
    revoked_by    TEXT NOT NULL DEFAULT '',
    revoke_reason TEXT NOT NULL DEFAULT '',
    last_used_at  TEXT NOT NULL DEFAULT '',
    CHECK (revoked_at = '' OR revoke_reason <> '')
) STRICT;

CREATE INDEX device_tokens_patient ON device_tokens (patient_id);

CREATE TRIGGER device_tokens_no_delete BEFORE DELETE ON device_tokens
BEGIN
    SELECT RAISE(ABORT, 'device tokens are revoked, not deleted');
END;

-- A patient's remote-monitoring program: the device, when it started (and
-- ended), the targets the clinician set, and the patient's consent. At
-- most one is active per patient.
CREATE TABLE rpm_enrolments (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patients(id),
    device           TEXT NOT NULL DEFAULT '',
    started_on       TEXT NOT NULL,                  -- YYYY-MM-DD
    ended_on         TEXT NOT NULL DEFAULT '',
    -- Targets; NULL is none. A BP at or above systolic_below or
    -- diastolic_below is out of target ("below 130/80").
    systolic_below   REAL,
    diastolic_below  REAL,
    glucose_low      REAL,                           -- mg/dL
    glucose_high     REAL,                           -- mg/dL
    spo2_low         REAL,                           -- %
    weight_gain_kg   REAL,                           -- in 7 days (heart failure)
    consent_at       TEXT NOT NULL,
    consent_by       TEXT NOT NULL REFERENCES users(id), -- who recorded it
    consent_note     TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('active', 'ended', 'entered_in_error')),
    end_reason       TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users(id),
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL REFERENCES users(id),
    CHECK (status = 'active' OR end_reason <> '')
) STRICT;

CREATE UNIQUE INDEX rpm_enrolments_active ON rpm_enrolments (patient_id) WHERE status = 'active';

CREATE TRIGGER rpm_enrolments_no_delete BEFORE DELETE ON rpm_enrolments
BEGIN
    SELECT RAISE(ABORT, 'enrolments are ended, not deleted');
END;

CREATE TRIGGER rpm_enrolments_update_needs_revision BEFORE UPDATE ON rpm_enrolments
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'rpm_enrolment' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'enrolment update without a kept revision');
END;

-- A clinician's review of a patient's readings: up to which reading, how
-- many minutes it took (logged per month for the program), and a note.
CREATE TABLE reading_reviews (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    enrolment_id  TEXT NOT NULL DEFAULT '',
    through_at    TEXT NOT NULL,                     -- the newest reading's created_at that was seen
    minutes       INTEGER NOT NULL DEFAULT 0 CHECK (minutes BETWEEN 0 AND 600),
    note          TEXT NOT NULL DEFAULT '',
    reviewed_at   TEXT NOT NULL,
    reviewed_by   TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX reading_reviews_patient ON reading_reviews (patient_id, reviewed_at);

CREATE TRIGGER reading_reviews_no_update BEFORE UPDATE ON reading_reviews
BEGIN
    SELECT RAISE(ABORT, 'reviews are written once');
END;

CREATE TRIGGER reading_reviews_no_delete BEFORE DELETE ON reading_reviews
BEGIN
    SELECT RAISE(ABORT, 'reviews are written once');
END;
