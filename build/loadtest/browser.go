package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The browser at the front desk (LOADTEST_BROWSER=1): keystroke.mjs runs
// Chromium on a PC of its own (a network namespace joined to the host's by
// a veth pair) and times search keystrokes to their rendered results
// while the day's load runs. This file is the load test's side of it: it
// starts the script, hands it the host and an account, and reads back the
// times, in JSON lines.

// browserTarget is the target for a search keystroke to its
// results on screen, in a browser on another PC, under the day's load.
const browserTarget = 50.0 // ms

// keystrokes is the running keystroke.mjs.
type keystrokes struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	lines   chan string // its stdout, a line at a time; closed when it ends
	stderr  lockedBuffer
	exited  chan struct{} // closed once it has ended, with exitErr
	exitErr error
	closed  bool
	// Network is where the two PCs are: the host's namespace and address,
	// and the browser's.
	Network struct {
		Host   string `json:"host"`
		HostIP string `json:"hostIP"`
		Client string `json:"client"`
	}
}

// startBrowserSide starts keystroke.mjs for cfg, saying what is missing
// when it cannot run.
func startBrowserSide(ctx context.Context, cfg config) (*keystrokes, error) {
	if _, err := os.Stat(cfg.Keystroke); err != nil {
		return nil, fmt.Errorf("LOADTEST_BROWSER: the browser's script: %w (run from the repository's root)", err)
	}
	k, err := startKeystrokes(ctx, cfg.Keystroke)
	if err != nil {
		return nil, fmt.Errorf("LOADTEST_BROWSER: %w", err)
	}
	return k, nil
}

// openBrowser has the browser sign in on the host as the crew's browser
// desk, by the host's .local name, trusting the exported clinic
// certificate, ready to search for the names on today's list.
func openBrowser(ctx context.Context, cfg config, k *keystrokes, h *host, runDir string, cr *crew, w *world, log io.Writer) error {
	if h.LocalName == "" || h.Port == "" {
		return fmt.Errorf("the host printed no https://<name>.local address to open in the browser:\n%s", h.output())
	}
	ca, err := filepath.Abs(clinicCAFile(runDir))
	if err != nil {
		return err
	}
	o := browserOpen{URL: "https://" + h.LocalName + ":" + h.Port, Names: []string{h.LocalName}, CA: ca,
		Username: cr.browser.Username, Password: cr.browser.Password, Queries: w.names, Seed: cfg.Seed}
	start := time.Now()
	if err := k.open(ctx, o); err != nil {
		return err
	}
	fmt.Fprintf(log, "Browser: Chromium signed in at %s as %s in %.1f s; it types searches all day.\n",
		o.URL, o.Username, time.Since(start).Seconds())
	return nil
}

// startKeystrokes starts the script, which makes the two PCs, and waits
// for it to say where they are.
func startKeystrokes(ctx context.Context, script string) (*keystrokes, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("LOADTEST_BROWSER needs node (Node.js) on the PATH to drive Chromium: %w", err)
	}
	k := &keystrokes{cmd: exec.Command(node, script), lines: make(chan string, 16), exited: make(chan struct{})}
	k.cmd.Stderr = &k.stderr
	if k.in, err = k.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := k.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := k.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", script, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 16<<20) // the times of a whole day come in one line
		for sc.Scan() {
			k.lines <- sc.Text()
		}
		close(k.lines)
		k.exitErr = k.cmd.Wait()
		close(k.exited)
	}()
	var said struct {
		Network *json.RawMessage `json:"network"`
	}
	if err := k.read(ctx, time.Minute, "say where the two PCs are", &said); err != nil {
		k.close()
		return nil, err
	}
	if said.Network == nil {
		k.close()
		return nil, fmt.Errorf("the browser side did not say where the two PCs are")
	}
	if err := json.Unmarshal(*said.Network, &k.Network); err != nil || k.Network.Host == "" || k.Network.Client == "" {
		k.close()
		return nil, fmt.Errorf("the browser side's network %s: %v", *said.Network, err)
	}
	return k, nil
}

// browserOpen is what the browser opens, as whom, and what it types.
type browserOpen struct {
	URL      string   `json:"url"`
	Names    []string `json:"names"` // what the browser's PC resolves to the host's address
	CA       string   `json:"ca"`    // the clinic's exported certificate, for certutil
	Username string   `json:"username"`
	Password string   `json:"password"`
	Queries  []string `json:"queries"` // family names to search for
	Seed     int64    `json:"seed"`
}

// open has the browser sign in and get the search box ready: that is not
// part of the day's figures.
func (k *keystrokes) open(ctx context.Context, o browserOpen) error {
	if err := k.send(map[string]any{"open": o}); err != nil {
		return err
	}
	var said struct{ Ready bool }
	if err := k.read(ctx, 2*time.Minute, "sign in", &said); err != nil {
		return err
	}
	if !said.Ready {
		return fmt.Errorf("the browser did not say it was signed in")
	}
	return nil
}

// BrowserFigures are the browser's keystrokes of the day: how many, how
// long each took to its results on screen, and the keystrokes whose
// results never showed. Changed are the figures of the keystrokes that
// changed the list; the others (Unchanged, the same patients as the key
// before) are timed to the answer's arrival, as nothing on the screen
// changed.
type BrowserFigures struct {
	Keystrokes int             `json:"keystrokes"`
	Searches   int             `json:"searches"`
	Unchanged  int             `json:"unchanged"`
	P50        float64         `json:"p50Ms"`
	P95        float64         `json:"p95Ms"`
	P99        float64         `json:"p99Ms"`
	Max        float64         `json:"maxMs"`
	Changed    *BrowserFigures `json:"changedList,omitempty"`
	Problems   []string        `json:"problems,omitempty"`
}

// typeAway starts the typing; the day's load starts with it.
func (k *keystrokes) typeAway() error { return k.send(map[string]bool{"type": true}) }

// finish stops the typing at the day's end and reads the figures.
func (k *keystrokes) finish(ctx context.Context) (BrowserFigures, error) {
	var f BrowserFigures
	if err := k.send(map[string]bool{"stop": true}); err != nil {
		return f, err
	}
	var said struct {
		Times     []float64
		Changed   []float64
		Unchanged int
		Searches  int
		Problems  []string
	}
	if err := k.read(ctx, 2*time.Minute, "finish the keystroke it was on", &said); err != nil {
		return f, err
	}
	f = summarizeKeystrokes(said.Times)
	changed := summarizeKeystrokes(said.Changed)
	f.Changed = &changed
	f.Searches, f.Unchanged, f.Problems = said.Searches, said.Unchanged, said.Problems
	return f, nil
}

// summarizeKeystrokes is the figures of a day's keystroke times (ms).
func summarizeKeystrokes(times []float64) BrowserFigures {
	f := BrowserFigures{Keystrokes: len(times)}
	if len(times) == 0 {
		return f
	}
	durations := make([]time.Duration, len(times))
	for i, ms := range times {
		durations[i] = time.Duration(ms * float64(time.Millisecond))
	}
	slices.Sort(durations)
	f.P50, f.P95, f.P99 = ms(quantile(durations, 0.50)), ms(quantile(durations, 0.95)), ms(quantile(durations, 0.99))
	f.Max = ms(durations[len(durations)-1])
	return f
}

// close ends the script: with its input closed it removes the two PCs and
// exits. Call it after the host on the host's PC has stopped; a second
// call does nothing.
func (k *keystrokes) close() error {
	if k.closed {
		return nil
	}
	k.closed = true
	k.in.Close()
	go func() {
		for range k.lines {
		}
	}()
	select {
	case <-k.exited:
		if k.exitErr != nil {
			return fmt.Errorf("the browser side ended with %v:\n%s", k.exitErr, k.stderr.String())
		}
		return nil
	case <-time.After(30 * time.Second):
		k.cmd.Process.Kill()
		return fmt.Errorf("the browser side did not end within 30 s of the day's end; killed (its network namespaces %s and %s may be left)",
			k.Network.Host, k.Network.Client)
	}
}

func (k *keystrokes) send(message any) error {
	data, err := json.Marshal(message)
	if err != nil {
		return err
	}
	if _, err := k.in.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("the browser side stopped: %w\n%s", err, k.stderr.String())
	}
	return nil
}

// read waits (up to limit) for the script's next message and decodes it
// into out; a message of its own error, or its end, is an error saying
// what it was doing.
func (k *keystrokes) read(ctx context.Context, limit time.Duration, doing string, out any) error {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return fmt.Errorf("the browser did not %s within %s:\n%s", doing, limit, k.stderr.String())
		case line, ok := <-k.lines:
			if !ok {
				<-k.exited
				return fmt.Errorf("the browser side ended before it could %s (%v):\n%s", doing, k.exitErr, k.stderr.String())
			}
			if !strings.HasPrefix(line, "{") {
				continue // something printed on the way (a library's notice)
			}
			var failed struct{ Error string }
			if json.Unmarshal([]byte(line), &failed) == nil && failed.Error != "" {
				return fmt.Errorf("the browser could not %s: %s", doing, failed.Error)
			}
			if err := json.Unmarshal([]byte(line), out); err != nil {
				return fmt.Errorf("the browser side said %q: %w", line, err)
			}
			return nil
		}
	}
}

// lockedBuffer is a buffer that a child's output is written to while
// others read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
