-- Folio chart database, schema 1: clinic settings, users, patients with their
-- revision history, patient search index, and the hash-chained audit trail.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'frontdesk')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- Users are disabled, never deleted: the audit trail names them forever.
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN
    SELECT RAISE(ABORT, 'users are disabled, not deleted');
END;

CREATE TABLE patients (
    id           TEXT PRIMARY KEY,
    mrn          TEXT NOT NULL UNIQUE,
    family_name  TEXT NOT NULL,
    given_names  TEXT NOT NULL,
    birth_date   TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    phone        TEXT NOT NULL DEFAULT '',
    address_line TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    -- sort_key is the folded "family given" name: the index behind name-prefix search.
    sort_key     TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users(id),
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL REFERENCES users(id)
) STRICT;

CREATE INDEX patients_sort_key ON patients (sort_key);
CREATE INDEX patients_birth_date ON patients (birth_date);

CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients
BEGIN
    SELECT RAISE(ABORT, 'patients are never deleted');
END;

-- Every update keeps the row it replaced, so that an update that skipped the
-- revision table cannot happen without SQLite refusing it.
CREATE TRIGGER patients_update_needs_revision BEFORE UPDATE ON patients
WHEN NOT EXISTS (
    SELECT 1 FROM revisions
    WHERE entity = 'patient' AND entity_id = OLD.id AND version = OLD.version
)
BEGIN
    SELECT RAISE(ABORT, 'patient update without a kept revision');
END;

-- Search terms of each patient (names, MRN, birth date, phone digits), rowid = patients.rowid.
CREATE VIRTUAL TABLE patient_search USING fts5 (
    terms,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- The previous version of every changed clinical row: who replaced it, when and why.
CREATE TABLE revisions (
    id         INTEGER PRIMARY KEY,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL,
    UNIQUE (entity, entity_id, version)
) STRICT;

CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions are append-only');
END;

CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions are append-only');
END;

-- Append-only audit trail; hash = sha256 over the entry and prev_hash.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    record      TEXT NOT NULL,
    workstation TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;

CREATE INDEX audit_patient ON audit (patient_id, seq) WHERE patient_id <> '';
CREATE INDEX audit_username ON audit (username COLLATE NOCASE, seq);
CREATE INDEX audit_action ON audit (action, seq);
CREATE INDEX audit_at ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
