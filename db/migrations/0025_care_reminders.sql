-- Folio chart database, schema 25: a clinician's reminders and the
-- follow-up asked for at a visit.
--
-- Besides the care rules (app/care), a patient can be due for what a
-- clinician asked for them alone: a reminder ("recheck ferritin after the
-- iron course", due on a day), or a follow-up visit asked for at a visit
-- ("see in 3 months"). A follow-up is written with its visit's note and
-- counts once the note is signed (status 'draft' until then); it is due
-- for booking from then until the patient has a visit booked or seen
-- after it. A reminder is due from its day until a clinician marks it
-- done. Both go on the desk's due list (care_due, rule ids 'follow-up' and
-- 'reminder') and the chart's Due box. Rows are never deleted: one entered
-- in error is retracted with a reason, and every update keeps the row it
-- replaced in revisions.

CREATE TABLE care_reminders (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    kind          TEXT NOT NULL CHECK (kind IN ('reminder', 'follow_up')),
    encounter_id  TEXT NOT NULL DEFAULT '',    -- a follow-up's visit
    title         TEXT NOT NULL,               -- a reminder's what; a follow-up's when ('in 3 months')
    due_on        TEXT NOT NULL,               -- YYYY-MM-DD: a reminder's day; the day to see the patient by
    visit_type_id TEXT NOT NULL DEFAULT '',    -- the visit to book (appointment_types), '' the desk's choice
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL CHECK (status IN ('draft', 'open', 'done', 'entered_in_error')),
    close_note    TEXT NOT NULL DEFAULT '',    -- done: how; entered in error: why
    closed_at     TEXT NOT NULL DEFAULT '',    -- when it was made open (signed), done or retracted
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL REFERENCES users(id),
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL REFERENCES users(id),
    CHECK (kind = 'reminder' OR encounter_id <> ''),
    CHECK (kind = 'follow_up' OR status <> 'draft'),
    CHECK (status <> 'entered_in_error' OR close_note <> '')
) STRICT;

CREATE INDEX care_reminders_patient ON care_reminders (patient_id, status, due_on);
CREATE UNIQUE INDEX care_reminders_visit ON care_reminders (encounter_id) WHERE kind = 'follow_up';

CREATE TRIGGER care_reminders_no_delete BEFORE DELETE ON care_reminders
BEGIN
    SELECT RAISE(ABORT, 'reminders are retracted, not deleted');
END;

CREATE TRIGGER care_reminders_update_needs_revision BEFORE UPDATE ON care_reminders
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'care_reminder' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'reminder update without a kept revision');
END;

-- A due-list row of what is due for one patient alone says what it is in
-- words ("metformin 500 mg: supply runs out 2027-01-02"), as the care rules'
-- rows have their title.
ALTER TABLE care_due ADD COLUMN detail TEXT NOT NULL DEFAULT '';
