package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/consent"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// refreshTokenLifetime: Entra's refresh tokens live 90 days (24 hours for
// single-page apps); rotation extends the family.
const refreshTokenLifetime = 90 * 24 * time.Hour

// userGrant is what a user-delegated grant (code, refresh, password,
// device code) contributes to token issuance.
type userGrant struct {
	flow      grant.Flow
	userID    string
	scope     string // v2 scope as requested
	resource  string // v1 resource
	nonce     string
	sessionID string
	authTime  time.Time
	familyID  string // refresh token family; empty starts a new one
}

// tokenResponse is the token endpoint's success body; v1 sends numbers as
// strings (ExpiresIn, ExpiresOn, NotBefore), v2 as numbers.
type tokenResponse struct {
	version      int
	TokenType    string
	Scope        string
	ExpiresIn    int64
	ExpiresOn    int64
	NotBefore    int64
	Resource     string
	AccessToken  string
	RefreshToken string
	IDToken      string
	ClientInfo   string
}

func (t *tokenResponse) MarshalJSON() ([]byte, error) {
	m := map[string]any{"token_type": t.TokenType, "access_token": t.AccessToken}
	if t.Scope != "" {
		m["scope"] = t.Scope
	}
	if t.version == 1 {
		m["expires_in"] = itoa64(t.ExpiresIn)
		m["ext_expires_in"] = itoa64(t.ExpiresIn)
		m["expires_on"] = itoa64(t.ExpiresOn)
		m["not_before"] = itoa64(t.NotBefore)
		if t.Resource != "" {
			m["resource"] = t.Resource
		}
	} else {
		m["expires_in"] = t.ExpiresIn
		m["ext_expires_in"] = t.ExpiresIn
	}
	if t.RefreshToken != "" {
		m["refresh_token"] = t.RefreshToken
	}
	if t.IDToken != "" {
		m["id_token"] = t.IDToken
	}
	if t.ClientInfo != "" {
		m["client_info"] = t.ClientInfo
	}
	return json.Marshal(m)
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// writeTokenResponse sends a token response with no-store caching.
func writeTokenResponse(w http.ResponseWriter, resp *tokenResponse) {
	body, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.Write(body)
}

// prepareUserGrant checks the user and asks for the consent decision: what
// issueForUser grants, or why it refuses.
func (s *Server) prepareUserGrant(ctx context.Context, tr *tokenRequest, g userGrant) (*directory.User, *grantRequest, consent.Decision, *Error) {
	tenant := tr.e.Tenant
	u, err := s.dir.GetUser(ctx, tenant.ID, g.userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, consent.Decision{}, newError(400, "invalid_grant", 50034, "The user account does not exist in the '%s' directory.", tenant.ID)
	}
	if err != nil {
		return nil, nil, consent.Decision{}, errServerError(err)
	}
	if !u.AccountEnabled {
		return nil, nil, consent.Decision{}, newError(400, "invalid_grant", 50057, "The user account is disabled.")
	}
	if oerr := checkNotRevoked(u, g.authTime); oerr != nil {
		return nil, nil, consent.Decision{}, oerr
	}
	req, oerr := s.parseGrantRequest(ctx, tenant.ID, g.flow.Version, g.scope, g.resource, tr.client)
	if oerr != nil {
		return nil, nil, consent.Decision{}, oerr
	}
	decision, err := s.decide(ctx, req, u)
	if err != nil {
		return nil, nil, consent.Decision{}, consentError(err, tr.client)
	}
	return u, req, decision, nil
}

// issueForUser issues the ID, access and refresh tokens of a user grant.
// Every user flow ends here, and here the consent decision is made: the
// access token's `scp` is what consent.Decide grants at this moment,
// whatever the flow asked for before.
func (s *Server) issueForUser(r *http.Request, tr *tokenRequest, g userGrant) (*tokenResponse, *Error) {
	ctx := r.Context()
	tenant := tr.e.Tenant
	u, req, decision, oerr := s.prepareUserGrant(ctx, tr, g)
	if oerr != nil {
		return nil, oerr
	}
	version := g.flow.Version
	wantID, wantRefresh := true, true
	if version == 2 {
		wantID, wantRefresh = slices.Contains(decision.OIDC, "openid"), slices.Contains(decision.OIDC, "offline_access")
	}
	resource := req.resource
	base, err := s.pipeline.UserBase(ctx, tenant, tr.client, tr.clientSP, u)
	if err != nil {
		return nil, errServerError(err)
	}
	groups := base.Groups
	base.BaseURL, base.TenantSegment, base.ClientAuth = g.flow.BaseURL, g.flow.TenantSegment, tr.clientAuth
	base.Nonce, base.SessionID, base.AuthTime, base.Now, base.OIDCScopes = g.nonce, g.sessionID, g.authTime, s.now(), decision.OIDC
	base.IPAddr, base.GroupsOverageEndpoint = clientIP(r), overageEndpoint(g.flow)
	resp := &tokenResponse{version: version, TokenType: "Bearer"}

	at := base
	at.Kind, at.Version, at.Scopes = token.AccessToken, resource.AccessTokenVersion(), decision.Scopes
	at.AudienceSP, at.AudienceApp = resource.SP, resource.App
	at.Audience = accessAudience(resource, req.requested, at.Version)
	access, exp, oerr := s.sign(ctx, &at)
	if oerr != nil {
		return nil, oerr
	}
	resp.AccessToken, resp.ExpiresOn = access, exp.Unix()
	resp.ExpiresIn = int64(exp.Sub(s.now()).Round(time.Second) / time.Second)
	resp.NotBefore = s.now().Unix()
	resp.Resource = strings.TrimRight(requestedOr(req.requested, directory.GraphIdentifier), "/")
	resp.Scope = grantedScopeString(req, decision)

	if wantID {
		it := base
		it.Kind, it.Version, it.Audience = token.IDToken, version, tr.client.AppID
		it.AudienceApp, it.AudienceSP = tr.client, tr.clientSP
		if len(groups) > token.MaxGroupsInJWT {
			// The bearer for the groups endpoint lives as long as the ID
			// token that carries it (security review F5).
			if err := s.pipeline.ApplyPolicies(ctx, &it); err != nil {
				return nil, errServerError(err)
			}
			life := it.Lifetime
			if life <= 0 {
				life = token.DefaultLifetime
			}
			if it.GroupsOverageAccessToken, err = s.overageAccessToken(g.flow, tr.client, u, s.now().Add(life)); err != nil {
				return nil, errServerError(err)
			}
		}
		if resp.IDToken, _, oerr = s.sign(ctx, &it); oerr != nil {
			return nil, oerr
		}
	}
	if wantRefresh {
		rt, err := s.newRefreshToken(ctx, tr, g)
		if errors.Is(err, store.ErrRevoked) {
			return nil, errRevoked()
		}
		if err != nil {
			return nil, errServerError(err)
		}
		resp.RefreshToken = rt
	}
	if tr.form.Get("client_info") == "1" {
		resp.ClientInfo = clientInfo(u.ID, tenant.ID)
	}
	return resp, nil
}

// checkNotRevoked refuses a grant that began before the user's sessions
// were revoked (revokeSignInSessions, a password reset): Entra's
// AADSTS50173.
func checkNotRevoked(u *directory.User, authTime time.Time) *Error {
	if u.SignInSessionsValidFrom.IsZero() || !authTime.Before(u.SignInSessionsValidFrom) {
		return nil
	}
	return newError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '%s' and the TokensValidFrom date for this user is '%s'.",
		authTime.UTC().Format(time.RFC3339), u.SignInSessionsValidFrom.UTC().Format(time.RFC3339))
}

func errRevoked() *Error {
	return newError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed.")
}

// sign applies the audience's policies, builds and signs one token.
func (s *Server) sign(ctx context.Context, req *token.Request) (string, time.Time, *Error) {
	if err := s.pipeline.ApplyPolicies(ctx, req); err != nil {
		return "", time.Time{}, errServerError(err)
	}
	t, err := token.Build(req)
	if errors.Is(err, token.ErrMappedClaimsNotAccepted) {
		return "", time.Time{}, errMappedClaims().withCause(err)
	}
	if err != nil {
		return "", time.Time{}, errServerError(err)
	}
	jwt, err := token.Sign(s.keys, t)
	if err != nil {
		return "", time.Time{}, errServerError(err)
	}
	return jwt, t.ExpiresAt, nil
}

// resolveResource finds the resource of a request; none means Graph, as
// Entra issues a Graph token for a sign-in that asks for no resource.
func (s *Server) resolveResource(ctx context.Context, tenantID, requested string) (registry.Resource, *Error) {
	id := requestedOr(requested, directory.GraphIdentifier)
	res, err := s.reg.ResolveResource(ctx, tenantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return registry.Resource{}, newError(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", id, tenantID)
	}
	if err != nil {
		return registry.Resource{}, errServerError(err)
	}
	// Every flow, app-only included, stops at a disabled resource.
	if !res.SP.AccountEnabled {
		return registry.Resource{}, newError(400, "invalid_resource", 500014, "The service principal for resource '%s' is disabled. This indicate that a subscription within the tenant has lapsed, or that the administrator for this tenant has disabled the application, preventing tokens from being issued for it.", res.SP.AppID)
	}
	return res, nil
}

func requestedOr(requested, def string) string {
	if requested == "" {
		return def
	}
	return requested
}

// accessAudience is the `aud` of an access token: v2 tokens always carry the
// resource's appId; v1 tokens the resource's canonical identifier: Graph's
// URL, or the identifier the client used when the resource owns it (names
// are unique, so it names this resource and no other).
func accessAudience(res registry.Resource, requested string, version int) string {
	if version == 2 {
		return res.SP.AppID
	}
	if requested == "" || res.IsGraph() && !directory.IsGUID(requested) {
		return directory.GraphIdentifier
	}
	if directory.IsGUID(requested) {
		return strings.ToLower(requested)
	}
	return strings.TrimRight(requested, "/")
}

// newRefreshToken stores and returns a refresh token in the grant's family;
// store.ErrRevoked when the family was revoked meanwhile.
func (s *Server) newRefreshToken(ctx context.Context, tr *tokenRequest, g userGrant) (string, error) {
	secret := grant.NewSecret()
	family := g.familyID
	if family == "" {
		family = directory.NewID()
	}
	now := s.now()
	rt := &grant.RefreshToken{
		Hash: grant.Hash(secret), FamilyID: family, Flow: g.flow, ClientID: tr.client.AppID, UserID: g.userID,
		SessionID: g.sessionID, Scope: g.scope, Resource: g.resource, AuthTime: g.authTime, IssuedAt: now,
		ExpiresAt: now.Add(refreshTokenLifetime),
	}
	if err := s.grants.CreateRefreshToken(ctx, rt); err != nil {
		return "", err
	}
	return secret, nil
}

// clientInfo is MSAL's client_info: base64url JSON of the user's object id
// and tenant id.
func clientInfo(uid, utid string) string {
	b, _ := json.Marshal(map[string]string{"uid": uid, "utid": utid})
	return base64.RawURLEncoding.EncodeToString(b)
}

// clientIP is the caller's address for the ipaddr claim.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndex(host, ":"); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
