// Package oauth is the HTTP surface of Gatehouse's login host: the
// Entra-compatible OpenID Connect and OAuth 2.0 endpoints under
// /{tenant}/... (v1 /oauth2/ and v2 /oauth2/v2.0/ paths), discovery, JWKS,
// the sign-in and device code pages, logout and userinfo.
//
// Handlers parse and validate the request, call the domain (registry for
// directory lookups, token for claims, the store for grant state) and render
// the result. Errors are *Error values rendered in Entra's shape: a JSON body
// with an AADSTS-prefixed error_description on the token endpoint, a
// redirect or an error page on the authorize endpoint.
package oauth
