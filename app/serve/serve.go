// Package serve is Folio's HTTP face: the bundled UI and the same service
// methods the desktop window binds, for a browser on this PC.
//
// A call is POST /api/{Service}/{Method} with the arguments as a JSON array;
// the answer is the result as JSON, or an app.Error with a status code.
// Each browser gets its own session (a cookie). Requests must name this
// server exactly in Host (against DNS rebinding) and come from its own
// origin (against other sites' pages calling it).
package serve

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"folio/app"
)

// CookieName holds the session token. __Host- makes the browser refuse it
// unless it is Secure, host-only and Path=/; browsers treat loopback as a
// secure context, so it works over plain http://127.0.0.1.
const CookieName = "__Host-folio-session"

// sessionTTL drops a browser's session after this long without a call.
const sessionTTL = 12 * time.Hour

// Server serves one App to browsers on this PC.
type Server struct {
	app    *app.App
	assets http.Handler
	hosts  map[string]bool
	log    *slog.Logger
	// workstation names this PC's browser in the audit trail.
	workstation string

	mu       sync.Mutex
	sessions map[string]*browserSession
}

type browserSession struct {
	session  *app.Session
	lastSeen time.Time
}

// CheckAddr refuses anything but a loopback address: serve mode has no TLS
// and is meant for a browser on this same PC.
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("the address %q is not host:port, e.g. 127.0.0.1:8765", addr)
	}
	if port == "" {
		return fmt.Errorf("the address %q has no port, e.g. 127.0.0.1:8765", addr)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("folio serve only listens on this PC (127.0.0.1 or localhost), not on %q: serving the clinic's network is not supported yet", host)
	}
	return nil
}

// New makes a server for the listener's actual address (after port 0 is
// resolved), with the UI's files in assets.
func New(a *app.App, assets fs.FS, addr net.Addr) *Server {
	_, port, _ := net.SplitHostPort(addr.String())
	hosts := map[string]bool{}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]"} {
		hosts[h+":"+port] = true
	}
	host, _ := os.Hostname()
	return &Server{
		app: a, assets: http.FileServerFS(assets), hosts: hosts, log: a.Logger(), workstation: host + " (browser)",
		sessions: map[string]*browserSession{},
	}
}

// Handler is the whole HTTP face, with its checks.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /api/{service}/{method}", fileHeaders(http.HandlerFunc(s.call)))
	mux.Handle("GET /", s.assets)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &app.Error{Kind: app.Forbidden, Message: "Requests from other web sites are refused."})
	}))
	return s.checkHost(securityHeaders(csrf.Handler(mux)))
}

func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hosts[r.Host] {
			writeError(w, &app.Error{Kind: app.Forbidden, Message: "Folio answers only at its own address on this PC."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// 'wasm-unsafe-eval' lets the PDF viewer compile its bundled image
		// decoders (JPEG 2000, JBIG2, as scanners make); it allows no eval of JS.
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// fileCalls answer with a file a user attached: a document's bytes, which
// came from outside the clinic.
var fileCalls = map[string]bool{"Chart/DocumentContent": true}

// fileHeaders makes the answer of a call in fileCalls one that no browser
// runs, shows as a page or lets another site read, whatever the file holds:
// a sandbox with nothing allowed, an attachment, never sniffed. The UI reads
// it with fetch, which none of these hinder.
func fileHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fileCalls[r.PathValue("service")+"/"+r.PathValue("method")] {
			h := w.Header()
			h.Set("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'")
			h.Set("Content-Disposition", "attachment")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
		}
		next.ServeHTTP(w, r)
	})
}

const maxBody = 8 << 20

// largeCalls may send more than maxBody: a document's file travels inside
// the call as base64, 4 bytes for every 3, beside the form's other fields.
var largeCalls = map[string]int64{
	"Chart/AddDocument": int64(base64.StdEncoding.EncodedLen(app.MaxDocumentBytes)) + 1<<20,
	// A file to import (a FHIR bundle or an archive) as base64, up to the
	// largest bundle the importer reads.
	"Chart/StartImport": int64(base64.StdEncoding.EncodedLen(app.MaxImportFileBytes)) + 1<<20,
}

// maxDrain bounds how much of a too-large call is read and thrown away, so
// that a browser still sending it gets the answer, not a reset connection.
const maxDrain = 256 << 20

// readBody reads a call's JSON, at most its limit.
func readBody(r *http.Request) ([]byte, *app.Error) {
	call := r.PathValue("service") + "/" + r.PathValue("method")
	limit, large := largeCalls[call]
	if !large {
		limit = maxBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, &app.Error{Kind: app.Invalid, Message: "The request was cut off; try again."}
	}
	if int64(len(body)) <= limit {
		return body, nil
	}
	io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain))
	if call == "Chart/AddDocument" {
		return nil, app.DocumentTooLarge()
	}
	return nil, &app.Error{Kind: app.Invalid, Message: "The request is too large."}
}

func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, &app.Error{Kind: app.Invalid, Message: "Calls must send JSON."})
		return
	}
	body, refused := readBody(r)
	if refused != nil {
		writeError(w, refused)
		return
	}
	sess := s.session(w, r)
	method, ok := findMethod(s.app.Services(sess), r.PathValue("service"), r.PathValue("method"))
	if !ok {
		writeError(w, &app.Error{Kind: app.NotFound, Message: "Folio has no such call."})
		return
	}
	args, err := decodeArgs(method.Type(), body)
	if err != nil {
		writeError(w, &app.Error{Kind: app.Invalid, Message: err.Error()})
		return
	}
	result, err := invoke(method, args)
	if err != nil {
		writeError(w, app.AsError(err, s.log))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(result)
}

// findMethod finds an exported method of one of the services by name.
func findMethod(services []any, service, method string) (reflect.Value, bool) {
	for _, svc := range services {
		v := reflect.ValueOf(svc)
		if v.Elem().Type().Name() != service {
			continue
		}
		m := v.MethodByName(method)
		return m, m.IsValid()
	}
	return reflect.Value{}, false
}

func decodeArgs(t reflect.Type, body []byte) ([]reflect.Value, error) {
	var raw []json.RawMessage
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, fmt.Errorf("The arguments must be a JSON array.")
		}
	}
	if len(raw) != t.NumIn() {
		return nil, fmt.Errorf("This call takes %d arguments, not %d.", t.NumIn(), len(raw))
	}
	args := make([]reflect.Value, len(raw))
	for i, r := range raw {
		p := reflect.New(t.In(i))
		if err := json.Unmarshal(r, p.Interface()); err != nil {
			return nil, fmt.Errorf("Argument %d has the wrong type.", i+1)
		}
		args[i] = p.Elem()
	}
	return args, nil
}

// invoke calls a service method shaped func(...) error or func(...) (T, error).
func invoke(m reflect.Value, args []reflect.Value) (any, error) {
	out := m.Call(args)
	last := out[len(out)-1]
	if !last.IsNil() {
		return nil, last.Interface().(error)
	}
	if len(out) == 1 {
		return nil, nil
	}
	return out[0].Interface(), nil
}

// session finds the browser's session by cookie, or starts one.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *app.Session {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, err := r.Cookie(CookieName); err == nil {
		if bs, ok := s.sessions[c.Value]; ok && now.Sub(bs.lastSeen) < sessionTTL {
			bs.lastSeen = now
			return bs.session
		}
	}
	for token, bs := range s.sessions {
		if now.Sub(bs.lastSeen) >= sessionTTL {
			delete(s.sessions, token)
		}
	}
	token := newToken()
	bs := &browserSession{session: s.app.NewSession(s.workstation), lastSeen: now}
	s.sessions[token] = bs
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
	return bs.session
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// statusOf is the one place where error kinds become HTTP status codes.
func statusOf(kind app.Kind) int {
	switch kind {
	case app.Invalid:
		return http.StatusBadRequest
	case app.NotFound:
		return http.StatusNotFound
	case app.Conflict:
		return http.StatusConflict
	case app.Forbidden:
		return http.StatusForbidden
	case app.Unauthenticated:
		return http.StatusUnauthorized
	case app.Locked:
		return http.StatusLocked
	default:
		return http.StatusInternalServerError
	}
}

func writeError(w http.ResponseWriter, e *app.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(statusOf(e.Kind))
	json.NewEncoder(w).Encode(e)
}
