package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// The tests below replay what an independent attack on the fixes found
// (after the review): each was a way around a rule that
// security_review_f_test.go and security_review_s_test.go test.

// TestS1AnAppHoldingARoleKeepsItsSecretsFromAppAdministrators: an app
// whose service principal holds User Administrator resets passwords, as in
// Entra; so nobody but a Global or Privileged Role Administrator adds a
// secret to it (else an application administrator would gain the role).
func TestS1AnAppHoldingARoleKeepsItsSecretsFromAppAdministrators(t *testing.T) {
	e := newEnv(t)
	ga := e.delegatedToken(adeleID)
	helper := e.registerClient("hr-sync", []string{"User.ReadWrite.All"})
	if r := e.do("POST", "roleManagement/directory/roleAssignments", ga, map[string]any{"roleDefinitionId": directory.RoleUserAdministrator,
		"principalId": helper.SPID, "directoryScopeId": "/"}); r.status != http.StatusCreated {
		t.Fatalf("assign User Administrator to the app: %s", r)
	}
	pw := map[string]any{"passwordProfile": map[string]any{"password": "Reset-By-Hr-Sync-51!"}}
	if r := e.do("PATCH", "users/"+alexID, e.appToken(helper.AppID, helper.Secret), pw); r.status != http.StatusNoContent {
		t.Fatalf("the app holding User Administrator resets alex's password: %s, want 204", r)
	}
	dave := e.withRole(t, "dave", directory.RoleCloudApplicationAdministrator)
	for who, tok := range map[string]string{"eks app-only (Application.ReadWrite.All)": e.GraphToken(), "Cloud Application Administrator": dave} {
		if r := e.do("POST", "applications/"+helper.ObjectID+"/addPassword", tok, map[string]any{}); r.status != http.StatusForbidden {
			t.Errorf("%s adds a secret to the app holding a role: %s, want 403", who, r)
		}
	}
	if r := e.do("POST", "applications/"+helper.ObjectID+"/addPassword", ga, map[string]any{}); r.status != http.StatusOK {
		t.Errorf("a Global Administrator adds a secret: %s, want 200", r)
	}
}

// TestF6MailHasOneSpelling: another spelling of an address (spaces, a
// display name, quotes), or another user's sign-in name, is no new mail.
func TestF6MailHasOneSpelling(t *testing.T) {
	e := newEnv(t)
	at := e.GraphToken()
	e.withRole(t, "carol", directory.RoleUserAdministrator) // carol@contoso.example, a protected account
	for _, m := range []string{"adele@contoso.example ", " adele@contoso.example", "Adele <adele@contoso.example>",
		`"adele"@contoso.example`, "carol@contoso.example", "adele@contoso.example\u200b"} {
		if r := e.do("PATCH", "users/"+alexID, at, map[string]any{"mail": m}); r.status != http.StatusBadRequest {
			t.Errorf("alex's mail %q: %s, want 400", m, r)
		}
	}
	if r := e.do("PATCH", "users/"+alexID, at, map[string]any{"mail": "alex.wilber@contoso.example"}); r.status != http.StatusNoContent {
		t.Fatalf("a free address: %s", r)
	}
	// A new user cannot take, as sign-in name, the address alex now has.
	if r := e.do("POST", "users", at, map[string]any{"accountEnabled": true, "displayName": "x", "mailNickname": "alex.wilber",
		"userPrincipalName": "alex.wilber@contoso.example", "passwordProfile": map[string]any{"password": "Some-Pass-Word-42!"}}); r.status != http.StatusBadRequest {
		t.Errorf("a UPN that is alex's mail: %s, want 400", r)
	}
	// Look-alike sign-in names are refused (Entra takes ASCII only).
	for _, upn := range []string{"adel\u0435@contoso.example", "adele\u200b@contoso.example", ".adele@contoso.example"} {
		if r := e.do("POST", "users", at, map[string]any{"accountEnabled": true, "displayName": "x", "mailNickname": "x",
			"userPrincipalName": upn, "passwordProfile": map[string]any{"password": "Some-Pass-Word-42!"}}); r.status != http.StatusBadRequest {
			t.Errorf("UPN %q: %s, want 400", upn, r)
		}
	}
}

// TestF2APIURIsNameTheirOwnApp: api://{guid} names the app itself (or the
// tenant, with a path), never another application, which APIs accepting
// api://{clientId} would take for their own audience.
func TestF2APIURIsNameTheirOwnApp(t *testing.T) {
	e := newEnv(t)
	at := e.GraphToken()
	for _, uri := range []string{"api://" + eksAppID, "api://" + strings.ToUpper(eksAppID), "api://" + directory.GraphAppID, "api://" + directory.AdminCentreAppID} {
		if r := e.do("POST", "applications", at, map[string]any{"displayName": "sq", "identifierUris": []string{uri}}); r.status != http.StatusBadRequest {
			t.Errorf("another app's api:// URI %s: %s, want 400", uri, r)
		}
	}
	app := e.do("POST", "applications", at, map[string]any{"displayName": "own"})
	for _, uri := range []string{"api://" + app.str("appId"), "api://" + e.Tenant + "/orders"} {
		if r := e.do("PATCH", "applications/"+app.str("id"), at, map[string]any{"identifierUris": []string{uri}}); r.status != http.StatusNoContent {
			t.Errorf("its own %s: %s, want 204", uri, r)
		}
	}
}

// TestUnmodelledApplicationPropertiesAreNotLost: a certificate, an app
// role or a SPA redirect URI Gatehouse cannot store is refused, not
// acknowledged and dropped; the empty values SDKs send still pass.
func TestUnmodelledApplicationPropertiesAreNotLost(t *testing.T) {
	e := newEnv(t)
	at := e.GraphToken()
	for _, body := range []map[string]any{
		{"keyCredentials": []any{map[string]any{"type": "AsymmetricX509Cert", "usage": "Verify", "key": "MIIB"}}},
		{"appRoles": []any{map[string]any{"id": directory.NewID(), "value": "Admin", "allowedMemberTypes": []string{"User"}}}},
		{"spa": map[string]any{"redirectUris": []string{"https://app.example/"}}},
	} {
		if r := e.do("PATCH", "applications/"+eksObjID, at, body); r.status != http.StatusBadRequest {
			t.Errorf("PATCH %v: %s, want 400", body, r)
		}
	}
	if r := e.do("PATCH", "applications/"+eksObjID, at, map[string]any{"keyCredentials": []any{}, "appRoles": []any{},
		"spa": map[string]any{"redirectUris": []any{}}}); r.status != http.StatusNoContent {
		t.Errorf("empty values: %s, want 204", r)
	}
}
