package db

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	_, err := BackupSealed(ctx, src, dest)
	return err
}

// BackupReport tells what a backup carries of the audit's anchors.
type BackupReport struct {
	// Checkpoint signs the backup's audit chain as it was copied; nil when
	// the clinic has no key here, or the chain did not verify.
	Checkpoint *Checkpoint
	// KeyFile is the copy of the clinic's key beside the backup, "" if none.
	KeyFile string
	// AuditProblem says why the backup got no checkpoint: its chain did not
	// verify from its last checkpoint on. The backup is written all the
	// same: a damaged clinic is better kept than lost.
	AuditProblem string
}

// BackupSealed is Backup, telling what the backup carries: a checkpoint of
// its own audit chain, signed with the clinic's key and kept in the backup
// and in the checkpoint file beside src; and a copy of the key file beside
// the backup (dest + ".key"), so that the backup restored elsewhere keeps
// the clinic's identity.
func BackupSealed(ctx context.Context, src, dest string) (BackupReport, error) {
	var report BackupReport
	if _, err := os.Stat(dest); err == nil {
		return report, fmt.Errorf("%s already exists; choose a new file name", dest)
	}
	if _, err := os.Stat(src); err != nil {
		return report, fmt.Errorf("no chart database at %s: %w", src, err)
	}
	// A folder that is not there is a mistyped path more often than a new
	// place: making it would hide the backup where nobody looks.
	if info, err := os.Stat(filepath.Dir(dest)); err != nil || !info.IsDir() {
		return report, fmt.Errorf("the folder %s does not exist; make it first, or choose another place for the backup", filepath.Dir(dest))
	}
	conn, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return report, fmt.Errorf("open %s: %w", src, err)
	}
	defer conn.Close()
	tmp := dest + ".partial"
	os.Remove(tmp)
	// VACUUM INTO would make the file readable by all (0644 under the
	// usual umask); it writes into an empty file that is already there, so
	// the backup is made the owner's before it holds anything.
	if err := createOwnerOnly(tmp); err != nil {
		return report, fmt.Errorf("write the backup: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		os.Remove(tmp)
		return report, fmt.Errorf("back up %s: %w", src, err)
	}
	if report, err = sealBackup(ctx, src, tmp, dest); err != nil {
		os.Remove(tmp)
		os.Remove(report.KeyFile)
		return BackupReport{}, err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		os.Remove(report.KeyFile)
		return BackupReport{}, err
	}
	if _, err := Verify(ctx, tmp); err != nil {
		os.Remove(tmp)
		os.Remove(report.KeyFile)
		return BackupReport{}, fmt.Errorf("the new backup did not verify: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		os.Remove(report.KeyFile)
		return BackupReport{}, fmt.Errorf("finish backup: %w", err)
	}
	return report, syncDir(filepath.Dir(dest))
}

// sealBackup signs the audit chain of the copy at tmp (to become dest) with
// the clinic's key from src's data folder, keeps the checkpoint in the copy
// and in src's checkpoint file, and writes the key file beside dest.
// Nothing is signed without a key, or in a copy older than schema 19.
func sealBackup(ctx context.Context, src, tmp, dest string) (BackupReport, error) {
	var report BackupReport
	key, err := readKeyFile(filepath.Join(filepath.Dir(src), KeyFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return report, nil
	}
	if err != nil {
		return report, err
	}
	conn, err := sql.Open("sqlite", "file:"+tmp+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return report, fmt.Errorf("open %s: %w", tmp, err)
	}
	defer conn.Close()
	var cp Checkpoint
	written := false
	err = run(ctx, conn, nil, func(tx *Tx) error {
		if !tx.hasTable("audit_checkpoints") {
			return nil
		}
		cp, written, err = tx.signHead(key, "backup "+filepath.Base(dest), time.Now(), true)
		var damaged *AuditDamagedError
		if errors.As(err, &damaged) {
			report.AuditProblem = damaged.Problem
			return nil
		}
		return err
	})
	if err != nil {
		return report, fmt.Errorf("sign the backup's audit trail: %w", err)
	}
	if err := conn.Close(); err != nil {
		return report, fmt.Errorf("write %s: %w", tmp, err)
	}
	if written {
		report.Checkpoint = &cp
		if err := appendCheckpointLine(checkpointFile(src), cp); err != nil {
			return report, err
		}
	}
	report.KeyFile = dest + ".key"
	if err := writeKeyFile(report.KeyFile, key); err != nil {
		report.KeyFile = ""
		return report, err
	}
	return report, nil
}

// FileInfo describes a chart database file found valid by Verify.
type FileInfo struct {
	Schema     int
	ClinicName string
	Patients   int
	Users      int
	LastEntry  string // the time of the newest audit entry: the last thing done in it
}

// Verify opens the chart file at path read-only and checks that it is a
// whole, uncorrupted Folio database that this Folio can open.
func Verify(ctx context.Context, path string) (FileInfo, error) {
	var info FileInfo
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("cannot read %s: %w", path, err)
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)")
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
		(SELECT count(*) FROM patients), (SELECT count(*) FROM users), coalesce((SELECT max(at) FROM audit), '')`).
		Scan(&info.ClinicName, &info.Patients, &info.Users, &info.LastEntry)
	if err != nil {
		return info, fmt.Errorf("%s is not a Folio chart database: %w", path, err)
	}
	return info, nil
}

// Restore replaces the chart database at live with the backup at from,
// after verifying the backup. The replaced file is kept beside it, renamed
// with the time of the restore; its name is returned. The caller must make
// sure no Folio has live open. See RestoreFiles for the key and the
// checkpoints.
func Restore(ctx context.Context, from, live string) (keptAs string, err error) {
	r, err := RestoreFiles(ctx, from, live)
	return r.KeptAs, err
}

// RestoreResult tells what a restore replaced and kept aside.
type RestoreResult struct {
	KeptAs            string // the database replaced, "" if there was none
	KeyKeptAs         string // the key file replaced by the backup's, "" if none
	CheckpointsKeptAs string // the checkpoint file of the replaced database, "" if none
	// KeyNotFound: neither beside the backup nor in the data folder is the
	// key of the restored clinic; it cannot sign until its key file is put
	// in the data folder.
	KeyNotFound bool
}

// RestoreFiles is Restore, with the files that go with the database: the
// clinic's key from beside the backup (from + ".key") becomes the data
// folder's (a different key there is kept aside, renamed like the
// database), and the data folder's checkpoint file, which signs the chain
// of the replaced database, is kept aside too.
func RestoreFiles(ctx context.Context, from, live string) (RestoreResult, error) {
	return RestoreFilesWithKey(ctx, from, from+".key", live)
}

// RestoreFilesWithKey is RestoreFiles with the clinic's key file named
// (when it is not beside the backup).
func RestoreFilesWithKey(ctx context.Context, from, keyFile, live string) (RestoreResult, error) {
	var r RestoreResult
	if _, err := Verify(ctx, from); err != nil {
		return r, err
	}
	dir := filepath.Dir(live)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return r, fmt.Errorf("create data folder: %w", err)
	}
	incoming := live + ".restoring"
	os.Remove(incoming)
	if err := copyFile(from, incoming); err != nil {
		return r, err
	}
	if _, err := Verify(ctx, incoming); err != nil {
		os.Remove(incoming)
		return r, fmt.Errorf("the copied backup did not verify: %w", err)
	}
	backupKey, err := backupKeyFor(ctx, keyFile, incoming)
	if err != nil {
		os.Remove(incoming)
		return r, err
	}
	now := time.Now()
	if _, err := os.Stat(live); err == nil {
		// Fold the WAL into the file first, so the kept file is whole on its own.
		if err := checkpoint(ctx, live); err != nil {
			os.Remove(incoming)
			return r, err
		}
		r.KeptAs = keptName(live, now)
		if err := os.Rename(live, r.KeptAs); err != nil {
			os.Remove(incoming)
			return RestoreResult{}, fmt.Errorf("set the current database aside: %w", err)
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(live + suffix)
		}
	}
	if err := os.Rename(incoming, live); err != nil {
		return r, fmt.Errorf("put the backup in place: %w", err)
	}
	if cps := filepath.Join(dir, CheckpointFileName); fileExists(cps) {
		r.CheckpointsKeptAs = keptName(cps, now)
		if err := os.Rename(cps, r.CheckpointsKeptAs); err != nil {
			return r, fmt.Errorf("set the replaced database's checkpoints aside: %w", err)
		}
	}
	if err := r.placeKey(dir, backupKey, now); err != nil {
		return r, err
	}
	return r, syncDir(dir)
}

// UndoRestore puts back what RestoreFiles set aside, when what follows the
// restore (recording it) failed: the data folder is then as it was.
func UndoRestore(live string, r RestoreResult) error {
	dir := filepath.Dir(live)
	var errs []error
	undo := func(kept, path string) {
		if kept == "" {
			return
		}
		os.Remove(path)
		if err := os.Rename(kept, path); err != nil {
			errs = append(errs, err)
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(live + suffix)
	}
	if r.KeptAs == "" {
		errs = append(errs, os.Remove(live))
	}
	undo(r.KeptAs, live)
	undo(r.KeyKeptAs, filepath.Join(dir, KeyFileName))
	undo(r.CheckpointsKeptAs, filepath.Join(dir, CheckpointFileName))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("put the data folder back as it was: %w", err)
	}
	return syncDir(dir)
}

// restoredKey is what a restore knows of the restored clinic's key.
type restoredKey struct {
	public ed25519.PublicKey // from the backup's settings; nil if none
	inside bool              // the backup keeps the seed in settings (before schema 19)
	file   *ClinicKey        // the key file beside the backup, if any
}

// backupKeyFor reads what the backup (copied) says of its key, and the key
// file that came with it, which must be that key.
func backupKeyFor(ctx context.Context, keyFile, copied string) (restoredKey, error) {
	var k restoredKey
	conn, err := sql.Open("sqlite", "file:"+copied+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return k, fmt.Errorf("open %s: %w", copied, err)
	}
	defer conn.Close()
	var public string
	err = conn.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM settings WHERE key = ?), ''),
		EXISTS (SELECT 1 FROM settings WHERE key = ?)`, settingClinicPublicKey, settingLegacyClinicKey).Scan(&public, &k.inside)
	if err != nil {
		return k, fmt.Errorf("read the backup's clinic key: %w", err)
	}
	if raw, err := base64.StdEncoding.DecodeString(public); err == nil && len(raw) == ed25519.PublicKeySize {
		k.public = raw
	}
	fk, err := readKeyFile(keyFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return k, nil
	case err != nil:
		return k, err
	}
	if k.public != nil && !k.public.Equal(fk.Private.Public().(ed25519.PublicKey)) {
		return k, fmt.Errorf("the key file %s is not the key of the clinic in the backup", keyFile)
	}
	k.file = &fk
	return k, nil
}

// placeKey makes the data folder's key file the restored clinic's.
func (r *RestoreResult) placeKey(dir string, k restoredKey, now time.Time) error {
	keyPath := filepath.Join(dir, KeyFileName)
	current, err := readKeyFile(keyPath)
	hasCurrent := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		hasCurrent = fileExists(keyPath) // damaged: set it aside all the same
	}
	matches := hasCurrent && err == nil &&
		((k.file != nil && current.Private.Equal(k.file.Private)) ||
			(k.file == nil && k.public != nil && k.public.Equal(current.Private.Public().(ed25519.PublicKey))))
	if hasCurrent && !matches && (k.file != nil || k.public != nil || k.inside) {
		r.KeyKeptAs = keptName(keyPath, now)
		if err := os.Rename(keyPath, r.KeyKeptAs); err != nil {
			return fmt.Errorf("set the replaced clinic's key aside: %w", err)
		}
	}
	switch {
	case k.file != nil && !matches:
		return writeKeyFile(keyPath, *k.file)
	case k.file == nil && !matches && !k.inside && k.public != nil:
		r.KeyNotFound = true
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
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

// CopyFile copies from to to (which must not exist yet) through a
// temporary name, synced, so that to is whole or not there at all: a copy
// of a backup to a second disk that a pulled cable or a power cut
// interrupts leaves no half backup under a backup's name.
func CopyFile(from, to string) error {
	tmp := to + ".partial"
	os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, to); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("finish %s: %w", to, err)
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
