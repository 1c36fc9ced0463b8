package graph

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/registry"
)

// The admin centre is a Graph client that runs in the same process: every
// change it makes is a Graph request served by the route table below, with
// the route's permission check, Graph's parsing and the same domain calls.
// So nothing the admin centre does is impossible through Graph, and the
// rules cannot drift apart. Entra's own admin centre works the same way:
// a first-party client calling Graph with the signed-in user's
// Directory.AccessAsUser.All, limited by the user's directory roles.

// Response is the answer of an in-process call.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do serves one Graph request in process on behalf of a, an actor the
// caller loaded from the directory (registry.FirstPartyUser for the admin
// centre: Do does no token authentication). target is the path under
// /v1.0/ with its query, e.g. "applications/{id}" or "/v1.0/users?$top=5";
// body is the JSON body or nil. a's Via and Activity reach the audit log.
// A refused or failed request returns Graph's error (its Message is what
// Graph would send) and no response.
func (s *Server) Do(ctx context.Context, a registry.Actor, method, target string, body []byte) (*Response, *Error) {
	if a.Kind == registry.ActorUser && (a.User == nil || !a.User.AccountEnabled) {
		return nil, errorf(http.StatusUnauthorized, codeInvalidToken, "Access token validation failure. The user no longer exists or is disabled.")
	}
	if !strings.HasPrefix(target, "/v1.0/") {
		target = "/v1.0/" + strings.TrimPrefix(target, "/")
	}
	r, err := http.NewRequestWithContext(ctx, method, s.base0+target, bytes.NewReader(body))
	if err != nil {
		return nil, badRequest("Invalid request: %v.", err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	segs, gerr := splitPath(r.URL.Path)
	if gerr != nil {
		return nil, s.logInProcess(r, gerr)
	}
	matched, params, allowed := s.find(method, segs)
	if matched == nil {
		return nil, s.logInProcess(r, notRouted(r, segs, allowed))
	}
	if a.Via == "" {
		a.Via = "admin centre"
	}
	a.Request = method + " " + routeName(matched)
	if err := s.reg.Authorize(ctx, a, matched.ops...); err != nil {
		return nil, s.logInProcess(r, fromDomain(err, ""))
	}
	rec := &recorder{header: http.Header{}}
	req := &request{w: rec, r: r, ctx: ctx, actor: a, params: params, base: s.base0}
	if gerr := matched.handle(req); gerr != nil {
		return nil, s.logInProcess(r, gerr)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &Response{Status: rec.status, Header: rec.header, Body: rec.buf.Bytes()}, nil
}

// logInProcess logs a refused or failed in-process call as writeError logs
// an HTTP one, and returns the error.
func (s *Server) logInProcess(r *http.Request, e *Error) *Error {
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code, "via", "in-process"}
	if e.Cause != nil {
		s.log.Error("graph request failed", append(attrs, "cause", e.Cause.Error())...)
	} else {
		s.log.Info("graph request refused", attrs...)
	}
	return e
}

// recorder is the http.ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(b)
}
