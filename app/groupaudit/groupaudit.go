// Package groupaudit writes the audit entries of reads in groups: many
// reads share one write transaction and one fsync, and each is answered
// only once its entries are durable.
//
// A read runs in a read transaction, which never waits for the single
// writer; what it still needs the writer for is its audit entry. One
// entry a transaction costs a commit (an fsync, about 2 ms) each, and a
// chart screen sends fifteen reads at once: they queued behind each
// other's fsync. The Auditor's one goroutine takes every entry queued,
// appends them all in one transaction, in the order they came, and then
// wakes their callers; while it commits, the next group queues. The chain
// stays one chain: the entries are appended with db.Tx.AppendAudit as a
// use-case's are.
package groupaudit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"folio/db"
)

// ErrClosed is the answer to entries handed in after Close began.
var ErrClosed = errors.New("the audit trail is closing")

// Auditor is the one goroutine that commits read entries. Build it with
// New and Close it before the database closes.
type Auditor struct {
	db *db.DB
	// ctx is not cancelled at Ctrl+C: the entries queued when Folio stops
	// are written all the same, as the last checkpoint is.
	ctx context.Context
	// committed runs after each group commits (the App signs the chain's
	// head when enough entries are unsigned).
	committed func()

	mu      sync.Mutex
	queue   []*request
	closed  bool
	wake    chan struct{} // one pending wake-up at most
	stopped chan struct{} // closed when the goroutine has ended
}

// request is one read's entries and the answer its caller waits for.
type request struct {
	entries []db.AuditEntry
	done    chan error
}

// New starts the auditor of d. committed, if not nil, runs after each
// group is durable.
func New(ctx context.Context, d *db.DB, committed func()) *Auditor {
	a := &Auditor{db: d, ctx: context.WithoutCancel(ctx), committed: committed,
		wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go a.run()
	return a
}

// Append queues entries and waits until they are committed, in the order
// given, right after every entry queued before them. A nil answer means
// they are durable; otherwise none of them is in the trail (a group
// commits or rolls back whole), and the read must answer no data.
func (a *Auditor) Append(entries []db.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	r := &request{entries: entries, done: make(chan error, 1)}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	a.queue = append(a.queue, r)
	a.mu.Unlock()
	a.signal()
	return <-r.done
}

func (a *Auditor) signal() {
	select {
	case a.wake <- struct{}{}:
	default: // a wake-up is pending: the goroutine will take this request too
	}
}

// Close refuses further entries, waits for every entry queued to be
// committed (or refused), and stops the goroutine. The database must stay
// open until it returns.
func (a *Auditor) Close() {
	a.mu.Lock()
	already := a.closed
	a.closed = true
	a.mu.Unlock()
	if !already {
		a.signal()
	}
	<-a.stopped
}

func (a *Auditor) run() {
	defer close(a.stopped)
	for range a.wake {
		a.mu.Lock()
		group, closed := a.queue, a.closed
		a.queue = nil
		a.mu.Unlock()
		if len(group) > 0 {
			a.commit(group)
		}
		if closed {
			// Nothing joins the queue once closed is set, and this group
			// was taken under the same lock: it was the last.
			return
		}
	}
}

// commit appends a group's entries in one transaction and answers each
// caller with the outcome.
func (a *Auditor) commit(group []*request) {
	err := a.db.Update(a.ctx, func(tx *db.Tx) error {
		for _, r := range group {
			for _, e := range r.entries {
				if err := tx.AppendAudit(e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("write the audit entries of %d reads: %w", len(group), err)
	}
	for _, r := range group {
		r.done <- err
	}
	if err == nil && a.committed != nil {
		a.committed()
	}
}
