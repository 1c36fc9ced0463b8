package graph

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

func renderServicePrincipal(sp *directory.ServicePrincipal) map[string]any {
	return map[string]any{"id": sp.ID, "deletedDateTime": nil, "accountEnabled": sp.AccountEnabled, "appId": sp.AppID,
		"appDisplayName": sp.DisplayName, "displayName": sp.DisplayName, "appOwnerOrganizationId": sp.AppOwnerOrganizationID,
		"appRoleAssignmentRequired": sp.AppRoleAssignmentRequired, "servicePrincipalNames": nonNil(sp.ServicePrincipalNames),
		"servicePrincipalType": "Application", "signInAudience": "AzureADMyOrg", "tags": []string{},
		"appRoles": sp.AppRoles, "oauth2PermissionScopes": renderScopes(sp.OAuth2PermissionScopes),
		"createdDateTime": sp.CreatedAt.UTC().Format(time.RFC3339)}
}

// servicePrincipal resolves the service principal a path addresses: an
// object id, or appIDKey+<client id> from servicePrincipals(appId='…').
func (s *Server) servicePrincipal(r *request, key string) (*directory.ServicePrincipal, *Error) {
	st := s.dir
	return byKey(r, key, st.GetServicePrincipal, st.GetServicePrincipalByAppID)
}

func (s *Server) listServicePrincipals(r *request) *Error {
	return listEntities(r, "servicePrincipals", s.dir.ListServicePrincipals, renderServicePrincipal)
}

func (s *Server) getServicePrincipal(r *request) *Error {
	return getEntity(r, "servicePrincipals/$entity", s.servicePrincipal, renderServicePrincipal)
}

// servicePrincipalPatch is the writable part of a service principal.
type servicePrincipalPatch struct {
	AccountEnabled            *bool
	AppRoleAssignmentRequired *bool
}

func (p servicePrincipalPatch) apply(sp *directory.ServicePrincipal) error {
	if p.AccountEnabled != nil {
		sp.AccountEnabled = *p.AccountEnabled
	}
	if p.AppRoleAssignmentRequired != nil {
		sp.AppRoleAssignmentRequired = *p.AppRoleAssignmentRequired
	}
	return nil
}

// readServicePrincipalBody reads a create/PATCH body. accountEnabled and
// appRoleAssignmentRequired are honoured, never silently dropped
// (security review F9).
func readServicePrincipalBody(r *request, create bool) (string, servicePrincipalPatch, *Error) {
	var p servicePrincipalPatch
	props, gerr := r.readBody()
	if gerr != nil {
		return "", p, gerr
	}
	var appID string
	for k, raw := range props {
		var gerr *Error
		switch k {
		case "appId":
			if !create {
				return "", p, badRequest("Property 'appId' is read-only.")
			}
			gerr = decodeInto(raw, k, &appID)
		case "accountEnabled":
			gerr = decodeInto(raw, k, &p.AccountEnabled)
		case "appRoleAssignmentRequired":
			gerr = decodeInto(raw, k, &p.AppRoleAssignmentRequired)
		case "@odata.type", "tags":
		default:
			gerr = unknownProperty(k, "servicePrincipal")
		}
		if gerr != nil {
			return "", p, gerr
		}
	}
	return appID, p, nil
}

// createServicePrincipal creates the service principal of an application
// registered in the tenant (POST /servicePrincipals {"appId": …}).
func (s *Server) createServicePrincipal(r *request) *Error {
	appID, patch, gerr := readServicePrincipalBody(r, true)
	if gerr != nil {
		return gerr
	}
	if appID == "" {
		return badRequest("Property 'appId' is required.")
	}
	sp, err := s.reg.CreateServicePrincipal(r.ctx, r.actor, appID, patch.apply)
	if err != nil {
		return fromDomain(err, "")
	}
	return r.writeEntity(http.StatusCreated, "servicePrincipals/$entity", renderServicePrincipal(sp))
}

func (s *Server) patchServicePrincipal(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	_, patch, gerr := readServicePrincipalBody(r, false)
	if gerr != nil {
		return gerr
	}
	if _, err := s.reg.UpdateServicePrincipal(r.ctx, r.actor, sp.ID, patch.apply); err != nil {
		return fromDomain(err, sp.ID)
	}
	return r.noContent()
}

func (s *Server) deleteServicePrincipal(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.DeleteServicePrincipal(r.ctx, r.actor, sp.ID); err != nil {
		return fromDomain(err, sp.ID)
	}
	return r.noContent()
}

func renderAssignment(a *directory.AppRoleAssignment, principal, resource string) map[string]any {
	return map[string]any{"id": a.ID, "deletedDateTime": nil, "appRoleId": a.AppRoleID, "createdDateTime": a.CreatedAt.UTC().Format(time.RFC3339),
		"principalDisplayName": principal, "principalId": a.PrincipalID, "principalType": a.PrincipalType,
		"resourceDisplayName": resource, "resourceId": a.ResourceID}
}

func (s *Server) listAppRoleAssignments(r *request) *Error {
	q, sp, gerr := queryAndEntity(r, s.servicePrincipal)
	if gerr != nil {
		return gerr
	}
	list, err := s.dir.ListAppRoleAssignmentsByPrincipal(r.ctx, r.actor.TenantID, sp.ID)
	if err != nil {
		return fromDomain(err, sp.ID)
	}
	items := make([]map[string]any, len(list))
	for i, a := range list {
		res := ""
		if rsp, err := s.dir.GetServicePrincipal(r.ctx, r.actor.TenantID, a.ResourceID); err == nil {
			res = rsp.DisplayName
		}
		items[i] = renderAssignment(a, sp.DisplayName, res)
	}
	return r.writeCollection("servicePrincipals('"+sp.ID+"')/appRoleAssignments", items, q)
}

// appRoleAssignment reads an appRoleAssignment body and grants it.
// principalID, when not empty, is what the URL fixes the principal to;
// resourceID likewise fixes the resource (appRoleAssignedTo).
func (s *Server) appRoleAssignment(r *request, principalID, resourceID string) (*directory.AppRoleAssignment, *Error) {
	var body struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if gerr := r.decodeBody("appRoleAssignment", &body); gerr != nil {
		return nil, gerr
	}
	if principalID != "" && !strings.EqualFold(body.PrincipalID, principalID) {
		return nil, badRequest("principalId must be the object addressed by the URL (%s).", principalID)
	}
	if resourceID != "" && !strings.EqualFold(body.ResourceID, resourceID) {
		return nil, badRequest("resourceId must be the service principal addressed by the URL (%s).", resourceID)
	}
	if body.AppRoleID == "" {
		body.AppRoleID = registry.DefaultAccessRoleID
	}
	if _, err := s.dir.GetServicePrincipal(r.ctx, r.actor.TenantID, strings.ToLower(body.ResourceID)); err != nil {
		return nil, notFound(body.ResourceID)
	}
	a, err := s.reg.AssignAppRole(r.ctx, r.actor, registry.AppRoleAssignmentSpec{PrincipalID: body.PrincipalID, ResourceID: body.ResourceID, AppRoleID: body.AppRoleID})
	if err != nil {
		return nil, fromDomain(err, body.PrincipalID)
	}
	return a, nil
}

// createAppRoleAssignment grants an application permission: Graph's way of
// giving admin consent to one app role.
func (s *Server) createAppRoleAssignment(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	a, gerr := s.appRoleAssignment(r, sp.ID, "")
	if gerr != nil {
		return gerr
	}
	return r.writeEntity(http.StatusCreated, "servicePrincipals('"+sp.ID+"')/appRoleAssignments/$entity", s.renderAssignment(r, a))
}

// renderAssignment renders an assignment with its display names.
func (s *Server) renderAssignment(r *request, a *directory.AppRoleAssignment) map[string]any {
	principal, resource := "", ""
	if sp, err := s.dir.GetServicePrincipal(r.ctx, r.actor.TenantID, a.ResourceID); err == nil {
		resource = sp.DisplayName
	}
	switch a.PrincipalType {
	case "User":
		if u, err := s.dir.GetUser(r.ctx, r.actor.TenantID, a.PrincipalID); err == nil {
			principal = u.DisplayName
		}
	case "Group":
		if g, err := s.dir.GetGroup(r.ctx, r.actor.TenantID, a.PrincipalID); err == nil {
			principal = g.DisplayName
		}
	default:
		if sp, err := s.dir.GetServicePrincipal(r.ctx, r.actor.TenantID, a.PrincipalID); err == nil {
			principal = sp.DisplayName
		}
	}
	return renderAssignment(a, principal, resource)
}

func (s *Server) deleteAppRoleAssignment(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.RemoveAppRoleAssignment(r.ctx, r.actor, sp.ID, strings.ToLower(r.params[1])); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}

// listAppRoleAssignedTo lists who holds the service principal's app roles:
// the users and groups assigned to the application, and the clients its
// application permissions are granted to.
func (s *Server) listAppRoleAssignedTo(r *request) *Error {
	q, sp, gerr := queryAndEntity(r, s.servicePrincipal)
	if gerr != nil {
		return gerr
	}
	list, err := s.dir.ListAppRoleAssignmentsByResource(r.ctx, r.actor.TenantID, sp.ID)
	if err != nil {
		return fromDomain(err, sp.ID)
	}
	items := make([]map[string]any, len(list))
	for i, a := range list {
		items[i] = s.renderAssignment(r, a)
	}
	return r.writeCollection("servicePrincipals('"+sp.ID+"')/appRoleAssignedTo", items, q)
}

// createAppRoleAssignedTo assigns a user, group or client to the service
// principal's application (POST servicePrincipals/{id}/appRoleAssignedTo).
func (s *Server) createAppRoleAssignedTo(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	a, gerr := s.appRoleAssignment(r, "", sp.ID)
	if gerr != nil {
		return gerr
	}
	return r.writeEntity(http.StatusCreated, "servicePrincipals('"+sp.ID+"')/appRoleAssignedTo/$entity", s.renderAssignment(r, a))
}

func (s *Server) deleteAppRoleAssignedTo(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	list, err := s.dir.ListAppRoleAssignmentsByResource(r.ctx, r.actor.TenantID, sp.ID)
	if err != nil {
		return fromDomain(err, sp.ID)
	}
	for _, a := range list {
		if strings.EqualFold(a.ID, r.params[1]) {
			if err := s.reg.RemoveAppRoleAssignment(r.ctx, r.actor, a.PrincipalID, a.ID); err != nil {
				return fromDomain(err, a.ID)
			}
			return r.noContent()
		}
	}
	return notFound(r.params[1])
}
