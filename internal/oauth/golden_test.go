package oauth_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestDiscoveryGolden pins the discovery documents clients depend on.
// Run with -update after an intended change and review the diff.
func TestDiscoveryGolden(t *testing.T) {
	e := newEnv(t)
	for name, path := range map[string]string{
		"discovery_v1.json": "/" + e.Tenant + "/.well-known/openid-configuration",
		"discovery_v2.json": "/" + e.Tenant + "/v2.0/.well-known/openid-configuration",
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Get(e.Base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatalf("not JSON: %s", body)
			}
			host := strings.TrimPrefix(e.Base, "http://")
			got := strings.ReplaceAll(pretty.String(), host, "HOST") + "\n"
			file := filepath.Join("testdata", name)
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create): %v", err)
			}
			if got != string(want) {
				t.Fatalf("%s changed; run go test -run TestDiscoveryGolden -update and review.\ngot:\n%s", name, got)
			}
		})
	}
}
