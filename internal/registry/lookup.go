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
// an appId, or a name an application owns (an identifierUris entry or a
// servicePrincipalNames entry: https://graph.microsoft.com,
// https://canary.graph.microsoft.com and Graph's appId all name Graph).
// Names are unique per tenant, so the answer never depends on list order,
// and the lookup is one indexed read.
func (r *Registry) ResolveResource(ctx context.Context, tenantID, identifier string) (Resource, error) {
	id := directory.NormalizeResourceName(identifier)
	if id == "" {
		return Resource{}, fmt.Errorf("empty resource: %w", store.ErrNotFound)
	}
	appID := id
	if !directory.IsGUID(id) {
		var err error
		if appID, err = r.st.ResourceOwner(ctx, tenantID, id); err != nil {
			return Resource{}, fmt.Errorf("resource %q: %w", identifier, err)
		}
	}
	sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, appID)
	if err != nil {
		return Resource{}, fmt.Errorf("resource %q: %w", identifier, err)
	}
	return r.withApp(ctx, sp)
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
// nested groups, at most MaxGroupNesting levels up.
func (r *Registry) UserGroups(ctx context.Context, tenantID, userID string) ([]*directory.Group, error) {
	var out []*directory.Group
	seen := map[string]bool{}
	level := []string{userID}
	for depth := 0; len(level) > 0 && depth <= MaxGroupNesting; depth++ {
		var next []string
		for _, member := range level {
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
				next = append(next, g.ID)
			}
		}
		level = next
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
