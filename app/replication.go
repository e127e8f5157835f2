package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"folio/db"
	"folio/db/replicate"
)

// Continuous replication: while Folio serves the clinic (the window, serve,
// serve --lan), Litestream streams every committed transaction of the chart
// database to the replica the admin chose, within about a second. The
// setting is kept in the database (it travels with a restore); its secrets
// never leave Folio's side of the API.
//
// A replica starts as soon as it is saved. Stopping or changing one takes
// effect at Folio's next start: Litestream, used as a library, may let go
// of the database only after Folio's own connections have (on POSIX its
// file handle's close drops the process's locks on the file).

const settingReplica = "replication.target"

// replicaBehindWarning: a replica further behind than this is shown to the
// admin on every screen.
const replicaBehindWarning = 3 * time.Minute

type replication struct {
	mu      sync.Mutex
	running *replicate.Replicator
	failed  string // why the saved replica could not start, "" if it did
}

// Replication is the admin's view of the replica: the one running, and the
// one saved for the next start when they differ.
type Replication struct {
	Running *replicate.Status `json:"running"` // nil when Folio replicates nowhere
	// Saved is the replica in the settings, without its secrets; nil for none.
	Saved *replicate.Target `json:"saved"`
	// AtNextStart: the saved setting differs from what runs and takes
	// effect when Folio next starts.
	AtNextStart bool `json:"atNextStart"`
	// Failed says why the saved replica is not running.
	Failed string `json:"failed,omitempty"`
	// Behind: the replica lacks writes older than replicaBehindWarning, or
	// its last attempt failed and it holds nothing newer.
	Behind bool `json:"behind"`
	// Warning is the sentence the admin's banner shows, "" when all is well.
	Warning string `json:"warning,omitempty"`
}

// Replication says where the chart database is replicated and how far the
// replica has got.
func (s *Admin) Replication() (Replication, error) {
	var out Replication
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		saved, err := savedReplica(o.Tx)
		if err != nil {
			return err
		}
		out = s.app.replicationView(saved)
		return nil
	})
	return answer(out, err)
}

// ReplicaInput is the replica form; an empty password or secret key keeps
// the saved one, for a replica with the same server and user.
type ReplicaInput = replicate.Target

// SetReplica checks that the replica can be reached and written, saves it,
// and (when none runs yet) starts replicating to it at once.
func (s *Admin) SetReplica(in ReplicaInput) (Replication, error) {
	var saved *replicate.Target
	prepare := func() error {
		in = trimTarget(in)
		if err := s.app.db.View(s.app.ctx, func(tx *db.Tx) (err error) {
			saved, err = savedReplica(tx)
			return err
		}); err != nil {
			return err
		}
		in = keepSecrets(in, saved)
		if err := in.Check(); err != nil {
			return targetError(err)
		}
		if err := replicate.Reach(s.app.ctx, in); err != nil {
			return &Error{Kind: Invalid, Message: "Folio could not reach the replica: " + err.Error(), Fields: map[string]string{reachField(in): "Could not connect with this"}}
		}
		return nil
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if err := o.SetSetting(settingReplica, string(raw)); err != nil {
			return err
		}
		return o.audit("replication.set", "", "", "replicate to "+in.String())
	})
	if err != nil {
		return Replication{}, err
	}
	s.app.startReplication(in)
	return s.Replication()
}

// StopReplica stops replicating (at Folio's next start, see above); reason
// is kept in the audit trail.
func (s *Admin) StopReplica(reason string) (Replication, error) {
	reason = strings.TrimSpace(reason)
	prepare := func() error {
		if reason == "" {
			return &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{"reason": "Say why the clinic stops replicating"}}
		}
		return nil
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		saved, err := savedReplica(o.Tx)
		if err != nil {
			return err
		}
		if saved == nil {
			return errorf(Conflict, "Folio replicates nowhere: there is nothing to stop")
		}
		if err := o.SetSetting(settingReplica, ""); err != nil {
			return err
		}
		return o.audit("replication.stop", "", "", fmt.Sprintf("stop replicating to %s: %s", saved, reason))
	})
	if err != nil {
		return Replication{}, err
	}
	s.app.replication.mu.Lock()
	s.app.replication.failed = "" // what did not start is no longer asked for
	s.app.replication.mu.Unlock()
	return s.Replication()
}

// StartReplication starts replicating to the saved replica, if there is
// one; the window and serve call it once Folio serves the clinic. A replica
// that cannot start is logged and said on the admin's screen; Folio serves
// all the same. It answers a line for serve's first lines.
func (a *App) StartReplication() string {
	var saved *replicate.Target
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		saved, err = savedReplica(tx)
		return err
	})
	if err != nil {
		a.log.Error("read the replication setting", "err", err)
		return "Replica: the setting could not be read: " + err.Error() + "\n"
	}
	if saved == nil {
		return "Replica: none. A dead disk would cost everything since the last backup; an admin sets one under Admin > Backups.\n"
	}
	a.startReplication(*saved)
	a.replication.mu.Lock()
	defer a.replication.mu.Unlock()
	if a.replication.running == nil {
		return fmt.Sprintf("Replica: %s did NOT start: %s\n", saved, a.replication.failed)
	}
	return fmt.Sprintf("Replica: every change is copied to %s within about a second.\n", saved)
}

func (a *App) startReplication(t replicate.Target) {
	a.replication.mu.Lock()
	defer a.replication.mu.Unlock()
	if a.replication.running != nil {
		return
	}
	fail := func(err error) {
		a.replication.failed = err.Error()
		a.log.Error("replication did not start: the charts are not being copied anywhere", "replica", t.String(), "err", err)
	}
	if err := a.db.HandOverCheckpoints(a.ctx); err != nil {
		fail(err)
		return
	}
	rep, err := replicate.Start(a.ctx, a.db.Path(), t, a.log)
	if err != nil {
		fail(err)
		if err := a.db.TakeBackCheckpoints(a.ctx); err != nil {
			a.log.Error("take the checkpoints back", "err", err)
		}
		return
	}
	a.replication.running, a.replication.failed = rep, ""
}

// stopReplication sends the replica what is left and stops; App.Close
// calls it once the chart database is closed.
func (a *App) stopReplication() {
	a.replication.mu.Lock()
	defer a.replication.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.replication.running.Close(ctx); err != nil {
		a.log.Error("the replica's last sync failed", "err", err)
	}
	a.replication.running = nil
}

// SyncReplica sends the replica everything written so far and waits; the
// tests' and the benchmark's measure of a replica that is up to date.
func (a *App) SyncReplica(ctx context.Context) error {
	a.replication.mu.Lock()
	rep := a.replication.running
	a.replication.mu.Unlock()
	if rep == nil {
		return errors.New("Folio replicates nowhere")
	}
	return rep.Sync(ctx)
}

func (a *App) replicationView(saved *replicate.Target) Replication {
	a.replication.mu.Lock()
	defer a.replication.mu.Unlock()
	out := Replication{Failed: a.replication.failed}
	if saved != nil {
		p := saved.Public()
		out.Saved = &p
	}
	if rep := a.replication.running; rep != nil {
		st := rep.Status()
		out.Running = &st
		// With the secrets: a new password also waits for the next start.
		out.AtNextStart = saved == nil || *saved != rep.Target()
		switch {
		case st.Lag > replicaBehindWarning:
			out.Behind = true
			out.Warning = fmt.Sprintf("The replica (%s) is %s behind", rep.Target(), inWords(st.Lag))
			if st.Error != "" {
				out.Warning += ": " + st.Error
			}
		}
	} else if saved != nil && out.Failed != "" {
		out.Behind = true
		out.Warning = fmt.Sprintf("Replication to %s is not running: %s", saved, out.Failed)
	}
	return out
}

// inWords says a duration as a person would: "45 s", "3 min", "2 h 5 min".
func inWords(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func savedReplica(tx *db.Tx) (*replicate.Target, error) {
	raw, ok, err := tx.Setting(settingReplica)
	if err != nil || !ok || raw == "" {
		return nil, err
	}
	var t replicate.Target
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return nil, fmt.Errorf("read the replication setting: %w", err)
	}
	return &t, nil
}

func trimTarget(t replicate.Target) replicate.Target {
	for _, f := range []*string{&t.Path, &t.Host, &t.User, &t.HostKey, &t.KeyFile, &t.Endpoint, &t.Bucket, &t.Region, &t.AccessKey} {
		*f = strings.TrimSpace(*f)
	}
	return t
}

// keepSecrets fills in the saved password or secret key the form did not
// resend (the screen never sees them), for the same server and account.
func keepSecrets(in replicate.Target, saved *replicate.Target) replicate.Target {
	if saved == nil || saved.Kind != in.Kind {
		return in
	}
	if in.Kind == replicate.SFTP && in.Password == "" && in.Host == saved.Host && in.User == saved.User {
		in.Password = saved.Password
	}
	if in.Kind == replicate.S3 && in.SecretKey == "" && in.Endpoint == saved.Endpoint && in.AccessKey == saved.AccessKey {
		in.SecretKey = saved.SecretKey
	}
	return in
}

func targetError(err error) error {
	var fe *replicate.FieldError
	if errors.As(err, &fe) {
		return &Error{Kind: Invalid, Message: "Please correct the marked field.", Fields: map[string]string{fe.Field: fe.Message}}
	}
	return err
}

// reachField is the field to mark when a replica cannot be reached.
func reachField(t replicate.Target) string {
	switch t.Kind {
	case replicate.SFTP:
		return "host"
	case replicate.S3:
		if t.Endpoint != "" {
			return "endpoint"
		}
		return "bucket"
	}
	return "path"
}

// RestoreReplica brings the clinic in dataDir back from the replica t, as
// it was at the moment at (its latest state when at is zero): the replica
// is restored into a file in dataDir and checked whole, then restored like
// a backup (RestoreBackup: verified, the replaced database kept beside it,
// the restore recorded in the audit trail). The clinic's key comes from
// keyFile, or else from a folder replica (which keeps a copy). No Folio may
// have dataDir open.
func RestoreReplica(ctx context.Context, dataDir string, t replicate.Target, at time.Time, opts RestoreOptions, appOpts Options) (RestoreReport, error) {
	if err := t.Check(); err != nil {
		return RestoreReport{}, targetError(err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return RestoreReport{}, fmt.Errorf("create data folder: %w", err)
	}
	tmp := filepath.Join(dataDir, fmt.Sprintf(".from-replica-%d.db", time.Now().UnixNano()))
	defer replicate.RemoveRestored(tmp)
	if err := replicate.Restore(ctx, t, tmp, at); err != nil {
		return RestoreReport{}, err
	}
	if opts.KeyFile == "" {
		if k := replicate.KeyCopy(t); k != "" && fileExists(k) {
			opts.KeyFile = k
		}
	}
	opts.Origin = "the replica in " + t.String()
	if !at.IsZero() {
		opts.Origin += " as it was at " + at.UTC().Format(time.RFC3339)
	}
	return RestoreBackup(ctx, dataDir, tmp, opts, appOpts)
}
