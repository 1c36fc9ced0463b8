package kubecluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubectlTimeout bounds one kubectl run.
const kubectlTimeout = time.Minute

// AdminKubeconfig writes (once) and returns the path of a kubeconfig for the
// cluster with AdminToken as its credentials and CAPEM inline. A kubectl
// --token flag overrides its token.
func (c *Cluster) AdminKubeconfig(t testing.TB) string {
	t.Helper()
	c.kubeconfigOnce.Do(func() {
		path := filepath.Join(c.dir, "admin.kubeconfig")
		const name = "e2e"
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters[name] = &clientcmdapi.Cluster{Server: c.URL, CertificateAuthorityData: c.CAPEM}
		cfg.AuthInfos[AdminUser] = &clientcmdapi.AuthInfo{Token: c.AdminToken}
		cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: AdminUser}
		cfg.CurrentContext = name
		c.adminKubeconfig, c.kubeconfigErr = path, clientcmd.WriteToFile(*cfg, path)
	})
	if c.kubeconfigErr != nil {
		t.Fatalf("write admin kubeconfig: %v", c.kubeconfigErr)
	}
	return c.adminKubeconfig
}

// Kubectl runs kubectl (see KubectlBinary) with the admin kubeconfig and
// args, and returns its stdout and stderr. err is non-nil when kubectl
// failed; tests that expect a refusal check stderr. kubectl gets a HOME of
// its own, so its discovery cache and any ~/.kube/config of the machine stay
// out of the test.
func (c *Cluster) Kubectl(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := KubectlBinary(t)
	home := filepath.Join(c.dir, "kubectl-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatalf("create kubectl home: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), kubectlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig=" + c.AdminKubeconfig(t)}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	start := time.Now()
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", kubectlTimeout, err)
	}
	t.Logf("kubectl %s: %s, %v", strings.Join(redactTokens(args), " "), time.Since(start).Round(time.Millisecond), exitStatus(err))
	return out.String(), errOut.String(), err
}

// redactTokens hides the value of --token flags in logged command lines.
func redactTokens(args []string) []string {
	out := make([]string, len(args))
	for i, arg := range args {
		if strings.HasPrefix(arg, "--token=") {
			arg = "--token=<redacted>"
		}
		out[i] = arg
	}
	return out
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
