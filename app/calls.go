package app

import "sync/atomic"

// Call is what serve mode knows of one call beside its arguments, from
// the request's headers. The desktop window's calls carry none of it (see
// Session.ForCall).
type Call struct {
	// Name is the call, Service/Method.
	Name string
	// RequestID names a write that the browser may send again when its
	// answer was lost; the write is made once per user and id, across
	// restarts of the host (request_ids.go).
	RequestID string
	// Background: the screen reads again what it shows because a change
	// notice came or the host is back, not because its person did
	// anything. Such a call does not keep the session awake: while notices
	// flow all day, an unattended session still locks after the idle time.
	//
	// The desktop window has no headers, and needs none: its session lives
	// in the window's own process and nothing but the window's screen can
	// call with it, and that screen locks itself after the idle time by
	// calling Auth.Lock in the same process, a call that cannot be lost on
	// a network. Go's own idle clock guards the sessions that can outlive
	// their screen's lock: a browser's, reachable with its cookie from
	// another tab, or whose lock call was lost while the host was away.
	Background bool
}

// callState is one call's Call and what became of it.
type callState struct {
	Call
	// recorded: a transaction of this call recorded its request id for
	// userID and committed; the call's later transactions are part of the
	// same write. userID is set before recorded.
	recorded atomic.Bool
	userID   string
}

// ForCall is a handle on s for one call: the same sign-in (signing in,
// out, locking through it is signing in, out, locking s), with what the
// transport said of the call.
func (s *Session) ForCall(c Call) *Session {
	return &Session{sessionState: s.sessionState, base: s.origin(), call: &callState{Call: c}}
}

// origin is the session itself, for a handle of ForCall too: change notices
// name it as the window whose change they are (see notices.go).
func (s *Session) origin() *Session {
	if s.base != nil {
		return s.base
	}
	return s
}

// background tells whether the call s serves is a screen's re-read.
func (s *Session) background() bool { return s.call != nil && s.call.Background }

// requestOf is the call s serves if it carries a request id, or nil.
func (s *Session) requestOf() *callState {
	if s == nil || s.call == nil || s.call.RequestID == "" {
		return nil
	}
	return s.call
}
