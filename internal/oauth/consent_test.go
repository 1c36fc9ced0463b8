package oauth_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// TestNoUnconsentedScopesForOtherAPIs: an app cannot mint a token with
// named scopes of another API (nothing consented them); .default works.
func TestNoUnconsentedScopesForOtherAPIs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.Registry.CreateApplication(ctx, e.System(), registry.ApplicationSpec{DisplayName: "victim-api",
		IdentifierURIs: []string{"api://victim-api"}}, nil); err != nil {
		t.Fatal(err)
	}
	user := e.Users[1]
	grant := func(scope string) map[string]any {
		_, body := e.PostForm(e.TokenURL(2), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"username": {user.UserPrincipalName}, "password": {user.Password}, "scope": {scope}}, nil)
		return body
	}
	if body := grant("openid api://victim-api/Admin.ReadWrite"); body["error"] != "invalid_scope" {
		t.Fatalf("named scope of another API: %v, want invalid_scope", body)
	}
	body := grant("openid api://victim-api/.default")
	if body["access_token"] == nil {
		t.Fatalf(".default of another API: %v, want a token", body)
	}
	if c := testenv.ClaimsOf(t, body["access_token"].(string)); c["scp"] != nil {
		t.Fatalf(".default token carries scp %v, want none", c["scp"])
	}
}

// TestRefreshNeedsTheSecretOfAConfidentialClient: naming a public-client
// redirect URI does not turn a confidential app's refresh into a public one.
func TestRefreshNeedsTheSecretOfAConfidentialClient(t *testing.T) {
	e := newEnv(t)
	user := e.Users[1]
	// The web app also has a mobile/desktop redirect URI.
	if _, err := e.Store.UpdateApplication(context.Background(), e.Tenant, devenv.AppObjectID, func(a *directory.Application) error {
		a.PublicClient.RedirectURIs = []string{"http://localhost"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, body := e.PostForm(e.TokenURL(1), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
		"username": {user.UserPrincipalName}, "password": {user.Password}}, nil)
	rt, _ := body["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token: %v", body)
	}
	resp, body := e.PostForm(e.TokenURL(1), url.Values{"grant_type": {"refresh_token"}, "client_id": {e.ClientID},
		"refresh_token": {rt}, "redirect_uri": {"http://localhost"}}, nil)
	if resp.StatusCode != 401 || body["error"] != "invalid_client" {
		t.Fatalf("refresh without the secret: %d %v, want 401 invalid_client", resp.StatusCode, body)
	}
}
