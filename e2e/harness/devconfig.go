package harness

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"time"
)

// DevConfig is the dev.json that `gatehouse dev` writes into its data
// directory once its listeners are ready.
type DevConfig struct {
	HTTPBaseURL         string    `json:"http_base_url"`
	HTTPSBaseURL        string    `json:"https_base_url"`
	CAFile              string    `json:"ca_file"`
	TenantID            string    `json:"tenant_id"`
	TenantDomain        string    `json:"tenant_domain"`
	ClientID            string    `json:"client_id"`
	ClientSecret        string    `json:"client_secret"`
	ApplicationObjectID string    `json:"application_object_id"`
	ServicePrincipalID  string    `json:"service_principal_id"`
	AdminURL            string    `json:"admin_url"`
	Users               []DevUser `json:"users"`
	// PortalURL is the portal's base URL, PortalClientID its app's client
	// id; both empty when the server runs without the portal.
	PortalURL      string `json:"portal_url"`
	PortalClientID string `json:"portal_client_id"`
}

// DevUser is a seeded user with its password.
type DevUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Password          string `json:"password"`
	DisplayName       string `json:"displayName"`
}

func (c DevConfig) validate() error {
	var missing []string
	for name, v := range map[string]string{
		"http_base_url": c.HTTPBaseURL, "https_base_url": c.HTTPSBaseURL, "ca_file": c.CAFile,
		"tenant_id": c.TenantID, "client_id": c.ClientID, "client_secret": c.ClientSecret,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dev.json lacks %v", missing)
	}
	if len(c.Users) == 0 {
		return fmt.Errorf("dev.json has no users")
	}
	return nil
}

// V1Issuer is the v1 issuer on the HTTPS listener, the one kubelogin and the
// Kubernetes authenticator are configured with. Entra: v1 issuers end in "/".
func (c DevConfig) V1Issuer() string { return c.HTTPSBaseURL + "/" + c.TenantID + "/" }

// V2Issuer is the v2 issuer on the HTTPS listener (no trailing slash).
func (c DevConfig) V2Issuer() string { return c.HTTPSBaseURL + "/" + c.TenantID + "/v2.0" }

// V1TokenURL is the v1 token endpoint on the HTTPS listener.
func (c DevConfig) V1TokenURL() string { return c.HTTPSBaseURL + "/" + c.TenantID + "/oauth2/token" }

// CAPEM returns the PEM of the CA that signed the HTTPS listener's certificate.
func (c DevConfig) CAPEM() ([]byte, error) {
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file from dev.json: %w", err)
	}
	return pem, nil
}

// HTTPClient returns a client that trusts only the dev CA, with a cookie jar
// and without following redirects, so tests see every hop.
func (c DevConfig) HTTPClient() (*http.Client, error) {
	pem, err := c.CAPEM()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in CA file %s", c.CAFile)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}
