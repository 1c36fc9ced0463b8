package portal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/store"
	webportal "github.com/gatehouse-id/gatehouse/web/portal"
)

// Server is the portal's HTTP surface.
type Server struct {
	cfg     Config
	st      Store
	rp      *RelyingParty
	cluster *Cluster // nil: no cluster configured
	pages   *template.Template
	log     *slog.Logger
	clock   func() time.Time

	origin       string // scheme://host of the portal (from the callback URL)
	callbackPath string
	secure       bool // https: cookies are Secure and __Host- prefixed
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
	return &Server{cfg: cfg, st: st, rp: newRelyingParty(&cfg, client), cluster: cluster, pages: pages,
		log: cfg.Logger, clock: cfg.Clock, origin: cb.Scheme + "://" + cb.Host, callbackPath: cb.Path,
		secure: cb.Scheme == "https"}, nil
}

func (s *Server) now() time.Time { return s.clock() }

// Handler returns the portal's routes behind its common protections.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
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
	return s.accessLog(http.NewCrossOriginProtection().Handler(mux))
}

func staticHandler() http.Handler {
	fsys := webportal.Static()
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
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; form-action " + form + "; frame-ancestors 'none'; base-uri 'none'"
}

// render writes a page; headers are set before WriteHeader, and the page is
// executed into a buffer first so a template error is a clean 500.
func (s *Server) render(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		status, buf = http.StatusInternalServerError, *bytes.NewBufferString("internal error\n")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp(data.layout().pictureURL()))
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

// Cookie names. With https the __Host- prefix pins them to this origin
// (Secure, Path=/, no Domain). The login host's cookies may share the
// browser's cookie jar (same host, other port): the names differ.
func (s *Server) cookieName(base string) string {
	if s.secure {
		return "__Host-" + base
	}
	return base
}

const (
	sessionCookie = "gatehouse_portal_session"
	loginCookie   = "gatehouse_portal_login"
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
