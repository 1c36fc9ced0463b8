package token

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// oneKey is a KeySource publishing one RSA key.
type oneKey struct {
	kid string
	pub crypto.PublicKey
}

func (k oneKey) PublicKey(kid string) (crypto.PublicKey, bool) { return k.pub, kid == k.kid }

// FuzzVerify: whatever the input, Verify returns claims only for a token
// that carries a valid RS256 signature by the published key (checked
// again here with go-jose directly); it never panics.
func FuzzVerify(f *testing.F) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	keys := oneKey{kid: "k1", pub: &priv.PublicKey}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	for _, payload := range []string{`{"exp":1800003600,"nbf":1799999000,"aud":"x"}`, `{"exp":1}`, `{}`, `[]`, `{"exp":"soon"}`} {
		jws, err := signer.Sign([]byte(payload))
		if err != nil {
			f.Fatal(err)
		}
		tok, _ := jws.CompactSerialize()
		f.Add(tok)
		parts := strings.Split(tok, ".")
		f.Add(parts[0] + "." + parts[1] + ".")                                    // no signature
		f.Add("eyJhbGciOiJub25lIiwia2lkIjoiazEifQ." + parts[1] + ".")             // alg none
		f.Add("eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0." + parts[1] + "." + parts[2]) // HS256 header
	}
	f.Add("")
	f.Add("...")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Verify(raw, keys, now)
		if err != nil {
			return
		}
		jws, perr := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
		if perr != nil {
			t.Fatalf("Verify accepted %q, which go-jose cannot parse: %v", raw, perr)
		}
		if _, verr := jws.Verify(&priv.PublicKey); verr != nil {
			t.Fatalf("Verify accepted %q without a valid signature: %v", raw, verr)
		}
		if exp, ok := c["exp"].(float64); !ok || time.Unix(int64(exp), 0).Add(ClockSkew).Before(now) {
			t.Fatalf("Verify accepted %q with exp %v at %v", raw, c["exp"], now)
		}
	})
}

// FuzzParseScope: a parsed scope names at most one resource, and every
// permission is non-empty and free of spaces and slashes.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"openid profile offline_access", "https://graph.microsoft.com/.default", "User.Read Mail.Read",
		"api://orders/Orders.Read api://orders/Orders.Write", "https://canary.graph.microsoft.com//.default", "a/ b/c", "/x", "x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := ParseScope(raw)
		if err != nil {
			return
		}
		for _, p := range s.Permissions {
			if p == "" || strings.ContainsAny(p, " \t\n/") {
				t.Fatalf("%q: permission %q", raw, p)
			}
		}
		if len(s.Permissions) > 0 && s.Resource == "" {
			t.Fatalf("%q: permissions %v without a resource", raw, s.Permissions)
		}
	})
}
