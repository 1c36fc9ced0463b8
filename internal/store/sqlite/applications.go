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

func applicationKey(a *directory.Application) rowKey { return rowKey{a.TenantID, a.ID} }

// CreateApplication stores an app registration; its id and its appId are
// each unique in the tenant.
func (s *Store) CreateApplication(ctx context.Context, a *directory.Application) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("create application %s: encode document: %w", a.ID, err)
	}
	err = s.write(ctx, directoryData, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO applications (tenant_id, id, app_id, doc) VALUES (?, ?, ?, ?)`,
			a.TenantID, a.ID, nullable(a.AppID), string(doc)); err != nil {
			return conflict(err)
		}
		return syncResourceNames(ctx, tx, a.TenantID, a.AppID)
	})
	if err != nil {
		return fmt.Errorf("create application %s: %w", a.ID, err)
	}
	return nil
}

// GetApplication returns an application by object id.
func (s *Store) GetApplication(ctx context.Context, tenantID, id string) (*directory.Application, error) {
	a, err := getDoc[directory.Application](ctx, s.db,
		`SELECT doc FROM applications WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get application %s: %w", id, err)
	}
	return a, nil
}

// GetApplicationByAppID returns an application by client id.
func (s *Store) GetApplicationByAppID(ctx context.Context, tenantID, appID string) (*directory.Application, error) {
	a, err := scanDoc[directory.Application](s.stmts.applicationByAppID.QueryRowContext(ctx, tenantID, nullable(appID)))
	if err != nil {
		return nil, fmt.Errorf("get application by appId %s: %w", appID, err)
	}
	return a, nil
}

// ListApplications returns the tenant's applications.
func (s *Store) ListApplications(ctx context.Context, tenantID string) ([]*directory.Application, error) {
	as, err := listDocs[directory.Application](ctx, s.db,
		`SELECT doc FROM applications WHERE tenant_id = ? ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return as, nil
}

// UpdateApplication applies fn to the stored application atomically.
func (s *Store) UpdateApplication(ctx context.Context, tenantID, id string, fn func(*directory.Application) error) (*directory.Application, error) {
	return updateDoc(ctx, s, directoryData, "update application "+id,
		`SELECT doc FROM applications WHERE tenant_id = ? AND id = ?`, []any{tenantID, id},
		applicationKey, fn,
		func(tx *sql.Tx, a *directory.Application, doc string) error {
			var before sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT app_id FROM applications WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&before); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET app_id = ?, doc = ? WHERE tenant_id = ? AND id = ?`,
				nullable(a.AppID), doc, tenantID, id); err != nil {
				return err
			}
			if before.String != a.AppID {
				// The old appId gives up the names this object carried.
				if err := syncResourceNames(ctx, tx, tenantID, before.String); err != nil {
					return err
				}
			}
			return syncResourceNames(ctx, tx, tenantID, a.AppID)
		})
}

// DeleteApplication deletes the app registration with the extension
// definitions it owns and the policies assigned to it. Entra keeps the
// service principals (the tenants' instances of the app) as separate
// objects with their own lifecycle, and keeps the extension values users
// hold, invisible once their definition is gone.
func (s *Store) DeleteApplication(ctx context.Context, tenantID, id string) error {
	err := s.write(ctx, directoryData, func(tx *sql.Tx) error {
		var appID sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT app_id FROM applications WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&appID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			return err
		}
		if err := deleteRow(ctx, tx, `DELETE FROM applications WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
			return err
		}
		if err := syncResourceNames(ctx, tx, tenantID, appID.String); err != nil {
			return err
		}
		if _, err := deleteRows(ctx, tx, `DELETE FROM extension_properties WHERE tenant_id = ? AND app_object_id = ?`, tenantID, id); err != nil {
			return err
		}
		_, err := deleteRows(ctx, tx, `DELETE FROM policy_assignments WHERE tenant_id = ? AND object_id = ?`, tenantID, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete application %s: %w", id, err)
	}
	return nil
}
