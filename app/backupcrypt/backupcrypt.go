// Package backupcrypt encrypts the clinic's backup copies with age
// (filippo.io/age), so that a USB disk or network share holding them gives
// nothing away without the clinic's passphrase.
//
// Backups are made unattended (on a schedule), so the passphrase cannot be
// asked for each time, and it must not be kept on the host either. Folio
// makes an age X25519 key pair once: the public half (the recipient)
// encrypts every backup; the private half (the identity) is kept only
// encrypted with the passphrase (age's scrypt), in the settings and beside
// the backups. Restoring needs the passphrase: lose it, and the encrypted
// backups are lost.
package backupcrypt

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Suffix marks an encrypted file.
const Suffix = ".age"

// IdentityFileName is the passphrase-encrypted identity kept in each folder
// of encrypted backups, so that the folder alone (and the passphrase)
// restores them.
const IdentityFileName = "folio-backup-identity.age"

// MinPassphrase is the shortest passphrase taken: scrypt slows guessing,
// but a short passphrase still falls to it.
const MinPassphrase = 12

// Keys are what Folio keeps of the clinic's backup encryption.
type Keys struct {
	Recipient string `json:"recipient"` // age1…: encrypts
	Wrapped   string `json:"wrapped"`   // the identity, encrypted with the passphrase (armored)
}

// ErrWrongPassphrase: the passphrase does not open the identity.
var ErrWrongPassphrase = errors.New("the passphrase does not open the clinic's backup key")

// NewKeys makes the clinic's backup key pair and wraps its identity with
// the passphrase.
func NewKeys(passphrase string) (Keys, error) {
	if len([]rune(passphrase)) < MinPassphrase {
		return Keys{}, fmt.Errorf("the passphrase needs at least %d characters", MinPassphrase)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return Keys{}, err
	}
	wrapper, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return Keys{}, err
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, wrapper)
	if err != nil {
		return Keys{}, err
	}
	if _, err := io.WriteString(w, id.String()); err != nil {
		return Keys{}, err
	}
	if err := w.Close(); err != nil {
		return Keys{}, err
	}
	if err := aw.Close(); err != nil {
		return Keys{}, err
	}
	return Keys{Recipient: id.Recipient().String(), Wrapped: buf.String()}, nil
}

// Unwrap opens the identity with the passphrase.
func Unwrap(wrapped, passphrase string) (age.Identity, error) {
	scrypt, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(wrapped)), scrypt)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, ErrWrongPassphrase
		}
		return nil, fmt.Errorf("open the clinic's backup key: %w", err)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("open the clinic's backup key: %w", err)
	}
	return age.ParseX25519Identity(strings.TrimSpace(string(text)))
}

// EncryptFile writes src encrypted to recipient as dest (through a
// temporary name, synced), then reads dest back and compares it with what
// was written: the copy on the other disk is whole, though only the
// passphrase can show what it holds.
func EncryptFile(src, dest, recipient string) error {
	r, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		return fmt.Errorf("the clinic's backup recipient: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dest + ".partial"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("encrypt %s: %w", filepath.Base(src), err)
	}
	sum := sha256.New()
	w, err := age.Encrypt(io.MultiWriter(out, sum), r)
	if err != nil {
		return fail(err)
	}
	if _, err := io.Copy(w, in); err != nil {
		return fail(err)
	}
	if err := w.Close(); err != nil {
		return fail(err)
	}
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := sameAsWritten(tmp, sum.Sum(nil)); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dest)
}

func sameAsWritten(path string, want []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return fmt.Errorf("read back %s: %w", path, err)
	}
	if !bytes.Equal(sum.Sum(nil), want) {
		return fmt.Errorf("%s reads back different from what was written: the disk is failing", path)
	}
	return nil
}

// DecryptFile writes src, decrypted with id, as dest (which must not exist).
func DecryptFile(src, dest string, id age.Identity) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	r, err := age.Decrypt(in, id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return fmt.Errorf("%s was encrypted with another key than this clinic's", src)
		}
		return fmt.Errorf("decrypt %s: %w", src, err)
	}
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		os.Remove(dest)
		return fmt.Errorf("decrypt %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(dest)
		return err
	}
	return nil
}

// WriteIdentity puts the wrapped identity in dir, once.
func WriteIdentity(dir string, k Keys) error {
	path := filepath.Join(dir, IdentityFileName)
	if there, err := os.ReadFile(path); err == nil && string(there) == k.Wrapped {
		return nil
	}
	if err := os.WriteFile(path+".partial", []byte(k.Wrapped), 0o600); err != nil {
		return err
	}
	return os.Rename(path+".partial", path)
}
