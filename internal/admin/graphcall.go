package admin

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// change is one write the admin centre makes: a Graph request, with what
// the audit log says about it.
type change struct {
	// Activity is the audit log's words for it, e.g. "Update application – Authentication".
	Activity string
	Method   string
	// Path is under /v1.0/, e.g. "applications/{id}".
	Path string
	// Body is marshalled to JSON (json.RawMessage passes as it is); nil
	// sends none.
	Body any
}

// apply makes the change through Graph as the signed-in administrator.
// The registry records it in the audit log, whether Graph made it or
// refused it, with the change's Activity.
func (s *Server) apply(ctx context.Context, p *principal, c change) (*graph.Response, *graph.Error) {
	var body []byte
	if c.Body != nil {
		var err error
		if body, err = json.Marshal(c.Body); err != nil {
			return nil, &graph.Error{Status: http.StatusBadRequest, Code: "Request_BadRequest", Message: "The change could not be encoded: " + err.Error()}
		}
	}
	a := p.Actor
	a.Activity = c.Activity
	return s.graph.Do(ctx, a, c.Method, c.Path, body)
}

// readGraph reads a Graph resource as the administrator into v.
func (s *Server) readGraph(ctx context.Context, p *principal, path string, v any) *graph.Error {
	resp, gerr := s.graph.Do(ctx, p.Actor, http.MethodGet, path, nil)
	if gerr != nil {
		return gerr
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return &graph.Error{Status: http.StatusInternalServerError, Code: "Service_InternalServerError", Message: "The answer could not be read.", Cause: err}
	}
	return nil
}

// createdID is the id of the object a POST created.
func createdID(resp *graph.Response) string {
	var v struct {
		ID string `json:"id"`
	}
	json.Unmarshal(resp.Body, &v)
	return v.ID
}

func appTarget(a *directory.Application) store.AuditTarget {
	return store.AuditTarget{ID: a.ID, Type: "application", DisplayName: a.DisplayName}
}

func spTarget(sp *directory.ServicePrincipal) store.AuditTarget {
	return store.AuditTarget{ID: sp.ID, Type: "servicePrincipal", DisplayName: sp.DisplayName}
}

func userTarget(u *directory.User) store.AuditTarget {
	return store.AuditTarget{ID: u.ID, Type: "user", DisplayName: u.UserPrincipalName}
}

func groupTarget(g *directory.Group) store.AuditTarget {
	return store.AuditTarget{ID: g.ID, Type: "group", DisplayName: g.DisplayName}
}

func policyTarget(p *directory.Policy) store.AuditTarget {
	return store.AuditTarget{ID: p.ID, Type: "policy", DisplayName: p.DisplayName}
}

// graphRef is a $ref body naming a Graph object.
func graphRef(path string) map[string]string {
	return map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/" + path}
}

// decodeJSON reads a Graph answer the admin centre made itself; a field it
// cannot read stays empty.
func decodeJSON(b []byte, v any) { json.Unmarshal(b, v) }
