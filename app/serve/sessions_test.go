package serve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/serve"
	"folio/db"
)

// TestNoSessionBeforeSignIn: what a browser calls before anyone signs in
// (the sign-in screen's status, wrong passwords, calls that need a sign-in)
// answers as before but leaves no session and sets no cookie; the sign-in
// is what makes one.
func TestNoSessionBeforeSignIn(t *testing.T) {
	s := newServer(t)
	for range 50 {
		b := s.browser(t)
		var st app.AuthStatus
		b.mustCall(&st, "Auth", "Status")
		if st.ClinicName != "Serve Clinic" || st.SetupNeeded || st.User != nil {
			t.Fatalf("status before sign-in: %+v", st)
		}
		resp, body := b.call("Patients", "Search", "rivera", 10)
		wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
		b.call("Auth", "Touch")
		b.call("Auth", "Lock")
		b.call("Auth", "Logout")
		if b.cookie != nil {
			t.Fatalf("a cookie was set before sign-in: %+v", b.cookie)
		}
	}
	if n := s.serve.Sessions(); n != 0 {
		t.Errorf("%d sessions kept for browsers that never signed in", n)
	}
	b := s.browser(t)
	resp, body := b.call("Auth", "Login", "desk", "wrong-password")
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	if b.cookie != nil || s.serve.Sessions() != 0 {
		t.Errorf("a failed sign-in left a session: cookie %+v, %d sessions", b.cookie, s.serve.Sessions())
	}
	var u app.User
	b.mustCall(&u, "Auth", "Login", "desk", frontDeskPassword)
	if b.cookie == nil || u.Username != "desk" || s.serve.Sessions() != 1 {
		t.Fatalf("sign-in: cookie %+v, user %+v, %d sessions", b.cookie, u, s.serve.Sessions())
	}
	var st app.AuthStatus
	b.mustCall(&st, "Auth", "Status")
	if st.User == nil || st.User.Username != "desk" {
		t.Errorf("status after sign-in: %+v", st)
	}
	// Signing out drops the session and its cookie.
	b.mustCall(nil, "Auth", "Logout")
	if b.cookie == nil || b.cookie.Value != "" || s.serve.Sessions() != 0 {
		t.Errorf("after sign-out: cookie %+v, %d sessions", b.cookie, s.serve.Sessions())
	}
}

// TestSetupInBrowser: the first run's form signs its admin in with a
// session of its own.
func TestSetupInBrowser(t *testing.T) {
	a, err := app.Open(context.Background(), t.TempDir(), app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	s := serveApp(t, a)
	b := s.browser(t)
	var st app.AuthStatus
	b.mustCall(&st, "Auth", "Status")
	if !st.SetupNeeded || b.cookie != nil {
		t.Fatalf("before setup: %+v, cookie %+v", st, b.cookie)
	}
	b.mustCall(nil, "Auth", "Setup", app.SetupRequest{ClinicName: "New Clinic", Username: "admin", FullName: "Ad Min",
		Password: adminPassword})
	b.mustCall(&st, "Auth", "Status")
	if st.User == nil || st.User.Username != "admin" || b.cookie == nil {
		t.Errorf("after setup: %+v, cookie %+v", st, b.cookie)
	}
}

// serveApp serves a on a loopback listener of its own.
func serveApp(t *testing.T, a *app.App) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	face := serve.New(a, nil, ln.Addr())
	srv := &http.Server{Handler: face.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &server{app: a, addr: ln.Addr().String(), serve: face}
}

// TestNewTokenAtSignIn: a token known before a sign-in or an unlock is
// worth nothing after it. Someone who signs in with their own account and
// plants that cookie in the admin's browser gets nothing of the admin's
// sign-in there.
func TestNewTokenAtSignIn(t *testing.T) {
	s := newServer(t)
	planted := s.signIn(t, "desk", frontDeskPassword)
	attacker := &http.Cookie{Name: serve.CookieName, Value: planted.cookie.Value}

	victim := s.browser(t)
	victim.cookie = attacker
	var u app.User
	victim.mustCall(&u, "Auth", "Login", "admin", adminPassword)
	if u.Username != "admin" {
		t.Fatalf("signed in as %+v", u)
	}
	if victim.cookie.Value == attacker.Value {
		t.Fatal("the token from before the sign-in was kept")
	}
	victim.mustCall(nil, "Admin", "Users")

	stale := s.browser(t)
	stale.cookie = attacker
	resp, body := stale.call("Admin", "Users")
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	var st app.AuthStatus
	stale.mustCall(&st, "Auth", "Status")
	if st.User != nil {
		t.Errorf("the old token still names %+v", st.User)
	}

	// At an unlock, too.
	beforeUnlock := victim.cookie.Value
	victim.mustCall(nil, "Auth", "Lock")
	victim.mustCall(nil, "Auth", "Unlock", adminPassword)
	if victim.cookie.Value == beforeUnlock {
		t.Fatal("the token from before the unlock was kept")
	}
	victim.mustCall(nil, "Admin", "Users")
	stale.cookie = &http.Cookie{Name: serve.CookieName, Value: beforeUnlock}
	resp, body = stale.call("Admin", "Users")
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
}

// TestResetEndsBrowserSessions: a password reset or a disabled account
// ends the account's browser sessions at once, whether the admin did it in
// a browser of this server or in the desktop window (another Folio on the
// same data folder).
func TestResetEndsBrowserSessions(t *testing.T) {
	s := newServer(t)
	admin := s.signIn(t, "admin", adminPassword)
	dr := s.signIn(t, "drlee", clinicianPassword)
	locked := s.signIn(t, "drlee", clinicianPassword)
	locked.mustCall(nil, "Auth", "Lock")
	var users []app.User
	admin.mustCall(&users, "Admin", "Users")
	ids := map[string]string{}
	for _, u := range users {
		ids[u.Username] = u.ID
	}

	admin.mustCall(nil, "Admin", "ResetPassword", ids["drlee"], "brand-new-password")
	for _, b := range []*browser{dr, locked} {
		resp, body := b.call("Patients", "Search", "rivera", 10)
		wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
		var st app.AuthStatus
		b.mustCall(&st, "Auth", "Status")
		if st.User != nil {
			t.Errorf("status after the reset: %+v", st.User)
		}
	}
	resp, body := locked.call("Auth", "Unlock", clinicianPassword)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	dr = s.signIn(t, "drlee", "brand-new-password")

	// The desktop window, open on the same data, disables the account.
	desktop, err := app.Open(context.Background(), s.dir, app.Options{Now: s.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer desktop.Close()
	window := desktop.NewSession("front-pc")
	services := desktop.Services(window)
	auth, adminService := services[0].(*app.Auth), services[4].(*app.Admin)
	if _, err := auth.Login("admin", adminPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := adminService.SetUserActive(ids["drlee"], false); err != nil {
		t.Fatal(err)
	}
	resp, body = dr.call("Patients", "Search", "rivera", 10)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	if _, err := adminService.SetUserActive(ids["drlee"], true); err != nil {
		t.Fatal(err)
	}
	resp, body = dr.call("Patients", "Search", "rivera", 10)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	// ... and the desktop's reset ends a browser session as well.
	dr = s.signIn(t, "drlee", "brand-new-password")
	if err := adminService.ResetPassword(ids["drlee"], "third-new-password"); err != nil {
		t.Fatal(err)
	}
	var st app.AuthStatus
	dr.mustCall(&st, "Auth", "Status")
	if st.User != nil {
		t.Errorf("status after the desktop's reset: %+v", st.User)
	}
	resp, body = dr.call("Patients", "Search", "rivera", 10)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	if n := s.serve.Sessions(); n != 1 {
		t.Errorf("%d sessions kept, want the admin's only", n)
	}
}

// TestSessionsExpireAndAreCapped: a session unused for 4 hours is gone,
// and one account signing in again and again keeps at most 10.
func TestSessionsExpireAndAreCapped(t *testing.T) {
	s := newServer(t)
	idle := s.signIn(t, "desk", frontDeskPassword)
	s.clock.Advance(4*time.Hour - time.Second)
	resp, body := idle.call("Patients", "Search", "rivera", 10)
	wantError(t, resp, body, http.StatusLocked, app.Locked) // the screen locked long ago; the session is kept
	idle.mustCall(nil, "Auth", "Unlock", frontDeskPassword)
	s.clock.Advance(4 * time.Hour)
	resp, body = idle.call("Auth", "Unlock", frontDeskPassword)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
	if n := s.serve.Sessions(); n != 0 {
		t.Errorf("%d sessions after 4 idle hours", n)
	}

	// However busy, a session lasts a day from its sign-in.
	busy := s.signIn(t, "desk", frontDeskPassword)
	for range 24 {
		s.clock.Advance(time.Hour)
		busy.call("Auth", "Touch")
	}
	resp, body = busy.call("Auth", "Unlock", frontDeskPassword)
	wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)

	var browsers []*browser
	for range 12 {
		browsers = append(browsers, s.signIn(t, "desk", frontDeskPassword))
		s.clock.Advance(time.Second)
	}
	other := s.signIn(t, "drlee", clinicianPassword)
	if n := s.serve.Sessions(); n != 11 {
		t.Errorf("%d sessions, want 10 of desk and 1 of drlee", n)
	}
	for i, b := range browsers {
		resp, _ := b.call("Patients", "Search", "rivera", 10)
		if (resp.StatusCode == http.StatusOK) != (i >= 2) {
			t.Errorf("desk's browser %d: %s", i, resp.Status)
		}
	}
	other.mustCall(nil, "Patients", "Search", "rivera", 10)
}

// rawPost sends a request's head and the first part of its body, then
// waits for the answer without sending the rest: a server that reads the
// whole body before answering never answers, and the test fails when the
// read deadline passes instead.
func rawPost(t *testing.T, s *server, path, head string, sent []byte) (status string, answer string) {
	t.Helper()
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s\r\n", path, s.addr, head)
	if _, err := conn.Write(sent); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s with %q: no answer before the rest of the body: %v", path, head, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.Status, string(body)
}

// TestLargeBodyRefusedUnread: an 85 MB call is refused before its body is
// read: without a session for a call that needs one, and past the call's
// own limit for the calls of the sign-in screen.
func TestLargeBodyRefusedUnread(t *testing.T) {
	s := newServer(t)
	const size = 85 << 20
	first := []byte(`["` + strings.Repeat("a", 64<<10))
	tests := []struct {
		path, head, want string
	}{
		{"/api/Chart/AddDocument", fmt.Sprintf("Content-Length: %d\r\n", size), "401"},
		{"/api/Patients/Search", fmt.Sprintf("Content-Length: %d\r\n", size), "401"},
		{"/api/Auth/Login", fmt.Sprintf("Content-Length: %d\r\n", size), "400"},
		{"/api/Auth/Status", fmt.Sprintf("Content-Length: %d\r\n", size), "400"},
		// Without a length, a body is read only up to the call's limit.
		{"/api/Auth/Login", "Transfer-Encoding: chunked\r\n", "400"},
		{"/api/Chart/AddDocument", "Transfer-Encoding: chunked\r\n", "401"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+strings.Fields(tt.head)[0], func(t *testing.T) {
			sent := first
			if strings.HasPrefix(tt.head, "Transfer-Encoding") {
				sent = append([]byte(fmt.Sprintf("%x\r\n", len(first)+1)), append(append([]byte{}, first...), "a\r\n"...)...)
				sent = append(sent, fmt.Sprintf("%x\r\n%s\r\n", len(first), first)...)
			}
			status, answer := rawPost(t, s, tt.path, tt.head, sent)
			if !strings.HasPrefix(status, tt.want) {
				t.Errorf("%s %s: %s %s", tt.path, tt.head, status, answer)
			}
		})
	}
	// A signed-in browser's call still reads up to its own limit.
	desk := s.signIn(t, "desk", frontDeskPassword)
	padded := `["rivera",` + strings.Repeat(" ", 1<<20) + `10]`
	resp, body := desk.do(desk.request("POST", "/api/Patients/Search", strings.NewReader(padded)))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a 1 MB call from a signed-in browser: %s %s", resp.Status, body)
	}
}

// zeros is an endless JSON string's worth of "a", read lazily: a body of
// any size that takes no memory to send.
type zeros struct{ left int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	z.left -= n
	return int(n), nil
}

// TestLargeBodiesTakeNoMemory: four 85 MB calls at once from a stranger
// are answered without the server holding their bodies. Memory is judged
// by the bytes allocated meanwhile (client and server share this process;
// sending a body from zeros allocates nearly nothing): reading even one
// body would be over 8 MB.
func TestLargeBodiesTakeNoMemory(t *testing.T) {
	s := newServer(t)
	const size = 85 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i, path := range []string{"/api/Chart/AddDocument", "/api/Chart/StartImport", "/api/Patients/Search", "/api/Auth/Login"} {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", "http://"+s.addr+path, &zeros{left: size})
			req.ContentLength = size
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("4 calls of 85 MB: %d KB allocated, statuses %v", allocated>>10, statuses)
	if allocated > 8<<20 {
		t.Errorf("4 refused calls of 85 MB allocated %d MB", allocated>>20)
	}
	if statuses[0] != 401 || statuses[1] != 401 || statuses[2] != 401 || statuses[3] != 400 {
		t.Errorf("statuses %v, want 401 401 401 400", statuses)
	}
}

// TestSignInDelaysOverHTTP: wrong passwords slow the browser's network
// address, not the account: a browser at another address signs the admin
// in at once. A disabled or unknown account answers a wrong password as a
// real one does; only the right password hears that an account is disabled.
func TestSignInDelaysOverHTTP(t *testing.T) {
	s := newServer(t)
	for i := range 8 {
		resp, body := s.browser(t).call("Auth", "Login", "admin", "guess-guess")
		if i < 5 {
			wantError(t, resp, body, http.StatusUnauthorized, app.Unauthenticated)
		} else if e := wantError(t, resp, body, http.StatusForbidden, app.Forbidden); !strings.Contains(e.Message, "Try again in") {
			t.Errorf("wrong password %d: %q", i+1, e.Message)
		}
	}
	var failed []db.AuditEntryView
	s.app.DB().View(context.Background(), func(tx *db.Tx) (err error) {
		failed, err = tx.Audit(db.AuditFilter{Action: "login.failed", Limit: 1})
		return err
	})
	if len(failed) != 1 || !strings.Contains(failed[0].Detail, "from 127.0.0.1") {
		t.Errorf("the failed sign-in's audit entry does not name the browser's address: %+v", failed)
	}
	// Another PC on the clinic's network: another address (any 127.x.x.x
	// reaches a loopback listener).
	elsewhere := s.browser(t)
	elsewhere.client = &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	elsewhere.mustCall(nil, "Auth", "Login", "admin", adminPassword)
	// At the guessing address, the right password after the wait.
	s.clock.Advance(time.Second)
	admin := s.signIn(t, "admin", adminPassword)

	var users []app.User
	admin.mustCall(&users, "Admin", "Users")
	for _, u := range users {
		if u.Username == "desk" {
			admin.mustCall(nil, "Admin", "SetUserActive", u.ID, false)
		}
	}
	var answers []string
	for _, name := range []string{"desk", "nobody", "drlee"} {
		resp, body := s.browser(t).call("Auth", "Login", name, "wrong-password")
		answers = append(answers, resp.Status+" "+string(body))
	}
	if answers[0] != answers[1] || answers[1] != answers[2] {
		t.Errorf("wrong passwords of a disabled, an unknown and an active account are told apart:\n%s", strings.Join(answers, "\n"))
	}
	resp, body := s.browser(t).call("Auth", "Login", "desk", frontDeskPassword)
	if e := wantError(t, resp, body, http.StatusForbidden, app.Forbidden); !strings.Contains(e.Message, "disabled") {
		t.Errorf("right password of a disabled account: %q", e.Message)
	}
}

// TestBackgroundCallsDoNotKeepAwake: a screen that only reads again what
// change notices tell it of (Folio-Background: 1) is idle, however many
// such reads it makes: its session locks after the idle time. The
// person's own calls keep it awake.
func TestBackgroundCallsDoNotKeepAwake(t *testing.T) {
	tests := []struct {
		name       string
		background bool
		lockedFrom time.Duration // 0: never locked
	}{
		{"re-reads after notices", true, 12 * time.Minute},
		{"the person's calls", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			desk := s.signIn(t, "desk", frontDeskPassword)
			for at := 4 * time.Minute; at <= 20*time.Minute; at += 4 * time.Minute {
				s.clock.Advance(4 * time.Minute)
				req := desk.request("POST", "/api/Patients/Search", strings.NewReader(`["rivera", 10]`))
				if tt.background {
					req.Header.Set(serve.BackgroundHeader, "1")
				}
				resp, body := desk.do(req)
				if tt.lockedFrom != 0 && at >= tt.lockedFrom {
					wantError(t, resp, body, http.StatusLocked, app.Locked)
				} else if resp.StatusCode != http.StatusOK {
					t.Fatalf("at %v: %s %s", at, resp.Status, body)
				}
			}
		})
	}
}
