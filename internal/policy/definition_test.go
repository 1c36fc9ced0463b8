package policy

import (
	"errors"
	"testing"
	"time"
)

func TestParseTimeSpan(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"04:00:00", 4 * time.Hour, true},
		{"00:10:00", 10 * time.Minute, true},
		{"1.00:00:00", 24 * time.Hour, true},
		{"23:59:59", 24*time.Hour - time.Second, true},
		{"01:30:00.5", 90*time.Minute + 500*time.Millisecond, true},
		{"4:00:00", 4 * time.Hour, true},
		{"24:00:00", 0, false},
		{"04:60:00", 0, false},
		{"4h", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseTimeSpan(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTimeSpan(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := FormatTimeSpan(26 * time.Hour); s != "1.02:00:00" {
		t.Errorf("FormatTimeSpan(26h) = %q", s)
	}
}

func TestParseTokenLifetime(t *testing.T) {
	tests := []struct {
		name string
		def  []string
		want time.Duration
		ok   bool
	}{
		{"the guide's definition", []string{`{ "TokenLifetimePolicy": { "Version": 1, "AccessTokenLifetime": "04:00:00" }}`}, 4 * time.Hour, true},
		{"one day", []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"1.00:00:00"}}`}, 24 * time.Hour, true},
		{"ignored legacy property", []string{`{"TokenLifetimePolicy":{"Version":1,"MaxInactiveTime":"90.00:00:00"}}`}, 0, true},
		{"too short", []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"00:09:59"}}`}, 0, false},
		{"too long", []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"1.00:00:01"}}`}, 0, false},
		{"version 2", []string{`{"TokenLifetimePolicy":{"Version":2,"AccessTokenLifetime":"04:00:00"}}`}, 0, false},
		{"version missing", []string{`{"TokenLifetimePolicy":{"AccessTokenLifetime":"04:00:00"}}`}, 0, false},
		{"unknown property", []string{`{"TokenLifetimePolicy":{"Version":1,"IdTokenLifetime":"04:00:00"}}`}, 0, false},
		{"not JSON", []string{`TokenLifetimePolicy`}, 0, false},
		{"two strings", []string{`{}`, `{}`}, 0, false},
		{"empty array", nil, 0, false},
		{"wrong policy type", []string{`{"ClaimsMappingPolicy":{"Version":1}}`}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenLifetime(tt.def)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseTokenLifetime = %v, %v; want %v ok=%v", got, err, tt.want, tt.ok)
			}
			var de *DefinitionError
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("error %v is not a DefinitionError", err)
			}
		})
	}
}

func TestParseClaimsMapping(t *testing.T) {
	ext := "extension_6e5d4c3b2a194f8e8d7c6b5a4f3e2d1c_default_namespace"
	tests := []struct {
		name   string
		def    string
		claims int
		ok     bool
	}{
		{"directory extension", `{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[{"Source":"user","ExtensionID":"` + ext + `","JwtClaimType":"default_namespace"}]}}`, 1, true},
		{"user attribute", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","JwtClaimType":"mail_address"}]}}`, 1, true},
		{"SAML only", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","SamlClaimType":"http://x/mail"}]}}`, 0, true},
		{"restricted name", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","JwtClaimType":"upn"}]}}`, 0, false},
		{"xms_ prefix", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","JwtClaimType":"xms_x"}]}}`, 0, false},
		{"no claim type", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail"}]}}`, 0, false},
		{"ID and ExtensionID", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","ExtensionID":"` + ext + `","JwtClaimType":"x"}]}}`, 0, false},
		{"neither", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","JwtClaimType":"x"}]}}`, 0, false},
		{"bad source", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"device","ID":"x","JwtClaimType":"x"}]}}`, 0, false},
		{"extension from application", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"application","ExtensionID":"` + ext + `","JwtClaimType":"x"}]}}`, 0, false},
		{"transformations", `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[],"ClaimsTransformations":[{"ID":"t"}]}}`, 0, false},
		{"bad IncludeBasicClaimSet", `{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"maybe"}}`, 0, false},
		{"unknown property", `{"ClaimsMappingPolicy":{"Version":1,"Claims":[]}}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm, err := ParseClaimsMapping([]string{tt.def})
			if (err == nil) != tt.ok {
				t.Fatalf("ParseClaimsMapping = %v, want ok=%v", err, tt.ok)
			}
			if err == nil && len(cm.Claims) != tt.claims {
				t.Fatalf("claims = %+v, want %d", cm.Claims, tt.claims)
			}
		})
	}
}
