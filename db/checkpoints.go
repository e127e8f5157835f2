package db

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A checkpoint is the audit chain's head signed with the clinic's key: how
// many entries the chain had and the last one's hash, at a time, for a
// reason (startup, shutdown, periodic, a backup, an export). It is
// Certificate Transparency's signed tree head (RFC 6962) for a hash chain:
// once a checkpoint exists outside the database, the chain can no longer be
// cut short, or rewritten up to that entry, without the difference showing.
//
// Checkpoints are kept in the database (audit_checkpoints), in every backup
// (the backup's own copy of that table, with a checkpoint of the backup's
// head added), in every clinic export (export.json), and in a file beside
// the database (folio.checkpoints, one line each, appended to, readable by
// its owner only) that `folio check` reads. Verifying one needs only the
// clinic's public key.
//
// When Folio writes them: when it opens and closes a database, before every
// backup and after every export, and while it runs once the chain has grown
// by checkpointEvery entries or a minute has passed since the first entry
// not yet signed (see app's checkpointer). Between two checkpoints each
// entry is sealed on its own (see AuditEntry.Seal), so an entry added
// outside Folio shows even before the next checkpoint.

// CheckpointFileName is the file of checkpoints beside the chart database.
const CheckpointFileName = "folio.checkpoints"

// Checkpoint is one signed head of the audit chain.
type Checkpoint struct {
	ID        int64 // its row in the database, 0 elsewhere; not signed
	Entries   int64
	Head      string // the hash of entry Entries
	At        time.Time
	Reason    string
	Signature []byte
}

// message is what the signature covers.
func (c Checkpoint) message() []byte {
	return fmt.Appendf(nil, "folio audit checkpoint v1\n%d\n%s\n%s\n%s\n", c.Entries, c.Head, formatTime(c.At), c.Reason)
}

func signCheckpoint(k ed25519.PrivateKey, c Checkpoint) Checkpoint {
	c.Reason = cleanReason(c.Reason)
	c.At = parseTime(formatTime(c.At)) // as it will be read back
	c.Signature = ed25519.Sign(k, c.message())
	return c
}

// cleanReason keeps a reason on one line of a checkpoint file.
func cleanReason(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' }), " ")
}

// SignedBy tells whether pub signed c.
func (c Checkpoint) SignedBy(pub ed25519.PublicKey) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, c.message(), c.Signature)
}

const checkpointLinePrefix = "folio-checkpoint-v1"

// Line is c as one line of a checkpoint file (or export.json).
func (c Checkpoint) Line() string {
	return strings.Join([]string{checkpointLinePrefix, strconv.FormatInt(c.Entries, 10), c.Head, formatTime(c.At),
		base64.StdEncoding.EncodeToString(c.Signature), c.Reason}, "\t")
}

// ParseCheckpoint reads a line written by Line.
func ParseCheckpoint(line string) (Checkpoint, error) {
	f := strings.SplitN(strings.TrimRight(line, "\r\n"), "\t", 6)
	if len(f) != 6 || f[0] != checkpointLinePrefix {
		return Checkpoint{}, errors.New("not a Folio checkpoint")
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || n < 1 {
		return Checkpoint{}, errors.New("not a Folio checkpoint (entry count)")
	}
	at, err := time.Parse(timeLayout, f[3])
	if err != nil {
		return Checkpoint{}, errors.New("not a Folio checkpoint (time)")
	}
	sig, err := base64.StdEncoding.DecodeString(f[4])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Checkpoint{}, errors.New("not a Folio checkpoint (signature)")
	}
	return Checkpoint{Entries: n, Head: f[2], At: at, Signature: sig, Reason: f[5]}, nil
}

// checkpointFile is the file of checkpoints beside the database at path.
func checkpointFile(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), CheckpointFileName)
}

// appendCheckpointLine appends c to the checkpoint file at path (made
// readable by its owner only) and syncs it. A line is far shorter than
// what POSIX writes at once with O_APPEND, so a backup command and a
// running Folio appending together never mix their lines.
func appendCheckpointLine(path string, c Checkpoint) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.WriteString(c.Line() + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// ReadCheckpointFile reads a checkpoint file; a missing file has none.
// Lines that are not checkpoints are returned as problems.
func ReadCheckpointFile(path string) (cps []Checkpoint, problems []string, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		c, err := ParseCheckpoint(sc.Text())
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d of %s is damaged: %v", n, path, err))
			continue
		}
		cps = append(cps, c)
	}
	if err := sc.Err(); err != nil {
		return cps, problems, fmt.Errorf("read %s: %w", path, err)
	}
	return cps, problems, nil
}

func (t *Tx) insertCheckpoint(c Checkpoint) error {
	_, err := t.exec(`INSERT INTO audit_checkpoints (entries, head, at, reason, signature) VALUES (?, ?, ?, ?, ?)`,
		c.Entries, c.Head, formatTime(c.At), c.Reason, base64.StdEncoding.EncodeToString(c.Signature))
	if err != nil {
		return fmt.Errorf("save audit checkpoint: %w", err)
	}
	return nil
}

// Checkpoints lists the checkpoints kept in the database, oldest first.
func (t *Tx) Checkpoints() ([]Checkpoint, error) {
	if !t.hasTable("audit_checkpoints") {
		return nil, nil
	}
	return queryList(t, "audit checkpoints", func(r scanner) (Checkpoint, error) {
		var c Checkpoint
		var at, sig string
		if err := r.Scan(&c.ID, &c.Entries, &c.Head, &at, &c.Reason, &sig); err != nil {
			return c, fmt.Errorf("read audit checkpoint: %w", err)
		}
		c.At = parseTime(at)
		c.Signature, _ = base64.StdEncoding.DecodeString(sig)
		return c, nil
	}, `SELECT id, entries, head, at, reason, signature FROM audit_checkpoints ORDER BY id`)
}

func (t *Tx) lastCheckpoint() (Checkpoint, bool, error) {
	var c Checkpoint
	var at, sig string
	err := t.queryRow(`SELECT id, entries, head, at, reason, signature FROM audit_checkpoints ORDER BY id DESC LIMIT 1`).
		Scan(&c.ID, &c.Entries, &c.Head, &at, &c.Reason, &sig)
	if isNoRows(err) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("read last audit checkpoint: %w", err)
	}
	c.At = parseTime(at)
	c.Signature, _ = base64.StdEncoding.DecodeString(sig)
	return c, true, nil
}

// ErrNoKey refuses to sign when the clinic's key is not here.
var ErrNoKey = errors.New("the clinic's key file is not in the data folder")

// AuditDamagedError refuses to sign a checkpoint over a chain that does
// not verify from the last checkpoint on: signing would vouch for entries
// Folio did not write.
type AuditDamagedError struct{ Problem string }

func (e *AuditDamagedError) Error() string { return "the audit trail does not verify: " + e.Problem }

// Checkpoint signs the chain's head, keeps the checkpoint in the database
// and appends it to the checkpoint file beside it. It first verifies the
// entries written since the last checkpoint (their links, hashes, rows and
// seals), and refuses with *AuditDamagedError when they do not verify.
// With force false, a head that the last checkpoint already signed is not
// signed again (written is false). An empty chain is never signed.
func (d *DB) Checkpoint(ctx context.Context, reason string, at time.Time, force bool) (c Checkpoint, written bool, err error) {
	if err := d.FlushCarried(ctx); err != nil {
		return c, false, err
	}
	err = d.Update(ctx, func(tx *Tx) error {
		k := tx.keyState()
		if k == nil || k.key == nil {
			return ErrNoKey
		}
		c, written, err = tx.signHead(*k.key, reason, at, force)
		if err != nil || !written {
			return err
		}
		// In the transaction: if the file cannot be written, the database
		// does not get a checkpoint the file lacks either.
		return appendCheckpointLine(checkpointFile(d.path), c)
	})
	if err == nil && written {
		d.lastCheckpoint.Store(&c)
	}
	return c, written, err
}

// signHead verifies the chain from its last checkpoint on and signs its
// head with k, keeping the checkpoint in the database (see Checkpoint).
func (t *Tx) signHead(k ClinicKey, reason string, at time.Time, force bool) (c Checkpoint, written bool, err error) {
	last, hasLast, err := t.lastCheckpoint()
	if err != nil {
		return c, false, err
	}
	from := int64(1)
	if hasLast {
		from = last.Entries
	}
	accepted, checkpointsBefore, err := t.acceptedFrom()
	if err != nil {
		return c, false, err
	}
	if accepted > 0 && (!hasLast || last.ID <= checkpointsBefore) {
		// The trail starts afresh at an accepted damage: what came before
		// is not signed again.
		from, hasLast = accepted, false
	}
	walk, err := t.walkChain(from, (&keyState{key: &k}).sealKey(), nil)
	if err != nil {
		return c, false, err
	}
	when := last.At.Local().Format("2006-01-02 15:04")
	switch {
	case hasLast && walk.headSeq < last.Entries:
		head, _, err := t.chainHead()
		if err != nil {
			return c, false, err
		}
		walk.fail(head+1, fmt.Sprintf("entries %d to %d, signed on %s, are missing", head+1, last.Entries, when))
	case hasLast && walk.hashAt[last.Entries] != last.Head:
		walk.fail(last.Entries, fmt.Sprintf("entry %d no longer matches the checkpoint of %s", last.Entries, when))
	}
	if walk.problem == "" {
		walk.problem = walk.orphans
	}
	if walk.problem != "" {
		return c, false, &AuditDamagedError{Problem: walk.problem}
	}
	if walk.headSeq == 0 || (!force && hasLast && walk.headSeq == last.Entries) {
		return last, false, nil
	}
	c = signCheckpoint(k.Private, Checkpoint{Entries: walk.headSeq, Head: walk.headHash, At: at, Reason: reason})
	if err := t.insertCheckpoint(c); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// LastCheckpointEntries is how many entries the last checkpoint this Folio
// wrote or found on open signed.
func (d *DB) LastCheckpointEntries() int64 {
	if c := d.lastCheckpoint.Load(); c != nil {
		return c.Entries
	}
	return 0
}

// Head is how many entries the chain had after Folio's last write.
func (d *DB) Head() int64 {
	if h := d.head.Load(); h != nil {
		return h.Entries
	}
	return 0
}
