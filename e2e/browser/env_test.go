package browser_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
	"github.com/gatehouse-id/gatehouse/e2e/kubecluster"
)

const (
	// claimPrefix is the username and groups prefix `gatehouse
	// kube-authn-config` puts in the AuthenticationConfiguration by default.
	claimPrefix = "oidc:"

	// The demo tenant's security groups (internal/devenv): adele is in both,
	// alex in developers only.
	platformEngineersGroup = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70"
	developersGroup        = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a81"

	// portalAppObjectID is the object id of the portal's app registration
	// in the demo tenant (internal/devenv).
	portalAppObjectID = "7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"

	// teamA is adele's default_namespace claim, teamB alex's.
	teamA = "team-a"
	teamB = "team-b"

	// commandTimeout bounds one gatehouse command.
	commandTimeout = 90 * time.Second
)

// teamAPods are the pods created in team-a. Without a scheduler and a
// kubelet they stay Pending, but the API lists them.
var teamAPods = []string{"api-6f7d9c-x2k4p", "web-5c8b7d-q9z1m"}

// portalReader is what the portal's pages read, bound to adele's group. The
// aggregated role view is empty without a controller manager.
var portalReader = &rbacv1.ClusterRole{
	ObjectMeta: metav1.ObjectMeta{Name: "e2e-portal-reader"},
	Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces", "pods", "services", "configmaps", "events"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list"}},
	},
}

// env is the issuer with its portal, and the cluster the portal shows.
type env struct {
	srv     *harness.Server
	cluster *kubecluster.Cluster
	// devArgs are the `gatehouse dev` flags that point the portal at the
	// cluster; every restart passes them again.
	devArgs []string
	graph   *graphClient
	browser browserTools
}

// startEnv starts `gatehouse dev`, then etcd and kube-apiserver trusting its
// HTTPS issuer for ID tokens of the eks and the portal app (the issuer
// first: the API server fetches its discovery document at startup), then
// restarts `gatehouse dev` with the cluster for its portal. Everything is
// stopped when t ends, whatever the outcome.
func startEnv(t *testing.T) *env {
	t.Helper()
	kubecluster.RequireBinaries(t)
	e := &env{browser: requireBrowserTools(t)}
	e.srv = harness.Start(t)
	if e.srv.Config.PortalURL == "" || e.srv.Config.PortalClientID == "" {
		t.Fatalf("dev.json has portal_url %q and portal_client_id %q; want both (gatehouse dev starts the portal)",
			e.srv.Config.PortalURL, e.srv.Config.PortalClientID)
	}

	authnConfig := filepath.Join(t.TempDir(), "authentication-config.yaml")
	e.runGatehouse(t, "kube-authn-config", "--dev-json", e.devJSON(),
		"--client-id", e.srv.Config.ClientID+","+e.srv.Config.PortalClientID, "-o", authnConfig)
	generated, err := os.ReadFile(authnConfig)
	if err != nil {
		t.Fatalf("read generated AuthenticationConfiguration: %v", err)
	}
	e.cluster = kubecluster.Start(t, kubecluster.Config{AuthenticationConfig: matchAnyAudience(t, generated)})

	e.devArgs = []string{"--cluster-kubeconfig", e.portalKubeconfig(t)}
	e.srv.Restart(t, harness.WithDevArgs(e.devArgs...))
	t.Logf("portal %s on cluster %s", e.srv.Config.PortalURL, e.cluster.URL)

	e.seedCluster(t)
	e.graph = appOnlyGraphClient(t, e.srv)
	return e
}

func (e *env) devJSON() string { return filepath.Join(e.srv.DataDir(), "dev.json") }

// restart restarts `gatehouse dev` with the cluster and opts.
func (e *env) restart(t *testing.T, opts ...harness.Option) {
	t.Helper()
	e.srv.Restart(t, append([]harness.Option{harness.WithDevArgs(e.devArgs...)}, opts...)...)
}

// matchAnyAudience checks that a generated AuthenticationConfiguration with
// several audiences has audienceMatchPolicy MatchAny, which kube-apiserver
// requires then (it refuses to start otherwise). When it lacks it, the test
// fails for that, and goes on with the policy added so the portal's
// scenarios still run.
func matchAnyAudience(t *testing.T, generated []byte) []byte {
	t.Helper()
	var cfg apiserverv1.AuthenticationConfiguration
	if err := yaml.UnmarshalStrict(generated, &cfg); err != nil {
		t.Fatalf("generated AuthenticationConfiguration: %v\n%s", err, generated)
	}
	patched := false
	for i, j := range cfg.JWT {
		if len(j.Issuer.Audiences) > 1 && j.Issuer.AudienceMatchPolicy != apiserverv1.AudienceMatchPolicyMatchAny {
			t.Errorf("`gatehouse kube-authn-config --client-id %s` wrote jwt[%d].issuer.audienceMatchPolicy %q; kube-apiserver requires MatchAny with several audiences (the test adds it)",
				strings.Join(j.Issuer.Audiences, ","), i, j.Issuer.AudienceMatchPolicy)
			cfg.JWT[i].Issuer.AudienceMatchPolicy = apiserverv1.AudienceMatchPolicyMatchAny
			patched = true
		}
	}
	if !patched {
		return generated
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("marshal AuthenticationConfiguration: %v", err)
	}
	return out
}

// portalKubeconfig writes a kubeconfig with the cluster's server and CA and
// no user: the portal sends each user's own ID token.
func (e *env) portalKubeconfig(t *testing.T) string {
	t.Helper()
	const name = "e2e"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: e.cluster.URL, CertificateAuthorityData: e.cluster.CAPEM}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name}
	cfg.CurrentContext = name
	path := filepath.Join(t.TempDir(), "portal.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatalf("write the portal's kubeconfig: %v", err)
	}
	return path
}

// seedCluster creates team-a with its pods and team-b, and binds the
// portal reader role to adele's group (platform-engineers) only.
func (e *env) seedCluster(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	admin := e.cluster.AdminClient(t)
	for _, ns := range []string{teamA, teamB} {
		if _, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create namespace %s: %v", ns, err)
		}
		// The ServiceAccount admission plugin wants the pods' service
		// account; without a controller manager nobody creates it.
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
		if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create service account %s/default: %v", ns, err)
		}
	}
	for _, name := range teamAPods {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: teamA, Labels: map[string]string{"app": strings.SplitN(name, "-", 2)[0]}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0"}}},
		}
		if _, err := admin.CoreV1().Pods(teamA).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s/%s: %v", teamA, name, err)
		}
	}
	e.cluster.ApplyClusterRole(t, portalReader)
	e.cluster.BindClusterRole(t, portalReader.Name, kubecluster.Group(claimPrefix+platformEngineersGroup))
}

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

// creds are a user's credentials for a scenario script.
func creds(u harness.DevUser) Credentials {
	return Credentials{Username: u.UserPrincipalName, Password: u.Password}
}

// input is a scenario's input with the running servers' URLs.
func (e *env) input(params any) scenarioInput {
	return scenarioInput{PortalURL: e.srv.Config.PortalURL, IssuerURL: e.srv.Config.HTTPSBaseURL, Params: params}
}

// runGatehouse runs the gatehouse binary under test, failing the test if it
// fails.
func (e *env) runGatehouse(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, harness.Gatehouse(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// createUser creates a user through Microsoft Graph, in no group and without
// any directory extension value, and returns it with its password.
func (e *env) createUser(t *testing.T, nick, displayName string) harness.DevUser {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	password := "E2e-" + hex.EncodeToString(b) + "-Pw"
	upn := nick + "@" + e.srv.Config.TenantDomain
	created := e.graph.must(t, "POST", "/v1.0/users", map[string]any{
		"accountEnabled": true, "displayName": displayName, "mailNickname": nick, "userPrincipalName": upn,
		"passwordProfile": map[string]any{"forceChangePasswordNextSignIn": false, "password": password},
	}, 201)
	id, _ := created["id"].(string)
	if id == "" {
		t.Fatalf("POST /v1.0/users answered %v, want an id", created)
	}
	return harness.DevUser{ID: id, UserPrincipalName: upn, Password: password}
}

// setTokenLifetime creates a token lifetime policy of lifetime (an Entra
// timespan such as "00:10:00") and assigns it to the portal's app, as the
// guide does for eks.
func (e *env) setTokenLifetime(t *testing.T, lifetime string) {
	t.Helper()
	def := fmt.Sprintf(`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"%s"}}`, lifetime)
	policy := e.graph.must(t, "POST", "/v1.0/policies/tokenLifetimePolicies", map[string]any{
		"definition": []string{def}, "displayName": "portal e2e " + lifetime, "isOrganizationDefault": false,
	}, 201)
	id, _ := policy["id"].(string)
	if id == "" {
		t.Fatalf("POST /v1.0/policies/tokenLifetimePolicies answered %v, want an id", policy)
	}
	e.graph.must(t, "POST", "/v1.0/applications/"+portalAppObjectID+"/tokenLifetimePolicies/$ref", map[string]any{
		"@odata.id": "https://graph.microsoft.com/v1.0/policies/tokenLifetimePolicies/" + id,
	}, 204)
}
