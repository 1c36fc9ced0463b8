package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/webui"
)

// adminRoles are the directory roles that open the admin centre, with the
// names Entra shows. What each may change is then Graph's rule
// (graph.Allowed): applications and policies for the application
// administrators, users and groups for the user administrator, everything
// for the global administrator.
var adminRoles = []struct{ ID, Name string }{
	{directory.RoleGlobalAdministrator, "Global Administrator"},
	{directory.RolePrivilegedRoleAdministrator, "Privileged Role Administrator"},
	{directory.RoleGroupsAdministrator, "Groups Administrator"},
	{directory.RoleApplicationAdministrator, "Application Administrator"},
	{directory.RoleCloudApplicationAdministrator, "Cloud Application Administrator"},
	{directory.RoleUserAdministrator, "User Administrator"},
}

// RoleName is the display name of a directory role template id ("" when
// it is not one the admin centre knows).
func RoleName(id string) string {
	for _, r := range adminRoles {
		if strings.EqualFold(r.ID, id) {
			return r.Name
		}
	}
	return ""
}

// IsAdministrator reports whether roles (directory role template ids)
// include one that opens the admin centre.
func IsAdministrator(roles []string) bool {
	for _, have := range roles {
		if RoleName(have) != "" {
			return true
		}
	}
	return false
}

// principal is the signed-in administrator of a request, loaded from the
// directory on every request so a removed role or a disabled account takes
// effect at once.
type principal struct {
	Session *portalstate.Session
	Tenant  *directory.Tenant
	User    *directory.User
	// Actor is the user as the registry authorizes them: their directory
	// roles from their role assignments, acting through the admin centre.
	Actor registry.Actor
}

// can reports whether the administrator may perform every operation, by
// the registry's rule (the one Graph applies).
func (p *principal) can(ops ...registry.Operation) bool { return registry.Allowed(p.Actor, ops...) }

type adminHandler func(w http.ResponseWriter, r *http.Request, p *principal)

// admin wraps a page that needs a signed-in administrator; every POST must
// carry the session's CSRF token.
func (s *Server) admin(h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, refused, err := s.currentPrincipal(w, r)
		switch {
		case err != nil:
			s.serverError(w, r, nil, "load session", err)
			return
		case refused != nil:
			s.renderRefused(w, refused)
			return
		case p == nil:
			next := "/"
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !s.checkCSRF(r, p.Session) {
			s.renderProblem(w, p, http.StatusBadRequest, problem{Title: "This form has expired",
				Detail: "The form was not sent from this session's page (or the page is too old). Reload the page and try again.",
				Retry:  r.URL.Path})
			return
		}
		h(w, r, p)
	}
}

// checkCSRF compares the form's token with the session's in constant time.
func (s *Server) checkCSRF(r *http.Request, sess *portalstate.Session) bool {
	return webui.CheckCSRF(r, maxFormBytes, sess.CSRFToken)
}

// maxFormBytes bounds a form body (the manifest is the largest).
const maxFormBytes = 256 << 10

// currentPrincipal returns the request's administrator, nil when there is
// no live session, or the user the admin centre now refuses (role removed,
// account disabled), whose session it has ended.
func (s *Server) currentPrincipal(w http.ResponseWriter, r *http.Request) (*principal, *directory.User, error) {
	sess, hash, err := s.cookies.Session(w, r, sessionCookie, portalstate.AppAdminCentre, s.st)
	if sess == nil || err != nil {
		return nil, nil, err
	}
	tenantID := issuerTenant(sess.Issuer)
	t, err := s.reg.Reader().GetTenant(r.Context(), tenantID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	var u *directory.User
	if err == nil {
		u, err = s.reg.Reader().GetUser(r.Context(), t.ID, sess.Subject)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
	}
	if u != nil && u.AccountEnabled {
		a, err := s.reg.FirstPartyUser(r.Context(), u)
		if err != nil && !errors.Is(err, registry.ErrActorInvalid) {
			return nil, nil, err
		}
		if err == nil && IsAdministrator(a.Roles) {
			return &principal{Session: sess, Tenant: t, User: u, Actor: a.Describe("admin centre", "", webui.ClientIP(r), "")}, nil, nil
		}
	}
	s.log.Info("admin session ended: no longer an administrator", "session", sess.ID)
	s.st.DeletePortalSession(r.Context(), hash)
	s.cookies.Clear(w, sessionCookie)
	if u == nil {
		return nil, nil, nil
	}
	return nil, u, nil
}

// issuerTenant is the tenant id in a v2.0 issuer <base>/<tenant>/v2.0, the
// form the admin centre signs in at.
func issuerTenant(iss string) string {
	u, err := url.Parse(iss)
	if err != nil {
		return ""
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return strings.ToLower(seg)
}

// handleHome is the tenant overview when signed in, else the landing page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	p, refused, err := s.currentPrincipal(w, r)
	switch {
	case err != nil:
		s.serverError(w, r, nil, "load session", err)
	case refused != nil:
		s.renderRefused(w, refused)
	case p != nil:
		s.overview(w, r, p)
	default:
		s.render(w, http.StatusOK, "landing", &landingPage{Layout: Layout{Title: "Sign in"}, TenantInput: s.cfg.DefaultTenant})
	}
}

type landingPage struct {
	Layout
	TenantInput string
	Error       string
}

// handleSignIn starts the authorization code flow at the tenant's issuer:
// a login request with state, nonce and PKCE verifier in the store, bound to
// this browser by a cookie. The state starts with the tenant id, so the
// callback knows which issuer answers; the whole state is hashed as the
// request's key, so the tenant cannot be swapped.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := safeReturnTo(q.Get("next"))
	segment := strings.TrimSpace(q.Get("tenant"))
	if segment == "" {
		segment = s.cfg.DefaultTenant
	}
	t, err := s.reg.ResolveTenant(r.Context(), segment)
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, http.StatusNotFound, "landing", &landingPage{Layout: Layout{Title: "Sign in"}, TenantInput: segment,
			Error: "There is no tenant named '" + segment + "'. Enter the tenant's domain or its Directory (tenant) ID."})
		return
	}
	if err != nil {
		s.serverError(w, r, nil, "resolve tenant", err)
		return
	}
	if _, err := s.reg.Reader().GetApplicationByAppID(r.Context(), t.ID, s.cfg.ClientID); err != nil {
		s.renderProblem(w, nil, http.StatusNotFound, problem{Title: "The admin centre is not set up in this tenant",
			Detail: "Tenant " + t.DisplayName + " (" + t.ID + ") has no app registration for the admin centre (client id " + s.cfg.ClientID +
				"). Create its first administrator with `gatehouse admin create --tenant " + t.InitialDomain + "`, which registers it.",
			Retry: "/"})
		return
	}
	binding := s.cookies.LoginBinding(w, r, loginCookie)
	state, nonce, verifier := t.ID+"."+grant.NewSecret(), grant.NewSecret(), oauth2.GenerateVerifier()
	authURL, err := s.rp.authCodeURL(r.Context(), t.ID, state, nonce, verifier)
	if err != nil {
		s.log.Warn("sign-in: login host unavailable", "err", err)
		s.renderProblem(w, nil, http.StatusBadGateway, problem{Title: "The sign-in service cannot be reached",
			Detail: "The admin centre could not load the sign-in configuration of tenant " + t.DisplayName + " from " +
				s.cfg.LoginBaseURL + ". Try again in a moment.", Retry: "/signin?tenant=" + url.QueryEscape(segment) + "&next=" + url.QueryEscape(next)})
		return
	}
	if err := webui.StartLogin(r.Context(), s.st, state, binding, nonce, verifier, next, s.now()); err != nil {
		s.serverError(w, r, nil, "store login request", err)
		return
	}
	http.Redirect(w, r, authURL, http.StatusFound)
}

// handleCallback finishes the flow: the state must name an unused login
// request of this browser; the code is exchanged and the ID token verified;
// only an administrator gets a session.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := s.now()
	fail := func(status int, title, detail string) {
		s.renderProblem(w, nil, status, problem{Title: title, Detail: detail, Retry: "/signin"})
	}
	state := q.Get("state")
	tenantID, _, _ := strings.Cut(state, ".")
	if state == "" || !directory.IsGUID(tenantID) {
		fail(http.StatusBadRequest, "This sign-in link is incomplete", "The answer of the sign-in page has no valid state parameter. Start the sign-in again.")
		return
	}
	lr, err := webui.ClaimLogin(r.Context(), s.st, state, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(http.StatusBadRequest, "This sign-in has expired or is unknown", "The admin centre has no sign-in waiting for this answer: it took longer than 15 minutes, or it was started elsewhere. Start the sign-in again.")
		return
	case errors.Is(err, webui.ErrLoginUsed):
		fail(http.StatusBadRequest, "This sign-in was already completed", "The answer was used before (a reload or the back button). Start the sign-in again.")
		return
	case err != nil:
		s.serverError(w, r, nil, "load login request", err)
		return
	}
	if !s.cookies.BoundTo(r, loginCookie, lr) {
		fail(http.StatusBadRequest, "This sign-in was started in another browser", "For your protection the admin centre only accepts a sign-in in the browser that started it. Start the sign-in again here.")
		return
	}
	if e := q.Get("error"); e != "" {
		fail(http.StatusBadRequest, "Sign-in was not completed", "The sign-in page answered: "+e+describe(q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(http.StatusBadRequest, "This sign-in link is incomplete", "The answer of the sign-in page has no authorization code. Start the sign-in again.")
		return
	}
	id, err := s.rp.exchange(r.Context(), tenantID, code, lr.PKCEVerifier, lr.Nonce)
	if err != nil {
		s.log.Warn("admin callback: token exchange failed", "err", err)
		detail := "The admin centre could not redeem the sign-in."
		var ee *exchangeError
		if errors.As(err, &ee) && ee.Code != "" {
			detail += " The login host answered: " + ee.Code + describe(ee.Description)
		}
		fail(http.StatusBadGateway, "Sign-in failed", detail)
		return
	}
	u, err := s.reg.Reader().GetUser(r.Context(), id.TenantID, id.ObjectID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, nil, "load signed-in user", err)
		return
	}
	var roles []string
	if u != nil && u.AccountEnabled {
		if roles, err = s.reg.DirectoryRoles(r.Context(), u.TenantID, u.ID); err != nil {
			s.serverError(w, r, nil, "load signed-in user's roles", err)
			return
		}
	}
	if !IsAdministrator(roles) {
		s.log.Info("admin sign-in refused: no administrative role", "tenant", id.TenantID, "user", id.ObjectID)
		if u == nil {
			u = &directory.User{TenantID: id.TenantID, ID: id.ObjectID, DisplayName: id.Name, UserPrincipalName: id.Username}
		}
		s.renderRefused(w, u)
		return
	}
	secret := grant.NewSecret()
	sess := &portalstate.Session{Hash: grant.Hash(secret), ID: uuid.NewString(), Issuer: id.Issuer, Subject: u.ID, App: portalstate.AppAdminCentre,
		CSRFToken: grant.NewSecret(), Profile: portalstate.Profile{Name: u.DisplayName, Username: u.UserPrincipalName},
		AuthenticatedAt: now, IDTokenIssuedAt: now, IDTokenExp: now.Add(s.cfg.SessionLifetime), ExpiresAt: now.Add(s.cfg.SessionLifetime)}
	if err := s.st.CreatePortalSession(r.Context(), sess); err != nil {
		s.serverError(w, r, nil, "store session", err)
		return
	}
	if old := s.cookies.Get(r, sessionCookie); old != "" {
		s.st.DeletePortalSession(r.Context(), grant.Hash(old))
	}
	s.cookies.Set(w, sessionCookie, secret, sess.ExpiresAt)
	s.log.Info("admin sign-in", "session", sess.ID, "tenant", id.TenantID, "user", u.ID)
	http.Redirect(w, r, lr.ReturnTo, http.StatusSeeOther)
}

// handleSignOut ends the session and sends the browser to the login host's
// logout (ending its sign-in session too), which returns to /signed-out.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	target := "/signed-out"
	if secret := s.cookies.Get(r, sessionCookie); secret != "" {
		hash := grant.Hash(secret)
		if sess, err := s.st.GetPortalSession(r.Context(), hash); err == nil {
			if !s.checkCSRF(r, sess) {
				s.renderProblem(w, nil, http.StatusBadRequest, problem{Title: "The sign-out form expired",
					Detail: "Reload the page and sign out again.", Retry: "/"})
				return
			}
			if u := s.rp.endSessionURL(issuerTenant(sess.Issuer), s.cfg.PublicURL+"/signed-out"); u != "" {
				target = u
			}
			s.log.Info("admin sign-out", "session", sess.ID)
		}
		s.st.DeletePortalSession(r.Context(), hash)
	}
	s.cookies.Clear(w, sessionCookie)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) handleSignedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "signed_out", &Layout{Title: "Signed out"})
}

// refusedPage tells a signed-in user without an administrative role why
// the admin centre stays closed.
type refusedPage struct {
	Layout
	Who      *directory.User
	SignOut  string
	Required []string
}

func (s *Server) renderRefused(w http.ResponseWriter, u *directory.User) {
	var names []string
	for _, r := range adminRoles {
		names = append(names, r.Name)
	}
	signOut := s.rp.endSessionURL(u.TenantID, s.cfg.PublicURL+"/signed-out")
	if signOut == "" {
		signOut = "/signed-out"
	}
	s.render(w, http.StatusForbidden, "refused", &refusedPage{Layout: Layout{Title: "You don't have access"}, Who: u,
		SignOut: signOut, Required: names})
}

// safeReturnTo keeps only a local path, so the sign-in cannot be turned
// into an open redirect.
func safeReturnTo(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return u.RequestURI()
}

func describe(desc string) string {
	desc = strings.TrimSpace(desc)
	if len(desc) > 500 {
		desc = desc[:500] + "…"
	}
	if desc == "" {
		return "."
	}
	return " — " + desc
}
