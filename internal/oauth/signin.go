package oauth

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Cookie names. The session cookie references a server-side session
// record; the CSRF cookie is the double-submit token of the sign-in forms.
// Over https they carry the __Host- prefix (cookieName), which pins them to
// this origin: no Domain, Secure, Path=/.
const (
	sessionCookie = "gatehouse_session"
	csrfCookie    = "gatehouse_csrf"
)

// cookieName is a cookie's name on the wire for this request.
func cookieName(r *http.Request, base string) string {
	if r.TLS != nil {
		return "__Host-" + base
	}
	return base
}

type signInPage struct {
	Title, TenantName, AppName, Action, RequestID, UserCode, Username, Error, CSRF string
	// redirectURI is where a successful sign-in sends the browser: browsers
	// apply the page's CSP form-action to that redirect, so its origin must
	// be allowed there.
	redirectURI string
}

// renderSignIn shows the sign-in form with a fresh or existing CSRF token.
func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, p signInPage) {
	p.Title = "Sign in"
	p.CSRF = s.csrfToken(w, r)
	status := http.StatusOK
	if p.Error != "" {
		status = http.StatusUnauthorized
	}
	securityHeaders(w.Header(), "", formActionSource(p.redirectURI))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages.ExecuteTemplate(w, "signin", p); err != nil {
		s.log.Error("render page", "page", "signin", "err", err)
	}
}

// formActionSource is the CSP source for a redirect URI: its origin, or its
// scheme for the custom schemes of native apps.
func formActionSource(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}

// csrfToken returns the request's CSRF cookie value, setting a new one when
// there is none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieName(r, csrfCookie)); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := grant.NewSecret()
	http.SetCookie(w, &http.Cookie{Name: cookieName(r, csrfCookie), Value: v, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode})
	return v
}

// checkCSRF compares the form's token with the cookie in constant time.
func checkCSRF(r *http.Request, formToken string) bool {
	c, err := r.Cookie(cookieName(r, csrfCookie))
	if err != nil || c.Value == "" || formToken == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(formToken)) == 1
}

// currentSession returns the live sign-in session for the tenant, or nil.
func (s *Server) currentSession(r *http.Request, tenantID string) *grant.Session {
	c, err := r.Cookie(cookieName(r, sessionCookie))
	if err != nil || c.Value == "" {
		return nil
	}
	sess, err := s.grants.GetSession(r.Context(), grant.Hash(c.Value))
	if err != nil || sess.TenantID != tenantID {
		return nil
	}
	u, err := s.dir.GetUser(r.Context(), tenantID, sess.UserID)
	if err != nil || !u.AccountEnabled || checkNotRevoked(u, sess.AuthTime) != nil {
		return nil
	}
	return sess
}

// sessionMatchesHint: a login_hint naming another user forces the form.
func (s *Server) sessionMatchesHint(r *http.Request, sess *grant.Session, hint string) bool {
	if hint == "" {
		return true
	}
	u, err := s.dir.GetUser(r.Context(), sess.TenantID, sess.UserID)
	return err == nil && strings.EqualFold(u.UserPrincipalName, hint)
}

// startSession creates a session record and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *directory.User) (*grant.Session, error) {
	secret := grant.NewSecret()
	now := s.now()
	sess := &grant.Session{Hash: grant.Hash(secret), ID: directory.NewID(), TenantID: u.TenantID, UserID: u.ID,
		AuthTime: now, Methods: []string{"pwd"}, ExpiresAt: now.Add(s.sessionTT)}
	if err := s.grants.CreateSession(r.Context(), sess); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r, sessionCookie), Value: secret, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, Expires: sess.ExpiresAt})
	return sess, nil
}

// errBadCredentials is what the form shows for an unknown user or a wrong
// password alike, so the page does not reveal which accounts exist.
var errBadCredentials = errors.New("Your account or password is incorrect.")

// authenticateUser checks a username and password in a tenant.
func (s *Server) authenticateUser(r *http.Request, tenantID, username, password string) (*directory.User, *Error) {
	if username == "" {
		return nil, errMissingParam("username")
	}
	if password == "" {
		return nil, errMissingParam("password")
	}
	// Each argon2id check takes 19 MiB and ~20 ms of CPU: bound how many
	// run at once, so a burst of password requests cannot exhaust memory.
	select {
	case s.passwordChecks <- struct{}{}:
		defer func() { <-s.passwordChecks }()
	case <-r.Context().Done():
		return nil, errServerError(r.Context().Err())
	}
	u, err := s.dir.GetUserByUPN(r.Context(), tenantID, strings.TrimSpace(username))
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check so timing does not reveal
		// which accounts exist.
		directory.VerifyPassword(dummyHash, password)
		return nil, newError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
	}
	if err != nil {
		return nil, errServerError(err)
	}
	if u.PasswordHash == "" || directory.VerifyPassword(u.PasswordHash, password) != nil {
		return nil, newError(400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
	}
	if !u.AccountEnabled {
		return nil, newError(400, "invalid_grant", 50057, "The user account is disabled.")
	}
	return u, nil
}

// dummyHash is an argon2id hash (of an unguessable string) verified for
// unknown users. It is a constant so that start-up does not spend 19 MiB
// and 20 ms hashing it.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$zXwcOw+AxKRdsq/eUsh0gg$r47+AcY0hATakbH7OeFuldin9+Y28EtLqaCg/3JhRgw"

// handleSignIn processes the sign-in form of an authorization request or of
// a device code.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	if !checkCSRF(r, form.Get("csrf_token")) {
		s.renderErrorPage(w, r, newError(400, "invalid_request", 90100, "The sign-in form expired or did not come from this site. Go back to the application and sign in again."))
		return
	}
	e, oerr := s.resolveEndpoint(r, 1)
	if oerr != nil {
		s.renderErrorPage(w, r, oerr)
		return
	}
	page := signInPage{Action: "/" + e.Segment + "/login", RequestID: form.Get("request_id"),
		UserCode: form.Get("user_code"), Username: form.Get("username"), TenantName: e.Tenant.DisplayName}
	var areq *grant.AuthRequest
	var dev *grant.DeviceCode
	if page.RequestID != "" {
		var err error
		areq, err = s.grants.GetAuthRequest(r.Context(), page.RequestID)
		if err != nil || areq.Flow.TenantID != e.Tenant.ID {
			s.renderErrorPage(w, r, newError(400, "invalid_request", 50089, "The sign-in request has expired. Go back to the application and sign in again."))
			return
		}
		page.AppName = s.appName(r, e.Tenant.ID, areq.ClientID)
		page.redirectURI = areq.RedirectURI
	} else {
		var oerr *Error
		if dev, oerr = s.pendingDevice(r, page.UserCode); oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		page.AppName = s.appName(r, dev.Flow.TenantID, dev.ClientID)
	}
	u, oerr := s.authenticateUser(r, e.Tenant.ID, page.Username, form.Get("password"))
	if oerr != nil {
		if oerr.Status >= 500 {
			s.renderErrorPage(w, r, oerr)
			return
		}
		page.Error = errBadCredentials.Error()
		if oerr.AADSTS == 50057 {
			page.Error = "Your account has been disabled. Contact your administrator."
		}
		s.log.Info("sign-in failed", "tenant", e.Tenant.ID, "aadsts", oerr.AADSTS)
		s.renderSignIn(w, r, page)
		return
	}
	sess, err := s.startSession(w, r, u)
	if err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	s.log.Info("user signed in", "tenant", e.Tenant.ID, "user", u.ID)
	if dev != nil {
		s.confirmDevice(w, r, dev, u)
		return
	}
	prompt := areq.Prompt
	if prompt == "login" {
		prompt = "" // the sign-in just happened
	}
	s.continueAuthorization(w, r, e, areq, sess, prompt, true)
}

func (s *Server) appName(r *http.Request, tenantID, appID string) string {
	if a, err := s.dir.GetApplicationByAppID(r.Context(), tenantID, appID); err == nil {
		return a.DisplayName
	}
	return appID
}
