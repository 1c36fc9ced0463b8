package inspect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

// SignatureStatus is the outcome of checking a token's signature.
type SignatureStatus string

// Signature outcomes.
const (
	SignatureValid      SignatureStatus = "valid"
	SignatureInvalid    SignatureStatus = "invalid"
	SignatureUnknownKey SignatureStatus = "unknown_key"
	// SignatureNotChecked: offline, or the keys could not be fetched.
	SignatureNotChecked SignatureStatus = "not_checked"
)

// Signature describes the signature check.
type Signature struct {
	Status    SignatureStatus `json:"status"`
	Algorithm string          `json:"alg,omitempty"`
	KeyID     string          `json:"kid,omitempty"`
	KeysURL   string          `json:"jwks_uri,omitempty"`
	Detail    string          `json:"detail,omitempty"`
}

// asymmetricAlgs are the algorithms a token from an OpenID provider can be
// checked with against published keys. Symmetric (HS*) and "none" cannot.
var asymmetricAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384,
	jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

// FetchKeys fetches a JWKS. Keys that do not parse are skipped rather than
// failing the set, as one odd key must not hide the others.
func FetchKeys(ctx context.Context, client *http.Client, url string) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := getJSON(ctx, client, url, &doc); err != nil {
		return nil, err
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err == nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// verifySignature checks the token's signature against a key set. It picks
// keys by kid, else by x5t (Entra v1 tokens carry both), else tries all
// (go-oidc does the same for tokens without kid).
func verifySignature(t *Token, keys []jose.JSONWebKey) Signature {
	alg, kid := t.HeaderString("alg"), t.HeaderString("kid")
	sig := Signature{Algorithm: alg, KeyID: kid}
	if !slices.Contains(asymmetricAlgs, jose.SignatureAlgorithm(alg)) {
		sig.Status = SignatureInvalid
		sig.Detail = fmt.Sprintf("alg %q cannot be checked against an issuer's published keys; OpenID providers sign with RS256", alg)
		return sig
	}
	jws, err := jose.ParseSigned(t.raw, asymmetricAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		sig.Status = SignatureInvalid
		sig.Detail = "the token is not a single-signature JWS"
		return sig
	}
	var candidates []jose.JSONWebKey
	x5t := t.HeaderString("x5t")
	for _, k := range keys {
		switch {
		case kid != "":
			if k.KeyID == kid {
				candidates = append(candidates, k)
			}
		case x5t != "":
			if base64.RawURLEncoding.EncodeToString(k.CertificateThumbprintSHA1) == x5t {
				candidates = append(candidates, k)
			}
		default:
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		sig.Status = SignatureUnknownKey
		sig.Detail = fmt.Sprintf("no published key has kid %q", kid)
		if kid == "" {
			sig.Detail = "the token names no key (kid) and none of the published keys matches"
		}
		return sig
	}
	for _, k := range candidates {
		if _, err := jws.Verify(k.Key); err == nil {
			sig.Status, sig.KeyID = SignatureValid, k.KeyID
			return sig
		}
	}
	sig.Status = SignatureInvalid
	sig.Detail = "the signature does not match the token's content: it was altered, or signed by another key with the same kid"
	if _, ok := lookup(t.Header, "nonce"); ok {
		// Entra: Microsoft Graph access tokens carry a nonce header that is
		// replaced before signing, so nobody but Graph can verify them.
		sig.Detail = "this looks like a Microsoft Graph access token (its header has a nonce): only Graph can verify those; inspect an ID token or a token for your own API instead"
	}
	return sig
}
