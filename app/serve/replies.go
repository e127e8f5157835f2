package serve

import (
	"bytes"
	"net/http"
	"sync"
	"time"

	"folio/app"
)

// RequestIDHeader names one call a browser makes, so that it can send the
// call again safely: a workstation that lost the host does not know
// whether a save it sent reached the host before the answer was lost, and
// sends it again with the same id when the host is back. A repeat of an
// id is answered as the first was, without running the call again: from
// memory, where each user's last answers are kept for some minutes, or
// after a restart from the database, where a write records its id in its
// own transaction (app/request_ids.go). Ids are the user's, not the
// session's: after a restart the person signs in to a new session.
const RequestIDHeader = "Folio-Request-Id"

// BackgroundHeader ("1") marks a call the screen makes by itself, reading
// again after a change notice or once the host is back: it does not keep
// the session awake (see app.Call).
const BackgroundHeader = "Folio-Background"

// repeatedHeader marks an answer given again to a repeated request id.
const repeatedHeader = "Folio-Repeated"

var errIDReused = &app.Error{Kind: app.Conflict, Message: "This request's id was already used for another call."}

const (
	// repliesKept: a screen keeps at most a few saves waiting; a person
	// who typed through a long outage may have some tens.
	repliesKept = 64
	// replyKeptFor: a repeat comes when the host is back, within minutes
	// for a restart of the link; later ones are answered from the
	// database.
	replyKeptFor = 10 * time.Minute
	// repliesMaxBytes bounds what one user's remembered answers hold:
	// saves answer a record of some kilobytes.
	repliesMaxBytes = 2 << 20
	// maxRequestID: a UUID is 36 characters.
	maxRequestID = 64
)

// reply is one call's answer, remembered by its request id; done closes
// when it is known. A call that did not run (its body did not arrive
// whole) is released: a repeat runs it.
type reply struct {
	call     string
	at       time.Time
	done     chan struct{}
	released bool
	status   int
	header   http.Header
	body     []byte
}

// replies is a user's memory of their last answers by request id.
type replies struct {
	mu    sync.Mutex
	byID  map[string]*reply
	order []string // ids, oldest first
	bytes int
}

func newReplies() *replies { return &replies{byID: map[string]*reply{}} }

// claim answers the reply for id and whether the caller is first, and so
// must run the call and then finish or release it. A caller not first
// waits for done.
func (rs *replies) claim(id, call string, now time.Time) (*reply, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.forgetOld(now)
	if rep, ok := rs.byID[id]; ok {
		return rep, false
	}
	rep := &reply{call: call, at: now, done: make(chan struct{})}
	rs.byID[id] = rep
	rs.order = append(rs.order, id)
	rs.trim()
	return rep, true
}

// finish remembers the answer rec holds.
func (rs *replies) finish(rep *reply, rec *recorder) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rep.status, rep.header, rep.body = rec.status, rec.header.Clone(), rec.body.Bytes()
	rs.bytes += len(rep.body)
	close(rep.done)
	rs.trim()
}

// release forgets id: the call did not run, and a repeat will run it.
func (rs *replies) release(id string, rep *reply) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.byID[id] == rep {
		rs.drop(0, id)
	}
	rep.released = true
	close(rep.done)
}

// forgetOld drops answers older than replyKeptFor. The caller holds mu.
func (rs *replies) forgetOld(now time.Time) {
	for len(rs.order) > 0 {
		id := rs.order[0]
		if rep := rs.byID[id]; rep != nil && now.Sub(rep.at) < replyKeptFor {
			return
		}
		rs.drop(0, id)
	}
}

// trim drops the oldest answers past repliesKept or repliesMaxBytes. A
// call still running that is dropped still answers its own request and
// those waiting for it. The caller holds mu.
func (rs *replies) trim() {
	for len(rs.order) > repliesKept || (rs.bytes > repliesMaxBytes && len(rs.order) > 1) {
		rs.drop(0, rs.order[0])
	}
}

// drop forgets id, found at or after index from in order. The caller holds mu.
func (rs *replies) drop(from int, id string) {
	if rep := rs.byID[id]; rep != nil {
		rs.bytes -= len(rep.body)
		delete(rs.byID, id)
	}
	for i := from; i < len(rs.order); i++ {
		if rs.order[i] == id {
			rs.order = append(rs.order[:i], rs.order[i+1:]...)
			return
		}
	}
}

// forget drops old answers, and tells whether none is left.
func (rs *replies) forget(now time.Time) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.forgetOld(now)
	return len(rs.order) == 0
}

// claim is replies.claim in the user's memory of answers, which it makes
// at their first call with a request id. It holds s.mu so that makeRoom
// cannot drop the memory between its making and the claim.
func (s *Server) claim(userID, id, call string, now time.Time) (*replies, *reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.replies[userID]
	if rs == nil {
		rs = newReplies()
		s.replies[userID] = rs
	}
	rep, first := rs.claim(id, call, now)
	return rs, rep, first
}

// len is how many answers are remembered.
func (rs *replies) len() (int, int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return len(rs.byID), rs.bytes
}

// validRequestID accepts the ids a browser makes (UUIDs): short, and
// letters, digits and dashes only.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// recorder holds a call's answer until it is remembered and sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// send writes the answer as the call gave it, headers and all (a cookie
// the call set).
func (r *recorder) send(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range r.header {
		h[k] = vs
	}
	writeAnswer(w, r.status, r.body.Bytes())
}

// send answers a repeated call as the first was answered: its status and
// content, and a header that says so; not a cookie the first set (the
// browser has it).
func (rep *reply) send(w http.ResponseWriter) {
	if ct := rep.header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set(repeatedHeader, "1")
	writeAnswer(w, rep.status, rep.body)
}

func writeAnswer(w http.ResponseWriter, status int, body []byte) {
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	w.Write(body)
}
