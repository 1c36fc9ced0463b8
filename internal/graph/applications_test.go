package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

func TestApplicationLifecycle(t *testing.T) {
	e := newEnv(t)
	countApps := func() int { t.Helper(); return len(e.get("applications").values(t)) }
	before := countApps()

	r := e.post("applications", `{"displayName":"portal","web":{"redirectUris":["http://localhost:8000","https://portal.example/callback"]}}`)
	wantStatus(t, r, http.StatusCreated)
	id, appID := r.str("id"), r.str("appId")
	if !guidRE.MatchString(id) || !guidRE.MatchString(appID) || id == appID {
		t.Fatalf("created id/appId = %q/%q, want two different GUIDs", id, appID)
	}
	if want := e.Base + "/v1.0/$metadata#applications/$entity"; r.str("@odata.context") != want {
		t.Errorf("@odata.context = %q, want %q", r.str("@odata.context"), want)
	}
	if r.str("displayName") != "portal" || r.str("signInAudience") != "AzureADMyOrg" {
		t.Errorf("displayName/signInAudience = %q/%q, want portal/AzureADMyOrg", r.str("displayName"), r.str("signInAudience"))
	}
	if web, _ := r.obj["web"].(map[string]any); len(web["redirectUris"].([]any)) != 2 {
		t.Errorf("web.redirectUris = %v, want the two given", web["redirectUris"])
	}
	if creds, _ := r.obj["passwordCredentials"].([]any); len(creds) != 0 {
		t.Errorf("new application has passwordCredentials %v", creds)
	}
	if n := countApps(); n != before+1 {
		t.Fatalf("applications after create = %d, want %d", n, before+1)
	}

	t.Run("get by id and by appId", func(t *testing.T) {
		for _, path := range []string{"applications/" + id, "applications/" + strings.ToUpper(id), "applications(appId='" + appID + "')"} {
			r := e.get(path)
			wantStatus(t, r, http.StatusOK)
			if r.str("id") != id || r.str("appId") != appID {
				t.Fatalf("GET %s = %s/%s, want %s/%s", path, r.str("id"), r.str("appId"), id, appID)
			}
		}
	})

	t.Run("$select on an application", func(t *testing.T) {
		r := e.get("applications/" + id + "?$select=appId,displayName")
		wantStatus(t, r, http.StatusOK)
		if len(r.obj) != 4 || r.str("appId") != appID { // @odata.context, id, appId, displayName
			t.Fatalf("$select=appId,displayName returned %s", r.raw)
		}
	})

	t.Run("list contains both apps", func(t *testing.T) {
		ids := map[any]bool{}
		for _, a := range e.get("applications").values(t) {
			ids[a["id"]] = true
		}
		if !ids[id] || !ids[eksObjID] {
			t.Fatalf("list lacks %s or eks: %v", id, ids)
		}
	})

	t.Run("patch", func(t *testing.T) {
		wantNoContent(t, e.patch("applications/"+id, `{"displayName":"portal-2","web":{"redirectUris":["http://127.0.0.1:18000/cb","https://portal.example/cb"]}}`))
		r := e.get("applications/" + id)
		web := r.obj["web"].(map[string]any)
		if r.str("displayName") != "portal-2" || len(web["redirectUris"].([]any)) != 2 || web["redirectUris"].([]any)[0] != "http://127.0.0.1:18000/cb" {
			t.Fatalf("after PATCH: displayName %q, redirectUris %v", r.str("displayName"), web["redirectUris"])
		}
	})

	redirects := []struct {
		name string
		uri  string
		ok   bool
	}{
		{"localhost http", "http://localhost:8000", true},
		{"loopback http", "http://127.0.0.1:9000/callback", true},
		{"https", "https://portal.example/callback", true},
		{"http on a public host", "http://portal.example/callback", false},
		{"fragment", "https://portal.example/cb#x", false},
		{"relative", "/callback", false},
		{"custom scheme on web", "myapp://callback", false},
		{"too long", "https://portal.example/" + strings.Repeat("a", 300), false},
	}
	for _, tt := range redirects {
		t.Run("redirect URI "+tt.name, func(t *testing.T) {
			body := map[string]any{"web": map[string]any{"redirectUris": []string{tt.uri}}}
			r := e.patch("applications/"+id, body)
			if tt.ok {
				wantNoContent(t, r)
				return
			}
			wantError(t, r, http.StatusBadRequest, "Request_BadRequest", "redirectUris")
			// Creating with it is refused too, and creates nothing.
			n := countApps()
			wantError(t, e.post("applications", map[string]any{"displayName": "bad", "web": body["web"]}), http.StatusBadRequest, "Request_BadRequest", "redirectUris")
			if got := countApps(); got != n {
				t.Fatalf("a refused create left %d applications, want %d", got, n)
			}
		})
	}

	t.Run("create without displayName", func(t *testing.T) {
		wantError(t, e.post("applications", `{"signInAudience":"AzureADMyOrg"}`), http.StatusBadRequest, "Request_BadRequest", "displayName")
	})
	t.Run("invalid signInAudience", func(t *testing.T) {
		wantError(t, e.patch("applications/"+id, `{"signInAudience":"Everyone"}`), http.StatusBadRequest, "Request_BadRequest", "signInAudience")
	})

	t.Run("api PATCH merges like other complex properties", func(t *testing.T) {
		wantNoContent(t, e.patch("applications/"+id, `{"api":{"requestedAccessTokenVersion":2}}`))
		wantNoContent(t, e.patch("applications/"+id, `{"api":{"acceptMappedClaims":true}}`))
		api := e.get("applications/" + id).obj["api"].(map[string]any)
		if api["acceptMappedClaims"] != true || api["requestedAccessTokenVersion"] != float64(2) {
			t.Fatalf("api after two PATCHes = acceptMappedClaims %v, requestedAccessTokenVersion %v; want true and 2",
				api["acceptMappedClaims"], api["requestedAccessTokenVersion"])
		}
		wantNoContent(t, e.patch("applications/"+id, `{"api":{"acceptMappedClaims":null}}`))
		api = e.get("applications/" + id).obj["api"].(map[string]any)
		if api["acceptMappedClaims"] != nil || api["requestedAccessTokenVersion"] != float64(2) {
			t.Fatalf("after null: acceptMappedClaims %v, requestedAccessTokenVersion %v; want null and 2",
				api["acceptMappedClaims"], api["requestedAccessTokenVersion"])
		}
	})

	t.Run("delete", func(t *testing.T) {
		wantNoContent(t, e.del("applications/"+id))
		wantError(t, e.get("applications/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		wantError(t, e.del("applications/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		if n := countApps(); n != before {
			t.Fatalf("applications after delete = %d, want %d", n, before)
		}
	})
}

func TestApplicationPasswords(t *testing.T) {
	e := newEnv(t)
	app := e.post("applications", `{"displayName":"ci"}`)
	wantStatus(t, app, http.StatusCreated)
	id, appID := app.str("id"), app.str("appId")
	// As on Graph, POST /applications creates no service principal, and an
	// app without one cannot sign in.
	if tr := e.clientCredentials(appID, "x"); tr.str("error") != "unauthorized_client" {
		t.Fatalf("token for an app without a service principal: %v, want unauthorized_client", tr.body)
	}
	wantStatus(t, e.post("servicePrincipals", map[string]string{"appId": appID}), http.StatusCreated)

	r := e.post("applications/"+id+"/addPassword", `{"passwordCredential":{"displayName":"ci secret"}}`)
	wantStatus(t, r, http.StatusOK)
	secret, keyID := r.str("secretText"), r.str("keyId")
	if len(secret) < 32 || !guidRE.MatchString(keyID) {
		t.Fatalf("addPassword: secretText %q, keyId %q; want a long secret and a GUID", secret, keyID)
	}
	if r.str("hint") != secret[:3] || r.str("displayName") != "ci secret" {
		t.Fatalf("hint/displayName = %q/%q, want %q/ci secret", r.str("hint"), r.str("displayName"), secret[:3])
	}
	if !strings.HasSuffix(r.str("@odata.context"), "/v1.0/$metadata#microsoft.graph.passwordCredential") {
		t.Fatalf("@odata.context = %q", r.str("@odata.context"))
	}
	end, err := time.Parse(time.RFC3339, r.str("endDateTime"))
	if err != nil || end.Before(time.Now()) {
		t.Fatalf("endDateTime = %q, want a future RFC 3339 time", r.str("endDateTime"))
	}

	t.Run("the secret is shown only once", func(t *testing.T) {
		creds := e.get("applications/" + id).obj["passwordCredentials"].([]any)
		if len(creds) != 1 {
			t.Fatalf("passwordCredentials = %v, want one", creds)
		}
		c := creds[0].(map[string]any)
		if c["keyId"] != keyID || c["secretText"] != nil {
			t.Fatalf("stored credential = %v, want keyId %s and secretText null", c, keyID)
		}
		if strings.Contains(string(e.get("applications/"+id).raw), secret) {
			t.Fatalf("GET application reveals the secret")
		}
	})

	t.Run("the new secret works at the token endpoint", func(t *testing.T) {
		tr := e.clientCredentials(appID, secret)
		if tr.status != http.StatusOK || tr.str("access_token") == "" {
			t.Fatalf("client credentials with the new secret: status %d, body %v", tr.status, tr.body)
		}
		if c := testenv.ClaimsOf(t, tr.str("access_token")); c["appid"] != appID {
			t.Fatalf("token appid = %v, want %s", c["appid"], appID)
		}
	})

	t.Run("an end date in the past is refused", func(t *testing.T) {
		r := e.post("applications/"+id+"/addPassword", `{"passwordCredential":{"endDateTime":"2001-01-01T00:00:00Z"}}`)
		wantError(t, r, http.StatusBadRequest, "Request_BadRequest", "endDateTime")
	})
	t.Run("unknown property", func(t *testing.T) {
		wantError(t, e.post("applications/"+id+"/addPassword", `{"passwordCredential":{"secretText":"mine"}}`), http.StatusBadRequest, "Request_BadRequest", "")
	})

	t.Run("removePassword revokes it", func(t *testing.T) {
		wantNoContent(t, e.post("applications/"+id+"/removePassword", map[string]string{"keyId": keyID}))
		tr := e.clientCredentials(appID, secret)
		if tr.status != http.StatusUnauthorized || tr.str("error") != "invalid_client" {
			t.Fatalf("client credentials with a removed secret: status %d, body %v; want 401 invalid_client", tr.status, tr.body)
		}
		if creds := e.get("applications/" + id).obj["passwordCredentials"].([]any); len(creds) != 0 {
			t.Fatalf("passwordCredentials after remove = %v", creds)
		}
		wantError(t, e.post("applications/"+id+"/removePassword", map[string]string{"keyId": keyID}), http.StatusNotFound, "Request_ResourceNotFound", keyID)
		wantError(t, e.post("applications/"+id+"/removePassword", `{}`), http.StatusBadRequest, "Request_BadRequest", "keyId")
	})
}

// TestIDsAreCaseInsensitive: Graph object ids are GUIDs and match in any
// case.
func TestIDsAreCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	extID := e.createGuideExtension()
	policyID := e.createLifetimePolicy("p", "04:00:00", false)
	for _, path := range []string{
		"applications/" + eksObjID,
		"applications/" + eksObjID + "/extensionProperties/" + extID,
		"users/" + adeleID,
		"servicePrincipals/" + eksSPID,
		"servicePrincipals(appId='" + eksAppID + "')",
		"policies/tokenLifetimePolicies/" + policyID,
	} {
		upper := strings.ToUpper(path)
		for _, set := range []string{"applications", "extensionProperties", "users", "servicePrincipals", "policies", "tokenLifetimePolicies", "appId"} {
			upper = strings.ReplaceAll(upper, strings.ToUpper(set), set)
		}
		t.Run(upper, func(t *testing.T) {
			wantStatus(t, e.get(upper), http.StatusOK)
		})
	}
	t.Run("delete an extension property by upper-case id", func(t *testing.T) {
		wantNoContent(t, e.del("applications/"+eksObjID+"/extensionProperties/"+strings.ToUpper(extID)))
	})
}

// TestPasswordExpiryFollowsServerClock: an endDateTime is an absolute time
// and the secret must end exactly then, whatever the server's clock says.
func TestPasswordExpiryFollowsServerClock(t *testing.T) {
	e := newEnv(t)
	e.Clock.Advance(10 * 24 * time.Hour)
	tok := e.appToken(eksAppID, e.Secret) // the cached token would have expired
	end := time.Now().Add(20 * 24 * time.Hour).UTC().Truncate(time.Second)
	r := e.do("POST", "applications/"+eksObjID+"/addPassword", tok,
		map[string]any{"passwordCredential": map[string]any{"displayName": "x", "endDateTime": end.Format(time.RFC3339)}})
	wantStatus(t, r, http.StatusOK)
	got, err := time.Parse(time.RFC3339, r.str("endDateTime"))
	if err != nil || !got.Equal(end) {
		t.Fatalf("endDateTime = %q, want %s as requested", r.str("endDateTime"), end.Format(time.RFC3339))
	}
	past := time.Now().Add(5 * 24 * time.Hour).UTC() // future by the wall clock, past by the server's
	r = e.do("POST", "applications/"+eksObjID+"/addPassword", tok,
		map[string]any{"passwordCredential": map[string]any{"endDateTime": past.Format(time.RFC3339)}})
	wantError(t, r, http.StatusBadRequest, "Request_BadRequest", "endDateTime")
}

// TestComplexPropertiesMergeOnPatch: PATCH leaves properties of a complex
// value that the body does not name.
func TestComplexPropertiesMergeOnPatch(t *testing.T) {
	e := newEnv(t)
	wantNoContent(t, e.patch("applications/"+eksObjID, `{"publicClient":{"redirectUris":["http://localhost:9999"]}}`))
	wantNoContent(t, e.patch("applications/"+eksObjID, `{"publicClient":{}}`))
	wantNoContent(t, e.patch("applications/"+eksObjID, `{"web":{"logoutUrl":"https://portal.example/logout"}}`))
	app := e.get("applications/" + eksObjID)
	pc := app.obj["publicClient"].(map[string]any)["redirectUris"].([]any)
	if len(pc) != 1 || pc[0] != "http://localhost:9999" {
		t.Fatalf("publicClient.redirectUris after PATCH {} = %v, want [http://localhost:9999]", pc)
	}
	web := app.obj["web"].(map[string]any)
	if len(web["redirectUris"].([]any)) != 2 || web["logoutUrl"] != "https://portal.example/logout" {
		t.Fatalf("web after PATCH of logoutUrl = %v, want the two seeded redirect URIs kept", web)
	}
	wantNoContent(t, e.patch("applications/"+eksObjID, `{"publicClient":{"redirectUris":[]}}`))
	if pc := e.get("applications/" + eksObjID).obj["publicClient"].(map[string]any)["redirectUris"].([]any); len(pc) != 0 {
		t.Fatalf("publicClient.redirectUris after PATCH [] = %v, want empty", pc)
	}
}

// TestDeleteApplicationDeletesItsServicePrincipal: deleting an app
// registration deletes its service principal in the home tenant.
func TestDeleteApplicationDeletesItsServicePrincipal(t *testing.T) {
	e := newEnv(t)
	r := e.post("applications", `{"displayName":"short-lived"}`)
	wantStatus(t, r, http.StatusCreated)
	id, appID := r.str("id"), r.str("appId")
	wantError(t, e.get("servicePrincipals(appId='"+appID+"')"), http.StatusNotFound, "Request_ResourceNotFound", appID)
	wantStatus(t, e.post("servicePrincipals", map[string]string{"appId": appID}), http.StatusCreated)
	wantStatus(t, e.get("servicePrincipals(appId='"+appID+"')"), http.StatusOK)
	wantNoContent(t, e.del("applications/"+id))
	wantError(t, e.get("servicePrincipals(appId='"+appID+"')"), http.StatusNotFound, "Request_ResourceNotFound", appID)
}
