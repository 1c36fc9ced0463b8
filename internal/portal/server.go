package portal

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
	"github.com/gatehouse-id/gatehouse/internal/webui"
	webportal "github.com/gatehouse-id/gatehouse/web/portal"
)

// Server is the portal's HTTP surface.
type Server struct {
	cfg     Config
	st      Store
	rp      *RelyingParty
	cluster *Cluster // nil: no cluster configured
	pages   webui.Pages
	cookies webui.Cookies // https: Secure and __Host- prefixed
	log     *slog.Logger
	clock   func() time.Time

	origin       string // scheme://host of the portal (from the callback URL)
	callbackPath string
}

// New returns the portal over its store. It does not contact the issuer or
// the cluster: the issuer is discovered at the first sign-in.
func New(st Store, cfg Config) (*Server, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("portal: a store is required")
	}
	client := cfg.HTTPClient
	if client == nil {
		var err error
		if client, err = issuerClient(cfg.CAFile); err != nil {
			return nil, err
		}
	}
	cluster, err := NewCluster(cfg.Cluster)
	if err != nil {
		return nil, err
	}
	pages, err := webportal.Templates(templateFuncs)
	if err != nil {
		return nil, fmt.Errorf("parse portal templates: %w", err)
	}
	cb, _ := url.Parse(cfg.RedirectURL)
	secure := cb.Scheme == "https"
	return &Server{cfg: cfg, st: st, rp: newRelyingParty(&cfg, client), cluster: cluster,
		pages: webui.Pages{Templates: pages, Log: cfg.Logger, Secure: secure}, cookies: webui.Cookies{Secure: secure},
		log: cfg.Logger, clock: cfg.Clock, origin: cb.Scheme + "://" + cb.Host, callbackPath: cb.Path}, nil
}

func (s *Server) now() time.Time { return s.clock() }

// Handler returns the portal's routes behind its common protections.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", webui.Healthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", webui.Static(webportal.Static())))
	// sign-in and sign-out (handlers_auth.go)
	mux.HandleFunc("GET /signin", s.handleSignIn)
	mux.HandleFunc("GET "+s.callbackPath, s.handleCallback)
	mux.HandleFunc("POST /signout", s.handleSignOut)
	mux.HandleFunc("GET /signed-out", s.handleSignedOut)
	// pages (handlers_pages.go, handlers_cluster.go)
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /account", s.signedIn(s.handleAccount))
	mux.HandleFunc("POST /account/settings", s.signedIn(s.handleSaveSettings))
	mux.HandleFunc("POST /account/settings/reset", s.signedIn(s.handleResetSettings))
	mux.HandleFunc("GET /namespaces", s.signedIn(s.handleNamespaces))
	mux.HandleFunc("GET /namespaces/{ns}", s.signedIn(s.handleNamespace))
	mux.HandleFunc("GET /namespaces/{ns}/{kind}", s.signedIn(s.handleNamespace))
	mux.HandleFunc("/", s.handleNotFound)
	// Go's cross-origin protection (Sec-Fetch-Site / Origin) refuses
	// cross-site POSTs before they reach a handler; the forms also carry a
	// session-bound CSRF token.
	return webui.AccessLog(s.log, http.NewCrossOriginProtection().Handler(mux))
}

// Serve serves the portal on ln (with TLS when tlsCfg is set) until ctx
// ends, then shuts down gracefully. `gatehouse portal` and `gatehouse dev`
// both run it.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config) error {
	return webui.Serve(ctx, ln, tlsCfg, s.Handler(), s.log, "portal", "url", s.origin, "issuer", s.cfg.IssuerURL)
}

// handleReadyz checks the store with a read. The issuer is not checked:
// signed-in users keep working while it is away, and every replica
// failing readiness at once would take the portal down with it.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := s.st.GetPortalSettings(ctx, "", "readyz"); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// csp is the page's Content-Security-Policy: only the portal's own script
// and styles, images from the portal and the user's picture host, forms to
// the portal and (for sign-out's redirect) the issuer's origin.
func (s *Server) csp(pictureURL string) string {
	img := "'self' data:"
	if o := pictureOrigin(pictureURL); o != "" {
		img += " " + o
	}
	form := "'self'"
	if u, err := url.Parse(s.cfg.IssuerURL); err == nil {
		form += " " + u.Scheme + "://" + u.Host
	}
	if o := s.rp.endSessionOrigin(); o != "" && !strings.Contains(form, " "+o) {
		form += " " + o
	}
	return webui.CSP(img, form)
}

// render writes a page under a CSP that admits the signed-in user's picture.
func (s *Server) render(w http.ResponseWriter, status int, name string, data pageData) {
	s.pages.Render(w, status, name, data, s.csp(data.layout().pictureURL()))
}

// Cookie names. The login host's cookies may share the browser's cookie
// jar (same host, other port): the names differ.
const (
	sessionCookie = "gatehouse_portal_session"
	loginCookie   = "gatehouse_portal_login"
)
