package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// TestDiscoveryIssuerIsTheFetchedURL: go-oidc (as kubelogin uses it)
// requires the document's issuer to equal the URL it was given. Each tenant
// spelling and endpoint version must pass.
func TestDiscoveryIssuerIsTheFetchedURL(t *testing.T) {
	e := newEnv(t)
	for _, issuer := range []string{
		e.Base + "/" + e.Tenant + "/",
		e.Base + "/" + e.Tenant + "/v2.0",
		e.Base + "/" + devenv.TenantDomain + "/",
		e.Base + "/" + devenv.TenantDomain + "/v2.0",
	} {
		t.Run(issuer, func(t *testing.T) {
			p, err := oidc.NewProvider(context.Background(), issuer)
			if err != nil {
				t.Fatalf("oidc.NewProvider(%q): %v", issuer, err)
			}
			if p.Endpoint().TokenURL == "" || p.Endpoint().DeviceAuthURL == "" {
				t.Fatalf("endpoint = %+v, want token and device URLs", p.Endpoint())
			}
		})
	}
}

func TestAuthorizationCodeFlowWithGoOIDC(t *testing.T) {
	e := newEnv(t)
	user := e.Users[1]
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name      string
		version   int
		authStyle oauth2.AuthStyle
		authOpts  []oauth2.AuthCodeOption
		exchOpts  []oauth2.AuthCodeOption
	}{
		{name: "v1 no PKCE secret in body", version: 1, authStyle: oauth2.AuthStyleInParams},
		{name: "v1 S256 basic auth", version: 1, authStyle: oauth2.AuthStyleInHeader,
			authOpts: []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, exchOpts: []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}},
		{name: "v2 S256", version: 2, authStyle: oauth2.AuthStyleInParams,
			authOpts: []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, exchOpts: []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}},
		{name: "v2 plain", version: 2, authStyle: oauth2.AuthStyleInHeader,
			authOpts: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")},
			exchOpts: []oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p, err := oidc.NewProvider(ctx, e.Issuer(tt.version))
			if err != nil {
				t.Fatal(err)
			}
			ep := p.Endpoint()
			ep.AuthStyle = tt.authStyle
			conf := oauth2.Config{ClientID: e.ClientID, ClientSecret: e.Secret, Endpoint: ep,
				RedirectURL: "http://localhost:8000", Scopes: []string{"openid"}}
			if tt.version == 2 {
				conf.Scopes = []string{"openid", "profile", "email", "offline_access"}
			}
			state, nonce := "st-"+tt.name, "n-"+strings.ReplaceAll(tt.name, " ", "")
			b := testenv.NewBrowser(t)
			resp, page := b.Get(conf.AuthCodeURL(state, append(tt.authOpts, oidc.Nonce(nonce))...))
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="password"`) {
				t.Fatalf("authorize: status %d, want the sign-in form", resp.StatusCode)
			}
			// Browsers apply form-action to the redirect that follows the
			// form post, so the client's origin must be allowed.
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
				!strings.Contains(csp, "form-action 'self' http://localhost:8000") {
				t.Fatalf("sign-in page CSP = %q, want a restrictive policy whose form-action allows the redirect URI's origin", csp)
			}
			resp, _ = b.SignIn(e.Base, page, user.UserPrincipalName, user.Password)
			q := codeFrom(t, resp)
			if q.Get("state") != state || q.Get("code") == "" {
				t.Fatalf("redirect query = %v, want code and state %q", q, state)
			}
			tok, err := conf.Exchange(ctx, q.Get("code"), tt.exchOpts...)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := p.Verifier(&oidc.Config{ClientID: e.ClientID}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("verify id token: %v", err)
			}
			if idt.Nonce != nonce {
				t.Fatalf("nonce = %q, want %q", idt.Nonce, nonce)
			}
			if got := idt.Expiry.Sub(idt.IssuedAt); got != time.Hour {
				t.Fatalf("id token lifetime = %v, want 1h", got)
			}
			var c map[string]any
			idt.Claims(&c)
			wantVer := map[int]string{1: "1.0", 2: "2.0"}[tt.version]
			if c["ver"] != wantVer || c["tid"] != e.Tenant || c["oid"] != user.ID {
				t.Fatalf("claims ver=%v tid=%v oid=%v, want %s %s %s", c["ver"], c["tid"], c["oid"], wantVer, e.Tenant, user.ID)
			}
			if c["sub"] == user.ID || len(c["sub"].(string)) != 43 {
				t.Fatalf("sub = %v, want a 43-character pairwise id, not the object id", c["sub"])
			}
			nameClaim := map[int]string{1: "upn", 2: "preferred_username"}[tt.version]
			if c[nameClaim] != user.UserPrincipalName {
				t.Fatalf("%s = %v, want %s", nameClaim, c[nameClaim], user.UserPrincipalName)
			}
			if h := headerOf(t, raw); (h["x5t"] != nil) != (tt.version == 1) || h["kid"] == nil {
				t.Fatalf("header = %v: want kid, and x5t only on v1", h)
			}
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token")
			}
		})
	}
}

// signInCode runs the browser part of a code flow and returns the code.
func (e *env) signInCode(b *testenv.Browser, authURL string, user devenv.User) string {
	e.t.Helper()
	resp, page := b.Get(authURL)
	if resp.StatusCode == http.StatusFound {
		return codeFrom(e.t, resp).Get("code")
	}
	resp, _ = b.SignIn(e.Base, page, user.UserPrincipalName, user.Password)
	return codeFrom(e.t, resp).Get("code")
}

func (e *env) oauthConfig(version int) oauth2.Config {
	ep := oauth2.Endpoint{AuthURL: e.AuthorizeURL(version), TokenURL: e.TokenURL(version), AuthStyle: oauth2.AuthStyleInParams}
	scopes := []string{"openid"}
	if version == 2 {
		scopes = []string{"openid", "profile", "offline_access"}
	}
	return oauth2.Config{ClientID: e.ClientID, ClientSecret: e.Secret, Endpoint: ep, RedirectURL: "http://localhost:8000", Scopes: scopes}
}

func TestSessionSkipsPasswordUntilPromptLogin(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig(1)
	b := testenv.NewBrowser(t)
	e.signInCode(b, conf.AuthCodeURL("s1"), e.Users[0])
	resp, _ := b.Get(conf.AuthCodeURL("s2"))
	if q := codeFrom(t, resp); q.Get("code") == "" || q.Get("state") != "s2" {
		t.Fatalf("second authorize with a session: %v, want an immediate code", q)
	}
	resp, page := b.Get(conf.AuthCodeURL("s3", oauth2.SetAuthURLParam("prompt", "login")))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `name="password"`) {
		t.Fatalf("prompt=login: status %d, want the sign-in form", resp.StatusCode)
	}
}

func TestRefreshRotationAndReuseRevokesFamily(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	conf := e.oauthConfig(2)
	code := e.signInCode(testenv.NewBrowser(t), conf.AuthCodeURL("s"), e.Users[1])
	first, err := conf.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	refresh := func(rt string) (*oauth2.Token, error) {
		return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Now().Add(-time.Hour)}).Token()
	}
	second, err := refresh(first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatal("refresh did not rotate the refresh token")
	}
	if second.Extra("id_token") == nil || second.Extra("id_token") == first.Extra("id_token") {
		t.Fatal("refresh did not return a new id_token")
	}
	_, err = refresh(first.RefreshToken)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || !strings.Contains(re.ErrorDescription, "AADSTS50173") {
		t.Fatalf("reusing a rotated refresh token: %v, want invalid_grant AADSTS50173", err)
	}
	if _, err := refresh(second.RefreshToken); err == nil {
		t.Fatal("after reuse, the family's newest refresh token still works; want it revoked")
	}
}

func TestCodeReuseRevokesIssuedRefreshToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	conf := e.oauthConfig(1)
	code := e.signInCode(testenv.NewBrowser(t), conf.AuthCodeURL("s"), e.Users[1])
	tok, err := conf.Exchange(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conf.Exchange(ctx, code)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || !strings.Contains(re.ErrorDescription, "AADSTS54005") {
		t.Fatalf("second redemption: %v, want AADSTS54005", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token(); err == nil {
		t.Fatal("refresh token from the first redemption still works after code reuse")
	}
}

func TestClientCredentialsRolesAreConsentedPermissions(t *testing.T) {
	e := newEnv(t)
	cc := clientcredentials.Config{ClientID: e.ClientID, ClientSecret: e.Secret, TokenURL: e.TokenURL(2),
		Scopes: []string{"https://graph.microsoft.com/.default"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.ClaimsOf(t, tok.AccessToken)
	roles := strings.Join(toStrings(c["roles"]), ",")
	want := "Application.ReadWrite.All,User.ReadWrite.All,Policy.ReadWrite.ApplicationConfiguration"
	if roles != want {
		t.Fatalf("roles = %s, want %s", roles, want)
	}
	if c["aud"] != "https://graph.microsoft.com" || c["idtyp"] != "app" || c["ver"] != "1.0" ||
		c["iss"] != e.Issuer(1) || c["oid"] != devenv.AppSPID || c["appid"] != e.ClientID {
		t.Fatalf("claims = %v: want Graph aud, idtyp app, v1 issuer, oid = service principal", c)
	}
}

func TestTokenResponseShapes(t *testing.T) {
	e := newEnv(t)
	user := e.Users[1]
	v1, b1 := e.PostForm(e.TokenURL(1), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
		"username": {user.UserPrincipalName}, "password": {user.Password}, "client_info": {"1"}}, nil)
	if v1.StatusCode != 200 {
		t.Fatalf("v1 password grant: %d %v", v1.StatusCode, b1)
	}
	if _, ok := b1["expires_in"].(string); !ok {
		t.Fatalf("v1 expires_in = %#v, want a string", b1["expires_in"])
	}
	if b1["id_token"] == nil || b1["refresh_token"] == nil || b1["resource"] != "https://graph.microsoft.com" {
		t.Fatalf("v1 body = %v, want id_token, refresh_token and resource", b1)
	}
	if got := v1.Header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control = %q, want no-store", got)
	}
	ci, _ := b1["client_info"].(string)
	if !strings.HasPrefix(ci, "ey") {
		t.Fatalf("client_info = %q, want base64url JSON", ci)
	}
	v2, b2 := e.PostForm(e.TokenURL(2), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
		"username": {user.UserPrincipalName}, "password": {user.Password}, "scope": {"openid profile"}}, nil)
	if v2.StatusCode != 200 {
		t.Fatalf("v2 password grant: %d %v", v2.StatusCode, b2)
	}
	if _, ok := b2["expires_in"].(float64); !ok {
		t.Fatalf("v2 expires_in = %#v, want a number", b2["expires_in"])
	}
	if b2["refresh_token"] != nil {
		t.Fatal("v2 without offline_access returned a refresh token")
	}
	id := testenv.ClaimsOf(t, b2["id_token"].(string))
	if id["iss"] != e.Issuer(2) || id["preferred_username"] != user.UserPrincipalName {
		t.Fatalf("v2 id token = %v", id)
	}
}

func TestDeviceCodeFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("waits one polling interval (5s)")
	}
	e := newEnv(t)
	ctx := context.Background()
	// Entra: the device code flow needs "Allow public client flows".
	app, _, err := e.Registry.CreateApplication(ctx, e.System(), registry.ApplicationSpec{DisplayName: "cli", IsFallbackPublicClient: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	conf := e.oauthConfig(2)
	conf.ClientID, conf.ClientSecret = app.AppID, ""
	conf.Endpoint.DeviceAuthURL = e.Base + "/" + e.Tenant + "/oauth2/v2.0/devicecode"
	_, body := e.PostForm(conf.Endpoint.DeviceAuthURL, url.Values{"client_id": {e.ClientID}, "scope": {"openid"}}, nil)
	if body["error"] != "invalid_client" {
		t.Fatalf("device code for a confidential client without its secret = %v, want invalid_client", body)
	}
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.VerificationURI != e.Base+"/devicelogin" || len(da.UserCode) != 9 {
		t.Fatalf("device auth = %+v", da)
	}
	// Polling before the user acts: authorization_pending.
	_, body = e.PostForm(e.TokenURL(2), url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {app.AppID}, "device_code": {da.DeviceCode}}, nil)
	if body["error"] != "authorization_pending" {
		t.Fatalf("early poll = %v, want authorization_pending", body)
	}
	b := testenv.NewBrowser(t)
	_, page := b.Get(da.VerificationURI)
	_, page = b.Submit(e.Base, page, url.Values{"user_code": {strings.ToLower(da.UserCode[:4]) + "-" + da.UserCode[4:]}})
	// Signing in never approves the device: the confirmation page names the
	// app and lists what it gets (security review F1).
	resp, page := b.SignIn(e.Base, page, e.Users[1].UserPrincipalName, e.Users[1].Password)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Are you trying to sign in to cli?") || !strings.Contains(page, "<code>openid</code>") {
		t.Fatalf("device sign-in: %d, want the confirmation page listing openid\n%s", resp.StatusCode, page)
	}
	_, body = e.PostForm(e.TokenURL(2), url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {app.AppID}, "device_code": {da.DeviceCode}}, nil)
	if body["error"] != "authorization_pending" && body["error"] != "slow_down" {
		t.Fatalf("poll after sign-in, before confirming = %v, want the device still pending", body)
	}
	resp, page = b.Submit(e.Base, page, url.Values{"decision": {"approve"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "signed in") {
		t.Fatalf("device confirm: %d\n%s", resp.StatusCode, page)
	}
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatalf("device token: %v", err)
	}
	if c := testenv.ClaimsOf(t, tok.Extra("id_token").(string)); c["oid"] != e.Users[1].ID {
		t.Fatalf("device id token oid = %v, want %s", c["oid"], e.Users[1].ID)
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
