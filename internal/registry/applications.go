package registry

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// ApplicationSpec describes a new app registration. Empty ids get new GUIDs.
type ApplicationSpec struct {
	ID, AppID, ServicePrincipalID string
	DisplayName                   string
	SignInAudience                string
	WebRedirectURIs               []string
	PublicClientRedirectURIs      []string
	IsFallbackPublicClient        bool
	IdentifierURIs                []string
	GroupMembershipClaims         string
	RequiredResourceAccess        []directory.RequiredResourceAccess
	// NoServicePrincipal registers only the application, as Graph's POST
	// /applications does; the admin centre and the seed also create the
	// service principal, as registering an app in the Entra admin centre
	// does.
	NoServicePrincipal bool
}

// CreateApplication registers an application (and its service principal
// unless spec.NoServicePrincipal). patch, when not nil, changes the new
// application before it is validated and stored.
func (r *Registry) CreateApplication(ctx context.Context, a Actor, spec ApplicationSpec, patch func(*directory.Application) error) (*directory.Application, *directory.ServicePrincipal, error) {
	app := &directory.Application{
		TenantID: a.TenantID, ID: orNew(spec.ID), AppID: orNew(spec.AppID), DisplayName: spec.DisplayName,
		SignInAudience: spec.SignInAudience, IdentifierURIs: nonNil(spec.IdentifierURIs),
		Web:                    directory.WebApplication{RedirectURIs: nonNil(spec.WebRedirectURIs)},
		PublicClient:           directory.PublicClientApplication{RedirectURIs: nonNil(spec.PublicClientRedirectURIs)},
		IsFallbackPublicClient: spec.IsFallbackPublicClient,
		GroupMembershipClaims:  spec.GroupMembershipClaims,
		RequiredResourceAccess: spec.RequiredResourceAccess,
		PasswordCredentials:    []directory.PasswordCredential{},
		CreatedAt:              r.now(),
	}
	if app.SignInAudience == "" {
		app.SignInAudience = directory.AudienceMyOrg
	}
	if app.RequiredResourceAccess == nil {
		app.RequiredResourceAccess = []directory.RequiredResourceAccess{}
	}
	var sp *directory.ServicePrincipal
	err := r.change(ctx, a, "Add application", targets(appTarget(app)), func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		if patch != nil {
			if err := patch(app); err != nil {
				return err
			}
		}
		if err := authorizeFirstParty(a, app.AppID); err != nil {
			return err
		}
		if err := directory.ValidateApplication(app); err != nil {
			return err
		}
		if _, err := r.st.GetTenant(ctx, a.TenantID); err != nil {
			return fmt.Errorf("tenant %s: %w", a.TenantID, err)
		}
		if err := r.st.CreateApplication(ctx, app); err != nil {
			return applicationWriteError(err)
		}
		if spec.NoServicePrincipal {
			return nil
		}
		sp = newServicePrincipal(app, orNew(spec.ServicePrincipalID), r.now())
		if err := r.st.CreateServicePrincipal(ctx, sp); err != nil {
			return fmt.Errorf("create service principal for %q: %w", app.DisplayName, err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return app, sp, nil
}

// newServicePrincipal is an application's instance in its home tenant:
// its names are the appId and the identifier URIs, its delegated
// permissions those the app's API exposes.
func newServicePrincipal(app *directory.Application, id string, now time.Time) *directory.ServicePrincipal {
	sp := &directory.ServicePrincipal{TenantID: app.TenantID, ID: id, AppID: app.AppID, DisplayName: app.DisplayName,
		AppOwnerOrganizationID: app.TenantID, AppRoles: []directory.AppRole{}, AccountEnabled: true, CreatedAt: now}
	mirrorApplication(sp, app)
	return sp
}

// mirrorApplication copies what a service principal carries of its
// application: Entra keeps servicePrincipalNames, oauth2PermissionScopes
// and the display name in step with the registration.
func mirrorApplication(sp *directory.ServicePrincipal, app *directory.Application) {
	sp.DisplayName = app.DisplayName
	sp.ServicePrincipalNames = append([]string{app.AppID}, app.IdentifierURIs...)
	sp.OAuth2PermissionScopes = slices.Clone(app.API.OAuth2PermissionScopes)
	if sp.OAuth2PermissionScopes == nil {
		sp.OAuth2PermissionScopes = []directory.PermissionScope{}
	}
}

// applicationWriteError names the property a conflicting application write
// collided on.
func applicationWriteError(err error) error {
	switch {
	case errors.Is(err, store.ErrResourceNameTaken):
		return &UniquenessError{Property: "identifierUris", Msg: "Another object with the same value for property identifierUris already exists."}
	case errors.Is(err, store.ErrConflict):
		return &UniquenessError{Property: "appId", Msg: "Another object with the same value for property appId already exists."}
	}
	return err
}

// loadApplication reads an application for a change, refusing first-party
// ones.
func (r *Registry) loadApplication(ctx context.Context, a Actor, id string) (*directory.Application, error) {
	app, err := r.st.GetApplication(ctx, a.TenantID, id)
	if err != nil {
		return nil, err
	}
	return app, authorizeFirstParty(a, app.AppID)
}

// UpdateApplication applies fn to an application, validates the result and
// keeps its service principal in step.
func (r *Registry) UpdateApplication(ctx context.Context, a Actor, id string, fn func(*directory.Application) error) (*directory.Application, error) {
	return r.updateApplication(ctx, a, id, "Update application", fn)
}

func (r *Registry) updateApplication(ctx context.Context, a Actor, id, activity string, fn func(*directory.Application) error) (*directory.Application, error) {
	var out *directory.Application
	tgt := store.AuditTarget{ID: id, Type: "application"}
	err := r.change(ctx, a, activity, []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		cur, err := r.loadApplication(ctx, a, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = cur.DisplayName
		privileged, err := r.holdsDirectoryRole(ctx, a.TenantID, cur.AppID)
		if err != nil {
			return err
		}
		out, err = r.st.UpdateApplication(ctx, a.TenantID, id, func(app *directory.Application) error {
			appID, creds := app.AppID, slices.Clone(app.PasswordCredentials)
			if err := fn(app); err != nil {
				return err
			}
			if app.AppID != appID {
				return badRequest("Property 'appId' is read-only.")
			}
			if privileged && !reflect.DeepEqual(creds, app.PasswordCredentials) && a.Kind != ActorSystem && !(a.Kind == ActorUser && a.HasRole(roleAdmins...)) {
				// Whoever holds a secret of this app holds its directory
				// role: adding one is granting the role.
				return deny("The service principal of %s holds a directory role: only a Global Administrator or Privileged Role Administrator may change its credentials.", cur.DisplayName)
			}
			return directory.ValidateApplication(app)
		})
		if err != nil {
			return applicationWriteError(err)
		}
		return r.mirrorToServicePrincipal(ctx, out)
	})
	return out, err
}

// holdsDirectoryRole reports whether the application's service principal
// holds a directory role: its credentials are then as sensitive as the
// role (an application administrator adding a secret would gain it).
func (r *Registry) holdsDirectoryRole(ctx context.Context, tenantID, appID string) (bool, error) {
	sp, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, appID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	as, err := r.st.ListRoleAssignments(ctx, tenantID, store.RoleAssignmentFilter{PrincipalID: sp.ID})
	return len(as) > 0, err
}

// mirrorToServicePrincipal updates the application's service principal,
// if it has one.
func (r *Registry) mirrorToServicePrincipal(ctx context.Context, app *directory.Application) error {
	sp, err := r.st.GetServicePrincipalByAppID(ctx, app.TenantID, app.AppID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = r.st.UpdateServicePrincipal(ctx, app.TenantID, sp.ID, func(sp *directory.ServicePrincipal) error {
		mirrorApplication(sp, app)
		return nil
	})
	return err
}

// DeleteApplication deletes an app registration and, as Entra does in the
// home tenant, its service principal.
func (r *Registry) DeleteApplication(ctx context.Context, a Actor, id string) error {
	tgt := store.AuditTarget{ID: id, Type: "application"}
	return r.change(ctx, a, "Delete application", []store.AuditTarget{tgt}, func() error {
		if err := check(a, WriteApplications); err != nil {
			return err
		}
		app, err := r.loadApplication(ctx, a, id)
		if err != nil {
			return err
		}
		tgt.DisplayName = app.DisplayName
		if err := r.st.DeleteApplication(ctx, a.TenantID, id); err != nil {
			return err
		}
		sp, err := r.st.GetServicePrincipalByAppID(ctx, a.TenantID, app.AppID)
		if err == nil {
			err = r.st.DeleteServicePrincipal(ctx, a.TenantID, sp.ID)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
}

// AddPassword adds a client secret to an application and returns the
// secret, which is never stored and cannot be shown again.
func (r *Registry) AddPassword(ctx context.Context, a Actor, appObjectID, displayName string, lifetime time.Duration) (string, directory.PasswordCredential, error) {
	secret, cred := directory.NewClientSecret(displayName, r.clock(), lifetime)
	_, err := r.updateApplication(ctx, a, appObjectID, "Update application – Certificates and secrets management", func(app *directory.Application) error {
		app.PasswordCredentials = append(app.PasswordCredentials, cred)
		return nil
	})
	if err != nil {
		return "", directory.PasswordCredential{}, err
	}
	return secret, cred, nil
}

// RemovePassword removes a client secret by its keyId.
func (r *Registry) RemovePassword(ctx context.Context, a Actor, appObjectID, keyID string) error {
	_, err := r.updateApplication(ctx, a, appObjectID, "Update application – Certificates and secrets management", func(app *directory.Application) error {
		for i, c := range app.PasswordCredentials {
			if strings.EqualFold(c.KeyID, keyID) {
				app.PasswordCredentials = append(app.PasswordCredentials[:i], app.PasswordCredentials[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("client secret %s: %w", keyID, store.ErrNotFound)
	})
	return err
}

// GrantAdminConsent is the admin centre's "Grant admin consent": for every
// resource the application's requiredResourceAccess names, its application
// permissions ("Role") become app role assignments to the app's service
// principal and its delegated permissions ("Scope") an AllPrincipals
// permission grant (added to an existing one). It returns the permission
// values granted.
func (r *Registry) GrantAdminConsent(ctx context.Context, a Actor, appObjectID string) ([]string, error) {
	app, err := r.st.GetApplication(ctx, a.TenantID, appObjectID)
	if err != nil {
		return nil, fmt.Errorf("application %s: %w", appObjectID, err)
	}
	client, err := r.st.GetServicePrincipalByAppID(ctx, a.TenantID, app.AppID)
	if err != nil {
		return nil, fmt.Errorf("service principal of %s: %w", app.AppID, err)
	}
	var granted []string
	for _, rra := range app.RequiredResourceAccess {
		resource, err := r.st.GetServicePrincipalByAppID(ctx, a.TenantID, strings.ToLower(rra.ResourceAppID))
		if err != nil {
			return granted, fmt.Errorf("resource %s: %w", rra.ResourceAppID, err)
		}
		var scopes []string
		for _, ra := range rra.ResourceAccess {
			switch ra.Type {
			case "Role":
				role, ok := findRole(resource.AppRoles, ra.ID)
				if !ok {
					return granted, badRequest("The resource %s has no app role %s.", resource.DisplayName, ra.ID)
				}
				_, err := r.AssignAppRole(ctx, a, AppRoleAssignmentSpec{PrincipalID: client.ID, ResourceID: resource.ID, AppRoleID: role.ID})
				var bad *BadRequestError
				if err != nil && !(errors.As(err, &bad) && bad.Msg == msgAssignmentExists) {
					return granted, err
				}
				granted = append(granted, role.Value)
			case "Scope":
				if sc, ok := findScope(resource.OAuth2PermissionScopes, ra.ID); ok {
					scopes = append(scopes, sc.Value)
				}
			}
		}
		if len(scopes) > 0 {
			if err := r.grantAllPrincipals(ctx, a, client, resource, scopes); err != nil {
				return granted, err
			}
			granted = append(granted, scopes...)
		}
	}
	return granted, nil
}

func findRole(roles []directory.AppRole, id string) (directory.AppRole, bool) {
	for _, r := range roles {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return directory.AppRole{}, false
}

func findScope(scopes []directory.PermissionScope, id string) (directory.PermissionScope, bool) {
	for _, s := range scopes {
		if strings.EqualFold(s.ID, id) {
			return s, true
		}
	}
	return directory.PermissionScope{}, false
}
