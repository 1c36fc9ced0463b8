package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// The token endpoint reads the same few rows for every token. Preparing a
// statement once on the pool saves SQLite parsing and planning it per query
// (sqlite3_prepare_v2 was ~20 µs of the ~100 µs of a token's reads):
// database/sql prepares it on each connection the first time it runs there
// and keeps it. Reads elsewhere, and reads inside write transactions, pass
// the SQL text as usual.
const (
	selectTenant                  = `SELECT doc FROM tenants WHERE id = ?`
	selectApplicationByAppID      = `SELECT doc FROM applications WHERE tenant_id = ? AND app_id = ?`
	selectServicePrincipalByAppID = `SELECT doc FROM service_principals WHERE tenant_id = ? AND app_id = ?`
	selectAssignmentsByPrincipal  = `SELECT doc FROM app_role_assignments WHERE tenant_id = ? AND principal_id = ? ORDER BY id`
	selectDirectoryVersion        = `SELECT version FROM directory_version WHERE id = 1`
)

// statements are the prepared hot reads.
type statements struct {
	tenant                  *sql.Stmt
	applicationByAppID      *sql.Stmt
	servicePrincipalByAppID *sql.Stmt
	assignmentsByPrincipal  *sql.Stmt
	directoryVersion        *sql.Stmt
}

// prepare prepares every statement on db. The schema must be current.
func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&st.tenant, selectTenant},
		{&st.applicationByAppID, selectApplicationByAppID},
		{&st.servicePrincipalByAppID, selectServicePrincipalByAppID},
		{&st.assignmentsByPrincipal, selectAssignmentsByPrincipal},
		{&st.directoryVersion, selectDirectoryVersion},
	} {
		stmt, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.stmt = stmt
	}
	return nil
}

// close closes the statements that were prepared.
func (st *statements) close() {
	for _, stmt := range []*sql.Stmt{st.tenant, st.applicationByAppID, st.servicePrincipalByAppID,
		st.assignmentsByPrincipal, st.directoryVersion} {
		if stmt != nil {
			stmt.Close()
		}
	}
}
