-- Folio chart database, schema 31: the clinicians' Readings to review
-- list, kept as the charts change (issue 14's speed target: the list of
-- 500 enrolled patients under 50 ms).
--
-- One row per actively enrolled patient, with what the list shows and
-- sorts by, read against the enrolment's targets: how many readings came
-- in since the last review, how many of those are out of target, the most
-- urgent flags, the newest new reading of each kind, and the last review.
-- It is derived from home_readings, rpm_enrolments and reading_reviews by
-- the app (app/readings_to_review.go), made again for the patient in the
-- same transaction as every write that changes those (a reading imported,
-- posted or retracted; a review; an enrolment made, its targets changed,
-- ended; a merge), and made whole at open for a database that has
-- enrolments without a row (an upgrade from schema 30): not clinical
-- data, rewritten freely, so no revisions.
CREATE TABLE readings_to_review (
    patient_id       TEXT PRIMARY KEY REFERENCES patients(id),
    enrolment_id     TEXT NOT NULL,
    device           TEXT NOT NULL DEFAULT '',
    targets_text     TEXT NOT NULL DEFAULT '',
    new_readings     INTEGER NOT NULL,             -- added since the last review; 0: not on the list
    out_of_target    INTEGER NOT NULL,
    -- The urgency fades with a reading's age, so it is computed when the
    -- list is read, from the out-of-target readings that can still be
    -- the most urgent: JSON [[taken_at unix seconds, how far out], ...].
    urgency_peaks    TEXT NOT NULL DEFAULT '[]',
    flags            TEXT NOT NULL DEFAULT '[]',   -- JSON, most urgent first
    latest           TEXT NOT NULL DEFAULT '[]',   -- JSON, the newest new reading of each kind
    last_review_at   TEXT NOT NULL DEFAULT '',     -- '' never reviewed
    last_reviewed_by TEXT NOT NULL DEFAULT '',     -- users.id
    made_at          TEXT NOT NULL
) STRICT;

-- The list itself: the patients with new readings.
CREATE INDEX readings_to_review_listed ON readings_to_review (patient_id) WHERE new_readings > 0;
