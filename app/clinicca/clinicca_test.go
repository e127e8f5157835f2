package clinicca_test

import (
	"crypto/x509"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"folio/app/clinicca"
)

// clock is a settable clock for renewal tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var lanNames = clinicca.Names{
	DNS: []string{"frontdesk", "frontdesk.local", "localhost"},
	IPs: []net.IP{net.ParseIP("192.168.1.20"), net.ParseIP("127.0.0.1"), net.ParseIP("fd00::20")},
}

func open(t *testing.T, dir string, c *clock) *clinicca.Authority {
	t.Helper()
	a, err := clinicca.Open(dir, clinicca.Options{Now: c.Now, HostName: "frontdesk"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// verify checks the server certificate the way a browser with only the
// clinic's authority installed would, for each name it should answer to.
func verify(t *testing.T, a *clinicca.Authority, leaf *x509.Certificate, at time.Time, hosts ...string) {
	t.Helper()
	for _, host := range hosts {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: a.Pool(), CurrentTime: at})
		if err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
}

func TestAuthorityIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	c := &clock{now: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)}
	a := open(t, dir, c)
	ca := a.Certificate()
	if !ca.IsCA || ca.NotAfter.Sub(c.Now()) < 9*365*24*time.Hour {
		t.Errorf("authority: IsCA %v, valid until %v", ca.IsCA, ca.NotAfter)
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(a.Fingerprint()) {
		t.Errorf("fingerprint %q", a.Fingerprint())
	}
	if !regexp.MustCompile(`^\d{5}( \d{5}){5}$`).MatchString(a.Code()) {
		t.Errorf("code %q", a.Code())
	}
	server, err := a.ServerCertificate(lanNames)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, a, server.Leaf, c.Now(), "frontdesk", "frontdesk.local", "localhost", "192.168.1.20", "127.0.0.1", "fd00::20")
	if left := server.Leaf.NotAfter.Sub(c.Now()); left < 390*24*time.Hour || left > 398*24*time.Hour {
		t.Errorf("server certificate valid for %v", left)
	}

	// Opened again (Folio restarted), the same authority and the same
	// server certificate, read from the files.
	again := open(t, dir, c)
	if again.Fingerprint() != a.Fingerprint() || again.Code() != a.Code() {
		t.Error("the authority changed when opened again")
	}
	reused, err := again.ServerCertificate(lanNames)
	if err != nil {
		t.Fatal(err)
	}
	if reused.Leaf.SerialNumber.Cmp(server.Leaf.SerialNumber) != 0 {
		t.Error("a server certificate in force was replaced")
	}
	// The same names in another order, in another case: still the same.
	shuffled := clinicca.Names{DNS: []string{"LOCALHOST", "frontdesk.local.", "frontdesk"}, IPs: slices.Clone(lanNames.IPs)}
	slices.Reverse(shuffled.IPs)
	if same, _ := again.ServerCertificate(shuffled); same.Leaf.SerialNumber.Cmp(server.Leaf.SerialNumber) != 0 {
		t.Error("the same names in another order made a new certificate")
	}
}

func TestServerCertificateRenewal(t *testing.T) {
	start := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		after time.Duration
		names clinicca.Names
		renew bool
	}{
		{"a day later", 24 * time.Hour, lanNames, false},
		{"31 days before expiry", 366 * 24 * time.Hour, lanNames, false},
		{"29 days before expiry", 368 * 24 * time.Hour, lanNames, true},
		{"after expiry (host was off)", 500 * 24 * time.Hour, lanNames, true},
		{"clock set back before issue", -48 * time.Hour, lanNames, true},
		{"new DHCP address", time.Hour, clinicca.Names{DNS: lanNames.DNS, IPs: []net.IP{net.ParseIP("192.168.1.77"), net.ParseIP("127.0.0.1"), net.ParseIP("fd00::20")}}, true},
		{"an address less", time.Hour, clinicca.Names{DNS: lanNames.DNS, IPs: lanNames.IPs[:2]}, true},
		{"renamed host", time.Hour, clinicca.Names{DNS: []string{"exam1.local", "localhost"}, IPs: lanNames.IPs}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{now: start.Add(-7 * 24 * time.Hour)}
			dir := t.TempDir()
			a := open(t, dir, c)
			c.Add(7 * 24 * time.Hour)
			first, err := a.ServerCertificate(lanNames)
			if err != nil {
				t.Fatal(err)
			}
			c.Add(tt.after)
			// A running Folio has the certificate in memory, a restarted one
			// reads the file: both must come to the same answer.
			restarted := t.TempDir()
			copyDir(t, dir, restarted)
			for _, auth := range []*clinicca.Authority{a, open(t, restarted, c)} {
				got, err := auth.ServerCertificate(tt.names)
				if err != nil {
					t.Fatal(err)
				}
				renewed := got.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) != 0
				if renewed != tt.renew {
					t.Errorf("renewed %v, want %v", renewed, tt.renew)
				}
				if auth.Current() != got {
					t.Error("Current is not the certificate just given")
				}
				if renewed {
					if !got.Leaf.NotBefore.Before(c.Now()) || got.Leaf.NotAfter.Sub(c.Now()) < 390*24*time.Hour {
						t.Errorf("renewed certificate valid %v to %v at %v", got.Leaf.NotBefore, got.Leaf.NotAfter, c.Now())
					}
					for _, ip := range tt.names.IPs {
						verify(t, auth, got.Leaf, c.Now(), ip.String())
					}
					verify(t, auth, got.Leaf, c.Now(), tt.names.DNS...)
				}
			}
		})
	}
}

// TestOnlyLocalNames: the authority vouches only for local names and
// private addresses; a public address or an outside name is left out of
// the server certificate, and a certificate for an outside name signed by
// the authority's key (as a thief would) is refused by a verifier.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOnlyLocalNames(t *testing.T) {
	a := open(t, t.TempDir(), &clock{now: time.Now()})
	got, err := a.ServerCertificate(clinicca.Names{
		DNS: []string{"frontdesk.local", "www.example-bank.com"},
		IPs: []net.IP{net.ParseIP("10.1.2.3"), net.ParseIP("8.8.8.8"), net.ParseIP("100.64.0.1"), net.ParseIP("2001:db8::1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Leaf.DNSNames, []string{"frontdesk.local"}) || len(got.Leaf.IPAddresses) != 1 || !got.Leaf.IPAddresses[0].Equal(net.ParseIP("10.1.2.3")) {
		t.Errorf("certificate for %v %v", got.Leaf.DNSNames, got.Leaf.IPAddresses)
	}
	if len(a.Certificate().PermittedDNSDomains) == 0 || len(a.Certificate().PermittedIPRanges) == 0 {
		t.Error("the authority has no name constraints")
	}
	if _, err := a.ServerCertificate(clinicca.Names{DNS: []string{"example.com"}}); err == nil {
		t.Error("a certificate with no local name was made")
	}
}

func TestFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix modes")
	}
	dir := filepath.Join(t.TempDir(), "tls")
	a := open(t, dir, &clock{now: time.Now()})
	if _, err := a.ServerCertificate(lanNames); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			n++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if n != 2 {
		t.Errorf("%d files in %s, want the authority and the server certificate", n, dir)
	}
	// A folder or file made readable by others is made private again.
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, "ca.pem"), 0o644)
	open(t, dir, &clock{now: time.Now()})
	for path, want := range map[string]fs.FileMode{dir: 0o700, filepath.Join(dir, "ca.pem"): 0o600} {
		if info, _ := os.Stat(path); info.Mode().Perm() != want {
			t.Errorf("%s is %v after open, want %v", path, info.Mode().Perm(), want)
		}
	}
	// The exported certificate holds no key.
	if regexp.MustCompile("PRIVATE KEY").Match(a.PEM()) {
		t.Error("the exported certificate holds a private key")
	}
}

// TestTwoOpenAtOnce: two Folios starting at the same moment on a new
// folder end up with one authority.
func TestTwoOpenAtOnce(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	codes := make([]string, 8)
	for i := range codes {
		wg.Go(func() {
			a, err := clinicca.Open(dir, clinicca.Options{})
			if err != nil {
				t.Error(err)
				return
			}
			codes[i] = a.Code()
		})
	}
	wg.Wait()
	for _, c := range codes {
		if c != codes[0] {
			t.Fatalf("different authorities: %v", codes)
		}
	}
}

func TestDamagedAuthorityIsSaidSo(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("not a certificate"), 0o600)
	_, err := clinicca.Open(dir, clinicca.Options{})
	if err == nil || !regexp.MustCompile(`certificate authority .*ca\.pem`).MatchString(err.Error()) {
		t.Errorf("open a damaged authority: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "ca.pem")); string(data) != "not a certificate" {
		t.Error("a damaged authority was replaced: every browser that trusted it would stop working")
	}
}

// TestCodeOfFingerprint: the code a join screen works out from an announced
// fingerprint is the authority's own code, whichever way the fingerprint
// is written; a fingerprint that is not one gives none.
func TestCodeOfFingerprint(t *testing.T) {
	a, err := clinicca.Open(t.TempDir(), clinicca.Options{HostName: "frontdesk"})
	if err != nil {
		t.Fatal(err)
	}
	fp := a.Fingerprint()
	for _, tt := range []struct {
		name, fp, want string
	}{
		{"as the host announces it", fp, a.Code()},
		{"without colons, lower case", strings.ToLower(strings.ReplaceAll(fp, ":", "")), a.Code()},
		{"cut short", fp[:20], ""},
		{"not hex", strings.Replace(fp, fp[:2], "ZZ", 1), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := clinicca.CodeOfFingerprint(tt.fp)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("CodeOfFingerprint(%q) = %q, %v; want %q", tt.fp, got, ok, tt.want)
			}
		})
	}
}
