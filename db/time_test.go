package db

import (
	"testing"
	"time"
)

// TestParseTimeByHand: the hand-read stored time is the one time.Parse
// reads, and what it cannot read is left to time.Parse.
func TestParseTimeByHand(t *testing.T) {
	for _, s := range []string{
		"2026-12-07T09:00:00.000000Z",
		"2026-02-28T23:59:59.999999Z",
		"1999-01-01T00:00:00.000001Z",
		"2024-02-29T12:30:45.123456Z",
		"2026-11-31T07:00:00.000000Z", // no such day
		"2026-13-01T07:00:00.000000Z",
		"2026-12-07T24:00:00.000000Z",
		"2026-12-07 09:00:00.000000Z",
		"2026-12-07T09:00:00Z",
		"",
		"20x6-12-07T09:00:00.000000Z",
	} {
		want, _ := time.Parse(timeLayout, s)
		if got := parseTime(s); !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("parseTime(%q) = %v, want %v", s, got, want)
		}
	}
	now := time.Now()
	if got := parseTime(formatTime(now)); !got.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("round trip of %v: %v", now, got)
	}
}
