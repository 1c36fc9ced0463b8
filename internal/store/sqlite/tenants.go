package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// CreateTenant stores a tenant. Its initial domain is unique across tenants,
// compared case-insensitively.
func (s *Store) CreateTenant(ctx context.Context, t *directory.Tenant) error {
	err := s.insert(ctx, directoryData, `INSERT INTO tenants (id, domain, doc) VALUES (?, ?, ?)`,
		t, t.ID, folded(t.InitialDomain))
	if err != nil {
		return fmt.Errorf("create tenant %s: %w", t.ID, err)
	}
	return nil
}

// GetTenant returns the tenant with the given id.
func (s *Store) GetTenant(ctx context.Context, id string) (*directory.Tenant, error) {
	t, err := scanDoc[directory.Tenant](s.stmts.tenant.QueryRowContext(ctx, id))
	if err != nil {
		return nil, fmt.Errorf("get tenant %s: %w", id, err)
	}
	return t, nil
}

// GetTenantByDomain returns the tenant whose initial domain is domain,
// compared case-insensitively (DNS names are).
func (s *Store) GetTenantByDomain(ctx context.Context, domain string) (*directory.Tenant, error) {
	t, err := getDoc[directory.Tenant](ctx, s.db, `SELECT doc FROM tenants WHERE domain = ?`, folded(domain))
	if err != nil {
		return nil, fmt.Errorf("get tenant by domain %s: %w", domain, err)
	}
	return t, nil
}

// ListTenants returns every tenant.
func (s *Store) ListTenants(ctx context.Context) ([]*directory.Tenant, error) {
	ts, err := listDocs[directory.Tenant](ctx, s.db, `SELECT doc FROM tenants ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return ts, nil
}
