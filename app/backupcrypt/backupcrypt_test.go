package backupcrypt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEncryptedBackupRoundTrip(t *testing.T) {
	if _, err := NewKeys("short"); err == nil {
		t.Error("a short passphrase was taken")
	}
	keys, err := NewKeys("river clinic backups 2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(keys.Recipient, "age1") || !strings.Contains(keys.Wrapped, "BEGIN AGE ENCRYPTED FILE") {
		t.Fatalf("keys %+v", keys)
	}
	dir := t.TempDir()
	plain := bytes.Repeat([]byte("SQLite format 3\x00 chart pages "), 20000)
	src := filepath.Join(dir, "folio.db")
	if err := os.WriteFile(src, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(dir, "folio.db.age")
	if err := EncryptFile(src, enc, keys.Recipient); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(enc)
	if bytes.Contains(raw, []byte("chart pages")) {
		t.Fatal("the encrypted file shows its content")
	}
	if _, err := Unwrap(keys.Wrapped, "river clinic backups 2025"); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("a wrong passphrase: %v", err)
	}
	id, err := Unwrap(keys.Wrapped, "river clinic backups 2026")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.db")
	if err := DecryptFile(enc, out, id); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, plain) {
		t.Error("the decrypted backup differs from the original")
	}
	// A flipped byte (a failing disk) is refused, and leaves nothing.
	raw[len(raw)/2] ^= 0xff
	bad := filepath.Join(dir, "bad.db.age")
	os.WriteFile(bad, raw, 0o600)
	if err := DecryptFile(bad, filepath.Join(dir, "bad.db"), id); err == nil {
		t.Error("a damaged encrypted backup was decrypted")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.db")); err == nil {
		t.Error("a failed decryption left a file")
	}
	// Another clinic's key opens nothing.
	other, _ := NewKeys("another clinic entirely")
	otherID, _ := Unwrap(other.Wrapped, "another clinic entirely")
	if err := DecryptFile(enc, filepath.Join(dir, "x.db"), otherID); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("another clinic's key: %v", err)
	}
}
