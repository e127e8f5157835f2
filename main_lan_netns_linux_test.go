//go:build linux

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"folio/app/lan"
)

// TestLANAcrossNamespaces: the host and a workstation on two Linux network
// namespaces joined by a veth pair, as two PCs on one switch. The host runs
// folio serve --lan; the workstation finds it by DNS-SD, and opens it over
// TLS trusting only the exported clinic certificate, by the announced
// .local name and by address; a client trusting another clinic is refused.
//
// It needs root and ip(8); make test-go sets FOLIO_NETNS_TESTS=1. Then a
// machine without namespaces FAILS the test, saying why: it never skips.
func TestLANAcrossNamespaces(t *testing.T) {
	if os.Getenv("FOLIO_NETNS_TESTS") != "1" {
		t.Skip("the two-namespace test runs with FOLIO_NETNS_TESTS=1 (make test-go sets it); it needs root and ip(8)")
	}
	id := strconv.Itoa(os.Getpid())
	hostNS, clientNS := "folio-lan-h"+id, "folio-lan-c"+id
	hostIf, clientIf := "flh"+id, "flc"+id
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("network namespaces are not available here, so the clinic network cannot be tested: ip %s: %v %s",
				strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", hostNS).Run()
		exec.Command("ip", "netns", "del", clientNS).Run()
	})
	ip("netns", "add", hostNS)
	ip("netns", "add", clientNS)
	ip("link", "add", hostIf, "type", "veth", "peer", "name", clientIf)
	ip("link", "set", hostIf, "netns", hostNS)
	ip("link", "set", clientIf, "netns", clientNS)
	for _, side := range []struct{ ns, ifname, addr string }{{hostNS, hostIf, "10.200.7.1/24"}, {clientNS, clientIf, "10.200.7.2/24"}} {
		ip("-n", side.ns, "addr", "add", side.addr, "dev", side.ifname)
		ip("-n", side.ns, "link", "set", side.ifname, "up")
		ip("-n", side.ns, "link", "set", "lo", "up")
		// A clinic LAN's PCs have a default route (the router); multicast
		// follows it.
		ip("-n", side.ns, "route", "add", "default", "dev", side.ifname)
	}

	dir := dataDir(t)
	mustFolioIn(t, "a long enough password 1\n", "setup", "--data", dir, "--clinic", "LAN Clinic", "--username", "admin", "--full-name", "Ad Min")
	host := helper(t, hostNS, "serve", "serve", "--lan", "--addr", ":8443", "--data", dir)
	printed := waitFor(t, host, "Ctrl+C")
	if !strings.Contains(printed, "https://10.200.7.1:8443/") {
		t.Errorf("serve --lan did not list the address it serves:\n%s", printed)
	}
	caFile := filepath.Join(t.TempDir(), "clinic.crt")
	out := mustFolio(t, "ca", "--data", dir, "--export", caFile)
	fp := regexp.MustCompile(`SHA-256 fingerprint: (\S+)`).FindStringSubmatch(out)[1]

	client := helper(t, clientNS, "client", caFile, fp)
	result, err := io.ReadAll(client.stdout)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.cmd.Wait(); err != nil || !strings.Contains(string(result), "workstation: all well") {
		t.Errorf("the workstation side: %v\n%s", err, result)
	}

	// A second Folio in the client namespace pairs with the host by code,
	// then a browser there signs in through its workstation proxy.
	wsDir := filepath.Join(t.TempDir(), "workstation")
	join := helper(t, clientNS, "serve", "join", "--host", "10.200.7.1", "--name", "Front desk", "--data", wsDir)
	printed = waitFor(t, join, "Waiting for the admin")
	m := regexp.MustCompile(`Pairing code: (\d{5}( \d{5}){5})[\s\S]*\(id (ws-[A-Za-z0-9_-]+)\)`).FindStringSubmatch(printed)
	if m == nil {
		t.Fatalf("join printed no code and id:\n%s", printed)
	}
	mustFolio(t, "workstations", "approve", m[3], "--code", m[1], "--data", dir)
	if err := join.cmd.Wait(); err != nil {
		t.Fatalf("join in the other namespace: %v", err)
	}
	proxy := helper(t, clientNS, "serve", "serve", "--workstation", "--addr", "127.0.0.1:18765", "--data", wsDir)
	waitFor(t, proxy, "Ctrl+C")
	signIn := helper(t, clientNS, "signin", "http://127.0.0.1:18765")
	result, _ = io.ReadAll(signIn.stdout)
	if err := signIn.cmd.Wait(); err != nil || !strings.Contains(string(result), "signed in: all well") {
		t.Errorf("signing in through the workstation: %v\n%s", err, result)
	}
	if list := mustFolio(t, "workstations", "--data", dir); !regexp.MustCompile(`Front desk\s+approved\s+10\.200\.7\.2`).MatchString(list) {
		t.Errorf("the host's list:\n%s", list)
	}
	proxy.cmd.Process.Signal(syscall.SIGTERM)
	proxy.cmd.Wait()
	host.cmd.Process.Signal(syscall.SIGTERM)
	if err := host.cmd.Wait(); err != nil {
		t.Errorf("the host did not stop cleanly on SIGTERM: %v", err)
	}
}

type helperProc struct {
	cmd    *exec.Cmd
	stdout io.Reader
}

// helper runs this test binary's TestLANHelper in namespace ns, as role.
func helper(t *testing.T, ns, role string, args ...string) *helperProc {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestLANHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FOLIO_LAN_HELPER="+role, "FOLIO_LAN_ARGS="+strings.Join(args, "\x1f"))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &helperProc{cmd: cmd, stdout: stdout}
}

// waitFor reads the helper's output up to a line holding want.
func waitFor(t *testing.T, h *helperProc, want string) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(h.stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var seen strings.Builder
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the helper ended before %q:\n%s", want, seen.String())
			}
			seen.WriteString(line + "\n")
			if strings.Contains(line, want) {
				go func() {
					for range lines {
					}
				}()
				return seen.String()
			}
		case <-deadline:
			t.Fatalf("no %q from the helper in time:\n%s", want, seen.String())
		}
	}
}

// TestLANHelper is the other side of TestLANAcrossNamespaces, run in a
// namespace; it does nothing on its own.
func TestLANHelper(t *testing.T) {
	role := os.Getenv("FOLIO_LAN_HELPER")
	args := strings.Split(os.Getenv("FOLIO_LAN_ARGS"), "\x1f")
	switch role {
	case "":
		t.Skip("run by TestLANAcrossNamespaces")
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if err := run(ctx, args, strings.NewReader(""), os.Stdout); err != nil {
			t.Fatal(err)
		}
	case "signin":
		base := args[0]
		req, _ := http.NewRequest("POST", base+"/api/Auth/Login", strings.NewReader(`["admin","a long enough password 1"]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fmt.Println("signed in:", resp.Status, string(body))
			t.Fatal(resp.Status)
		}
		fmt.Println("signed in: all well")
	case "client":
		if err := findAndOpenHost(args[0], args[1]); err != nil {
			fmt.Println("workstation:", err)
			t.Fatal(err)
		}
		fmt.Println("workstation: all well")
	}
}

// findAndOpenHost finds the host by DNS-SD and opens it over TLS, trusting
// only the clinic certificate in caFile, whose fingerprint is fp.
func findAndOpenHost(caFile, fp string) error {
	var found []lan.Found
	var err error
	for try := 0; try < 5 && len(found) == 0; try++ {
		if try > 0 {
			time.Sleep(time.Second)
		}
		found, err = lan.Browse(context.Background(), 2*time.Second, nil)
	}
	if len(found) == 0 {
		return fmt.Errorf("no Folio host found by DNS-SD: %v", err)
	}
	f := found[0]
	if f.Fingerprint != fp || f.Port != 8443 || !slices.Contains(f.Addrs, netip.MustParseAddr("10.200.7.1")) || !strings.HasSuffix(f.Host, ".local") {
		return fmt.Errorf("found %+v, want port 8443 at 10.200.7.1 with fingerprint %s", f, fp)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	// By the announced name (no mDNS resolver here: dial the address, check
	// the name) and by address.
	for _, name := range []string{f.Host, "10.200.7.1"} {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: name}}}
		req, _ := http.NewRequest("GET", "https://10.200.7.1:8443/", nil)
		req.Host = name + ":8443"
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("open the host as %s: %w", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS.Version != tls.VersionTLS13 {
			return fmt.Errorf("open the host as %s: %s", name, resp.Status)
		}
	}
	// A client that trusts the system's authorities, not the clinic's.
	if _, err := (&http.Client{Timeout: 10 * time.Second}).Get("https://10.200.7.1:8443/"); err == nil {
		return fmt.Errorf("a client without the clinic's certificate was served")
	}
	// Plain HTTP from the other PC only redirects.
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("http://10.200.7.1:8443/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://10.200.7.1:8443/" {
		return fmt.Errorf("plain HTTP: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	return nil
}
