// Command headless-login signs a user in to gatehouse without a browser.
//
// It is meant for kubelogin's --browser-command: kubelogin runs it with the
// URL to open (its own local server, which redirects to the authorize
// endpoint). headless-login follows the redirects with a cookie jar, fills in
// the sign-in form with the credentials from the environment, posts it, and
// follows the answer back to kubelogin's callback so kubelogin receives the
// authorization code.
//
// Environment:
//
//	GATEHOUSE_E2E_USERNAME  user principal name to sign in with (required)
//	GATEHOUSE_E2E_PASSWORD  its password (required)
//	GATEHOUSE_E2E_CA_FILE   PEM file of the CA to trust for https (optional)
//
// It logs each hop to stderr (kubelogin passes that on) and exits 0 only when
// a redirect carried an authorization code and the callback answered 2xx.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"time"
)

const (
	timeout = 60 * time.Second
	// maxHops bounds the redirects followed from one request.
	maxHops = 10
	// maxBody bounds how much of a page is read.
	maxBody = 1 << 20
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: headless-login URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "headless-login: FAILED: %v\n", err)
		os.Exit(1)
	}
	logf("signed in; the callback received the authorization code")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "headless-login: "+format+"\n", args...)
}

func run(ctx context.Context, startURL string) error {
	username, password := os.Getenv("GATEHOUSE_E2E_USERNAME"), os.Getenv("GATEHOUSE_E2E_PASSWORD")
	if username == "" || password == "" {
		return errors.New("GATEHOUSE_E2E_USERNAME and GATEHOUSE_E2E_PASSWORD must be set")
	}
	b, err := newBrowser(os.Getenv("GATEHOUSE_E2E_CA_FILE"))
	if err != nil {
		return err
	}

	page, err := b.do(ctx, http.MethodGet, startURL, nil)
	if err != nil {
		return err
	}
	if b.gotCode {
		// An existing session skipped the sign-in page.
		return page.expectCallbackDone()
	}
	form, err := findSignInForm(page.body, page.url)
	if err != nil {
		return fmt.Errorf("sign-in page %s (status %d): %w\n%s", page.url, page.status, err, snippet(page.body))
	}
	form.values.Set(form.usernameField, username)
	form.values.Set(form.passwordField, password)
	logf("posting sign-in form to %s (fields %s)", form.action, strings.Join(fieldNames(form.values), ","))

	page, err = b.do(ctx, http.MethodPost, form.action.String(), form.values)
	if err != nil {
		return err
	}
	if !b.gotCode {
		if _, ferr := findSignInForm(page.body, page.url); ferr == nil {
			return fmt.Errorf("sign-in as %s was not accepted: the form came back (status %d at %s)\n%s", username, page.status, page.url, snippet(page.body))
		}
		return fmt.Errorf("sign-in answered status %d at %s without redirecting to the client with a code\n%s", page.status, page.url, snippet(page.body))
	}
	return page.expectCallbackDone()
}

// browser is a minimal user agent: cookie jar, manual redirects, and a record
// of whether a redirect handed an authorization code to the client.
type browser struct {
	client  *http.Client
	gotCode bool
}

type page struct {
	url    *url.URL
	status int
	body   []byte
}

func newBrowser(caFile string) (*browser, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in CA file %s", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &browser{client: &http.Client{
		Transport: tr,
		Jar:       jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}, nil
}

// do sends one request and follows redirects (as GET, like a browser after a
// 302/303) until a non-redirect answer.
func (b *browser) do(ctx context.Context, method, target string, form url.Values) (*page, error) {
	for hop := 0; hop <= maxHops; hop++ {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return nil, err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept", "text/html")
		logRequest(req)
		resp, err := b.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, redact(req.URL), err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", redact(req.URL), err)
		}
		if !isRedirect(resp.StatusCode) {
			logf("%d %s", resp.StatusCode, redact(req.URL))
			return &page{url: req.URL, status: resp.StatusCode, body: data}, nil
		}
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("%s %s: status %d without a usable Location: %w", method, redact(req.URL), resp.StatusCode, err)
		}
		logf("%d %s -> %s", resp.StatusCode, redact(req.URL), redact(loc))
		q := loc.Query()
		if e := q.Get("error"); e != "" {
			return nil, fmt.Errorf("redirected to the client with error=%s error_description=%q", e, q.Get("error_description"))
		}
		if q.Get("code") != "" {
			b.gotCode = true
		}
		method, target, form = http.MethodGet, loc.String(), nil
	}
	return nil, fmt.Errorf("more than %d redirects", maxHops)
}

func (p *page) expectCallbackDone() error {
	if p.status < 200 || p.status > 299 {
		return fmt.Errorf("the client's callback %s answered status %d\n%s", p.url, p.status, snippet(p.body))
	}
	return nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// logRequest prints the authorize request in full: the tests read the nonce
// kubelogin sent from it.
func logRequest(req *http.Request) {
	if strings.HasSuffix(req.URL.Path, "/authorize") && req.Method == http.MethodGet {
		logf("authorize request: %s", req.URL)
	}
}

// redact drops the query values that are credentials (the code) from a URL
// for logging.
func redact(u *url.URL) string {
	q := u.Query()
	if q.Has("code") {
		q.Set("code", "REDACTED")
		c := *u
		c.RawQuery = q.Encode()
		return c.String()
	}
	return u.String()
}

func snippet(body []byte) string {
	const max = 2000
	s := string(body)
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
