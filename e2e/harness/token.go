package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TokenResponse is the part of a token endpoint response the tests use.
// Entra v1 sends expires_in as a string, v2 as a number, so it stays raw.
type TokenResponse struct {
	TokenType    string          `json:"token_type"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token"`
	IDToken      string          `json:"id_token"`
}

// PasswordGrant requests tokens for user with the resource owner password
// credentials grant at the HTTPS v1 token endpoint, authenticating the demo
// client with client_secret_post, as kubelogin --grant-type=password does
// after its first try. It fails the test unless the answer is 200 with an
// id_token.
func (s *Server) PasswordGrant(t testing.TB, user DevUser) TokenResponse {
	t.Helper()
	client, err := s.Config.HTTPClient()
	if err != nil {
		t.Fatalf("HTTP client for gatehouse: %v", err)
	}
	form := url.Values{
		"grant_type":    {"password"},
		"client_id":     {s.Config.ClientID},
		"client_secret": {s.Config.ClientSecret},
		"username":      {user.UserPrincipalName},
		"password":      {user.Password},
		"scope":         {"openid"},
	}
	tokenURL := s.Config.V1TokenURL()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("build token request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s (grant_type=password): %v", tokenURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read token response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s (grant_type=password, username=%s): status %d, body %s", tokenURL, user.UserPrincipalName, resp.StatusCode, body)
	}
	var tr TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		t.Fatalf("decode token response %s: %v", body, err)
	}
	if tr.IDToken == "" {
		t.Fatalf("POST %s (grant_type=password): no id_token in %s", tokenURL, body)
	}
	return tr
}

// String renders a token response for failure messages without the secrets.
func (tr TokenResponse) String() string {
	return fmt.Sprintf("token_type=%s expires_in=%s access_token=%t refresh_token=%t id_token=%t",
		tr.TokenType, tr.ExpiresIn, tr.AccessToken != "", tr.RefreshToken != "", tr.IDToken != "")
}
