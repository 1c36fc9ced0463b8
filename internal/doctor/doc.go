// Package doctor checks, link by link, the sign-in chain of the Entra SSO
// guide (shared/seed/entra-sso-eks-portal-guide.md): the issuer's discovery
// document, the app registration's redirect URI, getting a token, the
// mapped claims (directory extension → claims mapping policy on the service
// principal → acceptMappedClaims → the user's value), the token lifetime
// policy, and the Kubernetes API server's AuthenticationConfiguration.
//
// Each check reports OK, PROBLEM or SKIPPED with an explanation in plain
// words and, for a problem, the fix. It reads through the same endpoints on
// Gatehouse and on Microsoft Entra ID: OpenID Connect Discovery, the token
// endpoint (client credentials for an app-only Microsoft Graph token, the
// password grant for the user), and Microsoft Graph v1.0. It never changes
// anything: fixes are printed, not applied.
package doctor
