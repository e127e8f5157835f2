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
	// Out is where the code and progress are told.
	Out io.Writer
	// Poll is how often the host is asked whether the admin approved (2 s
	// if zero).
	Poll time.Duration
}

// Join pairs this PC with the host: it fetches the host's certificate
// authority over a connection it does not yet trust, shows the pairing
// code, asks to pair over a connection verified against that authority,
// and waits for the admin's approval, until ctx ends. On approval it pins
// the authority and keeps its key and certificate in opts.Dir.
func Join(ctx context.Context, opts JoinOptions) (*Config, error) {
	host, err := HostAddress(opts.Host)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name, _ = os.Hostname()
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
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
	id := newID()
	fmt.Fprintf(opts.Out, "Host %s presents the clinic certificate authority %s\n  SHA-256 %s\n",
		host, ca.Subject.CommonName, clinicca.Fingerprint(ca))
	fmt.Fprintf(opts.Out, "Pairing code: %s\n", clinicca.PairingCode(ca, pub))
	fmt.Fprintf(opts.Out, "On the host, the admin approves workstation %q (id %s) by typing this code\n"+
		"  (Settings > Workstations, or: folio workstations approve %s --code \"CODE\").\n", opts.Name, id, id)

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: PinnedTLS(host, ca)}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	req := app.PairingRequest{ID: id, Name: opts.Name, PublicKey: base64.StdEncoding.EncodeToString(pub)}
	st, err := post(ctx, client, host, "/pair/request", req)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(opts.Out, "Waiting for the admin's approval…\n")
	tick := time.NewTicker(opts.Poll)
	defer tick.Stop()
	for st.Status == "pending" {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped waiting for the admin's approval: %w", ctx.Err())
		case <-tick.C:
		}
		if st, err = post(ctx, client, host, "/pair/status", map[string]string{"id": id}); err != nil {
			return nil, err
		}
	}
	if st.Status != "approved" {
		return nil, errors.New(st.Message)
	}
	return save(opts.Dir, host, id, opts.Name, ca, key, []byte(st.Certificate))
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
