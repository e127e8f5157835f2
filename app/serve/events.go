package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"folio/app"
	"folio/app/feed"
)

// GET /api/events is one screen's stream of change notices, as
// Server-Sent Events: "notice" events carry a feed.Notice as JSON, a
// "resync" event tells the screen it missed some and must read all it shows
// again, and an "end" event says why the stream stops (signed out, locked),
// after which the browser should not reconnect until the person is back.
// Notices hold topics and ids only; what the screen then reads is an
// ordinary, audited call.

// Stream timing. A heartbeat comment keeps proxies and the browser from
// taking a quiet stream for a dead one; a lock or sign-out ends the
// stream within sessionCheck; retry is how soon the browser reconnects.
const (
	defaultHeartbeat    = 15 * time.Second
	defaultSessionCheck = time.Second
	retryMillis         = 1000
	// maxStreamsPerSession: one per open tab; a page that leaks streams
	// must not tie up the server.
	maxStreamsPerSession = 8
)

// SetStreamTiming changes the heartbeat and session-check intervals
// (tests make them short).
func (s *Server) SetStreamTiming(heartbeat, sessionCheck time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeat, s.sessionCheck = heartbeat, sessionCheck
}

// StopStreams ends every open stream, and refuses new ones: http.Server
// waits for no long-lived response at shutdown, so register it with
// RegisterOnShutdown.
func (s *Server) StopStreams() {
	s.stopOnce.Do(func() { close(s.stopped) })
}

// Streams is how many change streams are open.
func (s *Server) Streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	token, bs := s.find(r)
	var err error = &app.Error{Kind: app.Unauthenticated, Message: "Please sign in."}
	if bs != nil {
		err = s.app.CheckSession(bs.session)
	}
	if err != nil {
		if bs == nil && token != "" {
			clearCookie(w)
		}
		writeError(w, app.AsError(err, s.log))
		return
	}
	select {
	case <-s.stopped:
		writeError(w, &app.Error{Kind: app.Internal, Message: "Folio is stopping."})
		return
	default:
	}
	if !s.openStream(bs) {
		writeError(w, &app.Error{Kind: app.Invalid, Message: "This browser has too many Folio screens open; close some."})
		return
	}
	defer s.closeStream(bs)

	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("last")
	}
	sub, err := s.app.Feed().Subscribe(lastID)
	if err != nil {
		writeError(w, &app.Error{Kind: app.Internal, Message: "Folio is stopping."})
		return
	}
	defer func() { sub.Close() }()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	fmt.Fprintf(w, "retry: %d\n: connected\n\n", retryMillis)
	if rc.Flush() != nil {
		return
	}

	s.mu.Lock()
	heartbeat, check := s.heartbeat, s.sessionCheck
	s.mu.Unlock()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	checks := time.NewTicker(check)
	defer checks.Stop()
	for {
		var werr error
		select {
		case <-r.Context().Done():
			return
		case <-s.stopped:
			s.endStream(w, rc, "stopping")
			return
		case <-checks.C:
			if why := s.streamOver(token, bs); why != "" {
				s.endStream(w, rc, why)
				return
			}
			continue
		case <-beat.C:
			_, werr = fmt.Fprint(w, ": heartbeat\n\n")
		case n, ok := <-sub.C:
			switch {
			case ok && n.Topic == feed.Resync:
				werr = writeEvent(w, "resync", n)
			case ok && n.Origin == any(bs.session):
				continue // this browser's own change: its screen has read it again
			case ok:
				werr = writeEvent(w, "notice", n)
			case errors.Is(sub.Err(), feed.ErrLagged):
				// This screen fell behind: it reads everything again and
				// follows the notices from now on.
				if sub, err = s.app.Feed().Subscribe(""); err != nil {
					s.endStream(w, rc, "stopping")
					return
				}
				werr = writeEvent(w, "resync", feed.Notice{Topic: feed.Resync, At: time.Now()})
			default: // the feed closed: Folio is stopping
				s.endStream(w, rc, "stopping")
				return
			}
		}
		if werr != nil || rc.Flush() != nil {
			return
		}
	}
}

// streamOver says why bs's stream must end ("" while it may go on): its
// person signed out (or the session was dropped), or the screen locked.
func (s *Server) streamOver(token string, bs *browserSession) string {
	s.mu.Lock()
	current := s.sessions[token] == bs && !s.expired(bs, s.app.Now())
	s.mu.Unlock()
	if !current {
		return "signed_out"
	}
	var e *app.Error
	if err := s.app.CheckSession(bs.session); errors.As(err, &e) {
		if e.Kind == app.Locked {
			return "locked"
		}
		return "signed_out"
	} else if err != nil {
		return "signed_out"
	}
	return ""
}

func (s *Server) endStream(w http.ResponseWriter, rc *http.ResponseController, why string) {
	fmt.Fprintf(w, "event: end\ndata: %q\n\n", why)
	rc.Flush()
}

// writeEvent writes one event; its id lets a reconnecting browser ask for
// what it missed (Last-Event-ID).
func writeEvent(w http.ResponseWriter, event string, n feed.Notice) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	if n.ID != "" {
		if _, err := fmt.Fprintf(w, "id: %s\n", n.ID); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
	return err
}

// openStream counts a stream of bs, refusing past maxStreamsPerSession.
func (s *Server) openStream(bs *browserSession) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bs.streams >= maxStreamsPerSession {
		return false
	}
	bs.streams++
	s.streams++
	return true
}

func (s *Server) closeStream(bs *browserSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bs.streams--
	s.streams--
}
