package registry

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
)

// Operation is a class of directory reads or changes that share one
// permission rule, named as Microsoft Graph documents them.
type Operation int

// Operations.
const (
	ReadApplications      Operation = iota + 1 // applications, servicePrincipals, extension properties
	WriteApplications                          // create, change and delete applications and service principals
	ReadUsers                                  // users
	WriteUsers                                 // create and change users
	DeleteUsers                                // delete users
	ReadGroups                                 // groups, memberOf
	WriteGroups                                // create and change groups
	DeleteGroups                               // delete groups
	WriteGroupMembers                          // add and remove group members
	AssignAppRoles                             // app role assignments (application permissions, user assignment)
	ReadPolicies                               // claims mapping and token lifetime policies
	WritePolicies                              // create, change and delete policies
	ReadPermissionGrants                       // oauth2PermissionGrants
	WritePermissionGrants                      // create, change and delete oauth2PermissionGrants
	ReadRoles                                  // directory roles and their assignments
	WriteRoles                                 // assign and remove directory roles
	RevokeSessions                             // users/{id}/revokeSignInSessions
)

// permission is one operation's rule: an app-only caller needs one of app;
// a delegated caller needs one of delegated (or Directory.AccessAsUser.All)
// and, when roles is set, one of those directory roles.
type permission struct {
	name      string
	app       []string
	delegated []string
	roles     []string
	write     bool
}

var (
	appAdmins   = []string{directory.RoleGlobalAdministrator, directory.RoleApplicationAdministrator, directory.RoleCloudApplicationAdministrator}
	userAdmins  = []string{directory.RoleGlobalAdministrator, directory.RoleUserAdministrator}
	groupAdmins = []string{directory.RoleGlobalAdministrator, directory.RoleUserAdministrator, directory.RoleGroupsAdministrator}
	// Entra: Cloud Application and Application Administrators may consent
	// to any delegated permission and to application permissions of APIs
	// other than Microsoft Graph; Graph's application permissions need a
	// Privileged Role Administrator (authorizeAppRoleGrant).
	consentAdmins = []string{directory.RoleGlobalAdministrator, directory.RolePrivilegedRoleAdministrator,
		directory.RoleApplicationAdministrator, directory.RoleCloudApplicationAdministrator}
	roleAdmins = []string{directory.RoleGlobalAdministrator, directory.RolePrivilegedRoleAdministrator}
)

var permissions = map[Operation]permission{
	ReadApplications: {name: "read applications",
		app:       []string{"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All", "Directory.ReadWrite.All"},
		delegated: []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"}},
	WriteApplications: {name: "change applications", write: true, roles: appAdmins,
		app: []string{"Application.ReadWrite.All"}, delegated: []string{"Application.ReadWrite.All"}},
	ReadUsers: {name: "read users",
		app:       []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		delegated: []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}},
	WriteUsers: {name: "change users", write: true, roles: userAdmins,
		app: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"}, delegated: []string{"User.ReadWrite.All"}},
	// Entra: Directory.ReadWrite.All does not delete users or groups.
	DeleteUsers: {name: "delete users", write: true, roles: userAdmins,
		app: []string{"User.ReadWrite.All"}, delegated: []string{"User.ReadWrite.All"}},
	ReadGroups: {name: "read groups",
		app:       []string{"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "GroupMember.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		delegated: []string{"Group.Read.All", "Directory.Read.All"}},
	WriteGroups: {name: "change groups", write: true, roles: groupAdmins,
		app: []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"}, delegated: []string{"Group.ReadWrite.All"}},
	DeleteGroups: {name: "delete groups", write: true, roles: groupAdmins,
		app: []string{"Group.ReadWrite.All"}, delegated: []string{"Group.ReadWrite.All"}},
	WriteGroupMembers: {name: "change group members", write: true, roles: groupAdmins,
		app:       []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"},
		delegated: []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All"}},
	AssignAppRoles: {name: "assign app roles", write: true, roles: consentAdmins,
		app: []string{"AppRoleAssignment.ReadWrite.All"}, delegated: []string{"AppRoleAssignment.ReadWrite.All"}},
	ReadPolicies: {name: "read policies",
		app:       []string{"Policy.Read.All", "Policy.ReadWrite.ApplicationConfiguration"},
		delegated: []string{"Policy.Read.All", "Policy.ReadWrite.ApplicationConfiguration"}},
	WritePolicies: {name: "change policies", write: true, roles: appAdmins,
		app: []string{"Policy.ReadWrite.ApplicationConfiguration"}, delegated: []string{"Policy.ReadWrite.ApplicationConfiguration"}},
	ReadPermissionGrants: {name: "read permission grants",
		app:       []string{"DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		delegated: []string{"DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All"}},
	WritePermissionGrants: {name: "grant delegated permissions", write: true, roles: consentAdmins,
		app: []string{"DelegatedPermissionGrant.ReadWrite.All"}, delegated: []string{"DelegatedPermissionGrant.ReadWrite.All"}},
	ReadRoles: {name: "read directory roles",
		app:       []string{"RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All", "Directory.ReadWrite.All"},
		delegated: []string{"RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All"}},
	WriteRoles: {name: "assign directory roles", write: true, roles: roleAdmins,
		app: []string{"RoleManagement.ReadWrite.Directory"}, delegated: []string{"RoleManagement.ReadWrite.Directory"}},
	RevokeSessions: {name: "revoke sign-in sessions", write: true, roles: userAdmins,
		app: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"}, delegated: []string{"User.ReadWrite.All"}},
}

// Allowed reports whether a may perform every one of ops. It is the pure
// decision, for pages that decide what to offer; Authorize is the check
// that also records refusals.
func Allowed(a Actor, ops ...Operation) bool {
	for _, op := range ops {
		if p, ok := permissions[op]; !ok || !allowed(a, p) {
			return false
		}
	}
	return true
}

func allowed(a Actor, p permission) bool {
	switch a.Kind {
	case ActorSystem:
		return true
	case ActorApp:
		return overlaps(a.AppPermissions, p.app)
	case ActorUser:
		if a.User == nil || !a.User.AccountEnabled {
			return false
		}
		if !overlaps(a.Scopes, p.delegated) && !slices.Contains(a.Scopes, "Directory.AccessAsUser.All") {
			return false
		}
		return p.roles == nil || a.HasRole(p.roles...)
	}
	return false
}

// Authorize checks that a may perform every one of ops. A refused write
// operation is recorded in the audit log (a.Request names the call).
func (r *Registry) Authorize(ctx context.Context, a Actor, ops ...Operation) error {
	err := check(a, ops...)
	if err != nil {
		for _, op := range ops {
			if p := permissions[op]; p.write && !allowed(a, p) {
				r.record(ctx, a, "Refused: "+p.name, nil, err)
				break
			}
		}
	}
	return err
}

// check is Authorize without the audit record, for the registry's own
// methods, which record the change they refuse.
func check(a Actor, ops ...Operation) error {
	for _, op := range ops {
		p, ok := permissions[op]
		if !ok || !allowed(a, p) {
			return deny("The caller may not %s.", p.name)
		}
	}
	return nil
}

func overlaps(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// authorizeFirstParty refuses changes to a first-party application or its
// service principal (Microsoft Graph, the admin centre) by anyone but
// Gatehouse itself (security review F3, S3).
func authorizeFirstParty(a Actor, appID string) error {
	if directory.IsFirstPartyApp(appID) && a.Kind != ActorSystem {
		return deny("The application %s is a first-party application: it cannot be changed, deleted or given policies.", appID)
	}
	return nil
}

// authorizeAppRoleGrant applies the rule for granting an app role of
// resource: Microsoft Graph's application permissions need a Global or
// Privileged Role Administrator when a user grants them.
func authorizeAppRoleGrant(a Actor, resource *directory.ServicePrincipal) error {
	if a.Kind == ActorUser && resource.AppID == directory.GraphAppID && !a.HasRole(roleAdmins...) {
		return deny("Granting Microsoft Graph application permissions needs the Global Administrator or Privileged Role Administrator role.")
	}
	return nil
}

// privileged reports whether a principal's roles make it a protected
// account: Entra lets a User Administrator reset only users without an
// administrative role, and Gatehouse protects holders of every role alike.
func privileged(roles []string) bool { return len(roles) > 0 }
