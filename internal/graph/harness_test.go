package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// Names of the demo tenant used throughout, as the guide spells them.
const (
	graphBase  = "https://graph.microsoft.com/v1.0"
	graphScope = "https://graph.microsoft.com/.default"
	eksObjID   = devenv.AppObjectID
	eksAppID   = devenv.AppClientID
	eksSPID    = devenv.AppSPID
	graphSPID  = devenv.GraphSPID
	adeleID    = devenv.AdminUserID
	alexID     = devenv.DeveloperUserID
	// eksNoDash is the demo app's client id without dashes, as Entra puts
	// it into directory extension names.
	eksNoDash = "6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c"
	// The guide's extension and policy bodies, verbatim.
	guideExtensionBody = `{
      "name": "default_namespace",
      "dataType": "String",
      "targetObjects": ["User"]
    }`
	guideLifetimePolicyBody = `{
        "definition": [
            "{ \"TokenLifetimePolicy\": { \"Version\": 1, \"AccessTokenLifetime\": \"04:00:00\" }}"
        ],
        "displayName": "Custom Access Token Lifetime",
        "isOrganizationDefault": false
    }`
	defaultNamespaceExt = "extension_" + eksNoDash + "_default_namespace"
	// Directory.AccessAsUser.All, the delegated permission our test client
	// declares so that the password grant may ask for it.
	scopeAccessAsUser = "0e263e50-5827-48a4-b97c-d940288653c7"
	scopeUserReadAll  = "a154be20-db9c-4678-8ab7-66f6cc099a59"
)

// env is a running Gatehouse (login host and Graph) with the demo tenant,
// and the tokens the tests ask for.
type env struct {
	*testenv.Env
	t testing.TB

	mu        sync.Mutex
	tokens    map[string]string // cached tokens by who they are for
	delegated *testClient       // the client that asks for delegated Graph scopes
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return &env{Env: testenv.Start(t), t: t, tokens: map[string]string{}}
}

// tokenResponse is what the token endpoint answered.
type tokenResponse struct {
	status int
	body   map[string]any
}

func (r tokenResponse) str(k string) string { s, _ := r.body[k].(string); return s }

// postToken posts a form to the v2 token endpoint.
func (e *env) postToken(form url.Values) tokenResponse {
	e.t.Helper()
	resp, body := e.PostForm(e.TokenURL(2), form, nil)
	return tokenResponse{status: resp.StatusCode, body: body}
}

// clientCredentials gets an app-only Graph token the way the guide does.
func (e *env) clientCredentials(clientID, secret string) tokenResponse {
	e.t.Helper()
	return e.postToken(url.Values{"client_id": {clientID}, "client_secret": {secret},
		"scope": {graphScope}, "grant_type": {"client_credentials"}})
}

// appToken returns a fresh app-only Graph token, failing the test if none is issued.
func (e *env) appToken(clientID, secret string) string {
	e.t.Helper()
	r := e.clientCredentials(clientID, secret)
	if r.status != http.StatusOK || r.str("access_token") == "" {
		e.t.Fatalf("client credentials for %s: status %d, body %v", clientID, r.status, r.body)
	}
	return r.str("access_token")
}

func (e *env) cached(key string, get func() string) string {
	e.mu.Lock()
	tok, ok := e.tokens[key]
	e.mu.Unlock()
	if ok {
		return tok
	}
	tok = get()
	e.mu.Lock()
	e.tokens[key] = tok
	e.mu.Unlock()
	return tok
}

// passwordGrant runs the v2 ROPC grant.
func (e *env) passwordGrant(clientID, secret, userID, scope string) tokenResponse {
	e.t.Helper()
	u := e.User(userID)
	return e.passwordGrantAs(clientID, secret, u.UserPrincipalName, u.Password, scope)
}

func (e *env) passwordGrantAs(clientID, secret, username, password, scope string) tokenResponse {
	e.t.Helper()
	form := url.Values{"client_id": {clientID}, "grant_type": {"password"}, "username": {username},
		"password": {password}, "scope": {scope}}
	if secret != "" {
		form.Set("client_secret", secret)
	}
	return e.postToken(form)
}

// testClient is an app registered for the test.
type testClient struct {
	ObjectID, AppID, SPID, Secret string
}

// registerClient registers a confidential client that declares the given
// Graph application permissions (admin-consented) and delegated scopes.
func (e *env) registerClient(name string, roles []string, scopeIDs ...string) testClient {
	e.t.Helper()
	ctx := context.Background()
	var access []directory.ResourceAccess
	for _, v := range roles {
		role, ok := directory.GraphAppRoleByValue(v)
		if !ok {
			e.t.Fatalf("unknown Graph app role %q", v)
		}
		access = append(access, directory.ResourceAccess{ID: role.ID, Type: "Role"})
	}
	for _, id := range scopeIDs {
		access = append(access, directory.ResourceAccess{ID: id, Type: "Scope"})
	}
	spec := registry.ApplicationSpec{DisplayName: name}
	if len(access) > 0 {
		spec.RequiredResourceAccess = []directory.RequiredResourceAccess{{ResourceAppID: directory.GraphAppID, ResourceAccess: access}}
	}
	app, sp, err := e.Registry.CreateApplication(ctx, e.System(), spec, nil)
	if err != nil {
		e.t.Fatalf("register %s: %v", name, err)
	}
	secret, _, err := e.Registry.AddPassword(ctx, e.System(), app.ID, "test", 0)
	if err != nil {
		e.t.Fatalf("add password to %s: %v", name, err)
	}
	// Admin consent for what the app declares, and for signing users in.
	if _, err := e.Registry.GrantAdminConsent(ctx, e.System(), app.ID); err != nil {
		e.t.Fatalf("admin consent for %s: %v", name, err)
	}
	e.Consent(e.t, sp, "openid profile email offline_access User.Read")
	return testClient{ObjectID: app.ID, AppID: app.AppID, SPID: sp.ID, Secret: secret}
}

// delegatedToken is a user's Graph token with Directory.AccessAsUser.All,
// from the password grant of a client that declares that scope.
func (e *env) delegatedToken(userID string) string {
	e.t.Helper()
	client := e.delegatedClient()
	return e.cached("user:"+userID, func() string {
		r := e.passwordGrant(client.AppID, client.Secret, userID, "https://graph.microsoft.com/Directory.AccessAsUser.All")
		if r.status != http.StatusOK || r.str("access_token") == "" {
			e.t.Fatalf("password grant for %s: status %d, body %v", userID, r.status, r.body)
		}
		return r.str("access_token")
	})
}

func (e *env) delegatedClient() testClient {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.delegated == nil {
		c := e.registerClient("graph-test-delegated", nil, scopeAccessAsUser, scopeUserReadAll)
		e.delegated = &c
	}
	return *e.delegated
}

// eksIDToken signs a user in to eks by password and returns the token
// response (ID token included when the endpoint issued one).
func (e *env) eksIDToken(userID string) tokenResponse {
	e.t.Helper()
	return e.passwordGrant(eksAppID, e.Secret, userID, "openid profile")
}

// response is a Graph answer.
type response struct {
	method, path string
	status       int
	header       http.Header
	raw          []byte
	obj          map[string]any // nil unless the body is a JSON object
}

func (r *response) String() string {
	return r.method + " " + r.path + " → " + http.StatusText(r.status) + " " + string(r.raw)
}

// str returns a top-level string property.
func (r *response) str(k string) string { s, _ := r.obj[k].(string); return s }

// values returns the "value" array of a collection.
func (r *response) values(t testing.TB) []map[string]any {
	t.Helper()
	arr, ok := r.obj["value"].([]any)
	if !ok {
		t.Fatalf("%s: no value array", r)
	}
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: value[%d] is %T, not an object", r, i, v)
		}
		out[i] = m
	}
	return out
}

// request is one Graph call to make.
type request struct {
	method string
	path   string // under /v1.0/ (may hold a query), or absolute when starting with http
	token  string
	body   any // nil, string (sent verbatim), []byte, or a value to marshal
	header map[string]string
}

func (e *env) send(req request) *response {
	e.t.Helper()
	u := req.path
	if !strings.HasPrefix(u, "http") {
		u = e.Base + "/v1.0/" + strings.TrimPrefix(u, "/")
	}
	var body io.Reader
	switch b := req.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		body = bytes.NewReader(raw)
	}
	hr, err := http.NewRequest(req.method, u, body)
	if err != nil {
		e.t.Fatalf("new request %s %s: %v", req.method, u, err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &response{method: req.method, path: req.path, status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		json.Unmarshal(raw, &out.obj)
	}
	return out
}

// do sends a Graph call with a token.
func (e *env) do(method, path, token string, body any) *response {
	e.t.Helper()
	return e.send(request{method: method, path: path, token: token, body: body})
}

// Shorthands for the demo app's app-only token (all the guide's permissions).
func (e *env) get(path string) *response { e.t.Helper(); return e.do("GET", path, e.GraphToken(), nil) }
func (e *env) post(path string, body any) *response {
	e.t.Helper()
	return e.do("POST", path, e.GraphToken(), body)
}
func (e *env) patch(path string, body any) *response {
	e.t.Helper()
	return e.do("PATCH", path, e.GraphToken(), body)
}
func (e *env) del(path string) *response {
	e.t.Helper()
	return e.do("DELETE", path, e.GraphToken(), nil)
}

// wantStatus fails unless the response has the status.
func wantStatus(t testing.TB, r *response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status = %d, want %d; body %s", r.method, r.path, r.status, status, r.raw)
	}
}

// wantNoContent checks a 204 with an empty body.
func wantNoContent(t testing.TB, r *response) {
	t.Helper()
	wantStatus(t, r, http.StatusNoContent)
	if len(r.raw) != 0 {
		t.Fatalf("%s %s: 204 with body %q", r.method, r.path, r.raw)
	}
}

var (
	guidRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	errorDateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`)
)

// graphError is Graph's error object, decoded strictly.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// checkErrorShape verifies a body is exactly Graph's error object and
// returns it.
func checkErrorShape(t testing.TB, r *response) graphError {
	t.Helper()
	var ge graphError
	dec := json.NewDecoder(bytes.NewReader(r.raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ge); err != nil {
		t.Fatalf("%s %s: error body is not Graph's error object: %v; body %s", r.method, r.path, err, r.raw)
	}
	// Every member is required, not merely allowed.
	var shape struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	json.Unmarshal(r.raw, &shape)
	for _, k := range []string{"code", "message", "innerError"} {
		if _, ok := shape.Error[k]; !ok {
			t.Fatalf("%s %s: error object lacks %q: %s", r.method, r.path, k, r.raw)
		}
	}
	var inner map[string]json.RawMessage
	json.Unmarshal(shape.Error["innerError"], &inner)
	for _, k := range []string{"date", "request-id", "client-request-id"} {
		if _, ok := inner[k]; !ok {
			t.Fatalf("%s %s: innerError lacks %q: %s", r.method, r.path, k, r.raw)
		}
	}
	ie := ge.Error.InnerError
	switch {
	case ge.Error.Code == "":
		t.Fatalf("%s %s: error.code is empty: %s", r.method, r.path, r.raw)
	case ge.Error.Message == "":
		t.Fatalf("%s %s: error.message is empty: %s", r.method, r.path, r.raw)
	case !errorDateRE.MatchString(ie.Date):
		t.Fatalf("%s %s: innerError.date = %q, want yyyy-mm-ddThh:mm:ss", r.method, r.path, ie.Date)
	case !guidRE.MatchString(ie.RequestID):
		t.Fatalf("%s %s: innerError.request-id = %q, want a GUID", r.method, r.path, ie.RequestID)
	case ie.ClientRequestID == "":
		t.Fatalf("%s %s: innerError.client-request-id is empty", r.method, r.path)
	case r.header.Get("request-id") != ie.RequestID:
		t.Fatalf("%s %s: request-id header %q != innerError.request-id %q", r.method, r.path, r.header.Get("request-id"), ie.RequestID)
	case !strings.HasPrefix(r.header.Get("Content-Type"), "application/json"):
		t.Fatalf("%s %s: error Content-Type = %q, want application/json", r.method, r.path, r.header.Get("Content-Type"))
	}
	return ge
}

// wantError checks status, Graph error shape, code and (when given) that
// the message contains msg.
func wantError(t testing.TB, r *response, status int, code, msg string) graphError {
	t.Helper()
	wantStatus(t, r, status)
	ge := checkErrorShape(t, r)
	if ge.Error.Code != code {
		t.Fatalf("%s %s: error.code = %q, want %q; message %q", r.method, r.path, ge.Error.Code, code, ge.Error.Message)
	}
	if msg != "" && !strings.Contains(ge.Error.Message, msg) {
		t.Fatalf("%s %s: error.message = %q, want it to contain %q", r.method, r.path, ge.Error.Message, msg)
	}
	return ge
}

const msgDenied = "Insufficient privileges to complete the operation."

// lifetimeOf is exp - iat of a JWT, in seconds.
func lifetimeOf(t testing.TB, jwt string) int64 {
	t.Helper()
	c := testenv.ClaimsOf(t, jwt)
	exp, ok1 := c["exp"].(float64)
	iat, ok2 := c["iat"].(float64)
	if !ok1 || !ok2 {
		t.Fatalf("token lacks numeric exp/iat: %v", c)
	}
	return int64(exp - iat)
}

func rolesOf(t testing.TB, jwt string) []string {
	t.Helper()
	var out []string
	list, _ := testenv.ClaimsOf(t, jwt)["roles"].([]any)
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// createLifetimePolicy creates a token lifetime policy and returns its id.
func (e *env) createLifetimePolicy(name, lifetime string, orgDefault bool) string {
	e.t.Helper()
	body := map[string]any{
		"definition":            []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"` + lifetime + `"}}`},
		"displayName":           name,
		"isOrganizationDefault": orgDefault,
	}
	r := e.post("policies/tokenLifetimePolicies", body)
	wantStatus(e.t, r, http.StatusCreated)
	if !guidRE.MatchString(r.str("id")) {
		e.t.Fatalf("created policy id = %q, want a GUID", r.str("id"))
	}
	return r.str("id")
}

// createGuideExtension runs the guide's extension create call and returns
// the new definition's id.
func (e *env) createGuideExtension() string {
	e.t.Helper()
	r := e.post("applications/"+eksObjID+"/extensionProperties", guideExtensionBody)
	wantStatus(e.t, r, http.StatusCreated)
	return r.str("id")
}

// ref is a $ref body.
func ref(id string) map[string]string { return map[string]string{"@odata.id": id} }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
