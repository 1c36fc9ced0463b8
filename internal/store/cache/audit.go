package cache

import (
	"context"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The audit log passes straight through: it is appended by writes and read
// only by the admin centre's history views.

// CreateAuditRecord appends an audit record.
func (s *Store) CreateAuditRecord(ctx context.Context, r *store.AuditRecord) error {
	return s.st.CreateAuditRecord(ctx, r)
}

// ListAuditRecords lists a tenant's audit records newest first.
func (s *Store) ListAuditRecords(ctx context.Context, tenantID, objectID string, limit int) ([]*store.AuditRecord, error) {
	return s.st.ListAuditRecords(ctx, tenantID, objectID, limit)
}
