// Package kubelogin holds end-to-end tests that run the real kubelogin
// binary (bin/kubelogin, built by scripts/build-tools.sh) against a real
// `gatehouse dev` server, the way the Entra SSO for EKS guide uses it:
// `kubelogin get-token --oidc-issuer-url=<v1 issuer>` with the password grant,
// the authorization code flow through a headless browser, and --force-refresh.
package kubelogin
