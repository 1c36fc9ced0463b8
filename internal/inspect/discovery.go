package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Discovery is the part of the OpenID Provider metadata that inspect and
// the doctor use.
type Discovery struct {
	Issuer                string   `json:"issuer"`
	JWKSURI               string   `json:"jwks_uri"`
	TokenEndpoint         string   `json:"token_endpoint"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
}

// DiscoveryURL is where an issuer publishes its metadata: the issuer without
// a trailing slash, plus /.well-known/openid-configuration. This is what
// go-oidc (and so kubelogin) and the Kubernetes API server fetch.
func DiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// maxDocument bounds what is read from a discovery or JWKS response.
const maxDocument = 1 << 20

// FetchDiscovery fetches an issuer's metadata. It does not compare the
// issuer: callers report a mismatch in their own words.
func FetchDiscovery(ctx context.Context, client *http.Client, issuer string) (*Discovery, error) {
	var d Discovery
	if err := getJSON(ctx, client, DiscoveryURL(issuer), &d); err != nil {
		return nil, err
	}
	if d.Issuer == "" {
		return nil, fmt.Errorf("%s has no issuer", DiscoveryURL(issuer))
	}
	return &d, nil
}

// getJSON GETs a JSON document; any status but 200 is an error.
func getJSON(ctx context.Context, client *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: not a JSON document: %w", u, err)
	}
	return nil
}

// unwrapURLError drops net/http's "Get <url>:" prefix, which would repeat
// the URL the caller already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
