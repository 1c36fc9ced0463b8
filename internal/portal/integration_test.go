package portal

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// The portal against a real, in-process Gatehouse login host: the demo
// tenant, a "portal" app registration with a client secret, and a claims
// mapping policy that puts the directory extensions default_namespace and
// picture into its ID tokens (the guide's steps 5–9, done through the
// registry). The browser signs in through Gatehouse's real sign-in form.

type gatehouseEnv struct {
	base, tenant      string
	clientID, secret  string
	users             []devenv.User
	portalBase        string
	portalSrv         *httptest.Server
	clock             *testClock
	st                *trackedStore
	portal            *Server
	namespaceExt      string
	pictureExt        string
	reg               *registry.Registry
	portalAppObjectID string
}

func newGatehouseEnv(t *testing.T, version int) *gatehouseEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &testClock{now: time.Now().Truncate(time.Second)}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"), sqlite.WithClock(clock.Now))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	km, err := keys.NewManager(ctx, keys.Config{Store: st, Clock: clock.Now})
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	reg := registry.New(st, clock.Now)
	secrets, err := devenv.Seed(ctx, reg, dir)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	idp := httptest.NewUnstartedServer(nil)
	g := &gatehouseEnv{base: "http://" + idp.Listener.Addr().String(), tenant: devenv.TenantID, users: secrets.Users,
		clock: clock, reg: reg}
	h, err := server.Handler(server.Config{Store: st, Registry: reg, Keys: km, Clock: clock.Now,
		Logger: slog.New(slog.DiscardHandler), PublicURLs: []string{g.base}})
	if err != nil {
		t.Fatalf("gatehouse handler: %v", err)
	}
	idp.Config.Handler = h
	idp.Start()
	t.Cleanup(idp.Close)

	g.portalSrv = httptest.NewUnstartedServer(nil)
	g.portalBase = "http://" + g.portalSrv.Listener.Addr().String()

	// Register the portal as an app, as the dev seed will.
	app, sp, err := reg.RegisterApplication(ctx, g.tenant, registry.ApplicationSpec{DisplayName: "portal",
		WebRedirectURIs: []string{g.portalBase + "/callback", g.portalBase + "/signed-out"}})
	if err != nil {
		t.Fatalf("register portal app: %v", err)
	}
	g.clientID, g.portalAppObjectID = app.AppID, app.ID
	if g.secret, _, err = reg.AddPassword(ctx, g.tenant, app.ID, "portal", 0); err != nil {
		t.Fatalf("add portal secret: %v", err)
	}
	// Directory extensions on the app, values on Adele, a claims mapping
	// policy on its service principal, and acceptMappedClaims.
	for _, name := range []string{"default_namespace", "picture"} {
		if _, err := reg.CreateExtensionProperty(ctx, g.tenant, app.ID, registry.ExtensionSpec{Name: name, DataType: "String",
			TargetObjects: []string{"User"}}); err != nil {
			t.Fatalf("create extension %s: %v", name, err)
		}
	}
	g.namespaceExt = directory.ExtensionName(app.AppID, "default_namespace")
	g.pictureExt = directory.ExtensionName(app.AppID, "picture")
	g.setExtensions(t, devenv.AdminUserID, "team-a", "https://cdn.example.com/adele.png")
	pol, err := reg.CreatePolicy(ctx, g.tenant, directory.PolicyClaimsMapping, registry.PolicySpec{DisplayName: "portal claims",
		Definition: []string{`{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[` +
			`{"Source":"user","ExtensionID":"` + g.namespaceExt + `","JwtClaimType":"default_namespace"},` +
			`{"Source":"user","ExtensionID":"` + g.pictureExt + `","JwtClaimType":"picture"}]}}`}})
	if err != nil {
		t.Fatalf("create claims mapping policy: %v", err)
	}
	if err := reg.AssignPolicy(ctx, g.tenant, directory.PolicyClaimsMapping, pol.ID, sp.ID, "servicePrincipal"); err != nil {
		t.Fatalf("assign policy: %v", err)
	}
	accept := true
	if _, err := st.UpdateApplication(ctx, g.tenant, app.ID, func(a *directory.Application) error {
		a.API.AcceptMappedClaims = &accept
		return nil
	}); err != nil {
		t.Fatalf("acceptMappedClaims: %v", err)
	}

	issuer := g.base + "/" + g.tenant + "/"
	if version == 2 {
		issuer = g.base + "/" + g.tenant + "/v2.0"
	}
	// The portal keeps its state in the login host's database, as `gatehouse
	// dev` runs them.
	g.st = trackStore(t, st)
	g.portal, err = New(g.st, Config{IssuerURL: issuer, ClientID: g.clientID, ClientSecret: g.secret,
		RedirectURL: g.portalBase + "/callback", Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)})
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
	if _, err := g.reg.UpdateUser(context.Background(), g.tenant, userID, func(u *directory.User) error {
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

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

func unescapeHTML(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// signInThroughGatehouse follows the portal to Gatehouse, submits its real
// sign-in form and follows the redirect back to the portal's callback.
func (g *gatehouseEnv) signInThroughGatehouse(t *testing.T, b *browser, upn, password string) *http.Response {
	t.Helper()
	resp, _ := b.get(g.portalBase + "/signin?next=/account")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), g.base+"/"+g.tenant+"/oauth2/") {
		t.Fatalf("portal /signin: status %d Location %q, want 302 to Gatehouse's authorize", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := b.get(resp.Header.Get("Location"))
	if resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), g.portalBase+"/callback?") {
		// Gatehouse's own session: single sign-on without the form.
		return g.followCallback(t, b, resp.Header.Get("Location"))
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Gatehouse authorize: status %d, want the sign-in form\n%s", resp.StatusCode, page)
	}
	m := formActionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sign-in form on Gatehouse's page:\n%s", page)
	}
	form := url.Values{"username": {upn}, "password": {password}}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], unescapeHTML(h[2]))
	}
	resp, body := b.post(g.base+unescapeHTML(m[1]), form)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), g.portalBase+"/callback?") {
		t.Fatalf("Gatehouse sign-in: status %d Location %q, want 302 to the portal's callback\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return g.followCallback(t, b, resp.Header.Get("Location"))
}

func (g *gatehouseEnv) followCallback(t *testing.T, b *browser, callback string) *http.Response {
	t.Helper()
	cb, body := b.get(callback)
	if cb.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal callback: status %d, want 303\n%s", cb.StatusCode, body)
	}
	return cb
}

func TestSignInWithGatehouse(t *testing.T) {
	for _, version := range []int{1, 2} {
		t.Run(map[int]string{1: "v1 issuer", 2: "v2 issuer"}[version], func(t *testing.T) {
			g := newGatehouseEnv(t, version)
			b := newBrowser(t)
			adele := g.users[0]
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
			resp, page := b.get(g.portalBase + "/account")
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
			g.clock.Advance(before.IDTokenExp.Sub(g.clock.Now()) - time.Minute)
			if resp, body := b.get(g.portalBase + "/account"); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /account in the refresh margin: status %d\n%s", resp.StatusCode, body)
			}
			after := onlySessionOf(t, g.st)
			if after.IDToken == before.IDToken || after.Subject != before.Subject || after.RefreshedAt == nil {
				t.Fatalf("refresh: new ID token %v, same subject %v, RefreshedAt %v", after.IDToken != before.IDToken,
					after.Subject == before.Subject, after.RefreshedAt)
			}

			// RP-initiated logout at Gatehouse comes back to /signed-out.
			_, page = b.get(g.portalBase + "/account")
			resp, _ = b.post(g.portalBase+"/signout", url.Values{"csrf_token": {csrfOf(t, page)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-out: status %d", resp.StatusCode)
			}
			resp, _ = b.get(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != g.portalBase+"/signed-out" {
				t.Fatalf("Gatehouse logout: status %d Location %q, want 302 to the portal's /signed-out", resp.StatusCode, resp.Header.Get("Location"))
			}
			if g.st.sessionCount() != 0 {
				t.Fatalf("the portal session survived sign-out")
			}
		})
	}
}
