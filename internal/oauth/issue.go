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

// issueForUser issues the ID, access and refresh tokens of a user grant.
func (s *Server) issueForUser(r *http.Request, tr *tokenRequest, g userGrant) (*tokenResponse, *Error) {
	ctx := r.Context()
	tenant := tr.e.Tenant
	u, err := s.st.GetUser(ctx, tenant.ID, g.userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newError(400, "invalid_grant", 50034, "The user account does not exist in the '%s' directory.", tenant.ID)
	}
	if err != nil {
		return nil, errServerError(err)
	}
	if !u.AccountEnabled {
		return nil, newError(400, "invalid_grant", 50057, "The user account is disabled.")
	}
	version := g.flow.Version
	var sc token.Scope
	wantID, wantRefresh := true, true
	requested := g.resource
	if version == 2 {
		if sc, err = token.ParseScope(g.scope); err != nil {
			return nil, scopeError(err)
		}
		wantID, wantRefresh = sc.Has("openid"), sc.Has("offline_access")
		requested = sc.Resource
	}
	resource, oerr := s.resolveResource(ctx, tenant.ID, requested)
	if oerr != nil {
		return nil, oerr
	}
	scopes, oerr := delegatedScopes(tr.client, resource, sc, requested == "")
	if oerr != nil {
		return nil, oerr
	}
	base, err := userTokenBase(ctx, s.reg, tenant, tr.client, tr.clientSP, u)
	if err != nil {
		return nil, errServerError(err)
	}
	groups := base.Groups
	base.BaseURL, base.TenantSegment, base.ClientAuth = g.flow.BaseURL, g.flow.TenantSegment, tr.clientAuth
	base.Nonce, base.SessionID, base.AuthTime, base.Now, base.OIDCScopes = g.nonce, g.sessionID, g.authTime, s.now(), sc.OIDC
	base.IPAddr, base.GroupsOverageEndpoint = clientIP(r), overageEndpoint(g.flow)
	resp := &tokenResponse{version: version, TokenType: "Bearer"}

	at := base
	at.Kind, at.Version, at.Scopes = token.AccessToken, resource.AccessTokenVersion(), scopes
	at.AudienceSP, at.AudienceApp = resource.SP, resource.App
	at.Audience = accessAudience(resource, requested, at.Version)
	access, exp, oerr := s.sign(ctx, &at)
	if oerr != nil {
		return nil, oerr
	}
	resp.AccessToken, resp.ExpiresOn = access, exp.Unix()
	resp.ExpiresIn = int64(exp.Sub(s.now()).Round(time.Second) / time.Second)
	resp.NotBefore = s.now().Unix()
	resp.Resource = strings.TrimRight(requestedOr(requested, directory.GraphIdentifier), "/")
	resp.Scope = grantedScope(version, resource, requested, scopes, sc)

	if wantID {
		it := base
		it.Kind, it.Version, it.Audience = token.IDToken, version, tr.client.AppID
		it.AudienceApp, it.AudienceSP = tr.client, tr.clientSP
		if len(groups) > token.MaxGroupsInJWT {
			// Long enough for any lifetime policy; the endpoint's answer
			// never outlives five minutes.
			if it.GroupsOverageAccessToken, err = s.overageAccessToken(g.flow, tr.client, u, s.now().Add(24*time.Hour)); err != nil {
				return nil, errServerError(err)
			}
		}
		if resp.IDToken, _, oerr = s.sign(ctx, &it); oerr != nil {
			return nil, oerr
		}
	}
	if wantRefresh {
		rt, err := s.newRefreshToken(ctx, tr, g)
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

// sign applies the audience's policies, builds and signs one token.
func (s *Server) sign(ctx context.Context, req *token.Request) (string, time.Time, *Error) {
	if err := applyPolicies(ctx, s.policies, req); err != nil {
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
	return res, nil
}

func requestedOr(requested, def string) string {
	if requested == "" {
		return def
	}
	return requested
}

// accessAudience is the `aud` of an access token: v2 tokens always carry the
// resource's appId; v1 tokens the identifier the client asked for.
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

// delegatedScopes decides the `scp` of a user access token.
func delegatedScopes(client *directory.Application, res registry.Resource, sc token.Scope, defaultResource bool) ([]string, *Error) {
	consented := map[string]bool{}
	if res.IsGraph() {
		consented["User.Read"] = true // the permission every registration starts with
		for _, rra := range client.RequiredResourceAccess {
			if rra.ResourceAppID != directory.GraphAppID {
				continue
			}
			for _, ra := range rra.ResourceAccess {
				if ra.Type != "Scope" {
					continue
				}
				for _, ps := range res.SP.OAuth2PermissionScopes {
					if strings.EqualFold(ps.ID, ra.ID) {
						consented[ps.Value] = true
					}
				}
			}
		}
	}
	perms := sc.Permissions
	if defaultResource || slices.Equal(perms, []string{".default"}) {
		var out []string
		for _, ps := range res.SP.OAuth2PermissionScopes {
			if consented[ps.Value] && !isOIDCScope(ps.Value) {
				out = append(out, ps.Value)
			}
		}
		return out, nil
	}
	if !res.IsGraph() {
		// Gatehouse does not model the scopes other APIs expose or their
		// consent: an app may ask for its own API's scopes, and for another
		// API only .default (no scp). Granting any named scope would let an
		// app mint tokens with permissions nobody consented to.
		if res.SP.AppID == client.AppID {
			return perms, nil
		}
		return nil, newError(400, "invalid_scope", 650053, "The application '%s' asked for scopes of the resource '%s' that Gatehouse cannot consent to; request '%s/.default'.", client.DisplayName, res.SP.AppID, res.SP.AppID)
	}
	var out []string
	for _, p := range perms {
		known := false
		for _, ps := range res.SP.OAuth2PermissionScopes {
			if strings.EqualFold(ps.Value, p) {
				known, p = true, ps.Value
			}
		}
		if !known {
			return nil, newError(400, "invalid_scope", 650053, "The application '%s' asked for scope '%s' that doesn't exist on the resource '%s'.", client.DisplayName, p, res.SP.AppID)
		}
		if !consented[p] {
			return nil, newError(400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", client.AppID, client.DisplayName)
		}
		out = append(out, p)
	}
	return out, nil
}

func isOIDCScope(s string) bool {
	return s == "openid" || s == "profile" || s == "email" || s == "offline_access"
}

// grantedScope is the response's `scope`: v1 lists bare permissions, v2
// qualifies them with the resource and adds the OIDC scopes.
func grantedScope(version int, res registry.Resource, requested string, scopes []string, sc token.Scope) string {
	if version == 1 {
		return strings.Join(scopes, " ")
	}
	prefix := strings.TrimRight(requestedOr(requested, directory.GraphIdentifier), "/") + "/"
	var out []string
	for _, p := range scopes {
		out = append(out, prefix+p)
	}
	out = append(out, sc.OIDC...)
	return strings.Join(out, " ")
}

// newRefreshToken stores and returns a refresh token in the grant's family.
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
	if err := s.st.CreateRefreshToken(ctx, rt); err != nil {
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
