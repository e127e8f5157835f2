package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"folio/app/archive"
	"folio/db"
)

// ClinicKey is the public half of the key the clinic signs the archives it
// hands over with. A receiving clinic sees the fingerprint of the key that
// signed an archive; comparing it with this one (read aloud over the phone,
// printed on a letter) is how they know the archive came from here.
type ClinicKey struct {
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"publicKey"` // standard base64 of the 32-byte Ed25519 key
	CreatedAt   string `json:"createdAt"` // RFC 3339
}

// ClinicKey shows the clinic's signing key, making it if the clinic has
// none yet.
func (s *Admin) ClinicKey() (ClinicKey, error) {
	var out ClinicKey
	err := s.app.act(s.session, permAdmin, func(o *op) error {
		k, err := o.clinicKey()
		if err != nil {
			return err
		}
		pub := k.Private.Public().(ed25519.PublicKey)
		out = ClinicKey{Fingerprint: archive.Fingerprint(pub), PublicKey: base64.StdEncoding.EncodeToString(pub),
			CreatedAt: k.CreatedAt.Format(time.RFC3339)}
		return nil
	})
	return out, err
}

// clinicKey reads the clinic's signing key. The key is made with the
// clinic's first audit entry (it seals every entry, see db/keys.go); one
// is made here, audited, only for a clinic that has none yet. It runs in
// the use-case's write transaction, which Folio takes one at a time, so two
// first uses at once still make one key. A key whose file is missing is
// refused in words the admin can act on.
func (o *op) clinicKey() (db.ClinicKey, error) {
	k, ok, err := o.ClinicKey()
	if err != nil || ok {
		return k, err
	}
	if st := o.app.db.KeyStatus(); st.Missing {
		return db.ClinicKey{}, errorf(Conflict, "The clinic's key file is missing from the data folder (%s), so Folio cannot sign as the clinic. "+
			"Copy it back from beside your latest backup (the file ending in .key) while Folio is closed.", st.KeyFile)
	}
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return db.ClinicKey{}, fmt.Errorf("make clinic key: %w", err)
	}
	k = db.ClinicKey{Private: private, CreatedAt: o.now}
	if err := o.InsertClinicKey(k); err != nil {
		return db.ClinicKey{}, err
	}
	fingerprint := archive.Fingerprint(private.Public().(ed25519.PublicKey))
	return k, o.audit("clinic_key.create", "", "", "fingerprint "+fingerprint)
}

// clinicSigner is what archive.Pack signs with: the clinic's name and key
// (made on first use, in this transaction) and the use-case's time. The
// export use-case gets it inside its act and may call Pack after act
// returns: with a passphrase, Pack spends about a second on scrypt, which
// should not hold the write lock. The key itself never leaves Go.
func (o *op) clinicSigner() (archive.Signer, error) {
	name, _, err := o.Setting(settingClinicName)
	if err != nil {
		return archive.Signer{}, err
	}
	k, err := o.clinicKey()
	if err != nil {
		return archive.Signer{}, err
	}
	return archive.Signer{Clinic: name, Key: k.Private, Time: o.now}, nil
}
