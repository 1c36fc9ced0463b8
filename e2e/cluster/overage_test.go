package cluster_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
	"github.com/gatehouse-id/gatehouse/e2e/kubecluster"
)

const (
	// overageGroups is how many groups the overage user is in: well above
	// the 200 a JWT may list.
	overageGroups = 500
	// graphWorkers is how many Graph requests set up the groups at once.
	graphWorkers = 8
	// distributedClaimsTimeout bounds how long the API server takes to
	// resolve the groups: it builds the verifier for the groups endpoint's
	// JWTs asynchronously on first use, and fails the requests until then.
	distributedClaimsTimeout = 30 * time.Second
)

// testGroupsOverage signs in a user who is in 500 groups: the ID token has
// no groups claim but a _claim_sources pointer to gatehouse's groups
// endpoint, and the API server resolves it (a distributed claim) to every
// group, so a binding to any one of them applies.
func (e *env) testGroupsOverage(t *testing.T, admin harness.DevUser) {
	cfg := e.srv.Config
	user := harness.DevUser{UserPrincipalName: "overage@" + cfg.TenantDomain, Password: "Overage-e2e-2024!"}
	graph := appOnlyGraphClient(t, e.srv)
	created := graph.must(t, http.MethodPost, "/v1.0/users", map[string]any{
		"accountEnabled": true, "displayName": "Overage User", "mailNickname": "overage",
		"userPrincipalName": user.UserPrincipalName, "passwordProfile": map[string]any{"password": user.Password},
	}, http.StatusCreated)
	user.ID, _ = created["id"].(string)

	start := time.Now()
	groups, err := createGroupsWithMember(adminGraphClient(t, e.srv, graph, admin), overageGroups, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("created %d groups with %s as a member through Graph in %s", len(groups), user.UserPrincipalName, time.Since(start).Round(time.Millisecond))

	idToken := e.srv.PasswordGrant(t, user).IDToken
	claims := harness.DecodeClaims(t, idToken)
	if g, ok := claims["groups"]; ok {
		t.Fatalf("ID token of a user in %d groups has a groups claim (%d bytes of token); want the overage form", overageGroups, len(fmt.Sprint(g)))
	}
	names, _ := claims["_claim_names"].(map[string]any)
	sources, _ := claims["_claim_sources"].(map[string]any)
	src, _ := names["groups"].(string)
	source, _ := sources[src].(map[string]any)
	wantEndpoint := cfg.HTTPSBaseURL + "/" + cfg.TenantID + "/openid/groups"
	if source["endpoint"] != wantEndpoint || source["access_token"] == nil {
		t.Fatalf("ID token _claim_names %v, _claim_sources %v; want groups pointing to a source with endpoint %s and an access_token",
			claims["_claim_names"], claims["_claim_sources"], wantEndpoint)
	}

	// Bind one group out of the middle: only the resolved list has it.
	bound := groups[overageGroups/2]
	e.cluster.BindClusterRole(t, namespaceReader.Name, kubecluster.Group(claimPrefix+bound))
	deadline := time.Now().Add(distributedClaimsTimeout)
	for attempt := 1; ; attempt++ {
		stdout, stderr, err := e.cluster.Kubectl(t, "get", "namespaces", "--token="+idToken)
		if err == nil {
			if names := firstColumn(stdout); !slices.Contains(names, "default") {
				t.Fatalf("kubectl get namespaces lists %v, want default among them", names)
			}
			t.Logf("kubectl get namespaces succeeded on attempt %d", attempt)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kubectl get namespaces with the overage token, bound through group %s: %v\nstderr: %s\nkube-apiserver: %s",
				bound, err, stderr, e.lastAuthnFailure(t))
		}
		t.Logf("attempt %d: %s; kube-apiserver: %s", attempt, strings.TrimSpace(stderr), e.lastAuthnFailure(t))
		time.Sleep(500 * time.Millisecond)
	}

	info, stderr, err := e.whoami(t, idToken)
	if err != nil {
		t.Fatalf("kubectl auth whoami with the overage token: %v\nstderr: %s", err, stderr)
	}
	if want := claimPrefix + user.UserPrincipalName; info.Username != want {
		t.Errorf("whoami user = %q, want %q", info.Username, want)
	}
	wantGroups := []string{"system:authenticated"}
	for _, g := range groups {
		wantGroups = append(wantGroups, claimPrefix+g)
	}
	if !sameSet(info.Groups, wantGroups) {
		var missing []string
		for _, g := range wantGroups {
			if !slices.Contains(info.Groups, g) {
				missing = append(missing, g)
			}
		}
		t.Errorf("whoami lists %d groups, want %d (the %d created + system:authenticated); missing %v", len(info.Groups), len(wantGroups), overageGroups, missing)
	}
}

// createGroupsWithMember creates n security groups through Graph, each with
// the member, graphWorkers requests at a time, and returns their object ids
// in creation order.
func createGroupsWithMember(g *graphClient, n int, memberID string) ([]string, error) {
	ids := make([]string, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range graphWorkers {
		wg.Go(func() {
			for i := range next {
				ids[i], errs[i] = createGroupWithMember(g, fmt.Sprintf("e2e-overage-%03d", i), memberID)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return nil, fmt.Errorf("%d of %d groups failed; the first: %w", len(failed), n, errors.Join(failed[:min(3, len(failed))]...))
	}
	return ids, nil
}

func createGroupWithMember(g *graphClient, name, memberID string) (string, error) {
	group, err := g.expect(http.MethodPost, "/v1.0/groups", map[string]any{
		"displayName": name, "mailNickname": name, "mailEnabled": false, "securityEnabled": true,
	}, http.StatusCreated)
	if err != nil {
		return "", err
	}
	id, _ := group["id"].(string)
	if _, err := g.expect(http.MethodPost, "/v1.0/groups/"+id+"/members/$ref",
		map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + memberID}, http.StatusNoContent); err != nil {
		return "", err
	}
	return id, nil
}
