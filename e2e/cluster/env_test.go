package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
	"github.com/gatehouse-id/gatehouse/e2e/kubecluster"
)

const (
	// claimPrefix is the username and groups prefix `gatehouse
	// kube-authn-config` puts in the AuthenticationConfiguration by default.
	claimPrefix = "oidc:"
	// Extra keys the generated configuration maps (--extra-prefix
	// gatehouse.io).
	extraDefaultNamespace = "gatehouse.io/default-namespace"
	extraTenantID         = "gatehouse.io/tid"

	// The demo tenant's security groups (internal/devenv): adele is in both,
	// alex in developers only.
	platformEngineersGroup = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70"
	developersGroup        = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a81"

	// unauthorized is how kubectl reports a 401, whatever the reason.
	unauthorized = "You must be logged in to the server"
	// authnFailure is how kube-apiserver logs why it refused a credential.
	authnFailure = "Unable to authenticate the request"

	headlessLoginPkg = "github.com/gatehouse-id/gatehouse/e2e/cmd/headless-login"
	// commandTimeout bounds one gatehouse, kubectl or kubelogin run.
	commandTimeout = 90 * time.Second
)

// namespaceReader is the ClusterRole the tests bind to groups: what
// `kubectl get namespaces` needs. The aggregated role view is empty without a
// controller manager.
var namespaceReader = &rbacv1.ClusterRole{
	ObjectMeta: metav1.ObjectMeta{Name: "e2e-namespace-reader"},
	Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"list", "get", "watch"}}},
}

// env is the issuer and the cluster the suite shares.
type env struct {
	srv     *harness.Server
	cluster *kubecluster.Cluster
	// authnConfig is what `gatehouse kube-authn-config` generated, the
	// cluster's --authentication-config.
	authnConfig []byte

	gatehouse, kubelogin, kubectl string
}

// startEnv starts `gatehouse dev`, then etcd and kube-apiserver with the
// generated AuthenticationConfiguration (the issuer first: the API server
// fetches its discovery document at startup). Both are stopped when t ends,
// whatever the outcome.
func startEnv(t *testing.T) *env {
	t.Helper()
	kubecluster.RequireBinaries(t)
	e := &env{kubelogin: harness.KubeloginBinary(t), kubectl: kubecluster.KubectlBinary(t), gatehouse: harness.Gatehouse(t)}
	e.srv = harness.Start(t, fastKeys)

	path := filepath.Join(t.TempDir(), "authentication-config.yaml")
	e.runGatehouse(t, "kube-authn-config", "--dev-json", e.devJSON(), "-o", path)
	var err error
	if e.authnConfig, err = os.ReadFile(path); err != nil {
		t.Fatalf("read generated AuthenticationConfiguration: %v", err)
	}
	t.Logf("gatehouse kube-authn-config:\n%s", e.authnConfig)
	e.cluster = kubecluster.Start(t, kubecluster.Config{AuthenticationConfig: e.authnConfig})
	e.cluster.ApplyClusterRole(t, namespaceReader)
	return e
}

func (e *env) devJSON() string { return filepath.Join(e.srv.DataDir(), "dev.json") }

// user returns the seeded user whose user principal name starts with
// "<name>@".
func (e *env) user(t *testing.T, name string) harness.DevUser {
	t.Helper()
	for _, u := range e.srv.Config.Users {
		if strings.HasPrefix(u.UserPrincipalName, name+"@") {
			return u
		}
	}
	t.Fatalf("dev.json has no user %s@...", name)
	return harness.DevUser{}
}

// runGatehouse runs the gatehouse binary under test and returns its output,
// failing the test if it fails.
func (e *env) runGatehouse(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.gatehouse, args...)
	ownProcessGroup(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(redact(args), " "), err, out)
	}
	return string(out)
}

// kubeconfig is a kubeconfig written by `gatehouse kubeconfig` and the
// environment kubectl runs with when using it.
type kubeconfig struct {
	path string
	env  []string
}

// writeKubeconfig runs `gatehouse kubeconfig` for the cluster with the real
// kubelogin as the credential plugin, its own token cache, and kubeloginArgs
// (the grant type's flags); env is added to kubectl's environment, which
// kubectl passes on to kubelogin and kubelogin to its browser command.
func (e *env) writeKubeconfig(t *testing.T, grantType string, kubeloginArgs []string, env ...string) *kubeconfig {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "kubeconfig")
	args := []string{"kubeconfig", "--dev-json", e.devJSON(), "--command", e.kubelogin, "--grant-type", grantType,
		"--kubelogin-arg=--token-cache-dir=" + filepath.Join(dir, "kubelogin-cache"),
		"--cluster-server", e.cluster.URL, "--cluster-ca-file", e.cluster.CAFile, "-o", path}
	for _, a := range kubeloginArgs {
		args = append(args, "--kubelogin-arg="+a)
	}
	e.runGatehouse(t, args...)
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	// Only what kubectl and kubelogin need; HOME of its own keeps kubectl's
	// discovery cache and the machine's ~/.kube/config out of the test.
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "KUBECONFIG=" + path}
	return &kubeconfig{path: path, env: append(base, env...)}
}

// kubectlWith runs kubectl as a person does after `gatehouse kubeconfig`:
// KUBECONFIG set, kubectl running kubelogin for the token.
func (e *env) kubectlWith(t *testing.T, kc *kubeconfig, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.kubectl, args...)
	ownProcessGroup(cmd)
	// kubelogin and headless-login inherit kubectl's output pipes; do not
	// wait for them forever if the group is killed.
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = kc.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", commandTimeout, err)
	}
	t.Logf("KUBECONFIG=%s kubectl %s: %s, %v", filepath.Base(filepath.Dir(kc.path)), strings.Join(args, " "),
		time.Since(start).Round(time.Millisecond), exitStatus(err))
	return out.String(), errOut.String(), err
}

// whoami runs `kubectl auth whoami --token=<token>`: any authenticated user
// may create a SelfSubjectReview, so it tells authentication apart from
// authorization. It returns the identity the API server derived, or the
// refusal.
func (e *env) whoami(t *testing.T, token string) (authenticationv1.UserInfo, string, error) {
	t.Helper()
	stdout, stderr, err := e.cluster.Kubectl(t, "auth", "whoami", "--output=json", "--token="+token)
	if err != nil {
		return authenticationv1.UserInfo{}, stderr, err
	}
	info, err := decodeWhoami(stdout)
	return info, stderr, err
}

func decodeWhoami(stdout string) (authenticationv1.UserInfo, error) {
	var review authenticationv1.SelfSubjectReview
	if err := json.Unmarshal([]byte(stdout), &review); err != nil {
		return authenticationv1.UserInfo{}, fmt.Errorf("decode SelfSubjectReview %q: %w", stdout, err)
	}
	return review.Status.UserInfo, nil
}

// requireAccepted fails the test unless the API server authenticates token as
// upn.
func (e *env) requireAccepted(t *testing.T, what, token, upn string) {
	t.Helper()
	info, stderr, err := e.whoami(t, token)
	if err != nil {
		t.Fatalf("kubectl auth whoami with %s: %v\nstderr: %s\nkube-apiserver: %s", what, err, stderr, e.lastAuthnFailure(t))
	}
	if want := claimPrefix + upn; info.Username != want {
		t.Fatalf("kubectl auth whoami with %s: user %q, want %q", what, info.Username, want)
	}
}

// refusal presents token to the API server and returns why it refused it:
// its log line for the request, or an error when it did not answer 401.
func (e *env) refusal(t *testing.T, token string) (string, error) {
	t.Helper()
	before := len(e.cluster.APIServerLog(t))
	info, stderr, err := e.whoami(t, token)
	if err == nil {
		return "", fmt.Errorf("accepted as %q (groups %v)", info.Username, info.Groups)
	}
	if !strings.Contains(stderr, unauthorized) {
		return "", fmt.Errorf("kubectl failed without a 401 (%q): %v\nstderr: %s", unauthorized, err, stderr)
	}
	// The filter logs before it answers, so the line is there already.
	return authnFailureLine(e.cluster.APIServerLog(t)[before:]), nil
}

// requireRefused fails the test unless the API server answers 401 to token
// and logs reason as the cause.
func (e *env) requireRefused(t *testing.T, what, token, reason string) {
	t.Helper()
	logged, err := e.refusal(t, token)
	if err != nil {
		t.Fatalf("kubectl auth whoami with %s: %v; want 401", what, err)
	}
	if !strings.Contains(logged, reason) {
		t.Fatalf("kube-apiserver refused %s with %q; want a failure about %q", what, logged, reason)
	}
	t.Logf("kube-apiserver refused %s (401): %s", what, logged)
}

// lastAuthnFailure is the API server's last logged authentication failure,
// for failure messages.
func (e *env) lastAuthnFailure(t *testing.T) string {
	t.Helper()
	return authnFailureLine(e.cluster.APIServerLog(t))
}

// authnFailureLine returns the last "Unable to authenticate the request" line
// of a kube-apiserver log, or a note that there is none.
func authnFailureLine(log string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], authnFailure) {
			return strings.TrimSpace(lines[i])
		}
	}
	return "(no authentication failure logged)"
}

// firstColumn returns the first field of each row of kubectl's table output,
// without the header.
func firstColumn(table string) []string {
	var names []string
	for i, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if fields := strings.Fields(line); i > 0 && len(fields) > 0 {
			names = append(names, fields[0])
		}
	}
	return names
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// redact hides passwords in logged command lines.
func redact(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if k, _, ok := strings.Cut(a, "--password="); ok {
			a = k + "--password=<redacted>"
		}
		out[i] = a
	}
	return out
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
