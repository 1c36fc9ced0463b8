package admin_test

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/admin"
	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// The admin centre against a real, in-process Gatehouse: adele signs in
// through Gatehouse's real sign-in form and walks the guide's click path by
// posting the admin centre's forms; then a real token (the password grant)
// must carry what she configured. alex, without a role, is refused.

type adminEnv struct {
	*testenv.Env
	admin string // the admin centre's base URL
	srv   *admin.Server
}

func startAdmin(t *testing.T) *adminEnv {
	t.Helper()
	e := testenv.Start(t)
	ctx := context.Background()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	if _, err := devenv.EnsureAdminCentre(ctx, e.Registry, e.Tenant, []string{base}); err != nil {
		t.Fatalf("EnsureAdminCentre: %v", err)
	}
	g, err := graph.New(graph.Config{Registry: e.Registry, Keys: e.Keys, Clock: e.Clock.Now, PublicURLs: []string{e.Base}})
	if err != nil {
		t.Fatalf("graph.New: %v", err)
	}
	a, err := admin.New(admin.Config{LoginBaseURL: e.Base, PublicURL: base, ClientID: devenv.AdminCentreClientID,
		DefaultTenant: devenv.TenantDomain, Registry: e.Registry, Graph: g, Store: e.Store, Clock: e.Clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("admin.New: %v", err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &adminEnv{Env: e, admin: base, srv: a}
}

// signIn follows the admin centre to Gatehouse's sign-in form, submits it
// and follows the redirect back; it returns the callback's answer.
func (e *adminEnv) signIn(t *testing.T, b *testenv.Browser, upn, password string) (*http.Response, string) {
	t.Helper()
	resp, _ := b.Get(e.admin + "/signin?next=/applications")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.Base+"/"+e.Tenant+"/oauth2/v2.0/authorize?") {
		t.Fatalf("GET /signin: status %d Location %q, want 302 to the tenant's v2.0 authorize", resp.StatusCode, loc)
	}
	resp, page := b.Get(loc)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: status %d, want the sign-in form\n%s", resp.StatusCode, page)
	}
	resp, body := b.SignIn(e.Base, page, upn, password)
	loc = resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, e.admin+"/callback?") {
		t.Fatalf("sign-in: status %d Location %q, want 302 to the admin centre's callback\n%s", resp.StatusCode, loc, body)
	}
	return b.Get(loc)
}

func (e *adminEnv) password(t *testing.T, id string) string {
	t.Helper()
	return e.User(id).Password
}

// page fetches an admin page and fails unless it answers want.
func page(t *testing.T, b *testenv.Browser, u string, want int) string {
	t.Helper()
	resp, body := b.Get(u)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", u, resp.StatusCode, want, body)
	}
	return body
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post submits an admin form with the page's CSRF token and fails unless
// it answers want; it returns the Location (for 303) and the body.
func post(t *testing.T, b *testenv.Browser, csrf, u string, form url.Values, want int) (string, string) {
	t.Helper()
	form.Set("csrf_token", csrf)
	resp, body := b.Post(u, form)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: status %d, want %d\n%s", u, resp.StatusCode, want, body)
	}
	return resp.Header.Get("Location"), body
}

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", body)
	}
	return m[1]
}

func textOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no element #%s on the page:\n%s", id, body)
	}
	return html.UnescapeString(m[1])
}

func TestAlexIsRefused(t *testing.T) {
	e := startAdmin(t)
	b := testenv.NewBrowser(t)
	resp, body := e.signIn(t, b, "alex@"+devenv.TenantDomain, e.password(t, devenv.DeveloperUserID))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="refused"`) {
		t.Fatalf("alex's callback: status %d, want 403 and the refused page\n%s", resp.StatusCode, body)
	}
	// No session was created: pages send alex to sign in again.
	resp, _ = b.Get(e.admin + "/applications")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("alex GET /applications: status %d Location %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRoleRemovedEndsTheSession(t *testing.T) {
	e := startAdmin(t)
	b := testenv.NewBrowser(t)
	if resp, body := e.signIn(t, b, "adele@"+devenv.TenantDomain, e.password(t, devenv.AdminUserID)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adele's callback: status %d, want 303\n%s", resp.StatusCode, body)
	}
	page(t, b, e.admin+"/users", http.StatusOK)
	ctx := context.Background()
	// The tenant keeps a Global Administrator: the registry refuses to
	// remove the last one.
	if _, err := e.Registry.CreateUser(ctx, e.System(), registryUser("ga2@"+devenv.TenantDomain, directory.RoleGlobalAdministrator)); err != nil {
		t.Fatal(err)
	}
	as, err := e.Registry.Reader().ListRoleAssignments(ctx, e.Tenant, store.RoleAssignmentFilter{PrincipalID: devenv.AdminUserID})
	if err != nil || len(as) == 0 {
		t.Fatalf("adele's role assignments: %v %v", as, err)
	}
	for _, a := range as {
		if err := e.Registry.RemoveRoleAssignment(ctx, e.System(), a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if body := page(t, b, e.admin+"/users", http.StatusForbidden); !strings.Contains(body, `id="refused"`) {
		t.Fatalf("after the role was removed: want the refused page\n%s", body)
	}
}

func TestGuideClickPath(t *testing.T) {
	e := startAdmin(t)
	b := testenv.NewBrowser(t)
	adelePassword := e.password(t, devenv.AdminUserID)
	resp, body := e.signIn(t, b, "adele@"+devenv.TenantDomain, adelePassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/applications" {
		t.Fatalf("adele's callback: status %d Location %q, want 303 to /applications\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	home := page(t, b, e.admin+"/", http.StatusOK)
	if got := textOf(t, home, "tenant-id"); got != e.Tenant {
		t.Fatalf("overview tenant id = %q, want %q", got, e.Tenant)
	}
	csrf := csrfOf(t, home)

	// A form without the session's CSRF token is refused.
	resp, _ = b.Post(e.admin+"/applications/new", url.Values{"display_name": {"x"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST without CSRF token: status %d, want 400", resp.StatusCode)
	}

	// Register an app with kubelogin's redirect URI, as the blog post does.
	loc, _ := post(t, b, csrf, e.admin+"/applications/new", url.Values{"display_name": {"guide"}, "sign_in_audience": {"AzureADMyOrg"},
		"platform": {"web"}, "redirect_uri": {"http://localhost:8000"}}, http.StatusSeeOther)
	objID := strings.TrimSuffix(strings.TrimPrefix(loc, "/applications/"), "?done=created")
	overview := page(t, b, e.admin+"/applications/"+objID, http.StatusOK)
	clientID := textOf(t, overview, "app-client-id")
	if got := textOf(t, overview, "app-object-id"); got != objID {
		t.Fatalf("overview object id = %q, want %q", got, objID)
	}
	if got := textOf(t, overview, "app-tenant-id"); got != e.Tenant {
		t.Fatalf("overview tenant id = %q, want %q", got, e.Tenant)
	}
	spLink := regexp.MustCompile(`href="/enterprise-applications/([0-9a-f-]+)" id="app-enterprise-link"`).FindStringSubmatch(overview)
	if spLink == nil {
		t.Fatalf("the registration has no enterprise application link:\n%s", overview)
	}
	spID := spLink[1]

	// Authentication: a second redirect URI and a bad one (Graph's message).
	base := e.admin + "/applications/" + objID
	post(t, b, csrf, base+"/authentication", url.Values{"web_redirect_uris": {"http://localhost:8000\nhttp://localhost:18000"},
		"allow_public_flows": {"no"}}, http.StatusSeeOther)
	_, bad := post(t, b, csrf, base+"/authentication", url.Values{"web_redirect_uris": {"ftp://example.com"}}, http.StatusBadRequest)
	if !strings.Contains(bad, `id="form-error"`) || !strings.Contains(bad, "web.redirectUris") {
		t.Fatalf("bad redirect URI: want Graph's validation message on the page\n%s", bad)
	}

	// Certificates & secrets: the new secret is shown once.
	_, secrets := post(t, b, csrf, base+"/secrets", url.Values{"description": {"kubelogin"}, "expires": {"180d"}}, http.StatusOK)
	secret := textOf(t, secrets, "new-secret-value")
	if again := page(t, b, base+"/secrets", http.StatusOK); strings.Contains(again, secret) {
		t.Fatalf("the secret is shown again on the secrets page")
	}

	// API permissions: add the guide's application permissions from
	// Graph's catalogue and grant admin consent.
	var ids []string
	for _, v := range []string{"Application.ReadWrite.All", "User.ReadWrite.All", "Policy.ReadWrite.ApplicationConfiguration"} {
		role, _ := directory.GraphAppRoleByValue(v)
		ids = append(ids, role.ID)
	}
	add := page(t, b, base+"/permissions/add?type=application", http.StatusOK)
	if !strings.Contains(add, `data-value="Application.ReadWrite.All"`) {
		t.Fatalf("the add-permission page does not list Graph's application permissions:\n%s", add)
	}
	post(t, b, csrf, base+"/permissions/add", url.Values{"type": {"Role"}, "permission": ids}, http.StatusSeeOther)
	perms := page(t, b, base+"/permissions", http.StatusOK)
	if !strings.Contains(perms, `data-permission="User.ReadWrite.All" data-type="Role" data-granted="false"`) {
		t.Fatalf("User.ReadWrite.All should be configured and not granted:\n%s", perms)
	}
	post(t, b, csrf, base+"/permissions/consent", url.Values{}, http.StatusSeeOther)
	perms = page(t, b, base+"/permissions", http.StatusOK)
	for _, v := range []string{"Application.ReadWrite.All", "User.ReadWrite.All", "Policy.ReadWrite.ApplicationConfiguration"} {
		if !strings.Contains(perms, `data-permission="`+v+`" data-type="Role" data-granted="true"`) {
			t.Fatalf("%s should be granted after admin consent:\n%s", v, perms)
		}
	}

	// Steps 4 and 5 are Graph calls: they work with the new app's secret
	// because consent was granted.
	_, tok := e.PostForm(e.TokenURL(2), url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID},
		"client_secret": {secret}, "scope": {"https://graph.microsoft.com/.default"}}, nil)
	access, _ := tok["access_token"].(string)
	if access == "" {
		t.Fatalf("client credentials with the new secret: %v", tok)
	}
	req, _ := http.NewRequest("POST", e.Base+"/v1.0/applications/"+objID+"/extensionProperties",
		strings.NewReader(`{"name":"default_namespace","dataType":"String","targetObjects":["User"]}`))
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := e.Client().Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create the extension property through Graph: %v %v", resp.StatusCode, err)
	}
	ext := directory.ExtensionName(clientID, "default_namespace")

	// Step 6 in the admin centre: the user's extension value.
	user := page(t, b, e.admin+"/users/"+devenv.AdminUserID, http.StatusOK)
	if !strings.Contains(user, `data-extension="`+ext+`"`) {
		t.Fatalf("adele's page does not offer %s:\n%s", ext, user)
	}
	post(t, b, csrf, e.admin+"/users/"+devenv.AdminUserID+"/extensions", url.Values{ext: {"team-guide"}}, http.StatusSeeOther)

	// Steps 7 and 8: Attributes & Claims, step by step.
	sso := e.admin + "/enterprise-applications/" + spID + "/sso"
	step := page(t, b, sso+"/claim?name=default_namespace&source=extension", http.StatusOK)
	if !strings.Contains(step, `name="app" value="`+objID+`"`) {
		t.Fatalf("Select Application does not list the app:\n%s", step)
	}
	step = page(t, b, sso+"/claim?name=default_namespace&source=extension&app="+objID, http.StatusOK)
	if !strings.Contains(step, "user.default_namespace") {
		t.Fatalf("Add Extension Attributes does not show user.default_namespace:\n%s", step)
	}
	step = page(t, b, sso+"/claim?name=default_namespace&source=extension&app="+objID+"&extension="+ext, http.StatusOK)
	if got := textOf(t, step, "review-attribute"); got != "user.default_namespace" {
		t.Fatalf("review shows %q, want user.default_namespace", got)
	}
	post(t, b, csrf, sso+"/claim", url.Values{"name": {"default_namespace"}, "source": {"extension"}, "app": {objID},
		"extension": {ext}}, http.StatusSeeOther)
	_, dup := post(t, b, csrf, sso+"/claim", url.Values{"name": {"default_namespace"}, "source": {"attribute"},
		"attribute": {"mail"}}, http.StatusBadRequest)
	if !strings.Contains(dup, "already exists") {
		t.Fatalf("a second claim of the same name: want a refusal\n%s", dup)
	}
	ssoPage := page(t, b, sso, http.StatusOK)
	if !strings.Contains(ssoPage, `data-claim="default_namespace"`) || !strings.Contains(ssoPage, `id="mapped-claims-banner"`) {
		t.Fatalf("the SSO page should list the claim and warn about AADSTS50146:\n%s", ssoPage)
	}
	test := page(t, b, e.admin+"/users/"+devenv.AdminUserID+"/signin-test?app="+objID+"&version=1", http.StatusOK)
	if !strings.Contains(test, "AADSTS50146") {
		t.Fatalf("the sign-in test should predict AADSTS50146:\n%s", test)
	}

	// Step 9: the manifest. A syntax error and a read-only change are shown
	// inline; then acceptMappedClaims is set.
	man := page(t, b, base+"/manifest", http.StatusOK)
	m := regexp.MustCompile(`(?s)<textarea id="manifest"[^>]*>(.*?)</textarea>`).FindStringSubmatch(man)
	if m == nil {
		t.Fatalf("no manifest editor:\n%s", man)
	}
	manifest := html.UnescapeString(m[1])
	_, bad = post(t, b, csrf, base+"/manifest", url.Values{"manifest": {manifest[:len(manifest)-2]}}, http.StatusBadRequest)
	if !strings.Contains(bad, `id="form-error"`) || !strings.Contains(bad, `aria-invalid="true"`) {
		t.Fatalf("a broken manifest should be refused inline:\n%s", bad)
	}
	var app map[string]any
	if err := json.Unmarshal([]byte(manifest), &app); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, manifest)
	}
	app["appId"] = "00000000-0000-0000-0000-000000000001"
	changed, _ := json.Marshal(app)
	_, bad = post(t, b, csrf, base+"/manifest", url.Values{"manifest": {string(changed)}}, http.StatusBadRequest)
	if !strings.Contains(bad, "read-only") {
		t.Fatalf("changing appId in the manifest should be refused:\n%s", bad)
	}
	app["appId"] = clientID
	app["api"].(map[string]any)["acceptMappedClaims"] = true
	changed, _ = json.MarshalIndent(app, "", "  ")
	post(t, b, csrf, base+"/manifest", url.Values{"manifest": {string(changed)}}, http.StatusSeeOther)
	if strings.Contains(page(t, b, sso, http.StatusOK), `id="mapped-claims-banner"`) {
		t.Fatalf("the AADSTS50146 banner stays after acceptMappedClaims was set")
	}

	// Token lifetime: the guide's 4 hour policy, created and assigned.
	post(t, b, csrf, base+"/token-lifetime", url.Values{"mode": {"new"}, "new_name": {"Custom Access Token Lifetime"},
		"new_lifetime": {"04:00:00"}}, http.StatusSeeOther)
	if lt := page(t, b, base+"/token-lifetime", http.StatusOK); !strings.Contains(lt, "4 hours") {
		t.Fatalf("the token lifetime tab should say 4 hours:\n%s", lt)
	}

	// The sign-in test now shows the claim and the lifetime...
	test = page(t, b, e.admin+"/users/"+devenv.AdminUserID+"/signin-test?app="+objID+"&version=1", http.StatusOK)
	if !strings.Contains(test, `data-claim="default_namespace"`) || !strings.Contains(test, "team-guide") ||
		textOf(t, test, "signin-test-lifetime") != "4 hours" {
		t.Fatalf("the sign-in test should show default_namespace = team-guide and 4 hours:\n%s", test)
	}
	// ...and a real token says the same (the guide's step 10).
	_, tok = e.PostForm(e.TokenURL(1), url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {secret},
		"username": {"adele@" + devenv.TenantDomain}, "password": {adelePassword}, "scope": {"openid"}}, nil)
	idt, _ := tok["id_token"].(string)
	if idt == "" {
		t.Fatalf("password grant: no ID token: %v", tok)
	}
	claims := testenv.ClaimsOf(t, idt)
	if claims["default_namespace"] != "team-guide" {
		t.Fatalf("ID token default_namespace = %v, want team-guide", claims["default_namespace"])
	}
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 4*3600 {
		t.Fatalf("ID token exp - iat = %v s, want 14400", life)
	}

	// Who changed what, per object.
	audit := page(t, b, base+"/audit", http.StatusOK)
	for _, want := range []string{"Update application – Manifest (api)", "Update application – API permissions", "Add policy to application"} {
		if !strings.Contains(audit, want) {
			t.Fatalf("the app's audit log lacks %q:\n%s", want, audit)
		}
	}
	if !strings.Contains(page(t, b, e.admin+"/audit", http.StatusOK), "adele@"+devenv.TenantDomain) {
		t.Fatalf("the audit log does not name adele")
	}

	// Deletes ask first; removing the claim through its confirmation page.
	confirm := page(t, b, sso+"/claim/delete?name=default_namespace", http.StatusOK)
	if !strings.Contains(confirm, `id="confirm-form"`) {
		t.Fatalf("no confirmation before removing a claim:\n%s", confirm)
	}
	post(t, b, csrf, sso+"/claim/delete", url.Values{"name": {"default_namespace"}}, http.StatusSeeOther)
	if strings.Contains(page(t, b, sso, http.StatusOK), `data-claim="default_namespace"`) {
		t.Fatalf("the claim is still listed after removing it")
	}
}

func TestPagesRender(t *testing.T) {
	e := startAdmin(t)
	b := testenv.NewBrowser(t)
	if body := page(t, b, e.admin+"/", http.StatusOK); !strings.Contains(body, `id="signin-form"`) {
		t.Fatalf("signed out, / should be the landing page:\n%s", body)
	}
	if body := page(t, b, e.admin+"/signin?tenant=nowhere.example", http.StatusNotFound); !strings.Contains(body, "There is no tenant named") {
		t.Fatalf("an unknown tenant should be named on the landing page:\n%s", body)
	}
	page(t, b, e.admin+"/signed-out", http.StatusOK)
	page(t, b, e.admin+"/static/admin.css", http.StatusOK)

	e.signIn(t, b, "adele@"+devenv.TenantDomain, e.password(t, devenv.AdminUserID))
	app, sp, user, group := "/applications/"+devenv.AppObjectID, "/enterprise-applications/"+devenv.AppSPID, "/users/"+devenv.AdminUserID, "/groups/"+devenv.PlatformGroupID
	for _, u := range []string{"/", "/applications", "/applications?q=eks", "/applications/new", app, app + "/authentication", app + "/secrets",
		app + "/token-configuration", app + "/permissions", app + "/permissions/add?type=delegated", app + "/manifest", app + "/token-lifetime",
		app + "/audit", app + "/delete", "/enterprise-applications", sp, sp + "/sso", sp + "/sso/claim", sp + "/sso/claim?name=x&source=extension",
		"/users", "/users/new", user, user + "/signin-test?app=" + devenv.AppObjectID + "&version=2", "/users/" + devenv.DeveloperUserID + "/delete",
		"/groups", "/groups/new", group, group + "/delete", "/token-lifetime-policies", "/token-lifetime-policies/new", "/audit",
		"/roles", "/roles/" + directory.RoleGlobalAdministrator, "/roles/" + directory.RoleUserAdministrator} {
		body := page(t, b, e.admin+u, http.StatusOK)
		if !strings.Contains(body, `id="page-title"`) {
			t.Fatalf("GET %s: no page title:\n%s", u, body)
		}
	}
	page(t, b, e.admin+"/applications/00000000-0000-0000-0000-000000000000", http.StatusNotFound)
	page(t, b, e.admin+"/nowhere", http.StatusNotFound)
	page(t, b, e.admin+user+"/delete", http.StatusBadRequest) // adele cannot delete herself

	// Sign-out ends the session and goes through the login host's logout.
	home := page(t, b, e.admin+"/", http.StatusOK)
	loc, _ := post(t, b, csrfOf(t, home), e.admin+"/signout", url.Values{}, http.StatusSeeOther)
	if !strings.HasPrefix(loc, e.Base+"/"+e.Tenant+"/oauth2/v2.0/logout?") {
		t.Fatalf("sign-out Location = %q, want the login host's logout", loc)
	}
	resp, _ := b.Get(e.admin + "/users")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out GET /users: status %d, want 303 to sign in", resp.StatusCode)
	}
}

// Each role is limited to what Graph lets it do: a User Administrator
// manages users but not applications; an Application Administrator manages
// applications but cannot grant Graph application permissions.
func TestRolesAreLimitedAsInGraph(t *testing.T) {
	e := startAdmin(t)
	ctx := context.Background()
	for _, tc := range []struct {
		upn, role string
	}{{"uma@" + devenv.TenantDomain, directory.RoleUserAdministrator}, {"ada@" + devenv.TenantDomain, directory.RoleApplicationAdministrator}} {
		if _, err := e.Registry.CreateUser(ctx, e.System(), registryUser(tc.upn, tc.role)); err != nil {
			t.Fatal(err)
		}
	}
	app := e.admin + "/applications/" + devenv.AppObjectID

	uma := testenv.NewBrowser(t)
	e.signIn(t, uma, "uma@"+devenv.TenantDomain, testPassword)
	body := page(t, uma, app+"/authentication", http.StatusOK)
	if strings.Contains(body, `id="save-authentication"`) {
		t.Fatalf("a User Administrator is offered to save an app's authentication")
	}
	_, denied := post(t, uma, csrfOf(t, body), app+"/authentication", url.Values{"web_redirect_uris": {"http://localhost:1"}}, http.StatusForbidden)
	if !strings.Contains(denied, "Insufficient privileges") {
		t.Fatalf("a User Administrator's app change should be refused in Graph's words:\n%s", denied)
	}
	post(t, uma, csrfOf(t, body), e.admin+"/users/"+devenv.DeveloperUserID, url.Values{"display_name": {"Alex W."}, "account_enabled": {"on"}}, http.StatusSeeOther)

	ada := testenv.NewBrowser(t)
	e.signIn(t, ada, "ada@"+devenv.TenantDomain, testPassword)
	body = page(t, ada, app+"/permissions", http.StatusOK)
	if strings.Contains(body, `id="grant-consent"`) || !strings.Contains(body, `id="consent-unavailable"`) {
		t.Fatalf("an Application Administrator should not be offered admin consent for Graph application permissions:\n%s", body)
	}
	post(t, ada, csrfOf(t, body), app+"/permissions/consent", url.Values{}, http.StatusForbidden)
	post(t, ada, csrfOf(t, body), app+"/authentication", url.Values{"web_redirect_uris": {"http://localhost:8000"}}, http.StatusSeeOther)
	post(t, ada, csrfOf(t, body), e.admin+"/users/"+devenv.DeveloperUserID, url.Values{"display_name": {"x"}, "account_enabled": {"on"}}, http.StatusForbidden)
}

// TestRolesAndAdministrators: a Global Administrator assigns and removes
// a role on its page, and the holder's powers follow at once; a User
// Administrator sees the roles but cannot assign them.
func TestRolesAndAdministrators(t *testing.T) {
	e := startAdmin(t)
	ctx := context.Background()
	b := testenv.NewBrowser(t)
	e.signIn(t, b, "adele@"+devenv.TenantDomain, e.password(t, devenv.AdminUserID))
	rolesURL := e.admin + "/roles/" + directory.RoleUserAdministrator
	body := page(t, b, rolesURL, http.StatusOK)
	if !strings.Contains(body, `id="add-assignment-form"`) || !strings.Contains(body, devenv.DeveloperUserID) {
		t.Fatalf("User Administrator page: no form offering alex:\n%s", body)
	}
	post(t, b, csrfOf(t, body), rolesURL+"/assignments", url.Values{"principal_id": {devenv.DeveloperUserID}}, http.StatusSeeOther)
	as, err := e.Registry.Reader().ListRoleAssignments(ctx, e.Tenant, store.RoleAssignmentFilter{PrincipalID: devenv.DeveloperUserID})
	if err != nil || len(as) != 1 || as[0].RoleDefinitionID != directory.RoleUserAdministrator {
		t.Fatalf("alex's role assignments after Add: %v (%v)", as, err)
	}
	body = page(t, b, rolesURL+"?done=role-assigned", http.StatusOK)
	if !strings.Contains(body, `data-holder="`) || !strings.Contains(body, "/assignments/"+as[0].ID+"/remove") {
		t.Fatalf("the page does not list alex's assignment:\n%s", body)
	}
	if list := page(t, b, e.admin+"/roles", http.StatusOK); !strings.Contains(list, `id="roles-table"`) {
		t.Fatal("no roles table")
	}

	// alex, now a User Administrator, opens the admin centre and sees the
	// roles, but may not assign them.
	alex := testenv.NewBrowser(t)
	e.signIn(t, alex, "alex@"+devenv.TenantDomain, e.password(t, devenv.DeveloperUserID))
	ab := page(t, alex, rolesURL, http.StatusOK)
	if strings.Contains(ab, `id="add-assignment-form"`) {
		t.Fatal("a User Administrator is offered to assign roles")
	}
	post(t, alex, csrfOf(t, ab), rolesURL+"/assignments", url.Values{"principal_id": {devenv.AdminUserID}}, http.StatusForbidden)

	post(t, b, csrfOf(t, body), rolesURL+"/assignments/"+as[0].ID+"/remove", url.Values{}, http.StatusSeeOther)
	if as, _ := e.Registry.Reader().ListRoleAssignments(ctx, e.Tenant, store.RoleAssignmentFilter{PrincipalID: devenv.DeveloperUserID}); len(as) != 0 {
		t.Fatalf("alex still holds %v", as)
	}
	if resp, _ := alex.Get(rolesURL); resp.StatusCode == http.StatusOK {
		t.Fatal("alex's admin centre session outlived his only role")
	}
	// Adele cannot remove the last Global Administrator: herself.
	ga, _ := e.Registry.Reader().ListRoleAssignments(ctx, e.Tenant, store.RoleAssignmentFilter{PrincipalID: devenv.AdminUserID})
	gaURL := e.admin + "/roles/" + directory.RoleGlobalAdministrator
	gb := page(t, b, gaURL, http.StatusOK)
	post(t, b, csrfOf(t, gb), gaURL+"/assignments/"+ga[0].ID+"/remove", url.Values{}, http.StatusBadRequest)
}

const testPassword = "Role-Test-Pa55"

func registryUser(upn, role string) registry.UserSpec {
	return registry.UserSpec{UserPrincipalName: upn, DisplayName: upn, Password: testPassword, DirectoryRoles: []string{role}}
}
