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

// migrate applies the pending steps, each in its own transaction together
// with the new user_version, so a crash leaves the file at a whole step.
func migrate(ctx context.Context, conn *sql.DB, path string, steps []migration) error {
	var current int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if current > len(steps) {
		return &NewerSchemaError{Path: path, FileSchema: current, KnownSchemas: len(steps)}
	}
	for _, step := range steps[current:] {
		err := run(ctx, conn, nil, func(tx *Tx) error { // nothing cached: the schema is changing
			if _, err := tx.tx.ExecContext(ctx, step.sql); err != nil { // many statements: not prepared
				return err
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
