package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// errCodeReused marks a second redemption of a code inside the update.
var errCodeReused = errors.New("authorization code already redeemed")

// tokenAuthorizationCode redeems an authorization code (RFC 6749 §4.1.3,
// PKCE RFC 7636). Codes are single use: a second redemption fails and
// revokes the refresh tokens the first one issued.
func (s *Server) tokenAuthorizationCode(w http.ResponseWriter, r *http.Request, tr *tokenRequest) *Error {
	code := tr.form.Get("code")
	if code == "" {
		return errMissingParam("code")
	}
	redirect := tr.form.Get("redirect_uri")
	verifier := tr.form.Get("code_verifier")
	var checkErr *Error
	c, err := s.grants.UpdateAuthCode(r.Context(), grant.Hash(code), func(c *grant.AuthCode) error {
		if c.UsedAt != nil || c.Reused {
			return errCodeReused
		}
		if checkErr = checkCodeRedemption(c, tr, redirect, verifier); checkErr != nil {
			return checkErr
		}
		now := s.now()
		c.UsedAt = &now
		c.FamilyID = directory.NewID()
		return nil
	})
	switch {
	case errors.Is(err, errCodeReused):
		// c is the stored code; revoke what its first redemption issued.
		if c, gerr := s.reusedCode(r, code); gerr == nil && c.FamilyID != "" {
			n, derr := s.grants.DeleteRefreshFamily(r.Context(), c.FamilyID, s.now().Add(refreshTokenLifetime))
			s.log.Warn("authorization code reused; refresh tokens revoked", "client_id", c.ClientID, "revoked", n, "err", derr)
		}
		return newError(400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case checkErr != nil:
		return checkErr
	case errors.Is(err, store.ErrNotFound):
		return newError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case err != nil:
		return errServerError(err)
	}
	resp, oerr := s.issueForUser(r, tr, userGrant{
		flow: c.Flow, userID: c.UserID, scope: c.Scope, resource: c.Resource, nonce: c.Nonce,
		sessionID: c.SessionID, authTime: c.AuthTime, familyID: c.FamilyID,
	})
	if oerr != nil {
		// Nothing was issued: give the code back, so a client that retries
		// (x/oauth2 retries with the other client authentication style)
		// sees the real error again, not "already redeemed".
		s.grants.UpdateAuthCode(r.Context(), grant.Hash(code), func(c *grant.AuthCode) error {
			if c.Reused {
				return errCodeReused // presented again meanwhile: stays burnt
			}
			c.UsedAt, c.FamilyID = nil, ""
			return nil
		})
		return oerr
	}
	s.log.Info("tokens issued", "grant", grantAuthorizationCode, "client_id", tr.client.AppID, "user", c.UserID)
	writeTokenResponse(w, resp)
	return nil
}

// reusedCode burns a code presented again and returns it, to find the
// refresh token family its first redemption started.
func (s *Server) reusedCode(r *http.Request, code string) (*grant.AuthCode, error) {
	return s.grants.UpdateAuthCode(r.Context(), grant.Hash(code), func(c *grant.AuthCode) error {
		c.Reused = true
		return nil
	})
}

// checkCodeRedemption applies the code's bindings: client, tenant,
// redirect URI, PKCE.
func checkCodeRedemption(c *grant.AuthCode, tr *tokenRequest, redirect, verifier string) *Error {
	if c.ClientID != tr.client.AppID || c.Flow.TenantID != tr.e.Tenant.ID {
		return newError(400, "invalid_grant", 70000, "The provided authorization code was issued to another client or tenant.")
	}
	if redirect == "" {
		return errMissingParam("redirect_uri")
	}
	if redirect != c.RedirectURI {
		return newError(400, "invalid_grant", 500117, "The reply URI specified in the request does not match the reply URI used in the authorization request.")
	}
	if c.CodeChallenge == "" {
		if verifier != "" {
			// A verifier without a challenge is a downgrade attempt or a bug.
			return newError(400, "invalid_grant", 501481, "The code_verifier was sent but the authorization request had no code_challenge.")
		}
		return nil
	}
	if verifier == "" {
		return errMissingParam("code_verifier")
	}
	if !pkceMatches(c.CodeChallengeMethod, c.CodeChallenge, verifier) {
		return newError(400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	return nil
}

// pkceMatches checks a verifier against a challenge (RFC 7636 §4.6).
func pkceMatches(method, challenge, verifier string) bool {
	if !validVerifierSyntax(verifier) {
		return false
	}
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
