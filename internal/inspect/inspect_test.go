package inspect_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/inspect"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
)

// at returns a clock fixed at the token's iat plus d.
func at(t *testing.T, jwt string, d time.Duration) func() time.Time {
	t.Helper()
	tok, err := inspect.Decode(jwt)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	iat, ok := tok.Time("iat")
	if !ok {
		t.Fatal("token has no iat")
	}
	return func() time.Time { return iat.Add(d) }
}

func problemCodes(r *inspect.Report) []inspect.ProblemCode {
	var out []inspect.ProblemCode
	for _, p := range r.Problems {
		out = append(out, p.Code)
	}
	return out
}

func wantProblems(t *testing.T, r *inspect.Report, want ...inspect.ProblemCode) {
	t.Helper()
	got := problemCodes(r)
	if len(got) != len(want) {
		t.Fatalf("problems = %v (%+v), want %v", got, r.Problems, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("problems = %v (%+v), want %v", got, r.Problems, want)
		}
	}
}

func TestInspectGatehouseToken(t *testing.T) {
	g := testenv.Start(t)
	jwt := g.IDToken()
	ctx := context.Background()

	tests := []struct {
		name     string
		opts     inspect.Options
		sig      inspect.SignatureStatus
		problems []inspect.ProblemCode
		detail   string // substring of the first problem's message
	}{
		{name: "valid", opts: inspect.Options{Audience: devenv.AppClientID, Now: at(t, jwt, time.Minute)},
			sig: inspect.SignatureValid},
		{name: "expired", opts: inspect.Options{Now: at(t, jwt, time.Hour+12*time.Minute)},
			sig: inspect.SignatureValid, problems: []inspect.ProblemCode{inspect.ProblemExpired}, detail: "expired 12m ago"},
		{name: "not yet valid", opts: inspect.Options{Now: at(t, jwt, -10*time.Minute)},
			sig: inspect.SignatureValid, problems: []inspect.ProblemCode{inspect.ProblemNotYetValid}, detail: "in 10m"},
		{name: "wrong audience", opts: inspect.Options{Audience: "api://other", Now: at(t, jwt, time.Minute)},
			sig: inspect.SignatureValid, problems: []inspect.ProblemCode{inspect.ProblemWrongAudience}, detail: `not "api://other"`},
		{name: "offline", opts: inspect.Options{Offline: true, Client: noNetwork(t), Now: at(t, jwt, time.Minute)},
			sig: inspect.SignatureNotChecked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := inspect.Inspect(ctx, jwt, tc.opts)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			wantProblems(t, r, tc.problems...)
			if r.Signature.Status != tc.sig {
				t.Fatalf("signature = %s (%s), want %s", r.Signature.Status, r.Signature.Detail, tc.sig)
			}
			if tc.detail != "" && !strings.Contains(r.Problems[0].Message, tc.detail) {
				t.Fatalf("problem message = %q, want it to mention %q", r.Problems[0].Message, tc.detail)
			}
		})
	}
}

func TestInspectValidReport(t *testing.T) {
	g := testenv.Start(t)
	jwt := g.IDToken()
	r, err := inspect.Inspect(context.Background(), jwt, inspect.Options{Audience: devenv.AppClientID, Now: at(t, jwt, time.Minute)})
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if r.Signature.KeyID != g.Keys.ActiveKID() {
		t.Fatalf("signature kid = %q, want the active key %q", r.Signature.KeyID, g.Keys.ActiveKID())
	}
	if r.Lifetime != time.Hour {
		t.Fatalf("lifetime = %s, want 1h (Entra's default for ID tokens)", r.Lifetime)
	}
	if r.Discovery == nil || r.Discovery.Issuer != g.Issuer(1) {
		t.Fatalf("discovery = %+v, want issuer %q", r.Discovery, g.Issuer(1))
	}
	var names []string
	for _, tc := range r.Times {
		names = append(names, tc.Name)
	}
	if got := strings.Join(names, ","); got != "iat,nbf,exp" {
		t.Fatalf("time claims = %s, want iat,nbf,exp", got)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	sig := segments(t, jwt)[2]
	exp := r.Times[2].Time.Format(time.RFC3339)
	for _, want := range []string{"Header", "RS256", "Claims", exp + "  (in 59m)", "(1m ago)", "Lifetime   1h (exp - iat = 3600s)",
		"Signature  valid (RS256, key " + g.Keys.ActiveKID(), "No problems found."} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": string(js)} {
		if strings.Contains(out, sig) || strings.Contains(out, jwt) {
			t.Errorf("%s output contains the token's signature", name)
		}
	}
	var doc struct {
		OK              bool                      `json:"ok"`
		Claims          map[string]any            `json:"claims"`
		Times           map[string]map[string]any `json:"times"`
		LifetimeSeconds int64                     `json:"lifetime_seconds"`
		Signature       struct{ Status string }   `json:"signature"`
		Problems        []any                     `json:"problems"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatalf("json output: %v", err)
	}
	if !doc.OK || doc.LifetimeSeconds != 3600 || doc.Signature.Status != "valid" || doc.Problems == nil || len(doc.Problems) != 0 {
		t.Fatalf("json output = %s", js)
	}
	if doc.Times["exp"]["relative"] != "in 59m" {
		t.Fatalf("json times.exp = %v, want relative \"in 59m\"", doc.Times["exp"])
	}
	if doc.Claims["aud"] != devenv.AppClientID {
		t.Fatalf("json claims.aud = %v, want %s", doc.Claims["aud"], devenv.AppClientID)
	}
}

func TestInspectTampered(t *testing.T) {
	g := testenv.Start(t)
	jwt := g.IDToken()
	p := segments(t, jwt)

	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(p[1])
	json.Unmarshal(payload, &claims)
	claims["name"] = "Mallory"
	forged, _ := json.Marshal(claims)
	alteredPayload := p[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + p[2]

	sig, _ := base64.RawURLEncoding.DecodeString(p[2])
	sig[10] ^= 0xff
	alteredSignature := p[0] + "." + p[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	for name, tok := range map[string]string{"payload": alteredPayload, "signature": alteredSignature} {
		t.Run(name, func(t *testing.T) {
			r, err := inspect.Inspect(context.Background(), tok, inspect.Options{Now: at(t, jwt, time.Minute)})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			wantProblems(t, r, inspect.ProblemBadSignature)
			if r.Signature.Status != inspect.SignatureInvalid {
				t.Fatalf("signature = %s, want invalid", r.Signature.Status)
			}
		})
	}
}

func TestInspectUnknownKeyAfterRotation(t *testing.T) {
	g := testenv.Start(t)
	jwt := g.IDToken()
	old := g.Keys.ActiveKID()
	// gatehouse keys rotate --retire-after 0s: the old key leaves the JWKS at once.
	if _, err := g.Keys.Rotate(context.Background(), -time.Second); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	r, err := inspect.Inspect(context.Background(), jwt, inspect.Options{Now: at(t, jwt, time.Minute)})
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	wantProblems(t, r, inspect.ProblemUnknownKey)
	if r.Signature.Status != inspect.SignatureUnknownKey || r.Signature.KeyID != old {
		t.Fatalf("signature = %+v, want unknown_key for kid %s", r.Signature, old)
	}
}

func TestInspectIssuerProblems(t *testing.T) {
	// An issuer whose discovery document spells the issuer with a slash the
	// token lacks, and whose JWKS is empty.
	var base string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tenant/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": base + "/tenant/", "jwks_uri": base + "/keys"})
		case "/keys":
			w.Write([]byte(`{"keys":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer fake.Close()
	base = fake.URL
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	now := time.Now()
	tests := []struct {
		name   string
		iss    string
		want   []inspect.ProblemCode
		detail string
	}{
		{"issuer mismatch", base + "/tenant", []inspect.ProblemCode{inspect.ProblemIssuerMismatch, inspect.ProblemUnknownKey}, "trailing slash"},
		{"discovery unreachable", deadURL + "/tenant/", []inspect.ProblemCode{inspect.ProblemDiscovery}, "discovery document"},
		{"no issuer", "", []inspect.ProblemCode{inspect.ProblemNoIssuer}, "no iss"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := unsignedLooking(t, map[string]any{"iss": tc.iss, "aud": "x", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
			r, err := inspect.Inspect(context.Background(), tok, inspect.Options{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			wantProblems(t, r, tc.want...)
			if !strings.Contains(r.Problems[0].Message, tc.detail) {
				t.Fatalf("problem = %q, want it to mention %q", r.Problems[0].Message, tc.detail)
			}
			if len(r.Token.Claims) == 0 {
				t.Fatal("the decoded claims are missing from the report")
			}
		})
	}
}

// unsignedLooking builds an RS256-labelled token with a meaningless
// signature, for checks that fail before the signature is looked at.
func unsignedLooking(t *testing.T, claims map[string]any) string {
	t.Helper()
	if claims["iss"] == "" {
		delete(claims, "iss")
	}
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + enc([]byte("not a signature"))
}

func TestDecodeRejectsNonJWT(t *testing.T) {
	for _, in := range []string{"", "abc", "a.b", "a.b.c.d.e", "!!!.e30.e30"} {
		if _, err := inspect.Decode(in); err == nil {
			t.Errorf("Decode(%q) succeeded, want an error", in)
		}
	}
	if _, err := inspect.Decode("  Bearer e30.e30.e30\n"); err != nil {
		t.Errorf("Decode with Bearer prefix and white space: %v", err)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{45 * time.Second, "45s"}, {12*time.Minute + 30*time.Second, "12m"}, {4 * time.Hour, "4h"},
		{3*time.Hour + 59*time.Minute + 59*time.Second, "3h59m"}, {50 * time.Hour, "2d2h"}, {72 * time.Hour, "3d"},
	} {
		if got := inspect.FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	if got := inspect.Relative(now.Add(-12*time.Minute), now); got != "12m ago" {
		t.Errorf("Relative(-12m) = %q, want \"12m ago\"", got)
	}
	if got := inspect.Relative(now.Add(3*time.Hour+59*time.Minute+30*time.Second), now); got != "in 3h59m" {
		t.Errorf("Relative(+3h59m30s) = %q, want \"in 3h59m\"", got)
	}
}

func TestFormatValueEscapesControlCharacters(t *testing.T) {
	if got := inspect.FormatValue("a\x1b[31mred"); strings.ContainsRune(got, 0x1b) {
		t.Fatalf("FormatValue kept an escape character: %q", got)
	}
}

// TestInspectTrustsTheNamedIssuer (security review): with --issuer the keys
// come from the issuer the user names, and a token of another issuer is a
// problem even when its own issuer vouches for it; without it, the report
// says that it trusted the token's iss.
func TestInspectTrustsTheNamedIssuer(t *testing.T) {
	g := testenv.Start(t)
	other := testenv.Start(t) // a second Gatehouse: a self-made issuer
	jwt := other.IDToken()
	ctx := context.Background()
	now := at(t, jwt, time.Minute)

	r, err := inspect.Inspect(ctx, jwt, inspect.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if r.Signature.Status != inspect.SignatureValid || !r.IssuerFromToken {
		t.Fatalf("without --issuer: signature %s, from token %v; want valid and trusted from the token", r.Signature.Status, r.IssuerFromToken)
	}
	var text bytes.Buffer
	r.WriteText(&text)
	if !strings.Contains(text.String(), "trusted the token's own issuer") {
		t.Fatalf("the text report does not say it trusted the token's issuer:\n%s", text.String())
	}

	r, err = inspect.Inspect(ctx, jwt, inspect.Options{Now: now, Issuer: g.Issuer(1)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(problemCodes(r), inspect.ProblemWrongIssuer) || r.Signature.Status == inspect.SignatureValid {
		t.Fatalf("with --issuer of another Gatehouse: problems %v, signature %s; want wrong_issuer and no valid signature", problemCodes(r), r.Signature.Status)
	}
	r, err = inspect.Inspect(ctx, g.IDToken(), inspect.Options{Now: at(t, g.IDToken(), time.Minute), Issuer: g.Issuer(1)})
	if err != nil || !r.OK() || r.IssuerFromToken {
		t.Fatalf("the trusted issuer's own token: %v, %+v", err, r.Problems)
	}
}
