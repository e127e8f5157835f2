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

// TestWALIsCheckpointedBehindTheWriter: commits never copy the WAL back
// themselves; a checkpoint between them does, and the WAL then starts over,
// so that it stays as short as the commits between two checkpoints.
func TestWALIsCheckpointedBehindTheWriter(t *testing.T) {
	defer func(every time.Duration) { checkpointEvery = every }(checkpointEvery)
	checkpointEvery = time.Hour // this test checkpoints by hand
	d := openTestDB(t)
	var auto int
	if err := d.writer.QueryRow("PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("the writer's wal_autocheckpoint = %d (%v), want 0: commits would checkpoint", auto, err)
	}
	// Uncheckpointed, 1,200 commits make a WAL of 1,200 pages or more.
	for i := range 1200 {
		setting(t, d, i)
	}
	if got := walSize(t, d); got < 1200*4096 {
		t.Fatalf("1,200 commits left a WAL of %d bytes: did a commit checkpoint?", got)
	}
	frames, err := d.wal.step()
	if err != nil || frames < 1200 {
		t.Fatalf("checkpoint: %d frames, %v", frames, err)
	}
	// Ten commits between checkpoints: the WAL starts over each time and
	// its file grows no more.
	before := walSize(t, d)
	for round := range 50 {
		for i := range 10 {
			setting(t, d, round*10+i)
		}
		if frames, err := d.wal.step(); err != nil || frames > 100 {
			t.Fatalf("round %d: the WAL holds %d frames after ten commits (%v): it did not start over", round, frames, err)
		}
	}
	if after := walSize(t, d); after > before {
		t.Errorf("the WAL file grew from %d to %d bytes", before, after)
	}
	err = d.View(context.Background(), func(tx *Tx) error {
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

// TestWALStartsOverUnderWritesThatNeverPause: a writer that commits without
// a pause never leaves the WAL all copied; past walRestartFrames the
// checkpoint goroutine makes it wait, and the WAL stays bounded.
func TestWALStartsOverUnderWritesThatNeverPause(t *testing.T) {
	defer func(every time.Duration, frames int) { checkpointEvery, walRestartFrames = every, frames }(checkpointEvery, walRestartFrames)
	checkpointEvery, walRestartFrames = 2*time.Millisecond, 200
	d := openTestDB(t)
	var most int64
	for i := range 3000 {
		setting(t, d, i)
		most = max(most, walSize(t, d))
	}
	// Unbounded, 3,000 commits make 12 MB or more; bounded, the WAL holds
	// 200 frames and what is written while the goroutine waits its turn.
	if most > 6<<20 {
		t.Errorf("the WAL grew to %d bytes over 3,000 commits without a pause", most)
	}
}
