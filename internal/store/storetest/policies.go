package storetest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

const (
	claimsMapping = directory.PolicyClaimsMapping
	tokenLifetime = directory.PolicyTokenLifetime
)

func policyID(p *directory.Policy) string { return p.ID }

func testPolicies(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		for _, p := range []*directory.Policy{newPolicy(tenantA, "cm-1", claimsMapping), newPolicy(tenantA, "tl-1", tokenLifetime)} {
			must(t, s.CreatePolicy(ctx, p), "CreatePolicy(%q)", p.ID)
		}
		got, err := s.GetPolicy(ctx, tenantA, "cm-1")
		must(t, err, "GetPolicy(%q)", "cm-1")
		mustEqual(t, got, newPolicy(tenantA, "cm-1", claimsMapping), "GetPolicy(%q)", "cm-1")
		got, err = s.GetPolicy(ctx, tenantA, "tl-1")
		must(t, err, "GetPolicy(%q)", "tl-1")
		mustEqual(t, got, newPolicy(tenantA, "tl-1", tokenLifetime), "GetPolicy(%q)", "tl-1")
	})

	t.Run("GetMissing", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		_, err := s.GetPolicy(ctx, tenantA, "cm-1")
		mustErr(t, err, store.ErrNotFound, "GetPolicy(%q)", "cm-1")
	})

	t.Run("Conflict", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.Policy
		}{
			{"same id", newPolicy(tenantA, "p-1", claimsMapping)},
			// Ids are unique across kinds: GetPolicy takes no kind.
			{"same id, other kind", newPolicy(tenantA, "p-1", tokenLifetime)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := open(t), t.Context()
				must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", claimsMapping)), "CreatePolicy(%q)", "p-1")
				mustErr(t, s.CreatePolicy(ctx, tc.second), store.ErrConflict, "CreatePolicy(id %q, kind %q)", tc.second.ID, tc.second.Kind)
				got, err := s.GetPolicy(ctx, tenantA, "p-1")
				must(t, err, "GetPolicy(%q)", "p-1")
				mustEqual(t, got, newPolicy(tenantA, "p-1", claimsMapping), "GetPolicy(%q) after the conflict", "p-1")
				got2, err := s.ListPolicies(ctx, tenantA, tokenLifetime)
				must(t, err, "ListPolicies(%q)", tokenLifetime)
				mustOrder(t, got2, policyID, nil, "ListPolicies(%q) after the conflict", tokenLifetime)
			})
		}
	})

	t.Run("List", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		// Created out of id order, with equal CreatedAt: the lists must
		// follow the order of the calls.
		for _, p := range []*directory.Policy{
			newPolicy(tenantA, "p-c", claimsMapping),
			newPolicy(tenantA, "p-a", tokenLifetime),
			newPolicy(tenantA, "p-b", claimsMapping),
			newPolicy(tenantB, "p-d", claimsMapping),
		} {
			must(t, s.CreatePolicy(ctx, p), "CreatePolicy(%q)", p.ID)
		}
		tests := []struct {
			kind string
			want []string
		}{
			{claimsMapping, []string{"p-c", "p-b"}},
			{tokenLifetime, []string{"p-a"}},
			{"homeRealmDiscoveryPolicy", nil},
		}
		for _, tc := range tests {
			got, err := s.ListPolicies(ctx, tenantA, tc.kind)
			must(t, err, "ListPolicies(%q)", tc.kind)
			mustOrder(t, got, policyID, tc.want, "ListPolicies(%q)", tc.kind)
		}
	})

	t.Run("Update", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", tokenLifetime)), "CreatePolicy(%q)", "p-1")
		edit := func(p *directory.Policy) {
			p.DisplayName = "Two hours"
			p.Definition = []string{`{"TokenLifetimePolicy":{"Version":1,"AccessTokenLifetime":"01:00:00"}}`}
			p.IsOrganizationDefault = true
		}
		got, err := s.UpdatePolicy(ctx, tenantA, "p-1", func(p *directory.Policy) error {
			mustEqual(t, p, newPolicy(tenantA, "p-1", tokenLifetime), "UpdatePolicy closure argument")
			edit(p)
			return nil
		})
		must(t, err, "UpdatePolicy(%q)", "p-1")
		want := newPolicy(tenantA, "p-1", tokenLifetime)
		edit(want)
		mustEqual(t, got, want, "UpdatePolicy(%q)", "p-1")
		stored, err := s.GetPolicy(ctx, tenantA, "p-1")
		must(t, err, "GetPolicy(%q)", "p-1")
		mustEqual(t, stored, want, "GetPolicy(%q) after the update", "p-1")
		listed, err := s.ListPolicies(ctx, tenantA, tokenLifetime)
		must(t, err, "ListPolicies(%q)", tokenLifetime)
		mustEqual(t, listed, []*directory.Policy{want}, "ListPolicies(%q) after the update", tokenLifetime)
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := open(t), t.Context()
		must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", claimsMapping)), "CreatePolicy(%q)", "p-1")
		must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-2", claimsMapping)), "CreatePolicy(%q)", "p-2")
		must(t, s.DeletePolicy(ctx, tenantA, "p-1"), "DeletePolicy(%q)", "p-1")
		_, err := s.GetPolicy(ctx, tenantA, "p-1")
		mustErr(t, err, store.ErrNotFound, "GetPolicy(%q) after delete", "p-1")
		mustErr(t, s.DeletePolicy(ctx, tenantA, "p-1"), store.ErrNotFound, "DeletePolicy(%q) again", "p-1")
		got, err := s.ListPolicies(ctx, tenantA, claimsMapping)
		must(t, err, "ListPolicies(%q)", claimsMapping)
		mustOrder(t, got, policyID, []string{"p-2"}, "ListPolicies(%q) after delete", claimsMapping)
		// The id is free again.
		must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "p-1", tokenLifetime)), "CreatePolicy(%q) reusing the id", "p-1")
	})
}

// assignedPolicy and assignedObject name an assignment from either side.
func assignedPolicy(a *directory.PolicyAssignment) string { return a.PolicyID }
func assignedObject(a *directory.PolicyAssignment) string { return a.ObjectID }

func testPolicyAssignments(t *testing.T, open opener) {
	// seed stores an application (app-1), a service principal (sp-1), two
	// claims mapping policies (cm-1, cm-2) and a token lifetime policy
	// (tl-1), with cm-1 and tl-1 assigned to sp-1 and cm-2 and tl-1 to app-1.
	seed := func(t *testing.T) store.Store {
		t.Helper()
		s, ctx := open(t), t.Context()
		must(t, s.CreateApplication(ctx, newApplication(tenantA, "app-1", "client-1")), "CreateApplication(%q)", "app-1")
		must(t, s.CreateServicePrincipal(ctx, newServicePrincipal(tenantA, "sp-1", "client-1")), "CreateServicePrincipal(%q)", "sp-1")
		for _, p := range []*directory.Policy{
			newPolicy(tenantA, "cm-1", claimsMapping),
			newPolicy(tenantA, "cm-2", claimsMapping),
			newPolicy(tenantA, "tl-1", tokenLifetime),
		} {
			must(t, s.CreatePolicy(ctx, p), "CreatePolicy(%q)", p.ID)
		}
		for _, a := range []*directory.PolicyAssignment{
			newPolicyAssignment(tenantA, "cm-1", claimsMapping, "sp-1", "servicePrincipal"),
			newPolicyAssignment(tenantA, "tl-1", tokenLifetime, "sp-1", "servicePrincipal"),
			newPolicyAssignment(tenantA, "cm-2", claimsMapping, "app-1", "application"),
			newPolicyAssignment(tenantA, "tl-1", tokenLifetime, "app-1", "application"),
		} {
			must(t, s.CreatePolicyAssignment(ctx, a), "CreatePolicyAssignment(%q to %q)", a.PolicyID, a.ObjectID)
		}
		return s
	}

	// pairs lists every assignment in the tenant, from both sides, as
	// "policy>object"; both sides must agree.
	pairs := func(t *testing.T, s store.Store) []string {
		t.Helper()
		ctx := t.Context()
		var byPolicy, byObject []string
		for _, policy := range []string{"cm-1", "cm-2", "tl-1"} {
			got, err := s.ListPolicyAssignmentsByPolicy(ctx, tenantA, policy)
			must(t, err, "ListPolicyAssignmentsByPolicy(%q)", policy)
			for _, a := range got {
				byPolicy = append(byPolicy, a.PolicyID+">"+a.ObjectID)
			}
		}
		for _, object := range []string{"app-1", "sp-1"} {
			got, err := s.ListPolicyAssignmentsByObject(ctx, tenantA, object, "")
			must(t, err, "ListPolicyAssignmentsByObject(%q, %q)", object, "")
			for _, a := range got {
				byObject = append(byObject, a.PolicyID+">"+a.ObjectID)
			}
		}
		mustSet(t, byObject, byPolicy, "assignments listed by object (want: as listed by policy)")
		return byPolicy
	}
	seeded := []string{"cm-1>sp-1", "tl-1>sp-1", "cm-2>app-1", "tl-1>app-1"}

	t.Run("List", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		byObject := []struct {
			object string
			kind   string
			want   []string
		}{
			{"sp-1", "", []string{"cm-1", "tl-1"}},
			{"sp-1", claimsMapping, []string{"cm-1"}},
			{"sp-1", tokenLifetime, []string{"tl-1"}},
			{"app-1", "", []string{"cm-2", "tl-1"}},
			{"app-1", claimsMapping, []string{"cm-2"}},
			{"nobody", "", nil},
			{"sp-1", "homeRealmDiscoveryPolicy", nil},
		}
		for _, tc := range byObject {
			got, err := s.ListPolicyAssignmentsByObject(ctx, tenantA, tc.object, tc.kind)
			must(t, err, "ListPolicyAssignmentsByObject(%q, %q)", tc.object, tc.kind)
			mustIDs(t, got, assignedPolicy, tc.want, "ListPolicyAssignmentsByObject(%q, %q)", tc.object, tc.kind)
			mustNotNil(t, got, "ListPolicyAssignmentsByObject(%q, %q)", tc.object, tc.kind)
		}
		byPolicy := []struct {
			policy string
			want   []string
		}{
			{"tl-1", []string{"sp-1", "app-1"}},
			{"cm-1", []string{"sp-1"}},
			{"missing", nil},
		}
		for _, tc := range byPolicy {
			got, err := s.ListPolicyAssignmentsByPolicy(ctx, tenantA, tc.policy)
			must(t, err, "ListPolicyAssignmentsByPolicy(%q)", tc.policy)
			mustIDs(t, got, assignedObject, tc.want, "ListPolicyAssignmentsByPolicy(%q)", tc.policy)
			mustNotNil(t, got, "ListPolicyAssignmentsByPolicy(%q)", tc.policy)
		}
		got, err := s.ListPolicyAssignmentsByObject(ctx, tenantA, "app-1", claimsMapping)
		must(t, err, "ListPolicyAssignmentsByObject(%q, %q)", "app-1", claimsMapping)
		mustEqual(t, got, []*directory.PolicyAssignment{newPolicyAssignment(tenantA, "cm-2", claimsMapping, "app-1", "application")},
			"ListPolicyAssignmentsByObject(%q, %q)", "app-1", claimsMapping)
	})

	t.Run("CreateRefused", func(t *testing.T) {
		tests := []struct {
			name   string
			second *directory.PolicyAssignment
			want   error
		}{
			{"same policy and object", newPolicyAssignment(tenantA, "cm-1", claimsMapping, "sp-1", "servicePrincipal"), store.ErrConflict},
			{"missing policy", newPolicyAssignment(tenantA, "cm-9", claimsMapping, "sp-1", "servicePrincipal"), store.ErrNotFound},
			{"policy of another tenant", newPolicyAssignment(tenantB, "cm-1", claimsMapping, "sp-1", "servicePrincipal"), store.ErrNotFound},
			// A token lifetime policy is not found among the claims mapping
			// policies, so the kind filter of the lists cannot be misled.
			{"kind other than the policy's", newPolicyAssignment(tenantA, "tl-1", claimsMapping, "sp-2", "servicePrincipal"), store.ErrNotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, ctx := seed(t), t.Context()
				err := s.CreatePolicyAssignment(ctx, tc.second)
				mustErr(t, err, tc.want, "CreatePolicyAssignment(%q of kind %q to %q)", tc.second.PolicyID, tc.second.PolicyKind, tc.second.ObjectID)
				mustSet(t, pairs(t, s), seeded, "assignments after the refused create")
				got, err := s.ListPolicyAssignmentsByObject(ctx, tenantB, "sp-1", "")
				must(t, err, "ListPolicyAssignmentsByObject(tenant B, %q, %q)", "sp-1", "")
				mustOrder(t, got, assignedPolicy, nil, "ListPolicyAssignmentsByObject(tenant B, %q, %q) after the refused create", "sp-1", "")
			})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.DeletePolicyAssignment(ctx, tenantA, "tl-1", "sp-1"), "DeletePolicyAssignment(%q, %q)", "tl-1", "sp-1")
		mustSet(t, pairs(t, s), []string{"cm-1>sp-1", "cm-2>app-1", "tl-1>app-1"}, "assignments after DeletePolicyAssignment(%q, %q)", "tl-1", "sp-1")
		mustErr(t, s.DeletePolicyAssignment(ctx, tenantA, "tl-1", "sp-1"), store.ErrNotFound, "DeletePolicyAssignment(%q, %q) again", "tl-1", "sp-1")
		mustErr(t, s.DeletePolicyAssignment(ctx, tenantA, "cm-2", "sp-1"), store.ErrNotFound, "DeletePolicyAssignment(%q, %q) never assigned", "cm-2", "sp-1")
		// The policy stays, and can be assigned again.
		_, err := s.GetPolicy(ctx, tenantA, "tl-1")
		must(t, err, "GetPolicy(%q) after DeletePolicyAssignment", "tl-1")
		must(t, s.CreatePolicyAssignment(ctx, newPolicyAssignment(tenantA, "tl-1", tokenLifetime, "sp-1", "servicePrincipal")),
			"CreatePolicyAssignment(%q to %q) again", "tl-1", "sp-1")
	})

	// Deleting a policy or an object removes the assignments that named it;
	// the rest, and the policies, stay.
	cascades := []struct {
		name   string
		delete func(s store.Store, t *testing.T) error
		remain []string
	}{
		{"DeletePolicy", func(s store.Store, t *testing.T) error {
			return s.DeletePolicy(t.Context(), tenantA, "tl-1")
		}, []string{"cm-1>sp-1", "cm-2>app-1"}},
		{"DeleteApplication", func(s store.Store, t *testing.T) error {
			return s.DeleteApplication(t.Context(), tenantA, "app-1")
		}, []string{"cm-1>sp-1", "tl-1>sp-1"}},
		{"DeleteServicePrincipal", func(s store.Store, t *testing.T) error {
			return s.DeleteServicePrincipal(t.Context(), tenantA, "sp-1")
		}, []string{"cm-2>app-1", "tl-1>app-1"}},
		{"DeleteApplication in another tenant", func(s store.Store, t *testing.T) error {
			if err := s.CreateApplication(t.Context(), newApplication(tenantB, "app-1", "client-1")); err != nil {
				return err
			}
			return s.DeleteApplication(t.Context(), tenantB, "app-1")
		}, seeded},
		{"DeletePolicy in another tenant", func(s store.Store, t *testing.T) error {
			if err := s.CreatePolicy(t.Context(), newPolicy(tenantB, "tl-1", tokenLifetime)); err != nil {
				return err
			}
			return s.DeletePolicy(t.Context(), tenantB, "tl-1")
		}, seeded},
	}
	for _, tc := range cascades {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := seed(t), t.Context()
			must(t, tc.delete(s, t), "%s", tc.name)
			mustSet(t, pairs(t, s), tc.remain, "assignments after %s", tc.name)
			for _, id := range []string{"cm-1", "cm-2"} {
				_, err := s.GetPolicy(ctx, tenantA, id)
				must(t, err, "GetPolicy(%q) after %s", id, tc.name)
			}
		})
	}

	// A deleted policy's assignments do not come back with a new policy of
	// the same id.
	t.Run("DeletePolicyThenRecreate", func(t *testing.T) {
		s, ctx := seed(t), t.Context()
		must(t, s.DeletePolicy(ctx, tenantA, "tl-1"), "DeletePolicy(%q)", "tl-1")
		must(t, s.CreatePolicy(ctx, newPolicy(tenantA, "tl-1", tokenLifetime)), "CreatePolicy(%q) again", "tl-1")
		got, err := s.ListPolicyAssignmentsByPolicy(ctx, tenantA, "tl-1")
		must(t, err, "ListPolicyAssignmentsByPolicy(%q)", "tl-1")
		mustOrder(t, got, assignedObject, nil, "ListPolicyAssignmentsByPolicy(%q) of the re-created policy", "tl-1")
	})
}
