package graph

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

// policyKind describes one of the two policy collections.
type policyKind struct {
	kind   string // directory.Policy* kind
	set    string // entity set under /policies
	typ    string // OData type name
	refSet string // "policies/<set>" as @odata.id paths spell it
}

var (
	kindLifetime = policyKind{kind: directory.PolicyTokenLifetime, set: "tokenLifetimePolicies", typ: "tokenLifetimePolicy", refSet: "policies/tokenLifetimePolicies"}
	kindClaims   = policyKind{kind: directory.PolicyClaimsMapping, set: "claimsMappingPolicies", typ: "claimsMappingPolicy", refSet: "policies/claimsMappingPolicies"}
)

func renderPolicy(p *directory.Policy) map[string]any {
	return map[string]any{"id": p.ID, "deletedDateTime": nil, "definition": nonNil(p.Definition), "displayName": p.DisplayName,
		"description": nullIfEmpty(p.Description), "isOrganizationDefault": p.IsOrganizationDefault}
}

// parsePolicyBody reads a policy create/PATCH body.
func parsePolicyBody(r *request, k policyKind) (map[string]bool, registry.PolicySpec, *Error) {
	var spec registry.PolicySpec
	present := map[string]bool{}
	props, gerr := r.readBody()
	if gerr != nil {
		return nil, spec, gerr
	}
	for name, raw := range props {
		present[name] = true
		switch name {
		case "displayName":
			gerr = decodeInto(raw, name, &spec.DisplayName)
		case "description":
			gerr = decodeInto(raw, name, &spec.Description)
		case "definition":
			gerr = decodeInto(raw, name, &spec.Definition)
		case "isOrganizationDefault":
			gerr = decodeInto(raw, name, &spec.IsOrganizationDefault)
		case "@odata.type":
		default:
			gerr = unknownProperty(name, k.typ)
		}
		if gerr != nil {
			return nil, spec, gerr
		}
	}
	return present, spec, nil
}

// policy resolves the policy of kind k a path addresses.
func (s *Server) policy(r *request, k policyKind, id string) (*directory.Policy, *Error) {
	p, err := s.reg.GetPolicy(r.ctx, r.actor.TenantID, k.kind, strings.ToLower(id))
	if err != nil {
		return nil, fromDomain(err, id)
	}
	return p, nil
}

func (s *Server) listPolicies(k policyKind) handler {
	load := func(ctx context.Context, tenantID string) ([]*directory.Policy, error) {
		return s.dir.ListPolicies(ctx, tenantID, k.kind)
	}
	return func(r *request) *Error { return listEntities(r, "policies/"+k.set, load, renderPolicy) }
}

func (s *Server) createPolicy(k policyKind) handler {
	return func(r *request) *Error {
		present, spec, gerr := parsePolicyBody(r, k)
		if gerr != nil {
			return gerr
		}
		if !present["definition"] || !present["displayName"] {
			return badRequest("Properties 'definition' and 'displayName' are required.")
		}
		p, err := s.reg.CreatePolicy(r.ctx, r.actor, k.kind, spec)
		if err != nil {
			return fromDomain(err, "")
		}
		return r.writeEntity(http.StatusCreated, "policies/"+k.set+"/$entity", renderPolicy(p))
	}
}

func (s *Server) getPolicy(k policyKind) handler {
	resolve := func(r *request, id string) (*directory.Policy, *Error) { return s.policy(r, k, id) }
	return func(r *request) *Error { return getEntity(r, "policies/"+k.set+"/$entity", resolve, renderPolicy) }
}

func (s *Server) patchPolicy(k policyKind) handler {
	return func(r *request) *Error {
		present, spec, gerr := parsePolicyBody(r, k)
		if gerr != nil {
			return gerr
		}
		err := s.reg.UpdatePolicy(r.ctx, r.actor, k.kind, strings.ToLower(r.params[0]), func(cur *registry.PolicySpec) {
			if present["displayName"] {
				cur.DisplayName = spec.DisplayName
			}
			if present["description"] {
				cur.Description = spec.Description
			}
			if present["definition"] {
				cur.Definition = spec.Definition
			}
			if present["isOrganizationDefault"] {
				cur.IsOrganizationDefault = spec.IsOrganizationDefault
			}
		})
		if err != nil {
			return fromDomain(err, r.params[0])
		}
		return r.noContent()
	}
}

func (s *Server) deletePolicy(k policyKind) handler {
	return func(r *request) *Error {
		p, gerr := s.policy(r, k, r.params[0])
		if gerr != nil {
			return gerr
		}
		if err := s.reg.DeletePolicy(r.ctx, r.actor, k.kind, p.ID); err != nil {
			return fromDomain(err, p.ID)
		}
		return r.noContent()
	}
}

// policyAppliesTo lists the applications and service principals a policy
// is assigned to.
func (s *Server) policyAppliesTo(k policyKind) handler {
	return func(r *request) *Error {
		p, gerr := s.policy(r, k, r.params[0])
		if gerr != nil {
			return gerr
		}
		as, err := s.dir.ListPolicyAssignmentsByPolicy(r.ctx, r.actor.TenantID, p.ID)
		if err != nil {
			return fromDomain(err, p.ID)
		}
		items := []map[string]any{}
		for _, a := range as {
			switch a.ObjectType {
			case "application":
				if app, err := s.dir.GetApplication(r.ctx, r.actor.TenantID, a.ObjectID); err == nil {
					items = append(items, withType(renderApplication(app), "application"))
				}
			case "servicePrincipal":
				if sp, err := s.dir.GetServicePrincipal(r.ctx, r.actor.TenantID, a.ObjectID); err == nil {
					items = append(items, withType(renderServicePrincipal(sp), "servicePrincipal"))
				}
			}
		}
		return r.writeCollection("directoryObjects", items, &query{top: maxPageSize})
	}
}

// policyRef reads a $ref body naming a policy of the kind.
func (s *Server) policyRef(r *request, k policyKind) (string, *Error) {
	set, id, gerr := s.refTarget(r)
	if gerr != nil {
		return "", gerr
	}
	if !strings.EqualFold(set, k.refSet) {
		return "", badRequest("'@odata.id' must address %s, not %s.", k.refSet, set)
	}
	return strings.ToLower(id), nil
}

func (s *Server) listAssigned(r *request, objectID string, k policyKind, odataContext string) *Error {
	list, err := s.reg.AssignedPolicies(r.ctx, r.actor.TenantID, objectID, k.kind)
	if err != nil {
		return fromDomain(err, objectID)
	}
	return r.writeCollection(odataContext, renderAll(list, renderPolicy), &query{top: maxPageSize})
}

func (s *Server) listAppTokenLifetimePolicies(r *request) *Error {
	a, gerr := s.app(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	return s.listAssigned(r, a.ID, kindLifetime, "applications('"+a.ID+"')/tokenLifetimePolicies")
}

func (s *Server) assignAppTokenLifetimePolicy(r *request) *Error {
	a, gerr := s.app(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	id, gerr := s.policyRef(r, kindLifetime)
	if gerr != nil {
		return gerr
	}
	if err := s.reg.AssignPolicy(r.ctx, r.actor, kindLifetime.kind, id, a.ID, "application"); err != nil {
		return fromDomain(err, id)
	}
	return r.noContent()
}

func (s *Server) unassignAppTokenLifetimePolicy(r *request) *Error {
	a, gerr := s.app(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.UnassignPolicy(r.ctx, r.actor, kindLifetime.kind, strings.ToLower(r.params[1]), a.ID, "application"); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}

func (s *Server) listSPClaimsMappingPolicies(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	return s.listAssigned(r, sp.ID, kindClaims, "servicePrincipals('"+sp.ID+"')/claimsMappingPolicies")
}

func (s *Server) listSPTokenLifetimePolicies(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	return s.listAssigned(r, sp.ID, kindLifetime, "servicePrincipals('"+sp.ID+"')/tokenLifetimePolicies")
}

func (s *Server) assignSPClaimsMappingPolicy(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	id, gerr := s.policyRef(r, kindClaims)
	if gerr != nil {
		return gerr
	}
	if err := s.reg.AssignPolicy(r.ctx, r.actor, kindClaims.kind, id, sp.ID, "servicePrincipal"); err != nil {
		return fromDomain(err, id)
	}
	return r.noContent()
}

func (s *Server) unassignSPClaimsMappingPolicy(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.UnassignPolicy(r.ctx, r.actor, kindClaims.kind, strings.ToLower(r.params[1]), sp.ID, "servicePrincipal"); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}
