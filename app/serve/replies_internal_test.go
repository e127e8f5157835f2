package serve

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRepliesBounded: a session remembers at most repliesKept answers,
// repliesMaxBytes of them, for replyKeptFor; the oldest go first.
func TestRepliesBounded(t *testing.T) {
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	answer := func(rs *replies, id string, size int, at time.Time) bool {
		rep, first := rs.claim(id, "Chart/AddAllergy", at)
		if first {
			rec := newRecorder()
			rec.Write([]byte(strings.Repeat("x", size)))
			rs.finish(rep, rec)
		}
		return first
	}
	tests := []struct {
		name      string
		calls     int
		size      int
		every     time.Duration
		wantCount int  // the last call included
		oldKept   bool // whether the first id is still remembered
	}{
		{"a few", 5, 100, time.Second, 6, true},
		{"more than kept", repliesKept + 20, 100, time.Second, repliesKept, false},
		{"large answers", 10, repliesMaxBytes / 4, time.Second, 4, false},
		{"old answers", 5, 100, replyKeptFor / 2, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newReplies()
			at := start
			for i := range tt.calls {
				if !answer(rs, fmt.Sprintf("id-%d", i), tt.size, at) {
					t.Fatalf("call %d was taken for a repeat", i)
				}
				at = at.Add(tt.every)
			}
			// One more call, now, does the forgetting of old answers.
			answer(rs, "last", 1, at)
			n, size := rs.len()
			if n != tt.wantCount {
				t.Errorf("%d answers remembered, want %d", n, tt.wantCount)
			}
			if size > repliesMaxBytes+tt.size {
				t.Errorf("%d bytes remembered", size)
			}
			_, first := rs.claim("id-0", "Chart/AddAllergy", at)
			if first == tt.oldKept {
				t.Errorf("first id remembered: %v, want %v", !first, tt.oldKept)
			}
		})
	}
}
