package cache

import (
	"context"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// Every directory write passes through and then invalidates the whole
// cache, whatever its outcome: a write that failed on its way back (a
// cancelled context after the commit) may still have changed the
// directory. Writes are rare next to token reads, and finding which
// entries a write touches (a deleted service principal takes assignments
// and memberships with it) would duplicate the backend's rules.
//
// The invalidation is deferred, so it follows the backend call: a read that
// began before it fills its entry under the old generation, so the entry is
// stale as soon as the write returns.

// CreateTenant stores a tenant.
func (s *Store) CreateTenant(ctx context.Context, t *directory.Tenant) error {
	defer s.invalidate()
	return s.st.CreateTenant(ctx, t)
}

// CreateApplication stores an app registration.
func (s *Store) CreateApplication(ctx context.Context, a *directory.Application) error {
	defer s.invalidate()
	return s.st.CreateApplication(ctx, a)
}

// UpdateApplication applies fn to the stored application atomically.
func (s *Store) UpdateApplication(ctx context.Context, tenantID, id string, fn func(*directory.Application) error) (*directory.Application, error) {
	defer s.invalidate()
	return s.st.UpdateApplication(ctx, tenantID, id, fn)
}

// DeleteApplication deletes an app registration.
func (s *Store) DeleteApplication(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteApplication(ctx, tenantID, id)
}

// CreateServicePrincipal stores a service principal.
func (s *Store) CreateServicePrincipal(ctx context.Context, sp *directory.ServicePrincipal) error {
	defer s.invalidate()
	return s.st.CreateServicePrincipal(ctx, sp)
}

// UpdateServicePrincipal applies fn to the stored service principal atomically.
func (s *Store) UpdateServicePrincipal(ctx context.Context, tenantID, id string, fn func(*directory.ServicePrincipal) error) (*directory.ServicePrincipal, error) {
	defer s.invalidate()
	return s.st.UpdateServicePrincipal(ctx, tenantID, id, fn)
}

// DeleteServicePrincipal deletes a service principal.
func (s *Store) DeleteServicePrincipal(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteServicePrincipal(ctx, tenantID, id)
}

// CreateUser stores a user.
func (s *Store) CreateUser(ctx context.Context, u *directory.User) error {
	defer s.invalidate()
	return s.st.CreateUser(ctx, u)
}

// UpdateUser applies fn to the stored user atomically.
func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, fn func(*directory.User) error) (*directory.User, error) {
	defer s.invalidate()
	return s.st.UpdateUser(ctx, tenantID, id, fn)
}

// DeleteUser deletes a user.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteUser(ctx, tenantID, id)
}

// CreateGroup stores a group.
func (s *Store) CreateGroup(ctx context.Context, g *directory.Group) error {
	defer s.invalidate()
	return s.st.CreateGroup(ctx, g)
}

// UpdateGroup applies fn to the stored group atomically.
func (s *Store) UpdateGroup(ctx context.Context, tenantID, id string, fn func(*directory.Group) error) (*directory.Group, error) {
	defer s.invalidate()
	return s.st.UpdateGroup(ctx, tenantID, id, fn)
}

// DeleteGroup deletes a group.
func (s *Store) DeleteGroup(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteGroup(ctx, tenantID, id)
}

// AddGroupMember adds a direct member to a group.
func (s *Store) AddGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	defer s.invalidate()
	return s.st.AddGroupMember(ctx, tenantID, groupID, memberID)
}

// RemoveGroupMember removes a direct member from a group.
func (s *Store) RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	defer s.invalidate()
	return s.st.RemoveGroupMember(ctx, tenantID, groupID, memberID)
}

// CreateAppRoleAssignment stores an assignment.
func (s *Store) CreateAppRoleAssignment(ctx context.Context, a *directory.AppRoleAssignment) error {
	defer s.invalidate()
	return s.st.CreateAppRoleAssignment(ctx, a)
}

// DeleteAppRoleAssignment deletes an assignment.
func (s *Store) DeleteAppRoleAssignment(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteAppRoleAssignment(ctx, tenantID, id)
}

// CreateExtensionProperty stores an extension definition.
func (s *Store) CreateExtensionProperty(ctx context.Context, p *directory.ExtensionProperty) error {
	defer s.invalidate()
	return s.st.CreateExtensionProperty(ctx, p)
}

// DeleteExtensionProperty deletes an extension definition.
func (s *Store) DeleteExtensionProperty(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteExtensionProperty(ctx, tenantID, id)
}

// CreatePolicy stores a policy.
func (s *Store) CreatePolicy(ctx context.Context, p *directory.Policy) error {
	defer s.invalidate()
	return s.st.CreatePolicy(ctx, p)
}

// UpdatePolicy applies fn to the stored policy atomically.
func (s *Store) UpdatePolicy(ctx context.Context, tenantID, id string, fn func(*directory.Policy) error) (*directory.Policy, error) {
	defer s.invalidate()
	return s.st.UpdatePolicy(ctx, tenantID, id, fn)
}

// DeletePolicy deletes a policy with its assignments.
func (s *Store) DeletePolicy(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeletePolicy(ctx, tenantID, id)
}

// CreatePolicyAssignment assigns a policy to an application or service principal.
func (s *Store) CreatePolicyAssignment(ctx context.Context, a *directory.PolicyAssignment) error {
	defer s.invalidate()
	return s.st.CreatePolicyAssignment(ctx, a)
}

// DeletePolicyAssignment removes a policy from an object.
func (s *Store) DeletePolicyAssignment(ctx context.Context, tenantID, policyID, objectID string) error {
	defer s.invalidate()
	return s.st.DeletePolicyAssignment(ctx, tenantID, policyID, objectID)
}

// CreatePermissionGrant stores a delegated permission grant.
func (s *Store) CreatePermissionGrant(ctx context.Context, g *directory.PermissionGrant) error {
	defer s.invalidate()
	return s.st.CreatePermissionGrant(ctx, g)
}

// UpdatePermissionGrant applies fn to a grant atomically.
func (s *Store) UpdatePermissionGrant(ctx context.Context, tenantID, id string, fn func(*directory.PermissionGrant) error) (*directory.PermissionGrant, error) {
	defer s.invalidate()
	return s.st.UpdatePermissionGrant(ctx, tenantID, id, fn)
}

// DeletePermissionGrant deletes a grant.
func (s *Store) DeletePermissionGrant(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeletePermissionGrant(ctx, tenantID, id)
}

// CreateRoleAssignment stores a directory role assignment.
func (s *Store) CreateRoleAssignment(ctx context.Context, a *directory.RoleAssignment) error {
	defer s.invalidate()
	return s.st.CreateRoleAssignment(ctx, a)
}

// DeleteRoleAssignment deletes a role assignment.
func (s *Store) DeleteRoleAssignment(ctx context.Context, tenantID, id string) error {
	defer s.invalidate()
	return s.st.DeleteRoleAssignment(ctx, tenantID, id)
}
