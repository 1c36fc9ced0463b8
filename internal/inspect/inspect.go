package inspect

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ClockSkew is the leeway on nbf that relying parties allow (go-oidc uses
// five minutes). exp gets none: go-oidc and the API server reject a token
// the second it expires.
const ClockSkew = 5 * time.Minute

// Options configure an inspection.
type Options struct {
	// Audience, when set, must be one of the token's aud values.
	Audience string
	// Offline skips discovery and the signature check: nothing is fetched.
	Offline bool
	// Client fetches the discovery document and keys (default: a client
	// with a 15s timeout).
	Client *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Issuer is the issuer the caller trusts: its keys check the signature,
	// and a token naming another issuer is a problem. Empty trusts the
	// token's own iss, which proves only that the token is valid for the
	// issuer it names (anyone can run an issuer); the report says so.
	Issuer string
}

// ProblemCode names a kind of problem, for scripts (--json).
type ProblemCode string

// Problems a token can have.
const (
	ProblemExpired         ProblemCode = "expired"
	ProblemNotYetValid     ProblemCode = "not_yet_valid"
	ProblemNoExpiry        ProblemCode = "no_expiry"
	ProblemWrongAudience   ProblemCode = "wrong_audience"
	ProblemNoIssuer        ProblemCode = "no_issuer"
	ProblemDiscovery       ProblemCode = "discovery_unreachable"
	ProblemIssuerMismatch  ProblemCode = "issuer_mismatch"
	ProblemKeysUnreachable ProblemCode = "keys_unreachable"
	ProblemUnknownKey      ProblemCode = "unknown_key"
	ProblemBadSignature    ProblemCode = "signature_invalid"
	ProblemWrongIssuer     ProblemCode = "wrong_issuer"
)

// Problem is one thing wrong with the token, in plain words.
type Problem struct {
	Code    ProblemCode `json:"code"`
	Message string      `json:"message"`
}

// TimeClaim is a NumericDate claim made readable.
type TimeClaim struct {
	Name     string    `json:"-"`
	Unix     int64     `json:"unix"`
	Time     time.Time `json:"time"`
	Relative string    `json:"relative"`
}

// timeClaims are the claims shown as times.
var timeClaims = []string{"iat", "nbf", "exp", "auth_time"}

// Report is what an inspection found.
type Report struct {
	Token     *Token
	Issuer    string
	Times     []TimeClaim
	Lifetime  time.Duration // exp - iat; 0 when either is missing
	Signature Signature
	Problems  []Problem
	// Discovery is the issuer's metadata, when it could be fetched.
	Discovery *Discovery
	// TrustedIssuer is the issuer whose keys checked the signature;
	// IssuerFromToken says it came from the token itself, not the caller.
	TrustedIssuer   string
	IssuerFromToken bool
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(code ProblemCode, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Code: code, Message: fmt.Sprintf(format, args...)})
}

// Inspect decodes a token and checks it. The error is only for input that
// is not a JWT; everything wrong with a JWT is a Problem in the Report.
func Inspect(ctx context.Context, raw string, opts Options) (*Report, error) {
	t, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 15 * time.Second}
	}
	now := opts.Now()
	r := &Report{Token: t, Issuer: t.ClaimString("iss")}
	checkTimes(r, now)
	checkAudience(r, opts.Audience)
	if opts.Offline {
		r.Signature = Signature{Status: SignatureNotChecked, Algorithm: t.HeaderString("alg"), KeyID: t.HeaderString("kid"),
			Detail: "offline: the signature was not checked"}
		return r, nil
	}
	r.TrustedIssuer, r.IssuerFromToken = opts.Issuer, opts.Issuer == ""
	if opts.Issuer == "" {
		r.TrustedIssuer = r.Issuer
	} else if r.Issuer != opts.Issuer {
		r.problem(ProblemWrongIssuer, "the token's iss is %q, not the issuer you trust, %q", r.Issuer, opts.Issuer)
	}
	checkSignature(ctx, r, opts.Client)
	return r, nil
}

func checkTimes(r *Report, now time.Time) {
	t := r.Token
	for _, name := range timeClaims {
		if at, ok := t.Time(name); ok {
			r.Times = append(r.Times, TimeClaim{Name: name, Unix: at.Unix(), Time: at, Relative: Relative(at, now)})
		}
	}
	iat, hasIat := t.Time("iat")
	exp, hasExp := t.Time("exp")
	if hasIat && hasExp {
		r.Lifetime = exp.Sub(iat)
	}
	switch {
	case !hasExp:
		r.problem(ProblemNoExpiry, "the token has no exp claim; relying parties reject tokens that never expire")
	case !now.Before(exp):
		r.problem(ProblemExpired, "the token expired %s (exp %s)", Relative(exp, now), exp.Format(time.RFC3339))
	}
	if nbf, ok := t.Time("nbf"); ok && now.Add(ClockSkew).Before(nbf) {
		r.problem(ProblemNotYetValid, "the token is not valid yet: nbf is %s (%s), beyond the %s clock skew relying parties allow; check this machine's clock",
			Relative(nbf, now), nbf.Format(time.RFC3339), FormatDuration(ClockSkew))
	}
}

func checkAudience(r *Report, want string) {
	if want == "" {
		return
	}
	auds := r.Token.Audiences()
	if slices.Contains(auds, want) {
		return
	}
	switch len(auds) {
	case 0:
		r.problem(ProblemWrongAudience, "the token has no aud claim; expected %q", want)
	case 1:
		r.problem(ProblemWrongAudience, "the token is for audience %q, not %q", auds[0], want)
	default:
		r.problem(ProblemWrongAudience, "the token's audiences %q do not include %q", auds, want)
	}
}

// checkSignature finds the issuer's keys through discovery and verifies
// the signature. Each step that fails says which and why.
func checkSignature(ctx context.Context, r *Report, client *http.Client) {
	t := r.Token
	r.Signature = Signature{Status: SignatureNotChecked, Algorithm: t.HeaderString("alg"), KeyID: t.HeaderString("kid")}
	iss := r.TrustedIssuer
	if iss == "" {
		r.problem(ProblemNoIssuer, "the token has no iss claim, so its keys cannot be found; the signature was not checked")
		r.Signature.Detail = "no issuer"
		return
	}
	if !strings.HasPrefix(iss, "https://") && !strings.HasPrefix(iss, "http://") {
		r.problem(ProblemNoIssuer, "the issuer %q is not a URL, so its keys cannot be found; the signature was not checked", iss)
		r.Signature.Detail = "issuer is not a URL"
		return
	}
	d, err := FetchDiscovery(ctx, client, iss)
	if err != nil {
		r.problem(ProblemDiscovery, "could not read the issuer's discovery document, so the signature was not checked: %v", describeFetchError(err))
		r.Signature.Detail = "discovery document unreachable"
		return
	}
	r.Discovery = d
	if d.Issuer != iss {
		r.problem(ProblemIssuerMismatch, "the discovery document at %s names issuer %q but the token's iss is %q; kubelogin and the Kubernetes API server require them to be equal byte for byte%s",
			DiscoveryURL(iss), d.Issuer, iss, slashHint(d.Issuer, iss))
	}
	if d.JWKSURI == "" {
		r.problem(ProblemKeysUnreachable, "the discovery document has no jwks_uri; the signature was not checked")
		return
	}
	r.Signature.KeysURL = d.JWKSURI
	keys, err := FetchKeys(ctx, client, d.JWKSURI)
	if err != nil {
		r.problem(ProblemKeysUnreachable, "could not read the issuer's keys, so the signature was not checked: %v", describeFetchError(err))
		r.Signature.Detail = "keys unreachable"
		return
	}
	r.Signature = verifySignature(t, keys)
	r.Signature.KeysURL = d.JWKSURI
	switch r.Signature.Status {
	case SignatureUnknownKey:
		r.problem(ProblemUnknownKey, "the token was signed with key %q, which the issuer no longer (or never) published at %s: it was signed before a key rotation, or by another issuer",
			t.HeaderString("kid"), d.JWKSURI)
	case SignatureInvalid:
		r.problem(ProblemBadSignature, "the signature is not valid: %s", r.Signature.Detail)
	}
}

// slashHint explains the most common issuer mismatch: Entra's v1 issuer
// ends with a slash and the v2 issuer does not.
func slashHint(doc, iss string) string {
	if strings.TrimSuffix(doc, "/") == strings.TrimSuffix(iss, "/") {
		return " (they differ only in the trailing slash: v1 issuers end with one, v2 issuers do not)"
	}
	return ""
}

// describeFetchError adds the likely cause of a TLS failure.
func describeFetchError(err error) string {
	var unknownAuthority x509.UnknownAuthorityError
	if errors.As(err, &unknownAuthority) {
		return err.Error() + " (a private CA? pass its certificate with --ca-file)"
	}
	return err.Error()
}
