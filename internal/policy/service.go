package policy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
)

// Service finds and evaluates the policies that apply to a token.
type Service struct {
	st store.DirectoryReader
}

// NewService returns a Service over the directory.
func NewService(st store.DirectoryReader) *Service { return &Service{st: st} }

// ClaimsMapping returns the claims mapping policy assigned to the service
// principal, nil when there is none. Mapped directory extensions whose
// definition no longer exists produce no claim (Entra keeps such values
// but stops exposing them).
func (s *Service) ClaimsMapping(ctx context.Context, tenantID string, sp *directory.ServicePrincipal) (*token.ClaimsMapping, error) {
	as, err := s.st.ListPolicyAssignmentsByObject(ctx, tenantID, sp.ID, directory.PolicyClaimsMapping)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	p, err := s.st.GetPolicy(ctx, tenantID, as[0].PolicyID)
	if err != nil {
		return nil, fmt.Errorf("claims mapping policy %s: %w", as[0].PolicyID, err)
	}
	cm, err := ParseClaimsMapping(p.Definition)
	if err != nil {
		return nil, fmt.Errorf("claims mapping policy %s: %w", p.ID, err)
	}
	needsExt := false
	for _, c := range cm.Claims {
		needsExt = needsExt || c.ExtensionID != ""
	}
	if !needsExt {
		return cm, nil
	}
	defs, err := s.st.ListExtensionProperties(ctx, tenantID, "")
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, d := range defs {
		known[strings.ToLower(d.Name)] = true
	}
	kept := cm.Claims[:0]
	for _, c := range cm.Claims {
		if c.ExtensionID == "" || known[strings.ToLower(c.ExtensionID)] {
			kept = append(kept, c)
		}
	}
	cm.Claims = kept
	return cm, nil
}

// TokenLifetime returns the lifetime for tokens whose audience is the given
// application / service principal: a policy assigned to the application,
// else one assigned to the service principal, else the organisation
// default; 0 means Entra's default.
//
// First-party resources (Microsoft Graph, the admin centre) keep Entra's
// default: a tenant's policy, organisation default included, must not make
// Graph tokens outlive the app or grant they came from (security review S6).
func (s *Service) TokenLifetime(ctx context.Context, tenantID string, app *directory.Application, sp *directory.ServicePrincipal) (time.Duration, error) {
	if sp != nil && (directory.IsFirstPartyApp(sp.AppID) || sp.AppOwnerOrganizationID != sp.TenantID) {
		return 0, nil
	}
	var objects []string
	if app != nil {
		objects = append(objects, app.ID)
	}
	if sp != nil {
		objects = append(objects, sp.ID)
	}
	for _, id := range objects {
		as, err := s.st.ListPolicyAssignmentsByObject(ctx, tenantID, id, directory.PolicyTokenLifetime)
		if err != nil {
			return 0, err
		}
		if len(as) > 0 {
			return s.lifetimeOf(ctx, tenantID, as[0].PolicyID)
		}
	}
	all, err := s.st.ListPolicies(ctx, tenantID, directory.PolicyTokenLifetime)
	if err != nil {
		return 0, err
	}
	for _, p := range all {
		if p.IsOrganizationDefault {
			return ParseTokenLifetime(p.Definition)
		}
	}
	return 0, nil
}

func (s *Service) lifetimeOf(ctx context.Context, tenantID, policyID string) (time.Duration, error) {
	p, err := s.st.GetPolicy(ctx, tenantID, policyID)
	if err != nil {
		return 0, fmt.Errorf("token lifetime policy %s: %w", policyID, err)
	}
	return ParseTokenLifetime(p.Definition)
}
