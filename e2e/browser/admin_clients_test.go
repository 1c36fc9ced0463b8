package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientauthv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// The clients that use what the administrator configured for eks: the real
// kubelogin, and a second portal signing in as eks.

const (
	// kubeloginTimeout bounds one `kubelogin get-token`.
	kubeloginTimeout = 90 * time.Second
	// execInfo is what kubectl passes to a v1 credential plugin.
	execInfo = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
	// portalStopTimeout is how long the eks portal gets to exit after
	// SIGTERM.
	portalStopTimeout = 10 * time.Second
)

// requireKubelogin finds bin/kubelogin (or $GATEHOUSE_E2E_KUBELOGIN). A
// missing binary fails the test under CI=true; elsewhere it skips it with
// how to build it.
func requireKubelogin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("GATEHOUSE_E2E_KUBELOGIN")
	if bin == "" {
		bin = filepath.Join(harness.RepoRoot(t), "bin", "kubelogin")
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("kubelogin binary %s: %v (build it with scripts/build-tools.sh)", bin, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// kubeloginPassword runs the real `kubelogin get-token` with the password
// grant against the HTTPS v1 issuer for the eks app, with an empty token
// cache, and returns the ID token (or kubelogin's error and stderr).
func kubeloginPassword(t *testing.T, bin string, cfg harness.DevConfig, user harness.DevUser) (string, string, error) {
	t.Helper()
	cache := t.TempDir()
	args := []string{
		"get-token",
		"--oidc-issuer-url=" + cfg.V1Issuer(),
		"--oidc-client-id=" + cfg.ClientID,
		"--oidc-client-secret=" + cfg.ClientSecret,
		"--certificate-authority=" + cfg.CAFile,
		"--token-cache-dir=" + cache,
		"--grant-type=password",
		"--username=" + user.UserPrincipalName,
		"--password=" + user.Password,
	}
	ctx, cancel := context.WithTimeout(context.Background(), kubeloginTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// Only what kubelogin needs: nothing from the test's own environment.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cache, "KUBERNETES_EXEC_INFO=" + execInfo}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("kubelogin get-token --grant-type=password --username=%s: %s, %v", user.UserPrincipalName, time.Since(start).Round(time.Millisecond), err)
	if err != nil {
		return "", stderr.String(), err
	}
	var cred clientauthv1.ExecCredential
	if err := json.Unmarshal(stdout.Bytes(), &cred); err != nil {
		return "", stderr.String(), fmt.Errorf("decode ExecCredential %q: %w", stdout.String(), err)
	}
	if cred.Status == nil || cred.Status.Token == "" {
		return "", stderr.String(), fmt.Errorf("ExecCredential without a token: %s", stdout.String())
	}
	return cred.Status.Token, stderr.String(), nil
}

// freeLoopbackAddr returns a 127.0.0.1 address that was free a moment ago,
// for a server whose redirect URI must be registered before it starts.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// avatarSVG is the picture the test's avatar server serves: a 96×96
// badge, so the img's natural width shows that it loaded.
const avatarSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
	`<rect width="96" height="96" rx="48" fill="#0f766e"/>` +
	`<text x="48" y="60" font-family="sans-serif" font-size="36" font-weight="700" fill="#fff" text-anchor="middle">AW</text></svg>`

// startAvatarServer serves avatarSVG at /avatars/<name>.svg on loopback
// (the portal accepts http: pictures on loopback hosts only) and returns the
// picture's URL.
func startAvatarServer(t *testing.T, name string) string {
	t.Helper()
	path := "/avatars/" + name + ".svg"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(avatarSVG))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + path
}

// startEKSPortal runs a second portal, `gatehouse portal`, on addr: it
// signs in at the HTTPS v1 issuer as the eks app instead of the dev portal's
// own app, so it shows what the admin centre configured for eks (its
// callback and signed-out URIs must be among eks's redirect URIs). It has a
// data directory of its own and no cluster, is stopped when t ends, and its
// log is printed if t failed. It returns the portal's base URL.
func startEKSPortal(t *testing.T, cfg harness.DevConfig, addr string) string {
	t.Helper()
	base := "http://" + addr
	dir := t.TempDir()
	logPath := filepath.Join(dir, "portal.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"portal", "--addr", addr, "--data", filepath.Join(dir, "data"),
		"--issuer-url", cfg.V1Issuer(), "--ca-file", cfg.CAFile, "--client-id", cfg.ClientID,
		"--callback-url", base + "/callback"}
	cmd := exec.Command(harness.Gatehouse(t), args...)
	// The secret by environment, as the flag's help advises; nothing else
	// of the test's environment (GATEHOUSE_PORTAL_* would set flags).
	cmd.Env = []string{"GATEHOUSE_PORTAL_CLIENT_SECRET=" + cfg.ClientSecret}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start gatehouse %s: %v", strings.Join(args, " "), err)
	}
	exited := make(chan struct{})
	var waitErr error // set before exited is closed
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		defer logFile.Close()
		select {
		case <-exited:
			t.Errorf("the eks portal exited before the test ended: %v", waitErr)
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(portalStopTimeout):
				_ = cmd.Process.Kill()
				<-exited
				t.Errorf("the eks portal did not exit within %s of SIGTERM; killed it", portalStopTimeout)
			}
		}
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("--- eks portal log ---\n%s", b)
			}
		}
	})

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("gatehouse %s exited before it was ready: %v", strings.Join(args, " "), waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("eks portal ready at %s", base)
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the eks portal at %s did not answer /healthz within 30s: %v", base, err)
		}
	}
}

// testKubelogin: the guide's last step, the real kubelogin against the
// HTTPS v1 issuer.
func (a *adminEnv) testKubelogin(t *testing.T) {
	cfg := a.srv.Config
	raw, stderr, err := kubeloginPassword(t, a.kubelogin, cfg, a.user)
	if err != nil {
		t.Fatalf("kubelogin get-token: %v\nstderr:\n%s", err, stderr)
	}
	idt := a.srv.VerifyIDToken(t, cfg.V1Issuer(), raw)
	if got := idt.String("default_namespace"); got != guideNamespace {
		t.Errorf("ID token default_namespace = %q, want %q", got, guideNamespace)
	}
	if got := idt.String("picture"); got != a.picture {
		t.Errorf("ID token picture = %q, want %q", got, a.picture)
	}
	if got := idt.String("upn"); got != a.user.UserPrincipalName {
		t.Errorf("ID token upn = %q, want %q", got, a.user.UserPrincipalName)
	}
	iat, okIat := idt.Int("iat")
	exp, okExp := idt.Int("exp")
	if !okIat || !okExp || exp-iat != guideLifetimeSeconds {
		t.Errorf("ID token exp - iat = %d - %d = %d s, want %d (%s)", exp, iat, exp-iat, guideLifetimeSeconds, guideLifetime)
	}
}

// testEKSPortal: a portal signing in with eks shows alex's namespace and
// avatar from the claims configured in the admin centre.
func (a *adminEnv) testEKSPortal(t *testing.T) {
	portalURL := startEKSPortal(t, a.srv.Config, a.portalAddr)
	var got struct {
		scenarioOutcome
		Home struct {
			URL              string     `json:"url"`
			Title            string     `json:"title"`
			DefaultNamespace string     `json:"defaultNamespace"`
			DefaultSource    string     `json:"defaultSource"`
			Header           headerView `json:"header"`
		} `json:"home"`
		Account struct {
			Claim       string      `json:"claim"`
			PictureNote string      `json:"pictureNote"`
			Avatar      *avatarView `json:"avatar"`
			Session     []string    `json:"session"`
		} `json:"account"`
	}
	in := scenarioInput{PortalURL: portalURL, IssuerURL: a.srv.Config.HTTPSBaseURL, Params: map[string]any{"user": creds(a.user)}}
	a.browser.runScenario(t, "eks-portal", "admin-4-eks-portal", in, &got)

	if got.Home.URL != portalURL+"/" || got.Home.Title != "Welcome, Alex Wilber" {
		t.Errorf("after sign-in the browser is at %s showing %q, want the overview %s/", got.Home.URL, got.Home.Title, portalURL)
	}
	if got.Home.DefaultNamespace != guideNamespace || got.Home.DefaultSource != "claim" || got.Account.Claim != guideNamespace {
		t.Errorf("overview default namespace %q (source %q), account claim %q; want %q from the claim",
			got.Home.DefaultNamespace, got.Home.DefaultSource, got.Account.Claim, guideNamespace)
	}
	for place, av := range map[string]*avatarView{"header": got.Home.Header.Avatar, "account": got.Account.Avatar} {
		switch {
		case av == nil:
			t.Errorf("%s avatar missing", place)
		case av.Src != a.picture:
			t.Errorf("%s avatar img src = %q, want the picture claim %q", place, av.Src, a.picture)
		case av.State != "loaded" || av.NaturalWidth != 96:
			t.Errorf("%s avatar state %q, natural width %d; want the 96-pixel picture loaded", place, av.State, av.NaturalWidth)
		}
	}
	if len(got.Account.Session) != 3 {
		t.Fatalf("account page session times %v, want signed in, session end and ID token expiry", got.Account.Session)
	}
	signedIn, err1 := time.Parse(time.RFC3339, got.Account.Session[0])
	expires, err2 := time.Parse(time.RFC3339, got.Account.Session[2])
	if err1 != nil || err2 != nil {
		t.Fatalf("account page session times %v: %v, %v", got.Account.Session, err1, err2)
	}
	if life := expires.Sub(signedIn); life < guideLifetimeSeconds*time.Second-time.Minute || life > guideLifetimeSeconds*time.Second+time.Minute {
		t.Errorf("the portal's ID token expires %s after sign-in, want about %s (the eks token lifetime policy)", life, guideLifetimeSeconds*time.Second)
	}
}
