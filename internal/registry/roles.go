package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// RoleAssignmentSpec describes a directory role to assign. Gatehouse
// assigns roles tenant-wide only (directoryScopeId "/").
type RoleAssignmentSpec struct {
	RoleDefinitionID, PrincipalID, DirectoryScopeID string
}

// AssignRole assigns a directory role to a user, a role-assignable group or
// a service principal. Only Global and Privileged Role Administrators (or
// an app with RoleManagement.ReadWrite.Directory) assign roles.
func (r *Registry) AssignRole(ctx context.Context, a Actor, spec RoleAssignmentSpec) (*directory.RoleAssignment, error) {
	var out *directory.RoleAssignment
	tgt := store.AuditTarget{ID: spec.PrincipalID, Type: "principal"}
	err := r.change(ctx, a, "Add member to role", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteRoles); err != nil {
			return err
		}
		if spec.DirectoryScopeID != "" && spec.DirectoryScopeID != "/" {
			return badRequest("Gatehouse assigns directory roles tenant-wide only: directoryScopeId must be '/'.")
		}
		id := strings.ToLower(spec.PrincipalID)
		kind, name, err := r.principalKind(ctx, a.TenantID, id)
		if err != nil {
			return badRequest("principalId '%s' does not reference a user, group or service principal in the tenant.", spec.PrincipalID)
		}
		tgt.DisplayName = name
		ptype := map[string]string{"user": "User", "group": "Group", "servicePrincipal": "ServicePrincipal"}[kind]
		if kind == "group" {
			g, err := r.st.GetGroup(ctx, a.TenantID, id)
			if err != nil {
				return err
			}
			if !g.IsAssignableToRole {
				return badRequest("The group %s is not role-assignable: only groups created with isAssignableToRole hold directory roles.", g.DisplayName)
			}
		}
		out, err = r.newRoleAssignment(ctx, a.TenantID, spec.RoleDefinitionID, id, ptype)
		return err
	})
	return out, err
}

// createRoleAssignment is AssignRole for a principal the caller created.
func (r *Registry) createRoleAssignment(ctx context.Context, a Actor, roleID, principalID, principalType string) error {
	_, err := r.newRoleAssignment(ctx, a.TenantID, roleID, principalID, principalType)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	return err
}

func (r *Registry) newRoleAssignment(ctx context.Context, tenantID, roleID, principalID, principalType string) (*directory.RoleAssignment, error) {
	def, ok := directory.RoleDefinitionByID(roleID)
	if !ok {
		return nil, badRequest("roleDefinitionId '%s' is not a directory role Gatehouse knows.", roleID)
	}
	ra := &directory.RoleAssignment{TenantID: tenantID, ID: directory.NewID(), RoleDefinitionID: def.ID, PrincipalID: principalID,
		PrincipalType: principalType, DirectoryScopeID: "/", CreatedAt: r.now()}
	if err := r.st.CreateRoleAssignment(ctx, ra); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &UniquenessError{Property: "roleDefinitionId", Msg: "A conflicting object with one or more of the specified property values is present in the directory."}
		}
		return nil, err
	}
	return ra, nil
}

// RemoveRoleAssignment removes a directory role assignment. The tenant's
// last Global Administrator keeps theirs, so nobody locks the tenant out.
func (r *Registry) RemoveRoleAssignment(ctx context.Context, a Actor, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "roleAssignment"}
	return r.change(ctx, a, "Remove member from role", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteRoles); err != nil {
			return err
		}
		ra, err := r.st.GetRoleAssignment(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		tgt.ID, tgt.Type = ra.PrincipalID, strings.ToLower(ra.PrincipalType[:1])+ra.PrincipalType[1:]
		if ra.RoleDefinitionID == directory.RoleGlobalAdministrator {
			if err := r.keepOneGlobalAdmin(ctx, a.TenantID, "", ra.ID); err != nil {
				return err
			}
		}
		return r.st.DeleteRoleAssignment(ctx, a.TenantID, id)
	})
}

// keepOneGlobalAdmin refuses a change that would leave the tenant without
// an enabled user holding Global Administrator directly: the change removes
// the user withoutUser or the assignment withoutAssignment.
func (r *Registry) keepOneGlobalAdmin(ctx context.Context, tenantID, withoutUser, withoutAssignment string) error {
	all, err := r.st.ListRoleAssignments(ctx, tenantID, store.RoleAssignmentFilter{RoleDefinitionID: directory.RoleGlobalAdministrator})
	if err != nil {
		return err
	}
	affected := false
	for _, ra := range all {
		if ra.ID == withoutAssignment || ra.PrincipalID == withoutUser {
			affected = true
			continue
		}
		if ra.PrincipalType != "User" {
			continue
		}
		if u, err := r.st.GetUser(ctx, tenantID, ra.PrincipalID); err == nil && u.AccountEnabled {
			return nil
		}
	}
	if !affected {
		return nil
	}
	return badRequest("This is the tenant's last Global Administrator: assign the role to someone else first.")
}
