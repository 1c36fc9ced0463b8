package harness

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
)

// IDToken is a verified ID token with the claims the tests look at.
type IDToken struct {
	Raw    string
	Header map[string]any
	Claims map[string]any
	// Verified is go-oidc's view: issuer, audience, expiry, nonce.
	Verified *oidc.IDToken
}

// VerifyIDToken checks raw the way a relying party does, with go-oidc against
// the server's discovery document and JWKS: issuer, audience (the demo
// client), signature and expiry. It fails the test on any error.
func (s *Server) VerifyIDToken(t testing.TB, issuer, raw string) IDToken {
	t.Helper()
	client, err := s.Config.HTTPClient()
	if err != nil {
		t.Fatalf("HTTP client for gatehouse: %v", err)
	}
	// go-oidc follows no redirects anyway; this client just trusts the dev CA.
	ctx := oidc.ClientContext(context.Background(), client)
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatalf("discover %s: %v", issuer, err)
	}
	verified, err := provider.Verifier(&oidc.Config{ClientID: s.Config.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify ID token against %s JWKS: %v", issuer, err)
	}
	tok := IDToken{Raw: raw, Verified: verified}
	if err := verified.Claims(&tok.Claims); err != nil {
		t.Fatalf("decode ID token claims: %v", err)
	}
	if tok.Header, err = decodeSegment(raw, 0); err != nil {
		t.Fatalf("decode ID token header: %v", err)
	}
	return tok
}

// DecodeClaims decodes a JWT's payload without verifying anything.
func DecodeClaims(t testing.TB, raw string) map[string]any {
	t.Helper()
	claims, err := decodeSegment(raw, 1)
	if err != nil {
		t.Fatalf("decode JWT payload: %v", err)
	}
	return claims
}

func decodeSegment(raw string, i int) (map[string]any, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("JWT has %d parts, want 3", len(parts))
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// String returns a string claim, or "" when it is absent or not a string.
func (tok IDToken) String(name string) string {
	v, _ := tok.Claims[name].(string)
	return v
}

// Int returns an integer (NumericDate) claim and whether it is one.
func (tok IDToken) Int(name string) (int64, bool) {
	return numericClaim(tok.Claims[name])
}

func numericClaim(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}
