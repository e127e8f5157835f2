package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite copies the WAL back into the database file (a checkpoint), by
// default inside the commit that takes the WAL past 1,000 pages: that one
// commit writes up to 1,000 scattered pages into the database file and
// fsyncs it, tens of ms on a busy disk, and the person whose save (or whose
// read's audit entry) it was waits for all of it. The load test showed it as
// the tail of every call with few samples. So the writer never checkpoints
// (wal_autocheckpoint(0) in its DSN): a goroutine of the DB's does, on a
// connection of its own, every checkpointEvery. Durability is the WAL's, as
// before: each commit is fsynced to it (synchronous(FULL)).
//
// A passive checkpoint takes no lock the writer or the readers need and
// copies what no reader still reads; once all is copied, the writer's next
// transaction starts the WAL over from its beginning. Writes that never
// pause (a bulk import) leave it no moment with all copied, and the WAL
// would grow without end: past walRestartFrames the checkpoint is run by
// the writer's own connection (RESTART) before its next transaction, and the
// WAL starts over.

// checkpointEvery is how often the WAL is copied back; a clinic's second of
// work is a few pages.
var checkpointEvery = time.Second

// walRestartFrames is the WAL's length (pages; 4 KiB each) past which the
// writer starts it over before its next transaction: 16 MiB.
var walRestartFrames = 4000

// walCheckpointer runs the checkpoints of one DB.
type walCheckpointer struct {
	conn    *sql.DB
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	err     error
	restart atomic.Bool // the WAL is past walRestartFrames
}

func startCheckpointer(path string) (*walCheckpointer, error) {
	conn, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	c := &walCheckpointer{conn: conn, stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *walCheckpointer) run() {
	defer close(c.stopped)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			// A failed checkpoint leaves the frames in the WAL, where reads
			// find them; the next tick, or the last close, copies them.
			_, _ = c.step()
		}
	}
}

// step checkpoints once, passively, and answers the WAL's length in frames
// before it; past walRestartFrames the writer's next transaction starts it
// over first (restartIfDue).
func (c *walCheckpointer) step() (frames int, err error) {
	var busy, copied int
	if err := c.conn.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return 0, fmt.Errorf("checkpoint the WAL: %w", err)
	}
	if frames > walRestartFrames {
		c.restart.Store(true)
	}
	return frames, nil
}

// restartIfDue runs, on the writer's one connection before its next
// transaction, the checkpoint that starts a long WAL over. It is the
// writer's own: from another connection it would wait for a writer that
// never pauses, and lose that race every time.
func (c *walCheckpointer) restartIfDue(ctx context.Context, writer *sql.DB) {
	if c == nil || !c.restart.CompareAndSwap(true, false) {
		return
	}
	// Not done (readers kept the WAL): the next passive pass asks again.
	_, _ = writer.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
}

// close stops the checkpoints (once, however often the DB is closed);
// SQLite checkpoints the whole WAL when the database's last connection
// closes.
func (c *walCheckpointer) close() error {
	if c == nil {
		return nil
	}
	c.once.Do(func() {
		close(c.stop)
		<-c.stopped
		c.err = c.conn.Close()
	})
	return c.err
}
