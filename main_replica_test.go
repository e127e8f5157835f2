package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"folio/app"
	"folio/db"
	"folio/db/replicate"
)

// replicaTrials is how many times TestKilledHostComesBackFromItsReplica
// kills the host and loses its disk (issue 12 asks for at least 20).
const replicaTrials = 20

// recoveryPoint is the most work a dead disk may cost: no write
// acknowledged longer ago than this before the kill may be missing from
// the replica.
const recoveryPoint = time.Second

// TestKilledHostComesBackFromItsReplica: a host replicating to a folder
// takes registrations from two front desks at a steady pace (up to 100 a
// second, fifty times the load test's clinic day); it is
// killed with SIGKILL and its data folder deleted; `folio restore
// --from-replica` brings the clinic back into a new folder, `folio check`
// finds it whole, and every registration acknowledged more than
// recoveryPoint before the kill is there. The restored clinic then serves
// the next trial, replicating on to the same replica, replicaTrials times.
func TestKilledHostComesBackFromItsReplica(t *testing.T) {
	if os.Getenv("FOLIO_REPLICA_TRIALS") == "" {
		t.Skip("a measurement: make test-go runs it alone, with FOLIO_REPLICA_TRIALS=1")
	}
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "5", "--data", dir)
	replica := t.TempDir()
	setReplica(t, dir, replicate.Target{Kind: replicate.Folder, Path: replica})

	acknowledged := map[string]time.Time{} // patient id → when the host answered
	var lostRecent, worst int
	for trial := range replicaTrials {
		ids, killedAt := registerUntilKilled(t, dir, trial)
		for id, at := range ids {
			acknowledged[id] = at
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(t.TempDir(), "data")
		out := mustFolio(t, "restore", "--from-replica", replica, "--data", dir)
		if !strings.Contains(out, "verified") {
			t.Errorf("trial %d: restore said %q", trial, out)
		}
		if out, err := folio(t, "check", "--data", dir); err != nil {
			t.Fatalf("trial %d: folio check after the restore: %v\n%s", trial, err, out)
		}
		present := map[string]bool{}
		for _, id := range patientIDs(t, dir) {
			present[id] = true
		}
		var missing []time.Duration
		for id, at := range acknowledged {
			if present[id] {
				continue
			}
			before := killedAt.Sub(at)
			if before > recoveryPoint {
				t.Errorf("trial %d: patient %s, acknowledged %s before the kill, is not in the replica", trial, id, before)
			}
			missing = append(missing, before)
			delete(acknowledged, id) // gone for good: the next trials do not count it again
		}
		sort.Slice(missing, func(i, j int) bool { return missing[i] > missing[j] })
		lostRecent += len(missing)
		worst = max(worst, len(missing))
		if len(missing) > 0 {
			t.Logf("trial %d: %d of %d registrations lost, acknowledged at most %s before the kill", trial, len(missing), len(ids), missing[0].Round(time.Millisecond))
		}
	}
	t.Logf("%d trials: %d registrations acknowledged, %d lost in all (each within %s of its kill), at most %d in one trial",
		replicaTrials, len(acknowledged)+lostRecent, lostRecent, recoveryPoint, worst)
}

// setReplica saves the replica setting as the clinic's admin would.
func setReplica(t *testing.T, dir string, target replicate.Target) {
	t.Helper()
	a, admin := demoAdmin(t, dir)
	defer a.Close()
	if _, err := admin.SetReplica(target); err != nil {
		t.Fatal(err)
	}
}

// demoAdmin opens the demo clinic in dir with its admin signed in; the
// caller closes the App.
func demoAdmin(t *testing.T, dir string) (*app.App, *app.Admin) {
	t.Helper()
	a := quietOpen(t, dir)
	services := a.Services(a.NewSession("test"))
	if _, err := services[0].(*app.Auth).Login("admin", "demo-admin-pass"); err != nil {
		a.Close()
		t.Fatal(err)
	}
	return a, services[4].(*app.Admin)
}

// registerUntilKilled serves dir in a host process of its own, registers
// patients from two front desks for about a second, and kills the host
// with SIGKILL while they go on: it answers the registrations acknowledged
// (id → when) and the moment of the kill.
func registerUntilKilled(t *testing.T, dir string, trial int) (map[string]time.Time, time.Time) {
	t.Helper()
	host := exec.Command(os.Args[0], "-test.run=^TestReplicaHost$", "-test.count=1")
	host.Env = append(os.Environ(), "FOLIO_REPLICA_HOST="+dir)
	var log strings.Builder // its warnings (an unencrypted disk), shown if the trial fails
	host.Stderr = &log
	defer func() {
		if t.Failed() {
			t.Logf("trial %d host's log:\n%s", trial, log.String())
		}
	}()
	stdout, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { host.Process.Kill(); host.Wait() }()
	base := servingAt(t, stdout)

	var (
		mu   sync.Mutex
		acks = map[string]time.Time{}
		wg   sync.WaitGroup
	)
	for desk := range 2 {
		c := signedInClient(t, base, "desk", "demo-frontdesk-pass")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				in := map[string]string{"familyName": fmt.Sprintf("Trial%d", trial), "givenNames": fmt.Sprintf("Desk%d Write%d", desk, i),
					// A birth date of each write's own, across trials too: two
					// writes alike in name and birth date would be refused as
					// likely one person.
					"birthDate": time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, trial*2000+desk*1000+i).Format("2006-01-02"),
					"sex":       "female"}
				id, ok := registered(c, in)
				if !ok {
					return // the host is gone
				}
				mu.Lock()
				acks[id] = time.Now()
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	// A second of work, plus a varying part of one so that the kill falls
	// anywhere in Litestream's cycle.
	time.Sleep(time.Second + time.Duration(trial%10)*97*time.Millisecond)
	killedAt := time.Now()
	if err := host.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	host.Wait()
	wg.Wait()
	if len(acks) == 0 {
		t.Fatalf("trial %d: the host acknowledged no registration", trial)
	}
	return acks, killedAt
}

// registered registers a patient over HTTP as the front desk's screen does;
// ok is false when no whole answer came (the host was killed).
func registered(c *apiClient, in map[string]string) (id string, ok bool) {
	body, _ := json.Marshal([]any{in})
	req, err := http.NewRequest(http.MethodPost, c.base+"/api/Patients/Register", bytes.NewReader(body))
	if err != nil {
		return "", false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.client.Do(req)
	if err != nil {
		return "", false
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return "", false
	}
	var p struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &p) != nil || p.ID == "" {
		return "", false
	}
	return p.ID, true
}

// TestReplicaHost is the host of TestKilledHostComesBackFromItsReplica,
// run as a process of its own so that it can be killed.
func TestReplicaHost(t *testing.T) {
	serveFromEnv(t, "FOLIO_REPLICA_HOST", "TestKilledHostComesBackFromItsReplica")
}

// TestRestoreFromReplicaRefuses: a bad address or time is refused with a
// message and exit 2; an empty replica says so; the data folder is left as
// it was.
func TestRestoreFromReplicaRefuses(t *testing.T) {
	dir := dataDir(t)
	mustFolio(t, "demo", "--patients", "3", "--data", dir)
	before := patientIDs(t, dir)
	empty := t.TempDir()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--from-replica", "ftp://nas/x"}, 2, "not a replica's address"},
		{[]string{"--from-replica", filepath.Join(empty, "nope")}, 2, "There is no folder"},
		{[]string{"--from-replica", empty, "--time", "yesterday"}, 2, "is not a time"},
		{[]string{"--from", "x.db", "--from-replica", empty}, 2, "one of them"},
		{[]string{"--from-replica", empty}, 1, "holds no copy of a clinic"},
	} {
		out, err := folio(t, append([]string{"restore", "--data", dir}, tt.args...)...)
		if exitCode(err) != tt.code || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("restore %v: exit %d, %v (%s); want exit %d and %q", tt.args, exitCode(err), err, out, tt.code, tt.want)
		}
	}
	if after := patientIDs(t, dir); len(after) != len(before) {
		t.Errorf("a refused restore changed the clinic: %d patients, then %d", len(before), len(after))
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".from-replica-*")); len(matches) > 0 {
		t.Errorf("a refused restore left %v", matches)
	}
	if _, err := os.Stat(filepath.Join(dir, db.FileName)); err != nil {
		t.Error(err)
	}
}
