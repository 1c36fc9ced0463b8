package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// gatehouse is an in-process Gatehouse with the demo tenant, served over
// TLS on loopback as the API server requires of issuers.
type gatehouse struct {
	t      *testing.T
	srv    *httptest.Server
	base   string
	secret string
	users  []devenv.User
	token  string // app-only Graph token
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
	g := &gatehouse{t: t, secret: secrets.ClientSecret, users: secrets.Users}
	g.srv = httptest.NewUnstartedServer(nil)
	g.base = "https://" + g.srv.Listener.Addr().String()
	h, err := server.Handler(server.Config{Store: st, Registry: reg, Keys: km,
		Logger: slog.New(slog.DiscardHandler), PublicURLs: []string{g.base}})
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	g.srv.Config.Handler = h
	g.srv.StartTLS()
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gatehouse) issuerV1() string { return g.base + "/" + devenv.TenantID + "/" }

func (g *gatehouse) client() *http.Client { return g.srv.Client() }

// graphToken is the guide's step 4: an app-only token for Graph with
// client credentials on the v2 endpoint.
func (g *gatehouse) graphToken() string {
	g.t.Helper()
	if g.token != "" {
		return g.token
	}
	form := url.Values{"client_id": {devenv.AppClientID}, "client_secret": {g.secret},
		"scope": {"https://graph.microsoft.com/.default"}, "grant_type": {"client_credentials"}}
	resp, err := g.client().PostForm(g.base+"/"+devenv.TenantID+"/oauth2/v2.0/token", form)
	if err != nil {
		g.t.Fatalf("client credentials: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		g.t.Fatalf("client credentials: status %d, no access_token", resp.StatusCode)
	}
	g.token = body.AccessToken
	return g.token
}

// graph calls the Graph API and fails the test unless the status is want.
func (g *gatehouse) graph(method, path string, body any, want int) map[string]any {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, g.base+"/v1.0/"+path, rd)
	req.Header.Set("Authorization", "Bearer "+g.graphToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client().Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		g.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// setup says which of the guide's steps to do.
type setup struct {
	extensions         []string // step 5: extension properties to create
	values             []string // step 6: extensions given a value for the user
	mapped             []string // step 8: claims in the claims mapping policy
	acceptMappedClaims bool     // step 9
	lifetime           string   // token lifetime policy steps 5-6 ("" = none)
}

// fullSetup is the whole guide: both claims and a 4 hour lifetime.
func fullSetup() setup {
	return setup{extensions: []string{"default_namespace", "picture"}, values: []string{"default_namespace", "picture"},
		mapped: []string{"default_namespace", "picture"}, acceptMappedClaims: true, lifetime: "04:00:00"}
}

var guideValues = map[string]string{"default_namespace": "team-a", "picture": "https://example.com/adele.png"}

// apply does the guide's setup through the Graph API, as its curl commands do.
func (g *gatehouse) apply(s setup) {
	g.t.Helper()
	user := g.users[0].ID
	for _, name := range s.extensions {
		g.graph("POST", "applications/"+devenv.AppObjectID+"/extensionProperties",
			map[string]any{"name": name, "dataType": "String", "targetObjects": []string{"User"}}, http.StatusCreated)
	}
	values := map[string]any{}
	for _, name := range s.values {
		values[extension(name)] = guideValues[name]
	}
	if len(values) > 0 {
		g.graph("PATCH", "users/"+user, values, http.StatusNoContent)
	}
	if s.acceptMappedClaims {
		g.graph("PATCH", "applications/"+devenv.AppObjectID, map[string]any{"api": map[string]any{"acceptMappedClaims": true}}, http.StatusNoContent)
	}
	if len(s.mapped) > 0 {
		var schema []string
		for _, name := range s.mapped {
			schema = append(schema, fmt.Sprintf(`{"Source":"user","ExtensionID":"%s","JwtClaimType":"%s"}`, extension(name), name))
		}
		def := `{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[` + strings.Join(schema, ",") + `]}}`
		p := g.graph("POST", "policies/claimsMappingPolicies", map[string]any{"definition": []string{def}, "displayName": "eks claims"}, http.StatusCreated)
		g.graph("POST", "servicePrincipals/"+devenv.AppSPID+"/claimsMappingPolicies/$ref",
			map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/policies/claimsMappingPolicies/" + p["id"].(string)}, http.StatusNoContent)
	}
	if s.lifetime != "" {
		def := `{ "TokenLifetimePolicy": { "Version": 1, "AccessTokenLifetime": "` + s.lifetime + `" }}`
		p := g.graph("POST", "policies/tokenLifetimePolicies",
			map[string]any{"definition": []string{def}, "displayName": "Custom Access Token Lifetime", "isOrganizationDefault": false}, http.StatusCreated)
		g.graph("POST", "applications/"+devenv.AppObjectID+"/tokenLifetimePolicies/$ref",
			map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/" + p["id"].(string)}, http.StatusNoContent)
	}
}

// extension is the extension's name as Graph returns it in step 5.
func extension(name string) string {
	return "extension_" + strings.ReplaceAll(devenv.AppClientID, "-", "") + "_" + name
}

// idToken signs the demo user in with the password grant on the v1
// endpoint, as kubelogin --grant-type=password does.
func (g *gatehouse) idToken() string {
	g.t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {devenv.AppClientID}, "client_secret": {g.secret},
		"username": {g.users[0].UserPrincipalName}, "password": {g.users[0].Password}, "scope": {"openid"}}
	resp, err := g.client().PostForm(g.base+"/"+devenv.TenantID+"/oauth2/token", form)
	if err != nil {
		g.t.Fatalf("password grant: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.IDToken == "" {
		g.t.Fatalf("password grant: status %d, no id_token", resp.StatusCode)
	}
	return body.IDToken
}
