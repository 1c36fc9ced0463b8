package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// Part 2 of the security review (S1–S8) and its suspected findings; see
// security_review_f_test.go.

// TestS1PasswordResetsNeedAnAdministratorRole: an app-only token with
// User.ReadWrite.All (or Directory.ReadWrite.All) sets no passwords; a
// User Administrator resets a non-administrator's password, nobody but a
// Global Administrator an administrator's.
func TestS1PasswordResetsNeedAnAdministratorRole(t *testing.T) {
	e := newEnv(t)
	dirRW := e.registerClient("dirrw", []string{"Directory.ReadWrite.All"})
	carol := e.withRole(t, "carol", directory.RoleUserAdministrator)
	dave := e.withRole(t, "dave", directory.RoleCloudApplicationAdministrator)
	pw := map[string]any{"passwordProfile": map[string]any{"password": "Attacker-Chosen-77!"}}
	for _, tc := range []struct {
		who, token, target string
		want               int
	}{
		{"eks app-only (User.ReadWrite.All)", e.GraphToken(), alexID, http.StatusForbidden},
		{"app-only Directory.ReadWrite.All", e.appToken(dirRW.AppID, dirRW.Secret), alexID, http.StatusForbidden},
		{"Cloud Application Administrator", dave, alexID, http.StatusForbidden},
		{"User Administrator on a Global Administrator", carol, adeleID, http.StatusForbidden},
		{"User Administrator on alex", carol, alexID, http.StatusNoContent},
	} {
		if r := e.do("PATCH", "users/"+tc.target, tc.token, pw); r.status != tc.want {
			t.Errorf("%s resets %s's password: %s, want %d", tc.who, tc.target, r, tc.want)
		}
	}
}

// TestS2GraphWritesAreAudited: a Graph write, successful or refused,
// leaves an audit record naming the application or user and the address.
func TestS2GraphWritesAreAudited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if r := e.do("PATCH", "users/"+alexID, e.GraphToken(), map[string]any{"displayName": "Alex W."}); r.status != http.StatusNoContent {
		t.Fatal(r)
	}
	if r := e.do("DELETE", "users/"+adeleID, e.GraphToken(), nil); r.status != http.StatusForbidden {
		t.Fatal(r)
	}
	recs, err := e.Registry.AuditLog().ListAuditRecords(ctx, e.Tenant, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused bool
	for _, rec := range recs {
		if rec.ActorType != "application" || rec.AppID != eksAppID || rec.IPAddress == "" || rec.Via != "Graph API" {
			continue
		}
		switch {
		case rec.Activity == "Update user" && rec.Result == "success":
			ok = true
		case rec.Activity == "Delete user" && rec.Result == "failure":
			refused = true
		}
	}
	if !ok || !refused {
		t.Fatalf("audit records by eks through Graph: update %v, refused delete %v; records %v", ok, refused, recs)
	}
}

// TestS3AdminCentreRegistrationIsProtected: Graph cannot delete, change,
// add secrets to or give policies to the admin centre's registration.
func TestS3AdminCentreRegistrationIsProtected(t *testing.T) {
	e := newEnv(t)
	e.ensureAdminCentre(t)
	at := e.GraphToken()
	ga := e.delegatedToken(adeleID)
	acid := directory.AdminCentreAppID
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"DELETE", "servicePrincipals(appId='" + acid + "')", nil},
		{"DELETE", "servicePrincipals/" + devenv.AdminCentreSPID, nil},
		{"DELETE", "applications(appId='" + acid + "')", nil},
		{"DELETE", "applications/" + devenv.AdminCentreAppObjectID, nil},
		{"PATCH", "applications/" + devenv.AdminCentreAppObjectID, map[string]any{"publicClient": map[string]any{"redirectUris": []string{}}}},
		{"PATCH", "servicePrincipals/" + devenv.AdminCentreSPID, map[string]any{"accountEnabled": false}},
		{"POST", "applications/" + devenv.AdminCentreAppObjectID + "/addPassword", map[string]any{}},
		{"POST", "servicePrincipals/" + devenv.AdminCentreSPID + "/appRoleAssignedTo", map[string]any{"principalId": alexID,
			"resourceId": devenv.AdminCentreSPID, "appRoleId": "00000000-0000-0000-0000-000000000000"}},
	} {
		for who, tok := range map[string]string{"eks app-only": at, "Global Administrator": ga} {
			if r := e.do(tc.method, tc.path, tok, tc.body); r.status != http.StatusForbidden {
				t.Errorf("%s: %s, want 403", who, r)
			}
		}
	}
}

// TestS4AppRegistrationsAreBounded: Entra's manifest limits hold, so no
// registration makes every token request expensive.
func TestS4AppRegistrationsAreBounded(t *testing.T) {
	e := newEnv(t)
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"id": directory.NewID(), "type": "Scope"}
		}
		return out
	}
	for name, body := range map[string]map[string]any{
		"401 permissions of one API": {"displayName": "fat", "requiredResourceAccess": []any{
			map[string]any{"resourceAppId": directory.GraphAppID, "resourceAccess": many(401)}}},
		"51 APIs": {"displayName": "fat", "requiredResourceAccess": func() []any {
			out := make([]any, 51)
			for i := range out {
				out[i] = map[string]any{"resourceAppId": directory.NewID(), "resourceAccess": many(1)}
			}
			return out
		}()},
		"100 KB of exposed scopes": {"displayName": "fat", "api": map[string]any{"oauth2PermissionScopes": func() []any {
			out := make([]any, 100)
			for i := range out {
				out[i] = map[string]any{"id": directory.NewID(), "value": fmt.Sprintf("s%d", i), "type": "User", "isEnabled": true,
					"adminConsentDisplayName": "x", "adminConsentDescription": strings.Repeat("x", 1000)}
			}
			return out
		}()}},
	} {
		if r := e.do("POST", "applications", e.GraphToken(), body); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, r.status)
		}
	}
}

// TestS5DirectoryReadWriteAllDeletesNothing: Directory.ReadWrite.All
// updates users and groups but deletes neither, as in Entra.
func TestS5DirectoryReadWriteAllDeletesNothing(t *testing.T) {
	e := newEnv(t)
	c := e.registerClient("dirrw", []string{"Directory.ReadWrite.All"})
	at := e.appToken(c.AppID, c.Secret)
	if r := e.do("PATCH", "users/"+alexID, at, map[string]any{"jobTitle": "Engineer"}); r.status != http.StatusNoContent {
		t.Errorf("update a user: %s, want 204", r)
	}
	if r := e.do("DELETE", "users/"+alexID, at, nil); r.status != http.StatusForbidden {
		t.Errorf("delete a user: %s, want 403", r)
	}
	if r := e.do("DELETE", "groups/"+devenv.DeveloperGroupID, at, nil); r.status != http.StatusForbidden {
		t.Errorf("delete a group: %s, want 403", r)
	}
}

// TestS6AppOnlyTokensDieWithTheirApp: an organisation-default lifetime
// policy does not stretch Graph tokens, and a token of a deleted or
// disabled app, or one whose role was removed, no longer works.
func TestS6AppOnlyTokensDieWithTheirApp(t *testing.T) {
	e := newEnv(t)
	at := e.GraphToken()
	if r := e.do("POST", "policies/tokenLifetimePolicies", at, map[string]any{"displayName": "org", "isOrganizationDefault": true,
		"definition": []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"1.00:00:00"}}`}}); r.status != http.StatusCreated {
		t.Fatal(r)
	}
	for _, end := range []string{"deleted", "disabled", "role removed"} {
		c := e.registerClient("evil-"+strings.ReplaceAll(end, " ", "-"), []string{"User.ReadWrite.All"})
		tok := e.appToken(c.AppID, c.Secret)
		if cl := testenv.ClaimsOf(t, tok); cl["exp"].(float64)-cl["iat"].(float64) > 2*3600 {
			t.Fatalf("the org default stretched a Graph token to %vs", cl["exp"].(float64)-cl["iat"].(float64))
		}
		patch := func() int {
			return e.do("PATCH", "users/"+alexID, tok, map[string]any{"jobTitle": "x"}).status
		}
		if s := patch(); s != http.StatusNoContent {
			t.Fatalf("%s: before: %d", end, s)
		}
		switch end {
		case "deleted":
			if r := e.do("DELETE", "applications/"+c.ObjectID, at, nil); r.status != http.StatusNoContent {
				t.Fatal(r)
			}
		case "disabled":
			if r := e.do("PATCH", "servicePrincipals/"+c.SPID, at, map[string]any{"accountEnabled": false}); r.status != http.StatusNoContent {
				t.Fatal(r)
			}
		case "role removed":
			ras := e.do("GET", "servicePrincipals/"+c.SPID+"/appRoleAssignments", at, nil)
			for _, ra := range ras.values(t) {
				if r := e.do("DELETE", "servicePrincipals/"+c.SPID+"/appRoleAssignments/"+ra["id"].(string), e.delegatedToken(adeleID), nil); r.status != http.StatusNoContent {
					t.Fatal(r)
				}
			}
		}
		if s := patch(); s != http.StatusUnauthorized && s != http.StatusForbidden {
			t.Errorf("%s: the old token still writes: %d", end, s)
		}
	}
}

// TestS8BoundedCosts: fast device polls get slow_down, group cycles are
// refused, and the issuer does not echo the tenant segment's spelling.
func TestS8BoundedCosts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cli, _, err := e.Registry.CreateApplication(ctx, e.System(), registry.ApplicationSpec{DisplayName: "cli", IsFallbackPublicClient: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, da := e.PostForm(e.Base+"/"+e.Tenant+"/oauth2/v2.0/devicecode", url.Values{"client_id": {cli.AppID}, "scope": {"openid"}}, nil)
	poll := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {cli.AppID}, "device_code": {fmt.Sprint(da["device_code"])}}
	e.PostForm(e.TokenURL(2), poll, nil)
	if _, body := e.PostForm(e.TokenURL(2), poll, nil); body["error"] != "slow_down" {
		t.Errorf("second poll at once: %v, want slow_down", body)
	}

	at := e.delegatedToken(adeleID)
	a := e.do("POST", "groups", at, map[string]any{"displayName": "a", "mailNickname": "a", "mailEnabled": false, "securityEnabled": true})
	bg := e.do("POST", "groups", at, map[string]any{"displayName": "b", "mailNickname": "b", "mailEnabled": false, "securityEnabled": true})
	ref := func(id string) map[string]any {
		return map[string]any{"@odata.id": graphBase + "/directoryObjects/" + id}
	}
	if r := e.do("POST", "groups/"+a.str("id")+"/members/$ref", at, ref(bg.str("id"))); r.status != http.StatusNoContent {
		t.Fatal(r)
	}
	if r := e.do("POST", "groups/"+bg.str("id")+"/members/$ref", at, ref(a.str("id"))); r.status != http.StatusBadRequest {
		t.Errorf("a cycle of groups: %s, want 400", r)
	}

	for _, seg := range []string{"CONTOSO.EXAMPLE", "Contoso.Example", strings.ToUpper(e.Tenant)} {
		resp, err := http.Get(e.Base + "/" + seg + "/v2.0/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Issuer string }
		decodeJSON(t, resp, &doc)
		if doc.Issuer != e.Base+"/"+devenv.TenantDomain+"/v2.0" && doc.Issuer != e.Issuer(2) {
			t.Errorf("issuer for /%s: %q, want the tenant's canonical issuer", seg, doc.Issuer)
		}
	}
}

// TestSuspectedItems: the review's suspected findings, each closed.
func TestSuspectedItems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alex := e.User(alexID)
	refreshToken := func() string {
		r := e.passwordGrant(eksAppID, e.Secret, alexID, "openid offline_access")
		if r.str("refresh_token") == "" {
			t.Fatalf("no refresh token: %v", r.body)
		}
		return r.str("refresh_token")
	}
	refresh := func(rt string) tokenResponse {
		return e.postToken(url.Values{"grant_type": {"refresh_token"}, "client_id": {eksAppID}, "client_secret": {e.Secret}, "refresh_token": {rt}})
	}
	ga := e.delegatedToken(adeleID)

	t.Run("a password reset revokes refresh tokens", func(t *testing.T) {
		rt := refreshToken()
		e.Clock.Advance(time.Second)
		carol := e.withRole(t, "carol", directory.RoleUserAdministrator)
		if r := e.do("PATCH", "users/"+alexID, carol, map[string]any{"passwordProfile": map[string]any{"password": "Reset-By-Carol-88!"}}); r.status != http.StatusNoContent {
			t.Fatal(r)
		}
		if r := refresh(rt); r.status == 200 || !hasCode(r, 50173) {
			t.Fatalf("refresh after a password reset: %d %v, want AADSTS50173", r.status, r.body)
		}
		alex.Password = "Reset-By-Carol-88!"
	})
	t.Run("revokeSignInSessions revokes refresh tokens", func(t *testing.T) {
		rt := e.passwordGrantAs(eksAppID, e.Secret, alex.UserPrincipalName, alex.Password, "openid offline_access").str("refresh_token")
		e.Clock.Advance(time.Second)
		if r := e.do("POST", "users/"+alexID+"/revokeSignInSessions", ga, nil); r.status != 200 {
			t.Fatal(r)
		}
		if r := refresh(rt); r.status == 200 || !hasCode(r, 50173) {
			t.Fatalf("refresh after revokeSignInSessions: %d %v, want AADSTS50173", r.status, r.body)
		}
	})
	t.Run("userinfo checks the account and the tenant", func(t *testing.T) {
		e.Clock.Advance(time.Second)
		at := e.passwordGrantAs(eksAppID, e.Secret, alex.UserPrincipalName, alex.Password, "openid profile").str("access_token")
		userinfo := func(path string) int {
			req, _ := http.NewRequest("GET", e.Base+path, nil)
			req.Header.Set("Authorization", "Bearer "+at)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if s := userinfo("/" + e.Tenant + "/openid/userinfo"); s != 200 {
			t.Fatalf("userinfo: %d", s)
		}
		if s := userinfo("/00000000-0000-4000-8000-000000000001/openid/userinfo"); s == 200 {
			t.Errorf("userinfo at another tenant's path: 200")
		}
		if _, err := e.Registry.UpdateUser(ctx, e.System(), alexID, func(u *directory.User) error { u.AccountEnabled = false; return nil }); err != nil {
			t.Fatal(err)
		}
		defer e.Registry.UpdateUser(ctx, e.System(), alexID, func(u *directory.User) error { u.AccountEnabled = true; return nil })
		if s := userinfo("/" + e.Tenant + "/openid/userinfo"); s != http.StatusUnauthorized {
			t.Errorf("userinfo of a disabled user: %d, want 401", s)
		}
	})
	t.Run("a disabled resource gets no tokens", func(t *testing.T) {
		api := e.registerByGraph(t, map[string]any{"displayName": "orders", "identifierUris": []string{"api://orders"}})
		if r := e.do("PATCH", "servicePrincipals/"+api.SPID, e.GraphToken(), map[string]any{"accountEnabled": false}); r.status != http.StatusNoContent {
			t.Fatal(r)
		}
		r := e.postToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {eksAppID}, "client_secret": {e.Secret}, "scope": {"api://orders/.default"}})
		if r.status == 200 || !hasCode(r, 500014) {
			t.Fatalf("token for a disabled resource: %d %v, want AADSTS500014", r.status, r.body)
		}
	})
	t.Run("redirect URIs with script schemes are refused", func(t *testing.T) {
		for _, u := range []string{"javascript:alert(1)", "data:text/html,x", "JavaScript:alert(1)", "vbscript:x", "file:///etc/passwd"} {
			r := e.do("POST", "applications", e.GraphToken(), map[string]any{"displayName": "x", "publicClient": map[string]any{"redirectUris": []string{u}}})
			if r.status != http.StatusBadRequest {
				t.Errorf("public client redirect %s: %d, want 400", u, r.status)
			}
		}
	})
}
