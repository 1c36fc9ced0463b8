package testenv

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// Env is a running Gatehouse (login host and Graph) with the demo tenant.
type Env struct {
	Server   *httptest.Server
	Base     string // public URL: http:// or https:// and the loopback address
	Tenant   string
	ClientID string // the demo app's client id
	Secret   string // the demo app's client secret
	Users    []devenv.User
	Registry *registry.Registry
	Keys     *keys.Manager
	Store    *sqlite.Store
	Clock    *Clock

	t          testing.TB
	mu         sync.Mutex
	graphToken string
}

// Option changes how Start builds the environment.
type Option func(*options)

type options struct {
	tls   bool
	clock *Clock
}

// WithTLS serves over TLS, as the Kubernetes API server requires of issuers.
// Env.Client trusts the test certificate.
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithClock makes the store, the keys and the server read c instead of a
// fresh wall clock.
func WithClock(c *Clock) Option { return func(o *options) { o.clock = c } }

// Start seeds the demo tenant into a new store and serves it until the test
// ends.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{clock: &Clock{}}
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	dir := t.TempDir()
	clock := o.clock
	st, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"), sqlite.WithClock(clock.Now))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	km, err := keys.NewManager(ctx, keys.Config{Store: st, Clock: clock.Now})
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	reg := registry.New(st, clock.Now)
	secrets, err := devenv.Seed(ctx, reg, dir)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	e := &Env{t: t, Tenant: devenv.TenantID, ClientID: devenv.AppClientID, Secret: secrets.ClientSecret,
		Users: secrets.Users, Registry: reg, Keys: km, Store: st, Clock: clock}
	// The handler needs its public URL before the listener exists: start
	// unstarted, learn the address, then build the handler.
	e.Server = httptest.NewUnstartedServer(nil)
	scheme := "http://"
	if o.tls {
		scheme = "https://"
	}
	e.Base = scheme + e.Server.Listener.Addr().String()
	h, err := server.Handler(server.Config{Store: st, Registry: reg, Keys: km, Clock: clock.Now,
		Logger: slog.New(slog.DiscardHandler), PublicURLs: []string{e.Base}})
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	e.Server.Config.Handler = h
	if o.tls {
		e.Server.StartTLS()
	} else {
		e.Server.Start()
	}
	t.Cleanup(e.Server.Close)
	return e
}

// Client is an HTTP client for the server (trusting its certificate under
// TLS).
func (e *Env) Client() *http.Client { return e.Server.Client() }

// Issuer is the tenant's v1 (sts.windows.net style) or v2 issuer.
func (e *Env) Issuer(version int) string {
	if version == 2 {
		return e.Base + "/" + e.Tenant + "/v2.0"
	}
	return e.Base + "/" + e.Tenant + "/"
}

// TokenURL is the tenant's v1 or v2 token endpoint.
func (e *Env) TokenURL(version int) string {
	if version == 2 {
		return e.Base + "/" + e.Tenant + "/oauth2/v2.0/token"
	}
	return e.Base + "/" + e.Tenant + "/oauth2/token"
}

// AuthorizeURL is the tenant's v1 or v2 authorization endpoint.
func (e *Env) AuthorizeURL(version int) string {
	if version == 2 {
		return e.Base + "/" + e.Tenant + "/oauth2/v2.0/authorize"
	}
	return e.Base + "/" + e.Tenant + "/oauth2/authorize"
}

// User returns the seeded demo user with the given object id.
func (e *Env) User(id string) devenv.User {
	e.t.Helper()
	for _, u := range e.Users {
		if u.ID == id {
			return u
		}
	}
	e.t.Fatalf("no demo user %s", id)
	return devenv.User{}
}

// PostForm sends a form with the extra headers and decodes the JSON answer.
func (e *Env) PostForm(u string, form url.Values, header http.Header) (*http.Response, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatalf("POST %s: %v", u, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.Client().Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		e.t.Fatalf("POST %s: status %d, body is not JSON: %q", u, resp.StatusCode, b)
	}
	return resp, body
}

// GraphToken is the guide's app-only Microsoft Graph token for the demo app
// (client credentials on the v2 endpoint). The first call gets it; later
// calls reuse it.
func (e *Env) GraphToken() string {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.graphToken == "" {
		e.graphToken = e.token(2, "access_token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {e.ClientID}, "client_secret": {e.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
	}
	return e.graphToken
}

// IDToken signs the first demo user in to the demo app with the password
// grant on the v1 endpoint, as kubelogin --grant-type=password does, and
// returns the ID token.
func (e *Env) IDToken() string {
	e.t.Helper()
	u := e.Users[0]
	return e.token(1, "id_token", url.Values{"grant_type": {"password"}, "client_id": {e.ClientID},
		"client_secret": {e.Secret}, "username": {u.UserPrincipalName}, "password": {u.Password}, "scope": {"openid"}})
}

// token posts form to the token endpoint and returns the named token,
// failing the test unless one was issued.
func (e *Env) token(version int, name string, form url.Values) string {
	e.t.Helper()
	resp, body := e.PostForm(e.TokenURL(version), form, nil)
	tok, _ := body[name].(string)
	if resp.StatusCode != http.StatusOK || tok == "" {
		e.t.Fatalf("%s grant: status %d, no %s: %v", form.Get("grant_type"), resp.StatusCode, name, body)
	}
	return tok
}

// ClaimsOf decodes a JWT's payload without verifying it.
func ClaimsOf(t testing.TB, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return c
}

// System is the actor for directory changes a test makes as Gatehouse
// itself (what the seed does), past every permission check.
func (e *Env) System() registry.Actor { return registry.System(e.Tenant, "test") }

// Consent grants client (a service principal) scope on Microsoft Graph for
// every user, as an administrator's "Grant admin consent" would.
func (e *Env) Consent(t testing.TB, client *directory.ServicePrincipal, scope string) {
	t.Helper()
	if err := devenv.EnsureConsent(context.Background(), e.Registry, e.System(), client, scope); err != nil {
		t.Fatalf("consent for %s: %v", client.DisplayName, err)
	}
}
