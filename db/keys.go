package db

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The clinic's Ed25519 key signs the archives the clinic hands over and the
// checkpoints of its audit trail, and a key derived from it seals every
// audit entry. Its private half lives in a key file in the data folder
// (folio.key, readable by its owner only), never in the chart database:
// whoever has the database file alone (a copied folio.db, a backup without
// its key file) cannot sign as the clinic, so cannot re-sign an audit trail
// they rewrote. Settings keep the public half, which is all that verifying
// a checkpoint or an archive needs.
//
// A backup carries the key in a file beside it (<backup>.key), and a
// restore puts it back into the data folder: a clinic restored on a new PC
// keeps its identity, and the fingerprint its partners know stays valid.
// That key file is to be kept as carefully as the backup: with it, the
// backup is the clinic.
//
// Folio before schema 19 kept the seed in settings; Open moves it out
// (moveKeyOut). Backups made before then still hold it.
const (
	// KeyFileName is the clinic's key file inside a data folder.
	KeyFileName = "folio.key"

	settingLegacyClinicKey  = "clinic.signing_key"         // base64 of the 32-byte seed; before schema 19 only
	settingClinicPublicKey  = "clinic.public_key"          // base64 of the 32-byte Ed25519 public key
	settingClinicKeyCreated = "clinic.signing_key_created" // RFC 3339
)

// ClinicKey is the clinic's Ed25519 signing key.
type ClinicKey struct {
	Private   ed25519.PrivateKey
	CreatedAt time.Time
}

// KeyMismatchError refuses a data folder whose key file is not the key of
// its chart database: signing with it would make everything the clinic
// signed look foreign.
type KeyMismatchError struct {
	KeyFile string
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("the key file %s does not belong to the chart database beside it. Put the clinic's own key file back (a backup keeps it beside itself as <backup>.key), or move this one away", e.KeyFile)
}

// keyState is what the open database knows of the clinic's key. It is
// replaced whole, never changed, so readers need no lock.
type keyState struct {
	key *ClinicKey // nil: no private key here (none made yet, or its file is missing)
	// public is the public key settings name, or the private key's when
	// settings do not name one yet.
	public ed25519.PublicKey
	// inFile and recorded tell whether the key file holds key and settings
	// name its public half; what is missing is written with the next
	// audit entry.
	inFile, recorded bool
	// missing: settings name a public key but its private half is not
	// here, so nothing can be sealed or signed until the key file is back.
	missing bool
}

func (k *keyState) sealKey() []byte {
	if k == nil || k.key == nil {
		return nil
	}
	sum := sha256.Sum256(append([]byte("folio audit seal v1\x00"), k.key.Private.Seed()...))
	return sum[:]
}

// KeyStatus says whether this data folder holds the clinic's private key.
type KeyStatus struct {
	Present bool   // the key file is here and matches the database
	Missing bool   // the database names a key whose file is not here
	KeyFile string // where the key file is (or belongs)
}

// KeyStatus tells the state of the clinic's key.
func (d *DB) KeyStatus() KeyStatus {
	k := d.keys.Load()
	return KeyStatus{Present: k.key != nil && k.inFile, Missing: k.missing, KeyFile: d.keyPath()}
}

// keyPath is the data folder's key file: folio.key, or, when only that is
// there, the key file that came with a backup copied in as the database
// (folio.db.key): a backup opened where it lies works as the clinic.
func (d *DB) keyPath() string {
	path := filepath.Join(filepath.Dir(d.path), KeyFileName)
	if _, err := os.Stat(path); err != nil && fileExists(d.path+".key") {
		return d.path + ".key"
	}
	return path
}

// loadKey reads the key file and what settings say of the key, before
// migrating (the baseline a migration writes is sealed with it).
func (d *DB) loadKey(ctx context.Context) error {
	var legacy, public, created string
	var version int
	if err := d.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version of %s: %w", d.path, err)
	}
	if version > 0 {
		err := d.writer.QueryRowContext(ctx, keySettingsQuery,
			settingLegacyClinicKey, settingClinicPublicKey, settingClinicKeyCreated).Scan(&legacy, &public, &created)
		if err != nil {
			return fmt.Errorf("read the clinic's key settings: %w", err)
		}
	}
	st, err := keyStateOf(legacy, public, created, d.keyPath())
	if err != nil {
		return err
	}
	d.keys.Store(st)
	return nil
}

const keySettingsQuery = `SELECT
	coalesce((SELECT value FROM settings WHERE key = ?), ''),
	coalesce((SELECT value FROM settings WHERE key = ?), ''),
	coalesce((SELECT value FROM settings WHERE key = ?), '')`

// reloadKey reads the key's state afresh in this transaction: another
// process (folio setup beside a running folio serve) may have made the key
// since this one opened the database.
func (t *Tx) reloadKey() (*keyState, error) {
	var legacy, public, created string
	err := t.queryRow(keySettingsQuery, settingLegacyClinicKey, settingClinicPublicKey, settingClinicKeyCreated).
		Scan(&legacy, &public, &created)
	if err != nil {
		return nil, fmt.Errorf("read the clinic's key settings: %w", err)
	}
	return keyStateOf(legacy, public, created, t.d.keyPath())
}

// keyStateOf is the key's state from what settings say of it (a seed of
// before schema 19, the public key, its time) and the key file at keyPath.
func keyStateOf(legacy, public, created, keyPath string) (*keyState, error) {
	st := &keyState{}
	if public != "" {
		raw, err := base64.StdEncoding.DecodeString(public)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("read clinic key: the public key in settings is not a base64 Ed25519 key")
		}
		st.public, st.recorded = raw, true
	}
	fileKey, err := readKeyFile(keyPath)
	switch {
	case err == nil:
		st.inFile = true
		st.key = &fileKey
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	if legacy != "" {
		k, err := legacyKey(legacy, created)
		if err != nil {
			return nil, err
		}
		if st.key != nil && !st.key.Private.Equal(k.Private) {
			return nil, &KeyMismatchError{KeyFile: keyPath}
		}
		if st.key == nil {
			st.key = &k
		}
	}
	if st.key != nil {
		pub := st.key.Private.Public().(ed25519.PublicKey)
		if st.public != nil && !st.public.Equal(pub) {
			return nil, &KeyMismatchError{KeyFile: keyPath}
		}
		st.public = pub
	}
	st.missing = st.key == nil && st.recorded
	return st, nil
}

func legacyKey(seed, created string) (ClinicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(seed))
	if err != nil || len(raw) != ed25519.SeedSize {
		return ClinicKey{}, fmt.Errorf("read clinic key: stored key is not a base64 Ed25519 seed")
	}
	at, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		return ClinicKey{}, fmt.Errorf("read clinic key: created %q: %w", created, err)
	}
	return ClinicKey{Private: ed25519.NewKeyFromSeed(raw), CreatedAt: at}, nil
}

// ClinicKey gives the clinic's signing key; ok is false when this data
// folder has none (none made yet, or its key file is missing: see
// KeyStatus).
func (t *Tx) ClinicKey() (key ClinicKey, ok bool, err error) {
	k := t.keyState()
	if k == nil || k.key == nil || !k.recorded {
		return ClinicKey{}, false, nil
	}
	return *k.key, true, nil
}

// ClinicPublicKey is the public key settings name; nil before the clinic
// has a key.
func (t *Tx) ClinicPublicKey() ed25519.PublicKey {
	if k := t.keyState(); k != nil && k.recorded {
		return k.public
	}
	return nil
}

func (t *Tx) keyState() *keyState {
	if t.newKeys != nil {
		return t.newKeys
	}
	if t.d == nil {
		return nil
	}
	return t.d.keys.Load()
}

// InsertClinicKey makes k the clinic's key: its file in the data folder,
// its public half in settings. It never replaces one: a second key would
// make every archive signed so far look foreign, so a clinic that has a key
// (or names one whose file is missing) gets ErrDuplicate.
func (t *Tx) InsertClinicKey(k ClinicKey) error {
	if len(k.Private) != ed25519.PrivateKeySize {
		return fmt.Errorf("save clinic key: not an Ed25519 private key")
	}
	cur := t.keyState()
	if cur != nil && (cur.recorded || cur.key != nil) {
		return fmt.Errorf("save clinic key: %w", ErrDuplicate)
	}
	return t.recordKey(&keyState{key: &k, public: k.Private.Public().(ed25519.PublicKey)})
}

// ensureKey makes sure, before an audit entry is written, that the clinic
// has a key that is in its file and named in settings: the clinic's key is
// made with the first entry of its audit trail (at setup), so that every
// entry is sealed from the first on. Nothing happens when the key file is
// missing: entries are then written unsealed, which `folio check` reports.
func (t *Tx) ensureKey(at time.Time) error {
	cur := t.keyState()
	if cur == nil || cur.missing || (cur.key != nil && cur.inFile && cur.recorded) {
		return nil
	}
	cur, err := t.reloadKey()
	if err != nil {
		return err
	}
	if cur.missing || (cur.key != nil && cur.inFile && cur.recorded) {
		t.newKeys = cur
		return nil
	}
	next := *cur
	if next.key == nil {
		// A key file left by a transaction that rolled back is adopted:
		// nothing was signed with another.
		k, err := readKeyFile(t.d.keyPath())
		if errors.Is(err, fs.ErrNotExist) {
			_, private, genErr := ed25519.GenerateKey(rand.Reader)
			if genErr != nil {
				return fmt.Errorf("make clinic key: %w", genErr)
			}
			k, err = ClinicKey{Private: private, CreatedAt: at.UTC()}, nil
		}
		if err != nil {
			return err
		}
		next.key, next.public = &k, k.Private.Public().(ed25519.PublicKey)
	}
	return t.recordKey(&next)
}

// recordKey writes what is missing of k (its file, its settings) and makes
// it this transaction's key state, the database's once it commits.
func (t *Tx) recordKey(k *keyState) error {
	if t.d == nil {
		return errors.New("save clinic key: not a transaction of an open database")
	}
	if !k.inFile {
		if err := writeKeyFile(t.d.keyPath(), *k.key); err != nil {
			return err
		}
		k.inFile = true
	}
	if !k.recorded {
		res, err := t.exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			settingClinicPublicKey, base64.StdEncoding.EncodeToString(k.public))
		if err != nil {
			return fmt.Errorf("save clinic key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("save clinic key: %w", ErrDuplicate)
		}
		// A key kept in settings before schema 19 has its time there already.
		_, err = t.exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			settingClinicKeyCreated, k.key.CreatedAt.UTC().Format(time.RFC3339Nano))
		if err != nil {
			return fmt.Errorf("save clinic key: %w", err)
		}
		k.recorded = true
	}
	k.missing = false
	t.newKeys = k
	return nil
}

// moveKeyOut takes a seed kept in settings by a Folio before schema 19 out
// of the database: the key file is written first (with the first audit
// entry, by loadKey's state), then the seed is deleted with secure_delete,
// the WAL is folded in and truncated, and if the seed's text is still
// anywhere in the file (a page freed before, when secure_delete was off)
// the file is rebuilt with VACUUM. The move is audited.
func (d *DB) moveKeyOut(ctx context.Context) error {
	var seed string
	err := d.writer.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingLegacyClinicKey).Scan(&seed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read clinic key: %w", err)
	}
	if _, err := d.writer.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
		return fmt.Errorf("move the clinic key out of the database: %w", err)
	}
	defer d.writer.ExecContext(ctx, "PRAGMA secure_delete = OFF")
	err = d.Update(ctx, func(tx *Tx) error {
		if err := tx.ensureKey(time.Now()); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM settings WHERE key = ?`, settingLegacyClinicKey); err != nil {
			return fmt.Errorf("move the clinic key out of the database: %w", err)
		}
		return tx.AppendAudit(AuditEntry{At: time.Now(), Username: "folio", Action: "clinic_key.move",
			Detail: "the clinic's signing key moved out of the chart database into " + KeyFileName + " in the data folder"})
	})
	if err != nil {
		return err
	}
	if err := d.foldWAL(ctx); err != nil {
		return err
	}
	raw, err := os.ReadFile(d.path)
	if err != nil {
		return fmt.Errorf("read %s: %w", d.path, err)
	}
	if !bytes.Contains(raw, []byte(seed)) {
		return nil
	}
	if _, err := d.writer.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("rewrite %s without the old key: %w", d.path, err)
	}
	return d.foldWAL(ctx)
}

// foldWAL copies the WAL into the database file and empties it.
func (d *DB) foldWAL(ctx context.Context) error {
	var busy, frames, done int
	if err := d.writer.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done); err != nil {
		return fmt.Errorf("checkpoint %s: %w", d.path, err)
	}
	return nil
}

// The key file: three lines, the last the seed in base64.
const keyFileHeader = "Folio clinic signing key. Keep this file private: whoever has it can sign as the clinic."

func writeKeyFile(path string, k ClinicKey) error {
	existing, err := readKeyFile(path)
	if err == nil {
		if existing.Private.Equal(k.Private) {
			return nil
		}
		return &KeyMismatchError{KeyFile: path}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	body := fmt.Sprintf("%s\ncreated %s\nseed %s\n", keyFileHeader, k.CreatedAt.UTC().Format(time.RFC3339Nano),
		base64.StdEncoding.EncodeToString(k.Private.Seed()))
	return writeNewFile(path, []byte(body))
}

// writeNewFile writes a file that must not exist yet, readable by its owner
// only, and syncs it and its folder.
func writeNewFile(path string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create folder for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(body); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// readKeyFile reads a key file; an error wrapping fs.ErrNotExist means
// there is none.
func readKeyFile(path string) (ClinicKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ClinicKey{}, err
		}
		return ClinicKey{}, fmt.Errorf("read the clinic's key file %s: %w", path, err)
	}
	var k ClinicKey
	var seed, created string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "seed "); ok {
			seed = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "created "); ok {
			created = v
		}
	}
	s, err := base64.StdEncoding.DecodeString(strings.TrimSpace(seed))
	if err != nil || len(s) != ed25519.SeedSize {
		return ClinicKey{}, fmt.Errorf("the clinic's key file %s is damaged (no key in it)", path)
	}
	k.Private = ed25519.NewKeyFromSeed(s)
	if k.CreatedAt, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(created)); err != nil {
		return ClinicKey{}, fmt.Errorf("the clinic's key file %s is damaged (no creation time)", path)
	}
	return k, nil
}
