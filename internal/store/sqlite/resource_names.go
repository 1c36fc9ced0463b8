package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// syncResourceNames rewrites the resource_names rows of one appId from its
// application's identifierUris and its service principal's
// servicePrincipalNames, as they stand inside tx. A name another appId
// owns fails the write with store.ErrResourceNameTaken: the primary key
// (tenant, name) decides, so two transactions racing for one name cannot
// both win.
func syncResourceNames(ctx context.Context, tx *sql.Tx, tenantID, appID string) error {
	if appID == "" {
		return nil
	}
	names := map[string]bool{}
	app, err := getDoc[directory.Application](ctx, tx, `SELECT doc FROM applications WHERE tenant_id = ? AND app_id = ?`, tenantID, appID)
	switch {
	case err == nil:
		for _, u := range app.IdentifierURIs {
			names[directory.NormalizeResourceName(u)] = true
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	sp, err := getDoc[directory.ServicePrincipal](ctx, tx, `SELECT doc FROM service_principals WHERE tenant_id = ? AND app_id = ?`, tenantID, appID)
	switch {
	case err == nil:
		for _, n := range sp.ServicePrincipalNames {
			names[directory.NormalizeResourceName(n)] = true
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	delete(names, "")
	if _, err := tx.ExecContext(ctx, `DELETE FROM resource_names WHERE tenant_id = ? AND app_id = ?`, tenantID, appID); err != nil {
		return err
	}
	for name := range names {
		_, err := tx.ExecContext(ctx, `INSERT INTO resource_names (tenant_id, name, app_id) VALUES (?, ?, ?)`, tenantID, name, appID)
		if errors.Is(conflict(err), store.ErrConflict) {
			return fmt.Errorf("%q: %w", name, store.ErrResourceNameTaken)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ResourceOwner returns the appId owning a resource name.
func (s *Store) ResourceOwner(ctx context.Context, tenantID, name string) (string, error) {
	var appID string
	err := s.db.QueryRowContext(ctx, `SELECT app_id FROM resource_names WHERE tenant_id = ? AND name = ?`,
		tenantID, directory.NormalizeResourceName(name)).Scan(&appID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("resource name %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("resource name %q: %w", name, err)
	}
	return appID, nil
}
