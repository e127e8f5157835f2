-- Folio chart database, schema 29: telehealth (video visits).
--
-- An appointment type may be virtual: its appointments happen on a video
-- call, whose link (made from the clinic's meeting-link template when the
-- appointment is booked or changed to such a type) is kept with the
-- appointment and, like its other fields, in its revisions when it changes.
-- Folio never calls the meeting service: the link is only shown, printed
-- and opened in a browser.
--
-- An encounter has a class, the HL7 v3 ActEncounterCode of the visit
-- (terminology.hl7.org/CodeSystem/v3-ActCode): AMB (ambulatory) for a visit
-- at the clinic, VR (virtual) for one on a video call. It is fixed once the
-- visit is opened.
--
-- A patient's consent to be seen by video is recorded once, by whom, when
-- and how (verbal or written); it is never deleted, only retracted with a
-- reason, keeping the row it replaced in revisions.

ALTER TABLE appointment_types ADD COLUMN virtual INTEGER NOT NULL DEFAULT 0 CHECK (virtual IN (0, 1));

-- A clinic that already has a type of this name keeps it, now virtual.
INSERT OR IGNORE INTO appointment_types (id, name, minutes, colour, active, virtual, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000005', 'Video visit', 15, '#0ea5e9', 1, 1,
     '2026-12-07T00:00:00.000000Z', '2026-12-07T00:00:00.000000Z');
UPDATE appointment_types SET virtual = 1 WHERE name = 'Video visit' COLLATE NOCASE;

-- The video call's address; '' for an appointment at the clinic.
ALTER TABLE appointments ADD COLUMN meeting_link TEXT NOT NULL DEFAULT '';

-- Schema 2's guard, with the link among the appointment's own data.
DROP TRIGGER appointments_update_needs_revision;
CREATE TRIGGER appointments_update_needs_revision BEFORE UPDATE OF
    id, patient_id, clinician_id, type_id, starts_at, ends_at, status, arrived_at, in_room_at,
    with_clinician_at, done_at, reason, note, series_id, version, created_at, created_by, updated_at, updated_by,
    meeting_link
ON appointments
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'appointment' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'appointment update without a kept revision');
END;

ALTER TABLE encounters ADD COLUMN class TEXT NOT NULL DEFAULT 'AMB' CHECK (class IN ('AMB', 'VR'));

CREATE TRIGGER encounters_class_fixed BEFORE UPDATE OF class ON encounters
WHEN NEW.class IS NOT OLD.class
BEGIN
    SELECT RAISE(ABORT, 'an encounter''s class is fixed');
END;

CREATE TABLE telehealth_consents (
    id             TEXT PRIMARY KEY,
    patient_id     TEXT NOT NULL REFERENCES patients(id),
    method         TEXT NOT NULL CHECK (method IN ('verbal', 'written')),
    note           TEXT NOT NULL DEFAULT '',
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL REFERENCES users(id),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retracted')),
    retracted_at   TEXT NOT NULL DEFAULT '',
    retracted_by   TEXT NOT NULL DEFAULT '',
    retract_reason TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL REFERENCES users(id),
    CHECK (status = 'active' OR retract_reason <> '')
) STRICT;

CREATE INDEX telehealth_consents_patient ON telehealth_consents (patient_id, recorded_at);

CREATE TRIGGER telehealth_consents_no_delete BEFORE DELETE ON telehealth_consents
BEGIN
    SELECT RAISE(ABORT, 'consents are retracted, not deleted');
END;

CREATE TRIGGER telehealth_consents_update_needs_revision BEFORE UPDATE ON telehealth_consents
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'telehealth_consent' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'consent update without a kept revision');
END;
