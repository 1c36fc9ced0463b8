package storetest

import (
	"context"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// versionStep is one call of a directory version test, made on a store that
// holds what the steps before it created.
type versionStep struct {
	name string
	call func(s store.Store, ctx context.Context) error
	// fails is true for a call that must fail (conflict, missing object,
	// aborted or rejected update): it must leave the version alone.
	fails bool
}

func directoryVersion(t *testing.T, s store.Store, ctx context.Context) int64 {
	t.Helper()
	v, err := s.DirectoryVersion(ctx)
	must(t, err, "DirectoryVersion()")
	return v
}

// testDirectoryVersion checks the rule of package store: every directory
// write that succeeds increments the version; reads, writes of security
// state and signing keys, and directory writes that fail leave it alone.
// Caches of directory reads depend on it to notice other replicas' writes.
func testDirectoryVersion(t *testing.T, open opener) {
	t.Run("DirectoryWritesIncrement", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		// Each step runs on what the previous ones created, so together
		// they reach every kind of directory write.
		for _, step := range directoryWrites() {
			before := directoryVersion(t, s, ctx)
			err := step.call(s, ctx)
			after := directoryVersion(t, s, ctx)
			if step.fails {
				mustFail(t, err, "%s", step.name)
				if after != before {
					t.Fatalf("DirectoryVersion() after the failed %s = %d, want %d (unchanged)", step.name, after, before)
				}
				continue
			}
			must(t, err, "%s", step.name)
			if after <= before {
				t.Fatalf("DirectoryVersion() after %s = %d, want more than %d", step.name, after, before)
			}
		}
	})

	t.Run("ReadsAndGrantWritesKeepIt", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com")), "CreateTenant(%q)", tenantA)
		must(t, s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com")), "CreateUser(%q)", "u1")
		for _, step := range otherCalls() {
			before := directoryVersion(t, s, ctx)
			must(t, step.call(s, ctx), "%s", step.name)
			if after := directoryVersion(t, s, ctx); after != before {
				t.Fatalf("DirectoryVersion() after %s = %d, want %d (unchanged)", step.name, after, before)
			}
		}
	})
}

// directoryWrites is every kind of directory write, in an order where each
// finds what it needs; the failing ones sit where their object exists (or,
// for "missing", does not).
func directoryWrites() []versionStep {
	return []versionStep{
		{name: "CreateTenant", call: func(s store.Store, ctx context.Context) error {
			return s.CreateTenant(ctx, newTenant(tenantA, "contoso.onmicrosoft.com"))
		}},
		{name: "CreateTenant of a taken id", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.CreateTenant(ctx, newTenant(tenantA, "other.onmicrosoft.com"))
		}},

		{name: "CreateApplication", call: func(s store.Store, ctx context.Context) error {
			return s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1"))
		}},
		{name: "UpdateApplication", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
				a.DisplayName += " (edited)"
				return nil
			}))
		}},
		{name: "UpdateApplication with an aborting closure", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
				a.DisplayName = "aborted"
				return errAbort
			}))
		}},
		{name: "UpdateApplication changing the id", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateApplication(ctx, tenantA, "app-1", func(a *directory.Application) error {
				a.ID = "app-2"
				return nil
			}))
		}},
		{name: "UpdateApplication of a missing application", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateApplication(ctx, tenantA, "missing", func(*directory.Application) error { return nil }))
		}},

		{name: "CreateServicePrincipal", call: func(s store.Store, ctx context.Context) error {
			return s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1"))
		}},
		{name: "CreateServicePrincipal of a taken appId", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-2", "client-1"))
		}},
		{name: "UpdateServicePrincipal", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateServicePrincipal(ctx, tenantA, "sp-1", func(sp *directory.ServicePrincipal) error {
				sp.AccountEnabled = false
				return nil
			}))
		}},
		{name: "UpdateServicePrincipal with an aborting closure", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateServicePrincipal(ctx, tenantA, "sp-1", func(sp *directory.ServicePrincipal) error {
				sp.AccountEnabled = true
				return errAbort
			}))
		}},

		{name: "CreateUser", call: func(s store.Store, ctx context.Context) error {
			return s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com"))
		}},
		{name: "UpdateUser", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateUser(ctx, tenantA, "u1", func(u *directory.User) error {
				u.AccountEnabled = false
				return nil
			}))
		}},
		{name: "UpdateUser with an aborting closure", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateUser(ctx, tenantA, "u1", func(u *directory.User) error {
				u.AccountEnabled = true
				return errAbort
			}))
		}},

		{name: "CreateGroup", call: func(s store.Store, ctx context.Context) error {
			return s.CreateGroup(ctx, newGroup(tenantA, "g1"))
		}},
		{name: "UpdateGroup", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateGroup(ctx, tenantA, "g1", func(g *directory.Group) error {
				g.DisplayName += " (edited)"
				return nil
			}))
		}},
		{name: "UpdateGroup with an aborting closure", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateGroup(ctx, tenantA, "g1", func(g *directory.Group) error { return errAbort }))
		}},
		{name: "AddGroupMember", call: func(s store.Store, ctx context.Context) error {
			return s.AddGroupMember(ctx, tenantA, "g1", "u1")
		}},
		{name: "AddGroupMember again", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.AddGroupMember(ctx, tenantA, "g1", "u1")
		}},
		{name: "AddGroupMember to a missing group", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.AddGroupMember(ctx, tenantA, "missing", "u1")
		}},
		{name: "RemoveGroupMember", call: func(s store.Store, ctx context.Context) error {
			return s.RemoveGroupMember(ctx, tenantA, "g1", "u1")
		}},
		{name: "RemoveGroupMember of a non-member", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.RemoveGroupMember(ctx, tenantA, "g1", "u1")
		}},

		{name: "CreateAppRoleAssignment", call: func(s store.Store, ctx context.Context) error {
			return s.CreateAppRoleAssignment(ctx, newAssignment(tenantA, "a1", "u1", "sp-1", "role-1"))
		}},
		{name: "CreateAppRoleAssignment again", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.CreateAppRoleAssignment(ctx, newAssignment(tenantA, "a2", "u1", "sp-1", "role-1"))
		}},
		{name: "DeleteAppRoleAssignment", call: func(s store.Store, ctx context.Context) error {
			return s.DeleteAppRoleAssignment(ctx, tenantA, "a1")
		}},
		{name: "DeleteAppRoleAssignment of a missing assignment", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.DeleteAppRoleAssignment(ctx, tenantA, "a1")
		}},

		{name: "CreateExtensionProperty", call: func(s store.Store, ctx context.Context) error {
			return s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter))
		}},
		{name: "CreateExtensionProperty of a taken name", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.CreateExtensionProperty(ctx, newExtensionProperty(tenantA, "ext-2", "app-1", extCostCenter))
		}},
		{name: "DeleteExtensionProperty", call: func(s store.Store, ctx context.Context) error {
			return s.DeleteExtensionProperty(ctx, tenantA, "ext-1")
		}},

		{name: "CreatePolicy", call: func(s store.Store, ctx context.Context) error {
			return s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", directory.PolicyTokenLifetime))
		}},
		{name: "UpdatePolicy", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdatePolicy(ctx, tenantA, "p-1", func(p *directory.Policy) error {
				p.IsOrganizationDefault = true
				return nil
			}))
		}},
		{name: "UpdatePolicy changing the kind", fails: true, call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdatePolicy(ctx, tenantA, "p-1", func(p *directory.Policy) error {
				p.Kind = directory.PolicyClaimsMapping
				return nil
			}))
		}},
		{name: "CreatePolicyAssignment", call: func(s store.Store, ctx context.Context) error {
			return s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantA, "p-1", directory.PolicyTokenLifetime, "sp-1", "servicePrincipal"))
		}},
		{name: "CreatePolicyAssignment of the wrong kind", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantA, "p-1", directory.PolicyClaimsMapping, "app-1", "application"))
		}},
		{name: "DeletePolicyAssignment", call: func(s store.Store, ctx context.Context) error {
			return s.DeletePolicyAssignment(ctx, tenantA, "p-1", "sp-1")
		}},
		{name: "DeletePolicy", call: func(s store.Store, ctx context.Context) error {
			return s.DeletePolicy(ctx, tenantA, "p-1")
		}},
		{name: "DeletePolicy of a missing policy", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.DeletePolicy(ctx, tenantA, "p-1")
		}},

		{name: "DeleteGroup", call: func(s store.Store, ctx context.Context) error {
			return s.DeleteGroup(ctx, tenantA, "g1")
		}},
		{name: "DeleteUser", call: func(s store.Store, ctx context.Context) error {
			return s.DeleteUser(ctx, tenantA, "u1")
		}},
		{name: "DeleteUser of a missing user", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.DeleteUser(ctx, tenantA, "u1")
		}},
		{name: "DeleteServicePrincipal", call: func(s store.Store, ctx context.Context) error {
			return s.DeleteServicePrincipal(ctx, tenantA, "sp-1")
		}},
		{name: "DeleteApplication", call: func(s store.Store, ctx context.Context) error {
			return s.DeleteApplication(ctx, tenantA, "app-1")
		}},
		{name: "DeleteApplication of a missing application", fails: true, call: func(s store.Store, ctx context.Context) error {
			return s.DeleteApplication(ctx, tenantA, "app-1")
		}},
	}
}

// otherCalls are directory reads and writes of security state, signing keys
// and the portal's state, none of which may change the directory version.
func otherCalls() []versionStep {
	exp := live()
	return append([]versionStep{
		{name: "GetTenant", call: func(s store.Store, ctx context.Context) error { return second(s.GetTenant(ctx, tenantA)) }},
		{name: "ListUsers", call: func(s store.Store, ctx context.Context) error { return second(s.ListUsers(ctx, tenantA)) }},
		{name: "ListMemberOf", call: func(s store.Store, ctx context.Context) error { return second(s.ListMemberOf(ctx, tenantA, "u1")) }},

		{name: "CreateAuthRequest", call: func(s store.Store, ctx context.Context) error {
			return s.CreateAuthRequest(ctx, newAuthRequest("req-1", exp))
		}},
		{name: "DeleteAuthRequest", call: func(s store.Store, ctx context.Context) error { return s.DeleteAuthRequest(ctx, "req-1") }},
		{name: "CreateAuthCode", call: func(s store.Store, ctx context.Context) error {
			return s.CreateAuthCode(ctx, newAuthCode("code-1", exp))
		}},
		{name: "UpdateAuthCode", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateAuthCode(ctx, "code-1", func(c *grant.AuthCode) error {
				used := created
				c.UsedAt = &used
				return nil
			}))
		}},
		{name: "CreateRefreshToken", call: func(s store.Store, ctx context.Context) error {
			return s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-1", "session-1", exp))
		}},
		{name: "UpdateRefreshToken", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateRefreshToken(ctx, "rt-1", func(r *grant.RefreshToken) error {
				rotated := created
				r.RotatedAt = &rotated
				return nil
			}))
		}},
		{name: "DeleteRefreshTokensBySession", call: func(s store.Store, ctx context.Context) error {
			return second(s.DeleteRefreshTokensBySession(ctx, "session-1"))
		}},
		{name: "DeleteRefreshFamily", call: func(s store.Store, ctx context.Context) error {
			return second(s.DeleteRefreshFamily(ctx, "family-1", exp))
		}},
		{name: "CreateDeviceCode", call: func(s store.Store, ctx context.Context) error {
			return s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", exp))
		}},
		{name: "UpdateDeviceCode", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateDeviceCode(ctx, "dc-1", func(d *grant.DeviceCode) error {
				d.Status = grant.DeviceApproved
				return nil
			}))
		}},
		{name: "UpdateDeviceCodeByUserCode", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateDeviceCodeByUserCode(ctx, "BCDF-GHJK", func(d *grant.DeviceCode) error {
				d.UserID = "u1"
				return nil
			}))
		}},
		{name: "CreateSession", call: func(s store.Store, ctx context.Context) error {
			return s.CreateSession(ctx, newSession("sess-1", exp))
		}},
		{name: "DeleteSession", call: func(s store.Store, ctx context.Context) error { return s.DeleteSession(ctx, "sess-1") }},
		{name: "CreateSigningKey", call: func(s store.Store, ctx context.Context) error {
			return s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyNext, created))
		}},
		{name: "UpdateSigningKey", call: func(s store.Store, ctx context.Context) error {
			return second(s.UpdateSigningKey(ctx, "kid-1", func(k *store.SigningKey) error {
				k.State = store.KeyActive
				return nil
			}))
		}},
		{name: "DeleteSigningKey", call: func(s store.Store, ctx context.Context) error { return s.DeleteSigningKey(ctx, "kid-1") }},
		{name: "DeleteExpired", call: func(s store.Store, ctx context.Context) error {
			return second(s.DeleteExpired(ctx, created.AddDate(100, 0, 0)))
		}},
	}, append(portalCalls(),
		versionStep{name: "CreateAuditRecord", call: func(s store.Store, ctx context.Context) error {
			return s.CreateAuditRecord(ctx, newAuditRecord(tenantA, "audit-1", created, "u1"))
		}},
		versionStep{name: "ListAuditRecords", call: func(s store.Store, ctx context.Context) error {
			return second(s.ListAuditRecords(ctx, tenantA, "", 0))
		}},
	)...)
}
