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
	"github.com/gatehouse-id/gatehouse/internal/store"
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
	dir    store.DirectoryReader
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
	s := &Server{reg: cfg.Registry, dir: cfg.Registry.Reader(), keys: cfg.Keys, log: cfg.Logger, clock: cfg.Clock, bases: map[string]bool{}}
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
	actor  registry.Actor
	params []string // path wildcards in order
	base   string   // this server's base URL, for @odata.context and nextLink
}

type handler func(*request) *Error

type route struct {
	method  string
	pattern []string // segments; "*" matches one segment
	ops     []registry.Operation
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
	a, gerr := s.authenticate(r.Context(), r)
	if gerr != nil {
		s.writeError(w, r, gerr)
		return
	}
	a = a.Describe("Graph API", r.Method+" "+routeName(matched), clientIP(r), "")
	if err := s.reg.Authorize(r.Context(), a, matched.ops...); err != nil {
		s.writeError(w, r, fromDomain(err, ""))
		return
	}
	req := &request{w: w, r: r, ctx: r.Context(), actor: a, params: params, base: s.baseURL(r)}
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

// roleKeyRE is directoryRoles(roleTemplateId='…'): the template id is the
// directoryRole's id here.
var roleKeyRE = regexp.MustCompile(`^directoryRoles\(roleTemplateId='([^']*)'\)$`)

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
	v, err := get(r.ctx, r.actor.TenantID, strings.ToLower(id))
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
			if m := roleKeyRE.FindStringSubmatch(seg); m != nil {
				out = append(out, "directoryRoles", m[1])
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

func r(method, path string, h handler, ops ...registry.Operation) route {
	return route{method: method, pattern: strings.Split(path, "/"), ops: ops, handle: h}
}

// routeName is the request line the audit log records: the route's path,
// with {id} for its wildcards (so no user input is logged).
func routeName(rt *route) string {
	segs := make([]string, len(rt.pattern))
	for i, p := range rt.pattern {
		if p == "*" {
			p = "{id}"
		}
		segs[i] = p
	}
	return "/v1.0/" + strings.Join(segs, "/")
}

// clientIP is the caller's address, for the audit log.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndex(host, ":"); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// routeTable is the whole Graph surface in one screen.
func (s *Server) routeTable() []route {
	return []route{
		r("GET", "applications", s.listApplications, registry.ReadApplications),
		r("POST", "applications", s.createApplication, registry.WriteApplications),
		r("GET", "applications/*", s.getApplication, registry.ReadApplications),
		r("PATCH", "applications/*", s.patchApplication, registry.WriteApplications),
		r("DELETE", "applications/*", s.deleteApplication, registry.WriteApplications),
		r("POST", "applications/*/addPassword", s.addPassword, registry.WriteApplications),
		r("POST", "applications/*/removePassword", s.removePassword, registry.WriteApplications),
		r("GET", "applications/*/extensionProperties", s.listExtensionProperties, registry.ReadApplications),
		r("POST", "applications/*/extensionProperties", s.createExtensionProperty, registry.WriteApplications),
		r("GET", "applications/*/extensionProperties/*", s.getExtensionProperty, registry.ReadApplications),
		r("DELETE", "applications/*/extensionProperties/*", s.deleteExtensionProperty, registry.WriteApplications),
		r("GET", "applications/*/tokenLifetimePolicies", s.listAppTokenLifetimePolicies, registry.ReadApplications, registry.ReadPolicies),
		r("POST", "applications/*/tokenLifetimePolicies/$ref", s.assignAppTokenLifetimePolicy, registry.WriteApplications, registry.ReadPolicies),
		r("DELETE", "applications/*/tokenLifetimePolicies/*/$ref", s.unassignAppTokenLifetimePolicy, registry.WriteApplications, registry.ReadPolicies),

		r("POST", "directoryObjects/getAvailableExtensionProperties", s.availableExtensionProperties, registry.ReadApplications),

		r("GET", "servicePrincipals", s.listServicePrincipals, registry.ReadApplications),
		r("POST", "servicePrincipals", s.createServicePrincipal, registry.WriteApplications),
		r("GET", "servicePrincipals/*", s.getServicePrincipal, registry.ReadApplications),
		r("PATCH", "servicePrincipals/*", s.patchServicePrincipal, registry.WriteApplications),
		r("DELETE", "servicePrincipals/*", s.deleteServicePrincipal, registry.WriteApplications),
		r("GET", "servicePrincipals/*/appRoleAssignedTo", s.listAppRoleAssignedTo, registry.ReadApplications),
		r("POST", "servicePrincipals/*/appRoleAssignedTo", s.createAppRoleAssignedTo, registry.AssignAppRoles),
		r("DELETE", "servicePrincipals/*/appRoleAssignedTo/*", s.deleteAppRoleAssignedTo, registry.AssignAppRoles),
		r("GET", "servicePrincipals/*/oauth2PermissionGrants", s.listServicePrincipalGrants, registry.ReadApplications, registry.ReadPermissionGrants),
		r("GET", "servicePrincipals/*/appRoleAssignments", s.listAppRoleAssignments, registry.ReadApplications),
		r("POST", "servicePrincipals/*/appRoleAssignments", s.createAppRoleAssignment, registry.AssignAppRoles),
		r("DELETE", "servicePrincipals/*/appRoleAssignments/*", s.deleteAppRoleAssignment, registry.AssignAppRoles),
		r("GET", "servicePrincipals/*/claimsMappingPolicies", s.listSPClaimsMappingPolicies, registry.ReadApplications, registry.ReadPolicies),
		r("POST", "servicePrincipals/*/claimsMappingPolicies/$ref", s.assignSPClaimsMappingPolicy, registry.WriteApplications, registry.ReadPolicies),
		r("DELETE", "servicePrincipals/*/claimsMappingPolicies/*/$ref", s.unassignSPClaimsMappingPolicy, registry.WriteApplications, registry.ReadPolicies),
		r("GET", "servicePrincipals/*/tokenLifetimePolicies", s.listSPTokenLifetimePolicies, registry.ReadApplications, registry.ReadPolicies),

		r("GET", "users", s.listUsers, registry.ReadUsers),
		r("POST", "users", s.createUser, registry.WriteUsers),
		r("GET", "users/*", s.getUser, registry.ReadUsers),
		r("PATCH", "users/*", s.patchUser, registry.WriteUsers),
		r("DELETE", "users/*", s.deleteUser, registry.DeleteUsers),
		r("GET", "users/*/memberOf", s.listUserMemberOf, registry.ReadUsers, registry.ReadGroups),
		r("POST", "users/*/revokeSignInSessions", s.revokeSignInSessions, registry.RevokeSessions),
		r("GET", "users/*/oauth2PermissionGrants", s.listUserGrants, registry.ReadUsers, registry.ReadPermissionGrants),

		r("GET", "oauth2PermissionGrants", s.listPermissionGrants, registry.ReadPermissionGrants),
		r("POST", "oauth2PermissionGrants", s.createPermissionGrant, registry.WritePermissionGrants),
		r("GET", "oauth2PermissionGrants/*", s.getPermissionGrant, registry.ReadPermissionGrants),
		r("PATCH", "oauth2PermissionGrants/*", s.patchPermissionGrant, registry.WritePermissionGrants),
		r("DELETE", "oauth2PermissionGrants/*", s.deletePermissionGrant, registry.WritePermissionGrants),

		r("GET", "roleManagement/directory/roleDefinitions", s.listRoleDefinitions, registry.ReadRoles),
		r("GET", "roleManagement/directory/roleDefinitions/*", s.getRoleDefinition, registry.ReadRoles),
		r("GET", "roleManagement/directory/roleAssignments", s.listRoleAssignments, registry.ReadRoles),
		r("POST", "roleManagement/directory/roleAssignments", s.createRoleAssignment, registry.WriteRoles),
		r("GET", "roleManagement/directory/roleAssignments/*", s.getRoleAssignment, registry.ReadRoles),
		r("DELETE", "roleManagement/directory/roleAssignments/*", s.deleteRoleAssignment, registry.WriteRoles),
		r("GET", "directoryRoles", s.listDirectoryRoles, registry.ReadRoles),
		r("GET", "directoryRoles/*", s.getDirectoryRole, registry.ReadRoles),
		r("GET", "directoryRoles/*/members", s.listDirectoryRoleMembers, registry.ReadRoles),
		r("POST", "directoryRoles/*/members/$ref", s.addDirectoryRoleMember, registry.WriteRoles),
		r("DELETE", "directoryRoles/*/members/*/$ref", s.removeDirectoryRoleMember, registry.WriteRoles),

		r("GET", "groups", s.listGroups, registry.ReadGroups),
		r("POST", "groups", s.createGroup, registry.WriteGroups),
		r("GET", "groups/*", s.getGroup, registry.ReadGroups),
		r("DELETE", "groups/*", s.deleteGroup, registry.DeleteGroups),
		r("GET", "groups/*/members", s.listGroupMembers, registry.ReadGroups),
		r("POST", "groups/*/members/$ref", s.addGroupMember, registry.WriteGroupMembers),
		r("DELETE", "groups/*/members/*/$ref", s.removeGroupMember, registry.WriteGroupMembers),

		r("GET", "policies/tokenLifetimePolicies", s.listPolicies(kindLifetime), registry.ReadPolicies),
		r("POST", "policies/tokenLifetimePolicies", s.createPolicy(kindLifetime), registry.WritePolicies),
		r("GET", "policies/tokenLifetimePolicies/*", s.getPolicy(kindLifetime), registry.ReadPolicies),
		r("PATCH", "policies/tokenLifetimePolicies/*", s.patchPolicy(kindLifetime), registry.WritePolicies),
		r("DELETE", "policies/tokenLifetimePolicies/*", s.deletePolicy(kindLifetime), registry.WritePolicies),
		r("GET", "policies/tokenLifetimePolicies/*/appliesTo", s.policyAppliesTo(kindLifetime), registry.ReadPolicies),
		r("GET", "policies/claimsMappingPolicies", s.listPolicies(kindClaims), registry.ReadPolicies),
		r("POST", "policies/claimsMappingPolicies", s.createPolicy(kindClaims), registry.WritePolicies),
		r("GET", "policies/claimsMappingPolicies/*", s.getPolicy(kindClaims), registry.ReadPolicies),
		r("PATCH", "policies/claimsMappingPolicies/*", s.patchPolicy(kindClaims), registry.WritePolicies),
		r("DELETE", "policies/claimsMappingPolicies/*", s.deletePolicy(kindClaims), registry.WritePolicies),
		r("GET", "policies/claimsMappingPolicies/*/appliesTo", s.policyAppliesTo(kindClaims), registry.ReadPolicies),
	}
}
