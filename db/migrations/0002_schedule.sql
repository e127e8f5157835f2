-- Folio chart database, schema 2: the front desk's schedule. Appointment
-- types, clinic hours and each clinician's weekly availability (set by an
-- admin), and appointments with their check-in steps. Appointments are never
-- deleted: cancelling and no-shows are statuses with a reason, and every
-- change keeps the replaced row in revisions.
--
-- Appointment times are the clinic's local wall-clock time as text,
-- 'YYYY-MM-DDTHH:MM', so that text order is time order and a 9:00 booking
-- stays at 9:00 across a daylight-saving change. Check-in times are instants,
-- stored like every other timestamp (UTC, see db.formatTime), '' until reached.

CREATE TABLE appointment_types (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    minutes    INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    colour     TEXT NOT NULL CHECK (colour GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Types are retired (active = 0), not deleted: old appointments name them.
CREATE TRIGGER appointment_types_no_delete BEFORE DELETE ON appointment_types
BEGIN
    SELECT RAISE(ABORT, 'appointment types are retired, not deleted');
END;

-- A new clinic can book at once; an admin renames, recolours or retires these.
INSERT INTO appointment_types (id, name, minutes, colour, active, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000001', 'Consultation',      15, '#3b82f6', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
    ('00000000-0000-7000-8000-000000000002', 'Long consultation', 30, '#8b5cf6', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
    ('00000000-0000-7000-8000-000000000003', 'New patient',       30, '#10b981', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'),
    ('00000000-0000-7000-8000-000000000004', 'Follow-up',         10, '#f59e0b', 1, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');

-- Opening hours per weekday (0 = Sunday ... 6 = Saturday), local 'HH:MM'.
-- A weekday without a row is closed; no rows at all means hours are not set.
CREATE TABLE clinic_hours (
    weekday INTEGER PRIMARY KEY CHECK (weekday BETWEEN 0 AND 6),
    opens   TEXT NOT NULL,
    closes  TEXT NOT NULL,
    CHECK (opens < closes)
) STRICT;

-- Each clinician's weekly template: the blocks of each weekday they see
-- patients in. A clinician without rows has no template (no warnings).
CREATE TABLE clinician_availability (
    clinician_id TEXT NOT NULL REFERENCES users(id),
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts       TEXT NOT NULL,
    ends         TEXT NOT NULL,
    CHECK (starts < ends),
    PRIMARY KEY (clinician_id, weekday, starts)
) STRICT;

-- Appointments are stored in time order (the primary key starts with the
-- start), so a week of the calendar is one contiguous read; id is unique on
-- its own for everything else.
CREATE TABLE appointments (
    id                TEXT NOT NULL UNIQUE,
    patient_id        TEXT NOT NULL REFERENCES patients(id),
    clinician_id      TEXT NOT NULL REFERENCES users(id),
    type_id           TEXT NOT NULL REFERENCES appointment_types(id),
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'booked' CHECK (status IN
                          ('booked', 'arrived', 'in_room', 'with_clinician', 'done', 'no_show', 'cancelled')),
    arrived_at        TEXT NOT NULL DEFAULT '',
    in_room_at        TEXT NOT NULL DEFAULT '',
    with_clinician_at TEXT NOT NULL DEFAULT '',
    done_at           TEXT NOT NULL DEFAULT '',
    -- why it was cancelled or missed; '' otherwise
    reason            TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    -- the appointments booked together as one recurring series share it; '' for a single one
    series_id         TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES users(id),
    updated_at        TEXT NOT NULL,
    updated_by        TEXT NOT NULL REFERENCES users(id),
    -- The patient's card, copied from patients and kept current by the
    -- triggers below, so that a line of the calendar reads no other table:
    -- a week of a busy clinic has a thousand lines.
    patient_family_name TEXT NOT NULL DEFAULT '',
    patient_given_names TEXT NOT NULL DEFAULT '',
    patient_mrn         TEXT NOT NULL DEFAULT '',
    patient_birth_date  TEXT NOT NULL DEFAULT '',
    patient_phone       TEXT NOT NULL DEFAULT '',
    CHECK (starts_at < ends_at),
    PRIMARY KEY (starts_at, id)
) STRICT, WITHOUT ROWID;

-- A clinician's day and week; a patient's list; a series; the no-shows of
-- the call list. (The whole clinic's calendar is the primary key's order.)
CREATE INDEX appointments_clinician_start ON appointments (clinician_id, starts_at);
CREATE INDEX appointments_patient_start ON appointments (patient_id, starts_at);
CREATE INDEX appointments_series ON appointments (series_id, starts_at) WHERE series_id <> '';
CREATE INDEX appointments_no_show ON appointments (starts_at) WHERE status = 'no_show';

CREATE TRIGGER appointments_no_delete BEFORE DELETE ON appointments
BEGIN
    SELECT RAISE(ABORT, 'appointments are cancelled, never deleted');
END;

-- Every change to an appointment keeps the row it replaced. The patient's
-- card is not the appointment's own data (the patient's revisions keep it),
-- so refreshing it alone needs none.
CREATE TRIGGER appointments_update_needs_revision BEFORE UPDATE OF
    id, patient_id, clinician_id, type_id, starts_at, ends_at, status, arrived_at, in_room_at,
    with_clinician_at, done_at, reason, note, series_id, version, created_at, created_by, updated_at, updated_by
ON appointments
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'appointment' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'appointment update without a kept revision');
END;

-- The card follows the patient: a correction of their details, or their
-- appointments moved to another chart (a merge).
CREATE TRIGGER patients_card_to_appointments AFTER UPDATE OF family_name, given_names, mrn, birth_date, phone
ON patients
BEGIN
    UPDATE appointments SET patient_family_name = NEW.family_name, patient_given_names = NEW.given_names,
        patient_mrn = NEW.mrn, patient_birth_date = NEW.birth_date, patient_phone = NEW.phone
    WHERE patient_id = NEW.id;
END;

CREATE TRIGGER appointments_card_follows_patient AFTER UPDATE OF patient_id ON appointments
BEGIN
    UPDATE appointments SET (patient_family_name, patient_given_names, patient_mrn, patient_birth_date, patient_phone) =
        (SELECT family_name, given_names, mrn, birth_date, phone FROM patients WHERE id = NEW.patient_id)
    WHERE id = NEW.id;
END;
