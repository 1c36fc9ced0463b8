package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// CreateRoleAssignment stores a directory role assignment; (principal,
// role, scope) is unique.
func (s *Store) CreateRoleAssignment(ctx context.Context, a *directory.RoleAssignment) error {
	err := s.insert(ctx, directoryData, `INSERT INTO role_assignments (tenant_id, id, principal_id, role_definition_id, directory_scope_id, doc)
		VALUES (?, ?, ?, ?, ?, ?)`, a, a.TenantID, a.ID, a.PrincipalID, a.RoleDefinitionID, a.DirectoryScopeID)
	if err != nil {
		return fmt.Errorf("create role assignment %s: %w", a.ID, err)
	}
	return nil
}

// GetRoleAssignment returns a role assignment by id.
func (s *Store) GetRoleAssignment(ctx context.Context, tenantID, id string) (*directory.RoleAssignment, error) {
	a, err := getDoc[directory.RoleAssignment](ctx, s.db, `SELECT doc FROM role_assignments WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("get role assignment %s: %w", id, err)
	}
	return a, nil
}

// ListRoleAssignments lists the assignments that match f, oldest first.
func (s *Store) ListRoleAssignments(ctx context.Context, tenantID string, f store.RoleAssignmentFilter) ([]*directory.RoleAssignment, error) {
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	if f.PrincipalID != "" {
		where, args = append(where, "principal_id = ?"), append(args, f.PrincipalID)
	}
	if f.RoleDefinitionID != "" {
		where, args = append(where, "role_definition_id = ?"), append(args, f.RoleDefinitionID)
	}
	as, err := listDocs[directory.RoleAssignment](ctx, s.db,
		`SELECT doc FROM role_assignments WHERE `+strings.Join(where, " AND ")+` ORDER BY rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("list role assignments: %w", err)
	}
	return as, nil
}

// DeleteRoleAssignment deletes a role assignment.
func (s *Store) DeleteRoleAssignment(ctx context.Context, tenantID, id string) error {
	if err := s.deleteOne(ctx, directoryData, `DELETE FROM role_assignments WHERE tenant_id = ? AND id = ?`, tenantID, id); err != nil {
		return fmt.Errorf("delete role assignment %s: %w", id, err)
	}
	return nil
}
