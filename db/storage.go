package db

import (
	"errors"
	"os"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DiskFull tells whether err is a write that failed for want of space:
// SQLite's "database or disk is full", or the system's own (ENOSPC, or a
// user's quota).
func DiskFull(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// ReadOnly tells whether err is a write refused because the chart file or
// the disk it is on is read-only.
func ReadOnly(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY {
		return true
	}
	return errors.Is(err, syscall.EROFS)
}

// writeInRead tells whether err is the refusal of a write on a read
// connection (query_only): plain SQLITE_READONLY, where a read-only file
// or folder gives a reader one of its extended codes, if any error.
func writeInRead(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_READONLY
}

// ownerOnly makes the chart file, before SQLite opens it, readable and
// writable by its owner only, whatever the process's umask: it holds every
// patient's record. SQLite gives the WAL and shared-memory files it makes
// later the database file's permissions, so they follow. A file an earlier
// Folio left readable by others (and its WAL and shared memory) is made
// the owner's too.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if info, err := os.Stat(p); err == nil && info.Mode().Perm()&0o077 != 0 {
			// Another user's file (a chart an admin copied in) cannot be
			// changed; it opens as before.
			_ = os.Chmod(p, 0o600)
		}
	}
	return nil
}

// createOwnerOnly makes a new, empty file that only its owner may read.
func createOwnerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}
