// Package server assembles Gatehouse's HTTP surfaces (health, the login
// host, the Graph API) over one store, runs the listeners, the key refresher and the
// garbage collector of expired grants, and shuts down gracefully.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/keys"
	"github.com/gatehouse-id/gatehouse/internal/oauth"
	"github.com/gatehouse-id/gatehouse/internal/policy"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Config configures a Server.
type Config struct {
	Store    store.Store
	Registry *registry.Registry
	Keys     *keys.Manager
	Logger   *slog.Logger
	Clock    func() time.Time
	// PublicURLs: see oauth.Config. Filled in from the listeners when empty.
	PublicURLs []string
	// GCInterval is how often expired grants are deleted (default 1m).
	GCInterval time.Duration
	// KeyRefresh is how often signing keys are reloaded (default 30s).
	KeyRefresh time.Duration
}

// Listener is a bound listener and how it is served.
type Listener struct {
	Net net.Listener
	TLS *tls.Config // nil for plain HTTP
}

// BaseURL is the listener's base URL.
func (l Listener) BaseURL() string {
	scheme := "http"
	if l.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + l.Net.Addr().String()
}

// Handler builds the whole HTTP handler.
func Handler(cfg Config) (http.Handler, error) {
	login, err := oauth.New(oauth.Config{Registry: cfg.Registry, Grants: cfg.Store, Keys: cfg.Keys, Logger: cfg.Logger,
		Clock: cfg.Clock, PublicURLs: cfg.PublicURLs, Policies: policy.NewService(cfg.Registry.Reader())})
	if err != nil {
		return nil, err
	}
	api, err := graph.New(graph.Config{Registry: cfg.Registry, Keys: cfg.Keys, Logger: cfg.Logger,
		Clock: cfg.Clock, PublicURLs: cfg.PublicURLs})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if _, err := cfg.Store.ListSigningKeys(ctx); err != nil {
			cfg.Logger.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("store unavailable\n"))
			return
		}
		w.Write([]byte("ok\n"))
	})
	login.Routes(mux)
	// Graph's /v1.0/ tree is dispatched before the mux: as a mux pattern it
	// would overlap the login host's /{tenant}/... patterns.
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			// Browsers that once reached the https listener never fall
			// back to http for it (and its __Host- cookies).
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		if strings.HasPrefix(r.URL.Path, "/v1.0/") {
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return accessLog(cfg.Logger, root), nil
}

// Run serves the listeners until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg Config, listeners []Listener) error {
	if cfg.GCInterval == 0 {
		cfg.GCInterval = time.Minute
	}
	if cfg.KeyRefresh == 0 {
		cfg.KeyRefresh = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	h, err := Handler(cfg)
	if err != nil {
		return err
	}
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go cfg.Keys.Refresh(bg, cfg.KeyRefresh)
	go collectGarbage(bg, cfg)

	errc := make(chan error, len(listeners))
	var servers []*http.Server
	for _, l := range listeners {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug)}
		servers = append(servers, srv)
		ln := l.Net
		if l.TLS != nil {
			ln = tls.NewListener(ln, l.TLS)
		}
		go func() { errc <- srv.Serve(ln) }()
		cfg.Logger.Info("listening", "url", l.BaseURL())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	cfg.Logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() { defer wg.Done(); srv.Shutdown(shutdown) }()
	}
	wg.Wait()
	return nil
}

func collectGarbage(ctx context.Context, cfg Config) {
	t := time.NewTicker(cfg.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := cfg.Store.DeleteExpired(ctx, cfg.Clock())
			if err != nil {
				cfg.Logger.Warn("delete expired grants", "err", err)
			} else if n > 0 {
				cfg.Logger.Debug("expired grants deleted", "count", n)
			}
		}
	}
}

// accessLog logs each request's method, path, status and duration. It
// never logs query strings, bodies or headers: they carry codes, tokens and
// secrets.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(p))
				if !rec.wrote {
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
				rec.status = http.StatusInternalServerError
			}
			log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"duration_ms", float64(time.Since(start).Microseconds())/1000)
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status, s.wrote = code, true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}
