package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func servicePrincipalKey(sp *directory.ServicePrincipal) rowKey { return rowKey{sp.TenantID, sp.ID} }

// CreateServicePrincipal stores a service principal; its id is unique in the
// tenant, and so is its appId (one instance of an app per tenant).
func (s *Store) CreateServicePrincipal(ctx context.Context, sp *directory.ServicePrincipal) error {
	doc, err := json.Marshal(sp)
	if err != nil {
		return fmt.Errorf("create service principal %s: encode document: %w", sp.ID, err)
	}
	err = s.write(ctx, directoryData, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_principals (tenant_id, id, app_id, doc) VALUES (?, ?, ?, ?)`,
			sp.TenantID, sp.ID, nullable(sp.AppID), string(doc)); err != nil {
			return conflict(err)
		}
		return syncResourceNames(ctx, tx, sp.TenantID, sp.AppID)
	})
	if err != nil {
		return fmt.Errorf("create service principal %s: %w", sp.ID, err)
	}
	return nil
}

// GetServicePrincipal returns a service principal by object id.
func (s *Store) GetServicePrincipal(ctx context.Context, tenantID, id string) (*directory.ServicePrincipal, error) {
	sp, err := getDoc[directory.ServicePrincipal](ctx, s.db,
		`SELECT doc FROM service_principals WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get service principal %s: %w", id, err)
	}
	return sp, nil
}

// GetServicePrincipalByAppID returns the tenant's service principal for an app.
func (s *Store) GetServicePrincipalByAppID(ctx context.Context, tenantID, appID string) (*directory.ServicePrincipal, error) {
	sp, err := scanDoc[directory.ServicePrincipal](s.stmts.servicePrincipalByAppID.QueryRowContext(ctx, tenantID, nullable(appID)))
	if err != nil {
		return nil, fmt.Errorf("get service principal by appId %s: %w", appID, err)
	}
	return sp, nil
}

// ListServicePrincipals returns the tenant's service principals.
func (s *Store) ListServicePrincipals(ctx context.Context, tenantID string) ([]*directory.ServicePrincipal, error) {
	sps, err := listDocs[directory.ServicePrincipal](ctx, s.db,
		`SELECT doc FROM service_principals WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list service principals: %w", err)
	}
	return sps, nil
}

// UpdateServicePrincipal applies fn to the stored service principal atomically.
func (s *Store) UpdateServicePrincipal(ctx context.Context, tenantID, id string, fn func(*directory.ServicePrincipal) error) (*directory.ServicePrincipal, error) {
	return updateDoc(ctx, s, directoryData, "update service principal "+id,
		`SELECT doc FROM service_principals WHERE tenant_id = ? AND id = ?`, []any{tenantID, id},
		servicePrincipalKey, fn,
		func(tx *sql.Tx, sp *directory.ServicePrincipal, doc string) error {
			var before sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT app_id FROM service_principals WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&before); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE service_principals SET app_id = ?, doc = ? WHERE tenant_id = ? AND id = ?`,
				nullable(sp.AppID), doc, tenantID, id); err != nil {
				return err
			}
			if before.String != sp.AppID {
				// The old appId gives up the names this object carried.
				if err := syncResourceNames(ctx, tx, tenantID, before.String); err != nil {
					return err
				}
			}
			return syncResourceNames(ctx, tx, tenantID, sp.AppID)
		})
}

// DeleteServicePrincipal deletes a service principal together with the app
// role assignments it holds or grants (as principal or as resource), its
// group memberships and the policies assigned to it: none of them means
// anything without it.
func (s *Store) DeleteServicePrincipal(ctx context.Context, tenantID, id string) error {
	err := s.write(ctx, directoryData, func(tx *sql.Tx) error {
		var appID sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT app_id FROM service_principals WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&appID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			return err
		}
		if err := deleteRow(ctx, tx, `DELETE FROM service_principals WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
			return err
		}
		if err := syncResourceNames(ctx, tx, tenantID, appID.String); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM permission_grants WHERE tenant_id = ? AND (client_id = ? OR resource_id = ?)`,
			tenantID, id, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM role_assignments WHERE tenant_id = ? AND principal_id = ?`, tenantID, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM app_role_assignments WHERE tenant_id = ? AND (principal_id = ? OR resource_id = ?)`,
			tenantID, id, id); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM group_members WHERE tenant_id = ? AND member_id = ?`, tenantID, id); err != nil {
			return err
		}
		_, err := deleteRows(ctx, tx, `DELETE FROM policy_assignments WHERE tenant_id = ? AND object_id = ?`, tenantID, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete service principal %s: %w", id, err)
	}
	return nil
}
