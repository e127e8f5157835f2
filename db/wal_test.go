package db

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// walSize is the length of d's WAL file in bytes.
func walSize(t *testing.T, d *DB) int64 {
	t.Helper()
	st, err := os.Stat(d.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// setting writes a setting of 3,000 bytes: a commit of at least one page.
func setting(t *testing.T, d *DB, i int) {
	t.Helper()
	value := strings.Repeat("x", 3000)
	mustUpdate(t, d, func(tx *Tx) error { return tx.SetSetting(fmt.Sprintf("test.key%d", i%40), fmt.Sprint(value, i)) })
}

// TestWALIsCheckpointedBehindTheWriter: a checkpoint between commits
// copies the WAL back and the WAL then starts over, so that it stays as
// short as the commits between two checkpoints and never reaches the length
// at which a commit would checkpoint itself (1,000 pages: 500 commits
// without it make a WAL of 500 frames or more).
func TestWALIsCheckpointedBehindTheWriter(t *testing.T) {
	defer func(every time.Duration) { checkpointEvery = every }(checkpointEvery)
	checkpointEvery = time.Hour // this test checkpoints by hand
	d := openTestDB(t)
	if _, err := d.wal.step(); err != nil {
		t.Fatal(err)
	}
	before := walSize(t, d)
	for round := range 50 {
		for i := range 10 {
			setting(t, d, round*10+i)
		}
		if frames, err := d.wal.step(); err != nil || frames > 100 {
			t.Fatalf("round %d: the WAL holds %d frames after ten commits (%v): it did not start over", round, frames, err)
		}
	}
	if after := walSize(t, d); after > before+100*4096 {
		t.Errorf("the WAL file grew from %d to %d bytes", before, after)
	}
	err := d.View(context.Background(), func(tx *Tx) error {
		got, _, err := tx.Setting("test.key19")
		if err == nil && !strings.HasSuffix(got, "x499") {
			err = fmt.Errorf("test.key19 ends %q, want the last value written", got[len(got)-10:])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWALStaysBoundedUnderWritesThatNeverPause: a writer that commits
// without a pause never leaves the WAL all copied by the goroutine; the
// commits' own checkpoint still bounds it (near 1,000 pages, 4 MiB).
func TestWALStaysBoundedUnderWritesThatNeverPause(t *testing.T) {
	defer func(every time.Duration) { checkpointEvery = every }(checkpointEvery)
	checkpointEvery = 2 * time.Millisecond
	d := openTestDB(t)
	var most int64
	for i := range 3000 {
		setting(t, d, i)
		most = max(most, walSize(t, d))
	}
	// Unbounded, 3,000 commits make 12 MB or more.
	if most > 6<<20 {
		t.Errorf("the WAL grew to %d bytes over 3,000 commits without a pause", most)
	}
}
