package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// BackupTo writes a consistent copy of the open database to dest with
// VACUUM INTO: it reads one snapshot, so writes may go on meanwhile, and it
// never touches the live file or its WAL. dest must not exist yet.
func (d *DB) BackupTo(ctx context.Context, dest string) error {
	return Backup(ctx, d.path, dest)
}

// Backup copies the chart database at src to dest (see BackupTo); it works
// while another process (a running Folio) has src open and keeps writing.
func Backup(ctx context.Context, src, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", dest)
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no chart database at %s: %w", src, err)
	}
	// A folder that is not there is a mistyped path more often than a new
	// place: making it would hide the backup where nobody looks.
	if info, err := os.Stat(filepath.Dir(dest)); err != nil || !info.IsDir() {
		return fmt.Errorf("the folder %s does not exist; make it first, or choose another place for the backup", filepath.Dir(dest))
	}
	conn, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer conn.Close()
	tmp := dest + ".partial"
	os.Remove(tmp)
	// VACUUM INTO would make the file readable by all (0644 under the
	// usual umask); it writes into an empty file that is already there, so
	// the backup is made the owner's before it holds anything.
	if err := createOwnerOnly(tmp); err != nil {
		return fmt.Errorf("write the backup: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("back up %s: %w", src, err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if _, err := Verify(ctx, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("the new backup did not verify: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("finish backup: %w", err)
	}
	return syncDir(filepath.Dir(dest))
}

// FileInfo describes a chart database file found valid by Verify.
type FileInfo struct {
	Schema     int
	ClinicName string
	Patients   int
	Users      int
}

// Verify opens the chart file at path read-only and checks that it is a
// whole, uncorrupted Folio database that this Folio can open.
func Verify(ctx context.Context, path string) (FileInfo, error) {
	var info FileInfo
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("cannot read %s: %w", path, err)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return info, fmt.Errorf("open %s: %w", path, err)
	}
	defer conn.Close()
	var result string
	if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&result); err != nil {
		return info, fmt.Errorf("%s is not a readable chart database: %w", path, err)
	}
	if result != "ok" {
		return info, &CorruptError{Path: path, Detail: result}
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&info.Schema); err != nil {
		return info, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if info.Schema == 0 {
		return info, fmt.Errorf("%s is not a Folio chart database", path)
	}
	if info.Schema > SchemaVersion() {
		return info, &NewerSchemaError{Path: path, FileSchema: info.Schema, KnownSchemas: SchemaVersion()}
	}
	err = conn.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM settings WHERE key = 'clinic.name'), ''),
		(SELECT count(*) FROM patients), (SELECT count(*) FROM users)`).Scan(&info.ClinicName, &info.Patients, &info.Users)
	if err != nil {
		return info, fmt.Errorf("%s is not a Folio chart database: %w", path, err)
	}
	return info, nil
}

// Restore replaces the chart database at live with the backup at from,
// after verifying the backup. The replaced file is kept beside it, renamed
// with the time of the restore; its name is returned. The caller must make
// sure no Folio has live open.
func Restore(ctx context.Context, from, live string) (keptAs string, err error) {
	if _, err := Verify(ctx, from); err != nil {
		return "", err
	}
	dir := filepath.Dir(live)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data folder: %w", err)
	}
	incoming := live + ".restoring"
	os.Remove(incoming)
	if err := copyFile(from, incoming); err != nil {
		return "", err
	}
	if _, err := Verify(ctx, incoming); err != nil {
		os.Remove(incoming)
		return "", fmt.Errorf("the copied backup did not verify: %w", err)
	}
	if _, err := os.Stat(live); err == nil {
		// Fold the WAL into the file first, so the kept file is whole on its own.
		if err := checkpoint(ctx, live); err != nil {
			os.Remove(incoming)
			return "", err
		}
		keptAs = keptName(live, time.Now())
		if err := os.Rename(live, keptAs); err != nil {
			os.Remove(incoming)
			return "", fmt.Errorf("set the current database aside: %w", err)
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(live + suffix)
		}
	}
	if err := os.Rename(incoming, live); err != nil {
		return keptAs, fmt.Errorf("put the backup in place: %w", err)
	}
	return keptAs, syncDir(dir)
}

// keptName is a name, not yet taken, for the database a restore replaces:
// the time of the restore to the millisecond, and a counter if two restores
// share even that, so that a second restore never overwrites the first's.
func keptName(live string, now time.Time) string {
	base := fmt.Sprintf("%s.before-restore-%s", live, now.UTC().Format("20060102T150405.000Z"))
	name := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(name); err != nil {
			return name // not there, or unreadable: then the rename says why
		}
		name = fmt.Sprintf("%s-%d", base, n)
	}
}

func checkpoint(ctx context.Context, path string) error {
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer conn.Close()
	var busy, logFrames, done int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if busy != 0 {
		return errors.New("the chart database is in use; close Folio first")
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("open %s: %w", from, err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", to, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(to)
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(to)
		return fmt.Errorf("write %s: %w", to, err)
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return nil // not every OS can open a folder; the rename is done anyway
	}
	defer f.Close()
	f.Sync()
	return nil
}
