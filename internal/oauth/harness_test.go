package oauth_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// env is a running login host with the demo tenant.
type env struct {
	*testenv.Env
	t testing.TB
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return &env{Env: testenv.Start(t), t: t}
}

// codeFrom extracts the code from a redirect to the client.
func codeFrom(t testing.TB, resp *http.Response) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302 to the client", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("bad Location: %v", err)
	}
	return loc.Query()
}

func headerOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatalf("decode header: %v", err)
	}
	var h map[string]any
	json.Unmarshal(b, &h)
	return h
}
