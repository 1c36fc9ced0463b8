package doctor

import (
	"context"
	"slices"
)

const titleRedirect = "Redirect URI for kubelogin"

// checkRedirectURI reads the app registration and looks for kubelogin's
// redirect URI under the Web platform (guide step 10's note).
func (d *doctor) checkRedirectURI(ctx context.Context) []Check {
	uri := d.cfg.RedirectURI
	byHand := "App registrations → the app → Authentication → Web → Redirect URIs must list " + uri + "."
	if d.graph == nil {
		return []Check{d.graphSkip("redirect_uri", titleRedirect, nil, "", byHand)}
	}
	app, err := d.loadApp(ctx)
	switch {
	case notFound(err):
		return []Check{problem("redirect_uri", titleRedirect, "Graph has no application with client id %s in this tenant.", d.cfg.ClientID).
			detail("Sign-in would fail too (AADSTS700016).").
			fix("check --client-id (the app's Overview page: Application (client) ID) and the tenant id in the issuer.")}
	case err != nil:
		return []Check{d.graphSkip("redirect_uri", titleRedirect, err, "Application.Read.All", byHand)}
	}
	if slices.Contains(app.Web.RedirectURIs, uri) {
		c := passed("redirect_uri", titleRedirect, "%s is registered under the Web platform of app %q.", uri, app.DisplayName)
		if uri == DefaultRedirectURI && !slices.Contains(app.Web.RedirectURIs, "http://localhost:18000") {
			c = c.detail("kubelogin falls back to http://localhost:18000 when port 8000 is busy; register it too to avoid AADSTS50011 then.")
		}
		return []Check{c}
	}
	c := problem("redirect_uri", titleRedirect, "%s is not a Web redirect URI of app %q; kubelogin's browser sign-in would fail with AADSTS50011 (redirect URI mismatch).", uri, app.DisplayName)
	switch {
	case slices.Contains(app.PublicClient.RedirectURIs, uri):
		c = c.detail("It is registered under \"Mobile and desktop applications\" instead. kubelogin sends the client secret, and Entra refuses a secret from a public-client redirect URI (AADSTS700025).")
	case slices.Contains(app.SPA.RedirectURIs, uri):
		c = c.detail("It is registered under \"Single-page application\" instead, which only works for browser code with PKCE and no secret.")
	}
	if len(app.Web.RedirectURIs) > 0 {
		c = c.detail("Web redirect URIs now: %v.", app.Web.RedirectURIs)
	}
	return []Check{c.fix("App registrations → %s → Authentication → Add a platform → Web → %s → Configure.\nOr through Graph: PATCH %s/%s with {\"web\":{\"redirectUris\":[<the existing ones>, \"%s\"]}}",
		app.DisplayName, uri, d.graphV1(), d.appRef(), uri)}
}
