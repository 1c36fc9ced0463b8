package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/policy"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// PolicySpec describes a policy to create or the new values of one.
type PolicySpec struct {
	DisplayName           string
	Description           string
	Definition            []string
	IsOrganizationDefault bool
}

func validatePolicy(kind string, spec PolicySpec) error {
	if strings.TrimSpace(spec.DisplayName) == "" {
		return badRequest("displayName is required.")
	}
	var err error
	switch kind {
	case directory.PolicyTokenLifetime:
		_, err = policy.ParseTokenLifetime(spec.Definition)
	case directory.PolicyClaimsMapping:
		_, err = policy.ParseClaimsMapping(spec.Definition)
	default:
		return fmt.Errorf("unknown policy kind %q", kind)
	}
	if err != nil {
		return badRequest("Invalid policy definition: %v", err)
	}
	return nil
}

func policyActivity(verb, kind string) string {
	if kind == directory.PolicyTokenLifetime {
		return verb + " token lifetime policy"
	}
	return verb + " claims mapping policy"
}

// CreatePolicy creates a claims mapping or token lifetime policy after
// validating its definition.
func (r *Registry) CreatePolicy(ctx context.Context, a Actor, kind string, spec PolicySpec) (*directory.Policy, error) {
	p := &directory.Policy{TenantID: a.TenantID, ID: directory.NewID(), Kind: kind, DisplayName: spec.DisplayName,
		Description: spec.Description, Definition: spec.Definition, IsOrganizationDefault: spec.IsOrganizationDefault,
		CreatedAt: r.now()}
	err := r.change(ctx, a, policyActivity("Add", kind), targets(policyTarget(p)), func() error {
		if err := check(a, WritePolicies); err != nil {
			return err
		}
		if err := validatePolicy(kind, spec); err != nil {
			return err
		}
		if spec.IsOrganizationDefault {
			if err := r.checkSingleDefault(ctx, a.TenantID, kind, ""); err != nil {
				return err
			}
		}
		return r.st.CreatePolicy(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// checkSingleDefault: a tenant has at most one organisation default policy
// of each kind.
func (r *Registry) checkSingleDefault(ctx context.Context, tenantID, kind, except string) error {
	all, err := r.st.ListPolicies(ctx, tenantID, kind)
	if err != nil {
		return err
	}
	for _, p := range all {
		if p.IsOrganizationDefault && p.ID != except {
			return &UniquenessError{Msg: fmt.Sprintf("Policy %s is already the organization default %s; only one is allowed.", p.ID, kind)}
		}
	}
	return nil
}

// UpdatePolicy applies fn to a policy and validates the result. Checks
// that read other policies run before the update: a store closure must not
// call the store.
func (r *Registry) UpdatePolicy(ctx context.Context, a Actor, kind, id string, fn func(*PolicySpec)) error {
	tgt := store.AuditTarget{ID: id, Type: "policy"}
	return r.change(ctx, a, policyActivity("Update", kind), []store.AuditTarget{tgt}, func() error {
		if err := check(a, WritePolicies); err != nil {
			return err
		}
		cur, err := r.GetPolicy(ctx, a.TenantID, kind, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = cur.DisplayName
		spec := PolicySpec{DisplayName: cur.DisplayName, Description: cur.Description, Definition: cur.Definition, IsOrganizationDefault: cur.IsOrganizationDefault}
		fn(&spec)
		if err := validatePolicy(kind, spec); err != nil {
			return err
		}
		if spec.IsOrganizationDefault && !cur.IsOrganizationDefault {
			if err := r.checkSingleDefault(ctx, a.TenantID, kind, cur.ID); err != nil {
				return err
			}
		}
		_, err = r.st.UpdatePolicy(ctx, a.TenantID, id, func(p *directory.Policy) error {
			p.DisplayName, p.Description, p.Definition, p.IsOrganizationDefault = spec.DisplayName, spec.Description, spec.Definition, spec.IsOrganizationDefault
			return nil
		})
		return err
	})
}

// DeletePolicy deletes a policy with its assignments.
func (r *Registry) DeletePolicy(ctx context.Context, a Actor, kind, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "policy"}
	return r.change(ctx, a, policyActivity("Delete", kind), []store.AuditTarget{tgt}, func() error {
		if err := check(a, WritePolicies); err != nil {
			return err
		}
		p, err := r.GetPolicy(ctx, a.TenantID, kind, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = p.DisplayName
		return r.st.DeletePolicy(ctx, a.TenantID, p.ID)
	})
}

// GetPolicy returns a policy of the given kind.
func (r *Registry) GetPolicy(ctx context.Context, tenantID, kind, id string) (*directory.Policy, error) {
	p, err := r.st.GetPolicy(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if p.Kind != kind {
		return nil, fmt.Errorf("%s %s: %w", kind, id, store.ErrNotFound)
	}
	return p, nil
}

// policyObject loads the application or service principal a policy is
// assigned to and refuses first-party ones: a claims mapping on Microsoft
// Graph would break every sign-in of the tenant (security review F3).
func (r *Registry) policyObject(ctx context.Context, a Actor, objectID, objectType string) (store.AuditTarget, error) {
	switch objectType {
	case "application":
		app, err := r.st.GetApplication(ctx, a.TenantID, objectID)
		if err != nil {
			return store.AuditTarget{}, err
		}
		return appTarget(app), authorizeFirstParty(a, app.AppID)
	case "servicePrincipal":
		sp, err := r.st.GetServicePrincipal(ctx, a.TenantID, objectID)
		if err != nil {
			return store.AuditTarget{}, err
		}
		if sp.AppOwnerOrganizationID != sp.TenantID && a.Kind != ActorSystem {
			return spTarget(sp), deny("The service principal %s belongs to an application of another organization: policies cannot be assigned to it.", sp.DisplayName)
		}
		return spTarget(sp), authorizeFirstParty(a, sp.AppID)
	}
	return store.AuditTarget{}, fmt.Errorf("policy assignment to %s", objectType)
}

// AssignPolicy assigns a policy to an application or service principal.
// Entra allows one policy of each kind per object: a second is a
// uniqueness violation.
func (r *Registry) AssignPolicy(ctx context.Context, a Actor, kind, policyID, objectID, objectType string) error {
	tgt := []store.AuditTarget{{ID: policyID, Type: "policy"}, {ID: objectID, Type: objectType}}
	return r.change(ctx, a, policyActivity("Assign", kind), tgt, func() error {
		if err := check(a, WriteApplications, ReadPolicies); err != nil {
			return err
		}
		obj, err := r.policyObject(ctx, a, objectID, objectType)
		if err != nil {
			return err
		}
		tgt[1] = obj
		p, err := r.GetPolicy(ctx, a.TenantID, kind, policyID)
		if err != nil {
			return err
		}
		tgt[0] = policyTarget(p)
		existing, err := r.st.ListPolicyAssignmentsByObject(ctx, a.TenantID, objectID, kind)
		if err != nil {
			return err
		}
		for _, as := range existing {
			if as.PolicyID == policyID {
				return &UniquenessError{Msg: "Request contains property changes that would result in property-uniqueness violation(s): the policy is already assigned to this object."}
			}
		}
		if len(existing) > 0 {
			return &UniquenessError{Msg: fmt.Sprintf("Request contains property changes that would result in property-uniqueness violation(s): the %s %s already has a %s assigned; remove it first.", objectType, objectID, kind)}
		}
		err = r.st.CreatePolicyAssignment(ctx, &directory.PolicyAssignment{TenantID: a.TenantID, PolicyID: policyID, PolicyKind: kind,
			ObjectID: objectID, ObjectType: objectType, CreatedAt: r.now()})
		if errors.Is(err, store.ErrConflict) {
			return &UniquenessError{Msg: "Request contains property changes that would result in property-uniqueness violation(s)."}
		}
		return err
	})
}

// UnassignPolicy removes a policy from an application or service principal.
func (r *Registry) UnassignPolicy(ctx context.Context, a Actor, kind, policyID, objectID, objectType string) error {
	tgt := []store.AuditTarget{{ID: policyID, Type: "policy"}, {ID: objectID, Type: objectType}}
	return r.change(ctx, a, policyActivity("Unassign", kind), tgt, func() error {
		if err := check(a, WriteApplications, ReadPolicies); err != nil {
			return err
		}
		obj, err := r.policyObject(ctx, a, objectID, objectType)
		if err != nil {
			return err
		}
		tgt[1] = obj
		return r.st.DeletePolicyAssignment(ctx, a.TenantID, policyID, objectID)
	})
}

// AssignedPolicies lists the policies of a kind assigned to an object.
func (r *Registry) AssignedPolicies(ctx context.Context, tenantID, objectID, kind string) ([]*directory.Policy, error) {
	as, err := r.st.ListPolicyAssignmentsByObject(ctx, tenantID, objectID, kind)
	if err != nil {
		return nil, err
	}
	out := []*directory.Policy{}
	for _, a := range as {
		p, err := r.st.GetPolicy(ctx, tenantID, a.PolicyID)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
