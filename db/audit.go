package db

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	Seq         int64
	At          time.Time
	UserID      string
	Username    string
	Action      string
	PatientID   string
	Record      string
	Workstation string
	Detail      string
	PrevHash    string
	Hash        string
	// RowsHash is the digest of the row versions this entry wrote (see
	// audit_rows.go); "" for an entry that wrote none, and for every entry
	// written before schema 19.
	RowsHash string
	// Seal is an HMAC of Hash under a key derived from the clinic's key,
	// which is not in the database: an entry added or rewritten outside
	// Folio, even with a correct hash, has no valid seal. "" for entries
	// written before the clinic had a key (or while its key file was
	// missing).
	Seal string
}

// hash covers every field, the digest of the rows written, and the
// previous entry's hash, so that changing, removing or reordering any
// entry breaks the chain from there on. An entry that wrote no rows hashes
// as entries did before schema 19, so those keep their hashes.
func (e AuditEntry) computeHash() string {
	return entryHash(strconv.FormatInt(e.Seq, 10), formatTime(e.At), e.UserID, e.Username, e.Action,
		e.PatientID, e.Record, e.Workstation, e.Detail, e.PrevHash, e.RowsHash)
}

// entryHash hashes an entry's fields as stored (the time as text), its
// rows digest last, left out when empty.
func entryHash(fields ...string) string {
	if fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	h := sha256.New()
	var buf []byte
	for _, field := range fields {
		buf = strconv.AppendInt(buf[:0], int64(len(field)), 10)
		buf = append(buf, ':')
		buf = append(buf, field...)
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// folio_entry_hash is entryHash inside SQLite, for walking the chain
// without reading every field of every entry into Go.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("folio_entry_hash", 11, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		fields := make([]string, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case string:
				fields[i] = v
			case int64:
				fields[i] = strconv.FormatInt(v, 10)
			case []byte:
				fields[i] = string(v)
			case nil:
			default:
				fields[i] = fmt.Sprint(v)
			}
		}
		return entryHash(fields...), nil
	})
}

// seal is the entry's seal under key.
func seal(key []byte, hash string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(hash))
	return hex.EncodeToString(m.Sum(nil))
}

// AppendAudit adds e at the end of the chain, in the caller's transaction
// so that the entry commits exactly when the change it records does.
//
// In a write transaction the entry is written when the next one is, or
// just before the transaction commits, so that it records the row versions
// of every covered row the transaction wrote up to then (see
// audit_rows.go): a use-case may write its rows before or after auditing.
func (t *Tx) AppendAudit(e AuditEntry) error {
	if t.capture == nil {
		return t.appendEntry(e, nil)
	}
	if err := t.flushAudit(); err != nil {
		return err
	}
	t.pendingEntry = &e
	return nil
}

// flushAudit writes the entry AppendAudit holds, with the rows written so
// far.
func (t *Tx) flushAudit() error {
	if t.pendingEntry == nil {
		return nil
	}
	e := *t.pendingEntry
	t.pendingEntry = nil
	if err := t.ensureKey(e.At); err != nil {
		return err
	}
	rows, err := t.capturedRows()
	if err != nil {
		return err
	}
	rows = mergeRows(t.carried(), rows)
	t.setCarried(nil)
	t.wroteEntry = true
	return t.appendEntry(e, rows)
}

// finishAudit runs before a write transaction commits: the entry held is
// written. Rows that Folio changed in a transaction that wrote no entry
// (none of Folio's use-cases does so; a test or a start-up step may) are
// recorded as they are at this commit and carried to the next entry, or
// get an entry of their own at the next checkpoint or on close
// (FlushCarried): no write of Folio's goes unrecorded.
func (t *Tx) finishAudit() error {
	if t.capture == nil {
		return nil
	}
	if t.pendingEntry != nil {
		return t.flushAudit()
	}
	if t.capture.empty() {
		return nil
	}
	rows, err := t.capturedRows()
	if err != nil || len(rows) == 0 {
		return err
	}
	t.setCarried(mergeRows(t.carried(), rows))
	return nil
}

// carried is the rows waiting for an entry, as this transaction sees them.
func (t *Tx) carried() []rowRecord {
	if t.carrySet {
		return t.carry
	}
	if t.d == nil {
		return nil
	}
	t.d.carryMu.Lock()
	defer t.d.carryMu.Unlock()
	return t.d.carried
}

func (t *Tx) setCarried(rows []rowRecord) { t.carry, t.carrySet = rows, true }

// mergeRows adds later rows to earlier ones; a row in both keeps its later
// version (and what Folio found of it first).
func mergeRows(earlier, later []rowRecord) []rowRecord {
	if len(earlier) == 0 {
		return later
	}
	at := map[string]int{}
	out := append([]rowRecord(nil), earlier...)
	for i, r := range out {
		at[rowID(r.table, r.key)] = i
	}
	for _, r := range later {
		if i, ok := at[rowID(r.table, r.key)]; ok {
			if r.found.hash == nil {
				r.found = out[i].found
			}
			out[i] = r
			continue
		}
		at[rowID(r.table, r.key)] = len(out)
		out = append(out, r)
	}
	return out
}

// FlushCarried gives the rows carried from transactions that wrote no
// entry an entry of their own.
func (d *DB) FlushCarried(ctx context.Context) error {
	d.carryMu.Lock()
	n := len(d.carried)
	d.carryMu.Unlock()
	if n == 0 {
		return nil
	}
	return d.Update(ctx, func(tx *Tx) error {
		rows := tx.carried()
		if len(rows) == 0 {
			return nil
		}
		return tx.AppendAudit(AuditEntry{At: time.Now(), Username: "folio", Action: "record.write", Detail: describeRows(rows)})
	})
}

// chainHead is the last entry's number and hash; 0 and "" for an empty
// chain.
func (t *Tx) chainHead() (int64, string, error) {
	var seq int64
	var hash string
	err := t.queryRow("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("read audit chain head: %w", err)
	}
	return seq, hash, nil
}

// appendEntry writes e, with rows, after the chain's head.
func (t *Tx) appendEntry(e AuditEntry, rows []rowRecord) error {
	lastSeq, _, err := t.chainHead()
	if err != nil {
		return err
	}
	digest := ""
	if len(rows) > 0 || (lastSeq == 0 && t.sealedSchema()) {
		slices.SortFunc(rows, rowRecord.less)
		dg := newRowsDigest()
		for _, r := range rows {
			if err := t.insertRow(lastSeq+1, r); err != nil {
				return err
			}
			dg.add(r)
		}
		digest = dg.sum()
		if lastSeq == 0 { // the first entry covers the rows a new database began with, too
			if digest, err = t.rowsDigestOf(1); err != nil {
				return err
			}
		}
	}
	return t.appendEntryDigest(e, digest)
}

// appendEntryDigest writes e after the chain's head, its rows recorded
// already with the given digest.
func (t *Tx) appendEntryDigest(e AuditEntry, digest string) error {
	lastSeq, lastHash, err := t.chainHead()
	if err != nil {
		return err
	}
	e.Seq = lastSeq + 1
	e.PrevHash = lastHash
	e.RowsHash = digest
	e.Hash = e.computeHash()
	if key := t.keyState().sealKey(); key != nil {
		e.Seal = seal(key, e.Hash)
	}
	if !t.sealedSchema() {
		_, err = t.exec(`INSERT INTO audit (seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, formatTime(e.At), e.UserID, e.Username, e.Action, e.PatientID, e.Record, e.Workstation, e.Detail, e.PrevHash, e.Hash)
	} else {
		_, err = t.exec(`INSERT INTO audit (seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash, rows_hash, seal)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, formatTime(e.At), e.UserID, e.Username, e.Action, e.PatientID, e.Record, e.Workstation, e.Detail, e.PrevHash, e.Hash,
			e.RowsHash, e.Seal)
	}
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	t.head = &chainPoint{Entries: e.Seq, Head: e.Hash}
	return nil
}

// sealedSchema tells whether the audit table has schema 19's columns.
func (t *Tx) sealedSchema() bool {
	if t.d != nil && !t.migrating {
		return t.d.sealed
	}
	return t.hasColumn("audit", "seal")
}

func (t *Tx) hasColumn(table, column string) bool {
	var n int
	err := t.queryRow(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n)
	return err == nil && n > 0
}

func (t *Tx) hasTable(name string) bool {
	var n int
	err := t.queryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return err == nil && n > 0
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// AuditFilter narrows an audit listing; zero values do not filter.
type AuditFilter struct {
	Username  string
	Action    string
	PatientID string
	From      time.Time
	To        time.Time // exclusive
	BeforeSeq int64
	Limit     int
}

// AuditEntryView is an entry as listed, with the patient's MRN.
type AuditEntryView struct {
	AuditEntry
	PatientMRN string
}

// Audit lists entries newest first.
func (t *Tx) Audit(f AuditFilter) ([]AuditEntryView, error) {
	if err := t.flushAudit(); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.Username != "" {
		where = append(where, "a.username = ? COLLATE NOCASE")
		args = append(args, f.Username)
	}
	if f.Action != "" {
		where = append(where, "a.action LIKE ? ESCAPE '\\'")
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.PatientID != "" {
		where = append(where, "a.patient_id = ?")
		args = append(args, f.PatientID)
	}
	if !f.From.IsZero() {
		where = append(where, "a.at >= ?")
		args = append(args, formatTime(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "a.at < ?")
		args = append(args, formatTime(f.To))
	}
	if f.BeforeSeq > 0 {
		where = append(where, "a.seq < ?")
		args = append(args, f.BeforeSeq)
	}
	q := `SELECT a.seq, a.at, a.user_id, a.username, a.action, a.patient_id, a.record, a.workstation, a.detail,
		a.prev_hash, a.hash, coalesce(p.mrn, '')
		FROM audit a LEFT JOIN patients p ON p.id = a.patient_id AND a.patient_id <> ''`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.seq DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntryView
	for rows.Next() {
		var v AuditEntryView
		var at string
		if err := rows.Scan(&v.Seq, &at, &v.UserID, &v.Username, &v.Action, &v.PatientID, &v.Record,
			&v.Workstation, &v.Detail, &v.PrevHash, &v.Hash, &v.PatientMRN); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		v.At = parseTime(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// AuditCheck is the result of walking the whole chain.
type AuditCheck struct {
	Entries int64
	// Problem is empty when the chain is intact; otherwise it names the
	// first entry where it breaks.
	Problem string
}

// VerifyAudit walks the chain from the first entry, recomputing each hash,
// the digest of the rows each entry wrote, and each seal (when the clinic's
// key is here). CheckAudit checks more: checkpoints, rows, schema.
func (t *Tx) VerifyAudit() (AuditCheck, error) {
	if err := t.flushAudit(); err != nil {
		return AuditCheck{}, err
	}
	w, err := t.walkChain(1, t.keyState().sealKey(), nil)
	if err != nil {
		return AuditCheck{}, err
	}
	if w.problem == "" {
		w.problem = w.orphans
	}
	return AuditCheck{Entries: w.good, Problem: w.problem}, nil
}

// chainPoint is the chain's head at a moment: how many entries and the
// last one's hash.
type chainPoint struct {
	Entries int64
	Head    string
}

// chainWalk is what walking the chain found.
type chainWalk struct {
	good       int64 // entries that verified before the first problem
	headSeq    int64 // the last entry read
	headHash   string
	hashAt     map[int64]string // the hashes of the entries asked for
	problem    string           // the first problem, "" if none
	problemSeq int64
	// sealedFrom is the first sealed entry; every entry after it must be
	// sealed too. unchecked counts seals not checked for want of the key.
	sealedFrom int64
	unchecked  int64
	// orphans names rows recorded for entries after the head, which the
	// chain alone does not show missing.
	orphans   string
	orphanSeq int64
}

// fail records a problem at entry seq, keeping the earliest.
func (w *chainWalk) fail(seq int64, problem string) {
	if w.problem == "" || seq < w.problemSeq {
		w.problem, w.problemSeq = problem, seq
	}
}

// walkChain verifies the chain from entry from on (from 1: the whole
// chain; later: the entries after a checkpoint, taking entry from's own
// link as given). It stops at the first problem. sealKey nil leaves seals
// unchecked. The hashes of the entries in want are kept in hashAt, as is
// from's.
func (t *Tx) walkChain(from int64, sealKey []byte, want map[int64]bool) (*chainWalk, error) {
	w := &chainWalk{hashAt: map[int64]string{}}
	sealed := t.sealedSchema()
	q := `SELECT seq, at, prev_hash, hash, '', '',
		folio_entry_hash(seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, '')
		FROM audit WHERE seq >= ? ORDER BY seq`
	if sealed {
		q = `SELECT seq, at, prev_hash, hash, rows_hash, seal,
		folio_entry_hash(seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, rows_hash)
		FROM audit WHERE seq >= ? ORDER BY seq`
	}
	rows, err := t.query(q, from)
	if err != nil {
		return w, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var digests *rowsDigester
	if sealed {
		rowsFrom := from
		if from == 1 {
			rowsFrom = 0
		}
		if digests, err = t.newRowsDigester(rowsFrom); err != nil {
			return w, err
		}
		defer digests.close()
	}
	var mac hash.Hash
	if sealKey != nil {
		mac = hmac.New(sha256.New, sealKey)
	}
	prevSeq, prevHash := from-1, ""
	var e AuditEntry
	var at, computed string
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &at, &e.PrevHash, &e.Hash, &e.RowsHash, &e.Seal, &computed); err != nil {
			return w, fmt.Errorf("read audit: %w", err)
		}
		if e.Seq == from && from > 1 {
			prevHash = e.PrevHash // the checkpoint vouches for what comes before
		}
		switch {
		case !validTime(at):
			w.fail(e.Seq, fmt.Sprintf("entry %d has a malformed time %q", e.Seq, at))
		case e.Seq != prevSeq+1:
			w.fail(prevSeq+1, fmt.Sprintf("entries %d to %d are missing", prevSeq+1, e.Seq-1))
		case e.PrevHash != prevHash:
			w.fail(e.Seq, fmt.Sprintf("entry %d does not follow entry %d (removed, reordered or changed)", e.Seq, prevSeq))
		case computed != e.Hash:
			w.fail(e.Seq, fmt.Sprintf("entry %d was changed after it was written", e.Seq))
		}
		if w.problem == "" && digests != nil {
			digest, err := digests.digestOf(e.Seq)
			if err != nil {
				return w, err
			}
			if digest != e.RowsHash {
				w.fail(e.Seq, fmt.Sprintf("entry %d: the record of the rows it wrote was changed after it was written", e.Seq))
			}
		}
		if w.problem == "" {
			w.checkSeal(e, mac)
		}
		if w.problem != "" {
			return w, nil
		}
		w.good++
		prevSeq, prevHash = e.Seq, e.Hash
		w.headSeq, w.headHash = e.Seq, e.Hash
		if want[e.Seq] || e.Seq == from {
			w.hashAt[e.Seq] = e.Hash
		}
	}
	if err := rows.Err(); err != nil {
		return w, fmt.Errorf("read audit: %w", err)
	}
	if digests != nil {
		if seq, err := digests.leftover(w.headSeq); err != nil {
			return w, err
		} else if seq >= 0 && w.problem == "" {
			// The chain itself holds up to its head: a checkpoint says
			// more, so this does not stop the comparison with them.
			w.orphans = fmt.Sprintf("rows are recorded for entry %d, which is not in the audit trail: the entries from %d on were removed", seq, seq)
			w.orphanSeq = seq
		}
	}
	return w, nil
}

// validTime tells whether s is a time as Folio stores it.
func validTime(s string) bool {
	t, err := time.Parse(timeLayout, s)
	return err == nil && formatTime(t) == s
}

func (w *chainWalk) checkSeal(e AuditEntry, mac hash.Hash) {
	if e.Seal == "" {
		if w.sealedFrom > 0 {
			w.fail(e.Seq, fmt.Sprintf("entry %d carries no seal, though the entries before it do: it was added or rewritten outside Folio", e.Seq))
		}
		return
	}
	if w.sealedFrom == 0 {
		w.sealedFrom = e.Seq
	}
	if mac == nil {
		w.unchecked++
		return
	}
	mac.Reset()
	mac.Write([]byte(e.Hash))
	got, err := hex.DecodeString(e.Seal)
	if err != nil || !hmac.Equal(mac.Sum(nil), got) {
		w.fail(e.Seq, fmt.Sprintf("entry %d was not written by Folio: its seal does not match the clinic's key (added or rewritten outside Folio)", e.Seq))
	}
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
