package db

import (
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The clinic's signing key lives in settings, beside the clinic's name.
// Being in the chart database, every backup carries it: a clinic restored
// from a backup keeps its identity, and the fingerprint its partners know
// stays valid. The same holds for who gets the backup file, which is why
// backups are to be kept as carefully as the charts in them.
const (
	settingClinicKey        = "clinic.signing_key"         // base64 of the 32-byte Ed25519 seed (RFC 8032's private key)
	settingClinicKeyCreated = "clinic.signing_key_created" // RFC 3339
)

// ClinicKey is the clinic's Ed25519 signing key, as stored.
type ClinicKey struct {
	Private   ed25519.PrivateKey
	CreatedAt time.Time
}

// ClinicKey reads the clinic's signing key; ok is false when none was made
// yet.
func (t *Tx) ClinicKey() (key ClinicKey, ok bool, err error) {
	var seed, created string
	err = t.queryRow(`SELECT k.value, c.value FROM settings k JOIN settings c ON c.key = ?
		WHERE k.key = ?`, settingClinicKeyCreated, settingClinicKey).Scan(&seed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ClinicKey{}, false, nil
	}
	if err != nil {
		return ClinicKey{}, false, fmt.Errorf("read clinic key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(seed))
	if err != nil || len(raw) != ed25519.SeedSize {
		return ClinicKey{}, false, fmt.Errorf("read clinic key: stored key is not a base64 Ed25519 seed")
	}
	at, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		return ClinicKey{}, false, fmt.Errorf("read clinic key: created %q: %w", created, err)
	}
	return ClinicKey{Private: ed25519.NewKeyFromSeed(raw), CreatedAt: at}, true, nil
}

// InsertClinicKey stores the clinic's signing key. It never replaces one:
// a second key would make every archive signed so far look foreign, so a
// clinic that has a key gets ErrDuplicate.
func (t *Tx) InsertClinicKey(k ClinicKey) error {
	if len(k.Private) != ed25519.PrivateKeySize {
		return fmt.Errorf("save clinic key: not an Ed25519 private key")
	}
	for _, kv := range [][2]string{
		{settingClinicKey, base64.StdEncoding.EncodeToString(k.Private.Seed())},
		{settingClinicKeyCreated, k.CreatedAt.UTC().Format(time.RFC3339Nano)},
	} {
		res, err := t.exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, kv[0], kv[1])
		if err != nil {
			return fmt.Errorf("save clinic key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("save clinic key: %w", ErrDuplicate)
		}
	}
	return nil
}
