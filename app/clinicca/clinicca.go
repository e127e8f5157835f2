// Package clinicca is the clinic's own certificate authority: made once in
// the data folder, it signs the host's server certificate, which browsers
// and workstations trust once the clinic has installed (or pinned) the
// authority's certificate. No outside CA and no internet are involved.
//
// The authority may only vouch for names and addresses of a local network
// (name constraints, see permitted below): a clinic installs it into its
// browsers, and were its key ever stolen, it still could not pass off a
// bank's or a mail provider's site.
package clinicca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// caValidity: the authority is installed by hand in every browser, so
	// it lives long; a new one means installing again everywhere.
	caValidity = 10 * 365 * 24 * time.Hour
	// serverValidity is the most browsers accept for a server certificate
	// (Apple's and Chrome's limit of 398 days, with a day to spare).
	serverValidity = 397 * 24 * time.Hour
	// RenewBefore: a server certificate with less than this left is
	// replaced, so that a host that was off for weeks still renews in time.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks of other PCs that run a little behind.
	backdate = time.Hour

	caFile     = "ca.pem"
	serverFile = "server.pem"
)

// permittedIPs are the ranges the authority may sign for: the private,
// loopback and link-local ones, the same that the host serves without
// --allow-public (see the lan package's classification).
var permittedIPs = []string{
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
	"fc00::/7", "::1/128", "fe80::/10",
}

// Names are what a server certificate is for: the host's DNS names and IP
// addresses.
type Names struct {
	DNS []string
	IPs []net.IP
}

// normal is the names sorted, lower-case and without repeats, so that two
// sets compare equal whatever their order.
func (n Names) normal() Names {
	var out Names
	for _, d := range n.DNS {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if d != "" && !slices.Contains(out.DNS, d) {
			out.DNS = append(out.DNS, d)
		}
	}
	for _, ip := range n.IPs {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		if ip != nil && !slices.ContainsFunc(out.IPs, ip.Equal) {
			out.IPs = append(out.IPs, ip)
		}
	}
	slices.Sort(out.DNS)
	slices.SortFunc(out.IPs, func(a, b net.IP) int { return bytes.Compare(a.To16(), b.To16()) })
	return out
}

func (n Names) equal(m Names) bool {
	return slices.Equal(n.DNS, m.DNS) && slices.EqualFunc(n.IPs, m.IPs, net.IP.Equal)
}

// Options tune Open; the zero value is what Folio uses.
type Options struct {
	// Now is the clock (tests move it to see renewal); time.Now if nil.
	Now func() time.Time
	// HostName is the host's name, which a new authority may vouch for
	// beside .local names; os.Hostname if empty.
	HostName string
}

// Authority is the clinic's certificate authority, and the host's current
// server certificate. It is safe for concurrent use.
type Authority struct {
	dir  string
	now  func() time.Time
	cert *x509.Certificate
	key  *ecdsa.PrivateKey

	mu     sync.Mutex
	server *tls.Certificate
}

// Open opens the authority kept in dir (the data folder's tls/), making it
// on first use. The folder is the owner's only (0700), and so is every file
// in it (0600): it holds private keys.
func Open(dir string, opts Options) (*Authority, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the certificate folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the certificate folder private: %w", err)
	}
	path := filepath.Join(dir, caFile)
	cert, key, err := readPair(path)
	if errors.Is(err, fs.ErrNotExist) {
		host := opts.HostName
		if host == "" {
			host, _ = os.Hostname()
		}
		err = createCA(path, host, now())
		if err == nil || errors.Is(err, fs.ErrExist) {
			// Made now, or by another Folio at the same moment: either way
			// the file on disk is the one authority.
			cert, key, err = readPair(path)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("the clinic's certificate authority (%s): %w", path, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("the clinic's certificate authority (%s) is not a CA certificate", path)
	}
	// A copy restored from elsewhere may have come with looser modes.
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("make %s private: %w", path, err)
	}
	return &Authority{dir: dir, now: now, cert: cert, key: key}, nil
}

// createCA writes a new authority to path; it fails with fs.ErrExist if
// one is there already, never replacing it.
func createCA(path, host string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject: pkix.Name{
			Organization: []string{"Folio clinic"},
			CommonName:   "Folio clinic certificate authority (" + shortHost(host) + ")",
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		// Only local names: x.local, localhost and single-word host names
		// cannot be listed as such, so the permitted DNS names are .local,
		// localhost, and this host's own name as it was when made.
		PermittedDNSDomains: permittedDNS(host),
	}
	for _, cidr := range permittedIPs {
		_, ipnet, _ := net.ParseCIDR(cidr)
		tmpl.PermittedIPRanges = append(tmpl.PermittedIPRanges, ipnet)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	data, err := encodePair(der, key)
	if err != nil {
		return err
	}
	return writeNew(path, data)
}

func permittedDNS(host string) []string {
	names := []string{"local", "localhost"}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h != "" && h != "localhost" && !strings.HasSuffix(h, ".local") {
		names = append(names, h)
	}
	return names
}

// shortHost is the first label of a host name.
func shortHost(host string) string {
	host, _, _ = strings.Cut(host, ".")
	return strings.ToLower(host)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// Certificate is the authority's certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// PEM is the authority's certificate as PEM, the file to install in
// browsers. It holds no key.
func (a *Authority) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.cert.Raw})
}

// Pool holds only the authority: a client that trusts this clinic and
// nothing else.
func (a *Authority) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(a.cert)
	return pool
}

// Fingerprint is the SHA-256 of the authority's certificate, as upper-case
// hex pairs joined by colons: the form browsers show in their certificate
// viewers, so it can be compared there.
func (a *Authority) Fingerprint() string { return Fingerprint(a.cert) }

// Fingerprint is cert's SHA-256 fingerprint (see Authority.Fingerprint).
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	hexed := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(sum))
	for i := 0; i < len(hexed); i += 2 {
		pairs = append(pairs, hexed[i:i+2])
	}
	return strings.Join(pairs, ":")
}

// Code is the authority's fingerprint as six groups of five digits, short
// enough to read out and compare between two screens when pairing.
func (a *Authority) Code() string { return Code(a.cert) }

// Code is cert's pairing code (see Authority.Code). Each group is five
// bytes of the SHA-256 taken modulo 100000, as Signal's safety numbers do:
// 30 digits, about 100 bits, too many to find a look-alike authority by
// trying keys.
func Code(cert *x509.Certificate) string {
	return digits(sha256.Sum256(cert.Raw))
}

// CodeOfFingerprint is the code (see Code) of the certificate whose
// fingerprint is fp (as Fingerprint writes it, colons optional): what a
// host announces on the network, shown on the join screen beside it so the
// admin can compare it with the host's. ok is false for a malformed fp.
func CodeOfFingerprint(fp string) (code string, ok bool) {
	raw, err := hex.DecodeString(strings.ReplaceAll(fp, ":", ""))
	if err != nil || len(raw) != sha256.Size {
		return "", false
	}
	return digits([sha256.Size]byte(raw)), true
}

// PairingCode is the code a workstation and the host both show while the
// workstation asks to pair, for the admin to compare: it is made of the
// authority's certificate as the workstation received it AND the
// workstation's public key as the host received it. A man in the middle
// must swap one or the other (his own authority towards the workstation,
// his own key towards the host), and either swap changes the code on one
// side only. One code to compare, not two, so that no one compares half.
func PairingCode(ca *x509.Certificate, workstationKey []byte) string {
	h := sha256.New()
	h.Write([]byte("folio pairing v1\x00"))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(ca.Raw)))
	h.Write(n[:])
	h.Write(ca.Raw)
	h.Write(workstationKey)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return digits(sum)
}

// SameCode compares a code as typed (spaces, dashes or none) with want.
func SameCode(typed, want string) bool {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	a, b := clean(typed), clean(want)
	return len(b) > 0 && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// digits is sum as six groups of five digits.
func digits(sum [sha256.Size]byte) string {
	groups := make([]string, 6)
	for i := range groups {
		var chunk [8]byte
		copy(chunk[3:], sum[i*5:i*5+5])
		groups[i] = fmt.Sprintf("%05d", binary.BigEndian.Uint64(chunk[:])%100000)
	}
	return strings.Join(groups, " ")
}

// ServerCertificate is the host's server certificate for names, made or
// renewed as needed: a new one when there is none, when it has less than
// RenewBefore left, when the names it holds are not names (the host got a
// new address), or when another authority signed it. Names the authority
// may not vouch for (a public address) are left out.
func (a *Authority) ServerCertificate(names Names) (*tls.Certificate, error) {
	want := a.allowed(names).normal()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.server == nil {
		if c, err := a.readServer(); err == nil {
			a.server = c
		}
	}
	if a.server != nil && a.current(a.server, want) {
		return a.server, nil
	}
	c, err := a.issue(want)
	if err != nil {
		return nil, fmt.Errorf("make the host's server certificate: %w", err)
	}
	a.server = c
	return c, nil
}

// Current is the last server certificate that ServerCertificate gave, for
// tls.Config's GetCertificate; nil before the first.
func (a *Authority) Current() *tls.Certificate {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.server
}

// allowed keeps the names the authority's constraints permit.
func (a *Authority) allowed(names Names) Names {
	var out Names
	for _, d := range names.DNS {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if slices.ContainsFunc(a.cert.PermittedDNSDomains, func(p string) bool { return d == p || strings.HasSuffix(d, "."+p) }) {
			out.DNS = append(out.DNS, d)
		}
	}
	for _, ip := range names.IPs {
		if slices.ContainsFunc(a.cert.PermittedIPRanges, func(r *net.IPNet) bool { return r.Contains(ip) }) {
			out.IPs = append(out.IPs, ip)
		}
	}
	return out
}

// current says whether c can go on serving want.
func (a *Authority) current(c *tls.Certificate, want Names) bool {
	leaf := c.Leaf
	if a.now().Add(RenewBefore).After(leaf.NotAfter) || a.now().Before(leaf.NotBefore) {
		return false
	}
	if leaf.CheckSignatureFrom(a.cert) != nil {
		return false
	}
	return Names{DNS: leaf.DNSNames, IPs: leaf.IPAddresses}.normal().equal(want)
}

func (a *Authority) issue(names Names) (*tls.Certificate, error) {
	if len(names.DNS) == 0 && len(names.IPs) == 0 {
		return nil, errors.New("the host has no name or address the clinic's authority may vouch for")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := a.now()
	cn := "localhost"
	if len(names.DNS) > 0 {
		cn = names.DNS[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"Folio clinic"}, CommonName: cn},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(serverValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names.DNS,
		IPAddresses:  names.IPs,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, err
	}
	data, err := encodePair(der, key)
	if err != nil {
		return nil, err
	}
	if err := writeReplace(filepath.Join(a.dir, serverFile), data); err != nil {
		return nil, err
	}
	return a.tlsPair(der, key)
}

func (a *Authority) readServer() (*tls.Certificate, error) {
	cert, key, err := readPair(filepath.Join(a.dir, serverFile))
	if err != nil {
		return nil, err
	}
	return a.tlsPair(cert.Raw, key)
}

// tlsPair is the server certificate as TLS serves it: the leaf, then the
// authority, so that a client with only the authority's fingerprint (a
// workstation pinning it) sees the whole chain.
func (a *Authority) tlsPair(der []byte, key *ecdsa.PrivateKey) (*tls.Certificate, error) {
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, a.cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// encodePair is a certificate and its key in one PEM file: one file is
// written or replaced at once, so a reader never finds a certificate with
// another's key.
func encodePair(der []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return buf.Bytes(), nil
}

func readPair(path string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var cert *x509.Certificate
	var key *ecdsa.PrivateKey
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		switch block.Type {
		case "CERTIFICATE":
			if cert, err = x509.ParseCertificate(block.Bytes); err != nil {
				return nil, nil, fmt.Errorf("damaged certificate: %w", err)
			}
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("damaged key: %w", err)
			}
			var ok bool
			if key, ok = k.(*ecdsa.PrivateKey); !ok {
				return nil, nil, errors.New("the key is not an ECDSA key")
			}
		}
	}
	if cert == nil || key == nil {
		return nil, nil, errors.New("the file lacks its certificate or its key")
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, errors.New("the key does not belong to the certificate")
	}
	return cert, key, nil
}

// writeNew writes a file that must not exist yet, all or nothing: it is
// written aside and linked into place, which fails if another got there
// first.
func writeNew(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

// writeReplace writes a file all or nothing, replacing any there.
func writeReplace(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return "", err
	}
	// CreateTemp makes the file 0600 whatever the umask; say so anyway.
	if err := f.Chmod(0o600); err == nil {
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// clientValidity: a workstation's certificate lives as long as the
// authority could (a workstation is revoked in the host's list, not by
// letting its certificate run out, which would stop a clinic's day).
const clientValidity = 5 * 365 * 24 * time.Hour

// IssueWorkstation signs a client certificate for a paired workstation:
// its public key (PKIX DER), its id as the common name. It answers the
// certificate (DER) and its serial as lower-case hex, by which the host
// knows the workstation. The certificate names no host or address, so the
// authority's name constraints do not concern it.
func (a *Authority) IssueWorkstation(id, name string, publicKey []byte) ([]byte, string, error) {
	pub, err := x509.ParsePKIXPublicKey(publicKey)
	if err != nil {
		return nil, "", fmt.Errorf("the workstation's key does not parse: %w", err)
	}
	now := a.now()
	sn := serial()
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{Organization: []string{"Folio clinic"}, OrganizationalUnit: []string{"workstation " + name}, CommonName: id},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(clientValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if a.cert.NotAfter.Before(tmpl.NotAfter) {
		tmpl.NotAfter = a.cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, pub, a.key)
	if err != nil {
		return nil, "", fmt.Errorf("sign the workstation's certificate: %w", err)
	}
	return der, SerialText(sn), nil
}

// SerialText is a certificate serial as the host stores it.
func SerialText(n *big.Int) string { return n.Text(16) }

// ChainCA picks the authority out of the chain a host presented: the
// last certificate, which must be a CA that signed the host's leaf. It is
// what a workstation not yet paired looks at, before it trusts anything.
func ChainCA(chain []*x509.Certificate) (*x509.Certificate, error) {
	if len(chain) < 2 {
		return nil, errors.New("the host presented no certificate authority with its certificate; it is not a Folio host")
	}
	ca, leaf := chain[len(chain)-1], chain[0]
	if !ca.IsCA || ca.CheckSignatureFrom(ca) != nil {
		return nil, errors.New("the host's certificate chain does not end in a certificate authority")
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("the host's certificate is not signed by the authority it presented: %w", err)
	}
	return ca, nil
}
