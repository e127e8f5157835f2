package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"folio/app"
	"folio/app/serve"
	"folio/db"
)

const indexHTML = "<!doctype html><title>Folio</title><p>test page"

// Test users; see newServer.
const (
	adminPassword     = "admin-password-1"
	clinicianPassword = "clinician-password-1"
	frontDeskPassword = "frontdesk-password-1"
)

var testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// server is Folio's HTTP face on a real loopback listener.
type server struct {
	app   *app.App
	clock *testClock
	addr  string // host:port as listened on
	serve *serve.Server
	dir   string // the data folder
	http  *http.Server
}

// newServer opens a set-up clinic (admin, drlee, desk) and serves it.
func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{clock: &testClock{now: testStart}, dir: t.TempDir()}
	s.start(t)
	t.Cleanup(func() {
		s.http.Close()
		s.app.Close()
	})
	a := s.app
	if _, err := a.SetupClinic(app.SetupRequest{ClinicName: "Serve Clinic", Username: "admin", FullName: "Ad Min",
		Password: adminPassword}, "setup"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []app.NewUser{
		{Username: "drlee", FullName: "Dr Lee", Role: app.RoleClinician, Password: clinicianPassword},
		{Username: "desk", FullName: "Front Desk", Role: app.RoleFrontDesk, Password: frontDeskPassword},
	} {
		if _, err := a.AddUserAs("admin", u); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// start opens the data folder and serves it on a new port.
func (s *server) start(t *testing.T) {
	t.Helper()
	a, err := app.Open(context.Background(), s.dir, app.Options{Now: s.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	assets := fstest.MapFS{"index.html": {Data: []byte(indexHTML)}}
	s.app, s.serve, s.addr = a, serve.New(a, assets, ln.Addr()), ln.Addr().String()
	s.http = &http.Server{Handler: s.serve.Handler()}
	go s.http.Serve(ln)
}

// restart stops the host and starts it again on the same data folder, as
// after a power cut: its sessions and what they remembered are gone.
func (s *server) restart(t *testing.T) {
	t.Helper()
	s.http.Close()
	if err := s.app.Close(); err != nil {
		t.Fatal(err)
	}
	s.start(t)
}

func (s *server) port() string {
	_, port, _ := net.SplitHostPort(s.addr)
	return port
}

// counts is how many patients, users and audit entries the chart holds.
func (s *server) counts(t *testing.T) [3]int {
	t.Helper()
	var c [3]int
	err := s.app.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		if c[0], err = tx.CountPatients(); err != nil {
			return err
		}
		if c[1], err = tx.CountUsers(); err != nil {
			return err
		}
		all, err := tx.Audit(db.AuditFilter{Limit: 1 << 30})
		c[2] = len(all)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is one browser talking to the server: it keeps the session
// cookie by hand, since Go's cookie jar holds back Secure cookies over http.
type browser struct {
	t      *testing.T
	srv    *server
	cookie *http.Cookie
	client *http.Client // nil: http.DefaultClient
}

func (s *server) browser(t *testing.T) *browser { return &browser{t: t, srv: s} }

// request builds a request to path, same-origin unless changed.
func (b *browser) request(method, path string, body io.Reader) *http.Request {
	b.t.Helper()
	req, err := http.NewRequest(method, "http://"+b.srv.addr+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	return req
}

// do sends req and keeps a new session cookie.
func (b *browser) do(req *http.Request) (*http.Response, []byte) {
	b.t.Helper()
	client := http.DefaultClient
	if b.client != nil {
		client = b.client
	}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == serve.CookieName {
			b.cookie = c
		}
	}
	return resp, body
}

// call posts args to /api/service/method.
func (b *browser) call(service, method string, args ...any) (*http.Response, []byte) {
	b.t.Helper()
	if args == nil {
		args = []any{}
	}
	body, err := json.Marshal(args)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(b.request("POST", "/api/"+service+"/"+method, bytes.NewReader(body)))
}

// mustCall is call that must answer 200, decoding the result into out.
func (b *browser) mustCall(out any, service, method string, args ...any) {
	b.t.Helper()
	resp, body := b.call(service, method, args...)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("%s.%s: %s %s", service, method, resp.Status, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			b.t.Fatalf("%s.%s answered %s: %v", service, method, body, err)
		}
	}
}

// signIn is a browser signed in as username.
func (s *server) signIn(t *testing.T, username, pw string) *browser {
	t.Helper()
	b := s.browser(t)
	b.mustCall(nil, "Auth", "Login", username, pw)
	return b
}

// wantError checks an error answer's status and kind.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, kind app.Kind) app.Error {
	t.Helper()
	var e app.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: body %q is not an error: %v", resp.Status, body, err)
	}
	if resp.StatusCode != status || e.Kind != kind || e.Message == "" {
		t.Fatalf("got %s %+v, want %d %s", resp.Status, e, status, kind)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	return e
}

var patientForm = app.PatientInput{FamilyName: "Rivera", GivenNames: "Ana", BirthDate: "1984-06-21", Sex: "female",
	Phone: "555-201-3344"}

var freshPatients atomic.Int64

// freshPatientBody is a Patients.Register call of a patient no other call
// registered (their own name, birth date and phone), so that a test about
// the request, not the patient, is never asked about a likely duplicate.
func freshPatientBody() []byte {
	n := freshPatients.Add(1)
	form := patientForm
	form.FamilyName = fmt.Sprintf("Rivera%c%c", 'a'+n%26, 'a'+n/26%26)
	form.BirthDate = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n)*37).Format("2006-01-02")
	form.Phone = fmt.Sprintf("555-7%02d-%04d", n%100, n)
	body, _ := json.Marshal([]any{form})
	return body
}

func TestSessionCookie(t *testing.T) {
	s := newServer(t)
	b := s.browser(t)
	resp, _ := b.call("Auth", "Login", "desk", frontDeskPassword)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s", resp.Status)
	}
	c := b.cookie
	if c == nil {
		t.Fatalf("no %s cookie in %q", serve.CookieName, resp.Header.Values("Set-Cookie"))
	}
	if c.Name != "__Host-folio-session" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode ||
		c.Path != "/" || c.Domain != "" || len(c.Value) < 40 {
		t.Errorf("cookie = %+v", c)
	}
	// The session is kept: no new cookie on the next call, and the sign-in sticks.
	resp, _ = b.call("Auth", "Status")
	if len(resp.Cookies()) != 0 {
		t.Errorf("a second cookie was set: %v", resp.Cookies())
	}
	var st app.AuthStatus
	b.mustCall(&st, "Auth", "Status")
	if st.User == nil || st.User.Username != "desk" || st.ClinicName != "Serve Clinic" {
		t.Errorf("status = %+v", st)
	}
	// Another browser has its own session.
	var other app.AuthStatus
	s.browser(t).mustCall(&other, "Auth", "Status")
	if other.User != nil {
		t.Errorf("a second browser shares the first one's sign-in: %+v", other.User)
	}
	// A made-up token is a new, signed-out session.
	forged := s.browser(t)
	forged.cookie = &http.Cookie{Name: serve.CookieName, Value: "made-up"}
	resp, body := forged.call("Patients", "Search", "rivera", 10)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	if forged.cookie.Value == "made-up" {
		t.Error("a made-up session token was kept")
	}
}

func TestCallsOverHTTP(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	var p app.Patient
	desk.mustCall(&p, "Patients", "Register", patientForm)
	if p.MRN != app.MRN(1) || p.FamilyName != "Rivera" {
		t.Fatalf("registered %+v", p)
	}
	var hits []app.PatientHit
	desk.mustCall(&hits, "Patients", "Search", "rivera 1984-06-21", 10)
	if len(hits) != 1 || hits[0].ID != p.ID {
		t.Errorf("hits = %+v", hits)
	}
	// The audit trail names the browser's workstation.
	var entries []db.AuditEntryView
	s.app.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		entries, err = tx.Audit(db.AuditFilter{Action: "patient.register", Limit: 1})
		return err
	})
	if len(entries) != 1 || entries[0].Username != "desk" || !strings.HasSuffix(entries[0].Workstation, "(browser)") {
		t.Errorf("register entry: %+v", entries)
	}
	// A method without a result answers null.
	resp, body := desk.call("Auth", "Logout")
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "null" {
		t.Errorf("Logout answered %s %q", resp.Status, body)
	}
	resp, body = desk.call("Patients", "Search", "rivera", 10)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
}

// TestCrossOriginRefused: another web site's page in the same browser
// cannot call Folio, even with the session cookie.
func TestCrossOriginRefused(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	tests := []struct {
		name   string
		header map[string]string
	}{
		{"other origin", map[string]string{"Origin": "http://evil.example"}},
		{"other port", map[string]string{"Origin": "http://127.0.0.1:1"}},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"same-site fetch", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"both", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}},
		{"null origin", map[string]string{"Origin": "null"}},
	}
	body, _ := json.Marshal([]any{patientForm})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.counts(t)
			req := desk.request("POST", "/api/Patients/Register", bytes.NewReader(body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, answer := desk.do(req)
			wantError(t, resp, answer, http.StatusForbidden, app.Forbidden)
			if after := s.counts(t); after != before {
				t.Errorf("a cross-origin call wrote: %v -> %v", before, after)
			}
		})
	}
	// The same calls from Folio's own page go through.
	for _, h := range []map[string]string{
		{"Origin": "http://" + s.addr},
		{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + s.addr},
	} {
		req := desk.request("POST", "/api/Patients/Register", bytes.NewReader(freshPatientBody()))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if resp, answer := desk.do(req); resp.StatusCode != http.StatusOK {
			t.Errorf("same origin %v: %s %s", h, resp.Status, answer)
		}
	}
}

// TestHostAllowlist: a request must name this server exactly, so a page on
// another name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
func TestHostAllowlist(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	tests := []struct {
		host string
		ok   bool
	}{
		{"evil.example", false},
		{"evil.example:" + s.port(), false},
		{"127.0.0.1", false},
		{"127.0.0.1:1", false},
		{"127.0.0.2:" + s.port(), false},
		{"localhost.evil.example:" + s.port(), false},
		{"127.0.0.1:" + s.port(), true},
		{"localhost:" + s.port(), true},
		{"[::1]:" + s.port(), true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			before := s.counts(t)
			req := desk.request("POST", "/api/Patients/Register", bytes.NewReader(freshPatientBody()))
			req.Host = tt.host
			resp, answer := desk.do(req)
			if tt.ok {
				if resp.StatusCode != http.StatusOK {
					t.Errorf("Host %s: %s %s", tt.host, resp.Status, answer)
				}
				return
			}
			wantError(t, resp, answer, http.StatusForbidden, app.Forbidden)
			if after := s.counts(t); after != before {
				t.Errorf("a call with the wrong Host wrote: %v -> %v", before, after)
			}
			page := desk.request("GET", "/", nil)
			page.Host = tt.host
			if resp, answer := desk.do(page); resp.StatusCode != http.StatusForbidden || strings.Contains(string(answer), indexHTML) {
				t.Errorf("GET / with Host %s: %s", tt.host, resp.Status)
			}
		})
	}
}

func TestOnlyJSONPosts(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	body, _ := json.Marshal([]any{patientForm})
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
		"application/jsonp", "application/json-patch+json", "application/jsonx", "application/json; charset=latin1",
		"application/json; x=y", "text/json", "application/json, text/plain"} {
		t.Run("content type "+ct, func(t *testing.T) {
			before := s.counts(t)
			req := desk.request("POST", "/api/Patients/Register", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			resp, answer := desk.do(req)
			wantError(t, resp, answer, http.StatusBadRequest, app.Invalid)
			if after := s.counts(t); after != before {
				t.Errorf("a %q call wrote: %v -> %v", ct, before, after)
			}
		})
	}
	for _, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"} {
		req := desk.request("POST", "/api/Patients/Register", bytes.NewReader(freshPatientBody()))
		req.Header.Set("Content-Type", ct)
		if resp, answer := desk.do(req); resp.StatusCode != http.StatusOK {
			t.Errorf("%q: %s %s", ct, resp.Status, answer)
		}
	}
}

// TestNoCallsOnGet: the API answers POST only; other methods change nothing.
func TestNoCallsOnGet(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	for _, method := range []string{"GET", "HEAD", "PUT", "DELETE", "PATCH"} {
		t.Run(method, func(t *testing.T) {
			before := s.counts(t)
			var body io.Reader
			if method != "GET" && method != "HEAD" {
				body = strings.NewReader("[]")
			}
			resp, answer := desk.do(desk.request(method, "/api/Auth/Logout", body))
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s /api/Auth/Logout: %s %s", method, resp.Status, answer)
			}
			if after := s.counts(t); after != before {
				t.Errorf("%s wrote: %v -> %v", method, before, after)
			}
		})
	}
	var st app.AuthStatus
	desk.mustCall(&st, "Auth", "Status")
	if st.User == nil {
		t.Error("a non-POST request to Auth.Logout signed the browser out")
	}
}

func TestUnknownCalls(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	for _, path := range []string{
		"/api/Patients/Delete",
		"/api/Patients/search", // names are exact
		"/api/patients/Search",
		"/api/Billing/Status",
		"/api/Session/SignedIn",
		"/api/App/Close",
		"/api/App/BackupNow",
	} {
		resp, answer := desk.do(desk.request("POST", path, strings.NewReader("[]")))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %s %s", path, resp.Status, answer)
			continue
		}
		wantError(t, resp, answer, http.StatusNotFound, app.NotFound)
	}
}

func TestBadArguments(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	tests := []struct {
		name, path, body string
	}{
		{"too few", "/api/Patients/Search", `["rivera"]`},
		{"too many", "/api/Patients/Search", `["rivera", 10, 1]`},
		{"none for a call with some", "/api/Patients/Open", ``},
		{"wrong type", "/api/Patients/Search", `["rivera", "ten"]`},
		{"object for a string", "/api/Patients/Open", `[{"id": "x"}]`},
		{"not an array", "/api/Patients/Search", `{"query": "rivera", "limit": 10}`},
		{"not JSON", "/api/Patients/Search", `rivera`},
		{"cut off", "/api/Patients/Search", `["rivera", 1`},
		{"arguments for none", "/api/Auth/Status", `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.counts(t)
			resp, answer := desk.do(desk.request("POST", tt.path, strings.NewReader(tt.body)))
			wantError(t, resp, answer, http.StatusBadRequest, app.Invalid)
			if after := s.counts(t); after != before {
				t.Errorf("a bad call wrote: %v -> %v", before, after)
			}
		})
	}
	// An empty body is no arguments.
	resp, answer := desk.do(desk.request("POST", "/api/Auth/Status", strings.NewReader("")))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("empty body for Status: %s %s", resp.Status, answer)
	}
	// A body over the limit is refused whole.
	big := `["` + strings.Repeat("a", 9<<20) + `", 10]`
	resp, answer = desk.do(desk.request("POST", "/api/Patients/Search", strings.NewReader(big)))
	wantError(t, resp, answer, http.StatusBadRequest, app.Invalid)
}

// TestErrorKindsMapToStatus calls real methods that fail in each way.
func TestErrorKindsMapToStatus(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	admin := s.signIn(t, "admin", adminPassword)
	var p app.Patient
	desk.mustCall(&p, "Patients", "Register", patientForm)
	moved := patientForm
	moved.City = "Madison"
	desk.mustCall(nil, "Patients", "Correct", p.ID, moved, "moved", p.Version)

	t.Run("invalid 400 with fields", func(t *testing.T) {
		bad := patientForm
		bad.BirthDate = "2023-02-30"
		resp, body := desk.call("Patients", "Register", bad)
		if e := wantError(t, resp, body, http.StatusBadRequest, app.Invalid); e.Fields["birthDate"] == "" {
			t.Errorf("fields = %v", e.Fields)
		}
	})
	t.Run("unauthenticated 401", func(t *testing.T) {
		resp, body := s.browser(t).call("Patients", "Open", p.ID)
		wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
		resp, body = s.browser(t).call("Auth", "Login", "desk", "wrong-password")
		wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	})
	t.Run("forbidden 403", func(t *testing.T) {
		resp, body := desk.call("Chart", "Summary", p.ID)
		wantError(t, resp, body, http.StatusForbidden, app.Forbidden)
		if strings.Contains(string(body), "Rivera") {
			t.Errorf("a forbidden answer carries patient data: %s", body)
		}
		resp, body = admin.call("Patients", "Open", p.ID)
		wantError(t, resp, body, http.StatusForbidden, app.Forbidden)
	})
	t.Run("not found 404", func(t *testing.T) {
		resp, body := desk.call("Patients", "Open", "no-such-patient")
		wantError(t, resp, body, http.StatusNotFound, app.NotFound)
	})
	t.Run("conflict 409", func(t *testing.T) {
		again := patientForm
		again.City = "Salem"
		resp, body := desk.call("Patients", "Correct", p.ID, again, "moved again", p.Version) // stale version
		wantError(t, resp, body, http.StatusConflict, app.Conflict)
	})
	t.Run("a likely duplicate 409 with the charts it looks like", func(t *testing.T) {
		resp, body := desk.call("Patients", "Register", patientForm)
		e := wantError(t, resp, body, http.StatusConflict, app.Conflict)
		if len(e.Duplicates) != 1 || e.Duplicates[0].Patient.MRN != p.MRN || !strings.Contains(e.Message, p.MRN) {
			t.Errorf("duplicates %+v, message %q", e.Duplicates, e.Message)
		}
	})
	t.Run("internal 500 says nothing of the inside", func(t *testing.T) {
		admin.mustCall(nil, "Admin", "Backup")
		resp, body := admin.call("Admin", "Backup") // same clock: same file name
		e := wantError(t, resp, body, http.StatusInternalServerError, app.Internal)
		if strings.Contains(e.Message, "/") || strings.Contains(e.Message, "exists") {
			t.Errorf("internal error shows details: %q", e.Message)
		}
	})
	t.Run("locked 423", func(t *testing.T) {
		s.clock.Advance(11 * time.Minute)
		resp, body := desk.call("Patients", "Open", p.ID)
		wantError(t, resp, body, http.StatusLocked, app.Locked)
		desk.mustCall(nil, "Auth", "Unlock", frontDeskPassword)
		desk.mustCall(nil, "Patients", "Open", p.ID)
	})
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.1:8765", true},
		{"127.1.2.3:80", true},
		{"localhost:8765", true},
		{"[::1]:9", true},
		{"0.0.0.0:8765", false},
		{"[::]:8765", false},
		{":8765", false},
		{"192.168.1.5:80", false},
		{"10.0.0.1:8765", false},
		{"example.com:80", false},
		{"localhost.example.com:80", false},
		{"127.0.0.1", false},
		{"127.0.0.1:", false},
		{"localhost", false},
		{"", false},
	}
	for _, tt := range tests {
		err := serve.CheckAddr(tt.addr)
		if (err == nil) != tt.ok {
			t.Errorf("CheckAddr(%q) = %v, want ok %v", tt.addr, err, tt.ok)
		}
	}
	if err := serve.CheckAddr("0.0.0.0:8765"); err == nil || !strings.Contains(err.Error(), "only listens on this PC") {
		t.Errorf("message: %v", err)
	}
}

func TestServesUI(t *testing.T) {
	s := newServer(t)
	b := s.browser(t)
	for _, path := range []string{"/", "/index.html"} {
		resp, body := b.do(b.request("GET", path, nil))
		if path == "/index.html" && resp.StatusCode == http.StatusMovedPermanently {
			continue // the file server sends /index.html to /
		}
		if resp.StatusCode != http.StatusOK || string(body) != indexHTML {
			t.Errorf("GET %s: %s %q", path, resp.Status, body)
		}
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "no-referrer" || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: headers %v", path, h)
		}
	}
	resp, _ := b.do(b.request("GET", "/no-such-file.js", nil))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing file: %s", resp.Status)
	}
	// API answers carry the same headers.
	resp, _ = b.call("Auth", "Status")
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("API headers: %v", resp.Header)
	}
}

// TestConcurrentBrowsers: several browsers calling at once keep their own
// sessions (run with -race).
func TestConcurrentBrowsers(t *testing.T) {
	s := newServer(t)
	desks := []*browser{s.signIn(t, "desk", frontDeskPassword), s.signIn(t, "drlee", clinicianPassword)}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for _, b := range desks {
		wg.Go(func() {
			for range 10 {
				req, _ := http.NewRequest("POST", "http://"+s.addr+"/api/Patients/Register", bytes.NewReader(freshPatientBody()))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(b.cookie)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- errors.New(resp.Status)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c := s.counts(t); c[0] != 20 {
		t.Errorf("%d patients registered, want 20", c[0])
	}
}
