-- Folio chart database, schema 27: the clinic's quality measures
-- (app/quality), kept as the charts change, like the due list (schema 24).
--
-- quality_patient holds, for each patient in a measure's denominator,
-- where they stand today (met, not met, excluded) and why, under their
-- primary clinician; and, as three 12-bit masks, where they stood at the
-- end of each of the 12 months before trend_month (bit 0: the month before
-- it), judged on the chart as it is now with what was dated by then. It is
-- made again with the patient's due list rows on every chart write, and
-- whole once a day: the dashboard's figures of today are counts of an
-- index, never an evaluation of 100,000 charts.
--
-- quality_month holds the trend's counts by month, measure and clinician,
-- summed from the masks by the daily making (summing them for every
-- dashboard would read every row twelve times over). Both are derived, not
-- clinical: rewritten freely.
CREATE TABLE quality_patient (
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    measure_id   TEXT NOT NULL,
    clinician_id TEXT NOT NULL DEFAULT '',     -- the patient's primary clinician; '' none
    -- 'out': in the trend's months only, not in the denominator today
    status       TEXT NOT NULL CHECK (status IN ('met', 'not_met', 'excluded', 'out')),
    why          TEXT NOT NULL DEFAULT '',
    sort_key     TEXT NOT NULL DEFAULT '',     -- the patient's (patients.sort_key): a drill-down's name order
    trend_month  TEXT NOT NULL,                -- YYYY-MM: the month the masks are counted back from
    denominator_mask INTEGER NOT NULL DEFAULT 0,
    met_mask         INTEGER NOT NULL DEFAULT 0,
    excluded_mask    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (patient_id, measure_id)
) STRICT, WITHOUT ROWID;

-- The dashboard's counts (measure, clinician, status) are read from the
-- first index alone; a drill-down's page in name order is a range of one of
-- the three (a clinician's patients who meet it or not; the clinic's; all
-- of a measure's), never a sort of a measure's tens of thousands of rows.
CREATE INDEX quality_patient_by_measure ON quality_patient (measure_id, clinician_id, status, sort_key, patient_id);
CREATE INDEX quality_patient_by_status ON quality_patient (measure_id, status, sort_key, patient_id);
CREATE INDEX quality_patient_by_name ON quality_patient (measure_id, sort_key, patient_id);

CREATE TABLE quality_month (
    month        TEXT NOT NULL,                -- YYYY-MM, judged on its last day
    measure_id   TEXT NOT NULL,
    clinician_id TEXT NOT NULL,
    denominator  INTEGER NOT NULL,
    met          INTEGER NOT NULL,
    excluded     INTEGER NOT NULL,
    PRIMARY KEY (measure_id, month, clinician_id)
) STRICT, WITHOUT ROWID;
