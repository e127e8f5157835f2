// Package feed tells every open screen that something changed, so that it
// reads again what it shows: the change feed behind "everyone sees the same
// clinic, now". A notice names only what changed (a topic, a patient's id,
// a day), never clinical content, so handing it on needs no audit entry;
// the screen's re-read is an ordinary, audited read.
//
// Writers never wait for readers: each subscriber has a bounded queue, and
// one that falls behind is cut off and told to read everything again
// (ErrLagged) instead of holding up the clinic's writes.
package feed

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Topics: what a screen shows, by what it must read again.
const (
	Patients = "patients" // demographics: registration, corrections, merges
	Schedule = "schedule" // appointments, the check-in board, the calendar, the day list, clinic hours
	Chart    = "chart"    // one patient's chart (with PatientID): vitals, notes, allergies, problems, medications, labs, ...
	Lists    = "lists"    // the clinic's work lists: due care, results to review
	Imports  = "imports"  // records brought in from other systems, waiting for review
	Users    = "users"    // accounts
	Settings = "settings" // the clinic's settings, templates and quick phrases
	// Resync is not published: a subscriber that missed notices gets it
	// and must read everything it shows again.
	Resync = "resync"
)

// Notice says that something under Topic changed at At. Seq orders the
// notices of one feed; ID (epoch and seq) lets a screen that reconnects ask
// for what it missed.
type Notice struct {
	Seq   uint64 `json:"seq"`
	Topic string `json:"topic"`
	// Record is the kind of record changed ("allergy", "vitals",
	// "appointment"), so that a screen reads again only the list it is in.
	Record    string    `json:"record,omitempty"`
	PatientID string    `json:"patientId,omitempty"`
	Date      string    `json:"date,omitempty"`
	At        time.Time `json:"at"`
	ID        string    `json:"id"`
	// Origin is the window (an *app.Session) whose change this is: it
	// re-reads by itself, so its own stream skips the notice. Never sent.
	Origin any `json:"-"`
}

var (
	// ErrLagged ends a subscription that fell behind: its screen must
	// read everything again.
	ErrLagged = errors.New("fell behind the change feed")
	// ErrClosed ends every subscription when the feed closes (Folio stops).
	ErrClosed = errors.New("the change feed is closed")
)

// Sizes: a queue holds a few seconds of a busy clinic's writes; the
// history lets a screen that lost its connection for a moment catch up
// without reading everything again.
const (
	DefaultQueue   = 64
	DefaultHistory = 1024
)

// Feed is one Folio's change feed. The zero value is not usable; use New.
type Feed struct {
	epoch string // this feed's lifetime: seqs from an earlier run mean nothing
	queue int

	mu      sync.Mutex
	seq     uint64
	history []Notice // the last notices, oldest first (see Publish)
	limit   int
	subs    map[*Subscription]struct{}
	closed  bool
}

// New makes a feed whose subscribers queue at most queue notices and which
// keeps at least the last history notices for reconnecting screens.
func New(queue, history int) *Feed {
	return &Feed{
		epoch: strconv.FormatInt(time.Now().UnixNano(), 36),
		queue: queue, limit: history,
		subs: map[*Subscription]struct{}{},
	}
}

// Subscription is one screen's stream of notices. Read C until it closes,
// then Err says why.
type Subscription struct {
	C    <-chan Notice
	c    chan Notice
	feed *Feed
	err  error // set, under feed.mu, before c closes
}

// Err is why C closed: ErrLagged, ErrClosed, or nil after Close.
func (s *Subscription) Err() error {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	return s.err
}

// Close ends the subscription; C closes.
func (s *Subscription) Close() {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	s.feed.drop(s, nil)
}

// Publish hands the notices to every subscriber without waiting for any:
// a subscriber whose queue is full is cut off with ErrLagged. Call it only
// after the change is committed. Seq, ID and a missing At are filled in.
func (f *Feed) Publish(notices ...Notice) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	for _, n := range notices {
		f.seq++
		n.Seq = f.seq
		n.ID = f.id(n.Seq)
		if n.At.IsZero() {
			n.At = time.Now()
		}
		if f.limit > 0 {
			// Between limit and 2*limit notices are kept: trimming only
			// now and then keeps Publish cheap.
			if len(f.history) == 2*f.limit {
				f.history = append([]Notice(nil), f.history[f.limit:]...)
			}
			f.history = append(f.history, n)
		}
		for s := range f.subs {
			select {
			case s.c <- n:
			default:
				f.drop(s, ErrLagged)
			}
		}
	}
}

// Subscribe starts a subscription. With lastID "" it gets the notices from
// now on. With the ID of the last notice a screen saw, it first gets what
// it missed since; when those are no longer kept (or lastID is from an
// earlier run of Folio) the subscription starts with a Resync notice.
func (f *Feed) Subscribe(lastID string) (*Subscription, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	missed, complete := f.since(lastID)
	size := f.queue
	if len(missed)+1 > size {
		size = len(missed) + 1
	}
	c := make(chan Notice, size)
	if !complete {
		c <- Notice{Topic: Resync, At: time.Now(), Seq: f.seq, ID: f.id(f.seq)}
	} else {
		for _, n := range missed {
			c <- n
		}
	}
	s := &Subscription{C: c, c: c, feed: f}
	f.subs[s] = struct{}{}
	return s, nil
}

// since is what came after lastID, and whether that is all of it.
func (f *Feed) since(lastID string) ([]Notice, bool) {
	if lastID == "" {
		return nil, true
	}
	epoch, seqText, ok := strings.Cut(lastID, "-")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if !ok || err != nil || epoch != f.epoch || seq > f.seq {
		return nil, false
	}
	if seq == f.seq {
		return nil, true
	}
	if len(f.history) == 0 || f.history[0].Seq > seq+1 {
		return nil, false
	}
	start := int(seq + 1 - f.history[0].Seq)
	return append([]Notice(nil), f.history[start:]...), true
}

// Close ends every subscription with ErrClosed; later Publishes do nothing.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for s := range f.subs {
		f.drop(s, ErrClosed)
	}
}

// Subscribers is how many subscriptions are open.
func (f *Feed) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// drop ends s with err. The caller holds f.mu.
func (f *Feed) drop(s *Subscription, err error) {
	if _, ok := f.subs[s]; !ok {
		return
	}
	delete(f.subs, s)
	s.err = err
	close(s.c)
}

func (f *Feed) id(seq uint64) string { return fmt.Sprintf("%s-%d", f.epoch, seq) }
