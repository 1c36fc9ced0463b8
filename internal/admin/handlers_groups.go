package admin

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/registry"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Groups: security groups and their members.

type groupsPage struct {
	Layout
	Groups   []*directory.Group
	CanWrite bool
	Error    *FormError
	// The new group form, as typed.
	Name, Description string
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, p *principal) {
	gs, err := s.reg.Reader().ListGroups(r.Context(), p.Tenant.ID)
	if err != nil {
		s.serverError(w, r, p, "list groups", err)
		return
	}
	sortGroups(gs)
	s.render(w, http.StatusOK, "groups", &groupsPage{Layout: s.layout(r, p, "Groups", "groups"), Groups: gs, CanWrite: p.can(registry.WriteGroups)})
}

func (s *Server) newGroupForm(w http.ResponseWriter, r *http.Request, p *principal) {
	if !p.can(registry.WriteGroups) {
		s.denied(w, p, "/groups")
		return
	}
	s.render(w, http.StatusOK, "group_new", &groupsPage{Layout: s.layout(r, p, "New group", "groups", Crumb{"Groups", "/groups"})})
}

var nicknameDropRE = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// mailNickname derives a group's required mailNickname from its name, as
// the Entra admin centre does.
func mailNickname(name string) string {
	n := strings.Trim(nicknameDropRE.ReplaceAllString(name, "-"), "-.")
	if n == "" {
		n = "group"
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, p *principal) {
	pg := &groupsPage{Layout: s.layout(r, p, "New group", "groups", Crumb{"Groups", "/groups"}),
		Name: strings.TrimSpace(r.PostFormValue("display_name")), Description: strings.TrimSpace(r.PostFormValue("description"))}
	if pg.Name == "" {
		pg.Error = formError("Enter the group's name.")
		s.render(w, http.StatusBadRequest, "group_new", pg)
		return
	}
	body := map[string]any{"displayName": pg.Name, "mailNickname": mailNickname(pg.Name), "mailEnabled": false, "securityEnabled": true}
	if pg.Description != "" {
		body["description"] = pg.Description
	}
	resp, gerr := s.apply(r.Context(), p, change{Activity: "Add group", Method: "POST", Path: "groups", Body: body})
	if gerr != nil {
		pg.Error = graphError(gerr)
		s.render(w, gerr.Status, "group_new", pg)
		return
	}
	http.Redirect(w, r, "/groups/"+createdID(resp)+"?done=created", http.StatusSeeOther)
}

type groupPage struct {
	Layout
	G          *directory.Group
	Members    []groupMember
	Candidates []*directory.User
	CanWrite   bool // members
	CanDelete  bool
	Error      *FormError
	Audit      []*store.AuditRecord
}

type groupMember struct {
	ID, Name, Detail, Type, Href string
}

func (s *Server) loadGroup(w http.ResponseWriter, r *http.Request, p *principal) (*directory.Group, bool) {
	return lookup(s, w, r, p, "group", "Group", "/groups", s.reg.Reader().GetGroup)
}

func (s *Server) renderGroup(w http.ResponseWriter, r *http.Request, p *principal, g *directory.Group, status int, fe *FormError) {
	st := s.reg.Reader()
	pg := &groupPage{Layout: s.layout(r, p, g.DisplayName, "groups", Crumb{"Groups", "/groups"}), G: g, Error: fe,
		CanWrite: p.can(registry.WriteGroupMembers), CanDelete: p.can(registry.WriteGroups)}
	ids, err := st.ListGroupMembers(r.Context(), p.Tenant.ID, g.ID)
	if err != nil {
		s.serverError(w, r, p, "list members", err)
		return
	}
	for _, id := range ids {
		if u, err := st.GetUser(r.Context(), p.Tenant.ID, id); err == nil {
			pg.Members = append(pg.Members, groupMember{ID: id, Name: u.DisplayName, Detail: u.UserPrincipalName, Type: "User", Href: "/users/" + id})
		} else if m, err := st.GetGroup(r.Context(), p.Tenant.ID, id); err == nil {
			pg.Members = append(pg.Members, groupMember{ID: id, Name: m.DisplayName, Type: "Group", Href: "/groups/" + id})
		} else if sp, err := st.GetServicePrincipal(r.Context(), p.Tenant.ID, id); err == nil {
			pg.Members = append(pg.Members, groupMember{ID: id, Name: sp.DisplayName, Detail: sp.AppID, Type: "Service principal", Href: "/enterprise-applications/" + id})
		}
	}
	slices.SortFunc(pg.Members, func(a, b groupMember) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	users, err := st.ListUsers(r.Context(), p.Tenant.ID)
	if err != nil {
		s.serverError(w, r, p, "list users", err)
		return
	}
	for _, u := range users {
		if !slices.Contains(ids, u.ID) {
			pg.Candidates = append(pg.Candidates, u)
		}
	}
	slices.SortFunc(pg.Candidates, func(a, b *directory.User) int {
		return strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName))
	})
	if pg.Audit, err = s.st.ListAuditRecords(r.Context(), p.Tenant.ID, g.ID, 50); err != nil {
		s.serverError(w, r, p, "list audit records", err)
		return
	}
	s.render(w, status, "group", pg)
}

// addMember is the Graph request that adds the user to the group, from
// the group's page or the user's.
func addMember(g *directory.Group, u *directory.User) change {
	return change{Activity: "Add member to group", Method: "POST", Path: "groups/" + g.ID + "/members/$ref",
		Body: graphRef("directoryObjects/" + u.ID)}
}

// removeMember is the Graph request that removes the member (any object
// id) from the group; u, the member when it is a user, is audited too.
func removeMember(g *directory.Group, member string, u *directory.User) change {
	targets := []store.AuditTarget{groupTarget(g)}
	if u != nil {
		targets = append(targets, userTarget(u))
	}
	return change{Activity: "Remove member from group", Method: "DELETE", Path: "groups/" + g.ID + "/members/" + member + "/$ref"}
}

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, p *principal) {
	if g, ok := s.loadGroup(w, r, p); ok {
		s.renderGroup(w, r, p, g, http.StatusOK, nil)
	}
}

func (s *Server) addGroupMember(w http.ResponseWriter, r *http.Request, p *principal) {
	g, ok := s.loadGroup(w, r, p)
	if !ok {
		return
	}
	u, err := s.reg.Reader().GetUser(r.Context(), p.Tenant.ID, strings.ToLower(r.PostFormValue("user_id")))
	if err != nil {
		s.renderGroup(w, r, p, g, http.StatusBadRequest, formError("Choose the user to add."))
		return
	}
	if _, gerr := s.apply(r.Context(), p, addMember(g, u)); gerr != nil {
		s.renderGroup(w, r, p, g, gerr.Status, graphError(gerr))
		return
	}
	http.Redirect(w, r, "/groups/"+g.ID+"?done=member-added", http.StatusSeeOther)
}

func (s *Server) confirmRemoveGroupMember(w http.ResponseWriter, r *http.Request, p *principal) {
	g, ok := s.loadGroup(w, r, p)
	if !ok {
		return
	}
	member := strings.ToLower(r.PathValue("member"))
	name := member
	if u, err := s.reg.Reader().GetUser(r.Context(), p.Tenant.ID, member); err == nil {
		name = u.DisplayName
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Remove member", "groups", Crumb{"Groups", "/groups"}, Crumb{g.DisplayName, "/groups/" + g.ID}),
		Text: "Remove " + name + " from the group " + g.DisplayName + "?", Consequence: "The group's id leaves the groups claim of the member's next tokens.",
		Action: "/groups/" + g.ID + "/members/" + member + "/remove", Button: "Remove member", Cancel: "/groups/" + g.ID})
}

func (s *Server) removeGroupMember(w http.ResponseWriter, r *http.Request, p *principal) {
	g, ok := s.loadGroup(w, r, p)
	if !ok {
		return
	}
	member := strings.ToLower(r.PathValue("member"))
	var u *directory.User // the member when it is a user
	if found, err := s.reg.Reader().GetUser(r.Context(), p.Tenant.ID, member); err == nil {
		u = found
	}
	if _, gerr := s.apply(r.Context(), p, removeMember(g, member, u)); gerr != nil {
		s.renderGroup(w, r, p, g, gerr.Status, graphError(gerr))
		return
	}
	http.Redirect(w, r, "/groups/"+g.ID+"?done=member-removed", http.StatusSeeOther)
}

func (s *Server) confirmDeleteGroup(w http.ResponseWriter, r *http.Request, p *principal) {
	g, ok := s.loadGroup(w, r, p)
	if !ok {
		return
	}
	s.render(w, http.StatusOK, "confirm", &confirmPage{Layout: s.layout(r, p, "Delete group", "groups", Crumb{"Groups", "/groups"}, Crumb{g.DisplayName, "/groups/" + g.ID}),
		Text: "Delete the group " + g.DisplayName + "?", Consequence: "Its memberships go with it; its id leaves every groups claim. This cannot be undone.",
		Action: "/groups/" + g.ID + "/delete", Button: "Delete group", Cancel: "/groups/" + g.ID})
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, p *principal) {
	g, ok := s.loadGroup(w, r, p)
	if !ok {
		return
	}
	if _, gerr := s.apply(r.Context(), p, change{Activity: "Delete group", Method: "DELETE", Path: "groups/" + g.ID}); gerr != nil {
		s.renderGroup(w, r, p, g, gerr.Status, graphError(gerr))
		return
	}
	http.Redirect(w, r, "/groups?done=deleted", http.StatusSeeOther)
}
