package inspect_test

import (
	"net/http"
	"strings"
	"testing"
)

// noNetwork is a client that fails the test if it is used.
func noNetwork(t *testing.T) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("offline inspection made a request: %s %s", r.Method, r.URL)
		return nil, http.ErrUseLastResponse
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// segments splits a compact JWT.
func segments(t *testing.T, jwt string) []string {
	t.Helper()
	p := strings.Split(jwt, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d parts, want 3", len(p))
	}
	return p
}
