package kubecluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

const (
	// etcdReadyTimeout bounds how long etcd may take to answer /health.
	etcdReadyTimeout = 30 * time.Second
	// apiserverReadyTimeout bounds how long kube-apiserver may take to answer
	// /readyz with 200: about 3 s on an idle machine, much more on a busy one.
	apiserverReadyTimeout = 90 * time.Second
	// pollInterval is how often readiness is checked.
	pollInterval = 100 * time.Millisecond

	// AdminUser is the user name of the static admin token, a member of
	// system:masters.
	AdminUser = "e2e-admin"

	// serviceClusterIPRange is the Service IP range; nothing routes to it,
	// but kube-apiserver requires one.
	serviceClusterIPRange = "10.96.0.0/24"
	// serviceAccountIssuer is the iss of the service account tokens the
	// cluster signs.
	serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local"
)

// emptyAuthenticationConfig has no JWT authenticators: Start uses it when
// Config.AuthenticationConfig is nil, so the file exists for
// SetAuthenticationConfig to replace. kube-apiserver allows zero
// authenticators for exactly that.
var emptyAuthenticationConfig = []byte(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt: []
`)

// Config is what a test chooses about its cluster.
type Config struct {
	// AuthenticationConfig is the AuthenticationConfiguration
	// (apiserver.config.k8s.io/v1) YAML given to kube-apiserver with
	// --authentication-config, for example a jwt authenticator trusting
	// gatehouse. Start its issuer before the cluster: the authenticator
	// fetches the discovery document at startup and retries only every 10 s.
	// Nil means no JWT authenticators.
	AuthenticationConfig []byte
}

// Cluster is a running etcd and kube-apiserver.
type Cluster struct {
	// URL is the API server's base URL, https://127.0.0.1:<port>.
	URL string
	// CAPEM holds the certificates that verify the API server: kube-apiserver
	// generates a self-signed CA and serving certificate into its --cert-dir
	// and writes both to apiserver.crt.
	CAPEM []byte
	// CAFile is the path of a file holding CAPEM.
	CAFile string
	// AdminToken is a bearer token for AdminUser (group system:masters),
	// for setting up RBAC.
	AdminToken string

	dir             string
	authnConfigFile string
	etcd, apiserver *process
	// tlsClient trusts CAPEM; get adds the admin token.
	tlsClient *http.Client

	adminOnce       sync.Once
	admin           *kubernetes.Clientset
	adminErr        error
	kubeconfigOnce  sync.Once
	adminKubeconfig string
	kubeconfigErr   error
}

// Start runs etcd and kube-apiserver on free loopback ports with their own
// temporary directories and waits until the API server's /readyz answers
// 200. Both are stopped when the test ends, and the tails of their logs
// printed if it failed. A missing binary fails the test under CI=true and
// skips it otherwise.
func Start(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	etcdBin := etcdBinary.path(t)
	apiserverBin := kubeAPIServerBinary.path(t)
	authnConfig := cfg.AuthenticationConfig
	if authnConfig == nil {
		authnConfig = emptyAuthenticationConfig
	}

	c := &Cluster{dir: t.TempDir()}
	dirs := map[string]string{}
	for _, name := range []string{"etcd", "certs", "config", "logs"} {
		dirs[name] = filepath.Join(c.dir, name)
		if err := os.MkdirAll(dirs[name], 0o700); err != nil {
			t.Fatalf("create %s: %v", dirs[name], err)
		}
	}
	// Registered after TempDir, so it runs before the directory is removed.
	t.Cleanup(func() { c.stop(t) })

	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	etcdURL := "http://127.0.0.1:" + ports[0]
	peerURL := "http://127.0.0.1:" + ports[1]
	c.URL = "https://127.0.0.1:" + ports[2]

	start := time.Now()
	c.etcd, err = startProcess("etcd", etcdBin, []string{
		"--name=e2e",
		"--data-dir=" + dirs["etcd"],
		"--listen-client-urls=" + etcdURL,
		"--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=e2e=" + peerURL,
		// The data is thrown away with the test; fsync only slows it down.
		"--unsafe-no-fsync",
		// Info lines would crowd the interesting part out of the log tail.
		"--log-level=warn",
	}, dirs["logs"])
	if err != nil {
		t.Fatal(err)
	}
	if err := waitEtcd(c.etcd, etcdURL); err != nil {
		t.Fatalf("etcd on %s: %v", etcdURL, err)
	}

	saKey, saPub, err := writeServiceAccountKeys(dirs["config"])
	if err != nil {
		t.Fatal(err)
	}
	var tokenFile string
	if c.AdminToken, tokenFile, err = writeTokenFile(dirs["config"]); err != nil {
		t.Fatalf("write token file: %v", err)
	}
	c.authnConfigFile = filepath.Join(dirs["config"], "authentication-config.yaml")
	if err := writeFileAtomic(c.authnConfigFile, authnConfig); err != nil {
		t.Fatalf("write authentication config: %v", err)
	}

	c.apiserver, err = startProcess("kube-apiserver", apiserverBin, []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + ports[2],
		"--advertise-address=127.0.0.1",
		// No Endpoints for the kubernetes Service: the default reconciler
		// would publish 127.0.0.1, which Endpoints validation rejects as
		// loopback, and nothing in the cluster would use it anyway.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + dirs["certs"],
		"--service-cluster-ip-range=" + serviceClusterIPRange,
		"--service-account-issuer=" + serviceAccountIssuer,
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--authorization-mode=RBAC",
		"--token-auth-file=" + tokenFile,
		"--authentication-config=" + c.authnConfigFile,
	}, dirs["logs"])
	if err != nil {
		t.Fatal(err)
	}
	c.CAFile = filepath.Join(dirs["certs"], "apiserver.crt")
	if c.CAPEM, err = c.waitReady(); err != nil {
		t.Fatalf("kube-apiserver on %s: %v", c.URL, err)
	}
	if c.tlsClient, err = httpClient(c.CAPEM); err != nil {
		t.Fatalf("kube-apiserver certificates %s: %v", c.CAFile, err)
	}
	t.Cleanup(c.tlsClient.CloseIdleConnections)
	t.Logf("kube-apiserver ready on %s after %s (etcd %s)", c.URL, time.Since(start).Round(time.Millisecond), etcdURL)
	return c
}

// get sends GET path to the API server as the admin and returns the body of
// a 200 answer.
func (c *Cluster) get(path string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, c.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	resp, err := c.tlsClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	return body, nil
}

// stop stops kube-apiserver before etcd, so the API server does not log a
// storm of etcd connection errors over the interesting part of its log.
func (c *Cluster) stop(t testing.TB) {
	t.Helper()
	for _, p := range []*process{c.apiserver, c.etcd} {
		if p != nil {
			p.stop(t)
		}
	}
	if t.Failed() {
		for _, p := range []*process{c.etcd, c.apiserver} {
			if p != nil {
				p.dumpLog(t)
			}
		}
	}
}

// waitEtcd waits until etcd's /health reports healthy.
func waitEtcd(p *process, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return poll(p, etcdReadyTimeout, func() error {
		resp, err := client.Get(url + "/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /health: status %d", resp.StatusCode)
		}
		return nil
	})
}

// waitReady waits for kube-apiserver to write its self-signed certificates
// and answer /readyz with 200 over TLS verified with them, and returns the
// certificates' PEM.
func (c *Cluster) waitReady() ([]byte, error) {
	var caPEM []byte
	err := poll(c.apiserver, apiserverReadyTimeout, func() error {
		// Read on every try: the file may be read while it is being written.
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return fmt.Errorf("no serving certificate yet: %w", err)
		}
		client, err := httpClient(pem)
		if err != nil {
			return err
		}
		defer client.CloseIdleConnections()
		req, err := http.NewRequest(http.MethodGet, c.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.AdminToken)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /readyz: status %d", resp.StatusCode)
		}
		caPEM = pem
		return nil
	})
	return caPEM, err
}

// httpClient returns a client that trusts only the certificates in caPEM.
func httpClient(caPEM []byte) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificate in the CA PEM")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, nil
}

// poll calls check until it succeeds, returns a stopPolling error, p exits
// or timeout passes, and then returns the last error.
func poll(p *process, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	last := errors.New("not checked")
	for time.Now().Before(deadline) {
		if exited, err := p.exited(); exited {
			return fmt.Errorf("%w before it was ready (last check: %v)", err, last)
		}
		last = check()
		var stop stopPolling
		if last == nil || errors.As(last, &stop) {
			return last
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("not ready after %s: %w", timeout, last)
}

// stopPolling is an error of a check that waiting longer cannot fix.
type stopPolling struct{ err error }

func (e stopPolling) Error() string { return e.err.Error() }
func (e stopPolling) Unwrap() error { return e.err }
