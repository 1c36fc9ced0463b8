package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func servicePrincipalID(sp *directory.ServicePrincipal) string { return sp.ID }

func testServicePrincipals(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
		got, err := s.GetServicePrincipal(ctx, tenantA, "sp-1")
		must(t, err, "GetServicePrincipal(%q)", "sp-1")
		mustEqual(t, got, newServicePrincipal(tenantA, "sp-1", "client-1"), "GetServicePrincipal(%q)", "sp-1")
		got, err = s.GetServicePrincipalByAppID(ctx, tenantA, "client-1")
		must(t, err, "GetServicePrincipalByAppID(%q)", "client-1")
		mustEqual(t, got, newServicePrincipal(tenantA, "sp-1", "client-1"), "GetServicePrincipalByAppID(%q)", "client-1")
	})

	t.Run("GetMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetServicePrincipal(ctx, tenantA, "sp-1")
		mustErr(t, err, store.ErrNotFound, "GetServicePrincipal(%q)", "sp-1")
		_, err = s.GetServicePrincipalByAppID(ctx, tenantA, "client-1")
		mustErr(t, err, store.ErrNotFound, "GetServicePrincipalByAppID(%q)", "client-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.ServicePrincipal
		}{
			{"same id", newServicePrincipal(tenantA, "sp-1", "client-2")},
			// Entra: one service principal per application per tenant.
			{"second for the same appId", newServicePrincipal(tenantA, "sp-2", "client-1")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
				err := s.CreateServicePrincipal(ctx, tc.second)
				mustErr(t, err, store.ErrConflict, "CreateServicePrincipal(id %q, appId %q)", tc.second.ID, tc.second.AppID)
				got, err := s.GetServicePrincipalByAppID(ctx, tenantA, "client-1")
				must(t, err, "GetServicePrincipalByAppID(%q)", "client-1")
				mustEqual(t, got, newServicePrincipal(tenantA, "sp-1", "client-1"), "GetServicePrincipalByAppID(%q) after the conflict", "client-1")
			})
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, sp := range []*directory.ServicePrincipal{
			newServicePrincipal(tenantA, "sp-1", "client-1"),
			newServicePrincipal(tenantA, "sp-2", "client-2"),
			newServicePrincipal(tenantB, "sp-3", "client-1"),
		} {
			must(t, s.CreateServicePrincipal(ctx, sp), "CreateServicePrincipal(%q)", sp.ID)
		}
		got, err := s.ListServicePrincipals(ctx, tenantA)
		must(t, err, "ListServicePrincipals(%q)", tenantA)
		mustIDs(t, got, servicePrincipalID, []string{"sp-1", "sp-2"}, "ListServicePrincipals(%q)", tenantA)
	})

	t.Run("Update", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
		got, err := s.UpdateServicePrincipal(ctx, tenantA, "sp-1", func(sp *directory.ServicePrincipal) error {
			sp.AppRoleAssignmentRequired = true
			sp.AppRoles = append(sp.AppRoles, directory.AppRole{ID: "role-2", Value: "Things.Write", IsEnabled: true})
			return nil
		})
		must(t, err, "UpdateServicePrincipal(%q)", "sp-1")
		want := newServicePrincipal(tenantA, "sp-1", "client-1")
		want.AppRoleAssignmentRequired = true
		want.AppRoles = append(want.AppRoles, directory.AppRole{ID: "role-2", Value: "Things.Write", IsEnabled: true})
		mustEqual(t, got, want, "UpdateServicePrincipal(%q)", "sp-1")
		stored, err := s.GetServicePrincipalByAppID(ctx, tenantA, "client-1")
		must(t, err, "GetServicePrincipalByAppID(%q)", "client-1")
		mustEqual(t, stored, want, "GetServicePrincipalByAppID(%q) after the update", "client-1")
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
		must(t, s.DeleteServicePrincipal(ctx, tenantA, "sp-1"), "DeleteServicePrincipal(%q)", "sp-1")
		_, err := s.GetServicePrincipal(ctx, tenantA, "sp-1")
		mustErr(t, err, store.ErrNotFound, "GetServicePrincipal(%q) after delete", "sp-1")
		_, err = s.GetServicePrincipalByAppID(ctx, tenantA, "client-1")
		mustErr(t, err, store.ErrNotFound, "GetServicePrincipalByAppID(%q) after delete", "client-1")
		err = s.DeleteServicePrincipal(ctx, tenantA, "sp-1")
		mustErr(t, err, store.ErrNotFound, "DeleteServicePrincipal(%q) again", "sp-1")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-2", "client-1")), "CreateServicePrincipal(%q) reusing appId", "sp-2")
	})
}
