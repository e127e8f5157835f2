package app

import (
	"folio/app/atrest"
	"folio/db"
)

// The chart file is as safe at rest as the disk it is on (modernc.org/sqlite
// has no page encryption). Folio says whether its data folder is on an
// encrypted volume when it starts serving the clinic (in its log and its
// audit trail), in `folio check`, and on the admin's Backups screen, with
// how to turn encryption on.

// StorageEncryption says whether the data folder is on an encrypted volume.
func (s *Admin) StorageEncryption() (atrest.Finding, error) {
	var out atrest.Finding
	err := s.app.look(s.session, permAdmin, func(*op) error {
		out = atrest.Check(s.app.dataDir)
		return nil
	})
	return answer(out, err)
}

// RecordStorageCheck checks the data folder's volume as Folio starts
// serving the clinic: a warning in the log when it is not known to be
// encrypted, and the answer in the audit trail either way, once the clinic
// is set up (its first audit entry makes its key: a folder that has no
// clinic yet, or is about to join another's host, gets none).
func (a *App) RecordStorageCheck() atrest.Finding {
	f := atrest.Check(a.dataDir)
	if f.State != atrest.Encrypted {
		a.log.Warn("the data folder is not known to be on an encrypted disk: a stolen PC or disk would give up every chart",
			"folder", a.dataDir, "finding", f.Summary(), "advice", f.Advice)
	}
	who := actor{username: "folio", workstation: a.hostname}
	err := a.db.Update(a.ctx, func(tx *db.Tx) error {
		if n, err := tx.CountUsers(); err != nil || n == 0 {
			return err
		}
		o := &op{Tx: tx, app: a, actor: who, now: a.now()}
		return o.audit("storage.encryption", "", "", f.Summary())
	})
	if err != nil {
		a.log.Error("the storage check could not be recorded in the audit trail", "err", err)
	}
	return f
}
