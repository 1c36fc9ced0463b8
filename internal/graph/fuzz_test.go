package graph_test

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzODataQuery: whatever the query options ($filter, $select, $top,
// $count), Graph answers with an OData body or error, never a 5xx.
func FuzzODataQuery(f *testing.F) {
	e := newEnv(f)
	at := e.GraphToken()
	for _, q := range [][3]string{{"userPrincipalName eq 'adele@contoso.example'", "", ""}, {"", "id,displayName", "1"},
		{"startswith(displayName,'A')", "", "0"}, {"", "", "1000"}, {defaultNamespaceExt + " eq 'x'", defaultNamespaceExt, ""},
		{"mail eq ''''", "", "-1"}, {"id in ('a','b')", "", ""}, {"appId eq '" + eksAppID + "'", "*", "999"},
		{"displayName eq 'x' and mail eq 'y'", "id,,", "1e3"}, {"'", "%", "x"}} {
		for _, collection := range []string{"users", "applications", "groups", "servicePrincipals"} {
			f.Add(collection, q[0], q[1], q[2], q[0] != "")
		}
	}
	f.Fuzz(func(t *testing.T, collection, filter, sel, top string, count bool) {
		if strings.ContainsAny(collection, "?#%/") || len(collection) > 64 {
			return
		}
		q := url.Values{}
		for k, v := range map[string]string{"$filter": filter, "$select": sel, "$top": top} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if count {
			q.Set("$count", "true")
		}
		r := e.as(t).send(request{method: "GET", path: url.PathEscape(collection) + "?" + q.Encode(), token: at,
			header: map[string]string{"ConsistencyLevel": "eventual"}})
		if r.status >= 500 {
			t.Fatalf("GET %s?%s: %s", collection, q.Encode(), r)
		}
		if r.obj == nil {
			t.Fatalf("GET %s?%s: status %d, body is no JSON object: %q", collection, q.Encode(), r.status, r.raw)
		}
	})
}

// FuzzApplicationBody: whatever the JSON an administrator saves (the admin
// centre's manifest editor sends it as a PATCH), Graph stores a valid
// application or refuses with a 4xx, never a 5xx.
func FuzzApplicationBody(f *testing.F) {
	e := newEnv(f)
	at := e.GraphToken()
	for _, b := range []string{`{"displayName":"x"}`, `{"displayName":"x","api":{"acceptMappedClaims":true}}`,
		`{"displayName":"x","web":{"redirectUris":["javascript:alert(1)"]}}`, `{"displayName":"x","identifierUris":["api://x"]}`,
		`{"displayName":"x","requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"e1fe6dd8-ba31-4d61-89e7-88639da4683d","type":"Scope"}]}]}`,
		`{"displayName":"x","optionalClaims":{"idToken":[{"name":"groups","additionalProperties":["sam_account_name"]}]}}`,
		`{"displayName":"x","api":{"oauth2PermissionScopes":[{"id":"not-a-guid","value":"a b","type":"Root"}]}}`,
		`{"displayName":null}`, `[]`, `{"displayName":"x","appId":"00000003-0000-0000-c000-000000000000"}`, `{"displayName":"x","passwordCredentials":[{}]}`} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, req := range []request{{method: "POST", path: "applications", token: at, body: body},
			{method: "PATCH", path: "applications/" + eksObjID, token: at, body: body}} {
			r := e.as(t).send(req)
			if r.status >= 500 {
				t.Fatalf("%s %s %q: %s", req.method, req.path, body, r)
			}
		}
	})
}

// as is e reporting to t: fuzz targets must not call the fuzz engine's
// Helper.
func (e *env) as(t *testing.T) *env { return &env{Env: e.Env, t: t, tokens: map[string]string{}} }
