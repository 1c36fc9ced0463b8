// Package kubeauthn holds end-to-end tests that put gatehouse's ID tokens
// through the Kubernetes API server's own JWT authenticator
// (k8s.io/apiserver/plugin/pkg/authenticator/token/oidc), configured from a
// structured AuthenticationConfiguration the way kube-apiserver loads its
// --authentication-config file.
package kubeauthn
