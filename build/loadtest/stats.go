package main

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// maxErrorSamples is how many error messages the report quotes: the
// first few say what went wrong; the count says how often.
const maxErrorSamples = 10

// maxSlowCalls is how many of the slowest calls the report lists with when
// they started: a stall that holds every call up at once shows as many
// calls starting within the same fraction of a second; one call's own
// cost, as the same call at scattered times.
const maxSlowCalls = 30

// stats gathers every call's time and outcome, by call name.
type stats struct {
	mu      sync.Mutex
	began   time.Time
	calls   map[string]*callStats
	errors  int
	samples []string
	slowest []SlowCall // the slowest maxSlowCalls, slowest first
}

// SlowCall is one of the day's slowest calls: which, when it started
// (seconds after the first call of the day), how long it took, and for whom.
type SlowCall struct {
	start   time.Time
	At      string  `json:"at"` // wall clock, to lay beside host.log
	Call    string  `json:"call"`
	StartS  float64 `json:"startS"`
	TookMs  float64 `json:"tookMs"`
	Account string  `json:"account"`
}

type callStats struct {
	times  []time.Duration
	errors int
}

func newStats() *stats { return &stats{calls: map[string]*callStats{}} }

func (s *stats) record(name string, took time.Duration, err error) {
	s.recordAt(name, "", time.Now().Add(-took), took, err)
}

func (s *stats) recordAt(name, account string, start time.Time, took time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.began.IsZero() || start.Before(s.began) {
		s.began = start
	}
	if n := len(s.slowest); n < maxSlowCalls || took > time.Duration(s.slowest[n-1].TookMs*float64(time.Millisecond)) {
		sc := SlowCall{start: start, Call: name, TookMs: ms(took), Account: account}
		i, _ := slices.BinarySearchFunc(s.slowest, sc, func(a, b SlowCall) int {
			switch {
			case a.TookMs > b.TookMs:
				return -1
			case a.TookMs < b.TookMs:
				return 1
			}
			return 0
		})
		s.slowest = slices.Insert(s.slowest, i, sc)
		if len(s.slowest) > maxSlowCalls {
			s.slowest = s.slowest[:maxSlowCalls]
		}
	}
	c := s.calls[name]
	if c == nil {
		c = &callStats{}
		s.calls[name] = c
	}
	c.times = append(c.times, took)
	if err != nil {
		c.errors++
		s.errors++
		if len(s.samples) < maxErrorSamples {
			s.samples = append(s.samples, err.Error())
		}
	}
}

// problem counts something that went wrong outside a call (a virtual user
// that could not go on), as an error with its message.
func (s *stats) problem(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors++
	if len(s.samples) < maxErrorSamples {
		s.samples = append(s.samples, msg)
	}
}

// CallSummary is one call's figures in the report, in milliseconds.
type CallSummary struct {
	Call   string  `json:"call"`
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50    float64 `json:"p50Ms"`
	P95    float64 `json:"p95Ms"`
	P99    float64 `json:"p99Ms"`
	Max    float64 `json:"maxMs"`
}

// slowCalls are the day's slowest calls, in the order they started, their
// start counted from the day's first call.
func (s *stats) slowCalls() []SlowCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SlowCall, len(s.slowest))
	for i, c := range s.slowest {
		c.StartS = c.start.Sub(s.began).Seconds()
		c.At = c.start.Format("15:04:05.000")
		out[i] = c
	}
	slices.SortFunc(out, func(a, b SlowCall) int {
		switch {
		case a.StartS < b.StartS:
			return -1
		case a.StartS > b.StartS:
			return 1
		}
		return 0
	})
	return out
}

// summary is every call's figures, the slowest p95 first.
func (s *stats) summary() ([]CallSummary, int, int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallSummary, 0, len(s.calls))
	total := 0
	for name, c := range s.calls {
		times := slices.Clone(c.times)
		slices.Sort(times)
		total += len(times)
		out = append(out, CallSummary{Call: name, Count: len(times), Errors: c.errors,
			P50: ms(quantile(times, 0.50)), P95: ms(quantile(times, 0.95)), P99: ms(quantile(times, 0.99)),
			Max: ms(times[len(times)-1])})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].P95 != out[j].P95 {
			return out[i].P95 > out[j].P95
		}
		return out[i].Call < out[j].Call
	})
	return out, total, s.errors, slices.Clone(s.samples)
}

// quantile is the nearest-rank quantile of sorted times.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted))+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
