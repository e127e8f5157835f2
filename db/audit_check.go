package db

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// AuditReport is what checking the audit trail found: the chain, its
// seals and checkpoints, the covered rows, and the schema's triggers.
type AuditReport struct {
	AuditCheck // Entries that verified from the first; Problem: the first problem, "" if none

	// Problems lists every problem found, the one at the earliest entry
	// first, then the rows and the schema (at most maxProblems).
	Problems []string
	// Checkpoints counts the checkpoints that match the chain, the last
	// of them LastCheckpoint; Unsigned the entries after it (each sealed).
	Checkpoints    int
	LastCheckpoint *Checkpoint
	Unsigned       int64
	Sealed         bool  // entries carry seals, and they were checked
	Rows           int64 // covered rows in force compared with their last audited write
	Triggers       int   // Folio's triggers in place
	Schema         int
	// AcceptedAt is the entry where an admin, restoring a backup, accepted
	// its damaged trail (see AcceptDamagedAudit), 0 if none; Accepted is
	// the damage still found before it: recorded there, not a problem.
	AcceptedAt int64
	Accepted   []string
}

// maxProblems bounds a report: a thousand changed rows say no more than
// the first ones do.
const maxProblems = 50

// CheckOptions are what a check trusts from outside the database.
type CheckOptions struct {
	// PublicKey verifies checkpoints; nil: the key settings name.
	PublicKey ed25519.PublicKey
	// SealKey checks seals; nil leaves them unchecked (reported).
	SealKey []byte
	// Checkpoints are checkpoints kept outside the database (its
	// checkpoint file, a backup's), checked like its own.
	Checkpoints []Checkpoint
	// Source names where those come from, for problems.
	Source string
	// Older: the database may be older than some of Checkpoints (a backup
	// checked against the data folder it came from): a checkpoint beyond
	// its chain is not a cut, but BackupName's own must match.
	Older      bool
	BackupName string
	// Problems found reading them.
	Problems []string
	// rowsApart: the caller checks the rows itself, beside.
	rowsApart bool
}

// CheckAudit checks the open database's audit trail with its key and the
// checkpoint file beside it (see AuditReport).
func (d *DB) CheckAudit(ctx context.Context) (AuditReport, error) {
	if err := d.FlushCarried(ctx); err != nil {
		return AuditReport{}, err
	}
	opts := CheckOptions{Source: CheckpointFileName}
	k := d.keys.Load()
	opts.SealKey = k.sealKey()
	if k.key != nil {
		opts.PublicKey = k.public
	}
	cps, problems, err := ReadCheckpointFile(checkpointFile(d.path))
	if err != nil {
		return AuditReport{}, err
	}
	opts.Checkpoints, opts.Problems = cps, problems
	// The rows are checked beside the chain, on a second connection: each
	// reads its own snapshot, and a clinic's PC has two cores at least.
	opts.rowsApart = true
	var rows AuditReport
	rowsDone := make(chan error, 1)
	go func() {
		rowsDone <- d.View(ctx, func(tx *Tx) error {
			if !tx.sealedSchema() {
				return nil
			}
			accepted, _, err := tx.acceptedFrom()
			if err != nil {
				return err
			}
			return tx.checkRows(&rows, accepted)
		})
	}()
	var r AuditReport
	err = d.View(ctx, func(tx *Tx) (err error) {
		r, err = tx.checkAudit(opts)
		return err
	})
	if rowsErr := <-rowsDone; err == nil {
		err = rowsErr
	}
	r.Rows = rows.Rows
	for _, p := range rows.Problems {
		r.add(0, p)
	}
	if k.missing {
		r.add(0, fmt.Sprintf("the clinic's key file %s is missing: the seals of the audit trail cannot be checked, and Folio cannot sign. Put it back from beside a backup (<backup>.key)", d.keyPath()))
	}
	return r, err
}

// CheckFile checks the audit trail of the chart database file at path
// without opening it for writing (a backup before a restore). The clinic's
// key is the key file beside it (path + ".key"), or else keyFile, when
// that is the key the database names; without it, seals cannot be checked
// (a problem), and checkpoints are verified with the public key the file
// names, which proves only that they are consistent.
func CheckFile(ctx context.Context, path, keyFile string, opts CheckOptions) (AuditReport, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return AuditReport{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer conn.Close()
	var r AuditReport
	err = run(ctx, conn, nil, func(tx *Tx) (err error) {
		named := tx.settingsPublicKey()
		if legacy, ok, _ := tx.Setting(settingLegacyClinicKey); ok {
			if k, err := legacyKey(legacy, "1970-01-01T00:00:00Z"); err == nil {
				named = k.Private.Public().(ed25519.PublicKey)
			}
		}
		for _, candidate := range []string{path + ".key", keyFile} {
			k, err := readKeyFile(candidate)
			if candidate == "" || err != nil {
				continue
			}
			pub := k.Private.Public().(ed25519.PublicKey)
			if named == nil || named.Equal(pub) {
				opts.SealKey, opts.PublicKey = (&keyState{key: &k}).sealKey(), pub
				break
			}
		}
		r, err = tx.checkAudit(opts)
		return err
	})
	return r, err
}

// add records a problem at entry seq (0: not about one entry).
func (r *AuditReport) add(seq int64, problem string) {
	if len(r.Problems) >= maxProblems {
		return
	}
	r.Problems = append(r.Problems, problem)
	if r.Problem == "" {
		r.Problem = problem
	}
}

// checkAudit is the whole check in one read transaction.
func (t *Tx) checkAudit(opts CheckOptions) (AuditReport, error) {
	var r AuditReport
	if err := t.queryRow("PRAGMA user_version").Scan(&r.Schema); err != nil {
		return r, fmt.Errorf("read schema version: %w", err)
	}
	sealed := t.hasColumn("audit", "seal")
	if opts.PublicKey == nil && sealed {
		opts.PublicKey = t.settingsPublicKey()
	}
	schemaProblems, triggers, err := t.checkSchema(r.Schema)
	if err != nil {
		return r, err
	}
	r.Triggers = triggers

	// The chain, and every checkpoint against it.
	dbCheckpoints, err := t.Checkpoints()
	if err != nil {
		return r, err
	}
	accepted, checkpointsBefore, err := t.acceptedFrom()
	if err != nil {
		return r, err
	}
	if accepted > 0 {
		kept := dbCheckpoints[:0]
		for _, c := range dbCheckpoints {
			if c.ID > checkpointsBefore {
				kept = append(kept, c)
			}
		}
		dbCheckpoints = kept
	}
	type sourced struct {
		Checkpoint
		source string
	}
	var cps []sourced
	seen := map[string]bool{}
	for _, c := range dbCheckpoints {
		seen[c.Line()] = true
		cps = append(cps, sourced{c, "the database"})
	}
	for _, c := range opts.Checkpoints {
		if !seen[c.Line()] {
			seen[c.Line()] = true
			cps = append(cps, sourced{c, opts.Source})
		}
	}
	r.AcceptedAt = accepted
	if accepted > 0 {
		before, err := t.walkChain(1, opts.SealKey, nil)
		if err != nil {
			return r, err
		}
		if before.problem != "" && before.problemSeq < accepted {
			r.Accepted = append(r.Accepted, before.problem)
		}
		kept := cps[:0]
		for _, c := range cps {
			if c.Entries >= accepted {
				kept = append(kept, c)
			}
		}
		cps = kept
	}
	want := map[int64]bool{}
	for _, c := range cps {
		want[c.Entries] = true
	}
	walk, err := t.walkChain(max(1, accepted), opts.SealKey, want)
	if err != nil {
		return r, err
	}
	r.Entries = walk.good + max(0, accepted-1)
	type found struct {
		seq     int64
		problem string
	}
	var chain []found
	if walk.problem != "" {
		chain = append(chain, found{walk.problemSeq, walk.problem})
	}
	if walk.orphans != "" {
		chain = append(chain, found{walk.orphanSeq, walk.orphans})
	}
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].Entries < cps[j].Entries })
	var lastGood *Checkpoint
	for i := range cps {
		c := cps[i]
		when := c.At.Local().Format("2006-01-02 15:04")
		switch {
		case opts.PublicKey == nil:
			chain = append(chain, found{c.Entries, fmt.Sprintf("the checkpoint of %s in %s cannot be verified: the clinic's public key is unknown", when, c.source)})
			continue
		case !c.SignedBy(opts.PublicKey) && opts.Older && c.source != "the database":
			continue // another clinic's, in the folder a backup is restored into
		case !c.SignedBy(opts.PublicKey):
			chain = append(chain, found{c.Entries, fmt.Sprintf("the checkpoint of %s in %s (entry %d) is not signed by the clinic's key: it was made or changed outside Folio", when, c.source, c.Entries)})
			continue
		case walk.problem != "" && c.Entries >= walk.problemSeq:
			continue // the chain is broken before: nothing to compare with
		case c.Entries > walk.headSeq:
			if opts.Older && !strings.HasSuffix(c.Reason, " "+opts.BackupName) {
				continue
			}
			chain = append(chain, found{walk.headSeq + 1, fmt.Sprintf(
				"entries %d to %d are missing: the audit trail ends at entry %d, but Folio signed %d entries on %s (%s, kept in %s). The trail was cut short",
				walk.headSeq+1, c.Entries, walk.headSeq, c.Entries, when, c.Reason, c.source)})
			continue
		case walk.hashAt[c.Entries] != c.Head:
			after := "the first entry"
			if lastGood != nil {
				after = fmt.Sprintf("entry %d (signed on %s)", lastGood.Entries, lastGood.At.Local().Format("2006-01-02 15:04"))
			}
			chain = append(chain, found{c.Entries, fmt.Sprintf(
				"entry %d no longer matches the checkpoint of %s (%s, kept in %s): the entries after %s up to entry %d were rewritten",
				c.Entries, when, c.Reason, c.source, after, c.Entries)})
			continue
		case opts.Older && opts.BackupName != "" && strings.HasSuffix(c.Reason, " "+opts.BackupName) && c.Entries != walk.headSeq:
			chain = append(chain, found{c.Entries + 1, fmt.Sprintf(
				"entries after %d were added to the backup after it was made: Folio signed it with %d entries on %s", c.Entries, c.Entries, when)})
			continue
		}
		r.Checkpoints++
		cp := c.Checkpoint
		lastGood = &cp
	}
	sort.SliceStable(chain, func(i, j int) bool { return chain[i].seq < chain[j].seq })
	for _, f := range chain {
		r.add(f.seq, f.problem)
	}
	for _, p := range opts.Problems {
		r.add(0, p)
	}
	if lastGood != nil {
		r.LastCheckpoint = lastGood
		r.Unsigned = walk.headSeq - lastGood.Entries
	} else {
		r.Unsigned = walk.headSeq
	}
	r.Sealed = walk.sealedFrom > 0 && walk.unchecked == 0
	if walk.unchecked > 0 {
		r.add(0, fmt.Sprintf("the seals of %d entries cannot be checked without the clinic's key file", walk.unchecked))
	}
	if sealed && walk.headSeq > 0 && len(cps) == 0 && r.Schema >= auditRowsVersion && walk.sealedFrom > 0 {
		r.add(0, "no checkpoint of the audit trail was found, though Folio signs one at every start, close and backup")
	}

	if sealed && !opts.rowsApart {
		if err := t.checkRows(&r, accepted); err != nil {
			return r, err
		}
	}
	for _, p := range schemaProblems {
		r.add(0, p)
	}
	return r, nil
}

func (t *Tx) settingsPublicKey() ed25519.PublicKey {
	v, ok, err := t.Setting(settingClinicPublicKey)
	if err != nil || !ok {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil
	}
	return raw
}

// lastWrite is the version of a row its last audited write recorded.
type lastWrite struct {
	seq int64
	rowVersion
}

// checkRows compares every covered row in force with its last audited
// write, and reports the rows Folio found changed before writing them.
func (t *Tx) checkRows(r *AuditReport, accepted int64) error {
	covered, err := t.loadCoverage()
	if err != nil {
		return err
	}
	for _, ct := range covered {
		latest, err := t.latestWrites(ct.name)
		if err != nil {
			return err
		}
		err = t.scanCovered(ct, func(key string, v rowVersion) error {
			r.Rows++
			last, ok := latest[key]
			delete(latest, key)
			switch {
			case !ok:
				r.add(0, fmt.Sprintf("%s: a record that Folio never wrote; it was added outside Folio", t.recordName(ct, key, true)))
			case len(last.hash) == 0:
				r.add(0, fmt.Sprintf("%s: Folio deleted this record (entry %d), but it is there again: it was put back outside Folio", t.recordName(ct, key, true), last.seq))
			case !bytes.Equal(last.hash, v.hash):
				var was []byte
				if err := t.queryRow(`SELECT fields FROM audit_rows WHERE seq = ? AND tbl = ? AND row_key = ?`,
					last.seq, ct.name, key).Scan(&was); err != nil {
					return fmt.Errorf("read the audit's rows: %w", err)
				}
				r.add(0, fmt.Sprintf("%s: %s changed outside Folio since its last audited write (entry %d)",
					t.recordName(ct, key, true), changedFields(ct.cols, was, v.fields), last.seq))
			}
			return nil
		})
		if err != nil {
			return err
		}
		keys := sortedKeys(latest)
		for _, key := range keys {
			if last := latest[key]; len(last.hash) > 0 && last.seq >= accepted {
				r.add(0, fmt.Sprintf("%s: removed outside Folio (its last audited write is entry %d)", t.recordName(ct, key, false), last.seq))
			}
		}
	}
	return t.checkFound(r, covered, accepted)
}

// latestWrites maps each row key of a table to its last audited write.
func (t *Tx) latestWrites(table string) (map[string]lastWrite, error) {
	rows, err := t.query(`SELECT row_key, seq, hash FROM audit_rows INDEXED BY audit_rows_latest WHERE tbl = ? ORDER BY row_key, seq`, table)
	if err != nil {
		return nil, fmt.Errorf("read the audit's rows: %w", err)
	}
	defer rows.Close()
	out := map[string]lastWrite{}
	for rows.Next() {
		var key string
		var w lastWrite
		if err := rows.Scan(&key, &w.seq, &w.hash); err != nil {
			return nil, fmt.Errorf("read the audit's rows: %w", err)
		}
		out[key] = w
	}
	return out, rows.Err()
}

// checkFound reports the rows Folio found changed outside it when it came
// to write them: the write that followed does not make the change Folio's.
func (t *Tx) checkFound(r *AuditReport, covered []*coveredTable, accepted int64) error {
	type foundRow struct {
		seq        int64
		table, key string
		fields     []byte
	}
	found, err := queryList(t, "rows found changed", func(s scanner) (foundRow, error) {
		var f foundRow
		return f, s.Scan(&f.seq, &f.table, &f.key, &f.fields)
	}, `SELECT seq, tbl, row_key, found_fields FROM audit_rows WHERE length(found_hash) > 0 AND seq >= ? ORDER BY seq`, accepted)
	if err != nil {
		return err
	}
	byName := map[string]*coveredTable{}
	for _, ct := range covered {
		byName[ct.name] = ct
	}
	for _, f := range found {
		ct := byName[f.table]
		if ct == nil {
			continue
		}
		var before []byte
		err := t.queryRow(`SELECT fields FROM audit_rows WHERE tbl = ? AND row_key = ? AND seq < ? ORDER BY seq DESC LIMIT 1`,
			f.table, f.key, f.seq).Scan(&before)
		what := "it"
		switch {
		case isNoRows(err):
			what = "a record Folio never wrote"
		case err != nil:
			return fmt.Errorf("read the audit's rows: %w", err)
		default:
			what = changedFields(ct.cols, before, f.fields)
		}
		r.add(0, fmt.Sprintf("%s: %s had been changed outside Folio when entry %d wrote it again", t.recordName(ct, f.key, true), what, f.seq))
	}
	return nil
}

// changedFields names the columns whose checksums differ.
func changedFields(cols []string, was, is []byte) string {
	if len(was) != len(is) || len(is) != 2*len(cols) {
		return "its columns"
	}
	var names []string
	for i, c := range cols {
		if !bytes.Equal(was[2*i:2*i+2], is[2*i:2*i+2]) {
			names = append(names, c)
		}
	}
	switch len(names) {
	case 0:
		return "a field"
	case 1:
		return "the field " + names[0]
	}
	return "the fields " + strings.Join(names, ", ")
}

// recordName names a covered row for people: its table and key, its label
// (a patient's MRN, a user's name) and, for a row of a patient's chart,
// the patient's MRN.
func (t *Tx) recordName(ct *coveredTable, key string, present bool) string {
	name := fmt.Sprintf("table %s, record %s", ct.name, key)
	if !present {
		return name
	}
	vals := make([]any, len(ct.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := t.tx.QueryRowContext(t.ctx, ct.rowSQL(), key).Scan(ptrs...); err != nil {
		return name
	}
	for i, c := range ct.cols {
		switch {
		case c == ct.label && ct.label != "" && ct.label != ct.pk[0]:
			name += fmt.Sprintf(" (%s %v)", c, vals[i])
		case c == "patient_id" && ct.name != "patients":
			if id, ok := vals[i].(string); ok && id != "" {
				var mrn string
				if err := t.queryRow(`SELECT mrn FROM patients WHERE id = ?`, id).Scan(&mrn); err == nil {
					name += fmt.Sprintf(" (patient MRN %s)", mrn)
				}
			}
		case c == "encounter_id" && !slices.Contains(ct.cols, "patient_id"):
			if id, ok := vals[i].(string); ok && id != "" {
				var mrn string
				err := t.queryRow(`SELECT p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?`, id).Scan(&mrn)
				if err == nil {
					name += fmt.Sprintf(" (patient MRN %s)", mrn)
				}
			}
		}
	}
	return name
}

// actionAcceptDamage is the entry with which an admin, restoring a backup
// whose audit trail does not verify, accepts it as it is and starts the
// trail afresh from there (AcceptDamagedAudit).
const actionAcceptDamage = "audit.accept_damage"

// acceptedFrom is the last entry accepting a damaged trail, or 0, and the
// last checkpoint kept before it (checkpoints up to it signed the damaged
// trail, and are not compared any more). The check verifies strictly from
// that entry on, and reports the damage before it as accepted; a forged
// acceptance has no valid seal.
func (t *Tx) acceptedFrom() (seq, checkpointsBefore int64, err error) {
	err = t.queryRow(`SELECT seq FROM audit WHERE action = ? ORDER BY seq DESC LIMIT 1`, actionAcceptDamage).Scan(&seq)
	if isNoRows(err) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read audit: %w", err)
	}
	v, _, err := t.Setting(settingAcceptedCheckpoints)
	if err != nil {
		return 0, 0, err
	}
	checkpointsBefore, _ = strconv.ParseInt(v, 10, 64)
	return seq, checkpointsBefore, nil
}

// settingAcceptedCheckpoints is the last checkpoint kept when a damaged
// trail was accepted.
const settingAcceptedCheckpoints = "audit.accepted_after_checkpoint"

// AcceptDamagedAudit appends e (its Action set to audit.accept_damage)
// with a baseline of every covered row as it is now: from this entry on the
// trail is checked strictly again, and the damage before it, named in e's
// detail, is reported as accepted rather than as a problem.
func (t *Tx) AcceptDamagedAudit(e AuditEntry) error {
	if t.d == nil || !t.d.sealed {
		return fmt.Errorf("accept a damaged audit trail: the database is not open at schema %d", auditRowsVersion)
	}
	if err := t.flushAudit(); err != nil {
		return err
	}
	if err := t.ensureKey(e.At); err != nil {
		return err
	}
	var version int
	if err := t.queryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	head, _, err := t.chainHead()
	if err != nil {
		return err
	}
	// Rows recorded for entries that are gone (a trail cut short) would be
	// taken for the next entries': the admin accepted their loss.
	if _, err := t.tx.ExecContext(t.ctx, `DROP TRIGGER IF EXISTS audit_rows_no_delete;
		DELETE FROM audit_rows WHERE seq > ?;`, head); err != nil {
		return fmt.Errorf("accept a damaged audit trail: %w", err)
	}
	if err := t.repairSchema(version); err != nil { // puts the trigger back too
		return err
	}
	var lastCheckpoint int64
	if err := t.queryRow(`SELECT coalesce(max(id), 0) FROM audit_checkpoints`).Scan(&lastCheckpoint); err != nil {
		return fmt.Errorf("read audit checkpoints: %w", err)
	}
	if err := t.SetSetting(settingAcceptedCheckpoints, strconv.FormatInt(lastCheckpoint, 10)); err != nil {
		return err
	}
	if _, err := t.capturedRows(); err != nil { // the baseline covers them
		return err
	}
	t.setCarried(nil)
	seq := head + 1
	for _, ct := range t.d.covered {
		err := t.scanCovered(ct, func(key string, v rowVersion) error {
			return t.insertRow(seq, rowRecord{table: ct.name, key: key, rowVersion: v})
		})
		if err != nil {
			return err
		}
	}
	digest, err := t.rowsDigestOf(seq)
	if err != nil {
		return err
	}
	e.Action = actionAcceptDamage
	t.wroteEntry = true
	return t.appendEntryDigest(e, digest)
}
