package app_test

import (
	"fmt"
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

const wrongLogin = "Wrong user name or password."

// TestSignInDelaysGrow: five wrong passwords in a row at one computer are
// free; each next one makes that computer wait before it may try the name
// again, twice as long each time up to 15 minutes. Waiting is refused
// before the password is looked at, and costs nothing in the audit trail.
func TestSignInDelaysGrow(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("desk-3")
	for i := 1; i <= 5; i++ {
		_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
		if e := wantKind(t, err, app.Unauthenticated); e.Message != wrongLogin {
			t.Fatalf("wrong password %d: %q", i, e.Message)
		}
	}
	_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
	if e := wantKind(t, err, app.Forbidden); e.Message != "Too many wrong passwords for this user name. Try again in 1 second. An admin can reset a forgotten password." {
		t.Errorf("sixth wrong password: %q", e.Message)
	}
	if e := ta.lastAudit(t); e.Action != "login.failed" || !strings.Contains(e.Detail, "wrong password; Too many wrong passwords") {
		t.Errorf("audit entry of the failure that started the delay: %+v", e.AuditEntry)
	}
	// The right password waits too: a guess in the wait is no guess.
	before := ta.counts(t).Audit
	_, err = c.Auth.Login(frontDeskUsername, frontDeskPassword)
	wantKind(t, err, app.Forbidden)
	if after := ta.counts(t).Audit; after != before {
		t.Errorf("a refused try was audited: %d -> %d entries", before, after)
	}
	// Each next wrong password doubles the wait, up to 15 minutes.
	var waits []string
	for range 12 {
		ta.Clock.Advance(15 * time.Minute)
		_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
		waits = append(waits, wantKind(t, err, app.Forbidden).Message)
	}
	for i, want := range []string{"2 seconds", "4 seconds", "8 seconds", "16 seconds", "32 seconds", "2 minutes", "3 minutes",
		"5 minutes", "9 minutes", "15 minutes", "15 minutes", "15 minutes"} {
		if !strings.Contains(waits[i], "Try again in "+want+".") {
			t.Errorf("wait %d: %q, want %s", i+2, waits[i], want)
		}
	}
	// No lockout: the right password after the wait signs in.
	ta.Clock.Advance(15*time.Minute - time.Second)
	_, err = c.Auth.Login(frontDeskUsername, frontDeskPassword)
	wantKind(t, err, app.Forbidden)
	ta.Clock.Advance(time.Second)
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
	users, err := ta.signIn(t, adminUsername, adminPassword, "admin-pc-2").Admin.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.LockedUntil != "" {
			t.Errorf("user list: %s locked until %q", u.Username, u.LockedUntil)
		}
	}
	// A window signed in before stayed signed in (idle-locked by now).
	if !ta.FrontDesk.Session.SignedIn() {
		t.Error("wrong passwords signed out another window")
	}
}

// TestStrangerCannotLockOutAdmin: any number of wrong passwords for the
// admin at one computer slow that computer only; the admin signs in at
// theirs at once, first time, and at the stranger's after the wait.
func TestStrangerCannotLockOutAdmin(t *testing.T) {
	ta := newTestApp(t)
	stranger := ta.newCaller("waiting-room-pc")
	refused := 0
	for range 30 {
		if _, err := stranger.Auth.Login(adminUsername, "guess-guess"); kindOf(err) == app.Forbidden {
			refused++
		}
		ta.Clock.Advance(time.Second)
	}
	if refused == 0 {
		t.Fatal("30 wrong passwords in 30 seconds were never slowed")
	}
	if _, err := ta.newCaller("admin-office").Auth.Login(adminUsername, adminPassword); err != nil {
		t.Fatalf("the admin at their own computer: %v", err)
	}
	ta.Clock.Advance(15 * time.Minute)
	if _, err := stranger.Auth.Login(adminUsername, adminPassword); err != nil {
		t.Fatalf("the admin at the stranger's computer after the wait: %v", err)
	}
}

// TestUnknownNamesDelayAlike: an unknown user name is slowed exactly as a
// real one, so the answers tell no one which accounts exist.
func TestUnknownNamesDelayAlike(t *testing.T) {
	ta := newTestApp(t)
	answers := func(c *caller, username string) []string {
		var out []string
		for range 8 {
			_, err := c.Auth.Login(username, "wrong-password")
			out = append(out, string(kindOf(err))+": "+err.Error())
			ta.Clock.Advance(time.Second)
		}
		return out
	}
	real := answers(ta.newCaller("pc-1"), clinicianUsername)
	unknown := answers(ta.newCaller("pc-2"), "nobody-here")
	if strings.Join(real, "\n") != strings.Join(unknown, "\n") {
		t.Errorf("a real name is answered\n%s\nand an unknown one\n%s", strings.Join(real, "\n"), strings.Join(unknown, "\n"))
	}
}

// TestComputerDelays: one computer trying many names is slowed after 20
// wrong passwords whatever the names; a right password there forgets its
// count, so a clinic's many sign-ins at one PC never wait.
func TestComputerDelays(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("front-pc")
	for i := range 20 {
		_, err := c.Auth.Login(fmt.Sprintf("name-%d", i%5), "wrong-password")
		if kindOf(err) != app.Unauthenticated {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	_, err := c.Auth.Login("name-9", "wrong-password")
	if e := wantKind(t, err, app.Forbidden); !strings.HasPrefix(e.Message, "Too many wrong passwords at this computer. Try again in 1 second.") {
		t.Errorf("21st wrong password: %q", e.Message)
	}
	ta.Clock.Advance(time.Second)
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatalf("right password after the wait: %v", err)
	}
	for i := range 40 {
		if i%4 == 0 {
			if _, err := c.Auth.Login(clinicianUsername, clinicianPassword); err != nil {
				t.Fatalf("sign-in %d: %v", i, err)
			}
			continue
		}
		_, err := c.Auth.Login(fmt.Sprintf("typo-%d", i), "wrong-password")
		if kindOf(err) != app.Unauthenticated {
			t.Fatalf("try %d after the count was forgotten: %v", i, err)
		}
	}
}

// TestResetPasswordLiftsDelays: an admin's reset forgets the delays of the
// name at every computer.
func TestResetPasswordLiftsDelays(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("room-3")
	for range 6 {
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
	if e := wantKind(t, err, app.Unauthenticated); e.Message != wrongLogin {
		t.Errorf("old password after reset: %q", e.Message)
	}
	if _, err := c.Auth.Login(clinicianUsername, "brand-new-password"); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestFailedLoginCountResetsOnSuccess(t *testing.T) {
	ta := newTestApp(t)
	c := ta.newCaller("desk-3")
	for range 5 {
		c.Auth.Login(frontDeskUsername, "wrong-password")
	}
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
		wantKind(t, err, app.Unauthenticated)
	}
	if _, err := c.Auth.Login(frontDeskUsername, frontDeskPassword); err != nil {
		t.Fatalf("delayed after 5 wrong passwords in a row: %v", err)
	}
}

// TestDisabledUserCannotSignIn: a disabled account is told so only to the
// right password; a wrong one gets the answer of an unknown name.
func TestDisabledUserCannotSignIn(t *testing.T) {
	ta := newTestApp(t)
	if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, false); err != nil {
		t.Fatal(err)
	}
	if e := ta.lastAudit(t); e.Action != "user.disable" || e.Detail != frontDeskUsername {
		t.Errorf("disable audit entry: %+v", e.AuditEntry)
	}
	c := ta.newCaller("desk-3")
	_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
	if e := wantKind(t, err, app.Unauthenticated); e.Message != wrongLogin {
		t.Errorf("wrong password of a disabled account: %q", e.Message)
	}
	if e := ta.lastAudit(t); e.Action != "login.failed" || e.Detail != "wrong password; account disabled" {
		t.Errorf("audit entry: %+v", e.AuditEntry)
	}
	_, err = c.Auth.Login(frontDeskUsername, frontDeskPassword)
	if e := wantKind(t, err, app.Forbidden); e.Message != "This account has been disabled. Ask an admin." {
		t.Errorf("right password of a disabled account: %q", e.Message)
	}
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

// TestResetPasswordEndsSessions: a reset signs the account out of every
// window at once, a locked one included; the old password is worth
// nothing, at sign-in or at the lock screen.
func TestResetPasswordEndsSessions(t *testing.T) {
	ta := newTestApp(t)
	second := ta.signIn(t, clinicianUsername, clinicianPassword, "room-5")
	second.Auth.Lock()
	if err := ta.Admin.Admin.ResetPassword(ta.Clinician.User.ID, "brand-new-password"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*caller{ta.Clinician, second} {
		if st, _ := c.Auth.Status(); st.User != nil || c.Session.SignedIn() {
			t.Errorf("a window of the reset account is still signed in: %+v", st.User)
		}
		_, err := c.Patients.Search("rivera", 10)
		wantKind(t, err, app.Unauthenticated)
	}
	_, err := second.Auth.Unlock(clinicianPassword)
	wantKind(t, err, app.Unauthenticated)
	_, err = second.Auth.Unlock("brand-new-password")
	wantKind(t, err, app.Unauthenticated) // signed out: sign in again
	if _, err := second.Auth.Login(clinicianUsername, "brand-new-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := second.Patients.Search("rivera", 10); err != nil {
		t.Errorf("signed in again after the reset: %v", err)
	}
	// Other accounts' windows are untouched.
	if _, err := ta.FrontDesk.Patients.Search("rivera", 10); err != nil {
		t.Errorf("another account's window: %v", err)
	}
}

// TestOwnPasswordReset: an admin who resets their own password stays
// signed in at this window; their other windows are signed out.
func TestOwnPasswordReset(t *testing.T) {
	ta := newTestApp(t)
	other := ta.signIn(t, adminUsername, adminPassword, "server-room")
	if err := ta.Admin.Admin.ResetPassword(ta.Admin.User.ID, "admin-new-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.Users(); err != nil {
		t.Errorf("the admin's own window after their reset: %v", err)
	}
	_, err := other.Admin.Users()
	wantKind(t, err, app.Unauthenticated)
}

// TestDisableEndsSessions: disabling signs the account out everywhere, and
// enabling it again does not sign the old windows back in.
func TestDisableEndsSessions(t *testing.T) {
	ta := newTestApp(t)
	locked := ta.signIn(t, frontDeskUsername, frontDeskPassword, "desk-2")
	locked.Auth.Lock()
	if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*caller{ta.FrontDesk, locked} {
		_, err := c.Patients.Search("rivera", 10)
		wantKind(t, err, app.Unauthenticated)
		if st, _ := c.Auth.Status(); st.User != nil {
			t.Errorf("status after disable and enable: %+v", st.User)
		}
	}
	_, err := locked.Auth.Unlock(frontDeskPassword)
	wantKind(t, err, app.Unauthenticated)
}

// TestResetByAnotherFolio: the desktop window and `folio serve` on the same
// data are two Folios; a reset or a disable in one ends the account's
// sessions in the other at their next call.
func TestResetByAnotherFolio(t *testing.T) {
	ta := newTestApp(t)
	other := openTestApp(t, ta.Dir, ta.Clock)
	clinician := other.signIn(t, clinicianUsername, clinicianPassword, "browser")
	desk := other.signIn(t, frontDeskUsername, frontDeskPassword, "browser")
	if err := ta.Admin.Admin.ResetPassword(ta.Clinician.User.ID, "brand-new-password"); err != nil {
		t.Fatal(err)
	}
	if st, _ := clinician.Auth.Status(); st.User != nil {
		t.Errorf("status in the other Folio after the reset: %+v", st.User)
	}
	_, err := clinician.Patients.Search("rivera", 10)
	wantKind(t, err, app.Unauthenticated)
	if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = desk.Patients.Search("rivera", 10)
	wantKind(t, err, app.Unauthenticated)
	if desk.Session.SignedIn() {
		t.Error("the disabled account's window in the other Folio is still signed in")
	}
}

// TestRecoverAdmin: the command line's recovery gives an admin a new
// password, enables the account, lifts the delays and ends its sessions,
// whatever state another admin or a stranger left it in.
func TestRecoverAdmin(t *testing.T) {
	ta := newTestApp(t)
	second := ta.addUser(t, "admin2", app.RoleAdmin, "second-admin-password")
	rogue := ta.signIn(t, "admin2", "second-admin-password", "rogue-pc")
	if _, err := rogue.Admin.SetUserActive(ta.Admin.User.ID, false); err != nil {
		t.Fatal(err)
	}
	c := ta.newCaller("admin-office")
	for range 10 {
		c.Auth.Login(adminUsername, "guess-guess")
	}
	if err := ta.RecoverAdmin(adminUsername, "short"); kindOf(err) != app.Invalid {
		t.Errorf("a short password: %v", err)
	}
	if err := ta.RecoverAdmin(clinicianUsername, "long-enough-password"); kindOf(err) != app.Invalid {
		t.Errorf("a clinician's account: %v", err)
	}
	if err := ta.RecoverAdmin("nobody", "long-enough-password"); kindOf(err) != app.NotFound {
		t.Errorf("an unknown name: %v", err)
	}
	if err := ta.RecoverAdmin(adminUsername, "recovered-password"); err != nil {
		t.Fatal(err)
	}
	e := ta.lastAudit(t)
	if e.Action != "user.recover" || e.Username != adminUsername || e.UserID != ta.Admin.User.ID ||
		!strings.Contains(e.Workstation, "command line") {
		t.Errorf("recover audit entry: %+v", e.AuditEntry)
	}
	if _, err := c.Auth.Login(adminUsername, "recovered-password"); err != nil {
		t.Fatalf("sign in after the recovery: %v", err)
	}
	_, err := ta.Admin.Admin.Users()
	wantKind(t, err, app.Unauthenticated) // the old window was signed out
	if _, err := c.Admin.SetUserActive(second.ID, false); err != nil {
		t.Errorf("the recovered admin disables the rogue one: %v", err)
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

// TestUnlockCountsTowardLockout: guessing at the lock screen counts toward
// the same delays, and once they delay the next try the window is signed
// out: back at the sign-in screen, not left to guess on.
func TestUnlockCountsTowardLockout(t *testing.T) {
	ta := newTestApp(t)
	c := ta.FrontDesk
	c.Auth.Lock()
	for range 5 {
		_, err := c.Auth.Unlock("guess-guess")
		wantKind(t, err, app.Unauthenticated)
	}
	if !c.Session.SignedIn() {
		t.Fatal("signed out before the delays began")
	}
	_, err := c.Auth.Unlock("guess-guess")
	wantKind(t, err, app.Forbidden)
	if c.Session.SignedIn() {
		t.Fatal("still signed in once the delays began at the lock screen")
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

// TestAccountChangedOutsideFolioCannotSignIn: a role raised or a password
// planted with the sqlite3 tool gives nobody a way in; the sign-in is
// refused after the right password, says what changed, and is audited. A
// reset made in Folio makes the account Folio's again.
func TestAccountChangedOutsideFolioCannotSignIn(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		signIn string // the password that then signs in as the front desk
		field  string
	}{
		{"role raised", `UPDATE users SET role = 'admin' WHERE username = ?`, frontDeskPassword, "the field role"},
		{"password planted", `UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = '` +
			clinicianUsername + `') WHERE username = ?`, clinicianPassword, "the field password_hash"},
		{"disabled account enabled", `UPDATE users SET active = 1 WHERE username = ?`, frontDeskPassword, "the field active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			if tt.name == "disabled account enabled" {
				if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, false); err != nil {
					t.Fatal(err)
				}
			}
			raw := rawChart(t, ta.Dir)
			mustExec(t, raw, tt.query, frontDeskUsername)

			c := ta.newCaller("desk-9")
			_, err := c.Auth.Login(frontDeskUsername, "wrong-password")
			if e := wantKind(t, err, app.Unauthenticated); e.Message != wrongLogin {
				t.Errorf("a wrong password tells nothing more: %q", e.Message)
			}
			_, err = c.Auth.Login(frontDeskUsername, tt.signIn)
			if e := wantKind(t, err, app.Forbidden); !strings.Contains(e.Message, "changed outside Folio ("+tt.field+")") {
				t.Errorf("refusal: %q", e.Message)
			}
			if e := ta.lastAudit(t); e.Action != "login.failed" || e.Detail != "account changed outside Folio: "+tt.field {
				t.Errorf("audit entry: %+v", e.AuditEntry)
			}
			if _, err := c.Patients.Search("rivera", 10); kindOf(err) != app.Unauthenticated {
				t.Errorf("a search after the refusal: %v", err)
			}

			if _, err := ta.Admin.Admin.SetUserActive(ta.FrontDesk.User.ID, true); err != nil {
				t.Fatal(err)
			}
			if err := ta.Admin.Admin.ResetPassword(ta.FrontDesk.User.ID, "a-new-desk-password"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Auth.Login(frontDeskUsername, "a-new-desk-password"); err != nil {
				t.Errorf("after a reset in Folio: %v", err)
			}
		})
	}
}
