// Package kubeconfig generates the Kubernetes side of OIDC sign-in:
// the API server's structured AuthenticationConfiguration
// (apiserver.config.k8s.io/v1) jwt entry, the same settings as EKS's
// associate-identity-provider-config arguments and as the legacy --oidc-*
// kube-apiserver flags, and kubeconfig users whose exec credential plugin
// runs kubelogin. It works the same for Gatehouse and for Entra ID.
package kubeconfig
