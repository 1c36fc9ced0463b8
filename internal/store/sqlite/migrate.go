package sqlite

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
)

// migrations is the schema history, oldest first: migrations[i] is schema
// version i+1. Append only; never edit a migration that has shipped.
var migrations = []string{
	migration0001,
	migration0002,
	migration0003,
	migration0004,
	migration0005,
	migration0006,
}

//go:embed migrations/0001_init.sql
var migration0001 string

//go:embed migrations/0002_extensions_policies.sql
var migration0002 string

//go:embed migrations/0003_directory_version.sql
var migration0003 string

//go:embed migrations/0004_portal.sql
var migration0004 string

//go:embed migrations/0005_audit.sql
var migration0005 string

//go:embed migrations/0006_authorization.sql
var migration0006 string

// migrate brings the schema up to date. Each migration runs in its own write
// transaction together with its schema_migrations row, so a failed
// migration leaves nothing behind and two processes opening the same file
// cannot both apply one.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	// A newer build has written documents and tables this one does not know.
	if current > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this build supports (%d)", current, len(migrations))
	}
	for i, m := range migrations {
		version := i + 1
		err := s.write(ctx, otherData, func(tx *sql.Tx) error {
			var applied int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&applied); err != nil {
				return err
			}
			if applied > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, s.now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %d: %w", version, err)
		}
	}
	return nil
}
