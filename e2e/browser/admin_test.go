package browser_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// The guide's values: what the administrator configures for eks, as the
// Entra SSO guide does.
const (
	eksAppName = "eks"
	// addedPermission is added on API permissions to have something to
	// consent to: the seed already granted the guide's three.
	addedPermission = "Policy.Read.All"
	// guideNamespace is the user's default_namespace value for eks; unlike
	// the portal demo's team-a and team-b, so it can only come from eks.
	guideNamespace  = "team-payments"
	guidePolicyName = "Custom Access Token Lifetime"
	guideLifetime   = "04:00:00"
	// guideLifetimeSeconds is exp - iat of the ID tokens under the policy.
	guideLifetimeSeconds = 4 * 3600
)

// guidePermissions are the Graph application permissions the guide grants
// eks (the seed did).
var guidePermissions = []string{"Application.ReadWrite.All", "User.ReadWrite.All", "Policy.ReadWrite.ApplicationConfiguration"}

// guideClaims are the claims the guide adds, each from the directory schema
// extension of the same name on eks.
var guideClaims = []string{"default_namespace", "picture"}

// adminEnv is `gatehouse dev` with its admin centre, and what the guide's
// steps pass on to each other.
type adminEnv struct {
	srv       *harness.Server
	browser   browserTools
	kubelogin string
	admin     harness.DevUser // adele, Global Administrator
	user      harness.DevUser // alex, no directory role: the claims are his
	// picture is the URL set as alex's eks picture, served by the test.
	picture string
	// portalAddr is where the eks portal listens; its redirect URIs are
	// registered in the consent step, before it starts.
	portalAddr string
	// state carries the administrator's browser session between phases.
	state string
}

// TestAdminCentre: an administrator does the guide's click path for
// default_namespace and picture in the admin centre, in headless Chromium:
// API permissions and admin consent, the extension attributes created
// through Graph as the guide's curl does, Add new claim with a directory
// schema extension for both, the AADSTS50146 banner, the manifest's
// acceptMappedClaims, a 4-hour token lifetime policy. Then the real
// kubelogin gets an ID token with both claims and a 4-hour lifetime, and a
// portal signing in with eks shows the namespace and the avatar. A user
// without an administrator role is refused. Every page is saved as a
// screenshot.
func TestAdminCentre(t *testing.T) {
	a := startAdminEnv(t)
	t.Run("user without an admin role is refused", a.testRefused)
	for _, step := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"API permissions, admin consent and redirect URIs", a.testConsent},
		{"extension attributes through Graph as in the guide", a.createExtensions},
		{"Add new claim with directory schema extensions warns of AADSTS50146", a.testClaims},
		{"manifest acceptMappedClaims and a 4-hour token lifetime policy", a.testManifestAndLifetime},
		{"kubelogin gets both claims and a 4-hour ID token", a.testKubelogin},
		{"portal with the eks app shows the namespace and the avatar", a.testEKSPortal},
	} {
		if !t.Run(step.name, step.run) {
			t.Fatalf("step %q failed; the later steps build on it", step.name)
		}
	}
}

func startAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	a := &adminEnv{browser: requireBrowserTools(t), kubelogin: requireKubelogin(t)}
	a.srv = harness.Start(t)
	if a.srv.Config.AdminURL == "" {
		t.Fatalf("dev.json has no admin_url; want one (gatehouse dev starts the admin centre)")
	}
	a.admin, a.user = a.devUser(t, "adele"), a.devUser(t, "alex")
	a.picture = startAvatarServer(t, "alex")
	a.portalAddr = freeLoopbackAddr(t)
	a.state = filepath.Join(t.TempDir(), "admin-storage-state.json")
	t.Logf("admin centre %s", a.srv.Config.AdminURL)
	return a
}

func (a *adminEnv) devUser(t *testing.T, name string) harness.DevUser {
	t.Helper()
	for _, u := range a.srv.Config.Users {
		if strings.HasPrefix(u.UserPrincipalName, name+"@") {
			return u
		}
	}
	t.Fatalf("dev.json has no user %s@...", name)
	return harness.DevUser{}
}

// adminInput is an admin scenario's input. The admin centre signs in at the
// issuer's HTTP listener; PortalURL (the client under test) is the admin
// centre.
func (a *adminEnv) adminInput(params map[string]any) scenarioInput {
	cfg := a.srv.Config
	params["adminURL"] = cfg.AdminURL
	return scenarioInput{PortalURL: cfg.AdminURL, IssuerURL: cfg.HTTPBaseURL, Params: params}
}

// guideInput is the input of admin-guide.mjs for one phase.
func (a *adminEnv) guideInput(phase string) scenarioInput {
	cfg := a.srv.Config
	var claims []map[string]string
	for _, c := range guideClaims {
		claims = append(claims, map[string]string{"name": c})
	}
	return a.adminInput(map[string]any{
		"phase":        phase,
		"admin":        creds(a.admin),
		"storageState": a.state,
		"app":          map[string]string{"clientId": cfg.ClientID, "name": eksAppName},
		"sp":           cfg.ServicePrincipalID,
		"user":         map[string]string{"id": a.user.ID, "upn": a.user.UserPrincipalName},
		"permission":   addedPermission,
		"redirectURIs": a.portalRedirectURIs(),
		"claims":       claims,
		"policy":       map[string]string{"name": guidePolicyName, "lifetime": guideLifetime},
	})
}

func (a *adminEnv) portalRedirectURIs() []string {
	base := "http://" + a.portalAddr
	return []string{base + "/callback", base + "/signed-out"}
}

// extensionName is a directory extension's name on eks. Entra: extension
// names drop the dashes of the appId.
func (a *adminEnv) extensionName(name string) string {
	return "extension_" + strings.ReplaceAll(a.srv.Config.ClientID, "-", "") + "_" + name
}

// layoutNote is what of a screenshot's page did not fit the viewport's
// width (adminlib.mjs shot).
type layoutNote struct {
	Shot     string   `json:"shot"`
	Overflow int      `json:"overflow"`
	Clipped  []string `json:"clipped"`
}

// adminOutcome is what every admin scenario reports besides its own facts.
type adminOutcome struct {
	scenarioOutcome
	Layout []layoutNote `json:"layout"`
}

// logLayout logs the pages that do not fit a 1280-pixel-wide window, for
// whoever looks at the screenshots; they do not fail the test.
func logLayout(t *testing.T, name string, notes []layoutNote) {
	t.Helper()
	for _, n := range notes {
		t.Logf("layout: %s/%s scrolls %dpx sideways; cut-off tables: %v", name, n.Shot, n.Overflow, n.Clipped)
	}
}

// testRefused: alex, without a directory role, signs in to the admin
// centre.
func (a *adminEnv) testRefused(t *testing.T) {
	var got struct {
		adminOutcome
		Signin struct {
			Tenant string `json:"tenant"`
			Status int    `json:"status"`
		} `json:"signin"`
		Refused struct {
			Path     string `json:"path"`
			Title    string `json:"title"`
			User     string `json:"user"`
			Text     string `json:"text"`
			SignedIn bool   `json:"signedIn"`
			NavLinks int    `json:"navLinks"`
		} `json:"refused"`
		DeepLink struct {
			Path         string `json:"path"`
			Status       int    `json:"status"`
			Refused      bool   `json:"refused"`
			Applications bool   `json:"applications"`
		} `json:"deepLink"`
		SignedOut struct {
			Path  string `json:"path"`
			Title string `json:"title"`
		} `json:"signedOut"`
		Again struct {
			FormShown bool `json:"formShown"`
		} `json:"again"`
	}
	a.browser.runScenario(t, "admin-refused", "admin-refused", a.adminInput(map[string]any{"user": creds(a.user)}), &got)
	logLayout(t, "admin-refused", got.Layout)

	if got.Signin.Tenant != a.srv.Config.TenantDomain {
		t.Errorf("landing page offers tenant %q, want %q", got.Signin.Tenant, a.srv.Config.TenantDomain)
	}
	r := got.Refused
	if got.Signin.Status != 403 || r.Title != "You don't have access to the admin centre" {
		t.Fatalf("alex's sign-in ended with status %d on %q, want 403 and the refusal page", got.Signin.Status, r.Title)
	}
	if r.User != a.user.UserPrincipalName || !strings.Contains(r.Text, "Global Administrator") {
		t.Errorf("refusal page names %q and says %q; want %s and the roles that open the admin centre", r.User, r.Text, a.user.UserPrincipalName)
	}
	if r.SignedIn || r.NavLinks != 0 {
		t.Errorf("refusal page shows a sign-out button (%t) and %d navigation links; want neither: alex has no session", r.SignedIn, r.NavLinks)
	}
	if d := got.DeepLink; d.Status != 403 || !d.Refused || d.Applications {
		t.Errorf("alex opening /applications ended on %s with status %d (refused %t, app list %t); want the refusal again, not the page",
			d.Path, d.Status, d.Refused, d.Applications)
	}
	if got.SignedOut.Path != "/signed-out" || !got.Again.FormShown {
		t.Errorf("\"Sign in with another account\" went to %s (%q), then signing in showed the form: %t; want /signed-out and the form",
			got.SignedOut.Path, got.SignedOut.Title, got.Again.FormShown)
	}
}
