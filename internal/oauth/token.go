package oauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Grant types.
const (
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantClientCredentials = "client_credentials"
	grantPassword          = "password"
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantDeviceCodeV1      = "device_code" // Entra v1 spelling
)

// tokenRequest is a parsed, client-authenticated token request.
type tokenRequest struct {
	e          endpoint
	form       url.Values
	client     *directory.Application
	clientSP   *directory.ServicePrincipal
	clientAuth string // token.ClientAuth*
}

// handleToken serves /oauth2/token and /oauth2/v2.0/token.
func (s *Server) handleToken(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			s.writeJSONError(w, r, newError(405, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS requests. Received a %s request.", r.Method))
			return
		}
		form, oerr := readForm(w, r)
		if oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
		e, oerr := s.resolveEndpoint(r, version)
		if oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
		gt := form.Get("grant_type")
		if gt == "" {
			s.writeJSONError(w, r, errMissingParam("grant_type"))
			return
		}
		var handle func(http.ResponseWriter, *http.Request, *tokenRequest) *Error
		allowPublic := true
		switch gt {
		case grantAuthorizationCode:
			handle = s.tokenAuthorizationCode
		case grantRefreshToken:
			handle = s.tokenRefresh
		case grantClientCredentials:
			handle, allowPublic = s.tokenClientCredentials, false
		case grantPassword:
			handle = s.tokenPassword
		case grantDeviceCode, grantDeviceCodeV1:
			handle = s.tokenDeviceCode
		default:
			s.writeJSONError(w, r, newError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", gt))
			return
		}
		tr, oerr := s.authenticateClient(r, e, form, allowPublic)
		if oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
		if oerr := handle(w, r, tr); oerr != nil {
			s.writeJSONError(w, r, oerr)
		}
	}
}

// authenticateClient identifies the client by client_id and authenticates
// it by client_secret in the body or HTTP Basic (RFC 6749 §2.3.1, with the
// form-encoding of the Basic credentials that x/oauth2 applies).
// A client without a secret is accepted only where public clients are
// allowed and the app allows public client flows.
func (s *Server) authenticateClient(r *http.Request, e endpoint, form url.Values, allowPublic bool) (*tokenRequest, *Error) {
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		if secret != "" {
			return nil, newError(400, "invalid_request", 9002313, "Invalid request. The client authenticated with both HTTP Basic and client_secret; use one.")
		}
		var err1, err2 error
		user, err1 = url.QueryUnescape(user)
		pass, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, newError(401, "invalid_client", 7000215, "Invalid client secret provided. The HTTP Basic credentials are not form-encoded.")
		}
		if clientID != "" && !strings.EqualFold(clientID, user) {
			return nil, newError(400, "invalid_request", 9002313, "Invalid request. The client_id parameter does not match the HTTP Basic user.")
		}
		clientID, secret = user, pass
	}
	if clientID == "" {
		return nil, errMissingParam("client_id")
	}
	clientID = strings.ToLower(clientID)
	if !directory.IsGUID(clientID) {
		return nil, errClientNotFound(clientID, e.Tenant.ID)
	}
	app, err := s.dir.GetApplicationByAppID(r.Context(), e.Tenant.ID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errClientNotFound(clientID, e.Tenant.ID)
	}
	if err != nil {
		return nil, errServerError(err)
	}
	sp, err := s.dir.GetServicePrincipalByAppID(r.Context(), e.Tenant.ID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newError(400, "unauthorized_client", 7000112, "Application '%s'(%s) has no service principal in this tenant; it cannot sign in.", app.AppID, app.DisplayName)
	}
	if err != nil {
		return nil, errServerError(err)
	}
	if !sp.AccountEnabled {
		return nil, newError(400, "unauthorized_client", 7000112, "Application '%s'(%s) is disabled.", app.AppID, app.DisplayName)
	}
	tr := &tokenRequest{e: e, form: form, client: app, clientSP: sp, clientAuth: token.ClientAuthSecret}
	if secret != "" {
		switch directory.VerifyClientSecret(app, secret, s.now()) {
		case nil:
			return tr, nil
		case directory.ErrSecretExpired:
			return nil, newError(401, "invalid_client", 7000222, "The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app.", app.AppID)
		default:
			return nil, newError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.AppID)
		}
	}
	if form.Get("client_assertion") != "" {
		return nil, newError(401, "invalid_client", 700027, "Client assertion authentication is not supported by Gatehouse; use a client secret.")
	}
	// Only the code grant may be public by way of a publicClient redirect
	// URI (the code was bound to it); refresh and password requests could
	// name any redirect URI, so they are public only for apps that allow
	// public client flows.
	redirect := ""
	if form.Get("grant_type") == grantAuthorizationCode {
		redirect = form.Get("redirect_uri")
	}
	if allowPublic && isPublicClient(app, redirect) {
		tr.clientAuth = token.ClientAuthNone
		return tr, nil
	}
	return nil, newError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
}

// isPublicClient: Entra treats a request without a secret as a public client
// when the app allows public client flows, or the code was issued to a
// mobile/desktop (publicClient) redirect URI.
func isPublicClient(app *directory.Application, redirectURI string) bool {
	if app.IsFallbackPublicClient {
		return true
	}
	if redirectURI == "" {
		return false
	}
	for _, u := range app.PublicClient.RedirectURIs {
		if u == redirectURI {
			return true
		}
	}
	return false
}
