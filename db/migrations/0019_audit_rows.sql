-- Folio chart database, schema 19: an audit trail that cannot be cut short,
-- extended or rewritten, nor the record changed beside it, without `folio
-- check` noticing (see db/audit.go, db/audit_rows.go, db/checkpoints.go).
--
-- Each entry now records the hash of every row version it wrote, in
-- audit_rows; the entry's hash covers their digest (rows_hash), and a seal,
-- an HMAC under a key derived from the clinic's key (which lives in a file
-- beside the database, never in it), shows that Folio wrote the entry.
-- Entries written before keep their hashes: rows_hash and seal are empty
-- for them, and Folio records every row in force as a baseline right after
-- this step, in its transaction.

ALTER TABLE audit ADD COLUMN rows_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN seal TEXT NOT NULL DEFAULT '';

-- One row per row version an entry wrote: the covered table, the row's key
-- (its primary key as text, or a JSON array of a composite key), the
-- SHA-256 of its columns (empty: the write deleted it) and two bytes per
-- column that name the changed fields when the hash differs. found_hash and
-- found_fields are the row as Folio found it before writing, kept only when
-- that differed from the version recorded last: a change made outside Folio.
CREATE TABLE audit_rows (
    seq          INTEGER NOT NULL,
    tbl          TEXT NOT NULL,
    row_key      TEXT NOT NULL,
    hash         BLOB NOT NULL,
    fields       BLOB NOT NULL,
    found_hash   BLOB NOT NULL,
    found_fields BLOB NOT NULL,
    PRIMARY KEY (seq, tbl, row_key)
) STRICT, WITHOUT ROWID;

-- The last version recorded of a row (with its hash: the check reads it
-- from the index alone).
CREATE INDEX audit_rows_latest ON audit_rows (tbl, row_key, seq, hash);
CREATE INDEX audit_rows_found ON audit_rows (seq) WHERE length(found_hash) > 0;

CREATE TRIGGER audit_rows_no_update BEFORE UPDATE ON audit_rows
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_rows_no_delete BEFORE DELETE ON audit_rows
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The chain's head signed with the clinic's key (db/checkpoints.go), also
-- kept outside the database: in folio.checkpoints beside it, in backups and
-- in exports.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    entries   INTEGER NOT NULL CHECK (entries > 0),
    head      TEXT NOT NULL,
    at        TEXT NOT NULL,
    reason    TEXT NOT NULL,
    signature TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
