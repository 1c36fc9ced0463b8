package graph_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// TestBadInput: malformed or invalid requests get Graph's error object
// with a 4xx status, never a 500.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	e.createGuideExtension()
	lifetimePolicy := e.createLifetimePolicy("p", "04:00:00", false)
	unknown := "00000000-0000-4000-8000-0000000000ff"
	groupExt := e.post("applications/"+eksObjID+"/extensionProperties",
		map[string]any{"name": "team", "dataType": "String", "targetObjects": []string{"Group"}}).str("name")
	intExt := e.post("applications/"+eksObjID+"/extensionProperties",
		map[string]any{"name": "level", "dataType": "Integer", "targetObjects": []string{"User"}}).str("name")
	extPath := "applications/" + eksObjID + "/extensionProperties"
	userPath := "users/" + alexID
	lifetime := func(def string) map[string]any {
		return map[string]any{"definition": []string{def}, "displayName": "bad"}
	}
	huge := `{"displayName":"` + strings.Repeat("a", 2<<20) + `"}`

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
		msg    string // substring of the message, when it matters
	}{
		// Bodies that are not a JSON object.
		{"malformed JSON", "POST", extPath, `{"name":`, 400, "Request_BadRequest", ""},
		{"JSON array body", "POST", extPath, `[` + guideExtensionBody + `]`, 400, "Request_BadRequest", ""},
		{"JSON string body", "POST", extPath, `"default_namespace"`, 400, "Request_BadRequest", ""},
		{"JSON null body", "POST", extPath, `null`, 400, "Request_BadRequest", "JSON object"},
		{"empty body", "POST", extPath, ``, 400, "Request_BadRequest", ""},
		{"trailing data", "POST", extPath, guideExtensionBody + ` {}`, 400, "Request_BadRequest", ""},
		{"stray closing brace", "POST", extPath, guideExtensionBody + `}`, 400, "Request_BadRequest", "trailing"},
		{"body over 1 MiB", "PATCH", userPath, huge, 413, "Request_BadRequest", ""},

		// Wrong types and unknown properties.
		{"dataType a number", "POST", extPath, `{"name":"n","dataType":5,"targetObjects":["User"]}`, 400, "Request_BadRequest", "dataType"},
		{"targetObjects a string", "POST", extPath, `{"name":"n","dataType":"String","targetObjects":"User"}`, 400, "Request_BadRequest", "targetObjects"},
		{"unknown dataType", "POST", extPath, `{"name":"n","dataType":"Text","targetObjects":["User"]}`, 400, "Request_BadRequest", "dataType"},
		{"unknown target object", "POST", extPath, `{"name":"n","dataType":"String","targetObjects":["Printer"]}`, 400, "Request_BadRequest", "targetObjects"},
		{"no name", "POST", extPath, `{"dataType":"String","targetObjects":["User"]}`, 400, "Request_BadRequest", "name"},
		{"name with a dash", "POST", extPath, `{"name":"default-namespace","dataType":"String","targetObjects":["User"]}`, 400, "Request_BadRequest", "name"},
		{"duplicate extension", "POST", extPath, guideExtensionBody, 400, "Request_BadRequest", defaultNamespaceExt},
		{"unknown extension property", "POST", extPath, `{"name":"n","dataType":"String","targetObjects":["User"],"foo":1}`, 400, "Request_BadRequest", "'foo'"},
		{"unknown application property", "PATCH", "applications/" + eksObjID, `{"foo":1}`, 400, "Request_BadRequest", "'foo'"},
		{"unknown nested property", "PATCH", "applications/" + eksObjID, `{"api":{"foo":1}}`, 400, "Request_BadRequest", "foo"},
		{"nested wrong type", "PATCH", "applications/" + eksObjID, `{"web":{"redirectUris":"http://localhost:8000"}}`, 400, "Request_BadRequest", "web"},
		{"acceptMappedClaims a string", "PATCH", "applications/" + eksObjID, `{"api":{"acceptMappedClaims":"yes"}}`, 400, "Request_BadRequest", "api"},
		{"requestedAccessTokenVersion 3", "PATCH", "applications/" + eksObjID, `{"api":{"requestedAccessTokenVersion":3}}`, 400, "Request_BadRequest", "requestedAccessTokenVersion"},
		{"unknown user property", "PATCH", userPath, `{"foo":1}`, 400, "Request_BadRequest", "'foo'"},
		{"accountEnabled a string", "PATCH", userPath, `{"accountEnabled":"true"}`, 400, "Request_BadRequest", "accountEnabled"},
		{"text/plain body", "PATCH", userPath, nil, 415, "Request_BadRequest", ""},

		// Extension values.
		{"extension value of the wrong type", "PATCH", userPath, map[string]any{defaultNamespaceExt: 5}, 400, "Request_BadRequest", defaultNamespaceExt},
		{"extension value an object", "PATCH", userPath, map[string]any{defaultNamespaceExt: map[string]any{"a": 1}}, 400, "Request_BadRequest", ""},
		{"String over 256 characters", "PATCH", userPath, map[string]any{defaultNamespaceExt: strings.Repeat("x", 257)}, 400, "Request_BadRequest", "256"},
		{"Integer given a string", "PATCH", userPath, map[string]any{intExt: "five"}, 400, "Request_BadRequest", intExt},
		{"Integer beyond 32 bits", "PATCH", userPath, map[string]any{intExt: 1 << 40}, 400, "Request_BadRequest", ""},
		{"extension for groups written on a user", "PATCH", userPath, map[string]any{groupExt: "x"}, 400, "Request_BadRequest", groupExt},
		{"undefined extension", "PATCH", userPath, map[string]any{"extension_" + eksNoDash + "_nope": "x"}, 400, "Request_BadRequest", "not available"},

		// Policy definitions.
		{"AccessTokenLifetime below 10 minutes", "POST", "policies/tokenLifetimePolicies",
			lifetime(`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"00:05:00"}}`), 400, "Request_BadRequest", "AccessTokenLifetime"},
		{"AccessTokenLifetime over a day", "POST", "policies/tokenLifetimePolicies",
			lifetime(`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"1.00:00:01"}}`), 400, "Request_BadRequest", "AccessTokenLifetime"},
		{"AccessTokenLifetime not a time span", "POST", "policies/tokenLifetimePolicies",
			lifetime(`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"4h"}}`), 400, "Request_BadRequest", ""},
		{"Version 2", "POST", "policies/tokenLifetimePolicies",
			lifetime(`{"TokenLifetimePolicy":{"Version":2,"AccessTokenLifetime":"04:00:00"}}`), 400, "Request_BadRequest", "Version"},
		{"definition not JSON", "POST", "policies/tokenLifetimePolicies", lifetime(`TokenLifetimePolicy`), 400, "Request_BadRequest", ""},
		{"definition a string, not an array", "POST", "policies/tokenLifetimePolicies",
			`{"definition":"{\"TokenLifetimePolicy\":{\"Version\":1}}","displayName":"x"}`, 400, "Request_BadRequest", "definition"},
		{"two definitions", "POST", "policies/tokenLifetimePolicies",
			map[string]any{"definition": []string{`{}`, `{}`}, "displayName": "x"}, 400, "Request_BadRequest", ""},
		{"no displayName", "POST", "policies/tokenLifetimePolicies",
			`{"definition":["{\"TokenLifetimePolicy\":{\"Version\":1}}"]}`, 400, "Request_BadRequest", "displayName"},
		{"claims policy in the lifetime collection", "POST", "policies/tokenLifetimePolicies",
			claimsMappingBody(defaultNamespaceExt, "default_namespace"), 400, "Request_BadRequest", ""},
		{"restricted JwtClaimType upn", "POST", "policies/claimsMappingPolicies",
			claimsMappingBody(defaultNamespaceExt, "upn"), 400, "Request_BadRequest", "upn"},
		{"restricted JwtClaimType xms_", "POST", "policies/claimsMappingPolicies",
			claimsMappingBody(defaultNamespaceExt, "xms_cc"), 400, "Request_BadRequest", "restricted"},
		{"invalid definition on PATCH", "PATCH", "policies/tokenLifetimePolicies/" + lifetimePolicy,
			map[string]any{"definition": []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"00:05:00"}}`}}, 400, "Request_BadRequest", ""},

		// Ids.
		{"invalid application GUID", "GET", "applications/not-a-guid", nil, 404, "Request_ResourceNotFound", "not-a-guid"},
		{"unknown application", "GET", "applications/" + unknown, nil, 404, "Request_ResourceNotFound", "Resource '" + unknown + "' does not exist"},
		{"unknown application on PATCH", "PATCH", "applications/" + unknown, `{"displayName":"x"}`, 404, "Request_ResourceNotFound", unknown},
		{"unknown application on DELETE", "DELETE", "applications/" + unknown, nil, 404, "Request_ResourceNotFound", unknown},
		{"unknown application's extensions", "POST", "applications/" + unknown + "/extensionProperties", guideExtensionBody, 404, "Request_ResourceNotFound", unknown},
		{"unknown extension property", "GET", extPath + "/" + unknown, nil, 404, "Request_ResourceNotFound", unknown},
		{"invalid extension property id", "GET", extPath + "/x'y", nil, 404, "Request_ResourceNotFound", ""},
		{"unknown user", "GET", "users/" + unknown, nil, 404, "Request_ResourceNotFound", "Resource '" + unknown + "' does not exist"},
		{"unknown user by UPN", "GET", "users/nobody@contoso.example", nil, 404, "Request_ResourceNotFound", "nobody@contoso.example"},
		{"unknown user on PATCH", "PATCH", "users/" + unknown, map[string]any{defaultNamespaceExt: "x"}, 404, "Request_ResourceNotFound", unknown},
		{"unknown service principal", "GET", "servicePrincipals/" + unknown, nil, 404, "Request_ResourceNotFound", unknown},
		{"unknown lifetime policy", "GET", "policies/tokenLifetimePolicies/" + unknown, nil, 404, "Request_ResourceNotFound", unknown},
		{"unknown claims policy", "DELETE", "policies/claimsMappingPolicies/" + unknown, nil, 404, "Request_ResourceNotFound", unknown},
		{"lifetime policy addressed as claims policy", "GET", "policies/claimsMappingPolicies/" + lifetimePolicy, nil, 404, "Request_ResourceNotFound", lifetimePolicy},
		{"unassign a policy that is not assigned", "DELETE", "applications/" + eksObjID + "/tokenLifetimePolicies/" + lifetimePolicy + "/$ref", nil, 404, "Request_ResourceNotFound", ""},

		// Paths and methods.
		{"unknown top-level segment", "GET", "widgets", nil, 400, "BadRequest", "widgets"},
		{"unknown nested segment", "GET", "applications/" + eksObjID + "/widgets", nil, 400, "BadRequest", "widgets"},
		{"too deep", "GET", "applications/" + eksObjID + "/extensionProperties/" + unknown + "/x", nil, 400, "BadRequest", ""},
		{"empty segment", "GET", "applications//extensionProperties", nil, 400, "BadRequest", ""},
		{"no resource", "GET", "", nil, 400, "BadRequest", ""},
		{"beta-style key on users", "GET", "users(appId='" + eksAppID + "')", nil, 400, "BadRequest", ""},
		{"PUT application", "PUT", "applications/" + eksObjID, `{"displayName":"x"}`, 405, "Request_MethodNotAllowed", "PUT"},
		{"DELETE users collection", "DELETE", "users", nil, 405, "Request_MethodNotAllowed", ""},
		{"GET $ref", "GET", "applications/" + eksObjID + "/tokenLifetimePolicies/$ref", nil, 405, "Request_MethodNotAllowed", ""},
		{"PUT service principal", "PUT", "servicePrincipals/" + eksSPID, `{}`, 405, "Request_MethodNotAllowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request{method: tt.method, path: tt.path, token: e.GraphToken(), body: tt.body}
			if tt.status == http.StatusUnsupportedMediaType {
				req.body = "displayName=x"
				req.header = map[string]string{"Content-Type": "text/plain"}
			}
			r := e.send(req)
			if r.status >= 500 {
				t.Fatalf("%s %s: server error %d: %s", tt.method, tt.path, r.status, r.raw)
			}
			wantError(t, r, tt.status, tt.code, tt.msg)
		})
	}

	t.Run("refused writes change nothing", func(t *testing.T) {
		r := e.get("users/" + alexID + "?$select=displayName,accountEnabled," + defaultNamespaceExt + "," + intExt)
		wantStatus(t, r, http.StatusOK)
		if r.str("displayName") != "Alex Wilber" || r.obj["accountEnabled"] != true {
			t.Fatalf("alex changed by refused PATCHes: %s", r.raw)
		}
		if _, ok := r.obj[defaultNamespaceExt]; ok {
			t.Fatalf("refused extension value stored: %s", r.raw)
		}
		p := e.get("policies/tokenLifetimePolicies/" + lifetimePolicy)
		if def := p.obj["definition"].([]any)[0].(string); !strings.Contains(def, "04:00:00") {
			t.Fatalf("policy definition changed by a refused PATCH: %s", def)
		}
		if v := e.get(extPath).values(t); len(v) != 3 {
			t.Fatalf("extension properties after refused creates = %d, want 3", len(v))
		}
	})

	t.Run("String of exactly 256 characters is accepted", func(t *testing.T) {
		v := strings.Repeat("é", 256) // characters, not bytes
		wantNoContent(t, e.patch(userPath, map[string]any{defaultNamespaceExt: v}))
		if got := e.get(userPath + "?$select=" + defaultNamespaceExt).obj[defaultNamespaceExt]; got != v {
			t.Fatalf("256-character value read back as %v", got)
		}
	})

	t.Run("405 names the allowed methods", func(t *testing.T) {
		r := e.do("PUT", "applications/"+eksObjID, e.GraphToken(), `{}`)
		wantStatus(t, r, http.StatusMethodNotAllowed)
		allow := r.header.Get("Allow")
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			if !strings.Contains(allow, m) {
				t.Fatalf("Allow = %q, want it to list %s", allow, m)
			}
		}
	})

	t.Run("client-request-id is echoed", func(t *testing.T) {
		id := directory.NewID()
		r := e.send(request{method: "GET", path: "applications/" + unknown, token: e.GraphToken(), header: map[string]string{"client-request-id": id}})
		ge := wantError(t, r, 404, "Request_ResourceNotFound", "")
		if ge.Error.InnerError.ClientRequestID != id || r.header.Get("client-request-id") != id {
			t.Fatalf("client-request-id = %q (header %q), want %q echoed", ge.Error.InnerError.ClientRequestID, r.header.Get("client-request-id"), id)
		}
		if ge.Error.InnerError.RequestID == id {
			t.Fatalf("request-id copies the client's id; it must be the server's own")
		}
	})

	t.Run("a huge body is refused before it is read in full", func(t *testing.T) {
		r := e.send(request{method: "POST", path: extPath, token: e.GraphToken(), body: bytes.Repeat([]byte(" "), 3<<20)})
		wantError(t, r, http.StatusRequestEntityTooLarge, "Request_BadRequest", "")
	})
}
