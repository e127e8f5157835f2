package db

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestLegacyKeyMovesOut opens a chart file of a Folio that kept the
// clinic's key in settings: the key moves into the key file, settings keep
// its public half, the seed is nowhere in the database file or its WAL,
// what it signed before still verifies with the key the clinic shows, and
// the rows in force get their baseline.
func TestLegacyKeyMovesOut(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := open(ctx, path, migrations[:auditRowsVersion-1])
	if err != nil {
		t.Fatal(err)
	}
	_, private, _ := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	seedText := base64.StdEncoding.EncodeToString(private.Seed())
	signedBefore := ed25519.Sign(private, []byte("an archive's manifest"))
	mustUpdate(t, old, func(tx *Tx) error {
		for _, kv := range [][2]string{{settingLegacyClinicKey, seedText}, {settingClinicKeyCreated, "2025-01-02T03:04:05Z"},
			{"clinic.name", "Old Clinic"}} {
			if err := tx.SetSetting(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return tx.AppendAudit(AuditEntry{At: testTime, Username: "admin", Action: "setup"})
	})
	addTestUser(t, old, "admin", "admin")
	old.Close()

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	k, err := readKeyFile(filepath.Join(filepath.Dir(path), KeyFileName))
	if err != nil || !k.Private.Equal(private) || k.CreatedAt.Format(time.RFC3339) != "2025-01-02T03:04:05Z" {
		t.Fatalf("key file: %+v, %v", k, err)
	}
	if st, err := os.Stat(filepath.Join(filepath.Dir(path), KeyFileName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v, %v", st, err)
	}
	var actions []string
	err = d.View(ctx, func(tx *Tx) error {
		if _, ok, err := tx.Setting(settingLegacyClinicKey); ok || err != nil {
			t.Errorf("settings still hold the seed (%v)", err)
		}
		if !ed25519.Verify(tx.ClinicPublicKey(), []byte("an archive's manifest"), signedBefore) {
			t.Error("what the clinic signed before does not verify with the public key it shows now")
		}
		all, err := tx.Audit(AuditFilter{Limit: 10})
		for _, e := range all {
			actions = append(actions, e.Action)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two baselines: schema 19's, and schema 29's of the appointment
	// types, appointments and encounters whose columns it changed.
	if strings.Join(actions, " ") != "clinic_key.move audit.baseline audit.baseline setup" {
		t.Errorf("audit after the upgrade: %v", actions)
	}
	if _, _, err := d.Checkpoint(ctx, "test", testTime, false); err != nil {
		t.Fatal(err)
	}
	if r, err := d.CheckAudit(ctx); err != nil || len(r.Problems) > 0 || !r.Sealed || r.Checkpoints != 1 {
		t.Errorf("check after the upgrade: %+v, %v", r, err)
	}
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if err == nil && (bytes.Contains(b, []byte(seedText)) || bytes.Contains(b, private.Seed())) {
			t.Errorf("%s still holds the clinic's key", filepath.Base(name))
		}
	}
}

// TestKeyMadeByAnotherProcess: a Folio that opened the clinic before
// another (folio setup beside a running folio serve) made its key takes
// that key up instead of failing or making a second.
func TestKeyMadeByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	serve := openTestDB(t)
	setup, err := Open(ctx, serve.Path())
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, setup, func(tx *Tx) error {
		return tx.AppendAudit(AuditEntry{At: testTime, Username: "admin", Action: "setup"})
	})
	setup.Close()
	mustUpdate(t, serve, func(tx *Tx) error {
		return tx.AppendAudit(AuditEntry{At: testTime, Username: "admin", Action: "login"})
	})
	if c := verifyAudit(t, serve); c.Problem != "" || c.Entries != 2 {
		t.Errorf("audit after both: %+v", c)
	}
	if st := serve.KeyStatus(); !st.Present {
		t.Errorf("key status %+v", st)
	}
}
