package admin

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/policy"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/token"
	"github.com/gatehouse-id/gatehouse/internal/webui"
	webadmin "github.com/gatehouse-id/gatehouse/web/admin"
)

// Server is the admin centre's HTTP surface.
type Server struct {
	cfg      Config
	reg      *registry.Registry
	graph    *graph.Server
	st       Store
	pipeline *token.Pipeline
	rp       *relyingParty
	pages    webui.Pages
	cookies  webui.Cookies // https: Secure and __Host- prefixed
	log      *slog.Logger
	clock    func() time.Time
}

// New returns the admin centre. It does not contact the login host: each
// tenant's issuer is discovered at its first sign-in.
func New(cfg Config) (*Server, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	pages, err := webadmin.Templates(templateFuncs)
	if err != nil {
		return nil, fmt.Errorf("parse admin templates: %w", err)
	}
	secure := strings.HasPrefix(cfg.PublicURL, "https://")
	return &Server{cfg: cfg, reg: cfg.Registry, graph: cfg.Graph, st: cfg.Store,
		pipeline: &token.Pipeline{Dir: cfg.Registry, Policies: policy.NewService(cfg.Registry.Reader())}, rp: newRelyingParty(&cfg),
		pages: webui.Pages{Templates: pages, Log: cfg.Logger, Secure: secure}, cookies: webui.Cookies{Secure: secure},
		log: cfg.Logger, clock: cfg.Clock}, nil
}

func (s *Server) now() time.Time { return s.clock() }

// Handler returns the admin centre's routes behind its common protections:
// the whole surface in one screen.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", webui.Healthz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", webui.Static(webadmin.Static())))
	// sign-in (signin.go)
	mux.HandleFunc("GET /signin", s.handleSignIn)
	mux.HandleFunc("GET /callback", s.handleCallback)
	mux.HandleFunc("POST /signout", s.handleSignOut)
	mux.HandleFunc("GET /signed-out", s.handleSignedOut)
	mux.HandleFunc("GET /{$}", s.handleHome)
	admin := func(pattern string, h adminHandler) { mux.HandleFunc(pattern, s.admin(h)) }
	// app registrations (handlers_apps.go, handlers_permissions.go, handlers_manifest.go, handlers_lifetime.go)
	admin("GET /applications", s.listApplications)
	admin("GET /applications/new", s.newApplicationForm)
	admin("POST /applications/new", s.createApplication)
	admin("GET /applications/{id}", s.applicationOverview)
	admin("GET /applications/{id}/authentication", s.authenticationForm)
	admin("POST /applications/{id}/authentication", s.saveAuthentication)
	admin("GET /applications/{id}/secrets", s.secretsPage)
	admin("POST /applications/{id}/secrets", s.addSecret)
	admin("GET /applications/{id}/secrets/{key}/delete", s.confirmDeleteSecret)
	admin("POST /applications/{id}/secrets/{key}/delete", s.deleteSecret)
	admin("GET /applications/{id}/token-configuration", s.tokenConfigurationPage)
	admin("POST /applications/{id}/token-configuration", s.saveTokenConfiguration)
	admin("GET /applications/{id}/permissions", s.permissionsPage)
	admin("GET /applications/{id}/permissions/add", s.addPermissionsForm)
	admin("POST /applications/{id}/permissions/add", s.addPermissions)
	admin("GET /applications/{id}/permissions/remove", s.confirmRemovePermission)
	admin("POST /applications/{id}/permissions/remove", s.removePermission)
	admin("POST /applications/{id}/permissions/consent", s.grantAdminConsent)
	admin("GET /applications/{id}/manifest", s.manifestPage)
	admin("POST /applications/{id}/manifest", s.saveManifest)
	admin("POST /applications/{id}/accept-mapped-claims", s.acceptMappedClaims)
	admin("GET /applications/{id}/token-lifetime", s.appTokenLifetimePage)
	admin("POST /applications/{id}/token-lifetime", s.assignAppTokenLifetime)
	admin("GET /applications/{id}/token-lifetime/remove", s.confirmRemoveAppTokenLifetime)
	admin("POST /applications/{id}/token-lifetime/remove", s.removeAppTokenLifetime)
	admin("GET /applications/{id}/audit", s.applicationAudit)
	admin("GET /applications/{id}/delete", s.confirmDeleteApplication)
	admin("POST /applications/{id}/delete", s.deleteApplication)
	// enterprise applications (handlers_enterprise.go)
	admin("GET /enterprise-applications", s.listServicePrincipals)
	admin("GET /enterprise-applications/{id}", s.servicePrincipalOverview)
	admin("GET /enterprise-applications/{id}/sso", s.ssoPage)
	admin("GET /enterprise-applications/{id}/sso/claim", s.claimForm)
	admin("POST /enterprise-applications/{id}/sso/claim", s.saveClaim)
	admin("GET /enterprise-applications/{id}/sso/claim/delete", s.confirmDeleteClaim)
	admin("POST /enterprise-applications/{id}/sso/claim/delete", s.deleteClaim)
	// users and groups (handlers_users.go, handlers_groups.go)
	admin("GET /users", s.listUsers)
	admin("GET /users/new", s.newUserForm)
	admin("POST /users/new", s.createUser)
	admin("GET /users/{id}", s.userPage)
	admin("POST /users/{id}", s.saveUser)
	admin("POST /users/{id}/password", s.resetPassword)
	admin("POST /users/{id}/extensions", s.saveExtensionValues)
	admin("POST /users/{id}/groups", s.addUserToGroup)
	admin("GET /users/{id}/groups/{group}/remove", s.confirmRemoveUserFromGroup)
	admin("POST /users/{id}/groups/{group}/remove", s.removeUserFromGroup)
	admin("GET /users/{id}/signin-test", s.signInTest)
	admin("GET /users/{id}/delete", s.confirmDeleteUser)
	admin("POST /users/{id}/delete", s.deleteUser)
	admin("GET /groups", s.listGroups)
	admin("GET /groups/new", s.newGroupForm)
	admin("POST /groups/new", s.createGroup)
	admin("GET /groups/{id}", s.groupPage)
	admin("POST /groups/{id}/members", s.addGroupMember)
	admin("GET /groups/{id}/members/{member}/remove", s.confirmRemoveGroupMember)
	admin("POST /groups/{id}/members/{member}/remove", s.removeGroupMember)
	admin("GET /groups/{id}/delete", s.confirmDeleteGroup)
	admin("POST /groups/{id}/delete", s.deleteGroup)
	// roles and administrators (handlers_roles.go)
	admin("GET /roles", s.listRoles)
	admin("GET /roles/{id}", s.rolePage)
	admin("POST /roles/{id}/assignments", s.addRoleAssignment)
	admin("GET /roles/{id}/assignments/{assignment}/remove", s.confirmRemoveRoleAssignment)
	admin("POST /roles/{id}/assignments/{assignment}/remove", s.removeRoleAssignment)
	// token lifetime policies (handlers_lifetime.go) and the audit log (audit.go)
	admin("GET /token-lifetime-policies", s.listLifetimePolicies)
	admin("GET /token-lifetime-policies/new", s.newLifetimePolicyForm)
	admin("POST /token-lifetime-policies/new", s.createLifetimePolicy)
	admin("GET /token-lifetime-policies/{id}/delete", s.confirmDeleteLifetimePolicy)
	admin("POST /token-lifetime-policies/{id}/delete", s.deleteLifetimePolicy)
	admin("GET /audit", s.tenantAudit)
	mux.HandleFunc("/", s.handleNotFound)
	// Go's cross-origin protection (Sec-Fetch-Site / Origin) refuses
	// cross-site POSTs before they reach a handler; the forms also carry a
	// session-bound CSRF token (admin checks it for every POST).
	return webui.AccessLog(s.log, http.NewCrossOriginProtection().Handler(mux))
}

// Serve serves the admin centre on ln (with TLS when tlsCfg is set) until
// ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config) error {
	return webui.Serve(ctx, ln, tlsCfg, s.Handler(), s.log, "admin centre", "url", s.cfg.PublicURL)
}

// csp allows only the admin centre's own script and styles, forms to itself
// and (sign-out's redirect) to the login host.
func (s *Server) csp() string {
	form := "'self'"
	if u, err := url.Parse(s.cfg.LoginBaseURL); err == nil {
		form += " " + u.Scheme + "://" + u.Host
	}
	return webui.CSP("'self' data:", form)
}

// render writes a page under the admin centre's CSP.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	s.pages.Render(w, status, name, data, s.csp())
}

// Cookie names. The portal and the login host may share the browser's
// cookie jar (same host, other port): the names differ from theirs.
const (
	sessionCookie = "gatehouse_admin_session"
	loginCookie   = "gatehouse_admin_login"
)
