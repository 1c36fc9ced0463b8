package graph_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

func TestTokenLifetimePolicyCRUD(t *testing.T) {
	e := newEnv(t)
	id := e.createLifetimePolicy("four hours", "04:00:00", false)

	t.Run("get and list", func(t *testing.T) {
		r := e.get("policies/tokenLifetimePolicies/" + id)
		wantStatus(t, r, http.StatusOK)
		if r.str("id") != id || r.str("displayName") != "four hours" || r.obj["description"] != nil {
			t.Fatalf("GET policy = %s", r.raw)
		}
		if want := e.Base + "/v1.0/$metadata#policies/tokenLifetimePolicies/$entity"; r.str("@odata.context") != want {
			t.Fatalf("@odata.context = %q, want %q", r.str("@odata.context"), want)
		}
		l := e.get("policies/tokenLifetimePolicies")
		if want := e.Base + "/v1.0/$metadata#policies/tokenLifetimePolicies"; l.str("@odata.context") != want {
			t.Fatalf("list @odata.context = %q, want %q", l.str("@odata.context"), want)
		}
		if v := l.values(t); len(v) != 1 || v[0]["id"] != id {
			t.Fatalf("list = %s", l.raw)
		}
		if v := e.get("policies/claimsMappingPolicies").values(t); len(v) != 0 {
			t.Fatalf("a lifetime policy is listed among claims mapping policies: %v", v)
		}
	})

	t.Run("query options on a single policy", func(t *testing.T) {
		r := e.get("policies/tokenLifetimePolicies/" + id + "?$select=displayName")
		wantStatus(t, r, http.StatusOK)
		if _, ok := r.obj["definition"]; ok || r.str("displayName") != "four hours" || r.str("id") != id {
			t.Fatalf("$select=displayName returned %s", r.raw)
		}
		wantError(t, e.get("policies/tokenLifetimePolicies/"+id+"?$foo=1"), http.StatusBadRequest, "Request_BadRequest", "$foo")
	})

	t.Run("patch", func(t *testing.T) {
		wantNoContent(t, e.patch("policies/tokenLifetimePolicies/"+id,
			`{"displayName":"two hours","description":"shorter","definition":["{\"TokenLifetimePolicy\":{\"Version\":1,\"AccessTokenLifetime\":\"02:00:00\"}}"]}`))
		r := e.get("policies/tokenLifetimePolicies/" + id)
		def, _ := r.obj["definition"].([]any)
		if r.str("displayName") != "two hours" || r.str("description") != "shorter" || len(def) != 1 ||
			def[0] != `{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"02:00:00"}}` {
			t.Fatalf("after PATCH: %s", r.raw)
		}
		wantError(t, e.patch("policies/tokenLifetimePolicies/"+id, `{"displayName":""}`), http.StatusBadRequest, "Request_BadRequest", "displayName")
		wantError(t, e.patch("policies/tokenLifetimePolicies/"+id, `{"colour":"red"}`), http.StatusBadRequest, "Request_BadRequest", "colour")
	})

	t.Run("the patched lifetime reaches tokens", func(t *testing.T) {
		wantNoContent(t, e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", ref(graphBase+"/policies/tokenLifetimePolicies/"+id)))
		if got := lifetimeOf(t, e.eksIDToken(adeleID).str("id_token")); got != 7200 {
			t.Fatalf("eks ID token lifetime = %d, want 7200 from the patched policy", got)
		}
	})

	t.Run("appliesTo", func(t *testing.T) {
		r := e.get("policies/tokenLifetimePolicies/" + id + "/appliesTo")
		wantStatus(t, r, http.StatusOK)
		v := r.values(t)
		if len(v) != 1 || v[0]["id"] != eksObjID || v[0]["@odata.type"] != "#microsoft.graph.application" {
			t.Fatalf("appliesTo = %s, want the eks application", r.raw)
		}
	})

	t.Run("delete removes its assignments", func(t *testing.T) {
		wantNoContent(t, e.del("policies/tokenLifetimePolicies/"+id))
		wantError(t, e.get("policies/tokenLifetimePolicies/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		if v := e.get("applications/" + eksObjID + "/tokenLifetimePolicies").values(t); len(v) != 0 {
			t.Fatalf("eks still lists %v after the policy was deleted", v)
		}
		if got := lifetimeOf(t, e.eksIDToken(adeleID).str("id_token")); got != 3600 {
			t.Fatalf("eks ID token lifetime after delete = %d, want 3600", got)
		}
		wantError(t, e.del("policies/tokenLifetimePolicies/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
	})
}

func TestClaimsMappingPolicyCRUD(t *testing.T) {
	e := newEnv(t)
	e.createGuideExtension()
	r := e.post("policies/claimsMappingPolicies", claimsMappingBody(defaultNamespaceExt, "default_namespace"))
	wantStatus(t, r, http.StatusCreated)
	id := r.str("id")
	if want := e.Base + "/v1.0/$metadata#policies/claimsMappingPolicies/$entity"; r.str("@odata.context") != want {
		t.Fatalf("@odata.context = %q, want %q", r.str("@odata.context"), want)
	}

	t.Run("not reachable as a lifetime policy", func(t *testing.T) {
		wantError(t, e.get("policies/tokenLifetimePolicies/"+id), http.StatusNotFound, "Request_ResourceNotFound", id)
		wantError(t, e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref", ref(graphBase+"/policies/tokenLifetimePolicies/"+id)),
			http.StatusNotFound, "Request_ResourceNotFound", "")
	})

	t.Run("assign to the service principal once", func(t *testing.T) {
		wantNoContent(t, e.post("servicePrincipals/"+eksSPID+"/claimsMappingPolicies/$ref", ref(graphBase+"/policies/claimsMappingPolicies/"+id)))
		other := e.post("policies/claimsMappingPolicies", claimsMappingBody(defaultNamespaceExt, "ns"))
		wantStatus(t, other, http.StatusCreated)
		wantError(t, e.post("servicePrincipals(appId='"+eksAppID+"')/claimsMappingPolicies/$ref",
			ref(graphBase+"/policies/claimsMappingPolicies/"+other.str("id"))), http.StatusBadRequest, "Request_MultipleObjectsWithSameKeyValue", "")
	})

	t.Run("appliesTo names the service principal", func(t *testing.T) {
		v := e.get("policies/claimsMappingPolicies/" + id + "/appliesTo").values(t)
		if len(v) != 1 || v[0]["id"] != eksSPID || v[0]["@odata.type"] != "#microsoft.graph.servicePrincipal" {
			t.Fatalf("appliesTo = %v, want the eks service principal", v)
		}
	})

	t.Run("PATCH validates the definition", func(t *testing.T) {
		wantError(t, e.patch("policies/claimsMappingPolicies/"+id, claimsMappingBody(defaultNamespaceExt, "roles")),
			http.StatusBadRequest, "Request_BadRequest", "roles")
		wantNoContent(t, e.patch("policies/claimsMappingPolicies/"+id, claimsMappingBody(defaultNamespaceExt, "namespace")))
		wantNoContent(t, e.patch("applications/"+eksObjID, `{"api":{"acceptMappedClaims":true}}`))
		wantNoContent(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-a"}))
		c := testenv.ClaimsOf(t, e.eksIDToken(adeleID).str("id_token"))
		if c["namespace"] != "team-a" || c["default_namespace"] != nil {
			t.Fatalf("after renaming the claim: namespace %v, default_namespace %v", c["namespace"], c["default_namespace"])
		}
	})

	t.Run("delete", func(t *testing.T) {
		wantNoContent(t, e.del("policies/claimsMappingPolicies/"+id))
		if v := e.get("servicePrincipals/" + eksSPID + "/claimsMappingPolicies").values(t); len(v) != 0 {
			t.Fatalf("service principal still lists %v", v)
		}
	})
}
