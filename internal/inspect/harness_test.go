package inspect_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// gatehouse is an in-process Gatehouse with the demo tenant, on loopback.
type gatehouse struct {
	srv    *httptest.Server
	base   string
	secret string
	users  []devenv.User
	keys   *keys.Manager
}

func newGatehouse(t *testing.T) *gatehouse {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	km, err := keys.NewManager(ctx, keys.Config{Store: st})
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	reg := registry.New(st, nil)
	secrets, err := devenv.Seed(ctx, reg, dir)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	g := &gatehouse{secret: secrets.ClientSecret, users: secrets.Users, keys: km}
	g.srv = httptest.NewUnstartedServer(nil)
	g.base = "http://" + g.srv.Listener.Addr().String()
	h, err := server.Handler(server.Config{Store: st, Registry: reg, Keys: km,
		Logger: slog.New(slog.DiscardHandler), PublicURLs: []string{g.base}})
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	g.srv.Config.Handler = h
	g.srv.Start()
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gatehouse) issuerV1() string { return g.base + "/" + devenv.TenantID + "/" }

// idToken signs a user in with the password grant on the v1 endpoint, as
// kubelogin --grant-type=password does, and returns the ID token.
func (g *gatehouse) idToken(t *testing.T) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {devenv.AppClientID}, "client_secret": {g.secret},
		"username": {g.users[0].UserPrincipalName}, "password": {g.users[0].Password}, "scope": {"openid"}}
	resp, err := http.PostForm(g.base+"/"+devenv.TenantID+"/oauth2/token", form)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body struct {
		IDToken string `json:"id_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &body) != nil || body.IDToken == "" {
		t.Fatalf("token request: status %d, body %s", resp.StatusCode, b)
	}
	return body.IDToken
}

// noNetwork is a client that fails the test if it is used.
func noNetwork(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("offline inspection made a request: %s %s", r.Method, r.URL)
		return nil, http.ErrUseLastResponse
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// segments splits a compact JWT.
func segments(t *testing.T, jwt string) []string {
	t.Helper()
	p := strings.Split(jwt, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d parts, want 3", len(p))
	}
	return p
}
