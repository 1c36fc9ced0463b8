package portal

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// fakeIssuer is a minimal OpenID provider the handler tests control: it
// issues codes for a chosen subject and claims, checks PKCE and the client
// secret, and answers refreshes the way a test asks (normally, without an
// ID token, for another subject, or with an error).
type fakeIssuer struct {
	t      testing.TB
	srv    *httptest.Server
	key    *rsa.PrivateKey
	clock  func() time.Time
	secret string

	mu sync.Mutex
	// codes: code → what it was issued for.
	codes map[string]fakeGrant
	// refreshTokens: token → subject and claims.
	refreshTokens map[string]fakeGrant
	// exchangeError makes the token endpoint refuse codes.
	exchangeError string
	// refreshMode: "" normal, "no-id-token", "other-sub", "fail".
	refreshMode   string
	refreshCalls  int
	tokenLifetime time.Duration
}

type fakeGrant struct {
	sub       string
	claims    map[string]any
	nonce     string
	challenge string
}

func newFakeIssuer(t testing.TB, clock func() time.Time) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{t: t, key: key, clock: clock, secret: "s3cret", codes: map[string]fakeGrant{},
		refreshTokens: map[string]fakeGrant{}, tokenLifetime: time.Hour}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /keys", f.keys)
	mux.HandleFunc("POST /token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) issuer() string { return f.srv.URL }

func (f *fakeIssuer) discovery(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]any{
		"issuer": f.issuer(), "authorization_endpoint": f.issuer() + "/authorize", "token_endpoint": f.issuer() + "/token",
		"jwks_uri": f.issuer() + "/keys", "end_session_endpoint": f.issuer() + "/logout",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"},
	})
}

func (f *fakeIssuer) keys(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// idToken signs an ID token for sub with extra claims.
func (f *fakeIssuer) idToken(sub, nonce string, extra map[string]any) string {
	now := f.clock()
	c := map[string]any{"iss": f.issuer(), "sub": sub, "aud": "portal-client", "iat": now.Unix(),
		"exp": now.Add(f.tokenLifetime).Unix()}
	if nonce != "" {
		c["nonce"] = nonce
	}
	for k, v := range extra {
		c[k] = v
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: f.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	jws, err := signer.Sign(b)
	if err != nil {
		f.t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func oauthError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (f *fakeIssuer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != "portal-client" || secret != f.secret {
		oauthError(w, "invalid_client", "bad client credentials")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var g fakeGrant
	nonce := ""
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		if f.exchangeError != "" {
			oauthError(w, f.exchangeError, "AADSTS70008: The provided authorization code or refresh token has expired.")
			return
		}
		var ok bool
		g, ok = f.codes[r.PostForm.Get("code")]
		delete(f.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			oauthError(w, "invalid_grant", "unknown code or PKCE mismatch")
			return
		}
		nonce = g.nonce
	case "refresh_token":
		f.refreshCalls++
		var ok bool
		g, ok = f.refreshTokens[r.PostForm.Get("refresh_token")]
		delete(f.refreshTokens, r.PostForm.Get("refresh_token")) // rotating
		if !ok || f.refreshMode == "fail" {
			oauthError(w, "invalid_grant", "refresh token revoked")
			return
		}
	default:
		oauthError(w, "unsupported_grant_type", "")
		return
	}
	rt := fmt.Sprintf("rt-%d", len(f.refreshTokens)+f.refreshCalls*100+len(f.codes)+1) + randomString()
	f.refreshTokens[rt] = g
	resp := map[string]any{"access_token": "at-" + randomString(), "token_type": "Bearer", "expires_in": 3600, "refresh_token": rt}
	switch f.refreshMode {
	case "no-id-token":
		if r.PostForm.Get("grant_type") == "refresh_token" {
			break
		}
		fallthrough
	default:
		sub := g.sub
		if f.refreshMode == "other-sub" && r.PostForm.Get("grant_type") == "refresh_token" {
			sub = "mallory"
		}
		resp["id_token"] = f.idToken(sub, nonce, g.claims)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(resp)
}

func randomString() string {
	b := make([]byte, 8)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// approve plays the issuer's sign-in page: it reads the authorization
// request the portal redirected to and returns the callback URL with a code.
func (f *fakeIssuer) approve(authURL, sub string, claims map[string]any) string {
	f.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil || !strings.HasPrefix(authURL, f.issuer()+"/authorize") {
		f.t.Fatalf("portal redirected to %q, want the issuer's authorize endpoint", authURL)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		f.t.Fatalf("authorization request without PKCE S256: %s", u.RawQuery)
	}
	if q.Get("nonce") == "" || q.Get("state") == "" {
		f.t.Fatalf("authorization request without nonce or state: %s", u.RawQuery)
	}
	code := "code-" + randomString()
	f.mu.Lock()
	f.codes[code] = fakeGrant{sub: sub, claims: claims, nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
	f.mu.Unlock()
	return q.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
}

// portalEnv is a portal over a real store and the fake issuer.
type portalEnv struct {
	t      *testing.T
	clock  *testenv.Clock
	iss    *fakeIssuer
	st     *trackedStore
	srv    *httptest.Server
	portal *Server
}

func newPortalEnv(t *testing.T, mutate func(*Config)) *portalEnv {
	t.Helper()
	clock := testenv.StoppedClock(time.Now().Truncate(time.Second))
	e := &portalEnv{t: t, clock: clock, iss: newFakeIssuer(t, clock.Now), st: newTestStore(t, clock.Now)}
	e.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + e.srv.Listener.Addr().String()
	cfg := Config{IssuerURL: e.iss.issuer(), ClientID: "portal-client", ClientSecret: e.iss.secret,
		RedirectURL: base + "/callback", Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := New(e.st, cfg)
	if err != nil {
		t.Fatalf("portal.New: %v", err)
	}
	e.portal = p
	e.srv.Config.Handler = p.Handler()
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *portalEnv) url(path string) string { return e.srv.URL + path }

// signIn runs the whole flow for sub and returns the callback's response.
func (e *portalEnv) signIn(b *testenv.Browser, sub string, claims map[string]any) *http.Response {
	e.t.Helper()
	resp, _ := b.Get(e.url("/signin?next=/account"))
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("GET /signin: status %d, want 302 to the issuer", resp.StatusCode)
	}
	cb, _ := b.Get(e.iss.approve(resp.Header.Get("Location"), sub, claims))
	return cb
}

// mustSignIn signs in and checks the callback succeeded.
func (e *portalEnv) mustSignIn(b *testenv.Browser, sub string, claims map[string]any) {
	e.t.Helper()
	resp := e.signIn(b, sub, claims)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		e.t.Fatalf("callback: status %d, Location %q; want 303 to /account", resp.StatusCode, resp.Header.Get("Location"))
	}
}
