package graph_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	anyGUIDRE     = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	dateTimeRE    = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?`)
	goldenFixedID = map[string]string{
		eksObjID: "{eksObjectId}",
		eksAppID: "{eksAppId}",
		eksSPID:  "{eksServicePrincipalId}",
		adeleID:  "{adeleId}",
		alexID:   "{alexId}",
	}
)

// normalize replaces what changes from run to run: the server's base URL,
// GUIDs minted by the run (numbered by first appearance) and timestamps.
// The demo tenant's fixed ids keep a readable name.
func normalize(t *testing.T, base string, raw []byte) string {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		t.Fatalf("response is not JSON: %s", raw)
	}
	s := strings.ReplaceAll(pretty.String(), base, "{base}")
	s = strings.ReplaceAll(s, eksNoDash, "{eksAppIdNoDash}")
	minted := map[string]string{}
	s = anyGUIDRE.ReplaceAllStringFunc(s, func(g string) string {
		if name, ok := goldenFixedID[strings.ToLower(g)]; ok {
			return name
		}
		if _, ok := minted[g]; !ok {
			minted[g] = fmt.Sprintf("{guid%d}", len(minted)+1)
		}
		return minted[g]
	})
	return dateTimeRE.ReplaceAllString(s, "{datetime}") + "\n"
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read golden file (run go test -run TestGraphGolden -update to create it): %v", err)
	}
	if got != string(want) {
		t.Fatalf("%s changed; if intended, run go test ./internal/graph -run TestGraphGolden -update and review the diff.\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestGraphGolden pins Graph response bodies the guide's scripts and other
// Graph clients read.
func TestGraphGolden(t *testing.T) {
	e := newEnv(t)
	steps := []struct {
		file   string
		status int
		call   func() *response
	}{
		{"extension_property_create.json", http.StatusCreated, func() *response {
			return e.post("applications/"+eksObjID+"/extensionProperties", guideExtensionBody)
		}},
		{"user_get_select.json", http.StatusOK, func() *response {
			wantNoContent(t, e.patch("users/"+adeleID, map[string]any{defaultNamespaceExt: "team-a"}))
			return e.get("users/" + adeleID + "?$select=id,displayName,userPrincipalName," + defaultNamespaceExt)
		}},
		{"token_lifetime_policy_create.json", http.StatusCreated, func() *response {
			return e.post("policies/tokenLifetimePolicies", guideLifetimePolicyBody)
		}},
		{"users_page.json", http.StatusOK, func() *response {
			return e.get("users?$top=1&$select=displayName")
		}},
		{"error_not_found.json", http.StatusNotFound, func() *response {
			return e.get("applications/" + eksAppID)
		}},
	}
	for _, s := range steps {
		t.Run(s.file, func(t *testing.T) {
			r := s.call()
			wantStatus(t, r, s.status)
			checkGolden(t, s.file, normalize(t, e.Base, r.raw))
		})
	}
}
