package directory

import "strings"

// RoleDefinition is a built-in directory role (Graph
// unifiedRoleDefinition). Gatehouse has the built-in roles that decide
// what can be done to the objects it models; their ids are Entra's role
// template ids, the same in every tenant.
type RoleDefinition struct {
	ID          string
	DisplayName string
	Description string
	// IsPrivileged marks Entra's privileged roles: their holders are
	// protected accounts (only a Global Administrator resets them), and
	// only a Privileged Role Administrator or Global Administrator assigns
	// them.
	IsPrivileged bool
}

var roleDefinitions = []RoleDefinition{
	{RoleGlobalAdministrator, "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.", true},
	{RolePrivilegedRoleAdministrator, "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.", true},
	{RoleApplicationAdministrator, "Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps.", true},
	{RoleCloudApplicationAdministrator, "Cloud Application Administrator", "Can create and manage all aspects of app registrations and enterprise apps except App Proxy.", true},
	{RoleUserAdministrator, "User Administrator", "Can manage all aspects of users and groups, including resetting passwords for limited admins.", true},
	{RoleGroupsAdministrator, "Groups Administrator", "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.", false},
	{RoleGlobalReader, "Global Reader", "Can read everything that a Global Administrator can, but not update anything.", true},
	{RoleDirectoryReaders, "Directory Readers", "Can read basic directory information. Commonly used to grant directory read access to applications and guests.", false},
}

// RoleDefinitions returns the built-in directory roles.
func RoleDefinitions() []RoleDefinition { return append([]RoleDefinition(nil), roleDefinitions...) }

// RoleDefinitionByID finds a built-in role by its template id.
func RoleDefinitionByID(id string) (RoleDefinition, bool) {
	for _, d := range roleDefinitions {
		if strings.EqualFold(d.ID, id) {
			return d, true
		}
	}
	return RoleDefinition{}, false
}
