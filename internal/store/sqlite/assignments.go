package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// CreateAppRoleAssignment stores an assignment. The same app role of the
// same resource can be assigned to a principal once (Graph answers 409).
func (s *Store) CreateAppRoleAssignment(ctx context.Context, a *directory.AppRoleAssignment) error {
	err := s.insert(ctx, directoryData, `INSERT INTO app_role_assignments
		(tenant_id, id, principal_id, resource_id, app_role_id, doc) VALUES (?, ?, ?, ?, ?, ?)`,
		a, a.TenantID, a.ID, a.PrincipalID, a.ResourceID, a.AppRoleID)
	if err != nil {
		return fmt.Errorf("create app role assignment %s: %w", a.ID, err)
	}
	return nil
}

// ListAppRoleAssignmentsByPrincipal returns the assignments a principal
// holds (Graph appRoleAssignments).
func (s *Store) ListAppRoleAssignmentsByPrincipal(ctx context.Context, tenantID, principalID string) ([]*directory.AppRoleAssignment, error) {
	as, err := scanDocs[directory.AppRoleAssignment](s.stmts.assignmentsByPrincipal.QueryContext(ctx, tenantID, principalID))
	if err != nil {
		return nil, fmt.Errorf("list app role assignments of principal %s: %w", principalID, err)
	}
	return as, nil
}

// ListAppRoleAssignmentsByResource returns the assignments of a resource's
// app roles (Graph appRoleAssignedTo).
func (s *Store) ListAppRoleAssignmentsByResource(ctx context.Context, tenantID, resourceID string) ([]*directory.AppRoleAssignment, error) {
	as, err := listDocs[directory.AppRoleAssignment](ctx, s.db, `SELECT doc FROM app_role_assignments
		WHERE tenant_id = ? AND resource_id = ? ORDER BY id`, tenantID, resourceID)
	if err != nil {
		return nil, fmt.Errorf("list app role assignments to resource %s: %w", resourceID, err)
	}
	return as, nil
}

// DeleteAppRoleAssignment deletes an assignment by id.
func (s *Store) DeleteAppRoleAssignment(ctx context.Context, tenantID, id string) error {
	if err := s.deleteOne(ctx, directoryData, `DELETE FROM app_role_assignments WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return fmt.Errorf("delete app role assignment %s: %w", id, err)
	}
	return nil
}
