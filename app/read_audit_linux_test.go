//go:build linux

package app_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"folio/app"
	"folio/db"
)

// TestAReadWhoseEntryCannotBeWrittenAnswersNothing: on a full disk a read's
// audit entry cannot be written, so the read answers the error, in words,
// and no data: no read goes unaudited. Once there is room again the same
// reads answer, each with its entry, and the trail verifies.
func TestAReadWhoseEntryCannotBeWrittenAnswersNothing(t *testing.T) {
	disk := t.TempDir()
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=16m,mode=0700"); err != nil {
		t.Skipf("SKIPPED: this test needs a small disk of its own, and mounting a tmpfs is not permitted here (%v); "+
			"run the Go tests as root to include it", err)
	}
	t.Cleanup(func() { syscall.Unmount(disk, syscall.MNT_DETACH) })
	dir := filepath.Join(disk, "clinic")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, db.FileName), templateFile(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, db.KeyFileName), template.key, 0o600); err != nil {
		t.Fatal(err)
	}
	ta := signInAll(t, openTestApp(t, dir, newClock(testStart)))
	p := ta.register(t, samplePatient())
	c := ta.Clinician
	reads := map[string]func() (any, error){
		"Patients.Open":   func() (any, error) { return c.Patients.Open(p.ID) },
		"Patients.Search": func() (any, error) { return c.Patients.Search("Rivera", 20) },
		"Chart.Summary":   func() (any, error) { return c.Chart.Summary(p.ID) },
		"Schedule.Board":  func() (any, error) { return c.Schedule.Board("") },
		"Schedule.Day":    func() (any, error) { return c.Schedule.Day("", "") },
	}
	// Each answers data while the disk has room.
	for name, read := range reads {
		if v, err := read(); err != nil || isEmpty(reflect.ValueOf(v)) {
			t.Fatalf("%s before the disk filled: %+v, %v", name, v, err)
		}
	}
	entries := len(ta.audit(t))

	filler := fillDisk(t, disk)
	for name, read := range reads {
		v, err := read()
		var e *app.Error
		if !errors.As(err, &e) || !strings.Contains(e.Message, "The disk is full") {
			t.Errorf("%s on a full disk: %v, want the full disk said", name, err)
		}
		if !isEmpty(reflect.ValueOf(v)) {
			t.Errorf("%s on a full disk answered data with its error: %+v", name, v)
		}
	}
	if n := len(ta.audit(t)); n != entries {
		t.Errorf("%d entries written on a full disk", n-entries)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for name, read := range reads {
		if v, err := read(); err != nil || isEmpty(reflect.ValueOf(v)) {
			t.Errorf("%s once there is room again: %+v, %v", name, v, err)
		}
	}
	if n := len(ta.audit(t)); n != entries+len(reads) {
		t.Errorf("%d entries for %d reads once there is room again", n-entries, len(reads))
	}
	check, err := ta.Admin.Admin.VerifyAudit()
	if err != nil || !check.OK {
		t.Errorf("the audit trail after the full disk: %+v, %v", check, err)
	}
}

// fillDisk writes a file on dir's disk until not a byte more fits, and
// returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{64 << 10, 512, 1} {
		block := make([]byte, size)
		for {
			if _, err := f.Write(block); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	return path
}
