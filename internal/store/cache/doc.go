// Package cache keeps the directory reads of the token path in memory, in
// front of any store.Store backend.
//
// Issuing a token reads the same few directory objects every time: the
// tenant, the client's application and service principal, the resource's
// service principal, the client's app role assignments and the policies
// assigned to them. Decoding them from the backend cost more than a fifth
// of a token's CPU time beside its RS256 signature (docs/PERFORMANCE.md).
// New wraps a backend so that these reads, keyed by method and arguments,
// are answered from memory, not-found answers included:
//
//	GetTenant, GetTenantByDomain, GetApplicationByAppID,
//	GetServicePrincipal, GetServicePrincipalByAppID, GetUser,
//	ListAppRoleAssignmentsByPrincipal, ListAppRoleAssignmentsByResource,
//	ListMemberOf, ListExtensionProperties, GetPolicy, ListPolicies,
//	ListPolicyAssignmentsByObject, ResourceOwner, ListPermissionGrants,
//	ListRoleAssignments
//
// Every other method passes straight through, so security state (codes,
// refresh tokens, sessions), the portal's sign-ins, sessions and settings,
// and signing keys are never cached.
//
// # Staying correct across replicas
//
// The backend stays the source of truth. Cached answers belong to a
// generation; an entry of an older generation is never served.
//
//   - A directory write through the wrapper starts a new generation when it
//     returns, so the process that wrote sees its write at once.
//   - Writes made elsewhere (another replica or process on the same
//     database, another wrapper) increment the backend's DirectoryVersion.
//     A cached read re-reads it when the refresh interval
//     (WithRefreshInterval, default 250 ms) has passed since the last time,
//     and a changed version starts a new generation.
//
// The staleness bound: a read reflects every directory write made through
// the same wrapper before the read began, and every directory write
// committed elsewhere at least the refresh interval before the read began.
// In between, another replica's change (a removed client secret, a disabled
// service principal, a withdrawn app role assignment) may still be served
// for up to the refresh interval. With WithRefreshInterval(0) every cached read
// checks the version first, and the bound is zero.
//
// # Contract
//
// The wrapper keeps the contract of package store: every object it returns
// is a deep copy (the Clone methods of package directory), so callers may
// change what they get; failures of the backend are never cached; reading
// the version fails the read rather than serving an answer it cannot vouch
// for. It holds at most DefaultMaxEntries answers (WithMaxEntries) and
// drops them all when full; a new generation drops the old one's.
// It is safe for concurrent use and holds no lock while it calls the
// backend.
package cache
