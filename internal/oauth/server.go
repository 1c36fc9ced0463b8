package oauth

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/grant"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/token"
	"github.com/gatehouse-id/gatehouse/web"
)

// Config configures the login host.
type Config struct {
	Registry *registry.Registry
	// Grants holds the flows' security state (codes, refresh tokens,
	// device codes, sessions).
	Grants   store.Grants
	Keys     *keys.Manager
	Policies token.Policies
	Logger   *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// PublicURLs are the base URLs (scheme://host[:port]) clients may reach
	// Gatehouse at. A request whose scheme and Host match one gets issuers
	// under that base; any other request gets the first. The Host header is
	// never trusted beyond this list.
	PublicURLs []string
	// SessionLifetime is how long a sign-in session lasts (default 12h).
	SessionLifetime time.Duration
}

// Server serves the login host endpoints.
type Server struct {
	reg       *registry.Registry
	dir       store.DirectoryReader
	grants    store.Grants
	keys      *keys.Manager
	pipeline  *token.Pipeline
	log       *slog.Logger
	clock     func() time.Time
	bases     map[string]string // "scheme://host" lower-cased → as configured
	base0     string
	pages     *template.Template
	sessionTT time.Duration

	passwordChecks chan struct{} // semaphore bounding concurrent argon2id checks

	discoveryMu sync.RWMutex
	discovery   map[string][]byte // prepared discovery documents
}

// MaxBodyBytes bounds every request body the login host reads.
const MaxBodyBytes = 64 << 10

// New returns a Server.
func New(cfg Config) (*Server, error) {
	var problems []string
	if cfg.Registry == nil {
		problems = append(problems, "Registry is required")
	}
	if cfg.Keys == nil {
		problems = append(problems, "Keys is required")
	}
	if cfg.Grants == nil {
		problems = append(problems, "Grants is required")
	}
	if len(cfg.PublicURLs) == 0 {
		problems = append(problems, "at least one public URL is required")
	}
	bases := map[string]string{}
	for _, raw := range cfg.PublicURLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			problems = append(problems, fmt.Sprintf("public URL %q must be http(s)://host[:port] without a path", raw))
			continue
		}
		b := u.Scheme + "://" + u.Host
		bases[strings.ToLower(b)] = b
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("oauth config: %s", strings.Join(problems, "; "))
	}
	pages, err := web.Templates()
	if err != nil {
		return nil, fmt.Errorf("parse page templates: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.SessionLifetime == 0 {
		cfg.SessionLifetime = 12 * time.Hour
	}
	first, _ := url.Parse(cfg.PublicURLs[0])
	return &Server{
		reg: cfg.Registry, dir: cfg.Registry.Reader(), grants: cfg.Grants, keys: cfg.Keys,
		pipeline: &token.Pipeline{Dir: cfg.Registry, Policies: cfg.Policies}, log: cfg.Logger,
		clock: cfg.Clock, bases: bases, base0: first.Scheme + "://" + first.Host, pages: pages,
		sessionTT: cfg.SessionLifetime, discovery: map[string][]byte{},
		passwordChecks: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}, nil
}

func (s *Server) now() time.Time { return s.clock() }

// Routes registers the login host's endpoints.
func (s *Server) Routes(mux *http.ServeMux) {
	// v2.0 endpoints
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleDiscovery(2))
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleKeys)
	mux.HandleFunc("/{tenant}/oauth2/v2.0/authorize", s.handleAuthorize(2))
	mux.HandleFunc("/{tenant}/oauth2/v2.0/token", s.handleToken(2))
	mux.HandleFunc("/{tenant}/oauth2/v2.0/devicecode", s.handleDeviceCode(2))
	mux.HandleFunc("/{tenant}/oauth2/v2.0/logout", s.handleLogout(2))
	// v1.0 endpoints
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", s.handleDiscovery(1))
	mux.HandleFunc("GET /{tenant}/discovery/keys", s.handleKeys)
	mux.HandleFunc("/{tenant}/oauth2/authorize", s.handleAuthorize(1))
	mux.HandleFunc("/{tenant}/oauth2/token", s.handleToken(1))
	mux.HandleFunc("/{tenant}/oauth2/devicecode", s.handleDeviceCode(1))
	mux.HandleFunc("/{tenant}/oauth2/logout", s.handleLogout(1))
	mux.HandleFunc("/{tenant}/openid/userinfo", s.handleUserinfo)
	mux.HandleFunc("GET /{tenant}/openid/groups", s.handleGroupsOverage)
	mux.HandleFunc("/oidc/userinfo", s.handleUserinfo)
	// tenant-independent
	mux.HandleFunc("GET /common/discovery/keys", s.handleKeys)
	mux.HandleFunc("GET /common/discovery/instance", s.handleInstanceDiscovery)
	// pages
	mux.HandleFunc("POST /{tenant}/login", s.handleSignIn)
	mux.HandleFunc("POST /{tenant}/consent", s.handleConsent)
	mux.HandleFunc("GET /devicelogin", s.handleDevicePage)
	mux.HandleFunc("POST /devicelogin", s.handleDeviceCodeEntry)
	mux.HandleFunc("POST /devicelogin/confirm", s.handleDeviceConfirm)
	// Static files are registered one by one: a "/static/" prefix pattern
	// would overlap the /{tenant}/... patterns.
	static := http.FileServerFS(web.Static())
	fs.WalkDir(web.Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			mux.Handle("GET /static/"+p, http.StripPrefix("/static", static))
		}
		return nil
	})
}

// baseURL is the public base URL the request arrived at, when it is one of
// the configured public URLs; otherwise the primary one.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if b, ok := s.bases[strings.ToLower(scheme+"://"+r.Host)]; ok {
		return b
	}
	return s.base0
}

// endpoint identifies which tenant and issuer a request addresses. It is the
// one place that maps (scheme, host, tenant segment, version) to an issuer.
type endpoint struct {
	Tenant  *directory.Tenant
	Base    string
	Segment string
	Version int
}

// Issuer is the endpoint's issuer string.
func (e endpoint) Issuer() string { return token.Issuer(e.Base, e.Segment, e.Version) }

func (e endpoint) url(path string) string { return e.Base + "/" + e.Segment + path }

func (s *Server) resolveEndpoint(r *http.Request, version int) (endpoint, *Error) {
	seg := r.PathValue("tenant")
	t, err := s.reg.ResolveTenant(r.Context(), seg)
	if errors.Is(err, store.ErrNotFound) {
		return endpoint{}, errTenantNotFound(seg)
	}
	if err != nil {
		return endpoint{}, errServerError(err)
	}
	// The issuer names the tenant by its id or by its domain, in lower case
	// whatever the client typed: a tenant has one issuer per public URL and
	// name, not one per spelling (security review S8). A client that typed
	// another case sees go-oidc's issuer mismatch, as it would with Entra,
	// whose issuer is always the tenant id.
	if directory.IsGUID(seg) {
		seg = t.ID
	} else {
		seg = t.InitialDomain
	}
	return endpoint{Tenant: t, Base: s.baseURL(r), Segment: seg, Version: version}, nil
}

// readForm parses a url-encoded POST body, bounded in size, and refuses
// repeated parameters (RFC 6749 §3.1).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *Error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return nil, newError(400, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded, not '%s'.", ct)
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, newError(413, "invalid_request", 9002313, "Invalid request. The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return nil, errMalformed("The body could not be parsed.").withCause(err)
	}
	return checkRepeated(r.PostForm)
}

func checkRepeated(v url.Values) (url.Values, *Error) {
	for k, vals := range v {
		if len(vals) > 1 {
			return nil, newError(400, "invalid_request", 9002313, "Invalid request. The parameter '%s' is repeated.", k)
		}
	}
	return v, nil
}

// securityHeaders sets the headers every HTML page carries.
func securityHeaders(h http.Header, scriptNonce, formAction string) {
	csp := "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	if formAction != "" {
		csp += " " + formAction
	}
	if scriptNonce != "" {
		csp += "; script-src 'nonce-" + scriptNonce + "'"
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// render writes an HTML page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	securityHeaders(w.Header(), "", "")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}

// detail is a name/value line on an error page.
type detail struct{ Name, Value string }

type messagePage struct {
	Title, TenantName, Error, Message string
	Details                           []detail
}

// renderErrorPage shows an authorize error that must not be redirected.
func (s *Server) renderErrorPage(w http.ResponseWriter, r *http.Request, e *Error) {
	trace, corr := traceIDs(r)
	s.logError(r, e, trace)
	status := e.Status
	if status == 0 || status == 401 {
		status = http.StatusBadRequest
	}
	s.render(w, status, "message", messagePage{
		Title: "Sorry, but we're having trouble signing you in.",
		Error: fmt.Sprintf("AADSTS%d: %s", e.AADSTS, e.Description),
		Details: []detail{{"Request Id", trace}, {"Correlation Id", corr},
			{"Timestamp", s.now().UTC().Format(time.RFC3339)}},
	})
}

// flowOf records an endpoint in a grant, so tokens issued from the grant
// later carry the same issuer.
func flowOf(e endpoint) grant.Flow {
	return grant.Flow{TenantID: e.Tenant.ID, BaseURL: e.Base, TenantSegment: e.Segment, Issuer: e.Issuer(), Version: e.Version}
}
