package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"folio/db"
)

// TestLookRefusesAWrite: a use-case put on look that writes (a read with a
// side effect, taken for a plain read) fails loudly, as Folio's fault and
// not the disk's, writes nothing, and leaves no entry; so does one that
// audits a change. These are the mistakes look must never hide.
func TestLookRefusesAWrite(t *testing.T) {
	var logged bytes.Buffer
	a, err := Open(context.Background(), t.TempDir(), Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.SetupClinic(SetupRequest{ClinicName: "Look Clinic", Username: "admin", FullName: "Alex Admin",
		Password: "admin-password-1"}, "setup-pc"); err != nil {
		t.Fatal(err)
	}
	s := a.NewSession("admin-pc")
	if _, err := (&Auth{app: a, session: s}).Login("admin", "admin-password-1"); err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		var n int
		a.db.View(a.ctx, func(tx *db.Tx) error {
			all, err := tx.Audit(db.AuditFilter{Limit: 1 << 30})
			n = len(all)
			return err
		})
		return n
	}
	before := entries()

	for _, tc := range []struct {
		name    string
		fn      func(o *op) error
		logWant string
	}{
		{"a write", func(o *op) error {
			if err := o.SetSetting(settingClinicName, "Renamed in a read"); err != nil {
				return err
			}
			return o.audit("audit.view", "", "", "")
		}, db.ErrWriteInRead.Error()},
		{"a change audited", func(o *op) error {
			return o.audit("settings.save", "", "", "renamed")
		}, "a change goes through act, not look"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logged.Reset()
			err := a.look(s, permAdmin, tc.fn)
			e := AsError(err, nil)
			if err == nil || e.Kind != Internal || strings.Contains(e.Message, "read-only") {
				t.Errorf("look with %s: %v, want Folio's own error (not the disk's)", tc.name, err)
			}
			if !strings.Contains(logged.String(), tc.logWant) {
				t.Errorf("the log does not say %q:\n%s", tc.logWant, logged.String())
			}
		})
	}
	var name string
	a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		name, _, err = tx.Setting(settingClinicName)
		return err
	})
	if name != "Look Clinic" {
		t.Errorf("the clinic's name is %q after a refused write", name)
	}
	if n := entries(); n != before {
		t.Errorf("%d entries written by refused reads", n-before)
	}
}
