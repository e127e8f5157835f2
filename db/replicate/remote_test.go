package replicate

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The remote replicas against real servers on this machine's loopback:
// Debian's OpenSSH server (sshd, started by the test on a free port, with
// keys made for it) and gofakes3, an S3-compatible server in Go.

// startSSHD starts sshd on 127.0.0.1 for the user running the test, signing
// in by a key made here; it answers the target for a folder under the
// test's temporary folder.
func startSSHD(t *testing.T) Target {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		sshd = "/usr/sbin/sshd"
	}
	if _, err := os.Stat(sshd); err != nil {
		t.Fatalf("the SFTP replica's test needs Debian's openssh-server (make deps-test installs it): %v", err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keygen := func(name string) {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, name)).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	keygen("host")
	keygen("client")
	pub, err := os.ReadFile(filepath.Join(dir, "client.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		t.Fatal(err)
	}
	hostKey, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	config := fmt.Sprintf(`ListenAddress 127.0.0.1:%d
HostKey %s
AuthorizedKeysFile %s
PidFile %s
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowUsers %s
Subsystem sftp internal-sftp
`, port, filepath.Join(dir, "host"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"), me.Username)
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd's privilege separation wants this folder to exist.
	os.MkdirAll("/run/sshd", 0o755)
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	var log strings.Builder
	cmd.Stderr = &log
	// Each connection's own sshd keeps the log's pipe open until its
	// client (kept by this process, see sftpClients) goes.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("sshd's log:\n%s", log.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen on %s: %v\n%s", addr, err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	remote := filepath.Join(dir, "replica")
	if err := os.Mkdir(remote, 0o700); err != nil {
		t.Fatal(err)
	}
	return Target{Kind: SFTP, Host: addr, User: me.Username, KeyFile: filepath.Join(dir, "client"),
		HostKey: strings.TrimSpace(string(hostKey)), Path: remote}
}

// startS3 starts gofakes3 with one bucket.
func startS3(t *testing.T) Target {
	t.Helper()
	// The AWS SDK adds the bundle AWS_CA_BUNDLE names (set on some build
	// machines) to an HTTP client Litestream builds itself, and refuses.
	t.Setenv("AWS_CA_BUNDLE", "")
	backend := s3mem.New()
	if err := backend.CreateBucket("clinic"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return Target{Kind: S3, Endpoint: srv.URL, Bucket: "clinic", Path: "folio", Region: "us-east-1",
		AccessKey: "folio-test", SecretKey: "folio-test-secret"}
}

// TestRemoteReplicasRestore replicates to each remote kind and restores.
func TestRemoteReplicasRestore(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(*testing.T) Target
	}{
		{"sftp", startSSHD},
		{"s3", startS3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			target := tt.start(t)
			path := filepath.Join(t.TempDir(), "folio.db")
			conn := openPlain(t, path)
			insert(t, conn, 0, 50)
			rep, err := Start(ctx, path, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			insert(t, conn, 50, 120)
			if err := rep.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			if err := rep.Close(ctx); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "restored.db")
			if err := Restore(ctx, target, out, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if n := count(t, out); n != 120 {
				t.Errorf("restored %d visits, want 120", n)
			}
		})
	}
}

// TestUnreachableReplicaIsSaid: a wrong key or a wrong bucket is refused
// when the replica is started, in words.
func TestUnreachableReplicaIsSaid(t *testing.T) {
	ctx := context.Background()
	good := startSSHD(t)
	other := startSSHD(t) // another server: its host key is not good's
	wrongHost := good
	wrongHost.HostKey = other.HostKey
	s3 := startS3(t)
	noBucket := s3
	noBucket.Bucket = "nobody"
	for name, target := range map[string]Target{"impostor host key": wrongHost, "missing bucket": noBucket} {
		err := Reach(ctx, target)
		if err == nil || !strings.Contains(err.Error(), "cannot") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
