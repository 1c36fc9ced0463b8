package harness

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// KubeloginRedirectAddrs are kubelogin's default --listen-address values;
// they match the demo app's redirect URIs http://localhost:8000 and
// http://localhost:18000.
var KubeloginRedirectAddrs = []string{"127.0.0.1:8000", "127.0.0.1:18000"}

// KubeloginBinary finds bin/kubelogin (or $GATEHOUSE_E2E_KUBELOGIN). In CI a
// missing binary fails the test; elsewhere it skips with how to build it.
func KubeloginBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("GATEHOUSE_E2E_KUBELOGIN")
	if bin == "" {
		bin = filepath.Join(RepoRoot(t), "bin", "kubelogin")
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("kubelogin binary %s: %v (build it with scripts/build-tools.sh, or set GATEHOUSE_E2E_KUBELOGIN)", bin, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// RequireKubeloginRedirectPort fails early, with the reason, when kubelogin
// could not bind any of the ports of the registered redirect URIs.
func RequireKubeloginRedirectPort(t testing.TB) {
	t.Helper()
	var errs []error
	for _, addr := range KubeloginRedirectAddrs {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
			return
		}
		errs = append(errs, err)
	}
	t.Fatalf("kubelogin needs one of %v free for its redirect URI: %v", KubeloginRedirectAddrs, errors.Join(errs...))
}
