// Package admin is Gatehouse's admin centre: the Entra admin centre's click
// path of the SSO guide (app registrations, API permissions and admin
// consent, the manifest, enterprise applications' Attributes & Claims, users
// and their directory extension values, token lifetime policies) as
// server-rendered pages.
//
// What it follows:
//   - It is a relying party of Gatehouse itself: the authorization code flow
//     with PKCE S256, state and nonce at the tenant's v2.0 issuer, the ID
//     token verified with go-oidc, as the admin centre's own app
//     registration (a public client, the same client id in every tenant).
//     Only users holding an administrative directory role get a session;
//     the role is checked again on every request against the directory.
//   - Every change is a Microsoft Graph request served in process by
//     internal/graph (graph.Server.Do) on behalf of the signed-in user: the
//     same routes, permission checks, parsing and domain rules as the HTTP
//     API. So nothing the admin centre does is impossible through Graph,
//     and Graph's error messages are what the pages show. Pages read the
//     directory through the registry's store, checked with graph.Allowed.
//   - Sessions and pending sign-ins live in the store (store.Portal records:
//     the cookie holds a random secret, the store its SHA-256); no token is
//     kept. Every form carries the session's CSRF token, and Go's
//     cross-origin protection refuses cross-site POSTs. Deletes ask for
//     confirmation on a page of their own. Pages are served with a strict
//     Content-Security-Policy: no inline script or style.
//   - Every change is audited (store.Audit): who, what, which objects,
//     success or Graph's error, shown per object.
//
// Pure form parsing and the claims mapping edits live in forms.go and
// claims.go and are unit-tested; handlers_*.go parse, call Graph and render
// web/admin templates.
package admin
