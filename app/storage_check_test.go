package app_test

import (
	"testing"

	"folio/app"
	"folio/app/atrest"
)

// TestStorageCheck: the check of the data folder's disk is recorded once
// the clinic is set up (not before: a folder that is to join another host
// keeps no trail), and only the admin reads it on screen.
func TestStorageCheck(t *testing.T) {
	fresh := newFreshApp(t)
	f := fresh.RecordStorageCheck()
	if f.State != atrest.Encrypted && f.State != atrest.NotEncrypted && f.State != atrest.Unknown {
		t.Fatalf("finding %+v", f)
	}
	if n := len(fresh.audit(t)); n != 0 {
		t.Errorf("before setup the check wrote %d audit entries", n)
	}

	ta := newTestApp(t)
	want := ta.RecordStorageCheck()
	last := ta.lastAudit(t)
	if last.Action != "storage.encryption" || last.Detail != want.Summary() || last.Username != "folio" || last.PatientID != "" {
		t.Errorf("audit entry %+v, want storage.encryption %q by folio", last.AuditEntry, want.Summary())
	}
	got, err := ta.Admin.Admin.StorageEncryption()
	if err != nil || got != atrest.Check(ta.DataDir()) {
		t.Errorf("admin's screen: %+v, %v", got, err)
	}
	for _, c := range []*caller{ta.Clinician, ta.FrontDesk} {
		_, err := c.Admin.StorageEncryption()
		wantKind(t, err, app.Forbidden)
	}
}
