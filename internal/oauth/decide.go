package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/consent"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// grantRequest is what a flow asks for, in the form every flow shares: the
// v2 scope or the v1 resource, parsed and resolved.
type grantRequest struct {
	version   int
	scope     token.Scope
	requested string // the resource identifier as the client spelled it ("" = none: Graph)
	resource  registry.Resource
	client    *directory.Application
	clientSP  *directory.ServicePrincipal
}

// parseGrantRequest parses a flow's scope (v2) or resource (v1) and
// resolves its resource. Every flow calls it before asking for consent.
func (s *Server) parseGrantRequest(ctx context.Context, tenantID string, version int, scope, resource string, client *directory.Application) (*grantRequest, *Error) {
	g := &grantRequest{version: version, client: client, requested: resource}
	if version == 2 {
		sc, err := token.ParseScope(scope)
		if err != nil {
			return nil, scopeError(err)
		}
		g.scope, g.requested = sc, sc.Resource
	}
	res, oerr := s.resolveResource(ctx, tenantID, g.requested)
	if oerr != nil {
		return nil, oerr
	}
	g.resource = res
	sp, err := s.dir.GetServicePrincipalByAppID(ctx, tenantID, client.AppID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newError(401, "invalid_client", 7000112, "Application '%s'(%s) has no service principal in the tenant.", client.AppID, client.DisplayName)
	}
	if err != nil {
		return nil, errServerError(err)
	}
	if !sp.AccountEnabled {
		return nil, newError(400, "unauthorized_client", 7000112, "Application '%s'(%s) is disabled.", client.AppID, client.DisplayName)
	}
	g.clientSP = sp
	return g, nil
}

// consentRequest is the consent package's question for a user.
func (g *grantRequest) consentRequest(userID string) consent.Request {
	req := consent.Request{TenantID: g.clientSP.TenantID, Client: g.clientSP, ClientApp: g.client, UserID: userID, Resource: g.resource.SP}
	if g.version == 2 {
		req.Permissions, req.OIDC = g.scope.Permissions, g.scope.OIDC
	} else {
		// v1 names a resource, never permissions: every granted one, and
		// the ID token's sign-in.
		req.OIDC = []string{"openid"}
	}
	return req
}

// decide asks the consent package, and checks that the user may use the
// client at all (appRoleAssignmentRequired, AADSTS50105).
func (s *Server) decide(ctx context.Context, g *grantRequest, u *directory.User) (consent.Decision, error) {
	groups, err := s.reg.UserGroups(ctx, u.TenantID, u.ID)
	if err != nil {
		return consent.Decision{}, err
	}
	ids := make([]string, len(groups))
	for i, gr := range groups {
		ids[i] = gr.ID
	}
	ok, err := consent.Assigned(ctx, s.dir, g.clientSP, u.ID, ids)
	if err != nil {
		return consent.Decision{}, err
	}
	if !ok {
		return consent.Decision{}, errNotAssigned(u, g.client)
	}
	return consent.Decide(ctx, s.dir, g.consentRequest(u.ID))
}

func errNotAssigned(u *directory.User, app *directory.Application) *Error {
	return newError(400, "invalid_grant", 50105, "Your administrator has configured the application %s ('%s') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '%s' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.", app.DisplayName, app.AppID, u.UserPrincipalName)
}

// consentError maps the consent decision's refusals to Entra's errors at
// the token endpoint: AADSTS65001 with suberror consent_required, or
// AADSTS650053 for a scope the resource does not have.
func consentError(err error, client *directory.Application) *Error {
	var req *consent.RequiredError
	var unknown *consent.UnknownScopeError
	var oerr *Error
	switch {
	case errors.As(err, &oerr):
		return oerr
	case errors.As(err, &req):
		e := newError(400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", client.AppID, client.DisplayName)
		e.Suberror = "consent_required"
		return e
	case errors.As(err, &unknown):
		return newError(400, "invalid_scope", 650053, "The application '%s' asked for scope '%s' that doesn't exist on the resource '%s'. Contact the app vendor.", client.DisplayName, unknown.Scope, unknown.Resource.AppID)
	}
	return errServerError(err)
}

// grantedScopeString is the response's `scope`: v1 lists bare permissions,
// v2 qualifies them with the resource and adds the OIDC scopes.
func grantedScopeString(g *grantRequest, d consent.Decision) string {
	if g.version == 1 {
		return strings.Join(d.Scopes, " ")
	}
	prefix := strings.TrimRight(requestedOr(g.requested, directory.GraphIdentifier), "/") + "/"
	var out []string
	for _, p := range d.Scopes {
		out = append(out, prefix+p)
	}
	for _, o := range d.OIDC {
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return strings.Join(out, " ")
}
