package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// SQLite copies the WAL back into the database file (a checkpoint) inside
// the commit that takes the WAL past 1,000 pages: that one commit writes up
// to 1,000 scattered pages into the database file and fsyncs it, tens of ms
// on a busy disk, and the person whose save (or whose read's audit entry)
// it was waits for all of it. The load test showed it as the tail of the
// calls with few samples. So a goroutine of the DB's checkpoints every
// checkpointEvery, PASSIVE, on a connection of its own: it takes no lock
// the writer or the readers need and copies what no reader still reads,
// and once all is copied the writer's next transaction starts the WAL over
// from its beginning. With the clinic's pauses between writes the WAL never
// reaches 1,000 pages, and no commit checkpoints. Writes that never pause
// (a demo clinic, a bulk import) leave no moment with all copied: for them
// the commit's own checkpoint stays, and bounds the WAL as before.
// Durability is the WAL's either way: each commit is fsynced to it
// (synchronous(FULL)).

// checkpointEvery is how often the WAL is copied back; a clinic's second of
// work is a few pages.
var checkpointEvery = time.Second

// walCheckpointer runs the checkpoints of one DB.
type walCheckpointer struct {
	conn    *sql.DB
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	err     error
}

func startCheckpointer(path string) (*walCheckpointer, error) {
	conn, err := openOne(path)
	if err != nil {
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
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
// before it.
func (c *walCheckpointer) step() (frames int, err error) {
	var busy, copied int
	if err := c.conn.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return 0, fmt.Errorf("checkpoint the WAL: %w", err)
	}
	return frames, nil
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

// HandOverCheckpoints gives the WAL's checkpoints to Litestream, which
// replicates the database from its WAL and must decide when frames leave
// it (its guidance for library use): Folio's checkpoints stop, and so do
// the ones SQLite would run in the writer's commits. TakeBackCheckpoints
// undoes it when replication stops.
func (d *DB) HandOverCheckpoints(ctx context.Context) error {
	d.walMu.Lock()
	defer d.walMu.Unlock()
	if _, err := d.writer.ExecContext(ctx, "PRAGMA wal_autocheckpoint(0)"); err != nil {
		return fmt.Errorf("hand the checkpoints over: %w", err)
	}
	err := d.wal.close()
	d.wal = nil
	return err
}

// TakeBackCheckpoints is the reverse of HandOverCheckpoints.
func (d *DB) TakeBackCheckpoints(ctx context.Context) error {
	d.walMu.Lock()
	defer d.walMu.Unlock()
	if d.wal != nil {
		return nil
	}
	if _, err := d.writer.ExecContext(ctx, "PRAGMA wal_autocheckpoint(1000)"); err != nil {
		return fmt.Errorf("take the checkpoints back: %w", err)
	}
	var err error
	d.wal, err = startCheckpointer(d.path)
	return err
}
