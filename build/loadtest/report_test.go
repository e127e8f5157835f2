package main

import (
	"strings"
	"testing"
)

// TestReportBrowser: the browser's lines are in the report with the
// option and only then, and its target is met only by a p95 under 50 ms
// over at least one keystroke.
func TestReportBrowser(t *testing.T) {
	tests := []struct {
		name    string
		times   []float64 // nil: no browser
		want    []string
		notWant []string
	}{
		{"no browser", nil, nil, []string{"Browser search", "keystroke-to-render p95"}},
		{"fast", []float64{10, 12, 14, 16, 18, 20, 22, 24, 26, 49}, []string{
			"Browser search keystroke-to-render (another namespace, under load): n 10, p50 18.0 ms, p95 49.0 ms, p99 49.0 ms",
			"search keystroke-to-render p95 under 50 ms: met"}, nil},
		{"slow", []float64{10, 12, 14, 16, 18, 20, 22, 24, 26, 50}, []string{
			"search keystroke-to-render p95 under 50 ms: NOT MET (p95 50.0 ms over 10 keystrokes)"}, nil},
		{"no keystrokes", []float64{}, []string{"n 0,", "search keystroke-to-render p95 under 50 ms: NOT MET"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b *BrowserFigures
			if tt.times != nil {
				f := summarizeKeystrokes(tt.times)
				b = &f
			}
			r := newReport(config{}, newStats(), Writes{}, nil, Usage{}, b)
			var text strings.Builder
			r.print(&text)
			for _, w := range tt.want {
				if !strings.Contains(text.String(), w) {
					t.Errorf("no %q in:\n%s", w, text.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text.String(), w) {
					t.Errorf("%q in:\n%s", w, text.String())
				}
			}
		})
	}
}
