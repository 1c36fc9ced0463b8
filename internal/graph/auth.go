package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Permission model: the registry decides (registry.Authorize) from the
// caller's permissions as the directory has them now.
//
// App-only tokens (client credentials) are honoured while the client's
// service principal exists and is enabled, with the application
// permissions consented to it now intersected with the token's `roles`.
//
// Delegated tokens (a user's token with `scp`) are honoured while the user
// and the client exist and are enabled; an operation needs one of its
// delegated permissions (or Directory.AccessAsUser.All) and, for writes, a
// directory role the user holds through a role assignment.

// authenticate validates the bearer token (signed by Gatehouse, issued by
// one of its public URLs, audience Microsoft Graph, not expired) and loads
// the actor it stands for.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (registry.Actor, *Error) {
	// RFC 9110 §11.1: the auth scheme is case-insensitive.
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return registry.Actor{}, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token is empty.")
	}
	claims, err := token.Verify(strings.TrimSpace(raw), s.keys, s.clock())
	if err != nil {
		// Say what kind of failure it was, not the verifier's internals.
		reason := "Invalid signature or malformed token."
		if strings.Contains(err.Error(), "expired") {
			reason = "Lifetime validation failed, the token is expired."
		}
		s.log.Info("graph token refused", "reason", err.Error())
		return registry.Actor{}, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. %s", reason)
	}
	if !s.ownIssuer(claims.String("iss")) {
		return registry.Actor{}, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. Invalid issuer.")
	}
	if aud := claims.String("aud"); aud != directory.GraphIdentifier && aud != directory.GraphAppID && aud != directory.GraphIdentifier+"/" {
		return registry.Actor{}, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. Invalid audience.")
	}
	tid := claims.String("tid")
	if _, err := s.dir.GetTenant(ctx, tid); err != nil {
		return registry.Actor{}, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. Unknown tenant.")
	}
	var roles []string
	if list, ok := claims["roles"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				roles = append(roles, s)
			}
		}
	}
	// Gatehouse marks every token: idtyp app or user. A user token without
	// scp has no delegated permission and is refused by the registry.
	appID := claims.String("appid")
	if appID == "" {
		appID = claims.String("azp") // v2 access tokens
	}
	var a registry.Actor
	if claims.String("idtyp") == "app" {
		a, err = s.reg.AppActor(ctx, tid, appID, roles)
	} else {
		a, err = s.reg.UserActor(ctx, tid, claims.String("oid"), appID, strings.Fields(claims.String("scp")))
	}
	if errors.Is(err, registry.ErrActorInvalid) {
		return registry.Actor{}, errorf(http.StatusUnauthorized, codeInvalidToken,
			"Access token validation failure. The user or application no longer exists or is disabled.")
	}
	if err != nil {
		return registry.Actor{}, fromDomain(err, "")
	}
	return a, nil
}

// ownIssuer reports whether iss names one of this server's public URLs.
func (s *Server) ownIssuer(iss string) bool {
	u, err := url.Parse(iss)
	if err != nil {
		return false
	}
	return s.bases[strings.ToLower(u.Scheme+"://"+u.Host)]
}
