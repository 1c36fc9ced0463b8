package registry

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/directory"
	"github.com/gatehouse-id/gatehouse/internal/store"
)

// Registry wraps a store with the directory's write rules.
type Registry struct {
	st    store.Store
	clock func() time.Time
}

// New returns a Registry. clock may be nil (time.Now).
func New(st store.Store, clock func() time.Time) *Registry {
	if clock == nil {
		clock = time.Now
	}
	return &Registry{st: st, clock: clock}
}

// Store returns the underlying store for read access.
func (r *Registry) Store() store.Store { return r.st }

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
func (r *Registry) CreateTenant(ctx context.Context, spec TenantSpec) (*directory.Tenant, error) {
	t := &directory.Tenant{
		ID: spec.ID, DisplayName: spec.DisplayName, InitialDomain: strings.ToLower(spec.InitialDomain),
		CreatedAt: r.clock().UTC(), PairwiseSalt: make([]byte, 32),
	}
	if t.ID == "" {
		t.ID = directory.NewID()
	}
	rand.Read(t.PairwiseSalt)
	if err := directory.ValidateTenant(t); err != nil {
		return nil, err
	}
	if err := r.st.CreateTenant(ctx, t); err != nil {
		return nil, fmt.Errorf("create tenant %s: %w", t.InitialDomain, err)
	}
	spID := spec.GraphServicePrincipalID
	if spID == "" {
		spID = directory.NewID()
	}
	graph := directory.NewGraphServicePrincipal(t.ID, spID)
	graph.CreatedAt = t.CreatedAt
	if err := r.st.CreateServicePrincipal(ctx, &graph); err != nil {
		return nil, fmt.Errorf("create Microsoft Graph service principal: %w", err)
	}
	return t, nil
}

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
	// /applications does.
	NoServicePrincipal bool
}

// RegisterApplication creates an application and its service principal, as
// registering an app in the Entra admin centre does.
func (r *Registry) RegisterApplication(ctx context.Context, tenantID string, spec ApplicationSpec) (*directory.Application, *directory.ServicePrincipal, error) {
	now := r.clock().UTC()
	a := &directory.Application{
		TenantID: tenantID, ID: orNew(spec.ID), AppID: orNew(spec.AppID), DisplayName: spec.DisplayName,
		SignInAudience: spec.SignInAudience, IdentifierURIs: nonNil(spec.IdentifierURIs),
		Web:                    directory.WebApplication{RedirectURIs: nonNil(spec.WebRedirectURIs)},
		PublicClient:           directory.PublicClientApplication{RedirectURIs: nonNil(spec.PublicClientRedirectURIs)},
		IsFallbackPublicClient: spec.IsFallbackPublicClient,
		GroupMembershipClaims:  spec.GroupMembershipClaims,
		RequiredResourceAccess: spec.RequiredResourceAccess,
		PasswordCredentials:    []directory.PasswordCredential{},
		CreatedAt:              now,
	}
	if a.SignInAudience == "" {
		a.SignInAudience = directory.AudienceMyOrg
	}
	if a.RequiredResourceAccess == nil {
		a.RequiredResourceAccess = []directory.RequiredResourceAccess{}
	}
	if err := directory.ValidateApplication(a); err != nil {
		return nil, nil, err
	}
	if _, err := r.st.GetTenant(ctx, tenantID); err != nil {
		return nil, nil, fmt.Errorf("tenant %s: %w", tenantID, err)
	}
	if err := r.st.CreateApplication(ctx, a); err != nil {
		return nil, nil, fmt.Errorf("create application %q: %w", a.DisplayName, err)
	}
	if spec.NoServicePrincipal {
		return a, nil, nil
	}
	sp := &directory.ServicePrincipal{
		TenantID: tenantID, ID: orNew(spec.ServicePrincipalID), AppID: a.AppID, DisplayName: a.DisplayName,
		AppOwnerOrganizationID: tenantID, ServicePrincipalNames: append([]string{a.AppID}, a.IdentifierURIs...),
		AppRoles: []directory.AppRole{}, OAuth2PermissionScopes: []directory.PermissionScope{},
		AccountEnabled: true, CreatedAt: now,
	}
	if err := r.st.CreateServicePrincipal(ctx, sp); err != nil {
		return nil, nil, fmt.Errorf("create service principal for %q: %w", a.DisplayName, err)
	}
	return a, sp, nil
}

// AddPassword adds a client secret to an application and returns the
// secret, which is never stored and cannot be shown again.
func (r *Registry) AddPassword(ctx context.Context, tenantID, appObjectID, displayName string, lifetime time.Duration) (string, directory.PasswordCredential, error) {
	secret, cred := directory.NewClientSecret(displayName, r.clock(), lifetime)
	_, err := r.st.UpdateApplication(ctx, tenantID, appObjectID, func(a *directory.Application) error {
		a.PasswordCredentials = append(a.PasswordCredentials, cred)
		return directory.ValidateApplication(a)
	})
	if err != nil {
		return "", directory.PasswordCredential{}, fmt.Errorf("add client secret: %w", err)
	}
	return secret, cred, nil
}

// GrantAdminConsent grants the application permissions ("Role" entries of
// requiredResourceAccess) as app role assignments from the app's service
// principal to each resource's service principal, like the admin centre's
// "Grant admin consent" button. It returns the permission values granted.
func (r *Registry) GrantAdminConsent(ctx context.Context, tenantID, appObjectID string) ([]string, error) {
	a, err := r.st.GetApplication(ctx, tenantID, appObjectID)
	if err != nil {
		return nil, fmt.Errorf("application %s: %w", appObjectID, err)
	}
	client, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, a.AppID)
	if err != nil {
		return nil, fmt.Errorf("service principal of %s: %w", a.AppID, err)
	}
	var granted []string
	for _, rra := range a.RequiredResourceAccess {
		resource, err := r.st.GetServicePrincipalByAppID(ctx, tenantID, rra.ResourceAppID)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", rra.ResourceAppID, err)
		}
		for _, ra := range rra.ResourceAccess {
			if ra.Type != "Role" {
				continue
			}
			role, ok := findRole(resource.AppRoles, ra.ID)
			if !ok {
				return nil, fmt.Errorf("resource %s has no app role %s", resource.DisplayName, ra.ID)
			}
			err := r.st.CreateAppRoleAssignment(ctx, &directory.AppRoleAssignment{
				TenantID: tenantID, ID: directory.NewID(), PrincipalID: client.ID, PrincipalType: "ServicePrincipal",
				ResourceID: resource.ID, AppRoleID: role.ID, CreatedAt: r.clock().UTC(),
			})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				return nil, fmt.Errorf("assign %s: %w", role.Value, err)
			}
			granted = append(granted, role.Value)
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

// UserSpec describes a new user.
type UserSpec struct {
	ID                string
	UserPrincipalName string
	DisplayName       string
	GivenName         string
	Surname           string
	Mail              string
	Password          string
	DirectoryRoles    []string
	AccountDisabled   bool
}

// CreateUser creates a user with an argon2id password hash.
func (r *Registry) CreateUser(ctx context.Context, tenantID string, spec UserSpec) (*directory.User, error) {
	t, err := r.st.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", tenantID, err)
	}
	u := &directory.User{
		TenantID: tenantID, ID: orNew(spec.ID), UserPrincipalName: spec.UserPrincipalName, DisplayName: spec.DisplayName,
		GivenName: spec.GivenName, Surname: spec.Surname, Mail: spec.Mail, AccountEnabled: !spec.AccountDisabled,
		DirectoryRoles: spec.DirectoryRoles, CreatedAt: r.clock().UTC(),
	}
	if err := directory.ValidateUser(u, []string{t.InitialDomain}); err != nil {
		return nil, err
	}
	if spec.Password != "" {
		if err := directory.ValidatePassword(spec.Password); err != nil {
			return nil, err
		}
		if u.PasswordHash, err = directory.HashPassword(spec.Password); err != nil {
			return nil, err
		}
	}
	if err := r.st.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("create user %s: %w", u.UserPrincipalName, err)
	}
	return u, nil
}

// CreateGroup creates a security group.
func (r *Registry) CreateGroup(ctx context.Context, tenantID, id, displayName, nickname string) (*directory.Group, error) {
	g := &directory.Group{TenantID: tenantID, ID: orNew(id), DisplayName: displayName, MailNickname: nickname,
		SecurityEnabled: true, CreatedAt: r.clock().UTC()}
	if err := directory.ValidateGroup(g); err != nil {
		return nil, err
	}
	if err := r.st.CreateGroup(ctx, g); err != nil {
		return nil, fmt.Errorf("create group %s: %w", displayName, err)
	}
	return g, nil
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

// UpdateUser applies fn to a user and validates the result.
func (r *Registry) UpdateUser(ctx context.Context, tenantID, id string, fn func(*directory.User) error) (*directory.User, error) {
	t, err := r.st.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return r.st.UpdateUser(ctx, tenantID, id, func(u *directory.User) error {
		if err := fn(u); err != nil {
			return err
		}
		return directory.ValidateUser(u, []string{t.InitialDomain})
	})
}
