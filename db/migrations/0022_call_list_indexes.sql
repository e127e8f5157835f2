-- Folio chart database, schema 22: the call list (the no-shows to rebook,
-- app/schedule_lists.go) is read from two indexes alone.
--
-- Reads run on the reader connections, and SQLite empties a connection's
-- page cache whenever another connection commits: with every read's audit
-- entry committed, a read nearly always starts cold, paying for each page it
-- touches. The call list read a whole appointment row for each no-show of
-- the last 90 days, scattered over the calendar, and for each looked up
-- whether the patient has a later appointment in the table: some 1,500
-- pages, 40 ms on the 100,000-patient demo clinic. The no-shows' index now
-- holds every column the list shows (it has only the no-shows), and the
-- patients' index their appointments' status: 11 ms.
DROP INDEX appointments_no_show;
CREATE INDEX appointments_no_show ON appointments (starts_at, id, patient_id, clinician_id, type_id, ends_at, status,
    arrived_at, in_room_at, with_clinician_at, done_at, reason, note, series_id, version,
    patient_family_name, patient_given_names, patient_mrn, patient_birth_date, patient_phone)
    WHERE status = 'no_show';

DROP INDEX appointments_patient_start;
CREATE INDEX appointments_patient_start ON appointments (patient_id, starts_at, status);
