package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func tenantID(t *directory.Tenant) string { return t.ID }

func testTenants(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com")), "CreateTenant(%q)", tenantA)
		got, err := s.GetTenant(ctx, tenantA)
		must(t, err, "GetTenant(%q)", tenantA)
		mustEqual(t, got, newTenant(tenantA, "contoso.onmicrosoft.com"), "GetTenant(%q)", tenantA)
	})

	t.Run("GetMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetTenant(ctx, tenantA)
		mustErr(t, err, store.ErrNotFound, "GetTenant(%q)", tenantA)
	})

	t.Run("GetByDomain", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com")), "CreateTenant(%q)", tenantA)
		must(t, s.CreateTenant(ctx, newTenant(tenantB, "Fabrikam.OnMicrosoft.com")), "CreateTenant(%q)", tenantB)
		tests := []struct {
			domain string
			want   string // tenant id, or "" for ErrNotFound
		}{
			{"contoso.onmicrosoft.com", tenantA},
			{"CONTOSO.onmicrosoft.COM", tenantA},
			{"Fabrikam.OnMicrosoft.com", tenantB},
			{"fabrikam.onmicrosoft.com", tenantB},
			{"contoso.onmicrosoft.co", ""},
			{"", ""},
		}
		for _, tc := range tests {
			t.Run(tc.domain, func(t *testing.T) {
				got, err := s.GetTenantByDomain(ctx, tc.domain)
				if tc.want == "" {
					mustErr(t, err, store.ErrNotFound, "GetTenantByDomain(%q)", tc.domain)
					return
				}
				must(t, err, "GetTenantByDomain(%q)", tc.domain)
				if got.ID != tc.want {
					t.Fatalf("GetTenantByDomain(%q).ID = %q, want %q", tc.domain, got.ID, tc.want)
				}
			})
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.Tenant
		}{
			{"same id", newTenant(tenantA, "other.onmicrosoft.com")},
			{"same domain in another case", newTenant(tenantB, "CONTOSO.onmicrosoft.com")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com")), "CreateTenant(%q)", tenantA)
				err := s.CreateTenant(ctx, tc.second)
				mustErr(t, err, store.ErrConflict, "CreateTenant(%q, %q)", tc.second.ID, tc.second.InitialDomain)
				got, err := s.GetTenant(ctx, tenantA)
				must(t, err, "GetTenant(%q)", tenantA)
				mustEqual(t, got, newTenant(tenantA, "contoso.onmicrosoft.com"), "GetTenant(%q) after the conflict", tenantA)
			})
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		got, err := s.ListTenants(ctx)
		must(t, err, "ListTenants() on an empty store")
		if len(got) != 0 {
			t.Fatalf("ListTenants() on an empty store returned %d tenants, want 0", len(got))
		}
		must(t, s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com")), "CreateTenant(%q)", tenantA)
		must(t, s.CreateTenant(ctx, newTenant(tenantB, "fabrikam.onmicrosoft.com")), "CreateTenant(%q)", tenantB)
		got, err = s.ListTenants(ctx)
		must(t, err, "ListTenants()")
		mustIDs(t, got, tenantID, []string{tenantA, tenantB}, "ListTenants()")
	})
}
