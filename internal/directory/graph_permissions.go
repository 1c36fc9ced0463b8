package directory

import "strings"

// Microsoft Graph is a first-party resource that exists in every Entra
// tenant as a service principal with this well-known appId.
const (
	GraphAppID       = "00000003-0000-0000-c000-000000000000"
	GraphIdentifier  = "https://graph.microsoft.com"
	GraphDisplayName = "Microsoft Graph"
	// MicrosoftTenantID owns first-party apps (appOwnerOrganizationId).
	MicrosoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
)

// Directory role template ids (the same in every Entra tenant).
const (
	RoleGlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	RoleApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	RoleCloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
	RoleUserAdministrator             = "fe930be7-5e62-47db-91af-98c3a49a38b1"
	RolePrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	RoleGroupsAdministrator           = "fdd7a751-b60b-444a-984c-02652fe8fa1c"
	RoleGlobalReader                  = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	RoleDirectoryReaders              = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
)

// GraphAppRoles are Microsoft Graph's application permissions, with the
// permission ids Graph itself uses, so requiredResourceAccess entries copied
// from a real tenant's manifest resolve here too.
var graphAppRoles = []AppRole{
	graphRole("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications"),
	graphRole("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications"),
	graphRole("18a4783c-866b-4cc7-a460-3d5e5662c884", "Application.ReadWrite.OwnedBy", "Manage apps that this app creates or owns"),
	graphRole("06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", "Manage app permission grants and app role assignments"),
	graphRole("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"),
	graphRole("741f803b-c850-494e-b5df-cde7c675a1ca", "User.ReadWrite.All", "Read and write all users' full profiles"),
	graphRole("5b567255-7703-4780-807c-7be8301ae99b", "Group.Read.All", "Read all groups"),
	graphRole("62a82d76-70ea-41e2-9197-370581804d09", "Group.ReadWrite.All", "Read and write all groups"),
	graphRole("98830695-27a2-44f7-8c18-0c3ebc9698f6", "GroupMember.Read.All", "Read all group memberships"),
	graphRole("dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "GroupMember.ReadWrite.All", "Read and write all group memberships"),
	graphRole("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"),
	graphRole("19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", "Read and write directory data"),
	graphRole("246dd0d5-5bd0-4def-940b-0421030a5b68", "Policy.Read.All", "Read your organization's policies"),
	graphRole("be74164b-cff1-491c-8741-e671cb536e13", "Policy.ReadWrite.ApplicationConfiguration", "Read and write your organization's application configuration policies"),
	graphRole("8e8e4742-1d95-4f68-9d56-6ee75648c72a", "DelegatedPermissionGrant.ReadWrite.All", "Manage all delegated permission grants"),
	graphRole("483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "RoleManagement.Read.Directory", "Read all directory RBAC settings"),
	graphRole("9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", "RoleManagement.ReadWrite.Directory", "Read and write all directory RBAC settings"),
}

// graphScopes are Microsoft Graph's delegated permissions.
var graphScopes = []PermissionScope{
	{ID: "37f7f235-527c-4136-accd-4a02d197296e", Value: "openid", Type: "User", IsEnabled: true},
	{ID: "14dad69e-099b-42c9-810b-d002981feec1", Value: "profile", Type: "User", IsEnabled: true},
	{ID: "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", Value: "email", Type: "User", IsEnabled: true},
	{ID: "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", Value: "offline_access", Type: "User", IsEnabled: true},
	{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Value: "User.Read", Type: "User", IsEnabled: true},
	{ID: "a154be20-db9c-4678-8ab7-66f6cc099a59", Value: "User.Read.All", Type: "Admin", IsEnabled: true},
	{ID: "204e0828-b5ca-4ad8-b9f3-f32a958e7cc4", Value: "User.ReadWrite.All", Type: "Admin", IsEnabled: true},
	{ID: "c79f8feb-a9db-4090-85f9-90d820caa0eb", Value: "Application.Read.All", Type: "Admin", IsEnabled: true},
	{ID: "bdfbf15f-ee85-4955-8675-146e8e5296b5", Value: "Application.ReadWrite.All", Type: "Admin", IsEnabled: true},
	{ID: "5f8c59db-677d-491f-a6b8-5f174b11ec1d", Value: "Group.Read.All", Type: "Admin", IsEnabled: true},
	{ID: "06da0dbc-49e2-44d2-8312-53f166ab848a", Value: "Directory.Read.All", Type: "Admin", IsEnabled: true},
	{ID: "0e263e50-5827-48a4-b97c-d940288653c7", Value: "Directory.AccessAsUser.All", Type: "Admin", IsEnabled: true},
	{ID: "572fea84-0151-49b2-9301-11cb16974376", Value: "Policy.Read.All", Type: "Admin", IsEnabled: true},
	{ID: "b27add92-efb2-4f16-84f5-8108ba77985c", Value: "Policy.ReadWrite.ApplicationConfiguration", Type: "Admin", IsEnabled: true},
	{ID: "41ce6ca6-6826-4807-84f1-1c82854f7ee5", Value: "DelegatedPermissionGrant.ReadWrite.All", Type: "Admin", IsEnabled: true},
	{ID: "741c54c3-0c1e-44a1-818b-3f97ab4e8c83", Value: "RoleManagement.Read.Directory", Type: "Admin", IsEnabled: true},
	{ID: "d01b97e9-cbc0-49fe-810a-750afd5527a3", Value: "RoleManagement.ReadWrite.Directory", Type: "Admin", IsEnabled: true},
}

func graphRole(id, value, name string) AppRole {
	return AppRole{ID: id, Value: value, DisplayName: name, Description: "Allows the app to " + lowerFirst(name) + " without a signed-in user.",
		AllowedMemberTypes: []string{"Application"}, IsEnabled: true}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// GraphAppRoles returns a copy of Microsoft Graph's application permissions.
func GraphAppRoles() []AppRole { return append([]AppRole(nil), graphAppRoles...) }

// GraphScopes returns a copy of Microsoft Graph's delegated permissions.
func GraphScopes() []PermissionScope { return append([]PermissionScope(nil), graphScopes...) }

// GraphAppRoleByValue finds a Graph application permission by its value
// (for example "User.ReadWrite.All").
func GraphAppRoleByValue(value string) (AppRole, bool) {
	for _, r := range graphAppRoles {
		if r.Value == value {
			return r, true
		}
	}
	return AppRole{}, false
}

// GraphScopeByValue finds a Graph delegated permission by its value; the
// zero value when there is none.
func GraphScopeByValue(value string) PermissionScope {
	for _, s := range graphScopes {
		if s.Value == value {
			return s
		}
	}
	return PermissionScope{}
}

// NewGraphServicePrincipal returns the built-in Microsoft Graph resource
// service principal for a tenant, with the given object id.
func NewGraphServicePrincipal(tenantID, id string) ServicePrincipal {
	return ServicePrincipal{
		TenantID:               tenantID,
		ID:                     id,
		AppID:                  GraphAppID,
		DisplayName:            GraphDisplayName,
		AppOwnerOrganizationID: MicrosoftTenantID,
		ServicePrincipalNames:  []string{GraphAppID, GraphIdentifier, "https://graph.microsoft.com/", "https://canary.graph.microsoft.com"},
		AppRoles:               GraphAppRoles(),
		OAuth2PermissionScopes: GraphScopes(),
		AccountEnabled:         true,
	}
}

// AdminCentreAppID is the client id of Gatehouse's admin centre, the same
// in every tenant. Like the Entra admin centre it is a first-party client:
// tenant administrators use it but cannot change, delete or re-policy it,
// so no app administrator can lock the others out (security review S3).
const AdminCentreAppID = "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"

// IsFirstPartyApp reports whether appID is a first-party application
// (Microsoft Graph, the admin centre): its registration and service
// principal are managed by Gatehouse itself, never through Graph, and no
// policy may be assigned to them.
func IsFirstPartyApp(appID string) bool {
	return strings.EqualFold(appID, GraphAppID) || strings.EqualFold(appID, AdminCentreAppID)
}

// NormalizeResourceName is the form in which identifier URIs and service
// principal names are compared and kept unique: lower case, without
// trailing slashes. Entra matches them case-insensitively and treats
// "https://api.example" and "https://api.example/" as one resource.
func NormalizeResourceName(name string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(name), "/"))
}
