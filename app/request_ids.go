package app

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"folio/db"
)

// A browser sends each write with a request id, and sends it again with
// the same id when the answer did not come (the host was away). A write
// must then be made once, even when the host restarted in between and the
// person signed in again: the id is recorded in the write's own
// transaction (requestOnce), so it is on disk exactly when the write is,
// keyed by the user, since sessions do not survive a restart and users
// do. A repeat finds it and gets the first answer, which serve mode stores
// beside the id once the call is over and before it answers (KeepAnswer).
//
// The answer is stored as sent (status and JSON) rather than rebuilt by
// reading the record again: a rebuild would need a read per kind of write,
// and would answer what the record is now, not what the write answered,
// which the screen expects. What is stored is bounded (maxKeptAnswer) and
// pruned after keptRequestsFor; these rows are not part of the record.

const (
	// keptRequestsFor: a repeat comes when the host is back and the person
	// signed in again, within minutes or hours; a screen that waited
	// longer than a clinic day has been closed.
	keptRequestsFor = 24 * time.Hour
	// pruneEvery: old ids are deleted at the first write with an id after
	// the host starts, and at most this often after that.
	pruneEvery = time.Hour
	// pruneBatch bounds the rows one write deletes beside its own work;
	// the rest go at the next write.
	pruneBatch = 500
	// maxKeptAnswer: a write answers the record it made, some kilobytes; a
	// larger answer is not kept, and a repeat is told the write was made.
	maxKeptAnswer = 256 << 10
)

// ErrAlreadyMade answers a write sent again whose first sending was made
// but whose answer was not kept (the host stopped at that very moment).
var ErrAlreadyMade = &Error{Kind: Conflict,
	Message: "This was already saved, but its answer was lost on the way. Open the record again to see it as saved."}

// requestPruning is when old request ids were last pruned (Unix ns).
type requestPruning struct{ last atomic.Int64 }

// requestOnce records the request id of the call a write transaction
// serves, in that transaction (see actAs).
type requestOnce struct {
	call   *callState // recorded by this transaction
	userID string     // for whom
	pruned time.Time  // old ids were pruned in this transaction, up to now
}

// run runs fn, recording the call's request id with what fn writes. A
// request id already recorded for the user means the write was made
// before: fn is not run, and the call is answered ErrAlreadyMade (serve
// mode looks for the first answer before it runs a call; this is the
// last guard, inside the write lock). A call's later transactions
// (after one recorded its id) are part of the same write and run as they
// are.
func (r *requestOnce) run(o *op, fn func(o *op) error) error {
	r.call = nil
	c := o.actor.session.requestOf()
	if c == nil || c.recorded.Load() || o.actor.userID == "" {
		return fn(o)
	}
	_, err := o.RequestAnswer(o.actor.userID, c.RequestID)
	switch {
	case err == nil:
		return ErrAlreadyMade
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	if err := fn(o); err != nil {
		return err
	}
	if err := o.RecordRequest(o.actor.userID, c.RequestID, c.Name, o.now); err != nil {
		return err
	}
	r.call, r.userID = c, o.actor.userID
	return r.prune(o)
}

// prune deletes a batch of old request ids when it is time: the table is
// not the record, and its rows hold answers that are clinical text.
func (r *requestOnce) prune(o *op) error {
	last := o.app.requests.last.Load()
	if last != 0 && o.now.Sub(time.Unix(0, last)) < pruneEvery {
		return nil
	}
	n, err := o.PruneRequests(o.now.Add(-keptRequestsFor), pruneBatch)
	if err != nil {
		return err
	}
	if n < pruneBatch { // all done; else the next write with an id goes on
		r.pruned = o.now
	}
	return nil
}

// committed: the transaction r.run ran in committed.
func (r *requestOnce) committed(a *App) {
	if r.call != nil {
		r.call.userID = r.userID
		r.call.recorded.Store(true)
	}
	if !r.pruned.IsZero() {
		a.requests.last.Store(r.pruned.UnixNano())
	}
}

// KeptAnswer is what Folio kept of a write sent with a request id.
type KeptAnswer struct {
	// Call is the call the id was first sent with (Service/Method).
	Call string
	// Status and Body are its answer; Status is 0 when the answer was not
	// kept (answer such a repeat with ErrAlreadyMade).
	Status int
	Body   []byte
}

// KeptAnswer finds what was kept of the write that the user signed in at
// s made with requestID; ok is false if none was made with it (or it was
// made long ago).
func (a *App) KeptAnswer(s *Session, requestID string) (kept KeptAnswer, ok bool, err error) {
	userID := s.UserID()
	if userID == "" {
		return kept, false, nil
	}
	err = a.db.View(a.ctx, func(tx *db.Tx) error {
		r, err := tx.RequestAnswer(userID, requestID)
		if errors.Is(err, db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		kept, ok = KeptAnswer{Call: r.Call, Status: r.Status, Body: []byte(r.Answer)}, true
		return nil
	})
	if err != nil {
		return KeptAnswer{}, false, fmt.Errorf("look up request %s: %w", requestID, err)
	}
	return kept, ok, nil
}

// KeepAnswer stores the answer of the call that handle (see ForCall)
// served, if the call made a write with its request id: a repeat after a
// restart then gets it. Serve mode calls it before it answers, so that an
// answer the browser got is always one a repeat would get; an answer past
// maxKeptAnswer is not kept.
func (a *App) KeepAnswer(handle *Session, status int, body []byte) error {
	c := handle.requestOf()
	if c == nil || !c.recorded.Load() || len(body) > maxKeptAnswer {
		return nil
	}
	err := a.db.Update(a.ctx, func(tx *db.Tx) error {
		return tx.KeepRequestAnswer(c.userID, c.RequestID, status, string(body))
	})
	if err != nil {
		return fmt.Errorf("keep the answer of request %s: %w", c.RequestID, err)
	}
	return nil
}
