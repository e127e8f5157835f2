-- Folio chart database, schema 32: a patient's home readings kept as the
-- chart draws them, a month to a row (issue 14's speed target: the
-- readings chart of a year under 5 ms).
--
-- A year of a patient's readings is some 1,500 rows; reading them back
-- one by one, flagging each against the targets and sending them took
-- 8 ms. Each row here is one calendar month (of taken_at, UTC) of one
-- patient's readings in force, flagged against the targets in force, as
-- the JSON the chart is sent (app/home_reading_months.go).
--
-- made_from says what the row was made from: the count of changes of the
-- month and of the month before (a weight gain looks back 7 days), from
-- home_reading_changes below, and the enrolment's targets. The app
-- compares it, at every read, with the counts and targets as they are,
-- and makes a month that differs again from the readings themselves, so a
-- row left behind is never shown.
-- It makes the patient's months again in the same transaction as every
-- write that changes them. Derived data: rewritten freely, no revisions.
CREATE TABLE home_reading_months (
    patient_id TEXT NOT NULL REFERENCES patients(id),
    month      TEXT NOT NULL,                  -- YYYY-MM of taken_at
    made_from  TEXT NOT NULL,
    shown      INTEGER NOT NULL,               -- readings in the month's JSON
    readings   TEXT NOT NULL,                  -- JSON array, oldest first
    PRIMARY KEY (patient_id, month)
) STRICT, WITHOUT ROWID;

-- How many times each month of a patient's readings has changed: a
-- reading added to it, changed (a retraction) or moved to another chart
-- (a merge), counted by the database itself on every write, whoever makes
-- it. A kept month names the counts it was made from (made_from), so a
-- read can tell a month still true from one to make again by reading a
-- row a month instead of the readings.
CREATE TABLE home_reading_changes (
    patient_id TEXT NOT NULL,
    month      TEXT NOT NULL,                  -- YYYY-MM of taken_at
    changes    INTEGER NOT NULL,
    PRIMARY KEY (patient_id, month)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER home_readings_count_added AFTER INSERT ON home_readings
BEGIN
    INSERT INTO home_reading_changes (patient_id, month, changes)
    VALUES (NEW.patient_id, substr(NEW.taken_at, 1, 7), 1)
    ON CONFLICT (patient_id, month) DO UPDATE SET changes = changes + 1;
END;

CREATE TRIGGER home_readings_count_changed AFTER UPDATE ON home_readings
BEGIN
    INSERT INTO home_reading_changes (patient_id, month, changes)
    VALUES (OLD.patient_id, substr(OLD.taken_at, 1, 7), 1)
    ON CONFLICT (patient_id, month) DO UPDATE SET changes = changes + 1;
    INSERT INTO home_reading_changes (patient_id, month, changes)
    VALUES (NEW.patient_id, substr(NEW.taken_at, 1, 7), 1)
    ON CONFLICT (patient_id, month) DO UPDATE SET changes = changes + 1;
END;

-- Readings already kept count as changed once per month.
INSERT INTO home_reading_changes (patient_id, month, changes)
SELECT patient_id, substr(taken_at, 1, 7), 1 FROM home_readings GROUP BY 1, 2;
