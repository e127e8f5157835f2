package throttle

import (
	"testing"
	"time"
)

var start = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

var policy = Policy{Free: 3, First: time.Second, Max: 10 * time.Second, Forget: time.Hour, Keys: 4}

func TestWaitsGrowUpToTheCeiling(t *testing.T) {
	l := New(policy)
	now := start
	var got []time.Duration
	for range 8 {
		if w := l.Wait("k", now); w != 0 {
			t.Fatalf("at %v a try was refused for %v", now, w)
		}
		w := l.Fail("k", now)
		got = append(got, w)
		now = now.Add(w) // try again as soon as allowed
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
	// During a wait the key is refused, for what is left of it.
	if w := l.Wait("k", now.Add(-3*time.Second)); w != 3*time.Second {
		t.Errorf("3 s before the end of the wait: %v", w)
	}
	// Other keys are not slowed.
	if w := l.Wait("other", now.Add(-time.Second)); w != 0 {
		t.Errorf("another key waits %v", w)
	}
}

func TestForget(t *testing.T) {
	l := New(policy)
	for range 5 {
		l.Fail("name\x00pc-1", start)
		l.Fail("name\x00pc-2", start)
		l.Fail("other\x00pc-1", start)
	}
	l.Forget("other\x00pc-1")
	if w := l.Wait("other\x00pc-1", start); w != 0 {
		t.Errorf("after Forget: wait %v", w)
	}
	if w := l.Wait("name\x00pc-1", start); w == 0 {
		t.Fatal("the other keys were forgotten too")
	}
	l.ForgetPrefix("name\x00")
	if l.Wait("name\x00pc-1", start) != 0 || l.Wait("name\x00pc-2", start) != 0 || l.Len() != 0 {
		t.Errorf("ForgetPrefix left %d keys", l.Len())
	}
}

// TestQuietKeysStartAfresh: an hour without a failure forgets the count,
// so one typo in the morning costs nothing in the afternoon.
func TestQuietKeysStartAfresh(t *testing.T) {
	l := New(policy)
	for range 3 {
		l.Fail("k", start)
	}
	if w := l.Fail("k", start.Add(time.Hour-time.Second)); w != time.Second {
		t.Fatalf("a failure within the hour: wait %v", w)
	}
	later := start.Add(2*time.Hour - time.Second)
	if w := l.Fail("k", later); w != 0 {
		t.Errorf("after an hour's quiet: wait %v, want a free failure", w)
	}
}

// TestKeysAreBounded: many keys (names made up by someone guessing) keep
// at most Keys in memory, the quietest forgotten first.
func TestKeysAreBounded(t *testing.T) {
	l := New(policy)
	now := start
	for i := range 100 {
		l.Fail(string(rune('a'+i%26))+string(rune('a'+i/26)), now)
		now = now.Add(time.Second)
		if l.Len() > policy.Keys {
			t.Fatalf("%d keys remembered, at most %d", l.Len(), policy.Keys)
		}
	}
	for range 4 {
		l.Fail("busy", now)
	}
	l.Fail("new-1", now.Add(time.Second))
	l.Fail("new-2", now.Add(time.Second))
	l.Fail("new-3", now.Add(time.Second))
	if w := l.Wait("busy", now); w == 0 {
		t.Error("the key with the latest failures was forgotten before quieter ones")
	}
}
