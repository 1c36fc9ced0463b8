package token

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// Directory is what the pipeline reads about a user beyond the objects a
// request names: their groups (transitive), the groups assigned to an
// application, and their directory roles. The registry provides it.
type Directory interface {
	UserGroups(ctx context.Context, tenantID, userID string) ([]*directory.Group, error)
	AppGroupIDs(ctx context.Context, tenantID string, sp *directory.ServicePrincipal) (map[string]bool, error)
	DirectoryRoles(ctx context.Context, tenantID, principalID string) ([]string, error)
}

// Policies supplies the per-application token policies (claims mapping and
// token lifetime). A nil Policies means none are configured.
type Policies interface {
	ClaimsMapping(ctx context.Context, tenantID string, sp *directory.ServicePrincipal) (*ClaimsMapping, error)
	TokenLifetime(ctx context.Context, tenantID string, app *directory.Application, sp *directory.ServicePrincipal) (time.Duration, error)
}

// Pipeline is token issuance policy apart from any endpoint: what the
// directory contributes to a user's token, and the audience's policies.
// The login host issues with it; the admin centre's sign-in test and
// `gatehouse doctor` preview with it, so a preview shows what a sign-in
// would issue.
type Pipeline struct {
	Dir      Directory
	Policies Policies
}

// UserBase is the part of a user token's request that comes from the
// directory: the user's groups and roles and, for groupMembershipClaims
// ApplicationGroup, the groups assigned to the client.
func (p *Pipeline) UserBase(ctx context.Context, tenant *directory.Tenant, client *directory.Application,
	clientSP *directory.ServicePrincipal, u *directory.User) (Request, error) {
	groups, err := p.Dir.UserGroups(ctx, tenant.ID, u.ID)
	if err != nil {
		return Request{}, err
	}
	req := Request{Tenant: tenant, Client: client, ClientSP: clientSP, User: u, Groups: groups}
	if req.DirectoryRoles, err = p.Dir.DirectoryRoles(ctx, tenant.ID, u.ID); err != nil {
		return Request{}, err
	}
	if client.GroupMembershipClaims == directory.GroupClaimsApplicationGroup {
		if req.AppGroupIDs, err = p.Dir.AppGroupIDs(ctx, tenant.ID, clientSP); err != nil {
			return Request{}, err
		}
	}
	return req, nil
}

// ApplyPolicies sets the claims mapping and lifetime of the token's
// audience from its policies.
func (p *Pipeline) ApplyPolicies(ctx context.Context, req *Request) error {
	if p.Policies == nil || req.AudienceSP == nil {
		return nil
	}
	cm, err := p.Policies.ClaimsMapping(ctx, req.Tenant.ID, req.AudienceSP)
	if err != nil {
		return err
	}
	req.ClaimsMapping = cm
	lt, err := p.Policies.TokenLifetime(ctx, req.Tenant.ID, req.AudienceApp, req.AudienceSP)
	if err != nil {
		return err
	}
	req.Lifetime = lt
	return nil
}

// IDTokenPreview names the sign-in whose ID token PreviewIDToken builds.
type IDTokenPreview struct {
	// BaseURL and Version give the issuer (Issuer).
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
// directory reads, policies and Build as the token endpoint. A claims
// mapping the application does not accept is ErrMappedClaimsNotAccepted
// (the sign-in would fail with AADSTS50146).
func (p *Pipeline) PreviewIDToken(ctx context.Context, v IDTokenPreview) (*Token, error) {
	if v.Tenant == nil || v.Client == nil || v.ClientSP == nil || v.User == nil {
		return nil, errors.New("preview: tenant, client, service principal and user are required")
	}
	req, err := p.UserBase(ctx, v.Tenant, v.Client, v.ClientSP, v.User)
	if err != nil {
		return nil, err
	}
	req.Kind, req.Version, req.BaseURL, req.TenantSegment = IDToken, v.Version, v.BaseURL, v.Tenant.ID
	req.Audience, req.AudienceApp, req.AudienceSP = v.Client.AppID, v.Client, v.ClientSP
	req.ClientAuth, req.OIDCScopes, req.Now = ClientAuthSecret, v.OIDCScopes, v.Now
	if err := p.ApplyPolicies(ctx, &req); err != nil {
		return nil, err
	}
	return Build(&req)
}
