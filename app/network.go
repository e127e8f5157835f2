package app

import (
	"encoding/pem"
	"sync"

	"folio/app/clinicca"
	"folio/db"
)

// The admin's "Clinic network" screen: whether this Folio shares the
// clinic with its other computers, where it answers, and the clinic's
// certificate for the browsers to install. The serving itself (TLS,
// renewal, the announcement) is the host package's; main hands this App
// what it can do with UseNetwork, since app knows nothing of HTTP.

// settingShare remembers the admin's choice to share from the window, so
// that the window serves again when it is opened next.
const settingShare = "network.share"

// NetworkRole is what this Folio's process is to the clinic's network.
type NetworkRole string

const (
	// NetworkWindow is the desktop window: the admin may turn sharing on
	// and off there.
	NetworkWindow NetworkRole = "window"
	// NetworkLocal is `folio serve`: a browser on this PC only.
	NetworkLocal NetworkRole = "local"
	// NetworkHost is `folio serve --lan`: this process is the clinic's
	// server, started and stopped where it runs.
	NetworkHost NetworkRole = "host"
)

// Sharing is this process's clinic network server, as the host package
// runs it: Start and Stop (the window's toggle), and how it stands.
type Sharing interface {
	Start() error
	Stop() error
	State() SharingState
}

// SharingState is how the clinic network server stands now.
type SharingState struct {
	Serving bool
	// URLs are the addresses to type in a browser, names first.
	URLs []string
	// Public are the addresses served that are not the clinic's own.
	Public []string
	// Problem is why it does not serve, in the admin's words ("" if none).
	Problem string
}

type networkState struct {
	// mu orders the admin's toggles: a setting saved and the server
	// started or stopped to match, one toggle at a time.
	mu      sync.Mutex
	role    NetworkRole
	sharing Sharing
}

// UseNetwork tells the App what its process is to the clinic's network,
// and hands it the server it may start and stop (nil when it has none).
func (a *App) UseNetwork(role NetworkRole, s Sharing) {
	a.network.mu.Lock()
	defer a.network.mu.Unlock()
	a.network.role, a.network.sharing = role, s
}

// ResumeSharing starts the clinic network server again when the admin
// left sharing on: the window calls it once it is open. A failure (the
// port taken) is kept for the admin's screen, and answered for the log.
func (a *App) ResumeSharing() error {
	a.network.mu.Lock()
	defer a.network.mu.Unlock()
	if a.network.role != NetworkWindow || a.network.sharing == nil {
		return nil
	}
	on, err := a.shareSetting()
	if err != nil || !on {
		return err
	}
	return a.network.sharing.Start()
}

func (a *App) shareSetting() (bool, error) {
	var on bool
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		on, err = sharing(tx)
		return err
	})
	return on, a.userError(err)
}

func sharing(tx *db.Tx) (bool, error) {
	v, _, err := tx.Setting(settingShare)
	return v == "on", err
}

// networkStatusIn reads the remembered choice in tx; the caller holds
// a.network.mu or reads the role and server itself.
func (a *App) networkStatusIn(tx *db.Tx, role NetworkRole, s Sharing) (NetworkStatus, error) {
	on, err := sharing(tx)
	if err != nil {
		return NetworkStatus{}, err
	}
	out := NetworkStatus{Role: string(role), Share: on, CanShare: role == NetworkWindow && s != nil,
		URLs: []string{}, Public: []string{}}
	if !out.CanShare {
		out.Why = whyNoToggle(role)
	}
	if s != nil {
		st := s.State()
		out.Serving, out.Problem = st.Serving, st.Problem
		out.URLs = append(out.URLs, st.URLs...)
		out.Public = append(out.Public, st.Public...)
	}
	if ca := a.clinicCA(); ca != nil {
		out.Fingerprint, out.Code = clinicca.Fingerprint(ca.Certificate()), clinicca.Code(ca.Certificate())
	}
	return out, nil
}

func (a *App) networkRole() (NetworkRole, Sharing) {
	a.network.mu.Lock()
	defer a.network.mu.Unlock()
	return a.network.role, a.network.sharing
}

// Network is the admin's view of the clinic's network.
type Network struct {
	app     *App
	session *Session
}

// NetworkStatus is the "Clinic network" screen.
type NetworkStatus struct {
	// Role is what this Folio is: window, local or host (NetworkRole).
	Role string `json:"role"`
	// Share is the admin's remembered choice (the window's toggle).
	Share bool `json:"share"`
	// CanShare: this process may start and stop sharing (the window);
	// otherwise Why says why the toggle is only shown.
	CanShare bool     `json:"canShare"`
	Why      string   `json:"why,omitempty"`
	Serving  bool     `json:"serving"`
	URLs     []string `json:"urls"`
	Public   []string `json:"publicAddresses"`
	Problem  string   `json:"problem,omitempty"`
	// Fingerprint (SHA-256) and Code are the clinic certificate's, for
	// comparing on another computer; empty when it has none yet.
	Fingerprint string `json:"fingerprint"`
	Code        string `json:"code"`
}

// CertificateFile is the clinic's certificate to install in browsers.
type CertificateFile struct {
	FileName    string `json:"fileName"`
	PEM         string `json:"pem"`
	Fingerprint string `json:"fingerprint"`
}

// Status is how the clinic's network stands from this Folio.
func (s *Network) Status() (NetworkStatus, error) {
	var out NetworkStatus
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		role, sharing := s.app.networkRole()
		var err error
		out, err = s.app.networkStatusIn(o.Tx, role, sharing)
		return err
	})
	return answer(out, err)
}

// Share turns sharing with the clinic's other computers on or off from
// the desktop window, and remembers it for the next time the window opens.
// The choice is saved (and audited) even when the server cannot start, as
// when another program holds the port: the status then says why, and the
// window goes on working on this PC.
func (s *Network) Share(on bool) (NetworkStatus, error) {
	a := s.app
	a.network.mu.Lock()
	defer a.network.mu.Unlock()
	err := a.act(s.session, permAdmin, func(o *op) error {
		if a.network.role != NetworkWindow || a.network.sharing == nil {
			return errorf(Conflict, "%s", whyNoToggle(a.network.role))
		}
		if err := o.SetSetting(settingShare, onOff(on)); err != nil {
			return err
		}
		return o.audit("network.share", "", "", "sharing with the clinic's other computers turned "+onOff(on))
	})
	if err != nil {
		return NetworkStatus{}, err
	}
	// Started and stopped outside the transaction: listening and
	// shutting down may take seconds, and must not hold the chart's writer.
	if on {
		err = a.network.sharing.Start()
	} else {
		err = a.network.sharing.Stop()
	}
	if err != nil {
		a.log.Warn("turn sharing "+onOff(on), "err", err)
	}
	var out NetworkStatus
	err = a.db.View(a.ctx, func(tx *db.Tx) error {
		var err error
		out, err = a.networkStatusIn(tx, a.network.role, a.network.sharing)
		return err
	})
	return out, a.userError(err)
}

// Certificate is the clinic's certificate (PEM, no key) to download and
// install in each browser. It is public, but given to a signed-in admin
// only, like the rest of the clinic's set-up.
func (s *Network) Certificate() (CertificateFile, error) {
	var out CertificateFile
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		ca := s.app.clinicCA()
		if ca == nil {
			return errorf(Conflict, "This Folio has no clinic certificate yet.")
		}
		cert := ca.Certificate()
		out = CertificateFile{FileName: "folio-clinic-ca.crt", Fingerprint: clinicca.Fingerprint(cert),
			PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))}
		return o.audit("network.certificate", "", "", "clinic certificate downloaded ("+out.Fingerprint+")")
	})
	return answer(out, err)
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func whyNoToggle(role NetworkRole) string {
	switch role {
	case NetworkHost:
		return "This Folio is already the clinic's server (folio serve --lan): it shares for as long as it runs. " +
			"Stop or start it on the PC where it runs."
	case NetworkLocal:
		return "This Folio serves only a browser on this PC (folio serve). A browser cannot start a server: " +
			"turn sharing on in the Folio window on the host PC, or run folio serve --lan there."
	}
	return "Sharing is turned on and off in the Folio window on the host PC."
}
