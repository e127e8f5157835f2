//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBrowserDay is a short day with the browser (LOADTEST_BROWSER=1): the
// host on a network namespace of its own, Chromium on another trusting
// the clinic through certutil, typing searches while the load runs. It
// must come back with keystroke times, in the report and its target line,
// no error, and the namespaces gone afterwards.
//
// It needs root, ip(8), certutil, node, Chromium and frontend/node_modules,
// and takes 30-60 s. It runs with the other tests on two namespaces
// (FOLIO_NETNS_TESTS=1, as make test-go sets it, or LOADTEST_BROWSER=1),
// and a machine without what it needs then FAILS it, saying what is
// missing; a plain go test skips it, saying so.
func TestBrowserDay(t *testing.T) {
	if os.Getenv("FOLIO_NETNS_TESTS") != "1" && os.Getenv("LOADTEST_BROWSER") != "1" {
		t.Skip("the browser's day runs with FOLIO_NETNS_TESTS=1 (make test-go) or LOADTEST_BROWSER=1; it needs root, ip(8), certutil, node and Chromium")
	}
	cfg, err := configFrom(func(name string) string {
		return map[string]string{"LOADTEST_DURATION": "20s", "LOADTEST_PATIENTS": "2000", "LOADTEST_BROWSER": "1"}[name]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Folio, cfg.DataDir, cfg.Out = folioBinary(t), t.TempDir(), t.TempDir()
	if cfg.Keystroke, err = filepath.Abs("keystroke.mjs"); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	rep, err := run(context.Background(), cfg, &log)
	t.Logf("%s", log.String())
	if err != nil {
		t.Fatalf("the load test with the browser did not run: %v", err)
	}
	b := rep.Browser
	if b == nil || b.Keystrokes == 0 || b.P50 <= 0 || b.P95 < b.P50 || b.P99 < b.P95 {
		t.Fatalf("no browser figures: %+v", b)
	}
	if rep.Errors != 0 || len(rep.Lost) != 0 {
		t.Errorf("%d errors (%q), %d lost writes", rep.Errors, rep.FirstErrors, len(rep.Lost))
	}
	text, err := os.ReadFile(filepath.Join(cfg.Out, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Browser search keystroke-to-render (another namespace, under load): n ",
		"search keystroke-to-render p95 under 50 ms: "} {
		if !strings.Contains(string(text), want) {
			t.Errorf("report.txt has no %q:\n%s", want, text)
		}
	}
	// The two PCs are removed with the browser side.
	m := regexp.MustCompile(`Two PCs: the host on network namespace (\S+) \(.*\), the browser on (\S+),`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("the host did not run on a PC of its own:\n%s", log.String())
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range m[1:] {
		if strings.Contains(string(out), ns) {
			t.Errorf("the network namespace %s is left after the run:\n%s", ns, out)
		}
	}
}

// TestBrowserSideMissing: LOADTEST_BROWSER on a machine without what it
// needs fails at once, saying what is missing; it does not run a day
// without the browser.
func TestBrowserSideMissing(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node (Node.js) is needed to build the frontend and for this test: %v", err)
	}
	script, err := filepath.Abs("keystroke.mjs")
	if err != nil {
		t.Fatal(err)
	}
	onlyNode := t.TempDir()
	if err := os.Symlink(node, filepath.Join(onlyNode, "node")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string // PATH
		script string
		want   string
	}{
		{"no node", t.TempDir(), script, "needs node"},
		{"no ip(8)", onlyNode, script, "network namespaces are not available"},
		{"no script", onlyNode, filepath.Join(t.TempDir(), "keystroke.mjs"), "the browser's script"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			k, err := startBrowserSide(context.Background(), config{Browser: true, Keystroke: tt.script})
			if err == nil {
				k.close()
				t.Fatalf("the browser side started with PATH=%s", tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}
