package cluster_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
	"github.com/gatehouse-id/gatehouse/e2e/kubecluster"
)

// TestKubernetesSignIn runs the suite against one `gatehouse dev` and one
// cluster, its subtests in order.
func TestKubernetesSignIn(t *testing.T) {
	e := startEnv(t)
	adele, alex := e.user(t, "adele"), e.user(t, "alex")
	namespaces := map[string]string{adele.ID: "team-platform", alex.ID: "team-apps"}
	mapDefaultNamespace(t, e.srv, appOnlyGraphClient(t, e.srv), namespaces)

	// adele signs in first, and her group platform-engineers is bound; alex
	// is not in it, so his case still starts from a 403.
	t.Run("password grant", func(t *testing.T) {
		kc := e.writeKubeconfig(t, "password", []string{"--username=" + adele.UserPrincipalName, "--password=" + adele.Password})
		e.signIn(t, kc, signInCase{
			user: adele, namespace: namespaces[adele.ID], bind: platformEngineersGroup,
			groups: []string{platformEngineersGroup, developersGroup},
		})
	})

	t.Run("authorization code flow", func(t *testing.T) {
		harness.RequireKubeloginRedirectPort(t)
		browser := harness.GoBuild(t, headlessLoginPkg)
		kc := e.writeKubeconfig(t, "authcode",
			// Short, so that a failed sign-in ends kubelogin with the
			// browser's message well before the command timeout.
			[]string{"--browser-command=" + browser, "--authentication-timeout-sec=20"},
			"GATEHOUSE_E2E_USERNAME="+alex.UserPrincipalName,
			"GATEHOUSE_E2E_PASSWORD="+alex.Password,
			"GATEHOUSE_E2E_CA_FILE="+e.srv.Config.CAFile)
		e.signIn(t, kc, signInCase{
			user: alex, namespace: namespaces[alex.ID], bind: developersGroup,
			groups: []string{developersGroup},
		})
	})

	t.Run("token of another audience", func(t *testing.T) { e.testWrongAudience(t) })
	t.Run("expired token", func(t *testing.T) { e.testExpiredToken(t, alex) })
	t.Run("groups overage", func(t *testing.T) { e.testGroupsOverage(t, adele) })
	// Last: a running gatehouse picks up a rotation on its next key reload,
	// every 30 s from its start, so the closer to the restart of the
	// expired-token case, the longer the wait. And the rotation invalidates
	// every token issued before it.
	t.Run("key rotation", func(t *testing.T) { e.testKeyRotation(t, alex) })
}

// signInCase is one user signing in to the cluster through a kubeconfig.
type signInCase struct {
	user harness.DevUser
	// namespace is the user's default_namespace claim.
	namespace string
	// bind is the object id of the group whose binding lets the user list
	// namespaces.
	bind string
	// groups are the object ids of every security group of the user.
	groups []string
}

// signIn runs kubectl with the kubeconfig: 403 naming the user the API
// server derived from the ID token, 200 once the user's group is bound, and
// `kubectl auth whoami` with the user, groups and extra values.
func (e *env) signIn(t *testing.T, kc *kubeconfig, c signInCase) {
	t.Helper()
	wantUser := claimPrefix + c.user.UserPrincipalName

	_, stderr, err := e.kubectlWith(t, kc, "get", "namespaces")
	// Forbidden, not Unauthorized: kubelogin got a token, the API server
	// accepted it and named the user as it derived it (prefix + upn).
	if err == nil || !strings.Contains(stderr, "(Forbidden)") || !strings.Contains(stderr, `User "`+wantUser+`"`) {
		t.Fatalf("kubectl get namespaces before any binding: err %v, stderr %q; want Forbidden for User %q\nkube-apiserver: %s",
			err, stderr, wantUser, e.lastAuthnFailure(t))
	}

	e.cluster.BindClusterRole(t, namespaceReader.Name, kubecluster.Group(claimPrefix+c.bind))
	stdout, stderr, err := e.kubectlWith(t, kc, "get", "namespaces")
	if err != nil {
		t.Fatalf("kubectl get namespaces after binding %s to group %s: %v\nstderr:\n%s", namespaceReader.Name, c.bind, err, stderr)
	}
	if names := firstColumn(stdout); !slices.Contains(names, "default") {
		t.Fatalf("kubectl get namespaces lists %v, want default among them", names)
	}

	stdout, stderr, err = e.kubectlWith(t, kc, "auth", "whoami", "--output=json")
	if err != nil {
		t.Fatalf("kubectl auth whoami: %v\nstderr:\n%s", err, stderr)
	}
	info, err := decodeWhoami(stdout)
	if err != nil {
		t.Fatal(err)
	}
	if info.Username != wantUser {
		t.Errorf("whoami user = %q, want %q", info.Username, wantUser)
	}
	wantGroups := []string{"system:authenticated"}
	for _, g := range c.groups {
		wantGroups = append(wantGroups, claimPrefix+g)
	}
	if !sameSet(info.Groups, wantGroups) {
		t.Errorf("whoami groups = %v, want %v", info.Groups, wantGroups)
	}
	for key, want := range map[string]string{extraDefaultNamespace: c.namespace, extraTenantID: e.srv.Config.TenantID} {
		if got := info.Extra[key]; len(got) != 1 || got[0] != want {
			t.Errorf("whoami extra %s = %v, want [%s] (all extra: %v)", key, got, want, info.Extra)
		}
	}
}
