package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// testTenantIsolation checks that tenant B sees nothing of tenant A through
// any method, and can change nothing of it.
func testTenantIsolation(t *testing.T, open opener) {
	s, ctx := open(t), t.Context()
	must(t, s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com")), "CreateTenant(%q)", tenantA)
	must(t, s.CreateTenant(ctx, newTenant(tenantB, "fabrikam.onmicrosoft.com")), "CreateTenant(%q)", tenantB)
	must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
	must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
	must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
	must(t, s.CreateGroup(ctx, newGroup(tenantA, "g1")), "CreateGroup(%q)", "g1")
	must(t, s.AddGroupMember(ctx, tenantA, "g1", "u1"), "AddGroupMember(%q, %q)", "g1", "u1")
	must(t, s.CreateAppRoleAssignment(ctx, newAssignment(tenantA, "a1", "u1", "sp-1", "role-1")), "CreateAppRoleAssignment(%q)", "a1")
	must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)), "CreateExtensionProperty(%q)", "ext-1")
	must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", directory.PolicyClaimsMapping)), "CreatePolicy(%q)", "p-1")
	must(t, s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantA, "p-1", directory.PolicyClaimsMapping, "sp-1", "servicePrincipal")),
		"CreatePolicyAssignment(%q to %q)", "p-1", "sp-1")

	// The update closures would change the object if it leaked through;
	// TenantAUnchanged then fails too.
	missing := []struct {
		call string
		err  error
	}{
		{"GetApplication", second(s.GetApplication(ctx, tenantB, "app-1"))},
		{"GetApplicationByAppID", second(s.GetApplicationByAppID(ctx, tenantB, "client-1"))},
		{"UpdateApplication", second(s.UpdateApplication(ctx, tenantB, "app-1", func(a *directory.Application) error { a.DisplayName = "hijacked"; return nil }))},
		{"DeleteApplication", s.DeleteApplication(ctx, tenantB, "app-1")},
		{"GetServicePrincipal", second(s.GetServicePrincipal(ctx, tenantB, "sp-1"))},
		{"GetServicePrincipalByAppID", second(s.GetServicePrincipalByAppID(ctx, tenantB, "client-1"))},
		{"UpdateServicePrincipal", second(s.UpdateServicePrincipal(ctx, tenantB, "sp-1", func(sp *directory.ServicePrincipal) error { sp.DisplayName = "hijacked"; return nil }))},
		{"DeleteServicePrincipal", s.DeleteServicePrincipal(ctx, tenantB, "sp-1")},
		{"GetUser", second(s.GetUser(ctx, tenantB, "u1"))},
		{"GetUserByUPN", second(s.GetUserByUPN(ctx, tenantB, "alice@contoso.com"))},
		{"UpdateUser", second(s.UpdateUser(ctx, tenantB, "u1", func(u *directory.User) error { u.DisplayName = "hijacked"; return nil }))},
		{"DeleteUser", s.DeleteUser(ctx, tenantB, "u1")},
		{"GetGroup", second(s.GetGroup(ctx, tenantB, "g1"))},
		{"UpdateGroup", second(s.UpdateGroup(ctx, tenantB, "g1", func(g *directory.Group) error { g.DisplayName = "hijacked"; return nil }))},
		{"AddGroupMember", s.AddGroupMember(ctx, tenantB, "g1", "u2")},
		{"RemoveGroupMember", s.RemoveGroupMember(ctx, tenantB, "g1", "u1")},
		{"ListGroupMembers", second(s.ListGroupMembers(ctx, tenantB, "g1"))},
		{"DeleteAppRoleAssignment", s.DeleteAppRoleAssignment(ctx, tenantB, "a1")},
		{"DeleteGroup", s.DeleteGroup(ctx, tenantB, "g1")},
		{"GetExtensionProperty", second(s.GetExtensionProperty(ctx, tenantB, "ext-1"))},
		{"DeleteExtensionProperty", s.DeleteExtensionProperty(ctx, tenantB, "ext-1")},
		{"GetPolicy", second(s.GetPolicy(ctx, tenantB, "p-1"))},
		{"UpdatePolicy", second(s.UpdatePolicy(ctx, tenantB, "p-1", func(p *directory.Policy) error { p.DisplayName = "hijacked"; return nil }))},
		{"CreatePolicyAssignment", s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantB, "p-1", directory.PolicyClaimsMapping, "sp-2", "servicePrincipal"))},
		{"DeletePolicyAssignment", s.DeletePolicyAssignment(ctx, tenantB, "p-1", "sp-1")},
		{"DeletePolicy", s.DeletePolicy(ctx, tenantB, "p-1")},
	}
	for _, tc := range missing {
		t.Run(tc.call, func(t *testing.T) {
			mustErr(t, tc.err, store.ErrNotFound, "%s in tenant B of tenant A's object", tc.call)
		})
	}

	empty := []struct {
		call string
		list func() (int, error)
	}{
		{"ListApplications", func() (int, error) { return count(s.ListApplications(ctx, tenantB)) }},
		{"ListServicePrincipals", func() (int, error) { return count(s.ListServicePrincipals(ctx, tenantB)) }},
		{"ListUsers", func() (int, error) { return count(s.ListUsers(ctx, tenantB)) }},
		{"ListGroups", func() (int, error) { return count(s.ListGroups(ctx, tenantB)) }},
		{"ListMemberOf", func() (int, error) { return count(s.ListMemberOf(ctx, tenantB, "u1")) }},
		{"ListAppRoleAssignmentsByPrincipal", func() (int, error) { return count(s.ListAppRoleAssignmentsByPrincipal(ctx, tenantB, "u1")) }},
		{"ListAppRoleAssignmentsByResource", func() (int, error) { return count(s.ListAppRoleAssignmentsByResource(ctx, tenantB, "sp-1")) }},
		{"ListExtensionProperties of the application", func() (int, error) { return count(s.ListExtensionProperties(ctx, tenantB, "app-1")) }},
		{"ListExtensionProperties of the tenant", func() (int, error) { return count(s.ListExtensionProperties(ctx, tenantB, "")) }},
		{"ListPolicies", func() (int, error) { return count(s.ListPolicies(ctx, tenantB, directory.PolicyClaimsMapping)) }},
		{"ListPolicyAssignmentsByObject", func() (int, error) { return count(s.ListPolicyAssignmentsByObject(ctx, tenantB, "sp-1", "")) }},
		{"ListPolicyAssignmentsByPolicy", func() (int, error) { return count(s.ListPolicyAssignmentsByPolicy(ctx, tenantB, "p-1")) }},
	}
	for _, tc := range empty {
		t.Run(tc.call, func(t *testing.T) {
			n, err := tc.list()
			must(t, err, "%s(tenant B)", tc.call)
			if n != 0 {
				t.Fatalf("%s(tenant B) returned %d of tenant A's objects, want 0", tc.call, n)
			}
		})
	}

	t.Run("TenantAUnchanged", func(t *testing.T) {
		app, err := s.GetApplication(ctx, tenantA, "app-1")
		must(t, err, "GetApplication(%q)", "app-1")
		mustEqual(t, app, newApplication(tenantA, "app-1", "client-1"), "GetApplication(%q)", "app-1")
		sp, err := s.GetServicePrincipal(ctx, tenantA, "sp-1")
		must(t, err, "GetServicePrincipal(%q)", "sp-1")
		mustEqual(t, sp, newServicePrincipal(tenantA, "sp-1", "client-1"), "GetServicePrincipal(%q)", "sp-1")
		u, err := s.GetUser(ctx, tenantA, "u1")
		must(t, err, "GetUser(%q)", "u1")
		mustEqual(t, u, newUser(tenantA, "u1", "alice@contoso.com"), "GetUser(%q)", "u1")
		g, err := s.GetGroup(ctx, tenantA, "g1")
		must(t, err, "GetGroup(%q)", "g1")
		mustEqual(t, g, newGroup(tenantA, "g1"), "GetGroup(%q)", "g1")
		members, err := s.ListGroupMembers(ctx, tenantA, "g1")
		must(t, err, "ListGroupMembers(%q)", "g1")
		mustSet(t, members, []string{"u1"}, "ListGroupMembers(%q)", "g1")
		as, err := s.ListAppRoleAssignmentsByPrincipal(ctx, tenantA, "u1")
		must(t, err, "ListAppRoleAssignmentsByPrincipal(%q)", "u1")
		mustIDs(t, as, assignmentID, []string{"a1"}, "ListAppRoleAssignmentsByPrincipal(%q)", "u1")
		ext, err := s.GetExtensionProperty(ctx, tenantA, "ext-1")
		must(t, err, "GetExtensionProperty(%q)", "ext-1")
		mustEqual(t, ext, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter), "GetExtensionProperty(%q)", "ext-1")
		p, err := s.GetPolicy(ctx, tenantA, "p-1")
		must(t, err, "GetPolicy(%q)", "p-1")
		mustEqual(t, p, newPolicy(tenantA, "p-1", directory.PolicyClaimsMapping), "GetPolicy(%q)", "p-1")
		pas, err := s.ListPolicyAssignmentsByPolicy(ctx, tenantA, "p-1")
		must(t, err, "ListPolicyAssignmentsByPolicy(%q)", "p-1")
		mustEqual(t, pas, []*directory.PolicyAssignment{newPolicyAssignment(tenantA, "p-1", directory.PolicyClaimsMapping, "sp-1", "servicePrincipal")},
			"ListPolicyAssignmentsByPolicy(%q)", "p-1")
	})

	// The same keys in another tenant are other objects.
	t.Run("SameKeysInTenantB", func(t *testing.T) {
		must(t, s.CreateUser(ctx, newUser(tenantB, "u2", "alice@contoso.com")), "CreateUser(tenant B, UPN of a tenant A user)")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantB, "sp-2", "client-1")), "CreateServicePrincipal(tenant B, appId of a tenant A service principal)")
		u, err := s.GetUserByUPN(ctx, tenantA, "alice@contoso.com")
		must(t, err, "GetUserByUPN(tenant A)")
		if u.ID != "u1" {
			t.Fatalf("GetUserByUPN(tenant A).ID = %q, want %q", u.ID, "u1")
		}
		must(t, s.CreateExtensionProperty(ctx, newExtensionProperty(tenantB, "ext-1", "app-1", extCostCenter)),
			"CreateExtensionProperty(tenant B, id and name of a tenant A extension property)")
		must(t, s.CreatePolicy(ctx, newPolicy(tenantB, "p-1", directory.PolicyClaimsMapping)), "CreatePolicy(tenant B, id of a tenant A policy)")
		must(t, s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantB, "p-1", directory.PolicyClaimsMapping, "sp-1", "servicePrincipal")),
			"CreatePolicyAssignment(tenant B, policy and object ids of a tenant A assignment)")
		// Tenant B's policy goes with its assignments; tenant A's stay.
		must(t, s.DeletePolicy(ctx, tenantB, "p-1"), "DeletePolicy(tenant B, %q)", "p-1")
		pas, err := s.ListPolicyAssignmentsByObject(ctx, tenantA, "sp-1", "")
		must(t, err, "ListPolicyAssignmentsByObject(tenant A, %q)", "sp-1")
		mustEqual(t, pas, []*directory.PolicyAssignment{newPolicyAssignment(tenantA, "p-1", directory.PolicyClaimsMapping, "sp-1", "servicePrincipal")},
			"ListPolicyAssignmentsByObject(tenant A, %q) after tenant B's policy of the same id was deleted", "sp-1")
		must(t, s.DeleteExtensionProperty(ctx, tenantB, "ext-1"), "DeleteExtensionProperty(tenant B, %q)", "ext-1")
		_, err = s.GetExtensionProperty(ctx, tenantA, "ext-1")
		must(t, err, "GetExtensionProperty(tenant A, %q) after tenant B's of the same id was deleted", "ext-1")
	})
}
