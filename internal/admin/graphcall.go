package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

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
	Body    any
	Targets []store.AuditTarget
}

// apply makes the change through Graph as the signed-in administrator and
// records it in the audit log, whether Graph made it or refused it.
func (s *Server) apply(ctx context.Context, p *principal, c change) (*graph.Response, *graph.Error) {
	var body []byte
	if c.Body != nil {
		var err error
		if body, err = json.Marshal(c.Body); err != nil {
			return nil, &graph.Error{Status: http.StatusBadRequest, Code: "Request_BadRequest", Message: "The change could not be encoded: " + err.Error()}
		}
	}
	resp, gerr := s.graph.Do(ctx, p.User, c.Method, c.Path, body)
	if resp != nil && c.Method == http.MethodPost {
		// A target without an id is the object the POST created.
		for i := range c.Targets {
			if c.Targets[i].ID == "" {
				c.Targets[i].ID = createdID(resp)
			}
		}
	}
	s.audit(ctx, p, c, gerr)
	return resp, gerr
}

// audit stores the record of a change. A failure to store it is logged:
// the change itself has happened (or failed) already.
func (s *Server) audit(ctx context.Context, p *principal, c change, gerr *graph.Error) {
	path, _, _ := strings.Cut(c.Path, "?")
	rec := &store.AuditRecord{TenantID: p.Tenant.ID, ID: directory.NewID(), Time: s.now().UTC(), Activity: c.Activity,
		Operation: c.Method + " /v1.0/" + strings.TrimPrefix(path, "/"), Result: "success", ActorID: p.User.ID,
		ActorName: p.User.UserPrincipalName, Via: "admin centre", Targets: c.Targets}
	if rec.Targets == nil {
		rec.Targets = []store.AuditTarget{}
	}
	if gerr != nil {
		rec.Result, rec.ResultReason = "failure", gerr.Message
	}
	if err := s.st.CreateAuditRecord(ctx, rec); err != nil {
		s.log.Error("store audit record", "activity", c.Activity, "err", err)
	}
}

// readGraph reads a Graph resource as the administrator into v.
func (s *Server) readGraph(ctx context.Context, p *principal, path string, v any) *graph.Error {
	resp, gerr := s.graph.Do(ctx, p.User, http.MethodGet, path, nil)
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
