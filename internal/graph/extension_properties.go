package graph

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

func renderExtensionProperty(p *directory.ExtensionProperty) map[string]any {
	return map[string]any{"id": p.ID, "deletedDateTime": nil, "appDisplayName": p.AppDisplayName, "dataType": p.DataType,
		"isMultiValued": p.IsMultiValued, "isSyncedFromOnPremises": p.IsSyncedFromOnPremises, "name": p.Name,
		"targetObjects": nonNil(p.TargetObjects)}
}

func (s *Server) listExtensionProperties(r *request) *Error {
	q, a, gerr := queryAndEntity(r, s.app)
	if gerr != nil {
		return gerr
	}
	list, err := s.dir.ListExtensionProperties(r.ctx, r.actor.TenantID, a.ID)
	if err != nil {
		return fromDomain(err, a.ID)
	}
	return r.writeCollection("applications('"+a.ID+"')/extensionProperties", renderAll(list, renderExtensionProperty), q)
}

func (s *Server) createExtensionProperty(r *request) *Error {
	a, gerr := s.app(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	props, gerr := r.readBody()
	if gerr != nil {
		return gerr
	}
	var spec registry.ExtensionSpec
	for k, raw := range props {
		switch k {
		case "name":
			gerr = decodeInto(raw, k, &spec.Name)
		case "dataType":
			gerr = decodeInto(raw, k, &spec.DataType)
		case "targetObjects":
			gerr = decodeInto(raw, k, &spec.TargetObjects)
		case "isMultiValued":
			gerr = decodeInto(raw, k, &spec.IsMultiValued)
		case "@odata.type":
		default:
			gerr = unknownProperty(k, "extensionProperty")
		}
		if gerr != nil {
			return gerr
		}
	}
	p, err := s.reg.CreateExtensionProperty(r.ctx, r.actor, a.ID, spec)
	if err != nil {
		return fromDomain(err, a.ID)
	}
	return r.writeEntity(http.StatusCreated, "applications('"+a.ID+"')/extensionProperties/$entity", renderExtensionProperty(p))
}

func (s *Server) getExtensionProperty(r *request) *Error {
	a, gerr := s.app(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	p, err := s.dir.GetExtensionProperty(r.ctx, r.actor.TenantID, strings.ToLower(r.params[1]))
	if err != nil || p.AppObjectID != a.ID {
		return notFound(r.params[1])
	}
	return r.writeEntity(http.StatusOK, "applications('"+a.ID+"')/extensionProperties/$entity", renderExtensionProperty(p))
}

func (s *Server) deleteExtensionProperty(r *request) *Error {
	a, gerr := s.app(r, r.params[0])
	if gerr != nil {
		return gerr
	}
	if err := s.reg.DeleteExtensionProperty(r.ctx, r.actor, a.ID, strings.ToLower(r.params[1])); err != nil {
		return fromDomain(err, r.params[1])
	}
	return r.noContent()
}

// availableExtensionProperties lists every extension definition in the
// tenant (POST /directoryObjects/getAvailableExtensionProperties).
func (s *Server) availableExtensionProperties(r *request) *Error {
	var body struct {
		IsSyncedFromOnPremises *bool `json:"isSyncedFromOnPremises"`
	}
	props, gerr := r.readOptionalBody()
	if gerr != nil {
		return gerr
	}
	if props != nil {
		raw, _ := json.Marshal(props)
		if gerr := decodeInto(raw, "body", &body); gerr != nil {
			return gerr
		}
	}
	list, err := s.dir.ListExtensionProperties(r.ctx, r.actor.TenantID, "")
	if err != nil {
		return fromDomain(err, "")
	}
	items := []map[string]any{}
	for _, p := range list {
		if body.IsSyncedFromOnPremises == nil || *body.IsSyncedFromOnPremises == p.IsSyncedFromOnPremises {
			items = append(items, renderExtensionProperty(p))
		}
	}
	return r.writeCollection("Collection(microsoft.graph.extensionProperty)", items, &query{top: maxPageSize})
}
