package storetest

import (
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func assignmentID(a *directory.AppRoleAssignment) string { return a.ID }

func testAppRoleAssignments(t *testing.T, open opener) {
	// seed stores a resource service principal (res) with assignments to a
	// user (u1), a group (g1) and a client service principal (client).
	seed := func(t *testing.T) store.Store {
		t.Helper()
		s, ctx := open(t), t.Context()
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "res", "resource-app")), "CreateServicePrincipal(%q)", "res")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "client", "client-app")), "CreateServicePrincipal(%q)", "client")
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
		for _, a := range []*directory.AppRoleAssignment{
			newAssignment(tenantA, "a1", "u1", "res", "role-1"),
			newAssignment(tenantA, "a2", "u1", "res", "role-2"),
			newAssignment(tenantA, "a3", "client", "res", "role-1"),
			newAssignment(tenantA, "a4", "g1", "res", "role-1"),
			newAssignment(tenantA, "a5", "res", "client", "role-9"), // res as the principal
		} {
			must(t, s.CreateAppRoleAssignment(ctx, a), "CreateAppRoleAssignment(%q)", a.ID)
		}
		return s
	}

	t.Run("List", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		tests := []struct {
			by   string
			id   string
			want []string
		}{
			{"principal", "u1", []string{"a1", "a2"}},
			{"principal", "client", []string{"a3"}},
			{"principal", "nobody", nil},
			{"resource", "res", []string{"a1", "a2", "a3", "a4"}},
			{"resource", "client", []string{"a5"}},
			{"resource", "u1", nil},
		}
		for _, tc := range tests {
			list, call := s.ListAppRoleAssignmentsByPrincipal, "ListAppRoleAssignmentsByPrincipal"
			if tc.by == "resource" {
				list, call = s.ListAppRoleAssignmentsByResource, "ListAppRoleAssignmentsByResource"
			}
			got, err := list(ctx, tenantA, tc.id)
			must(t, err, "%s(%q)", call, tc.id)
			mustIDs(t, got, assignmentID, tc.want, "%s(%q)", call, tc.id)
		}
		got, err := s.ListAppRoleAssignmentsByPrincipal(ctx, tenantA, "client")
		must(t, err, "ListAppRoleAssignmentsByPrincipal(%q)", "client")
		mustEqual(t, got, []*directory.AppRoleAssignment{newAssignment(tenantA, "a3", "client", "res", "role-1")},
			"ListAppRoleAssignmentsByPrincipal(%q)", "client")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.AppRoleAssignment
		}{
			{"same id", newAssignment(tenantA, "a1", "client", "res", "role-2")},
			{"same principal, resource and role", newAssignment(tenantA, "a9", "u1", "res", "role-1")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := seed(t), t.Context()
				mustErr(t, s.CreateAppRoleAssignment(ctx, tc.second), store.ErrConflict, "CreateAppRoleAssignment(%q)", tc.second.ID)
				got, err := s.ListAppRoleAssignmentsByResource(ctx, tenantA, "res")
				must(t, err, "ListAppRoleAssignmentsByResource(%q)", "res")
				mustIDs(t, got, assignmentID, []string{"a1", "a2", "a3", "a4"}, "ListAppRoleAssignmentsByResource(%q) after the conflict", "res")
			})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.DeleteAppRoleAssignment(ctx, tenantA, "a1"), "DeleteAppRoleAssignment(%q)", "a1")
		got, err := s.ListAppRoleAssignmentsByPrincipal(ctx, tenantA, "u1")
		must(t, err, "ListAppRoleAssignmentsByPrincipal(%q)", "u1")
		mustIDs(t, got, assignmentID, []string{"a2"}, "ListAppRoleAssignmentsByPrincipal(%q) after the delete", "u1")
		mustErr(t, s.DeleteAppRoleAssignment(ctx, tenantA, "a1"), store.ErrNotFound, "DeleteAppRoleAssignment(%q) again", "a1")
		// The same grant can be made again.
		must(t, s.CreateAppRoleAssignment(ctx, newAssignment(tenantA, "a1b", "u1", "res", "role-1")), "CreateAppRoleAssignment(%q)", "a1b")
	})

	// Deleting an object removes the assignments that named it; the rest stay.
	cascades := []struct {
		name   string
		delete func(s store.Store, t *testing.T) error
		remain []string
	}{
		{"DeleteUser", func(s store.Store, t *testing.T) error { return s.DeleteUser(t.Context(), tenantA, "u1") }, []string{"a3", "a4", "a5"}},
		{"DeleteGroup", func(s store.Store, t *testing.T) error { return s.DeleteGroup(t.Context(), tenantA, "g1") }, []string{"a1", "a2", "a3", "a5"}},
		{"DeleteServicePrincipal as principal", func(s store.Store, t *testing.T) error {
			return s.DeleteServicePrincipal(t.Context(), tenantA, "client")
		}, []string{"a1", "a2", "a4"}},
		{"DeleteServicePrincipal as resource", func(s store.Store, t *testing.T) error {
			return s.DeleteServicePrincipal(t.Context(), tenantA, "res")
		}, nil},
	}
	for _, tc := range cascades {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := seed(t), t.Context()
			must(t, tc.delete(s, t), "%s", tc.name)
			var remain []string
			for _, owner := range []string{"u1", "g1", "client", "res"} {
				got, err := s.ListAppRoleAssignmentsByPrincipal(ctx, tenantA, owner)
				must(t, err, "ListAppRoleAssignmentsByPrincipal(%q)", owner)
				for _, a := range got {
					remain = append(remain, a.ID)
				}
			}
			mustSet(t, remain, tc.remain, "assignments left after %s", tc.name)
			for _, resource := range []string{"res", "client"} {
				got, err := s.ListAppRoleAssignmentsByResource(ctx, tenantA, resource)
				must(t, err, "ListAppRoleAssignmentsByResource(%q)", resource)
				for _, a := range got {
					if !slices.Contains(tc.remain, a.ID) {
						t.Fatalf("ListAppRoleAssignmentsByResource(%q) after %s returned %q, which should be gone", resource, tc.name, a.ID)
					}
				}
			}
		})
	}

	t.Run("DeleteApplicationKeepsAssignments", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-res", "resource-app")), "CreateApplication(%q)", "app-res")
		must(t, s.DeleteApplication(ctx, tenantA, "app-res"), "DeleteApplication(%q)", "app-res")
		got, err := s.ListAppRoleAssignmentsByResource(ctx, tenantA, "res")
		must(t, err, "ListAppRoleAssignmentsByResource(%q)", "res")
		mustIDs(t, got, assignmentID, []string{"a1", "a2", "a3", "a4"}, "ListAppRoleAssignmentsByResource(%q) after DeleteApplication", "res")
	})
}
