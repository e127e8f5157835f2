package db

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// Each audit entry for a write records the hash of every row version it
// wrote (audit_rows), and the entry's hash covers them (AuditEntry.RowsHash).
// `folio check` then compares every covered row in force with the version
// its last audited write recorded: a row changed, added or removed outside
// Folio (with the sqlite3 tool, after dropping a trigger) no longer matches,
// and the check names the table, the record and the field.
//
// How the rows are caught without touching the code that writes them: on
// Folio's own writer connection, TEMP triggers (which live in that
// connection only, are not in the database file, and so neither fire for
// another program nor can be dropped in the file) call back into Go with
// the key of every row a statement inserts, updates or deletes, and with
// the row as it was before an update or delete. When the transaction's
// audit entry is written, each row caught is read back as stored and
// hashed, in that transaction.
//
// The row as it was before Folio's update is compared with the version
// last recorded, too: a row changed outside Folio and then corrected in
// Folio is recorded as found changed (found_hash), so a later write cannot
// launder the change.
//
// Rows in force before schema 19 are covered by a baseline: the migration
// records every covered row as it was then, in one entry, which the first
// checkpoint signs. A later migration that changes a covered table's
// columns records that table's baseline again, and so does the step from
// which the audit covers a table made earlier (see migrate).

// coveredTable is a table whose rows the audit covers.
type coveredTable struct {
	name string
	// only lists the columns covered, when not all are: of users, the
	// account itself (name, role, status, password), not the sign-in
	// counters that every sign-in changes.
	only []string
	// skip leaves rows out, as a condition on %[1]s, the row: settings
	// that Folio derives again by itself.
	skip string
	// label names a record for people, beside its key.
	label string
	// since is the schema step that made the table, when after schema 19:
	// while older steps run it does not exist yet.
	since int
	// from is the schema step from which the audit covers the table, when
	// later than since: a clinic's rows written before it were never
	// recorded, so that step records them as a baseline.
	from int

	// From the schema, at open.
	cols []string // the columns hashed, in order
	pk   []string
}

// coveredTables are the clinical record and what decides who may see it:
// every table but those of uncoveredTables. A new table goes in one list
// or the other (TestEveryTableIsCoveredOrSaysWhyNot).
var coveredTables = []coveredTable{
	{name: "settings", skip: "%[1]s.key LIKE 'search.%%'", label: "key"},
	{name: "users", only: []string{"id", "username", "full_name", "role", "active", "password_hash", "licence_number", "created_at"}, label: "username"},
	{name: "patients", label: "mrn"},
	{name: "patient_photos"},
	{name: "patient_identifiers"},
	{name: "patient_merges"},
	{name: "patient_external_ids"},
	{name: "revisions"},
	{name: "appointment_types", label: "name"},
	{name: "clinic_hours"},
	{name: "clinician_availability"},
	{name: "appointments"},
	{name: "encounters"},
	{name: "notes"},
	{name: "note_addenda"},
	{name: "note_templates", label: "name"},
	{name: "quick_phrases"},
	{name: "problems"},
	{name: "allergies"},
	{name: "no_known_allergies"},
	{name: "vitals"},
	{name: "medications"},
	{name: "alert_overrides"},
	{name: "immunizations"},
	{name: "lab_orders"},
	{name: "lab_results"},
	{name: "documents"},
	{name: "document_contents"},
	{name: "encounter_diagnoses"},
	{name: "imports"},
	{name: "import_items"},
	{name: "disclosures"},
	{name: "codings"},
	// Which computers may reach the chart; not when one was last seen, which
	// the host notes as it serves, unaudited.
	{name: "workstations", only: []string{"id", "name", "public_key", "status", "cert_serial", "certificate", "first_seen",
		"approved_by", "approved_at", "ended_by", "ended_at", "ended_reason", "version"}, label: "name", since: 20},
	// Care records, the desk's outreach and the clinicians' reminders
	// (schemas 24, 25), covered from schema 33.
	{name: "care_records", since: 24, from: 33},
	{name: "care_outreach", since: 24, from: 33},
	{name: "care_reminders", since: 25, from: 33},
	// Home readings and remote monitoring (schema 28), covered from schema
	// 33. A device token's last use is written with the gateway's audited
	// post of readings, so it is covered like the rest of the token.
	{name: "reading_imports", since: 28, from: 33},
	{name: "home_readings", since: 28, from: 33},
	{name: "reading_formats", label: "name", since: 28, from: 33},
	{name: "device_tokens", label: "label", since: 28, from: 33},
	{name: "rpm_enrolments", since: 28, from: 33},
	{name: "reading_reviews", since: 28, from: 33},
	{name: "telehealth_consents", since: 29, from: 33},
	{name: "visit_instructions", since: 30},
}

// uncoveredTables are the tables the audit of rows leaves out, each with
// why: the audit trail itself, and what Folio makes again from covered
// rows, which it rewrites freely. The schema check still covers their
// definitions like every other table's (schema_check.go).
var uncoveredTables = map[string]string{
	"audit":                "the trail itself: each entry's hash chains it, its seal and the checkpoints sign it",
	"audit_rows":           "the trail's row versions: each entry's hash covers its own",
	"audit_checkpoints":    "the trail's signed heads, checked against the chain and folio.checkpoints",
	"patient_search":       "the search index (FTS5, its shadow tables with it), kept by Folio from the patients",
	"name_keys":            "the typo-tolerant search's vocabulary, kept by Folio from the patients' names (schema 4)",
	"request_ids":          "keeps a write sent again from being made twice; pruned after a day (schema 21)",
	"call_list":            "the no-shows to rebook, kept from the appointments by triggers (schema 23)",
	"care_due":             "the due list, made again from the charts by the care rules (schema 24)",
	"quality_patient":      "where each patient stands on each measure, made again from the charts (schema 27)",
	"quality_month":        "the quality trend's counts, summed daily from quality_patient (schema 27)",
	"readings_to_review":   "the Readings to review list, made again from readings, enrolments and reviews (schema 31)",
	"home_reading_months":  "the chart's months of home readings, made again from the readings whenever their counts differ (schema 32)",
	"home_reading_changes": "how often each month of readings changed, counted by triggers on home_readings (schema 32)",
}

// loadCoverage reads the covered tables' columns and keys from the schema.
func (t *Tx) loadCoverage() ([]*coveredTable, error) {
	var out []*coveredTable
	for _, spec := range coveredTables {
		ct := spec
		type col struct {
			name string
			pk   int
		}
		cols, err := queryList(t, "columns of "+ct.name, func(r scanner) (col, error) {
			var c col
			return c, r.Scan(&c.name, &c.pk)
		}, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, ct.name)
		if err != nil {
			return nil, err
		}
		if len(cols) == 0 && ct.since > 0 && t.migrating {
			continue // made by a later step
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("audit coverage: no table %s", ct.name)
		}
		pks := map[int]string{}
		have := map[string]bool{}
		for _, c := range cols {
			have[c.name] = true
			if c.pk > 0 {
				pks[c.pk] = c.name
			}
			if ct.only == nil {
				ct.cols = append(ct.cols, c.name)
			}
		}
		for _, c := range ct.only {
			if !have[c] {
				return nil, fmt.Errorf("audit coverage: no column %s.%s", ct.name, c)
			}
			ct.cols = append(ct.cols, c)
		}
		for i := 1; i <= len(pks); i++ {
			ct.pk = append(ct.pk, pks[i])
		}
		if len(ct.pk) == 0 {
			return nil, fmt.Errorf("audit coverage: table %s has no primary key", ct.name)
		}
		out = append(out, &ct)
	}
	return out, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// keyExpr is the SQL of a row's key as text: its one key column, or a
// JSON array of its key columns. ref is NEW, OLD or the quoted table.
func (ct *coveredTable) keyExpr(ref string) string {
	if len(ct.pk) == 1 {
		return fmt.Sprintf("CAST(%s.%s AS TEXT)", ref, quoteIdent(ct.pk[0]))
	}
	parts := make([]string, len(ct.pk))
	for i, c := range ct.pk {
		parts[i] = ref + "." + quoteIdent(c)
	}
	return "json_array(" + strings.Join(parts, ", ") + ")"
}

func (ct *coveredTable) colList(ref string) string {
	parts := make([]string, len(ct.cols))
	for i, c := range ct.cols {
		parts[i] = ref + "." + quoteIdent(c)
	}
	return strings.Join(parts, ", ")
}

func (ct *coveredTable) pkList(ref string) string {
	parts := make([]string, len(ct.pk))
	for i, c := range ct.pk {
		parts[i] = ref + "." + quoteIdent(c)
	}
	return strings.Join(parts, ", ")
}

func (ct *coveredTable) when(ref string) string {
	if ct.skip == "" {
		return ""
	}
	return " WHERE NOT (" + fmt.Sprintf(ct.skip, ref) + ")"
}

// hashExpr is the SQL of a row's version (see hashRow), computed by
// folio_row_hash inside SQLite: reading each column into Go costs far more
// than hashing it where it lies.
func (ct *coveredTable) hashExpr(ref string) string {
	return fmt.Sprintf("folio_row_hash('%s', %s)", strings.Join(ct.cols, ","), ct.colList(ref))
}

// readSQL reads one row's version by its key columns.
func (ct *coveredTable) readSQL() string {
	conds := make([]string, len(ct.pk))
	for i, c := range ct.pk {
		conds[i] = quoteIdent(c) + " = ?"
	}
	return fmt.Sprintf("SELECT %s FROM main.%s WHERE %s", ct.hashExpr(quoteIdent(ct.name)), quoteIdent(ct.name), strings.Join(conds, " AND "))
}

// scanSQL reads every covered row: its key and its version.
func (ct *coveredTable) scanSQL() string {
	ref := quoteIdent(ct.name)
	q := fmt.Sprintf("SELECT %s, %s FROM main.%s", ct.keyExpr(ref), ct.hashExpr(ref), ref)
	if ct.skip != "" {
		q += " WHERE NOT (" + fmt.Sprintf(ct.skip, ref) + ")"
	}
	return q
}

// rowSQL reads one row's columns by its key, to name it for people.
func (ct *coveredTable) rowSQL() string {
	ref := quoteIdent(ct.name)
	return fmt.Sprintf("SELECT %s FROM main.%s WHERE %s = ?", ct.colList(ref), ref, ct.keyExpr(ref))
}

// triggerSQL is the TEMP triggers that catch the table's writes for the
// database numbered id.
func (ct *coveredTable) triggerSQL(id int64) string {
	of := ""
	if ct.only != nil {
		quoted := make([]string, len(ct.only))
		for i, c := range ct.only {
			quoted[i] = quoteIdent(c)
		}
		of = " OF " + strings.Join(quoted, ", ")
	}
	t := quoteIdent(ct.name)
	name := func(suffix string) string { return quoteIdent("folio_capture_" + ct.name + "_" + suffix) }
	written := func(ref string, inserted int) string {
		return fmt.Sprintf("SELECT folio_written(%d, '%s', %s, %d, %s)%s;", id, ct.name, ct.keyExpr(ref), inserted, ct.pkList(ref), ct.when(ref))
	}
	found := fmt.Sprintf("SELECT folio_found(%d, '%s', %s, %s)%s;", id, ct.name, ct.keyExpr("OLD"), ct.colList("OLD"), ct.when("OLD"))
	return strings.Join([]string{
		fmt.Sprintf("CREATE TEMP TRIGGER %s AFTER INSERT ON main.%s BEGIN %s END;", name("ai"), t, written("NEW", 1)),
		fmt.Sprintf("CREATE TEMP TRIGGER %s BEFORE UPDATE%s ON main.%s BEGIN %s END;", name("bu"), of, t, found),
		fmt.Sprintf("CREATE TEMP TRIGGER %s AFTER UPDATE%s ON main.%s BEGIN %s %s END;", name("au"), of, t, written("OLD", 0), written("NEW", 0)),
		fmt.Sprintf("CREATE TEMP TRIGGER %s BEFORE DELETE ON main.%s BEGIN %s END;", name("bd"), t, found),
		fmt.Sprintf("CREATE TEMP TRIGGER %s AFTER DELETE ON main.%s BEGIN %s END;", name("ad"), t, written("OLD", 0)),
	}, "\n")
}

// rowVersion is a row's hash and, per column, two bytes of a checksum that
// name the fields that differ when the hash does.
type rowVersion struct {
	hash   []byte // SHA-256; empty: no row (deleted)
	fields []byte
}

// hashRow hashes a row's columns as SQLite holds them: each column's name,
// type and value, so that neither a value moved between columns nor a
// number stored as text hashes the same.
func hashRow(cols []string, vals []any) rowVersion {
	h := sha256.New()
	fields := make([]byte, 0, 2*len(cols))
	var buf []byte
	for i, c := range cols {
		buf = append(buf[:0], c...)
		buf = append(buf, 0)
		switch v := vals[i].(type) {
		case nil:
			buf = append(buf, 'n')
		case int64:
			buf = binary.BigEndian.AppendUint64(append(buf, 'i'), uint64(v))
		case float64:
			buf = binary.BigEndian.AppendUint64(append(buf, 'f'), math.Float64bits(v))
		case string:
			buf = append(binary.AppendUvarint(append(buf, 's'), uint64(len(v))), v...)
		case []byte:
			buf = append(binary.AppendUvarint(append(buf, 'b'), uint64(len(v))), v...)
		case bool: // not from SQLite; kept apart all the same
			buf = append(buf, 'i', 0, 0, 0, 0, 0, 0, 0, boolByte(v))
		default:
			buf = fmt.Appendf(append(buf, '?'), "%v", v)
		}
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(buf)))])
		h.Write(buf)
		fields = binary.BigEndian.AppendUint16(fields, uint16(crc32.ChecksumIEEE(buf)))
	}
	return rowVersion{hash: h.Sum(nil), fields: fields}
}

// packVersion is a version as folio_row_hash returns it: the hash, then the
// fields' checksums.
func packVersion(v rowVersion) []byte { return append(append([]byte{}, v.hash...), v.fields...) }

// unpackVersion copies a version out of packVersion's form.
func unpackVersion(b []byte) rowVersion {
	if len(b) < sha256.Size {
		return rowVersion{}
	}
	return rowVersion{hash: bytes.Clone(b[:sha256.Size]), fields: bytes.Clone(b[sha256.Size:])}
}

// headerCols splits folio_row_hash's first argument, the column names,
// remembering each split: a check calls it with a handful of headers, a
// hundred thousand times each.
func headerCols(header string) []string {
	if cols, ok := headers.Load(header); ok {
		return cols.([]string)
	}
	cols := strings.Split(header, ",")
	headers.Store(header, cols)
	return cols
}

var headers sync.Map // string → []string; only the covered tables' column lists

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// rowRecord is one row of audit_rows: the version an entry wrote, and, if
// Folio found the row changed outside it before writing, what it found.
type rowRecord struct {
	table, key string
	rowVersion
	found rowVersion
}

func (r rowRecord) less(o rowRecord) int {
	if c := strings.Compare(r.table, o.table); c != 0 {
		return c
	}
	return strings.Compare(r.key, o.key)
}

// rowsDigest is what an entry's RowsHash is made of: its rows, in order
// of table and key.
type rowsDigest struct {
	h interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	n int
}

func newRowsDigest() *rowsDigest { return &rowsDigest{h: sha256.New()} }

func (d *rowsDigest) add(r rowRecord) {
	d.addPart(rowPart(nil, []byte(r.table), []byte(r.key), r.hash, r.fields, r.found.hash, r.found.fields))
}

func (d *rowsDigest) addPart(part []byte) {
	d.h.Write(part)
	d.n++
}

// rowPart is what one recorded row adds to its entry's digest: each field
// with its length.
func rowPart(buf []byte, fields ...[]byte) []byte {
	for _, f := range fields {
		buf = binary.AppendUvarint(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	return buf
}

func (d *rowsDigest) sum() string {
	if d.n == 0 {
		return ""
	}
	return hex.EncodeToString(d.h.Sum(nil))
}

// rowsDigestOf reads back the digest of the rows recorded for entry seq.
func (t *Tx) rowsDigestOf(seq int64) (string, error) {
	from := seq
	if seq == 1 {
		from = 0
	}
	dg, err := t.newRowsDigester(from)
	if err != nil {
		return "", err
	}
	defer dg.close()
	return dg.digestOf(seq)
}

func (t *Tx) insertRow(seq int64, r rowRecord) error {
	_, err := t.exec(`INSERT INTO audit_rows (seq, tbl, row_key, hash, fields, found_hash, found_fields) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		seq, r.table, r.key, nonNil(r.hash), nonNil(r.fields), nonNil(r.found.hash), nonNil(r.found.fields))
	if err != nil {
		return fmt.Errorf("record the rows of audit entry %d: %w", seq, err)
	}
	return nil
}

// replaceUnsealedRow records r under 0 in a database with no entry yet,
// in place of the version an earlier migration recorded there: a later
// step that changes a table's columns (schema 29's appointment types) makes
// its rows anew, and no entry's digest covers the rows under 0 until the
// first entry is written. (The append-only triggers do not fire: SQLite
// deletes the replaced row without running delete triggers unless
// recursive_triggers is on, which Folio never turns on.)
func (t *Tx) replaceUnsealedRow(r rowRecord) error {
	_, err := t.exec(`INSERT OR REPLACE INTO audit_rows (seq, tbl, row_key, hash, fields, found_hash, found_fields)
		VALUES (0, ?, ?, ?, ?, ?, ?)`,
		r.table, r.key, nonNil(r.hash), nonNil(r.fields), nonNil(r.found.hash), nonNil(r.found.fields))
	if err != nil {
		return fmt.Errorf("record the rows of a new database: %w", err)
	}
	return nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// rowsDigester reads audit_rows in entry order beside a walk of the chain.
// SQLite makes each row's part of the digest (folio_row_part): reading the
// fields one by one into Go would cost the check most of its time.
type rowsDigester struct {
	rows     *sql.Rows
	peeked   bool
	peekSeq  int64
	peekPart []byte
}

func (t *Tx) newRowsDigester(from int64) (*rowsDigester, error) {
	rows, err := t.query(`SELECT seq, folio_row_part(tbl, row_key, hash, fields, found_hash, found_fields) FROM audit_rows
		WHERE seq >= ? ORDER BY seq, tbl, row_key`, from)
	if err != nil {
		return nil, fmt.Errorf("read audit rows: %w", err)
	}
	return &rowsDigester{rows: rows}, nil
}

func (d *rowsDigester) peek() (bool, error) {
	if d.peeked {
		return true, nil
	}
	if !d.rows.Next() {
		return false, d.rows.Err()
	}
	if err := d.rows.Scan(&d.peekSeq, &d.peekPart); err != nil {
		return false, err
	}
	d.peeked = true
	return true, nil
}

// digestOf is the digest of the rows recorded for entry seq ("" for
// none). The first entry's digest also covers the rows recorded under 0:
// those the migrations of a new database put in before anyone wrote an
// entry. Rows of earlier entries not asked for (a gap the walk reports) are
// passed over.
func (d *rowsDigester) digestOf(seq int64) (string, error) {
	dg := newRowsDigest()
	for {
		ok, err := d.peek()
		if err != nil {
			return "", fmt.Errorf("read audit rows: %w", err)
		}
		if !ok || d.peekSeq > seq {
			return dg.sum(), nil
		}
		if d.peekSeq == seq || (seq == 1 && d.peekSeq == 0) {
			dg.addPart(d.peekPart)
		}
		d.peeked = false
	}
}

// leftover is the entry number of rows recorded after the chain's end
// (head), or -1. The rows of a new database wait under 0 for its first
// entry.
func (d *rowsDigester) leftover(head int64) (int64, error) {
	for {
		ok, err := d.peek()
		if err != nil || !ok {
			return -1, err
		}
		if d.peekSeq > head && !(head == 0 && d.peekSeq == 0) {
			return d.peekSeq, nil
		}
		d.peeked = false
	}
}

func (d *rowsDigester) close() { d.rows.Close() }

// capture holds the rows one write transaction touched, as the TEMP
// triggers report them.
type capture struct {
	mu     sync.Mutex
	gen    uint64 // the transaction catching, so that one ending late does not end the next
	active bool
	tables map[string]*coveredTable
	order  []capturedRow
	seen   map[string]bool
	found  map[string]rowVersion
}

type capturedRow struct {
	table *coveredTable
	key   string
	pk    []any
	// inserted: the transaction's first write of the row made it, so no
	// version of it was in force before.
	inserted bool
}

func rowID(table, key string) string { return table + "\x00" + key }

func (c *capture) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.active = true
	c.order, c.seen, c.found = nil, map[string]bool{}, map[string]rowVersion{}
	return c.gen
}

func (c *capture) end(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // the next transaction has begun
	}
	c.active = false
	c.order, c.seen, c.found = nil, nil, nil
}

func (c *capture) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.order) == 0
}

func (c *capture) drain() ([]capturedRow, map[string]rowVersion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	order, found := c.order, c.found
	c.order, c.seen, c.found = nil, map[string]bool{}, map[string]rowVersion{}
	return order, found
}

func (c *capture) written(table, key string, inserted bool, pk []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct := c.tables[table]
	id := rowID(table, key)
	if !c.active || ct == nil || c.seen[id] {
		return
	}
	c.seen[id] = true
	_, found := c.found[id]
	c.order = append(c.order, capturedRow{table: ct, key: key, pk: pk, inserted: inserted && !found})
}

func (c *capture) wasFound(table, key string, vals []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct := c.tables[table]
	id := rowID(table, key)
	if !c.active || ct == nil {
		return
	}
	if _, ok := c.found[id]; ok {
		return // the version before this transaction's first change is the one to compare
	}
	c.found[id] = hashRow(ct.cols, vals)
}

// The TEMP triggers call these SQL functions, which SQLite's driver only
// lets a program register for every connection it opens: so the functions
// look up the open database by the number its triggers pass. This registry
// is the one piece of package state, and holds only open databases.
var (
	captures      sync.Map // int64 → *capture
	lastCaptureID atomic.Int64
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("folio_row_hash", -1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if len(args) < 1 {
			return nil, fmt.Errorf("folio_row_hash: no columns")
		}
		header, _ := args[0].(string)
		cols := headerCols(header)
		if len(cols) != len(args)-1 {
			return nil, fmt.Errorf("folio_row_hash: %d columns named, %d given", len(cols), len(args)-1)
		}
		vals := make([]any, len(cols))
		for i, v := range args[1:] {
			vals[i] = v
		}
		return packVersion(hashRow(cols, vals)), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("folio_row_part", 6, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		fields := make([][]byte, len(args))
		for i, a := range args {
			switch v := a.(type) {
			case []byte:
				fields[i] = v
			case string:
				fields[i] = []byte(v)
			}
		}
		return rowPart(nil, fields...), nil
	})
	sqlite.MustRegisterScalarFunction("folio_written", -1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if c, table, key, ok := captureArgs(args); ok && len(args) > 4 {
			inserted, _ := args[3].(int64)
			c.written(table, key, inserted == 1, copyValues(args[4:]))
		}
		return nil, nil
	})
	sqlite.MustRegisterScalarFunction("folio_found", -1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if c, table, key, ok := captureArgs(args); ok {
			c.wasFound(table, key, copyValues(args[3:]))
		}
		return nil, nil
	})
}

func captureArgs(args []driver.Value) (*capture, string, string, bool) {
	if len(args) < 3 {
		return nil, "", "", false
	}
	id, _ := args[0].(int64)
	v, ok := captures.Load(id)
	if !ok {
		return nil, "", "", false
	}
	table, _ := args[1].(string)
	key, _ := args[2].(string)
	return v.(*capture), table, key, true
}

func copyValues(vals []driver.Value) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			v = bytes.Clone(b)
		}
		out[i] = v
	}
	return out
}

// installCapture creates the TEMP triggers on the writer connection, in
// the transaction tx, unless that connection has them already (database/sql
// may have opened it anew).
func (t *Tx) installCapture() error {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE 'folio_capture_%'`).Scan(&n); err != nil {
		return fmt.Errorf("check audit capture: %w", err)
	}
	if n == 5*len(t.d.covered) {
		return nil
	}
	var ddl []string
	for _, ct := range t.d.covered {
		for _, suffix := range []string{"ai", "bu", "au", "bd", "ad"} {
			ddl = append(ddl, "DROP TRIGGER IF EXISTS temp."+quoteIdent("folio_capture_"+ct.name+"_"+suffix)+";")
		}
		ddl = append(ddl, ct.triggerSQL(t.d.captureID))
	}
	if _, err := t.tx.ExecContext(t.ctx, strings.Join(ddl, "\n")); err != nil {
		return fmt.Errorf("install audit capture: %w", err)
	}
	return nil
}

// capturedRows reads back, as stored, the rows caught since the last
// entry, and returns the ones whose version differs from the one last
// recorded (or that Folio found changed outside it).
func (t *Tx) capturedRows() ([]rowRecord, error) {
	caught, found := t.capture.drain()
	if len(caught) == 0 {
		return nil, nil
	}
	stored, err := t.readCaught(caught)
	if err != nil {
		return nil, err
	}
	var out []rowRecord
	for _, c := range caught {
		rec := rowRecord{table: c.table.name, key: c.key}
		cur, present := stored[rowID(c.table.name, c.key)]
		if present {
			rec.rowVersion = cur
		}
		if c.inserted {
			// New in this transaction: nothing was recorded of it, or a
			// deletion, and the new row is a change either way.
			if present {
				out = append(out, rec)
			}
			continue
		}
		last, hasLast, err := t.lastRecorded(c.table.name, c.key)
		if err != nil {
			return nil, err
		}
		if f, ok := found[rowID(c.table.name, c.key)]; ok && (!hasLast || !bytes.Equal(f.hash, last.hash)) {
			rec.found = f
		}
		changed := rec.found.hash != nil || (hasLast && !bytes.Equal(last.hash, rec.hash)) || (!hasLast && present)
		if changed {
			out = append(out, rec)
		}
	}
	return out, nil
}

// readBatch is how many rows of a single-key table readCaught reads with
// one statement: a bulk load writes thousands in a transaction.
const readBatch = 100

// readCaught reads back the versions of the rows caught, as stored; a row
// missing from the map is gone.
func (t *Tx) readCaught(caught []capturedRow) (map[string]rowVersion, error) {
	out := make(map[string]rowVersion, len(caught))
	byTable := map[*coveredTable][]capturedRow{}
	var order []*coveredTable
	for _, c := range caught {
		if _, ok := byTable[c.table]; !ok {
			order = append(order, c.table)
		}
		byTable[c.table] = append(byTable[c.table], c)
	}
	for _, ct := range order {
		rows := byTable[ct]
		for len(rows) >= readBatch && len(ct.pk) == 1 {
			args := make([]any, readBatch)
			for i := range args {
				args[i] = rows[i].pk[0]
			}
			if err := t.readBatchOf(ct, args, out); err != nil {
				return nil, err
			}
			rows = rows[readBatch:]
		}
		for _, c := range rows {
			v, present, err := t.readCovered(ct, c.pk)
			if err != nil {
				return nil, err
			}
			if present {
				out[rowID(ct.name, c.key)] = v
			}
		}
	}
	return out, nil
}

func (t *Tx) readBatchOf(ct *coveredTable, keys []any, out map[string]rowVersion) error {
	ref := quoteIdent(ct.name)
	q := fmt.Sprintf("SELECT %s, %s FROM main.%s WHERE %s IN (?%s)", ct.keyExpr(ref), ct.hashExpr(ref), ref,
		quoteIdent(ct.pk[0]), strings.Repeat(", ?", len(keys)-1))
	rows, err := t.query(q, keys...)
	if err != nil {
		return fmt.Errorf("read %s for the audit: %w", ct.name, err)
	}
	defer rows.Close()
	var key string
	var packed sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key, &packed); err != nil {
			return fmt.Errorf("read %s for the audit: %w", ct.name, err)
		}
		out[rowID(ct.name, key)] = unpackVersion(packed)
	}
	return rows.Err()
}

func (t *Tx) readCovered(ct *coveredTable, pk []any) (rowVersion, bool, error) {
	var packed []byte
	err := t.queryRow(ct.readSQL(), pk...).Scan(&packed)
	if isNoRows(err) {
		return rowVersion{}, false, nil
	}
	if err != nil {
		return rowVersion{}, false, fmt.Errorf("read %s for the audit: %w", ct.name, err)
	}
	return unpackVersion(packed), true, nil
}

// lastRecorded is the version of a row its last audited write recorded.
func (t *Tx) lastRecorded(table, key string) (rowVersion, bool, error) {
	for _, r := range t.carried() {
		if r.table == table && r.key == key {
			return r.rowVersion, true, nil
		}
	}
	var v rowVersion
	var seq int64
	err := t.queryRow(`SELECT seq, hash, fields FROM audit_rows WHERE tbl = ? AND row_key = ? ORDER BY seq DESC LIMIT 1`,
		table, key).Scan(&seq, &v.hash, &v.fields)
	if isNoRows(err) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("read the audit's rows: %w", err)
	}
	return v, true, nil
}

// describeRows names the rows of an entry Folio wrote for itself.
func describeRows(rows []rowRecord) string {
	var names []string
	for i, r := range rows {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(rows)-5))
			break
		}
		names = append(names, r.table+" "+r.key)
	}
	return "rows changed by Folio itself: " + strings.Join(names, ", ")
}

// baseline records every covered row of tables as it is now, in one entry
// (none when there are no rows): the rows in force when the audit began to
// cover rows, or when a migration changed a table's columns. In a database
// with no entry yet (a new one, whose migrations put in the defaults) the
// rows wait under 0 for the first entry, which covers them.
func (t *Tx) baseline(tables []*coveredTable, detail string) error {
	head, _, err := t.chainHead()
	if err != nil {
		return err
	}
	seq := head + 1
	if head == 0 {
		seq = 0
	} else if err := t.ensureKey(time.Now()); err != nil {
		return err
	}
	n := 0
	for _, ct := range tables {
		err := t.scanCovered(ct, func(key string, v rowVersion) error {
			n++
			r := rowRecord{table: ct.name, key: key, rowVersion: v}
			if seq == 0 {
				return t.replaceUnsealedRow(r)
			}
			return t.insertRow(seq, r)
		})
		if err != nil {
			return err
		}
	}
	if n == 0 || seq == 0 {
		return nil
	}
	digest, err := t.rowsDigestOf(seq)
	if err != nil {
		return err
	}
	names := make([]string, len(tables))
	for i, ct := range tables {
		names[i] = ct.name
	}
	e := AuditEntry{At: time.Now(), Username: "folio", Action: "audit.baseline",
		Detail: fmt.Sprintf("%s: %d rows of %s as they are now", detail, n, strings.Join(names, ", "))}
	return t.appendEntryDigest(e, digest)
}

// scanCovered calls fn with every covered row of ct: its key and its
// version.
func (t *Tx) scanCovered(ct *coveredTable, fn func(key string, v rowVersion) error) error {
	rows, err := t.tx.QueryContext(t.ctx, ct.scanSQL())
	if err != nil {
		return fmt.Errorf("read %s for the audit: %w", ct.name, err)
	}
	defer rows.Close()
	var key string
	var packed sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key, &packed); err != nil {
			return fmt.Errorf("read %s for the audit: %w", ct.name, err)
		}
		if err := fn(key, unpackVersion(packed)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s for the audit: %w", ct.name, err)
	}
	return nil
}

// columnsOf lists a table's columns, for noticing a migration that changed
// a covered table.
func (t *Tx) columnsOf(table string) (string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return "", fmt.Errorf("list columns of %s: %w", table, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		names = append(names, s)
	}
	return strings.Join(names, ","), rows.Err()
}

// AccountChangedOutside says which fields of the user's account (name,
// role, status, password) differ from its last audited write: "" when
// they match, or when this clinic's audit does not cover rows yet. Sign-in
// asks, so that `UPDATE users SET role = 'admin'` in the sqlite3 tool
// gives nobody an admin's rights until an admin has seen it.
func (t *Tx) AccountChangedOutside(userID string) (string, error) {
	if t.d == nil || t.d.capture == nil {
		return "", nil
	}
	ct := t.d.capture.tables["users"]
	if ct == nil {
		return "", nil
	}
	now, present, err := t.readCovered(ct, []any{userID})
	if err != nil || !present {
		return "", err
	}
	last, ok, err := t.lastRecorded(ct.name, userID)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "the whole account: Folio never wrote it", nil
	case bytes.Equal(last.hash, now.hash):
		return "", nil
	}
	return changedFields(ct.cols, last.fields, now.fields), nil
}
