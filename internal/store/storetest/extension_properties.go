package storetest

import (
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func extensionPropertyID(p *directory.ExtensionProperty) string { return p.ID }

func testExtensionProperties(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)), "CreateExtensionProperty(%q)", "ext-1")
		got, err := s.GetExtensionProperty(ctx, tenantA, "ext-1")
		must(t, err, "GetExtensionProperty(%q)", "ext-1")
		mustEqual(t, got, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter), "GetExtensionProperty(%q)", "ext-1")
	})

	t.Run("GetMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)), "CreateExtensionProperty(%q)", "ext-1")
		_, err := s.GetExtensionProperty(ctx, tenantA, "ext-2")
		mustErr(t, err, store.ErrNotFound, "GetExtensionProperty(%q)", "ext-2")
		// The name is not an id.
		_, err = s.GetExtensionProperty(ctx, tenantA, extCostCenter)
		mustErr(t, err, store.ErrNotFound, "GetExtensionProperty(%q)", extCostCenter)
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.ExtensionProperty
		}{
			{"same id", newExtensionProperty(tenantA, "ext-1", "app-1", extLevel)},
			{"same name", newExtensionProperty(tenantA, "ext-2", "app-1", extCostCenter)},
			// Entra treats extension names case-insensitively on write.
			{"same name in upper case", newExtensionProperty(tenantA, "ext-2", "app-1", strings.ToUpper(extCostCenter))},
			{"same name in lower case", newExtensionProperty(tenantA, "ext-2", "app-1", strings.ToLower(extCostCenter))},
			// The name is unique in the tenant, not only in the application.
			{"same name on another application", newExtensionProperty(tenantA, "ext-2", "app-2", extCostCenter)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)), "CreateExtensionProperty(%q)", "ext-1")
				err := s.CreateExtensionProperty(ctx, tc.second)
				mustErr(t, err, store.ErrConflict, "CreateExtensionProperty(id %q, name %q)", tc.second.ID, tc.second.Name)
				got, err := s.ListExtensionProperties(ctx, tenantA, "")
				must(t, err, "ListExtensionProperties(%q)", "")
				mustEqual(t, got, []*directory.ExtensionProperty{newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)},
					"ListExtensionProperties(%q) after the conflict", "")
			})
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		// Created out of id order, with equal CreatedAt: the lists must
		// follow the order of the calls.
		for _, p := range []*directory.ExtensionProperty{
			newExtensionProperty(tenantA, "ext-c", "app-1", extCostCenter),
			newExtensionProperty(tenantA, "ext-a", "app-2", extNamespace),
			newExtensionProperty(tenantA, "ext-b", "app-1", extLevel),
			newExtensionProperty(tenantB, "ext-d", "app-1", extCostCenter),
		} {
			must(t, s.CreateExtensionProperty(ctx, p), "CreateExtensionProperty(%q)", p.ID)
		}
		tests := []struct {
			appObjectID string
			want        []string
		}{
			{"app-1", []string{"ext-c", "ext-b"}},
			{"app-2", []string{"ext-a"}},
			{"", []string{"ext-c", "ext-a", "ext-b"}},
			{"app-9", nil},
		}
		for _, tc := range tests {
			got, err := s.ListExtensionProperties(ctx, tenantA, tc.appObjectID)
			must(t, err, "ListExtensionProperties(%q)", tc.appObjectID)
			mustOrder(t, got, extensionPropertyID, tc.want, "ListExtensionProperties(%q)", tc.appObjectID)
		}
		// Deleting and creating again puts the definition last.
		must(t, s.DeleteExtensionProperty(ctx, tenantA, "ext-c"), "DeleteExtensionProperty(%q)", "ext-c")
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-c", "app-1", extCostCenter)), "CreateExtensionProperty(%q) again", "ext-c")
		got, err := s.ListExtensionProperties(ctx, tenantA, "app-1")
		must(t, err, "ListExtensionProperties(%q)", "app-1")
		mustOrder(t, got, extensionPropertyID, []string{"ext-b", "ext-c"}, "ListExtensionProperties(%q) after re-creating %q", "app-1", "ext-c")
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)), "CreateExtensionProperty(%q)", "ext-1")
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-2", "app-1", extLevel)), "CreateExtensionProperty(%q)", "ext-2")
		must(t, s.DeleteExtensionProperty(ctx, tenantA, "ext-1"), "DeleteExtensionProperty(%q)", "ext-1")
		_, err := s.GetExtensionProperty(ctx, tenantA, "ext-1")
		mustErr(t, err, store.ErrNotFound, "GetExtensionProperty(%q) after delete", "ext-1")
		mustErr(t, s.DeleteExtensionProperty(ctx, tenantA, "ext-1"), store.ErrNotFound, "DeleteExtensionProperty(%q) again", "ext-1")
		got, err := s.ListExtensionProperties(ctx, tenantA, "app-1")
		must(t, err, "ListExtensionProperties(%q)", "app-1")
		mustOrder(t, got, extensionPropertyID, []string{"ext-2"}, "ListExtensionProperties(%q) after delete", "app-1")
		// The name is free again.
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-3", "app-1", extCostCenter)), "CreateExtensionProperty(%q) reusing the name", "ext-3")
	})

	// Deleting an application removes the definitions it owns, and only
	// those; the values users hold stay stored (Entra keeps them, invisible).
	cascades := []struct {
		name   string
		delete func(s store.Store, t *testing.T) error
		remain []string
	}{
		{"DeleteApplication", func(s store.Store, t *testing.T) error {
			return s.DeleteApplication(t.Context(), tenantA, "app-1")
		}, []string{"ext-3"}},
		{"DeleteServicePrincipal", func(s store.Store, t *testing.T) error {
			return s.DeleteServicePrincipal(t.Context(), tenantA, "sp-1")
		}, []string{"ext-1", "ext-2", "ext-3"}},
		{"DeleteApplication in another tenant", func(s store.Store, t *testing.T) error {
			return s.DeleteApplication(t.Context(), tenantB, "app-1")
		}, []string{"ext-1", "ext-2", "ext-3"}},
	}
	for _, tc := range cascades {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := open(t), t.Context()
			must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
			must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-2", "client-2")), "CreateApplication(%q)", "app-2")
			must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
			must(t, s.CreateApplication(ctx, newApplication(tenantB, "app-1", "client-1")), "CreateApplication(tenant B, %q)", "app-1")
			must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
			for _, p := range []*directory.ExtensionProperty{
				newExtensionProperty(tenantA, "ext-1", "app-1", "extension_0123_costCenter"),
				newExtensionProperty(tenantA, "ext-2", "app-1", "extension_0123_level"),
				newExtensionProperty(tenantA, "ext-3", "app-2", extNamespace),
			} {
				must(t, s.CreateExtensionProperty(ctx, p), "CreateExtensionProperty(%q)", p.ID)
			}
			must(t, tc.delete(s, t), "%s", tc.name)
			got, err := s.ListExtensionProperties(ctx, tenantA, "")
			must(t, err, "ListExtensionProperties(%q)", "")
			mustOrder(t, got, extensionPropertyID, tc.remain, "ListExtensionProperties(%q) after %s", "", tc.name)
			// newUser holds values for ext-1 and ext-2 by name.
			u, err := s.GetUser(ctx, tenantA, "u1")
			must(t, err, "GetUser(%q)", "u1")
			mustEqual(t, u, newUser(tenantA, "u1", "alice@contoso.com"), "GetUser(%q) after %s", "u1", tc.name)
		})
	}

	t.Run("DeleteApplicationFreesNames", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)), "CreateExtensionProperty(%q)", "ext-1")
		must(t, s.DeleteApplication(ctx, tenantA, "app-1"), "DeleteApplication(%q)", "app-1")
		_, err := s.GetExtensionProperty(ctx, tenantA, "ext-1")
		mustErr(t, err, store.ErrNotFound, "GetExtensionProperty(%q) after DeleteApplication", "ext-1")
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-2", "app-2", extCostCenter)), "CreateExtensionProperty(%q) reusing the name", "ext-2")
	})
}
