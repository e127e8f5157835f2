package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"folio/db"
)

// TestKilledHostAnsweredNoReadWithoutItsEntry: `folio serve` answers each
// read only once its audit entry is durable (reads are group-committed).
// Screens read as fast as they can, the host is killed with SIGKILL in
// the middle of it, and after opening the folder again every read a screen
// got an answer to has its entry, and the trail verifies.
func TestKilledHostAnsweredNoReadWithoutItsEntry(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "20", "--data", dir)
	ids := patientIDs(t, dir)

	host := exec.Command(os.Args[0], "-test.run=^TestReadAuditHost$", "-test.count=1")
	host.Env = append(os.Environ(), "FOLIO_READ_AUDIT_HOST="+dir)
	host.Stderr = os.Stderr
	stdout, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Process.Kill(); host.Wait() })
	base := servingAt(t, stdout)

	const screens = 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		reads = map[string]int{} // patient id → reads answered
		total int
	)
	enough := make(chan struct{})
	for s := range screens {
		c := signedInClient(t, base, "drlee", "demo-clinician-pass")
		for k := range 4 { // a screen's reads go out together
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					id := ids[(s*7+k*3+i)%len(ids)]
					if !answered(c, "Patients", "Open", id) {
						return // the host is gone
					}
					mu.Lock()
					reads[id]++
					total++
					if total == 300 {
						close(enough)
					}
					mu.Unlock()
				}
			}()
		}
	}
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("the host answered fewer than 300 reads in a minute")
	}
	if err := host.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	host.Wait()
	wg.Wait()

	a := quietOpen(t, dir)
	defer a.Close()
	inTrail := map[string]int{}
	err = a.DB().View(context.Background(), func(tx *db.Tx) error {
		entries, err := tx.Audit(db.AuditFilter{Username: "drlee", Action: "patient.open", Limit: 1 << 30})
		for _, e := range entries {
			inTrail[e.PatientID]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range reads {
		// A read whose entry was committed as the host was killed, before
		// it was answered, is in the trail and unanswered: never the other way.
		if inTrail[id] < n {
			t.Errorf("patient %s: %d reads answered, %d entries in the trail", id, n, inTrail[id])
		}
	}
	t.Logf("%d reads answered before the kill", total)
	report, err := a.CheckAudit()
	if err != nil || report.Problem != "" {
		t.Errorf("the trail after the kill: %v %q", err, report.Problems)
	}
}

// TestReadAuditHost is the host of TestKilledHostAnsweredNoReadWithoutItsEntry,
// run as a process of its own so that it can be killed.
func TestReadAuditHost(t *testing.T) {
	serveFromEnv(t, "FOLIO_READ_AUDIT_HOST", "TestKilledHostAnsweredNoReadWithoutItsEntry")
}

// serveFromEnv is the body of a test that is a host to be killed: it
// serves the data folder named in env on a free port of 127.0.0.1 until
// SIGTERM, and is skipped unless test (which sets env) runs it.
func serveFromEnv(t *testing.T, env, test string) {
	dir := os.Getenv(env)
	if dir == "" {
		t.Skip("run by " + test)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, strings.NewReader(""), os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func patientIDs(t *testing.T, dir string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(dir, db.FileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query("SELECT id FROM patients ORDER BY mrn")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		t.Fatal("the demo clinic has no patients")
	}
	return out
}

// servingAt reads the host's output up to where it says its address.
func servingAt(t *testing.T, out io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		addr := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := addr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case base := <-found:
		return base
	case <-time.After(60 * time.Second):
		t.Fatal("the host did not say where it serves")
		return ""
	}
}

// signedInClient is a browser signed in at the host.
func signedInClient(t *testing.T, base, username, password string) *apiClient {
	t.Helper()
	c := newAPIClient(base, &http.Client{Timeout: 30 * time.Second})
	if status, answer := c.call(t, "/api/Auth/Login", username, password); status != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", username, status, answer)
	}
	return c
}

// answered calls service.method as the UI does and says whether an answer
// came, whole, with status 200. Unlike call it may run on any goroutine,
// and the host may be gone.
func answered(c *apiClient, service, method string, args ...any) bool {
	body, _ := json.Marshal(args)
	req, err := http.NewRequest(http.MethodPost, c.base+"/api/"+service+"/"+method, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.client.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return err == nil && res.StatusCode == http.StatusOK && json.Valid(data)
}
