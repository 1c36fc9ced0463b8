package kubelogin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// TestGuideReplay runs the Entra SSO guide's steps in order against
// `gatehouse dev`, with the guide's own request bodies (hosts swapped, the
// client id in extension names written without dashes, as Entra requires),
// and the real kubelogin at the points where the guide uses it.
func TestGuideReplay(t *testing.T) {
	bin := harness.KubeloginBinary(t)
	harness.RequireKubeloginRedirectPort(t)
	browser := harness.GoBuild(t, headlessLoginPkg)
	srv := harness.Start(t)
	cfg := srv.Config
	user := srv.User(t, 1)
	client, err := cfg.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	g := &guide{t: t, client: client, base: cfg.HTTPSBaseURL}
	noDash := strings.ReplaceAll(cfg.ClientID, "-", "")

	// Step 4: an app-only token for Microsoft Graph.
	tok := g.form(cfg.HTTPSBaseURL+"/"+cfg.TenantID+"/oauth2/v2.0/token", url.Values{
		"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}, "grant_type": {"client_credentials"}})
	g.token, _ = tok["access_token"].(string)
	if g.token == "" {
		t.Fatalf("step 4: no access_token in %v", tok)
	}

	// Step 5: the extension attributes, on the application object.
	for _, name := range []string{"default_namespace", "picture"} {
		status, body := g.call("POST", "/v1.0/applications/"+cfg.ApplicationObjectID+"/extensionProperties",
			`{"name": "`+name+`", "dataType": "String", "targetObjects": ["User"]}`)
		if want := "extension_" + noDash + "_" + name; status != 201 || body["name"] != want {
			t.Fatalf("step 5 (%s): status %d name %v, want 201 and %s", name, status, body["name"], want)
		}
	}

	// Step 6: the values on the user. The guide's literal dashed spelling
	// is refused as Entra refuses it, naming the right property.
	status, body := g.call("PATCH", "/v1.0/users/"+user.ID, `{"extension_`+cfg.ClientID+`_default_namespace": "team-a"}`)
	if msg := errMessage(body); status != 400 || !strings.Contains(msg, "extension_"+noDash+"_default_namespace") {
		t.Fatalf("step 6 with a dashed client id: status %d %q, want 400 naming the dashless property", status, msg)
	}
	picture := "https://avatars.example.com/alex.png"
	for name, value := range map[string]string{"default_namespace": "team-a", "picture": picture} {
		if status, body := g.call("PATCH", "/v1.0/users/"+user.ID, `{"extension_`+noDash+`_`+name+`": "`+value+`"}`); status != 204 {
			t.Fatalf("step 6 (%s): status %d %v, want 204", name, status, body)
		}
	}

	// Steps 7-8: Attributes & Claims → Add new claim → Directory schema
	// extension, in its API form: a claims mapping policy on the service
	// principal.
	def, _ := json.Marshal(map[string]any{"ClaimsMappingPolicy": map[string]any{"Version": 1, "IncludeBasicClaimSet": "true",
		"ClaimsSchema": []map[string]string{
			{"Source": "user", "ExtensionID": "extension_" + noDash + "_default_namespace", "JwtClaimType": "default_namespace"},
			{"Source": "user", "ExtensionID": "extension_" + noDash + "_picture", "JwtClaimType": "picture"}}}})
	defJSON, _ := json.Marshal([]string{string(def)})
	status, body = g.call("POST", "/v1.0/policies/claimsMappingPolicies", `{"definition": `+string(defJSON)+`, "displayName": "eks claims"}`)
	if status != 201 {
		t.Fatalf("claims mapping policy: status %d %v", status, body)
	}
	if status, body := g.call("POST", "/v1.0/servicePrincipals/"+cfg.ServicePrincipalID+"/claimsMappingPolicies/$ref",
		`{"@odata.id": "https://graph.microsoft.com/v1.0/policies/claimsMappingPolicies/`+body["id"].(string)+`"}`); status != 204 {
		t.Fatalf("assign claims mapping policy: status %d %v", status, body)
	}

	// Between steps 8 and 9 sign-in fails: the app does not accept mapped
	// claims yet (AADSTS50146).
	kl := newKubelogin(t, bin, srv)
	env := browserEnv(srv, user)
	if _, stderr, err := kl.run(t, env, append(authCodeArgs(browser), "--force-refresh")...); err == nil || !strings.Contains(stderr, "AADSTS50146") {
		t.Fatalf("kubelogin before acceptMappedClaims: err %v, want a failure naming AADSTS50146\nstderr:\n%s", err, stderr)
	}

	// Step 9: Manifest → acceptMappedClaims: true.
	if status, body := g.call("PATCH", "/v1.0/applications/"+cfg.ApplicationObjectID, `{"api": {"acceptMappedClaims": true}}`); status != 204 {
		t.Fatalf("step 9: status %d %v", status, body)
	}

	// Token lifetime, steps 5-6.
	status, body = g.call("POST", "/v1.0/policies/tokenLifetimePolicies", `{
        "definition": [
            "{ \"TokenLifetimePolicy\": { \"Version\": 1, \"AccessTokenLifetime\": \"04:00:00\" }}"
        ],
        "displayName": "Custom Access Token Lifetime",
        "isOrganizationDefault": false
    }`)
	if status != 201 || body["id"] == nil {
		t.Fatalf("token lifetime policy: status %d %v", status, body)
	}
	if status, body := g.call("POST", "/v1.0/applications/"+cfg.ApplicationObjectID+"/tokenLifetimePolicies/$ref",
		`{"@odata.id": "https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/`+body["id"].(string)+`"}`); status != 204 {
		t.Fatalf("assign token lifetime policy: status %d %v", status, body)
	}

	// Step 10 / step 7: kubelogin get-token --force-refresh; the ID token
	// carries both claims and lasts 4 hours.
	cred, _ := kl.getToken(t, env, append(authCodeArgs(browser), "--force-refresh")...)
	idt := srv.VerifyIDToken(t, cfg.V1Issuer(), cred.Status.Token)
	if got := idt.String("default_namespace"); got != "team-a" {
		t.Errorf("default_namespace = %q, want team-a", got)
	}
	if got := idt.String("picture"); got != picture {
		t.Errorf("picture = %q, want %s", got, picture)
	}
	iat, _ := idt.Int("iat")
	exp, _ := idt.Int("exp")
	if exp-iat != 14400 {
		t.Errorf("exp - iat = %d, want 14400 (04:00:00)", exp-iat)
	}
}

// guide sends the guide's curl requests.
type guide struct {
	t      *testing.T
	client *http.Client
	base   string
	token  string
}

func (g *guide) form(u string, v url.Values) map[string]any {
	g.t.Helper()
	resp, err := g.client.PostForm(u, v)
	if err != nil {
		g.t.Fatal(err)
	}
	return decode(g.t, resp)
}

func (g *guide) call(method, path, body string) (int, map[string]any) {
	g.t.Helper()
	req, _ := http.NewRequest(method, g.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	return resp.StatusCode, decode(g.t, resp)
}

func decode(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: body is not JSON: %q", resp.Request.URL.Path, b)
		}
	}
	return m
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}
