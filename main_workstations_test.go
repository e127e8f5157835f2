//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// background runs folio with args until the test ends, and gives its
// output and its end.
func background(t *testing.T, args ...string) (*syncBuffer, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		done <- run(ctx, args, strings.NewReader(""), out)
		close(finished)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			t.Errorf("folio %s did not stop when its context was cancelled", strings.Join(args, " "))
		}
	})
	return out, done
}

// waitOut waits until out matches re, and gives the submatches.
func waitOut(t *testing.T, out *syncBuffer, done <-chan error, re string) []string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	for range 2000 {
		if m := pattern.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		select {
		case err := <-done:
			t.Fatalf("folio stopped before %q: %v\n%s", re, err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in time:\n%s", re, out.String())
	return nil
}

// apiClient calls Folio's HTTP face at base like the UI does, keeping its
// session cookie.
type apiClient struct {
	base   string
	client *http.Client
}

func newAPIClient(base string, client *http.Client) *apiClient {
	jar, _ := cookiejar.New(nil)
	client.Jar = jar
	return &apiClient{base: base, client: client}
}

func (c *apiClient) call(t *testing.T, path string, args ...any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(args)
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

const lanAdminPassword = "a long enough password 1"

// openStream opens the change stream (GET /api/events) with c's session and
// sends on the channel each notice's data line as it arrives.
func openStream(t *testing.T, c *apiClient) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/api/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	stream := &http.Client{Transport: c.client.Transport, Jar: c.client.Jar}
	resp, err := stream.Do(req)
	if err != nil {
		t.Fatalf("GET /api/events: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("GET /api/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if e, ok := strings.CutPrefix(line, "event: "); ok {
				event = e
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok && event == "notice" {
				lines <- d
			}
		}
	}()
	return lines
}

// TestWorkstationPairing: a workstation pairs with the host by code over
// real TLS on loopback (folio join, folio workstations approve), then a
// browser on it signs in through folio serve --workstation, and the audit
// trail names the workstation; a browser without a client certificate is a
// "browser at ADDRESS"; once revoked, the workstation is refused at once
// and its session is over.
func TestWorkstationPairing(t *testing.T) {
	dir := dataDir(t)
	mustFolioIn(t, lanAdminPassword+"\n", "setup", "--data", dir, "--clinic", "LAN Clinic", "--username", "admin", "--full-name", "Ad Min")
	port, _ := startLAN(t, "--data", dir, "--addr", "127.0.0.1:0", "--no-announce")
	wsDir := filepath.Join(t.TempDir(), "workstation")

	joinOut, joined := background(t, "join", "--host", "127.0.0.1:"+port, "--name", "Exam room 2", "--data", wsDir)
	m := waitOut(t, joinOut, joined, `Pairing code: (\d{5}( \d{5}){5})[\s\S]*\(id (ws-[A-Za-z0-9_-]+)\)`)
	code, id := m[1], m[3]
	waitOut(t, joinOut, joined, "Waiting for the admin")
	ca := mustFolio(t, "ca", "--data", dir)
	caFP := regexp.MustCompile(`SHA-256 fingerprint: (\S+)`).FindStringSubmatch(ca)[1]
	if !strings.Contains(joinOut.String(), caFP) {
		t.Errorf("join did not show the clinic authority's fingerprint %s:\n%s", caFP, joinOut.String())
	}
	if strings.Contains(ca, code) {
		t.Error("the pairing code is the CA's code alone: it must also cover the workstation's key")
	}

	list := mustFolio(t, "workstations", "--data", dir)
	if !regexp.MustCompile(id + `\s+Exam room 2\s+pending\s+127\.0\.0\.1`).MatchString(list) {
		t.Errorf("the host's list does not show the request:\n%s", list)
	}
	// A wrong code (a man in the middle's) is refused, and the request stays.
	wrong := strings.Replace(code, code[:5], fmt.Sprintf("%05d", (atoi(code[:5])+1)%100000), 1)
	if out, err := folio(t, "workstations", "approve", id, "--code", wrong, "--data", dir); exitCode(err) != 1 ||
		!strings.Contains(err.Error(), "does not match") {
		t.Errorf("approve with a wrong code: %v\n%s", err, out)
	}
	mustFolio(t, "workstations", "approve", id, "--code", strings.ReplaceAll(code, " ", "-"), "--data", dir)
	select {
	case err := <-joined:
		if err != nil {
			t.Fatalf("join: %v\n%s", err, joinOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("join did not see the approval:\n%s", joinOut.String())
	}
	for _, f := range []string{"workstation.json", "workstation-key.pem", "workstation-cert.pem", "workstation-ca.pem"} {
		st, err := os.Stat(filepath.Join(wsDir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want a file only its owner reads", f, err, st)
		}
	}
	if _, err := folio(t, "join", "--host", "127.0.0.1:"+port, "--data", wsDir); err == nil || !strings.Contains(err.Error(), "already a workstation") {
		t.Errorf("join again: %v", err)
	}

	proxyOut, proxyDone := background(t, "serve", "--workstation", "--addr", "127.0.0.1:0", "--data", wsDir)
	base := waitOut(t, proxyOut, proxyDone, `serving on (http://127\.0\.0\.1:\d+)`)[1]
	ws := newAPIClient(base, &http.Client{Timeout: 10 * time.Second})
	if status, answer := ws.call(t, "/api/Auth/Login", "admin", lanAdminPassword); status != http.StatusOK {
		t.Fatalf("sign-in through the workstation: %d %s", status, answer)
	}
	browser := newAPIClient("https://localhost:"+port, tlsClient(caPool(t, dir), 0))
	if status, answer := browser.call(t, "/api/Auth/Login", "admin", lanAdminPassword); status != http.StatusOK {
		t.Fatalf("sign-in from a browser: %d %s", status, answer)
	}
	// The screen's change stream passes through the proxy as it comes:
	// a user the browser adds reaches the workstation's stream.
	streamed := openStream(t, ws)
	if status, answer := browser.call(t, "/api/Admin/AddUser", map[string]any{"username": "nurse.kim",
		"fullName": "Kim Nurse", "role": "clinician", "password": "nurse-password-long"}); status != http.StatusOK {
		t.Fatalf("add a user from the browser: %d %s", status, answer)
	}
	select {
	case line := <-streamed:
		if !strings.Contains(line, `"users"`) {
			t.Errorf("the workstation's stream got %q, want a notice about users", line)
		}
	case <-time.After(5 * time.Second):
		t.Error("no notice reached the workstation's stream through its proxy within 5 s")
	}

	status, answer := ws.call(t, "/api/Admin/Audit", map[string]any{"limit": 20})
	if status != http.StatusOK {
		t.Fatalf("the audit trail through the workstation: %d %s", status, answer)
	}
	var page struct {
		Entries []struct{ Action, Workstation string }
	}
	json.Unmarshal([]byte(answer), &page)
	names := map[string][]string{}
	for _, e := range page.Entries {
		names[e.Action] = append(names[e.Action], e.Workstation)
	}
	if got := strings.Join(names["login"], ","); got != "browser at 127.0.0.1,Exam room 2" {
		t.Errorf("sign-ins named %q, want the browser by its address and the workstation by its name; %v", got, names)
	}
	if got := names["workstation.approve"]; len(got) != 1 || !strings.Contains(got[0], "command line") {
		t.Errorf("approval audited as %v", got)
	}
	list = mustFolio(t, "workstations", "--data", dir)
	if !regexp.MustCompile(`Exam room 2\s+approved\s+127\.0\.0\.1.*approved by admin`).MatchString(list) {
		t.Errorf("the list after approval:\n%s", list)
	}

	// Revoked: refused at the very next call, with a message; its session
	// is over.
	if _, err := folio(t, "workstations", "revoke", id, "--data", dir); exitCode(err) != 2 {
		t.Errorf("revoke without a reason: %v", err)
	}
	mustFolio(t, "workstations", "revoke", id, "--reason", "stolen", "--data", dir)
	status, answer = ws.call(t, "/api/Auth/Status")
	if status != http.StatusForbidden || !strings.Contains(answer, "revoked") {
		t.Errorf("a revoked workstation: %d %s", status, answer)
	}
	if status, answer := browser.call(t, "/api/Admin/Users"); status != http.StatusOK {
		t.Errorf("a browser after the revocation: %d %s", status, answer)
	}
	list = mustFolio(t, "workstations", "--data", dir)
	if !regexp.MustCompile(`Exam room 2\s+revoked.*revoked by admin: stolen`).MatchString(list) {
		t.Errorf("the list after revocation:\n%s", list)
	}
	// Every change to the list was audited with its rows: the check finds
	// nothing changed outside Folio (last seen is written unaudited, and
	// outside the audit's coverage).
	if out, err := folio(t, "check", "--data", dir); err != nil {
		t.Errorf("folio check after pairing: %v\n%s", err, out)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestPairingFloodLimited: an address that sends pairing request after
// pairing request is told to wait; requests are size-limited.
func TestPairingFloodLimited(t *testing.T) {
	dir := dataDir(t)
	mustFolioIn(t, lanAdminPassword+"\n", "setup", "--data", dir, "--clinic", "LAN Clinic", "--username", "admin", "--full-name", "Ad Min")
	port, _ := startLAN(t, "--data", dir, "--addr", "127.0.0.1:0", "--no-announce")
	c := tlsClient(caPool(t, dir), 0)
	post := func(body string) (int, string) {
		req, _ := http.NewRequest("POST", "https://localhost:"+port+"/pair/request", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}
	if status, answer := post(`{"id":"ws-` + strings.Repeat("a", 8000) + `"}`); status != http.StatusBadRequest || !strings.Contains(answer, "too large") {
		t.Errorf("a huge request: %d %s", status, answer)
	}
	statuses := []int{}
	for i := range 8 {
		status, answer := post(fmt.Sprintf(`{"id":"ws-flood-%020d","name":"PC %d","publicKey":"bm90IGEga2V5"}`, i, i))
		statuses = append(statuses, status)
		if status == http.StatusTooManyRequests && !strings.Contains(answer, "Too many pairing requests") {
			t.Errorf("refused without saying why: %s", answer)
		}
	}
	if statuses[len(statuses)-1] != http.StatusTooManyRequests || statuses[0] != http.StatusBadRequest {
		t.Errorf("statuses %v: want the first answered (a bad key), the last ones refused as too many", statuses)
	}
}

// TestWorkstationCommandMistakes: the workstation commands' mistakes exit
// non-zero and say what to do.
func TestWorkstationCommandMistakes(t *testing.T) {
	dir := dataDir(t)
	mustFolioIn(t, lanAdminPassword+"\n", "setup", "--data", dir, "--clinic", "LAN Clinic", "--username", "admin", "--full-name", "Ad Min")
	empty := filepath.Join(t.TempDir(), "empty")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"workstations", "approve", "--data", dir}, 2, "give the workstation's id"},
		{[]string{"workstations", "approve", "ws-x", "--data", dir}, 2, "--code"},
		{[]string{"workstations", "revoke", "ws-x", "--data", dir}, 2, "--reason"},
		{[]string{"workstations", "forget", "ws-x", "--data", dir}, 2, "unknown action"},
		{[]string{"workstations", "approve", "ws-nobody-at-all-here", "--code", "1", "--data", dir}, 1, "not found"},
		{[]string{"workstations", "revoke", "ws-nobody-at-all-here", "--reason", "x", "--data", dir}, 1, "not found"},
		{[]string{"workstations", "--as", "nobody", "--data", dir}, 1, "nobody"},
		{[]string{"workstations", "--data", empty}, 1, "no Folio clinic"},
		{[]string{"join", "--data", empty}, 2, "--host"},
		{[]string{"join", "--host", "127.0.0.1:1", "--data", dir}, 1, "holds a clinic of its own"},
		{[]string{"join", "--host", "127.0.0.1:1", "--data", empty}, 1, "cannot reach the host"},
		{[]string{"serve", "--workstation", "--addr", "127.0.0.1:0", "--data", empty}, 1, "folio join"},
		{[]string{"serve", "--workstation", "--lan", "--data", empty}, 2, "do not go together"},
	} {
		out, err := folio(t, tt.args...)
		if exitCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("folio %s: exit %d (%v), want %d saying %q\n%s", strings.Join(tt.args, " "), exitCode(err), err, tt.code, tt.want, out)
		}
	}
	if out := mustFolio(t, "workstations", "--data", dir); !strings.Contains(out, "No workstation") {
		t.Errorf("empty list: %q", out)
	}
}

// TestJoinedWindowLeavesNoEmptyClinic: a first-run window that joined a
// host instead of setting up a clinic removes the clinic files that opening
// the folder made (the empty database, the authority), and keeps what the
// folder held before and the pairing.
func TestJoinedWindowLeavesNoEmptyClinic(t *testing.T) {
	for _, tt := range []struct {
		name   string
		before []string // files in the folder before the window opened
	}{
		{"a new folder", nil},
		{"a folder that held its lock", []string{"folio.lock"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.before {
				os.WriteFile(filepath.Join(dir, f), []byte("kept"), 0o600)
			}
			made := clinicFilesIn(dir)
			a, closeApp, err := openApp(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			useClinicCA(a, dir)
			closeApp()
			os.WriteFile(filepath.Join(dir, "workstation.json"), []byte("{}"), 0o600)
			if len(clinicFilesIn(dir)) <= len(made) {
				t.Fatalf("opening the folder made no clinic files: %v", clinicFilesIn(dir))
			}
			if err := removeClinicFilesMade(dir, made); err != nil {
				t.Fatal(err)
			}
			left, _ := os.ReadDir(dir)
			var names []string
			for _, e := range left {
				names = append(names, e.Name())
			}
			want := append([]string{"workstation.json"}, tt.before...)
			slices.Sort(names)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("left %v, want %v", names, want)
			}
		})
	}
}
