package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// userTokenBase is the part of a user token's request that comes from the
// directory: the user's groups (transitive) and, for
// groupMembershipClaims ApplicationGroup, the groups assigned to the
// client. The token endpoint and PreviewIDToken share it, so a preview
// shows what a sign-in would issue.
func userTokenBase(ctx context.Context, reg *registry.Registry, tenant *directory.Tenant, client *directory.Application,
	clientSP *directory.ServicePrincipal, u *directory.User) (token.Request, error) {
	groups, err := reg.UserGroups(ctx, tenant.ID, u.ID)
	if err != nil {
		return token.Request{}, err
	}
	req := token.Request{Tenant: tenant, Client: client, ClientSP: clientSP, User: u, Groups: groups}
	if client.GroupMembershipClaims == directory.GroupClaimsApplicationGroup {
		if req.AppGroupIDs, err = reg.AppGroupIDs(ctx, tenant.ID, clientSP); err != nil {
			return token.Request{}, err
		}
	}
	return req, nil
}

// applyPolicies sets the claims mapping and lifetime of the token's
// audience from its policies.
func applyPolicies(ctx context.Context, pol Policies, req *token.Request) error {
	if pol == nil || req.AudienceSP == nil {
		return nil
	}
	cm, err := pol.ClaimsMapping(ctx, req.Tenant.ID, req.AudienceSP)
	if err != nil {
		return err
	}
	req.ClaimsMapping = cm
	lt, err := pol.TokenLifetime(ctx, req.Tenant.ID, req.AudienceApp, req.AudienceSP)
	if err != nil {
		return err
	}
	req.Lifetime = lt
	return nil
}

// IDTokenPreview names the sign-in whose ID token PreviewIDToken builds.
type IDTokenPreview struct {
	// BaseURL and Version give the issuer (token.Issuer).
	BaseURL string
	Version int
	Tenant  *directory.Tenant
	// Client is the application signed in to, ClientSP its service principal.
	Client   *directory.Application
	ClientSP *directory.ServicePrincipal
	User     *directory.User
	// OIDCScopes granted (v2 ID tokens carry name, oid and email by them).
	OIDCScopes []string
	Now        time.Time
}

// PreviewIDToken assembles, without signing or issuing it, the ID token the
// authorization code flow would give p.User for p.Client right now: the same
// directory reads, policies and token.Build as the token endpoint. A claims
// mapping the application does not accept is token.ErrMappedClaimsNotAccepted
// (the sign-in would fail with AADSTS50146).
func PreviewIDToken(ctx context.Context, reg *registry.Registry, pol Policies, p IDTokenPreview) (*token.Token, error) {
	if p.Tenant == nil || p.Client == nil || p.ClientSP == nil || p.User == nil {
		return nil, errors.New("preview: tenant, client, service principal and user are required")
	}
	req, err := userTokenBase(ctx, reg, p.Tenant, p.Client, p.ClientSP, p.User)
	if err != nil {
		return nil, err
	}
	req.Kind, req.Version, req.BaseURL, req.TenantSegment = token.IDToken, p.Version, p.BaseURL, p.Tenant.ID
	req.Audience, req.AudienceApp, req.AudienceSP = p.Client.AppID, p.Client, p.ClientSP
	req.ClientAuth, req.OIDCScopes, req.Now = token.ClientAuthSecret, p.OIDCScopes, p.Now
	if err := applyPolicies(ctx, pol, &req); err != nil {
		return nil, err
	}
	return token.Build(&req)
}
