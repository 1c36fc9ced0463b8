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

// CreatePolicy creates a claims mapping or token lifetime policy after
// validating its definition.
func (r *Registry) CreatePolicy(ctx context.Context, tenantID, kind string, spec PolicySpec) (*directory.Policy, error) {
	if err := validatePolicy(kind, spec); err != nil {
		return nil, err
	}
	if spec.IsOrganizationDefault {
		if err := r.checkSingleDefault(ctx, tenantID, kind, ""); err != nil {
			return nil, err
		}
	}
	p := &directory.Policy{TenantID: tenantID, ID: directory.NewID(), Kind: kind, DisplayName: spec.DisplayName,
		Description: spec.Description, Definition: spec.Definition, IsOrganizationDefault: spec.IsOrganizationDefault,
		CreatedAt: r.clock().UTC()}
	if err := r.st.CreatePolicy(ctx, p); err != nil {
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
func (r *Registry) UpdatePolicy(ctx context.Context, tenantID, kind, id string, fn func(*PolicySpec)) error {
	cur, err := r.GetPolicy(ctx, tenantID, kind, id)
	if err != nil {
		return err
	}
	spec := PolicySpec{DisplayName: cur.DisplayName, Description: cur.Description, Definition: cur.Definition, IsOrganizationDefault: cur.IsOrganizationDefault}
	fn(&spec)
	if err := validatePolicy(kind, spec); err != nil {
		return err
	}
	if spec.IsOrganizationDefault && !cur.IsOrganizationDefault {
		if err := r.checkSingleDefault(ctx, tenantID, kind, cur.ID); err != nil {
			return err
		}
	}
	_, err = r.st.UpdatePolicy(ctx, tenantID, id, func(p *directory.Policy) error {
		p.DisplayName, p.Description, p.Definition, p.IsOrganizationDefault = spec.DisplayName, spec.Description, spec.Definition, spec.IsOrganizationDefault
		return nil
	})
	return err
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

// AssignPolicy assigns a policy to an application or service principal.
// Entra allows one policy of each kind per object: a second is a
// uniqueness violation.
func (r *Registry) AssignPolicy(ctx context.Context, tenantID, kind, policyID, objectID, objectType string) error {
	if _, err := r.GetPolicy(ctx, tenantID, kind, policyID); err != nil {
		return err
	}
	existing, err := r.st.ListPolicyAssignmentsByObject(ctx, tenantID, objectID, kind)
	if err != nil {
		return err
	}
	for _, a := range existing {
		if a.PolicyID == policyID {
			return &UniquenessError{Msg: "Request contains property changes that would result in property-uniqueness violation(s): the policy is already assigned to this object."}
		}
	}
	if len(existing) > 0 {
		return &UniquenessError{Msg: fmt.Sprintf("Request contains property changes that would result in property-uniqueness violation(s): the %s %s already has a %s assigned; remove it first.", objectType, objectID, kind)}
	}
	err = r.st.CreatePolicyAssignment(ctx, &directory.PolicyAssignment{TenantID: tenantID, PolicyID: policyID, PolicyKind: kind,
		ObjectID: objectID, ObjectType: objectType, CreatedAt: r.clock().UTC()})
	if errors.Is(err, store.ErrConflict) {
		return &UniquenessError{Msg: "Request contains property changes that would result in property-uniqueness violation(s)."}
	}
	return err
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
