// Package policy parses and evaluates Entra's application configuration
// policies: token lifetime policies (reference: configurable-token-lifetimes)
// and claims mapping policies (reference-claims-mapping-policy-type). Their
// definitions arrive as a JSON document serialised into the single string
// of an array, as Microsoft Graph carries them.
//
// Service implements oauth.Policies: which policy applies to a token is
// decided by the token's audience application and service principal.
package policy
