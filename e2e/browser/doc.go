// Package browser is the end-to-end suite of the cluster portal and the
// admin centre in a real headless browser: Debian's Chromium
// (/usr/bin/chromium) driven by playwright-core from npm, against `gatehouse
// dev` (issuer, portal, admin centre) and a real kube-apiserver (package
// kubecluster) that trusts the dev issuer's HTTPS listener for ID tokens of
// the eks and portal apps.
//
// The Go test starts the servers, prepares the directory (a user without the
// namespace claim, created through Microsoft Graph; a 10-minute token
// lifetime policy on the portal app) and the cluster (namespace team-a with
// pods, a read-only ClusterRole bound to adele's group, nothing for alex),
// then runs one Node script per scenario (scenarios/*.mjs). A script gets
// its URLs and credentials as JSON on stdin, drives Chromium, saves
// screenshots of the pages it passed through, and prints what it observed
// as JSON on stdout; the Go test asserts on that:
//   - adele (default_namespace=team-a, picture): the overview and account
//     settings show team-a as default and allowed, from the claim; the
//     avatar img has the picture URL and loads; the namespace page lists the
//     pods created in team-a;
//   - a user without the claim sees the empty states, sets a namespace by
//     hand, and finds it again after signing out and in;
//   - alex, without any role binding, gets the 403 page naming the user and
//     groups the API server derived;
//   - expiry: with 10-minute ID tokens, a portal clock past the ID token's
//     expiry refreshes silently; past the session's 12 hours it shows
//     "session ended" and one sign-in, not a redirect loop.
//
// TestAdminCentre (admin_test.go) needs no cluster: in the admin centre of
// `gatehouse dev`, adele (Global Administrator) does the SSO guide's click
// path for eks (admin-guide.mjs, in phases): API permissions and Grant admin
// consent, the redirect URIs of a second portal; the extension attributes
// created through Graph as the guide's curl does, with alex's values; Add new
// claim with a directory schema extension for default_namespace and picture,
// the AADSTS50146 banner (and kubelogin failing so); the manifest's
// acceptMappedClaims; a 04:00:00 token lifetime policy created and assigned.
// Then the real kubelogin gets alex an ID token with both claims and
// exp - iat = 14400, and `gatehouse portal` signing in with eks shows his
// namespace and avatar (eks-portal.mjs). alex signing in to the admin centre
// is refused (admin-refused.mjs). Pages wider than the 1280-pixel window
// are logged, not failed.
//
// Screenshots go to $GATEHOUSE_E2E_ARTIFACTS/browser, or e2e/artifacts/browser
// (git-ignored). The suite needs bin/etcd, bin/kube-apiserver, bin/kubectl
// and bin/kubelogin (scripts/build-tools.sh), Chromium and
// e2e/browser/node_modules (`npm ci` here; .ci/run installs both); without
// them it skips, except under CI=true.
package browser
