package devenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/registry"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// The admin centre signs in as its own app registration, with the same
// client id in every tenant (like Entra's first-party apps); the demo
// tenant's object ids are fixed too, so docs and scripts can name them.
const (
	AdminCentreClientID    = "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"
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
	st := reg.Store()
	app, err := st.GetApplicationByAppID(ctx, tenantID, AdminCentreClientID)
	if errors.Is(err, store.ErrNotFound) {
		spec := registry.ApplicationSpec{AppID: AdminCentreClientID, DisplayName: AdminCentreAppName,
			PublicClientRedirectURIs: redirects, SignInAudience: directory.AudienceMyOrg}
		if tenantID == TenantID {
			spec.ID, spec.ServicePrincipalID = AdminCentreAppObjectID, AdminCentreSPID
		}
		if app, _, err = reg.RegisterApplication(ctx, tenantID, spec); err != nil {
			return nil, fmt.Errorf("register the admin centre in tenant %s: %w", tenantID, err)
		}
		return app, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := st.GetServicePrincipalByAppID(ctx, tenantID, AdminCentreClientID); errors.Is(err, store.ErrNotFound) {
		// Deleted through Graph: without it nobody can sign in here.
		sp := &directory.ServicePrincipal{TenantID: tenantID, ID: directory.NewID(), AppID: app.AppID, DisplayName: app.DisplayName,
			AppOwnerOrganizationID: tenantID, ServicePrincipalNames: []string{app.AppID}, AppRoles: []directory.AppRole{},
			OAuth2PermissionScopes: []directory.PermissionScope{}, AccountEnabled: true, CreatedAt: app.CreatedAt}
		if tenantID == TenantID {
			sp.ID = AdminCentreSPID
		}
		if err := st.CreateServicePrincipal(ctx, sp); err != nil {
			return nil, fmt.Errorf("admin centre service principal: %w", err)
		}
	} else if err != nil {
		return nil, err
	}
	if len(redirects) == 0 {
		return app, nil
	}
	return st.UpdateApplication(ctx, tenantID, app.ID, func(a *directory.Application) error {
		a.PublicClient.RedirectURIs = redirects
		return directory.ValidateApplication(a)
	})
}
