package db

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
)

func TestClinicKey(t *testing.T) {
	d := openTestDB(t)
	_, first, _ := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
	_, second, _ := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{2}, 64)))
	mustUpdate(t, d, func(tx *Tx) error {
		if _, ok, err := tx.ClinicKey(); ok || err != nil {
			t.Fatalf("a new database has a clinic key (ok %v, err %v)", ok, err)
		}
		return tx.InsertClinicKey(ClinicKey{Private: first, CreatedAt: testTime})
	})
	err := d.Update(context.Background(), func(tx *Tx) error {
		return tx.InsertClinicKey(ClinicKey{Private: second, CreatedAt: testTime})
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("a second key: err = %v, want ErrDuplicate", err)
	}
	mustUpdate(t, d, func(tx *Tx) error {
		k, ok, err := tx.ClinicKey()
		if err != nil || !ok || !k.Private.Equal(first) || !k.CreatedAt.Equal(testTime) {
			t.Errorf("read back %v %v %v, want the first key made at %v", k.CreatedAt, ok, err, testTime)
		}
		return nil
	})
}
