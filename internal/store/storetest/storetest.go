// Package storetest is the conformance suite for store.Store backends. A
// backend's test calls Run with a function that opens a fresh, empty store:
// every subtest opens its own, so no test sees another's data.
//
// Beyond the rules written in package store, the suite pins down what every
// backend must agree on so that callers can rely on it:
//   - Returned objects are copies: mutating one (or the value passed to
//     Create, or the value an update closure received, after the update
//     returned) never changes what is stored.
//   - Deletes of a missing object return ErrNotFound; for security state an
//     expired object counts as missing. DeletePortalSession is the
//     exception: a missing or expired portal session is deleted without
//     error (store.Portal).
//   - An update closure that changes the object's key (tenant id, id, hash,
//     kid, a portal sign-in's state hash, portal settings' issuer and
//     subject) or a policy's kind is rejected with an error and nothing is
//     written.
//   - Deleting a user, group or service principal removes its group
//     memberships and the app role assignments it holds; deleting a service
//     principal also removes the assignments of its app roles; deleting an
//     application leaves its service principals alone (Entra).
//   - Deleting an application removes the extension properties it owns and
//     the policy assignments naming it; deleting a service principal removes
//     the policy assignments naming it. Users keep extension values whose
//     definition is gone (Entra keeps them, invisible).
//   - CreatePolicyAssignment is ErrNotFound unless the tenant holds a policy
//     with the assignment's PolicyID and PolicyKind.
//   - ListGroupMembers of a missing group is ErrNotFound; the other lists of
//     unknown owners are empty, never nil. Lists are compared as sets, except
//     that extension properties and policies come in creation order: the
//     order of the Create calls, whatever their CreatedAt.
//   - Refresh tokens with an empty family or session id are never matched by
//     DeleteRefreshFamily or DeleteRefreshTokensBySession.
//   - A device code's user code is free again once the code has expired.
//   - Portal settings are created by their first UpdatePortalSettings, keyed
//     by (issuer, subject) with any strings, the empty issuer included, and
//     never expire.
//   - Audit records are listed newest first, records of equal times in
//     reverse order of their Create calls; by object, a record is listed once
//     however many of its targets name the object. They never expire.
//   - Identifier URIs and service principal names are unique per tenant
//     after directory.NormalizeResourceName: an application and its own
//     service principal may share them, no two appIds may. Mail is unique
//     per tenant, case-insensitively; many users may have none.
//   - Deleting a user removes its Principal permission grants and role
//     assignments; deleting a service principal removes the grants naming
//     it as client or resource and its role assignments; deleting a group
//     removes its role assignments.
//   - A refresh token family revoked by DeleteRefreshFamily takes no new
//     tokens (ErrRevoked) until its mark expires.
//   - DirectoryVersion grows with every directory write that succeeds.
//     Directory writes that fail (conflict, missing object, aborting
//     closure, rejected key change), reads, and writes of security state
//     and signing keys leave it alone.
//
// Fixtures use UTC times with microsecond precision, so a backend that keeps
// times in native columns (PostgreSQL timestamptz) round-trips them exactly.
package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// opener returns a fresh, empty store that is closed when the test ends.
type opener func(t *testing.T) store.Store

// Run runs the conformance suite. open must return a new, empty store each
// time it is called; Run closes every store it opens.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	fresh := func(t *testing.T) store.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close() = %v, want nil", err)
			}
		})
		return s
	}
	suite := []struct {
		name string
		run  func(t *testing.T, open opener)
	}{
		{"Tenants", testTenants},
		{"Applications", testApplications},
		{"ServicePrincipals", testServicePrincipals},
		{"Users", testUsers},
		{"Groups", testGroups},
		{"Memberships", testMemberships},
		{"AppRoleAssignments", testAppRoleAssignments},
		{"ExtensionProperties", testExtensionProperties},
		{"Policies", testPolicies},
		{"PolicyAssignments", testPolicyAssignments},
		{"TenantIsolation", testTenantIsolation},
		{"UpdateContract", testUpdateContract},
		{"Concurrency", testConcurrency},
		{"DirectoryVersion", testDirectoryVersion},
		{"Copies", testCopies},
		{"AuthRequests", testAuthRequests},
		{"AuthCodes", testAuthCodes},
		{"RefreshTokens", testRefreshTokens},
		{"DeviceCodes", testDeviceCodes},
		{"Sessions", testSessions},
		{"DeleteExpired", testDeleteExpired},
		{"SigningKeys", testSigningKeys},
		{"PortalLogins", testPortalLogins},
		{"PortalSessions", testPortalSessions},
		{"PortalSettings", testPortalSettings},
		{"PortalCopies", testPortalCopies},
		{"PortalDeleteExpired", testPortalDeleteExpired},
		{"AuditRecords", testAuditRecords},
		{"ResourceNames", testResourceNames},
		{"UserMail", testUserMail},
		{"PermissionGrants", testPermissionGrants},
		{"RoleAssignments", testRoleAssignments},
		{"RevokedRefreshFamilies", testRevokedFamilies},
	}
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, fresh) })
	}
}
