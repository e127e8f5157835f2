package db

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// The schema itself guards the record: triggers refuse to delete a
// patient, to change a signed note, to update a row without keeping its
// revision, to rewrite the audit trail. Whoever drops one with the sqlite3
// tool can change what it guarded; the audit of rows shows the change, and
// checkSchema shows the trigger gone. The schema a database must have is
// the one Folio's own migrations make, so the check builds it afresh in
// memory and compares every table, index, trigger and view, by name and
// SQL: the fingerprint of the schema is the schema.

type schemaObject struct {
	kind, name, sql string
}

// referenceSchema is the schema the first version migrations make.
func referenceSchema(ctx context.Context, version int) (map[string]schemaObject, error) {
	conn, err := sql.Open("sqlite", "file:folio-reference-schema?mode=memory")
	if err != nil {
		return nil, fmt.Errorf("build the reference schema: %w", err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1) // one connection: one in-memory database
	if version > len(migrations) {
		version = len(migrations)
	}
	if err := migrate(ctx, conn, "the reference schema", migrations[:version]); err != nil {
		return nil, err
	}
	var out map[string]schemaObject
	err = run(ctx, conn, nil, func(tx *Tx) (err error) {
		out, err = tx.schemaObjects()
		return err
	})
	return out, err
}

// schemaObjects are the database's tables, indexes, triggers and views, but
// SQLite's own and the two tables Litestream makes in a database it
// replicates (replicate.Start): they hold no chart data and guard nothing.
func (t *Tx) schemaObjects() (map[string]schemaObject, error) {
	objs, err := queryList(t, "schema", func(r scanner) (schemaObject, error) {
		var o schemaObject
		var s sql.NullString
		err := r.Scan(&o.kind, &o.name, &s)
		o.sql = s.String
		return o, err
	}, `SELECT type, name, sql FROM main.sqlite_schema
		WHERE name NOT LIKE 'sqlite_%' AND name NOT GLOB '_litestream_*'`)
	if err != nil {
		return nil, err
	}
	out := map[string]schemaObject{}
	for _, o := range objs {
		out[o.kind+" "+o.name] = o
	}
	return out, nil
}

// checkSchema compares the database's schema with the one Folio's
// migrations make at its version; it returns the problems and how many of
// Folio's triggers are in place.
func (t *Tx) checkSchema(version int) (problems []string, triggers int, err error) {
	want, err := referenceSchema(t.ctx, version)
	if err != nil {
		return nil, 0, err
	}
	have, err := t.schemaObjects()
	if err != nil {
		return nil, 0, err
	}
	for _, id := range sortedKeys(want) {
		w := want[id]
		h, ok := have[id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("Folio's %s %s is missing: it was dropped outside Folio", w.kind, w.name))
		case h.sql != w.sql:
			problems = append(problems, fmt.Sprintf("Folio's %s %s was changed outside Folio", w.kind, w.name))
		case w.kind == "trigger":
			triggers++
		}
	}
	for _, id := range sortedKeys(have) {
		if _, ok := want[id]; !ok {
			h := have[id]
			problems = append(problems, fmt.Sprintf("the %s %s is not Folio's: it was added outside Folio", h.kind, h.name))
		}
	}
	return problems, triggers, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// repairSchema puts Folio's triggers and indexes back as its migrations
// make them, and drops the triggers that are not Folio's: after an admin
// accepted a damaged trail, the record is guarded again from there on. A
// missing or changed table cannot be repaired; the check goes on saying so.
func (t *Tx) repairSchema(version int) error {
	want, err := referenceSchema(t.ctx, version)
	if err != nil {
		return err
	}
	have, err := t.schemaObjects()
	if err != nil {
		return err
	}
	var ddl []string
	for _, id := range sortedKeys(have) {
		h := have[id]
		if w, ok := want[id]; h.kind == "trigger" && (!ok || w.sql != h.sql) {
			ddl = append(ddl, "DROP TRIGGER "+quoteIdent(h.name)+";")
		}
		if w, ok := want[id]; h.kind == "index" && ok && w.sql != h.sql {
			ddl = append(ddl, "DROP INDEX "+quoteIdent(h.name)+";")
		}
	}
	for _, id := range sortedKeys(want) {
		w := want[id]
		if h, ok := have[id]; (w.kind == "trigger" || w.kind == "index") && w.sql != "" && (!ok || h.sql != w.sql) {
			ddl = append(ddl, w.sql+";")
		}
	}
	if len(ddl) == 0 {
		return nil
	}
	if _, err := t.tx.ExecContext(t.ctx, strings.Join(ddl, "\n")); err != nil {
		return fmt.Errorf("put Folio's triggers back: %w", err)
	}
	return nil
}
