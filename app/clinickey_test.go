package app_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"folio/app"
	"folio/app/archive"
	"folio/db"
)

// TestClinicKeyMadeWithTheClinic: the clinic's key is made with the first
// entry of its audit trail (at setup), since it seals every entry; showing
// it changes nothing, and its private half is in the key file, not in the
// chart database.
func TestClinicKeyMadeWithTheClinic(t *testing.T) {
	ta := newTestApp(t)
	before := ta.counts(t)
	first, err := ta.Admin.Admin.ClinicKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := base64.StdEncoding.DecodeString(first.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("public key %q: %v", first.PublicKey, err)
	}
	if first.Fingerprint != archive.Fingerprint(pub) || first.CreatedAt != testStart.Format(time.RFC3339) {
		t.Errorf("key = %+v", first)
	}
	ta.Clock.Advance(5 * time.Minute)
	again, err := ta.Admin.Admin.ClinicKey()
	if err != nil || again != first {
		t.Errorf("second call = %+v, %v; want the first key %+v", again, err, first)
	}
	if after := ta.counts(t); after.Audit != before.Audit {
		t.Errorf("audit entries %d -> %d; the key was made with the clinic", before.Audit, after.Audit)
	}
	for _, a := range ta.audit(t) {
		if a.Action == "clinic_key.create" {
			t.Errorf("a key was made on first use: %+v", a.AuditEntry)
		}
	}
}

// TestClinicKeyConcurrentFirstUse asks for the key from several windows at
// once: each window sees the one key the clinic was made with.
func TestClinicKeyConcurrentFirstUse(t *testing.T) {
	ta := newTestApp(t)
	admins := []*caller{ta.Admin}
	for i := range 3 {
		admins = append(admins, ta.signIn(t, adminUsername, adminPassword, "admin-pc-"+string(rune('a'+i))))
	}
	keys := make([]app.ClinicKey, len(admins))
	var wg sync.WaitGroup
	for i, c := range admins {
		wg.Go(func() {
			var err error
			if keys[i], err = c.Admin.ClinicKey(); err != nil {
				t.Errorf("window %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i, k := range keys {
		if k != keys[0] {
			t.Errorf("window %d got %+v; window 0 got %+v", i, k, keys[0])
		}
	}
	created := 0
	for _, a := range ta.audit(t) {
		if a.Action == "clinic_key.create" {
			created++
		}
	}
	if created != 0 {
		t.Errorf("%d keys were made, want the clinic's own", created)
	}
}

// TestClinicSignerSignsAsTheClinic packs with the signer an export gets:
// the receiver sees the clinic's name and the fingerprint Settings shows.
func TestClinicSignerSignsAsTheClinic(t *testing.T) {
	ta := newTestApp(t)
	signer, err := ta.ClinicSignerForTest(ta.Clinician.Session)
	if err != nil {
		t.Fatal(err)
	}
	data, err := archive.Pack([]archive.File{{Path: "bundle.json", MediaType: "application/fhir+json", Data: []byte("{}")}}, signer, "")
	if err != nil {
		t.Fatal(err)
	}
	opened, err := archive.Open(data, "")
	if err != nil {
		t.Fatal(err)
	}
	shown, err := ta.Admin.Admin.ClinicKey()
	if err != nil {
		t.Fatal(err)
	}
	sender := opened.Verification.Sender
	if sender.Clinic != clinicName || sender.Fingerprint != shown.Fingerprint || !opened.Manifest.Created.Equal(testStart) {
		t.Errorf("sender %+v created %v; want %s, %s, %v", sender, opened.Manifest.Created, clinicName, shown.Fingerprint, testStart)
	}
}

// TestClinicKeyTravelsWithTheBackup restores a backup elsewhere: the
// clinic keeps its identity, the fingerprint its partners know.
func TestClinicKeyTravelsWithTheBackup(t *testing.T) {
	src := newTestApp(t)
	key, err := src.Admin.Admin.ClinicKey()
	if err != nil {
		t.Fatal(err)
	}
	backup, err := src.BackupNow()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := db.Restore(context.Background(), backup, filepath.Join(dir, db.FileName)); err != nil {
		t.Fatal(err)
	}
	restored := openTestApp(t, dir, newClock(testStart.Add(24*time.Hour)))
	admin := restored.signIn(t, adminUsername, adminPassword, "new-pc")
	got, err := admin.Admin.ClinicKey()
	if err != nil || got != key {
		t.Errorf("restored key = %+v, %v; want %+v", got, err, key)
	}
}
