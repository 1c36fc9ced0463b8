// Package registry is the one write path for directory objects: creating
// tenants (with their Microsoft Graph service principal), registering
// applications (with their service principal, as the Entra portal does),
// client secrets, admin consent, users, groups and memberships. It applies
// package directory's validation before every write. It also answers the
// lookups the token service needs (tenant by path segment, resource by
// identifier, consented roles, a user's groups).
//
// Graph, the admin centre and the dev seed all go through it, so every rule
// holds everywhere.
package registry
