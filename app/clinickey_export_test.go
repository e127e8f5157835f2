package app

import "folio/app/archive"

// ClinicSignerForTest gives app_test's tests the signer an export would
// use, acting for s (any role: the export's own check is the use-case's).
func (a *App) ClinicSignerForTest(s *Session) (archive.Signer, error) {
	var out archive.Signer
	who, err := a.authorize(s, permClinical)
	if err != nil {
		return out, err
	}
	err = a.actAs(who, func(o *op) (err error) {
		out, err = o.clinicSigner()
		return err
	})
	return out, err
}
