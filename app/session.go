package app

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"folio/app/feed"
	"folio/app/groupaudit"
	"folio/db"
)

// Role names, as stored.
const (
	RoleAdmin     = "admin"
	RoleClinician = "clinician"
	RoleFrontDesk = "frontdesk"
)

// permission is a part of Folio; each role may use some parts.
type permission int

const (
	permDemographics  permission = iota // register, find and correct patients
	permClinical                        // the clinical chart
	permAdmin                           // users, settings, audit trail, backups
	permSchedule                        // the calendar, booking and the check-in board
	permScheduleSetup                   // read appointment types, clinic hours, clinicians' availability
	permMerge                           // compare and merge two charts of one person, review merges
	permQuality                         // the clinic's quality measures and the patients behind them
)

var rolesAllowed = map[permission][]string{
	permDemographics:  {RoleFrontDesk, RoleClinician},
	permClinical:      {RoleClinician},
	permAdmin:         {RoleAdmin},
	permSchedule:      {RoleFrontDesk, RoleClinician},
	permScheduleSetup: {RoleFrontDesk, RoleClinician, RoleAdmin},
	// Merging is an admin's decision; an admin reads only the two charts'
	// demographics on the merge screen, and that reading is audited.
	permMerge: {RoleAdmin},
	// The quality dashboard is the clinicians' and the admin's (who reports
	// the clinic's measures); its drill-down lists patients, audited.
	permQuality: {RoleClinician, RoleAdmin},
}

var roleWords = map[string]string{RoleAdmin: "admin", RoleClinician: "clinician", RoleFrontDesk: "front desk"}

// Session is one window's sign-in: the desktop window has one, and each
// browser of `folio serve` has its own. Serve mode hands each call a
// handle on it (ForCall) that shares the sign-in and says what the
// transport knows of that one call.
type Session struct {
	*sessionState
	// base is the session a handle of ForCall was made on (nil for the
	// session itself): the window a change notice names as its origin.
	base *Session
	// call is the one call this handle serves; nil for the session itself.
	call *callState
}

// sessionState is the sign-in itself, shared by a session's handles.
type sessionState struct {
	workstation string
	// workstationID is the paired workstation (see workstations.go) the
	// session is at, if any: serve ends its sessions when it is revoked.
	workstationID string
	// client is where sign-in attempts come from, for the sign-in delays:
	// the desktop window, or a browser's network address.
	client string

	mu         sync.Mutex
	user       *db.User
	locked     bool
	lastActive time.Time
	// epoch is the user's session epoch when they signed in here (see
	// App.endSessionsOf); signIns counts sign-ins and unlocks here, so
	// that serve mode can give the browser a new token after each.
	epoch   uint64
	signIns uint64
}

// NewSession starts a signed-out session at the named workstation.
func (a *App) NewSession(workstation string) *Session {
	if workstation == "" {
		workstation = a.hostname
	}
	return &Session{sessionState: &sessionState{workstation: workstation, client: "window " + workstation}}
}

// NewSessionFrom starts a signed-out session for a browser at a network
// address (serve mode): sign-in delays count per address.
func (a *App) NewSessionFrom(workstation, address string) *Session {
	s := a.NewSession(workstation)
	s.client = "address " + address
	return s
}

// NewSessionAtWorkstation starts a signed-out session for a paired
// workstation (serve --lan, known by its client certificate) at address:
// the audit trail names the workstation.
func (a *App) NewSessionAtWorkstation(name, id, address string) *Session {
	s := a.NewSessionFrom(name, address)
	s.workstationID = id
	return s
}

// WorkstationID is the paired workstation the session is at, or "".
func (s *Session) WorkstationID() string { return s.workstationID }

// SignedIn tells whether someone is signed in (locked or not).
func (s *Session) SignedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user != nil
}

// SignIns counts the sign-ins and unlocks at this session: serve mode issues
// a new token whenever it changes, so that a token known before a sign-in
// is worth nothing after it.
func (s *Session) SignIns() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signIns
}

// UserID is who is signed in, or "".
func (s *Session) UserID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.user == nil {
		return ""
	}
	return s.user.ID
}

// sessionEpochs counts, per user, the times all their sessions were ended
// (a password reset, a disabled account): a session signed in at an older
// count is over. Kept in memory, it ends this process's sessions at once,
// even a locked one that makes no call; another Folio on the same data
// (the desktop window beside `folio serve`) finds out at the session's next
// call, which compares the password hash and the active flag it signed in
// with (see checkActive).
type sessionEpochs struct {
	mu    sync.Mutex
	epoch map[string]uint64
}

func (e *sessionEpochs) of(userID string) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.epoch[userID]
}

// endSessionsOf ends every session of the user in this process.
func (a *App) endSessionsOf(userID string) {
	a.epochs.mu.Lock()
	defer a.epochs.mu.Unlock()
	if a.epochs.epoch == nil {
		a.epochs.epoch = map[string]uint64{}
	}
	a.epochs.epoch[userID]++
}

var errSessionEnded = &Error{Kind: Unauthenticated,
	Message: "You were signed out: your password was reset or your account was disabled. Please sign in again."}

// current is the signed-in user, nil when nobody is signed in or their
// sessions were ended since. The caller holds s.mu.
func (a *App) current(s *Session) *db.User {
	if s.user != nil && a.epochs.of(s.user.ID) != s.epoch {
		s.user, s.locked = nil, false
	}
	return s.user
}

// CheckSession tells, without marking the session active, what a call at s
// would be refused for before its arguments matter: nobody signed in, or
// the screen locked. Serve mode asks before reading a call's body.
func (a *App) CheckSession(s *Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.current(s) == nil {
		return errorf(Unauthenticated, "Please sign in.")
	}
	if s.locked || a.now().Sub(s.lastActive) > a.idleTimeout() {
		return errorf(Locked, "Folio is locked. Enter your password to continue.")
	}
	return nil
}

// Now is Folio's clock (a fixed one in tests).
func (a *App) Now() time.Time { return a.now() }

// actor is who does a use-case, fixed for its whole transaction.
type actor struct {
	userID      string
	username    string
	role        string
	workstation string
	// session and passwordHash are the window acting and the password hash
	// its user signed in with; none for the command line and setup.
	session      *Session
	passwordHash string
}

// authorize checks that s is signed in, unlocked, not idle too long, and
// that its role may use perm; it marks the session active, unless the call
// is a screen's background re-read (see Call.Background).
func (a *App) authorize(s *Session, perm permission) (actor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.current(s) == nil {
		return actor{}, errorf(Unauthenticated, "Please sign in.")
	}
	now := a.now()
	if !s.locked && now.Sub(s.lastActive) > a.idleTimeout() {
		s.locked = true
	}
	if s.locked {
		return actor{}, errorf(Locked, "Folio is locked. Enter your password to continue.")
	}
	allowed := false
	for _, role := range rolesAllowed[perm] {
		allowed = allowed || role == s.user.Role
	}
	if !allowed {
		return actor{}, errorf(Forbidden, "Your role (%s) does not allow this.", roleWords[s.user.Role])
	}
	if !s.background() {
		s.lastActive = now
	}
	return actor{userID: s.user.ID, username: s.user.Username, role: s.user.Role, workstation: s.workstation,
		session: s, passwordHash: s.user.PasswordHash}, nil
}

func (a *App) idleTimeout() time.Duration {
	return time.Duration(a.idleMinutes.Load()) * time.Minute
}

// op is the context of one use-case's transaction: its queries and the
// audit entries it writes, which commit together with its changes.
type op struct {
	*db.Tx
	app   *App
	actor actor
	now   time.Time
	// notices are what the transaction changed, published once it commits.
	notices []feed.Notice
	noticed map[noticeKey]bool
	// reading is set in a read transaction (look): the entries audited
	// are kept in reads, for the group auditor to write once fn is done.
	reading bool
	reads   []db.AuditEntry
	// bulk is set by a bulk registration: the due list is made whole
	// afterwards (care_list.go) rather than a patient at a time.
	bulk bool
}

func (o *op) audit(action, patientID, record, detail string) error {
	e := db.AuditEntry{
		At: o.now, UserID: o.actor.userID, Username: o.actor.username, Action: action,
		PatientID: patientID, Record: record, Workstation: o.actor.workstation, Detail: detail,
	}
	if o.reading {
		// A change audited in a read transaction is a use-case put on the
		// wrong path: its write would fail on the read-only pool anyway.
		if !readActions[action] {
			return fmt.Errorf("audit %s in a read transaction: a change goes through act, not look", action)
		}
		o.reads = append(o.reads, e)
		return nil
	}
	o.notice(action, patientID)
	return o.AppendAudit(e)
}

// act is the spine of every use-case that touches the chart: who asks and
// may they, then fn in one write transaction, then errors in the UI's words.
// fn must validate before writing and audit what it read or wrote. A
// use-case that only reads uses look instead.
func (a *App) act(s *Session, perm permission, fn func(o *op) error) error {
	return a.prepareAndAct(s, perm, nil, fn)
}

// prepareAndAct is act with a step between the role check and the
// transaction, for work that must not hold the write lock: validating and
// hashing a new password, writing a backup file. prepare runs only for a
// caller who may act and whose account is still active.
func (a *App) prepareAndAct(s *Session, perm permission, prepare func() error, fn func(o *op) error) error {
	who, err := a.authorize(s, perm)
	if err != nil {
		return err
	}
	if prepare != nil {
		err := a.db.View(a.ctx, func(tx *db.Tx) error { return checkActive(tx, who) })
		if err != nil {
			return a.userError(err)
		}
		if err := prepare(); err != nil {
			return a.userError(err)
		}
	}
	return a.actAs(who, fn)
}

// look is act for a use-case that only reads. fn runs in a read
// transaction (a snapshot on the reader pool, which never waits for the
// writer) and its audit entries are written by the group auditor together
// with those of the other reads queued meanwhile, in one write transaction
// with one fsync (see app/groupaudit). look returns only once they are
// durable; when they cannot be written it returns the error, and the
// use-case must answer no data with it (answer): no read goes unaudited.
//
// fn must not write: the reader pool is read-only, so a write fails, and
// so does auditing a change. A read with a side effect (a draft saved, a
// key made) stays on act.
func (a *App) look(s *Session, perm permission, fn func(o *op) error) error {
	who, err := a.authorize(s, perm)
	if err != nil {
		return err
	}
	var entries []db.AuditEntry
	err = a.db.View(a.ctx, func(tx *db.Tx) error {
		entries = nil
		if err := checkActive(tx, who); err != nil {
			return err
		}
		o := &op{Tx: tx, app: a, actor: who, now: a.now(), reading: true}
		if err := fn(o); err != nil {
			return err
		}
		entries = o.reads
		return nil
	})
	if err == nil {
		if err = a.reads.Append(entries); errors.Is(err, groupaudit.ErrClosed) {
			err = errorf(Internal, "Folio is closing, so it shows nothing more. Open it again to continue.")
		}
	}
	return a.userError(err)
}

// answer is what a use-case on look returns: its data, or with an error
// none at all, so that data whose reading was not audited goes nowhere.
func answer[T any](v T, err error) (T, error) {
	if err != nil {
		var none T
		return none, err
	}
	return v, nil
}

// actAs runs fn for an actor already known (sign-in, setup, command line).
// Once the transaction commits, every screen hears what changed (see
// notices.go); a transaction rolled back tells nobody anything.
func (a *App) actAs(who actor, fn func(o *op) error) error {
	var notices []feed.Notice
	var once requestOnce // the call's request id, recorded with its write (request_ids.go)
	err := a.db.Update(a.ctx, func(tx *db.Tx) error {
		notices = nil
		if err := checkActive(tx, who); err != nil {
			return err
		}
		o := &op{Tx: tx, app: a, actor: who, now: a.now()}
		if err := once.run(o, fn); err != nil {
			return err
		}
		// The due list follows the charts in the same transaction.
		if err := o.refreshTouchedCare(); err != nil {
			return err
		}
		// So does the Readings to review list (readings_to_review.go).
		if err := o.refreshTouchedReadings(); err != nil {
			return err
		}
		notices = o.notices
		return nil
	})
	if err == nil {
		once.committed(a)
		a.afterWrite()
		if len(notices) > 0 {
			a.feed.Publish(notices...)
		}
	}
	return a.userError(err)
}

// checkActive refuses a user whom an admin has disabled: they lose access at
// once, not at their next sign-in. A window whose user's password was reset
// since they signed in there is signed out, even when another Folio on the
// same data did the reset. An actor with no user (setup) passes.
func checkActive(tx *db.Tx, who actor) error {
	if who.userID == "" {
		return nil
	}
	u, err := tx.UserByID(who.userID)
	if err != nil {
		return fmt.Errorf("check user %s: %w", who.username, err)
	}
	switch {
	case !u.Active:
		who.session.end(who.userID)
		return errorf(Unauthenticated, "This account has been disabled. Ask an admin.")
	case who.passwordHash != "" && u.PasswordHash != who.passwordHash:
		who.session.end(who.userID)
		return errSessionEnded
	}
	return nil
}

// end signs s out if userID is still the one signed in there.
func (s *Session) end(userID string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.user != nil && s.user.ID == userID {
		s.user, s.locked = nil, false
	}
}

// userError maps storage errors to the UI's words; others pass through.
func (a *App) userError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, db.ErrNotFound):
		return errorf(NotFound, "That record was not found.")
	case errors.Is(err, db.ErrConflict):
		return errorf(Conflict, "Someone else changed this record meanwhile. Reload it and make your change again.")
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return AsError(err, a.log)
}
