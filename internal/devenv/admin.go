package devenv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The admin centre signs in as its own app registration, with the same
// client id in every tenant (like Entra's first-party apps); the demo
// tenant's object ids are fixed too, so docs and scripts can name them.
const (
	AdminCentreClientID    = directory.AdminCentreAppID
	AdminCentreAppObjectID = "1e2f3a4b-5c6d-4e7f-9a8b-0c1d2e3f4a5b"
	AdminCentreSPID        = "2f3a4b5c-6d7e-4f8a-8b9c-1d2e3f4a5b6c"
	AdminCentreAppName     = "Gatehouse admin centre"
)

// EnsureAdminCentre registers the admin centre's app in a tenant when it is
// missing, and (every start) points its redirect URIs at the admin centre's
// base URLs: <base>/callback for sign-in, <base>/signed-out for sign-out.
// It is a public client: sign-in uses PKCE and no secret exists to keep.
// In the demo tenant its object ids are the fixed ones above; elsewhere
// they are new.
func EnsureAdminCentre(ctx context.Context, reg *registry.Registry, tenantID string, bases []string) (*directory.Application, error) {
	var redirects []string
	for _, b := range bases {
		redirects = append(redirects, b+"/callback", b+"/signed-out")
	}
	sys := registry.System(tenantID, "start-up")
	st := reg.Reader()
	app, err := st.GetApplicationByAppID(ctx, tenantID, AdminCentreClientID)
	if errors.Is(err, store.ErrNotFound) {
		spec := registry.ApplicationSpec{AppID: AdminCentreClientID, DisplayName: AdminCentreAppName,
			PublicClientRedirectURIs: redirects, SignInAudience: directory.AudienceMyOrg, NoServicePrincipal: true}
		if tenantID == TenantID {
			spec.ID = AdminCentreAppObjectID
		}
		if app, _, err = reg.CreateApplication(ctx, sys, spec, nil); err != nil {
			return nil, fmt.Errorf("register the admin centre in tenant %s: %w", tenantID, err)
		}
	} else if err != nil {
		return nil, err
	}
	sp, err := st.GetServicePrincipalByAppID(ctx, tenantID, AdminCentreClientID)
	if errors.Is(err, store.ErrNotFound) {
		// A store from before first-party protection may have lost it.
		if sp, err = reg.CreateServicePrincipal(ctx, sys, AdminCentreClientID, func(sp *directory.ServicePrincipal) error {
			if tenantID == TenantID {
				sp.ID = AdminCentreSPID
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("admin centre service principal: %w", err)
		}
	} else if err != nil {
		return nil, err
	}
	if !sp.AccountEnabled {
		if _, err := reg.UpdateServicePrincipal(ctx, sys, sp.ID, func(sp *directory.ServicePrincipal) error {
			sp.AccountEnabled = true
			return nil
		}); err != nil {
			return nil, err
		}
	}
	// A first-party client is consented in every tenant: it signs users in
	// and reads their profile, as Entra's own admin centre does.
	if err := EnsureConsent(ctx, reg, sys, sp, "openid profile email offline_access User.Read"); err != nil {
		return nil, fmt.Errorf("admin centre consent: %w", err)
	}
	if len(redirects) == 0 || slices.Equal(app.PublicClient.RedirectURIs, redirects) {
		return app, nil
	}
	return reg.UpdateApplication(ctx, sys, app.ID, func(a *directory.Application) error {
		a.PublicClient.RedirectURIs = redirects
		return nil
	})
}

// EnsureConsent gives client an AllPrincipals grant of scope on Microsoft
// Graph (adding to an existing grant).
func EnsureConsent(ctx context.Context, reg *registry.Registry, sys registry.Actor, client *directory.ServicePrincipal, scope string) error {
	graph, err := reg.Reader().GetServicePrincipalByAppID(ctx, sys.TenantID, directory.GraphAppID)
	if err != nil {
		return err
	}
	existing, err := reg.Reader().ListPermissionGrants(ctx, sys.TenantID, store.PermissionGrantFilter{ClientID: client.ID,
		ResourceID: graph.ID, ConsentType: directory.ConsentAllPrincipals})
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		_, err = reg.CreatePermissionGrant(ctx, sys, registry.PermissionGrantSpec{ClientID: client.ID, ResourceID: graph.ID,
			ConsentType: directory.ConsentAllPrincipals, Scope: scope})
		return err
	}
	have := strings.Fields(existing[0].Scope)
	missing := false
	for _, s := range strings.Fields(scope) {
		if !slices.Contains(have, s) {
			have, missing = append(have, s), true
		}
	}
	if !missing {
		return nil
	}
	_, err = reg.UpdatePermissionGrant(ctx, sys, existing[0].ID, strings.Join(have, " "))
	return err
}
