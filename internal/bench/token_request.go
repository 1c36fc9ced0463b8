package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Grant types the load can send.
const (
	GrantClientCredentials = "client_credentials"
	GrantPassword          = "password"
)

// DefaultScope asks for an app-only Microsoft Graph token, the request
// workload identities make most.
const DefaultScope = "https://graph.microsoft.com/.default"

// CheckLoopbackURL parses a server's base URL and refuses it unless its host
// is a loopback address (127.0.0.0/8, ::1) or localhost: load is never sent
// to a machine the operator may not own. The URL must be
// http(s)://host[:port] without a path.
func CheckLoopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("server URL %q: scheme must be http or https", raw)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server URL %q must be a base URL, scheme://host[:port], without user, path or query", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("server URL %q: host %q is not a loopback address (127.0.0.0/8, ::1, localhost); bench only loads loopback", raw, u.Hostname())
	}
	u.Path = ""
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ClientConfig configures the HTTP client the callers share.
type ClientConfig struct {
	// Concurrency is the number of callers: the client keeps that many idle
	// connections, so every request reuses one.
	Concurrency int
	// RootCAs verifies an https server (the dev server's local CA); nil uses
	// the system roots.
	RootCAs *x509.CertPool
}

// NewClient returns the HTTP client the callers share. It dials loopback
// addresses only (whatever "localhost" resolves to), uses no proxy, and does
// not follow redirects.
func NewClient(cfg ClientConfig) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: refuseNonLoopback}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			TLSClientConfig:     &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
			MaxIdleConns:        cfg.Concurrency,
			MaxIdleConnsPerHost: cfg.Concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// refuseNonLoopback is a net.Dialer Control hook: it runs with the resolved
// address just before connecting.
func refuseNonLoopback(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: not a loopback address", address)
	}
	return nil
}

// TokenEndpoint is the v2.0 token endpoint of a tenant.
func TokenEndpoint(base *url.URL, tenant string) string {
	return strings.TrimRight(base.String(), "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token"
}

// TokenForm describes the token request each call sends.
type TokenForm struct {
	Grant        string // GrantClientCredentials or GrantPassword
	ClientID     string
	ClientSecret string
	Scope        string
	Username     string // password grant only
	Password     string // password grant only
}

// Encode validates the form, reporting every missing field at once, and
// encodes it as the request body.
func (f TokenForm) Encode() (string, error) {
	var errs []error
	need := func(name, v string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is required", name))
		}
	}
	need("client id", f.ClientID)
	need("client secret", f.ClientSecret)
	need("scope", f.Scope)
	v := url.Values{"grant_type": {f.Grant}, "client_id": {f.ClientID}, "client_secret": {f.ClientSecret}, "scope": {f.Scope}}
	switch f.Grant {
	case GrantClientCredentials:
	case GrantPassword:
		need("username", f.Username)
		need("password", f.Password)
		v.Set("username", f.Username)
		v.Set("password", f.Password)
	default:
		errs = append(errs, fmt.Errorf("grant %q is not supported: use %s or %s", f.Grant, GrantClientCredentials, GrantPassword))
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return v.Encode(), nil
}

// maxResponseBytes bounds what a call reads of a response.
const maxResponseBytes = 1 << 20

// NewTokenCall returns a Call that posts body to the token endpoint. A call
// succeeds when the server answers 200 with an access token in JWS compact
// form; any other answer is a *StatusError carrying the OAuth error.
func NewTokenCall(client *http.Client, endpoint, body string) Call {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		if err != nil {
			return fmt.Errorf("read token response: %w", err)
		}
		var tr struct {
			AccessToken      string `json:"access_token"`
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		jsonErr := json.Unmarshal(b, &tr)
		if resp.StatusCode != http.StatusOK {
			return &StatusError{Code: resp.StatusCode, Detail: errorDetail(tr.Error, tr.ErrorDescription, b)}
		}
		if jsonErr != nil {
			return fmt.Errorf("decode token response: %w", jsonErr)
		}
		if strings.Count(tr.AccessToken, ".") != 2 {
			return errors.New("token response has no access token in JWS compact form")
		}
		return nil
	}
}

// errorDetail is the first line of an OAuth error (Entra's description
// continues with trace and correlation ids), or the start of the body.
func errorDetail(code, description string, body []byte) string {
	s := description
	if s == "" {
		s = string(body)
	}
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if code != "" {
		s = code + ": " + s
	}
	return s
}
