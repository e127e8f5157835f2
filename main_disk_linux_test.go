//go:build linux

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"folio/app"
	"folio/app/demo"
)

// smallDisk mounts a tmpfs of size bytes on a new folder: a real disk that
// fills up. Mounting needs root (or CAP_SYS_ADMIN); without it the test is
// skipped and says so.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("SKIPPED: this test needs a small disk of its own, and mounting a tmpfs is not permitted here (%v); "+
			"run the Go tests as root to include it", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes a file until the disk is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// The last partial block too: not one page left.
	for {
		if _, err := f.Write(block[:512]); err != nil {
			return
		}
	}
}

const (
	diskFull = "The disk is full"
	readOnly = "is read-only: Folio cannot save anything there"
)

// TestAFullDiskIsSaidSo: on a full disk every write is refused with a
// message that says the disk is full and what to do, not "Something went
// wrong inside Folio".
func TestAFullDiskIsSaidSo(t *testing.T) {
	disk := smallDisk(t, "32m")
	dir := filepath.Join(disk, "clinic")
	mustFolio(t, "demo", "--patients", "50", "--data", dir)

	a := quietOpen(t, dir)
	defer a.Close()
	s := a.NewSession("test")
	auth, admin, patients := services(a, s)
	if _, err := auth.Login("desk", "demo-frontdesk-pass"); err != nil {
		t.Fatal(err)
	}
	fill(t, disk)
	_, err := patients.Register(app.PatientInput{FamilyName: "Abara", GivenNames: "Chidi", BirthDate: "1958-09-30", Sex: "male"})
	var e *app.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, diskFull) || !strings.Contains(e.Message, "Free some space") {
		t.Errorf("registering on a full disk: %v", err)
	}
	if _, err := admin.Settings(); err == nil {
		t.Log("reads still work on a full disk")
	}
	if _, err := a.RegisterPatients("admin", demo.Patients(10, 5)); err == nil || !strings.Contains(err.Error(), diskFull) {
		t.Errorf("a bulk load on a full disk: %v", err)
	}

	// The command line says the same.
	_, err = folio(t, "backup", "--data", dir, "--out", filepath.Join(disk, "b.db"))
	if exitCode(err) == 0 || !strings.Contains(err.Error(), diskFull) {
		t.Errorf("backup onto a full disk: %v", err)
	}
	if _, err := os.Stat(filepath.Join(disk, "b.db")); !os.IsNotExist(err) {
		t.Error("a failed backup left its file")
	}
}

// TestADemoThatFillsTheDiskLeavesNothing is a real failure half-way
// through a demo: the disk fills up. The folder must not be left with a
// half-made clinic.
func TestADemoThatFillsTheDiskLeavesNothing(t *testing.T) {
	disk := smallDisk(t, "6m")
	dir := filepath.Join(disk, "clinic")
	_, err := folio(t, "demo", "--patients", "60000", "--data", dir)
	if exitCode(err) == 0 || !strings.Contains(err.Error(), diskFull) {
		t.Fatalf("demo on a small disk: exit %d, %v", exitCode(err), err)
	}
	if entries, _ := os.ReadDir(disk); len(entries) != 0 {
		t.Errorf("a failed demo left %s", entries[0].Name())
	}
}

// TestAReadOnlyFolderIsSaidSo: a data folder on a disk that was made
// read-only says so. (A chmod would not do: the tests run as root, whom
// file modes do not stop; a read-only mount stops everyone.)
func TestAReadOnlyFolderIsSaidSo(t *testing.T) {
	disk := smallDisk(t, "12m")
	dir := filepath.Join(disk, "clinic")
	mustFolio(t, "demo", "--patients", "5", "--data", dir)
	if err := syscall.Mount("", disk, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("SKIPPED: remounting the test disk read-only is not permitted here: %v", err)
	}
	elsewhere := t.TempDir()
	for _, args := range [][]string{
		{"export", "--all", "--out", filepath.Join(elsewhere, "bulk")},
		{"demo", "--patients", "1"},
		{"import", filepath.Join("app", "fhir", "testdata", "ips", "Bundle-IPS-examples-Bundle-01.json"), "--new"},
	} {
		_, err := folio(t, append(args, "--data", dir)...)
		if exitCode(err) == 0 || !strings.Contains(err.Error(), readOnly) {
			t.Errorf("%s on a read-only folder: %v", args[0], err)
		}
	}
	_, err := folioIn(t, "a-good-long-password\n", "setup", "--data", filepath.Join(disk, "new"), "--clinic", "C",
		"--username", "boss", "--full-name", "B")
	if exitCode(err) == 0 || !strings.Contains(err.Error(), readOnly) {
		t.Errorf("setup on a read-only disk: %v", err)
	}
	if _, err := app.Open(t.Context(), dir, app.Options{}); err == nil || !strings.Contains(app.AsError(err, nil).Message, readOnly) {
		t.Errorf("opening a read-only folder: %v", err)
	}
	// A backup written onto the read-only disk.
	_, err = folio(t, "backup", "--data", dir, "--out", filepath.Join(disk, "b.db"))
	if exitCode(err) == 0 || !strings.Contains(err.Error(), readOnly) {
		t.Errorf("backup onto a read-only disk: %v", err)
	}
}
