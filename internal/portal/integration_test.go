package portal

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// The portal against a real, in-process Gatehouse login host: the demo
// tenant, a "portal" app registration with a client secret, and a claims
// mapping policy that puts the directory extensions default_namespace and
// picture into its ID tokens (the guide's steps 5–9, done through the
// registry). The browser signs in through Gatehouse's real sign-in form.

// gatehouseEnv is Gatehouse with the portal registered, and the portal
// signing in there.
type gatehouseEnv struct {
	*testenv.Env
	portalClientID    string
	portalSecret      string
	portalBase        string
	portalSrv         *httptest.Server
	st                *trackedStore
	portal            *Server
	namespaceExt      string
	pictureExt        string
	portalAppObjectID string
}

func newGatehouseEnv(t *testing.T, version int) *gatehouseEnv {
	t.Helper()
	ctx := context.Background()
	g := &gatehouseEnv{Env: testenv.Start(t, testenv.WithClock(testenv.StoppedClock(time.Now().Truncate(time.Second))))}

	g.portalSrv = httptest.NewUnstartedServer(nil)
	g.portalBase = "http://" + g.portalSrv.Listener.Addr().String()

	// Register the portal as an app, as the dev seed will.
	app, sp, err := g.Registry.CreateApplication(ctx, g.System(), registry.ApplicationSpec{DisplayName: "portal",
		WebRedirectURIs: []string{g.portalBase + "/callback", g.portalBase + "/signed-out"}}, nil)
	if err != nil {
		t.Fatalf("register portal app: %v", err)
	}
	g.portalClientID, g.portalAppObjectID = app.AppID, app.ID
	g.Consent(t, sp, "openid profile email offline_access User.Read")
	if g.portalSecret, _, err = g.Registry.AddPassword(ctx, g.System(), app.ID, "portal", 0); err != nil {
		t.Fatalf("add portal secret: %v", err)
	}
	// Directory extensions on the app, values on Adele, a claims mapping
	// policy on its service principal, and acceptMappedClaims.
	for _, name := range []string{"default_namespace", "picture"} {
		if _, err := g.Registry.CreateExtensionProperty(ctx, g.System(), app.ID, registry.ExtensionSpec{Name: name, DataType: "String",
			TargetObjects: []string{"User"}}); err != nil {
			t.Fatalf("create extension %s: %v", name, err)
		}
	}
	g.namespaceExt = directory.ExtensionName(app.AppID, "default_namespace")
	g.pictureExt = directory.ExtensionName(app.AppID, "picture")
	g.setExtensions(t, devenv.AdminUserID, "team-a", "https://cdn.example.com/adele.png")
	pol, err := g.Registry.CreatePolicy(ctx, g.System(), directory.PolicyClaimsMapping, registry.PolicySpec{DisplayName: "portal claims",
		Definition: []string{`{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[` +
			`{"Source":"user","ExtensionID":"` + g.namespaceExt + `","JwtClaimType":"default_namespace"},` +
			`{"Source":"user","ExtensionID":"` + g.pictureExt + `","JwtClaimType":"picture"}]}}`}})
	if err != nil {
		t.Fatalf("create claims mapping policy: %v", err)
	}
	if err := g.Registry.AssignPolicy(ctx, g.System(), directory.PolicyClaimsMapping, pol.ID, sp.ID, "servicePrincipal"); err != nil {
		t.Fatalf("assign policy: %v", err)
	}
	accept := true
	if _, err := g.Store.UpdateApplication(ctx, g.Tenant, app.ID, func(a *directory.Application) error {
		a.API.AcceptMappedClaims = &accept
		return nil
	}); err != nil {
		t.Fatalf("acceptMappedClaims: %v", err)
	}

	// The portal keeps its state in the login host's database, as `gatehouse
	// dev` runs them.
	g.st = trackStore(t, g.Store)
	g.portal, err = New(g.st, Config{IssuerURL: g.Issuer(version), ClientID: g.portalClientID, ClientSecret: g.portalSecret,
		RedirectURL: g.portalBase + "/callback", Clock: g.Clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("portal.New: %v", err)
	}
	g.portalSrv.Config.Handler = g.portal.Handler()
	g.portalSrv.Start()
	t.Cleanup(g.portalSrv.Close)
	return g
}

func (g *gatehouseEnv) setExtensions(t *testing.T, userID, namespace, picture string) {
	t.Helper()
	if _, err := g.Registry.UpdateUser(context.Background(), g.System(), userID, func(u *directory.User) error {
		if u.Extensions == nil {
			u.Extensions = map[string]any{}
		}
		u.Extensions[g.namespaceExt] = namespace
		u.Extensions[g.pictureExt] = picture
		return nil
	}); err != nil {
		t.Fatalf("set extension values: %v", err)
	}
}

// signInThroughGatehouse follows the portal to Gatehouse, submits its real
// sign-in form and follows the redirect back to the portal's callback.
func (g *gatehouseEnv) signInThroughGatehouse(t *testing.T, b *testenv.Browser, upn, password string) *http.Response {
	t.Helper()
	resp, _ := b.Get(g.portalBase + "/signin?next=/account")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), g.Base+"/"+g.Tenant+"/oauth2/") {
		t.Fatalf("portal /signin: status %d Location %q, want 302 to Gatehouse's authorize", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := b.Get(resp.Header.Get("Location"))
	if resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), g.portalBase+"/callback?") {
		// Gatehouse's own session: single sign-on without the form.
		return g.followCallback(t, b, resp.Header.Get("Location"))
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Gatehouse authorize: status %d, want the sign-in form\n%s", resp.StatusCode, page)
	}
	resp, body := b.SignIn(g.Base, page, upn, password)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), g.portalBase+"/callback?") {
		t.Fatalf("Gatehouse sign-in: status %d Location %q, want 302 to the portal's callback\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return g.followCallback(t, b, resp.Header.Get("Location"))
}

func (g *gatehouseEnv) followCallback(t *testing.T, b *testenv.Browser, callback string) *http.Response {
	t.Helper()
	cb, body := b.Get(callback)
	if cb.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal callback: status %d, want 303\n%s", cb.StatusCode, body)
	}
	return cb
}

func TestSignInWithGatehouse(t *testing.T) {
	for _, version := range []int{1, 2} {
		t.Run(map[int]string{1: "v1 issuer", 2: "v2 issuer"}[version], func(t *testing.T) {
			g := newGatehouseEnv(t, version)
			b := testenv.NewBrowser(t)
			adele := g.Users[0]
			cb := g.signInThroughGatehouse(t, b, adele.UserPrincipalName, adele.Password)
			if cb.Header.Get("Location") != "/account" {
				t.Fatalf("callback redirects to %q, want /account", cb.Header.Get("Location"))
			}

			// The session: in the store, with tokens, for Adele.
			sess := onlySessionOf(t, g.st)
			if sess.IDToken == "" || sess.RefreshToken == "" {
				t.Fatalf("session has ID token %v and refresh token %v; want both (offline_access)", sess.IDToken != "", sess.RefreshToken != "")
			}
			if sess.Profile.Name != "Adele Vance" || !strings.EqualFold(sess.Profile.Username, adele.UserPrincipalName) {
				t.Fatalf("profile = %+v, want Adele Vance / %s", sess.Profile, adele.UserPrincipalName)
			}

			// Settings from the default_namespace claim.
			st, err := g.st.GetPortalSettings(t.Context(), sess.Issuer, sess.Subject)
			if err != nil {
				t.Fatalf("settings after sign-in: %v", err)
			}
			if st.DefaultNamespace != "team-a" || st.DefaultNamespaceSource != SourceClaim ||
				len(st.AllowedNamespaces) != 1 || st.AllowedNamespaces[0] != ns("team-a", SourceClaim) {
				t.Fatalf("settings = %+v, want default and allowed [team-a] from the claim", st)
			}

			// The avatar from the picture claim, in the header and on the account page.
			resp, page := b.Get(g.portalBase + "/account")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /account: status %d", resp.StatusCode)
			}
			for _, want := range []string{`src="https://cdn.example.com/adele.png" alt="" data-avatar="header" referrerpolicy="no-referrer"`,
				`data-avatar="account"`, `value="team-a"`, "Adele Vance"} {
				if !strings.Contains(page, want) {
					t.Errorf("account page lacks %s", want)
				}
			}
			if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "img-src 'self' data: https://cdn.example.com") {
				t.Errorf("CSP does not allow the picture's origin: %s", resp.Header.Get("Content-Security-Policy"))
			}

			// A changed claim updates settings the user has not changed.
			g.setExtensions(t, devenv.AdminUserID, "team-b", "https://cdn.example.com/adele.png")
			g.signInThroughGatehouse(t, b, adele.UserPrincipalName, adele.Password)
			if st, _ := g.st.GetPortalSettings(t.Context(), sess.Issuer, sess.Subject); st.DefaultNamespace != "team-b" {
				t.Fatalf("after the claim changed, default namespace = %q, want team-b", st.DefaultNamespace)
			}

			// Proactive refresh at Gatehouse's real token endpoint.
			before := onlySessionOf(t, g.st)
			g.Clock.Advance(before.IDTokenExp.Sub(g.Clock.Now()) - time.Minute)
			if resp, body := b.Get(g.portalBase + "/account"); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /account in the refresh margin: status %d\n%s", resp.StatusCode, body)
			}
			after := onlySessionOf(t, g.st)
			if after.IDToken == before.IDToken || after.Subject != before.Subject || after.RefreshedAt == nil {
				t.Fatalf("refresh: new ID token %v, same subject %v, RefreshedAt %v", after.IDToken != before.IDToken,
					after.Subject == before.Subject, after.RefreshedAt)
			}

			// RP-initiated logout at Gatehouse comes back to /signed-out.
			_, page = b.Get(g.portalBase + "/account")
			resp, _ = b.Post(g.portalBase+"/signout", url.Values{"csrf_token": {csrfOf(t, page)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out: status %d", resp.StatusCode)
			}
			resp, _ = b.Get(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != g.portalBase+"/signed-out" {
				t.Fatalf("Gatehouse logout: status %d Location %q, want 302 to the portal's /signed-out", resp.StatusCode, resp.Header.Get("Location"))
			}
			if g.st.sessionCount() != 0 {
				t.Fatalf("the portal session survived sign-out")
			}
		})
	}
}
