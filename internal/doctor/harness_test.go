package doctor_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// gatehouse is an in-process Gatehouse with the demo tenant, served over
// TLS on loopback as the API server requires of issuers.
type gatehouse struct {
	*testenv.Env
	t *testing.T
}

func newGatehouse(t *testing.T) *gatehouse {
	t.Helper()
	return &gatehouse{Env: testenv.Start(t, testenv.WithTLS()), t: t}
}

// graph calls the Graph API and fails the test unless the status is want.
func (g *gatehouse) graph(method, path string, body any, want int) map[string]any {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, g.Base+"/v1.0/"+path, rd)
	req.Header.Set("Authorization", "Bearer "+g.GraphToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.Client().Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		g.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// setup says which of the guide's steps to do.
type setup struct {
	extensions         []string // step 5: extension properties to create
	values             []string // step 6: extensions given a value for the user
	mapped             []string // step 8: claims in the claims mapping policy
	acceptMappedClaims bool     // step 9
	lifetime           string   // token lifetime policy steps 5-6 ("" = none)
}

// fullSetup is the whole guide: both claims and a 4 hour lifetime.
func fullSetup() setup {
	return setup{extensions: []string{"default_namespace", "picture"}, values: []string{"default_namespace", "picture"},
		mapped: []string{"default_namespace", "picture"}, acceptMappedClaims: true, lifetime: "04:00:00"}
}

var guideValues = map[string]string{"default_namespace": "team-a", "picture": "https://example.com/adele.png"}

// apply does the guide's setup through the Graph API, as its curl commands do.
func (g *gatehouse) apply(s setup) {
	g.t.Helper()
	user := g.Users[0].ID
	for _, name := range s.extensions {
		g.graph("POST", "applications/"+devenv.AppObjectID+"/extensionProperties",
			map[string]any{"name": name, "dataType": "String", "targetObjects": []string{"User"}}, http.StatusCreated)
	}
	values := map[string]any{}
	for _, name := range s.values {
		values[extension(name)] = guideValues[name]
	}
	if len(values) > 0 {
		g.graph("PATCH", "users/"+user, values, http.StatusNoContent)
	}
	if s.acceptMappedClaims {
		g.graph("PATCH", "applications/"+devenv.AppObjectID, map[string]any{"api": map[string]any{"acceptMappedClaims": true}}, http.StatusNoContent)
	}
	if len(s.mapped) > 0 {
		var schema []string
		for _, name := range s.mapped {
			schema = append(schema, fmt.Sprintf(`{"Source":"user","ExtensionID":"%s","JwtClaimType":"%s"}`, extension(name), name))
		}
		def := `{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[` + strings.Join(schema, ",") + `]}}`
		p := g.graph("POST", "policies/claimsMappingPolicies", map[string]any{"definition": []string{def}, "displayName": "eks claims"}, http.StatusCreated)
		g.graph("POST", "servicePrincipals/"+devenv.AppSPID+"/claimsMappingPolicies/$ref",
			map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/policies/claimsMappingPolicies/" + p["id"].(string)}, http.StatusNoContent)
	}
	if s.lifetime != "" {
		def := `{ "TokenLifetimePolicy": { "Version": 1, "AccessTokenLifetime": "` + s.lifetime + `" }}`
		p := g.graph("POST", "policies/tokenLifetimePolicies",
			map[string]any{"definition": []string{def}, "displayName": "Custom Access Token Lifetime", "isOrganizationDefault": false}, http.StatusCreated)
		g.graph("POST", "applications/"+devenv.AppObjectID+"/tokenLifetimePolicies/$ref",
			map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/" + p["id"].(string)}, http.StatusNoContent)
	}
}

// extension is the extension's name as Graph returns it in step 5.
func extension(name string) string {
	return "extension_" + strings.ReplaceAll(devenv.AppClientID, "-", "") + "_" + name
}
