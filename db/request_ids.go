package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// RequestAnswer is what is kept of one write a browser sent with a request
// id (see migrations/0021_request_ids.sql). Status is 0 when the write was
// made but its answer was not kept.
type RequestAnswer struct {
	Call   string
	At     time.Time
	Status int
	Answer string
}

// RequestAnswer reads what is kept of the user's request id; ErrNotFound
// if no write was made with it (or it was pruned).
func (t *Tx) RequestAnswer(userID, requestID string) (RequestAnswer, error) {
	var r RequestAnswer
	var at string
	err := t.queryRow(`SELECT call, at, status, answer FROM request_ids WHERE user_id = ? AND request_id = ?`,
		userID, requestID).Scan(&r.Call, &at, &r.Status, &r.Answer)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read request %s: %w", requestID, err)
	}
	r.At = parseTime(at)
	return r, nil
}

// RecordRequest notes that the write of this transaction was sent with the
// user's request id; ErrDuplicate if the id was already recorded.
func (t *Tx) RecordRequest(userID, requestID, call string, at time.Time) error {
	_, err := t.exec(`INSERT INTO request_ids (user_id, request_id, call, at) VALUES (?, ?, ?, ?)`,
		userID, requestID, call, formatTime(at))
	if isPrimaryKey(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("record request %s: %w", requestID, err)
	}
	return nil
}

// KeepRequestAnswer stores the answer of a request recorded before; a
// request not recorded (its call wrote nothing) is left alone.
func (t *Tx) KeepRequestAnswer(userID, requestID string, status int, answer string) error {
	_, err := t.exec(`UPDATE request_ids SET status = ?, answer = ? WHERE user_id = ? AND request_id = ?`,
		status, answer, userID, requestID)
	if err != nil {
		return fmt.Errorf("keep the answer of request %s: %w", requestID, err)
	}
	return nil
}

// PruneRequests deletes at most limit requests made before cutoff, oldest
// first, and answers how many it deleted: a caller that gets limit back
// has more to prune, in a later transaction (a write waiting behind this
// one should not wait for a day's worth of rows).
func (t *Tx) PruneRequests(cutoff time.Time, limit int) (int, error) {
	res, err := t.exec(`DELETE FROM request_ids WHERE rowid IN
		(SELECT rowid FROM request_ids WHERE at < ? ORDER BY at LIMIT ?)`, formatTime(cutoff), limit)
	if err != nil {
		return 0, fmt.Errorf("prune old request ids: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CountRequests is how many request ids are kept.
func (t *Tx) CountRequests() (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM request_ids`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count request ids: %w", err)
	}
	return n, nil
}

// isPrimaryKey tells whether err is a PRIMARY KEY constraint failure (which
// SQLite reports apart from UNIQUE).
func isPrimaryKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
