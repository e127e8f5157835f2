package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"

	"folio/app"
	"folio/app/clinicca"
)

func workstationsOf(ta *testApp, c *caller) *app.Workstations {
	for _, svc := range ta.Services(c.Session) {
		if w, ok := svc.(*app.Workstations); ok {
			return w
		}
	}
	return nil
}

func wantErrorKind(t *testing.T, what string, err error, kind app.Kind) {
	t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Errorf("%s: %v, want %s", what, err, kind)
	}
}

// TestWorkstationLifecycle: a request pends until an admin approves it by
// the workstation's code; only an admin may list or decide; the
// certificate issued is the clinic's and names the workstation; a revoked
// one is known as revoked; every step is audited and nothing goes back.
func TestWorkstationLifecycle(t *testing.T) {
	ta := newTestApp(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	req := app.PairingRequest{ID: "ws-0123456789abcdef", Name: "Exam room 2", PublicKey: base64.StdEncoding.EncodeToString(pub)}

	_, err := ta.RequestPairing(app.PairingRequest{ID: "short", Name: "", PublicKey: "eA=="}, "10.0.0.9")
	wantErrorKind(t, "a bad request", err, app.Invalid)
	st, err := ta.RequestPairing(req, "10.0.0.9")
	if err != nil || st.Status != "pending" {
		t.Fatalf("request: %+v %v", st, err)
	}
	if again, err := ta.RequestPairing(req, "10.0.0.9"); err != nil || again.Status != "pending" {
		t.Errorf("the same request again: %+v %v", again, err)
	}
	other := req
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherPub, _ := x509.MarshalPKIXPublicKey(&otherKey.PublicKey)
	other.PublicKey = base64.StdEncoding.EncodeToString(otherPub)
	_, err = ta.RequestPairing(other, "10.0.0.9")
	wantErrorKind(t, "the same id with another key", err, app.Conflict)

	_, err = workstationsOf(ta, ta.Clinician).List()
	wantErrorKind(t, "a clinician's list", err, app.Forbidden)
	_, err = workstationsOf(ta, ta.FrontDesk).Approve(req.ID, "1")
	wantErrorKind(t, "front desk approving", err, app.Forbidden)

	admin := workstationsOf(ta, ta.Admin)
	_, err = admin.Approve(req.ID, "1")
	wantErrorKind(t, "approve on a Folio that does not serve the network", err, app.Conflict)
	ca, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "host"})
	if err != nil {
		t.Fatal(err)
	}
	ta.UseClinicCA(ca)
	_, err = admin.Approve(req.ID, ca.Code())
	wantErrorKind(t, "approve by the CA's code alone", err, app.Invalid)
	w, err := admin.Approve(req.ID, clinicca.PairingCode(ca.Certificate(), pub))
	if err != nil || w.Status != "approved" || w.ApprovedBy != adminUsername {
		t.Fatalf("approve: %+v %v", w, err)
	}
	st, err = ta.PairingStatusOf(req.ID)
	block, _ := pem.Decode([]byte(st.Certificate))
	if err != nil || block == nil {
		t.Fatalf("status after approval: %+v %v", st, err)
	}
	cert, _ := x509.ParseCertificate(block.Bytes)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil ||
		cert.Subject.CommonName != req.ID || !key.PublicKey.Equal(cert.PublicKey) {
		t.Errorf("the certificate issued: %v, CN %s", err, cert.Subject.CommonName)
	}
	paired, err := ta.WorkstationByCertificate(clinicca.SerialText(cert.SerialNumber))
	if err != nil || !paired.Paired() || paired.Name != "Exam room 2" {
		t.Errorf("by certificate: %+v %v", paired, err)
	}
	if _, err := ta.WorkstationByCertificate(clinicca.SerialText(big.NewInt(12345))); err == nil {
		t.Error("an unknown certificate was taken for a workstation")
	}

	_, err = admin.Revoke(req.ID, "  ")
	wantErrorKind(t, "revoke without a reason", err, app.Invalid)
	if w, err = admin.Revoke(req.ID, "stolen"); err != nil || w.Status != "revoked" || w.EndedWhy != "stolen" {
		t.Fatalf("revoke: %+v %v", w, err)
	}
	if paired, _ := ta.WorkstationByCertificate(clinicca.SerialText(cert.SerialNumber)); paired.Paired() {
		t.Error("a revoked workstation is still paired")
	}
	_, err = admin.Approve(req.ID, clinicca.PairingCode(ca.Certificate(), pub))
	wantErrorKind(t, "approve a revoked one again", err, app.Conflict)

	page, err := ta.Admin.Admin.Audit(app.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range page.Entries {
		seen[e.Action] = e.Workstation
	}
	for action, workstation := range map[string]string{"workstation.request": "Exam room 2 at 10.0.0.9",
		"workstation.approve": "admin-pc", "workstation.revoke": "admin-pc"} {
		if seen[action] != workstation {
			t.Errorf("%s audited at %q, want %q", action, seen[action], workstation)
		}
	}
	list, err := admin.List()
	if err != nil || len(list) != 1 || list[0].Status != "revoked" || list[0].Address != "10.0.0.9" {
		t.Errorf("list: %+v %v", list, err)
	}
}
