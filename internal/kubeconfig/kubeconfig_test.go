package kubeconfig

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func opts() AuthnOptions {
	return AuthnOptions{IssuerURL: "https://login.example/8f1d3b2a-6c4e-4a57-9b1f-2d3c4e5f6a7b/", Audiences: []string{"6e5d4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c"},
		CAPEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", UsernameClaim: "upn", UsernamePrefix: "oidc:",
		GroupsClaim: "groups", GroupsPrefix: "oidc:", ExtraPrefix: "gatehouse.io", RequiredTenantID: "8f1d3b2a-6c4e-4a57-9b1f-2d3c4e5f6a7b"}
}

func TestAuthenticationConfiguration(t *testing.T) {
	out, err := AuthenticationConfiguration(opts())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, out)
	}
	jwt := doc["jwt"].([]any)[0].(map[string]any)
	iss := jwt["issuer"].(map[string]any)
	cm := jwt["claimMappings"].(map[string]any)
	user := cm["username"].(map[string]any)
	switch {
	case doc["apiVersion"] != "apiserver.config.k8s.io/v1" || doc["kind"] != "AuthenticationConfiguration":
		t.Fatalf("header = %v %v", doc["apiVersion"], doc["kind"])
	case iss["url"] != opts().IssuerURL || !strings.Contains(iss["certificateAuthority"].(string), "BEGIN CERTIFICATE"):
		t.Fatalf("issuer = %v", iss)
	case user["claim"] != "upn" || user["prefix"] != "oidc:":
		t.Fatalf("username mapping = %v", user)
	case len(cm["extra"].([]any)) != 2 || len(jwt["claimValidationRules"].([]any)) != 1:
		t.Fatalf("extra / validation rules missing: %s", out)
	}
}

func TestEmailUsesAnExpression(t *testing.T) {
	o := opts()
	o.UsernameClaim = "email"
	out, err := AuthenticationConfiguration(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `expression: '"oidc:" + claims.email'`) || strings.Contains(string(out), "claim: email") {
		t.Fatalf("email mapping should be a CEL expression (no email_verified needed):\n%s", out)
	}
	if _, err := EKSCommand(o, "c", "gatehouse"); err == nil {
		t.Fatal("EKS command with the email claim should be refused")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	o := AuthnOptions{IssuerURL: "http://x/", UsernameClaim: "name", ExtraPrefix: "Gatehouse"}
	err := o.Validate()
	if err == nil || strings.Count(err.Error(), ";") != 3 {
		t.Fatalf("Validate = %v, want four problems", err)
	}
}

func TestEKSAndFlags(t *testing.T) {
	cmd, err := EKSCommand(opts(), "prod", "gatehouse")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--cluster-name prod", "issuerUrl=https://login.example/8f1d3b2a-6c4e-4a57-9b1f-2d3c4e5f6a7b/", "usernameClaim=upn", "groupsPrefix=oidc:", "requiredClaims={tid=8f1d3b2a"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("EKS command lacks %q:\n%s", want, cmd)
		}
	}
	flags, err := APIServerFlags(opts(), "/etc/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(flags, " "); !strings.Contains(got, "--oidc-ca-file=/etc/ca.pem") || !strings.Contains(got, "--oidc-required-claim=tid=") {
		t.Fatalf("flags = %s", got)
	}
}

func TestKubeconfigMerge(t *testing.T) {
	existing, err := Parse([]byte(`apiVersion: v1
kind: Config
current-context: other
clusters:
- name: other
  cluster: {server: "https://other.example"}
users:
- name: gatehouse
  user: {token: old}
- name: admin
  user: {token: keep}
contexts:
- name: other
  context: {cluster: other, user: admin}
`))
	if err != nil {
		t.Fatal(err)
	}
	add, err := New(UserOptions{Name: "gatehouse", IssuerURL: "https://login.example/t/", ClientID: "c", ClientSecret: "s",
		CAFile: "/ca.pem", Command: "kubectl", ClusterName: "dev", ClusterServer: "https://127.0.0.1:6443", ClusterCAData: []byte("PEM"),
		ContextName: "dev", Namespace: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := existing.Merge(add, false); err != nil {
		t.Fatal(err)
	}
	out, _ := existing.Marshal()
	s := string(out)
	for _, want := range []string{"token: keep", "oidc-login", "--oidc-issuer-url=https://login.example/t/", "--certificate-authority=/ca.pem",
		"name: dev", "https://127.0.0.1:6443", "current-context: other", "namespace: team-a"} {
		if !strings.Contains(s, want) {
			t.Errorf("merged kubeconfig lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "token: old") {
		t.Errorf("the old gatehouse user was not replaced:\n%s", s)
	}
}

func TestSeveralAudiencesMatchAny(t *testing.T) {
	o := opts()
	o.Audiences = []string{"a", "b"}
	out, err := AuthenticationConfiguration(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "audienceMatchPolicy: MatchAny") {
		t.Fatalf("two audiences without audienceMatchPolicy MatchAny (kube-apiserver refuses that):\n%s", out)
	}
	if one, _ := AuthenticationConfiguration(opts()); strings.Contains(string(one), "audienceMatchPolicy") {
		t.Fatalf("one audience should not set audienceMatchPolicy:\n%s", one)
	}
}
