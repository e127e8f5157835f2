package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
)

// How often Litestream looks at the WAL for new transactions, and how often
// the replica takes what it found: together they bound how much work a dead
// disk can cost (the recovery point), which the clinic wants under a
// second. Litestream's defaults (1 s each) give up to about two.
var (
	monitorEvery = 200 * time.Millisecond
	syncEvery    = 200 * time.Millisecond
)

// The replica keeps a whole copy (a snapshot) daily and every transaction in
// between, compacted; a restore can go back to any moment of the last week.
var (
	levels = litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: 30 * time.Second},
		{Level: 2, Interval: 5 * time.Minute},
		{Level: 3, Interval: time.Hour},
	}
	snapshotEvery   = 24 * time.Hour
	keepRestoreDays = 7 * 24 * time.Hour
)

// Replicator streams one database to one replica while Folio has it open.
type Replicator struct {
	target Target
	db     *litestream.DB
	store  *litestream.Store
	errs   *errorLog
	stop   chan struct{}
	done   chan struct{}

	mu       sync.Mutex
	started  time.Time
	lastSync time.Time // when the replica last held everything the database had
	behind   time.Time // when the replica fell behind; zero while it holds everything
	size     int64
	sizeAt   time.Time
}

// Status is a replica's state for the admin.
type Status struct {
	Target   Target    `json:"target"` // without its secrets
	Started  time.Time `json:"started"`
	LastSync time.Time `json:"lastSync,omitzero"` // absent until the replica first holds everything
	// Lag is how long the oldest write the replica lacks has waited: 0
	// while the replica holds everything.
	Lag        time.Duration `json:"-"`
	LagSeconds float64       `json:"lagSeconds"`
	LocalTX    uint64        `json:"localTx"`
	ReplicaTX  uint64        `json:"replicaTx"`
	Size       int64         `json:"size"` // bytes the replica takes; 0 until first measured
	Error      string        `json:"error,omitempty"`
	ErrorAt    time.Time     `json:"errorAt,omitzero"`
}

// Start replicates the database at path (which must exist and be open in
// this process) to t, in the background, until Close. Litestream takes
// over the WAL's checkpoints: the caller must stop its own first. The
// replica is tried before Start returns, so an unreachable one is said at
// once.
func Start(ctx context.Context, path string, t Target, log *slog.Logger) (*Replicator, error) {
	client, err := t.client()
	if err != nil {
		return nil, err
	}
	if err := Reach(ctx, t); err != nil {
		return nil, err
	}
	if err := copyKey(path, t); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	errs := &errorLog{next: log.Handler(), shared: &errorState{}}
	ldb := litestream.NewDB(path)
	ldb.MonitorInterval = monitorEvery
	// Litestream's own connection waits for Folio's writes, which hold the
	// write lock for milliseconds, rather than failing its sync.
	ldb.BusyTimeout = 10 * time.Second
	// Kept apart from the data folder's other files, and named for what it is.
	ldb.SetMetaPath(filepath.Join(filepath.Dir(path), ".replication"))
	r := litestream.NewReplicaWithClient(ldb, client)
	r.SyncInterval = syncEvery
	ldb.Replica = r
	if fc, ok := client.(interface{ SetReplica(*litestream.Replica) }); ok {
		fc.SetReplica(r)
	}
	store := litestream.NewStore([]*litestream.DB{ldb}, levels)
	store.SnapshotInterval = snapshotEvery
	store.SnapshotRetention = keepRestoreDays
	store.Logger = slog.New(errs)
	ldb.SetLogger(store.Logger)
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("start replicating to %s: %w", t, err)
	}
	rep := &Replicator{target: t, db: ldb, store: store, errs: errs, stop: make(chan struct{}), done: make(chan struct{}),
		started: time.Now()}
	go rep.watch()
	return rep, nil
}

// reachWithin bounds the check of a replica, which the admin waits for.
var reachWithin = 10 * time.Second

// Reach connects to the replica and lists what it holds: the admin learns
// of a wrong password or a missing bucket when saving the setting, not
// from a silent replica later.
func Reach(ctx context.Context, t Target) error {
	client, err := t.client()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, reachWithin)
	defer cancel()
	if err := client.Init(ctx); err != nil {
		return fmt.Errorf("cannot reach %s: %w", t, err)
	}
	itr, err := client.LTXFiles(ctx, litestream.SnapshotLevel, 0, false)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", t, err)
	}
	defer itr.Close()
	for itr.Next() {
	}
	if err := itr.Err(); err != nil {
		return fmt.Errorf("cannot read %s: %w", t, err)
	}
	return nil
}

// watch follows the positions of the database and the replica, to say how
// far behind the replica is, and measures the replica's size now and then.
func (r *Replicator) watch() {
	defer close(r.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastSize time.Time
	for {
		select {
		case <-r.stop:
			return
		case now := <-tick.C:
			local, err := r.db.Pos()
			remote := r.db.Replica.Pos()
			r.mu.Lock()
			switch {
			case err != nil:
			// Not before Litestream has read the database once (local 0):
			// "in sync" then would be a promise about nothing.
			case local.TXID != 0 && remote.TXID >= local.TXID:
				r.lastSync, r.behind = now, time.Time{}
				r.errs.clear()
			case r.behind.IsZero():
				r.behind = now
			}
			r.mu.Unlock()
			if now.Sub(lastSize) > time.Minute {
				lastSize = now
				go r.measure()
			}
		}
	}
}

// measure adds up the sizes of the replica's files.
func (r *Replicator) measure() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var total int64
	for level := 0; level <= litestream.SnapshotLevel; level++ {
		itr, err := r.db.Replica.Client.LTXFiles(ctx, level, 0, false)
		if err != nil {
			return
		}
		for itr.Next() {
			total += itr.Item().Size
		}
		itr.Close()
	}
	r.mu.Lock()
	r.size, r.sizeAt = total, time.Now()
	r.mu.Unlock()
}

// Status says how the replica is doing.
func (r *Replicator) Status() Status {
	local, _ := r.db.Pos()
	remote := r.db.Replica.Pos()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Status{Target: r.target.Public(), Started: r.started, LastSync: r.lastSync, Size: r.size,
		LocalTX: uint64(local.TXID), ReplicaTX: uint64(remote.TXID)}
	if !r.behind.IsZero() {
		s.Lag = time.Since(r.behind)
		s.LagSeconds = s.Lag.Seconds()
	}
	if msg, at := r.errs.last(); msg != "" {
		s.Error, s.ErrorAt = msg, at
	}
	return s
}

// Target is where r replicates to.
func (r *Replicator) Target() Target { return r.target }

// Sync sends everything written so far to the replica and waits for it.
func (r *Replicator) Sync(ctx context.Context) error {
	if err := r.db.SyncAndWait(ctx); err != nil {
		return fmt.Errorf("send the latest changes to %s: %w", r.target, err)
	}
	return nil
}

// Close sends what is left and stops. Litestream's last sync needs the
// database open: close the replicator first, the database after.
func (r *Replicator) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	close(r.stop)
	<-r.done
	if err := r.store.Close(ctx); err != nil {
		return fmt.Errorf("stop replicating to %s: %w", r.target, err)
	}
	return nil
}

// errorLog passes Litestream's log on and keeps its last error, which is
// how the library reports a replica that cannot be written.
type errorLog struct {
	next   slog.Handler
	shared *errorState // one for the handler and those WithAttrs derives
}

type errorState struct {
	mu  sync.Mutex
	msg string
	at  time.Time
}

func (h *errorLog) state() *errorState { return h.shared }

func (h *errorLog) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || h.next.Enabled(ctx, l)
}

func (h *errorLog) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelError {
		msg := rec.Message
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" || a.Key == "err" {
				msg = a.Value.String()
				return false
			}
			return true
		})
		s := h.state()
		s.mu.Lock()
		s.msg, s.at = msg, rec.Time
		s.mu.Unlock()
	}
	if h.next.Enabled(ctx, rec.Level) {
		return h.next.Handle(ctx, rec)
	}
	return nil
}

func (h *errorLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &errorLog{next: h.next.WithAttrs(attrs), shared: h.state()}
}

func (h *errorLog) WithGroup(name string) slog.Handler {
	return &errorLog{next: h.next.WithGroup(name), shared: h.state()}
}

func (h *errorLog) last() (string, time.Time) {
	s := h.state()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msg, s.at
}

// clear forgets the last error once the replica has caught up.
func (h *errorLog) clear() {
	s := h.state()
	s.mu.Lock()
	s.msg, s.at = "", time.Time{}
	s.mu.Unlock()
}

// ErrNothingThere: the replica holds no copy of a clinic yet.
var ErrNothingThere = errors.New("the replica holds no copy of a clinic")
