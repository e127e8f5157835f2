package db

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Workstation statuses, as stored.
const (
	WorkstationPending  = "pending"
	WorkstationApproved = "approved"
	WorkstationRefused  = "refused"
	WorkstationRevoked  = "revoked"
)

// Workstation is another PC running Folio against this host: a pairing
// request until an admin approves it, then a paired workstation until one
// revokes it.
type Workstation struct {
	ID        string
	Name      string
	PublicKey string // PKIX DER, base64
	Address   string
	Status    string
	// CertSerial and Certificate are the client certificate issued on
	// approval.
	CertSerial  string
	Certificate string
	FirstSeen   time.Time
	LastSeen    time.Time
	ApprovedBy  string
	ApprovedAt  time.Time
	// Ended*: who refused or revoked it, when and why.
	EndedBy     string
	EndedAt     time.Time
	EndedReason string
	Version     int
}

const workstationColumns = `id, name, public_key, address, status, cert_serial, certificate, first_seen, last_seen,
	approved_by, approved_at, ended_by, ended_at, ended_reason, version`

func scanWorkstation(row scanner) (Workstation, error) {
	var w Workstation
	var first, last, approved, ended string
	err := row.Scan(&w.ID, &w.Name, &w.PublicKey, &w.Address, &w.Status, &w.CertSerial, &w.Certificate, &first, &last,
		&w.ApprovedBy, &approved, &w.EndedBy, &ended, &w.EndedReason, &w.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return w, ErrNotFound
	}
	if err != nil {
		return w, fmt.Errorf("read workstation: %w", err)
	}
	w.FirstSeen, w.LastSeen = parseTime(first), parseTime(last)
	if approved != "" {
		w.ApprovedAt = parseTime(approved)
	}
	if ended != "" {
		w.EndedAt = parseTime(ended)
	}
	return w, nil
}

// InsertWorkstation records a pairing request; ErrDuplicate if its id is
// taken.
func (t *Tx) InsertWorkstation(w Workstation) error {
	_, err := t.exec(`INSERT INTO workstations (`+workstationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.Name, w.PublicKey, w.Address, w.Status, w.CertSerial, w.Certificate, formatTime(w.FirstSeen),
		formatTime(w.LastSeen), w.ApprovedBy, optionalTime(w.ApprovedAt), w.EndedBy, optionalTime(w.EndedAt), w.EndedReason, w.Version)
	if isUnique(err) {
		return ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert workstation %s: %w", w.ID, err)
	}
	return nil
}

// WorkstationByID reads one workstation.
func (t *Tx) WorkstationByID(id string) (Workstation, error) {
	return scanWorkstation(t.queryRow(`SELECT `+workstationColumns+` FROM workstations WHERE id = ?`, id))
}

// WorkstationBySerial reads the workstation issued the certificate with
// this serial.
func (t *Tx) WorkstationBySerial(serial string) (Workstation, error) {
	if serial == "" {
		return Workstation{}, ErrNotFound
	}
	return scanWorkstation(t.queryRow(`SELECT `+workstationColumns+` FROM workstations WHERE cert_serial = ?`, serial))
}

// Workstations lists every workstation and request, the newest first.
func (t *Tx) Workstations() ([]Workstation, error) {
	return queryList(t, "workstations", scanWorkstation,
		`SELECT `+workstationColumns+` FROM workstations ORDER BY first_seen DESC, id`)
}

// CountWorkstations counts those with the status.
func (t *Tx) CountWorkstations(status string) (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM workstations WHERE status = ?`, status).Scan(&n); err != nil {
		return 0, fmt.Errorf("count workstations: %w", err)
	}
	return n, nil
}

// UpdateWorkstation changes w's status (and what goes with it), keeping
// the row it replaces as a revision. w.Version must be the version the
// caller read; ErrConflict if another changed it meanwhile.
func (t *Tx) UpdateWorkstation(w Workstation, by string, at time.Time, reason string) error {
	old, err := t.WorkstationByID(w.ID)
	if err != nil {
		return err
	}
	if old.Version != w.Version {
		return ErrConflict
	}
	if err := t.keepRevision("workstation", old.ID, old.Version, old, by, at, reason); err != nil {
		return err
	}
	res, err := t.exec(`UPDATE workstations SET name = ?, status = ?, cert_serial = ?, certificate = ?, approved_by = ?,
		approved_at = ?, ended_by = ?, ended_at = ?, ended_reason = ?, version = version + 1 WHERE id = ? AND version = ?`,
		w.Name, w.Status, w.CertSerial, w.Certificate, w.ApprovedBy, optionalTime(w.ApprovedAt), w.EndedBy,
		optionalTime(w.EndedAt), w.EndedReason, w.ID, w.Version)
	if err != nil {
		return fmt.Errorf("update workstation %s: %w", w.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	return nil
}

// SeenWorkstation records when and where a workstation was last seen. It
// is not audited (the column is outside the audit's coverage): the host
// writes it at most once a minute per workstation.
func (t *Tx) SeenWorkstation(id, address string, at time.Time) error {
	_, err := t.exec(`UPDATE workstations SET last_seen = ?, address = ? WHERE id = ?`, formatTime(at), address, id)
	if err != nil {
		return fmt.Errorf("record workstation %s seen: %w", id, err)
	}
	return nil
}
