// Package serve is Folio's HTTP face: the bundled UI and the same service
// methods the desktop window binds, for a browser on this PC, or (NewLAN,
// behind the lan package's TLS) for the clinic's other computers.
//
// A call is POST /api/{Service}/{Method} with the arguments as a JSON array;
// the answer is the result as JSON, or an app.Error with a status code.
// GET /api/events streams what others change to a signed-in screen
// (events.go).
// Each browser gets its own session (a cookie). Requests must name this
// server exactly in Host (against DNS rebinding) and come from its own
// origin (against other sites' pages calling it).
package serve

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"folio/app"
	"folio/app/throttle"
)

// CookieName holds the session token. __Host- makes the browser refuse it
// unless it is Secure, host-only and Path=/; browsers treat loopback as a
// secure context, so it works over plain http://127.0.0.1.
const CookieName = "__Host-folio-session"

// A browser's session is kept in memory from its sign-in only: a call
// without a session cookie is answered by a throw-away signed-out session,
// so callers who never sign in leave nothing behind.
const (
	// sessionIdle drops a session after this long without a call. The
	// screen locks long before (after the clinic's idle minutes, 10 by
	// default); keeping the locked session lets a person back from a long
	// visit or lunch unlock with their password and find their unsaved
	// forms. Beyond half a clinic day nobody comes back to one.
	sessionIdle = 4 * time.Hour
	// sessionMaxAge ends a session a day after its sign-in (or unlock),
	// however busy: a stolen token is worth a day at most, and a clinic
	// day, late shifts included, fits.
	sessionMaxAge = 24 * time.Hour
	// maxSessions bounds memory: a small clinic has some tens of people
	// with a browser or two each; past it the least recently used goes.
	maxSessions = 500
	// maxSessionsPerUser: one account signing in again and again (a script
	// with a colleague's password) pushes out only its own oldest session,
	// never other people's. Ten is more browsers than anyone uses.
	maxSessionsPerUser = 10
)

// Server serves one App to browsers on this PC.
type Server struct {
	app    *app.App
	assets http.Handler
	// accepts says whether a request's Host header names this server.
	accepts func(host string) bool
	// lan: serving the clinic's network (over TLS), not only this PC.
	lan bool
	log *slog.Logger
	// workstation names this PC's browser in the audit trail.
	workstation string

	// pairing limits pairing requests per address (workstations.go).
	pairing *throttle.Limiter
	// gatewayLimit limits each device token's posts (gateway.go).
	gatewayLimit gatewayLimiter

	mu       sync.Mutex
	sessions map[string]*browserSession
	// replies are each user's last answers by request id (replies.go),
	// kept per user as the ids are: the same person's sessions share them.
	replies map[string]*replies
	// The screens' change streams (see events.go).
	streams      int
	heartbeat    time.Duration
	sessionCheck time.Duration
	stopped      chan struct{}
	stopOnce     sync.Once
}

type browserSession struct {
	session    *app.Session
	userID     string
	signedInAt time.Time
	lastSeen   time.Time
	streams    int // change streams open (see events.go)
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
		return fmt.Errorf("folio serve only listens on this PC (127.0.0.1 or localhost), not on %q: to serve the clinic's other computers, use folio serve --lan (HTTPS)", host)
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
	return newServer(a, assets, func(host string) bool { return hosts[host] })
}

// NewLAN is New for the clinic's network (folio serve --lan, behind TLS):
// a request is answered when accepts says its Host header names this host,
// asked on every request since the host's addresses may change as it runs.
func NewLAN(a *app.App, assets fs.FS, accepts func(host string) bool) *Server {
	s := newServer(a, assets, accepts)
	s.lan = true
	return s
}

func newServer(a *app.App, assets fs.FS, accepts func(string) bool) *Server {
	host, _ := os.Hostname()
	return &Server{
		app: a, assets: http.FileServerFS(assets), accepts: accepts, log: a.Logger(), workstation: host + " (browser)",
		sessions: map[string]*browserSession{}, replies: map[string]*replies{},
		heartbeat: defaultHeartbeat, sessionCheck: defaultSessionCheck, stopped: make(chan struct{}),
		pairing: throttle.New(pairingPolicy),
	}
}

// Handler is the whole HTTP face, with its checks.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /api/{service}/{method}", fileHeaders(http.HandlerFunc(s.call)))
	mux.Handle("GET /api/events", http.HandlerFunc(s.events))
	mux.Handle("GET /", s.assets)
	mux.HandleFunc("POST "+app.GatewayPath, s.gateway)
	mux.HandleFunc("POST "+app.GatewayPath+"/Observation", s.gateway)
	if s.lan {
		mux.HandleFunc("POST /pair/request", s.pairRequest)
		mux.HandleFunc("POST /pair/status", s.pairStatus)
	}
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &app.Error{Kind: app.Forbidden, Message: "Requests from other web sites are refused."})
	}))
	return s.checkHost(s.identify(securityHeaders(csrf.Handler(mux))))
}

func (s *Server) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.accepts(r.Host) {
			msg := "Folio answers only at its own address on this PC."
			if s.lan {
				msg = "Folio answers only at the host's own names and addresses."
			}
			writeError(w, &app.Error{Kind: app.Forbidden, Message: msg})
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

// anonymousCalls are the calls a browser makes before anyone signs in (the
// sign-in, lock and first-run screens), or that are harmless then. They
// need no session, and their arguments are a few short strings.
var anonymousCalls = map[string]bool{
	"Auth/Status": true, "Auth/Login": true, "Auth/Setup": true, "Auth/Logout": true,
	"Auth/Lock": true, "Auth/Unlock": true, "Auth/Touch": true,
	// The first-run screen's restore (refused by Folio once the PC holds a
	// clinic): a replica's address and keys, or a backup's path.
	"Auth/PrepareClinicRestore": true, "Auth/RestoreClinicNow": true,
}

// maxAnonymousBody is the most an anonymous call may send: the first run's
// form, the largest, is some hundreds of bytes.
const maxAnonymousBody = 64 << 10

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
// Only a signed-in browser's call is drained; a stranger's is not read.
const maxDrain = 256 << 20

// bodyLimit is the most the call may send; signedIn: past the session check.
func bodyLimit(call string, signedIn bool) int64 {
	if anonymousCalls[call] {
		return maxAnonymousBody
	}
	if limit, ok := largeCalls[call]; ok && signedIn {
		return limit
	}
	return maxBody
}

// readBody reads a call's JSON, at most limit bytes: a body announced
// larger is refused before a byte of it is read, and one that grows larger
// is cut at the limit. drain reads the rest of a refused body (see maxDrain).
func readBody(w http.ResponseWriter, r *http.Request, call string, limit int64, drain bool) ([]byte, *app.Error) {
	var body []byte
	tooLarge := r.ContentLength > limit
	if !tooLarge {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var over *http.MaxBytesError
		tooLarge = errors.As(err, &over)
		if err != nil && !tooLarge {
			return nil, &app.Error{Kind: app.Invalid, Message: "The request was cut off; try again."}
		}
	}
	if !tooLarge {
		return body, nil
	}
	if drain {
		io.Copy(io.Discard, io.LimitReader(r.Body, maxDrain))
	} else {
		w.Header().Set("Connection", "close")
	}
	if call == "Chart/AddDocument" {
		return nil, app.DocumentTooLarge()
	}
	return nil, &app.Error{Kind: app.Invalid, Message: "The request is too large."}
}

// isJSON accepts exactly application/json, with at most a UTF-8 charset
// (JSON is UTF-8): not a type that merely starts so, like application/jsonp.
func isJSON(contentType string) bool {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil || media != "application/json" {
		return false
	}
	for name, value := range params {
		if name != "charset" || !strings.EqualFold(value, "utf-8") {
			return false
		}
	}
	return true
}

func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, &app.Error{Kind: app.Invalid, Message: "Calls must send JSON."})
		return
	}
	name := r.PathValue("service") + "/" + r.PathValue("method")
	token, bs := s.find(r)
	// Who calls is settled before a byte of the body is read: a call that
	// needs a sign-in is refused unread without one, however large.
	signedIn := false
	if !anonymousCalls[name] {
		var err error
		if bs != nil {
			err = s.app.CheckSession(bs.session)
		} else {
			err = &app.Error{Kind: app.Unauthenticated, Message: "Please sign in."}
		}
		if err != nil {
			w.Header().Set("Connection", "close")
			if bs != nil && !bs.session.SignedIn() {
				s.keep(w, token, bs, bs.session, 0)
			} else if bs == nil && token != "" {
				clearCookie(w)
			}
			writeError(w, app.AsError(err, s.log))
			return
		}
		signedIn = true
	}
	c := app.Call{Name: name, Background: r.Header.Get(BackgroundHeader) == "1"}
	if id := r.Header.Get(RequestIDHeader); id != "" && signedIn {
		c.RequestID = id
		s.callOnce(w, r, c, token, bs)
		return
	}
	s.run(w, r, c, token, bs, signedIn)
}

// callOnce runs a call named by a request id once per user (see
// RequestIDHeader): a repeat gets the first answer, waiting for it if the
// first is still running. The answers in memory settle repeats that come
// together; the database settles those that come after a restart.
func (s *Server) callOnce(w http.ResponseWriter, r *http.Request, c app.Call, token string, bs *browserSession) {
	id, name := c.RequestID, c.Name
	if !validRequestID(id) {
		writeError(w, &app.Error{Kind: app.Invalid, Message: "The request's id is not one Folio makes."})
		return
	}
	for {
		rs, rep, first := s.claim(bs.userID, id, name, s.app.Now())
		if first {
			rec := newRecorder()
			if s.runOnce(rec, r, c, token, bs) {
				rs.finish(rep, rec)
			} else {
				rs.release(id, rep)
			}
			rec.send(w)
			return
		}
		select {
		case <-rep.done:
		case <-r.Context().Done():
			return
		}
		if rep.released {
			continue // the first did not run: this one runs it
		}
		if rep.call != name {
			writeError(w, errIDReused)
			return
		}
		rep.send(w)
		return
	}
}

// runOnce is run for a call with a request id that this process has not
// answered: a write the user made with the id before the host restarted
// is answered as it was then, without running it again; a call that now
// makes a write keeps its answer in the database before it is sent. It
// answers whether the answer in rec may be remembered.
func (s *Server) runOnce(rec *recorder, r *http.Request, c app.Call, token string, bs *browserSession) bool {
	kept, ok, err := s.app.KeptAnswer(bs.session, c.RequestID)
	switch {
	case err != nil:
		writeError(rec, app.AsError(err, s.log))
		return false // not known: a repeat looks again
	case ok && kept.Call != c.Name:
		writeError(rec, errIDReused)
		return false // the id's own call, sent again, gets its answer
	case ok && kept.Status == 0:
		rec.Header().Set(repeatedHeader, "1")
		writeError(rec, app.ErrAlreadyMade)
		return true
	case ok:
		rec.Header().Set("Content-Type", "application/json")
		rec.Header().Set(repeatedHeader, "1")
		rec.WriteHeader(kept.Status)
		rec.Write(kept.Body)
		return true
	}
	handle, ran := s.run(rec, r, c, token, bs, true)
	if handle != nil {
		if err := s.app.KeepAnswer(handle, rec.status, rec.body.Bytes()); err != nil {
			// The write was made and is answered; only a repeat after a
			// restart would be told it was made without its answer.
			s.log.Warn("could not keep a write's answer", "call", c.Name, "err", err)
		}
	}
	return ran
}

// run reads a call's arguments, runs it and answers; it answers the
// session handle the call ran with, and whether the call ran (its
// arguments arrived whole, so that a repeat would do the same).
func (s *Server) run(w http.ResponseWriter, r *http.Request, c app.Call, token string, bs *browserSession, signedIn bool) (*app.Session, bool) {
	name := c.Name
	var sess *app.Session
	if bs != nil {
		sess = bs.session
	} else {
		sess = s.newSession(r)
	}
	body, refused := readBody(w, r, name, bodyLimit(name, signedIn), signedIn)
	if refused != nil {
		writeError(w, refused)
		return nil, false
	}
	handle := sess.ForCall(c)
	method, ok := findMethod(s.app.Services(handle), r.PathValue("service"), r.PathValue("method"))
	if !ok {
		writeError(w, &app.Error{Kind: app.NotFound, Message: "Folio has no such call."})
		return nil, true
	}
	args, err := decodeArgs(method.Type(), body)
	if err != nil {
		writeError(w, &app.Error{Kind: app.Invalid, Message: err.Error()})
		return nil, true
	}
	signIns := sess.SignIns()
	result, err := invoke(method, args)
	s.keep(w, token, bs, sess, signIns)
	if err != nil {
		writeError(w, app.AsError(err, s.log))
		return handle, true
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(result)
	return handle, true
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

// find is the browser's session by its cookie: its token as sent, and the
// session if the token is one of a live session.
func (s *Server) find(r *http.Request) (string, *browserSession) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return "", nil
	}
	now := s.app.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	bs, ok := s.sessions[c.Value]
	if !ok || !sameWorkstation(bs, r) {
		return c.Value, nil
	}
	if s.expired(bs, now) {
		delete(s.sessions, c.Value)
		return c.Value, nil
	}
	bs.lastSeen = now
	return c.Value, bs
}

func (s *Server) expired(bs *browserSession, now time.Time) bool {
	return now.Sub(bs.lastSeen) >= sessionIdle || now.Sub(bs.signedInAt) >= sessionMaxAge
}

// keep files the session after a call. A session signed in (or unlocked)
// by the call gets a new token, and the token it had, if any, is void: a
// token someone learnt before the sign-in is worth nothing after it. A
// session no longer signed in is dropped with its cookie.
func (s *Server) keep(w http.ResponseWriter, token string, bs *browserSession, sess *app.Session, signInsBefore uint64) {
	now := s.app.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if bs != nil && s.sessions[token] != bs {
		bs = nil // dropped meanwhile (expired, or pushed out)
	}
	if !sess.SignedIn() {
		if bs != nil {
			delete(s.sessions, token)
		}
		if token != "" {
			clearCookie(w)
		}
		return
	}
	if bs != nil && sess.SignIns() == signInsBefore {
		return
	}
	if bs != nil {
		delete(s.sessions, token)
	}
	fresh := &browserSession{session: sess, userID: sess.UserID(), signedInAt: now, lastSeen: now}
	s.makeRoom(fresh.userID, now)
	token = newToken()
	s.sessions[token] = fresh
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
}

// makeRoom drops expired sessions and answers, then the user's least
// recently used session past maxSessionsPerUser-1, then anyone's past
// maxSessions-1. The caller holds s.mu.
func (s *Server) makeRoom(userID string, now time.Time) {
	mine := 0
	for token, bs := range s.sessions {
		switch {
		case s.expired(bs, now):
			delete(s.sessions, token)
		case bs.userID == userID:
			mine++
		}
	}
	for userID, rs := range s.replies {
		if rs.forget(now) {
			delete(s.replies, userID)
		}
	}
	if mine >= maxSessionsPerUser {
		s.dropLeastRecent(func(bs *browserSession) bool { return bs.userID == userID })
	}
	if len(s.sessions) >= maxSessions {
		s.dropLeastRecent(func(*browserSession) bool { return true })
	}
}

func (s *Server) dropLeastRecent(among func(*browserSession) bool) {
	var oldestToken string
	var oldest time.Time
	for token, bs := range s.sessions {
		if among(bs) && (oldestToken == "" || bs.lastSeen.Before(oldest)) {
			oldestToken, oldest = token, bs.lastSeen
		}
	}
	delete(s.sessions, oldestToken)
}

// Sessions is how many browser sessions are kept.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// clientAddress is the browser's network address, which sign-in delays
// count by.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
	case app.Busy:
		return http.StatusTooManyRequests
	case hostUnreachable:
		return http.StatusBadGateway
	default:
		return http.StatusInternalServerError
	}
}

func writeError(w http.ResponseWriter, e *app.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(statusOf(e.Kind))
	json.NewEncoder(w).Encode(e)
}
