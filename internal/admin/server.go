package admin

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/oauth"
	"github.com/gatehouse-id/gatehouse/internal/policy"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	webadmin "github.com/gatehouse-id/gatehouse/web/admin"
)

// Server is the admin centre's HTTP surface.
type Server struct {
	cfg      Config
	reg      *registry.Registry
	graph    *graph.Server
	st       Store
	policies oauth.Policies
	rp       *relyingParty
	pages    *template.Template
	log      *slog.Logger
	clock    func() time.Time
	secure   bool // https: cookies are Secure and __Host- prefixed
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
	return &Server{cfg: cfg, reg: cfg.Registry, graph: cfg.Graph, st: cfg.Store,
		policies: policy.NewService(cfg.Registry.Store()), rp: newRelyingParty(&cfg), pages: pages,
		log: cfg.Logger, clock: cfg.Clock, secure: strings.HasPrefix(cfg.PublicURL, "https://")}, nil
}

func (s *Server) now() time.Time { return s.clock() }

// Handler returns the admin centre's routes behind its common protections:
// the whole surface in one screen.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
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
	return s.accessLog(http.NewCrossOriginProtection().Handler(mux))
}

// Serve serves the admin centre on ln (with TLS when tlsCfg is set) until
// ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("admin centre listening", "addr", ln.Addr().String(), "url", s.cfg.PublicURL)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("admin centre: %w", err)
		}
		return nil
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func staticHandler() http.Handler {
	fsys := webadmin.Static()
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := fs.Stat(fsys, strings.TrimPrefix(r.URL.Path, "/")); err != nil || r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// accessLog logs method, path and status: never query strings (codes,
// state) or headers (cookies).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// csp allows only the admin centre's own script and styles, forms to itself
// and (sign-out's redirect) to the login host.
func (s *Server) csp() string {
	form := "'self'"
	if u, err := url.Parse(s.cfg.LoginBaseURL); err == nil {
		form += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action " +
		form + "; frame-ancestors 'none'; base-uri 'none'"
}

// render writes a page; headers are set before WriteHeader, and the page is
// executed into a buffer first so a template error is a clean 500.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString("internal error\n")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Cookie names. With https the __Host- prefix pins them to this origin.
// The portal and the login host may share the browser's cookie jar (same
// host, other port): the names differ from theirs.
func (s *Server) cookieName(base string) string {
	if s.secure {
		return "__Host-" + base
	}
	return base
}

const (
	sessionCookie = "gatehouse_admin_session"
	loginCookie   = "gatehouse_admin_login"
)

func (s *Server) setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	c := &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(name), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) cookie(r *http.Request, name string) string {
	if c, err := r.Cookie(s.cookieName(name)); err == nil {
		return c.Value
	}
	return ""
}
