package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// errAbort is what the aborting closures return.
var errAbort = errors.New("closure aborted the update")

// updateMethod describes one update-by-closure method for the contract
// shared by all of them.
type updateMethod[T any] struct {
	// seed stores the object and returns its key.
	seed func(s store.Store, ctx context.Context) (string, error)
	// update calls the method for key.
	update func(s store.Store, ctx context.Context, key string, fn func(*T) error) (*T, error)
	// edit changes a field that is not a key.
	edit func(*T)
	// keyChanges change the object's key, by name of the key field.
	keyChanges map[string]func(*T)
}

// run checks the contract of package store: the closure sees the stored
// value; an error from it aborts and comes back unchanged; a missing object
// is ErrNotFound; a closure changing the key is rejected. The stored value
// is read back through the method itself, with a closure that changes
// nothing, because not every type has a getter.
func (m updateMethod[T]) run(open opener) func(t *testing.T) {
	return func(t *testing.T) {
		read := func(t *testing.T, s store.Store, key string) *T {
			t.Helper()
			v, err := m.update(s, t.Context(), key, func(*T) error { return nil })
			must(t, err, "update(%q) with a closure that changes nothing", key)
			return v
		}

		t.Run("Edit", func(t *testing.T) {
			s, ctx := open(t), t.Context()
			key, err := m.seed(s, ctx)
			must(t, err, "seed")
			want := read(t, s, key)
			m.edit(want)
			got, err := m.update(s, ctx, key, func(v *T) error { m.edit(v); return nil })
			must(t, err, "update(%q)", key)
			mustEqual(t, got, want, "update(%q)", key)
			mustEqual(t, read(t, s, key), want, "stored value after update(%q)", key)
		})

		t.Run("ClosureErrorAborts", func(t *testing.T) {
			s, ctx := open(t), t.Context()
			key, err := m.seed(s, ctx)
			must(t, err, "seed")
			before := read(t, s, key)
			got, err := m.update(s, ctx, key, func(v *T) error {
				m.edit(v)
				return errAbort
			})
			if !errors.Is(err, errAbort) {
				t.Fatalf("update(%q) with an aborting closure = %v, want the closure's error %q", key, err, errAbort)
			}
			if got != nil {
				t.Fatalf("update(%q) with an aborting closure returned %s, want nil", key, dump(got))
			}
			mustEqual(t, read(t, s, key), before, "stored value after an aborted update(%q)", key)
		})

		t.Run("Missing", func(t *testing.T) {
			s, ctx := open(t), t.Context()
			called := false
			_, err := m.update(s, ctx, "missing", func(*T) error { called = true; return nil })
			mustErr(t, err, store.ErrNotFound, "update(%q)", "missing")
			if called {
				t.Fatalf("update(%q) called the closure for a missing object", "missing")
			}
		})

		for field, change := range m.keyChanges {
			t.Run("Change"+field+"Rejected", func(t *testing.T) {
				s, ctx := open(t), t.Context()
				key, err := m.seed(s, ctx)
				must(t, err, "seed")
				before := read(t, s, key)
				_, err = m.update(s, ctx, key, func(v *T) error { change(v); return nil })
				mustFail(t, err, "update(%q) with a closure that changes %s", key, field)
				mustEqual(t, read(t, s, key), before, "stored value after update(%q) tried to change %s", key, field)
			})
		}
	}
}

func testUpdateContract(t *testing.T, open opener) {
	t.Run("Application", updateMethod[directory.Application]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "app-1", s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1"))
		},
		update: func(s store.Store, ctx context.Context, key string, fn func(*directory.Application) error) (*directory.Application, error) {
			return s.UpdateApplication(ctx, tenantA, key, fn)
		},
		edit: func(a *directory.Application) { a.DisplayName += " (edited)" },
		keyChanges: map[string]func(*directory.Application){
			"ID":       func(a *directory.Application) { a.ID = "app-2" },
			"TenantID": func(a *directory.Application) { a.TenantID = tenantB },
		},
	}.run(open))

	t.Run("ServicePrincipal", updateMethod[directory.ServicePrincipal]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "sp-1", s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1"))
		},
		update: func(s store.Store, ctx context.Context, key string, fn func(*directory.ServicePrincipal) error) (*directory.ServicePrincipal, error) {
			return s.UpdateServicePrincipal(ctx, tenantA, key, fn)
		},
		edit: func(sp *directory.ServicePrincipal) { sp.AccountEnabled = !sp.AccountEnabled },
		keyChanges: map[string]func(*directory.ServicePrincipal){
			"ID":       func(sp *directory.ServicePrincipal) { sp.ID = "sp-2" },
			"TenantID": func(sp *directory.ServicePrincipal) { sp.TenantID = tenantB },
		},
	}.run(open))

	t.Run("User", updateMethod[directory.User]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "u1", s.CreateUser(ctx, newUser(tenantA, "u1", "alice@contoso.com"))
		},
		update: func(s store.Store, ctx context.Context, key string, fn func(*directory.User) error) (*directory.User, error) {
			return s.UpdateUser(ctx, tenantA, key, fn)
		},
		edit: func(u *directory.User) { u.Extensions["extension_0123_costCenter"] = "cc-43" },
		keyChanges: map[string]func(*directory.User){
			"ID":       func(u *directory.User) { u.ID = "u2" },
			"TenantID": func(u *directory.User) { u.TenantID = tenantB },
		},
	}.run(open))

	t.Run("Group", updateMethod[directory.Group]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "g1", s.CreateGroup(ctx, newGroup(tenantA, "g1"))
		},
		update: func(s store.Store, ctx context.Context, key string, fn func(*directory.Group) error) (*directory.Group, error) {
			return s.UpdateGroup(ctx, tenantA, key, fn)
		},
		edit: func(g *directory.Group) { g.MailEnabled = !g.MailEnabled },
		keyChanges: map[string]func(*directory.Group){
			"ID":       func(g *directory.Group) { g.ID = "g2" },
			"TenantID": func(g *directory.Group) { g.TenantID = tenantB },
		},
	}.run(open))

	t.Run("Policy", updateMethod[directory.Policy]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "p-1", s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", directory.PolicyClaimsMapping))
		},
		update: func(s store.Store, ctx context.Context, key string, fn func(*directory.Policy) error) (*directory.Policy, error) {
			return s.UpdatePolicy(ctx, tenantA, key, fn)
		},
		edit: func(p *directory.Policy) {
			p.Definition = append(p.Definition, "{}")
			p.IsOrganizationDefault = !p.IsOrganizationDefault
		},
		keyChanges: map[string]func(*directory.Policy){
			"ID":       func(p *directory.Policy) { p.ID = "p-2" },
			"TenantID": func(p *directory.Policy) { p.TenantID = tenantB },
			// The kind picks the Graph collection and is copied into the
			// policy's assignments.
			"Kind": func(p *directory.Policy) { p.Kind = directory.PolicyTokenLifetime },
		},
	}.run(open))

	t.Run("AuthCode", updateMethod[grant.AuthCode]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "code-1", s.CreateAuthCode(ctx, newAuthCode("code-1", live()))
		},
		update: store.Store.UpdateAuthCode,
		edit:   func(c *grant.AuthCode) { used := created; c.UsedAt = &used; c.FamilyID = "family-1" },
		keyChanges: map[string]func(*grant.AuthCode){
			"Hash": func(c *grant.AuthCode) { c.Hash = "code-2" },
		},
	}.run(open))

	t.Run("RefreshToken", updateMethod[grant.RefreshToken]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "rt-1", s.CreateRefreshToken(ctx, newRefreshToken("rt-1", "family-1", "session-1", live()))
		},
		update: store.Store.UpdateRefreshToken,
		edit:   func(r *grant.RefreshToken) { rotated := created; r.RotatedAt = &rotated },
		keyChanges: map[string]func(*grant.RefreshToken){
			"Hash": func(r *grant.RefreshToken) { r.Hash = "rt-2" },
		},
	}.run(open))

	t.Run("DeviceCode", updateMethod[grant.DeviceCode]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "dc-1", s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", live()))
		},
		update: store.Store.UpdateDeviceCode,
		edit:   func(d *grant.DeviceCode) { d.Status = grant.DeviceApproved; d.UserID = "u1" },
		keyChanges: map[string]func(*grant.DeviceCode){
			"Hash": func(d *grant.DeviceCode) { d.Hash = "dc-2" },
		},
	}.run(open))

	t.Run("DeviceCodeByUserCode", updateMethod[grant.DeviceCode]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "BCDF-GHJK", s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "BCDF-GHJK", live()))
		},
		update: store.Store.UpdateDeviceCodeByUserCode,
		edit:   func(d *grant.DeviceCode) { d.Status = grant.DeviceDenied },
		keyChanges: map[string]func(*grant.DeviceCode){
			"Hash": func(d *grant.DeviceCode) { d.Hash = "dc-2" },
		},
	}.run(open))

	t.Run("SigningKey", updateMethod[store.SigningKey]{
		seed: func(s store.Store, ctx context.Context) (string, error) {
			return "kid-1", s.CreateSigningKey(ctx, newSigningKey("kid-1", store.KeyNext, created))
		},
		update: store.Store.UpdateSigningKey,
		edit:   func(k *store.SigningKey) { k.State = store.KeyActive },
		keyChanges: map[string]func(*store.SigningKey){
			"KID": func(k *store.SigningKey) { k.KID = "kid-2" },
		},
	}.run(open))
}
