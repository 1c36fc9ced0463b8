package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// tokenResponse is the part of a token endpoint answer the doctor reads.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
}

// OAuthError is a token endpoint error in Entra's shape.
type OAuthError struct {
	HTTPStatus  int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
	ErrorCodes  []int  `json:"error_codes"`
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d+)`)

// AADSTS returns Entra's error number (50146 for AADSTS50146), or 0.
func (e *OAuthError) AADSTS() int {
	if len(e.ErrorCodes) > 0 {
		return e.ErrorCodes[0]
	}
	if m := aadstsRE.FindStringSubmatch(e.Description); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// Error is the description's first line: Entra appends trace and
// correlation ids on further lines.
func (e *OAuthError) Error() string {
	desc, _, _ := strings.Cut(strings.ReplaceAll(e.Description, "\r\n", "\n"), "\n")
	if desc == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.HTTPStatus)
	}
	return fmt.Sprintf("%s: %s", e.Code, desc)
}

// postToken calls a token endpoint. Failures are *OAuthError when the
// endpoint answered in OAuth's error shape.
func postToken(ctx context.Context, client *http.Client, endpoint string, form url.Values) (*tokenResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", endpoint, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		oe := &OAuthError{HTTPStatus: resp.StatusCode}
		if json.Unmarshal(body, oe) == nil && oe.Code != "" {
			return nil, oe
		}
		return nil, fmt.Errorf("POST %s: HTTP %d", endpoint, resp.StatusCode)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("POST %s: the answer is not JSON: %w", endpoint, err)
	}
	return &tr, nil
}

// isV2Endpoint tells Entra's v2 token endpoint (scope=…/.default) from v1
// (resource=…).
func isV2Endpoint(tokenEndpoint string) bool {
	return strings.Contains(tokenEndpoint, "/oauth2/v2.0/")
}

// explanation is what an AADSTS error means for this chain and what fixes it.
type explanation struct {
	why string
	fix string
}

// explainAADSTS explains the token endpoint errors people hit while
// following the guide. Codes: learn.microsoft.com reference-error-codes.
func explainAADSTS(code int, graphV1, clientID string) (explanation, bool) {
	e, ok := map[int]explanation{
		50146: {"a claims mapping policy is assigned to the service principal but the app's api.acceptMappedClaims is not true, so Entra refuses to issue the token (the guide's step 8 without step 9)",
			"set it in the Manifest: App registrations → the app → Manifest → \"acceptMappedClaims\": true → Save (guide step 9); or through Graph:\n" +
				"curl -X PATCH \"" + graphV1 + "/applications(appId='" + clientID + "')\" -H \"Authorization: Bearer $TOKEN\" -H \"Content-Type: application/json\" -d '{\"api\":{\"acceptMappedClaims\":true}}'"},
		501461: {"api.acceptMappedClaims is true, but the token's audience is neither the app's client id nor an App ID URI on a verified domain of the tenant",
			"ask for a token whose audience is the app itself (kubelogin's ID token is), or use an App ID URI on a verified domain"},
		50126: {"the username or password is wrong", "check the user's password (the guide's users sign in with their Entra password)"},
		50034: {"the user does not exist in this tenant", "check the username (userPrincipalName) and the tenant id in the issuer"},
		50057: {"the user account is disabled", "enable the account (Users → the user → Account enabled)"},
		50076: {"the user must do multi-factor authentication, which the password grant cannot do",
			"get the token with kubelogin in a browser and pass it instead: kubelogin get-token … | jq -r .status.token | gatehouse doctor … --token -"},
		50079: {"the user must register for multi-factor authentication, which the password grant cannot do",
			"get the token with kubelogin in a browser and pass it with --token"},
		53003: {"a Conditional Access policy blocked the sign-in", "check the sign-in logs for the policy, or pass a token obtained with kubelogin via --token"},
		7000215: {"the client secret is wrong (a common slip: the secret's ID was copied instead of its Value)",
			"create a new client secret (Certificates & secrets → New client secret) and copy its Value"},
		7000222: {"the client secret has expired", "create a new client secret (Certificates & secrets → New client secret)"},
		700016:  {"no application with this client id exists in the tenant", "check --client-id against the app's Overview page and the tenant id in the issuer"},
		90002:   {"the tenant in the issuer does not exist", "check the tenant id (Overview → Directory (tenant) ID)"},
		700025: {"the app is a public client, so a client secret must not be sent",
			"leave out the client secret, or turn off Authentication → Allow public client flows and register http://localhost:8000 under Web"},
		7000218: {"the app needs a client secret (it is a confidential client)", "pass --client-secret, as kubelogin's --oidc-client-secret"},
		65001:   {"consent is missing for the permissions the app asks for", "grant admin consent in API permissions (guide step 3)"},
		1002012: {"the scope of an app-only request must be <resource>/.default", "ask for https://graph.microsoft.com/.default"},
	}[code]
	return e, ok
}
