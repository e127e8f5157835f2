package workstation

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"folio/app"
	"folio/app/clinicca"
)

// JoinOptions say how to pair.
type JoinOptions struct {
	// Host is the host's address (a name or an IP), with its port or not.
	Host string
	// Name is how the admin and the audit trail will call this workstation.
	Name string
	// Dir is the workstation's data folder.
	Dir string
	// Expect is the fingerprint of the authority the host announced on the
	// network, when it was picked from a list (see Discover); a host that
	// presents another is refused before anything is sent to it.
	Expect string
	// Out is where the code and progress are told (Join only).
	Out io.Writer
	// Poll is how often the host is asked whether the admin approved (2 s
	// if zero; Join only).
	Poll time.Duration
}

// Join pairs this PC with the host: Begin, then Wait for the admin's
// approval, telling the code and progress on opts.Out (folio join).
func Join(ctx context.Context, opts JoinOptions) (*Config, error) {
	p, err := Begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	fmt.Fprintf(opts.Out, "Host %s presents the clinic certificate authority %s\n  SHA-256 %s\n",
		p.Host, p.Authority, p.Fingerprint)
	fmt.Fprintf(opts.Out, "Pairing code: %s\n", p.Code)
	fmt.Fprintf(opts.Out, "On the host, the admin approves workstation %q (id %s) by typing this code\n"+
		"  (Settings > Workstations, or: folio workstations approve %s --code \"CODE\").\n", p.Name, p.ID, p.ID)
	fmt.Fprintf(opts.Out, "Waiting for the admin's approval…\n")
	return p.Wait(ctx, opts.Poll)
}

// Pairing is a request to pair that the host holds: the authority the host
// presented, this workstation's new key (already in the data folder), and
// the code that both this screen and the admin's show.
type Pairing struct {
	// Host is the host's address with its port.
	Host string `json:"host"`
	ID   string `json:"id"`
	Name string `json:"name"`
	// Authority names the clinic's authority as the host presented it, and
	// Fingerprint is its SHA-256.
	Authority   string `json:"authority"`
	Fingerprint string `json:"fingerprint"`
	// Code is the pairing code (see clinicca.PairingCode).
	Code string `json:"code"`

	dir    string
	ca     *x509.Certificate
	key    *ecdsa.PrivateKey
	client *http.Client
	status app.PairingStatus
}

// Begin asks the host to pair: it fetches the host's certificate authority
// over a connection it does not yet trust, checks it against opts.Expect,
// keeps a new key in opts.Dir, and sends the request over a connection
// verified against that authority. The admin then approves it by the
// pairing code (see Check and Wait).
func Begin(ctx context.Context, opts JoinOptions) (*Pairing, error) {
	host, err := HostAddress(opts.Host)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name, _ = os.Hostname()
	}
	if Paired(opts.Dir) {
		return nil, fmt.Errorf("this PC is already a workstation (%s in %s); to pair it again, remove that file first",
			ConfigFile, opts.Dir)
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data folder: %w", err)
	}
	ca, err := FetchCA(ctx, host)
	if err != nil {
		return nil, err
	}
	if opts.Expect != "" && !sameFingerprint(opts.Expect, clinicca.Fingerprint(ca)) {
		return nil, &MismatchError{Host: host, Announced: opts.Expect, Presented: clinicca.Fingerprint(ca)}
	}
	key, pub, err := newKey()
	if err != nil {
		return nil, err
	}
	// The key is on disk before it is sent anywhere: an approval is worth
	// nothing without it.
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := writePrivate(filepath.Join(opts.Dir, keyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})); err != nil {
		return nil, err
	}
	p := &Pairing{Host: host, ID: newID(), Name: opts.Name, Authority: ca.Subject.CommonName,
		Fingerprint: clinicca.Fingerprint(ca), Code: clinicca.PairingCode(ca, pub), dir: opts.Dir, ca: ca, key: key,
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: PinnedTLS(host, ca)}, Timeout: 30 * time.Second}}
	req := app.PairingRequest{ID: p.ID, Name: p.Name, PublicKey: base64.StdEncoding.EncodeToString(pub)}
	if p.status, err = post(ctx, p.client, host, "/pair/request", req); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Check asks the host once whether the admin approved. It answers the
// pairing, kept in the data folder, once approved; nil while the request
// waits; and an error in the host's words when the admin refused it.
func (p *Pairing) Check(ctx context.Context) (*Config, error) {
	if p.status.Status == "pending" {
		st, err := post(ctx, p.client, p.Host, "/pair/status", map[string]string{"id": p.ID})
		if err != nil {
			return nil, err
		}
		p.status = st
	}
	switch p.status.Status {
	case "pending":
		return nil, nil
	case "approved":
		return save(p.dir, p.Host, p.ID, p.Name, p.ca, p.key, []byte(p.status.Certificate))
	}
	return nil, &RefusedError{Message: p.status.Message}
}

// Wait checks every poll (2 s if zero) until the admin approves or refuses,
// or ctx ends.
func (p *Pairing) Wait(ctx context.Context, poll time.Duration) (*Config, error) {
	if poll <= 0 {
		poll = 2 * time.Second
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		c, err := p.Check(ctx)
		if c != nil || err != nil {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped waiting for the admin's approval: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Close lets go of the connection to the host.
func (p *Pairing) Close() { p.client.CloseIdleConnections() }

// RefusedError is a pairing the host's admin refused (or revoked).
type RefusedError struct{ Message string }

func (e *RefusedError) Error() string {
	if e.Message == "" {
		return "the host's admin refused to pair this workstation"
	}
	return e.Message
}

// MismatchError is a host that presents another certificate authority than
// the one announced on the network under its name.
type MismatchError struct {
	Host                 string
	Announced, Presented string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("refused: the computer at %s presents the certificate authority SHA-256 %s, not the one "+
		"announced on the network for it (SHA-256 %s). Another computer may be answering in the host's place; "+
		"nothing was sent to it. Ask the admin before pairing.", e.Host, e.Presented, e.Announced)
}

// sameFingerprint compares two fingerprints, with or without colons, in
// either case.
func sameFingerprint(a, b string) bool {
	clean := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, ":", "")) }
	return clean(a) == clean(b)
}

// FetchCA is the authority host presents: the one time a workstation
// connects without verifying, to learn what to compare and then pin.
func FetchCA(ctx context.Context, host string) (*x509.Certificate, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second},
		Config: &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the host at %s over HTTPS (is folio serve --lan running there?): %w", host, err)
	}
	defer conn.Close()
	return clinicca.ChainCA(conn.(*tls.Conn).ConnectionState().PeerCertificates)
}

// post sends a pairing call and reads its answer, or the host's refusal
// in its own words.
func post(ctx context.Context, client *http.Client, host, path string, body any) (app.PairingStatus, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return app.PairingStatus{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+host+path, bytes.NewReader(data))
	if err != nil {
		return app.PairingStatus{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var impostor *ImpostorError
		if errors.As(err, &impostor) {
			return app.PairingStatus{}, impostor
		}
		return app.PairingStatus{}, fmt.Errorf("ask the host to pair: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		var e app.Error
		if json.Unmarshal(answer, &e) == nil && e.Message != "" {
			return app.PairingStatus{}, fmt.Errorf("the host refused: %s", e.Message)
		}
		return app.PairingStatus{}, fmt.Errorf("the host answered %s", resp.Status)
	}
	var st app.PairingStatus
	if err := json.Unmarshal(answer, &st); err != nil {
		return app.PairingStatus{}, fmt.Errorf("the host's answer is not understood: %w", err)
	}
	return st, nil
}

// save checks the certificate the host issued (signed by the pinned
// authority, for this key) and writes the pairing, workstation.json last:
// it says the rest is there.
func save(dir, host, id, name string, ca *x509.Certificate, key *ecdsa.PrivateKey, certPEM []byte) (*Config, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("the host's certificate for this workstation: %w", err)
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("the host's certificate for this workstation is not signed by the clinic's authority: %w", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("the host's certificate for this workstation is for another key")
	}
	if err := writePrivate(filepath.Join(dir, caFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})); err != nil {
		return nil, err
	}
	if err := writePrivate(filepath.Join(dir, certFile), certPEM); err != nil {
		return nil, err
	}
	c := &Config{Host: host, ID: id, Name: name, CAFingerprint: clinicca.Fingerprint(ca), PairedAt: time.Now().UTC()}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writePrivate(filepath.Join(dir, ConfigFile), append(data, '\n')); err != nil {
		return nil, err
	}
	return Load(dir)
}

// newID is the workstation's random id: 128 bits, URL-safe.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "ws-" + base64.RawURLEncoding.EncodeToString(b)
}
