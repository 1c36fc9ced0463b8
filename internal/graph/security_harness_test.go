package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// Helpers of the security review's regression tests (security_review_*_test.go).

const attackerRedirect = "https://attacker.example/cb"

// registerByGraph registers an app through Graph with the demo app's
// app-only token (Application.ReadWrite.All), as the review's attacker
// did, creates its service principal and a secret.
func (e *env) registerByGraph(t *testing.T, body map[string]any) testClient {
	t.Helper()
	at := e.GraphToken()
	app := e.do("POST", "applications", at, body)
	if app.status != http.StatusCreated {
		t.Fatalf("register: %s", app)
	}
	sp := e.do("POST", "servicePrincipals", at, map[string]any{"appId": app.str("appId")})
	if sp.status != http.StatusCreated {
		t.Fatalf("service principal: %s", sp)
	}
	pw := e.do("POST", "applications/"+app.str("id")+"/addPassword", at, map[string]any{})
	if pw.status != http.StatusOK {
		t.Fatalf("addPassword: %s", pw)
	}
	return testClient{ObjectID: app.str("id"), AppID: app.str("appId"), SPID: sp.str("id"), Secret: pw.str("secretText")}
}

// authorizeURL is an authorization request of the given endpoint version.
func (e *env) authorizeURL(version int, clientID, redirect string, extra url.Values) string {
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirect}, "state": {"s"}}
	for k, v := range extra {
		q[k] = v
	}
	return e.AuthorizeURL(version) + "?" + q.Encode()
}

// redirectQuery is the query of a redirect to the client, or nil when the
// answer is not a redirect.
func redirectQuery(resp *http.Response) url.Values {
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil
	}
	return loc.Query()
}

// signedInBrowser is a browser in which the user signed in once to the
// demo app: a live SSO session, as the victim in F1 has.
func (e *env) signedInBrowser(t *testing.T, userID string) *testenv.Browser {
	t.Helper()
	u := e.User(userID)
	b := testenv.NewBrowser(t)
	_, page := b.Get(e.authorizeURL(2, eksAppID, "http://localhost:8000", url.Values{"scope": {"openid"}}))
	resp, _ := b.SignIn(e.Base, page, u.UserPrincipalName, u.Password)
	if q := redirectQuery(resp); q.Get("code") == "" {
		t.Fatalf("%s's ordinary sign-in: %d, no code", u.UserPrincipalName, resp.StatusCode)
	}
	return b
}

// redeem exchanges a code for tokens.
func (e *env) redeem(t *testing.T, c testClient, redirect, code string) tokenResponse {
	t.Helper()
	return e.postToken(url.Values{"grant_type": {"authorization_code"}, "client_id": {c.AppID}, "client_secret": {c.Secret},
		"code": {code}, "redirect_uri": {redirect}})
}

// ensureAdminCentre registers the admin centre as `gatehouse serve` does
// at start.
func (e *env) ensureAdminCentre(t *testing.T) {
	t.Helper()
	if _, err := devenv.EnsureAdminCentre(context.Background(), e.Registry, e.Tenant, []string{"http://127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
}

func hasCode(r tokenResponse, code int) bool {
	codes, _ := r.body["error_codes"].([]any)
	for _, c := range codes {
		if c == float64(code) {
			return true
		}
	}
	return false
}

func (e *env) spOf(t *testing.T, id string) *directory.ServicePrincipal {
	t.Helper()
	sp, err := e.Registry.Reader().GetServicePrincipal(context.Background(), e.Tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// withRole creates a user holding a directory role and returns a
// delegated Graph token for them (Directory.AccessAsUser.All).
func (e *env) withRole(t *testing.T, nick, role string) string {
	t.Helper()
	const pw = "Role-Holder-Pass-42!"
	spec := registry.UserSpec{UserPrincipalName: nick + "@" + devenv.TenantDomain, DisplayName: nick, Password: pw}
	if role != "" {
		spec.DirectoryRoles = []string{role}
	}
	u, err := e.Registry.CreateUser(context.Background(), e.System(), spec)
	if err != nil {
		t.Fatal(err)
	}
	c := e.delegatedClient()
	r := e.passwordGrantAs(c.AppID, c.Secret, u.UserPrincipalName, pw, "https://graph.microsoft.com/Directory.AccessAsUser.All")
	if r.status != 200 {
		t.Fatalf("token for %s: %v", nick, r.body)
	}
	return r.str("access_token")
}

func decodeJSON(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", resp.Request.URL, err)
	}
}
