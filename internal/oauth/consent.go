package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Consent. Gatehouse does not store delegated permission grants yet: a
// delegated Microsoft Graph scope counts as consented once the app
// declares it. So that a signed-in administrator's session cannot be used
// silently by an app that declared administrator scopes, an authorization
// request that asks for Admin-type scopes always shows what it asks for and
// waits for the user to accept (Entra shows its consent prompt too).

type consentPage struct {
	Title, TenantName, AppName, Username, Action, RequestID, CSRF string
	Scopes                                                        []string
}

// adminScopes returns the Admin-type Graph delegated scopes the request
// would put in the access token.
func (s *Server) adminScopes(r *http.Request, areq *grant.AuthRequest) []string {
	app, err := s.st.GetApplicationByAppID(r.Context(), areq.Flow.TenantID, areq.ClientID)
	if err != nil {
		return nil
	}
	var asked []string
	graphDefault := false
	if areq.Flow.Version == 2 {
		sc, err := token.ParseScope(areq.Scope)
		if err != nil || sc.Resource == "" {
			return nil
		}
		if !strings.EqualFold(strings.TrimRight(sc.Resource, "/"), directory.GraphIdentifier) && !strings.EqualFold(sc.Resource, directory.GraphAppID) {
			return nil
		}
		if slices.Equal(sc.Permissions, []string{".default"}) {
			graphDefault = true
		} else {
			asked = sc.Permissions
		}
	} else {
		res := strings.TrimRight(areq.Resource, "/")
		if res != "" && !strings.EqualFold(res, directory.GraphIdentifier) && !strings.EqualFold(res, directory.GraphAppID) {
			return nil
		}
		graphDefault = true // v1: every declared Graph scope
	}
	if graphDefault {
		for _, rra := range app.RequiredResourceAccess {
			if rra.ResourceAppID != directory.GraphAppID {
				continue
			}
			for _, ra := range rra.ResourceAccess {
				for _, ps := range directory.GraphScopes() {
					if ra.Type == "Scope" && strings.EqualFold(ps.ID, ra.ID) {
						asked = append(asked, ps.Value)
					}
				}
			}
		}
	}
	var admin []string
	for _, p := range asked {
		for _, ps := range directory.GraphScopes() {
			if strings.EqualFold(ps.Value, p) && ps.Type == "Admin" && !slices.Contains(admin, ps.Value) {
				admin = append(admin, ps.Value)
			}
		}
	}
	return admin
}

// askConsent stores the request (if needed) and shows the consent page.
func (s *Server) askConsent(w http.ResponseWriter, r *http.Request, e endpoint, areq *grant.AuthRequest, sess *grant.Session, scopes []string, stored bool) {
	if !stored {
		if err := s.st.CreateAuthRequest(r.Context(), areq); err != nil {
			s.renderErrorPage(w, r, errServerError(err))
			return
		}
	}
	username := ""
	if u, err := s.st.GetUser(r.Context(), sess.TenantID, sess.UserID); err == nil {
		username = u.UserPrincipalName
	}
	page := consentPage{Title: "Permissions requested", TenantName: e.Tenant.DisplayName,
		AppName: s.appName(r, e.Tenant.ID, areq.ClientID), Username: username, Action: "/" + e.Segment + "/consent",
		RequestID: areq.ID, CSRF: s.csrfToken(w, r), Scopes: scopes}
	// The answer redirects to the client: browsers apply form-action to it.
	securityHeaders(w.Header(), "", formActionSource(areq.RedirectURI))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := s.pages.ExecuteTemplate(w, "consent", page); err != nil {
		s.log.Error("render page", "page", "consent", "err", err)
	}
}

// handleConsent takes the user's decision.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	if !checkCSRF(r, form.Get("csrf_token")) {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 90100, "The consent form expired or did not come from this site. Go back to the application and sign in again."))
		return
	}
	e, oerr := s.resolveEndpoint(r, 1)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	areq, err := s.st.GetAuthRequest(r.Context(), form.Get("request_id"))
	if err != nil || areq.Flow.TenantID != e.Tenant.ID {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 50089, "The sign-in request has expired. Go back to the application and sign in again."))
		return
	}
	sess := s.currentSession(r, e.Tenant.ID)
	if sess == nil {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 50058, "You are no longer signed in. Go back to the application and sign in again."))
		return
	}
	if err := s.st.DeleteAuthRequest(r.Context(), areq.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("delete auth request", "err", err)
	}
	if form.Get("decision") != "accept" {
		s.redirectError(w, r, areq, newError(400, "access_denied", 65004, "User declined to consent to access the app."))
		return
	}
	s.log.Info("consent given", "tenant", e.Tenant.ID, "client_id", areq.ClientID, "user", sess.UserID)
	s.completeAuthorization(w, r, areq, sess)
}
