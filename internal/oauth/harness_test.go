package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/server"
	"github.com/gatehouse-id/gatehouse/internal/store/sqlite"
)

// env is a running login host with the demo tenant.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	base   string
	tenant string
	client string
	secret string
	users  []devenv.User
	reg    *registry.Registry
	keys   *keys.Manager
	clock  *testClock
	st     *sqlite.Store
}

// testClock is a settable clock shared by the store and the server.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := &testClock{}
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
	e := &env{t: t, tenant: devenv.TenantID, client: devenv.AppClientID, secret: secrets.ClientSecret,
		users: secrets.Users, reg: reg, keys: km, clock: clock, st: st}
	// The handler needs its public URL before the listener exists: start
	// unstarted, learn the address, then build the handler.
	e.srv = httptest.NewUnstartedServer(nil)
	e.base = "http://" + e.srv.Listener.Addr().String()
	h, err := server.Handler(server.Config{Store: st, Registry: reg, Keys: km, Clock: clock.Now,
		Logger: slog.New(slog.DiscardHandler), PublicURLs: []string{e.base}})
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	e.srv.Config.Handler = h
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) issuer(version int) string {
	if version == 2 {
		return e.base + "/" + e.tenant + "/v2.0"
	}
	return e.base + "/" + e.tenant + "/"
}

func (e *env) tokenURL(version int) string {
	if version == 2 {
		return e.base + "/" + e.tenant + "/oauth2/v2.0/token"
	}
	return e.base + "/" + e.tenant + "/oauth2/token"
}

func (e *env) authorizeURL(version int) string {
	if version == 2 {
		return e.base + "/" + e.tenant + "/oauth2/v2.0/authorize"
	}
	return e.base + "/" + e.tenant + "/oauth2/authorize"
}

// post sends a form and decodes the JSON answer.
func (e *env) post(u string, form url.Values, header http.Header) (*http.Response, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		e.t.Fatalf("POST %s: status %d, body is not JSON: %q", u, resp.StatusCode, b)
	}
	return resp, body
}

// browser is a cookie-keeping client that stops at redirects.
type browser struct {
	t      testing.TB
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) postForm(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.PostForm(u, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// signIn submits the sign-in form found in page and returns the response.
func (b *browser) signIn(base, page, username, password string) (*http.Response, string) {
	b.t.Helper()
	m := formActionRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no sign-in form in page:\n%s", page)
	}
	form := url.Values{"username": {username}, "password": {password}}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], unescapeHTML(h[2]))
	}
	return b.postForm(base+unescapeHTML(m[1]), form)
}

func unescapeHTML(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">")
	return r.Replace(s)
}

// codeFrom extracts the code from a redirect to the client.
func codeFrom(t testing.TB, resp *http.Response) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302 to the client", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("bad Location: %v", err)
	}
	return loc.Query()
}

// claimsOf decodes a JWT's payload without verifying it.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return c
}

func headerOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatalf("decode header: %v", err)
	}
	var h map[string]any
	json.Unmarshal(b, &h)
	return h
}
