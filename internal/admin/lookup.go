package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/store"
)

// lookup reads the directory object (its Graph type, "service principal")
// that the request's {id} names in the signed-in tenant. A missing object
// is the not-found page of what ("Enterprise application"), linking back to
// list; any other failure is a server error. It reports whether the
// handler may go on.
func lookup[T any](s *Server, w http.ResponseWriter, r *http.Request, p *principal, object, what, list string,
	get func(ctx context.Context, tenantID, id string) (T, error)) (T, bool) {
	v, err := get(r.Context(), p.Tenant.ID, strings.ToLower(r.PathValue("id")))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, p, what, list)
		return v, false
	}
	if err != nil {
		s.serverError(w, r, p, "load "+object, err)
		return v, false
	}
	return v, true
}
