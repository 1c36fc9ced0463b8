package graph_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// TestAuthentication: Graph accepts only Gatehouse-signed, unexpired
// tokens for the Graph audience (entra-compat.md §2.1).
func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	idToken := e.eksIDToken(adeleID).str("id_token")
	if idToken == "" {
		t.Fatalf("no eks ID token")
	}
	valid := e.GraphToken()
	tests := []struct {
		name   string
		header string // Authorization header; "" sends none
		msg    string
	}{
		{"no token", "", "Access token is empty."},
		{"empty bearer", "Bearer ", "Access token is empty."},
		{"other scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte(eksAppID+":"+e.Secret)), "Access token is empty."},
		{"garbage", "Bearer not-a-jwt", "Access token validation failure"},
		{"three garbage parts", "Bearer aaa.bbb.ccc", "Access token validation failure"},
		{"tampered payload", "Bearer " + tamper(t, valid), "Access token validation failure"},
		{"signed by a stranger", "Bearer " + foreignToken(t, e), "Access token validation failure"},
		{"unsigned", "Bearer " + unsignedToken(valid), "Access token validation failure"},
		{"eks ID token (audience is the app)", "Bearer " + idToken, "Invalid audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request{method: "GET", path: "applications"}
			if tt.header != "" {
				req.header = map[string]string{"Authorization": tt.header}
			}
			r := e.send(req)
			wantError(t, r, http.StatusUnauthorized, "InvalidAuthenticationToken", tt.msg)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without a Bearer WWW-Authenticate challenge: %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("token for another resource", func(t *testing.T) {
		api := e.registerClient("some-api", nil)
		wantNoContent(t, e.patch("applications/"+api.ObjectID, map[string]any{"identifierUris": []string{"api://" + api.AppID}}))
		r := e.postToken(map[string][]string{"client_id": {eksAppID}, "client_secret": {e.Secret},
			"scope": {"api://" + api.AppID + "/.default"}, "grant_type": {"client_credentials"}})
		if r.status != http.StatusOK {
			t.Fatalf("token for api://%s: status %d, body %v", api.AppID, r.status, r.body)
		}
		wantError(t, e.do("GET", "applications", r.str("access_token"), nil), http.StatusUnauthorized, "InvalidAuthenticationToken", "Invalid audience")
	})

	t.Run("disabled user's delegated token", func(t *testing.T) {
		f := newEnv(t)
		tok := f.delegatedToken(alexID)
		wantStatus(t, f.do("GET", "users/"+alexID, tok, nil), http.StatusOK)
		wantNoContent(t, f.patch("users/"+alexID, `{"accountEnabled": false}`))
		wantError(t, f.do("GET", "users/"+alexID, tok, nil), http.StatusUnauthorized, "InvalidAuthenticationToken", "")
	})

	t.Run("expired token", func(t *testing.T) {
		f := newEnv(t)
		tok := f.GraphToken()
		wantStatus(t, f.do("GET", "applications", tok, nil), http.StatusOK)
		f.Clock.Advance(2 * time.Hour)
		wantError(t, f.do("GET", "applications", tok, nil), http.StatusUnauthorized, "InvalidAuthenticationToken", "expired")
	})
}

// tamper changes one claim of a signed token, keeping the signature.
func tamper(t *testing.T, jwt string) string {
	parts := strings.Split(jwt, ".")
	c := testenv.ClaimsOf(t, jwt)
	c["roles"] = []string{"Directory.ReadWrite.All"}
	b, _ := json.Marshal(c)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// unsignedToken is the token's payload with alg none.
func unsignedToken(jwt string) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return h + "." + strings.Split(jwt, ".")[1] + "."
}

// foreignToken has every claim Graph wants but is signed by a key Gatehouse
// never published.
func foreignToken(t *testing.T, e *env) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "stranger"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	payload, _ := json.Marshal(map[string]any{"aud": directory.GraphIdentifier, "iss": e.Base + "/" + e.Tenant + "/",
		"tid": e.Tenant, "iat": now, "nbf": now, "exp": now + 3600, "idtyp": "app", "roles": []string{"Application.ReadWrite.All"}})
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// call is one operation of a route family, with a body that succeeds
// when the caller is allowed.
type call struct {
	family string
	method string
	path   string
	body   any
}

func writeCalls(e *env, spID string) []call {
	appRole, _ := directory.GraphAppRoleByValue("User.Read.All")
	return []call{
		{"applications write", "POST", "applications", map[string]any{"displayName": "created-by-test"}},
		{"extension properties write", "POST", "applications/" + eksObjID + "/extensionProperties",
			map[string]any{"name": "x" + strings.ReplaceAll(directory.NewID()[:8], "-", ""), "dataType": "String", "targetObjects": []string{"User"}}},
		{"users write", "PATCH", "users/" + alexID, map[string]any{"displayName": "Alex Wilber"}},
		{"policies write", "POST", "policies/tokenLifetimePolicies", map[string]any{
			"definition": []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"04:00:00"}}`}, "displayName": "p"}},
		{"appRoleAssignments write", "POST", "servicePrincipals/" + spID + "/appRoleAssignments", map[string]any{
			"principalId": spID, "resourceId": graphSPID, "appRoleId": appRole.ID}},
		{"groups write", "POST", "groups", map[string]any{"displayName": "g", "mailEnabled": false,
			"mailNickname": "g" + directory.NewID()[:8], "securityEnabled": true}},
	}
}

var readCalls = []call{
	{"applications read", "GET", "applications", nil},
	{"users read", "GET", "users", nil},
	{"policies read", "GET", "policies/tokenLifetimePolicies", nil},
	{"service principals read", "GET", "servicePrincipals", nil},
}

// TestAppOnlyPermissions: app-only calls are authorized from `roles`
// alone; a missing permission is 403 Authorization_RequestDenied.
func TestAppOnlyPermissions(t *testing.T) {
	e := newEnv(t)
	// Directory.ReadWrite.All writes users and groups and reads
	// applications but, as in Graph, does not write applications or policies.
	clients := []struct {
		name    string
		roles   []string // nil: the demo app (Application.ReadWrite.All, User.ReadWrite.All, Policy.ReadWrite.ApplicationConfiguration)
		allowed []string // families allowed; every other is 403
	}{
		{"eks", nil, []string{"applications write", "extension properties write", "users write", "policies write",
			"applications read", "users read", "policies read", "service principals read"}},
		{"none", []string{}, nil},
		{"readers", []string{"Application.Read.All", "User.Read.All", "Policy.Read.All"},
			[]string{"applications read", "users read", "policies read", "service principals read"}},
		{"apps only", []string{"Application.ReadWrite.All"},
			[]string{"applications write", "extension properties write", "applications read", "service principals read"}},
		{"users only", []string{"User.ReadWrite.All"}, []string{"users write", "users read"}},
		{"policies only", []string{"Policy.ReadWrite.ApplicationConfiguration"}, []string{"policies write", "policies read"}},
		{"assigner", []string{"AppRoleAssignment.ReadWrite.All"}, []string{"appRoleAssignments write"}},
		{"groups", []string{"Group.ReadWrite.All"}, []string{"groups write"}},
		{"directory", []string{"Directory.ReadWrite.All"},
			[]string{"users write", "groups write", "users read", "applications read", "service principals read"}},
	}
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			tok, spID := e.GraphToken(), eksSPID
			if cl.roles != nil {
				c := e.registerClient("perm-"+cl.name, cl.roles)
				tok, spID = e.appToken(c.AppID, c.Secret), c.SPID
				if got := rolesOf(t, tok); len(got) != len(cl.roles) {
					t.Fatalf("token roles = %v, want %v", got, cl.roles)
				}
			}
			for _, c := range append(writeCalls(e, spID), readCalls...) {
				r := e.do(c.method, c.path, tok, c.body)
				if contains(cl.allowed, c.family) {
					if r.status >= 400 {
						t.Errorf("%s (%s %s) should be allowed: %s", c.family, c.method, c.path, r)
					}
					continue
				}
				if r.status != http.StatusForbidden {
					t.Errorf("%s (%s %s): status %d, want 403; body %s", c.family, c.method, c.path, r.status, r.raw)
					continue
				}
				wantError(t, r, http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
			}
		})
	}

	t.Run("assigning a lifetime policy needs application and policy permissions", func(t *testing.T) {
		policyID := e.createLifetimePolicy("p", "04:00:00", false)
		body := ref(graphBase + "/policies/tokenLifetimePolicies/" + policyID)
		apps := e.registerClient("apps-writer", []string{"Application.ReadWrite.All"})
		wantError(t, e.do("POST", "applications/"+eksObjID+"/tokenLifetimePolicies/$ref", e.appToken(apps.AppID, apps.Secret), body),
			http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
		pol := e.registerClient("policy-writer", []string{"Policy.ReadWrite.ApplicationConfiguration"})
		wantError(t, e.do("POST", "applications/"+eksObjID+"/tokenLifetimePolicies/$ref", e.appToken(pol.AppID, pol.Secret), body),
			http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
		both := e.registerClient("both", []string{"Application.ReadWrite.All", "Policy.Read.All"})
		wantNoContent(t, e.do("POST", "applications/"+eksObjID+"/tokenLifetimePolicies/$ref", e.appToken(both.AppID, both.Secret), body))
	})

	t.Run("forbidden before not found", func(t *testing.T) {
		none := e.registerClient("nothing", nil)
		r := e.do("GET", "applications/"+directory.NewID(), e.appToken(none.AppID, none.Secret), nil)
		wantError(t, r, http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
	})
}

// TestDelegatedPermissions: a user's token is allowed by its scopes and
// the user's directory role; any signed-in user may read.
func TestDelegatedPermissions(t *testing.T) {
	e := newEnv(t)
	adele, alex := e.delegatedToken(adeleID), e.delegatedToken(alexID)
	if c := testenv.ClaimsOf(t, adele); c["scp"] == nil || c["idtyp"] == "app" {
		t.Fatalf("adele's token is not delegated: %v", c)
	}
	t.Run("Global Administrator may write", func(t *testing.T) {
		for _, c := range writeCalls(e, eksSPID) {
			if r := e.do(c.method, c.path, adele, c.body); r.status >= 400 {
				t.Errorf("adele %s (%s %s): %s", c.family, c.method, c.path, r)
			}
		}
	})
	t.Run("a user without a role may not write", func(t *testing.T) {
		for _, c := range writeCalls(e, eksSPID) {
			r := e.do(c.method, c.path, alex, c.body)
			if r.status != http.StatusForbidden {
				t.Errorf("alex %s (%s %s): status %d, want 403; body %s", c.family, c.method, c.path, r.status, r.raw)
				continue
			}
			wantError(t, r, http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
		}
	})
	t.Run("a user without a role may read", func(t *testing.T) {
		for _, c := range append(readCalls, call{"own user", "GET", "users/" + alexID, nil}, call{"groups read", "GET", "groups", nil}) {
			wantStatus(t, e.do(c.method, c.path, alex, nil), http.StatusOK)
		}
	})
	t.Run("a role without the scope is not enough", func(t *testing.T) {
		client := e.delegatedClient()
		r := e.passwordGrant(client.AppID, client.Secret, adeleID, "https://graph.microsoft.com/User.Read")
		if r.status != http.StatusOK {
			t.Fatalf("User.Read token for adele: status %d, body %v", r.status, r.body)
		}
		tok := r.str("access_token")
		wantError(t, e.do("PATCH", "users/"+alexID, tok, map[string]any{"displayName": "x"}), http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
		wantError(t, e.do("GET", "applications", tok, nil), http.StatusForbidden, "Authorization_RequestDenied", msgDenied)
	})
}

// TestBearerSchemeIsCaseInsensitive: RFC 9110 §11.1, auth schemes are
// case-insensitive.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	e := newEnv(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		r := e.send(request{method: "GET", path: "applications", header: map[string]string{"Authorization": scheme + " " + e.GraphToken()}})
		wantStatus(t, r, http.StatusOK)
	}
}
