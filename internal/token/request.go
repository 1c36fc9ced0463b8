package token

import (
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// Kind is the type of token being built.
type Kind int

// Token kinds.
const (
	IDToken Kind = iota + 1
	AccessToken
)

func (k Kind) String() string {
	if k == IDToken {
		return "id_token"
	}
	return "access_token"
}

// Client authentication strength, as Entra reports it in appidacr/azpacr.
const (
	ClientAuthNone   = "0" // public client
	ClientAuthSecret = "1"
	ClientAuthCert   = "2"
)

// DefaultLifetime is Entra's default lifetime for ID tokens (and, as a
// fixed value here, access tokens; Entra randomises access tokens between 60
// and 90 minutes).
const DefaultLifetime = time.Hour

// Request holds everything that decides a token's claims. The caller (the
// OAuth handlers) loads the objects; Build only decides.
type Request struct {
	Kind Kind
	// Version is 1 or 2. ID tokens take the endpoint's version; access tokens
	// take the resource's api.requestedAccessTokenVersion (Graph: 1).
	Version       int
	BaseURL       string
	TenantSegment string
	Tenant        *directory.Tenant

	// Client is the application that asked for the token.
	Client     *directory.Application
	ClientSP   *directory.ServicePrincipal
	ClientAuth string

	// Audience is the `aud` value; for ID tokens the client's appId.
	Audience string
	// AudienceApp is the application the token is for (the client for ID
	// tokens, the resource for access tokens); nil for first-party resources
	// such as Microsoft Graph. Its groupMembershipClaims, optionalClaims and
	// acceptMappedClaims apply.
	AudienceApp *directory.Application
	// AudienceSP is the service principal of the audience; its claims
	// mapping (ClaimsMapping) and lifetime policy apply.
	AudienceSP *directory.ServicePrincipal

	// User is nil for app-only tokens (client credentials).
	User *directory.User
	// Groups are the user's groups (transitive); AppGroupIDs are the groups
	// assigned to the audience app (groupMembershipClaims ApplicationGroup).
	Groups      []*directory.Group
	AppGroupIDs map[string]bool
	// DirectoryRoles are the role template ids the user holds (`wids`),
	// from their role assignments.
	DirectoryRoles []string

	Roles  []string // app roles: application permissions for app-only tokens
	Scopes []string // delegated permissions (`scp`) for user access tokens
	// OIDCScopes are the OpenID scopes granted (openid, profile, email,
	// offline_access); v2 ID tokens include name and email by them.
	OIDCScopes []string

	Nonce       string
	SessionID   string
	AuthTime    time.Time
	AuthMethods []string
	IPAddr      string
	Now         time.Time

	// ClaimsMapping is the claims mapping policy of AudienceSP, if any.
	ClaimsMapping *ClaimsMapping
	// Lifetime overrides DefaultLifetime (a token lifetime policy).
	Lifetime time.Duration
	// GroupsOverageEndpoint is where a client resolves groups when the
	// token carries too many to list (Entra's _claim_sources), and
	// GroupsOverageAccessToken the bearer token for it (OIDC Core §5.6.2).
	GroupsOverageEndpoint    string
	GroupsOverageAccessToken string
}

// ClaimsMapping is the part of a claims mapping policy token assembly uses.
type ClaimsMapping struct {
	IncludeBasicClaimSet bool
	Claims               []MappedClaim
}

// MappedClaim emits a user attribute (ID) or a directory extension
// (ExtensionID) under JWTClaimType.
type MappedClaim struct {
	Source       string // "user"
	ID           string
	ExtensionID  string
	JWTClaimType string
}

func (r *Request) hasOIDCScope(s string) bool {
	for _, v := range r.OIDCScopes {
		if v == s {
			return true
		}
	}
	return false
}
