package graph

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

func renderGroup(g *directory.Group) map[string]any {
	return map[string]any{"id": g.ID, "deletedDateTime": nil, "displayName": g.DisplayName, "description": nullIfEmpty(g.Description),
		"mailNickname": g.MailNickname, "mailEnabled": g.MailEnabled, "securityEnabled": g.SecurityEnabled, "groupTypes": []string{},
		"createdDateTime": g.CreatedAt.UTC().Format(time.RFC3339)}
}

func (s *Server) group(r *request, id string) (*directory.Group, *Error) {
	g, err := s.reg.Store().GetGroup(r.ctx, r.caller.TenantID, strings.ToLower(id))
	if err != nil {
		return nil, fromDomain(err, id)
	}
	return g, nil
}

func (s *Server) listGroups(r *request) *Error {
	return listEntities(r, "groups", s.reg.Store().ListGroups, renderGroup)
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
		OdataType       string   `json:"@odata.type"`
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
	g, err := s.reg.CreateGroup(r.ctx, r.caller.TenantID, "", *body.DisplayName, *body.MailNickname)
	if err != nil {
		return fromDomain(err, "")
	}
	if body.Description != nil || !*body.SecurityEnabled {
		g, err = s.reg.Store().UpdateGroup(r.ctx, r.caller.TenantID, g.ID, func(g *directory.Group) error {
			if body.Description != nil {
				g.Description = *body.Description
			}
			g.SecurityEnabled = *body.SecurityEnabled
			return nil
		})
		if err != nil {
			return fromDomain(err, "")
		}
	}
	return r.writeEntity(http.StatusCreated, "groups/$entity", renderGroup(g))
}

func (s *Server) deleteGroup(r *request) *Error {
	g, gerr := s.group(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.Store().DeleteGroup(r.ctx, r.caller.TenantID, g.ID); err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}

func (s *Server) listGroupMembers(r *request) *Error {
	q, g, gerr := queryAndEntity(r, s.group)
	if gerr != nil {
		return gerr
	}
	ids, err := s.reg.Store().ListGroupMembers(r.ctx, r.caller.TenantID, g.ID)
	if err != nil {
		return fromDomain(err, g.ID)
	}
	st := s.reg.Store()
	items := []map[string]any{}
	for _, id := range ids {
		if u, err := st.GetUser(r.ctx, r.caller.TenantID, id); err == nil {
			items = append(items, withType(renderUser(u, nil, nil), "user"))
		} else if g, err := st.GetGroup(r.ctx, r.caller.TenantID, id); err == nil {
			items = append(items, withType(renderGroup(g), "group"))
		} else if sp, err := st.GetServicePrincipal(r.ctx, r.caller.TenantID, id); err == nil {
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
	if !s.directoryObjectExists(r, id) || id == g.ID {
		return notFound(id)
	}
	err := s.reg.Store().AddGroupMember(r.ctx, r.caller.TenantID, g.ID, id)
	if errors.Is(err, store.ErrConflict) {
		return badRequest("One or more added object references already exist for the following modified properties: 'members'.")
	}
	if err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}

func (s *Server) directoryObjectExists(r *request, id string) bool {
	st := s.reg.Store()
	if _, err := st.GetUser(r.ctx, r.caller.TenantID, id); err == nil {
		return true
	}
	if _, err := st.GetGroup(r.ctx, r.caller.TenantID, id); err == nil {
		return true
	}
	_, err := st.GetServicePrincipal(r.ctx, r.caller.TenantID, id)
	return err == nil
}

func (s *Server) removeGroupMember(r *request) *Error {
	g, gerr := s.group(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.Store().RemoveGroupMember(r.ctx, r.caller.TenantID, g.ID, strings.ToLower(r.params[1])); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}
