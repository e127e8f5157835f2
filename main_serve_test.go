//go:build unix

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startLAN runs `folio serve --lan` with args, and gives the port it
// serves on and what it printed so far.
func startLAN(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--lan"}, args...), strings.NewReader(""), out)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve --lan after cancel: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve --lan did not stop when its context was cancelled")
		}
	})
	port := regexp.MustCompile(`https://127\.0\.0\.1:(\d+)/`)
	for range 1000 {
		if m := port.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Ctrl+C") {
			return m[1], out
		}
		select {
		case err := <-done:
			t.Fatalf("serve --lan stopped: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve --lan did not say where it listens: %q", out.String())
	return "", nil
}

// caPool is what a browser trusts once the clinic's certificate, exported
// with folio ca --export, is installed: that and nothing else.
func caPool(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	file := filepath.Join(t.TempDir(), "clinic.crt")
	mustFolio(t, "ca", "--data", dir, "--export", file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("the exported certificate does not parse: %q", data)
	}
	return pool
}

func tlsClient(pool *x509.CertPool, maxVersion uint16) *http.Client {
	return &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: maxVersion}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

// TestServeLAN: folio serve --lan, as a browser on another computer with
// the clinic's certificate installed would meet it.
func TestServeLAN(t *testing.T) {
	dir := dataDir(t)
	// A clinic not yet set up is not put on the network: the first comer
	// would make itself its admin.
	if _, err := folio(t, "serve", "--lan", "--data", dir, "--addr", "127.0.0.1:0", "--no-announce"); err == nil ||
		!strings.Contains(err.Error(), "not set up yet") {
		t.Errorf("serve --lan on a new folder: %v", err)
	}
	mustFolioIn(t, "a long enough password 1\n", "setup", "--data", dir, "--clinic", "LAN Clinic", "--username", "admin", "--full-name", "Ad Min")
	port, out := startLAN(t, "--data", dir, "--addr", "127.0.0.1:0", "--no-announce")
	pool := caPool(t, dir)
	printed := out.String()
	code := regexp.MustCompile(`code (\d{5}( \d{5}){5})`).FindStringSubmatch(printed)
	if code == nil || !strings.Contains(mustFolio(t, "ca", "--data", dir), code[1]) {
		t.Errorf("serve and folio ca do not show the same code:\n%s", printed)
	}
	base := "https://localhost:" + port

	resp, err := tlsClient(pool, 0).Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := os.ReadFile(filepath.Join("frontend", "dist", "index.html"))
	if resp.StatusCode != http.StatusOK || string(page) != string(want) || resp.TLS.Version != tls.VersionTLS13 {
		t.Errorf("GET / over TLS: %s, TLS %x", resp.Status, resp.TLS.Version)
	}

	// The session cookie of a sign-in is Secure (and __Host-), so no
	// browser sends it over plain HTTP.
	login := `["admin","a long enough password 1"]`
	req, _ := http.NewRequest("POST", base+"/api/Auth/Login", strings.NewReader(login))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	resp, err = tlsClient(pool, 0).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusOK || len(cookies) != 1 || !cookies[0].Secure || !cookies[0].HttpOnly {
		t.Errorf("sign-in over TLS: %s %s, cookies %+v", resp.Status, body, cookies)
	}

	// Refused: an old TLS, a foreign Host (DNS rebinding), plain HTTP.
	if _, err := tlsClient(pool, tls.VersionTLS12).Get(base + "/"); err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("TLS 1.2 client: %v", err)
	}
	req, _ = http.NewRequest("POST", base+"/api/Auth/Status", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	req.Host = "evil.example:" + port
	resp, err = tlsClient(pool, 0).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "host's own names") {
		t.Errorf("foreign Host: %s %s", resp.Status, body)
	}
	resp, err = tlsClient(nil, 0).Get("http://localhost:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != base+"/" {
		t.Errorf("plain HTTP: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	wantMode(t, filepath.Join(dir, "tls"), 0o700)
	wantMode(t, filepath.Join(dir, "tls", "ca.pem"), 0o600)
	wantMode(t, filepath.Join(dir, "tls", "server.pem"), 0o600)
}

// TestServeLANRefusals: a public address, options out of place and a bad
// address end at once with exit 2 and a message, and make nothing.
func TestServeLANRefusals(t *testing.T) {
	dir := dataDir(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--lan", "--addr", "8.8.8.8:8443"}, "public address"},
		{[]string{"serve", "--lan", "--addr", "[2001:db8::5]:8443"}, "--allow-public"},
		{[]string{"serve", "--lan", "--addr", "100.64.0.9:8443"}, "public address"},
		{[]string{"serve", "--lan", "--addr", "frontdesk.local:8443"}, "as numbers"},
		{[]string{"serve", "--lan", "--addr", "8443"}, "not address:port"},
		{[]string{"serve", "--allow-public"}, "go with --lan"},
		{[]string{"serve", "--no-announce", "--addr", "127.0.0.1:0"}, "go with --lan"},
		{[]string{"serve", "--addr", "0.0.0.0:8765"}, "folio serve --lan"},
		{[]string{"ca", "--export"}, "flag needs an argument"},
		{[]string{"ca", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{tt.args[0], "--data", dir}, tt.args[1:]...)
			_, err := folio(t, args...)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("exit %d, err %v; want 2 and %q", code, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a refused serve --lan created the data folder")
	}
}

func TestCA(t *testing.T) {
	dir := dataDir(t)
	// No clinic in the folder: refused, nothing made.
	if _, err := folio(t, "ca", "--data", dir); err == nil || !strings.Contains(err.Error(), "no Folio clinic") {
		t.Errorf("ca without a clinic: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("ca without a clinic made the folder")
	}
	mustFolioIn(t, "a long enough password 1\n", "setup", "--data", dir, "--clinic", "C", "--username", "admin", "--full-name", "Ad Min")
	out := mustFolio(t, "ca", "--data", dir)
	if !regexp.MustCompile(`SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}\nCode: \d{5}( \d{5}){5}\nValid until: \d{4}-`).MatchString(out) {
		t.Errorf("folio ca printed %q", out)
	}
	if again := mustFolio(t, "ca", "--data", dir); again != out {
		t.Errorf("a second folio ca shows another authority:\n%s\n%s", out, again)
	}
	file := filepath.Join(t.TempDir(), "clinic.crt")
	mustFolio(t, "ca", "--data", dir, "--export", file)
	data, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(data), "-----BEGIN CERTIFICATE-----") || strings.Contains(string(data), "KEY") {
		t.Errorf("exported %q", data)
	}
	for _, tt := range []struct{ file, want string }{
		{file, "exists already"},
		{filepath.Join(t.TempDir(), "no-such-folder", "clinic.crt"), "does not exist"},
	} {
		if _, err := folio(t, "ca", "--data", dir, "--export", tt.file); exitCode(err) != 1 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("export to %s: %v, want exit 1 and %q", tt.file, err, tt.want)
		}
	}
}

func mustFolioIn(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := folioIn(t, stdin, args...)
	if err != nil {
		t.Fatalf("folio %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
