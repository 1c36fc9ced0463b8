package portal

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Config configures the portal. New validates it and reports every problem
// at once.
type Config struct {
	// IssuerURL is the OpenID Connect issuer, exactly as its tokens' iss
	// (Entra v1: https://sts.windows.net/{tenant}/, v2:
	// https://login.microsoftonline.com/{tenant}/v2.0, Keycloak:
	// https://host/realms/{realm}, Gatehouse: <base>/{tenant}/ or /v2.0).
	IssuerURL string
	// ClientID is the portal's client (application) id; the API server must
	// accept ID tokens with this audience.
	ClientID string
	// ClientSecret authenticates a confidential client; empty makes the
	// portal a public client that relies on PKCE alone.
	ClientSecret string
	// Scopes requested; default openid profile email offline_access.
	Scopes []string
	// RedirectURL is the portal's callback URL as registered at the issuer,
	// e.g. https://portal.example.com/callback. Its scheme and host are the
	// portal's public origin; https makes cookies Secure.
	RedirectURL string
	// PostLogoutRedirectURL is where the issuer sends the browser after
	// sign-out; default <origin>/signed-out. Register it at the issuer.
	PostLogoutRedirectURL string
	// CAFile adds a CA bundle (PEM) for reaching the issuer.
	CAFile string
	// HTTPClient reaches the issuer; nil builds one (with CAFile).
	HTTPClient *http.Client
	// Claims names the namespace and picture claims.
	Claims ClaimNames
	// DefaultNamespace is the deployment-level default namespace: it wins
	// over the claim on first sign-in (KubeRocketCI's rule).
	DefaultNamespace string
	// Cluster says how to reach the Kubernetes API; zero means no cluster.
	Cluster ClusterConfig
	// SessionLifetime is a session's hard limit (default 12h).
	SessionLifetime time.Duration
	// RefreshBefore is how long before the ID token's expiry it is refreshed
	// (default 2m, at most a third of the token's lifetime).
	RefreshBefore time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// DefaultScopes are requested when Config.Scopes is empty.
var DefaultScopes = []string{"openid", "profile", "email", "offline_access"}

// Validate reports every problem of the configuration (after defaults), so
// a command can refuse to start before it opens anything.
func (c Config) Validate() error {
	c.defaults()
	return c.validate()
}

// defaults fills the zero values.
func (c *Config) defaults() {
	if len(c.Scopes) == 0 {
		c.Scopes = slices.Clone(DefaultScopes)
	}
	if c.Claims.Namespace == "" {
		c.Claims.Namespace = "default_namespace"
	}
	if c.Claims.Picture == "" {
		c.Claims.Picture = "picture"
	}
	if c.SessionLifetime == 0 {
		c.SessionLifetime = DefaultSessionLifetime
	}
	if c.RefreshBefore == 0 {
		c.RefreshBefore = DefaultRefreshBefore
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.PostLogoutRedirectURL == "" {
		if u, err := url.Parse(c.RedirectURL); err == nil && u.Host != "" {
			c.PostLogoutRedirectURL = u.Scheme + "://" + u.Host + "/signed-out"
		}
	}
}

// validate reports every problem of the configuration.
func (c *Config) validate() error {
	var problems []string
	if u, err := url.Parse(c.IssuerURL); c.IssuerURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("issuer URL %q must be an absolute http(s) URL", c.IssuerURL))
	}
	if c.ClientID == "" {
		problems = append(problems, "client id is required")
	}
	if !slices.Contains(c.Scopes, "openid") {
		problems = append(problems, "scopes must include openid")
	}
	u, err := url.Parse(c.RedirectURL)
	switch {
	case c.RedirectURL == "":
		problems = append(problems, "callback URL is required (the redirect URI registered at the issuer, e.g. https://portal.example.com/callback)")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path == "" || u.Path == "/" || u.RawQuery != "" || u.Fragment != "":
		problems = append(problems, fmt.Sprintf("callback URL %q must be http(s)://host[:port]/path without query or fragment", c.RedirectURL))
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		problems = append(problems, fmt.Sprintf("callback URL %q must use https (http only for localhost)", c.RedirectURL))
	case reservedPaths[u.Path]:
		problems = append(problems, fmt.Sprintf("callback path %q is one of the portal's pages", u.Path))
	}
	if p, err := url.Parse(c.PostLogoutRedirectURL); c.PostLogoutRedirectURL != "" && (err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "") {
		problems = append(problems, fmt.Sprintf("post-logout redirect URL %q must be an absolute http(s) URL", c.PostLogoutRedirectURL))
	}
	if c.DefaultNamespace != "" && !ValidNamespace(c.DefaultNamespace) {
		problems = append(problems, fmt.Sprintf("default namespace %q is not a valid namespace name", c.DefaultNamespace))
	}
	if c.Claims.Namespace == c.Claims.Picture {
		problems = append(problems, "the namespace and picture claims must differ")
	}
	if c.SessionLifetime < 5*time.Minute {
		problems = append(problems, "session lifetime must be at least 5m")
	}
	if c.RefreshBefore < 0 {
		problems = append(problems, "refresh-before must not be negative")
	}
	if c.CAFile != "" && c.HTTPClient != nil {
		problems = append(problems, "set the CA file or an HTTP client, not both")
	}
	problems = append(problems, c.Cluster.validate()...)
	if len(problems) > 0 {
		return errors.New("portal configuration:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}

// reservedPaths are the portal's own routes; the callback cannot be one.
var reservedPaths = map[string]bool{"/signin": true, "/signout": true, "/signed-out": true, "/account": true,
	"/namespaces": true, "/healthz": true, "/readyz": true}

// issuerClient builds the HTTP client for the issuer: system roots plus CAFile.
func issuerClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s has no PEM certificate", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}
