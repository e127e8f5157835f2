package lan

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"folio/app/clinicca"
)

type tlsServer struct {
	ca   *clinicca.Authority
	id   *Identity
	port string
}

// startTLS serves "the app" (a page saying so) on a loopback port behind
// Listener, with a real clinic authority in a temporary folder.
func startTLS(t *testing.T) *tlsServer {
	t.Helper()
	ca, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "frontdesk"})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := inner.Addr().(*net.TCPAddr).Port
	id := testIdentity(t, Listen{IP: netip.MustParseAddr("127.0.0.1"), Port: port}, false, nil)
	if _, err := ca.ServerCertificate(id.Names()); err != nil {
		t.Fatal(err)
	}
	ln := NewListener(inner, TLSConfig(ca), PlainHTTP(id))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "the app over "+r.Proto)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &tlsServer{ca: ca, id: id, port: strconv.Itoa(port)}
}

func client(roots *x509.CertPool, maxVersion uint16) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots, MaxVersion: maxVersion},
			ForceAttemptHTTP2: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestHTTPSWithTheClinicsCertificate(t *testing.T) {
	s := startTLS(t)
	base := "https://localhost:" + s.port + "/"
	resp, body := get(t, client(s.ca.Pool(), 0), base)
	if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 || body != "the app over HTTP/2.0" {
		t.Errorf("with the clinic's certificate: TLS %+v, %q", resp.TLS, body)
	}
	// The chain carries the authority: a workstation that has only its
	// fingerprint can see the authority's certificate.
	if chain := resp.TLS.PeerCertificates; len(chain) != 2 || clinicca.Fingerprint(chain[1]) != s.ca.Fingerprint() {
		t.Errorf("chain of %d certificates", len(chain))
	}
	for _, host := range []string{"127.0.0.1", "frontdesk.local"} {
		c := client(s.ca.Pool(), 0)
		c.Transport.(*http.Transport).TLSClientConfig.ServerName = host
		if _, body := get(t, c, base); !strings.HasPrefix(body, "the app") {
			t.Errorf("as %s: %q", host, body)
		}
	}

	tests := []struct {
		name   string
		client *http.Client
		err    string
	}{
		{"TLS 1.2 at most", client(s.ca.Pool(), tls.VersionTLS12), "protocol version"},
		{"the system's authorities only", client(nil, 0), "certificate"},
		{"another clinic's authority", client(otherClinic(t), 0), "certificate"},
	}
	for _, tt := range tests {
		_, err := tt.client.Get(base)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.err)
		}
	}
}

func otherClinic(t *testing.T) *x509.CertPool {
	other, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "frontdesk"})
	if err != nil {
		t.Fatal(err)
	}
	return other.Pool()
}

func TestPlainHTTPNeverGetsTheApp(t *testing.T) {
	s := startTLS(t)
	plain := client(nil, 0)
	tests := []struct {
		name, method, host, path string
		status                   int
		location                 string
	}{
		{"page", "GET", "localhost:" + s.port, "/patients?q=1", http.StatusFound, "https://localhost:" + s.port + "/patients?q=1"},
		{"by address", "GET", "127.0.0.1:" + s.port, "/", http.StatusFound, "https://127.0.0.1:" + s.port + "/"},
		{"a call", "POST", "localhost:" + s.port, "/api/Auth/Login", http.StatusBadRequest, ""},
		{"foreign host", "GET", "evil.example:" + s.port, "/", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, "http://127.0.0.1:"+s.port+tt.path, strings.NewReader("{}"))
		req.Host = tt.host
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location || strings.Contains(string(body), "the app") {
			t.Errorf("%s: %s, Location %q, %q", tt.name, resp.Status, resp.Header.Get("Location"), body)
		}
		if tt.status == http.StatusBadRequest && (!strings.Contains(string(body), "https://") || strings.Contains(string(body), "evil")) {
			t.Errorf("%s: the explanation %q", tt.name, body)
		}
	}
}

// TestSilentConnectionHoldsNoOneUp: a connection that says nothing does not
// keep the next one from being served.
func TestSilentConnectionHoldsNoOneUp(t *testing.T) {
	s := startTLS(t)
	silent, err := net.Dial("tcp", "127.0.0.1:"+s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if _, body := get(t, client(s.ca.Pool(), 0), "https://localhost:"+s.port+"/"); !strings.HasPrefix(body, "the app") {
		t.Errorf("after a silent connection: %q", body)
	}
}

// TestRenewalWithoutRestart: a certificate renewed (here for a new
// address) is served at the next handshake.
func TestRenewalWithoutRestart(t *testing.T) {
	s := startTLS(t)
	c := client(s.ca.Pool(), 0)
	resp, _ := get(t, c, "https://localhost:"+s.port+"/")
	before := resp.TLS.PeerCertificates[0].SerialNumber
	names := s.id.Names()
	names.IPs = append(names.IPs, net.ParseIP("192.168.1.99"))
	if _, err := s.ca.ServerCertificate(names); err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	resp, _ = get(t, c, "https://localhost:"+s.port+"/")
	after := resp.TLS.PeerCertificates[0]
	if after.SerialNumber.Cmp(before) == 0 || after.VerifyHostname("192.168.1.99") != nil {
		t.Error("the renewed certificate is not served")
	}
}
