package kubecluster

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// reloadTimeout bounds how long kube-apiserver may take to apply a new
// authentication config. It checks a new JWT authenticator's health right
// away and then every 10 s, and gives up after a minute.
const reloadTimeout = 90 * time.Second

// Metrics kube-apiserver exposes about its --authentication-config
// (k8s.io/apiserver/pkg/server/options/authenticationconfig/metrics).
const (
	// lastConfigInfoMetric carries hash="sha256:<hex of the file>" of the
	// configuration in force.
	lastConfigInfoMetric = "apiserver_authentication_config_controller_last_config_info"
	// reloadsMetric counts reloads by status="success" or "failure".
	reloadsMetric = "apiserver_authentication_config_controller_automatic_reloads_total"
)

// SetAuthenticationConfig replaces the AuthenticationConfiguration YAML the
// API server was started with (nil: one without JWT authenticators) and
// waits until kube-apiserver has applied it. The API server watches the file
// and swaps in new JWT authenticators only once they are healthy (discovery
// document fetched), which takes about 10 s. A configuration it rejects fails
// the test, with its log tail.
func (c *Cluster) SetAuthenticationConfig(t testing.TB, yaml []byte) {
	t.Helper()
	if yaml == nil {
		yaml = emptyAuthenticationConfig
	}
	before, err := c.authnConfigMetrics()
	if err != nil {
		t.Fatalf("read authentication config metrics: %v", err)
	}
	if err := writeFileAtomic(c.authnConfigFile, yaml); err != nil {
		t.Fatalf("write authentication config: %v", err)
	}
	want := fmt.Sprintf("sha256:%x", sha256.Sum256(yaml))
	start := time.Now()
	err = poll(c.apiserver, reloadTimeout, func() error {
		now, err := c.authnConfigMetrics()
		if err != nil {
			return err
		}
		if now.hash == want {
			return nil
		}
		if now.failures > before.failures {
			// Invalid configurations are not retried; a JWT authenticator
			// that stayed unhealthy for a minute is retried a minute later.
			return stopPolling{fmt.Errorf("reload failed: %s{status=\"failure\"} went from %d to %d", reloadsMetric, before.failures, now.failures)}
		}
		return fmt.Errorf("configuration in force has %s, want %s", now.hash, want)
	})
	if err != nil {
		t.Fatalf("kube-apiserver did not apply the new authentication config (see its log): %v\n%s", err, yaml)
	}
	t.Logf("kube-apiserver applied the new authentication config after %s", time.Since(start).Round(time.Millisecond))
}

// authnConfigMetrics is what /metrics says about the authentication config.
type authnConfigMetrics struct {
	hash     string // of the configuration in force
	failures int    // failed reloads so far
}

func (c *Cluster) authnConfigMetrics() (authnConfigMetrics, error) {
	body, err := c.get("/metrics")
	if err != nil {
		return authnConfigMetrics{}, err
	}
	var m authnConfigMetrics
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, lastConfigInfoMetric+"{"):
			m.hash = label(line, "hash")
		case strings.HasPrefix(line, reloadsMetric+"{") && label(line, "status") == "failure":
			fields := strings.Fields(line)
			n, err := strconv.ParseFloat(fields[len(fields)-1], 64)
			if err != nil {
				return m, fmt.Errorf("parse %q: %w", line, err)
			}
			m.failures = int(n)
		}
	}
	return m, sc.Err()
}

// label returns the value of a label in a line of the Prometheus text format.
func label(line, name string) string {
	for _, sep := range []string{"{", ","} {
		if _, rest, ok := strings.Cut(line, sep+name+`="`); ok {
			value, _, _ := strings.Cut(rest, `"`)
			return value
		}
	}
	return ""
}
