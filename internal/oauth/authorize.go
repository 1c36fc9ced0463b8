package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Lifetimes of the authorization flow's state.
const (
	authRequestLifetime = 15 * time.Minute
	authCodeLifetime    = 10 * time.Minute // Entra: codes live about 10 minutes
)

// handleAuthorize serves /oauth2/authorize and /oauth2/v2.0/authorize.
//
// Entra decides in one place how an error reaches the user: a bad tenant,
// client or redirect URI is shown as a page (redirecting there would hand
// the error to an unverified party); every other error is sent back to the
// client's redirect URI with error, error_description and state.
func (s *Server) handleAuthorize(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var q url.Values
		switch r.Method {
		case http.MethodGet:
			q = r.URL.Query()
		case http.MethodPost:
			var oerr *Error
			if q, oerr = readForm(w, r); oerr != nil {
				s.renderErrorPage(w, r, oerr)
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			s.renderErrorPage(w, r, newError(405, "invalid_request", 900561, "The endpoint only accepts GET and POST requests. Received a %s request.", r.Method))
			return
		}
		if _, oerr := checkRepeated(q); oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		e, oerr := s.resolveEndpoint(r, version)
		if oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		areq, app, oerr := s.checkClientAndRedirect(r, e, q)
		if oerr != nil {
			s.renderErrorPage(w, r, oerr)
			return
		}
		if oerr := s.checkAuthorizeRequest(r, e, app, areq, q); oerr != nil {
			s.redirectError(w, r, areq, oerr)
			return
		}
		if oerr := s.checkMappedClaimsAccepted(r, app); oerr != nil {
			s.redirectError(w, r, areq, oerr)
			return
		}
		sess := s.currentSession(r, e.Tenant.ID)
		prompt := q.Get("prompt")
		if sess != nil && prompt != "login" && s.sessionMatchesHint(r, sess, areq.LoginHint) {
			s.continueAuthorization(w, r, e, areq, sess, prompt, false)
			return
		}
		if prompt == "none" {
			s.redirectError(w, r, areq, newError(400, "login_required", 50058, "A silent sign-in request was sent but no user is signed in."))
			return
		}
		if err := s.grants.CreateAuthRequest(r.Context(), areq); err != nil {
			s.renderErrorPage(w, r, errServerError(err))
			return
		}
		s.renderSignIn(w, r, signInPage{Action: "/" + e.Segment + "/login", RequestID: areq.ID,
			Username: areq.LoginHint, AppName: app.DisplayName, TenantName: e.Tenant.DisplayName, redirectURI: areq.RedirectURI})
	}
}

// checkClientAndRedirect validates what decides whether errors may be
// redirected: the client and the redirect URI (exact match).
func (s *Server) checkClientAndRedirect(r *http.Request, e endpoint, q url.Values) (*grant.AuthRequest, *directory.Application, *Error) {
	clientID := strings.ToLower(q.Get("client_id"))
	if clientID == "" {
		return nil, nil, errMissingParam("client_id")
	}
	if !directory.IsGUID(clientID) {
		return nil, nil, errClientNotFound(clientID, e.Tenant.ID)
	}
	app, err := s.dir.GetApplicationByAppID(r.Context(), e.Tenant.ID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errClientNotFound(clientID, e.Tenant.ID)
	}
	if err != nil {
		return nil, nil, errServerError(err)
	}
	redirect := q.Get("redirect_uri")
	registered := append(slices.Clone(app.Web.RedirectURIs), app.PublicClient.RedirectURIs...)
	switch {
	case redirect == "" && len(registered) == 0:
		return nil, nil, newError(400, "invalid_request", 500113, "No reply address is registered for the application.")
	case redirect == "":
		// Entra picks a registered reply address when none is sent.
		redirect = registered[0]
	case !slices.Contains(registered, redirect):
		return nil, nil, newError(400, "invalid_request", 50011, "The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.", redirect, app.AppID)
	}
	areq := &grant.AuthRequest{
		ID:       grant.NewSecret(),
		Flow:     flowOf(e),
		ClientID: app.AppID, RedirectURI: redirect, ResponseMode: q.Get("response_mode"), State: q.Get("state"),
		Nonce: q.Get("nonce"), Scope: q.Get("scope"), Resource: q.Get("resource"),
		CodeChallenge: q.Get("code_challenge"), CodeChallengeMethod: q.Get("code_challenge_method"),
		LoginHint: q.Get("login_hint"), Prompt: q.Get("prompt"), ExpiresAt: s.now().Add(authRequestLifetime),
	}
	if areq.ResponseMode == "" {
		areq.ResponseMode = "query"
	}
	return areq, app, nil
}

// checkAuthorizeRequest validates the rest of the request; its errors are
// redirected to the client.
func (s *Server) checkAuthorizeRequest(r *http.Request, e endpoint, app *directory.Application, areq *grant.AuthRequest, q url.Values) *Error {
	switch areq.ResponseMode {
	case "query", "fragment", "form_post":
	default:
		areq.ResponseMode = "query"
		return newError(400, "invalid_request", 900144, "The provided value '%s' for the input parameter 'response_mode' is not valid. Expected values are 'query', 'fragment' or 'form_post'.", q.Get("response_mode"))
	}
	rt := q.Get("response_type")
	if rt == "" {
		return errMissingParam("response_type")
	}
	if rt != "code" {
		return newError(400, "unsupported_response_type", 700054, "response_type '%s' is not enabled for the application. Gatehouse supports the authorization code flow (response_type=code).", rt)
	}
	if e.Version == 2 {
		if areq.Scope == "" {
			return errMissingParam("scope")
		}
		if _, err := token.ParseScope(areq.Scope); err != nil {
			return scopeError(err)
		}
	}
	switch areq.CodeChallengeMethod {
	case "":
		if areq.CodeChallenge != "" {
			areq.CodeChallengeMethod = "plain" // RFC 7636 §4.3 default
		}
	case "plain", "S256":
		if areq.CodeChallenge == "" {
			return errMissingParam("code_challenge")
		}
	default:
		return newError(400, "invalid_request", 501491, "Invalid code_challenge_method '%s'. Supported methods are 'plain' and 'S256'.", areq.CodeChallengeMethod)
	}
	if areq.CodeChallenge != "" && !validVerifierSyntax(areq.CodeChallenge) {
		return newError(400, "invalid_request", 501481, "The code_challenge is not valid: it must be 43 to 128 characters of [A-Za-z0-9-._~].")
	}
	if len(areq.State) > 2048 || len(areq.Nonce) > 2048 {
		return errMalformed("The state or nonce parameter is too long.")
	}
	return nil
}

// checkMappedClaimsAccepted fails sign-in early, as Entra does, when the
// app's service principal has a claims mapping policy but the app does not
// accept mapped claims (AADSTS50146).
func (s *Server) checkMappedClaimsAccepted(r *http.Request, app *directory.Application) *Error {
	if s.pipeline.Policies == nil || (app.API.AcceptMappedClaims != nil && *app.API.AcceptMappedClaims) {
		return nil
	}
	sp, err := s.dir.GetServicePrincipalByAppID(r.Context(), app.TenantID, app.AppID)
	if err != nil {
		return nil // the token endpoint reports a missing service principal
	}
	cm, err := s.pipeline.Policies.ClaimsMapping(r.Context(), app.TenantID, sp)
	if err != nil {
		return errServerError(err)
	}
	if cm != nil && len(cm.Claims) > 0 {
		return errMappedClaims()
	}
	return nil
}

func scopeError(err error) *Error {
	if errors.Is(err, token.ErrMultipleResources) {
		return newError(400, "invalid_scope", 28000, "Provided value for the input parameter scope is not valid because it contains more than one resource. %v", err)
	}
	return newError(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. %v", err)
}

// completeAuthorization issues a code for a signed-in user and sends it to
// the client.
func (s *Server) completeAuthorization(w http.ResponseWriter, r *http.Request, areq *grant.AuthRequest, sess *grant.Session) {
	code := grant.NewSecret()
	c := &grant.AuthCode{
		Hash: grant.Hash(code), Flow: areq.Flow, ClientID: areq.ClientID, RedirectURI: areq.RedirectURI,
		UserID: sess.UserID, SessionID: sess.ID, Scope: areq.Scope, Resource: areq.Resource, Nonce: areq.Nonce,
		CodeChallenge: areq.CodeChallenge, CodeChallengeMethod: areq.CodeChallengeMethod,
		AuthTime: sess.AuthTime, ExpiresAt: s.now().Add(authCodeLifetime),
	}
	if err := s.grants.CreateAuthCode(r.Context(), c); err != nil {
		s.renderErrorPage(w, r, errServerError(err))
		return
	}
	s.log.Info("authorization code issued", "tenant", areq.Flow.TenantID, "client_id", areq.ClientID, "user", sess.UserID)
	params := url.Values{"code": {code}, "session_state": {sess.ID}}
	if areq.State != "" {
		params.Set("state", areq.State)
	}
	s.respond(w, r, areq, params)
}

// redirectError sends an error to the client's redirect URI.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, areq *grant.AuthRequest, e *Error) {
	trace, corr := traceIDs(r)
	s.logError(r, e, trace)
	params := url.Values{
		"error":             {e.Code},
		"error_description": {e.description(trace, corr, s.now())},
		"error_uri":         {s.baseURL(r) + "/error?code=" + strconv.Itoa(e.AADSTS)},
	}
	if areq.State != "" {
		params.Set("state", areq.State)
	}
	s.respond(w, r, areq, params)
}

// respond delivers authorization response parameters in the response mode.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, areq *grant.AuthRequest, params url.Values) {
	switch areq.ResponseMode {
	case "form_post":
		s.renderFormPost(w, areq.RedirectURI, params)
	case "fragment":
		http.Redirect(w, r, areq.RedirectURI+"#"+params.Encode(), http.StatusFound)
	default:
		u, _ := url.Parse(areq.RedirectURI) // validated at registration
		q := u.Query()
		for k, v := range params {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
}

func (s *Server) renderFormPost(w http.ResponseWriter, action string, params url.Values) {
	nonce := grant.NewSecret()[:22]
	type field struct{ Name, Value string }
	var fields []field
	for k, vs := range params {
		for _, v := range vs {
			fields = append(fields, field{k, v})
		}
	}
	slices.SortFunc(fields, func(a, b field) int { return strings.Compare(a.Name, b.Name) })
	u, _ := url.Parse(action)
	securityHeaders(w.Header(), nonce, u.Scheme+"://"+u.Host)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := s.pages.ExecuteTemplate(w, "form_post", map[string]any{"Action": action, "Fields": fields, "Nonce": nonce}); err != nil {
		s.log.Error("render form_post", "err", err)
	}
}

func validVerifierSyntax(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}
