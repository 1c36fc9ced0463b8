package inspect

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// WriteText writes the report for people: header, claims with readable
// times, lifetime, signature and problems.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString("Header\n")
	writeFields(&b, r.Token.Header, nil)
	b.WriteString("\nClaims\n")
	writeFields(&b, r.Token.Claims, r.Times)
	b.WriteString("\n")
	if r.Lifetime != 0 {
		fmt.Fprintf(&b, "Lifetime   %s (exp - iat = %ds)\n", FormatDuration(r.Lifetime), int64(r.Lifetime/time.Second))
	} else {
		b.WriteString("Lifetime   unknown (iat or exp missing)\n")
	}
	fmt.Fprintf(&b, "Signature  %s\n", r.signatureLine())
	if r.IssuerFromToken && r.Signature.Status == SignatureValid {
		fmt.Fprintf(&b, "           trusted the token's own issuer %s: the signature proves only that this issuer signed it;\n"+
			"           name the issuer you trust with --issuer\n", sanitize(r.TrustedIssuer))
	}
	b.WriteString("\n")
	if r.OK() {
		b.WriteString("No problems found.\n")
	} else {
		fmt.Fprintf(&b, "Problems (%d)\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  - %s: %s\n", p.Code, p.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) signatureLine() string {
	s := r.Signature
	switch s.Status {
	case SignatureValid:
		return fmt.Sprintf("valid (%s, key %s from %s)", s.Algorithm, s.KeyID, s.KeysURL)
	case SignatureNotChecked:
		return "NOT CHECKED (" + s.Detail + ")"
	case SignatureUnknownKey:
		return fmt.Sprintf("UNKNOWN KEY (%s, kid %q not in %s)", s.Algorithm, s.KeyID, s.KeysURL)
	default:
		return "INVALID (" + s.Detail + ")"
	}
}

func writeFields(b *strings.Builder, fields []Field, times []TimeClaim) {
	width := 0
	for _, f := range fields {
		width = max(width, len(f.Name))
	}
	for _, f := range fields {
		v := FormatValue(f.Value)
		for _, tc := range times {
			if tc.Name == f.Name {
				v = fmt.Sprintf("%s  %s  (%s)", v, tc.Time.Format(time.RFC3339), tc.Relative)
			}
		}
		fmt.Fprintf(b, "  %-*s  %s\n", width, sanitize(f.Name), v)
	}
}

// FormatValue renders a claim value on one line: strings as they are,
// everything else as compact JSON. Control characters are escaped, so a
// hostile token cannot drive the terminal.
func FormatValue(v any) string {
	switch x := v.(type) {
	case string:
		return sanitize(x)
	case json.Number:
		return x.String()
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return sanitize(string(b))
	}
}

func sanitize(s string) string {
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// jsonReport is the --json shape. Its field names are a public interface.
type jsonReport struct {
	OK              bool                 `json:"ok"`
	Header          map[string]any       `json:"header"`
	Claims          map[string]any       `json:"claims"`
	Times           map[string]TimeClaim `json:"times"`
	LifetimeSeconds int64                `json:"lifetime_seconds,omitempty"`
	Lifetime        string               `json:"lifetime,omitempty"`
	Issuer          string               `json:"issuer,omitempty"`
	TrustedIssuer   string               `json:"trusted_issuer,omitempty"`
	IssuerFromToken bool                 `json:"issuer_from_token"`
	DiscoveryURL    string               `json:"discovery_url,omitempty"`
	Signature       Signature            `json:"signature"`
	Problems        []Problem            `json:"problems"`
}

// MarshalJSON renders the report for scripts. The signature bytes are not
// part of it.
func (r *Report) MarshalJSON() ([]byte, error) {
	out := jsonReport{OK: r.OK(), Header: map[string]any{}, Claims: map[string]any{}, Times: map[string]TimeClaim{},
		Issuer: r.Issuer, TrustedIssuer: r.TrustedIssuer, IssuerFromToken: r.IssuerFromToken, Signature: r.Signature, Problems: r.Problems}
	for _, f := range r.Token.Header {
		out.Header[f.Name] = f.Value
	}
	for _, f := range r.Token.Claims {
		out.Claims[f.Name] = f.Value
	}
	for _, t := range r.Times {
		out.Times[t.Name] = t
	}
	if r.Lifetime != 0 {
		out.LifetimeSeconds = int64(r.Lifetime / time.Second)
		out.Lifetime = FormatDuration(r.Lifetime)
	}
	if r.Issuer != "" {
		out.DiscoveryURL = DiscoveryURL(r.Issuer)
	}
	if out.Problems == nil {
		out.Problems = []Problem{}
	}
	return json.Marshal(out)
}
