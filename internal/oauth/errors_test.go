package oauth_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkEntraError asserts Entra's token error shape.
func checkEntraError(t *testing.T, resp *http.Response, body map[string]any, status int, code string, aadsts int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %v)", resp.StatusCode, status, body)
	}
	if body["error"] != code {
		t.Fatalf("error = %v, want %s (%v)", body["error"], code, body["error_description"])
	}
	desc, _ := body["error_description"].(string)
	if want := "AADSTS" + strconv.Itoa(aadsts) + ": "; !strings.HasPrefix(desc, want) {
		t.Fatalf("error_description = %q, want prefix %q", desc, want)
	}
	for _, part := range []string{"\r\nTrace ID: ", "\r\nCorrelation ID: ", "\r\nTimestamp: "} {
		if !strings.Contains(desc, part) {
			t.Fatalf("error_description lacks %q: %q", part, desc)
		}
	}
	codes, _ := body["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(aadsts) {
		t.Fatalf("error_codes = %v, want [%d]", body["error_codes"], aadsts)
	}
	for _, f := range []string{"trace_id", "correlation_id"} {
		if s, _ := body[f].(string); !guidRE.MatchString(s) {
			t.Fatalf("%s = %v, want a GUID", f, body[f])
		}
	}
	if ts, _ := body["timestamp"].(string); !strings.HasSuffix(ts, "Z") {
		t.Fatalf("timestamp = %v", body["timestamp"])
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("error response is cacheable")
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t)
	user := e.Users[1]
	otherGUID := "11111111-2222-4333-8444-555555555555"
	cc := func(extra url.Values) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"scope": {"https://graph.microsoft.com/.default"}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	tests := []struct {
		name   string
		url    string
		form   url.Values
		status int
		code   string
		aadsts int
	}{
		{"missing grant_type", e.TokenURL(2), url.Values{"client_id": {e.ClientID}}, 400, "invalid_request", 900144},
		{"unsupported grant", e.TokenURL(2), cc(url.Values{"grant_type": {"implicit"}}), 400, "unsupported_grant_type", 70003},
		{"unknown tenant", e.Base + "/" + otherGUID + "/oauth2/v2.0/token", cc(nil), 400, "invalid_tenant", 90002},
		{"unknown tenant domain", e.Base + "/nowhere.example/oauth2/token", cc(nil), 400, "invalid_tenant", 90002},
		{"unknown client", e.TokenURL(2), cc(url.Values{"client_id": {otherGUID}}), 400, "unauthorized_client", 700016},
		{"client id not a GUID", e.TokenURL(2), cc(url.Values{"client_id": {"eks"}}), 400, "unauthorized_client", 700016},
		{"wrong secret", e.TokenURL(2), cc(url.Values{"client_secret": {"abc8Q~wrong"}}), 401, "invalid_client", 7000215},
		{"missing secret", e.TokenURL(2), cc(url.Values{"client_secret": nil}), 401, "invalid_client", 7000218},
		{"scope without .default", e.TokenURL(2), cc(url.Values{"scope": {"https://graph.microsoft.com/User.Read"}}), 400, "invalid_scope", 1002012},
		{"unknown resource", e.TokenURL(2), cc(url.Values{"scope": {"api://nothing-here/.default"}}), 400, "invalid_resource", 500011},
		{"v1 client credentials without resource", e.TokenURL(1), cc(nil), 400, "invalid_request", 900144},
		{"wrong password", e.TokenURL(1), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"username": {user.UserPrincipalName}, "password": {"nope"}}, 400, "invalid_grant", 50126},
		{"unknown user", e.TokenURL(1), url.Values{"grant_type": {"password"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"username": {"nobody@contoso.example"}, "password": {"nope"}}, 400, "invalid_grant", 50126},
		{"unknown code", e.TokenURL(1), url.Values{"grant_type": {"authorization_code"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"code": {"not-a-code"}, "redirect_uri": {"http://localhost:8000"}}, 400, "invalid_grant", 70008},
		{"missing code", e.TokenURL(1), url.Values{"grant_type": {"authorization_code"}, "client_id": {e.ClientID}, "client_secret": {e.Secret}}, 400, "invalid_request", 900144},
		{"unknown refresh token", e.TokenURL(2), url.Values{"grant_type": {"refresh_token"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"refresh_token": {"x"}}, 400, "invalid_grant", 70008},
		{"expired device code", e.TokenURL(2), url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {e.ClientID},
			"client_secret": {e.Secret}, "device_code": {"x"}}, 400, "expired_token", 70019},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.PostForm(tt.url, tt.form, nil)
			checkEntraError(t, resp, body, tt.status, tt.code, tt.aadsts)
		})
	}
}

func TestTokenEndpointRejectsBadBodies(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		status      int
	}{
		{"malformed encoding", "POST", "application/x-www-form-urlencoded", "grant_type=%zz&client_id=%", 400},
		{"oversized body", "POST", "application/x-www-form-urlencoded", "grant_type=password&x=" + strings.Repeat("a", 100<<10), 413},
		{"JSON body", "POST", "application/json", `{"grant_type":"client_credentials"}`, 400},
		{"repeated parameter", "POST", "application/x-www-form-urlencoded", "grant_type=password&grant_type=client_credentials", 400},
		{"GET", "GET", "", "", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.TokenURL(2), strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if !strings.Contains(string(b), `"error_description":"AADSTS`) {
				t.Fatalf("body = %s, want an Entra JSON error", b)
			}
		})
	}
}

func TestAuthorizationCodeBindings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	conf := e.oauthConfig(2)
	verifier := oauth2.GenerateVerifier()
	newCode := func(opts ...oauth2.AuthCodeOption) string {
		return e.signInCode(testenv.NewBrowser(t), conf.AuthCodeURL("s", opts...), e.Users[1])
	}
	redeem := func(code, redirect, verifier string) (*http.Response, map[string]any) {
		f := url.Values{"grant_type": {"authorization_code"}, "client_id": {e.ClientID}, "client_secret": {e.Secret},
			"code": {code}, "redirect_uri": {redirect}}
		if verifier != "" {
			f.Set("code_verifier", verifier)
		}
		return e.PostForm(e.TokenURL(2), f, nil)
	}
	t.Run("PKCE mismatch", func(t *testing.T) {
		resp, body := redeem(newCode(oauth2.S256ChallengeOption(verifier)), "http://localhost:8000", oauth2.GenerateVerifier())
		checkEntraError(t, resp, body, 400, "invalid_grant", 501481)
	})
	t.Run("PKCE verifier missing", func(t *testing.T) {
		resp, body := redeem(newCode(oauth2.S256ChallengeOption(verifier)), "http://localhost:8000", "")
		checkEntraError(t, resp, body, 400, "invalid_request", 900144)
	})
	t.Run("redirect URI differs", func(t *testing.T) {
		resp, body := redeem(newCode(), "http://localhost:18000", "")
		checkEntraError(t, resp, body, 400, "invalid_grant", 500117)
	})
	t.Run("expired code", func(t *testing.T) {
		code := newCode()
		e.Clock.Advance(11 * time.Minute)
		defer e.Clock.Advance(-11 * time.Minute)
		resp, body := redeem(code, "http://localhost:8000", "")
		checkEntraError(t, resp, body, 400, "invalid_grant", 70008)
	})
	t.Run("failed redemption keeps the code usable", func(t *testing.T) {
		code := newCode(oauth2.S256ChallengeOption(verifier))
		redeem(code, "http://localhost:8000", oauth2.GenerateVerifier())
		if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
			t.Fatalf("exchange with the right verifier after a failed one: %v", err)
		}
	})
}

func TestAuthorizeErrors(t *testing.T) {
	e := newEnv(t)
	q := func(extra url.Values) string {
		v := url.Values{"client_id": {e.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:8000"},
			"scope": {"openid"}, "state": {"xyz"}}
		for k, x := range extra {
			v[k] = x
		}
		return e.AuthorizeURL(2) + "?" + v.Encode()
	}
	pages := []struct {
		name   string
		url    string
		aadsts string
	}{
		{"unknown client", q(url.Values{"client_id": {"11111111-2222-4333-8444-555555555555"}}), "AADSTS700016"},
		{"missing client", q(url.Values{"client_id": nil}), "AADSTS900144"},
		{"redirect not registered", q(url.Values{"redirect_uri": {"http://localhost:9999/cb"}}), "AADSTS50011"},
		{"redirect differs by a slash", q(url.Values{"redirect_uri": {"http://localhost:8000/"}}), "AADSTS50011"},
		{"unknown tenant", e.Base + "/11111111-2222-4333-8444-555555555555/oauth2/authorize?client_id=" + e.ClientID, "AADSTS90002"},
	}
	for _, tt := range pages {
		t.Run("page: "+tt.name, func(t *testing.T) {
			resp, body := testenv.NewBrowser(t).Get(tt.url)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d Location %q, want a 400 page and no redirect", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(body, tt.aadsts) {
				t.Fatalf("page does not name %s:\n%s", tt.aadsts, body)
			}
		})
	}
	redirects := []struct {
		name, url, code string
	}{
		{"unsupported response type", q(url.Values{"response_type": {"token"}}), "unsupported_response_type"},
		{"v2 without scope", q(url.Values{"scope": nil}), "invalid_request"},
		{"scope for two resources", q(url.Values{"scope": {"openid User.Read api://other/x"}}), "invalid_scope"},
		{"bad PKCE method", q(url.Values{"code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S512"}}), "invalid_request"},
		{"prompt none without session", q(url.Values{"prompt": {"none"}}), "login_required"},
	}
	for _, tt := range redirects {
		t.Run("redirect: "+tt.name, func(t *testing.T) {
			resp, _ := testenv.NewBrowser(t).Get(tt.url)
			got := codeFrom(t, resp)
			if got.Get("error") != tt.code || got.Get("state") != "xyz" || !strings.HasPrefix(got.Get("error_description"), "AADSTS") {
				t.Fatalf("redirect query = %v, want error=%s with state and AADSTS description", got, tt.code)
			}
		})
	}
}

func TestSignInForm(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig(1)
	t.Run("wrong password stays on the form", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		_, page := b.Get(conf.AuthCodeURL("s"))
		resp, page := b.SignIn(e.Base, page, e.Users[1].UserPrincipalName, "wrong")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Your account or password is incorrect.") {
			t.Fatalf("status %d, want 401 with the error on the form", resp.StatusCode)
		}
		if !strings.Contains(page, `value="`+e.Users[1].UserPrincipalName+`"`) {
			t.Fatal("the form forgot the username")
		}
		resp, _ = b.SignIn(e.Base, page, e.Users[1].UserPrincipalName, e.Users[1].Password)
		if codeFrom(t, resp).Get("code") == "" {
			t.Fatal("no code after correcting the password")
		}
	})
	t.Run("missing CSRF token is refused", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		_, page := b.Get(conf.AuthCodeURL("s"))
		page = strings.Replace(page, `name="csrf_token"`, `name="other"`, 1)
		resp, _ := b.SignIn(e.Base, page, e.Users[1].UserPrincipalName, e.Users[1].Password)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400", resp.StatusCode)
		}
	})
	t.Run("session cookie flags", func(t *testing.T) {
		b := testenv.NewBrowser(t)
		_, page := b.Get(conf.AuthCodeURL("s"))
		resp, _ := b.SignIn(e.Base, page, e.Users[1].UserPrincipalName, e.Users[1].Password)
		var found bool
		for _, c := range resp.Cookies() {
			if c.Name == "gatehouse_session" {
				found = true
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
					t.Fatalf("session cookie = %+v, want HttpOnly and SameSite=Lax", c)
				}
			}
		}
		if !found {
			t.Fatal("no session cookie")
		}
	})
}
