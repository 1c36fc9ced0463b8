package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", page)
	}
	return m[1]
}

func TestCallbackErrors(t *testing.T) {
	e := newPortalEnv(t, nil)

	t.Run("missing state is 400", func(t *testing.T) {
		resp, body := testenv.NewBrowser(t).Get(e.url("/callback?code=abc"))
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("callback without state: status %d, want 400", resp.StatusCode)
		}
		if !strings.Contains(body, `href="/signin"`) {
			t.Fatalf("the error page offers no way to start again:\n%s", body)
		}
	})

	t.Run("unknown state is 400", func(t *testing.T) {
		resp, _ := testenv.NewBrowser(t).Get(e.url("/callback?code=abc&state=never-issued"))
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("callback with an unknown state: status %d, want 400", resp.StatusCode)
		}
	})

	t.Run("reused state is 400", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		resp, _ := b.Get(e.url("/signin"))
		cb := e.iss.approve(resp.Header.Get("Location"), "alice", nil)
		if first, _ := b.Get(cb); first.StatusCode != http.StatusSeeOther {
			t.Fatalf("first callback: status %d, want 303", first.StatusCode)
		}
		if again, _ := b.Get(cb); again.StatusCode != http.StatusBadRequest {
			t.Fatalf("the same callback again: status %d, want 400", again.StatusCode)
		}
	})

	t.Run("expired state is 400", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		resp, _ := b.Get(e.url("/signin"))
		cb := e.iss.approve(resp.Header.Get("Location"), "alice", nil)
		e.clock.Advance(16 * time.Minute)
		defer e.clock.Advance(-16 * time.Minute)
		if got, _ := b.Get(cb); got.StatusCode != http.StatusBadRequest {
			t.Fatalf("callback after 16 minutes: status %d, want 400", got.StatusCode)
		}
	})

	t.Run("state of another browser is 400", func(t *testing.T) {
		resp, _ := testenv.NewBrowser(t).Get(e.url("/signin"))
		cb := e.iss.approve(resp.Header.Get("Location"), "alice", nil)
		got, _ := testenv.NewBrowser(t).Get(cb)
		if got.StatusCode != http.StatusBadRequest {
			t.Fatalf("callback in another browser: status %d, want 400", got.StatusCode)
		}
		if e.st.sessionCount() != 1 { // only the "reused state" subtest's
			t.Fatalf("a refused callback created a session")
		}
	})

	t.Run("issuer error is 400 and shown", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		resp, _ := b.Get(e.url("/signin"))
		state := mustQuery(t, resp.Header.Get("Location")).Get("state")
		got, body := b.Get(e.url("/callback?" + url.Values{"state": {state}, "error": {"access_denied"},
			"error_description": {"AADSTS65004: User declined to consent."}}.Encode()))
		if got.StatusCode != http.StatusBadRequest || !strings.Contains(body, "AADSTS65004") {
			t.Fatalf("callback with error=access_denied: status %d, want 400 with the description; body:\n%s", got.StatusCode, body)
		}
	})

	t.Run("token exchange failure is 502", func(t *testing.T) {
		e.iss.exchangeError = "invalid_grant"
		defer func() { e.iss.exchangeError = "" }()
		b := testenv.NewBrowser(t)
		resp, _ := b.Get(e.url("/signin"))
		got, body := b.Get(e.iss.approve(resp.Header.Get("Location"), "alice", nil))
		if got.StatusCode != http.StatusBadGateway {
			t.Fatalf("callback when the issuer refuses the code: status %d, want 502", got.StatusCode)
		}
		if !strings.Contains(body, "invalid_grant") {
			t.Fatalf("the page does not say what the issuer answered:\n%s", body)
		}
		if c := sessionCookieOf(got); c != nil {
			t.Fatalf("a failed exchange set a session cookie")
		}
	})

	t.Run("nonce mismatch is refused", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		resp, _ := b.Get(e.url("/signin"))
		loc := resp.Header.Get("Location")
		u, _ := url.Parse(loc)
		q := u.Query()
		q.Set("nonce", "forged")
		u.RawQuery = q.Encode()
		got, _ := b.Get(e.iss.approve(u.String(), "alice", nil))
		if got.StatusCode != http.StatusBadGateway {
			t.Fatalf("callback with an ID token for another nonce: status %d, want 502", got.StatusCode)
		}
	})
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u.Query()
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	return nil
}

func TestSignInStartsSession(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	claims := map[string]any{"name": "Adele Vance", "preferred_username": "adele@contoso.example",
		"default_namespace": "team-a", "picture": "https://cdn.example.com/adele.png"}
	resp := e.signIn(b, "adele", claims)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d, want 303", resp.StatusCode)
	}
	c := sessionCookieOf(resp)
	if c == nil {
		t.Fatalf("callback set no session cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Fatalf("session cookie HttpOnly=%v SameSite=%v Secure=%v; want HttpOnly, Lax, not Secure over http", c.HttpOnly, c.SameSite, c.Secure)
	}
	if len(c.Value) != 43 {
		t.Fatalf("session cookie is %d characters, want a 256-bit random secret (43)", len(c.Value))
	}

	page, body := b.Get(e.url("/account"))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /account: status %d", page.StatusCode)
	}
	for _, want := range []string{"Adele Vance", `id="default_namespace" name="default_namespace" type="text" value="team-a"`,
		`data-namespace="team-a" data-source="claim"`, `data-avatar="header"`, `data-avatar="account"`,
		`src="https://cdn.example.com/adele.png"`, `referrerpolicy="no-referrer"`, `id="session-remaining"`} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %s", want)
		}
	}
	// Tokens stay on the server.
	sess := onlySession(t, e)
	for _, secret := range []string{sess.IDToken, sess.RefreshToken, sess.AccessToken} {
		if secret != "" && strings.Contains(body, secret) {
			t.Fatalf("the account page contains a token")
		}
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "img-src 'self' data: https://cdn.example.com", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Errorf("page has inline script or event handler attributes")
	}
	st, err := e.st.GetPortalSettings(t.Context(), sess.Issuer, sess.Subject)
	if err != nil || st.DefaultNamespace != "team-a" || st.DefaultNamespaceSource != SourceClaim {
		t.Fatalf("stored settings = %+v, %v; want default team-a from the claim", st, err)
	}
}

func onlySession(t *testing.T, e *portalEnv) *Session {
	t.Helper()
	return onlySessionOf(t, e.st)
}

func TestUnsafePictureFallsBackToInitials(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "alex", map[string]any{"name": "Alex Wilber", "picture": "javascript:alert(1)"})
	_, body := b.Get(e.url("/account"))
	if strings.Contains(body, "<img") || strings.Contains(body, "javascript:") {
		t.Fatalf("an unsafe picture claim reached the page")
	}
	if !strings.Contains(body, `data-avatar-state="initials"`) || !strings.Contains(body, ">AW<") {
		t.Fatalf("no initials avatar for a user without a usable picture")
	}
}

func TestSignedOutPagesDoNotLoop(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	resp, body := b.Get(e.url("/"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="signin-button"`) {
		t.Fatalf("GET / signed out: status %d, want the welcome page with a sign-in button", resp.StatusCode)
	}
	resp, _ = b.Get(e.url("/namespaces/team-a/pods"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Fnamespaces%2Fteam-a%2Fpods" {
		t.Fatalf("protected page signed out: status %d, Location %q; want 303 to sign-in with next", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestReturnToIsLocal(t *testing.T) {
	for in, want := range map[string]string{
		"/namespaces/a?x=1":     "/namespaces/a?x=1",
		"https://evil.example/": "/",
		"//evil.example/":       "/",
		`/\evil.example`:        "/",
		"account":               "/",
		"":                      "/",
	} {
		if got := safeReturnTo(in); got != want {
			t.Errorf("safeReturnTo(%q) = %q, want %q", in, got, want)
		}
	}
}

// refreshEnv signs in and moves the clock into the refresh margin.
func refreshEnv(t *testing.T, mode string) (*portalEnv, *testenv.Browser) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", map[string]any{"name": "Adele Vance"})
	e.iss.refreshMode = mode
	e.clock.Advance(59 * time.Minute)
	return e, b
}

func TestRefreshBeforeExpiry(t *testing.T) {
	e, b := refreshEnv(t, "")
	before := onlySession(t, e)
	resp, _ := b.Get(e.url("/account"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /account in the refresh margin: status %d, want 200", resp.StatusCode)
	}
	after := onlySession(t, e)
	if e.iss.refreshCalls != 1 || after.IDToken == before.IDToken || after.RefreshToken == before.RefreshToken {
		t.Fatalf("refresh calls %d, ID token changed %v, refresh token rotated %v; want one refresh with new tokens",
			e.iss.refreshCalls, after.IDToken != before.IDToken, after.RefreshToken != before.RefreshToken)
	}
	if after.RefreshLease != "" {
		t.Fatalf("the refresh lease was not released")
	}
}

func TestRefreshWithoutIDTokenKeepsTheOldOne(t *testing.T) {
	e, b := refreshEnv(t, "no-id-token")
	before := onlySession(t, e)
	if resp, _ := b.Get(e.url("/account")); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /account: status %d, want 200 with the kept ID token", resp.StatusCode)
	}
	after := onlySession(t, e)
	if after.IDToken != before.IDToken || !after.NoIDTokenOnRefresh {
		t.Fatalf("after a refresh without an ID token: ID token kept %v, NoIDTokenOnRefresh %v", after.IDToken == before.IDToken, after.NoIDTokenOnRefresh)
	}
	// No second refresh while the kept token is valid...
	b.Get(e.url("/account"))
	if e.iss.refreshCalls != 1 {
		t.Fatalf("refresh calls = %d, want 1: refreshing again cannot give an ID token", e.iss.refreshCalls)
	}
	// ...and when it expires the session ends rather than sending it on.
	e.clock.Advance(2 * time.Minute)
	resp, _ := b.Get(e.url("/account"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("after the kept ID token expired: status %d Location %q, want 303 to sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e.st.sessionCount() != 0 {
		t.Fatalf("the session survived its expired ID token")
	}
}

func TestRefreshFailureEndsSession(t *testing.T) {
	for _, mode := range []string{"fail", "other-sub"} {
		t.Run(mode, func(t *testing.T) {
			e, b := refreshEnv(t, mode)
			resp, _ := b.Get(e.url("/account"))
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Faccount" {
				t.Fatalf("after a %s refresh: status %d Location %q, want 303 to sign-in", mode, resp.StatusCode, resp.Header.Get("Location"))
			}
			if e.st.sessionCount() != 0 {
				t.Fatalf("the session survived a %s refresh", mode)
			}
			// The home page then shows the welcome page: no automatic loop.
			if home, body := b.Get(e.url("/")); home.StatusCode != http.StatusOK || !strings.Contains(body, `id="signin-button"`) {
				t.Fatalf("GET / after the session ended: status %d, want the welcome page", home.StatusCode)
			}
		})
	}
}

func TestConcurrentRefreshRedeemsOnce(t *testing.T) {
	e, b := refreshEnv(t, "")
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.Client.Get(e.url("/account"))
			if err == nil {
				codes[i] = resp.StatusCode
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200", i, c)
		}
	}
	if e.iss.refreshCalls != 1 {
		t.Fatalf("refresh calls = %d, want 1: a rotating refresh token must be redeemed once", e.iss.refreshCalls)
	}
}

func TestSignOut(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", nil)
	_, page := b.Get(e.url("/account"))

	if resp, _ := b.Post(e.url("/signout"), url.Values{"csrf_token": {"wrong"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("sign-out with a wrong CSRF token: status %d, want 400", resp.StatusCode)
	}
	if e.st.sessionCount() != 1 {
		t.Fatalf("a refused sign-out ended the session")
	}
	resp, _ := b.Post(e.url("/signout"), url.Values{"csrf_token": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: status %d, want 303", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	q := mustQuery(t, loc)
	if !strings.HasPrefix(loc, e.iss.issuer()+"/logout?") || q.Get("client_id") != "portal-client" ||
		q.Get("post_logout_redirect_uri") != e.url("/signed-out") {
		t.Fatalf("sign-out redirects to %q, want the end_session_endpoint with client_id and post_logout_redirect_uri", loc)
	}
	if q.Has("id_token_hint") {
		t.Fatalf("the end-session URL carries the ID token (a cluster credential) in the URL")
	}
	if e.st.sessionCount() != 0 {
		t.Fatalf("the session record survived sign-out")
	}
	if resp, _ := b.Get(e.url("/account")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET /account after sign-out: status %d, want 303 to sign-in", resp.StatusCode)
	}
	if resp, body := b.Get(e.url("/signed-out")); resp.StatusCode != http.StatusOK || !strings.Contains(body, "You signed out") {
		t.Fatalf("GET /signed-out: status %d", resp.StatusCode)
	}
}

func TestSettingsForm(t *testing.T) {
	e := newPortalEnv(t, func(c *Config) { c.DefaultNamespace = "platform" })
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", map[string]any{"default_namespace": "team-a"})
	_, page := b.Get(e.url("/account"))
	if !strings.Contains(page, `value="platform"`) || !strings.Contains(page, `data-source="deployment"`) {
		t.Fatalf("the deployment default does not win on first sign-in")
	}
	csrf := csrfOf(t, page)

	if resp, _ := b.Post(e.url("/account/settings"), url.Values{"default_namespace": {"mine"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("settings without a CSRF token: status %d, want 400", resp.StatusCode)
	}
	resp, body := b.Post(e.url("/account/settings"), url.Values{"csrf_token": {csrf}, "default_namespace": {"Not_Valid"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="settings-errors"`) {
		t.Fatalf("invalid namespace: status %d, want 422 with the errors", resp.StatusCode)
	}
	resp, _ = b.Post(e.url("/account/settings"), url.Values{"csrf_token": {csrf}, "default_namespace": {"mine"},
		"allowed_namespaces": {"mine\nteam-a"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=1" {
		t.Fatalf("save settings: status %d Location %q, want 303 to /account?saved=1", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The user's choice survives a sign-in with another claim.
	e.mustSignIn(b, "adele", map[string]any{"default_namespace": "team-b"})
	_, page = b.Get(e.url("/account"))
	if !strings.Contains(page, `value="mine"`) || !strings.Contains(page, `id="default-namespace-source" data-source="user"`) {
		t.Fatalf("the user's default namespace did not survive a sign-in with a changed claim")
	}
	// Reset follows the sign-in again.
	resp, _ = b.Post(e.url("/account/settings/reset"), url.Values{"csrf_token": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: status %d, want 303", resp.StatusCode)
	}
	_, page = b.Get(e.url("/account"))
	if !strings.Contains(page, `value="platform"`) || !strings.Contains(page, `data-namespace="team-b" data-source="claim"`) {
		t.Fatalf("after reset the settings do not follow the deployment default and the latest claim")
	}
}

func TestHealthAndHeaders(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := b.Get(e.url(p)); resp.StatusCode != http.StatusOK || body != "ok\n" {
			t.Fatalf("GET %s: status %d body %q", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/", "/signed-out", "/nope", "/callback"} {
		resp, _ := b.Get(e.url(p))
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: missing X-Frame-Options or Cache-Control", p)
		}
	}
	for _, p := range []string{"/static/portal.css", "/static/portal.js"} {
		if resp, _ := b.Get(e.url(p)); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", p, resp.StatusCode)
		}
	}
	if resp, _ := b.Get(e.url("/static/")); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /static/ lists the folder: status %d", resp.StatusCode)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	e := newPortalEnv(t, nil)
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", nil)
	_, page := b.Get(e.url("/account"))
	req, _ := http.NewRequest(http.MethodPost, e.url("/signout"), strings.NewReader(url.Values{"csrf_token": {csrfOf(t, page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || e.st.sessionCount() != 1 {
		t.Fatalf("cross-site sign-out: status %d, sessions %d; want 403 and the session kept", resp.StatusCode, e.st.sessionCount())
	}
}

func TestConfigValidation(t *testing.T) {
	err := Config{IssuerURL: "ftp://x", RedirectURL: "http://portal.example.com/callback", DefaultNamespace: "Bad_NS",
		Scopes: []string{"profile"}}.Validate()
	if err == nil {
		t.Fatalf("an invalid config was accepted")
	}
	for _, want := range []string{"issuer URL", "client id", "openid", "https", "default namespace"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("config error does not mention %s:\n%v", want, err)
		}
	}
	if err := (Config{IssuerURL: "https://login.example.com/t/v2.0", ClientID: "c", RedirectURL: "https://portal.example.com/callback",
		Cluster: ClusterConfig{InCluster: true, URL: "https://k8s"}}).Validate(); err == nil || !strings.Contains(err.Error(), "not several") {
		t.Fatalf("two cluster sources accepted: %v", err)
	}
}

func TestPublicClientUsesPKCEAlone(t *testing.T) {
	e := newPortalEnv(t, func(c *Config) { c.ClientSecret = "" })
	e.iss.secret = "" // the fake issuer then accepts the client id alone, with PKCE checked
	b := testenv.NewBrowser(t)
	e.mustSignIn(b, "adele", nil)
	if e.st.sessionCount() != 1 {
		t.Fatalf("a public client sign-in stored no session")
	}
}

func TestCookiesSecureBehindHTTPS(t *testing.T) {
	e := newPortalEnv(t, nil)
	p, err := New(e.st, Config{IssuerURL: e.iss.issuer(), ClientID: "portal-client", ClientSecret: e.iss.secret,
		RedirectURL: "https://portal.example.com/callback", Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/signin", nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("GET /signin: status %d", rec.Code)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "__Host-"+loginCookie || !cookies[0].Secure || !cookies[0].HttpOnly || cookies[0].Path != "/" {
		t.Fatalf("login cookie behind https = %+v, want __Host- prefixed, Secure, HttpOnly, Path=/", cookies)
	}
}
