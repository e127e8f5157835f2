package replicate

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openPlain opens a plain SQLite database in WAL mode, configured as Folio
// configures its writer under replication (no checkpoints of its own).
func openPlain(t *testing.T, path string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	if _, err := conn.Exec(`CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY, note TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return conn
}

func count(t *testing.T, path string) int {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM visits`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insert(t *testing.T, conn *sql.DB, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := conn.Exec(`INSERT INTO visits (id, note) VALUES (?, ?)`, i, strings.Repeat("cough for 3 days ", 20)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFolderReplicaRestores: what is written while a folder replica runs
// comes back from it, the latest state and the state at an earlier moment.
func TestFolderReplicaRestores(t *testing.T) {
	ctx := context.Background()
	dir, replica := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "folio.db")
	conn := openPlain(t, path)
	insert(t, conn, 0, 100)

	target := Target{Kind: Folder, Path: replica}
	rep, err := Start(ctx, path, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	insert(t, conn, 100, 200)
	if err := rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// A moment between two transactions, for the point-in-time restore.
	time.Sleep(1100 * time.Millisecond)
	middle := time.Now()
	time.Sleep(1100 * time.Millisecond)
	insert(t, conn, 200, 250)
	if err := rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	st := rep.Status()
	if st.ReplicaTX == 0 || st.ReplicaTX != st.LocalTX {
		t.Errorf("after a sync the replica is at tx %d, the database at %d", st.ReplicaTX, st.LocalTX)
	}
	if st.Error != "" {
		t.Errorf("status error %q", st.Error)
	}
	conn.Close()
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}

	bounds, err := RestorePoints(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if !bounds.First.Before(middle) || !bounds.Last.After(middle) {
		t.Errorf("restore points %v..%v do not span %v", bounds.First, bounds.Last, middle)
	}
	latest := filepath.Join(t.TempDir(), "latest.db")
	if err := Restore(ctx, target, latest, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, latest); n != 250 {
		t.Errorf("the latest restore holds %d visits, want 250", n)
	}
	earlier := filepath.Join(t.TempDir(), "earlier.db")
	if err := Restore(ctx, target, earlier, middle); err != nil {
		t.Fatal(err)
	}
	if n := count(t, earlier); n != 200 {
		t.Errorf("the restore at %v holds %d visits, want 200", middle, n)
	}
	if err := Restore(ctx, target, latest, time.Time{}); err == nil {
		t.Error("a restore over an existing file was let through")
	}
}

// TestEmptyReplicaSaysSo: a replica that holds nothing is said to be
// empty, and nothing is left behind.
func TestEmptyReplicaSaysSo(t *testing.T) {
	ctx := context.Background()
	target := Target{Kind: Folder, Path: t.TempDir()}
	if _, err := RestorePoints(ctx, target); !errors.Is(err, ErrNothingThere) {
		t.Errorf("restore points of an empty replica: %v", err)
	}
	out := filepath.Join(t.TempDir(), "x.db")
	if err := Restore(ctx, target, out, time.Time{}); !errors.Is(err, ErrNothingThere) {
		t.Errorf("restore of an empty replica: %v", err)
	}
	if matches, _ := filepath.Glob(out + "*"); len(matches) > 0 {
		t.Errorf("a failed restore left %v", matches)
	}
}

func TestTargetCheck(t *testing.T) {
	folder := t.TempDir()
	for _, tt := range []struct {
		name  string
		t     Target
		field string
	}{
		{"no kind", Target{}, "kind"},
		{"folder missing", Target{Kind: Folder, Path: filepath.Join(folder, "nope")}, "path"},
		{"folder relative", Target{Kind: Folder, Path: "backups"}, "path"},
		{"folder", Target{Kind: Folder, Path: folder}, ""},
		{"sftp no host key", Target{Kind: SFTP, Host: "nas", User: "u", Password: "p", Path: "/f"}, "hostKey"},
		{"sftp bad host key", Target{Kind: SFTP, Host: "nas", User: "u", Password: "p", Path: "/f", HostKey: "hello"}, "hostKey"},
		{"sftp no secret", Target{Kind: SFTP, Host: "nas", User: "u", Path: "/f", HostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}, "password"},
		{"sftp", Target{Kind: SFTP, Host: "nas", User: "u", Password: "p", Path: "/f", HostKey: "nas ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"}, ""},
		{"s3 no bucket", Target{Kind: S3, AccessKey: "a", SecretKey: "s"}, "bucket"},
		{"s3 bad endpoint", Target{Kind: S3, Bucket: "b", AccessKey: "a", SecretKey: "s", Endpoint: "s3.example.com"}, "endpoint"},
		{"s3", Target{Kind: S3, Bucket: "b", AccessKey: "a", SecretKey: "s", Endpoint: "https://s3.example.com"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Check()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("got %v, want a message on %q", err, tt.field)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIA")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	for _, tt := range []struct {
		in   string
		want Target
	}{
		{"/media/usb/folio", Target{Kind: Folder, Path: "/media/usb/folio"}},
		{"file:///media/usb/folio/", Target{Kind: Folder, Path: "/media/usb/folio"}},
		{"sftp://backup:pw@nas:2222/srv/folio?host-key=ssh-ed25519+AAAA", Target{Kind: SFTP, Host: "nas:2222", User: "backup", Password: "pw", Path: "/srv/folio", HostKey: "ssh-ed25519 AAAA"}},
		{"s3://clinic/folio?endpoint=https://s3.example.com&region=eu", Target{Kind: S3, Bucket: "clinic", Path: "folio", Endpoint: "https://s3.example.com", Region: "eu", AccessKey: "AKIA", SecretKey: "secret"}},
	} {
		got, err := ParseURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseURL("ftp://x/y"); err == nil {
		t.Error("ftp:// was taken")
	}
}
