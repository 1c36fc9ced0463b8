package oauth

import (
	"errors"
	"net/http"

	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

var errRefreshReused = errors.New("refresh token already rotated")

// tokenRefresh redeems a refresh token (RFC 6749 §6). Refresh tokens rotate:
// the presented one is marked rotated and a new one in the same family is
// returned. Presenting a rotated token again means it leaked: the whole
// family is revoked (RFC 9700 §4.14.2).
func (s *Server) tokenRefresh(w http.ResponseWriter, r *http.Request, tr *tokenRequest) *Error {
	presented := tr.form.Get("refresh_token")
	if presented == "" {
		return errMissingParam("refresh_token")
	}
	var (
		checkErr *Error
		reused   *grant.RefreshToken
	)
	rt, err := s.grants.UpdateRefreshToken(r.Context(), grant.Hash(presented), func(t *grant.RefreshToken) error {
		if t.RotatedAt != nil {
			cp := *t
			reused = &cp
			return errRefreshReused
		}
		if t.ClientID != tr.client.AppID || t.Flow.TenantID != tr.e.Tenant.ID {
			checkErr = newError(400, "invalid_grant", 70000, "The provided refresh token was issued to another client or tenant.")
			return checkErr
		}
		now := s.now()
		t.RotatedAt = &now
		return nil
	})
	switch {
	case reused != nil:
		n, derr := s.grants.DeleteRefreshFamily(r.Context(), reused.FamilyID, s.now().Add(refreshTokenLifetime))
		s.log.Warn("rotated refresh token reused; family revoked", "client_id", reused.ClientID, "revoked", n, "err", derr)
		return newError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
	case checkErr != nil:
		return checkErr
	case errors.Is(err, store.ErrNotFound):
		return newError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case err != nil:
		return errServerError(err)
	}
	resp, oerr := s.issueForUser(r, tr, refreshGrant(rt, tr))
	if oerr != nil {
		// Nothing was issued (a scope nobody consented, a deleted grant):
		// give the token back, as a refused code is, so the client goes on
		// using it for what it may have, as with Entra.
		rotated := *rt.RotatedAt
		s.grants.UpdateRefreshToken(r.Context(), grant.Hash(presented), func(t *grant.RefreshToken) error {
			if t.RotatedAt == nil || !t.RotatedAt.Equal(rotated) {
				return errRefreshReused // used again meanwhile: leave it to reuse detection
			}
			t.RotatedAt = nil
			return nil
		})
		return oerr
	}
	s.log.Info("tokens issued", "grant", grantRefreshToken, "client_id", tr.client.AppID, "user", rt.UserID)
	writeTokenResponse(w, resp)
	return nil
}

// refreshGrant is what a refresh request asks for. Entra refresh tokens are
// multi-resource: the request may name another resource (v1 `resource`) or
// scopes (v2 `scope`); the consent decision bounds either.
func refreshGrant(rt *grant.RefreshToken, tr *tokenRequest) userGrant {
	g := userGrant{flow: rt.Flow, userID: rt.UserID, scope: rt.Scope, resource: rt.Resource,
		sessionID: rt.SessionID, authTime: rt.AuthTime, familyID: rt.FamilyID}
	if v := tr.form.Get("scope"); v != "" && rt.Flow.Version == 2 {
		g.scope = v
	}
	if v := tr.form.Get("resource"); v != "" && rt.Flow.Version == 1 {
		g.resource = v
	}
	return g
}
