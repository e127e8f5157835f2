package replicate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"

	"folio/db"
)

// Bounds is the span of time a replica can restore: any moment from First
// to Last.
type Bounds struct {
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// RestorePoints says what span of time t can restore; ErrNothingThere when
// it holds nothing.
func RestorePoints(ctx context.Context, t Target) (Bounds, error) {
	client, err := t.client()
	if err != nil {
		return Bounds{}, err
	}
	if err := client.Init(ctx); err != nil {
		return Bounds{}, fmt.Errorf("cannot reach %s: %w", t, err)
	}
	r := litestream.NewReplicaWithClient(nil, client)
	first, last, err := r.TimeBounds(ctx)
	if err != nil {
		return Bounds{}, fmt.Errorf("read what %s holds: %w", t, err)
	}
	if last.IsZero() {
		return Bounds{}, fmt.Errorf("%s: %w", t, ErrNothingThere)
	}
	return Bounds{First: first, Last: last}, nil
}

// Restore writes the database as t holds it to out (which must not exist):
// its latest state, or its state at the moment at when at is not zero.
// The file is checked whole (integrity_check) before Restore returns; out
// is removed when anything fails.
func Restore(ctx context.Context, t Target, out string, at time.Time) error {
	client, err := t.client()
	if err != nil {
		return err
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%s already exists", out)
	}
	if err := client.Init(ctx); err != nil {
		return fmt.Errorf("cannot reach %s: %w", t, err)
	}
	r := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = out
	opt.Timestamp = at
	opt.IntegrityCheck = litestream.IntegrityCheckFull
	if err := r.Restore(ctx, opt); err != nil {
		RemoveRestored(out)
		switch {
		case errors.Is(err, litestream.ErrNoSnapshots) || errors.Is(err, litestream.ErrTxNotAvailable):
			if at.IsZero() {
				return fmt.Errorf("%s: %w", t, ErrNothingThere)
			}
			return fmt.Errorf("%s holds nothing as early as %s; choose a later time", t, at.Local().Format("2006-01-02 15:04:05"))
		}
		return fmt.Errorf("restore from %s: %w", t, err)
	}
	return nil
}

// RemoveRestored removes a restore's output and what Litestream keeps
// beside it.
func RemoveRestored(out string) {
	for _, p := range []string{out, out + "-wal", out + "-shm", litestream.TXIDPath(out)} {
		os.Remove(p)
	}
}

// KeyCopy is where a folder replica keeps a copy of the clinic's key (the
// key signs the audit trail; a clinic restored without it cannot sign):
// "" for the other kinds, whose clinics keep the key with their backups.
func KeyCopy(t Target) string {
	if t.Kind != Folder {
		return ""
	}
	return filepath.Join(t.Path, db.KeyFileName)
}

// copyKey puts the data folder's key beside a folder replica, owner-only,
// unless the same key is there already.
func copyKey(dbPath string, t Target) error {
	dest := KeyCopy(t)
	if dest == "" {
		return nil
	}
	key, err := os.ReadFile(filepath.Join(filepath.Dir(dbPath), db.KeyFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a clinic without its key yet (before its first audit entry)
	}
	if err != nil {
		return fmt.Errorf("read the clinic's key: %w", err)
	}
	if there, err := os.ReadFile(dest); err == nil && bytes.Equal(there, key) {
		return nil
	}
	tmp := dest + ".partial"
	if err := os.WriteFile(tmp, key, 0o600); err != nil {
		return fmt.Errorf("copy the clinic's key to %s: %w", t, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("copy the clinic's key to %s: %w", t, err)
	}
	return nil
}
