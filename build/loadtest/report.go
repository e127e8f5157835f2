package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// p95Target is the target for every call, on a 2-core machine.
const p95Target = 20.0 // ms

// report is a run's figures; report.txt and report.json hold it.
type report struct {
	At          string        `json:"at"`
	Config      config        `json:"config"`
	Machine     string        `json:"machine"`
	Calls       []CallSummary `json:"calls"`
	TotalCalls  int           `json:"totalCalls"`
	CallsPerSec float64       `json:"callsPerSecond"`
	Errors      int           `json:"errors"`
	FirstErrors []string      `json:"firstErrors"`
	Writes      Writes        `json:"acknowledgedWrites"`
	Lost        []string      `json:"lostWrites"`
	Host        Usage         `json:"host"`
	// Browser is the front desk's search in Chromium on another PC
	// (LOADTEST_BROWSER); nil without it.
	Browser    *BrowserFigures `json:"browser,omitempty"`
	BrowserMet *bool           `json:"browserTargetMet,omitempty"`
	// Slow are the calls whose p95 missed the target.
	Slow []string `json:"slowCalls"`
	// Slowest are the day's slowest calls in the order they started.
	Slowest     []SlowCall `json:"slowestCalls"`
	Began       string     `json:"dayBegan"`
	LatencyMet  bool       `json:"latencyTargetMet"`
	ErrorsMet   bool       `json:"errorTargetMet"`
	NothingLost bool       `json:"noLostWrites"`
}

func newReport(cfg config, st *stats, writes Writes, lost []string, u Usage, browser *BrowserFigures) *report {
	calls, total, errs, samples := st.summary()
	r := &report{At: time.Now().Format(time.RFC3339), Config: cfg, Calls: calls, TotalCalls: total, Errors: errs,
		FirstErrors: samples, Writes: writes, Lost: lost, Host: u,
		Machine: fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())}
	if r.Lost == nil {
		r.Lost = []string{}
	}
	if r.FirstErrors == nil {
		r.FirstErrors = []string{}
	}
	if u.WallSeconds > 0 {
		r.CallsPerSec = float64(total) / u.WallSeconds
	}
	r.Slow = []string{}
	r.Slowest = st.slowCalls()
	r.Began = st.began.Format("15:04:05.000")
	for _, c := range calls {
		if c.P95 >= p95Target {
			r.Slow = append(r.Slow, c.Call)
		}
	}
	r.LatencyMet, r.ErrorsMet, r.NothingLost = len(r.Slow) == 0, errs == 0, len(lost) == 0
	if browser != nil {
		met := browser.Keystrokes > 0 && browser.P95 < browserTarget
		r.Browser, r.BrowserMet = browser, &met
	}
	return r
}

// Passed: no errors and no lost writes. Latency is reported, not required.
func (r *report) Passed() bool { return r.ErrorsMet && r.NothingLost }

func (r *report) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	var text strings.Builder
	r.print(&text)
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(text.String()), 0o644); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.json"), append(data, '\n'), 0o644)
}

func (r *report) print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "Folio load test, %s, on %s\n", r.At, r.Machine)
	fmt.Fprintf(w, "Clinic: %d patients (%d charted, %d demo appointments), seed %d; %d front desks, %d clinicians, %s; TLS 1.3\n\n",
		c.Patients, c.Charts, c.Appointments, c.Seed, c.Desks, c.Clinicians, c.DurationText)
	fmt.Fprintf(w, "%-34s %7s %6s %8s %8s %8s %8s\n", "call", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, s := range r.Calls {
		mark := ""
		if s.P95 >= p95Target {
			mark = "  <- p95 over target"
		}
		fmt.Fprintf(w, "%-34s %7d %6d %8.1f %8.1f %8.1f %8.1f%s\n", s.Call, s.Count, s.Errors, s.P50, s.P95, s.P99, s.Max, mark)
	}
	fmt.Fprintf(w, "\nCalls: %d in %.0f s, %.1f per second\n", r.TotalCalls, r.Host.WallSeconds, r.CallsPerSec)
	fmt.Fprintf(w, "Host CPU: %.1f s, %.2f cores on average, %.2f in the busiest second; peak RSS (VmHWM) %.0f MiB, %.0f MiB at the end\n",
		r.Host.CPUSeconds, r.Host.CPUCores, r.Host.PeakCPUCores, mib(r.Host.PeakRSSBytes), mib(r.Host.EndRSSBytes))
	fmt.Fprintf(w, "The machine meanwhile: %.1f s of CPU busy in all (the host, the load generator, the browser and anything else), %.1f s taken by the hypervisor (steal), tasks waited %.1f s on the disk\n",
		r.Host.MachineCPUSeconds, r.Host.StolenSeconds, r.Host.IOWaitSeconds)
	wr := r.Writes
	if b := r.Browser; b != nil {
		fmt.Fprintf(w, "Browser search keystroke-to-render (another namespace, under load): n %d, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
			b.Keystrokes, b.P50, b.P95, b.P99)
		fmt.Fprintf(w, "  max %.1f ms, over %d searches typed a key at a time\n", b.Max, b.Searches)
		if c := b.Changed; c != nil {
			fmt.Fprintf(w, "  %d keystrokes changed the list: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %d left it as it was (timed to the answer's arrival)\n",
				c.Keystrokes, c.P50, c.P95, c.P99, b.Unchanged)
		}
	}
	if len(r.Slowest) > 0 {
		fmt.Fprintf(w, "The %d slowest calls, in the order they started (s after the day's first call, at %s; host.log has the host's GC trace):\n",
			len(r.Slowest), r.Began)
		for _, sc := range r.Slowest {
			fmt.Fprintf(w, "  +%8.3f s  %s  %7.1f ms  %-30s %s\n", sc.StartS, sc.At, sc.TookMs, sc.Call, sc.Account)
		}
	}
	fmt.Fprintf(w, "Acknowledged writes: %d registrations, %d appointments, %d vitals, %d medications, %d notes (%d signed)\n",
		wr.Registrations, wr.Appointments, wr.Vitals, wr.Medications, wr.Notes, wr.SignedNotes)
	fmt.Fprintf(w, "Errors: %d\n", r.Errors)
	for _, e := range r.FirstErrors {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintf(w, "Lost writes (acknowledged, not found after a restart): %d\n", len(r.Lost))
	for i, l := range r.Lost {
		if i == maxErrorSamples {
			fmt.Fprintf(w, "  and %d more\n", len(r.Lost)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "\nTargets:\n")
	fmt.Fprintf(w, "  p95 under %.0f ms for every call: %s\n", p95Target, met(r.LatencyMet, strings.Join(r.Slow, ", ")))
	if r.Browser != nil {
		fmt.Fprintf(w, "  search keystroke-to-render p95 under %.0f ms: %s\n", browserTarget,
			met(*r.BrowserMet, fmt.Sprintf("p95 %.1f ms over %d keystrokes", r.Browser.P95, r.Browser.Keystrokes)))
	}
	fmt.Fprintf(w, "  0 errors: %s\n", met(r.ErrorsMet, fmt.Sprintf("%d", r.Errors)))
	fmt.Fprintf(w, "  0 lost writes: %s\n", met(r.NothingLost, fmt.Sprintf("%d", len(r.Lost))))
	if r.Passed() {
		fmt.Fprintf(w, "PASS (errors and lost writes fail a run; latency is reported)\n")
	} else {
		fmt.Fprintf(w, "FAIL\n")
	}
}

func met(ok bool, detail string) string {
	if ok {
		return "met"
	}
	return "NOT MET (" + detail + ")"
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
