package graph

import (
	"encoding/json"
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

func (r *request) group(s *Server, id string) (*directory.Group, *Error) {
	g, err := s.reg.Store().GetGroup(r.ctx, r.caller.TenantID, strings.ToLower(id))
	if err != nil {
		return nil, fromDomain(err, id)
	}
	return g, nil
}

func (s *Server) listGroups(r *request) *Error {
	q, gerr := r.query()
	if gerr != nil {
		return gerr
	}
	groups, err := s.reg.Store().ListGroups(r.ctx, r.caller.TenantID)
	if err != nil {
		return fromDomain(err, "")
	}
	items := make([]map[string]any, len(groups))
	for i, g := range groups {
		items[i] = renderGroup(g)
	}
	return r.writeCollection("groups", items, q)
}

func (s *Server) getGroup(r *request) *Error {
	q, gerr := r.query()
	if gerr != nil {
		return gerr
	}
	g, gerr := r.group(s, r.params[0])
	if gerr != nil {
		return gerr
	}
	return r.writeEntity(http.StatusOK, "groups/$entity", project(renderGroup(g), q.selected))
}

func (s *Server) createGroup(r *request) *Error {
	props, gerr := r.readBody()
	if gerr != nil {
		return gerr
	}
	var body struct {
		DisplayName     *string  `json:"displayName"`
		Description     *string  `json:"description"`
		MailNickname    *string  `json:"mailNickname"`
		MailEnabled     *bool    `json:"mailEnabled"`
		SecurityEnabled *bool    `json:"securityEnabled"`
		GroupTypes      []string `json:"groupTypes"`
		OdataType       string   `json:"@odata.type"`
	}
	raw, _ := json.Marshal(props)
	if gerr := decodeInto(raw, "group", &body); gerr != nil {
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
	g, gerr := r.group(s, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.Store().DeleteGroup(r.ctx, r.caller.TenantID, g.ID); err != nil {
		return fromDomain(err, g.ID)
	}
	return r.noContent()
}

func (s *Server) listGroupMembers(r *request) *Error {
	q, gerr := r.query()
	if gerr != nil {
		return gerr
	}
	g, gerr := r.group(s, r.params[0])
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
			m := renderUser(u, nil, nil)
			m["@odata.type"] = "#microsoft.graph.user"
			items = append(items, m)
		} else if g, err := st.GetGroup(r.ctx, r.caller.TenantID, id); err == nil {
			m := renderGroup(g)
			m["@odata.type"] = "#microsoft.graph.group"
			items = append(items, m)
		} else if sp, err := st.GetServicePrincipal(r.ctx, r.caller.TenantID, id); err == nil {
			m := renderServicePrincipal(sp)
			m["@odata.type"] = "#microsoft.graph.servicePrincipal"
			items = append(items, m)
		}
	}
	return r.writeCollection("directoryObjects", items, q)
}

// addGroupMember: POST groups/{id}/members/$ref with the member's
// @odata.id (directoryObjects/{id}, users/{id}, groups/{id} or
// servicePrincipals/{id}).
func (s *Server) addGroupMember(r *request) *Error {
	g, gerr := r.group(s, r.params[0])
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
	g, gerr := r.group(s, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.Store().RemoveGroupMember(r.ctx, r.caller.TenantID, g.ID, strings.ToLower(r.params[1])); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}
