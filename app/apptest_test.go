package app_test

// The test app: like PocketBase's tests.NewTestApp, newTestApp builds a
// ready Folio on a throw-away data folder, with a settable clock and one
// signed-in caller per role.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/db"
)

// The test users. Passwords are hashed with the real Argon2id (~50 ms), so
// the accounts are made once into a template chart file that every test
// copies.
const (
	clinicName        = "Riverside Family Practice"
	adminUsername     = "admin"
	adminPassword     = "admin-password-1"
	clinicianUsername = "drlee"
	clinicianPassword = "clinician-password-1"
	frontDeskUsername = "desk"
	frontDeskPassword = "frontdesk-password-1"
)

// testStart is the test clock's first reading.
var testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *testClock { return &testClock{now: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, keeping t's time zone.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// caller is one window's session and the services acting for it.
type caller struct {
	Session  *app.Session
	Auth     *app.Auth
	Patients *app.Patients
	Schedule *app.Schedule
	Chart    *app.Chart
	Admin    *app.Admin
	// Workstations is the admin's list of paired workstations.
	Workstations *app.Workstations
	Network      *app.Network
	Quality      *app.Quality
	User         app.User // zero when signed out
}

// testApp is an open Folio with a caller per role.
type testApp struct {
	*app.App
	Dir       string
	Clock     *testClock
	Admin     *caller
	Clinician *caller
	FrontDesk *caller
	SignedOut *caller
}

// quietLog drops the App's log, which tests check through errors instead.
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// template is the chart file of a clinic set up with its three users, made
// once per test binary and copied into each test's data folder, with the
// clinic's key file: every such clinic has the same key. A test that needs
// clinics apart from each other (one sending a record to another) makes
// them with newOwnClinicAt.
var template struct {
	once  sync.Once
	bytes []byte
	key   []byte // the clinic's key file, made with its first audit entry
	err   error
}

func templateFile(t testing.TB) []byte {
	t.Helper()
	template.once.Do(func() { template.bytes, template.key, template.err = makeTemplate("") })
	if template.err != nil {
		t.Fatal(template.err)
	}
	return template.bytes
}

// makeTemplate sets up the test clinic in dir ("": a folder of its own,
// removed after) and returns its chart file and key file.
func makeTemplate(dir string) (chart, key []byte, err error) {
	if dir == "" {
		if dir, err = os.MkdirTemp("", "folio-apptest-"); err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
	}
	a, err := app.Open(context.Background(), dir, app.Options{Logger: quietLog, Now: newClock(testStart).Now})
	if err != nil {
		return nil, nil, err
	}
	if _, err := a.SetupClinic(app.SetupRequest{ClinicName: clinicName, Username: adminUsername,
		FullName: "Alex Admin", Password: adminPassword}, "setup-pc"); err != nil {
		a.Close()
		return nil, nil, err
	}
	for _, u := range []app.NewUser{
		{Username: clinicianUsername, FullName: "Dr. Jordan Lee", Role: app.RoleClinician, Password: clinicianPassword},
		{Username: frontDeskUsername, FullName: "Sam Desk", Role: app.RoleFrontDesk, Password: frontDeskPassword},
	} {
		if _, err := a.AddUserAs(adminUsername, u); err != nil {
			a.Close()
			return nil, nil, err
		}
	}
	// Closing folds the WAL into the file, so the file and the key file
	// beside it are the clinic.
	if err := a.Close(); err != nil {
		return nil, nil, err
	}
	if chart, err = os.ReadFile(filepath.Join(dir, db.FileName)); err != nil {
		return nil, nil, err
	}
	key, err = os.ReadFile(filepath.Join(dir, db.KeyFileName))
	return chart, key, err
}

// newTestApp opens a copy of the template clinic with the clock at
// testStart and signs in one caller per role.
func newTestApp(t testing.TB) *testApp {
	t.Helper()
	return newTestAppAt(t, testStart)
}

// newTestAppAt is newTestApp with the clock starting at start.
func newTestAppAt(t testing.TB, start time.Time) *testApp {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, db.FileName), templateFile(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, db.KeyFileName), template.key, 0o600); err != nil {
		t.Fatal(err)
	}
	return signInAll(t, openTestApp(t, dir, newClock(start)))
}

// newOwnClinicAt is newTestAppAt for a clinic set up afresh, with a key of
// its own, as another real clinic has: slower (the passwords are hashed
// again), for tests where clinics send records to each other.
func newOwnClinicAt(t testing.TB, start time.Time) *testApp {
	t.Helper()
	dir := t.TempDir()
	if _, _, err := makeTemplate(dir); err != nil {
		t.Fatal(err)
	}
	return signInAll(t, openTestApp(t, dir, newClock(start)))
}

// signInAll signs in one caller per role.
func signInAll(t testing.TB, ta *testApp) *testApp {
	t.Helper()
	var wg sync.WaitGroup
	signIn := func(c **caller, username, pw, workstation string) {
		defer wg.Done()
		*c = ta.newCaller(workstation)
		if _, err := (*c).Auth.Login(username, pw); err != nil {
			t.Errorf("sign in %s: %v", username, err)
		}
	}
	wg.Add(3)
	go signIn(&ta.Admin, adminUsername, adminPassword, "admin-pc")
	go signIn(&ta.Clinician, clinicianUsername, clinicianPassword, "room-2")
	go signIn(&ta.FrontDesk, frontDeskUsername, frontDeskPassword, "desk-1")
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, c := range []*caller{ta.Admin, ta.Clinician, ta.FrontDesk} {
		st, err := c.Auth.Status()
		if err != nil || st.User == nil {
			t.Fatalf("status after sign-in: %+v, %v", st, err)
		}
		c.User = *st.User
	}
	ta.SignedOut = ta.newCaller("desk-2")
	return ta
}

// openTestApp opens the data folder dir with clock, closing it at the end
// of the test.
func openTestApp(t testing.TB, dir string, clock *testClock) *testApp {
	t.Helper()
	a, err := app.Open(context.Background(), dir, app.Options{Logger: quietLog, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &testApp{App: a, Dir: dir, Clock: clock}
}

// newFreshApp opens an App on an empty data folder: Folio before setup.
func newFreshApp(t testing.TB) *testApp {
	t.Helper()
	return openTestApp(t, t.TempDir(), newClock(testStart))
}

// newCaller starts a signed-out session at the named workstation.
func (ta *testApp) newCaller(workstation string) *caller {
	return ta.callerAt(ta.NewSession(workstation))
}

// callerAt is a caller whose services act for s (a session, or a handle of
// Session.ForCall on one).
func (ta *testApp) callerAt(s *app.Session) *caller {
	return callerOf(ta.App, s)
}

// callerOf is a caller of a's services acting for s.
func callerOf(a *app.App, s *app.Session) *caller {
	c := &caller{Session: s}
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			c.Auth = v
		case *app.Patients:
			c.Patients = v
		case *app.Schedule:
			c.Schedule = v
		case *app.Chart:
			c.Chart = v
		case *app.Admin:
			c.Admin = v
		case *app.Workstations:
			c.Workstations = v
		case *app.Network:
			c.Network = v
		case *app.Quality:
			c.Quality = v
		default:
			panic(fmt.Sprintf("unknown service %T: add it to caller", svc))
		}
	}
	return c
}

// signIn signs a new window in as username.
func (ta *testApp) signIn(t testing.TB, username, pw, workstation string) *caller {
	t.Helper()
	c := ta.newCaller(workstation)
	u, err := c.Auth.Login(username, pw)
	if err != nil {
		t.Fatalf("sign in %s: %v", username, err)
	}
	c.User = u
	return c
}

// addUser creates an account as the admin and returns it.
func (ta *testApp) addUser(t testing.TB, username, role, pw string) app.User {
	t.Helper()
	u, err := ta.Admin.Admin.AddUser(app.NewUser{Username: username, FullName: "Test " + username, Role: role, Password: pw})
	if err != nil {
		t.Fatalf("add user %s: %v", username, err)
	}
	return u
}

// samplePatient is a valid registration form.
func samplePatient() app.PatientInput {
	return app.PatientInput{FamilyName: "Rivera", GivenNames: "Ana Sofia", BirthDate: "1984-06-21", Sex: "female",
		Phone: "555-201-3344", AddressLine: "12 Maple St", City: "Springfield", Region: "IL", PostalCode: "62704"}
}

// register registers in at the front desk, as a different person from
// any chart it looks like (see registerAnyway).
func (ta *testApp) register(t testing.TB, in app.PatientInput) app.Patient {
	t.Helper()
	p, err := registerAnyway(ta.FrontDesk.Patients, in)
	if err != nil {
		t.Fatalf("register %s %s: %v", in.GivenNames, in.FamilyName, err)
	}
	return p
}

// registerAnyway registers in through patients and, when Folio refuses it
// as a likely duplicate, confirms that it is a different person from the
// charts the refusal names, as the desk would: the tests register the
// sample patient many times over, on purpose or not.
func registerAnyway(patients *app.Patients, in app.PatientInput) (app.Patient, error) {
	p, err := patients.Register(in)
	var e *app.Error
	if !errors.As(err, &e) || len(e.Duplicates) == 0 {
		return p, err
	}
	var ids []string
	for _, d := range e.Duplicates {
		ids = append(ids, d.Patient.ID)
	}
	return patients.RegisterDifferentPerson(in, ids)
}

// audit lists the whole audit trail, newest first, straight from the
// database (listing it through Admin.Audit would itself be audited).
func (ta *testApp) audit(t testing.TB) []db.AuditEntryView {
	t.Helper()
	var entries []db.AuditEntryView
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		entries, err = tx.Audit(db.AuditFilter{Limit: 1 << 30})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// lastAudit is the newest audit entry.
func (ta *testApp) lastAudit(t testing.TB) db.AuditEntryView {
	t.Helper()
	entries := ta.audit(t)
	if len(entries) == 0 {
		t.Fatal("the audit trail is empty")
	}
	return entries[0]
}

// counts is how many rows the chart holds, to check that nothing was written.
type counts struct {
	Patients, Users, Audit, Backups, Appointments, Revisions int
	Merges, Photos                                           int
	Encounters, Addenda                                      int
	Vitals                                                   int
}

func (ta *testApp) counts(t testing.TB) counts {
	t.Helper()
	var c counts
	err := ta.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		if c.Patients, err = tx.CountPatients(); err != nil {
			return err
		}
		if c.Users, err = tx.CountUsers(); err != nil {
			return err
		}
		if c.Appointments, err = tx.CountAppointments(); err != nil {
			return err
		}
		if c.Revisions, err = tx.CountRevisions(); err != nil {
			return err
		}
		if c.Merges, err = tx.CountMerges(); err != nil {
			return err
		}
		if c.Photos, err = tx.CountPhotos(); err != nil {
			return err
		}
		if c.Encounters, err = tx.CountEncounters(); err != nil {
			return err
		}
		if c.Addenda, err = tx.CountAddenda(); err != nil {
			return err
		}
		if c.Vitals, err = tx.CountVitals(); err != nil {
			return err
		}
		all, err := tx.Audit(db.AuditFilter{Limit: 1 << 30})
		c.Audit = len(all)
		return err
	})
	backups, _ := os.ReadDir(app.BackupDir(ta.Dir))
	c.Backups = len(backups)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kindOf is the app.Error kind of err, "" for nil, or "not an *app.Error".
func kindOf(err error) app.Kind {
	if err == nil {
		return ""
	}
	var e *app.Error
	if !errors.As(err, &e) {
		return "not an *app.Error: " + app.Kind(err.Error())
	}
	return e.Kind
}

// wantKind fails the test unless err is an *app.Error of kind want.
func wantKind(t testing.TB, err error, want app.Kind) *app.Error {
	t.Helper()
	if got := kindOf(err); got != want {
		t.Fatalf("err = %v (kind %q), want kind %q", err, got, want)
	}
	var e *app.Error
	errors.As(err, &e)
	return e
}

// isEmpty tells whether a result carries no data: its zero value, with
// empty slices counting as zero.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice:
		return v.Len() == 0
	case reflect.Struct:
		for i := range v.NumField() {
			if !isEmpty(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return v.IsZero()
}
