package kubeconfig

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Username claims an operator may pick.
var UsernameClaims = []string{"upn", "email", "oid", "preferred_username", "sub"}

// EmailClaimWarning is printed whenever email is the username claim. mail is
// unique per tenant and only Global Administrators change a privileged
// user's, but Entra issues no email_verified and anyone who may write users
// (an app with User.ReadWrite.All) can set a user's mail to any free
// address: the cluster would trust a user name the directory never
// verified (security review F6). upn or oid is what to use.
const EmailClaimWarning = "WARNING: --username-claim email makes the cluster trust the mail attribute, which Entra and Gatehouse do not verify and any user administrator or app with User.ReadWrite.All can set: use upn or oid unless every writer of users is trusted as much as a cluster administrator"

// AuthnOptions describes how the API server trusts an issuer.
type AuthnOptions struct {
	IssuerURL      string   // exactly the token's iss
	Audiences      []string // client ids
	CAPEM          string   // issuer CA, when not publicly trusted
	UsernameClaim  string   // upn, email, oid, preferred_username, sub
	UsernamePrefix string   // e.g. "oidc:"
	GroupsClaim    string   // "groups"; empty = no groups
	GroupsPrefix   string
	// ExtraPrefix names the extra keys (<prefix>/default-namespace,
	// <prefix>/tid); empty = no extra mappings.
	ExtraPrefix string
	// RequiredTenantID adds a claim validation rule tid == value.
	RequiredTenantID string
}

// Validate reports every problem at once.
func (o *AuthnOptions) Validate() error {
	var p []string
	if !strings.HasPrefix(o.IssuerURL, "https://") {
		p = append(p, "the issuer URL must be https (the API server refuses http issuers): "+o.IssuerURL)
	}
	if len(o.Audiences) == 0 {
		p = append(p, "at least one audience (client id) is required")
	}
	if !contains(UsernameClaims, o.UsernameClaim) {
		p = append(p, fmt.Sprintf("username claim %q is not one of %s", o.UsernameClaim, strings.Join(UsernameClaims, ", ")))
	}
	if o.ExtraPrefix != "" && (!strings.Contains(o.ExtraPrefix, ".") || strings.ToLower(o.ExtraPrefix) != o.ExtraPrefix) {
		p = append(p, "the extra prefix must be a lower-case domain such as gatehouse.io (Kubernetes requires domain-prefixed extra keys)")
	}
	if len(p) > 0 {
		return errors.New(strings.Join(p, "; "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type authenticationConfiguration struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	JWT        []jwtAuthenticator `json:"jwt"`
}

type jwtAuthenticator struct {
	Issuer               issuer            `json:"issuer"`
	ClaimValidationRules []claimValidation `json:"claimValidationRules,omitempty"`
	ClaimMappings        claimMappings     `json:"claimMappings"`
}

type issuer struct {
	URL       string   `json:"url"`
	Audiences []string `json:"audiences"`
	// AudienceMatchPolicy must be MatchAny when there are several audiences.
	AudienceMatchPolicy  string `json:"audienceMatchPolicy,omitempty"`
	CertificateAuthority string `json:"certificateAuthority,omitempty"`
}

type claimValidation struct {
	Claim         string `json:"claim"`
	RequiredValue string `json:"requiredValue"`
}

type claimMappings struct {
	Username prefixedClaim  `json:"username"`
	Groups   *prefixedClaim `json:"groups,omitempty"`
	Extra    []extraMapping `json:"extra,omitempty"`
}

type prefixedClaim struct {
	Claim      string  `json:"claim,omitempty"`
	Prefix     *string `json:"prefix,omitempty"`
	Expression string  `json:"expression,omitempty"`
}

type extraMapping struct {
	Key             string `json:"key"`
	ValueExpression string `json:"valueExpression"`
}

// AuthenticationConfiguration renders the YAML file given to
// kube-apiserver --authentication-config.
func AuthenticationConfiguration(o AuthnOptions) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	j := jwtAuthenticator{Issuer: issuer{URL: o.IssuerURL, Audiences: o.Audiences, CertificateAuthority: o.CAPEM}}
	if len(o.Audiences) > 1 {
		j.Issuer.AudienceMatchPolicy = "MatchAny"
	}
	if o.RequiredTenantID != "" {
		j.ClaimValidationRules = []claimValidation{{Claim: "tid", RequiredValue: o.RequiredTenantID}}
	}
	if o.UsernameClaim == "email" {
		// With claim: email the API server demands email_verified=true,
		// which Entra does not issue; an expression takes the claim as is.
		j.ClaimMappings.Username = prefixedClaim{Expression: fmt.Sprintf("%q + claims.email", o.UsernamePrefix)}
	} else {
		prefix := o.UsernamePrefix
		j.ClaimMappings.Username = prefixedClaim{Claim: o.UsernameClaim, Prefix: &prefix}
	}
	if o.GroupsClaim != "" {
		prefix := o.GroupsPrefix
		j.ClaimMappings.Groups = &prefixedClaim{Claim: o.GroupsClaim, Prefix: &prefix}
	}
	if o.ExtraPrefix != "" {
		j.ClaimMappings.Extra = []extraMapping{
			{Key: o.ExtraPrefix + "/default-namespace", ValueExpression: `has(claims.default_namespace) ? claims.default_namespace : ""`},
			{Key: o.ExtraPrefix + "/tid", ValueExpression: `has(claims.tid) ? claims.tid : ""`},
		}
	}
	return yaml.Marshal(authenticationConfiguration{APIVersion: "apiserver.config.k8s.io/v1", Kind: "AuthenticationConfiguration",
		JWT: []jwtAuthenticator{j}})
}

// EKSCommand renders `aws eks associate-identity-provider-config` for the
// same settings. EKS takes one client id and no CA (the issuer must be
// publicly trusted) and has no extra mappings.
func EKSCommand(o AuthnOptions, cluster, configName string) (string, error) {
	if err := o.Validate(); err != nil {
		return "", err
	}
	if o.UsernameClaim == "email" {
		return "", errors.New("EKS requires email_verified=true with the email claim; Entra does not issue it: use upn")
	}
	parts := []string{"identityProviderConfigName=" + configName, "issuerUrl=" + o.IssuerURL, "clientId=" + o.Audiences[0],
		"usernameClaim=" + o.UsernameClaim, "usernamePrefix=" + o.UsernamePrefix}
	if o.GroupsClaim != "" {
		parts = append(parts, "groupsClaim="+o.GroupsClaim, "groupsPrefix="+o.GroupsPrefix)
	}
	if o.RequiredTenantID != "" {
		parts = append(parts, "requiredClaims={tid="+o.RequiredTenantID+"}")
	}
	return fmt.Sprintf("aws eks associate-identity-provider-config --cluster-name %s \\\n  --oidc %s", shellQuote(cluster), shellQuote(strings.Join(parts, ","))), nil
}

// APIServerFlags renders the legacy kube-apiserver --oidc-* flags.
func APIServerFlags(o AuthnOptions, caFile string) ([]string, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.UsernameClaim == "email" {
		return nil, errors.New("the legacy flags require email_verified=true with the email claim; use upn or the AuthenticationConfiguration")
	}
	flags := []string{"--oidc-issuer-url=" + o.IssuerURL, "--oidc-client-id=" + o.Audiences[0],
		"--oidc-username-claim=" + o.UsernameClaim, "--oidc-username-prefix=" + o.UsernamePrefix}
	if o.GroupsClaim != "" {
		flags = append(flags, "--oidc-groups-claim="+o.GroupsClaim, "--oidc-groups-prefix="+o.GroupsPrefix)
	}
	if caFile != "" {
		flags = append(flags, "--oidc-ca-file="+caFile)
	}
	if o.RequiredTenantID != "" {
		flags = append(flags, "--oidc-required-claim=tid="+o.RequiredTenantID)
	}
	return flags, nil
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
