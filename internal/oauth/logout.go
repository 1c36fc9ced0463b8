package oauth

import (
	"net/http"
	"slices"

	"github.com/gatehouse-id/gatehouse/internal/grant"
)

// handleLogout ends the sign-in session (RP-initiated logout): the session
// record and the refresh tokens issued under it are deleted, the cookie is
// cleared, and the browser returns to post_logout_redirect_uri when it is a
// redirect URI registered for the client.
func (s *Server) handleLogout(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodPost {
			form, oerr := readForm(w, r)
			if oerr != nil {
				s.renderErrorPage(w, r, oerr)
				return
			}
			q = form
		}
		e, oerr := s.resolveEndpoint(r, version)
		if oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		if c, err := r.Cookie(cookieName(r, sessionCookie)); err == nil && c.Value != "" {
			hash := grant.Hash(c.Value)
			if sess, err := s.grants.GetSession(r.Context(), hash); err == nil {
				n, _ := s.grants.DeleteRefreshTokensBySession(r.Context(), sess.ID)
				s.log.Info("signed out", "tenant", sess.TenantID, "user", sess.UserID, "refresh_tokens_revoked", n)
			}
			s.grants.DeleteSession(r.Context(), hash)
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName(r, sessionCookie), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
			Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
		target := q.Get("post_logout_redirect_uri")
		if target != "" && s.logoutTargetAllowed(r, e, q.Get("client_id"), target) {
			u := target
			if st := q.Get("state"); st != "" {
				u += sep(u) + "state=" + urlQueryEscape(st)
			}
			http.Redirect(w, r, u, http.StatusFound)
			return
		}
		s.render(w, http.StatusOK, "message", messagePage{Title: "You signed out of your account",
			TenantName: e.Tenant.DisplayName, Message: "It's a good idea to close all browser windows."})
	}
}

// logoutTargetAllowed: only redirect URIs (or the logout URL) registered for
// the client, named by client_id, are followed; anything else would be an
// open redirect.
func (s *Server) logoutTargetAllowed(r *http.Request, e endpoint, clientID, target string) bool {
	if clientID == "" {
		return false
	}
	app, err := s.dir.GetApplicationByAppID(r.Context(), e.Tenant.ID, clientID)
	if err != nil {
		return false
	}
	return slices.Contains(app.Web.RedirectURIs, target) || slices.Contains(app.PublicClient.RedirectURIs, target) ||
		(app.Web.LogoutURL != "" && app.Web.LogoutURL == target)
}
