package cluster_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// directoryAccessAsUser is Microsoft Graph's delegated permission
// Directory.AccessAsUser.All: with it a Global Administrator's token may do
// whatever the administrator may, such as create groups, which the demo
// app's application permissions do not cover.
const directoryAccessAsUser = "0e263e50-5827-48a4-b97c-d940288653c7"

// graphClient sends Microsoft Graph requests to gatehouse with one access
// token. It is safe for concurrent use.
type graphClient struct {
	http  *http.Client
	base  string
	token string
}

// appOnlyGraphClient gets an app-only Graph token for the demo app (client
// credentials): User.ReadWrite.All, Application.ReadWrite.All and
// Policy.ReadWrite.ApplicationConfiguration.
func appOnlyGraphClient(t *testing.T, srv *harness.Server) *graphClient {
	t.Helper()
	cfg := srv.Config
	return newGraphClient(t, srv, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}})
}

// adminGraphClient gets a delegated Graph token of admin (a Global
// Administrator) with Directory.AccessAsUser.All, after adding that
// permission to the demo app's requiredResourceAccess (which is consent in
// gatehouse, as admin consent is in Entra).
func adminGraphClient(t *testing.T, srv *harness.Server, app *graphClient, admin harness.DevUser) *graphClient {
	t.Helper()
	cfg := srv.Config
	path := "/v1.0/applications/" + cfg.ApplicationObjectID
	body := app.must(t, http.MethodGet, path, nil, http.StatusOK)
	var rra []map[string]any
	raw, _ := json.Marshal(body["requiredResourceAccess"])
	if err := json.Unmarshal(raw, &rra); err != nil {
		t.Fatalf("requiredResourceAccess of the demo app %s: %v", raw, err)
	}
	added := false
	for _, r := range rra {
		if r["resourceAppId"] == "00000003-0000-0000-c000-000000000000" {
			r["resourceAccess"] = append(r["resourceAccess"].([]any), map[string]any{"id": directoryAccessAsUser, "type": "Scope"})
			added = true
		}
	}
	if !added {
		t.Fatalf("the demo app requires no Microsoft Graph permissions: %s", raw)
	}
	app.must(t, http.MethodPatch, path, map[string]any{"requiredResourceAccess": rra}, http.StatusNoContent)
	// Declaring a permission grants nothing: the administrator consents
	// for the organization on the consent page (security review F1).
	srv.ConsentForOrganization(t, admin, "https://graph.microsoft.com/Directory.AccessAsUser.All")
	return newGraphClient(t, srv, url.Values{
		"grant_type": {"password"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"username": {admin.UserPrincipalName}, "password": {admin.Password}, "scope": {"https://graph.microsoft.com/.default"}})
}

// newGraphClient requests a Graph token at the HTTPS v2 token endpoint.
func newGraphClient(t *testing.T, srv *harness.Server, form url.Values) *graphClient {
	t.Helper()
	client, err := srv.Config.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	tokenURL := srv.Config.HTTPSBaseURL + "/" + srv.Config.TenantID + "/oauth2/v2.0/token"
	resp, err := client.PostForm(tokenURL, form)
	if err != nil {
		t.Fatalf("POST %s (grant_type=%s): %v", tokenURL, form.Get("grant_type"), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
		t.Fatalf("POST %s (grant_type=%s): status %d %s; want 200 with an access token", tokenURL, form.Get("grant_type"), resp.StatusCode, body)
	}
	return &graphClient{http: client, base: srv.Config.HTTPSBaseURL, token: tr.AccessToken}
}

// do sends a Graph request with body as JSON (nil: none) and returns the
// status and the decoded answer (empty for 204).
func (g *graphClient) do(method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, g.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	out := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return resp.StatusCode, nil, fmt.Errorf("%s %s: status %d, answer is not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out, nil
}

// expect is do that returns an error unless the answer has status want.
func (g *graphClient) expect(method, path string, body any, want int) (map[string]any, error) {
	status, out, err := g.do(method, path, body)
	if err != nil {
		return nil, err
	}
	if status != want {
		return nil, fmt.Errorf("%s %s: status %d %v, want %d", method, path, status, out, want)
	}
	return out, nil
}

// must is expect that fails the test instead.
func (g *graphClient) must(t *testing.T, method, path string, body any, want int) map[string]any {
	t.Helper()
	out, err := g.expect(method, path, body, want)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mapDefaultNamespace gives users a default_namespace claim in the demo
// app's tokens the way the Entra SSO for EKS guide does: a directory
// extension on the app, the value on each user (namespaces maps user object
// ids to namespaces), a claims mapping policy on the app's service principal
// that emits the extension as default_namespace, and acceptMappedClaims.
func mapDefaultNamespace(t *testing.T, srv *harness.Server, g *graphClient, namespaces map[string]string) {
	t.Helper()
	cfg := srv.Config
	ext := g.must(t, http.MethodPost, "/v1.0/applications/"+cfg.ApplicationObjectID+"/extensionProperties",
		map[string]any{"name": "default_namespace", "dataType": "String", "targetObjects": []string{"User"}}, http.StatusCreated)
	// Entra: extension_<appId without dashes>_default_namespace.
	name, _ := ext["name"].(string)
	if want := "extension_" + strings.ReplaceAll(cfg.ClientID, "-", "") + "_default_namespace"; name != want {
		t.Fatalf("extension property name = %q, want %q", name, want)
	}
	for id, ns := range namespaces {
		g.must(t, http.MethodPatch, "/v1.0/users/"+id, map[string]any{name: ns}, http.StatusNoContent)
	}
	def, _ := json.Marshal(map[string]any{"ClaimsMappingPolicy": map[string]any{"Version": 1, "IncludeBasicClaimSet": "true",
		"ClaimsSchema": []map[string]string{{"Source": "user", "ExtensionID": name, "JwtClaimType": "default_namespace"}}}})
	policy := g.must(t, http.MethodPost, "/v1.0/policies/claimsMappingPolicies",
		map[string]any{"definition": []string{string(def)}, "displayName": "kubernetes default namespace"}, http.StatusCreated)
	g.must(t, http.MethodPost, "/v1.0/servicePrincipals/"+cfg.ServicePrincipalID+"/claimsMappingPolicies/$ref",
		map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/policies/claimsMappingPolicies/" + policy["id"].(string)}, http.StatusNoContent)
	// Entra refuses to sign in to an app with mapped claims (AADSTS50146)
	// until its manifest accepts them.
	g.must(t, http.MethodPatch, "/v1.0/applications/"+cfg.ApplicationObjectID,
		map[string]any{"api": map[string]any{"acceptMappedClaims": true}}, http.StatusNoContent)
}
