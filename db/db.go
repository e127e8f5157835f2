// Package db is Folio's chart database: one SQLite file, opened with one
// writer connection and a pool of readers, migrated on open, and the only
// place in Folio that speaks SQL.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the chart database's name inside a data folder.
const FileName = "folio.db"

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the row changed since the caller read it.
	ErrConflict = errors.New("changed by someone else")
	// ErrDuplicate means a unique value (user name, MRN) is already taken.
	ErrDuplicate = errors.New("already exists")
	// ErrWriteInRead means a read transaction (View) tried to write: the
	// reader pool is read-only.
	ErrWriteInRead = errors.New("a write in a read transaction")
)

// NewerSchemaError refuses a chart file written by a newer Folio: opening it
// here could silently ignore what the newer version stored.
type NewerSchemaError struct {
	Path         string
	FileSchema   int
	KnownSchemas int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("%s was written by a newer Folio (database schema %d; this Folio knows up to %d). Install the newer Folio to open it",
		e.Path, e.FileSchema, e.KnownSchemas)
}

// CorruptError reports a failed integrity check on open.
type CorruptError struct {
	Path   string
	Detail string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s failed its integrity check: %s", e.Path, e.Detail)
}

// DB is an open chart database.
type DB struct {
	path   string
	writer *sql.DB          // exactly one connection: SQLite allows one writer at a time
	reader *sql.DB          // query_only connections for reads that need no audit write
	wal    *walCheckpointer // nil while Litestream checkpoints (HandOverCheckpoints)
	walMu  sync.Mutex
	wstmts *stmtCache
	rstmts *stmtCache

	keys           atomic.Pointer[keyState]   // the clinic's key (keys.go)
	lastCheckpoint atomic.Pointer[Checkpoint] // the last checkpoint written or found (checkpoints.go)
	head           atomic.Pointer[chainPoint] // the chain's head after the last write
	sealed         bool                       // the schema has audit seals and rows (19 on)
	covered        []*coveredTable            // the tables whose rows the audit covers (audit_rows.go)
	capture        *capture                   // the rows the current write transaction touched
	captureID      int64
	carryMu        sync.Mutex
	carried        []rowRecord // rows written in transactions with no entry, for the next (audit.go)
	// publishMu is held by a write transaction from just before it commits
	// until it has published its state above; the next waits for it.
	publishMu sync.Mutex
}

// stmtCache keeps the statements of a pool prepared across transactions:
// parsing a query costs more than running most of Folio's, so a
// transaction that prepared its statements afresh would spend most of its
// time in the SQL parser. database/sql prepares each one once on every
// connection that runs it.
type stmtCache struct {
	pool *sql.DB
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

// maxCachedStmts bounds a cache: Folio's queries are a fixed set, but a few
// are assembled from filters, and a bug should not grow it without end.
const maxCachedStmts = 256

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// add prepares queries on the pool for later transactions. It runs after a
// transaction has ended: preparing on a pool takes a free connection, and
// the writer's only one is held for as long as its transaction lasts.
func (c *stmtCache) add(ctx context.Context, queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, have := c.m[q]
		full := len(c.m) >= maxCachedStmts
		c.mu.Unlock()
		if have || full {
			continue
		}
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue // the transaction that used it prepared it itself; it will again
		}
		c.mu.Lock()
		if _, have := c.m[q]; have || len(c.m) >= maxCachedStmts {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// Open opens (creating if needed) the chart database at path, checks its
// integrity, applies pending migrations and brings the search indexes up to
// date.
func Open(ctx context.Context, path string) (*DB, error) {
	d, err := open(ctx, path, migrations)
	if err != nil {
		return nil, err
	}
	// Nothing cached: these statements run once, at start-up.
	if err := run(ctx, d.writer, nil, func(tx *Tx) error { return tx.rebuildSearchIndex() }); err != nil {
		d.Close()
		return nil, fmt.Errorf("index %s for search: %w", path, err)
	}
	if err := d.startAudit(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// startAudit readies the audit of rows (schema 19 on): the covered tables,
// the capture of Folio's writes, the clinic's key out of settings, and the
// chain's head and last checkpoint.
func (d *DB) startAudit(ctx context.Context) error {
	err := run(ctx, d.writer, nil, func(tx *Tx) error {
		tx.d = d
		d.sealed = tx.hasColumn("audit", "seal")
		if !d.sealed {
			return nil
		}
		var err error
		if d.covered, err = tx.loadCoverage(); err != nil {
			return err
		}
		seq, hash, err := tx.chainHead()
		if err != nil {
			return err
		}
		d.head.Store(&chainPoint{Entries: seq, Head: hash})
		last, ok, err := tx.lastCheckpoint()
		if ok {
			d.lastCheckpoint.Store(&last)
		}
		return err
	})
	if err != nil || !d.sealed {
		return err
	}
	d.capture = &capture{tables: map[string]*coveredTable{}}
	for _, ct := range d.covered {
		d.capture.tables[ct.name] = ct
	}
	d.captureID = lastCaptureID.Add(1)
	captures.Store(d.captureID, d.capture)
	return d.moveKeyOut(ctx)
}

func open(ctx context.Context, path string, steps []migration) (*DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("the data folder path %q contains '?' or '#'; choose another folder", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer, err := openOne(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d := &DB{path: path, writer: writer, wstmts: newStmtCache(writer)}
	d.keys.Store(&keyState{})
	if err := d.checkIntegrity(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	if err := d.loadKey(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	if err := migrateDB(ctx, d, writer, path, steps); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	d.reader = reader
	d.rstmts = newStmtCache(reader)
	warmReaders(ctx, reader, n)
	if d.wal, err = startCheckpointer(path); err != nil {
		reader.Close()
		writer.Close()
		return nil, err
	}
	return d, nil
}

// warmReaders opens the reader pool's connections now rather than on the
// first chart's parallel reads: a new connection reads and parses the whole
// schema before its first query, which made the first chart opened after
// start several times slower than the rest. A failure here is left for the
// first read to meet and report.
func warmReaders(ctx context.Context, pool *sql.DB, n int) {
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := pool.Conn(ctx)
		if err != nil {
			return
		}
		conns = append(conns, c)
		var tables int
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
			return
		}
	}
}

// openOne opens a pool of exactly one connection that may write, kept open
// for the DB's life: the writer's, and the checkpoints' (wal.go).
func openOne(path string) (*sql.DB, error) {
	pool, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	return pool, nil
}

// dsn sets every pragma per connection, so a connection the pool opens later
// is configured exactly like the first.
func dsn(path string, readOnly bool) string {
	pragmas := []string{
		"busy_timeout(10000)",
		"foreign_keys(1)",
		"synchronous(FULL)",
		"temp_store(MEMORY)",
		"cache_size(-32000)",
	}
	if readOnly {
		pragmas = append(pragmas, "query_only(1)")
	} else {
		pragmas = append([]string{"journal_mode(WAL)"}, pragmas...)
	}
	// Writes take the write lock at BEGIN, so a transaction never fails
	// half-way on a lock upgrade; reads begin deferred, as a snapshot.
	s := "file:" + path + "?_txlock=immediate"
	if readOnly {
		s = "file:" + path + "?_txlock=deferred"
	}
	for _, p := range pragmas {
		s += "&_pragma=" + p
	}
	return s
}

func (d *DB) checkIntegrity(ctx context.Context) error {
	var result string
	if err := d.writer.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&result); err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_NOTADB || se.Code()&0xff == sqlite3.SQLITE_CORRUPT) {
			return &CorruptError{Path: d.path, Detail: se.Error()}
		}
		return fmt.Errorf("check %s: %w", d.path, err)
	}
	if result != "ok" {
		return &CorruptError{Path: d.path, Detail: result}
	}
	return nil
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Close stops the checkpoints and closes the pools; the WAL is checkpointed
// by SQLite on last close.
func (d *DB) Close() error {
	if err := d.FlushCarried(context.Background()); err != nil {
		return err
	}
	if d.captureID != 0 {
		captures.Delete(d.captureID)
	}
	d.walMu.Lock()
	walErr := d.wal.close()
	d.walMu.Unlock()
	errs := []error{walErr, d.rstmts.close(), d.wstmts.close()}
	if d.reader != nil {
		errs = append(errs, d.reader.Close())
	}
	errs = append(errs, d.writer.Close())
	return errors.Join(errs...)
}

// Tx is one transaction. Its methods are the queries; they are only valid
// inside the function given to Update or View.
type Tx struct {
	ctx    context.Context
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt // this transaction's statements: bulk loads repeat them
	cache  *stmtCache           // the pool's statements, kept across transactions
	missed []string             // queries the cache lacked, for it to prepare afterwards

	// The audit's state (audit.go, audit_rows.go, keys.go).
	d            *DB         // nil in a transaction on a bare connection
	migrating    bool        // a migration step: the schema is changing
	capture      *capture    // the rows this write transaction touched; nil in reads
	pendingEntry *AuditEntry // the entry AppendAudit holds until the next, or the commit
	wroteEntry   bool        // an entry of this transaction was written
	head         *chainPoint // the chain's head after this transaction's last entry
	newKeys      *keyState   // the key made or recorded in this transaction
	carry        []rowRecord // the rows carried to the next entry, once this commits
	carrySet     bool
}

// Update runs fn in one write transaction (BEGIN IMMEDIATE on the single
// writer connection) and commits it if fn returns nil.
func (d *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return d.run(ctx, d.writer, d.wstmts, true, fn)
}

// View runs fn in one read transaction on the reader pool: a consistent
// snapshot that never blocks the writer.
func (d *DB) View(ctx context.Context, fn func(*Tx) error) error {
	return d.run(ctx, d.reader, d.rstmts, false, fn)
}

// run runs fn in a transaction on pool; cache, if not nil, is the pool's
// statement cache.
func run(ctx context.Context, pool *sql.DB, cache *stmtCache, fn func(*Tx) error) (err error) {
	var none *DB
	return none.run(ctx, pool, cache, false, fn)
}

// run runs fn in a transaction of d (nil: a bare connection) on pool. A
// write transaction catches the covered rows it touches and writes its
// audit entry last, before it commits.
func (d *DB) run(ctx context.Context, pool *sql.DB, cache *stmtCache, write bool, fn func(*Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err == nil {
			return
		}
		// After SQLITE_FULL or an I/O error SQLite has already rolled back;
		// a second rollback then fails with "no transaction is active".
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) &&
			!strings.Contains(rbErr.Error(), "no transaction is active") {
			err = errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
	}()
	tx := &Tx{ctx: ctx, tx: sqlTx, cache: cache, d: d}
	writer := d != nil && pool == d.writer
	if writer {
		// The writer's last transaction may have released the connection
		// and not yet published what it changed (the key, the carried
		// rows): wait for it, so that this one starts from there.
		d.publishMu.Lock()
		d.publishMu.Unlock() //nolint:staticcheck // an empty critical section: a barrier
	}
	if write && d != nil && d.capture != nil {
		gen := d.capture.begin()
		defer d.capture.end(gen)
		tx.capture = d.capture
		if err = tx.installCapture(); err != nil {
			return err
		}
	}
	if err = fn(tx); err != nil {
		if !write && d != nil && pool == d.reader && writeInRead(err) {
			// Not the disk's fault, as a read-only file's refusal would
			// say: a bug, which must not read as one.
			return fmt.Errorf("%w (%v)", ErrWriteInRead, err)
		}
		return err
	}
	if err = tx.finishAudit(); err != nil {
		return err
	}
	if writer {
		d.publishMu.Lock()
	}
	if err = sqlTx.Commit(); err != nil {
		if writer {
			d.publishMu.Unlock()
		}
		return fmt.Errorf("commit: %w", err)
	}
	if writer {
		if tx.newKeys != nil {
			d.keys.Store(tx.newKeys)
		}
		if tx.head != nil {
			d.head.Store(tx.head)
		}
		if tx.carrySet {
			d.carryMu.Lock()
			d.carried = tx.carry
			d.carryMu.Unlock()
		}
		d.publishMu.Unlock()
	}
	if cache != nil && len(tx.missed) > 0 {
		cache.add(ctx, tx.missed) // now that the transaction's connection is free
	}
	return nil
}

func (t *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if cached := t.cache.get(query); cached != nil {
		st = t.tx.StmtContext(t.ctx, cached)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(t.ctx, query); err != nil {
			return nil, err
		}
		if t.cache != nil {
			t.missed = append(t.missed, query)
		}
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// scanner is a row to read: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryList runs a query and reads every row with scan: the one loop
// behind each "list the rows of a kind" query. what names the rows in errors.
func queryList[T any](t *Tx, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.stmt(query)
	if err != nil {
		// QueryRowContext on the bare transaction reports the same error at Scan.
		return t.tx.QueryRowContext(t.ctx, query, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

// isUnique tells whether err is a UNIQUE constraint failure.
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// Timestamps are stored as RFC 3339 UTC text with fixed-width fractions so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	if t, ok := parseStoredTime(s); ok {
		return t
	}
	t, _ := time.Parse(timeLayout, s)
	return t
}

// parseStoredTime reads a time as formatTime wrote it, by hand: lists read
// thousands (a year's home readings, two each), and time.Parse is several
// times slower. Anything else is left to time.Parse (ok false).
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) != len(timeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
		s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day, hour, minute, sec, micro := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16),
		num(17, 19), num(20, 26)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
		minute > 59 || sec < 0 || sec > 59 || micro < 0 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, micro*1000, time.UTC)
	if t.Day() != day { // 31 November: time.Parse refuses it
		return time.Time{}, false
	}
	return t, true
}
