package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// TestAdminScopesAreNeverGrantedSilently: an app that declares an
// administrator scope cannot use a signed-in user's session silently; the
// user sees the scopes and accepts or cancels.
func TestAdminScopesAreNeverGrantedSilently(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	accessAsUser := "0e263e50-5827-48a4-b97c-d940288653c7" // Directory.AccessAsUser.All (Admin)
	if _, err := e.Store.UpdateApplication(ctx, e.Tenant, devenv.AppObjectID, func(a *directory.Application) error {
		a.RequiredResourceAccess[0].ResourceAccess = append(a.RequiredResourceAccess[0].ResourceAccess, directory.ResourceAccess{ID: accessAsUser, Type: "Scope"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{ClientID: e.ClientID, ClientSecret: e.Secret, RedirectURL: "http://localhost:8000",
		Endpoint: oauth2.Endpoint{AuthURL: e.AuthorizeURL(2), TokenURL: e.TokenURL(2)},
		Scopes:   []string{"openid", "https://graph.microsoft.com/Directory.AccessAsUser.All"}}
	b := testenv.NewBrowser(t)
	user := e.Users[0]
	// Sign in through an ordinary request first: a live session.
	plain := conf
	plain.Scopes = []string{"openid"}
	resp, page := b.Get(plain.AuthCodeURL("s0"))
	if resp, _ = b.SignIn(e.Base, page, user.UserPrincipalName, user.Password); resp.StatusCode != http.StatusFound {
		t.Fatalf("ordinary sign-in: %d", resp.StatusCode)
	}

	resp, page = b.Get(conf.AuthCodeURL("s1"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Directory.AccessAsUser.All") {
		t.Fatalf("authorize with an admin scope and a session: %d, want the consent page naming the scope", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://localhost:8000") {
		t.Fatalf("consent page CSP %q does not allow the redirect back", csp)
	}
	resp, _ = b.Submit(e.Base, page, url.Values{"decision": {"cancel"}})
	if q := codeFrom(t, resp); q.Get("error") != "access_denied" || q.Get("code") != "" {
		t.Fatalf("cancel: %v, want access_denied and no code", q)
	}

	_, page = b.Get(conf.AuthCodeURL("s2"))
	resp, _ = b.Submit(e.Base, page, url.Values{"decision": {"accept"}})
	if q := codeFrom(t, resp); q.Get("code") == "" || q.Get("state") != "s2" {
		t.Fatalf("accept: %v, want a code", q)
	}
	// Her acceptance is a record now: the next silent request gets a code.
	if resp, _ := b.Get(conf.AuthCodeURL("s3", oauth2.SetAuthURLParam("prompt", "none"))); codeFrom(t, resp).Get("code") == "" {
		t.Fatal("prompt=none after the administrator consented: no code")
	}

	// A user without an administrative role sees "Need admin approval" and
	// can only go back; silently, consent_required.
	alex := testenv.NewBrowser(t)
	_, page = alex.Get(conf.AuthCodeURL("a1"))
	resp, page = alex.SignIn(e.Base, page, e.Users[1].UserPrincipalName, e.Users[1].Password)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Need admin approval") || strings.Contains(page, `value="accept"`) {
		t.Fatalf("non-admin with an admin scope: %d, want the admin approval page without an accept button\n%s", resp.StatusCode, page)
	}
	if resp, _ := alex.Get(conf.AuthCodeURL("a2", oauth2.SetAuthURLParam("prompt", "none"))); codeFrom(t, resp).Get("error") != "consent_required" {
		t.Fatal("prompt=none for a non-admin with an admin scope did not answer consent_required")
	}
}
