package app

import (
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"folio/app/password"
	"folio/db"

	"github.com/google/uuid"
)

const minPasswordLen = 10

// Auth signs people in and out and locks the screen.
type Auth struct {
	app     *App
	session *Session
}

// User is an account as the UI shows it.
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	FullName    string `json:"fullName"`
	Role        string `json:"role"`
	Active      bool   `json:"active"`
	LockedUntil string `json:"lockedUntil"`
	CreatedAt   string `json:"createdAt"`
	// LicenceNumber is a prescriber's licence or registration number.
	LicenceNumber string `json:"licenceNumber"`
}

func userView(u db.User, now time.Time) User {
	v := User{ID: u.ID, Username: u.Username, FullName: u.FullName, Role: u.Role, Active: u.Active,
		CreatedAt: u.CreatedAt.Format(time.RFC3339), LicenceNumber: u.LicenceNumber}
	if u.LockedUntil.After(now) {
		v.LockedUntil = u.LockedUntil.Format(time.RFC3339)
	}
	return v
}

// AuthStatus is what the UI needs before anyone signs in.
type AuthStatus struct {
	SetupNeeded bool   `json:"setupNeeded"`
	ClinicName  string `json:"clinicName"`
	User        *User  `json:"user"`
	Locked      bool   `json:"locked"`
	IdleMinutes int    `json:"idleMinutes"`
	// Demo is set for a clinic `folio demo` made: invented patients and
	// published passwords, which the sign-in screen warns of.
	Demo bool `json:"demo"`
	// Units are those vitals are typed and shown in (kg or lb, cm or in, C
	// or F), so that a form names them before any vitals are shown.
	Units VitalUnits `json:"units"`
}

// VitalUnits are the clinic's units for vitals.
type VitalUnits struct {
	Weight      string `json:"weight"`
	Height      string `json:"height"`
	Temperature string `json:"temperature"`
}

// Status tells whether Folio is set up, the clinic's name, and who (if
// anyone) is signed in at this window.
func (s *Auth) Status() (AuthStatus, error) {
	a := s.app
	st := AuthStatus{IdleMinutes: int(a.idleMinutes.Load())}
	s.session.mu.Lock()
	var signedIn db.User
	if u := a.current(s.session); u != nil {
		signedIn = *u
	}
	s.session.mu.Unlock()
	ended := false
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		n, err := tx.CountUsers()
		if err != nil {
			return err
		}
		st.SetupNeeded = n == 0
		if st.ClinicName, _, err = tx.Setting(settingClinicName); err != nil {
			return err
		}
		units, err := clinicVitalUnits(tx)
		if err != nil {
			return err
		}
		st.Units = VitalUnits{Weight: units.weight, Height: units.height, Temperature: units.temperature}
		demo, _, err := tx.Setting(db.SettingDemoClinic)
		st.Demo = demo != ""
		if err != nil || signedIn.ID == "" {
			return err
		}
		// A reset or a disable by another Folio on the same data (the
		// desktop window beside `folio serve`) ends this window's sign-in too.
		u, err := tx.UserByID(signedIn.ID)
		ended = err == nil && (!u.Active || u.PasswordHash != signedIn.PasswordHash)
		return err
	})
	if err != nil {
		return st, a.userError(err)
	}
	if ended {
		s.session.end(signedIn.ID)
	}
	s.session.mu.Lock()
	defer s.session.mu.Unlock()
	if u := a.current(s.session); u != nil {
		if !s.session.locked && a.now().Sub(s.session.lastActive) > a.idleTimeout() {
			s.session.locked = true
		}
		v := userView(*u, a.now())
		st.User, st.Locked = &v, s.session.locked
	}
	return st, nil
}

// SetupRequest is the first run's form: the clinic and its first admin.
type SetupRequest struct {
	ClinicName string `json:"clinicName"`
	Username   string `json:"username"`
	FullName   string `json:"fullName"`
	Password   string `json:"password"`
}

// Setup creates the clinic and its first admin, and signs that admin in,
// with Folio's starter templates installed. It works only once, while
// Folio has no users.
func (s *Auth) Setup(req SetupRequest) (User, error) {
	u, err := s.app.SetupClinic(req, s.session.workstation)
	if err != nil {
		return User{}, err
	}
	s.session.signIn(u, s.app.now(), s.app.epochs.of(u.ID))
	return userView(u, s.app.now()), nil
}

// SetupClinic is Setup without a window, for `folio setup`.
func (a *App) SetupClinic(req SetupRequest, workstation string) (db.User, error) {
	req.ClinicName = strings.TrimSpace(req.ClinicName)
	fields := fieldErrors{}
	if req.ClinicName == "" {
		fields.add("clinicName", "Enter the clinic's name.")
	} else if utf8.RuneCountInString(req.ClinicName) > 100 {
		fields.add("clinicName", "The clinic's name can have at most 100 characters.")
	}
	nu := NewUser{Username: req.Username, FullName: req.FullName, Role: RoleAdmin, Password: req.Password}
	nu.validate(fields)
	if err := fields.err(); err != nil {
		return db.User{}, err
	}
	u, err := nu.build(a.now())
	if err != nil {
		return db.User{}, a.userError(err)
	}
	who := actor{userID: "", username: u.Username, role: RoleAdmin, workstation: a.workstationOr(workstation)}
	err = a.actAs(who, func(o *op) error {
		n, err := o.CountUsers()
		if err != nil {
			return err
		}
		if n > 0 {
			return errorf(Conflict, "Folio is already set up. Sign in instead.")
		}
		if err := o.SetSetting(settingClinicName, req.ClinicName); err != nil {
			return err
		}
		if err := o.InsertUser(u); err != nil {
			return err
		}
		o.actor.userID = u.ID
		if err := o.installStarterTemplates(); err != nil {
			return err
		}
		return o.audit("setup", "", "user/"+u.ID, "clinic "+req.ClinicName+"; first admin "+u.Username)
	})
	return u, err
}

// Login signs a person in at this window.
func (s *Auth) Login(username, pw string) (User, error) {
	u, err := s.app.checkPassword(username, pw, s.session)
	if err != nil {
		return User{}, err
	}
	s.session.signIn(u, s.app.now(), s.app.epochs.of(u.ID))
	return userView(u, s.app.now()), nil
}

var errWrongLogin = &Error{Kind: Unauthenticated, Message: "Wrong user name or password."}

// checkPassword verifies a sign-in at the window at. The slow hash is
// checked outside the write transaction, so one sign-in never holds up the
// clinic's other work. A wrong password, an unknown user name and a
// disabled account with a wrong password get the same answer, in the same
// time, and count the same toward the sign-in delays; only the right
// password learns that its account is disabled.
func (a *App) checkPassword(username, pw string, at *Session) (db.User, error) {
	username = strings.TrimSpace(username)
	now := a.now()
	if err := a.logins.refuse(username, at.client, now); err != nil {
		return db.User{}, err
	}
	var u db.User
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		u, err = tx.UserByName(username)
		return err
	})
	known := err == nil
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return db.User{}, a.userError(err)
	}
	hash := dummyHash // its password is unknowable, and it costs the time of a real one
	if known {
		hash = u.PasswordHash
	}
	ok, err := password.Check(hash, pw)
	if err != nil {
		return db.User{}, a.userError(err)
	}
	who := actor{userID: u.ID, username: u.Username, role: u.Role, workstation: at.workstation}
	if !known || !ok {
		wait := a.logins.fail(username, at.client, now)
		if err := a.recordFailure(known, u, username, at, wait, now); err != nil {
			return db.User{}, a.userError(err)
		}
		if wait != nil {
			return db.User{}, wait
		}
		return db.User{}, errWrongLogin
	}
	if !u.Active {
		a.recordLogin(who, "login.failed", "account disabled")
		return db.User{}, errorf(Forbidden, "This account has been disabled. Ask an admin.")
	}
	a.logins.succeed(username, at.client)
	var changed string
	err = a.db.Update(a.ctx, func(tx *db.Tx) error {
		if changed, err = tx.AccountChangedOutside(u.ID); err != nil || changed != "" {
			return err
		}
		cur, err := tx.UserByID(u.ID)
		if err != nil {
			return err
		}
		// A lockout left by an older Folio is lifted with the count.
		cur.FailedLogins, cur.LockedUntil, cur.UpdatedAt = 0, time.Time{}, now
		u = cur
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		o := &op{Tx: tx, app: a, actor: who, now: now}
		return o.audit("login", "", "", "")
	})
	if err != nil {
		return db.User{}, a.userError(err)
	}
	if changed != "" {
		a.log.Error("sign-in refused: the account was changed outside Folio", "user", u.Username, "changed", changed)
		a.recordLogin(who, "login.failed", "account changed outside Folio: "+changed)
		return db.User{}, errorf(Forbidden, "This account was changed outside Folio (%s), so it cannot sign in. "+
			"Ask an admin: 'folio check' shows what changed; resetting the password in Users (or, for an admin, "+
			"'folio setup --reset-admin %s' at the clinic PC) makes it Folio's again.", changed, u.Username)
	}
	return u, nil
}

// recordFailure audits a failed sign-in and, for a real account, counts it
// in the account's failed sign-ins (shown to nobody; kept for the record).
// A browser's network address is named: all browsers share a workstation.
func (a *App) recordFailure(known bool, u db.User, username string, at *Session, wait *Error, now time.Time) error {
	workstation := at.workstation
	detail := "unknown user name"
	if known {
		detail = "wrong password"
		if !u.Active {
			detail = "wrong password; account disabled"
		}
	}
	if address, ok := strings.CutPrefix(at.client, "address "); ok {
		detail += "; from " + address
	}
	if wait != nil {
		detail += "; " + wait.Message
	}
	if !known {
		a.recordLogin(actor{username: username, workstation: workstation}, "login.failed", detail)
		return nil
	}
	return a.db.Update(a.ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, actor: actor{userID: u.ID, username: u.Username, role: u.Role, workstation: workstation}, now: now}
		// An account changed outside Folio is left as found: counting the
		// failure would write it, and so make the change look like Folio's.
		changed, err := tx.AccountChangedOutside(u.ID)
		if err != nil {
			return err
		}
		if changed != "" {
			return o.audit("login.failed", "", "", detail+"; account changed outside Folio: "+changed)
		}
		cur, err := tx.UserByID(u.ID)
		if err != nil {
			return err
		}
		cur.FailedLogins++
		cur.UpdatedAt = now
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		return o.audit("login.failed", "", "", detail)
	})
}

// dummyHash is checked for unknown user names; its password is unknowable.
var dummyHash, _ = password.Hash(uuid.NewString())

func (a *App) recordLogin(who actor, action, detail string) {
	err := a.db.Update(a.ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: a, actor: who, now: a.now()}
		return o.audit(action, "", "", detail)
	})
	if err != nil {
		a.log.Error("audit sign-in", "err", err)
	}
}

// Logout signs this window out.
func (s *Auth) Logout() error {
	s.session.mu.Lock()
	u := s.app.current(s.session)
	s.session.user, s.session.locked = nil, false
	s.session.mu.Unlock()
	if u == nil {
		return nil
	}
	s.app.recordLogin(actor{userID: u.ID, username: u.Username, role: u.Role, workstation: s.session.workstation}, "logout", "")
	return nil
}

// Lock locks the screen: nothing more is shown or done until the password
// is entered again.
func (s *Auth) Lock() error {
	s.session.mu.Lock()
	defer s.session.mu.Unlock()
	s.session.locked = s.app.current(s.session) != nil
	return nil
}

// Unlock unlocks the screen for the signed-in person. Wrong passwords count
// toward the sign-in delays; once they delay the next try, the window is
// signed out, so that whoever guesses at an unattended screen is back at
// the sign-in screen.
func (s *Auth) Unlock(pw string) (User, error) {
	s.session.mu.Lock()
	u := s.app.current(s.session)
	s.session.mu.Unlock()
	if u == nil {
		return User{}, errorf(Unauthenticated, "Please sign in.")
	}
	fresh, err := s.app.checkPassword(u.Username, pw, s.session)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == Forbidden {
			s.session.end(u.ID)
		}
		return User{}, err
	}
	s.session.signIn(fresh, s.app.now(), s.app.epochs.of(fresh.ID))
	return userView(fresh, s.app.now()), nil
}

// Touch tells Folio that the person at this window is active (typing,
// clicking), so the idle lock counts from now.
func (s *Auth) Touch() error {
	s.session.mu.Lock()
	defer s.session.mu.Unlock()
	if s.app.current(s.session) == nil || s.session.locked {
		return nil
	}
	now := s.app.now()
	if now.Sub(s.session.lastActive) > s.app.idleTimeout() {
		s.session.locked = true
		return nil
	}
	s.session.lastActive = now
	return nil
}

// signIn signs u in at s, at the session epoch of u that is current.
func (s *Session) signIn(u db.User, now time.Time, epoch uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.locked, s.lastActive, s.epoch = &u, false, now, epoch
	s.signIns++
}

// NewUser is the form for a new account.
type NewUser struct {
	Username string `json:"username"`
	FullName string `json:"fullName"`
	Role     string `json:"role"`
	Password string `json:"password"`
	// LicenceNumber is a clinician's professional licence or registration
	// number, printed on their prescriptions; optional.
	LicenceNumber string `json:"licenceNumber"`
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{3,32}$`)

func (n *NewUser) validate(fields fieldErrors) {
	n.Username, n.FullName = strings.TrimSpace(n.Username), strings.TrimSpace(n.FullName)
	if !usernamePattern.MatchString(n.Username) {
		fields.add("username", "A user name has 3 to 32 letters, digits, dots, dashes or underscores.")
	}
	if n.FullName == "" {
		fields.add("fullName", "Enter the person's full name.")
	} else if utf8.RuneCountInString(n.FullName) > 100 {
		fields.add("fullName", "The name can have at most 100 characters.")
	}
	if _, ok := roleWords[n.Role]; !ok {
		fields.add("role", "Choose a role: admin, clinician or front desk.")
	}
	if msg := passwordProblem(n.Password); msg != "" {
		fields.add("password", msg)
	}
	n.LicenceNumber = strings.TrimSpace(n.LicenceNumber)
	if msg := licenceProblem(n.LicenceNumber); msg != "" {
		fields.add("licenceNumber", msg)
	}
}

const maxLicenceLength = 50 // as in the message of licenceProblem

func licenceProblem(licence string) string {
	if utf8.RuneCountInString(licence) > maxLicenceLength {
		return "A licence number can have at most 50 characters."
	}
	return ""
}

func passwordProblem(pw string) string {
	if utf8.RuneCountInString(pw) < minPasswordLen {
		return "A password needs at least 10 characters."
	}
	if len(pw) > 256 {
		return "A password can have at most 256 characters."
	}
	return ""
}

func (n NewUser) build(now time.Time) (db.User, error) {
	hash, err := password.Hash(n.Password)
	if err != nil {
		return db.User{}, err
	}
	return db.User{ID: newID(), Username: n.Username, FullName: n.FullName, Role: n.Role, PasswordHash: hash,
		Active: true, CreatedAt: now, UpdatedAt: now, LicenceNumber: n.LicenceNumber}, nil
}

// newID is a UUIDv7: unique everywhere and ordered by creation time, which
// keeps inserts into indexes cheap.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

func (a *App) workstationOr(w string) string {
	if w == "" {
		return a.hostname
	}
	return w
}
