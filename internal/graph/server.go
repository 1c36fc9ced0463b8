package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
)

// Config configures the Graph API.
type Config struct {
	Registry   *registry.Registry
	Keys       *keys.Manager
	Logger     *slog.Logger
	Clock      func() time.Time
	PublicURLs []string // the login host's public URLs: token issuers and @odata.id hosts
}

// Server serves /v1.0/.
type Server struct {
	reg    *registry.Registry
	keys   *keys.Manager
	log    *slog.Logger
	clock  func() time.Time
	bases  map[string]bool // lower-cased scheme://host of public URLs
	base0  string
	routes []route
}

// New returns a Graph server.
func New(cfg Config) (*Server, error) {
	if cfg.Registry == nil || cfg.Keys == nil || len(cfg.PublicURLs) == 0 {
		return nil, fmt.Errorf("graph config: Registry, Keys and PublicURLs are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{reg: cfg.Registry, keys: cfg.Keys, log: cfg.Logger, clock: cfg.Clock, bases: map[string]bool{}}
	for _, raw := range cfg.PublicURLs {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("public URL %q: %w", raw, err)
		}
		s.bases[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	first, _ := url.Parse(cfg.PublicURLs[0])
	s.base0 = first.Scheme + "://" + first.Host
	s.routes = s.routeTable()
	return s, nil
}

// request is one Graph call being served.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	caller *caller
	params []string // path wildcards in order
	base   string   // this server's base URL, for @odata.context and nextLink
}

type handler func(*request) *Error

type route struct {
	method  string
	pattern []string // segments; "*" matches one segment
	perms   []permission
	handle  handler
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs, gerr := splitPath(r.URL.Path)
	if gerr != nil {
		s.writeError(w, r, gerr)
		return
	}
	matched, params, allowed := s.find(r.Method, segs)
	if matched == nil {
		if len(allowed) > 0 {
			// RFC 9110 §15.5.6: a 405 lists the supported methods.
			w.Header().Set("Allow", strings.Join(allowed, ", "))
		}
		s.writeError(w, r, notRouted(r, segs, allowed))
		return
	}
	c, gerr := s.authenticate(r.Context(), r)
	if gerr != nil {
		s.writeError(w, r, gerr)
		return
	}
	if !c.allowed(matched.perms...) {
		s.writeError(w, r, errDenied)
		return
	}
	req := &request{w: w, r: r, ctx: r.Context(), caller: c, params: params, base: s.baseURL(r)}
	if gerr := matched.handle(req); gerr != nil {
		s.writeError(w, r, gerr)
	}
}

// find returns the route for method and path segments with its wildcard
// values, or nil and the methods the path supports.
func (s *Server) find(method string, segs []string) (*route, []string, []string) {
	var allowed []string // methods the path supports, for 405's Allow
	for i := range s.routes {
		p, ok := match(s.routes[i].pattern, segs)
		if !ok {
			continue
		}
		allowed = append(allowed, s.routes[i].method)
		if s.routes[i].method == method {
			return &s.routes[i], p, nil
		}
	}
	return nil, nil, allowed
}

// notRouted is the error for a request no route takes.
func notRouted(r *http.Request, segs, allowed []string) *Error {
	if len(allowed) > 0 {
		return errorf(http.StatusMethodNotAllowed, codeMethod, "The HTTP method '%s' is not allowed for the resource '%s'.", r.Method, strings.TrimPrefix(r.URL.Path, "/v1.0/"))
	}
	return errorf(http.StatusBadRequest, codeParseURI, "Resource not found for the segment '%s'.", lastSegment(segs))
}

func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if b := scheme + "://" + r.Host; s.bases[strings.ToLower(b)] {
		return b
	}
	return s.base0
}

var keySegmentRE = regexp.MustCompile(`^(applications|servicePrincipals)\(appId='([^']*)'\)$`)

// appIDKey marks a wildcard taken from the key syntax (appId='x'). It
// contains a slash, which a literal path segment never does, so
// /applications/appId=x cannot pose as the key syntax.
const appIDKey = "appId/"

// byKey loads the entity a path key addresses: an object id, or
// appIDKey+<client id> from the key syntax (appId='…').
func byKey[T any](r *request, key string, byID, byAppID func(ctx context.Context, tenantID, id string) (T, error)) (T, *Error) {
	get, id := byID, key
	if appID, ok := strings.CutPrefix(key, appIDKey); ok {
		get, id = byAppID, appID
	}
	v, err := get(r.ctx, r.caller.TenantID, strings.ToLower(id))
	if err != nil {
		var none T
		return none, fromDomain(err, id)
	}
	return v, nil
}

// splitPath turns /v1.0/applications(appId='x')/extensionProperties into
// [applications, appId/x, extensionProperties]. $ref arrives decoded (Go
// decodes %24ref), so both spellings reach the same route.
func splitPath(p string) ([]string, *Error) {
	p = strings.Trim(strings.TrimPrefix(p, "/v1.0"), "/")
	if p == "" {
		return nil, errorf(http.StatusBadRequest, codeParseURI, "Invalid request: no resource was addressed.")
	}
	var out []string
	for i, seg := range strings.Split(p, "/") {
		if seg == "" {
			return nil, errorf(http.StatusBadRequest, codeParseURI, "Invalid request: the path contains an empty segment.")
		}
		if i == 0 {
			if m := keySegmentRE.FindStringSubmatch(seg); m != nil {
				out = append(out, m[1], appIDKey+m[2])
				continue
			}
		}
		out = append(out, seg)
	}
	return out, nil
}

func match(pattern, segs []string) ([]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params []string
	for i, p := range pattern {
		switch {
		case p == "*":
			if segs[i] == "$ref" {
				return nil, false
			}
			params = append(params, segs[i])
		case !strings.EqualFold(p, segs[i]):
			return nil, false
		}
	}
	return params, true
}

func lastSegment(segs []string) string {
	if len(segs) == 0 {
		return ""
	}
	return segs[len(segs)-1]
}

func r(method, path string, h handler, perms ...permission) route {
	return route{method: method, pattern: strings.Split(path, "/"), perms: perms, handle: h}
}

// routeTable is the whole Graph surface in one screen.
func (s *Server) routeTable() []route {
	return []route{
		r("GET", "applications", s.listApplications, permReadApplications),
		r("POST", "applications", s.createApplication, permWriteApplications),
		r("GET", "applications/*", s.getApplication, permReadApplications),
		r("PATCH", "applications/*", s.patchApplication, permWriteApplications),
		r("DELETE", "applications/*", s.deleteApplication, permWriteApplications),
		r("POST", "applications/*/addPassword", s.addPassword, permWriteApplications),
		r("POST", "applications/*/removePassword", s.removePassword, permWriteApplications),
		r("GET", "applications/*/extensionProperties", s.listExtensionProperties, permReadApplications),
		r("POST", "applications/*/extensionProperties", s.createExtensionProperty, permWriteApplications),
		r("GET", "applications/*/extensionProperties/*", s.getExtensionProperty, permReadApplications),
		r("DELETE", "applications/*/extensionProperties/*", s.deleteExtensionProperty, permWriteApplications),
		r("GET", "applications/*/tokenLifetimePolicies", s.listAppTokenLifetimePolicies, permReadApplications, permReadPolicies),
		r("POST", "applications/*/tokenLifetimePolicies/$ref", s.assignAppTokenLifetimePolicy, permWriteApplications, permReadPolicies),
		r("DELETE", "applications/*/tokenLifetimePolicies/*/$ref", s.unassignAppTokenLifetimePolicy, permWriteApplications, permReadPolicies),

		r("POST", "directoryObjects/getAvailableExtensionProperties", s.availableExtensionProperties, permReadApplications),

		r("GET", "servicePrincipals", s.listServicePrincipals, permReadApplications),
		r("POST", "servicePrincipals", s.createServicePrincipal, permWriteApplications),
		r("GET", "servicePrincipals/*", s.getServicePrincipal, permReadApplications),
		r("DELETE", "servicePrincipals/*", s.deleteServicePrincipal, permWriteApplications),
		r("GET", "servicePrincipals/*/appRoleAssignments", s.listAppRoleAssignments, permReadApplications),
		r("POST", "servicePrincipals/*/appRoleAssignments", s.createAppRoleAssignment, permAssignAppRoles),
		r("DELETE", "servicePrincipals/*/appRoleAssignments/*", s.deleteAppRoleAssignment, permAssignAppRoles),
		r("GET", "servicePrincipals/*/claimsMappingPolicies", s.listSPClaimsMappingPolicies, permReadApplications, permReadPolicies),
		r("POST", "servicePrincipals/*/claimsMappingPolicies/$ref", s.assignSPClaimsMappingPolicy, permWriteApplications, permReadPolicies),
		r("DELETE", "servicePrincipals/*/claimsMappingPolicies/*/$ref", s.unassignSPClaimsMappingPolicy, permWriteApplications, permReadPolicies),
		r("GET", "servicePrincipals/*/tokenLifetimePolicies", s.listSPTokenLifetimePolicies, permReadApplications, permReadPolicies),

		r("GET", "users", s.listUsers, permReadUsers),
		r("POST", "users", s.createUser, permWriteUsers),
		r("GET", "users/*", s.getUser, permReadUsers),
		r("PATCH", "users/*", s.patchUser, permWriteUsers),
		r("DELETE", "users/*", s.deleteUser, permWriteUsers),
		r("GET", "users/*/memberOf", s.listUserMemberOf, permReadUsers, permReadGroups),

		r("GET", "groups", s.listGroups, permReadGroups),
		r("POST", "groups", s.createGroup, permWriteGroups),
		r("GET", "groups/*", s.getGroup, permReadGroups),
		r("DELETE", "groups/*", s.deleteGroup, permWriteGroups),
		r("GET", "groups/*/members", s.listGroupMembers, permReadGroups),
		r("POST", "groups/*/members/$ref", s.addGroupMember, permWriteMembers),
		r("DELETE", "groups/*/members/*/$ref", s.removeGroupMember, permWriteMembers),

		r("GET", "policies/tokenLifetimePolicies", s.listPolicies(kindLifetime), permReadPolicies),
		r("POST", "policies/tokenLifetimePolicies", s.createPolicy(kindLifetime), permWritePolicies),
		r("GET", "policies/tokenLifetimePolicies/*", s.getPolicy(kindLifetime), permReadPolicies),
		r("PATCH", "policies/tokenLifetimePolicies/*", s.patchPolicy(kindLifetime), permWritePolicies),
		r("DELETE", "policies/tokenLifetimePolicies/*", s.deletePolicy(kindLifetime), permWritePolicies),
		r("GET", "policies/tokenLifetimePolicies/*/appliesTo", s.policyAppliesTo(kindLifetime), permReadPolicies),
		r("GET", "policies/claimsMappingPolicies", s.listPolicies(kindClaims), permReadPolicies),
		r("POST", "policies/claimsMappingPolicies", s.createPolicy(kindClaims), permWritePolicies),
		r("GET", "policies/claimsMappingPolicies/*", s.getPolicy(kindClaims), permReadPolicies),
		r("PATCH", "policies/claimsMappingPolicies/*", s.patchPolicy(kindClaims), permWritePolicies),
		r("DELETE", "policies/claimsMappingPolicies/*", s.deletePolicy(kindClaims), permWritePolicies),
		r("GET", "policies/claimsMappingPolicies/*/appliesTo", s.policyAppliesTo(kindClaims), permReadPolicies),
	}
}
