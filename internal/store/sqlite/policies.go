package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

func policyKey(p *directory.Policy) rowKey { return rowKey{p.TenantID, p.ID} }

// errPolicyKindChanged rejects an update whose closure changed the policy's
// kind: Graph serves each kind under its own collection, so a policy never
// moves between them, and its assignments carry the kind too.
var errPolicyKindChanged = errors.New("update closure changed the policy's kind")

// CreatePolicy stores a claims mapping or token lifetime policy; its id is
// unique in the tenant.
func (s *Store) CreatePolicy(ctx context.Context, p *directory.Policy) error {
	err := s.insert(ctx, directoryData, `INSERT INTO policies (tenant_id, id, kind, doc) VALUES (?, ?, ?, ?)`,
		p, p.TenantID, p.ID, p.Kind)
	if err != nil {
		return fmt.Errorf("create policy %s: %w", p.ID, err)
	}
	return nil
}

// GetPolicy returns a policy of any kind by object id.
func (s *Store) GetPolicy(ctx context.Context, tenantID, id string) (*directory.Policy, error) {
	p, err := getDoc[directory.Policy](ctx, s.db, `SELECT doc FROM policies WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get policy %s: %w", id, err)
	}
	return p, nil
}

// ListPolicies returns the tenant's policies of one kind, in creation order.
func (s *Store) ListPolicies(ctx context.Context, tenantID, kind string) ([]*directory.Policy, error) {
	ps, err := listDocs[directory.Policy](ctx, s.db,
		`SELECT doc FROM policies WHERE tenant_id = ? AND kind = ? ORDER BY seq`, tenantID, kind)
	if err != nil {
		return nil, fmt.Errorf("list %s policies: %w", kind, err)
	}
	return ps, nil
}

// UpdatePolicy applies fn to the stored policy atomically. Like the key, the
// kind may not change.
func (s *Store) UpdatePolicy(ctx context.Context, tenantID, id string, fn func(*directory.Policy) error) (*directory.Policy, error) {
	return updateDoc(ctx, s, directoryData, "update policy "+id,
		`SELECT doc FROM policies WHERE tenant_id = ? AND id = ?`, []any{tenantID, id},
		policyKey, fn,
		func(tx *sql.Tx, p *directory.Policy, doc string) error {
			// The row was just read in this transaction, so matching no row
			// means the closure changed the kind.
			res, err := tx.ExecContext(ctx, `UPDATE policies SET doc = ? WHERE tenant_id = ? AND id = ? AND kind = ?`,
				doc, tenantID, id, p.Kind)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return errPolicyKindChanged
			}
			return nil
		})
}

// DeletePolicy deletes a policy with its assignments (the foreign key
// cascades).
func (s *Store) DeletePolicy(ctx context.Context, tenantID, id string) error {
	if err := s.deleteOne(ctx, directoryData, `DELETE FROM policies WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return fmt.Errorf("delete policy %s: %w", id, err)
	}
	return nil
}
