// Package throttle slows down guessing without ever locking anyone out:
// each key (a user name at one computer, a computer) may fail a few times
// freely; after that each further failure makes the key wait before its
// next try, twice as long as the last time, up to a ceiling. A success
// forgets the key. It knows nothing of users or passwords; callers pass the
// time, so tests need no sleeping.
package throttle

import (
	"strings"
	"sync"
	"time"
)

// Policy is how a Limiter counts.
type Policy struct {
	Free   int           // failures in a row allowed before any wait
	First  time.Duration // the wait after the first failure beyond Free
	Max    time.Duration // the longest wait
	Forget time.Duration // a key with no failure for this long starts afresh
	Keys   int           // keys remembered at most; the longest quiet are forgotten first
}

// Limiter remembers failures per key. Its zero value is not usable; use New.
type Limiter struct {
	policy Policy

	mu   sync.Mutex
	keys map[string]*record
}

type record struct {
	failures int
	last     time.Time // the latest failure
	until    time.Time // no try before then
}

// New is a Limiter that counts by p.
func New(p Policy) *Limiter {
	return &Limiter{policy: p, keys: map[string]*record{}}
}

// Wait is how long key must still wait before it may try again; 0 means now.
func (l *Limiter) Wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.keys[key]
	if !ok || l.stale(r, now) || !now.Before(r.until) {
		return 0
	}
	return r.until.Sub(now)
}

// Fail records a failure of key and answers the wait it now imposes (0
// while the key still has free failures).
func (l *Limiter) Fail(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.keys[key]
	if !ok || l.stale(r, now) {
		l.makeRoom(now)
		r = &record{}
		l.keys[key] = r
	}
	r.failures++
	r.last = now
	beyond := r.failures - l.policy.Free
	if beyond <= 0 {
		return 0
	}
	wait := l.policy.First
	for i := 1; i < beyond && wait < l.policy.Max; i++ {
		wait *= 2
	}
	wait = min(wait, l.policy.Max)
	r.until = now.Add(wait)
	return wait
}

// Forget drops key: after a success, or when an admin resets a password.
func (l *Limiter) Forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}

// ForgetPrefix drops every key that starts with prefix.
func (l *Limiter) ForgetPrefix(prefix string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.keys {
		if strings.HasPrefix(k, prefix) {
			delete(l.keys, k)
		}
	}
}

// Len is how many keys are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

func (l *Limiter) stale(r *record, now time.Time) bool {
	return now.Sub(r.last) >= l.policy.Forget && !now.Before(r.until)
}

// makeRoom keeps the map within Keys before a key is added: stale keys go
// first, then the one quiet for longest. Someone trying many names cannot
// grow memory without bound, and pushing out a key they are slowed by
// takes Keys new failures, which the per-computer key slows in turn.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.keys) < l.policy.Keys {
		return
	}
	var oldestKey string
	var oldest time.Time
	for k, r := range l.keys {
		if l.stale(r, now) {
			delete(l.keys, k)
			continue
		}
		if oldestKey == "" || r.last.Before(oldest) {
			oldestKey, oldest = k, r.last
		}
	}
	if len(l.keys) >= l.policy.Keys {
		delete(l.keys, oldestKey)
	}
}
