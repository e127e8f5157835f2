// Package workstation is Folio on one of the clinic's other PCs: it pairs
// with the host (Join), keeps what pairing gave it (the clinic's authority,
// pinned, and its own key and client certificate, in the data folder), and
// talks to the host only over TLS that it verifies against the pinned
// authority alone, presenting its certificate. It keeps no patient data:
// the window's calls go to the host (see serve.NewWorkstationProxy).
package workstation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/app/clinicca"
)

// DefaultPort is the host's port when an address names none (serve --lan's).
const DefaultPort = "8443"

// The files pairing writes into the workstation's data folder, each the
// owner's only (0600): the key is secret, and the rest says which host to
// trust.
const (
	ConfigFile = "workstation.json"
	caFile     = "workstation-ca.pem"
	keyFile    = "workstation-key.pem"
	certFile   = "workstation-cert.pem"
)

// Config is a paired workstation: workstation.json.
type Config struct {
	// Host is the host's address with its port, as given to join.
	Host string `json:"host"`
	ID   string `json:"id"`
	Name string `json:"name"`
	// CAFingerprint is the pinned authority's SHA-256 (see
	// clinicca.Fingerprint), to name it in messages.
	CAFingerprint string    `json:"caFingerprint"`
	PairedAt      time.Time `json:"pairedAt"`

	dir  string
	ca   *x509.Certificate
	cert tls.Certificate
}

// HostAddress is addr with the default port when it names none.
func HostAddress(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("give the host's address, e.g. --host folio-host.local or --host 192.168.1.20:8443")
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr, nil
	}
	if inner, ok := strings.CutPrefix(addr, "["); ok {
		addr = strings.TrimSuffix(inner, "]")
	}
	if strings.ContainsAny(addr, "/[] ") {
		return "", fmt.Errorf("the host's address %q is not a name or an address with an optional port", addr)
	}
	return net.JoinHostPort(addr, DefaultPort), nil
}

// Paired says whether dir holds a workstation's pairing.
func Paired(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ConfigFile))
	return err == nil
}

// Load reads the pairing kept in dir.
func Load(dir string) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("this PC is not a workstation of a clinic yet (no %s in %s): pair it first with folio join --host ADDRESS",
			ConfigFile, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read the workstation's pairing: %w", err)
	}
	c := &Config{dir: dir}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("the workstation's pairing (%s) is damaged: %w", ConfigFile, err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, caFile))
	if err != nil {
		return nil, fmt.Errorf("read the clinic's pinned certificate: %w", err)
	}
	if c.ca, err = parseCert(caPEM); err != nil {
		return nil, fmt.Errorf("the clinic's pinned certificate (%s): %w", caFile, err)
	}
	if c.cert, err = tls.LoadX509KeyPair(filepath.Join(dir, certFile), filepath.Join(dir, keyFile)); err != nil {
		return nil, fmt.Errorf("the workstation's certificate and key: %w", err)
	}
	return c, nil
}

func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// TLSConfig verifies the host against the pinned authority only and
// presents the workstation's certificate.
func (c *Config) TLSConfig() *tls.Config {
	cfg := PinnedTLS(c.Host, c.ca)
	cfg.Certificates = []tls.Certificate{c.cert}
	return cfg
}

// Client is an HTTP client to the host over TLSConfig.
func (c *Config) Client() *http.Client {
	return &http.Client{Transport: c.Transport(), Timeout: 60 * time.Second}
}

// Transport is the round tripper to the host, for the proxy.
func (c *Config) Transport() *http.Transport {
	return &http.Transport{TLSClientConfig: c.TLSConfig(), ForceAttemptHTTP2: true, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second}
}

// ImpostorError is a host whose certificate the pinned authority did not
// sign: another clinic's host, or an impostor.
type ImpostorError struct {
	Host string
	// Pinned is the clinic's authority's fingerprint; Presented that of
	// the authority the host presented (or of its own certificate, when
	// it presented no authority).
	Pinned, Presented string
	Err               error
}

func (e *ImpostorError) Error() string {
	return fmt.Sprintf("refused: %s is not this clinic's Folio host. Its certificate is not signed by the clinic's "+
		"certificate authority (SHA-256 %s) but by %s. Another clinic's host, or an impostor, may be answering at "+
		"that address. If the host PC was replaced, pair this workstation again (folio join); otherwise tell the admin.",
		e.Host, e.Pinned, e.Presented)
}

func (e *ImpostorError) Unwrap() error { return e.Err }

// PinnedTLS is a client TLS configuration that trusts ca alone, for host
// (address:port). The usual checks are made by hand so that a refusal says
// which authority was expected and which was met.
func PinnedTLS(host string, ca *x509.Certificate) *tls.Config {
	name, _, err := net.SplitHostPort(host)
	if err != nil {
		name = host
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// Verified in VerifyConnection instead, with a message of our own.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the host presented no certificate")
			}
			leaf := cs.PeerCertificates[0]
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, verr := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, DNSName: name,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if verr == nil {
				return nil
			}
			var unknown x509.UnknownAuthorityError
			if errors.As(verr, &unknown) || leaf.CheckSignatureFrom(ca) != nil {
				presented := "a self-signed certificate, SHA-256 " + clinicca.Fingerprint(leaf)
				if other, err := clinicca.ChainCA(cs.PeerCertificates); err == nil {
					presented = "the authority " + other.Subject.CommonName + ", SHA-256 " + clinicca.Fingerprint(other)
				}
				return &ImpostorError{Host: host, Pinned: clinicca.Fingerprint(ca), Presented: presented, Err: verr}
			}
			return fmt.Errorf("the host's certificate does not fit %s: %w", host, verr)
		},
	}
}

// newKey makes the workstation's key.
func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	return key, pub, err
}

// writePrivate writes a file that only the owner may read, all or nothing.
func writePrivate(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if err = f.Chmod(0o600); err == nil {
		if _, err = f.Write(data); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
