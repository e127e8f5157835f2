-- Folio chart database, schema 20: the clinic's other computers that run
-- Folio as workstations of this host (app/workstations.go).
--
-- A workstation asks to pair with its public key; an admin approves it by
-- comparing a code, and the host then issues it a client certificate signed
-- by the clinic's authority, whose serial is kept here. A row is never
-- deleted: a request is refused, a workstation revoked, with who, when and
-- why; each change keeps the row it replaced in revisions.
CREATE TABLE workstations (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    -- The workstation's public key (PKIX, DER, base64), as it asked.
    public_key     TEXT NOT NULL,
    -- Where it asked from, and where it was seen last.
    address        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'revoked')),
    -- The client certificate issued on approval (PEM, no key) and its
    -- serial (hex), by which the host knows the workstation.
    cert_serial    TEXT NOT NULL DEFAULT '',
    certificate    TEXT NOT NULL DEFAULT '',
    first_seen     TEXT NOT NULL,
    -- Updated at most once a minute, not audited (see db/audit_rows.go).
    last_seen      TEXT NOT NULL,
    approved_by    TEXT NOT NULL DEFAULT '',
    approved_at    TEXT NOT NULL DEFAULT '',
    ended_by       TEXT NOT NULL DEFAULT '',
    ended_at       TEXT NOT NULL DEFAULT '',
    ended_reason   TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX workstations_cert_serial ON workstations (cert_serial) WHERE cert_serial <> '';
CREATE INDEX workstations_status ON workstations (status);

CREATE TRIGGER workstations_no_delete BEFORE DELETE ON workstations
BEGIN
    SELECT RAISE(ABORT, 'workstations are never deleted; revoke one instead');
END;

-- A workstation's key and first sighting never change; its status goes
-- only forward (pending to approved or refused, approved to revoked), and
-- each change keeps the row it replaced.
CREATE TRIGGER workstations_update_checked BEFORE UPDATE OF id, name, public_key, status, cert_serial, certificate,
    first_seen, approved_by, approved_at, ended_by, ended_at, ended_reason, version ON workstations
WHEN NEW.id <> OLD.id OR NEW.public_key <> OLD.public_key OR NEW.first_seen <> OLD.first_seen
    OR NOT ((OLD.status = 'pending' AND NEW.status IN ('approved', 'refused'))
        OR (OLD.status = 'approved' AND NEW.status = 'revoked'))
    OR NEW.version <> OLD.version + 1
    OR NOT EXISTS (SELECT 1 FROM revisions WHERE entity = 'workstation' AND entity_id = OLD.id AND version = OLD.version)
BEGIN
    SELECT RAISE(ABORT, 'a workstation changes only by approval, refusal or revocation, keeping its revision');
END;
