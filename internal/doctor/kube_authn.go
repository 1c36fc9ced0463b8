package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

const titleKube = "Kubernetes API server authentication config"

// KubeAuthnConfig is the part of the API server's structured
// authentication configuration (apiserver.config.k8s.io
// AuthenticationConfiguration) the doctor checks.
type KubeAuthnConfig struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	JWT        []KubeJWT `json:"jwt"`
}

// KubeJWT is one jwt authenticator of the configuration.
type KubeJWT struct {
	Issuer struct {
		URL                 string   `json:"url"`
		DiscoveryURL        string   `json:"discoveryURL"`
		Audiences           []string `json:"audiences"`
		AudienceMatchPolicy string   `json:"audienceMatchPolicy"`
	} `json:"issuer"`
	ClaimMappings struct {
		Username struct {
			Claim      string  `json:"claim"`
			Prefix     *string `json:"prefix"`
			Expression string  `json:"expression"`
		} `json:"username"`
	} `json:"claimMappings"`
}

var kubeAPIVersions = []string{"apiserver.config.k8s.io/v1alpha1", "apiserver.config.k8s.io/v1beta1", "apiserver.config.k8s.io/v1"}

// ParseKubeAuthnConfig reads an AuthenticationConfiguration (YAML or JSON)
// and reports every problem the API server would refuse it for that the
// doctor knows about.
func ParseKubeAuthnConfig(b []byte) (*KubeAuthnConfig, error) {
	var c KubeAuthnConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("not a YAML document: %w", err)
	}
	var errs []error
	if !slices.Contains(kubeAPIVersions, c.APIVersion) {
		errs = append(errs, fmt.Errorf("apiVersion is %q, want one of %s", c.APIVersion, strings.Join(kubeAPIVersions, ", ")))
	}
	if c.Kind != "AuthenticationConfiguration" {
		errs = append(errs, fmt.Errorf("kind is %q, want AuthenticationConfiguration", c.Kind))
	}
	if len(c.JWT) == 0 {
		errs = append(errs, errors.New("it has no jwt authenticators"))
	}
	for i, j := range c.JWT {
		if j.Issuer.URL == "" {
			errs = append(errs, fmt.Errorf("jwt[%d].issuer.url is empty", i))
		}
		if len(j.Issuer.Audiences) == 0 {
			errs = append(errs, fmt.Errorf("jwt[%d].issuer.audiences is empty", i))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &c, nil
}

// checkKubeAuthn checks that the API server configuration accepts the
// token: an authenticator whose issuer url equals iss byte for byte, with
// the token's aud among its audiences, and the username claim present.
func (d *doctor) checkKubeAuthn(ctx context.Context) []Check {
	path := d.cfg.KubeAuthnConfig
	switch {
	case path == "":
		return []Check{skipped("kube_authn", titleKube, "Skipped: no --kube-authn-config given.")}
	case d.token == nil:
		return []Check{d.noToken("kube_authn", titleKube)}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return []Check{problem("kube_authn", titleKube, "Could not read %s: %v.", path, err)}
	}
	cfg, err := ParseKubeAuthnConfig(b)
	if err != nil {
		return []Check{problem("kube_authn", titleKube, "%s is not a valid AuthenticationConfiguration: %v.", path, strings.ReplaceAll(err.Error(), "\n", "; "))}
	}
	iss := d.token.ClaimString("iss")
	var match *KubeJWT
	var urls []string
	for i := range cfg.JWT {
		urls = append(urls, cfg.JWT[i].Issuer.URL)
		if cfg.JWT[i].Issuer.URL == iss && match == nil {
			match = &cfg.JWT[i]
		}
	}
	if match == nil {
		c := problem("kube_authn", titleKube, "No jwt authenticator in %s has issuer.url equal to the token's iss %q; the API server would not recognise the token.", path, iss).
			detail("Configured issuer URLs: %q.", urls)
		for _, u := range urls {
			switch {
			case strings.TrimSuffix(u, "/") == strings.TrimSuffix(iss, "/"):
				c = c.detail("%q differs from iss only in the trailing slash: the API server compares byte for byte (v1 issuers end with a slash, v2 issuers do not).", u)
			case strings.HasSuffix(u, "/v2.0") != strings.HasSuffix(iss, "/v2.0"):
				c = c.detail("%q and the token are of different token versions (v1 iss https://sts.windows.net/{tenant}/, v2 iss https://login.microsoftonline.com/{tenant}/v2.0).", u)
			}
		}
		return []Check{c.fix("set issuer.url to exactly %s.", iss)}
	}
	var problems []string
	var fixes []string
	if !strings.HasPrefix(match.Issuer.URL, "https://") {
		problems = append(problems, fmt.Sprintf("issuer.url %s is not https: the API server refuses non-https issuers", match.Issuer.URL))
		fixes = append(fixes, "serve the issuer over https (gatehouse dev: use https_base_url from dev.json with its CA in issuer.certificateAuthority)")
	}
	auds := d.token.Audiences()
	if !slices.ContainsFunc(auds, func(a string) bool { return slices.Contains(match.Issuer.Audiences, a) }) {
		problems = append(problems, fmt.Sprintf("the token's aud %q is not among issuer.audiences %q", auds, match.Issuer.Audiences))
		fixes = append(fixes, fmt.Sprintf("add the client id %s to issuer.audiences", d.cfg.ClientID))
	}
	if len(match.Issuer.Audiences) > 1 && match.Issuer.AudienceMatchPolicy != "MatchAny" {
		problems = append(problems, "several audiences are listed but audienceMatchPolicy is not MatchAny, which the API server requires")
		fixes = append(fixes, "set issuer.audienceMatchPolicy: MatchAny")
	}
	um := match.ClaimMappings.Username
	if um.Claim != "" {
		if _, ok := d.token.Claim(um.Claim); !ok {
			problems = append(problems, fmt.Sprintf("claimMappings.username.claim is %q, which the token does not have, so the API server would reject it", um.Claim))
			fixes = append(fixes, "map the username from a claim the token has (v1 ID tokens: upn, oid, sub; email only when the user has a mail address)")
		}
		if um.Prefix == nil {
			problems = append(problems, "claimMappings.username.prefix is missing; the API server requires it when claim is set (use \"\" for no prefix)")
			fixes = append(fixes, "set claimMappings.username.prefix")
		}
	}
	if len(problems) > 0 {
		c := problem("kube_authn", titleKube, "The authenticator for %s would not accept this token.", iss)
		for _, p := range problems {
			c = c.detail("%s.", p)
		}
		return []Check{c.fix("%s.", strings.Join(fixes, "; "))}
	}
	c := passed("kube_authn", titleKube, "The authenticator for %s accepts the token: aud %q is among its audiences.", iss, auds)
	if um.Claim != "" {
		c = c.detail("Username from claim %s: %q.", um.Claim, *um.Prefix+d.token.ClaimString(um.Claim))
	}
	return []Check{c}
}
