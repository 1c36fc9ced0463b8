package token

import "strings"

// Issuer returns the issuer string for a base URL (scheme://host[:port],
// no trailing slash), the tenant path segment the client used (GUID or
// domain) and a token version.
//
// Entra: v1 issuers end with a slash (https://sts.windows.net/{tid}/), v2
// issuers end with /v2.0 (https://login.microsoftonline.com/{tid}/v2.0).
// go-oidc and kubelogin require the discovery document's issuer to equal the
// URL they were given byte for byte, so both forms are kept exactly.
func Issuer(baseURL, tenantSegment string, version int) string {
	baseURL = strings.TrimRight(baseURL, "/")
	if version == 2 {
		return baseURL + "/" + tenantSegment + "/v2.0"
	}
	return baseURL + "/" + tenantSegment + "/"
}
