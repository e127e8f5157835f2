package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations are numbered SQL files (0001_name.sql, ...). A released file is
// never edited: a change to the schema is a new file. PRAGMA user_version
// records how many have been applied.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrations = mustLoadMigrations()

func mustLoadMigrations() []migration {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	var steps []migration
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n != i+1 {
			panic(fmt.Sprintf("migration %s: want number %04d", base, i+1))
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			panic(err)
		}
		steps = append(steps, migration{version: n, name: base, sql: string(body)})
	}
	return steps
}

// SchemaVersion is the schema this Folio writes.
func SchemaVersion() int { return len(migrations) }

// auditRowsVersion is the schema from which audit entries record the rows
// they write (audit_rows.go).
const auditRowsVersion = 19

// migrate applies the pending steps, each in its own transaction together
// with the new user_version, so a crash leaves the file at a whole step.
func migrate(ctx context.Context, conn *sql.DB, path string, steps []migration) error {
	return migrateDB(ctx, nil, conn, path, steps)
}

// migrateDB is migrate for the database d (nil: a bare connection), whose
// key seals the baselines a step records: schema 19 records every covered
// row in force, and a later step that changes a covered table's columns
// records that table again, in the step's own transaction, since the
// hashes of its rows change with its columns; so does the step from which
// the audit covers a table made earlier (coveredTable.from), whose rows
// Folio wrote without recording them.
func migrateDB(ctx context.Context, d *DB, conn *sql.DB, path string, steps []migration) error {
	var current int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if current > len(steps) {
		return &NewerSchemaError{Path: path, FileSchema: current, KnownSchemas: len(steps)}
	}
	for _, step := range steps[current:] {
		err := d.run(ctx, conn, nil, false, func(tx *Tx) error { // nothing cached: the schema is changing
			tx.d, tx.migrating = d, true
			var before map[string]string
			if step.version > auditRowsVersion {
				var err error
				if before, err = tx.coveredColumns(); err != nil {
					return err
				}
			}
			if _, err := tx.tx.ExecContext(ctx, step.sql); err != nil { // many statements: not prepared
				return err
			}
			if step.version >= auditRowsVersion {
				if err := tx.baselineChanged(step, before); err != nil {
					return err
				}
			}
			_, err := tx.exec(fmt.Sprintf("PRAGMA user_version = %d", step.version))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s to %s: %w", step.name, path, err)
		}
	}
	return nil
}

// coveredColumns are the columns of each covered table, before a step.
func (t *Tx) coveredColumns() (map[string]string, error) {
	out := map[string]string{}
	for _, ct := range coveredTables {
		cols, err := t.coveredColumnsOf(ct)
		if err != nil {
			return nil, err
		}
		out[ct.name] = cols
	}
	return out, nil
}

// baselineChanged records the baseline a step needs: every covered table
// at schema 19; after, the tables the step begins to cover and those whose
// columns it changed.
func (t *Tx) baselineChanged(step migration, before map[string]string) error {
	covered, err := t.loadCoverage()
	if err != nil {
		return err
	}
	if step.version == auditRowsVersion {
		return t.baseline(covered, "the rows in force when the audit began to record each row it writes")
	}
	var begun, changed []*coveredTable
	for _, ct := range covered {
		if ct.from == step.version {
			begun = append(begun, ct)
			continue
		}
		cols, err := t.coveredColumnsOf(*ct)
		if err != nil {
			return err
		}
		if cols != before[ct.name] {
			changed = append(changed, ct)
		}
	}
	if len(begun) > 0 {
		if err := t.baseline(begun, fmt.Sprintf("the rows in force when %s began to cover them", step.name)); err != nil {
			return err
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return t.baseline(changed, fmt.Sprintf("the rows in force when %s changed their columns", step.name))
}

// coveredColumnsOf lists the columns of ct that the audit hashes: all, or
// those of its only list that exist.
func (t *Tx) coveredColumnsOf(ct coveredTable) (string, error) {
	cols, err := t.columnsOf(ct.name)
	if err != nil || ct.only == nil {
		return cols, err
	}
	have := map[string]bool{}
	for _, c := range strings.Split(cols, ",") {
		have[c] = true
	}
	var kept []string
	for _, c := range ct.only {
		if have[c] {
			kept = append(kept, c)
		}
	}
	return strings.Join(kept, ","), nil
}
