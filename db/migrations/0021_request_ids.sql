-- Folio chart database, schema 21: the request ids of the writes browsers
-- sent, so that a write sent again after the host restarted is not made
-- twice (app/request_ids.go).
--
-- A screen that lost the host keeps its saves and sends them again, with
-- the same request id, once the host is back and its person signed in
-- again. A save that reached the host just before it went may have been
-- made; its row here says so. The row is written in the very transaction
-- of the write it names, so it is on disk exactly when the write is, and
-- it is keyed by the user, not the session: sessions do not survive a
-- restart, users do.
--
-- Not part of the record: the rows are pruned after a day (a repeat comes
-- within minutes or hours of its first sending), they are not covered by
-- the audit of rows (db/audit_rows.go), and nothing guards them.
CREATE TABLE request_ids (
    user_id      TEXT NOT NULL REFERENCES users (id),
    request_id   TEXT NOT NULL,
    -- The call the id was sent with (Service/Method): the same id sent for
    -- another call is refused, not answered with this one's answer.
    call         TEXT NOT NULL,
    at           TEXT NOT NULL,
    -- The answer the call gave (its HTTP status and JSON), stored just
    -- after the write committed and before the answer was sent: status 0
    -- if it was not kept (too large, or the host stopped in between).
    status       INTEGER NOT NULL DEFAULT 0,
    answer       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, request_id)
) STRICT;

CREATE INDEX request_ids_at ON request_ids (at);
