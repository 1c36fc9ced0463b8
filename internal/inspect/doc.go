// Package inspect decodes a JSON Web Token and checks it the way a relying
// party such as kubelogin or the Kubernetes API server would, so that nobody
// has to paste tokens into a website to read them.
//
// It follows OpenID Connect Discovery 1.0 §4 to find the keys: the issuer is
// the token's iss, the metadata lives at iss without its trailing slash plus
// /.well-known/openid-configuration, and the document's issuer must equal
// iss byte for byte (go-oidc and the API server refuse anything else). The
// signature (RFC 7515) is checked against the jwks_uri keys; exp, nbf and aud
// follow RFC 7519 §4.1.
//
// Every check that fails becomes a Problem in the Report; a check that cannot
// run (no network, issuer down) is reported too, and the decoded token is
// still shown. The raw token and its signature never appear in a Report.
package inspect
