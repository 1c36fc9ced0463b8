package devenv

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// DevJSON is the machine-readable description of a running dev server,
// written to <data>/dev.json once its listeners accept connections. Its
// field names are a public interface: scripts and CI read them.
type DevJSON struct {
	HTTPBaseURL             string `json:"http_base_url"`
	HTTPSBaseURL            string `json:"https_base_url"`
	CAFile                  string `json:"ca_file"`
	TenantID                string `json:"tenant_id"`
	TenantDomain            string `json:"tenant_domain"`
	ClientID                string `json:"client_id"`
	ClientSecret            string `json:"client_secret"`
	ApplicationObjectID     string `json:"application_object_id"`
	ServicePrincipalID      string `json:"service_principal_id"`
	GraphServicePrincipalID string `json:"graph_service_principal_id"`
	IssuerV1                string `json:"issuer_v1"`
	IssuerV2                string `json:"issuer_v2"`
	Users                   []User `json:"users"`
	// PortalURL is the portal's base URL; empty when it runs without one.
	PortalURL      string `json:"portal_url,omitempty"`
	PortalClientID string `json:"portal_client_id,omitempty"`
	// AdminURL is the admin centre's base URL; empty when it runs without one.
	AdminURL string `json:"admin_url,omitempty"`
}

// WriteDevJSON writes dev.json atomically (write to a temporary file, then
// rename), so a reader never sees half a file.
func WriteDevJSON(dataDir string, d DevJSON) (string, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dataDir, "dev.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
