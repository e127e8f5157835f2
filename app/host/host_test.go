package host_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"folio/app"
	"folio/app/clinicca"
	"folio/app/host"
)

// clinic is a set-up clinic on a real data folder, with its authority and
// an admin's and a clinician's Network and Admin services.
type clinic struct {
	app       *app.App
	dir       string
	ca        *clinicca.Authority
	admin     *app.Network
	audit     *app.Admin
	clinician *app.Network
}

var page = fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Folio</title>")}}

func services(a *app.App, s *app.Session) (*app.Auth, *app.Admin, *app.Network) {
	var auth *app.Auth
	var admin *app.Admin
	var network *app.Network
	for _, svc := range a.Services(s) {
		switch v := svc.(type) {
		case *app.Auth:
			auth = v
		case *app.Admin:
			admin = v
		case *app.Network:
			network = v
		}
	}
	return auth, admin, network
}

func newClinic(t *testing.T) *clinic {
	t.Helper()
	dir := t.TempDir()
	a, err := app.Open(context.Background(), dir, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	auth, admin, network := services(a, a.NewSession("host-pc"))
	if _, err := auth.Setup(app.SetupRequest{ClinicName: "Riverside", Username: "admin", FullName: "Ada Admin",
		Password: "admin-password-123"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddUser(app.NewUser{Username: "doc", FullName: "Dr Doc", Role: "clinician",
		Password: "doctor-password-123"}); err != nil {
		t.Fatal(err)
	}
	docAuth, _, docNetwork := services(a, a.NewSession("room-2"))
	if _, err := docAuth.Login("doc", "doctor-password-123"); err != nil {
		t.Fatal(err)
	}
	ca, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "host"})
	if err != nil {
		t.Fatal(err)
	}
	a.UseClinicCA(ca)
	return &clinic{app: a, dir: dir, ca: ca, admin: network, audit: admin, clinician: docNetwork}
}

func wantKind(t *testing.T, what string, err error, kind app.Kind) {
	t.Helper()
	var e *app.Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Errorf("%s: %v, want %s", what, err, kind)
	}
}

// trusting is a client that trusts the certificate the admin downloaded,
// and nothing else, as a browser does once it is installed.
func trusting(t *testing.T, certPEM string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(certPEM)) {
		t.Fatalf("the downloaded certificate is not PEM: %q", certPEM)
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
}

// serving says whether url answers the UI over TLS 1.3 with the clinic's
// certificate.
func serving(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<title>Folio</title>") {
		return errors.New(resp.Status + " " + string(body))
	}
	if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		return errors.New("not TLS 1.3")
	}
	return nil
}

func urlOn127(t *testing.T, st app.NetworkStatus) string {
	t.Helper()
	for _, u := range st.URLs {
		if strings.HasPrefix(u, "https://127.0.0.1:") {
			return u
		}
	}
	t.Fatalf("no loopback address among %v", st.URLs)
	return ""
}

// TestShareFromTheWindow: only an admin sees or turns sharing; the toggle
// starts a real TLS server, is remembered (a window opened again serves
// again) and audited, and off stops it. The certificate downloaded is the
// one the server's chain ends in.
func TestShareFromTheWindow(t *testing.T) {
	c := newClinic(t)
	sw := host.NewSwitch(c.app, c.ca, host.Options{Addr: "127.0.0.1:0", NoAnnounce: true, Assets: page})
	t.Cleanup(func() { sw.Stop() })
	c.app.UseNetwork(app.NetworkWindow, sw)

	_, err := c.clinician.Status()
	wantKind(t, "a clinician reads the status", err, app.Forbidden)
	_, err = c.clinician.Share(true)
	wantKind(t, "a clinician shares", err, app.Forbidden)
	_, err = c.clinician.Certificate()
	wantKind(t, "a clinician downloads the certificate", err, app.Forbidden)
	if st := sw.State(); st.Serving {
		t.Fatalf("serving before anyone turned it on: %+v", st)
	}

	cert, err := c.admin.Certificate()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(cert.PEM))
	sum := sha256.Sum256(block.Bytes)
	if block.Type != "CERTIFICATE" || !strings.EqualFold(strings.ReplaceAll(cert.Fingerprint, ":", ""), hex.EncodeToString(sum[:])) {
		t.Errorf("certificate %s, fingerprint %s, sha256 %x", block.Type, cert.Fingerprint, sum)
	}
	st, err := c.admin.Status()
	if err != nil || !st.CanShare || st.Share || st.Serving || st.Fingerprint != cert.Fingerprint || st.Code != c.ca.Code() {
		t.Fatalf("status before: %+v %v", st, err)
	}

	st, err = c.admin.Share(true)
	if err != nil || !st.Share || !st.Serving || st.Problem != "" {
		t.Fatalf("share on: %+v %v", st, err)
	}
	url := urlOn127(t, st)
	client := trusting(t, cert.PEM)
	if err := serving(client, url); err != nil {
		t.Fatalf("%s after sharing: %v", url, err)
	}

	// The window closes and opens again: sharing resumes by itself.
	if err := sw.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := serving(client, url); err == nil {
		t.Fatalf("%s still answers after the window closed", url)
	}
	again := host.NewSwitch(c.app, c.ca, host.Options{Addr: "127.0.0.1:0", NoAnnounce: true, Assets: page})
	t.Cleanup(func() { again.Stop() })
	c.app.UseNetwork(app.NetworkWindow, again)
	if err := c.app.ResumeSharing(); err != nil {
		t.Fatal(err)
	}
	st, _ = c.admin.Status()
	url = urlOn127(t, st)
	if err := serving(client, url); err != nil {
		t.Fatalf("%s after the window opened again: %v", url, err)
	}

	st, err = c.admin.Share(false)
	if err != nil || st.Share || st.Serving || len(st.URLs) != 0 {
		t.Fatalf("share off: %+v %v", st, err)
	}
	if err := serving(client, url); err == nil {
		t.Fatalf("%s still answers after sharing was turned off", url)
	}
	if err := c.app.ResumeSharing(); err != nil || again.State().Serving {
		t.Errorf("resumed though turned off: %v %+v", err, again.State())
	}

	page, err := c.audit.Audit(app.AuditFilter{Action: "network.share", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range page.Entries {
		details = append(details, e.Username+": "+e.Detail)
	}
	want := []string{"admin: sharing with the clinic's other computers turned off",
		"admin: sharing with the clinic's other computers turned on"}
	if strings.Join(details, "|") != strings.Join(want, "|") {
		t.Errorf("audit of the toggle:\n got %q\nwant %q", details, want)
	}
	page, _ = c.audit.Audit(app.AuditFilter{Action: "network.certificate", Limit: 10})
	if len(page.Entries) != 1 {
		t.Errorf("certificate downloads audited: %d, want 1", len(page.Entries))
	}
}

// TestShareWhenThePortIsTaken: the window keeps working and the admin is
// told why in words; the choice is kept, so the next try serves once the
// port is free.
func TestShareWhenThePortIsTaken(t *testing.T) {
	c := newClinic(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := taken.Addr().String()
	sw := host.NewSwitch(c.app, c.ca, host.Options{Addr: addr, NoAnnounce: true, Assets: page})
	t.Cleanup(func() { sw.Stop() })
	c.app.UseNetwork(app.NetworkWindow, sw)

	st, err := c.admin.Share(true)
	if err != nil {
		t.Fatalf("share with the port taken answered an error, not a status: %v", err)
	}
	if !st.Share || st.Serving || !strings.Contains(st.Problem, "already in use") || !strings.Contains(st.Problem, "goes on working") {
		t.Fatalf("status with the port taken: %+v", st)
	}
	taken.Close()
	if err := c.app.ResumeSharing(); err != nil {
		t.Fatal(err)
	}
	cert, _ := c.admin.Certificate()
	st, _ = c.admin.Status()
	if err := serving(trusting(t, cert.PEM), urlOn127(t, st)); err != nil || st.Problem != "" {
		t.Fatalf("once the port is free: %v %+v", err, st)
	}
}

// TestNoToggleOutsideTheWindow: a browser's Folio shows the toggle and
// says why it cannot turn it; the choice is not changed.
func TestNoToggleOutsideTheWindow(t *testing.T) {
	for _, role := range []app.NetworkRole{app.NetworkLocal, app.NetworkHost} {
		t.Run(string(role), func(t *testing.T) {
			c := newClinic(t)
			c.app.UseNetwork(role, nil)
			_, err := c.admin.Share(true)
			wantKind(t, "share", err, app.Conflict)
			st, err := c.admin.Status()
			if err != nil || st.CanShare || st.Share || st.Why == "" || st.Role != string(role) {
				t.Errorf("status: %+v %v", st, err)
			}
		})
	}
}
