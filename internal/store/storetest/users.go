package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func userID(u *directory.User) string { return u.ID }

func testUsers(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "Alice@Contoso.com")), "CreateUser(%q)", "u1")
		got, err := s.GetUser(ctx, tenantA, "u1")
		must(t, err, "GetUser(%q)", "u1")
		mustEqual(t, got, newUser(tenantA, "u1", "Alice@Contoso.com"), "GetUser(%q)", "u1")
	})

	t.Run("GetMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetUser(ctx, tenantA, "u1")
		mustErr(t, err, store.ErrNotFound, "GetUser(%q)", "u1")
	})

	t.Run("GetByUPN", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "Alice@Contoso.com")), "CreateUser(%q)", "u1")
		tests := []struct {
			upn   string
			found bool
		}{
			{"Alice@Contoso.com", true},
			{"alice@contoso.com", true},
			{"ALICE@CONTOSO.COM", true},
			{"alice@contoso.co", false},
			{"bob@contoso.com", false},
			{"", false},
		}
		for _, tc := range tests {
			t.Run(tc.upn, func(t *testing.T) {
				got, err := s.GetUserByUPN(ctx, tenantA, tc.upn)
				if !tc.found {
					mustErr(t, err, store.ErrNotFound, "GetUserByUPN(%q)", tc.upn)
					return
				}
				must(t, err, "GetUserByUPN(%q)", tc.upn)
				// The stored spelling is kept; only the lookup folds case.
				mustEqual(t, got, newUser(tenantA, "u1", "Alice@Contoso.com"), "GetUserByUPN(%q)", tc.upn)
			})
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.User
		}{
			{"same id", newUser(tenantA, "u1", "bob@contoso.com")},
			{"same UPN", newUser(tenantA, "u2", "Alice@Contoso.com")},
			{"same UPN in another case", newUser(tenantA, "u2", "aLICE@contoso.COM")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "Alice@Contoso.com")), "CreateUser(%q)", "u1")
				err := s.CreateUser(ctx, tc.second)
				mustErr(t, err, store.ErrConflict, "CreateUser(id %q, upn %q)", tc.second.ID, tc.second.UserPrincipalName)
				got, err := s.GetUserByUPN(ctx, tenantA, "alice@contoso.com")
				must(t, err, "GetUserByUPN(%q)", "alice@contoso.com")
				mustEqual(t, got, newUser(tenantA, "u1", "Alice@Contoso.com"), "GetUserByUPN(%q) after the conflict", "alice@contoso.com")
			})
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, u := range []*directory.User{
			newUser(tenantA, "u1", "alice@contoso.com"),
			newUser(tenantA, "u2", "bob@contoso.com"),
			newUser(tenantB, "u3", "carol@fabrikam.com"),
		} {
			must(t, s.CreateUser(ctx, u), "CreateUser(%q)", u.ID)
		}
		got, err := s.ListUsers(ctx, tenantA)
		must(t, err, "ListUsers(%q)", tenantA)
		mustIDs(t, got, userID, []string{"u1", "u2"}, "ListUsers(%q)", tenantA)
	})

	t.Run("UpdateRenamesUPN", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
		got, err := s.UpdateUser(ctx, tenantA, "u1", func(u *directory.User) error {
			u.UserPrincipalName = "Alice.Smith@contoso.com"
			u.Mail = "Alice.Smith@contoso.com"
			u.AccountEnabled = false
			return nil
		})
		must(t, err, "UpdateUser(%q)", "u1")
		want := newUser(tenantA, "u1", "alice@contoso.com")
		want.UserPrincipalName = "Alice.Smith@contoso.com"
		want.Mail = "Alice.Smith@contoso.com"
		want.AccountEnabled = false
		mustEqual(t, got, want, "UpdateUser(%q)", "u1")
		_, err = s.GetUserByUPN(ctx, tenantA, "alice@contoso.com")
		mustErr(t, err, store.ErrNotFound, "GetUserByUPN(%q) after the rename", "alice@contoso.com")
		got, err = s.GetUserByUPN(ctx, tenantA, "alice.smith@CONTOSO.com")
		must(t, err, "GetUserByUPN(%q) after the rename", "alice.smith@CONTOSO.com")
		mustEqual(t, got, want, "GetUserByUPN(%q) after the rename", "alice.smith@CONTOSO.com")
		// The old name is free again.
		must(t, s.CreateUser(ctx, newUser(tenantA, "u2", "alice@contoso.com")), "CreateUser(%q) with the old UPN", "u2")
	})

	t.Run("UpdateUPNConflict", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
		must(t, s.CreateUser(ctx, newUser(tenantA, "u2", "bob@contoso.com")), "CreateUser(%q)", "u2")
		_, err := s.UpdateUser(ctx, tenantA, "u2", func(u *directory.User) error {
			u.UserPrincipalName = "ALICE@contoso.com"
			return nil
		})
		mustErr(t, err, store.ErrConflict, "UpdateUser(%q) taking UPN %q", "u2", "ALICE@contoso.com")
		got, err := s.GetUser(ctx, tenantA, "u2")
		must(t, err, "GetUser(%q)", "u2")
		mustEqual(t, got, newUser(tenantA, "u2", "bob@contoso.com"), "GetUser(%q) after the conflict", "u2")
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
		must(t, s.DeleteUser(ctx, tenantA, "u1"), "DeleteUser(%q)", "u1")
		_, err := s.GetUser(ctx, tenantA, "u1")
		mustErr(t, err, store.ErrNotFound, "GetUser(%q) after delete", "u1")
		_, err = s.GetUserByUPN(ctx, tenantA, "alice@contoso.com")
		mustErr(t, err, store.ErrNotFound, "GetUserByUPN(%q) after delete", "alice@contoso.com")
		err = s.DeleteUser(ctx, tenantA, "u1")
		mustErr(t, err, store.ErrNotFound, "DeleteUser(%q) again", "u1")
		must(t, s.CreateUser(ctx, newUser(tenantA, "u2", "alice@contoso.com")), "CreateUser(%q) reusing the UPN", "u2")
	})
}
