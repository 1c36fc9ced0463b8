package harness

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	formRE   = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// ConsentForOrganization signs admin in at the authorize endpoint as the
// demo client asking for scope, and on the consent page accepts "on behalf
// of your organization": the way an administrator grants admin consent to
// delegated permissions on Entra. It fails the test unless the answer is a
// code at the client's redirect URI.
func (s *Server) ConsentForOrganization(t testing.TB, admin DevUser, scope string) {
	t.Helper()
	client, err := s.Config.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	client.Jar, _ = cookiejar.New(nil)
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base := s.Config.HTTPSBaseURL
	authorize := base + "/" + s.Config.TenantID + "/oauth2/v2.0/authorize?" + url.Values{
		"client_id": {s.Config.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:8000"},
		"scope": {"openid " + scope}, "prompt": {"consent"}, "state": {"e2e"}}.Encode()
	get := func(u string) (*http.Response, string) {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp, string(b)
	}
	submit := func(page string, fields url.Values) (*http.Response, string) {
		m := formRE.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form in the page:\n%s", page)
		}
		for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
			fields.Set(h[1], html.UnescapeString(h[2]))
		}
		resp, err := client.PostForm(base+html.UnescapeString(m[1]), fields)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp, string(b)
	}
	_, page := get(authorize)
	_, page = submit(page, url.Values{"username": {admin.UserPrincipalName}, "password": {admin.Password}})
	if !strings.Contains(page, `id="on-behalf-of-org"`) {
		t.Fatalf("the consent page offers %s no consent on behalf of the organization:\n%s", admin.UserPrincipalName, page)
	}
	resp, _ := submit(page, url.Values{"decision": {"accept"}, "on_behalf_of_org": {"1"}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("consent on behalf of the organization: %d, Location %q; want a code", resp.StatusCode, resp.Header.Get("Location"))
	}
}
