package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/graph"
	"github.com/gatehouse-id/gatehouse/internal/portal/portalstate"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Store is the state the admin centre keeps: pending sign-ins and sessions
// (the portal's records, store.Portal) and the audit log (store.Audit).
// store.Store satisfies it.
type Store interface {
	CreatePortalLogin(ctx context.Context, l *portalstate.LoginRequest) error
	UpdatePortalLogin(ctx context.Context, stateHash string, fn func(*portalstate.LoginRequest) error) (*portalstate.LoginRequest, error)
	CreatePortalSession(ctx context.Context, s *portalstate.Session) error
	GetPortalSession(ctx context.Context, hash string) (*portalstate.Session, error)
	DeletePortalSession(ctx context.Context, hash string) error

	CreateAuditRecord(ctx context.Context, r *store.AuditRecord) error
	ListAuditRecords(ctx context.Context, tenantID, objectID string, limit int) ([]*store.AuditRecord, error)
}

// Config configures the admin centre. New validates it and reports every
// problem at once.
type Config struct {
	// LoginBaseURL is the login host's base URL as browsers reach it, e.g.
	// http://127.0.0.1:8080. The admin centre signs in at its v2.0 issuer
	// <LoginBaseURL>/<tenant>/v2.0, and the sign-in test shows tokens of
	// this issuer.
	LoginBaseURL string
	// PublicURL is the admin centre's own base URL, e.g.
	// http://127.0.0.1:8091. <PublicURL>/callback must be a redirect URI of
	// the admin centre's app registration.
	PublicURL string
	// ClientID is the admin centre's application (client) id, the same in
	// every tenant.
	ClientID string
	// DefaultTenant is the tenant (id or domain) the sign-in page offers.
	DefaultTenant string
	// Registry reads the directory; Graph makes every change.
	Registry *registry.Registry
	Graph    *graph.Server
	// Store keeps sessions and the audit log.
	Store Store
	// HTTPClient reaches the login host (discovery, code exchange, keys);
	// nil uses one with a 30 s timeout.
	HTTPClient *http.Client
	// SessionLifetime is a session's hard limit (default 8h).
	SessionLifetime time.Duration
	Logger          *slog.Logger
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
}

// DefaultSessionLifetime is the default hard limit of an admin session.
const DefaultSessionLifetime = 8 * time.Hour

func (c *Config) defaults() {
	if c.SessionLifetime == 0 {
		c.SessionLifetime = DefaultSessionLifetime
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	c.LoginBaseURL = strings.TrimRight(c.LoginBaseURL, "/")
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
}

func (c *Config) validate() error {
	var problems []string
	for _, u := range []struct{ name, value string }{{"login base URL", c.LoginBaseURL}, {"public URL", c.PublicURL}} {
		p, err := url.Parse(u.value)
		if u.value == "" || err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || (p.Path != "" && p.Path != "/") || p.RawQuery != "" {
			problems = append(problems, fmt.Sprintf("%s %q must be http(s)://host[:port] without a path", u.name, u.value))
		} else if p.Scheme == "http" && !isLoopback(p.Hostname()) {
			problems = append(problems, fmt.Sprintf("%s %q must use https (http only for localhost)", u.name, u.value))
		}
	}
	if c.ClientID == "" {
		problems = append(problems, "client id is required")
	}
	if c.DefaultTenant == "" {
		problems = append(problems, "default tenant is required")
	}
	if c.Registry == nil {
		problems = append(problems, "a registry is required")
	}
	if c.Graph == nil {
		problems = append(problems, "a Graph server is required")
	}
	if c.Store == nil {
		problems = append(problems, "a store is required")
	}
	if c.SessionLifetime < 5*time.Minute {
		problems = append(problems, "session lifetime must be at least 5m")
	}
	if len(problems) > 0 {
		return errors.New("admin centre configuration:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
