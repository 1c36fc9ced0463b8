package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func applicationID(a *directory.Application) string { return a.ID }

func testApplications(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		got, err := s.GetApplication(ctx, tenantA, "app-1")
		must(t, err, "GetApplication(%q)", "app-1")
		mustEqual(t, got, newApplication(tenantA, "app-1", "client-1"), "GetApplication(%q)", "app-1")
		got, err = s.GetApplicationByAppID(ctx, tenantA, "client-1")
		must(t, err, "GetApplicationByAppID(%q)", "client-1")
		mustEqual(t, got, newApplication(tenantA, "app-1", "client-1"), "GetApplicationByAppID(%q)", "client-1")
	})

	t.Run("GetMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		_, err := s.GetApplication(ctx, tenantA, "app-2")
		mustErr(t, err, store.ErrNotFound, "GetApplication(%q)", "app-2")
		_, err = s.GetApplicationByAppID(ctx, tenantA, "client-2")
		mustErr(t, err, store.ErrNotFound, "GetApplicationByAppID(%q)", "client-2")
		// The object id is not a client id.
		_, err = s.GetApplicationByAppID(ctx, tenantA, "app-1")
		mustErr(t, err, store.ErrNotFound, "GetApplicationByAppID(%q)", "app-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.Application
		}{
			{"same id", newApplication(tenantA, "app-1", "client-2")},
			{"same appId", newApplication(tenantA, "app-2", "client-1")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
				err := s.CreateApplication(ctx, tc.second)
				mustErr(t, err, store.ErrConflict, "CreateApplication(id %q, appId %q)", tc.second.ID, tc.second.AppID)
				got, err := s.GetApplication(ctx, tenantA, "app-1")
				must(t, err, "GetApplication(%q)", "app-1")
				mustEqual(t, got, newApplication(tenantA, "app-1", "client-1"), "GetApplication(%q) after the conflict", "app-1")
			})
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, a := range []*directory.Application{
			newApplication(tenantA, "app-1", "client-1"),
			newApplication(tenantA, "app-2", "client-2"),
			newApplication(tenantB, "app-3", "client-3"),
		} {
			must(t, s.CreateApplication(ctx, a), "CreateApplication(%q)", a.ID)
		}
		got, err := s.ListApplications(ctx, tenantA)
		must(t, err, "ListApplications(%q)", tenantA)
		mustIDs(t, got, applicationID, []string{"app-1", "app-2"}, "ListApplications(%q)", tenantA)
	})

	t.Run("Update", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		got, err := s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
			// The closure sees the stored value.
			mustEqual(t, a, newApplication(tenantA, "app-1", "client-1"), "UpdateApplication closure argument")
			a.DisplayName = "Renamed"
			a.Web.RedirectURIs = append(a.Web.RedirectURIs, "https://app.example/second")
			return nil
		})
		must(t, err, "UpdateApplication(%q)", "app-1")
		want := newApplication(tenantA, "app-1", "client-1")
		want.DisplayName = "Renamed"
		want.Web.RedirectURIs = append(want.Web.RedirectURIs, "https://app.example/second")
		mustEqual(t, got, want, "UpdateApplication(%q)", "app-1")
		stored, err := s.GetApplication(ctx, tenantA, "app-1")
		must(t, err, "GetApplication(%q)", "app-1")
		mustEqual(t, stored, want, "GetApplication(%q) after the update", "app-1")
	})

	t.Run("UpdateAppID", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		_, err := s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
			a.AppID = "client-9"
			return nil
		})
		must(t, err, "UpdateApplication(%q) changing appId", "app-1")
		_, err = s.GetApplicationByAppID(ctx, tenantA, "client-1")
		mustErr(t, err, store.ErrNotFound, "GetApplicationByAppID(%q) after the change", "client-1")
		got, err := s.GetApplicationByAppID(ctx, tenantA, "client-9")
		must(t, err, "GetApplicationByAppID(%q) after the change", "client-9")
		if got.ID != "app-1" {
			t.Fatalf("GetApplicationByAppID(%q).ID = %q, want %q", "client-9", got.ID, "app-1")
		}
	})

	t.Run("UpdateAppIDConflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-2", "client-2")), "CreateApplication(%q)", "app-2")
		_, err := s.UpdateApplication(ctx, tenantA, "app-2", func(a *directory.Application) error {
			a.AppID = "client-1"
			return nil
		})
		mustErr(t, err, store.ErrConflict, "UpdateApplication(%q) taking appId %q", "app-2", "client-1")
		got, err := s.GetApplication(ctx, tenantA, "app-2")
		must(t, err, "GetApplication(%q)", "app-2")
		mustEqual(t, got, newApplication(tenantA, "app-2", "client-2"), "GetApplication(%q) after the conflict", "app-2")
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
		must(t, s.DeleteApplication(ctx, tenantA, "app-1"), "DeleteApplication(%q)", "app-1")
		_, err := s.GetApplication(ctx, tenantA, "app-1")
		mustErr(t, err, store.ErrNotFound, "GetApplication(%q) after delete", "app-1")
		_, err = s.GetApplicationByAppID(ctx, tenantA, "client-1")
		mustErr(t, err, store.ErrNotFound, "GetApplicationByAppID(%q) after delete", "client-1")
		err = s.DeleteApplication(ctx, tenantA, "app-1")
		mustErr(t, err, store.ErrNotFound, "DeleteApplication(%q) again", "app-1")
		// Entra: the service principal outlives its app registration.
		_, err = s.GetServicePrincipal(ctx, tenantA, "sp-1")
		must(t, err, "GetServicePrincipal(%q) after DeleteApplication", "sp-1")
		// The appId is free again.
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-2", "client-1")), "CreateApplication(%q) reusing appId", "app-2")
	})
}
