package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func groupID(g *directory.Group) string { return g.ID }

func testGroups(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
		got, err := s.GetGroup(ctx, tenantA, "g1")
		must(t, err, "GetGroup(%q)", "g1")
		mustEqual(t, got, newGroup(tenantA, "g1"), "GetGroup(%q)", "g1")
		_, err = s.GetGroup(ctx, tenantA, "g2")
		mustErr(t, err, store.ErrNotFound, "GetGroup(%q)", "g2")
	})

	t.Run("Conflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
		second := newGroup(tenantA, "g1")
		second.DisplayName = "Other"
		mustErr(t, s.CreateGroup(ctx, second), store.ErrConflict, "CreateGroup(%q) again", "g1")
		// Entra allows duplicate display names.
		same := newGroup(tenantA, "g2")
		same.DisplayName = newGroup(tenantA, "g1").DisplayName
		must(t, s.CreateGroup(ctx, same), "CreateGroup(%q) with g1's display name", "g2")
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, g := range []*directory.Group{newGroup(tenantA, "g1"), newGroup(tenantA, "g2"), newGroup(tenantB, "g3")} {
			must(t, s.CreateGroup(ctx, g), "CreateGroup(%q)", g.ID)
		}
		got, err := s.ListGroups(ctx, tenantA)
		must(t, err, "ListGroups(%q)", tenantA)
		mustIDs(t, got, groupID, []string{"g1", "g2"}, "ListGroups(%q)", tenantA)
	})

	t.Run("Update", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
		got, err := s.UpdateGroup(ctx, tenantA, "g1", func(g *directory.Group) error {
			g.Description = "edited"
			return nil
		})
		must(t, err, "UpdateGroup(%q)", "g1")
		want := newGroup(tenantA, "g1")
		want.Description = "edited"
		mustEqual(t, got, want, "UpdateGroup(%q)", "g1")
		stored, err := s.GetGroup(ctx, tenantA, "g1")
		must(t, err, "GetGroup(%q)", "g1")
		mustEqual(t, stored, want, "GetGroup(%q) after the update", "g1")
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
		must(t, s.DeleteGroup(ctx, tenantA, "g1"), "DeleteGroup(%q)", "g1")
		_, err := s.GetGroup(ctx, tenantA, "g1")
		mustErr(t, err, store.ErrNotFound, "GetGroup(%q) after delete", "g1")
		mustErr(t, s.DeleteGroup(ctx, tenantA, "g1"), store.ErrNotFound, "DeleteGroup(%q) again", "g1")
	})
}

func testMemberships(t *testing.T, open opener) {
	// seed stores groups g1 and g2 and users u1 and u2, with u1, u2 and g2
	// direct members of g1 and u1 a member of g2.
	seed := func(t *testing.T) store.Store {
		t.Helper()
		s, ctx := open(t), t.Context()
		for _, g := range []string{"g1", "g2"} {
			must(t, s.CreateGroup(ctx, newGroup(tenantA, g)), "CreateGroup(%q)", g)
		}
		for _, u := range []string{"u1", "u2"} {
			must(t, s.CreateUser(ctx, newUser(tenantA, u, u+"@contoso.com")), "CreateUser(%q)", u)
		}
		for _, m := range [][2]string{{"g1", "u1"}, {"g1", "u2"}, {"g1", "g2"}, {"g2", "u1"}} {
			must(t, s.AddGroupMember(ctx, tenantA, m[0], m[1]), "AddGroupMember(%q, %q)", m[0], m[1])
		}
		return s
	}

	t.Run("List", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u1", "u2", "g2"}, "ListGroupMembers(%q)", "g1")
		tests := []struct {
			member string
			want   []string
		}{
			{"u1", []string{"g1", "g2"}},
			{"u2", []string{"g1"}},
			{"g2", []string{"g1"}}, // direct membership only: g1 is not its own member
			{"g1", nil},
			{"nobody", nil},
		}
		for _, tc := range tests {
			got, err := s.ListMemberOf(ctx, tenantA, tc.member)
			must(t, err, "ListMemberOf(%q)", tc.member)
			mustIDs(t, got, groupID, tc.want, "ListMemberOf(%q)", tc.member)
		}
		got, err := s.ListMemberOf(ctx, tenantA, "u2")
		must(t, err, "ListMemberOf(%q)", "u2")
		mustEqual(t, got, []*directory.Group{newGroup(tenantA, "g1")}, "ListMemberOf(%q)", "u2")
	})

	t.Run("ListMissingGroup", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		_, err := s.ListGroupMembers(ctx, tenantA, "g9")
		mustErr(t, err, store.ErrNotFound, "ListGroupMembers(%q)", "g9")
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g3")), "CreateGroup(%q)", "g3")
		members, err := s.ListGroupMembers(ctx, tenantA, "g3")
		must(t, err, "ListGroupMembers(%q) of an empty group", "g3")
		if len(members) != 0 {
			t.Fatalf("ListGroupMembers(%q) of an empty group = %q, want none", "g3", members)
		}
	})

	t.Run("AddErrors", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		mustErr(t, s.AddGroupMember(ctx, tenantA, "g9", "u1"), store.ErrNotFound, "AddGroupMember(%q, %q) to a missing group", "g9", "u1")
		mustErr(t, s.AddGroupMember(ctx, tenantA, "g1", "u1"), store.ErrConflict, "AddGroupMember(%q, %q) twice", "g1", "u1")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u1", "u2", "g2"}, "ListGroupMembers(%q) after the failed adds", "g1")
	})

	t.Run("Remove", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.RemoveGroupMember(ctx, tenantA, "g1", "u1"), "RemoveGroupMember(%q, %q)", "g1", "u1")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u2", "g2"}, "ListGroupMembers(%q) after the removal", "g1")
		groups, err := s.ListMemberOf(ctx, tenantA, "u1")
		must(t, err, "ListMemberOf(%q)", "u1")
		mustIDs(t, groups, groupID, []string{"g2"}, "ListMemberOf(%q) after the removal", "u1")
		mustErr(t, s.RemoveGroupMember(ctx, tenantA, "g1", "u1"), store.ErrNotFound, "RemoveGroupMember(%q, %q) again", "g1", "u1")
	})

	t.Run("DeleteUserRemovesMemberships", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.DeleteUser(ctx, tenantA, "u1"), "DeleteUser(%q)", "u1")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u2", "g2"}, "ListGroupMembers(%q) after DeleteUser(%q)", "g1", "u1")
		groups, err := s.ListMemberOf(ctx, tenantA, "u1")
		must(t, err, "ListMemberOf(%q)", "u1")
		mustIDs(t, groups, groupID, nil, "ListMemberOf(%q) after DeleteUser", "u1")
	})

	t.Run("DeleteGroupRemovesMemberships", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.DeleteGroup(ctx, tenantA, "g2"), "DeleteGroup(%q)", "g2")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u1", "u2"}, "ListGroupMembers(%q) after DeleteGroup(%q)", "g1", "g2")
		groups, err := s.ListMemberOf(ctx, tenantA, "u1")
		must(t, err, "ListMemberOf(%q)", "u1")
		mustIDs(t, groups, groupID, []string{"g1"}, "ListMemberOf(%q) after DeleteGroup(%q)", "u1", "g2")
		// A new group under the old id starts empty: the memberships are
		// gone, not hidden.
		must(t, s.CreateGroup(ctx, newGroup(tenantA, "g2")), "CreateGroup(%q) again", "g2")
		members, err = s.ListGroupMembers(ctx, tenantA, "g2")
		must(t, err, "ListGroupMembers(%q) of the re-created group", "g2")
		mustSet(t, members, nil, "ListGroupMembers(%q) of the re-created group", "g2")
		groups, err = s.ListMemberOf(ctx, tenantA, "g2")
		must(t, err, "ListMemberOf(%q) of the re-created group", "g2")
		mustIDs(t, groups, groupID, nil, "ListMemberOf(%q) of the re-created group", "g2")
	})

	t.Run("DeleteServicePrincipalRemovesMemberships", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
		must(t, s.AddGroupMember(ctx, tenantA, "g1", "sp-1"), "AddGroupMember(%q, %q)", "g1", "sp-1")
		must(t, s.DeleteServicePrincipal(ctx, tenantA, "sp-1"), "DeleteServicePrincipal(%q)", "sp-1")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u1", "u2", "g2"}, "ListGroupMembers(%q) after DeleteServicePrincipal", "g1")
	})
}
