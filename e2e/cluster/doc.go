// Package cluster is the end-to-end suite of Kubernetes sign-in with
// gatehouse, every part real: `gatehouse dev` (HTTPS with its local CA) as
// the issuer, etcd and kube-apiserver started with the
// AuthenticationConfiguration that `gatehouse kube-authn-config` generates,
// and kubectl with the kubeconfig that `gatehouse kubeconfig` generates, so
// kubectl runs kubelogin as its credential plugin.
//
// One issuer and one cluster serve the whole suite (TestKubernetesSignIn and
// its subtests run in order), since a cluster takes seconds to start. The
// suite checks, against the real API server:
//   - kubectl through kubelogin (password grant, and the authorization code
//     flow with cmd/headless-login as the browser): 403 naming the user the
//     API server derived, 200 once the user's group is bound, and
//     `kubectl auth whoami` with the user, the groups and the extra values
//     (default namespace from a directory extension, tenant id);
//   - 401 for a token of another audience, an expired token and a token
//     signed by a key `gatehouse keys rotate` dropped, while tokens signed
//     after the rotation keep working without restarting the API server;
//   - groups overage: a user in 500 groups gets an ID token without `groups`
//     but with `_claim_sources`, and the API server resolves every group from
//     gatehouse's groups endpoint.
//
// The tests need bin/etcd, bin/kube-apiserver, bin/kubectl and bin/kubelogin
// (scripts/build-tools.sh); without them they skip, except under CI=true.
package cluster
