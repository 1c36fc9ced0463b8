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

// Directory roles: roleManagement/directory/roleDefinitions and
// roleAssignments (the unified RBAC API), and the legacy directoryRoles
// with members/$ref. A directoryRole's id here is its role template id:
// every built-in role is activated in every tenant.

func renderRoleDefinition(d directory.RoleDefinition) map[string]any {
	return map[string]any{"id": d.ID, "templateId": d.ID, "displayName": d.DisplayName, "description": d.Description,
		"isBuiltIn": true, "isEnabled": true, "isPrivileged": d.IsPrivileged, "resourceScopes": []string{"/"},
		"rolePermissions": []any{}, "version": "1"}
}

func renderRoleAssignment(a *directory.RoleAssignment) map[string]any {
	return map[string]any{"id": a.ID, "roleDefinitionId": a.RoleDefinitionID, "principalId": a.PrincipalID,
		"directoryScopeId": a.DirectoryScopeID, "createdDateTime": a.CreatedAt.UTC().Format(time.RFC3339)}
}

func (s *Server) listRoleDefinitions(r *request) *Error {
	load := func(context.Context, string) ([]directory.RoleDefinition, error) {
		return directory.RoleDefinitions(), nil
	}
	return listEntities(r, "roleManagement/directory/roleDefinitions", load, renderRoleDefinition)
}

func roleDefinition(_ *request, id string) (directory.RoleDefinition, *Error) {
	d, ok := directory.RoleDefinitionByID(id)
	if !ok {
		return d, notFound(id)
	}
	return d, nil
}

func (s *Server) getRoleDefinition(r *request) *Error {
	return getEntity(r, "roleManagement/directory/roleDefinitions/$entity", roleDefinition, renderRoleDefinition)
}

func (s *Server) listRoleAssignments(r *request) *Error {
	load := func(ctx context.Context, tenantID string) ([]*directory.RoleAssignment, error) {
		return s.dir.ListRoleAssignments(ctx, tenantID, store.RoleAssignmentFilter{})
	}
	return listEntities(r, "roleManagement/directory/roleAssignments", load, renderRoleAssignment)
}

func (s *Server) roleAssignment(r *request, id string) (*directory.RoleAssignment, *Error) {
	a, err := s.dir.GetRoleAssignment(r.ctx, r.actor.TenantID, strings.ToLower(id))
	if err != nil {
		return nil, fromDomain(err, id)
	}
	return a, nil
}

func (s *Server) getRoleAssignment(r *request) *Error {
	return getEntity(r, "roleManagement/directory/roleAssignments/$entity", s.roleAssignment, renderRoleAssignment)
}

func (s *Server) createRoleAssignment(r *request) *Error {
	var body struct {
		RoleDefinitionID string `json:"roleDefinitionId"`
		PrincipalID      string `json:"principalId"`
		DirectoryScopeID string `json:"directoryScopeId"`
		OdataType        string `json:"@odata.type"`
	}
	if gerr := r.decodeBody("unifiedRoleAssignment", &body); gerr != nil {
		return gerr
	}
	if body.RoleDefinitionID == "" || body.PrincipalID == "" || body.DirectoryScopeID == "" {
		return badRequest("Properties 'roleDefinitionId', 'principalId' and 'directoryScopeId' are required.")
	}
	a, err := s.reg.AssignRole(r.ctx, r.actor, registry.RoleAssignmentSpec{RoleDefinitionID: body.RoleDefinitionID,
		PrincipalID: body.PrincipalID, DirectoryScopeID: body.DirectoryScopeID})
	if err != nil {
		return fromDomain(err, "")
	}
	return r.writeEntity(http.StatusCreated, "roleManagement/directory/roleAssignments/$entity", renderRoleAssignment(a))
}

func (s *Server) deleteRoleAssignment(r *request) *Error {
	a, gerr := s.roleAssignment(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.RemoveRoleAssignment(r.ctx, r.actor, a.ID); err != nil {
		return fromDomain(err, a.ID)
	}
	return r.noContent()
}

func renderDirectoryRole(d directory.RoleDefinition) map[string]any {
	return map[string]any{"id": d.ID, "roleTemplateId": d.ID, "displayName": d.DisplayName, "description": d.Description, "deletedDateTime": nil}
}

func (s *Server) listDirectoryRoles(r *request) *Error {
	load := func(context.Context, string) ([]directory.RoleDefinition, error) {
		return directory.RoleDefinitions(), nil
	}
	return listEntities(r, "directoryRoles", load, renderDirectoryRole)
}

func (s *Server) getDirectoryRole(r *request) *Error {
	return getEntity(r, "directoryRoles/$entity", roleDefinition, renderDirectoryRole)
}

// listDirectoryRoleMembers lists the principals holding a role directly.
func (s *Server) listDirectoryRoleMembers(r *request) *Error {
	q, d, gerr := queryAndEntity(r, roleDefinition)
	if gerr != nil {
		return gerr
	}
	as, err := s.dir.ListRoleAssignments(r.ctx, r.actor.TenantID, store.RoleAssignmentFilter{RoleDefinitionID: d.ID})
	if err != nil {
		return fromDomain(err, d.ID)
	}
	items := []map[string]any{}
	for _, a := range as {
		if m := s.renderDirectoryObject(r, a.PrincipalID); m != nil {
			items = append(items, m)
		}
	}
	return r.writeCollection("directoryObjects", items, q)
}

// renderDirectoryObject renders a user, group or service principal by id
// with its @odata.type, or nil.
func (s *Server) renderDirectoryObject(r *request, id string) map[string]any {
	if u, err := s.dir.GetUser(r.ctx, r.actor.TenantID, id); err == nil {
		return withType(renderUser(u, nil, nil), "user")
	}
	if g, err := s.dir.GetGroup(r.ctx, r.actor.TenantID, id); err == nil {
		return withType(renderGroup(g), "group")
	}
	if sp, err := s.dir.GetServicePrincipal(r.ctx, r.actor.TenantID, id); err == nil {
		return withType(renderServicePrincipal(sp), "servicePrincipal")
	}
	return nil
}

// addDirectoryRoleMember assigns the role (POST directoryRoles/{id}/members/$ref).
func (s *Server) addDirectoryRoleMember(r *request) *Error {
	d, gerr := roleDefinition(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	set, id, gerr := s.refTarget(r)
	if gerr != nil {
		return gerr
	}
	switch set {
	case "directoryObjects", "users", "groups", "servicePrincipals":
	default:
		return badRequest("A role member must be a directory object, not '%s'.", set)
	}
	if _, err := s.reg.AssignRole(r.ctx, r.actor, registry.RoleAssignmentSpec{RoleDefinitionID: d.ID, PrincipalID: id, DirectoryScopeID: "/"}); err != nil {
		return fromDomain(err, id)
	}
	return r.noContent()
}

// removeDirectoryRoleMember removes the role
// (DELETE directoryRoles/{id}/members/{memberId}/$ref).
func (s *Server) removeDirectoryRoleMember(r *request) *Error {
	d, gerr := roleDefinition(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	as, err := s.dir.ListRoleAssignments(r.ctx, r.actor.TenantID, store.RoleAssignmentFilter{PrincipalID: strings.ToLower(r.params[1]), RoleDefinitionID: d.ID})
	if err != nil {
		return fromDomain(err, r.params[1])
	}
	if len(as) == 0 {
		return notFound(r.params[1])
	}
	if err := s.reg.RemoveRoleAssignment(r.ctx, r.actor, as[0].ID); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}
