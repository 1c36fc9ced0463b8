package cluster_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

const (
	// keyReloadTimeout bounds how long a running gatehouse takes to pick up
	// `gatehouse keys rotate`: it reloads its keys every 30 s.
	keyReloadTimeout = 45 * time.Second
	// tokenCacheTimeout outlasts kube-apiserver's cache of successful token
	// authentications (TokenSuccessCacheTTL, 10 s, no flag): a token it
	// accepted a moment ago is accepted from that cache whatever the keys
	// say now.
	tokenCacheTimeout = 20 * time.Second
)

// testWrongAudience presents an access token gatehouse issued for Microsoft
// Graph: signed by the trusted issuer, from the trusted tenant, but not for
// the cluster's client id.
func (e *env) testWrongAudience(t *testing.T) {
	cfg := e.srv.Config
	client, err := cfg.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.PostForm(cfg.V1TokenURL(), url.Values{
		"grant_type": {"client_credentials"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"resource": {"https://graph.microsoft.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
		t.Fatalf("v1 client credentials for Microsoft Graph: status %d %s", resp.StatusCode, body)
	}
	claims := harness.DecodeClaims(t, tr.AccessToken)
	// Same issuer and tenant as the ID tokens, so the 401 below is the
	// audience check of the authenticator that trusts this issuer.
	if got := claims["iss"]; got != cfg.V1Issuer() {
		t.Fatalf("Graph access token iss = %v, want the issuer the cluster trusts, %s", got, cfg.V1Issuer())
	}
	if got := claims["tid"]; got != cfg.TenantID {
		t.Fatalf("Graph access token tid = %v, want %s", got, cfg.TenantID)
	}
	if got := fmt.Sprint(claims["aud"]); got == cfg.ClientID {
		t.Fatalf("Graph access token aud = %s, the cluster's client id", got)
	}
	e.requireRefused(t, "a Microsoft Graph access token", tr.AccessToken, "expected audience")
}

// testExpiredToken presents an ID token that expired an hour ago: gatehouse
// restarted with its clock two hours behind (same data directory and keys)
// issues it, then runs with the right clock again. The lifetime policy
// minimum is 10 minutes, too long to wait for in a test.
func (e *env) testExpiredToken(t *testing.T, user harness.DevUser) {
	e.srv.Restart(t, harness.WithTimeOffset(-2*time.Hour), fastKeys)
	expired := e.srv.PasswordGrant(t, user).IDToken
	e.srv.Restart(t, fastKeys)

	exp, err := harness.DecodeClaims(t, expired)["exp"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("id token exp: %v", err)
	}
	if now := time.Now().Unix(); exp > now-30*60 {
		t.Fatalf("token from gatehouse with --time-offset=-2h has exp %d, want at least 30 minutes before now (%d)", exp, now)
	}
	// A fresh token of the same user and key is accepted: the refusal is
	// about expiry alone.
	e.requireAccepted(t, "a fresh ID token", e.srv.PasswordGrant(t, user).IDToken, user.UserPrincipalName)
	e.requireRefused(t, "an ID token that expired an hour ago", expired, "token is expired")
}

// fastKeys makes gatehouse reload its signing keys every second, so a
// rotation shows in its JWKS at once.
var fastKeys = harness.WithDevArgs("--key-refresh=1s")

// testKeyRotation rotates gatehouse's signing keys twice while gatehouse and
// the API server run.
//
// What the API server does (its JWT authenticator uses go-oidc v2's remote
// key set): it verifies with its cached JWKS first, and fetches the JWKS
// again only for a kid it does not know AND only within 30 s of the cache's
// expiry (Cache-Control max-age; Gatehouse sends 300 s). So:
//   - a normal rotation (`gatehouse keys rotate`) promotes the "next" key,
//     published since the previous rotation: new tokens work at once, with
//     no restart and no reload;
//   - an emergency rotation (`--retire-after 0s`, the key leaked) drops the
//     old key and signs with a fresh key. The API server refuses both until
//     it fetches the JWKS again: within 5 minutes by itself, or at once when
//     its AuthenticationConfiguration is reloaded (docs/kubernetes.md). Then
//     the fresh key's tokens work and the leaked key's are refused.
func (e *env) testKeyRotation(t *testing.T, user harness.DevUser) {
	old := e.srv.PasswordGrant(t, user).IDToken
	oldKID := kid(t, old)
	e.requireAccepted(t, "an ID token signed before the rotation", old, user.UserPrincipalName)

	before := e.jwksKIDs(t)
	out := e.runGatehouse(t, "keys", "rotate", "--data", e.srv.DataDir())
	t.Logf("gatehouse keys rotate:\n%s", out)
	e.waitJWKS(t, func(kids []string) bool { return len(kids) == 3 })
	rotated := e.srv.PasswordGrant(t, user).IDToken
	if k := kid(t, rotated); k == oldKID || !slices.Contains(before, k) {
		t.Fatalf("after a normal rotation the token has kid %s; want the next key published before it (%v)", k, before)
	}
	e.requireAccepted(t, "an ID token signed after a normal rotation, no reload", rotated, user.UserPrincipalName)

	out = e.runGatehouse(t, "keys", "rotate", "--data", e.srv.DataDir(), "--retire-after", "0s")
	t.Logf("gatehouse keys rotate --retire-after 0s:\n%s", out)
	rotatedKID := kid(t, rotated)
	after := e.waitJWKS(t, func(kids []string) bool { return !slices.Contains(kids, rotatedKID) })
	fresh := e.srv.PasswordGrant(t, user).IDToken
	freshKID := kid(t, fresh)
	if slices.Contains(before, freshKID) || !slices.Contains(after, freshKID) {
		t.Fatalf("after an emergency rotation the token has kid %s; want a fresh key (JWKS %v)", freshKID, after)
	}
	e.cluster.SetAuthenticationConfig(t, append(slices.Clone(e.authnConfig), "# signing keys rotated\n"...))
	e.requireAccepted(t, "an ID token signed by the fresh key after the reload", fresh, user.UserPrincipalName)
	deadline := time.Now().Add(tokenCacheTimeout)
	for {
		logged, err := e.refusal(t, rotated)
		if err == nil {
			if !strings.Contains(logged, "failed to verify") {
				t.Fatalf("kube-apiserver refused the token signed by dropped key %s with %q; want a signature failure", rotatedKID, logged)
			}
			t.Logf("kube-apiserver refused the token signed by dropped key %s (401): %s", rotatedKID, logged)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token signed by dropped key %s after the API server fetched the keys again: %v; want 401", rotatedKID, err)
		}
		time.Sleep(time.Second)
	}
}

// kid returns the kid header of a JWT.
func kid(t *testing.T, jwt string) string {
	t.Helper()
	segment, _, _ := strings.Cut(jwt, ".")
	var header struct {
		KID string `json:"kid"`
	}
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err == nil {
		err = json.Unmarshal(raw, &header)
	}
	if err != nil || header.KID == "" {
		t.Fatalf("JWT header %q: no kid (%v)", raw, err)
	}
	return header.KID
}

// jwksKIDs returns the kids of gatehouse's JWKS on the v1 issuer.
func (e *env) jwksKIDs(t *testing.T) []string {
	t.Helper()
	kids, err := e.fetchJWKSKIDs()
	if err != nil {
		t.Fatal(err)
	}
	return kids
}

func (e *env) fetchJWKSKIDs() ([]string, error) {
	cfg := e.srv.Config
	client, err := cfg.HTTPClient()
	if err != nil {
		return nil, err
	}
	jwksURL := cfg.HTTPSBaseURL + "/" + cfg.TenantID + "/discovery/keys"
	resp, err := client.Get(jwksURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var jwks struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", jwksURL, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
		return nil, fmt.Errorf("GET %s: %w", jwksURL, err)
	}
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.KID)
	}
	return kids, nil
}

// waitJWKS polls gatehouse's JWKS until done says yes, and returns its kids.
func (e *env) waitJWKS(t *testing.T, done func(kids []string) bool) []string {
	t.Helper()
	deadline := time.Now().Add(keyReloadTimeout)
	for {
		kids, err := e.fetchJWKSKIDs()
		if err == nil && done(kids) {
			return kids
		}
		if time.Now().After(deadline) {
			t.Fatalf("gatehouse JWKS after %s: %v (%v)", keyReloadTimeout, kids, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
