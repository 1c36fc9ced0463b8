package oauth

import (
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/token"
)

// tokenClientCredentials issues an app-only access token (RFC 6749 §4.4).
// Entra: v2 requests name exactly one resource as `<resource>/.default`; v1
// requests send `resource`. The token's roles are the application
// permissions admin-consented to the client's service principal on that
// resource.
func (s *Server) tokenClientCredentials(w http.ResponseWriter, r *http.Request, tr *tokenRequest) *Error {
	var requested string
	if tr.e.Version == 2 {
		scope := tr.form.Get("scope")
		if scope == "" {
			return errMissingParam("scope")
		}
		fields := strings.Fields(scope)
		if len(fields) != 1 || !strings.HasSuffix(fields[0], "/.default") {
			return newError(400, "invalid_scope", 1002012, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
		}
		requested = strings.TrimSuffix(fields[0], "/.default")
	} else {
		if requested = tr.form.Get("resource"); requested == "" {
			return errMissingParam("resource")
		}
	}
	resource, oerr := s.resolveResource(r.Context(), tr.e.Tenant.ID, requested)
	if oerr != nil {
		return oerr
	}
	roles, err := s.reg.ConsentedAppRoles(r.Context(), tr.e.Tenant.ID, tr.clientSP.ID, resource.SP)
	if err != nil {
		return errServerError(err)
	}
	req := token.Request{
		Kind: token.AccessToken, Version: resource.AccessTokenVersion(), BaseURL: tr.e.Base, TenantSegment: tr.e.Segment,
		Tenant: tr.e.Tenant, Client: tr.client, ClientSP: tr.clientSP, ClientAuth: tr.clientAuth,
		AudienceSP: resource.SP, AudienceApp: resource.App, Roles: roles, Now: s.now(),
	}
	req.Audience = accessAudience(resource, requested, req.Version)
	jwt, exp, oerr := s.sign(r.Context(), &req)
	if oerr != nil {
		return oerr
	}
	now := s.now()
	s.log.Info("tokens issued", "grant", grantClientCredentials, "client_id", tr.client.AppID, "resource", resource.SP.AppID)
	writeTokenResponse(w, &tokenResponse{
		version: tr.e.Version, TokenType: "Bearer", AccessToken: jwt,
		ExpiresIn: int64(exp.Sub(now).Seconds()), ExpiresOn: exp.Unix(), NotBefore: now.Unix(),
		Resource: strings.TrimRight(requested, "/"),
	})
	return nil
}
