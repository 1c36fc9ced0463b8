package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Groups overage. Above 200 groups Entra puts a pointer in the JWT instead
// of the list (_claim_names/_claim_sources, OIDC Core §5.6.2). Entra's
// pointer is a Graph URL that returns plain JSON, which the Kubernetes API
// server cannot use (kubernetes/kubernetes#62920): it resolves distributed
// claims only from an endpoint that answers with a JWT signed by the issuer.
// Gatehouse's pointer is such an endpoint, with a bearer token for it.

const overagePurpose = "groups-overage"

// overageEndpoint is the URL of the groups endpoint for a flow.
func overageEndpoint(f grant.Flow) string {
	return strings.TrimRight(f.BaseURL, "/") + "/" + f.TenantSegment + "/openid/groups"
}

// overageAccessToken signs the bearer token that lets the holder of the ID
// token fetch its groups: audience the endpoint itself (so it can never
// pass as an ID token), subject the user, valid as long as the ID token.
func (s *Server) overageAccessToken(f grant.Flow, client *directory.Application, u *directory.User, exp time.Time) (string, error) {
	now := s.now()
	claims := map[string]any{
		"iss": token.Issuer(f.BaseURL, f.TenantSegment, f.Version), "aud": overageEndpoint(f), "sub": u.ID,
		"tid": u.TenantID, "azp": client.AppID, "purpose": overagePurpose, "iat": now.Unix(), "exp": exp.Unix(),
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return s.keys.Sign(b, false)
}

// handleGroupsOverage answers with a JWT, signed by the issuer, whose
// `groups` claim lists every group the ID token would carry.
func (s *Server) handleGroupsOverage(w http.ResponseWriter, r *http.Request) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "A bearer token from the ID token's _claim_sources is required."})
		return
	}
	c, err := token.Verify(strings.TrimSpace(raw), s.keys, s.now())
	e, oerr := s.resolveEndpoint(r, 1)
	switch {
	case oerr != nil:
		s.writeJSONError(w, r, oerr)
		return
	case err != nil || c.String("purpose") != overagePurpose || c.String("aud") != overageEndpoint(flowOf(e)) || c.String("tid") != e.Tenant.ID:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "The bearer token is not a valid groups token for this endpoint."})
		return
	}
	groups, client, u, oerr := s.overageGroups(r.Context(), e.Tenant, c.String("azp"), c.String("sub"))
	if oerr != nil {
		s.writeJSONError(w, r, oerr)
		return
	}
	// The bearer dies with the user's sessions: a password reset or
	// revokeSignInSessions ends it too (security review F5).
	if iat, _ := c["iat"].(float64); checkNotRevoked(u, time.Unix(int64(iat), 0)) != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "The bearer token was issued before the user's sessions were revoked."})
		return
	}
	now := s.now()
	exp := time.Unix(int64(c["exp"].(float64)), 0)
	if limit := now.Add(5 * time.Minute); exp.After(limit) {
		exp = limit
	}
	// The answer names no subject (no sub, oid, upn, email): the API server
	// reads only its groups claim, and without a user claim it cannot pass
	// as an ID token for anyone (security review F5). aud stays the client
	// id because the API server verifies distributed claims with the ID
	// token's verifier.
	out, _ := json.Marshal(map[string]any{"iss": c.String("iss"), "aud": client.AppID, "tid": u.TenantID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(), "groups": groups})
	jwt, err := s.keys.Sign(out, false)
	if err != nil {
		s.writeJSONError(w, r, errServerError(err))
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(jwt))
}

func (s *Server) overageGroups(ctx context.Context, t *directory.Tenant, clientID, userID string) ([]string, *directory.Application, *directory.User, *Error) {
	client, err := s.dir.GetApplicationByAppID(ctx, t.ID, clientID)
	if err != nil {
		return nil, nil, nil, errClientNotFound(clientID, t.ID)
	}
	u, err := s.dir.GetUser(ctx, t.ID, userID)
	if err != nil || !u.AccountEnabled {
		return nil, nil, nil, newError(400, "invalid_grant", 50034, "The user account does not exist or is disabled.")
	}
	groups, err := s.reg.UserGroups(ctx, t.ID, u.ID)
	if err != nil {
		return nil, nil, nil, errServerError(err)
	}
	req := &token.Request{Kind: token.IDToken, Tenant: t, Client: client, AudienceApp: client, User: u, Groups: groups}
	if client.GroupMembershipClaims == directory.GroupClaimsApplicationGroup {
		sp, err := s.dir.GetServicePrincipalByAppID(ctx, t.ID, client.AppID)
		if err == nil {
			req.AppGroupIDs, _ = s.reg.AppGroupIDs(ctx, t.ID, sp)
		}
	}
	return token.GroupClaimValues(req), client, u, nil
}
