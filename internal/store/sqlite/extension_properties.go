package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// CreateExtensionProperty stores a directory extension definition. Its id
// and its name are each unique in the tenant; the name is compared
// case-insensitively (Entra refuses extension_…_costCenter next to
// extension_…_CostCenter).
func (s *Store) CreateExtensionProperty(ctx context.Context, p *directory.ExtensionProperty) error {
	err := s.insert(ctx, directoryData, `INSERT INTO extension_properties (tenant_id, id, app_object_id, name, doc) VALUES (?, ?, ?, ?, ?)`,
		p, p.TenantID, p.ID, p.AppObjectID, folded(p.Name))
	if err != nil {
		return fmt.Errorf("create extension property %s: %w", p.ID, err)
	}
	return nil
}

// GetExtensionProperty returns an extension definition by object id.
func (s *Store) GetExtensionProperty(ctx context.Context, tenantID, id string) (*directory.ExtensionProperty, error) {
	p, err := getDoc[directory.ExtensionProperty](ctx, s.db,
		`SELECT doc FROM extension_properties WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get extension property %s: %w", id, err)
	}
	return p, nil
}

// ListExtensionProperties returns the definitions an application owns, or
// with appObjectID "" the whole tenant's, in creation order.
func (s *Store) ListExtensionProperties(ctx context.Context, tenantID, appObjectID string) ([]*directory.ExtensionProperty, error) {
	query, args := `SELECT doc FROM extension_properties WHERE tenant_id = ? ORDER BY seq`, []any{tenantID}
	if appObjectID != "" {
		query, args = `SELECT doc FROM extension_properties WHERE tenant_id = ? AND app_object_id = ? ORDER BY seq`,
			[]any{tenantID, appObjectID}
	}
	ps, err := listDocs[directory.ExtensionProperty](ctx, s.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list extension properties of application %q: %w", appObjectID, err)
	}
	return ps, nil
}

// DeleteExtensionProperty deletes a definition. The values users hold under
// its name stay stored: Entra keeps them, invisible, after the definition
// is gone.
func (s *Store) DeleteExtensionProperty(ctx context.Context, tenantID, id string) error {
	if err := s.deleteOne(ctx, directoryData, `DELETE FROM extension_properties WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return fmt.Errorf("delete extension property %s: %w", id, err)
	}
	return nil
}
