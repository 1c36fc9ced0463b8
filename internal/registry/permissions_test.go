package registry

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

func TestAllowedByDirectoryRole(t *testing.T) {
	user := func(roles ...string) Actor {
		return Actor{TenantID: "t", Kind: ActorUser, User: &directory.User{ID: "u", AccountEnabled: true}, Scopes: firstPartyScopes, Roles: roles}
	}
	app := func(perms ...string) Actor { return Actor{TenantID: "t", Kind: ActorApp, AppPermissions: perms} }
	tests := []struct {
		name  string
		actor Actor
		op    Operation
		want  bool
	}{
		{"global admin writes apps", user(directory.RoleGlobalAdministrator), WriteApplications, true},
		{"global admin consents", user(directory.RoleGlobalAdministrator), AssignAppRoles, true},
		{"app admin writes apps", user(directory.RoleApplicationAdministrator), WriteApplications, true},
		{"app admin writes policies", user(directory.RoleApplicationAdministrator), WritePolicies, true},
		{"app admin grants delegated permissions", user(directory.RoleApplicationAdministrator), WritePermissionGrants, true},
		{"app admin cannot assign roles", user(directory.RoleApplicationAdministrator), WriteRoles, false},
		{"privileged role admin assigns roles", user(directory.RolePrivilegedRoleAdministrator), WriteRoles, true},
		{"cloud app admin cannot write users", user(directory.RoleCloudApplicationAdministrator), WriteUsers, false},
		{"user admin writes users", user(directory.RoleUserAdministrator), WriteUsers, true},
		{"user admin writes members", user(directory.RoleUserAdministrator), WriteGroupMembers, true},
		{"user admin cannot write apps", user(directory.RoleUserAdministrator), WriteApplications, false},
		{"groups admin writes groups", user(directory.RoleGroupsAdministrator), WriteGroups, true},
		{"groups admin cannot write users", user(directory.RoleGroupsAdministrator), WriteUsers, false},
		{"no role reads", user(), ReadApplications, true},
		{"no role cannot write", user(), WriteUsers, false},
		{"disabled user", Actor{Kind: ActorUser, User: &directory.User{}, Scopes: firstPartyScopes, Roles: []string{directory.RoleGlobalAdministrator}}, ReadApplications, false},
		{"nobody", Actor{}, ReadApplications, false},
		// Security review S5: Directory.ReadWrite.All deletes no users or groups.
		{"Directory.ReadWrite.All writes users", app("Directory.ReadWrite.All"), WriteUsers, true},
		{"Directory.ReadWrite.All cannot delete users", app("Directory.ReadWrite.All"), DeleteUsers, false},
		{"Directory.ReadWrite.All cannot delete groups", app("Directory.ReadWrite.All"), DeleteGroups, false},
		{"User.ReadWrite.All deletes users", app("User.ReadWrite.All"), DeleteUsers, true},
		{"Application.ReadWrite.All cannot grant delegated permissions", app("Application.ReadWrite.All"), WritePermissionGrants, false},
		{"a delegated token needs its scope", Actor{Kind: ActorUser, User: &directory.User{AccountEnabled: true}, Scopes: []string{"User.Read"},
			Roles: []string{directory.RoleGlobalAdministrator}}, WriteApplications, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allowed(tt.actor, tt.op); got != tt.want {
				t.Fatalf("Allowed = %v, want %v", got, tt.want)
			}
		})
	}
}
