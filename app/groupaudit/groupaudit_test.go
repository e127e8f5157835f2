package groupaudit_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"folio/app/groupaudit"
	"folio/db"
)

func openDB(t *testing.T, dir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(dir, db.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// entry is a read's entry, its detail naming the reader, the read and the
// entry within it.
func entry(reader, read, n int) db.AuditEntry {
	return db.AuditEntry{At: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), UserID: fmt.Sprint("u", reader),
		Username: fmt.Sprint("reader", reader), Action: "patient.open", Workstation: "test",
		Detail: fmt.Sprintf("%d/%d/%d", reader, read, n)}
}

// trail is every entry's detail, oldest first.
func trail(t *testing.T, d *db.DB) []string {
	t.Helper()
	var out []string
	err := d.View(context.Background(), func(tx *db.Tx) error {
		entries, err := tx.Audit(db.AuditFilter{Limit: 1 << 30})
		for i := len(entries) - 1; i >= 0; i-- {
			out = append(out, entries[i].Detail)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkChain walks the chain: every entry's hash, seal and rows. (The
// App's checkpoints, which folio check also wants, are not this package's.)
func checkChain(t *testing.T, d *db.DB) {
	t.Helper()
	var c db.AuditCheck
	err := d.View(context.Background(), func(tx *db.Tx) (err error) {
		c, err = tx.VerifyAudit()
		return err
	})
	if err != nil || c.Problem != "" {
		t.Fatalf("the audit trail does not verify: %v %+v", err, c)
	}
}

// TestEveryEntryIsWrittenInOrder: readers at once, each reading again as
// soon as the last read is answered, some reads with several entries. Every
// entry is in the one chain, which verifies; a read's entries are together
// and in order; a reader's reads are in the order it made them (a read
// answered is durable before the next one is queued); and reads share
// commits.
func TestEveryEntryIsWrittenInOrder(t *testing.T) {
	d := openDB(t, t.TempDir())
	defer d.Close()
	var commits atomic.Int64
	a := groupaudit.New(context.Background(), d, func() { commits.Add(1) })
	const readers, reads = 24, 20
	var wg sync.WaitGroup
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range reads {
				entries := []db.AuditEntry{entry(r, i, 0)}
				for n := 1; n < 1+(r+i)%3; n++ {
					entries = append(entries, entry(r, i, n))
				}
				if err := a.Append(entries); err != nil {
					t.Errorf("reader %d, read %d: %v", r, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	a.Close()
	got := trail(t, d)
	last := map[int][2]int{} // reader → its last read and entry seen
	want := 0
	for r := range readers {
		last[r] = [2]int{-1, 0}
		for i := range reads {
			want += 1 + (r+i)%3
		}
	}
	seen := 0
	for k, detail := range got {
		var r, i, n int
		if _, err := fmt.Sscanf(detail, "%d/%d/%d", &r, &i, &n); err != nil {
			continue // the clinic's own entries (its key made)
		}
		seen++
		prev := last[r]
		switch {
		case n == 0 && i != prev[0]+1:
			t.Errorf("entry %d: reader %d's read %d follows its read %d", k, r, i, prev[0])
		case n > 0 && (i != prev[0] || n != prev[1]+1):
			t.Errorf("entry %d: reader %d's read %d entry %d follows read %d entry %d", k, r, i, n, prev[0], prev[1])
		case n > 0 && got[k-1] != fmt.Sprintf("%d/%d/%d", r, i, n-1):
			t.Errorf("entry %d: the entries of read %d/%d are not together: %q before it", k, r, i, got[k-1])
		}
		last[r] = [2]int{i, n}
	}
	if seen != want {
		t.Errorf("%d entries in the trail, want %d", seen, want)
	}
	checkChain(t, d)
	if c := commits.Load(); c >= readers*reads {
		t.Errorf("%d commits for %d reads: none shared one", c, readers*reads)
	} else {
		t.Logf("%d reads (%d entries) in %d commits", readers*reads, want, c)
	}
}

// TestCloseWritesWhatIsQueued: Close while reads are queued answers every
// one; each answered without an error is in the trail after the database
// is closed and opened again, and a read after Close is refused.
func TestCloseWritesWhatIsQueued(t *testing.T) {
	dir := t.TempDir()
	d := openDB(t, dir)
	a := groupaudit.New(context.Background(), d, nil)
	const readers = 32
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		answered []string
		started  sync.WaitGroup
	)
	started.Add(readers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				err := a.Append([]db.AuditEntry{entry(r, i, 0)})
				if i == 0 {
					started.Done()
				}
				if errors.Is(err, groupaudit.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("reader %d: %v", r, err)
					return
				}
				mu.Lock()
				answered = append(answered, fmt.Sprintf("%d/%d/0", r, i))
				mu.Unlock()
			}
		}()
	}
	started.Wait()
	a.Close()
	wg.Wait()
	if err := a.Append([]db.AuditEntry{entry(0, -1, 0)}); !errors.Is(err, groupaudit.ErrClosed) {
		t.Errorf("an entry after Close: %v, want ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = openDB(t, dir)
	defer d.Close()
	inTrail := map[string]bool{}
	for _, detail := range trail(t, d) {
		inTrail[detail] = true
	}
	for _, detail := range answered {
		if !inTrail[detail] {
			t.Errorf("read %s was answered but its entry is not in the trail", detail)
		}
	}
	if len(answered) < readers {
		t.Errorf("only %d reads answered", len(answered))
	}
	checkChain(t, d)
}

// TestAFailedCommitAnswersEveryReadWithIt: when the group's transaction
// fails, each read of the group gets the error (its caller then answers no
// data), and none of the group's entries is in the trail.
func TestAFailedCommitAnswersEveryReadWithIt(t *testing.T) {
	dir := t.TempDir()
	d := openDB(t, dir)
	a := groupaudit.New(context.Background(), d, nil)
	if err := a.Append([]db.AuditEntry{entry(0, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	// The database goes away under the auditor: its next commit fails.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for r := 1; r <= 8; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Append([]db.AuditEntry{entry(r, 0, 0)}); err == nil {
				t.Errorf("reader %d: its entry was not written, and it was told it was", r)
			}
		}()
	}
	wg.Wait()
	a.Close()
	d = openDB(t, dir)
	defer d.Close()
	got := trail(t, d)
	n := 0
	for _, detail := range got {
		if detail == "0/0/0" {
			n++
		} else if len(detail) > 0 && detail[0] >= '1' && detail[0] <= '8' {
			t.Errorf("entry %q is in the trail, though its commit failed", detail)
		}
	}
	if n != 1 {
		t.Errorf("the entry written before has %d copies in the trail:\n%q", n, got)
	}
	checkChain(t, d)
}
