package kubecluster

import (
	"os"
	"testing"
)

// APIServerLog returns what kube-apiserver has logged so far. A test reads
// why a request was refused from it: the authentication filter logs each
// failure as "Unable to authenticate the request" with the authenticator's
// error (for example `oidc: expected audience ...`), while the client only
// sees 401. Compare lengths before and after a request to read only its lines.
func (c *Cluster) APIServerLog(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(c.apiserver.logPath)
	if err != nil {
		t.Fatalf("read kube-apiserver log: %v", err)
	}
	return string(data)
}
