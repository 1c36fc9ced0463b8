package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// What Graph writes must change the tokens the login host issues
// (entra-compat.md §5, §6).

func claimsMappingBody(extension, claim string) map[string]any {
	return map[string]any{
		"definition": []string{`{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[` +
			`{"Source":"user","ExtensionID":"` + extension + `","JwtClaimType":"` + claim + `"}]}}`},
		"displayName": "eks default_namespace",
	}
}

func TestClaimsMappingPolicyReachesIDToken(t *testing.T) {
	e := newEnv(t)
	e.createGuideExtension()
	wantNoContent(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-a"}))

	before := e.eksIDToken(adeleID)
	if before.status != http.StatusOK || before.str("id_token") == "" {
		t.Fatalf("sign-in before any policy: status %d, body %v", before.status, before.body)
	}
	if _, ok := testenv.ClaimsOf(t, before.str("id_token"))["default_namespace"]; ok {
		t.Fatalf("default_namespace present before a claims mapping policy exists")
	}

	r := e.post("policies/claimsMappingPolicies", claimsMappingBody(defaultNamespaceExt, "default_namespace"))
	wantStatus(t, r, http.StatusCreated)
	policyID := r.str("id")
	wantNoContent(t, e.post("servicePrincipals/"+eksSPID+"/claimsMappingPolicies/$ref",
		ref(graphBase+"/policies/claimsMappingPolicies/"+policyID)))
	if v := e.get("servicePrincipals/" + eksSPID + "/claimsMappingPolicies").values(t); len(v) != 1 || v[0]["id"] != policyID {
		t.Fatalf("service principal's claims mapping policies = %v, want exactly %s", v, policyID)
	}

	t.Run("AADSTS50146 until acceptMappedClaims", func(t *testing.T) {
		got := e.eksIDToken(adeleID)
		if got.status != http.StatusBadRequest {
			t.Fatalf("sign-in with a claims policy and no acceptMappedClaims: status %d, want 400; body %v", got.status, got.body)
		}
		if desc := got.str("error_description"); !strings.HasPrefix(desc, "AADSTS50146:") {
			t.Fatalf("error_description = %q, want it to start with AADSTS50146:", desc)
		}
		codes, _ := got.body["error_codes"].([]any)
		if len(codes) != 1 || codes[0] != float64(50146) {
			t.Fatalf("error_codes = %v, want [50146]", got.body["error_codes"])
		}
	})

	wantNoContent(t, e.patch("applications/"+eksObjID, `{"api":{"acceptMappedClaims":true}}`))
	if api, _ := e.get("applications/" + eksObjID).obj["api"].(map[string]any); api["acceptMappedClaims"] != true {
		t.Fatalf("api.acceptMappedClaims after PATCH = %v, want true", api["acceptMappedClaims"])
	}

	t.Run("the ID token carries the mapped claim exactly", func(t *testing.T) {
		got := e.eksIDToken(adeleID)
		if got.status != http.StatusOK {
			t.Fatalf("sign-in after acceptMappedClaims: status %d, body %v", got.status, got.body)
		}
		c := testenv.ClaimsOf(t, got.str("id_token"))
		if c["default_namespace"] != "team-a" {
			t.Fatalf("id token default_namespace = %#v, want \"team-a\"", c["default_namespace"])
		}
		if c["aud"] != eksAppID {
			t.Fatalf("id token aud = %v, want %s", c["aud"], eksAppID)
		}
		for k := range c {
			if strings.HasPrefix(k, "extn.") || strings.HasPrefix(k, "extension_") {
				t.Fatalf("id token carries %s; the mapped claim must be emitted under its JwtClaimType only", k)
			}
		}
		// Policies apply to tokens whose audience is the app, not Graph's.
		if _, ok := testenv.ClaimsOf(t, got.str("access_token"))["default_namespace"]; ok {
			t.Fatalf("the Graph access token carries default_namespace; only the eks audience should")
		}
	})

	t.Run("a user without the value gets no claim", func(t *testing.T) {
		got := e.eksIDToken(alexID)
		if got.status != http.StatusOK {
			t.Fatalf("alex sign-in: status %d, body %v", got.status, got.body)
		}
		if v, ok := testenv.ClaimsOf(t, got.str("id_token"))["default_namespace"]; ok {
			t.Fatalf("alex has no value but the id token carries default_namespace = %#v", v)
		}
	})

	t.Run("a changed value shows in the next token", func(t *testing.T) {
		wantNoContent(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-b"}))
		if got := testenv.ClaimsOf(t, e.eksIDToken(adeleID).str("id_token"))["default_namespace"]; got != "team-b" {
			t.Fatalf("default_namespace after update = %#v, want team-b", got)
		}
	})

	t.Run("unassigning the policy removes the claim", func(t *testing.T) {
		wantNoContent(t, e.del("servicePrincipals/"+eksSPID+"/claimsMappingPolicies/"+policyID+"/$ref"))
		got := e.eksIDToken(adeleID)
		if got.status != http.StatusOK {
			t.Fatalf("sign-in after unassigning: status %d, body %v", got.status, got.body)
		}
		if v, ok := testenv.ClaimsOf(t, got.str("id_token"))["default_namespace"]; ok {
			t.Fatalf("default_namespace = %#v after the policy was unassigned", v)
		}
	})
}

func TestLifetimePolicyReachesIDToken(t *testing.T) {
	e := newEnv(t)
	other := e.registerClient("other-app", nil)

	r := e.post("policies/tokenLifetimePolicies", guideLifetimePolicyBody)
	wantStatus(t, r, http.StatusCreated)
	wantNoContent(t, e.post("applications/"+eksObjID+"/tokenLifetimePolicies/$ref",
		ref(graphBase+"/policies/tokenLifetimePolicies/"+r.str("id"))))

	signIn := e.eksIDToken(adeleID)
	if signIn.status != http.StatusOK {
		t.Fatalf("eks sign-in: status %d, body %v", signIn.status, signIn.body)
	}
	tests := []struct {
		name  string
		token string
		want  int64
	}{
		{"eks ID token follows the policy", signIn.str("id_token"), 14400},
		{"Graph access token from the same sign-in keeps the default", signIn.str("access_token"), 3600},
		{"eks app-only Graph token keeps the default", e.appToken(eksAppID, e.Secret), 3600},
		{"another app's ID token keeps the default", e.passwordGrant(other.AppID, other.Secret, adeleID, "openid").str("id_token"), 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == "" {
				t.Fatalf("no token issued")
			}
			if got := lifetimeOf(t, tt.token); got != tt.want {
				t.Fatalf("exp - iat = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestOrganizationDefaultLifetime(t *testing.T) {
	e := newEnv(t)
	other := e.registerClient("other-app", nil)
	idToken := func() string {
		t.Helper()
		r := e.passwordGrant(other.AppID, other.Secret, alexID, "openid")
		if r.status != http.StatusOK || r.str("id_token") == "" {
			t.Fatalf("other-app sign-in: status %d, body %v", r.status, r.body)
		}
		return r.str("id_token")
	}
	if got := lifetimeOf(t, idToken()); got != 3600 {
		t.Fatalf("ID token lifetime before any policy = %d, want 3600", got)
	}
	id := e.createLifetimePolicy("tenant default", "02:00:00", true)
	if got := lifetimeOf(t, idToken()); got != 7200 {
		t.Fatalf("ID token lifetime under the organisation default = %d, want 7200", got)
	}

	t.Run("only one organisation default", func(t *testing.T) {
		r := e.post("policies/tokenLifetimePolicies", map[string]any{
			"definition":  []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"03:00:00"}}`},
			"displayName": "second default", "isOrganizationDefault": true})
		wantError(t, r, http.StatusBadRequest, "Request_MultipleObjectsWithSameKeyValue", "")
	})

	t.Run("clearing isOrganizationDefault restores the default", func(t *testing.T) {
		wantNoContent(t, e.patch("policies/tokenLifetimePolicies/"+id, `{"isOrganizationDefault": false}`))
		if got := lifetimeOf(t, idToken()); got != 3600 {
			t.Fatalf("ID token lifetime after clearing the default = %d, want 3600", got)
		}
	})
}
