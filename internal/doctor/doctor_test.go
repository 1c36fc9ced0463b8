package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/doctor"
)

// config is the doctor's input for the demo user, with the guide's
// expectations: both claims, a 4 hour lifetime, and an API server
// configuration that trusts the v1 issuer for the app.
func (g *gatehouse) config(t *testing.T) doctor.Config {
	return doctor.Config{
		Issuer: g.Issuer(1), ClientID: devenv.AppClientID, ClientSecret: g.Secret,
		Username: g.Users[0].UserPrincipalName, Password: g.Users[0].Password,
		ExpectLifetime: 4 * time.Hour, KubeAuthnConfig: writeKubeAuthn(t, g.Issuer(1), devenv.AppClientID),
		Client: g.Client(),
	}
}

func writeKubeAuthn(t *testing.T, issuer, audience string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "authn.yaml")
	doc := `apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: ` + issuer + `
    audiences:
    - ` + audience + `
  claimMappings:
    username:
      claim: upn
      prefix: "oidc:"
    groups:
      claim: groups
      prefix: "oidc:"
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, cfg doctor.Config) *doctor.Report {
	t.Helper()
	rep, err := doctor.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func text(rep *doctor.Report) string {
	var b bytes.Buffer
	rep.WriteText(&b)
	return b.String()
}

func TestDoctorAllOKAfterGuideSetup(t *testing.T) {
	g := newGatehouse(t)
	g.apply(fullSetup())
	rep := run(t, g.config(t))

	want := []string{"discovery", "graph_access", "redirect_uri", "token", "token_valid",
		"claim:default_namespace", "claim:picture", "lifetime", "kube_authn"}
	if len(rep.Checks) != len(want) {
		t.Fatalf("%d checks, want %d:\n%s", len(rep.Checks), len(want), text(rep))
	}
	for i, c := range rep.Checks {
		if c.ID != want[i] || c.Status != doctor.StatusOK {
			t.Fatalf("check %d = %s %s, want %s OK:\n%s", i, c.ID, c.Status, want[i], text(rep))
		}
	}
	for id, want := range map[string]string{
		"claim:default_namespace": "default_namespace = team-a",
		"claim:picture":           "picture = https://example.com/adele.png",
		"lifetime":                "4h (exp - iat = 14400s), as expected",
	} {
		if c, _ := rep.Check(id); !strings.Contains(c.Summary, want) {
			t.Errorf("%s summary = %q, want it to contain %q", id, c.Summary, want)
		}
	}
	if !strings.Contains(text(rep), "9 OK, 0 problem(s), 0 skipped") {
		t.Errorf("text report lacks the tally:\n%s", text(rep))
	}
}

func TestDoctorDiagnoses(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(s *setup)
		config func(g *gatehouse, c *doctor.Config)
		id     string // the check that must fail
		status doctor.Status
		want   []string // substrings of its text (summary, details, fix)
		others map[string]doctor.Status
	}{
		{
			name:   "AADSTS50146: claims mapped but not accepted",
			setup:  func(s *setup) { s.acceptMappedClaims = false },
			id:     "token",
			status: doctor.StatusProblem,
			want: []string{"AADSTS50146", "a claims mapping policy is assigned to the service principal but the app's api.acceptMappedClaims is not true",
				"Manifest", `"acceptMappedClaims": true`},
			others: map[string]doctor.Status{"claim:default_namespace": doctor.StatusSkipped, "lifetime": doctor.StatusSkipped, "redirect_uri": doctor.StatusOK},
		},
		{
			name:   "extension value unset",
			setup:  func(s *setup) { s.values = []string{"default_namespace"} },
			id:     "claim:picture",
			status: doctor.StatusProblem,
			want: []string{`The token has no "picture" claim`, "maps picture from the directory extension " + extension("picture"),
				"has no value for " + extension("picture"), "PATCH", "/users/" + devenv.AdminUserID},
			others: map[string]doctor.Status{"claim:default_namespace": doctor.StatusOK},
		},
		{
			name:   "claim not mapped",
			setup:  func(s *setup) { s.mapped = []string{"default_namespace"} },
			id:     "claim:picture",
			status: doctor.StatusProblem,
			want:   []string{`policy "eks claims" on the service principal maps [default_namespace], but not picture: the claim is not mapped`, "Attributes & Claims", "PATCH"},
			others: map[string]doctor.Status{"claim:default_namespace": doctor.StatusOK},
		},
		{
			name:   "nothing of the guide done yet",
			setup:  func(s *setup) { *s = setup{} },
			id:     "claim:default_namespace",
			status: doctor.StatusProblem,
			want: []string{"No claims mapping policy is assigned", "is not registered either (guide step 5)",
				`"name":"default_namespace"`, "/users/" + devenv.AdminUserID, extension("default_namespace") + `":"<value>`,
				"all of default_namespace, picture at once", `\"JwtClaimType\":\"picture\"`},
		},
		{
			name:   "no claims mapping policy",
			setup:  func(s *setup) { s.mapped = nil },
			id:     "claim:default_namespace",
			status: doctor.StatusProblem,
			want:   []string{"No claims mapping policy is assigned", "policies/claimsMappingPolicies", "claimsMappingPolicies/\\$ref"},
		},
		{
			name: "extension property missing",
			setup: func(s *setup) {
				s.extensions, s.values = []string{"default_namespace"}, []string{"default_namespace"}
			},
			id:     "claim:picture",
			status: doctor.StatusProblem,
			want:   []string{"no extension property named " + extension("picture"), "extensionProperties", `"name":"picture"`},
		},
		{
			name:   "wrong lifetime: no policy",
			setup:  func(s *setup) { s.lifetime = "" },
			id:     "lifetime",
			status: doctor.StatusProblem,
			want: []string{"The token lives 1h (exp - iat = 3600s), but 4h was expected", "No token lifetime policy is assigned",
				"policies/tokenLifetimePolicies", `\"AccessTokenLifetime\":\"04:00:00\"`},
		},
		{
			name:   "wrong lifetime: policy says otherwise",
			setup:  func(s *setup) { s.lifetime = "02:00:00" },
			id:     "lifetime",
			status: doctor.StatusProblem,
			want:   []string{"lives 2h", `policy "Custom Access Token Lifetime"`, "on the application sets AccessTokenLifetime 02:00:00", "curl -X PATCH"},
		},
		{
			name: "audience not in the API server's config",
			config: func(g *gatehouse, c *doctor.Config) {
				c.KubeAuthnConfig = writeKubeAuthn(t, g.Issuer(1), "kubernetes")
			},
			id:     "kube_authn",
			status: doctor.StatusProblem,
			want:   []string{"is not among issuer.audiences", `["kubernetes"]`, "add the client id " + devenv.AppClientID},
		},
		{
			name: "API server's issuer lacks the slash",
			config: func(g *gatehouse, c *doctor.Config) {
				c.KubeAuthnConfig = writeKubeAuthn(t, strings.TrimSuffix(g.Issuer(1), "/"), devenv.AppClientID)
			},
			id:     "kube_authn",
			status: doctor.StatusProblem,
			want:   []string{"differs from iss only in the trailing slash", "set issuer.url to exactly"},
		},
		{
			name:   "issuer without the v1 trailing slash",
			config: func(g *gatehouse, c *doctor.Config) { c.Issuer = strings.TrimSuffix(c.Issuer, "/") },
			id:     "discovery",
			status: doctor.StatusProblem,
			want:   []string{"differ only in the trailing slash", "ends with a slash; keep it"},
		},
		{
			name:   "token given instead of a user",
			config: func(g *gatehouse, c *doctor.Config) { c.Username, c.Password, c.Token = "", "", "not-a-token" },
			id:     "token",
			status: doctor.StatusProblem,
			want:   []string{"could not be decoded"},
			others: map[string]doctor.Status{"claim:picture": doctor.StatusSkipped},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGatehouse(t)
			s := fullSetup()
			if tc.setup != nil {
				tc.setup(&s)
			}
			g.apply(s)
			cfg := g.config(t)
			if tc.config != nil {
				tc.config(g, &cfg)
			}
			rep := run(t, cfg)
			c, found := rep.Check(tc.id)
			if !found {
				t.Fatalf("no %s check:\n%s", tc.id, text(rep))
			}
			if c.Status != tc.status {
				t.Fatalf("%s = %s, want %s:\n%s", tc.id, c.Status, tc.status, text(rep))
			}
			all, _ := json.Marshal(c)
			flat := c.Summary + "\n" + strings.Join(c.Details, "\n") + "\n" + c.Fix
			for _, w := range tc.want {
				if !strings.Contains(flat, w) {
					t.Errorf("%s lacks %q:\n%s", tc.id, w, all)
				}
			}
			for id, want := range tc.others {
				if o, _ := rep.Check(id); o.Status != want {
					t.Errorf("%s = %s, want %s", id, o.Status, want)
				}
			}
			if t.Failed() {
				t.Logf("report:\n%s", text(rep))
			}
		})
	}
}

func TestDoctorGivenToken(t *testing.T) {
	g := newGatehouse(t)
	g.apply(fullSetup())
	first := run(t, g.config(t))
	if first.Count(doctor.StatusProblem) != 0 {
		t.Fatalf("password grant run has problems:\n%s", text(first))
	}
	// The doctor does not print the token; get one the way a user would
	// with kubelogin --grant-type=password and hand it over.
	cfg := g.config(t)
	cfg.Token = g.IDToken()
	cfg.Username, cfg.Password = "", ""
	rep := run(t, cfg)
	if rep.Count(doctor.StatusProblem) != 0 || rep.Count(doctor.StatusOK) != 9 {
		t.Fatalf("given-token run:\n%s", text(rep))
	}
}

func TestConfigValidateReportsEverything(t *testing.T) {
	err := (&doctor.Config{ExpectLifetime: -time.Hour}).Validate()
	if err == nil {
		t.Fatal("Validate accepted an empty config")
	}
	for _, want := range []string{"issuer is required", "client id is required", "give a user", "must be positive"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q: %v", want, err)
		}
	}
}

func TestGraphURLFor(t *testing.T) {
	for issuer, want := range map[string]string{
		"https://sts.windows.net/t/":                 "https://graph.microsoft.com",
		"https://login.microsoftonline.com/t/v2.0":   "https://graph.microsoft.com",
		"https://login.microsoftonline.us/t/v2.0":    "https://graph.microsoft.us",
		"https://127.0.0.1:8443/t/":                  "https://127.0.0.1:8443",
		"http://localhost:8080/contoso.example/v2.0": "http://localhost:8080",
	} {
		if got := doctor.GraphURLFor(issuer); got != want {
			t.Errorf("GraphURLFor(%s) = %s, want %s", issuer, got, want)
		}
	}
}

func TestParseKubeAuthnConfigReportsEverything(t *testing.T) {
	_, err := doctor.ParseKubeAuthnConfig([]byte("apiVersion: v1\nkind: ConfigMap\njwt:\n- issuer: {url: ''}\n"))
	if err == nil {
		t.Fatal("parse accepted a ConfigMap")
	}
	for _, want := range []string{"apiVersion", "kind", "issuer.url is empty", "audiences is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("parse error lacks %q: %v", want, err)
		}
	}
}

// TestDoctorPrintedFixWorks runs the curl command the doctor prints for an
// unmapped claim (as Graph calls) and checks that the claim then appears.
func TestDoctorPrintedFixWorks(t *testing.T) {
	g := newGatehouse(t)
	s := fullSetup()
	s.mapped = []string{"default_namespace"}
	g.apply(s)
	c, _ := run(t, g.config(t)).Check("claim:picture")
	m := regexp.MustCompile(`curl -X PATCH "([^"]+)"[^\n]*\n\s*-d '([^']+)'`).FindStringSubmatch(c.Fix)
	if m == nil {
		t.Fatalf("no PATCH command in the fix:\n%s", c.Fix)
	}
	g.graph("PATCH", strings.TrimPrefix(m[1], g.Base+"/v1.0/"), json.RawMessage(m[2]), http.StatusNoContent)
	rep := run(t, g.config(t))
	if c, _ := rep.Check("claim:picture"); c.Status != doctor.StatusOK {
		t.Fatalf("after the printed fix, claim:picture = %s:\n%s", c.Status, text(rep))
	}
}

// TestDoctorGraphDenied: an app registered without Graph permissions can
// sign users in, but the doctor cannot read its configuration; the Graph
// checks are skipped with what to look at by hand and the permission to add.
func TestDoctorGraphDenied(t *testing.T) {
	g := newGatehouse(t)
	app := g.graph("POST", "applications", map[string]any{"displayName": "no-graph",
		"web": map[string]any{"redirectUris": []string{"http://localhost:8000"}}}, http.StatusCreated)
	// As on Graph, the service principal is a separate object.
	sp := g.graph("POST", "servicePrincipals", map[string]any{"appId": app["appId"]}, http.StatusCreated)
	secret := g.graph("POST", "applications/"+app["id"].(string)+"/addPassword",
		map[string]any{"passwordCredential": map[string]any{"displayName": "doctor test"}}, http.StatusOK)
	// Users may sign in to it (an administrator consented to sign-in), but
	// it holds no Graph permission.
	client, err := g.Registry.Reader().GetServicePrincipal(context.Background(), g.Tenant, sp["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	g.Consent(t, client, "openid profile")

	cfg := g.config(t)
	cfg.ClientID, cfg.ClientSecret = app["appId"].(string), secret["secretText"].(string)
	cfg.KubeAuthnConfig = writeKubeAuthn(t, g.Issuer(1), cfg.ClientID)
	rep := run(t, cfg)
	for id, want := range map[string]struct {
		status doctor.Status
		text   string
	}{
		"graph_access":            {doctor.StatusOK, "carries no application permissions"},
		"redirect_uri":            {doctor.StatusSkipped, "Application.Read.All"},
		"token":                   {doctor.StatusOK, "password grant"},
		"claim:default_namespace": {doctor.StatusProblem, "Policy.Read.All"},
		"lifetime":                {doctor.StatusProblem, "could not be read"},
		"kube_authn":              {doctor.StatusOK, "accepts the token"},
	} {
		c, _ := rep.Check(id)
		flat := c.Summary + "\n" + strings.Join(c.Details, "\n") + "\n" + c.Fix
		if c.Status != want.status || !strings.Contains(flat, want.text) {
			t.Errorf("%s = %s, want %s mentioning %q:\n%s", id, c.Status, want.status, want.text, flat)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", text(rep))
	}
}
