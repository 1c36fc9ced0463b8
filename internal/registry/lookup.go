package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// ResolveTenant finds a tenant by the path segment a client used: its GUID
// or one of its domains.
func (r *Registry) ResolveTenant(ctx context.Context, segment string) (*directory.Tenant, error) {
	if directory.IsGUID(segment) {
		return r.st.GetTenant(ctx, strings.ToLower(segment))
	}
	if !strings.Contains(segment, ".") {
		return nil, fmt.Errorf("tenant %q: %w", segment, store.ErrNotFound)
	}
	return r.st.GetTenantByDomain(ctx, segment)
}

// Resource is a resolved resource (API) a token can be issued for.
type Resource struct {
	SP  *directory.ServicePrincipal
	App *directory.Application // nil for first-party resources (Graph)
}

// IsGraph reports whether the resource is Microsoft Graph.
func (r Resource) IsGraph() bool { return r.SP.AppID == directory.GraphAppID }

// AccessTokenVersion is the version of access tokens for this resource:
// api.requestedAccessTokenVersion, 1 when unset; Graph tokens are v1.
func (r Resource) AccessTokenVersion() int {
	if r.App != nil && r.App.API.RequestedAccessTokenVersion != nil && *r.App.API.RequestedAccessTokenVersion == 2 {
		return 2
	}
	return 1
}

// ResolveResource finds the resource a scope or `resource` parameter names:
// an appId, a servicePrincipalName or an App ID URI of an application in
// the tenant.
func (r *Registry) ResolveResource(ctx context.Context, tenantID, identifier string) (Resource, error) {
	id := strings.TrimRight(identifier, "/")
	if id == "" {
		return Resource{}, fmt.Errorf("empty resource: %w", store.ErrNotFound)
	}
	if directory.IsGUID(id) {
		sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, strings.ToLower(id))
		if err != nil {
			return Resource{}, err
		}
		return r.withApp(ctx, sp)
	}
	if strings.EqualFold(id, directory.GraphIdentifier) {
		sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, directory.GraphAppID)
		if err != nil {
			return Resource{}, err
		}
		return Resource{SP: sp}, nil
	}
	sps, err := r.st.ListServicePrincipals(ctx, tenantID)
	if err != nil {
		return Resource{}, err
	}
	for _, sp := range sps {
		for _, n := range sp.ServicePrincipalNames {
			if strings.EqualFold(strings.TrimRight(n, "/"), id) {
				return r.withApp(ctx, sp)
			}
		}
	}
	apps, err := r.st.ListApplications(ctx, tenantID)
	if err != nil {
		return Resource{}, err
	}
	for _, a := range apps {
		for _, u := range a.IdentifierURIs {
			if strings.EqualFold(strings.TrimRight(u, "/"), id) {
				sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, a.AppID)
				if err != nil {
					return Resource{}, err
				}
				return Resource{SP: sp, App: a}, nil
			}
		}
	}
	return Resource{}, fmt.Errorf("resource %q: %w", identifier, store.ErrNotFound)
}

func (r *Registry) withApp(ctx context.Context, sp *directory.ServicePrincipal) (Resource, error) {
	if sp.AppOwnerOrganizationID != sp.TenantID {
		return Resource{SP: sp}, nil
	}
	a, err := r.st.GetApplicationByAppID(ctx, sp.TenantID, sp.AppID)
	if errors.Is(err, store.ErrNotFound) {
		return Resource{SP: sp}, nil
	}
	if err != nil {
		return Resource{}, err
	}
	return Resource{SP: sp, App: a}, nil
}

// ConsentedAppRoles returns the values of the resource's app roles assigned
// to the principal (for a client service principal: its admin-consented
// application permissions), in the resource's role order.
func (r *Registry) ConsentedAppRoles(ctx context.Context, tenantID, principalID string, resource *directory.ServicePrincipal) ([]string, error) {
	assignments, err := r.st.ListAppRoleAssignmentsByPrincipal(ctx, tenantID, principalID)
	if err != nil {
		return nil, err
	}
	granted := map[string]bool{}
	for _, a := range assignments {
		if a.ResourceID == resource.ID {
			granted[strings.ToLower(a.AppRoleID)] = true
		}
	}
	var values []string
	for _, role := range resource.AppRoles {
		if granted[strings.ToLower(role.ID)] && role.IsEnabled {
			values = append(values, role.Value)
		}
	}
	return values, nil
}

// UserGroups returns every group the user belongs to, directly or through
// nested groups.
func (r *Registry) UserGroups(ctx context.Context, tenantID, userID string) ([]*directory.Group, error) {
	var out []*directory.Group
	seen := map[string]bool{}
	queue := []string{userID}
	for len(queue) > 0 {
		member := queue[0]
		queue = queue[1:]
		groups, err := r.st.ListMemberOf(ctx, tenantID, member)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			out = append(out, g)
			queue = append(queue, g.ID)
		}
	}
	return out, nil
}

// AppGroupIDs returns the ids of groups assigned to a service principal
// (groupMembershipClaims ApplicationGroup).
func (r *Registry) AppGroupIDs(ctx context.Context, tenantID string, sp *directory.ServicePrincipal) (map[string]bool, error) {
	assignments, err := r.st.ListAppRoleAssignmentsByResource(ctx, tenantID, sp.ID)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, a := range assignments {
		if a.PrincipalType == "Group" {
			ids[a.PrincipalID] = true
		}
	}
	return ids, nil
}
