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

// stats gathers every call's time and outcome, by call name.
type stats struct {
	mu      sync.Mutex
	calls   map[string]*callStats
	errors  int
	samples []string
}

type callStats struct {
	times  []time.Duration
	errors int
}

func newStats() *stats { return &stats{calls: map[string]*callStats{}} }

func (s *stats) record(name string, took time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
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
