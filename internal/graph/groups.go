package graph

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

func renderGroup(g *directory.Group) map[string]any {
	return map[string]any{"id": g.ID, "deletedDateTime": nil, "displayName": g.DisplayName, "description": nullIfEmpty(g.Description),
		"mailNickname": g.MailNickname, "mailEnabled": g.MailEnabled, "securityEnabled": g.SecurityEnabled, "groupTypes": []string{},
		"createdDateTime": g.CreatedAt.UTC().Format(time.RFC3339), "isAssignableToRole": g.IsAssignableToRole}
}

func (s *Server) group(r *request, id string) (*directory.Group, *Error) {
	g, err := s.dir.GetGroup(r.ctx, r.actor.TenantID, strings.ToLower(id))
	if err != nil {
		return nil, fromDomain(err, id)
	}
	return g, nil
}

func (s *Server) listGroups(r *request) *Error {
	return listEntities(r, "groups", s.dir.ListGroups, renderGroup)
}

func (s *Server) getGroup(r *request) *Error {
	return getEntity(r, "groups/$entity", s.group, renderGroup)
}

func (s *Server) createGroup(r *request) *Error {
	var body struct {
		DisplayName     *string  `json:"displayName"`
		Description     *string  `json:"description"`
		MailNickname    *string  `json:"mailNickname"`
		MailEnabled     *bool    `json:"mailEnabled"`
		SecurityEnabled *bool    `json:"securityEnabled"`
		GroupTypes      []string `json:"groupTypes"`
		// isAssignableToRole: a group that can hold directory roles.
		IsAssignableToRole *bool  `json:"isAssignableToRole"`
		OdataType          string `json:"@odata.type"`
	}
	if gerr := r.decodeBody("group", &body); gerr != nil {
		return gerr
	}
	if body.DisplayName == nil || body.MailNickname == nil || body.MailEnabled == nil || body.SecurityEnabled == nil {
		return badRequest("Properties 'displayName', 'mailEnabled', 'mailNickname' and 'securityEnabled' are required when creating a group.")
	}
	if len(body.GroupTypes) > 0 || *body.MailEnabled {
		return badRequest("Gatehouse supports security groups only (mailEnabled false, no groupTypes).")
	}
	spec := registry.GroupSpec{DisplayName: *body.DisplayName, MailNickname: *body.MailNickname, SecurityDisabled: !*body.SecurityEnabled,
		IsAssignableToRole: body.IsAssignableToRole != nil && *body.IsAssignableToRole}
	if body.Description != nil {
		spec.Description = *body.Description
	}
	g, err := s.reg.CreateGroup(r.ctx, r.actor, spec)
	if err != nil {
		return fromDomain(err, "")
	}
	return r.writeEntity(http.StatusCreated, "groups/$entity", renderGroup(g))
}

func (s *Server) deleteGroup(r *request) *Error {
	g, gerr := s.group(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.DeleteGroup(r.ctx, r.actor, g.ID); err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}

func (s *Server) listGroupMembers(r *request) *Error {
	q, g, gerr := queryAndEntity(r, s.group)
	if gerr != nil {
		return gerr
	}
	ids, err := s.dir.ListGroupMembers(r.ctx, r.actor.TenantID, g.ID)
	if err != nil {
		return fromDomain(err, g.ID)
	}
	st := s.dir
	items := []map[string]any{}
	for _, id := range ids {
		if u, err := st.GetUser(r.ctx, r.actor.TenantID, id); err == nil {
			items = append(items, withType(renderUser(u, nil, nil), "user"))
		} else if g, err := st.GetGroup(r.ctx, r.actor.TenantID, id); err == nil {
			items = append(items, withType(renderGroup(g), "group"))
		} else if sp, err := st.GetServicePrincipal(r.ctx, r.actor.TenantID, id); err == nil {
			items = append(items, withType(renderServicePrincipal(sp), "servicePrincipal"))
		}
	}
	return r.writeCollection("directoryObjects", items, q)
}

// addGroupMember: POST groups/{id}/members/$ref with the member's
// @odata.id (directoryObjects/{id}, users/{id}, groups/{id} or
// servicePrincipals/{id}).
func (s *Server) addGroupMember(r *request) *Error {
	g, gerr := s.group(r, r.params[0])
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
		return badRequest("A group member must be a directory object, not '%s'.", set)
	}
	id = strings.ToLower(id)
	if !s.directoryObjectExists(r, id) {
		return notFound(id)
	}
	if err := s.reg.AddGroupMember(r.ctx, r.actor, g.ID, id); err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}

func (s *Server) directoryObjectExists(r *request, id string) bool {
	st := s.dir
	if _, err := st.GetUser(r.ctx, r.actor.TenantID, id); err == nil {
		return true
	}
	if _, err := st.GetGroup(r.ctx, r.actor.TenantID, id); err == nil {
		return true
	}
	_, err := st.GetServicePrincipal(r.ctx, r.actor.TenantID, id)
	return err == nil
}

func (s *Server) removeGroupMember(r *request) *Error {
	g, gerr := s.group(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.RemoveGroupMember(r.ctx, r.actor, g.ID, strings.ToLower(r.params[1])); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}
