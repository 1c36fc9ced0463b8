// Package kubecluster runs a real Kubernetes control plane for end-to-end
// tests: etcd and kube-apiserver (bin/etcd and bin/kube-apiserver, built by
// scripts/build-tools.sh) on free loopback ports, without root, a container
// runtime, a controller manager or nodes.
//
// Start gives each test its own cluster with RBAC authorization, a static
// admin token (--token-auth-file, group system:masters) for setting up RBAC,
// and an optional structured AuthenticationConfiguration
// (--authentication-config, apiserver.config.k8s.io/v1) so the API server can
// trust an OIDC issuer such as `gatehouse dev`. Both processes are stopped in
// t.Cleanup whatever the outcome, and the tails of their logs are printed when
// the test failed.
//
// Without a controller manager the aggregated ClusterRoles view, edit and
// admin stay empty: bind cluster-admin or a ClusterRole of your own.
package kubecluster
