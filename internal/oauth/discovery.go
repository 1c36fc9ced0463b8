package oauth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// discoveryDoc is the OpenID Provider metadata in Entra's shape. Entra's v1
// and v2 documents do not list code_challenge_methods_supported; kubelogin
// therefore sends no PKCE against them, and Gatehouse matches that.
type discoveryDoc struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	MicrosoftMultiRefreshToken        bool     `json:"microsoft_multi_refresh_token,omitempty"`
	RequestURIParameterSupported      *bool    `json:"request_uri_parameter_supported,omitempty"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported               bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	CheckSessionIframe                string   `json:"check_session_iframe,omitempty"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TenantRegionScope                 string   `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	CloudGraphHostName                string   `json:"cloud_graph_host_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
	RBACURL                           string   `json:"rbac_url"`
}

var grantTypes = []string{"authorization_code", "refresh_token", "client_credentials", "password",
	"urn:ietf:params:oauth:grant-type:device_code"}

func (s *Server) buildDiscovery(e endpoint) discoveryDoc {
	host := strings.TrimPrefix(strings.TrimPrefix(e.Base, "https://"), "http://")
	d := discoveryDoc{
		JWKSURI:                          e.url("/discovery/keys"),
		ResponseModesSupported:           []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:            []string{"pairwise"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		ResponseTypesSupported:           []string{"code", "id_token", "code id_token", "token id_token", "token"},
		Issuer:                           e.Issuer(),
		HTTPLogoutSupported:              true,
		FrontchannelLogoutSupported:      true,
		GrantTypesSupported:              grantTypes,
		TenantRegionScope:                "WW",
		CloudInstanceName:                host,
		CloudGraphHostName:               host,
		MSGraphHost:                      host,
		RBACURL:                          e.Base,
	}
	if e.Version == 2 {
		d.TokenEndpoint = e.url("/oauth2/v2.0/token")
		d.TokenEndpointAuthMethodsSupported = []string{"client_secret_post", "client_secret_basic"}
		d.JWKSURI = e.url("/discovery/v2.0/keys")
		d.ScopesSupported = []string{"openid", "profile", "email", "offline_access"}
		f := false
		d.RequestURIParameterSupported = &f
		d.UserinfoEndpoint = e.Base + "/oidc/userinfo"
		d.AuthorizationEndpoint = e.url("/oauth2/v2.0/authorize")
		d.DeviceAuthorizationEndpoint = e.url("/oauth2/v2.0/devicecode")
		d.EndSessionEndpoint = e.url("/oauth2/v2.0/logout")
		d.ClaimsSupported = []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
			"msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver",
			"at_hash", "c_hash", "email"}
		return d
	}
	d.TokenEndpoint = e.url("/oauth2/token")
	d.TokenEndpointAuthMethodsSupported = []string{"client_secret_post", "client_secret_basic"}
	d.ScopesSupported = []string{"openid"}
	d.MicrosoftMultiRefreshToken = true
	d.UserinfoEndpoint = e.url("/openid/userinfo")
	d.AuthorizationEndpoint = e.url("/oauth2/authorize")
	d.DeviceAuthorizationEndpoint = e.url("/oauth2/devicecode")
	d.EndSessionEndpoint = e.url("/oauth2/logout")
	d.CheckSessionIframe = e.url("/oauth2/checksession")
	d.ClaimsSupported = []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
		"msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"}
	return d
}

// handleDiscovery serves the OpenID Provider metadata. The document's issuer
// is exactly the URL the client fetched minus the well-known suffix. The
// bytes are prepared once per (base, tenant segment, version).
func (s *Server) handleDiscovery(version int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, oerr := s.resolveEndpoint(r, version)
		if oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
		key := e.Base + "|" + e.Segment + "|" + string(rune('0'+version))
		s.discoveryMu.RLock()
		doc, ok := s.discovery[key]
		s.discoveryMu.RUnlock()
		if !ok {
			var err error
			if doc, err = json.Marshal(s.buildDiscovery(e)); err != nil {
				s.writeJSONError(w, r, errServerError(err))
				return
			}
			s.discoveryMu.Lock()
			s.discovery[key] = doc
			s.discoveryMu.Unlock()
		}
		writeCachedJSON(w, doc, 86400)
	}
}

func writeCachedJSON(w http.ResponseWriter, doc []byte, maxAge int) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "max-age="+strconv.Itoa(maxAge)+", private")
	h.Set("Access-Control-Allow-Origin", "*")
	w.Write(doc)
}

// handleKeys serves the JWKS. Every tenant shares the signing keys, as
// Entra's tenants share theirs.
func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) {
	if seg := r.PathValue("tenant"); seg != "" {
		if _, oerr := s.resolveEndpoint(r, 1); oerr != nil {
			s.writeJSONError(w, r, oerr)
			return
		}
	}
	// Short: relying parties that honour it (the Kubernetes API server's
	// key set does) then notice a rotation within minutes, not a day.
	writeCachedJSON(w, s.keys.JWKS(), 300)
}

// handleInstanceDiscovery answers MSAL's authority validation
// (/common/discovery/instance) as Entra does, naming this host as the only
// alias of itself.
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		// .../{tenant}/oauth2/v2.0/authorize
		parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(ae, "https://"), "http://"), "/")
		if len(parts) > 1 && parts[1] != "" {
			tenant = parts[1]
		}
	}
	body := map[string]any{
		"tenant_discovery_endpoint": base + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	}
	doc, _ := json.Marshal(body)
	writeCachedJSON(w, doc, 86400)
}
