package inspect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Field is one member of a JSON object, kept in the order the token has it.
type Field struct {
	Name  string
	Value any // string, json.Number, bool, nil, []any or map[string]any
}

// Token is a decoded JWS compact serialisation. It keeps the raw form only
// to verify the signature; nothing renders it.
type Token struct {
	Header []Field
	Claims []Field
	raw    string
}

// ErrNotJWT means the input is not a signed JWT in compact form.
var ErrNotJWT = errors.New("not a JWT: expected three base64url parts separated by dots")

// Decode parses a token without verifying it. Surrounding white space and
// a "Bearer " prefix are ignored, as tokens are often copied with them.
func Decode(raw string) (*Token, error) {
	raw = strings.TrimSpace(raw)
	if s, ok := strings.CutPrefix(raw, "Bearer "); ok {
		raw = strings.TrimSpace(s)
	}
	parts := strings.Split(raw, ".")
	switch {
	case len(parts) == 5:
		return nil, errors.New("this is an encrypted token (JWE, five parts): only its recipient can read it")
	case len(parts) != 3:
		return nil, ErrNotJWT
	}
	header, err := decodeSegment(parts[0])
	if err != nil {
		return nil, fmt.Errorf("token header: %w", err)
	}
	claims, err := decodeSegment(parts[1])
	if err != nil {
		return nil, fmt.Errorf("token payload: %w", err)
	}
	// Don't echo the signature in errors: it is half of a bearer credential.
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, errors.New("token signature is not base64url")
	}
	return &Token{Header: header, Claims: claims, raw: raw}, nil
}

func decodeSegment(seg string) ([]Field, error) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	return decodeObject(b)
}

// decodeObject decodes a JSON object keeping member order; numbers stay
// json.Number so large integers are shown exactly.
func decodeObject(b []byte) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var out []Field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		name, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON at %q: %w", name, err)
		}
		out = append(out, Field{Name: name, Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return out, nil
}

func lookup(fields []Field, name string) (any, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// Claim returns a claim's value.
func (t *Token) Claim(name string) (any, bool) { return lookup(t.Claims, name) }

// ClaimString returns a string claim, or "".
func (t *Token) ClaimString(name string) string {
	v, _ := t.Claim(name)
	s, _ := v.(string)
	return s
}

// HeaderString returns a string header parameter, or "".
func (t *Token) HeaderString(name string) string {
	v, _ := lookup(t.Header, name)
	s, _ := v.(string)
	return s
}

// Audiences returns aud as a list: RFC 7519 allows a string or an array.
func (t *Token) Audiences() []string {
	v, _ := t.Claim("aud")
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, e := range a {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Time returns a NumericDate claim (seconds since the epoch).
func (t *Token) Time(name string) (time.Time, bool) {
	v, ok := t.Claim(name)
	if !ok {
		return time.Time{}, false
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	if i, err := n.Int64(); err == nil {
		return time.Unix(i, 0).UTC(), true
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(f*float64(time.Second))).UTC(), true
}
