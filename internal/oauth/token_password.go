package oauth

import (
	"net/http"
)

// tokenPassword is the resource owner password credentials grant (ROPC),
// which Entra supports for accounts without MFA; Gatehouse offers it for CI
// and headless use (kubelogin --grant-type=password).
func (s *Server) tokenPassword(w http.ResponseWriter, r *http.Request, tr *tokenRequest) *Error {
	u, oerr := s.authenticateUser(r, tr.e.Tenant.ID, tr.form.Get("username"), tr.form.Get("password"))
	if oerr != nil {
		return oerr
	}
	if tr.e.Version == 2 && tr.form.Get("scope") == "" {
		return errMissingParam("scope")
	}
	resp, oerr := s.issueForUser(r, tr, userGrant{
		flow: flowOf(tr.e), userID: u.ID, scope: tr.form.Get("scope"), resource: tr.form.Get("resource"),
		authTime: s.now(),
	})
	if oerr != nil {
		return oerr
	}
	s.log.Info("tokens issued", "grant", grantPassword, "client_id", tr.client.AppID, "user", u.ID)
	writeTokenResponse(w, resp)
	return nil
}
