package oauth_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzTokenEndpoint: whatever the body, the token endpoint answers with a
// JSON OAuth error or a token, never a 500.
func FuzzTokenEndpoint(f *testing.F) {
	e := newEnv(f)
	for _, seed := range []string{
		"", "grant_type=client_credentials", "grant_type=authorization_code&code=x&client_id=" + e.ClientID,
		"grant_type=password&username=%00&password=%ff&client_id=" + e.ClientID + "&client_secret=" + e.Secret,
		"grant_type=refresh_token&refresh_token=" + strings.Repeat("A", 500) + "&client_id=" + e.ClientID,
		"grant_type=client_credentials&client_id=" + e.ClientID + "&client_secret=" + e.Secret + "&scope=%20/.default",
		"grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=&client_id=" + e.ClientID,
		"client_id=" + e.ClientID + "&client_secret=x&grant_type=password&scope=a/b%20c/d",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, u := range []string{e.TokenURL(1), e.TokenURL(2)} {
			resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("POST %s with %q: status %d", u, body, resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("POST %s with %q: Content-Type %q", u, body, ct)
			}
		}
	})
}

// FuzzAuthorize: whatever the query, authorize answers with a page or a
// redirect, never a 500.
func FuzzAuthorize(f *testing.F) {
	e := newEnv(f)
	for _, seed := range []string{
		"", "client_id=" + e.ClientID, "client_id=" + e.ClientID + "&response_type=code&redirect_uri=http://localhost:8000&scope=openid",
		"client_id=" + e.ClientID + "&response_type=code&scope=openid&response_mode=form_post&code_challenge=abc",
		"client_id=" + e.ClientID + "&response_type=code&scope=a/b%20c/d&prompt=none&state=%ff",
	} {
		f.Add(seed)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	f.Fuzz(func(t *testing.T, query string) {
		for _, u := range []string{e.AuthorizeURL(1), e.AuthorizeURL(2)} {
			resp, err := client.Get(u + "?" + query)
			if err != nil {
				return // the client refused to send it (invalid URL)
			}
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("GET %s?%s: status %d", u, query, resp.StatusCode)
			}
		}
	})
}
