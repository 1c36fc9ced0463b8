package token_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/devenv"
	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/policy"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/testenv"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// PreviewIDToken must show what the token endpoint issues: the same claims
// (but the per-token random ones) and the same lifetime.
func TestPreviewIDTokenMatchesIssuedToken(t *testing.T) {
	e := testenv.Start(t)
	ctx := context.Background()
	st := e.Registry.Reader()
	pipe := &token.Pipeline{Dir: e.Registry, Policies: policy.NewService(st)}
	// A 2 hour lifetime policy on the app, so the lifetime is not the default.
	pol, err := e.Registry.CreatePolicy(ctx, e.System(), directory.PolicyTokenLifetime, registry.PolicySpec{DisplayName: "2h",
		Definition: []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"02:00:00"}}`}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Registry.AssignPolicy(ctx, e.System(), directory.PolicyTokenLifetime, pol.ID, devenv.AppObjectID, "application"); err != nil {
		t.Fatal(err)
	}
	issued := testenv.ClaimsOf(t, e.IDToken())

	tenant, _ := st.GetTenant(ctx, e.Tenant)
	app, _ := st.GetApplication(ctx, e.Tenant, devenv.AppObjectID)
	sp, _ := st.GetServicePrincipal(ctx, e.Tenant, devenv.AppSPID)
	user, _ := st.GetUser(ctx, e.Tenant, e.Users[0].ID)
	tok, err := pipe.PreviewIDToken(ctx, token.IDTokenPreview{BaseURL: e.Base, Version: 1,
		Tenant: tenant, Client: app, ClientSP: sp, User: user, Now: e.Clock.Now()})
	if err != nil {
		t.Fatalf("PreviewIDToken: %v", err)
	}
	if got := tok.ExpiresAt.Sub(tok.IssuedAt); got.Hours() != 2 {
		t.Fatalf("preview lifetime = %v, want 2h", got)
	}
	for _, name := range []string{"aud", "iss", "sub", "oid", "tid", "upn", "name", "groups", "wids", "ver", "unique_name", "given_name", "family_name"} {
		want, got := issued[name], tok.Claims[name]
		if !reflect.DeepEqual(normalizeClaim(got), normalizeClaim(want)) {
			t.Fatalf("preview %s = %v, issued token has %v", name, got, want)
		}
	}

	// A claims mapping the app does not accept: the sign-in would fail.
	def := `{"ClaimsMappingPolicy":{"Version":1,"ClaimsSchema":[{"Source":"user","ID":"mail","JwtClaimType":"work_mail"}]}}`
	cm, err := e.Registry.CreatePolicy(ctx, e.System(), directory.PolicyClaimsMapping, registry.PolicySpec{DisplayName: "cm", Definition: []string{def}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Registry.AssignPolicy(ctx, e.System(), directory.PolicyClaimsMapping, cm.ID, sp.ID, "servicePrincipal"); err != nil {
		t.Fatal(err)
	}
	_, err = pipe.PreviewIDToken(ctx, token.IDTokenPreview{BaseURL: e.Base, Version: 1,
		Tenant: tenant, Client: app, ClientSP: sp, User: user, Now: e.Clock.Now()})
	if !errors.Is(err, token.ErrMappedClaimsNotAccepted) {
		t.Fatalf("PreviewIDToken with an unaccepted mapping = %v, want ErrMappedClaimsNotAccepted", err)
	}
}

// normalizeClaim compares a Go claim value with its JSON-decoded form.
func normalizeClaim(v any) any {
	switch x := v.(type) {
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}
