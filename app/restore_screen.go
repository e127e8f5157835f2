package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"folio/db"
	"folio/db/replicate"
)

// Restore from the screen: the admin (or, on a PC with no clinic yet, the
// first-run screen) picks a backup, or a moment of the replica, and sees
// what it holds; on confirming, the restore is staged in the data folder
// and Folio restarts, applying it before anything opens the database
// (ApplyPendingRestore), exactly as `folio restore` does: verified, the
// replaced database kept beside it, the restore in the audit trail.

// settingRestoredAt is when the clinic was last restored: the replica's
// moments before it are another timeline (the clinic the restore replaced),
// whose audit trail diverges from this one's.
const settingRestoredAt = "backup.restored_at"

const (
	stagedFileName  = "restore-staged.db"    // a replica restored, waiting for the restart
	pendingFileName = "restore-pending.json" // what to restore at the next start
	failedFileName  = "restore-failed.json"  // a staged restore that did not apply, and why
)

// RestoreSource is what to restore: a backup (its path, as listed) or the
// replica, at its latest or at the moment At (RFC 3339). On the first-run
// screen Target names the replica (no setting exists yet) and KeyFile the
// clinic's key when the replica does not hold it.
type RestoreSource struct {
	Backup  string            `json:"backup,omitempty"`
	Replica bool              `json:"replica,omitempty"`
	At      string            `json:"at,omitempty"`
	Target  *replicate.Target `json:"target,omitempty"`
	KeyFile string            `json:"keyFile,omitempty"`
}

// RestorePreview is what a staged restore holds, for the person to confirm.
type RestorePreview struct {
	ID         string `json:"id"`
	Origin     string `json:"origin"` // in words: "the backup …", "the replica … as it was at …"
	ClinicName string `json:"clinicName"`
	Patients   int    `json:"patients"`
	Users      int    `json:"users"`
	LastEntry  string `json:"lastEntry"` // RFC 3339: the newest audit entry, the last thing done
	// Problems: its audit trail does not verify; such a restore is refused
	// here (the command line can accept it, with a reason).
	Problems []string `json:"problems,omitempty"`
	KeyFound bool     `json:"keyFound"` // the clinic's key comes with it
}

// RestoreChoices are what the admin can restore from.
type RestoreChoices struct {
	Backups []BackupFile `json:"backups"`
	// Replica is the saved replica and the span of time it can restore;
	// nil when none is set. ReplicaError says why its span is unknown.
	Replica      *ReplicaSpan `json:"replica"`
	ReplicaError string       `json:"replicaError,omitempty"`
	// LastFailure says why the last restore from the screen did not apply.
	LastFailure string `json:"lastFailure,omitempty"`
}

// ReplicaSpan is a replica and the moments it can restore.
type ReplicaSpan struct {
	Target replicate.Target `json:"target"`
	First  string           `json:"first"`
	Last   string           `json:"last"`
}

type pendingRestore struct {
	File    string `json:"file"`
	KeyFile string `json:"keyFile,omitempty"`
	Origin  string `json:"origin"`
	By      string `json:"by"`
}

// stagedRestores holds the previews made, until one is confirmed.
type stagedRestores struct {
	preparing sync.Mutex // one preparation at a time: the staged file is one
	mu        sync.Mutex
	byID      map[string]pendingRestore
	onRestart func()
}

// OnRestart tells the App how Folio restarts (the window and serve do it
// by starting afresh); without it a restore from the screen is refused.
func (a *App) OnRestart(fn func()) {
	a.staged.mu.Lock()
	defer a.staged.mu.Unlock()
	a.staged.onRestart = fn
}

// RestoreChoices lists the backups and the replica's span.
func (s *Admin) RestoreChoices() (RestoreChoices, error) {
	var saved *replicate.Target
	var since time.Time
	out := RestoreChoices{Backups: []BackupFile{}}
	err := s.app.look(s.session, permAdmin, func(o *op) (err error) {
		saved, err = savedReplica(o.Tx)
		if err == nil {
			since, err = restoredAt(o.Tx)
		}
		return err
	})
	if err != nil {
		return RestoreChoices{}, err
	}
	for _, path := range listBackups(s.app.dataDir) {
		if f, err := backupFile(path); err == nil {
			out.Backups = append(out.Backups, f)
		}
	}
	if saved != nil {
		ctx, cancel := context.WithTimeout(s.app.ctx, 20*time.Second)
		defer cancel()
		if b, err := replicate.RestorePoints(ctx, *saved); err != nil {
			out.ReplicaError = err.Error()
		} else {
			if since.After(b.First) && since.Before(b.Last) {
				b.First = since
			}
			out.Replica = &ReplicaSpan{Target: saved.Public(), First: b.First.Format(time.RFC3339), Last: b.Last.Format(time.RFC3339)}
		}
	}
	if raw, err := os.ReadFile(filepath.Join(s.app.dataDir, failedFileName)); err == nil {
		var f struct{ Error string }
		if json.Unmarshal(raw, &f) == nil {
			out.LastFailure = f.Error
		}
	}
	return out, nil
}

// PrepareRestore stages src (a replica is restored into the data folder;
// a backup is checked where it is) and says what it holds.
func (s *Admin) PrepareRestore(src RestoreSource) (RestorePreview, error) {
	var preview RestorePreview
	prepare := func() error {
		var saved *replicate.Target
		if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) (err error) {
			saved, err = savedReplica(tx)
			return err
		}); err != nil {
			return err
		}
		if src.Replica {
			if saved == nil {
				return errorf(Conflict, "No replica is set: choose a backup, or set a replica first.")
			}
			src.Target = saved
			var since time.Time
			if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) (err error) {
				since, err = restoredAt(tx)
				return err
			}); err != nil {
				return err
			}
			if at, err := time.Parse(time.RFC3339, src.At); err == nil && at.Before(since) {
				return &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"at": fmt.Sprintf(
					"Choose a moment after %s: before it, the replica holds the clinic as it was before that day's restore (folio restore --from-replica can still bring that back, into another data folder)",
					since.Local().Format("2006-01-02 15:04:05"))}}
			}
		} else {
			src.Target = nil
		}
		if src.Backup != "" && !isListedBackup(s.app.dataDir, src.Backup) {
			return &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"backup": "Choose a backup from the list"}}
		}
		var err error
		preview, err = s.app.stageRestore(src)
		return err
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		return o.audit("backup.restore_preview", "", "", preview.Origin)
	})
	if err != nil {
		return RestorePreview{}, err
	}
	return preview, nil
}

// RestoreNow confirms a staged restore: Folio restarts on it. The request
// is recorded in the trail being replaced; the restore itself in the
// restored one.
func (s *Admin) RestoreNow(id string) error {
	var p pendingRestore
	prepare := func() error {
		var err error
		p, err = s.app.takeStaged(id)
		return err
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		p.By = o.actor.username
		return o.audit("backup.restore_requested", "", "", p.Origin+"; Folio restarts on it")
	})
	if err != nil {
		return err
	}
	return s.app.restartOn(p)
}

// PrepareClinicRestore is PrepareRestore for the first-run screen of a PC
// with no clinic yet: from a replica named in full, or a backup file on
// this PC. Anyone at the PC may, as anyone may set up a new clinic there.
func (s *Auth) PrepareClinicRestore(src RestoreSource) (RestorePreview, error) {
	if err := s.app.noClinicYet(); err != nil {
		return RestorePreview{}, err
	}
	src.Replica = src.Target != nil
	if src.Target != nil {
		t := trimTarget(*src.Target)
		if err := t.Check(); err != nil {
			return RestorePreview{}, targetError(err)
		}
		src.Target = &t
	} else if strings.TrimSpace(src.Backup) == "" {
		return RestorePreview{}, &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"backup": "Give the backup file's whole path, or choose a replica"}}
	}
	return s.app.stageRestore(src)
}

// RestoreClinicNow confirms the first-run screen's restore: Folio restarts
// on the restored clinic, whose people then sign in.
func (s *Auth) RestoreClinicNow(id string) error {
	if err := s.app.noClinicYet(); err != nil {
		return err
	}
	p, err := s.app.takeStaged(id)
	if err != nil {
		return err
	}
	p.By = "the first-run screen"
	return s.app.restartOn(p)
}

func (a *App) noClinicYet() error {
	return a.db.View(a.ctx, func(tx *db.Tx) error {
		n, err := tx.CountUsers()
		if err != nil {
			return err
		}
		if n > 0 {
			return errorf(Conflict, "This PC already holds a clinic: an admin restores it from Admin > Backups.")
		}
		return nil
	})
}

func restoredAt(tx *db.Tx) (time.Time, error) {
	v, ok, err := tx.Setting(settingRestoredAt)
	if err != nil || !ok {
		return time.Time{}, err
	}
	t, _ := time.Parse(time.RFC3339, v)
	return t, nil
}

func isListedBackup(dataDir, path string) bool {
	for _, p := range listBackups(dataDir) {
		if p == path {
			return true
		}
	}
	return false
}

// stageRestore makes src ready to apply: a replica is restored into the
// staged file; either is then verified as `folio restore` would.
func (a *App) stageRestore(src RestoreSource) (RestorePreview, error) {
	if !a.staged.preparing.TryLock() {
		return RestorePreview{}, errorf(Conflict, "Another restore is being prepared on this Folio (by another admin, or in another window): wait for it, then try again.")
	}
	defer a.staged.preparing.Unlock()
	var at time.Time
	if src.At != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, src.At); err != nil {
			return RestorePreview{}, &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"at": "Choose a date and time"}}
		}
	}
	p := pendingRestore{KeyFile: strings.TrimSpace(src.KeyFile)}
	if src.Target != nil {
		p.File = filepath.Join(a.dataDir, stagedFileName)
		replicate.RemoveRestored(p.File)
		ctx, cancel := context.WithTimeout(a.ctx, 30*time.Minute)
		defer cancel()
		if err := replicate.Restore(ctx, *src.Target, p.File, at); err != nil {
			if errors.Is(err, replicate.ErrNothingThere) {
				return RestorePreview{}, errorf(NotFound, "%s", err.Error())
			}
			return RestorePreview{}, errorf(Invalid, "%s", err.Error())
		}
		p.Origin = "the replica in " + src.Target.String()
		if !at.IsZero() {
			p.Origin += " as it was at " + at.Local().Format("2006-01-02 15:04:05")
		}
		if p.KeyFile == "" {
			if k := replicate.KeyCopy(*src.Target); k != "" && fileExists(k) {
				p.KeyFile = k
			}
		}
	} else {
		p.File = strings.TrimSpace(src.Backup)
		p.Origin = "the backup " + p.File
	}
	info, err := db.Verify(a.ctx, p.File)
	if err != nil {
		return RestorePreview{}, errorf(Invalid, "%s cannot be restored: %s", p.Origin, err.Error())
	}
	check, err := checkBackup(a.ctx, a.dataDir, p.File, p.KeyFile)
	if err != nil {
		return RestorePreview{}, errorf(Invalid, "%s cannot be restored: %s", p.Origin, err.Error())
	}
	keyFile := p.KeyFile
	if keyFile == "" {
		keyFile = p.File + ".key"
	}
	preview := RestorePreview{Origin: p.Origin, ClinicName: info.ClinicName, Patients: info.Patients, Users: info.Users,
		Problems: check.Problems, KeyFound: fileExists(keyFile) || fileExists(filepath.Join(a.dataDir, db.KeyFileName)),
		LastEntry: info.LastEntry}
	if len(check.Problems) > 0 {
		return preview, &Error{Kind: Conflict, Message: fmt.Sprintf("%s cannot be restored from the screen: its audit trail does not verify (%s). An admin can still restore it with folio restore --accept-damaged-audit.",
			p.Origin, strings.Join(check.Problems, "; "))}
	}
	id := make([]byte, 12)
	rand.Read(id)
	preview.ID = hex.EncodeToString(id)
	a.staged.mu.Lock()
	if a.staged.byID == nil {
		a.staged.byID = map[string]pendingRestore{}
	}
	clear(a.staged.byID) // one staged restore at a time: the staged file is one
	a.staged.byID[preview.ID] = p
	a.staged.mu.Unlock()
	return preview, nil
}

func (a *App) takeStaged(id string) (pendingRestore, error) {
	a.staged.mu.Lock()
	defer a.staged.mu.Unlock()
	p, ok := a.staged.byID[id]
	if !ok {
		return p, errorf(Conflict, "That restore is no longer prepared: choose what to restore again.")
	}
	if a.staged.onRestart == nil {
		return p, errorf(Conflict, "This Folio cannot restart by itself: restore with folio restore on the command line.")
	}
	delete(a.staged.byID, id)
	return p, nil
}

// restartOn writes the pending restore and has Folio restart, once the
// answer to this call has gone out.
func (a *App) restartOn(p pendingRestore) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	path := filepath.Join(a.dataDir, pendingFileName)
	if err := os.WriteFile(path+".partial", raw, 0o600); err != nil {
		return fmt.Errorf("stage the restore: %w", err)
	}
	if err := os.Rename(path+".partial", path); err != nil {
		return fmt.Errorf("stage the restore: %w", err)
	}
	os.Remove(filepath.Join(a.dataDir, failedFileName))
	a.staged.mu.Lock()
	restart := a.staged.onRestart
	a.staged.mu.Unlock()
	time.AfterFunc(300*time.Millisecond, restart)
	return nil
}

// PendingRestore is what ApplyPendingRestore did.
type PendingRestore struct {
	Origin string
	Report RestoreReport
}

// ApplyPendingRestore applies a restore staged from the screen, before
// Folio opens the data folder; ok is false when none was staged. A restore
// that fails leaves the data folder as it was and its reason for the
// admin's screen.
func ApplyPendingRestore(ctx context.Context, dataDir string, opts Options) (PendingRestore, bool, error) {
	path := filepath.Join(dataDir, pendingFileName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return PendingRestore{}, false, nil
	}
	if err != nil {
		return PendingRestore{}, true, err
	}
	var p pendingRestore
	if err := json.Unmarshal(raw, &p); err != nil {
		os.Remove(path)
		return PendingRestore{}, true, fmt.Errorf("the staged restore %s is unreadable: %w", path, err)
	}
	report, err := RestoreBackup(ctx, dataDir, p.File, RestoreOptions{KeyFile: p.KeyFile, Origin: p.Origin + " (from the screen, by " + p.By + ")"}, opts)
	os.Remove(path)
	if filepath.Base(p.File) == stagedFileName {
		replicate.RemoveRestored(p.File)
	}
	if err != nil {
		failed, _ := json.Marshal(map[string]string{"Error": fmt.Sprintf("%s was not restored: %v", p.Origin, err)})
		os.WriteFile(filepath.Join(dataDir, failedFileName), failed, 0o600)
		return PendingRestore{Origin: p.Origin}, true, err
	}
	return PendingRestore{Origin: p.Origin, Report: report}, true, nil
}
