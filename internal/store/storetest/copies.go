package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// copyCheck checks that a store never shares memory with its callers: not
// with the value passed to Create, not with any value it returns, not with
// the value an update closure received. mutate reaches into nested slices,
// maps, pointers and bytes, where a shallow copy would still share.
type copyCheck[T any] struct {
	want   func() *T
	create func(s store.Store, ctx context.Context, v *T) error
	mutate func(*T)
	reads  []read[T]
}

// read is one way to read the stored value back.
type read[T any] struct {
	name string
	read func(s store.Store, ctx context.Context) (*T, error)
}

func (c copyCheck[T]) run(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		t.Run("CreateInput", func(t *testing.T) {
			s, ctx := open(t), t.Context()
			in := c.want()
			must(t, c.create(s, ctx, in), "create")
			c.mutate(in)
			for _, r := range c.reads {
				got, err := r.read(s, ctx)
				must(t, err, "%s", r.name)
				mustEqual(t, got, c.want(), "%s after the caller mutated the value it created", r.name)
			}
		})
		for _, r := range c.reads {
			t.Run(r.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, c.create(s, ctx, c.want()), "create")
				v, err := r.read(s, ctx)
				must(t, err, "%s", r.name)
				c.mutate(v)
				got, err := r.read(s, ctx)
				must(t, err, "%s", r.name)
				mustEqual(t, got, c.want(), "%s after the caller mutated what it returned", r.name)
			})
		}
	}
}

// updated returns the value an update method returned; kept returns the
// value its closure received, held on to after the update.
func updated[T any](update func(fn func(*T) error) (*T, error)) (*T, error) {
	return update(func(*T) error { return nil })
}

func kept[T any](update func(fn func(*T) error) (*T, error)) (*T, error) {
	var v *T
	_, err := update(func(in *T) error { v = in; return nil })
	return v, err
}

func testCopies(t *testing.T, open opener) {
	t.Run("Tenant", copyCheck[directory.Tenant]{
		want:   func() *directory.Tenant { return newTenant(tenantA, "contoso.onmicrosoft.com") },
		create: store.Store.CreateTenant,
		mutate: func(v *directory.Tenant) { v.DisplayName = "mutated"; v.PairwiseSalt[0] = 'X' },
		reads: []read[directory.Tenant]{
			{"GetTenant", func(s store.Store, ctx context.Context) (*directory.Tenant, error) { return s.GetTenant(ctx, tenantA) }},
			{"GetTenantByDomain", func(s store.Store, ctx context.Context) (*directory.Tenant, error) {
				return s.GetTenantByDomain(ctx, "contoso.onmicrosoft.com")
			}},
			{"ListTenants", func(s store.Store, ctx context.Context) (*directory.Tenant, error) { return only(s.ListTenants(ctx)) }},
		},
	}.run(open))

	updateApp := func(s store.Store, ctx context.Context) func(func(*directory.Application) error) (*directory.Application, error) {
		return func(fn func(*directory.Application) error) (*directory.Application, error) {
			return s.UpdateApplication(ctx, tenantA, "app-1", fn)
		}
	}
	t.Run("Application", copyCheck[directory.Application]{
		want:   func() *directory.Application { return newApplication(tenantA, "app-1", "client-1") },
		create: store.Store.CreateApplication,
		mutate: func(v *directory.Application) {
			v.Web.RedirectURIs[0] = "https://evil.example/"
			*v.API.RequestedAccessTokenVersion = 1
			*v.OptionalClaims.IDToken[0].Source = "mutated"
			v.PasswordCredentials[0].SecretHash[0] = 0xff
		},
		reads: []read[directory.Application]{
			{"GetApplication", func(s store.Store, ctx context.Context) (*directory.Application, error) {
				return s.GetApplication(ctx, tenantA, "app-1")
			}},
			{"GetApplicationByAppID", func(s store.Store, ctx context.Context) (*directory.Application, error) {
				return s.GetApplicationByAppID(ctx, tenantA, "client-1")
			}},
			{"ListApplications", func(s store.Store, ctx context.Context) (*directory.Application, error) {
				return only(s.ListApplications(ctx, tenantA))
			}},
			{"UpdateApplication result", func(s store.Store, ctx context.Context) (*directory.Application, error) {
				return updated(updateApp(s, ctx))
			}},
			{"UpdateApplication closure value", func(s store.Store, ctx context.Context) (*directory.Application, error) {
				return kept(updateApp(s, ctx))
			}},
		},
	}.run(open))

	t.Run("ServicePrincipal", copyCheck[directory.ServicePrincipal]{
		want:   func() *directory.ServicePrincipal { return newServicePrincipal(tenantA, "sp-1", "client-1") },
		create: store.Store.CreateServicePrincipal,
		mutate: func(v *directory.ServicePrincipal) {
			v.AppRoles[0].AllowedMemberTypes[0] = "mutated"
			v.ServicePrincipalNames[0] = "mutated"
		},
		reads: []read[directory.ServicePrincipal]{
			{"GetServicePrincipal", func(s store.Store, ctx context.Context) (*directory.ServicePrincipal, error) {
				return s.GetServicePrincipal(ctx, tenantA, "sp-1")
			}},
			{"GetServicePrincipalByAppID", func(s store.Store, ctx context.Context) (*directory.ServicePrincipal, error) {
				return s.GetServicePrincipalByAppID(ctx, tenantA, "client-1")
			}},
			{"ListServicePrincipals", func(s store.Store, ctx context.Context) (*directory.ServicePrincipal, error) {
				return only(s.ListServicePrincipals(ctx, tenantA))
			}},
			{"UpdateServicePrincipal result", func(s store.Store, ctx context.Context) (*directory.ServicePrincipal, error) {
				return s.UpdateServicePrincipal(ctx, tenantA, "sp-1", func(*directory.ServicePrincipal) error { return nil })
			}},
		},
	}.run(open))

	updateUser := func(s store.Store, ctx context.Context) func(func(*directory.User) error) (*directory.User, error) {
		return func(fn func(*directory.User) error) (*directory.User, error) {
			return s.UpdateUser(ctx, tenantA, "u1", fn)
		}
	}
	t.Run("User", copyCheck[directory.User]{
		want:   func() *directory.User { return newUser(tenantA, "u1", "alice@contoso.com") },
		create: store.Store.CreateUser,
		mutate: func(v *directory.User) {
			v.Extensions["extension_0123_costCenter"] = "mutated"
			v.DirectoryRoles[0] = "mutated"
		},
		reads: []read[directory.User]{
			{"GetUser", func(s store.Store, ctx context.Context) (*directory.User, error) {
				return s.GetUser(ctx, tenantA, "u1")
			}},
			{"GetUserByUPN", func(s store.Store, ctx context.Context) (*directory.User, error) {
				return s.GetUserByUPN(ctx, tenantA, "alice@contoso.com")
			}},
			{"ListUsers", func(s store.Store, ctx context.Context) (*directory.User, error) {
				return only(s.ListUsers(ctx, tenantA))
			}},
			{"UpdateUser result", func(s store.Store, ctx context.Context) (*directory.User, error) { return updated(updateUser(s, ctx)) }},
			{"UpdateUser closure value", func(s store.Store, ctx context.Context) (*directory.User, error) { return kept(updateUser(s, ctx)) }},
		},
	}.run(open))

	t.Run("Group", copyCheck[directory.Group]{
		want: func() *directory.Group { return newGroup(tenantA, "g1") },
		create: func(s store.Store, ctx context.Context, g *directory.Group) error {
			if err := s.CreateGroup(ctx, g); err != nil {
				return err
			}
			return s.AddGroupMember(ctx, tenantA, "g1", "u1")
		},
		mutate: func(v *directory.Group) { v.DisplayName = "mutated" },
		reads: []read[directory.Group]{
			{"GetGroup", func(s store.Store, ctx context.Context) (*directory.Group, error) {
				return s.GetGroup(ctx, tenantA, "g1")
			}},
			{"ListGroups", func(s store.Store, ctx context.Context) (*directory.Group, error) {
				return only(s.ListGroups(ctx, tenantA))
			}},
			{"ListMemberOf", func(s store.Store, ctx context.Context) (*directory.Group, error) {
				return only(s.ListMemberOf(ctx, tenantA, "u1"))
			}},
			{"UpdateGroup result", func(s store.Store, ctx context.Context) (*directory.Group, error) {
				return s.UpdateGroup(ctx, tenantA, "g1", func(*directory.Group) error { return nil })
			}},
		},
	}.run(open))

	t.Run("AppRoleAssignment", copyCheck[directory.AppRoleAssignment]{
		want:   func() *directory.AppRoleAssignment { return newAssignment(tenantA, "a1", "u1", "sp-1", "role-1") },
		create: store.Store.CreateAppRoleAssignment,
		mutate: func(v *directory.AppRoleAssignment) { v.AppRoleID = "mutated" },
		reads: []read[directory.AppRoleAssignment]{
			{"ListAppRoleAssignmentsByPrincipal", func(s store.Store, ctx context.Context) (*directory.AppRoleAssignment, error) {
				return only(s.ListAppRoleAssignmentsByPrincipal(ctx, tenantA, "u1"))
			}},
			{"ListAppRoleAssignmentsByResource", func(s store.Store, ctx context.Context) (*directory.AppRoleAssignment, error) {
				return only(s.ListAppRoleAssignmentsByResource(ctx, tenantA, "sp-1"))
			}},
		},
	}.run(open))

	testExtensionAndPolicyCopies(t, open)
	testGrantCopies(t, open)
}

func testExtensionAndPolicyCopies(t *testing.T, open opener) {
	t.Run("ExtensionProperty", copyCheck[directory.ExtensionProperty]{
		want: func() *directory.ExtensionProperty {
			return newExtensionProperty(tenantA, "ext-1", "app-1", extCostCenter)
		},
		create: store.Store.CreateExtensionProperty,
		mutate: func(v *directory.ExtensionProperty) { v.TargetObjects[0] = "Device"; v.Name = "mutated" },
		reads: []read[directory.ExtensionProperty]{
			{"GetExtensionProperty", func(s store.Store, ctx context.Context) (*directory.ExtensionProperty, error) {
				return s.GetExtensionProperty(ctx, tenantA, "ext-1")
			}},
			{"ListExtensionProperties of the application", func(s store.Store, ctx context.Context) (*directory.ExtensionProperty, error) {
				return only(s.ListExtensionProperties(ctx, tenantA, "app-1"))
			}},
			{"ListExtensionProperties of the tenant", func(s store.Store, ctx context.Context) (*directory.ExtensionProperty, error) {
				return only(s.ListExtensionProperties(ctx, tenantA, ""))
			}},
		},
	}.run(open))

	updatePolicy := func(s store.Store, ctx context.Context) func(func(*directory.Policy) error) (*directory.Policy, error) {
		return func(fn func(*directory.Policy) error) (*directory.Policy, error) {
			return s.UpdatePolicy(ctx, tenantA, "p-1", fn)
		}
	}
	t.Run("Policy", copyCheck[directory.Policy]{
		want:   func() *directory.Policy { return newPolicy(tenantA, "p-1", directory.PolicyClaimsMapping) },
		create: store.Store.CreatePolicy,
		mutate: func(v *directory.Policy) { v.Definition[0] = "{}"; v.DisplayName = "mutated" },
		reads: []read[directory.Policy]{
			{"GetPolicy", func(s store.Store, ctx context.Context) (*directory.Policy, error) {
				return s.GetPolicy(ctx, tenantA, "p-1")
			}},
			{"ListPolicies", func(s store.Store, ctx context.Context) (*directory.Policy, error) {
				return only(s.ListPolicies(ctx, tenantA, directory.PolicyClaimsMapping))
			}},
			{"UpdatePolicy result", func(s store.Store, ctx context.Context) (*directory.Policy, error) {
				return updated(updatePolicy(s, ctx))
			}},
			{"UpdatePolicy closure value", func(s store.Store, ctx context.Context) (*directory.Policy, error) { return kept(updatePolicy(s, ctx)) }},
		},
	}.run(open))

	t.Run("PolicyAssignment", copyCheck[directory.PolicyAssignment]{
		want: func() *directory.PolicyAssignment {
			return newPolicyAssignment(tenantA, "p-1", directory.PolicyClaimsMapping, "sp-1", "servicePrincipal")
		},
		create: func(s store.Store, ctx context.Context, a *directory.PolicyAssignment) error {
			if err := s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", directory.PolicyClaimsMapping)); err != nil {
				return err
			}
			return s.CreatePolicyAssignment(ctx, a)
		},
		mutate: func(v *directory.PolicyAssignment) {
			v.ObjectType = "application"
			v.CreatedAt = v.CreatedAt.Add(time.Hour)
		},
		reads: []read[directory.PolicyAssignment]{
			{"ListPolicyAssignmentsByObject", func(s store.Store, ctx context.Context) (*directory.PolicyAssignment, error) {
				return only(s.ListPolicyAssignmentsByObject(ctx, tenantA, "sp-1", ""))
			}},
			{"ListPolicyAssignmentsByPolicy", func(s store.Store, ctx context.Context) (*directory.PolicyAssignment, error) {
				return only(s.ListPolicyAssignmentsByPolicy(ctx, tenantA, "p-1"))
			}},
		},
	}.run(open))
}

func testGrantCopies(t *testing.T, open opener) {
	exp := live()
	t.Run("AuthRequest", copyCheck[grant.AuthRequest]{
		want:   func() *grant.AuthRequest { return newAuthRequest("req-1", exp) },
		create: store.Store.CreateAuthRequest,
		mutate: func(v *grant.AuthRequest) { v.Extra["prompt"] = "none"; v.Nonce = "mutated" },
		reads: []read[grant.AuthRequest]{
			{"GetAuthRequest", func(s store.Store, ctx context.Context) (*grant.AuthRequest, error) {
				return s.GetAuthRequest(ctx, "req-1")
			}},
		},
	}.run(open))

	updateCode := func(s store.Store, ctx context.Context) func(func(*grant.AuthCode) error) (*grant.AuthCode, error) {
		return func(fn func(*grant.AuthCode) error) (*grant.AuthCode, error) {
			return s.UpdateAuthCode(ctx, "code-1", fn)
		}
	}
	t.Run("AuthCode", copyCheck[grant.AuthCode]{
		want: func() *grant.AuthCode {
			c := newAuthCode("code-1", exp)
			used := created
			c.UsedAt = &used
			return c
		},
		create: store.Store.CreateAuthCode,
		mutate: func(v *grant.AuthCode) { *v.UsedAt = v.UsedAt.Add(time.Hour); v.Scope = "mutated" },
		reads: []read[grant.AuthCode]{
			{"UpdateAuthCode result", func(s store.Store, ctx context.Context) (*grant.AuthCode, error) { return updated(updateCode(s, ctx)) }},
			{"UpdateAuthCode closure value", func(s store.Store, ctx context.Context) (*grant.AuthCode, error) { return kept(updateCode(s, ctx)) }},
		},
	}.run(open))

	t.Run("RefreshToken", copyCheck[grant.RefreshToken]{
		want: func() *grant.RefreshToken {
			r := newRefreshToken("rt-1", "family-1", "session-1", exp)
			rotated := created
			r.RotatedAt = &rotated
			return r
		},
		create: store.Store.CreateRefreshToken,
		mutate: func(v *grant.RefreshToken) { *v.RotatedAt = v.RotatedAt.Add(time.Hour) },
		reads: []read[grant.RefreshToken]{
			{"UpdateRefreshToken result", func(s store.Store, ctx context.Context) (*grant.RefreshToken, error) {
				return s.UpdateRefreshToken(ctx, "rt-1", func(*grant.RefreshToken) error { return nil })
			}},
		},
	}.run(open))

	t.Run("DeviceCode", copyCheck[grant.DeviceCode]{
		want:   func() *grant.DeviceCode { return newDeviceCode("dc-1", "BCDF-GHJK", exp) },
		create: store.Store.CreateDeviceCode,
		mutate: func(v *grant.DeviceCode) { v.Status = grant.DeviceApproved },
		reads: []read[grant.DeviceCode]{
			{"UpdateDeviceCode result", func(s store.Store, ctx context.Context) (*grant.DeviceCode, error) {
				return s.UpdateDeviceCode(ctx, "dc-1", func(*grant.DeviceCode) error { return nil })
			}},
			{"UpdateDeviceCodeByUserCode result", func(s store.Store, ctx context.Context) (*grant.DeviceCode, error) {
				return s.UpdateDeviceCodeByUserCode(ctx, "BCDF-GHJK", func(*grant.DeviceCode) error { return nil })
			}},
		},
	}.run(open))

	t.Run("Session", copyCheck[grant.Session]{
		want:   func() *grant.Session { return newSession("sess-1", exp) },
		create: store.Store.CreateSession,
		mutate: func(v *grant.Session) { v.Methods[0] = "mfa" },
		reads: []read[grant.Session]{
			{"GetSession", func(s store.Store, ctx context.Context) (*grant.Session, error) { return s.GetSession(ctx, "sess-1") }},
		},
	}.run(open))

	t.Run("SigningKey", copyCheck[store.SigningKey]{
		want:   func() *store.SigningKey { return newSigningKey("kid-1", store.KeyActive, created) },
		create: store.Store.CreateSigningKey,
		mutate: func(v *store.SigningKey) { v.PrivateKeyDER[0] = 'X'; v.CertDER[0] = 'X' },
		reads: []read[store.SigningKey]{
			{"ListSigningKeys", func(s store.Store, ctx context.Context) (*store.SigningKey, error) {
				return only(s.ListSigningKeys(ctx))
			}},
			{"UpdateSigningKey result", func(s store.Store, ctx context.Context) (*store.SigningKey, error) {
				return s.UpdateSigningKey(ctx, "kid-1", func(*store.SigningKey) error { return nil })
			}},
		},
	}.run(open))
}
