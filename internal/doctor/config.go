package doctor

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultClaims are the claims the guide adds.
var DefaultClaims = []string{"default_namespace", "picture"}

// DefaultRedirectURI is kubelogin's default redirect URI, which the guide
// registers on the app.
const DefaultRedirectURI = "http://localhost:8000"

// Config is what the doctor checks.
type Config struct {
	// Issuer is the URL given to kubelogin as --oidc-issuer-url: v1
	// https://sts.windows.net/{tenant}/ or v2
	// https://login.microsoftonline.com/{tenant}/v2.0 (Gatehouse: the same
	// paths on its own host).
	Issuer       string
	ClientID     string
	ClientSecret string
	// Username and Password sign the user in with the password grant.
	// Token, instead, is a token obtained elsewhere (kubelogin get-token).
	Username string
	Password string
	Token    string
	// Claims must be present in the token (default DefaultClaims).
	Claims []string
	// ExpectLifetime, when set, is the exp - iat the token must have.
	ExpectLifetime time.Duration
	// GraphURL is Microsoft Graph's base URL, without /v1.0 (default:
	// derived from the issuer, see GraphURLFor).
	GraphURL string
	// KubeAuthnConfig is the path of a Kubernetes AuthenticationConfiguration
	// file to check the token against (optional).
	KubeAuthnConfig string
	// RedirectURI must be registered on the app (default DefaultRedirectURI).
	RedirectURI string
	// Client makes every request (default: a client with a 15s timeout).
	Client *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("the issuer is required"))
	} else if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, errors.New("the issuer must be an http(s) URL, such as https://sts.windows.net/{tenant-id}/"))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("the client id is required"))
	}
	hasUser := c.Username != "" || c.Password != ""
	switch {
	case hasUser && c.Token != "":
		errs = append(errs, errors.New("give a user (username and password) or a token, not both"))
	case !hasUser && c.Token == "":
		errs = append(errs, errors.New("give a user (username and password) or a token"))
	case hasUser && (c.Username == "" || c.Password == ""):
		errs = append(errs, errors.New("the password grant needs both the username and the password"))
	}
	if c.ExpectLifetime < 0 {
		errs = append(errs, errors.New("the expected lifetime must be positive"))
	}
	if c.GraphURL != "" {
		if u, err := url.Parse(c.GraphURL); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, errors.New("the Graph URL must be an absolute URL such as https://graph.microsoft.com"))
		}
	}
	return errors.Join(errs...)
}

func (c *Config) setDefaults() {
	if len(c.Claims) == 0 {
		c.Claims = DefaultClaims
	}
	if c.RedirectURI == "" {
		c.RedirectURI = DefaultRedirectURI
	}
	if c.GraphURL == "" {
		c.GraphURL = GraphURLFor(c.Issuer)
	}
	c.GraphURL = strings.TrimSuffix(strings.TrimSuffix(c.GraphURL, "/"), "/v1.0")
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 15 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// microsoftGraph maps Microsoft's login hosts to their cloud's Graph.
var microsoftGraph = map[string]string{
	"login.microsoftonline.com":        "https://graph.microsoft.com",
	"sts.windows.net":                  "https://graph.microsoft.com",
	"login.windows.net":                "https://graph.microsoft.com",
	"login.microsoftonline.us":         "https://graph.microsoft.us",
	"login.partner.microsoftonline.cn": "https://microsoftgraph.chinacloudapi.cn",
	"login.chinacloudapi.cn":           "https://microsoftgraph.chinacloudapi.cn",
}

// GraphURLFor derives Microsoft Graph's base URL from an issuer: Microsoft's
// login hosts map to their cloud's Graph; any other host is taken to be
// Gatehouse, which serves Graph on the login host.
func GraphURLFor(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	if g, ok := microsoftGraph[strings.ToLower(u.Hostname())]; ok {
		return g
	}
	return u.Scheme + "://" + u.Host
}

// graphResource is the resource an app-only token for this Graph is asked
// for: Microsoft's clouds name their own Graph; Gatehouse's Graph answers to
// Microsoft Graph's identifier.
func graphResource(graphURL string) string {
	for _, g := range microsoftGraph {
		if strings.EqualFold(g, graphURL) {
			return g
		}
	}
	return "https://graph.microsoft.com"
}
