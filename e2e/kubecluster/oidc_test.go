package kubecluster_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"sigs.k8s.io/yaml"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
	"github.com/gatehouse-id/gatehouse/e2e/kubecluster"
)

const (
	// claimPrefix is the username and groups prefix of the test cluster.
	claimPrefix = "oidc:"
	// The demo tenant's security groups; adele is in both, and the demo app
	// emits group object ids in the groups claim.
	platformEngineersGroup = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f70"
	developersGroup        = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a81"

	// unauthorized is how kubectl reports a 401, whatever the reason given.
	unauthorized = "You must be logged in to the server"
)

// TestKubeAPIServerTrustsGatehouse runs a real kube-apiserver whose
// AuthenticationConfiguration trusts the v1 issuer of `gatehouse dev`, the
// way the Entra SSO for EKS guide sets up a cluster, and sends it an ID token
// from the password grant with kubectl --token: the API server derives the
// user from upn and the groups from the group object ids, RBAC refuses it
// until the user's group is bound, and SelfSubjectReview shows the identity.
func TestKubeAPIServerTrustsGatehouse(t *testing.T) {
	kubecluster.RequireBinaries(t)
	srv := harness.Start(t) // the issuer must be up before the API server
	cluster := kubecluster.Start(t, kubecluster.Config{AuthenticationConfig: authenticationConfig(t, srv)})
	user := devUser(t, srv, "adele@"+srv.Config.TenantDomain)
	idToken := srv.PasswordGrant(t, user).IDToken
	wantUser := claimPrefix + user.UserPrincipalName

	ok := t.Run("valid token without RBAC is forbidden", func(t *testing.T) {
		_, stderr, err := cluster.Kubectl(t, "get", "namespaces", "--token="+idToken)
		if err == nil {
			t.Fatalf("kubectl get namespaces with adele's ID token succeeded before any binding")
		}
		// Forbidden, not Unauthorized: the token was accepted and the
		// user named as the authenticator derived it.
		if !strings.Contains(stderr, "(Forbidden)") || !strings.Contains(stderr, `User "`+wantUser+`"`) {
			t.Fatalf("kubectl get namespaces stderr = %q, want Forbidden for User %q", stderr, wantUser)
		}
	})
	if !ok {
		return
	}

	t.Run("garbage token is unauthorized", func(t *testing.T) {
		_, stderr, err := cluster.Kubectl(t, "get", "namespaces", "--token=not-a-jwt")
		if err == nil || !strings.Contains(stderr, unauthorized) {
			t.Fatalf("kubectl get namespaces with a garbage token: err %v, stderr %q; want 401 (%q)", err, stderr, unauthorized)
		}
	})

	cluster.BindClusterRole(t, "cluster-admin", kubecluster.Group(claimPrefix+platformEngineersGroup))

	t.Run("token of a bound group is allowed", func(t *testing.T) {
		stdout, stderr, err := cluster.Kubectl(t, "get", "namespaces", "--token="+idToken)
		if err != nil {
			t.Fatalf("kubectl get namespaces after binding cluster-admin to %s: %v\nstderr:\n%s", platformEngineersGroup, err, stderr)
		}
		if names := firstColumn(stdout); !slices.Contains(names, "default") {
			t.Fatalf("kubectl get namespaces lists %v, want default among them", names)
		}
	})

	t.Run("auth whoami shows the derived identity", func(t *testing.T) {
		stdout, stderr, err := cluster.Kubectl(t, "auth", "whoami", "--token="+idToken, "--output=json")
		if err != nil {
			t.Fatalf("kubectl auth whoami: %v\nstderr:\n%s", err, stderr)
		}
		var review authenticationv1.SelfSubjectReview
		if err := json.Unmarshal([]byte(stdout), &review); err != nil {
			t.Fatalf("decode SelfSubjectReview %q: %v", stdout, err)
		}
		info := review.Status.UserInfo
		if info.Username != wantUser {
			t.Errorf("SelfSubjectReview username = %q, want %q", info.Username, wantUser)
		}
		for _, group := range []string{claimPrefix + platformEngineersGroup, claimPrefix + developersGroup, "system:authenticated"} {
			if !slices.Contains(info.Groups, group) {
				t.Errorf("SelfSubjectReview groups = %v, want %s among them", info.Groups, group)
			}
		}
	})
}

// TestAuthenticationConfigReload adds the gatehouse issuer to a running
// cluster by rewriting its --authentication-config: the API server rejects
// the ID token before (no JWT authenticator) and accepts it after.
func TestAuthenticationConfigReload(t *testing.T) {
	kubecluster.RequireBinaries(t)
	srv := harness.Start(t)
	cluster := kubecluster.Start(t, kubecluster.Config{})
	user := devUser(t, srv, "adele@"+srv.Config.TenantDomain)
	idToken := srv.PasswordGrant(t, user).IDToken

	_, stderr, err := cluster.Kubectl(t, "get", "namespaces", "--token="+idToken)
	if err == nil || !strings.Contains(stderr, unauthorized) {
		t.Fatalf("before the issuer is configured: kubectl get namespaces err %v, stderr %q; want 401 (%q)", err, stderr, unauthorized)
	}

	cluster.SetAuthenticationConfig(t, authenticationConfig(t, srv))
	wantUser := claimPrefix + user.UserPrincipalName
	_, stderr, err = cluster.Kubectl(t, "get", "namespaces", "--token="+idToken)
	if err == nil || !strings.Contains(stderr, "(Forbidden)") || !strings.Contains(stderr, `User "`+wantUser+`"`) {
		t.Fatalf("after the reload: kubectl get namespaces err %v, stderr %q; want Forbidden for User %q", err, stderr, wantUser)
	}
}

// authenticationConfig is the --authentication-config of a cluster that
// trusts gatehouse's v1 issuer over HTTPS for ID tokens of the demo client:
// upn is the user name and the groups claim the groups, both prefixed.
func authenticationConfig(t *testing.T, srv *harness.Server) []byte {
	t.Helper()
	caPEM, err := srv.Config.CAPEM()
	if err != nil {
		t.Fatal(err)
	}
	prefix := claimPrefix
	cfg := apiserverv1.AuthenticationConfiguration{
		JWT: []apiserverv1.JWTAuthenticator{{
			Issuer: apiserverv1.Issuer{
				URL:                  srv.Config.V1Issuer(),
				Audiences:            []string{srv.Config.ClientID},
				CertificateAuthority: string(caPEM),
			},
			ClaimMappings: apiserverv1.ClaimMappings{
				Username: apiserverv1.PrefixedClaimOrExpression{Claim: "upn", Prefix: &prefix},
				Groups:   apiserverv1.PrefixedClaimOrExpression{Claim: "groups", Prefix: &prefix},
			},
		}},
	}
	cfg.APIVersion = apiserverv1.SchemeGroupVersion.String()
	cfg.Kind = "AuthenticationConfiguration"
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("marshal AuthenticationConfiguration: %v", err)
	}
	return data
}

// devUser returns the seeded user with the user principal name upn.
func devUser(t *testing.T, srv *harness.Server, upn string) harness.DevUser {
	t.Helper()
	for _, u := range srv.Config.Users {
		if u.UserPrincipalName == upn {
			return u
		}
	}
	t.Fatalf("dev.json has no user %s", upn)
	return harness.DevUser{}
}
