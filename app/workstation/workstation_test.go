package workstation

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"folio/app/clinicca"
)

// hostServing is an HTTPS server with a certificate from ca for
// 127.0.0.1, as folio serve --lan presents it (leaf, then authority).
func hostServing(t *testing.T, ca *clinicca.Authority) *httptest.Server {
	t.Helper()
	cert, err := ca.ServerCertificate(clinicca.Names{IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestPinnedHostOnly: a paired workstation trusts the host whose
// certificate its pinned authority signed, and refuses another clinic's
// host and a self-signed impostor, naming the pinned authority and the one
// it met.
func TestPinnedHostOnly(t *testing.T) {
	clinic, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "clinic-host"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "other-host"})
	if err != nil {
		t.Fatal(err)
	}
	selfSigned := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(selfSigned.Close)

	for _, tt := range []struct {
		name      string
		host      string
		presented string // "" : trusted
	}{
		{"the clinic's host", hostServing(t, clinic).Listener.Addr().String(), ""},
		{"another clinic's host", hostServing(t, other).Listener.Addr().String(), other.Fingerprint()},
		{"a self-signed impostor", selfSigned.Listener.Addr().String(), "self-signed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: PinnedTLS(tt.host, clinic.Certificate())}}
			resp, err := c.Get("https://" + tt.host + "/")
			if tt.presented == "" {
				if err != nil {
					t.Fatalf("the clinic's own host refused: %v", err)
				}
				resp.Body.Close()
				return
			}
			var impostor *ImpostorError
			if !errors.As(err, &impostor) {
				t.Fatalf("got %v, want an impostor refused", err)
			}
			msg := impostor.Error()
			if !strings.Contains(msg, clinic.Fingerprint()) || !strings.Contains(msg, tt.presented) || !strings.Contains(msg, "not this clinic's Folio host") {
				t.Errorf("the message does not name both authorities:\n%s", msg)
			}
		})
	}
}

// TestFetchCAThenCode: the authority a workstation fetches unverified is
// the host's, and a man in the middle with another authority shows another
// code.
func TestFetchCAThenCode(t *testing.T) {
	clinic, _ := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "clinic-host"})
	other, _ := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "other-host"})
	got, err := FetchCA(t.Context(), hostServing(t, clinic).Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if clinicca.Fingerprint(got) != clinic.Fingerprint() {
		t.Errorf("fetched %s, want the clinic's authority", clinicca.Fingerprint(got))
	}
	_, pub, _ := newKey()
	_, pub2, _ := newKey()
	code := clinicca.PairingCode(got, pub)
	if code == clinicca.PairingCode(other.Certificate(), pub) || code == clinicca.PairingCode(got, pub2) {
		t.Error("the code does not change with the authority or the key")
	}
	if !clinicca.SameCode(strings.ReplaceAll(code, " ", ""), code) || clinicca.SameCode("", code) {
		t.Error("SameCode")
	}
	self := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer self.Close()
	if _, err := FetchCA(t.Context(), self.Listener.Addr().String()); err == nil {
		t.Error("a host with no authority in its chain was taken for a Folio host")
	}
}

func TestHostAddress(t *testing.T) {
	for in, want := range map[string]string{
		"folio.local": "folio.local:8443", "10.0.0.5": "10.0.0.5:8443", "10.0.0.5:9000": "10.0.0.5:9000",
		"fe80::1": "[fe80::1]:8443", "[fd00::1]": "[fd00::1]:8443", "[fd00::1]:1": "[fd00::1]:1", "": "", "a b": "",
	} {
		got, err := HostAddress(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("HostAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
