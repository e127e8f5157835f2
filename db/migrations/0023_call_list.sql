-- Folio chart database, schema 23: the call list (the no-shows to rebook,
-- app/schedule_lists.go) is kept as a table of its own, current with every
-- change to an appointment.
--
-- A reader's page cache is emptied by every commit of another connection,
-- and every read commits its audit entry: the call list nearly always read
-- cold. Found from the appointments (schema 22), each no-show of the last
-- 90 days cost a look in the patients' index for a later appointment: some
-- 800 scattered pages, 10-15 ms on the 100,000-patient clinic of the load
-- test, and the one call of its day over 20 ms at p95. Kept as a table in
-- its time order, the list is one run of some 50 pages: 3-6 ms cold.
--
-- call_list_due says what is on the list: each no-show whose patient has no
-- later appointment other than cancelled ones. call_list holds exactly its
-- rows (the triggers below recompute a patient's whenever a change to one
-- of their appointments can change them); it is derived, not clinical, and
-- its rows come and go as the appointments change.
CREATE VIEW call_list_due AS
SELECT a.id, a.patient_id, a.clinician_id, a.type_id, a.starts_at, a.ends_at, a.status,
    a.arrived_at, a.in_room_at, a.with_clinician_at, a.done_at, a.reason, a.note, a.series_id, a.version,
    a.patient_family_name, a.patient_given_names, a.patient_mrn, a.patient_birth_date, a.patient_phone
FROM appointments a
WHERE a.status = 'no_show' AND NOT EXISTS (
    SELECT 1 FROM appointments later
    WHERE later.patient_id = a.patient_id AND later.starts_at > a.starts_at AND later.status <> 'cancelled');

-- The columns in call_list_due's order (the triggers insert its rows whole).
CREATE TABLE call_list (
    id                  TEXT NOT NULL,
    patient_id          TEXT NOT NULL,
    clinician_id        TEXT NOT NULL,
    type_id             TEXT NOT NULL,
    starts_at           TEXT NOT NULL,
    ends_at             TEXT NOT NULL,
    status              TEXT NOT NULL,
    arrived_at          TEXT NOT NULL,
    in_room_at          TEXT NOT NULL,
    with_clinician_at   TEXT NOT NULL,
    done_at             TEXT NOT NULL,
    reason              TEXT NOT NULL,
    note                TEXT NOT NULL,
    series_id           TEXT NOT NULL,
    version             INTEGER NOT NULL,
    patient_family_name TEXT NOT NULL,
    patient_given_names TEXT NOT NULL,
    patient_mrn         TEXT NOT NULL,
    patient_birth_date  TEXT NOT NULL,
    patient_phone       TEXT NOT NULL,
    PRIMARY KEY (starts_at, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX call_list_patient ON call_list (patient_id);

INSERT INTO call_list SELECT * FROM call_list_due;

-- A new appointment that will happen (or did) takes the patient's earlier
-- no-shows off the list; a no-show entered as such (an import) joins it if
-- nothing later is booked.
CREATE TRIGGER appointments_call_list_insert AFTER INSERT ON appointments
WHEN NEW.status <> 'cancelled'
BEGIN
    DELETE FROM call_list WHERE patient_id = NEW.patient_id AND starts_at < NEW.starts_at;
    INSERT INTO call_list SELECT * FROM call_list_due
    WHERE NEW.status = 'no_show' AND starts_at = NEW.starts_at AND id = NEW.id;
END;

-- A change of status or time, a move to another chart (a merge), or any
-- change to a no-show (its card, its reason): the patients' lines are made
-- again from call_list_due. Check-ins and other changes to what is still to
-- happen change nothing here and cost nothing.
CREATE TRIGGER appointments_call_list_update AFTER UPDATE ON appointments
WHEN OLD.status IS NOT NEW.status OR OLD.starts_at IS NOT NEW.starts_at OR OLD.patient_id IS NOT NEW.patient_id
    OR NEW.status = 'no_show'
BEGIN
    DELETE FROM call_list WHERE patient_id IN (OLD.patient_id, NEW.patient_id);
    INSERT INTO call_list SELECT * FROM call_list_due WHERE patient_id IN (OLD.patient_id, NEW.patient_id);
END;

-- The list no longer reads the appointments: schema 22's covering index of
-- the no-shows goes (the patients' index stays: the triggers use it).
DROP INDEX appointments_no_show;
