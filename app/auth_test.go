package app_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"folio/app"
)

func TestSetup(t *testing.T) {
	ta := newFreshApp(t)
	c := ta.newCaller("front-pc")
	st, err := c.Auth.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !st.SetupNeeded || st.User != nil || st.IdleMinutes != 10 {
		t.Fatalf("status before setup: %+v", st)
	}
	// Anything else needs a sign-in, which cannot happen yet.
	_, err = c.Patients.Search("anyone", 10)
	wantKind(t, err, app.Unauthenticated)

	u, err := c.Auth.Setup(app.SetupRequest{ClinicName: "  Hill Clinic ", Username: "boss", FullName: "Bo Boss",
		Password: "first-admin-password"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "boss" || u.Role != app.RoleAdmin || !u.Active {
		t.Errorf("setup made %+v", u)
	}
	st, err = c.Auth.Status()
	if err != nil || st.SetupNeeded || st.ClinicName != "Hill Clinic" || st.User == nil || st.User.Username != "boss" {
		t.Fatalf("status after setup: %+v, %v", st, err)
	}
	// The new admin is signed in: admin work goes through.
	if _, err := c.Admin.Users(); err != nil {
		t.Fatalf("the admin who set up is not signed in: %v", err)
	}
	e := ta.audit(t)
	if last := e[len(e)-1]; last.Action != "setup" || last.Username != "boss" || last.UserID != u.ID ||
		last.Workstation != "front-pc" || !strings.Contains(last.Detail, "Hill Clinic") {
		t.Errorf("setup audit entry: %+v", last.AuditEntry)
	}

	// Setup works only once, from any window.
	before := ta.counts(t)
	_, err = ta.newCaller("other-pc").Auth.Setup(app.SetupRequest{ClinicName: "Take Over", Username: "intruder",
		FullName: "In Truder", Password: "intruder-password"})
	wantKind(t, err, app.Conflict)
	if after := ta.counts(t); after != before {
		t.Errorf("a second setup wrote: %+v -> %+v", before, after)
	}
	if st, _ := c.Auth.Status(); st.ClinicName != "Hill Clinic" {
		t.Errorf("a second setup renamed the clinic to %q", st.ClinicName)
	}
}

func TestSetupValidates(t *testing.T) {
	ta := newFreshApp(t)
	c := ta.newCaller("front-pc")
	tests := []struct {
		name  string
		req   app.SetupRequest
		field string
	}{
		{"no clinic", app.SetupRequest{ClinicName: " ", Username: "boss", FullName: "Bo", Password: "long-enough-pw"}, "clinicName"},
		{"long clinic", app.SetupRequest{ClinicName: strings.Repeat("c", 101), Username: "boss", FullName: "Bo", Password: "long-enough-pw"}, "clinicName"},
		{"bad user name", app.SetupRequest{ClinicName: "C", Username: "b o", FullName: "Bo", Password: "long-enough-pw"}, "username"},
		{"no full name", app.SetupRequest{ClinicName: "C", Username: "boss", FullName: "", Password: "long-enough-pw"}, "fullName"},
		{"short password", app.SetupRequest{ClinicName: "C", Username: "boss", FullName: "Bo", Password: "short"}, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Auth.Setup(tt.req)
			e := wantKind(t, err, app.Invalid)
			if e.Fields[tt.field] == "" || len(e.Fields) != 1 {
				t.Errorf("fields = %v, want only %s", e.Fields, tt.field)
			}
		})
	}
	if c.Session.SignedIn() {
		t.Error("a refused setup signed someone in")
	}
	if n := ta.counts(t); n.Users != 0 || n.Audit != 0 {
		t.Errorf("refused setups wrote: %+v", n)
	}
}

// TestSetupRace has two windows set up at once: exactly one wins.
func TestSetupRace(t *testing.T) {
	ta := newFreshApp(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = ta.newCaller("pc").Auth.Setup(app.SetupRequest{ClinicName: "Clinic", Username: []string{"one", "two"}[i],
				FullName: "Some One", Password: "a-long-password"})
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("both or neither setup succeeded: %v, %v", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil {
			wantKind(t, err, app.Conflict)
		}
	}
	if n := ta.counts(t); n.Users != 1 {
		t.Errorf("%d users after two setups", n.Users)
	}
}

func TestLoginAndLogout(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("desk-3")
	u, err := c.Auth.Login("  DESK ", frontDeskPassword) // user names ignore case and spaces
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != frontDeskUsername || u.Role != app.RoleFrontDesk {
		t.Errorf("signed in as %+v", u)
	}
	if e := ta.lastAudit(t); e.Action != "login" || e.Username != frontDeskUsername || e.UserID != u.ID || e.Workstation != "desk-3" {
		t.Errorf("login audit entry: %+v", e.AuditEntry)
	}
	if err := c.Auth.Logout(); err != nil {
		t.Fatal(err)
	}
	if e := ta.lastAudit(t); e.Action != "logout" || e.Username != frontDeskUsername || e.Workstation != "desk-3" {
		t.Errorf("logout audit entry: %+v", e.AuditEntry)
	}
	if c.Session.SignedIn() {
		t.Error("still signed in after Logout")
	}
	_, err = c.Patients.Search("rivera", 10)
	wantKind(t, err, app.Unauthenticated)
	st, _ := c.Auth.Status()
	if st.User != nil {
		t.Errorf("status after logout names %+v", st.User)
	}
	// Signing out twice is harmless and not audited twice.
	n := ta.counts(t).Audit
	if err := c.Auth.Logout(); err != nil || ta.counts(t).Audit != n {
		t.Errorf("second logout: %v, audit %d -> %d", err, n, ta.counts(t).Audit)
	}
	// Other windows stay signed in.
	if _, err := ta.FrontDesk.Patients.Search("rivera", 10); err != nil {
		t.Errorf("another window of the same user was signed out: %v", err)
	}
}

func TestFailedLogin(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("desk-3")
	_, wrongPw := c.Auth.Login(frontDeskUsername, "not-the-password")
	e1 := wantKind(t, wrongPw, app.Unauthenticated)
	if e := ta.lastAudit(t); e.Action != "login.failed" || e.Username != frontDeskUsername || e.Detail != "wrong password" ||
		e.Workstation != "desk-3" {
		t.Errorf("failed login audit entry: %+v", e.AuditEntry)
	}
	_, unknown := c.Auth.Login("nobody", "not-the-password")
	e2 := wantKind(t, unknown, app.Unauthenticated)
	if e1.Message != e2.Message {
		t.Errorf("a wrong password (%q) and an unknown user (%q) are told apart", e1.Message, e2.Message)
	}
	if e := ta.lastAudit(t); e.Action != "login.failed" || e.Username != "nobody" || e.UserID != "" || e.Detail != "unknown user name" {
		t.Errorf("unknown user audit entry: %+v", e.AuditEntry)
	}
	if c.Session.SignedIn() {
		t.Error("a failed login signed in")
	}
}

func TestLockoutAfterFiveWrongPasswords(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("desk-3")
	for i := 1; i <= 4; i++ {
		_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
		wantKind(t, err, app.Unauthenticated)
	}
	_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
	if e := wantKind(t, err, app.Forbidden); !strings.Contains(e.Message, "locked") {
		t.Errorf("fifth wrong password: %q", e.Message)
	}
	if e := ta.lastAudit(t); e.Action != "login.failed" || !strings.Contains(e.Detail, "locked") {
		t.Errorf("lockout audit entry: %+v", e.AuditEntry)
	}

	// The right password is refused while locked out ...
	_, err = c.Auth.Login(frontDeskUsername, frontDeskPassword)
	wantKind(t, err, app.Forbidden)
	if e := ta.lastAudit(t); e.Action != "login.failed" || e.Detail != "account locked" {
		t.Errorf("refused login audit entry: %+v", e.AuditEntry)
	}
	users, err := ta.Admin.Admin.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if (u.Username == frontDeskUsername) != (u.LockedUntil != "") {
			t.Errorf("user list: %s locked until %q", u.Username, u.LockedUntil)
		}
	}
	ta.Clock.Advance(15*time.Minute - time.Second)
	_, err = c.Auth.Login(frontDeskUsername, frontDeskPassword)
	wantKind(t, err, app.Forbidden)

	// ... until 15 minutes have passed.
	ta.Clock.Advance(2 * time.Second)
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatalf("after 15 minutes: %v", err)
	}
	// A window signed in before the lockout stayed signed in (idle-locked by now).
	if !ta.FrontDesk.Session.SignedIn() {
		t.Error("the lockout signed out another window")
	}
}

func TestResetPasswordLiftsLockout(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("room-3")
	for range 5 {
		c.Auth.Login(clinicianUsername, "wrong-password")
	}
	_, err := c.Auth.Login(clinicianUsername, clinicianPassword)
	wantKind(t, err, app.Forbidden)
	if err := ta.Admin.Admin.ResetPassword(ta.Clinician.User.ID, "brand-new-password"); err != nil {
		t.Fatal(err)
	}
	if e := ta.lastAudit(t); e.Action != "user.reset_password" || e.Username != adminUsername || e.Detail != clinicianUsername {
		t.Errorf("reset audit entry: %+v", e.AuditEntry)
	}
	_, err = c.Auth.Login(clinicianUsername, clinicianPassword)
	wantKind(t, err, app.Unauthenticated)
	if _, err := c.Auth.Login(clinicianUsername, "brand-new-password"); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestFailedLoginCountResetsOnSuccess(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("desk-3")
	for range 4 {
		c.Auth.Login(frontDeskUsername, "wrong-password")
	}
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
		wantKind(t, err, app.Unauthenticated)
	}
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatalf("locked out after 4 wrong passwords in a row: %v", err)
	}
}

func TestDisabledUserCannotSignIn(t *testing.T) {
	ta := newTestApp(t)
	if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, false); err != nil {
		t.Fatal(err)
	}
	if e := ta.lastAudit(t); e.Action != "user.disable" || e.Detail != frontDeskUsername {
		t.Errorf("disable audit entry: %+v", e.AuditEntry)
	}
	c := ta.newCaller("desk-3")
	_, err := c.Auth.Login(frontDeskUsername, frontDeskPassword)
	wantKind(t, err, app.Forbidden)
	if e := ta.lastAudit(t); e.Action != "login.failed" || e.Detail != "account disabled" {
		t.Errorf("audit entry: %+v", e.AuditEntry)
	}
	_, err = ta.FrontDesk.Patients.Search("rivera", 10)
	wantKind(t, err, app.Unauthenticated)

	if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatalf("after enabling: %v", err)
	}
}

func TestIdleLock(t *testing.T) {
	ta := newTestApp(t)
	c := ta.FrontDesk
	search := func() error { _, err := c.Patients.Search("rivera", 10); return err }

	// Exactly the idle time is still active; each call counts as activity.
	ta.Clock.Advance(10 * time.Minute)
	if err := search(); err != nil {
		t.Fatalf("after exactly 10 idle minutes: %v", err)
	}
	ta.Clock.Advance(10*time.Minute + time.Second)
	before := ta.counts(t)
	wantKind(t, search(), app.Locked)
	if after := ta.counts(t); after != before {
		t.Errorf("a locked call wrote: %+v -> %+v", before, after)
	}
	st, _ := c.Auth.Status()
	if !st.Locked || st.User == nil || st.User.Username != frontDeskUsername {
		t.Errorf("status while locked: %+v", st)
	}
	// Touch does not unlock.
	c.Auth.Touch()
	wantKind(t, search(), app.Locked)

	_, err := c.Auth.Unlock("wrong-password")
	wantKind(t, err, app.Unauthenticated)
	wantKind(t, search(), app.Locked)
	if _, err := c.Auth.Unlock(frontDeskPassword); err != nil {
		t.Fatal(err)
	}
	if err := search(); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	// Other windows lock on their own clocks.
	wantKind(t, func() error { _, err := ta.Clinician.Patients.Search("x", 1); return err }(), app.Locked)
}

func TestTouchKeepsSessionAlive(t *testing.T) {
	ta := newTestApp(t)
	c := ta.FrontDesk
	for range 5 {
		ta.Clock.Advance(9 * time.Minute)
		if err := c.Auth.Touch(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Patients.Search("rivera", 10); err != nil {
		t.Fatalf("after 45 minutes of touches: %v", err)
	}
	// A touch after the idle time has passed locks instead.
	ta.Clock.Advance(11 * time.Minute)
	c.Auth.Touch()
	ta.Clock.Advance(-10 * time.Minute) // even if the clock went back, the lock stays
	_, err := c.Patients.Search("rivera", 10)
	wantKind(t, err, app.Locked)
}

func TestLockAndUnlock(t *testing.T) {
	ta := newTestApp(t)
	c := ta.Clinician
	if err := c.Auth.Lock(); err != nil {
		t.Fatal(err)
	}
	_, err := c.Patients.Search("rivera", 10)
	wantKind(t, err, app.Locked)
	if _, err := c.Auth.Unlock(clinicianPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Patients.Search("rivera", 10); err != nil {
		t.Fatal(err)
	}
	// Lock on a signed-out window does nothing; Unlock there asks to sign in.
	if err := ta.SignedOut.Auth.Lock(); err != nil {
		t.Fatal(err)
	}
	_, err = ta.SignedOut.Auth.Unlock("anything-at-all")
	wantKind(t, err, app.Unauthenticated)
}

// TestUnlockCountsTowardLockout: guessing at the lock screen trips the same
// lockout, and then the window is signed out.
func TestUnlockCountsTowardLockout(t *testing.T) {
	ta := newTestApp(t)
	c := ta.FrontDesk
	c.Auth.Lock()
	for range 4 {
		_, err := c.Auth.Unlock("guess-guess")
		wantKind(t, err, app.Unauthenticated)
	}
	if !c.Session.SignedIn() {
		t.Fatal("signed out before the lockout")
	}
	_, err := c.Auth.Unlock("guess-guess")
	wantKind(t, err, app.Forbidden)
	if c.Session.SignedIn() {
		t.Fatal("still signed in after the lockout tripped at the lock screen")
	}
	_, err = c.Patients.Search("rivera", 10)
	wantKind(t, err, app.Unauthenticated)
}

func TestIdleMinutesSetting(t *testing.T) {
	ta := newTestApp(t)
	if _, err := ta.Admin.Admin.SaveSettings(app.Settings{ClinicName: clinicName, IdleMinutes: 2}); err != nil {
		t.Fatal(err)
	}
	if st, _ := ta.FrontDesk.Auth.Status(); st.IdleMinutes != 2 {
		t.Errorf("status idle minutes %d, want 2", st.IdleMinutes)
	}
	ta.Clock.Advance(2*time.Minute + time.Second)
	_, err := ta.FrontDesk.Patients.Search("rivera", 10)
	wantKind(t, err, app.Locked)

	// The setting is kept in the chart database.
	ta.Close()
	again := openTestApp(t, ta.Dir, ta.Clock)
	if st, _ := again.newCaller("x").Auth.Status(); st.IdleMinutes != 2 || st.ClinicName != clinicName {
		t.Errorf("after reopening: %+v", st)
	}
}
