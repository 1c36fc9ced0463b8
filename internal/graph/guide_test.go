package graph_test

import (
	"net/http"
	"strings"
	"testing"
)

// The calls of the KubeRocketCI "Entra SSO for EKS & Portal" guide, with
// its exact bodies (entra-compat.md §0 steps B, C, H, I).

func TestGuideCreateExtensionProperty(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		path     string
		body     string
		wantName string
	}{
		{"by object id", "applications/" + eksObjID + "/extensionProperties", guideExtensionBody, defaultNamespaceExt},
		{"by appId key", "applications(appId='" + eksAppID + "')/extensionProperties",
			`{"name": "picture", "dataType": "String", "targetObjects": ["User"]}`, "extension_" + eksNoDash + "_picture"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(tt.path, tt.body)
			wantStatus(t, r, http.StatusCreated)
			if got := r.str("name"); got != tt.wantName {
				t.Errorf("name = %q, want %q (extension_ + appId without dashes + _ + name)", got, tt.wantName)
			}
			wantCtx := e.Base + "/v1.0/$metadata#applications('" + eksObjID + "')/extensionProperties/$entity"
			if got := r.str("@odata.context"); got != wantCtx {
				t.Errorf("@odata.context = %q, want %q", got, wantCtx)
			}
			if !guidRE.MatchString(r.str("id")) {
				t.Errorf("id = %q, want a GUID", r.str("id"))
			}
			for k, want := range map[string]any{"dataType": "String", "isMultiValued": false, "isSyncedFromOnPremises": false,
				"appDisplayName": "eks", "deletedDateTime": nil} {
				if got := r.obj[k]; got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			if got, ok := r.obj["targetObjects"].([]any); !ok || len(got) != 1 || got[0] != "User" {
				t.Errorf("targetObjects = %v, want [User]", r.obj["targetObjects"])
			}
		})
	}
}

func TestGuideUserExtensionValue(t *testing.T) {
	e := newEnv(t)
	e.createGuideExtension()
	userPath := "users/" + adeleID
	dashed := "extension_" + eksAppID + "_default_namespace"

	// Step C with the dashless name, as the step-5 response spells it.
	wantNoContent(t, e.patch(userPath, `{
      "`+defaultNamespaceExt+`": "team-a"
    }`))

	t.Run("GET with $select shows the value", func(t *testing.T) {
		r := e.get(userPath + "?$select=id,displayName," + defaultNamespaceExt)
		wantStatus(t, r, http.StatusOK)
		if got := r.obj[defaultNamespaceExt]; got != "team-a" {
			t.Fatalf("%s = %v, want team-a; body %s", defaultNamespaceExt, got, r.raw)
		}
		if r.str("displayName") != "Adele Vance" || r.str("id") != adeleID {
			t.Fatalf("selected id/displayName = %q/%q, want %s/Adele Vance", r.str("id"), r.str("displayName"), adeleID)
		}
		if _, ok := r.obj["userPrincipalName"]; ok {
			t.Fatalf("userPrincipalName present although not selected: %s", r.raw)
		}
		wantCtx := e.Base + "/v1.0/$metadata#users(id,displayName," + defaultNamespaceExt + ")/$entity"
		if got := r.str("@odata.context"); got != wantCtx {
			t.Fatalf("@odata.context = %q, want %q", got, wantCtx)
		}
	})

	t.Run("GET without $select hides extensions", func(t *testing.T) {
		r := e.get(userPath)
		wantStatus(t, r, http.StatusOK)
		for k := range r.obj {
			if strings.HasPrefix(k, "extension_") {
				t.Fatalf("v1.0 GET without $select returned %s: %s", k, r.raw)
			}
		}
		if r.str("userPrincipalName") != "adele@contoso.example" {
			t.Fatalf("default property set lacks userPrincipalName: %s", r.raw)
		}
	})

	t.Run("the guide's dashed spelling is refused with the dashless name", func(t *testing.T) {
		r := e.patch(userPath, `{
      "`+dashed+`": "team-b"
    }`)
		ge := wantError(t, r, http.StatusBadRequest, "Request_BadRequest", defaultNamespaceExt)
		if !strings.Contains(ge.Error.Message, dashed) {
			t.Fatalf("message %q does not name the refused property %s", ge.Error.Message, dashed)
		}
		got := e.get(userPath + "?$select=" + defaultNamespaceExt).obj[defaultNamespaceExt]
		if got != "team-a" {
			t.Fatalf("after the refused PATCH the value is %v, want team-a unchanged", got)
		}
	})

	t.Run("property names are case-insensitive on write", func(t *testing.T) {
		wantNoContent(t, e.patch(userPath, map[string]any{strings.ToUpper(defaultNamespaceExt[:10]) + defaultNamespaceExt[10:]: "team-c"}))
		if got := e.get(userPath + "?$select=" + defaultNamespaceExt).obj[defaultNamespaceExt]; got != "team-c" {
			t.Fatalf("value = %v, want team-c stored under the defined name", got)
		}
	})

	t.Run("by userPrincipalName", func(t *testing.T) {
		wantNoContent(t, e.patch("users/adele@contoso.example", map[string]any{defaultNamespaceExt: "team-a"}))
		if got := e.get("users/adele@contoso.example?$select=" + defaultNamespaceExt).obj[defaultNamespaceExt]; got != "team-a" {
			t.Fatalf("value via UPN = %v, want team-a", got)
		}
	})

	t.Run("null removes the value", func(t *testing.T) {
		wantNoContent(t, e.patch("users/"+alexID, map[string]any{defaultNamespaceExt: "tmp"}))
		wantNoContent(t, e.patch("users/"+alexID, `{"`+defaultNamespaceExt+`": null}`))
		r := e.get("users/" + alexID + "?$select=id," + defaultNamespaceExt)
		wantStatus(t, r, http.StatusOK)
		if v, ok := r.obj[defaultNamespaceExt]; ok {
			t.Fatalf("value after null = %v, want the property absent", v)
		}
	})
}

func TestGuideTokenLifetimePolicy(t *testing.T) {
	e := newEnv(t)
	r := e.post("policies/tokenLifetimePolicies", guideLifetimePolicyBody)
	wantStatus(t, r, http.StatusCreated)
	policyID := r.str("id")
	if !guidRE.MatchString(policyID) {
		t.Fatalf("id = %q, want a GUID (the guide saves it)", policyID)
	}
	wantDef := `{ "TokenLifetimePolicy": { "Version": 1, "AccessTokenLifetime": "04:00:00" }}`
	if def, ok := r.obj["definition"].([]any); !ok || len(def) != 1 || def[0] != wantDef {
		t.Errorf("definition = %v, want [%q] echoed verbatim", r.obj["definition"], wantDef)
	}
	if r.str("displayName") != "Custom Access Token Lifetime" || r.obj["isOrganizationDefault"] != false {
		t.Errorf("displayName/isOrganizationDefault = %v/%v", r.obj["displayName"], r.obj["isOrganizationDefault"])
	}
	if want := e.Base + "/v1.0/$metadata#policies/tokenLifetimePolicies/$entity"; r.str("@odata.context") != want {
		t.Errorf("@odata.context = %q, want %q", r.str("@odata.context"), want)
	}

	// Step I, exactly as the guide sends it.
	wantNoContent(t, e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", `{
        "@odata.id": "https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/`+policyID+`"
    }`))
	list := e.get("applications/" + eksObjID + "/tokenLifetimePolicies")
	wantStatus(t, list, http.StatusOK)
	if v := list.values(t); len(v) != 1 || v[0]["id"] != policyID {
		t.Fatalf("assigned policies = %s, want exactly %s", list.raw, policyID)
	}

	t.Run("a second policy is a uniqueness violation", func(t *testing.T) {
		other := e.createLifetimePolicy("other", "02:00:00", false)
		r := e.post("applications/"+eksObjID+"/tokenLifetimePolicies/%24ref", ref(graphBase+"/policies/tokenLifetimePolicies/"+other))
		wantError(t, r, http.StatusBadRequest, "Request_MultipleObjectsWithSameKeyValue", "")
	})
	t.Run("the same policy again is refused", func(t *testing.T) {
		r := e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", ref(graphBase+"/policies/tokenLifetimePolicies/"+policyID))
		if r.status != http.StatusBadRequest {
			t.Fatalf("re-assigning the same policy: status %d, want 400; body %s", r.status, r.raw)
		}
		checkErrorShape(t, r)
	})
}

// TestRefSpellingsAndHosts: the literal $ref and curl's %24ref reach the
// same route; @odata.id may name graph.microsoft.com or this server.
func TestRefSpellingsAndHosts(t *testing.T) {
	e := newEnv(t)
	policyID := e.createLifetimePolicy("guide", "04:00:00", false)
	for _, seg := range []string{"$ref", "%24ref"} {
		for _, host := range []string{graphBase, e.Base + "/v1.0", "HTTPS://GRAPH.MICROSOFT.COM/v1.0"} {
			t.Run(seg+" "+host, func(t *testing.T) {
				wantNoContent(t, e.post("applications/"+eksObjID+"/tokenLifetimePolicies/"+seg,
					ref(host+"/policies/tokenLifetimePolicies/"+policyID)))
				list := e.get("applications/" + eksObjID + "/tokenLifetimePolicies")
				if v := list.values(t); len(v) != 1 || v[0]["id"] != policyID {
					t.Fatalf("after assigning: %s, want exactly %s", list.raw, policyID)
				}
				wantNoContent(t, e.del("applications/"+eksObjID+"/tokenLifetimePolicies/"+policyID+"/"+seg))
				if v := e.get("applications/" + eksObjID + "/tokenLifetimePolicies").values(t); len(v) != 0 {
					t.Fatalf("after unassigning %d policies remain", len(v))
				}
			})
		}
	}

	bad := []struct {
		name, odataID string
		status        int
		code          string
	}{
		{"foreign host", "https://evil.example/v1.0/policies/tokenLifetimePolicies/" + policyID, 400, "Request_BadRequest"},
		{"relative URL", "policies/tokenLifetimePolicies/" + policyID, 400, "Request_BadRequest"},
		{"wrong entity set", graphBase + "/policies/claimsMappingPolicies/" + policyID, 400, "Request_BadRequest"},
		{"not a policy path", graphBase + "/users/" + adeleID, 400, "Request_BadRequest"},
		{"beta endpoint", "https://graph.microsoft.com/beta/policies/tokenLifetimePolicies/" + policyID, 400, "Request_BadRequest"},
		{"unknown policy", graphBase + "/policies/tokenLifetimePolicies/00000000-0000-4000-8000-000000000001", 404, "Request_ResourceNotFound"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", ref(tt.odataID))
			wantError(t, r, tt.status, tt.code, "")
		})
	}
	t.Run("extra property in the $ref body", func(t *testing.T) {
		r := e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref",
			map[string]string{"@odata.id": graphBase + "/policies/tokenLifetimePolicies/" + policyID, "x": "y"})
		wantError(t, r, http.StatusBadRequest, "Request_BadRequest", "'x'")
	})
	t.Run("@odata.id not a string", func(t *testing.T) {
		r := e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", `{"@odata.id": 5}`)
		wantError(t, r, http.StatusBadRequest, "Request_BadRequest", "")
	})
	t.Run("missing @odata.id", func(t *testing.T) {
		r := e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", `{}`)
		wantError(t, r, http.StatusBadRequest, "Request_BadRequest", "@odata.id")
	})
}

// TestAppIDAddressing: applications(appId='…') and
// servicePrincipals(appId='…') address by client id; a client id in the
// object-id slot is not found (entra-compat.md §2.3).
func TestAppIDAddressing(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name   string
		path   string
		status int
		wantID string
	}{
		{"application by appId", "applications(appId='" + eksAppID + "')", 200, eksObjID},
		{"application by appId, upper case", "applications(appId='" + strings.ToUpper(eksAppID) + "')", 200, eksObjID},
		{"application by appId, percent-encoded", "applications%28appId=%27" + eksAppID + "%27%29", 200, eksObjID},
		{"application by object id", "applications/" + eksObjID, 200, eksObjID},
		{"client id in the object-id slot", "applications/" + eksAppID, 404, ""},
		{"unknown appId", "applications(appId='00000000-0000-4000-8000-00000000abcd')", 404, ""},
		{"service principal by appId", "servicePrincipals(appId='" + eksAppID + "')", 200, eksSPID},
		{"service principal by object id", "servicePrincipals/" + eksSPID, 200, eksSPID},
		{"client id in the service principal id slot", "servicePrincipals/" + eksAppID, 404, ""},
		{"appId= smuggled into the id slot", "applications/appId=" + eksAppID, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.path)
			if tt.status != 200 {
				wantError(t, r, tt.status, "Request_ResourceNotFound", "does not exist or one of its queried reference-property objects are not present.")
				return
			}
			wantStatus(t, r, 200)
			if r.str("id") != tt.wantID {
				t.Fatalf("id = %q, want %q", r.str("id"), tt.wantID)
			}
		})
	}
	t.Run("not-found message names the id", func(t *testing.T) {
		r := e.get("applications/" + eksAppID)
		wantError(t, r, 404, "Request_ResourceNotFound",
			"Resource '"+eksAppID+"' does not exist or one of its queried reference-property objects are not present.")
	})
	t.Run("assign a lifetime policy through the appId key", func(t *testing.T) {
		id := e.createLifetimePolicy("by appId", "04:00:00", false)
		wantNoContent(t, e.post("applications(appId='"+eksAppID+"')/tokenLifetimePolicies/$ref",
			ref(graphBase+"/policies/tokenLifetimePolicies/"+id)))
		if v := e.get("applications/" + eksObjID + "/tokenLifetimePolicies").values(t); len(v) != 1 || v[0]["id"] != id {
			t.Fatalf("assigned through appId key: got %v, want %s on object %s", v, id, eksObjID)
		}
	})
}
