package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// CreatePolicyAssignment assigns a policy to an application or service
// principal. The policy must exist in the tenant with the assignment's
// PolicyKind (a tokenLifetimePolicy is not found among the claims mapping
// policies), or the result is ErrNotFound; assigning it to the same object
// twice is ErrConflict.
func (s *Store) CreatePolicyAssignment(ctx context.Context, a *directory.PolicyAssignment) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("assign policy %s to %s: encode document: %w", a.PolicyID, a.ObjectID, err)
	}
	err = s.write(ctx, directoryData, func(tx *sql.Tx) error {
		// One statement checks the policy and inserts, so no delete can slip
		// between; the foreign key backs it up.
		res, err := tx.ExecContext(ctx, `INSERT INTO policy_assignments (tenant_id, policy_id, object_id, kind, doc)
			SELECT tenant_id, id, ?, kind, ? FROM policies WHERE tenant_id = ? AND id = ? AND kind = ?`,
			a.ObjectID, string(doc), a.TenantID, a.PolicyID, a.PolicyKind)
		if err != nil {
			return conflict(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("assign policy %s to %s: %w", a.PolicyID, a.ObjectID, err)
	}
	return nil
}

// DeletePolicyAssignment removes a policy from an object; ErrNotFound if it
// is not assigned there.
func (s *Store) DeletePolicyAssignment(ctx context.Context, tenantID, policyID, objectID string) error {
	err := s.deleteOne(ctx, directoryData, `DELETE FROM policy_assignments WHERE tenant_id = ? AND policy_id = ? AND object_id = ?`,
		tenantID, policyID, objectID)
	if err != nil {
		return fmt.Errorf("remove policy %s from %s: %w", policyID, objectID, err)
	}
	return nil
}

// ListPolicyAssignmentsByObject returns the policies assigned to an
// application or service principal, of one kind or with kind "" of every
// kind, in creation order.
func (s *Store) ListPolicyAssignmentsByObject(ctx context.Context, tenantID, objectID, kind string) ([]*directory.PolicyAssignment, error) {
	query, args := `SELECT doc FROM policy_assignments WHERE tenant_id = ? AND object_id = ? ORDER BY seq`,
		[]any{tenantID, objectID}
	if kind != "" {
		query, args = `SELECT doc FROM policy_assignments WHERE tenant_id = ? AND object_id = ? AND kind = ? ORDER BY seq`,
			[]any{tenantID, objectID, kind}
	}
	as, err := listDocs[directory.PolicyAssignment](ctx, s.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list policies assigned to %s: %w", objectID, err)
	}
	return as, nil
}

// ListPolicyAssignmentsByPolicy returns the objects a policy is assigned
// to, in creation order. An unknown policy is assigned to none.
func (s *Store) ListPolicyAssignmentsByPolicy(ctx context.Context, tenantID, policyID string) ([]*directory.PolicyAssignment, error) {
	as, err := listDocs[directory.PolicyAssignment](ctx, s.db,
		`SELECT doc FROM policy_assignments WHERE tenant_id = ? AND policy_id = ? ORDER BY seq`, tenantID, policyID)
	if err != nil {
		return nil, fmt.Errorf("list assignments of policy %s: %w", policyID, err)
	}
	return as, nil
}
