package testenv

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser is a cookie-keeping client that stops at redirects, so a test can
// check each one.
type Browser struct {
	t      testing.TB
	Client *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Get fetches u and returns the response with its body read.
func (b *Browser) Get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.Client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return readBody(resp)
}

// Post submits form to u and returns the response with its body read.
func (b *Browser) Post(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.Client.PostForm(u, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	return readBody(resp)
}

func readBody(resp *http.Response) (*http.Response, string) {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenRE     = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// SignIn submits Gatehouse's sign-in form found in page and returns the
// response.
func (b *Browser) SignIn(base, page, username, password string) (*http.Response, string) {
	b.t.Helper()
	return b.Submit(base, page, url.Values{"username": {username}, "password": {password}})
}

// Submit posts the first form in page with fields and the form's hidden
// inputs, and returns the response. The form's action is relative to base.
func (b *Browser) Submit(base, page string, fields url.Values) (*http.Response, string) {
	b.t.Helper()
	m := formActionRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no form in page:\n%s", page)
	}
	form := url.Values{}
	for k, v := range fields {
		form[k] = v
	}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], unescapeHTML(h[2]))
	}
	return b.Post(base+unescapeHTML(m[1]), form)
}

// unescapeHTML undoes html/template's escaping of attribute values.
func unescapeHTML(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}
