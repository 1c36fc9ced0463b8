package policy

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/token"
)

// FuzzParseTokenLifetime: any definition is refused with an error or
// yields a lifetime inside Entra's range (or 0: not set); never a panic.
func FuzzParseTokenLifetime(f *testing.F) {
	for _, s := range []string{
		`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"04:00:00"}}`,
		`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"1.00:00:00"}}`,
		`{"TokenLifetimePolicy":{"Version":1}}`,
		`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"99999999.23:59:59.9999999"}}`,
		`{"TokenLifetimePolicy":{"Version":1e400,"AccessTokenLifetime":"-00:10:00"}}`,
		`{"TokenLifetimePolicy":null}`, `[]`, ``, `{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"00:09:59"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		d, err := ParseTokenLifetime([]string{def})
		if err == nil && d != 0 && (d < MinAccessTokenLifetime || d > MaxAccessTokenLifetime) {
			t.Fatalf("%q: lifetime %v outside [%v, %v]", def, d, MinAccessTokenLifetime, MaxAccessTokenLifetime)
		}
	})
}

// FuzzParseClaimsMapping: an accepted definition never emits a claim of
// Entra's restricted set (which would let a policy forge oid, upn, tid…).
func FuzzParseClaimsMapping(f *testing.F) {
	for _, s := range []string{
		`{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[{"Source":"user","ExtensionID":"extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_default_namespace","JwtClaimType":"default_namespace"}]}}`,
		`{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[{"Source":"user","ID":"displayname","JwtClaimType":"dn"}]}}`,
		`{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","JwtClaimType":"UPN"}]}}`,
		`{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","JwtClaimType":"xms_cc"}]}}`,
		`{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"transformation","ID":"x","TransformationId":"t"}]}}`,
		`{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[]}}`, `{}`, `null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		m, err := ParseClaimsMapping([]string{def})
		if err != nil {
			return
		}
		for _, c := range m.Claims {
			if token.IsRestrictedClaim(c.JWTClaimType) {
				t.Fatalf("%q: accepted a mapping to the restricted claim %q", def, c.JWTClaimType)
			}
		}
	})
}
