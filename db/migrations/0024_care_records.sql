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

-- The clinic's due list (the desk's Recalls), kept as the charts change:
-- one row per patient and care rule that applies to them and does not
-- exclude them, with when it is due. It is derived from the charts by the
-- care rules (app/care) and made again whenever a chart changes, once a
-- day, and when the clinic changes a rule: not clinical data, rewritten
-- freely. A rule is due on a day when due_on is on or before it and the
-- patient's refusal does not hold (declined_until after it).
CREATE TABLE care_due (
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    rule_id        TEXT NOT NULL,
    due_on         TEXT NOT NULL,              -- YYYY-MM-DD; 9999-12-31 done for good
    last_done      TEXT NOT NULL DEFAULT '',
    last_how       TEXT NOT NULL DEFAULT '',
    declined_until TEXT NOT NULL DEFAULT '',
    -- The desk's latest work on it (care_outreach), kept here so that the
    -- list reads one table: its outcome, when, by whom, its note, and the
    -- day the row comes back after a snooze or a booking.
    outreach       TEXT NOT NULL DEFAULT '',
    outreach_at    TEXT NOT NULL DEFAULT '',
    outreach_by    TEXT NOT NULL DEFAULT '',
    outreach_note  TEXT NOT NULL DEFAULT '',
    snooze_until   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (patient_id, rule_id)
) STRICT, WITHOUT ROWID;

-- The list in due order, with what its filter reads (a page and its count
-- are read from the index alone); and one rule's rows in due order.
CREATE INDEX care_due_by_day ON care_due (due_on, rule_id, declined_until, snooze_until);
CREATE INDEX care_due_by_rule ON care_due (rule_id, due_on, declined_until, snooze_until);

-- The desk's work on a due rule: a call (reached, a message left, no
-- answer), a letter printed, a refusal, a booking, or a snooze until a
-- date. Kept, never changed: the latest says where the desk stands.
CREATE TABLE care_outreach (
    id           TEXT PRIMARY KEY,
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    rule_id      TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('reached', 'left_message', 'no_answer', 'letter', 'declined',
                     'booked', 'snoozed')),
    note         TEXT NOT NULL DEFAULT '',
    snooze_until TEXT NOT NULL DEFAULT '',     -- YYYY-MM-DD: the row stays off the list until then
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users(id),
    CHECK (outcome <> 'snoozed' OR snooze_until <> '')
) STRICT;

CREATE INDEX care_outreach_patient ON care_outreach (patient_id, rule_id, created_at);

CREATE TRIGGER care_outreach_no_change BEFORE UPDATE ON care_outreach
WHEN OLD.patient_id = NEW.patient_id
BEGIN
    SELECT RAISE(ABORT, 'care outreach is kept as it was written');
END;

CREATE TRIGGER care_outreach_no_delete BEFORE DELETE ON care_outreach
BEGIN
    SELECT RAISE(ABORT, 'care outreach is kept, not deleted');
END;
