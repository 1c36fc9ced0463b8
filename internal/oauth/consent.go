package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse-id/gatehouse/internal/consent"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Consent. The authorization endpoint, the sign-in form, the consent page
// and the device code page all ask consent.Decide (through decide) what a
// signed-in user's request may get. When the answer is consent required,
// the consent page lists every permission with whether an administrator
// must grant it; accepting records the user's consent (a Principal grant)
// or, for an administrator who ticks "Consent on behalf of your
// organization", an AllPrincipals grant. Nothing is granted silently:
// prompt=none answers consent_required.

// permissionView is one line of a permission list.
type permissionView struct {
	consent.Permission
	Granted bool
}

type consentPage struct {
	Title, TenantName, AppName, Publisher, Username, Action, RequestID, CSRF string
	Permissions                                                              []permissionView
	// NeedsAdmin: the request needs admin consent and this user cannot
	// give it (AADSTS90094).
	NeedsAdmin       bool
	CanConsentForOrg bool
}

// authRequestGrant parses an authorization request as its flow will
// redeem it.
func (s *Server) authRequestGrant(ctx context.Context, areq *grant.AuthRequest) (*grantRequest, *Error) {
	app, err := s.dir.GetApplicationByAppID(ctx, areq.Flow.TenantID, areq.ClientID)
	if err != nil {
		return nil, errClientNotFound(areq.ClientID, areq.Flow.TenantID)
	}
	return s.parseGrantRequest(ctx, areq.Flow.TenantID, areq.Flow.Version, areq.Scope, areq.Resource, app)
}

// continueAuthorization is the step after a user is known: issue the code
// when consent allows it, else ask (or answer consent_required for
// prompt=none). forcePrompt is prompt=consent: show the page even when
// everything is granted.
func (s *Server) continueAuthorization(w http.ResponseWriter, r *http.Request, e endpoint, areq *grant.AuthRequest, sess *grant.Session, prompt string, stored bool) {
	g, oerr := s.authRequestGrant(r.Context(), areq)
	if oerr != nil {
		s.redirectError(w, r, areq, oerr)
		return
	}
	u, err := s.dir.GetUser(r.Context(), sess.TenantID, sess.UserID)
	if err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	d, err := s.decide(r.Context(), g, u)
	var req *consent.RequiredError
	switch {
	case errors.As(err, &req):
		if prompt == "none" {
			e := newError(400, "consent_required", 65001, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", g.client.AppID, g.client.DisplayName)
			s.redirectError(w, r, areq, e)
			return
		}
		s.askConsent(w, r, e, areq, sess, u, g, req.Missing, nil, stored)
		return
	case err != nil:
		s.redirectError(w, r, areq, consentError(err, g.client))
		return
	case prompt == "consent":
		s.askConsent(w, r, e, areq, sess, u, g, nil, grantedPermissions(g, d), stored)
		return
	}
	if stored {
		if err := s.grants.DeleteAuthRequest(r.Context(), areq.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("delete auth request", "err", err)
		}
	}
	s.completeAuthorization(w, r, areq, sess)
}

// grantedPermissions lists what a decision grants, for a page that shows
// it.
func grantedPermissions(g *grantRequest, d consent.Decision) []consent.Permission {
	var out []consent.Permission
	for _, v := range d.Scopes {
		out = append(out, permissionOf(g.resource.SP, v))
	}
	for _, o := range d.OIDC {
		out = append(out, consent.Permission{Value: o, OIDC: true})
	}
	return out
}

func permissionOf(res *directory.ServicePrincipal, value string) consent.Permission {
	p := consent.Permission{Value: value}
	for _, ps := range res.OAuth2PermissionScopes {
		if ps.Value == value {
			p.Admin = ps.Type == "Admin"
		}
	}
	return p
}

// mayConsentForOrganization reports whether the user may grant admin
// consent: the registry's rule for AllPrincipals grants.
func (s *Server) mayConsentForOrganization(ctx context.Context, u *directory.User) bool {
	a, err := s.reg.FirstPartyUser(ctx, u)
	return err == nil && registry.Allowed(a, registry.WritePermissionGrants)
}

// askConsent stores the request (if needed) and shows the consent page:
// missing permissions (to consent to) or granted ones (prompt=consent).
func (s *Server) askConsent(w http.ResponseWriter, r *http.Request, e endpoint, areq *grant.AuthRequest, sess *grant.Session, u *directory.User,
	g *grantRequest, missing, granted []consent.Permission, stored bool) {
	if !stored {
		if err := s.grants.CreateAuthRequest(r.Context(), areq); err != nil {
			s.renderErrorPage(w, r, errServerError(err))
			return
		}
	}
	page := consentPage{Title: "Permissions requested", TenantName: e.Tenant.DisplayName, AppName: g.client.DisplayName,
		Username: u.UserPrincipalName, Action: "/" + e.Segment + "/consent", RequestID: areq.ID, CSRF: s.csrfToken(w, r)}
	admin := s.mayConsentForOrganization(r.Context(), u)
	for _, p := range missing {
		page.Permissions = append(page.Permissions, permissionView{Permission: p})
		page.NeedsAdmin = page.NeedsAdmin || p.Admin && !admin
	}
	for _, p := range granted {
		page.Permissions = append(page.Permissions, permissionView{Permission: p, Granted: true})
	}
	page.CanConsentForOrg = admin
	if page.NeedsAdmin {
		page.Title = "Need admin approval"
	}
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
	areq, err := s.grants.GetAuthRequest(r.Context(), form.Get("request_id"))
	if err != nil || areq.Flow.TenantID != e.Tenant.ID {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 50089, "The sign-in request has expired. Go back to the application and sign in again."))
		return
	}
	sess := s.currentSession(r, e.Tenant.ID)
	if sess == nil {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 50058, "You are no longer signed in. Go back to the application and sign in again."))
		return
	}
	if form.Get("decision") != "accept" {
		if err := s.grants.DeleteAuthRequest(r.Context(), areq.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("delete auth request", "err", err)
		}
		s.redirectError(w, r, areq, newError(400, "access_denied", 65004, "User declined to consent to access the app."))
		return
	}
	g, oerr := s.authRequestGrant(r.Context(), areq)
	if oerr != nil {
		s.redirectError(w, r, areq, oerr)
		return
	}
	u, err := s.dir.GetUser(r.Context(), sess.TenantID, sess.UserID)
	if err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	if oerr := s.recordConsent(r, g, u, form.Get("on_behalf_of_org") == "1"); oerr != nil {
		s.redirectError(w, r, areq, oerr)
		return
	}
	// Decide again from the records: the code is issued only if the
	// grants now allow it.
	s.continueAuthorization(w, r, e, areq, sess, "", true)
}

// recordConsent records what the user just accepted: the permissions the
// decision found missing (nothing when none are), as the user's own
// consent or, when asked and allowed, for the whole organization. A user
// cannot consent to an Admin permission for themselves.
func (s *Server) recordConsent(r *http.Request, g *grantRequest, u *directory.User, forOrg bool) *Error {
	ctx := r.Context()
	_, err := s.decide(ctx, g, u)
	var req *consent.RequiredError
	if !errors.As(err, &req) {
		if err != nil {
			return consentError(err, g.client)
		}
		return nil
	}
	graph, gerr := s.dir.GetServicePrincipalByAppID(ctx, u.TenantID, directory.GraphAppID)
	if gerr != nil {
		return errServerError(gerr)
	}
	// OpenID scopes are Microsoft Graph's permissions; the rest belong to
	// the requested resource.
	byResource := map[*directory.ServicePrincipal][]string{}
	for _, p := range req.Missing {
		res := g.resource.SP
		if p.OIDC || res.ID == graph.ID {
			res = graph
		}
		byResource[res] = append(byResource[res], p.Value)
	}
	a, aerr := s.reg.UserActor(ctx, u.TenantID, u.ID, "", nil)
	if aerr != nil {
		return errServerError(aerr)
	}
	a = a.Describe("sign-in", "POST consent", clientIP(r), "")
	// An administrator who may grant admin consent may also accept Admin
	// permissions for themselves only (Entra's prompt leaves the
	// organization box unticked); anyone else needs an administrator.
	if req.AdminRequired && !s.mayConsentForOrganization(ctx, u) {
		return newError(403, "access_denied", 90094, "The grant requires admin permission.")
	}
	for res, scopes := range byResource {
		var err error
		if forOrg {
			err = s.reg.ConsentOnBehalfOfOrganization(ctx, a, g.clientSP, res, scopes)
		} else {
			err = s.reg.RecordUserConsent(ctx, a, g.clientSP, res, scopes)
		}
		if registry.IsDenied(err) {
			return newError(403, "access_denied", 90094, "The grant requires admin permission.")
		}
		if err != nil {
			return errServerError(err)
		}
	}
	s.log.Info("consent recorded", "tenant", u.TenantID, "client_id", g.client.AppID, "user", u.ID, "for_organization", forOrg,
		"scopes", len(req.Missing))
	return nil
}
