// Package portal is Gatehouse's cluster portal: an OpenID Connect relying
// party that signs people in at any OIDC issuer (Gatehouse, Microsoft Entra
// v1 or v2, Keycloak) and shows them the Kubernetes cluster with their own ID
// token, as the KubeRocketCI portal does.
//
// What it follows:
//   - Sign-in is the authorization code flow with PKCE S256 (RFC 7636), state
//     and nonce (OpenID Connect Core §3.1), the ID token verified with go-oidc.
//   - Tokens never reach the browser: a session record in the store holds
//     them, referenced by an HttpOnly cookie whose value is a random secret; the
//     store keys the record by the secret's SHA-256 (as internal/grant does).
//   - Refresh (RFC 6749 §6, OIDC Core §12.2) happens before the ID token
//     expires; a refreshed ID token must name the same subject; a failed
//     refresh ends the session (fail closed, no stale token sent on).
//   - Sign-out is RP-initiated logout at the issuer's end_session_endpoint
//     (OpenID Connect RP-Initiated Logout 1.0).
//   - Account settings (default and allowed namespaces) follow the
//     KubeRocketCI rule for the default_namespace claim (portalstate/settings.go).
//   - The cluster is read through client-go's dynamic client with the user's
//     ID token as bearer (cluster.go); 401 and 403 are told apart.
//
// Domain rules (the session and settings rules in portalstate, beside the
// records the store keeps; picture.go) are pure and unit-tested; handlers_*.go
// parse requests, call them and render web/portal templates.
package portal
