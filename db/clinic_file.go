package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// SettingDemoClinic marks a clinic that `folio demo` made: its patients are
// invented and its accounts' passwords are printed for anyone to use. Only
// the demo sets it, in a clinic with no accounts and no patients yet.
const SettingDemoClinic = "clinic.demo"

// ClinicFile is what a chart file holds, as far as a command deciding
// whether it may write into the folder needs to know.
type ClinicFile struct {
	Schema     int // 0: an empty file, no clinic yet
	ClinicName string
	Demo       bool
	Users      int
	Patients   int
}

// Inspect reads the chart file at path without changing it (read-only, no
// migration, no lock), for a command that must refuse a folder before it
// writes a byte there.
func Inspect(ctx context.Context, path string) (ClinicFile, error) {
	var c ClinicFile
	dsn := "file:" + path + "?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)"
	if _, err := os.Stat(path + "-wal"); errors.Is(err, fs.ErrNotExist) {
		// With no WAL the file holds every committed write, and immutable
		// keeps SQLite from making a WAL and shared-memory file to read it:
		// looking changes nothing in the folder (and works on a read-only
		// disk). A WAL that is there is read: it may hold the clinic.
		dsn += "&immutable=1"
	}
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return c, fmt.Errorf("open %s: %w", path, err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&c.Schema); err != nil {
		return c, fmt.Errorf("%s is not a readable chart database: %w", path, err)
	}
	if c.Schema == 0 {
		return c, nil
	}
	var demo string
	err = conn.QueryRowContext(ctx, `SELECT
		coalesce((SELECT value FROM settings WHERE key = 'clinic.name'), ''),
		coalesce((SELECT value FROM settings WHERE key = ?), ''),
		(SELECT count(*) FROM users), (SELECT count(*) FROM patients)`, SettingDemoClinic).
		Scan(&c.ClinicName, &demo, &c.Users, &c.Patients)
	if err != nil {
		return c, fmt.Errorf("%s is not a Folio chart database: %w", path, err)
	}
	c.Demo = demo != ""
	return c, nil
}

// FoldWAL folds the WAL of the chart file at path into the file itself,
// so that the file alone holds every committed write. No other Folio may
// have it open.
func FoldWAL(ctx context.Context, path string) error {
	return checkpoint(ctx, path)
}
