package db

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	Seq         int64
	At          time.Time
	UserID      string
	Username    string
	Action      string
	PatientID   string
	Record      string
	Workstation string
	Detail      string
	PrevHash    string
	Hash        string
}

// hash covers every field and the previous entry's hash, so that changing,
// removing or reordering any entry breaks the chain from there on.
func (e AuditEntry) computeHash() string {
	h := sha256.New()
	for _, field := range []string{
		strconv.FormatInt(e.Seq, 10), formatTime(e.At), e.UserID, e.Username, e.Action,
		e.PatientID, e.Record, e.Workstation, e.Detail, e.PrevHash,
	} {
		h.Write([]byte(strconv.Itoa(len(field))))
		h.Write([]byte{':'})
		h.Write([]byte(field))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AppendAudit adds e at the end of the chain, in the caller's transaction so
// that the entry commits exactly when the change it records does.
func (t *Tx) AppendAudit(e AuditEntry) error {
	var lastSeq int64
	var lastHash string
	err := t.queryRow("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&lastSeq, &lastHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read audit chain head: %w", err)
	}
	e.Seq = lastSeq + 1
	e.PrevHash = lastHash
	e.Hash = e.computeHash()
	_, err = t.exec(`INSERT INTO audit (seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, formatTime(e.At), e.UserID, e.Username, e.Action, e.PatientID, e.Record, e.Workstation, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// AuditFilter narrows an audit listing; zero values do not filter.
type AuditFilter struct {
	Username  string
	Action    string
	PatientID string
	From      time.Time
	To        time.Time // exclusive
	BeforeSeq int64
	Limit     int
}

// AuditEntryView is an entry as listed, with the patient's MRN.
type AuditEntryView struct {
	AuditEntry
	PatientMRN string
}

// Audit lists entries newest first.
func (t *Tx) Audit(f AuditFilter) ([]AuditEntryView, error) {
	var where []string
	var args []any
	if f.Username != "" {
		where = append(where, "a.username = ? COLLATE NOCASE")
		args = append(args, f.Username)
	}
	if f.Action != "" {
		where = append(where, "a.action LIKE ? ESCAPE '\\'")
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.PatientID != "" {
		where = append(where, "a.patient_id = ?")
		args = append(args, f.PatientID)
	}
	if !f.From.IsZero() {
		where = append(where, "a.at >= ?")
		args = append(args, formatTime(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "a.at < ?")
		args = append(args, formatTime(f.To))
	}
	if f.BeforeSeq > 0 {
		where = append(where, "a.seq < ?")
		args = append(args, f.BeforeSeq)
	}
	q := `SELECT a.seq, a.at, a.user_id, a.username, a.action, a.patient_id, a.record, a.workstation, a.detail,
		a.prev_hash, a.hash, coalesce(p.mrn, '')
		FROM audit a LEFT JOIN patients p ON p.id = a.patient_id AND a.patient_id <> ''`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.seq DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntryView
	for rows.Next() {
		var v AuditEntryView
		var at string
		if err := rows.Scan(&v.Seq, &at, &v.UserID, &v.Username, &v.Action, &v.PatientID, &v.Record,
			&v.Workstation, &v.Detail, &v.PrevHash, &v.Hash, &v.PatientMRN); err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		v.At = parseTime(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// AuditCheck is the result of walking the whole chain.
type AuditCheck struct {
	Entries int64
	// Problem is empty when the chain is intact; otherwise it names the
	// first entry where it breaks.
	Problem string
}

// VerifyAudit walks the chain from the first entry, recomputing each hash.
func (t *Tx) VerifyAudit() (AuditCheck, error) {
	rows, err := t.query(`SELECT seq, at, user_id, username, action, patient_id, record, workstation, detail, prev_hash, hash
		FROM audit ORDER BY seq`)
	if err != nil {
		return AuditCheck{}, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var check AuditCheck
	var prevSeq int64
	var prevHash string
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.UserID, &e.Username, &e.Action, &e.PatientID, &e.Record,
			&e.Workstation, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return check, fmt.Errorf("read audit: %w", err)
		}
		e.At, err = time.Parse(timeLayout, at)
		switch {
		case err != nil:
			check.Problem = fmt.Sprintf("entry %d has a malformed time %q", e.Seq, at)
		case e.Seq != prevSeq+1:
			check.Problem = fmt.Sprintf("entries %d to %d are missing", prevSeq+1, e.Seq-1)
		case e.PrevHash != prevHash:
			check.Problem = fmt.Sprintf("entry %d does not follow entry %d (removed, reordered or changed)", e.Seq, prevSeq)
		case e.computeHash() != e.Hash:
			check.Problem = fmt.Sprintf("entry %d was changed after it was written", e.Seq)
		}
		if check.Problem != "" {
			return check, nil
		}
		check.Entries++
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return check, fmt.Errorf("read audit: %w", err)
	}
	return check, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
