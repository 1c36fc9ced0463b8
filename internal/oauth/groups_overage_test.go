package oauth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// TestGroupsOverage: a user in more groups than a JWT may list gets the
// overage pointer, and the endpoint answers with a JWT, signed by the
// issuer, listing every group (what the Kubernetes API server needs).
func TestGroupsOverage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	user := e.Users[1]
	const n = 205
	for i := range n {
		g, err := e.Registry.CreateGroup(ctx, e.System(), registry.GroupSpec{DisplayName: fmt.Sprintf("team-%03d", i), MailNickname: fmt.Sprintf("team-%03d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Store.AddGroupMember(ctx, e.Tenant, g.ID, user.ID); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := e.PostForm(e.TokenURL(1), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
		"username": {user.UserPrincipalName}, "password": {user.Password}}, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("password grant: %d %v", resp.StatusCode, body)
	}
	id := testenv.ClaimsOf(t, body["id_token"].(string))
	if id["groups"] != nil {
		t.Fatalf("id token lists %d groups; want the overage pointer above %d", len(id["groups"].([]any)), token.MaxGroupsInJWT)
	}
	src, _ := id["_claim_sources"].(map[string]any)["src1"].(map[string]any)
	endpoint, _ := src["endpoint"].(string)
	access, _ := src["access_token"].(string)
	if endpoint != e.Base+"/"+e.Tenant+"/openid/groups" || access == "" {
		t.Fatalf("_claim_sources.src1 = %v, want Gatehouse's groups endpoint and an access token", src)
	}

	get := func(bearer string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", endpoint, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, jwt := get(access)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("groups endpoint: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), jwt)
	}
	c, err := token.Verify(jwt, e.Keys, time.Now())
	if err != nil {
		t.Fatalf("groups JWT does not verify: %v", err)
	}
	// n new groups plus the demo "developers" group alex is in.
	if got := len(c["groups"].([]any)); got != n+1 || c.String("iss") != e.Issuer(1) || c.String("aud") != devenv.AppClientID {
		t.Fatalf("groups JWT: %d groups iss %v aud %v; want %d, the v1 issuer, the client id", got, c["iss"], c["aud"], n+1)
	}
	if resp, _ := get(""); resp.StatusCode != 401 {
		t.Fatalf("without a bearer: %d, want 401", resp.StatusCode)
	}
	if resp, _ := get(body["id_token"].(string)); resp.StatusCode != 401 {
		t.Fatalf("with the ID token as bearer: %d, want 401", resp.StatusCode)
	}
}
