package serve_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"folio/app"
	"folio/app/feed"
	"folio/app/serve"
)

// sseEvent is one event (or comment) read from a stream.
type sseEvent struct {
	event, id, data, comment string
}

// stream is an open GET /api/events, read event by event.
type stream struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
}

// openStream opens the browser's change stream; lastID, if any, is sent
// as Last-Event-ID.
func (b *browser) openStream(lastID string) (*stream, *http.Response, []byte) {
	b.t.Helper()
	req := b.request("GET", "/api/events", nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return nil, resp, body
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		b.t.Fatalf("Content-Type %q", ct)
	}
	st := &stream{t: b.t, resp: resp, events: make(chan sseEvent, 100)}
	b.t.Cleanup(func() { resp.Body.Close() })
	go st.read()
	return st, resp, nil
}

func (st *stream) read() {
	defer close(st.events)
	r := bufio.NewReader(st.resp.Body)
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				st.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			ev.event = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			ev.id = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[len("data: "):]
		}
	}
}

// next is the next event that is not a comment, unless wantComment.
func (st *stream) next(within time.Duration, wantComment bool) (sseEvent, bool) {
	st.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-st.events:
			if !ok {
				return sseEvent{}, false
			}
			if (ev.comment != "") == wantComment {
				return ev, true
			}
		case <-deadline:
			st.t.Fatalf("no event within %s", within)
		}
	}
}

// nextNotice is the next notice event, decoded.
func (st *stream) nextNotice(within time.Duration) (feed.Notice, sseEvent) {
	st.t.Helper()
	ev, ok := st.next(within, false)
	if !ok {
		st.t.Fatal("the stream ended")
	}
	var n feed.Notice
	if ev.event == "notice" || ev.event == "resync" {
		if err := json.Unmarshal([]byte(ev.data), &n); err != nil {
			st.t.Fatalf("event data %q: %v", ev.data, err)
		}
	}
	return n, ev
}

// wantEnd waits for the "end" event with why, then the stream's end.
func (st *stream) wantEnd(why string) {
	st.t.Helper()
	ev, ok := st.next(3*time.Second, false)
	if !ok || ev.event != "end" || ev.data != `"`+why+`"` {
		st.t.Fatalf("got %+v (open %v), want end %q", ev, ok, why)
	}
	if _, ok := st.next(3*time.Second, false); ok {
		st.t.Fatal("the stream went on after its end event")
	}
}

func TestEventsNeedASignedInUnlockedSession(t *testing.T) {
	s := newServer(t)
	locked := s.signIn(t, "desk", frontDeskPassword)
	locked.mustCall(nil, "Auth", "Lock")
	signedOut := s.signIn(t, "desk", frontDeskPassword)
	signedOut.mustCall(nil, "Auth", "Logout")
	forged := s.browser(t)
	forged.cookie = &http.Cookie{Name: serve.CookieName, Value: "made-up"}
	tests := []struct {
		name   string
		b      *browser
		status int
		kind   app.Kind
	}{
		{"no session", s.browser(t), http.StatusUnauthorized, app.Unauthenticated},
		{"unknown token", forged, http.StatusUnauthorized, app.Unauthenticated},
		{"signed out", signedOut, http.StatusUnauthorized, app.Unauthenticated},
		{"locked", locked, http.StatusLocked, app.Locked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.t = t
			st, resp, body := tt.b.openStream("")
			if st != nil {
				t.Fatal("a stream was opened")
			}
			wantError(t, resp, body, tt.status, tt.kind)
		})
	}
	if n := s.serve.Streams(); n != 0 {
		t.Errorf("%d streams open", n)
	}
}

func TestEventsCarryAnotherSessionsWrite(t *testing.T) {
	s := newServer(t)
	desk := s.signIn(t, "desk", frontDeskPassword)
	doctor := s.signIn(t, "drlee", clinicianPassword)
	st, _, _ := desk.openStream("")
	var p app.Patient
	start := time.Now()
	doctor.mustCall(&p, "Patients", "Register", patientForm)
	n, ev := st.nextNotice(time.Second)
	if ev.event != "notice" || n.Topic != feed.Patients || n.PatientID != p.ID || ev.id == "" || ev.id != n.ID {
		t.Fatalf("got %+v %+v, want the patients notice for %s", ev, n, p.ID)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("notice took %s", took)
	}
	if strings.Contains(ev.data, "Rivera") {
		t.Errorf("a notice carries the patient's name: %s", ev.data)
	}
	// The desk's own re-read publishes nothing more, and its own change
	// is not told back to it (its screen reads it again by itself).
	desk.mustCall(nil, "Patients", "Open", p.ID)
	desk.mustCall(nil, "Patients", "Register", app.PatientInput{FamilyName: "Desk", GivenNames: "Own",
		BirthDate: "1999-09-09", Sex: "female", Phone: "555-300-4000"})
	select {
	case ev := <-st.events:
		if ev.comment == "" {
			t.Errorf("a read published %+v", ev)
		}
	case <-time.After(200 * time.Millisecond):
	}

	// A screen that reconnects gets what it missed since its last id...
	doctor.mustCall(nil, "Patients", "Register", app.PatientInput{FamilyName: "Okafor", GivenNames: "Ben",
		BirthDate: "1990-01-02", Sex: "male", Phone: "555-100-2000"})
	again, _, _ := desk.openStream(ev.id)
	if n, ev := again.nextNotice(time.Second); ev.event != "notice" || n.Topic != feed.Patients || n.PatientID == p.ID {
		t.Errorf("after reconnecting: %+v %+v, want the second registration", ev, n)
	}
	// ...and one whose last id Folio no longer knows must read everything again.
	stale, _, _ := desk.openStream("gone-7")
	if _, ev := stale.nextNotice(time.Second); ev.event != "resync" {
		t.Errorf("stale id: got %+v, want resync", ev)
	}
}

func TestEventsHeartbeatAndEnd(t *testing.T) {
	tests := []struct {
		name string
		end  func(s *server, b *browser)
		why  string
	}{
		{"sign-out", func(s *server, b *browser) { b.mustCall(nil, "Auth", "Logout") }, "signed_out"},
		{"lock", func(s *server, b *browser) { b.mustCall(nil, "Auth", "Lock") }, "locked"},
		{"idle lock", func(s *server, b *browser) { s.clock.Advance(11 * time.Minute) }, "locked"},
		{"shutdown", func(s *server, b *browser) { s.serve.StopStreams() }, "stopping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			s.serve.SetStreamTiming(50*time.Millisecond, 50*time.Millisecond)
			desk := s.signIn(t, "desk", frontDeskPassword)
			st, _, _ := desk.openStream("")
			if ev, _ := st.next(time.Second, true); ev.comment != "connected" {
				t.Fatalf("first comment %+v", ev)
			}
			if ev, _ := st.next(time.Second, true); ev.comment != "heartbeat" {
				t.Fatalf("no heartbeat: %+v", ev)
			}
			tt.end(s, desk)
			st.wantEnd(tt.why)
			deadline := time.Now().Add(time.Second)
			for s.serve.Streams() != 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := s.serve.Streams(); n != 0 {
				t.Errorf("%d streams still counted", n)
			}
		})
	}
}

// TestShutdownNotHeldUpByStreams: `folio serve` stops at once with
// screens' streams open, as main wires it (RegisterOnShutdown).
func TestShutdownNotHeldUpByStreams(t *testing.T) {
	s := newServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	face := serve.New(s.app, fstest.MapFS{"index.html": {Data: []byte(indexHTML)}}, ln.Addr())
	srv := &http.Server{Handler: face.Handler()}
	srv.RegisterOnShutdown(face.StopStreams)
	go srv.Serve(ln)
	s2 := &server{app: s.app, clock: s.clock, addr: ln.Addr().String(), serve: face}
	for i := 0; i < 3; i++ {
		s2.signIn(t, "desk", frontDeskPassword).openStream("")
	}
	if n := face.Streams(); n != 3 {
		t.Fatalf("%d streams open, want 3", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("shutdown took %s", took)
	}
}
