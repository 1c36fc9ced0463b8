package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Roles and administrators: the directory roles and who holds them. Reads
// come from the store; assignments are made and removed through Graph's
// roleManagement/directory/roleAssignments as the signed-in administrator,
// so Graph's rule (Global or Privileged Role Administrator) decides.

type rolesPage struct {
	Layout
	Definitions []roleRow
}

type roleRow struct {
	directory.RoleDefinition
	Assigned int
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.can(registry.ReadRoles) {
		s.denied(w, p, "/")
		return
	}
	all, err := s.reg.Reader().ListRoleAssignments(r.Context(), p.Tenant.ID, store.RoleAssignmentFilter{})
	if err != nil {
		s.serverError(w, r, p, "list role assignments", err)
		return
	}
	pg := &rolesPage{Layout: s.layout(r, p, "Roles and administrators", "roles")}
	for _, def := range directory.RoleDefinitions() {
		row := roleRow{RoleDefinition: def}
		for _, a := range all {
			if strings.EqualFold(a.RoleDefinitionID, def.ID) {
				row.Assigned++
			}
		}
		pg.Definitions = append(pg.Definitions, row)
	}
	s.render(w, http.StatusOK, "roles", pg)
}

type rolePage struct {
	Layout
	Role        directory.RoleDefinition
	Assignments []roleHolder
	Candidates  []roleHolder
	CanWrite    bool
	Error       *FormError
}

// roleHolder is an assignment of the role, or a principal that could get it.
type roleHolder struct {
	AssignmentID, PrincipalID, Name, Detail, Type, Href string
}

func (s *Server) loadRole(w http.ResponseWriter, p *principal, id string) (directory.RoleDefinition, bool) {
	def, ok := directory.RoleDefinitionByID(id)
	if !ok {
		s.notFound(w, p, "Role", "/roles")
	}
	return def, ok
}

func (s *Server) rolePage(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.can(registry.ReadRoles) {
		s.denied(w, p, "/")
		return
	}
	if def, ok := s.loadRole(w, p, r.PathValue("id")); ok {
		s.renderRole(w, r, p, def, http.StatusOK, nil)
	}
}

func (s *Server) renderRole(w http.ResponseWriter, r *http.Request, p *principal, def directory.RoleDefinition, status int, fe *FormError) {
	ctx, st := r.Context(), s.reg.Reader()
	pg := &rolePage{Layout: s.layout(r, p, def.DisplayName, "roles", Crumb{"Roles and administrators", "/roles"}),
		Role: def, CanWrite: p.can(registry.WriteRoles), Error: fe}
	as, err := st.ListRoleAssignments(ctx, p.Tenant.ID, store.RoleAssignmentFilter{RoleDefinitionID: def.ID})
	if err != nil {
		s.serverError(w, r, p, "list role assignments", err)
		return
	}
	holds := map[string]bool{}
	for _, a := range as {
		h := s.holder(r, p, a.PrincipalID)
		h.AssignmentID = a.ID
		pg.Assignments = append(pg.Assignments, h)
		holds[strings.ToLower(a.PrincipalID)] = true
	}
	byName := func(a, b roleHolder) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }
	slices.SortFunc(pg.Assignments, byName)
	if pg.CanWrite {
		users, err := st.ListUsers(ctx, p.Tenant.ID)
		if err != nil {
			s.serverError(w, r, p, "list users", err)
			return
		}
		for _, u := range users {
			if !holds[u.ID] {
				pg.Candidates = append(pg.Candidates, roleHolder{PrincipalID: u.ID, Name: u.DisplayName, Detail: u.UserPrincipalName, Type: "User"})
			}
		}
		groups, err := st.ListGroups(ctx, p.Tenant.ID)
		if err != nil {
			s.serverError(w, r, p, "list groups", err)
			return
		}
		for _, g := range groups {
			if g.IsAssignableToRole && !holds[g.ID] {
				pg.Candidates = append(pg.Candidates, roleHolder{PrincipalID: g.ID, Name: g.DisplayName, Detail: "role-assignable group", Type: "Group"})
			}
		}
		slices.SortFunc(pg.Candidates, byName)
	}
	s.render(w, status, "role", pg)
}

// holder names the principal of an assignment: a user, a role-assignable
// group or a service principal.
func (s *Server) holder(r *http.Request, p *principal, id string) roleHolder {
	ctx, st := r.Context(), s.reg.Reader()
	if u, err := st.GetUser(ctx, p.Tenant.ID, id); err == nil {
		return roleHolder{PrincipalID: id, Name: u.DisplayName, Detail: u.UserPrincipalName, Type: "User", Href: "/users/" + id}
	}
	if g, err := st.GetGroup(ctx, p.Tenant.ID, id); err == nil {
		return roleHolder{PrincipalID: id, Name: g.DisplayName, Detail: "role-assignable group", Type: "Group", Href: "/groups/" + id}
	}
	if sp, err := st.GetServicePrincipal(ctx, p.Tenant.ID, id); err == nil {
		return roleHolder{PrincipalID: id, Name: sp.DisplayName, Detail: sp.AppID, Type: "Service principal", Href: "/enterprise-applications/" + id}
	}
	return roleHolder{PrincipalID: id, Name: id, Type: "Deleted object"}
}

func (s *Server) addRoleAssignment(w http.ResponseWriter, r *http.Request, p *principal) {
	def, ok := s.loadRole(w, p, r.PathValue("id"))
	if !ok {
		return
	}
	principalID := strings.TrimSpace(r.PostFormValue("principal_id"))
	if principalID == "" {
		s.renderRole(w, r, p, def, http.StatusBadRequest, formError("Choose who gets the role."))
		return
	}
	body := map[string]string{"roleDefinitionId": def.ID, "principalId": principalID, "directoryScopeId": "/"}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Add member to role", Method: "POST", Path: "roleManagement/directory/roleAssignments", Body: body}); gerr != nil {
		s.renderRole(w, r, p, def, gerr.Status, graphError(gerr))
		return
	}
	http.Redirect(w, r, "/roles/"+def.ID+"?done=role-assigned", http.StatusSeeOther)
}

func (s *Server) confirmRemoveRoleAssignment(w http.ResponseWriter, r *http.Request, p *principal) {
	def, ok := s.loadRole(w, p, r.PathValue("id"))
	if !ok {
		return
	}
	a, err := s.reg.Reader().GetRoleAssignment(r.Context(), p.Tenant.ID, strings.ToLower(r.PathValue("assignment")))
	if err != nil || !strings.EqualFold(a.RoleDefinitionID, def.ID) {
		s.notFound(w, p, "Role assignment", "/roles/"+def.ID)
		return
	}
	h := s.holder(r, p, a.PrincipalID)
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Remove assignment", "roles", Crumb{"Roles and administrators", "/roles"}, Crumb{def.DisplayName, "/roles/" + def.ID}),
		Text: "Remove the " + def.DisplayName + " role from " + h.Name + "?", Consequence: "The role's id leaves the wids claim of their next tokens, and what it allowed in Graph and this admin centre ends at once.",
		Action: "/roles/" + def.ID + "/assignments/" + a.ID + "/remove", Button: "Remove assignment", Cancel: "/roles/" + def.ID})
}

func (s *Server) removeRoleAssignment(w http.ResponseWriter, r *http.Request, p *principal) {
	def, ok := s.loadRole(w, p, r.PathValue("id"))
	if !ok {
		return
	}
	id := strings.ToLower(r.PathValue("assignment"))
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Remove member from role", Method: "DELETE", Path: "roleManagement/directory/roleAssignments/" + id}); gerr != nil {
		s.renderRole(w, r, p, def, gerr.Status, graphError(gerr))
		return
	}
	http.Redirect(w, r, "/roles/"+def.ID+"?done=role-removed", http.StatusSeeOther)
}
