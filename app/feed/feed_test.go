package feed

import (
	"errors"
	"testing"
	"time"
)

func receive(t *testing.T, s *Subscription) Notice {
	t.Helper()
	select {
	case n, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription closed: %v", s.Err())
		}
		return n
	case <-time.After(time.Second):
		t.Fatal("no notice within 1 s")
	}
	return Notice{}
}

func TestPublishReachesEverySubscriber(t *testing.T) {
	f := New(4, 16)
	a, _ := f.Subscribe("")
	b, _ := f.Subscribe("")
	f.Publish(Notice{Topic: Chart, PatientID: "p1"})
	for _, s := range []*Subscription{a, b} {
		n := receive(t, s)
		if n.Topic != Chart || n.PatientID != "p1" || n.Seq != 1 || n.ID == "" || n.At.IsZero() {
			t.Errorf("notice = %+v", n)
		}
	}
}

func TestSlowSubscriberIsCutOffNotWaitedFor(t *testing.T) {
	f := New(2, 16)
	slow, _ := f.Subscribe("")
	fast, _ := f.Subscribe("")
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10; i++ {
			f.Publish(Notice{Topic: Schedule})
			<-fast.C // the fast one keeps up
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish waited for a subscriber that reads nothing")
	}
	for range slow.C { // what was queued, then the close
	}
	if !errors.Is(slow.Err(), ErrLagged) {
		t.Errorf("slow subscriber's error = %v, want ErrLagged", slow.Err())
	}
	if fast.Err() != nil || f.Subscribers() != 1 {
		t.Errorf("fast subscriber: err %v, subscribers %d", fast.Err(), f.Subscribers())
	}
}

func TestSubscribeSince(t *testing.T) {
	f := New(8, 2)
	f.Publish(Notice{Topic: Patients})
	first, _ := f.Subscribe("")
	f.Publish(Notice{Topic: Schedule}, Notice{Topic: Chart, PatientID: "p"})
	n2, n3 := receive(t, first), receive(t, first)
	other := New(8, 2)
	other.Publish(Notice{Topic: Patients})
	otherRun, _ := other.Subscribe("")
	other.Publish(Notice{Topic: Patients})
	for i := 0; i < 10; i++ { // more than other keeps
		other.Publish(Notice{Topic: Patients})
	}
	tests := []struct {
		name   string
		lastID string
		want   []string // topics received first
	}{
		{"missed one", n2.ID, []string{Chart}},
		{"missed none", n3.ID, nil},
		{"from another run of Folio", receive(t, otherRun).ID, []string{Resync}},
		{"from the future", f.id(99), []string{Resync}},
		{"garbled", "nonsense", []string{Resync}},
	}
	lost := receive(t, otherRun).ID
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := f.Subscribe(tt.lastID)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, topic := range tt.want {
				if n := receive(t, s); n.Topic != topic {
					t.Errorf("got %+v, want topic %s", n, topic)
				}
			}
			select {
			case n := <-s.C:
				t.Errorf("unexpected notice %+v", n)
			default:
			}
		})
	}
	t.Run("missed more than is kept", func(t *testing.T) {
		s, _ := other.Subscribe(lost)
		if n := receive(t, s); n.Topic != Resync {
			t.Errorf("got %+v, want resync", n)
		}
	})
}

func TestCloseEndsSubscriptions(t *testing.T) {
	f := New(4, 4)
	s, _ := f.Subscribe("")
	f.Close()
	if _, ok := <-s.C; ok {
		t.Fatal("subscription still open after Close")
	}
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("err = %v", s.Err())
	}
	if _, err := f.Subscribe(""); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close: %v", err)
	}
	f.Publish(Notice{Topic: Chart}) // must not panic
}

func TestHistoryStaysBounded(t *testing.T) {
	f := New(1, 3)
	for i := 0; i < 100; i++ {
		f.Publish(Notice{Topic: Chart})
	}
	if len(f.history) > 6 || len(f.history) < 3 {
		t.Errorf("history holds %d notices", len(f.history))
	}
}
