package kubecluster

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-id/gatehouse/e2e/harness"
)

// A binary the cluster runs, found in the repository's bin/ folder unless its
// environment variable names another file.
type binary struct {
	name string // file name in bin/, as scripts/build-tools.sh writes it
	env  string // environment variable overriding the path
}

var (
	etcdBinary          = binary{name: "etcd", env: "GATEHOUSE_E2E_ETCD"}
	kubeAPIServerBinary = binary{name: "kube-apiserver", env: "GATEHOUSE_E2E_KUBE_APISERVER"}
	kubectlBinary       = binary{name: "kubectl", env: "GATEHOUSE_E2E_KUBECTL"}
)

// path returns the binary's path. A missing binary fails the test under
// CI=true, where the tools are always built; elsewhere it skips the test
// with how to build it, so `go test ./...` works on a fresh checkout.
func (b binary) path(t testing.TB) string {
	t.Helper()
	path := os.Getenv(b.env)
	if path == "" {
		path = filepath.Join(harness.RepoRoot(t), "bin", b.name)
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("%s binary %s: %v (build it with scripts/build-tools.sh, or set %s)", b.name, path, err, b.env)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// KubectlBinary returns the path of the kubectl binary (bin/kubectl, or
// $GATEHOUSE_E2E_KUBECTL), with the same fail-in-CI-else-skip rule as Start.
func KubectlBinary(t testing.TB) string {
	t.Helper()
	return kubectlBinary.path(t)
}

// RequireBinaries checks for etcd, kube-apiserver and kubectl the way Start
// and KubectlBinary do: call it first in a test that starts other servers
// (an issuer) before its cluster, so a missing binary skips the test
// before any work.
func RequireBinaries(t testing.TB) {
	t.Helper()
	for _, b := range []binary{etcdBinary, kubeAPIServerBinary, kubectlBinary} {
		b.path(t)
	}
}
