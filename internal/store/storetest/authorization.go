package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The records authorization is decided from: resource names (unique per
// tenant, security review F2), mail (unique per tenant, F6), delegated
// permission grants, directory role assignments, revoked refresh token
// families (F10).

func testResourceNames(t *testing.T, open opener) {
	t.Run("IdentifierURIsAreUnique", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		victim := newApplication(tenantA, "app-1", "client-1")
		victim.IdentifierURIs = []string{"https://orders.example"}
		must(t, s.CreateApplication(ctx, victim), "CreateApplication(victim)")
		for _, uri := range []string{"https://orders.example", "HTTPS://Orders.Example", "https://orders.example/", "https://orders.example//"} {
			squatter := newApplication(tenantA, "app-2", "client-2")
			squatter.IdentifierURIs = []string{uri}
			err := s.CreateApplication(ctx, squatter)
			mustErr(t, err, store.ErrConflict, "CreateApplication with identifierUris [%q] held by another app", uri)
			if !errors.Is(err, store.ErrResourceNameTaken) {
				t.Fatalf("CreateApplication(%q) = %v, want ErrResourceNameTaken", uri, err)
			}
		}
		// Nothing of the refused create was stored.
		_, err := s.GetApplication(ctx, tenantA, "app-2")
		mustErr(t, err, store.ErrNotFound, "GetApplication(refused squatter)")
		other := newApplication(tenantA, "app-2", "client-2")
		must(t, s.CreateApplication(ctx, other), "CreateApplication(other)")
		_, err = s.UpdateApplication(ctx, tenantA, "app-2", func(a *directory.Application) error {
			a.IdentifierURIs = []string{"https://Orders.example/"}
			return nil
		})
		mustErr(t, err, store.ErrResourceNameTaken, "UpdateApplication taking another app's identifierUris")
		// The same name in another tenant is another resource.
		must(t, s.CreateTenant(ctx, newTenant(tenantB, "b.example")), "CreateTenant(B)")
		inB := newApplication(tenantB, "app-1", "client-1")
		inB.IdentifierURIs = []string{"https://orders.example"}
		must(t, s.CreateApplication(ctx, inB), "CreateApplication(B) with the same identifierUris")
	})

	t.Run("ServicePrincipalNamesAreUnique", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		app := newApplication(tenantA, "app-1", "client-1")
		app.IdentifierURIs = []string{"api://orders"}
		must(t, s.CreateApplication(ctx, app), "CreateApplication")
		// The app's own service principal may carry the app's names.
		own := newServicePrincipal(tenantA, "sp-1", "client-1")
		own.ServicePrincipalNames = []string{"client-1", "api://orders"}
		must(t, s.CreateServicePrincipal(ctx, own), "CreateServicePrincipal(own)")
		// Another app's may not.
		thief := newServicePrincipal(tenantA, "sp-2", "client-2")
		thief.ServicePrincipalNames = []string{"client-2", "API://ORDERS/"}
		mustErr(t, s.CreateServicePrincipal(ctx, thief), store.ErrResourceNameTaken, "CreateServicePrincipal with another app's name")
		// And no app may take a name a service principal holds.
		other := newApplication(tenantA, "app-2", "client-2")
		other.IdentifierURIs = []string{"client-1"}
		mustErr(t, s.CreateApplication(ctx, other), store.ErrResourceNameTaken, "CreateApplication naming another app's appId")
	})

	t.Run("ResourceOwner", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		app := newApplication(tenantA, "app-1", "client-1")
		app.IdentifierURIs = []string{"https://api.example/v1"}
		must(t, s.CreateApplication(ctx, app), "CreateApplication")
		for _, name := range []string{"https://api.example/v1", "HTTPS://API.example/V1/", " https://api.example/v1"} {
			got, err := s.ResourceOwner(ctx, tenantA, name)
			must(t, err, "ResourceOwner(%q)", name)
			if got != "client-1" {
				t.Fatalf("ResourceOwner(%q) = %q, want client-1", name, got)
			}
		}
		_, err := s.ResourceOwner(ctx, tenantA, "https://api.example")
		mustErr(t, err, store.ErrNotFound, "ResourceOwner(a prefix)")
		_, err = s.ResourceOwner(ctx, tenantB, "https://api.example/v1")
		mustErr(t, err, store.ErrNotFound, "ResourceOwner in another tenant")
		// A removed name is free and no longer resolves.
		_, err = s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
			a.IdentifierURIs = []string{"https://api.example/v2"}
			return nil
		})
		must(t, err, "UpdateApplication(new identifierUris)")
		_, err = s.ResourceOwner(ctx, tenantA, "https://api.example/v1")
		mustErr(t, err, store.ErrNotFound, "ResourceOwner(removed name)")
		must(t, s.DeleteApplication(ctx, tenantA, "app-1"), "DeleteApplication")
		_, err = s.ResourceOwner(ctx, tenantA, "https://api.example/v2")
		mustErr(t, err, store.ErrNotFound, "ResourceOwner after the app was deleted")
		again := newApplication(tenantA, "app-2", "client-2")
		again.IdentifierURIs = []string{"https://api.example/v2"}
		must(t, s.CreateApplication(ctx, again), "CreateApplication with a freed name")
	})

	t.Run("RacingClaimsOneWins", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := newApplication(tenantA, "app-"+string(rune('a'+i)), "client-"+string(rune('a'+i)))
				a.IdentifierURIs = []string{"https://contested.example"}
				errs[i] = s.CreateApplication(ctx, a)
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrResourceNameTaken):
				t.Fatalf("racing CreateApplication %d = %v, want nil or ErrResourceNameTaken", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d racing creates got the name, want exactly 1", won)
		}
	})
}

func testUserMail(t *testing.T, open opener) {
	s, ctx := open(t), t.Context()
	must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(u1)")
	u2 := newUser(tenantA, "u2", "bob@contoso.com")
	u2.Mail = "ALICE@contoso.com"
	mustErr(t, s.CreateUser(ctx, u2), store.ErrConflict, "CreateUser with another user's mail")
	u2.Mail = ""
	must(t, s.CreateUser(ctx, u2), "CreateUser(u2) without mail")
	u3 := newUser(tenantA, "u3", "carol@contoso.com")
	u3.Mail = ""
	must(t, s.CreateUser(ctx, u3), "CreateUser(u3): many users may have no mail")
	_, err := s.UpdateUser(ctx, tenantA, "u2", func(u *directory.User) error {
		u.Mail = "alice@CONTOSO.com"
		return nil
	})
	mustErr(t, err, store.ErrConflict, "UpdateUser taking another user's mail")
	got, err := s.GetUserByMail(ctx, tenantA, "Alice@Contoso.com")
	must(t, err, "GetUserByMail")
	if got.ID != "u1" {
		t.Fatalf("GetUserByMail = %s, want u1", got.ID)
	}
	_, err = s.GetUserByMail(ctx, tenantA, "")
	mustErr(t, err, store.ErrNotFound, "GetUserByMail(\"\")")
}

func newPermissionGrant(tenantID, id, client, consentType, principal, resource, scope string) *directory.PermissionGrant {
	return &directory.PermissionGrant{TenantID: tenantID, ID: id, ClientID: client, ConsentType: consentType,
		PrincipalID: principal, ResourceID: resource, Scope: scope, CreatedAt: created}
}

func testPermissionGrants(t *testing.T, open opener) {
	t.Run("CRUD", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		all := newPermissionGrant(tenantA, "g1", "sp-client", directory.ConsentAllPrincipals, "", "sp-graph", "User.Read")
		must(t, s.CreatePermissionGrant(ctx, all), "CreatePermissionGrant(g1)")
		got, err := s.GetPermissionGrant(ctx, tenantA, "g1")
		must(t, err, "GetPermissionGrant(g1)")
		mustEqual(t, got, newPermissionGrant(tenantA, "g1", "sp-client", directory.ConsentAllPrincipals, "", "sp-graph", "User.Read"), "GetPermissionGrant(g1)")
		// One AllPrincipals grant per client and resource.
		dup := newPermissionGrant(tenantA, "g2", "sp-client", directory.ConsentAllPrincipals, "", "sp-graph", "Mail.Read")
		mustErr(t, s.CreatePermissionGrant(ctx, dup), store.ErrConflict, "CreatePermissionGrant(second AllPrincipals)")
		// One Principal grant per client, user and resource.
		must(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g3", "sp-client", directory.ConsentPrincipal, "u1", "sp-graph", "openid")), "CreatePermissionGrant(g3)")
		mustErr(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g4", "sp-client", directory.ConsentPrincipal, "u1", "sp-graph", "x")),
			store.ErrConflict, "CreatePermissionGrant(second Principal for u1)")
		must(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g5", "sp-client", directory.ConsentPrincipal, "u2", "sp-graph", "openid")), "CreatePermissionGrant(g5)")
		must(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g6", "sp-other", directory.ConsentPrincipal, "u1", "sp-api", "x")), "CreatePermissionGrant(g6)")
		id := func(g *directory.PermissionGrant) string { return g.ID }
		for _, tc := range []struct {
			f    store.PermissionGrantFilter
			want []string
		}{
			{store.PermissionGrantFilter{}, []string{"g1", "g3", "g5", "g6"}},
			{store.PermissionGrantFilter{ClientID: "sp-client"}, []string{"g1", "g3", "g5"}},
			{store.PermissionGrantFilter{ResourceID: "sp-api"}, []string{"g6"}},
			{store.PermissionGrantFilter{ConsentType: directory.ConsentAllPrincipals}, []string{"g1"}},
			{store.PermissionGrantFilter{PrincipalID: "u1"}, []string{"g3", "g6"}},
			{store.PermissionGrantFilter{ClientID: "sp-client", ResourceID: "sp-graph", PrincipalID: "u2"}, []string{"g5"}},
			{store.PermissionGrantFilter{ClientID: "nobody"}, nil},
		} {
			list, err := s.ListPermissionGrants(ctx, tenantA, tc.f)
			must(t, err, "ListPermissionGrants(%+v)", tc.f)
			mustNotNil(t, list, "ListPermissionGrants(%+v)", tc.f)
			mustOrder(t, list, id, tc.want, "ListPermissionGrants(%+v)", tc.f)
		}
		updated, err := s.UpdatePermissionGrant(ctx, tenantA, "g1", func(g *directory.PermissionGrant) error {
			g.Scope = "User.Read Group.Read.All"
			return nil
		})
		must(t, err, "UpdatePermissionGrant(g1)")
		if updated.Scope != "User.Read Group.Read.All" {
			t.Fatalf("UpdatePermissionGrant(g1).Scope = %q", updated.Scope)
		}
		_, err = s.UpdatePermissionGrant(ctx, tenantA, "nope", func(*directory.PermissionGrant) error { return nil })
		mustErr(t, err, store.ErrNotFound, "UpdatePermissionGrant(missing)")
		must(t, s.DeletePermissionGrant(ctx, tenantA, "g1"), "DeletePermissionGrant(g1)")
		mustErr(t, s.DeletePermissionGrant(ctx, tenantA, "g1"), store.ErrNotFound, "DeletePermissionGrant(g1) again")
		// Tenants do not see each other's grants.
		list, err := s.ListPermissionGrants(ctx, tenantB, store.PermissionGrantFilter{})
		must(t, err, "ListPermissionGrants(B)")
		mustOrder(t, list, id, nil, "ListPermissionGrants(B)")
	})

	t.Run("GoWithTheirPrincipals", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-client", "client-1")), "CreateServicePrincipal(client)")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-api", "client-2")), "CreateServicePrincipal(api)")
		must(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g1", "sp-client", directory.ConsentPrincipal, "u1", "sp-x", "a")), "g1")
		must(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g2", "sp-y", directory.ConsentAllPrincipals, "", "sp-api", "a")), "g2")
		must(t, s.CreatePermissionGrant(ctx, newPermissionGrant(tenantA, "g3", "sp-y", directory.ConsentPrincipal, "u9", "sp-z", "a")), "g3")
		must(t, s.DeleteUser(ctx, tenantA, "u1"), "DeleteUser")
		mustErr(t, second(s.GetPermissionGrant(ctx, tenantA, "g1")), store.ErrNotFound, "the deleted user's grant")
		must(t, s.DeleteServicePrincipal(ctx, tenantA, "sp-api"), "DeleteServicePrincipal(resource)")
		mustErr(t, second(s.GetPermissionGrant(ctx, tenantA, "g2")), store.ErrNotFound, "a grant on the deleted resource")
		must(t, second(s.GetPermissionGrant(ctx, tenantA, "g3")), "an unrelated grant")
	})
}

func newRoleAssignment(tenantID, id, principal, role string) *directory.RoleAssignment {
	return &directory.RoleAssignment{TenantID: tenantID, ID: id, PrincipalID: principal, PrincipalType: "User",
		RoleDefinitionID: role, DirectoryScopeID: "/", CreatedAt: created}
}

func testRoleAssignments(t *testing.T, open opener) {
	const ga, ua = directory.RoleGlobalAdministrator, directory.RoleUserAdministrator
	s, ctx := open(t), t.Context()
	must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser")
	must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup")
	must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal")
	must(t, s.CreateRoleAssignment(ctx, newRoleAssignment(tenantA, "r1", "u1", ga)), "r1")
	mustErr(t, s.CreateRoleAssignment(ctx, newRoleAssignment(tenantA, "r2", "u1", ga)), store.ErrConflict, "the same role twice")
	must(t, s.CreateRoleAssignment(ctx, newRoleAssignment(tenantA, "r3", "u1", ua)), "r3")
	must(t, s.CreateRoleAssignment(ctx, newRoleAssignment(tenantA, "r4", "g1", ua)), "r4")
	must(t, s.CreateRoleAssignment(ctx, newRoleAssignment(tenantA, "r5", "sp-1", ua)), "r5")
	got, err := s.GetRoleAssignment(ctx, tenantA, "r1")
	must(t, err, "GetRoleAssignment(r1)")
	mustEqual(t, got, newRoleAssignment(tenantA, "r1", "u1", ga), "GetRoleAssignment(r1)")
	id := func(a *directory.RoleAssignment) string { return a.ID }
	for _, tc := range []struct {
		f    store.RoleAssignmentFilter
		want []string
	}{
		{store.RoleAssignmentFilter{}, []string{"r1", "r3", "r4", "r5"}},
		{store.RoleAssignmentFilter{PrincipalID: "u1"}, []string{"r1", "r3"}},
		{store.RoleAssignmentFilter{RoleDefinitionID: ua}, []string{"r3", "r4", "r5"}},
		{store.RoleAssignmentFilter{PrincipalID: "u1", RoleDefinitionID: ga}, []string{"r1"}},
	} {
		list, err := s.ListRoleAssignments(ctx, tenantA, tc.f)
		must(t, err, "ListRoleAssignments(%+v)", tc.f)
		mustOrder(t, list, id, tc.want, "ListRoleAssignments(%+v)", tc.f)
	}
	must(t, s.DeleteUser(ctx, tenantA, "u1"), "DeleteUser")
	must(t, s.DeleteGroup(ctx, tenantA, "g1"), "DeleteGroup")
	must(t, s.DeleteServicePrincipal(ctx, tenantA, "sp-1"), "DeleteServicePrincipal")
	list, err := s.ListRoleAssignments(ctx, tenantA, store.RoleAssignmentFilter{})
	must(t, err, "ListRoleAssignments after the deletes")
	mustOrder(t, list, id, nil, "role assignments left after their principals were deleted")
	mustErr(t, s.DeleteRoleAssignment(ctx, tenantA, "r1"), store.ErrNotFound, "DeleteRoleAssignment(gone)")
}

func testRevokedFamilies(t *testing.T, open opener) {
	s, ctx := open(t), t.Context()
	must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-1", "", live())), "CreateRefreshToken(rt-1)")
	n, err := s.DeleteRefreshFamily(ctx, "family-1", live())
	must(t, err, "DeleteRefreshFamily")
	if n != 1 {
		t.Fatalf("DeleteRefreshFamily = %d, want 1", n)
	}
	// A redemption that raced the revocation cannot add to the family.
	mustErr(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-2", "family-1", "", live())), store.ErrRevoked, "CreateRefreshToken in a revoked family")
	must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-3", "family-2", "", live())), "CreateRefreshToken in another family")
	must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-4", "", "", live())), "CreateRefreshToken without a family")
	// The mark expires like other security state.
	n2, err := s.DeleteRefreshFamily(ctx, "family-3", expired())
	must(t, err, "DeleteRefreshFamily(expired mark)")
	if n2 != 0 {
		t.Fatalf("DeleteRefreshFamily(family-3) = %d, want 0", n2)
	}
	if _, err := s.DeleteExpired(ctx, live().Add(-30*60e9)); err != nil {
		t.Fatalf("DeleteExpired = %v", err)
	}
	must(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-5", "family-3", "", live())), "CreateRefreshToken after the mark expired")
}
