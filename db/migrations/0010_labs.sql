-- Folio chart database, schema 10: laboratory orders and results.
--
-- An order is one LOINC-coded test a clinician asked for. A result is one
-- observation of a test (a number with its unit, or a text such as
-- "Negative"), with the reference range it was judged by and the flag that
-- range gave when it was recorded: the lab's own range when the result came
-- with one, else Folio's default for the patient's sex. A result may answer
-- an order or stand alone (a result brought in by the patient or imported).
--
-- Rows are never deleted: an order is cancelled with a reason, a result
-- entered in error is retracted with a reason. Every update (resulting an
-- order, reviewing or retracting a result) keeps the row it replaced in
-- revisions.

CREATE TABLE lab_orders (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    -- the visit it was ordered at; no foreign key, as for problems
    encounter_id  TEXT,
    loinc         TEXT NOT NULL,
    test_name     TEXT NOT NULL,
    ordered_at    TEXT NOT NULL,
    ordered_by    TEXT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL CHECK (status IN ('ordered', 'resulted', 'cancelled')),
    cancel_reason TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX lab_orders_patient ON lab_orders (patient_id, ordered_at);

CREATE TRIGGER lab_orders_no_delete BEFORE DELETE ON lab_orders
BEGIN
    SELECT RAISE(ABORT, 'lab orders are cancelled, not deleted');
END;

CREATE TRIGGER lab_orders_update_needs_revision BEFORE UPDATE ON lab_orders
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'lab_order' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'lab order update without a kept revision');
END;

CREATE TABLE lab_results (
    id             TEXT NOT NULL UNIQUE,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    order_id       TEXT REFERENCES lab_orders(id),
    loinc          TEXT NOT NULL,
    name           TEXT NOT NULL,
    value_num      REAL,                      -- a numeric result, in unit
    value_text     TEXT NOT NULL DEFAULT '',  -- a coded or text result ('' for a numeric one)
    unit           TEXT NOT NULL DEFAULT '',  -- UCUM, as reported
    ref_low        REAL,                      -- the range judged by, in unit; NULL: no such bound
    ref_high       REAL,
    range_text     TEXT NOT NULL DEFAULT '',
    range_source   TEXT NOT NULL CHECK (range_source IN ('lab', 'default', 'none')),
    -- N normal, L/H outside the range, LL/HH critical, A abnormal text,
    -- '' nothing to judge by
    flag           TEXT NOT NULL CHECK (flag IN ('', 'N', 'L', 'H', 'LL', 'HH', 'A')),
    observed_at    TEXT NOT NULL,
    entered_at     TEXT NOT NULL,
    entered_by     TEXT NOT NULL REFERENCES users(id),
    source         TEXT NOT NULL CHECK (source IN ('entered', 'imported')),
    reviewed_at    TEXT NOT NULL DEFAULT '',  -- '' until a clinician has reviewed it
    reviewed_by    TEXT NOT NULL DEFAULT '',
    review_note    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('final', 'entered_in_error')),
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id),
    CHECK ((value_num IS NULL) <> (value_text = '')),
    -- Kept in (patient, test, time) order: a trend chart of one test reads
    -- one contiguous run of the table with no lookups, as the vitals do. id
    -- is unique on its own.
    PRIMARY KEY (patient_id, loinc, observed_at, id)
) STRICT, WITHOUT ROWID;

-- A patient's results newest first, whatever the test.
CREATE INDEX lab_results_patient_time ON lab_results (patient_id, observed_at);
-- The results still waiting for a clinician's review: a small part of the
-- table, so the review list reads only those.
CREATE INDEX lab_results_unreviewed ON lab_results (entered_at) WHERE reviewed_at = '' AND status = 'final';
CREATE INDEX lab_results_order ON lab_results (order_id) WHERE order_id IS NOT NULL;

CREATE TRIGGER lab_results_no_delete BEFORE DELETE ON lab_results
BEGIN
    SELECT RAISE(ABORT, 'lab results are retracted, not deleted');
END;

CREATE TRIGGER lab_results_update_needs_revision BEFORE UPDATE ON lab_results
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'lab_result' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'lab result update without a kept revision');
END;
