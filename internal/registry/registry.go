package registry

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Registry wraps a store with the directory's write and authorization
// rules.
type Registry struct {
	st    store.Store
	clock func() time.Time
	log   *slog.Logger
}

// Option configures a Registry.
type Option func(*Registry)

// WithLogger sets where refused and failed changes are logged (besides the
// audit log). The default discards.
func WithLogger(l *slog.Logger) Option { return func(r *Registry) { r.log = l } }

// New returns a Registry. clock may be nil (time.Now).
func New(st store.Store, clock func() time.Time, opts ...Option) *Registry {
	if clock == nil {
		clock = time.Now
	}
	r := &Registry{st: st, clock: clock, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Reader returns the directory for reading. It is the store itself behind
// an interface without writes, on purpose: every write goes through the
// registry's methods.
func (r *Registry) Reader() store.DirectoryReader { return r.st }

// AuditLog returns the audit log for reading.
func (r *Registry) AuditLog() store.AuditReader { return r.st }

func (r *Registry) now() time.Time { return r.clock().UTC() }

// TenantSpec describes a new tenant. ID may be empty (a new GUID).
type TenantSpec struct {
	ID            string
	DisplayName   string
	InitialDomain string
	// GraphServicePrincipalID fixes the Graph SP's object id (demo data);
	// empty picks a new one.
	GraphServicePrincipalID string
}

// CreateTenant creates a tenant and its Microsoft Graph service principal.
// Only Gatehouse itself (a system actor: the seed, `gatehouse admin
// create`) creates tenants.
func (r *Registry) CreateTenant(ctx context.Context, a Actor, spec TenantSpec) (*directory.Tenant, error) {
	t := &directory.Tenant{
		ID: spec.ID, DisplayName: spec.DisplayName, InitialDomain: strings.ToLower(spec.InitialDomain),
		CreatedAt: r.now(), PairwiseSalt: make([]byte, 32),
	}
	if t.ID == "" {
		t.ID = directory.NewID()
	}
	a.TenantID = t.ID
	err := r.change(ctx, a, "Add tenant", []store.AuditTarget{{ID: t.ID, Type: "tenant", DisplayName: t.InitialDomain}}, func() error {
		if a.Kind != ActorSystem {
			return deny("Only Gatehouse itself creates tenants.")
		}
		rand.Read(t.PairwiseSalt)
		if err := directory.ValidateTenant(t); err != nil {
			return err
		}
		if err := r.st.CreateTenant(ctx, t); err != nil {
			return fmt.Errorf("create tenant %s: %w", t.InitialDomain, err)
		}
		spID := spec.GraphServicePrincipalID
		if spID == "" {
			spID = directory.NewID()
		}
		graph := directory.NewGraphServicePrincipal(t.ID, spID)
		graph.CreatedAt = t.CreatedAt
		if err := r.st.CreateServicePrincipal(ctx, &graph); err != nil {
			return fmt.Errorf("create Microsoft Graph service principal: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func orNew(id string) string {
	if id == "" {
		return directory.NewID()
	}
	return id
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
