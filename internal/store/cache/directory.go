package cache

import (
	"context"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The cached reads. Each key holds the arguments as the caller passed them:
// GetTenantByDomain("Contoso.com") and ("contoso.com") are two entries of
// the same tenant, both invalidated alike.

// GetTenant returns the tenant with the given id.
func (s *Store) GetTenant(ctx context.Context, id string) (*directory.Tenant, error) {
	return read(ctx, s, key{method: getTenant, a: id}, (*directory.Tenant).Clone,
		func(ctx context.Context) (*directory.Tenant, error) { return s.st.GetTenant(ctx, id) })
}

// GetTenantByDomain returns the tenant whose initial domain is domain.
func (s *Store) GetTenantByDomain(ctx context.Context, domain string) (*directory.Tenant, error) {
	return read(ctx, s, key{method: getTenantByDomain, a: domain}, (*directory.Tenant).Clone,
		func(ctx context.Context) (*directory.Tenant, error) { return s.st.GetTenantByDomain(ctx, domain) })
}

// GetApplicationByAppID returns an application by client id.
func (s *Store) GetApplicationByAppID(ctx context.Context, tenantID, appID string) (*directory.Application, error) {
	return read(ctx, s, key{method: getApplicationByAppID, a: tenantID, b: appID}, (*directory.Application).Clone,
		func(ctx context.Context) (*directory.Application, error) {
			return s.st.GetApplicationByAppID(ctx, tenantID, appID)
		})
}

// GetServicePrincipal returns a service principal by object id.
func (s *Store) GetServicePrincipal(ctx context.Context, tenantID, id string) (*directory.ServicePrincipal, error) {
	return read(ctx, s, key{method: getServicePrincipal, a: tenantID, b: id}, (*directory.ServicePrincipal).Clone,
		func(ctx context.Context) (*directory.ServicePrincipal, error) {
			return s.st.GetServicePrincipal(ctx, tenantID, id)
		})
}

// GetServicePrincipalByAppID returns the tenant's service principal for an app.
func (s *Store) GetServicePrincipalByAppID(ctx context.Context, tenantID, appID string) (*directory.ServicePrincipal, error) {
	return read(ctx, s, key{method: getServicePrincipalByAppID, a: tenantID, b: appID}, (*directory.ServicePrincipal).Clone,
		func(ctx context.Context) (*directory.ServicePrincipal, error) {
			return s.st.GetServicePrincipalByAppID(ctx, tenantID, appID)
		})
}

// GetUser returns a user by object id.
func (s *Store) GetUser(ctx context.Context, tenantID, id string) (*directory.User, error) {
	return read(ctx, s, key{method: getUser, a: tenantID, b: id}, (*directory.User).Clone,
		func(ctx context.Context) (*directory.User, error) { return s.st.GetUser(ctx, tenantID, id) })
}

// ListAppRoleAssignmentsByPrincipal returns the assignments a principal holds.
func (s *Store) ListAppRoleAssignmentsByPrincipal(ctx context.Context, tenantID, principalID string) ([]*directory.AppRoleAssignment, error) {
	return read(ctx, s, key{method: listAppRoleAssignmentsByPrincipal, a: tenantID, b: principalID},
		cloneList((*directory.AppRoleAssignment).Clone),
		func(ctx context.Context) ([]*directory.AppRoleAssignment, error) {
			return s.st.ListAppRoleAssignmentsByPrincipal(ctx, tenantID, principalID)
		})
}

// ListAppRoleAssignmentsByResource returns the assignments of a resource's app roles.
func (s *Store) ListAppRoleAssignmentsByResource(ctx context.Context, tenantID, resourceID string) ([]*directory.AppRoleAssignment, error) {
	return read(ctx, s, key{method: listAppRoleAssignmentsByResource, a: tenantID, b: resourceID},
		cloneList((*directory.AppRoleAssignment).Clone),
		func(ctx context.Context) ([]*directory.AppRoleAssignment, error) {
			return s.st.ListAppRoleAssignmentsByResource(ctx, tenantID, resourceID)
		})
}

// ListMemberOf returns the groups the member belongs to directly.
func (s *Store) ListMemberOf(ctx context.Context, tenantID, memberID string) ([]*directory.Group, error) {
	return read(ctx, s, key{method: listMemberOf, a: tenantID, b: memberID}, cloneList((*directory.Group).Clone),
		func(ctx context.Context) ([]*directory.Group, error) {
			return s.st.ListMemberOf(ctx, tenantID, memberID)
		})
}

// ListExtensionProperties lists the definitions an application owns, or
// the whole tenant's.
func (s *Store) ListExtensionProperties(ctx context.Context, tenantID, appObjectID string) ([]*directory.ExtensionProperty, error) {
	return read(ctx, s, key{method: listExtensionProperties, a: tenantID, b: appObjectID},
		cloneList((*directory.ExtensionProperty).Clone),
		func(ctx context.Context) ([]*directory.ExtensionProperty, error) {
			return s.st.ListExtensionProperties(ctx, tenantID, appObjectID)
		})
}

// GetPolicy returns a policy of any kind by object id.
func (s *Store) GetPolicy(ctx context.Context, tenantID, id string) (*directory.Policy, error) {
	return read(ctx, s, key{method: getPolicy, a: tenantID, b: id}, (*directory.Policy).Clone,
		func(ctx context.Context) (*directory.Policy, error) { return s.st.GetPolicy(ctx, tenantID, id) })
}

// ListPolicies lists a tenant's policies of one kind.
func (s *Store) ListPolicies(ctx context.Context, tenantID, kind string) ([]*directory.Policy, error) {
	return read(ctx, s, key{method: listPolicies, a: tenantID, b: kind}, cloneList((*directory.Policy).Clone),
		func(ctx context.Context) ([]*directory.Policy, error) { return s.st.ListPolicies(ctx, tenantID, kind) })
}

// ListPolicyAssignmentsByObject lists what is assigned to an application or
// service principal, of one kind or all.
func (s *Store) ListPolicyAssignmentsByObject(ctx context.Context, tenantID, objectID, kind string) ([]*directory.PolicyAssignment, error) {
	return read(ctx, s, key{method: listPolicyAssignmentsByObject, a: tenantID, b: objectID, c: kind},
		cloneList((*directory.PolicyAssignment).Clone),
		func(ctx context.Context) ([]*directory.PolicyAssignment, error) {
			return s.st.ListPolicyAssignmentsByObject(ctx, tenantID, objectID, kind)
		})
}

// The other directory reads pass through: administration (Graph, the
// portal) uses them, not the token path.

// ListTenants returns every tenant.
func (s *Store) ListTenants(ctx context.Context) ([]*directory.Tenant, error) {
	return s.st.ListTenants(ctx)
}

// GetApplication returns an application by object id.
func (s *Store) GetApplication(ctx context.Context, tenantID, id string) (*directory.Application, error) {
	return s.st.GetApplication(ctx, tenantID, id)
}

// ListApplications returns the tenant's applications.
func (s *Store) ListApplications(ctx context.Context, tenantID string) ([]*directory.Application, error) {
	return s.st.ListApplications(ctx, tenantID)
}

// ListServicePrincipals returns the tenant's service principals.
func (s *Store) ListServicePrincipals(ctx context.Context, tenantID string) ([]*directory.ServicePrincipal, error) {
	return s.st.ListServicePrincipals(ctx, tenantID)
}

// GetUserByUPN returns a user by userPrincipalName.
func (s *Store) GetUserByUPN(ctx context.Context, tenantID, upn string) (*directory.User, error) {
	return s.st.GetUserByUPN(ctx, tenantID, upn)
}

// ListUsers returns the tenant's users.
func (s *Store) ListUsers(ctx context.Context, tenantID string) ([]*directory.User, error) {
	return s.st.ListUsers(ctx, tenantID)
}

// GetGroup returns a group by object id.
func (s *Store) GetGroup(ctx context.Context, tenantID, id string) (*directory.Group, error) {
	return s.st.GetGroup(ctx, tenantID, id)
}

// ListGroups returns the tenant's groups.
func (s *Store) ListGroups(ctx context.Context, tenantID string) ([]*directory.Group, error) {
	return s.st.ListGroups(ctx, tenantID)
}

// ListGroupMembers returns the ids of a group's direct members.
func (s *Store) ListGroupMembers(ctx context.Context, tenantID, groupID string) ([]string, error) {
	return s.st.ListGroupMembers(ctx, tenantID, groupID)
}

// GetExtensionProperty returns an extension definition by object id.
func (s *Store) GetExtensionProperty(ctx context.Context, tenantID, id string) (*directory.ExtensionProperty, error) {
	return s.st.GetExtensionProperty(ctx, tenantID, id)
}

// ListPolicyAssignmentsByPolicy lists the objects a policy is assigned to.
func (s *Store) ListPolicyAssignmentsByPolicy(ctx context.Context, tenantID, policyID string) ([]*directory.PolicyAssignment, error) {
	return s.st.ListPolicyAssignmentsByPolicy(ctx, tenantID, policyID)
}

// ResourceOwner returns the appId owning a resource name.
func (s *Store) ResourceOwner(ctx context.Context, tenantID, name string) (string, error) {
	return read(ctx, s, key{method: resourceOwner, a: tenantID, b: name}, func(v string) string { return v },
		func(ctx context.Context) (string, error) { return s.st.ResourceOwner(ctx, tenantID, name) })
}

// ListPermissionGrants lists delegated permission grants: consent is
// decided from them on every user token.
func (s *Store) ListPermissionGrants(ctx context.Context, tenantID string, f store.PermissionGrantFilter) ([]*directory.PermissionGrant, error) {
	return read(ctx, s, key{method: listPermissionGrants, a: tenantID, b: f.ClientID + "\x00" + f.ResourceID, c: f.ConsentType + "\x00" + f.PrincipalID},
		cloneList((*directory.PermissionGrant).Clone),
		func(ctx context.Context) ([]*directory.PermissionGrant, error) {
			return s.st.ListPermissionGrants(ctx, tenantID, f)
		})
}

// ListRoleAssignments lists directory role assignments: every Graph call
// and every token's wids reads a principal's.
func (s *Store) ListRoleAssignments(ctx context.Context, tenantID string, f store.RoleAssignmentFilter) ([]*directory.RoleAssignment, error) {
	return read(ctx, s, key{method: listRoleAssignments, a: tenantID, b: f.PrincipalID, c: f.RoleDefinitionID},
		cloneList((*directory.RoleAssignment).Clone),
		func(ctx context.Context) ([]*directory.RoleAssignment, error) {
			return s.st.ListRoleAssignments(ctx, tenantID, f)
		})
}

// GetUserByMail returns a user by mail.
func (s *Store) GetUserByMail(ctx context.Context, tenantID, mail string) (*directory.User, error) {
	return s.st.GetUserByMail(ctx, tenantID, mail)
}

// GetPermissionGrant returns a grant by id.
func (s *Store) GetPermissionGrant(ctx context.Context, tenantID, id string) (*directory.PermissionGrant, error) {
	return s.st.GetPermissionGrant(ctx, tenantID, id)
}

// GetRoleAssignment returns a role assignment by id.
func (s *Store) GetRoleAssignment(ctx context.Context, tenantID, id string) (*directory.RoleAssignment, error) {
	return s.st.GetRoleAssignment(ctx, tenantID, id)
}
