package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"folio/db"
)

// The audit trail's anchors outside the database: Folio signs the chain's
// head with the clinic's key (a checkpoint, db/checkpoints.go) when it
// opens and closes the clinic, before every backup and after every export,
// and while it runs once checkpointEvery entries have been written since
// the last checkpoint, or checkpointAfter has passed since the first of
// them. A hundred entries is a few minutes of a busy clinic's work and a
// minute is short enough that little of the trail is ever unsigned, while
// a checkpoint (a signature, a row and a line appended to
// folio.checkpoints, synced) costs about a millisecond: the trail between
// two checkpoints is covered by each entry's seal all the same.
const (
	checkpointEvery = 100
	checkpointAfter = time.Minute
)

// checkpointer writes the periodic checkpoints of one App.
type checkpointer struct {
	running  sync.Mutex // held while the timer's checkpoint runs, so that closing waits for it
	mu       sync.Mutex
	timer    *time.Timer
	closed   bool
	reported string // the last refusal logged, so that a damaged trail is logged once
}

// checkpoint signs the chain's head now (see db.DB.Checkpoint); force
// signs it even when the last checkpoint did.
func (a *App) checkpoint(reason string, force bool) (db.Checkpoint, bool, error) {
	// Not cancelled with the App's context: Ctrl+C cancels it, and the
	// checkpoint on close is the one that matters most.
	c, written, err := a.db.Checkpoint(context.WithoutCancel(a.ctx), reason, a.now(), force)
	if err != nil {
		a.logCheckpointRefusal(err)
	}
	return c, written, err
}

func (a *App) logCheckpointRefusal(err error) {
	a.checkpoints.mu.Lock()
	defer a.checkpoints.mu.Unlock()
	if err.Error() == a.checkpoints.reported {
		return
	}
	a.checkpoints.reported = err.Error()
	var damaged *db.AuditDamagedError
	switch {
	case errors.Is(err, db.ErrNoKey):
		a.log.Warn("the audit trail cannot be signed: the clinic's key file is missing", "keyFile", a.db.KeyStatus().KeyFile)
	case errors.As(err, &damaged):
		a.log.Error("the audit trail does not verify, so Folio did not sign it; folio check lists every problem", "problem", damaged.Problem)
	default:
		a.log.Error("sign the audit trail", "err", err)
	}
}

// afterWrite runs after each use-case: it signs the head once enough
// entries are unsigned (or none ever was), or makes sure a timer will.
func (a *App) afterWrite() {
	unsigned := a.db.Head() - a.db.LastCheckpointEntries()
	if unsigned <= 0 || !a.db.KeyStatus().Present {
		return
	}
	if unsigned >= checkpointEvery || a.db.LastCheckpointEntries() == 0 {
		// The first entries of a clinic are signed at once: from then on
		// a clinic without checkpoints is one whose checkpoints were removed.
		a.checkpoint("periodic", false)
		return
	}
	cp := &a.checkpoints
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.timer != nil || cp.closed {
		return
	}
	cp.timer = time.AfterFunc(checkpointAfter, func() {
		cp.running.Lock()
		defer cp.running.Unlock()
		cp.mu.Lock()
		cp.timer = nil
		closed := cp.closed
		cp.mu.Unlock()
		if !closed {
			a.checkpoint("periodic", false)
		}
	})
}

// stopCheckpoints stops the timer and signs the head a last time, before
// the database closes.
func (a *App) stopCheckpoints() {
	cp := &a.checkpoints
	cp.mu.Lock()
	if cp.closed {
		cp.mu.Unlock()
		return
	}
	cp.closed = true
	if cp.timer != nil {
		cp.timer.Stop()
		cp.timer = nil
	}
	cp.mu.Unlock()
	cp.running.Lock() // a checkpoint the timer started ends first
	defer cp.running.Unlock()
	if a.db.KeyStatus().Present {
		a.checkpoint("shutdown", false)
	}
}

// startCheckpoints signs the head when Folio opens, if it changed since the
// last checkpoint (an upgrade's baseline, a restore), and says so when the
// key file is missing.
func (a *App) startCheckpoints() {
	st := a.db.KeyStatus()
	if st.Missing {
		a.log.Warn("the clinic's key file is missing: the audit trail cannot be sealed or signed, nor archives signed, until it is put back (a backup keeps it beside itself as <backup>.key)",
			"keyFile", st.KeyFile)
		return
	}
	if st.Present {
		a.checkpoint("startup", false)
	}
}

// CheckAudit checks the audit trail without a signed-in person, for
// `folio check`: the chain, its seals, its checkpoints (in the database and
// in folio.checkpoints), every covered row against its last audited write,
// and Folio's triggers.
func (a *App) CheckAudit() (db.AuditReport, error) {
	return a.db.CheckAudit(a.ctx)
}

// RestoreOptions are what `folio restore` was told.
type RestoreOptions struct {
	// AcceptDamagedAudit restores a backup whose audit trail does not
	// verify; Reason, required with it, is recorded in the restored trail.
	AcceptDamagedAudit bool
	Reason             string
	// KeyFile is the clinic's key file when it is not beside the backup.
	KeyFile string
	// Origin names where the backup came from, for the audit entry, when
	// the file itself was only a step (a replica restored into a file).
	Origin string
}

// RestoreReport is what a restore did.
type RestoreReport struct {
	Info   db.FileInfo
	Files  db.RestoreResult
	Audit  db.AuditReport // the backup's audit trail, as checked before restoring
	Damage bool           // it did not verify, and the admin accepted that
}

// AuditRefusedError refuses a backup whose audit trail does not verify.
type AuditRefusedError struct {
	Backup   string
	Problems []string
}

func (e *AuditRefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s was not restored, nothing was changed: its audit trail does not verify, so the backup may have been changed outside Folio:", e.Backup)
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p)
	}
	for _, p := range e.Problems {
		if strings.Contains(p, "key file") {
			b.WriteString("\nThe clinic's key file goes beside the backup as " + filepath.Base(e.Backup) + ".key; if it is elsewhere, name it with --key FILE.")
			break
		}
	}
	b.WriteString("\nIf this backup is all there is, restore it all the same with --accept-damaged-audit --reason \"why\": the reason and the damage are recorded in the restored audit trail.")
	return b.String()
}

// RestoreBackup replaces the chart database in dataDir with the backup at
// from, as `folio restore` does: the backup is verified (its file, its
// audit trail against its own checkpoints, the key beside it and the
// data folder's checkpoint file), and refused if its audit trail does not
// verify, unless the admin accepts that with a reason. The restore is then
// recorded in the restored trail, and its head signed. No Folio may have
// dataDir open.
func RestoreBackup(ctx context.Context, dataDir, from string, opts RestoreOptions, appOpts Options) (RestoreReport, error) {
	var r RestoreReport
	if opts.AcceptDamagedAudit && strings.TrimSpace(opts.Reason) == "" {
		return r, errorf(Invalid, "Say why the damaged audit trail is accepted, with --reason TEXT.")
	}
	info, err := db.Verify(ctx, from)
	if err != nil {
		return r, fmt.Errorf("%s cannot be restored, nothing was changed: %w", from, err)
	}
	r.Info = info
	if r.Audit, err = checkBackup(ctx, dataDir, from, opts.KeyFile); err != nil {
		return r, fmt.Errorf("%s cannot be restored, nothing was changed: %w", from, err)
	}
	if len(r.Audit.Problems) > 0 {
		if !opts.AcceptDamagedAudit {
			return r, &AuditRefusedError{Backup: from, Problems: r.Audit.Problems}
		}
		r.Damage = true
	}
	keyFile := from + ".key"
	if opts.KeyFile != "" && !fileExists(keyFile) {
		keyFile = opts.KeyFile
	}
	live := filepath.Join(dataDir, db.FileName)
	if r.Files, err = db.RestoreFilesWithKey(ctx, from, keyFile, live); err != nil {
		return r, err
	}
	if err := recordRestore(ctx, dataDir, from, opts, appOpts, &r); err != nil {
		if undoErr := db.UndoRestore(live, r.Files); undoErr != nil {
			return r, errors.Join(err, undoErr)
		}
		return r, fmt.Errorf("%s was not restored, the data folder is as it was: %w", from, err)
	}
	return r, nil
}

// recordRestore opens the restored clinic and records the restore in its
// audit trail (accepting its damage, if so), then signs the head.
func recordRestore(ctx context.Context, dataDir, from string, opts RestoreOptions, appOpts Options, r *RestoreReport) error {
	info := r.Info
	a, err := Open(ctx, dataDir, appOpts)
	if err != nil {
		return err
	}
	defer a.Close()
	who, err := a.commandLineActor("")
	if err != nil {
		who = actor{username: "folio", workstation: a.hostname + " (command line)"}
	}
	origin := from
	if opts.Origin != "" {
		origin = opts.Origin
	}
	detail := fmt.Sprintf("restored %s (%d patients, %d users)", origin, info.Patients, info.Users)
	if r.Files.KeptAs != "" {
		detail += "; the database it replaced is kept as " + r.Files.KeptAs
	}
	err = a.db.Update(ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, actor: who, now: a.now()}
		// The replica's moments before now belong to the clinic this
		// restore replaced (restore_screen.go).
		if err := tx.SetSetting(settingRestoredAt, o.now.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		if !r.Damage {
			return o.audit("backup.restore", "", "", detail)
		}
		return tx.AcceptDamagedAudit(db.AuditEntry{At: o.now, UserID: who.userID, Username: who.username,
			Workstation: who.workstation, Detail: fmt.Sprintf("%s; its audit trail did not verify (%s); accepted because: %s",
				detail, strings.Join(r.Audit.Problems, "; "), strings.TrimSpace(opts.Reason))})
	})
	if err != nil {
		return err
	}
	if _, _, err := a.checkpoint("restore", true); err != nil && !errors.Is(err, db.ErrNoKey) {
		return err
	}
	return nil
}

// checkBackup checks a backup's audit trail before it is restored: against
// its own checkpoints and, when signed by the same key, the data folder's
// checkpoint file (whose checkpoints after the backup are no cut: the
// backup is older), with the key beside the backup, the one named, or the
// data folder's.
func checkBackup(ctx context.Context, dataDir, from, keyFile string) (db.AuditReport, error) {
	cps, problems, err := db.ReadCheckpointFile(filepath.Join(dataDir, db.CheckpointFileName))
	if err != nil {
		return db.AuditReport{}, err
	}
	if keyFile == "" && !fileExists(from+".key") {
		keyFile = filepath.Join(dataDir, db.KeyFileName)
	}
	return db.CheckFile(ctx, from, keyFile, db.CheckOptions{Checkpoints: cps, Problems: problems,
		Source: filepath.Join(dataDir, db.CheckpointFileName), Older: true, BackupName: filepath.Base(from)})
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
