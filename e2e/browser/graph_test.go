package browser_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// graphClient sends Microsoft Graph requests to gatehouse with one access
// token.
type graphClient struct {
	http  *http.Client
	base  string
	token string
}

// appOnlyGraphClient gets an app-only Graph token for the demo app eks
// (client credentials at the HTTPS v2 token endpoint): User.ReadWrite.All,
// Application.ReadWrite.All and Policy.ReadWrite.ApplicationConfiguration.
func appOnlyGraphClient(t *testing.T, srv *harness.Server) *graphClient {
	t.Helper()
	cfg := srv.Config
	client, err := cfg.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	tokenURL := cfg.HTTPSBaseURL + "/" + cfg.TenantID + "/oauth2/v2.0/token"
	resp, err := client.PostForm(tokenURL, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatalf("POST %s (client_credentials): %v", tokenURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
		t.Fatalf("POST %s (client_credentials): status %d %s; want 200 with an access token", tokenURL, resp.StatusCode, body)
	}
	return &graphClient{http: client, base: cfg.HTTPSBaseURL, token: tr.AccessToken}
}

// must sends a Graph request with body as JSON and returns the decoded
// answer (empty for 204); it fails the test unless the status is want.
func (g *graphClient) must(t *testing.T, method, path string, body any, want int) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, g.base+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, path, err)
	}
	out := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: status %d, answer is not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d %s, want %d", method, path, resp.StatusCode, fmt.Sprint(out), want)
	}
	return out
}
