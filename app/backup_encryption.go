package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/app/backupcrypt"
	"folio/db"
)

// Encrypted backups: the copies the scheduled backup writes to the second
// folder (a USB disk, a share: what leaves the host) are encrypted with the
// clinic's backup key (see backupcrypt), whose identity only the clinic's
// passphrase opens. The backups in the data folder stay as they are: they
// share the disk of the chart itself, which the operating system's disk
// encryption protects (storage_check.go). Litestream 0.5 cannot encrypt a
// replica (it refuses age); an S3 replica is encrypted by the provider.

const settingBackupEncryption = "backup.encryption"

type backupEncryption struct {
	backupcrypt.Keys
	ConfirmedBy string `json:"confirmedBy"`
	ConfirmedAt string `json:"confirmedAt"`
}

// BackupEncryptionInput turns encryption on with a passphrase typed twice
// and the admin's word that a lost passphrase means lost backups; Off turns
// it off (the copies made from then on are plain).
type BackupEncryptionInput struct {
	Passphrase string `json:"passphrase"`
	Repeat     string `json:"repeat"`
	Understood bool   `json:"understood"`
	Off        bool   `json:"off"`
}

// SetBackupEncryption sets, changes or turns off the encryption of the
// backups' copies in the second folder.
func (s *Admin) SetBackupEncryption(in BackupEncryptionInput) (BackupSchedule, error) {
	var keys backupcrypt.Keys
	prepare := func() error {
		if in.Off {
			return nil
		}
		fields := fieldErrors{}
		if len([]rune(in.Passphrase)) < backupcrypt.MinPassphrase {
			fields.add("passphrase", fmt.Sprintf("Use at least %d characters: a few words that mean something only to the clinic", backupcrypt.MinPassphrase))
		} else if in.Repeat != in.Passphrase {
			fields.add("repeat", "The two passphrases differ")
		}
		if !in.Understood {
			fields.add("understood", "Confirm that you understand: without the passphrase the encrypted backups cannot be opened by anyone")
		}
		if err := fields.err(); err != nil {
			return err
		}
		var err error
		keys, err = backupcrypt.NewKeys(in.Passphrase) // scrypt: a second or so, outside the transaction
		return err
	}
	err := s.app.prepareAndAct(s.session, permAdmin, prepare, func(o *op) error {
		if in.Off {
			if err := o.SetSetting(settingBackupEncryption, ""); err != nil {
				return err
			}
			return o.audit("backup.encryption", "", "", "encryption of the backup copies turned off")
		}
		raw, err := json.Marshal(backupEncryption{Keys: keys, ConfirmedBy: o.actor.username, ConfirmedAt: o.now.UTC().Format(time.RFC3339)})
		if err != nil {
			return err
		}
		if err := o.SetSetting(settingBackupEncryption, string(raw)); err != nil {
			return err
		}
		return o.audit("backup.encryption", "", "", "the backup copies are encrypted with a new clinic passphrase; "+
			o.actor.username+" confirmed that a lost passphrase means lost backups")
	})
	if err != nil {
		return BackupSchedule{}, err
	}
	return s.BackupSchedule()
}

func readEncryption(tx *db.Tx) (*backupEncryption, error) {
	raw, ok, err := tx.Setting(settingBackupEncryption)
	if err != nil || !ok || raw == "" {
		return nil, err
	}
	var e backupEncryption
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return nil, fmt.Errorf("read the backup encryption setting: %w", err)
	}
	return &e, nil
}

// encryptCopy writes the backup at path, and its key file, encrypted into
// folder, with the wrapped identity beside them; it answers the encrypted
// backup's path.
func encryptCopy(path, folder string, e *backupEncryption) (string, error) {
	dest := filepath.Join(folder, filepath.Base(path)+backupcrypt.Suffix)
	if err := backupcrypt.WriteIdentity(folder, e.Keys); err != nil {
		return "", err
	}
	if _, err := os.Stat(path + ".key"); err == nil {
		if err := backupcrypt.EncryptFile(path+".key", filepath.Join(folder, filepath.Base(path)+".key"+backupcrypt.Suffix), e.Recipient); err != nil {
			return "", err
		}
	}
	if err := backupcrypt.EncryptFile(path, dest, e.Recipient); err != nil {
		return "", err
	}
	return dest, nil
}

// DecryptBackup makes an encrypted backup (FILE.db.age, beside it the
// folder's identity and FILE.db.key.age) restorable: it writes the plain
// backup and key file into dir, and answers their paths; remove them when
// done.
func DecryptBackup(from, passphrase, dir string) (backup, keyFile string, err error) {
	wrapped, err := os.ReadFile(filepath.Join(filepath.Dir(from), backupcrypt.IdentityFileName))
	if err != nil {
		return "", "", fmt.Errorf("the clinic's backup key (%s) is not beside %s: copy the whole folder of backups: %w",
			backupcrypt.IdentityFileName, from, err)
	}
	id, err := backupcrypt.Unwrap(string(wrapped), passphrase)
	if err != nil {
		return "", "", err
	}
	base := strings.TrimSuffix(filepath.Base(from), backupcrypt.Suffix)
	backup = filepath.Join(dir, ".decrypted-"+base)
	os.Remove(backup)
	if err := backupcrypt.DecryptFile(from, backup, id); err != nil {
		return "", "", err
	}
	encKey := strings.TrimSuffix(from, backupcrypt.Suffix) + ".key" + backupcrypt.Suffix
	if _, err := os.Stat(encKey); err == nil {
		keyFile = backup + ".key"
		os.Remove(keyFile)
		if err := backupcrypt.DecryptFile(encKey, keyFile, id); err != nil {
			os.Remove(backup)
			return "", "", err
		}
	}
	return backup, keyFile, nil
}
