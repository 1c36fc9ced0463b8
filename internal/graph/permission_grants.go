package graph

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// oAuth2PermissionGrant: the delegated permission grants consent is
// decided from (GET/POST /oauth2PermissionGrants, GET/PATCH/DELETE
// /oauth2PermissionGrants/{id}, and the lists of a service principal and a
// user). $filter on clientId, consentType, principalId and resourceId.

func renderPermissionGrant(g *directory.PermissionGrant) map[string]any {
	var principal any
	if g.PrincipalID != "" {
		principal = g.PrincipalID
	}
	return map[string]any{"id": g.ID, "clientId": g.ClientID, "consentType": g.ConsentType, "principalId": principal,
		"resourceId": g.ResourceID, "scope": g.Scope}
}

func (s *Server) permissionGrant(r *request, id string) (*directory.PermissionGrant, *Error) {
	g, err := s.dir.GetPermissionGrant(r.ctx, r.actor.TenantID, id)
	if err != nil {
		return nil, fromDomain(err, id)
	}
	return g, nil
}

func (s *Server) listPermissionGrantsWhere(f store.PermissionGrantFilter, odataContext string) handler {
	return func(r *request) *Error {
		load := func(ctx context.Context, tenantID string) ([]*directory.PermissionGrant, error) {
			return s.dir.ListPermissionGrants(ctx, tenantID, f)
		}
		return listEntities(r, odataContext, load, renderPermissionGrant)
	}
}

func (s *Server) listPermissionGrants(r *request) *Error {
	return s.listPermissionGrantsWhere(store.PermissionGrantFilter{}, "oauth2PermissionGrants")(r)
}

// listServicePrincipalGrants lists the grants a service principal holds as
// the client.
func (s *Server) listServicePrincipalGrants(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	return s.listPermissionGrantsWhere(store.PermissionGrantFilter{ClientID: sp.ID}, "oauth2PermissionGrants")(r)
}

// listUserGrants lists the grants a user consented to.
func (s *Server) listUserGrants(r *request) *Error {
	u, gerr := s.user(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	return s.listPermissionGrantsWhere(store.PermissionGrantFilter{PrincipalID: u.ID}, "oauth2PermissionGrants")(r)
}

func (s *Server) getPermissionGrant(r *request) *Error {
	resolve := func(r *request, id string) (*directory.PermissionGrant, *Error) { return s.permissionGrant(r, id) }
	return getEntity(r, "oauth2PermissionGrants/$entity", resolve, renderPermissionGrant)
}

func (s *Server) createPermissionGrant(r *request) *Error {
	var body struct {
		ClientID    string  `json:"clientId"`
		ConsentType string  `json:"consentType"`
		PrincipalID *string `json:"principalId"`
		ResourceID  string  `json:"resourceId"`
		Scope       string  `json:"scope"`
		// Read-only in v1.0; accepted as Graph does.
		ExpiryTime *time.Time `json:"expiryTime"`
		StartTime  *time.Time `json:"startTime"`
		OdataType  string     `json:"@odata.type"`
	}
	if gerr := r.decodeBody("oAuth2PermissionGrant", &body); gerr != nil {
		return gerr
	}
	if body.ClientID == "" || body.ConsentType == "" || body.ResourceID == "" {
		return badRequest("Properties 'clientId', 'consentType' and 'resourceId' are required.")
	}
	spec := registry.PermissionGrantSpec{ClientID: body.ClientID, ConsentType: body.ConsentType, ResourceID: body.ResourceID, Scope: body.Scope}
	if body.PrincipalID != nil {
		spec.PrincipalID = *body.PrincipalID
	}
	g, err := s.reg.CreatePermissionGrant(r.ctx, r.actor, spec)
	if err != nil {
		return fromDomain(err, "")
	}
	return r.writeEntity(http.StatusCreated, "oauth2PermissionGrants/$entity", renderPermissionGrant(g))
}

func (s *Server) patchPermissionGrant(r *request) *Error {
	g, gerr := s.permissionGrant(r, strings.ToLower(r.params[0]))
	if gerr != nil {
		return gerr
	}
	props, gerr := r.readBody()
	if gerr != nil {
		return gerr
	}
	var scope *string
	for k, raw := range props {
		switch k {
		case "scope":
			if gerr := decodeInto(raw, k, &scope); gerr != nil {
				return gerr
			}
		case "@odata.type":
		default:
			return badRequest("Property '%s' of an oAuth2PermissionGrant cannot be changed; only 'scope' can.", k)
		}
	}
	if scope == nil {
		return r.noContent()
	}
	if _, err := s.reg.UpdatePermissionGrant(r.ctx, r.actor, g.ID, *scope); err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}

func (s *Server) deletePermissionGrant(r *request) *Error {
	g, gerr := s.permissionGrant(r, strings.ToLower(r.params[0]))
	if gerr != nil {
		return gerr
	}
	if err := s.reg.DeletePermissionGrant(r.ctx, r.actor, g.ID); err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}
