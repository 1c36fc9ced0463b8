package token

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Claims is a decoded claim set.
type Claims map[string]any

// String returns a string claim, or "".
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// KeySource finds a published verification key by kid.
type KeySource interface {
	PublicKey(kid string) (crypto.PublicKey, bool)
}

// ClockSkew is the leeway allowed on exp and nbf.
const ClockSkew = 5 * time.Minute

// Verify checks a Gatehouse-issued JWT's RS256 signature against the
// published keys and its lifetime, and returns its claims. The caller checks
// iss and aud for its own purpose.
func Verify(raw string, keys KeySource, now time.Time) (Claims, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("parse token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must have exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	key, ok := keys.PublicKey(kid)
	if !ok {
		return nil, fmt.Errorf("token signed with unknown key %q", kid)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, fmt.Errorf("token signature: %w", err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("token claims: %w", err)
	}
	exp, _ := c["exp"].(float64)
	nbf, _ := c["nbf"].(float64)
	if exp == 0 || now.After(time.Unix(int64(exp), 0).Add(ClockSkew)) {
		return nil, errors.New("token has expired")
	}
	if nbf != 0 && now.Add(ClockSkew).Before(time.Unix(int64(nbf), 0)) {
		return nil, errors.New("token is not valid yet")
	}
	return c, nil
}
