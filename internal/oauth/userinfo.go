package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// handleUserinfo serves the OIDC userinfo endpoint. As on Entra, it takes an
// access token for Microsoft Graph issued by this tenant and returns the
// user's standard claims; sub is the same pairwise value as in the ID token
// of the app that holds the token.
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request", error_description="no access token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "No access token was sent."})
		return
	}
	claims, err := token.Verify(raw, s.keys, s.now())
	if err == nil && !s.ownIssuer(claims) {
		err = errors.New("token was not issued by this host")
	}
	if err == nil && claims.String("aud") != directory.GraphIdentifier && claims.String("aud") != directory.GraphAppID {
		err = errors.New("token audience is not Microsoft Graph")
	}
	if err == nil && claims.String("idtyp") == "app" {
		err = errors.New("app-only tokens have no user")
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": err.Error()})
		return
	}
	tenantID, oid := claims.String("tid"), claims.String("oid")
	t, err := s.dir.GetTenant(r.Context(), tenantID)
	var u *directory.User
	if err == nil {
		u, err = s.dir.GetUser(r.Context(), tenantID, oid)
	}
	if err == nil && !u.AccountEnabled {
		err = errors.New("disabled")
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "The token's user no longer exists or is disabled."})
		return
	}
	// /{tenant}/openid/userinfo answers only for its own tenant's tokens.
	if seg := r.PathValue("tenant"); seg != "" {
		if pt, perr := s.reg.ResolveTenant(r.Context(), seg); perr != nil || pt.ID != t.ID {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "The token was issued by another tenant."})
			return
		}
	}
	if iat, ok := claims["iat"].(float64); ok && checkNotRevoked(u, time.Unix(int64(iat), 0)) != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "The user's sessions were revoked after the token was issued."})
		return
	}
	client := claims.String("appid")
	if client == "" {
		client = claims.String("azp")
	}
	body := map[string]any{"sub": token.PairwiseSubject(t.PairwiseSalt, client, u.ID), "name": u.DisplayName}
	if u.GivenName != "" {
		body["given_name"] = u.GivenName
	}
	if u.Surname != "" {
		body["family_name"] = u.Surname
	}
	if u.Mail != "" {
		body["email"] = u.Mail
	}
	writeJSON(w, http.StatusOK, body)
}

// ownIssuer reports whether iss names one of this host's public URLs.
func (s *Server) ownIssuer(c token.Claims) bool {
	u, err := url.Parse(c.String("iss"))
	if err != nil {
		return false
	}
	_, ok := s.bases[strings.ToLower(u.Scheme+"://"+u.Host)]
	return ok
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
