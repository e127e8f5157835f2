-- Folio chart database, schema 24: care records.
--
-- What the care-gap rules (app/care) read besides the chart's results,
-- doses and vitals: a screening or procedure done, here or elsewhere, with
-- its date and result (a colonoscopy, a mammogram, a retinal exam); a
-- patient's refusal of a rule's service, with its date; and a clinician's
-- exclusion of a patient from a rule, with why. A gap closes by itself when
-- such a record arrives. Rows are never deleted: one entered in error is
-- retracted with a reason, and every update keeps the row it replaced in
-- revisions.

CREATE TABLE care_records (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    kind           TEXT NOT NULL CHECK (kind IN ('done', 'declined', 'excluded')),
    rule_id        TEXT NOT NULL DEFAULT '',   -- the care rule it answers; '' for a procedure of no rule
    code_system    TEXT NOT NULL DEFAULT '',   -- of what was done: http://snomed.info/sct, CPT or http://loinc.org
    code           TEXT NOT NULL DEFAULT '',
    display        TEXT NOT NULL DEFAULT '',   -- what was done, in words ('Colonoscopy')
    performed_on   TEXT NOT NULL,              -- YYYY-MM-DD, or YYYY / YYYY-MM from elsewhere
    result         TEXT NOT NULL DEFAULT '',   -- in words ('normal', 'two polyps removed')
    source         TEXT NOT NULL CHECK (source IN ('here', 'elsewhere', 'imported')),
    performer      TEXT NOT NULL DEFAULT '',   -- who or where, when done elsewhere
    note           TEXT NOT NULL DEFAULT '',   -- for a refusal or an exclusion: why
    status         TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL REFERENCES users(id),
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id),
    CHECK (kind = 'done' OR rule_id <> ''),
    CHECK (kind <> 'done' OR code <> ''),
    CHECK (kind <> 'excluded' OR note <> ''),
    CHECK (status = 'active' OR retract_reason <> '')
) STRICT;

CREATE INDEX care_records_patient ON care_records (patient_id, performed_on);

CREATE TRIGGER care_records_no_delete BEFORE DELETE ON care_records
BEGIN
    SELECT RAISE(ABORT, 'care records are retracted, not deleted');
END;

CREATE TRIGGER care_records_update_needs_revision BEFORE UPDATE ON care_records
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'care_record' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'care record update without a kept revision');
END;

-- The chart's Due box, which now also asks the care rules, stays within its
-- budget (5 ms for a patient of 20 years): a patient's results waiting for
-- review, and tests ordered and not yet resulted, are found by index rather
-- than by reading all of the patient's results and orders.
CREATE INDEX lab_results_unreviewed_patient ON lab_results (patient_id) WHERE reviewed_at = '' AND status = 'final';
CREATE INDEX lab_orders_open ON lab_orders (patient_id) WHERE status = 'ordered';
