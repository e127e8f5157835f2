package app

import (
	"fmt"

	"folio/db"
)

// A clinic that `folio demo` made has invented patients and accounts whose
// passwords are printed for anyone to use. It is marked so from its first
// write on: the sign-in screen and the window title say so, and the demo
// writes into no clinic without the mark.

// demoMark is the mark's value: why the clinic carries it.
const demoMark = "made by folio demo: synthetic patients, published passwords"

// DemoClinic tells whether this clinic was made by `folio demo`.
func (a *App) DemoClinic() (bool, error) {
	var demo bool
	err := a.db.View(a.ctx, func(tx *db.Tx) error {
		v, _, err := tx.Setting(db.SettingDemoClinic)
		demo = v != ""
		return err
	})
	return demo, err
}

// MarkDemoClinic marks a clinic that has no accounts and no patients yet as
// a demo clinic (audited), for `folio demo` before its first account. A
// clinic that has either is someone's: it is refused, and nothing written.
func (a *App) MarkDemoClinic() error {
	who := actor{username: "folio demo", role: RoleAdmin, workstation: a.hostname + " (command line)"}
	return a.actAs(who, func(o *op) error {
		users, err := o.CountUsers()
		if err != nil {
			return err
		}
		patients, err := o.CountPatients()
		if err != nil {
			return err
		}
		if users > 0 || patients > 0 {
			name, _, err := o.Setting(settingClinicName)
			if err != nil {
				return err
			}
			return errorf(Conflict, "This folder holds the clinic %q (%s, %s), which was not made by folio demo. "+
				"A demo goes only into a new or empty folder, or one that folio demo made.", name, count(users, "account"), count(patients, "patient"))
		}
		if err := o.SetSetting(db.SettingDemoClinic, demoMark); err != nil {
			return err
		}
		return o.audit("clinic.demo", "", "", demoMark)
	})
}

// count is "1 account", "3 accounts": a number with its noun, for messages.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
