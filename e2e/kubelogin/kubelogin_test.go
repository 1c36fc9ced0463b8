package kubelogin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

const (
	headlessLoginPkg = "github.com/gatehouse-id/gatehouse/e2e/cmd/headless-login"
	// kubeloginTimeout bounds one kubelogin run.
	kubeloginTimeout = 90 * time.Second
	// execInfo is what kubectl passes to a v1 credential plugin.
	execInfo = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
	// defaultIDTokenLifetime is Entra's ID token lifetime without a policy.
	defaultIDTokenLifetime = 3600
)

func TestPasswordGrant(t *testing.T) {
	bin := harness.KubeloginBinary(t)
	srv := harness.Start(t)
	user := srv.User(t, 0)
	kl := newKubelogin(t, bin, srv)

	cred, _ := kl.getToken(t, nil, "--grant-type=password", "--username="+user.UserPrincipalName, "--password="+user.Password)

	tok := srv.VerifyIDToken(t, srv.Config.V1Issuer(), cred.Status.Token)
	checkV1IDToken(t, srv, tok, user)
	checkExpiration(t, cred, tok)
}

func TestAuthCodeGrant(t *testing.T) {
	bin := harness.KubeloginBinary(t)
	harness.RequireKubeloginRedirectPort(t)
	browser := harness.GoBuild(t, headlessLoginPkg)
	srv := harness.Start(t)
	user := srv.User(t, 0)
	kl := newKubelogin(t, bin, srv)

	cred, stderr := kl.getToken(t, browserEnv(srv, user), authCodeArgs(browser)...)

	tok := srv.VerifyIDToken(t, srv.Config.V1Issuer(), cred.Status.Token)
	checkV1IDToken(t, srv, tok, user)
	checkExpiration(t, cred, tok)
	sentNonce := authorizeNonce(t, stderr)
	if got := tok.String("nonce"); got != sentNonce {
		t.Errorf("id token nonce = %q, want the authorize request's %q", got, sentNonce)
	}
}

func TestForceRefresh(t *testing.T) {
	bin := harness.KubeloginBinary(t)
	harness.RequireKubeloginRedirectPort(t)
	browser := harness.GoBuild(t, headlessLoginPkg)
	srv := harness.Start(t)
	user := srv.User(t, 0)
	kl := newKubelogin(t, bin, srv)

	first, _ := kl.getToken(t, browserEnv(srv, user), authCodeArgs(browser)...)
	firstTok := srv.VerifyIDToken(t, srv.Config.V1Issuer(), first.Status.Token)
	firstIat, _ := firstTok.Int("iat")

	// Without --force-refresh kubelogin answers from its cache. The browser
	// gets no credentials from here on: if kubelogin falls back to signing in
	// (cache miss, failed refresh), that fails fast instead of succeeding.
	cached, stderr, err := kl.run(t, nil, authCodeArgs(browser)...)
	if err != nil {
		t.Fatalf("second get-token without --force-refresh did not answer from the token cache: %v\nstderr:\n%s", err, stderr)
	}
	if cached.Status.Token != first.Status.Token {
		t.Fatalf("second get-token without --force-refresh returned a different token; the token cache was not used")
	}

	// iat has one-second resolution: make sure a re-signed token can differ.
	for time.Now().Unix() <= firstIat {
		time.Sleep(100 * time.Millisecond)
	}
	refreshed, stderr, err := kl.run(t, nil, append(authCodeArgs(browser), "--force-refresh")...)
	if err != nil {
		t.Fatalf("kubelogin get-token --force-refresh did not refresh with the cached refresh token: %v\nkubelogin's refresh error: %s\nstderr:\n%s",
			err, refreshError(stderr), stderr)
	}
	if refreshed.Status.Token == first.Status.Token {
		t.Fatalf("--force-refresh returned the cached token unchanged")
	}
	tok := srv.VerifyIDToken(t, srv.Config.V1Issuer(), refreshed.Status.Token)
	checkV1IDToken(t, srv, tok, user)
	checkExpiration(t, refreshed, tok)
	if iat, _ := tok.Int("iat"); iat <= firstIat {
		t.Errorf("refreshed id token iat = %d, want later than the first token's %d", iat, firstIat)
	}
	if got, want := tok.String("nonce"), firstTok.String("nonce"); got != "" && got != want {
		t.Errorf("refreshed id token nonce = %q, want none or the original %q", got, want)
	}
}

// authCodeArgs selects the authorization code flow with headless-login as
// the browser. The timeout is short so that a failed sign-in ends kubelogin
// (with the browser's message on stderr) well before kubeloginTimeout.
func authCodeArgs(browser string) []string {
	return []string{"--grant-type=authcode", "--browser-command=" + browser, "--authentication-timeout-sec=20"}
}

func browserEnv(srv *harness.Server, user harness.DevUser) []string {
	return []string{
		"GATEHOUSE_E2E_USERNAME=" + user.UserPrincipalName,
		"GATEHOUSE_E2E_PASSWORD=" + user.Password,
		"GATEHOUSE_E2E_CA_FILE=" + srv.Config.CAFile,
	}
}

type kubelogin struct {
	bin      string
	srv      *harness.Server
	cacheDir string
}

func newKubelogin(t *testing.T, bin string, srv *harness.Server) *kubelogin {
	return &kubelogin{bin: bin, srv: srv, cacheDir: t.TempDir()}
}

// getToken runs `kubelogin get-token` and fails the test unless it printed
// an ExecCredential with a token.
func (k *kubelogin) getToken(t *testing.T, env []string, args ...string) (*clientauthv1.ExecCredential, string) {
	t.Helper()
	cred, stderr, err := k.run(t, env, args...)
	if err != nil {
		t.Fatalf("kubelogin get-token %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr)
	}
	return cred, stderr
}

func (k *kubelogin) run(t *testing.T, env []string, args ...string) (*clientauthv1.ExecCredential, string, error) {
	t.Helper()
	cfg := k.srv.Config
	all := append([]string{
		"get-token",
		"--oidc-issuer-url=" + cfg.V1Issuer(),
		"--oidc-client-id=" + cfg.ClientID,
		"--oidc-client-secret=" + cfg.ClientSecret,
		"--certificate-authority=" + cfg.CAFile,
		"--token-cache-dir=" + k.cacheDir,
		"-v1",
	}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), kubeloginTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, all...)
	// Only what kubelogin needs: the browser must not inherit credentials
	// from the test's own environment.
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + k.cacheDir,
		"KUBERNETES_EXEC_INFO=" + execInfo,
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("kubelogin %s: %s\n%s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), stderr.String())
	if err != nil {
		return nil, stderr.String(), err
	}
	var cred clientauthv1.ExecCredential
	if err := json.Unmarshal(stdout.Bytes(), &cred); err != nil {
		return nil, stderr.String(), fmt.Errorf("decode ExecCredential %q: %w", stdout.String(), err)
	}
	if cred.APIVersion != clientauthv1.SchemeGroupVersion.String() || cred.Kind != "ExecCredential" {
		return nil, stderr.String(), fmt.Errorf("printed %s/%s, want ExecCredential of %s", cred.APIVersion, cred.Kind, clientauthv1.SchemeGroupVersion)
	}
	if cred.Status == nil || cred.Status.Token == "" {
		return nil, stderr.String(), fmt.Errorf("ExecCredential without a token: %s", stdout.String())
	}
	return &cred, stderr.String(), nil
}

// checkV1IDToken checks the claims of a v1 ID token issued to the demo
// client for user (entra-compat §1.3, §1.6, §1.7).
func checkV1IDToken(t *testing.T, srv *harness.Server, tok harness.IDToken, user harness.DevUser) {
	t.Helper()
	cfg := srv.Config
	if got := tok.Header["alg"]; got != "RS256" {
		t.Errorf("id token header alg = %v, want RS256", got)
	}
	if got := tok.Header["typ"]; got != "JWT" {
		t.Errorf("id token header typ = %v, want JWT", got)
	}
	kid, _ := tok.Header["kid"].(string)
	if kid == "" {
		t.Errorf("id token header has no kid")
	}
	// Entra: v1 tokens carry x5t equal to kid.
	if got := tok.Header["x5t"]; got != kid {
		t.Errorf("id token header x5t = %v, want the kid %q", got, kid)
	}
	if got, want := tok.String("iss"), cfg.V1Issuer(); got != want {
		t.Errorf("id token iss = %q, want %q", got, want)
	}
	if got := tok.Verified.Audience; len(got) != 1 || got[0] != cfg.ClientID {
		t.Errorf("id token aud = %q, want [%q]", got, cfg.ClientID)
	}
	iat, okIat := tok.Int("iat")
	exp, okExp := tok.Int("exp")
	if !okIat || !okExp {
		t.Errorf("id token iat = %v, exp = %v, want integers", tok.Claims["iat"], tok.Claims["exp"])
	} else if exp-iat != defaultIDTokenLifetime {
		t.Errorf("id token exp-iat = %d s, want %d s", exp-iat, defaultIDTokenLifetime)
	}
	if now := time.Now().Unix(); okIat && (iat > now+5 || iat < now-300) {
		t.Errorf("id token iat = %d, want about now (%d)", iat, now)
	}
	if got := tok.String("ver"); got != "1.0" {
		t.Errorf("id token ver = %q, want \"1.0\"", got)
	}
	if got := tok.String("tid"); got != cfg.TenantID {
		t.Errorf("id token tid = %q, want %q", got, cfg.TenantID)
	}
	if got := tok.String("oid"); got != user.ID {
		t.Errorf("id token oid = %q, want the user's id %q", got, user.ID)
	}
	if got := tok.String("upn"); got != user.UserPrincipalName {
		t.Errorf("id token upn = %q, want %q", got, user.UserPrincipalName)
	}
	if got := tok.String("unique_name"); got == "" {
		t.Errorf("id token has no unique_name")
	}
	// Entra: sub is pairwise per application, never the object id.
	if sub := tok.String("sub"); sub == "" || sub == user.ID {
		t.Errorf("id token sub = %q, want a pairwise subject other than the oid %q", sub, user.ID)
	}
}

// checkExpiration checks that kubelogin told kubectl the token's own expiry.
func checkExpiration(t *testing.T, cred *clientauthv1.ExecCredential, tok harness.IDToken) {
	t.Helper()
	exp, _ := tok.Int("exp")
	if cred.Status.ExpirationTimestamp == nil {
		t.Errorf("ExecCredential has no expirationTimestamp")
		return
	}
	if got := cred.Status.ExpirationTimestamp.Unix(); got != exp {
		t.Errorf("ExecCredential expirationTimestamp = %d, want the id token exp %d", got, exp)
	}
}

var authorizeRequestLine = regexp.MustCompile(`headless-login: authorize request: (\S+)`)

// authorizeNonce returns the nonce of the authorize request headless-login
// logged to kubelogin's stderr.
func authorizeNonce(t *testing.T, stderr string) string {
	t.Helper()
	m := authorizeRequestLine.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no authorize request in kubelogin's stderr:\n%s", stderr)
	}
	u, err := url.Parse(m[1])
	if err != nil {
		t.Fatalf("parse authorize request %q: %v", m[1], err)
	}
	nonce := u.Query().Get("nonce")
	if nonce == "" {
		t.Fatalf("kubelogin's authorize request %s has no nonce", u)
	}
	return nonce
}

var refreshErrorLine = regexp.MustCompile(`could not refresh the token: .*`)

func refreshError(stderr string) string {
	if m := refreshErrorLine.FindString(stderr); m != "" {
		return m
	}
	return "(none logged)"
}
