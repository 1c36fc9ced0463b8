package kubeauthn_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/apis/apiserver/install"
	"k8s.io/apiserver/pkg/apis/apiserver/validation"
	authenticationcel "k8s.io/apiserver/pkg/authentication/cel"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/apiserver/plugin/pkg/authenticator/token/oidc"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

const (
	// claimPrefix is the username and groups prefix of the test cluster.
	claimPrefix = "oidc:"
	// readyTimeout bounds the authenticator's first discovery and JWKS fetch.
	readyTimeout = 30 * time.Second
)

func TestJWTAuthenticator(t *testing.T) {
	srv := harness.Start(t)
	user := srv.User(t, 0)
	idToken := srv.PasswordGrant(t, user).IDToken
	authn := newAuthenticator(t, srv, srv.Config.ClientID)

	t.Run("accepts a valid ID token", func(t *testing.T) {
		resp, ok, err := authn.AuthenticateToken(context.Background(), idToken)
		if err != nil || !ok {
			t.Fatalf("AuthenticateToken(valid id token) = ok %t, err %v; want accepted", ok, err)
		}
		if got, want := resp.User.GetName(), claimPrefix+user.UserPrincipalName; got != want {
			t.Errorf("user name = %q, want %q", got, want)
		}
		for _, g := range resp.User.GetGroups() {
			if !strings.HasPrefix(g, claimPrefix) {
				t.Errorf("group %q lacks the %q prefix", g, claimPrefix)
			}
		}
	})

	t.Run("rejects a token for another audience", func(t *testing.T) {
		other := newAuthenticator(t, srv, "api://another-cluster")
		_, ok, err := other.AuthenticateToken(context.Background(), idToken)
		expectRejected(t, ok, err, "audience")
	})

	t.Run("rejects a token whose payload was changed", func(t *testing.T) {
		forged := withClaim(t, idToken, "upn", "admin@"+srv.Config.TenantDomain)
		_, ok, err := authn.AuthenticateToken(context.Background(), forged)
		expectRejected(t, ok, err, "signature")
	})
}

func TestJWTAuthenticatorRejectsExpiredToken(t *testing.T) {
	srv := harness.Start(t)
	user := srv.User(t, 0)

	// A server whose clock is two hours behind issues a token that expired an
	// hour ago; same data directory, so it is signed with the same keys.
	srv.Restart(t, harness.WithTimeOffset(-2*time.Hour))
	expired := srv.PasswordGrant(t, user).IDToken
	srv.Restart(t)

	claims := harness.DecodeClaims(t, expired)
	exp, err := claims["exp"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("id token exp = %v, want an integer", claims["exp"])
	}
	if now := time.Now().Unix(); exp >= now {
		t.Fatalf("token from the server with --time-offset=-2h has exp %d, not before now (%d)", exp, now)
	}

	authn := newAuthenticator(t, srv, srv.Config.ClientID)
	// Prove the authenticator takes a fresh token, so the rejection below is
	// about expiry.
	fresh := srv.PasswordGrant(t, user).IDToken
	if _, ok, err := authn.AuthenticateToken(context.Background(), fresh); !ok || err != nil {
		t.Fatalf("AuthenticateToken(fresh id token) = ok %t, err %v; want accepted", ok, err)
	}
	_, ok, err := authn.AuthenticateToken(context.Background(), expired)
	expectRejected(t, ok, err, "expired")
}

func expectRejected(t *testing.T, ok bool, err error, reason string) {
	t.Helper()
	if ok {
		t.Fatalf("AuthenticateToken accepted the token; want rejected (%s)", reason)
	}
	if err == nil {
		t.Fatalf("AuthenticateToken = not ok without an error; want an error about %s", reason)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("AuthenticateToken error = %q, want one about %s", err, reason)
	}
}

// authenticationConfig is the --authentication-config a cluster trusting
// gatehouse would use: the v1 issuer over https, its CA inline, and upn as
// the user name.
var authenticationConfig = template.Must(template.New("").Parse(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer:
    url: {{ .Issuer }}
    audiences:
{{- range .Audiences }}
    - {{ . }}
{{- end }}
    certificateAuthority: |
{{- range .CALines }}
      {{ . }}
{{- end }}
  claimMappings:
    username:
      claim: upn
      prefix: "{{ .Prefix }}"
    groups:
      claim: groups
      prefix: "{{ .Prefix }}"
`))

// newAuthenticator builds the Kubernetes JWT authenticator from the YAML
// configuration as kube-apiserver does (strict decoding, defaulting,
// validation, the inline CA as a static CA provider) and waits until it has
// fetched the issuer's discovery document and keys.
func newAuthenticator(t *testing.T, srv *harness.Server, audiences ...string) oidc.AuthenticatorTokenWithHealthCheck {
	t.Helper()
	caPEM, err := srv.Config.CAPEM()
	if err != nil {
		t.Fatal(err)
	}
	var yaml bytes.Buffer
	err = authenticationConfig.Execute(&yaml, map[string]any{
		"Issuer":    srv.Config.V1Issuer(),
		"Audiences": audiences,
		"CALines":   strings.Split(strings.TrimSpace(string(caPEM)), "\n"),
		"Prefix":    claimPrefix,
	})
	if err != nil {
		t.Fatalf("render AuthenticationConfiguration: %v", err)
	}
	cfg := loadAuthenticationConfig(t, yaml.Bytes())
	jwt := cfg.JWT[0]

	ca, err := dynamiccertificates.NewStaticCAContent("oidc-authenticator", []byte(jwt.Issuer.CertificateAuthority))
	if err != nil {
		t.Fatalf("CA of the AuthenticationConfiguration: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	authn, err := oidc.New(ctx, oidc.Options{
		JWTAuthenticator:  jwt,
		CAContentProvider: ca,
	})
	if err != nil {
		t.Fatalf("oidc.New: %v", err)
	}
	waitHealthy(t, authn)
	return authn
}

func loadAuthenticationConfig(t *testing.T, data []byte) *apiserver.AuthenticationConfiguration {
	t.Helper()
	scheme := runtime.NewScheme()
	install.Install(scheme)
	codecs := serializer.NewCodecFactory(scheme, serializer.EnableStrict)
	obj, gvk, err := codecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		t.Fatalf("decode AuthenticationConfiguration: %v\n%s", err, data)
	}
	cfg, ok := obj.(*apiserver.AuthenticationConfiguration)
	if !ok {
		t.Fatalf("decoded %v, want AuthenticationConfiguration", gvk)
	}
	if errs := validation.ValidateAuthenticationConfiguration(authenticationcel.NewDefaultCompiler(), cfg, nil); len(errs) > 0 {
		t.Fatalf("invalid AuthenticationConfiguration: %v\n%s", errs.ToAggregate(), data)
	}
	if len(cfg.JWT) != 1 {
		t.Fatalf("AuthenticationConfiguration has %d jwt authenticators, want 1", len(cfg.JWT))
	}
	return cfg
}

// waitHealthy waits for the authenticator's asynchronous discovery and JWKS
// fetch; until then it rejects every token.
func waitHealthy(t *testing.T, authn oidc.AuthenticatorTokenWithHealthCheck) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		err := authn.HealthCheck()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("JWT authenticator not ready after %s: %v", readyTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// withClaim returns the JWT with one payload claim replaced and the original
// signature kept.
func withClaim(t *testing.T, raw, name, value string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts, want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode JWT payload: %v", err)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("decode JWT claims: %v", err)
	}
	if _, ok := claims[name]; !ok {
		t.Fatalf("JWT has no %s claim to change", name)
	}
	claims[name] = json.RawMessage(fmt.Sprintf("%q", value))
	payload, err = json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}
