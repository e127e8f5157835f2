-- Folio chart database, schema 13: a prescriber's professional licence or
-- registration number, printed on the prescriptions they write.
--
-- '' for accounts that prescribe nothing (front desk, admin) and for
-- clinicians whose number is not recorded yet.

ALTER TABLE users ADD COLUMN licence_number TEXT NOT NULL DEFAULT '';
