package app

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"folio/app/clinicca"
	"folio/db"
)

// The clinic's other PCs running Folio pair with the host (see the lan
// package and `folio join`): a workstation asks with a public key it made,
// the admin approves it by typing the code the workstation shows, and the
// host issues it a client certificate signed by the clinic's authority.
// From then on the host knows it by that certificate at every TLS
// handshake, names it in the audit trail, and refuses it once revoked.
//
// Why a client certificate and not a long random token: the workstation's
// private key never leaves its disk and never crosses the network, not even
// at pairing, so nothing the host stores or a log records lets another
// computer pass for it; and TLS proves the key at every connection before a
// byte of a request is read.

// ClinicCA is what pairing needs of the clinic's certificate authority
// (clinicca.Authority): its certificate, to derive the pairing code, and
// the signing of a workstation's certificate.
type ClinicCA interface {
	Certificate() *x509.Certificate
	IssueWorkstation(id, name string, publicKey []byte) (der []byte, serial string, err error)
}

// workstationPairing is the host's side of pairing, in App.
type workstationPairing struct {
	mu sync.Mutex
	ca ClinicCA
	// seenWritten is when each workstation's last_seen was last written:
	// at most once a minute, not at every request.
	seenWritten map[string]time.Time
}

const (
	// maxPendingWorkstations: requests nobody approved are kept (never
	// deleted); past this many waiting, a new one is refused until the
	// admin approves or refuses some, so that a flood fills no disk.
	maxPendingWorkstations = 20
	seenEvery              = time.Minute
)

// UseClinicCA lets this Folio approve workstations, signing their
// certificates with ca. `folio serve --lan` and `folio workstations` call
// it before serving; without it, approval says the host does not serve the
// clinic's network.
func (a *App) UseClinicCA(ca ClinicCA) {
	a.pairing.mu.Lock()
	defer a.pairing.mu.Unlock()
	a.pairing.ca = ca
}

func (a *App) clinicCA() ClinicCA {
	a.pairing.mu.Lock()
	defer a.pairing.mu.Unlock()
	return a.pairing.ca
}

// PairingRequest is what a workstation sends to pair.
type PairingRequest struct {
	// ID is the workstation's own random id (at least 16 characters).
	ID   string `json:"id"`
	Name string `json:"name"`
	// PublicKey is its key, PKIX DER in base64 (ECDSA P-256 or Ed25519).
	PublicKey string `json:"publicKey"`
}

// PairingStatus is what the workstation is told when it asks or polls.
type PairingStatus struct {
	Status string `json:"status"` // pending, approved, refused, revoked
	// Certificate is its client certificate (PEM), once approved.
	Certificate string `json:"certificate,omitempty"`
	Message     string `json:"message"`
}

var workstationIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func (r PairingRequest) validate() (publicKey []byte, err error) {
	fields := fieldErrors{}
	if !workstationIDPattern.MatchString(r.ID) {
		fields.add("id", "The workstation's id must be 16 to 64 letters, digits, - or _.")
	}
	name := strings.TrimSpace(r.Name)
	switch {
	case name == "":
		fields.add("name", "Give the workstation a name, such as Exam room 2.")
	case utf8.RuneCountInString(name) > 64:
		fields.add("name", "The name is too long (64 characters at most).")
	case strings.IndexFunc(name, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0:
		fields.add("name", "The name may hold only printable characters.")
	}
	publicKey, decodeErr := base64.StdEncoding.DecodeString(r.PublicKey)
	if decodeErr != nil || len(publicKey) > 1024 || !acceptableKey(publicKey) {
		fields.add("publicKey", "The workstation's key is not an ECDSA P-256 or Ed25519 public key.")
	}
	return publicKey, fields.err()
}

func acceptableKey(der []byte) bool {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return false
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return k.Curve == elliptic.P256()
	case ed25519.PublicKey:
		return true
	}
	return false
}

// RequestPairing records a workstation's request to pair, from address,
// pending the admin's approval. Nobody is signed in: the caller (serve)
// limits how often an address may ask, and the size of the request. A
// request sent again with the same id and key answers its status; the same
// id with another key is refused.
func (a *App) RequestPairing(req PairingRequest, address string) (PairingStatus, error) {
	publicKey, err := req.validate()
	if err != nil {
		return PairingStatus{}, err
	}
	name := strings.TrimSpace(req.Name)
	who := actor{username: "(pairing request)", workstation: fmt.Sprintf("%s at %s", name, address)}
	var out PairingStatus
	err = a.actAs(who, func(o *op) error {
		old, err := o.WorkstationByID(req.ID)
		if err == nil {
			if old.PublicKey != req.PublicKey {
				return errorf(Conflict, "Another workstation already asked with this id; start the pairing again.")
			}
			out = pairingStatus(old)
			return nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return err
		}
		pending, err := o.CountWorkstations(db.WorkstationPending)
		if err != nil {
			return err
		}
		if pending >= maxPendingWorkstations {
			return errorf(Conflict, "Too many workstations are waiting to pair; ask the admin to approve or refuse them first.")
		}
		w := db.Workstation{ID: req.ID, Name: name, PublicKey: base64.StdEncoding.EncodeToString(publicKey),
			Address: address, Status: db.WorkstationPending, FirstSeen: o.now, LastSeen: o.now, Version: 1}
		if err := o.InsertWorkstation(w); err != nil {
			return err
		}
		out = pairingStatus(w)
		return o.audit("workstation.request", "", "workstation/"+w.ID, fmt.Sprintf("%s asks to pair, from %s", name, address))
	})
	return out, err
}

// PairingStatusOf answers a workstation polling for its approval. The
// certificate is public (it is useless without the key the workstation
// keeps), so the id alone may fetch it.
func (a *App) PairingStatusOf(id string) (PairingStatus, error) {
	var w db.Workstation
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		w, err = tx.WorkstationByID(id)
		return err
	})
	if errors.Is(err, db.ErrNotFound) {
		return PairingStatus{}, errorf(NotFound, "This host has no pairing request with that id; start the pairing again.")
	}
	if err != nil {
		return PairingStatus{}, a.userError(err)
	}
	return pairingStatus(w), nil
}

func pairingStatus(w db.Workstation) PairingStatus {
	switch w.Status {
	case db.WorkstationApproved:
		return PairingStatus{Status: w.Status, Certificate: w.Certificate, Message: "Approved: this workstation is paired with the host."}
	case db.WorkstationRefused:
		return PairingStatus{Status: w.Status, Message: "The admin refused this workstation's request."}
	case db.WorkstationRevoked:
		return PairingStatus{Status: w.Status, Message: "The admin revoked this workstation."}
	}
	return PairingStatus{Status: w.Status, Message: "Waiting for the admin to approve it on the host, comparing the code."}
}

// PairedWorkstation is a workstation as the host knows it at a request.
type PairedWorkstation struct {
	ID, Name string
	Status   string
}

// Paired says whether the workstation may use the host now.
func (w PairedWorkstation) Paired() bool { return w.Status == db.WorkstationApproved }

// WorkstationByCertificate is the workstation issued the client
// certificate with this serial (see clinicca.SerialText); NotFound if
// none. The caller checks Status: a revoked one is refused.
func (a *App) WorkstationByCertificate(serial string) (PairedWorkstation, error) {
	var w db.Workstation
	err := a.db.View(a.ctx, func(tx *db.Tx) (err error) {
		w, err = tx.WorkstationBySerial(serial)
		return err
	})
	if err != nil {
		return PairedWorkstation{}, a.userError(err)
	}
	return PairedWorkstation{ID: w.ID, Name: w.Name, Status: w.Status}, nil
}

// NoteWorkstationSeen records that a workstation made a request from
// address, writing at most once a minute per workstation.
func (a *App) NoteWorkstationSeen(id, address string) {
	now := a.now()
	a.pairing.mu.Lock()
	if a.pairing.seenWritten == nil {
		a.pairing.seenWritten = map[string]time.Time{}
	}
	last, ok := a.pairing.seenWritten[id]
	if ok && now.Sub(last) < seenEvery {
		a.pairing.mu.Unlock()
		return
	}
	a.pairing.seenWritten[id] = now
	a.pairing.mu.Unlock()
	err := a.db.Update(a.ctx, func(tx *db.Tx) error { return tx.SeenWorkstation(id, address, now) })
	if err != nil {
		a.log.Warn("record a workstation seen", "workstation", id, "err", err)
	}
}

// Workstations is the admin's list of the clinic's other PCs running
// Folio: who asks to pair, who is paired, who was revoked.
type Workstations struct {
	app     *App
	session *Session
}

// Workstation is one row of the admin's list.
type Workstation struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Address    string `json:"address"`
	Status     string `json:"status"`
	FirstSeen  string `json:"firstSeen"`
	LastSeen   string `json:"lastSeen"`
	ApprovedBy string `json:"approvedBy,omitempty"`
	ApprovedAt string `json:"approvedAt,omitempty"`
	EndedBy    string `json:"endedBy,omitempty"`
	EndedAt    string `json:"endedAt,omitempty"`
	EndedWhy   string `json:"endedReason,omitempty"`
}

func workstationView(o *op, w db.Workstation) Workstation {
	name := func(userID string) string {
		if userID == "" {
			return ""
		}
		if u, err := o.UserByID(userID); err == nil {
			return u.Username
		}
		return userID
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return Workstation{ID: w.ID, Name: w.Name, Address: w.Address, Status: w.Status, FirstSeen: at(w.FirstSeen),
		LastSeen: at(w.LastSeen), ApprovedBy: name(w.ApprovedBy), ApprovedAt: at(w.ApprovedAt), EndedBy: name(w.EndedBy),
		EndedAt: at(w.EndedAt), EndedWhy: w.EndedReason}
}

// List is every workstation and pairing request, the newest first.
func (s *Workstations) List() ([]Workstation, error) {
	out := []Workstation{}
	err := s.app.look(s.session, permAdmin, func(o *op) error {
		list, err := o.Workstations()
		for _, w := range list {
			out = append(out, workstationView(o, w))
		}
		return err
	})
	return answer(out, err)
}

// Approve pairs a waiting workstation. code is the code the workstation
// shows, typed by the admin: the host derives its own from its authority
// and the key it received, and approves only when they are the same (see
// clinicca.PairingCode). The host's code is never shown, so that approval
// cannot be a glance at two screens.
func (s *Workstations) Approve(id, code string) (Workstation, error) {
	return s.app.approveWorkstation(s.session, id, code)
}

func (a *App) approveWorkstation(s *Session, id, code string) (Workstation, error) {
	ca := a.clinicCA()
	var out Workstation
	err := a.act(s, permAdmin, func(o *op) error {
		return a.approveIn(o, ca, id, code, &out)
	})
	return out, err
}

func (a *App) approveIn(o *op, ca ClinicCA, id, code string, out *Workstation) error {
	if ca == nil {
		return errorf(Conflict, "This Folio does not serve the clinic's network, so it cannot pair workstations: "+
			"turn on sharing (folio serve --lan) first.")
	}
	w, err := o.WorkstationByID(id)
	if err != nil {
		return err
	}
	if w.Status != db.WorkstationPending {
		return errorf(Conflict, "%s is %s, not waiting for approval.", w.Name, w.Status)
	}
	key, err := base64.StdEncoding.DecodeString(w.PublicKey)
	if err != nil {
		return fmt.Errorf("workstation %s's stored key: %w", id, err)
	}
	if !clinicca.SameCode(code, clinicca.PairingCode(ca.Certificate(), key)) {
		return &Error{Kind: Invalid, Message: "The code does not match.", Fields: map[string]string{"code": "This is not the code " +
			"this request should show. Check the code on the workstation's screen; if it is right there, someone may be " +
			"between the workstation and this host: refuse the request."}}
	}
	der, serial, err := ca.IssueWorkstation(w.ID, w.Name, key)
	if err != nil {
		return err
	}
	w.Status, w.CertSerial = db.WorkstationApproved, serial
	w.Certificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	w.ApprovedBy, w.ApprovedAt = o.actor.userID, o.now
	if err := o.UpdateWorkstation(w, o.actor.userID, o.now, "approved"); err != nil {
		return err
	}
	w.Version++
	*out = workstationView(o, w)
	return o.audit("workstation.approve", "", "workstation/"+w.ID, fmt.Sprintf("%s paired (certificate %s)", w.Name, serial))
}

// Refuse turns down a waiting request; it stays on the list.
func (s *Workstations) Refuse(id, reason string) (Workstation, error) {
	return s.app.endWorkstation(s.session, id, reason, db.WorkstationPending, db.WorkstationRefused)
}

// Revoke ends a paired workstation at once: its next request is refused
// and its sessions end. The reason is required.
func (s *Workstations) Revoke(id, reason string) (Workstation, error) {
	return s.app.endWorkstation(s.session, id, reason, db.WorkstationApproved, db.WorkstationRevoked)
}

func (a *App) endWorkstation(s *Session, id, reason, from, to string) (Workstation, error) {
	var out Workstation
	err := a.act(s, permAdmin, func(o *op) error { return endIn(o, id, reason, from, to, &out) })
	return out, err
}

func endIn(o *op, id, reason, from, to string, out *Workstation) error {
	reason = strings.TrimSpace(reason)
	if reason == "" && to == db.WorkstationRevoked {
		return &Error{Kind: Invalid, Message: "Please correct the marked field.",
			Fields: map[string]string{"reason": "Say why the workstation is revoked (lost, replaced, stolen…)."}}
	}
	if utf8.RuneCountInString(reason) > 500 {
		return &Error{Kind: Invalid, Message: "Please correct the marked field.",
			Fields: map[string]string{"reason": "The reason is too long (500 characters at most)."}}
	}
	w, err := o.WorkstationByID(id)
	if err != nil {
		return err
	}
	if w.Status != from {
		return errorf(Conflict, "%s is %s, not %s.", w.Name, w.Status, from)
	}
	w.Status, w.EndedBy, w.EndedAt, w.EndedReason = to, o.actor.userID, o.now, reason
	if err := o.UpdateWorkstation(w, o.actor.userID, o.now, to); err != nil {
		return err
	}
	w.Version++
	*out = workstationView(o, w)
	action := map[string]string{db.WorkstationRefused: "workstation.refuse", db.WorkstationRevoked: "workstation.revoke"}[to]
	detail := w.Name + " " + to
	if reason != "" {
		detail += ": " + reason
	}
	return o.audit(action, "", "workstation/"+w.ID, detail)
}

// WorkstationCommand is `folio workstations` on the host: the admin's list
// and decisions without a window, acting as the named admin (the first
// admin when asUser is empty).
type WorkstationCommand struct {
	app *App
	who actor
}

// WorkstationCommand acts as asUser, who must be an admin.
func (a *App) WorkstationCommand(asUser string) (*WorkstationCommand, error) {
	who, err := a.commandLineActor(asUser)
	if err != nil {
		return nil, err
	}
	if who.role != RoleAdmin {
		return nil, errorf(Forbidden, "%s is not an admin; only an admin may pair or revoke workstations.", who.username)
	}
	return &WorkstationCommand{app: a, who: who}, nil
}

// List is Workstations.List.
func (c *WorkstationCommand) List() ([]Workstation, error) {
	out := []Workstation{}
	err := c.app.db.View(c.app.ctx, func(tx *db.Tx) error {
		o := &op{Tx: tx, app: c.app, actor: c.who, now: c.app.now()}
		list, err := tx.Workstations()
		for _, w := range list {
			out = append(out, workstationView(o, w))
		}
		return err
	})
	return out, c.app.userError(err)
}

// Approve is Workstations.Approve.
func (c *WorkstationCommand) Approve(id, code string) (Workstation, error) {
	ca := c.app.clinicCA()
	var out Workstation
	err := c.app.actAs(c.who, func(o *op) error { return c.app.approveIn(o, ca, id, code, &out) })
	return out, err
}

// Refuse is Workstations.Refuse.
func (c *WorkstationCommand) Refuse(id, reason string) (Workstation, error) {
	var out Workstation
	err := c.app.actAs(c.who, func(o *op) error {
		return endIn(o, id, reason, db.WorkstationPending, db.WorkstationRefused, &out)
	})
	return out, err
}

// Revoke is Workstations.Revoke.
func (c *WorkstationCommand) Revoke(id, reason string) (Workstation, error) {
	var out Workstation
	err := c.app.actAs(c.who, func(o *op) error {
		return endIn(o, id, reason, db.WorkstationApproved, db.WorkstationRevoked, &out)
	})
	return out, err
}
