package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func grantPrincipalKey(g *directory.PermissionGrant) string {
	if g.ConsentType == directory.ConsentAllPrincipals {
		return ""
	}
	return g.PrincipalID
}

// CreatePermissionGrant stores a delegated permission grant; (client,
// consent type, principal, resource) is unique.
func (s *Store) CreatePermissionGrant(ctx context.Context, g *directory.PermissionGrant) error {
	err := s.insert(ctx, directoryData, `INSERT INTO permission_grants (tenant_id, id, client_id, consent_type, principal_key, resource_id, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, g, g.TenantID, g.ID, g.ClientID, g.ConsentType, grantPrincipalKey(g), g.ResourceID)
	if err != nil {
		return fmt.Errorf("create permission grant %s: %w", g.ID, err)
	}
	return nil
}

// GetPermissionGrant returns a grant by id.
func (s *Store) GetPermissionGrant(ctx context.Context, tenantID, id string) (*directory.PermissionGrant, error) {
	g, err := getDoc[directory.PermissionGrant](ctx, s.db, `SELECT doc FROM permission_grants WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get permission grant %s: %w", id, err)
	}
	return g, nil
}

// ListPermissionGrants lists the grants that match f, oldest first.
func (s *Store) ListPermissionGrants(ctx context.Context, tenantID string, f store.PermissionGrantFilter) ([]*directory.PermissionGrant, error) {
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	for _, c := range []struct{ col, v string }{{"client_id", f.ClientID}, {"resource_id", f.ResourceID},
		{"consent_type", f.ConsentType}, {"principal_key", f.PrincipalID}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	gs, err := listDocs[directory.PermissionGrant](ctx, s.db,
		`SELECT doc FROM permission_grants WHERE `+strings.Join(where, " AND ")+` ORDER BY rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("list permission grants: %w", err)
	}
	return gs, nil
}

// UpdatePermissionGrant applies fn to a grant atomically.
func (s *Store) UpdatePermissionGrant(ctx context.Context, tenantID, id string, fn func(*directory.PermissionGrant) error) (*directory.PermissionGrant, error) {
	return updateDoc(ctx, s, directoryData, "update permission grant "+id,
		`SELECT doc FROM permission_grants WHERE tenant_id = ? AND id = ?`, []any{tenantID, id},
		func(g *directory.PermissionGrant) rowKey { return rowKey{g.TenantID, g.ID} }, fn,
		func(tx *sql.Tx, g *directory.PermissionGrant, doc string) error {
			_, err := tx.ExecContext(ctx, `UPDATE permission_grants SET client_id = ?, consent_type = ?, principal_key = ?, resource_id = ?, doc = ?
				WHERE tenant_id = ? AND id = ?`, g.ClientID, g.ConsentType, grantPrincipalKey(g), g.ResourceID, doc, tenantID, id)
			return err
		})
}

// DeletePermissionGrant deletes a grant.
func (s *Store) DeletePermissionGrant(ctx context.Context, tenantID, id string) error {
	if err := s.deleteOne(ctx, directoryData, `DELETE FROM permission_grants WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return fmt.Errorf("delete permission grant %s: %w", id, err)
	}
	return nil
}
