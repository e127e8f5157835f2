package serve_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"folio/app"
	"folio/app/serve"
)

// TestProxyHostGone: a workstation whose host does not answer says so as
// "unreachable" (502), which the UI reads as no answer (it keeps a save and
// sends it again), not as a server error with a message.
func TestProxyHostGone(t *testing.T) {
	// A port nobody listens on any more: the host is off.
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostAddr := gone.Addr().String()
	gone.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := serve.NewWorkstationProxy(fstest.MapFS{"index.html": {Data: []byte(indexHTML)}}, ln.Addr(), hostAddr,
		http.DefaultTransport, nil)
	srv := &http.Server{Handler: p.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/api/Chart/AddAllergy", bytes.NewReader([]byte("[]")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(serve.RequestIDHeader, "abc-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e app.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadGateway || e.Kind != "unreachable" || e.Message == "" {
		t.Errorf("got %s %+v, want 502 unreachable", resp.Status, e)
	}
}

// TestWindowProxyKeepsTheSession: in the workstation's window the host's
// session cookie stays with the proxy: the page never gets it (its web view
// would not keep a Secure cookie for the window's scheme) nor can it send
// one of its own; the proxy sends it with each call until the host clears
// it at sign-out.
func TestWindowProxyKeepsTheSession(t *testing.T) {
	host := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/Auth/Login":
			http.SetCookie(w, &http.Cookie{Name: serve.CookieName, Value: "token-1", Path: "/", Secure: true, HttpOnly: true})
		case "/api/Auth/Logout":
			http.SetCookie(w, &http.Cookie{Name: serve.CookieName, Value: "", Path: "/", Secure: true, MaxAge: -1})
		}
		c, _ := r.Cookie(serve.CookieName)
		session := "none"
		if c != nil {
			session = c.Value
		}
		json.NewEncoder(w).Encode(map[string]string{"session": session})
	}))
	t.Cleanup(host.Close)
	p := serve.NewWindowProxy(host.Listener.Addr().String(), host.Client().Transport, nil)

	call := func(method string, forged bool) (string, *httptest.ResponseRecorder) {
		t.Helper()
		req := httptest.NewRequest("POST", "wails://wails/api/Auth/"+method, bytes.NewReader([]byte("[]")))
		req.Header.Set("Content-Type", "application/json")
		if forged {
			req.AddCookie(&http.Cookie{Name: serve.CookieName, Value: "forged"})
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		var answer map[string]string
		json.Unmarshal(rec.Body.Bytes(), &answer)
		return answer["session"], rec
	}
	for _, step := range []struct {
		method     string
		forged     bool
		hostSees   string
		hasSession bool
	}{
		{"Status", true, "none", false},
		{"Login", false, "none", true},
		{"Status", false, "token-1", true},
		{"Status", true, "token-1", true},
		{"Logout", false, "token-1", false},
		{"Status", false, "none", false},
	} {
		got, rec := call(step.method, step.forged)
		if rec.Code != http.StatusOK || got != step.hostSees {
			t.Errorf("%s (page's cookie %v): the host saw session %q (%d); want %q", step.method, step.forged, got, rec.Code, step.hostSees)
		}
		if len(rec.Result().Cookies()) != 0 {
			t.Errorf("%s: the page was handed cookies %v", step.method, rec.Result().Cookies())
		}
		if p.HasSession() != step.hasSession {
			t.Errorf("after %s: HasSession = %v, want %v", step.method, p.HasSession(), step.hasSession)
		}
	}
}
