package graph

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func renderServicePrincipal(sp *directory.ServicePrincipal) map[string]any {
	return map[string]any{"id": sp.ID, "deletedDateTime": nil, "accountEnabled": sp.AccountEnabled, "appId": sp.AppID,
		"appDisplayName": sp.DisplayName, "displayName": sp.DisplayName, "appOwnerOrganizationId": sp.AppOwnerOrganizationID,
		"appRoleAssignmentRequired": sp.AppRoleAssignmentRequired, "servicePrincipalNames": nonNil(sp.ServicePrincipalNames),
		"servicePrincipalType": "Application", "signInAudience": "AzureADMyOrg", "tags": []string{},
		"appRoles": sp.AppRoles, "oauth2PermissionScopes": sp.OAuth2PermissionScopes,
		"createdDateTime": sp.CreatedAt.UTC().Format(time.RFC3339)}
}

// servicePrincipal resolves the service principal a path addresses: an
// object id, or appIDKey+<client id> from servicePrincipals(appId='…').
func (s *Server) servicePrincipal(r *request, key string) (*directory.ServicePrincipal, *Error) {
	st := s.reg.Store()
	return byKey(r, key, st.GetServicePrincipal, st.GetServicePrincipalByAppID)
}

func (s *Server) listServicePrincipals(r *request) *Error {
	return listEntities(r, "servicePrincipals", s.reg.Store().ListServicePrincipals, renderServicePrincipal)
}

func (s *Server) getServicePrincipal(r *request) *Error {
	return getEntity(r, "servicePrincipals/$entity", s.servicePrincipal, renderServicePrincipal)
}

// createServicePrincipal creates the service principal of an application
// registered in the tenant (POST /servicePrincipals {"appId": …}).
func (s *Server) createServicePrincipal(r *request) *Error {
	props, gerr := r.readBody()
	if gerr != nil {
		return gerr
	}
	var appID string
	for k, raw := range props {
		switch k {
		case "appId":
			if gerr := decodeInto(raw, k, &appID); gerr != nil {
				return gerr
			}
		case "@odata.type", "tags", "accountEnabled", "appRoleAssignmentRequired":
		default:
			return unknownProperty(k, "servicePrincipal")
		}
	}
	if appID == "" {
		return badRequest("Property 'appId' is required.")
	}
	a, err := s.reg.Store().GetApplicationByAppID(r.ctx, r.caller.TenantID, strings.ToLower(appID))
	if err != nil {
		return badRequest("The appId '%s' of the service principal does not reference a valid application object.", appID)
	}
	sp := &directory.ServicePrincipal{TenantID: r.caller.TenantID, ID: directory.NewID(), AppID: a.AppID, DisplayName: a.DisplayName,
		AppOwnerOrganizationID: r.caller.TenantID, ServicePrincipalNames: append([]string{a.AppID}, a.IdentifierURIs...),
		AppRoles: []directory.AppRole{}, OAuth2PermissionScopes: []directory.PermissionScope{}, AccountEnabled: true, CreatedAt: s.clock().UTC()}
	if err := s.reg.Store().CreateServicePrincipal(r.ctx, sp); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return errorf(http.StatusConflict, codeNotUnique, "The service principal cannot be created, updated, or restored because the service principal name %s is already in use.", a.AppID)
		}
		return fromDomain(err, "")
	}
	return r.writeEntity(http.StatusCreated, "servicePrincipals/$entity", renderServicePrincipal(sp))
}

func (s *Server) deleteServicePrincipal(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if sp.AppID == directory.GraphAppID {
		return errDenied
	}
	if err := s.reg.Store().DeleteServicePrincipal(r.ctx, r.caller.TenantID, sp.ID); err != nil {
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
	list, err := s.reg.Store().ListAppRoleAssignmentsByPrincipal(r.ctx, r.caller.TenantID, sp.ID)
	if err != nil {
		return fromDomain(err, sp.ID)
	}
	items := make([]map[string]any, len(list))
	for i, a := range list {
		res := ""
		if rsp, err := s.reg.Store().GetServicePrincipal(r.ctx, r.caller.TenantID, a.ResourceID); err == nil {
			res = rsp.DisplayName
		}
		items[i] = renderAssignment(a, sp.DisplayName, res)
	}
	return r.writeCollection("servicePrincipals('"+sp.ID+"')/appRoleAssignments", items, q)
}

// createAppRoleAssignment grants an application permission: Graph's way of
// giving admin consent to one app role.
func (s *Server) createAppRoleAssignment(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	var body struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if gerr := r.decodeBody("appRoleAssignment", &body); gerr != nil {
		return gerr
	}
	if !strings.EqualFold(body.PrincipalID, sp.ID) {
		return badRequest("principalId must be the service principal addressed by the URL (%s).", sp.ID)
	}
	resource, err := s.reg.Store().GetServicePrincipal(r.ctx, r.caller.TenantID, strings.ToLower(body.ResourceID))
	if err != nil {
		return notFound(body.ResourceID)
	}
	var role *directory.AppRole
	for i := range resource.AppRoles {
		if strings.EqualFold(resource.AppRoles[i].ID, body.AppRoleID) {
			role = &resource.AppRoles[i]
		}
	}
	if role == nil {
		return badRequest("Permission being assigned was not found on application '%s'.", resource.AppID)
	}
	a := &directory.AppRoleAssignment{TenantID: r.caller.TenantID, ID: directory.NewID(), PrincipalID: sp.ID, PrincipalType: "ServicePrincipal",
		ResourceID: resource.ID, AppRoleID: role.ID, CreatedAt: s.clock().UTC()}
	if err := s.reg.Store().CreateAppRoleAssignment(r.ctx, a); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return badRequest("Permission being assigned already exists on the object.")
		}
		return fromDomain(err, sp.ID)
	}
	return r.writeEntity(http.StatusCreated, "servicePrincipals('"+sp.ID+"')/appRoleAssignments/$entity", renderAssignment(a, sp.DisplayName, resource.DisplayName))
}

func (s *Server) deleteAppRoleAssignment(r *request) *Error {
	sp, gerr := s.servicePrincipal(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	list, err := s.reg.Store().ListAppRoleAssignmentsByPrincipal(r.ctx, r.caller.TenantID, sp.ID)
	if err != nil {
		return fromDomain(err, sp.ID)
	}
	for _, a := range list {
		if strings.EqualFold(a.ID, r.params[1]) {
			if err := s.reg.Store().DeleteAppRoleAssignment(r.ctx, r.caller.TenantID, a.ID); err != nil {
				return fromDomain(err, a.ID)
			}
			return r.noContent()
		}
	}
	return notFound(r.params[1])
}
