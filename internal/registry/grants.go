package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// PermissionGrantSpec describes a delegated permission grant (Graph
// oAuth2PermissionGrant): ClientID and ResourceID are service principal
// object ids, Scope space-separated permission values of the resource.
type PermissionGrantSpec struct {
	ClientID, ConsentType, PrincipalID, ResourceID, Scope string
}

// CreatePermissionGrant records a delegated permission grant (Graph: POST
// /oauth2PermissionGrants). Every scope value must be a delegated
// permission the resource exposes.
func (r *Registry) CreatePermissionGrant(ctx context.Context, a Actor, spec PermissionGrantSpec) (*directory.PermissionGrant, error) {
	var out *directory.PermissionGrant
	tgt := store.AuditTarget{ID: spec.ClientID, Type: "servicePrincipal"}
	err := r.change(ctx, a, "Add delegated permission grant", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WritePermissionGrants); err != nil {
			return err
		}
		g, client, err := r.checkGrant(ctx, a.TenantID, spec)
		if err != nil {
			return err
		}
		tgt.DisplayName = client.DisplayName
		g.ID, g.CreatedAt = directory.NewID(), r.now()
		if err := r.st.CreatePermissionGrant(ctx, g); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &UniquenessError{Property: "clientId", Msg: "Permission entry already exists."}
			}
			return err
		}
		out = g
		return nil
	})
	return out, err
}

// checkGrant validates a grant's references and scope.
func (r *Registry) checkGrant(ctx context.Context, tenantID string, spec PermissionGrantSpec) (*directory.PermissionGrant, *directory.ServicePrincipal, error) {
	g := &directory.PermissionGrant{TenantID: tenantID, ClientID: strings.ToLower(spec.ClientID), ConsentType: spec.ConsentType,
		PrincipalID: strings.ToLower(spec.PrincipalID), ResourceID: strings.ToLower(spec.ResourceID)}
	client, err := r.st.GetServicePrincipal(ctx, tenantID, g.ClientID)
	if err != nil {
		return nil, nil, badRequest("clientId '%s' does not reference a service principal in the tenant.", spec.ClientID)
	}
	resource, err := r.st.GetServicePrincipal(ctx, tenantID, g.ResourceID)
	if err != nil {
		return nil, nil, badRequest("resourceId '%s' does not reference a service principal in the tenant.", spec.ResourceID)
	}
	switch g.ConsentType {
	case directory.ConsentAllPrincipals:
		if g.PrincipalID != "" {
			return nil, nil, badRequest("principalId must be null when consentType is AllPrincipals.")
		}
	case directory.ConsentPrincipal:
		if _, err := r.st.GetUser(ctx, tenantID, g.PrincipalID); err != nil {
			return nil, nil, badRequest("principalId '%s' does not reference a user in the tenant.", spec.PrincipalID)
		}
	default:
		return nil, nil, badRequest("consentType must be AllPrincipals or Principal.")
	}
	scope, err := canonicalScope(resource, strings.Fields(spec.Scope))
	if err != nil {
		return nil, nil, err
	}
	g.Scope = scope
	return g, client, nil
}

// canonicalScope spells each value as the resource does, drops
// duplicates, and refuses values the resource does not expose.
func canonicalScope(resource *directory.ServicePrincipal, values []string) (string, error) {
	var out []string
	for _, v := range values {
		found := ""
		for _, ps := range resource.OAuth2PermissionScopes {
			if strings.EqualFold(ps.Value, v) && ps.IsEnabled {
				found = ps.Value
			}
		}
		if found == "" {
			return "", badRequest("The scope '%s' is not a delegated permission of %s.", v, resource.DisplayName)
		}
		if !slices.Contains(out, found) {
			out = append(out, found)
		}
	}
	if len(out) > directory.MaxRequiredPermissions {
		return "", badRequest("A grant holds at most %d permissions.", directory.MaxRequiredPermissions)
	}
	return strings.Join(out, " "), nil
}

// UpdatePermissionGrant replaces a grant's scope (Graph: PATCH).
func (r *Registry) UpdatePermissionGrant(ctx context.Context, a Actor, id, scope string) (*directory.PermissionGrant, error) {
	var out *directory.PermissionGrant
	tgt := store.AuditTarget{ID: id, Type: "oAuth2PermissionGrant"}
	err := r.change(ctx, a, "Update delegated permission grant", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WritePermissionGrants); err != nil {
			return err
		}
		cur, err := r.st.GetPermissionGrant(ctx, a.TenantID, id)
		if err != nil {
			return err
		}
		resource, err := r.st.GetServicePrincipal(ctx, a.TenantID, cur.ResourceID)
		if err != nil {
			return err
		}
		canon, err := canonicalScope(resource, strings.Fields(scope))
		if err != nil {
			return err
		}
		out, err = r.st.UpdatePermissionGrant(ctx, a.TenantID, id, func(g *directory.PermissionGrant) error {
			g.Scope = canon
			return nil
		})
		return err
	})
	return out, err
}

// DeletePermissionGrant deletes a grant: tokens and refreshes for its
// scopes stop at once.
func (r *Registry) DeletePermissionGrant(ctx context.Context, a Actor, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "oAuth2PermissionGrant"}
	return r.change(ctx, a, "Remove delegated permission grant", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WritePermissionGrants); err != nil {
			return err
		}
		return r.st.DeletePermissionGrant(ctx, a.TenantID, id)
	})
}

// grantAllPrincipals adds scopes to the client's AllPrincipals grant on
// resource, creating it when there is none.
func (r *Registry) grantAllPrincipals(ctx context.Context, a Actor, client, resource *directory.ServicePrincipal, scopes []string) error {
	return r.change(ctx, a, "Consent to application – admin consent", targets(spTarget(client)), func() error {
		if err := check(a, WritePermissionGrants); err != nil {
			return err
		}
		return r.upsertGrant(ctx, a.TenantID, client, resource, directory.ConsentAllPrincipals, "", scopes)
	})
}

// ConsentOnBehalfOfOrganization is the consent page's "Consent on behalf
// of your organization": an administrator who may grant delegated
// permissions records an AllPrincipals grant of scopes.
func (r *Registry) ConsentOnBehalfOfOrganization(ctx context.Context, a Actor, client, resource *directory.ServicePrincipal, scopes []string) error {
	if a.Kind != ActorUser || !a.HasRole(consentAdmins...) {
		err := deny("Only an administrator who may grant admin consent can consent on behalf of the organization.")
		r.record(ctx, a, "Consent to application – admin consent", targets(spTarget(client)), err)
		return err
	}
	a.Scopes = firstPartyScopes // the consent page is Gatehouse's own
	return r.grantAllPrincipals(ctx, a, client, resource, scopes)
}

// RecordUserConsent is a user's consent on the consent page: scopes are
// added to the user's Principal grant for the client on resource. Which
// scopes a user may consent to is the consent package's decision; the
// registry keeps the record.
func (r *Registry) RecordUserConsent(ctx context.Context, a Actor, client, resource *directory.ServicePrincipal, scopes []string) error {
	return r.change(ctx, a, "Consent to application", targets(spTarget(client)), func() error {
		if a.Kind != ActorUser || a.User == nil {
			return deny("Only a signed-in user consents for themselves.")
		}
		return r.upsertGrant(ctx, a.TenantID, client, resource, directory.ConsentPrincipal, a.User.ID, scopes)
	})
}

func (r *Registry) upsertGrant(ctx context.Context, tenantID string, client, resource *directory.ServicePrincipal, consentType, principalID string, scopes []string) error {
	canon, err := canonicalScope(resource, scopes)
	if err != nil {
		return err
	}
	for range 3 { // a racing create of the same grant: update it instead
		existing, err := r.st.ListPermissionGrants(ctx, tenantID, store.PermissionGrantFilter{ClientID: client.ID,
			ResourceID: resource.ID, ConsentType: consentType, PrincipalID: principalID})
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			_, err = r.st.UpdatePermissionGrant(ctx, tenantID, existing[0].ID, func(g *directory.PermissionGrant) error {
				have := strings.Fields(g.Scope)
				for _, s := range strings.Fields(canon) {
					if !slices.Contains(have, s) {
						have = append(have, s)
					}
				}
				g.Scope = strings.Join(have, " ")
				return nil
			})
			return err
		}
		err = r.st.CreatePermissionGrant(ctx, &directory.PermissionGrant{TenantID: tenantID, ID: directory.NewID(), ClientID: client.ID,
			ConsentType: consentType, PrincipalID: principalID, ResourceID: resource.ID, Scope: canon, CreatedAt: r.now()})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("record permission grant: %w", store.ErrConflict)
}
