-- Folio chart database, schema 4: search that forgives a typo, and the
-- recent patients list.

-- The vocabulary of patients' name words for typo-tolerant search (see
-- db/search.go): every folded name word of three or more letters, under
-- itself and under each string of three or more letters left by deleting
-- one of its letters. Filled by Folio from the patient rows right after
-- migrating (names are folded in Go), and added to as patients are
-- registered and corrected.
CREATE TABLE name_keys (
    key  TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (key, word)
) STRICT, WITHOUT ROWID;

-- Each user's chart openings, newest first: the recent patients list.
CREATE INDEX audit_patient_opens ON audit (user_id, seq, patient_id) WHERE action = 'patient.open';
