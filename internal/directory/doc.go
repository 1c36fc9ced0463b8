// Package directory holds Gatehouse's directory model: tenants, applications,
// service principals, users, groups, app role assignments, and the rules
// Microsoft Entra ID applies to them (names, limits, allowed values).
//
// The types follow the Microsoft Graph v1.0 resource shapes (application,
// servicePrincipal, user, group, appRoleAssignment) so that the Graph API can
// render them without translation. The package is pure: it never touches
// storage or HTTP. Writers go through package registry, readers through the
// store interface.
package directory
